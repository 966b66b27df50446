"""The platform adapters (autograder/platforms): Gradescope, PrairieLearn, the container entry.

Fast tier: the results.json mappings and their validators (written from the platforms'
documented formats), scrubbing of hidden-test text, finding the submitted notebook, the
bundle's and the course fragment's contents, the container files.
Slow tier: Gradescope's folder layout (``/autograder/{source,submission,results}``) and
PrairieLearn's (``/grade/{student,results,serverFilesCourse}``) laid out in a temporary root,
and the real ``run_autograder`` / PrairieLearn entry run on the fixture assignment's correct,
wrong, hostile and garbage submissions (four grading kernels, two at a time).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from autograder import CODE_ROOT, course, report
from autograder.grading import GradingError
from autograder.platforms import (OUTCOME_MARKER, REMOVED, Outcome, assert_no_secrets, find_notebook, flags_of,
                                  scrub, secrets_of)
from autograder.platforms import gradescope as gs
from autograder.platforms import prairielearn as pl
from autograder.protocol import AWAITING_MANUAL, Exercise, Result

FIXTURES = Path(__file__).parent / "grader_fixtures"
FIXTURE_ID = "00_fixture"
HIDDEN_LINE = "x = torch.randn(5, 7, generator=g, dtype=torch.float64)"  # a line of the fixture's hidden tests


@pytest.fixture(scope="module")
def fixture_course(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(FIXTURES / "solutions", root / "solutions")
    course.release(root, [FIXTURE_ID])
    return root


def _nb(root: Path, kind: str) -> nbformat.NotebookNode:
    return nbformat.read(root / kind / FIXTURE_ID / f"{FIXTURE_ID}.ipynb", as_version=4)


def _cell(nb, grade_id):
    return next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


def answered(root: Path, **answers) -> nbformat.NotebookNode:
    """The release with the reference answers, then ``answers`` (grade_id -> source)."""
    nb, src = _nb(root, "notebooks"), _nb(root, "solutions")
    for gid in ("row_mean", "normalize_rows", "answer_mse"):
        _cell(nb, gid).source = re.sub(r"[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", "", _cell(src, gid).source)
    _cell(nb, "explain_fork").source = "The mean of left and right is straight ahead."
    for gid, source in answers.items():
        _cell(nb, gid).source = source
    return nb


WRONG_MEAN = "def row_mean(x):\n    return x.sum(dim=1)\n"
WRONG_NORM = "def normalize_rows(x):\n    return x / x.abs().sum(dim=1, keepdim=True)\n"
# Replaces the kernel-side guard the grader talks to: every test then fails the integrity check.
TAMPER = ("import sys, types\n"
          "_fake = types.SimpleNamespace(restore=lambda n: 'ok', reset=lambda n: 'ok', forget=lambda m: None,\n"
          "                              snapshot=lambda: 'k')\n"
          "sys.modules['autograder'].guard = _fake\n")


def leak(solutions: Path) -> str:
    """A cell that reads the hidden tests (hidden by bwrap where it runs) and shows them in an
    error, plus one hidden line it 'knows' (so the scrubbing is exercised either way)."""
    return (f"try:\n    _found = open({str(solutions)!r}).read()\nexcept OSError as e:\n    _found = str(e)\n"
            f"raise RuntimeError('leak: ' + {HIDDEN_LINE!r} + ' ' + _found)\n")


def hostile(root: Path, solutions: Path) -> nbformat.NotebookNode:
    nb = answered(root, row_mean=WRONG_MEAN + TAMPER, normalize_rows=WRONG_NORM, answer_mse='answer_mse = "A"\n')
    nb.cells.append(nbformat.v4.new_code_cell(leak(solutions)))
    return nb


def secrets(root: Path) -> set[str]:
    return report.hidden_lines(_nb(root, "solutions"), _nb(root, "notebooks"))


# -- fast: the mappings ------------------------------------------------------------------------

def _result(**kw) -> Result:
    exercises = [Exercise("row_mean", 2.0, 2.0, "passed"),
                 Exercise("normalize_rows", 0.0, 3.0, "failed", "AssertionError: normalize_rows: wrong values"),
                 Exercise("explain_fork", None, 2.0, AWAITING_MANUAL)]
    base = dict(assignment=FIXTURE_ID, score=2.0, max_score=5.0, exercises=exercises, manual_max_score=2.0)
    return Result(**{**base, **kw})


def test_gradescope_results_follow_the_documented_format():
    data = gs.results(Outcome(FIXTURE_ID, _result(), notebook="00_fixture.ipynb", seconds=12.3))
    assert gs.validate(data) == [], gs.validate(data)
    assert data["score"] == 2.0 and data["stdout_visibility"] == "hidden"
    tests = {t["name"]: t for t in data["tests"]}
    assert list(tests) == ["row_mean", "normalize_rows", "explain_fork"]  # one test per exercise
    assert tests["row_mean"]["status"] == "passed" and tests["normalize_rows"]["status"] == "failed"
    assert (tests["normalize_rows"]["score"], tests["normalize_rows"]["max_score"]) == (0.0, 3.0)
    assert "wrong values" in tests["normalize_rows"]["output"]
    # the free-response answer is reported, never scored
    assert tests["explain_fork"]["max_score"] == 0.0 and "graded by a person" in tests["explain_fork"]["output"]
    assert "2 points (free-response)" in data["output"] and "without the bubblewrap" not in data["output"]


def test_gradescope_failed_to_grade_is_a_valid_result_with_the_reason():
    data = gs.results(Outcome(FIXTURE_ID, error="not a notebook: invalid JSON"))
    assert gs.validate(data) == []
    assert data["score"] == 0.0 and data["tests"] == [] and data["extra_data"]["failed_to_grade"]
    assert "Could not grade" in data["output"] and "invalid JSON" in data["output"]


@pytest.mark.parametrize("broken, problem", [
    ({"score": "10"}, "score must be a number"),
    ({"tests": [{"name": "a", "score": 1, "status": "ok"}]}, "status"),
    ({"score": 1, "stdout_visibility": "students"}, "stdout_visibility"),
    ({"score": 1, "tests": [{"name": "a", "tags": "x"}]}, "tags"),
    ({"score": 1, "colour": "red"}, "unknown top-level key"),
    ({"tests": [{"name": "a"}]}, "score is required"),
    ({"score": 1, "tests": [{"name": 3, "score": 1}]}, "name must be a string"),
])
def test_gradescope_validator_rejects_what_the_format_forbids(broken, problem):
    assert any(problem in p for p in gs.validate(broken)), gs.validate(broken)


def test_prairielearn_results_follow_the_documented_format():
    data = pl.results(Outcome(FIXTURE_ID, _result()))
    assert pl.validate(data) == [], pl.validate(data)
    assert data["gradable"] is True and data["score"] == pytest.approx(2 / 5)
    assert [(t["name"], t["points"], t["max_points"]) for t in data["tests"]] == [
        ("row_mean", 2.0, 2.0), ("normalize_rows", 0.0, 3.0), ("explain_fork", 0.0, 0.0)]
    bad = pl.results(Outcome(FIXTURE_ID, error="no notebook (.ipynb) was submitted"))
    assert pl.validate(bad) == [] and bad["gradable"] is False and "no notebook" in bad["message"]


@pytest.mark.parametrize("broken, problem", [
    ({"gradable": True, "score": 1.5}, "score must be a number in [0, 1]"),
    ({"score": 1.0}, "gradable"),
    ({"gradable": True, "score": 0.5, "tests": [{"points": 1}]}, "name"),
    ({"gradable": True, "score": 0.5, "message": "x" * 1_000_001}, "1 MB"),
])
def test_prairielearn_validator_rejects_what_the_format_forbids(broken, problem):
    assert any(problem in p for p in pl.validate(broken)), pl.validate(broken)


def test_prairielearn_results_stay_under_the_size_limit():
    huge = "e" * 600_000
    exercises = [Exercise(f"ex{i}", 0.0, 1.0, "failed", huge) for i in range(5)]
    res = Result(FIXTURE_ID, 0.0, 5.0, exercises, cell_errors=[{"cell": 1, "kind": "answer", "message": huge}])
    data = pl.results(Outcome(FIXTURE_ID, res))
    assert len(json.dumps(data).encode()) < pl.BUDGET and pl.validate(data) == []
    assert len(json.dumps(gs.results(Outcome(FIXTURE_ID, res))).encode()) < 100_000


def test_hidden_test_text_is_scrubbed_and_flagged(fixture_course):
    hidden = secrets(fixture_course)
    assert HIDDEN_LINE in hidden and secrets_of(fixture_course, FIXTURE_ID) >= hidden
    res = _result(cell_errors=[{"cell": 9, "kind": "notebook", "message": f"RuntimeError: {HIDDEN_LINE}"}])
    res.exercises[1].message = f"AssertionError: {HIDDEN_LINE}"
    out = scrub(Outcome(FIXTURE_ID, res, error=""), hidden)
    out.flags = flags_of(out.result)
    for data in (gs.results(out), pl.results(out)):
        text = json.dumps(data)
        assert HIDDEN_LINE not in text and report.CUT in text  # the messages keep their words, not the line
        assert_no_secrets(text, hidden)
    assert any("hidden tests" in f for f in out.flags)
    with pytest.raises(AssertionError):
        assert_no_secrets(json.dumps({"output": HIDDEN_LINE}), hidden)


def test_tampering_is_flagged():
    res = _result()
    res.exercises[0] = Exercise("row_mean", 0.0, 2.0, "error", "IntegrityError: the grader's integrity check failed")
    flags = flags_of(res)
    assert flags and flags[0].startswith("row_mean")
    data = gs.results(Outcome(FIXTURE_ID, res, flags=flags))
    assert data["extra_data"]["flagged"] and "FLAGGED" in data["output"]
    assert data["tests"][0]["tags"] == ["flagged"]


def test_find_notebook(tmp_path):
    known = [FIXTURE_ID, "01_other"]
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "notes.ipynb").write_text("{}")
    (tmp_path / "a" / "sub").mkdir()
    (tmp_path / "a" / "sub" / f"{FIXTURE_ID}.ipynb").write_text("{}")
    assert find_notebook(tmp_path / "a", FIXTURE_ID, known)[0].parent.name == "sub"  # the named one wins
    assert find_notebook(tmp_path / "a", None, known)[1] == FIXTURE_ID
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "my work (1).ipynb").write_text("{}")
    assert find_notebook(tmp_path / "b", FIXTURE_ID, known)[1] == FIXTURE_ID  # the only notebook
    with pytest.raises(GradingError, match="cannot tell the assignment"):
        find_notebook(tmp_path / "b", None, known)
    (tmp_path / "b" / "other.ipynb").write_text("{}")
    with pytest.raises(GradingError, match="several notebooks"):
        find_notebook(tmp_path / "b", FIXTURE_ID, known)
    (tmp_path / "c").mkdir()
    with pytest.raises(GradingError, match="no notebook"):
        find_notebook(tmp_path / "c", FIXTURE_ID, known)


# -- fast: what is shipped ---------------------------------------------------------------------

def test_bundle_contents(fixture_course, tmp_path):
    fake_wheel = tmp_path / "ilcourse-0.3.0-py3-none-any.whl"
    fake_wheel.write_bytes(b"PK")
    zip_path = gs.build_bundle(fixture_course, FIXTURE_ID, tmp_path / "out", wheel=fake_wheel)
    with zipfile.ZipFile(zip_path) as zf:
        names = set(zf.namelist())
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in zf.infolist()}
        setup, reqs = zf.read("setup.sh").decode(), zf.read("requirements-grader.txt").decode()
        config = json.loads(zf.read(gs.BUNDLE_JSON))
    # setup.sh and run_autograder at the root of the archive, executable
    assert {"setup.sh", "run_autograder", f"course/solutions/{FIXTURE_ID}/{FIXTURE_ID}.ipynb",
            f"wheels/{fake_wheel.name}"} <= names
    assert modes["setup.sh"] & stat.S_IXUSR and modes["run_autograder"] & stat.S_IXUSR
    assert config == {"assignment": FIXTURE_ID, "course": "course"}
    assert not any(n.startswith(("mutants/", "notebooks/", "tests/")) for n in names)
    # pinned, what grading needs only; torch from the CPU index at the version of requirements.txt
    pins = {line.split("==")[0]: line for line in reqs.split()}
    assert "nbgrader" in pins and all("==" in line for line in pins.values())
    assert not {"jupyterlab", "pytest", "ruff", "torch", "-e"} & set(pins)
    torch_pin = next(line for line in (CODE_ROOT / "requirements.txt").read_text().split() if line.startswith("torch=="))
    assert f'"{torch_pin}"' in setup and "download.pytorch.org/whl/cpu" in setup
    subprocess.run(["bash", "-n", "-c", setup], check=True)


def test_prairielearn_course_fragment(fixture_course, tmp_path):
    out = pl.build_course_fragment(fixture_course, FIXTURE_ID, tmp_path, image="registry.example/ilcourse-grader:1")
    info = json.loads((out / "questions" / f"ilcourse_{FIXTURE_ID}" / "info.json").read_text())
    opts = info["externalGradingOptions"]
    assert info["gradingMethod"] == "External" and opts["enabled"] is True
    assert opts["image"] == "registry.example/ilcourse-grader:1" and opts["serverFilesCourse"] == ["ilcourse/"]
    assert opts["entrypoint"] == "/grade/serverFilesCourse/ilcourse/run.sh" and opts["timeout"] >= 60
    run_sh = out / "serverFilesCourse" / "ilcourse" / "run.sh"
    assert os.access(run_sh, os.X_OK)
    subprocess.run(["bash", "-n", str(run_sh)], check=True)
    assert (out / "serverFilesCourse" / "ilcourse" / "course" / "solutions" / FIXTURE_ID / f"{FIXTURE_ID}.ipynb").is_file()
    html = (out / "questions" / f"ilcourse_{FIXTURE_ID}" / "question.html").read_text()
    assert f'file-names="{FIXTURE_ID}.ipynb"' in html and "pl-external-grader-results" in html


def test_container_files():
    entry = CODE_ROOT / "container" / "entrypoint.sh"
    assert os.access(entry, os.X_OK)
    subprocess.run(["sh", "-n", str(entry)], check=True)
    text = (CODE_ROOT / "container" / "Containerfile").read_text()
    for src in re.findall(r"^COPY (.+) \S+$", text, re.M):
        for part in src.split():
            assert (CODE_ROOT / part).exists(), part
    assert "ENTRYPOINT" in text and "entrypoint.sh" in text


def test_cli_has_the_platform_commands():
    from autograder.cli import build_parser

    args = build_parser().parse_args(["gradescope", FIXTURE_ID, "--out", "x"])
    assert args.id == FIXTURE_ID and callable(args.func)
    args = build_parser().parse_args(["prairielearn", FIXTURE_ID, "--out", "x", "--image", "i"])
    assert args.image == "i"


# -- slow: the platforms' folder layouts, real gradings -----------------------------------------

def _run(cmd, env):
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, cwd="/")
    outcome = next((json.loads(line[len(OUTCOME_MARKER):]) for line in proc.stdout.splitlines()
                    if line.startswith(OUTCOME_MARKER)), None)
    return proc, outcome


@pytest.fixture(scope="module")
def platform_runs(fixture_course, tmp_path_factory):
    """Gradescope: correct, wrong, hostile, garbage, nothing submitted; PrairieLearn: wrong, garbage."""
    base = tmp_path_factory.mktemp("platforms")
    zip_path = gs.build_bundle(fixture_course, FIXTURE_ID, base / "bundle", wheel=False)
    subs = {"correct": answered(fixture_course), "wrong": answered(fixture_course, row_mean=WRONG_MEAN),
            "hostile": hostile(fixture_course, base / "gs-hostile" / "source" / "course" / "solutions" / FIXTURE_ID
                               / f"{FIXTURE_ID}.ipynb"),
            "garbage": b"PK\x03\x04 not a notebook \x00\xff", "nothing": None}
    env = dict(os.environ, AUTOGRADER_PYTHON=sys.executable, AUTOGRADER_CELL_TIMEOUT="20")
    env.pop("PYTHONPATH", None)  # the installed grader, as on the platform (python -P)
    jobs = {}
    for name, content in subs.items():
        root = gs.unpack(zip_path, base / f"gs-{name}")
        _write(root / "submission", content)
        jobs[("gs", name)] = ([str(root / "run_autograder")], dict(env, AUTOGRADER_GRADESCOPE_ROOT=str(root)), root)
    frag = pl.build_course_fragment(fixture_course, FIXTURE_ID, base / "plcourse")
    for name in ("wrong", "garbage"):
        root = base / f"pl-{name}"
        (root / "serverFilesCourse").mkdir(parents=True)
        shutil.copytree(frag / "serverFilesCourse" / "ilcourse", root / "serverFilesCourse" / "ilcourse")
        _write(root / "student", subs[name])
        cmd = [str(root / "serverFilesCourse" / "ilcourse" / "run.sh")]
        jobs[("pl", name)] = (cmd, dict(env, AUTOGRADER_PL_ROOT=str(root)), root)

    def one(item):
        key, (cmd, e, root) = item
        proc, outcome = _run(cmd, e)
        results = root / "results" / "results.json"
        data = json.loads(results.read_text()) if results.is_file() else None
        return key, {"proc": proc, "outcome": outcome, "data": data, "text": results.read_text() if data else ""}

    order = sorted(jobs.items(), key=lambda kv: kv[0][1] in ("garbage", "nothing"))  # kernels first
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(one, order))


def _write(folder: Path, content) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        (folder / f"{FIXTURE_ID}.ipynb").write_bytes(content)
    elif content is not None:
        nbformat.write(content, folder / f"{FIXTURE_ID}.ipynb")


def _gs(runs, name):
    run = runs[("gs", name)]
    assert run["data"] is not None, run["proc"].stdout[-2000:] + run["proc"].stderr[-2000:]
    assert run["proc"].returncode == 0
    assert gs.validate(run["data"]) == [], gs.validate(run["data"])
    return run


@pytest.mark.slow
def test_gradescope_correct_gets_full_marks(platform_runs):
    data = _gs(platform_runs, "correct")["data"]
    assert data["score"] == 6.0 and not data["extra_data"]["flagged"]
    assert [(t["name"], t["score"], t["max_score"]) for t in data["tests"]] == [
        ("row_mean", 2.0, 2.0), ("normalize_rows", 3.0, 3.0), ("answer_mse", 1.0, 1.0), ("explain_fork", 0.0, 0.0)]
    assert all(t.get("status", "passed") == "passed" for t in data["tests"])
    assert data["stdout_visibility"] == "hidden"


@pytest.mark.slow
def test_gradescope_wrong_gets_partial_marks(platform_runs):
    data = _gs(platform_runs, "wrong")["data"]
    tests = {t["name"]: t for t in data["tests"]}
    assert data["score"] == 4.0 and tests["row_mean"]["status"] == "failed" and tests["row_mean"]["score"] == 0.0
    assert tests["row_mean"]["output"].startswith("failed: ") and not data["extra_data"]["flagged"]


@pytest.mark.slow
def test_gradescope_hostile_gets_zero_and_is_flagged(platform_runs, fixture_course):
    run = _gs(platform_runs, "hostile")
    data = run["data"]
    assert data["score"] == 0.0 and all(t["score"] == 0.0 for t in data["tests"])
    assert data["extra_data"]["flagged"] and "FLAGGED" in data["output"]
    flags = " ".join(data["extra_data"]["flags"])
    assert "integrity check failed" in flags and "hidden tests" in flags
    assert HIDDEN_LINE not in run["text"] and (REMOVED in run["text"] or report.CUT in run["text"])


@pytest.mark.slow
@pytest.mark.parametrize("name, reason", [("garbage", "not a jupyter notebook"), ("nothing", "no notebook")])
def test_gradescope_garbage_is_a_failed_grading_with_a_message(platform_runs, name, reason):
    data = _gs(platform_runs, name)["data"]
    assert data["score"] == 0.0 and data["tests"] == [] and data["extra_data"]["failed_to_grade"]
    assert "Could not grade" in data["output"] and reason in data["output"].lower(), data["output"]


@pytest.mark.slow
def test_prairielearn_layout(platform_runs):
    wrong, garbage = platform_runs[("pl", "wrong")], platform_runs[("pl", "garbage")]
    for run in (wrong, garbage):
        assert run["data"] is not None, run["proc"].stdout[-2000:] + run["proc"].stderr[-2000:]
        assert pl.validate(run["data"]) == [] and len(run["text"].encode()) < pl.SIZE_LIMIT
    assert wrong["data"]["gradable"] is True and wrong["data"]["score"] == pytest.approx(4 / 6)
    assert {t["name"]: t["points"] for t in wrong["data"]["tests"]}["row_mean"] == 0.0
    assert garbage["data"]["gradable"] is False and "not a jupyter notebook" in garbage["data"]["message"].lower()
    # the PrairieLearn mapping of the Gradescope runs' outcomes (correct: 1, hostile: 0, flagged)
    for name, score in (("correct", 1.0), ("hostile", 0.0)):
        o = platform_runs[("gs", name)]["outcome"]
        res = Result.from_json(o["result"])
        data = pl.results(Outcome(o["assignment"], res, flags=o["flags"], notes=o["notes"]))
        assert pl.validate(data) == [] and data["score"] == score
    assert "FLAGGED" in data["message"]


@pytest.mark.slow
def test_no_hidden_test_text_in_any_result(platform_runs, fixture_course):
    hidden = secrets(fixture_course)
    for key, run in platform_runs.items():
        assert run["text"], key
        assert_no_secrets(run["text"], hidden)
