"""Tests of the autograder (python -m autograder).

Two groups:
- the course's own assignments (parametrized over ``solutions/``, so new notebooks are
  covered automatically): solutions grade full marks, releases grade 0, releases in sync,
  no solution or hidden-test text in ``notebooks/``, mutants;
- the bad-submission battery, built from the grader's fixture assignment
  (``tests/grader_fixtures``) in a temporary course, graded in one ``grade-all --jobs 2``.

Speed: one grading template per assignment for the whole session (``graders``), the selected
solution and release gradings run ``JOBS`` at a time (``course_grades``), and the mutants of
one exercise share a kernel. ``pytest -m "not slow"`` is the fast tier (no kernel at all).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from autograder import CODE_ROOT, course, report, sandbox
from autograder.grading import Grader, GradingError, Limits, grade_all
from autograder.protocol import AWAITING_MANUAL

FIXTURES = Path(__file__).parent / "grader_fixtures"
FIXTURE_ID = "00_fixture"
REPO_ASSIGNMENTS = course.assignments(CODE_ROOT)
HAS_BWRAP = sandbox.probe()[0]  # bwrap that actually runs here (not merely on PATH)
PY = sys.executable
JOBS = max(1, min(2, os.cpu_count() or 1))  # gradings in parallel (each kernel uses one thread)


def run_cli(*args, env=None, cwd="/"):
    env = dict(os.environ, **(env or {}), PYTHONPATH=str(CODE_ROOT))
    return subprocess.run([PY, "-m", "autograder", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=600)


# -- a temporary course holding the fixture assignment ----------------------------------------

@pytest.fixture(scope="session")
def fixture_course(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(FIXTURES / "solutions", root / "solutions")
    (root / "mutants").mkdir(parents=True)
    shutil.copy(FIXTURES / "mutants" / f"{FIXTURE_ID}.py", root / "mutants")
    course.release(root, [FIXTURE_ID])
    return root


@pytest.fixture(scope="session")
def graders():
    """``graders(root, assignment)``: one open Grader (one template) per assignment per session."""
    cache: dict[tuple[Path, str], Grader] = {}

    def get(root: Path, assignment: str) -> Grader:
        key = (Path(root).resolve(), assignment)
        if key not in cache:
            cache[key] = Grader(root, assignment)
        return cache[key]

    yield get
    for grader in cache.values():
        grader.close()


def release_nb(root: Path, assignment=FIXTURE_ID):
    return nbformat.read(root / "notebooks" / assignment / f"{assignment}.ipynb", as_version=4)


def source_nb(root: Path, assignment=FIXTURE_ID):
    return nbformat.read(root / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)


def cell(nb, grade_id):
    return next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


def answered(root: Path, **answers) -> nbformat.NotebookNode:
    """The release with the correct answers, then ``answers`` (grade_id -> source) applied."""
    nb, src = release_nb(root), source_nb(root)
    for gid in ("row_mean", "normalize_rows", "answer_mse"):
        cell(nb, gid).source = re.sub(r"[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", "", cell(src, gid).source)
    cell(nb, "explain_fork").source = EXPLANATION
    for gid, source in answers.items():
        cell(nb, gid).source = source
    return nb


def add_cell(nb, source, after=None):
    new = nbformat.v4.new_code_cell(source)
    index = len(nb.cells) if after is None else nb.cells.index(cell(nb, after)) + 1
    nb.cells.insert(index, new)
    return nb


EXPLANATION = "An MSE policy predicts the average action; at a fork that is straight ahead."
WRONG_MEAN = "def row_mean(x):\n    return x.sum(dim=1)\n"
WRONG_NORM = "def normalize_rows(x):\n    return x / x.abs().sum(dim=1, keepdim=True)\n"
#: Writes 500 points into every gradebook it can reach from its working folder upwards (the
#: course's .grading/gradebook.db, a grading run's db/gradebook.db), then answers correctly.
GRADEBOOK_WRITE = (
    "import sqlite3, pathlib\n"
    "for _d in [pathlib.Path.cwd(), *pathlib.Path.cwd().parents]:\n"
    "    for _db in (_d / 'db' / 'gradebook.db', _d / '.grading' / 'gradebook.db'):\n"
    "        try:\n"
    "            if _db.is_file():\n"
    "                _c = sqlite3.connect(_db)\n"
    "                _c.execute('update grade set auto_score = 500, manual_score = 500')\n"
    "                _c.commit()\n"
    "                _c.close()\n"
    "        except Exception:\n"
    "            pass\n"
    "answer_mse = 'B'\n")


def _battery(root: Path) -> dict[str, tuple[object, dict]]:
    """student -> (notebook | bytes | folder builder, expected per-exercise scores or 'review')."""
    full = {"row_mean": 2, "normalize_rows": 3, "answer_mse": 1}
    b = {}
    b["correct"] = (answered(root), full)
    # full marks, and a note for the instructor: the answer uses course code the solution does not
    b["uses_course_code"] = (answered(root, row_mean="import ilcourse.nets\n\ndef row_mean(x):\n"
                                                      "    return x.mean(dim=1)\n"), full)
    b["released"] = (release_nb(root), {"row_mean": 0, "normalize_rows": 0, "answer_mse": 0})
    b["syntax_error"] = (answered(root, row_mean="def row_mean(x)\n    return x.mean(1)\n"),
                         dict(full, row_mean=0))
    b["exception"] = (answered(root, normalize_rows="def normalize_rows(x):\n    raise ValueError('todo')\n"),
                      dict(full, normalize_rows=0))
    b["wrong_shape"] = (answered(root, row_mean="def row_mean(x):\n    return x.mean(dim=1, keepdim=True)\n"),
                        dict(full, row_mean=0))
    b["nan"] = (answered(root, normalize_rows="def normalize_rows(x):\n    return x * float('nan')\n"),
                dict(full, normalize_rows=0))
    b["warning"] = (answered(root, row_mean=(
        "import warnings\nimport torch\n\ndef row_mean(x):\n"
        "    warnings.warn('a harmless warning', UserWarning)\n"
        "    x = torch.tensor(x)  # torch's UserWarning: copy-construct from a tensor\n"
        "    return x.mean(dim=1)\n")), full)
    b["monkeypatch"] = (answered(root, row_mean=WRONG_MEAN + (
        "import ilcourse.checks, torch, torch.testing, numpy.testing\n"
        "_ok = lambda *a, **k: True\n"
        "ilcourse.checks.check_close = check_close = lambda *a, **k: None\n"
        "ilcourse.checks.check_not_mutated = check_not_mutated = lambda fn, *a, **k: fn(*a)\n"
        "torch.testing.assert_close = lambda *a, **k: None\n"
        "numpy.testing.assert_allclose = lambda *a, **k: None\n"
        "torch.allclose = _ok\ntorch.Tensor.allclose = _ok\n"),
        normalize_rows=WRONG_NORM), dict(full, row_mean=0, normalize_rows=0))
    b["input_transformer"] = (answered(root, row_mean=WRONG_MEAN + (
        "def _blank(lines):\n    return [] if any('check' in l or 'assert' in l for l in lines) else lines\n"
        "get_ipython().input_transformers_cleanup.append(_blank)\n"
        "import ast\nclass _NoAssert(ast.NodeTransformer):\n"
        "    def visit_Assert(self, node):\n        return None\n"
        "get_ipython().ast_transformers.append(_NoAssert())\n"),
        normalize_rows=WRONG_NORM), dict(full, row_mean=0, normalize_rows=0))
    b["ipython_patch"] = (answered(root, row_mean=WRONG_MEAN + (
        "_shell = get_ipython()\n_orig = _shell.run_cell\n"
        "def _skip(raw_cell, *a, **k):\n"
        "    return _orig('pass' if 'check' in raw_cell else raw_cell, *a, **k)\n"
        "_shell.run_cell = _skip\n")), dict(full, row_mean=0))
    b["history_leak"] = (add_cell(answered(root), (
        "import linecache\nprint(_ih)\nprint(In)\nget_ipython().run_line_magic('history', '')\n"
        "print([''.join(v[2]) for v in linecache.cache.values()])\n"
        "print(get_ipython().last_execution_result)\n")), full)
    b["infinite_loop"] = (answered(root, row_mean="def row_mean(x):\n    while True:\n        pass\n"),
                          dict(full, row_mean=0))
    b["ignores_sigint"] = (answered(root, row_mean=(
        "import signal\n\ndef row_mean(x):\n    signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "    while True:\n        pass\n")), dict(full, row_mean=0))
    b["os_exit"] = (answered(root, row_mean="import os\n\ndef row_mean(x):\n    os._exit(1)\n"),
                    dict(full, row_mean=0))
    b["memory_bomb"] = (answered(root, normalize_rows=(
        "def normalize_rows(x):\n    hog = [bytearray(2**28) for _ in range(10**4)]\n    return x\n")),
        dict(full, normalize_rows=0))
    b["duplicated_cells"] = (_duplicated(answered(root, row_mean=WRONG_MEAN)), dict(full, row_mean=0))
    b["deleted_test"] = (_deleted(answered(root, normalize_rows=WRONG_NORM)), dict(full, normalize_rows=0))
    b["edited_test"] = (_edited(answered(root, row_mean=WRONG_MEAN)), dict(full, row_mean=0))
    b["manual_points_tampered"] = (_manual_tampered(answered(root)), full)
    b["manual_as_code"] = (_manual_as_code(answered(root)), full)
    b["empty_notebook"] = (nbformat.v4.new_notebook(), "review")
    b["wrong_notebook"] = (_wrong_notebook(), "review")
    b["not_a_notebook"] = (b"this is a zip file, honest\x00\x01", "review")
    # scored by the tests it passed; without the sandbox it reaches its run's gradebook: flagged
    b["gradebook_write"] = (answered(root, answer_mse=GRADEBOOK_WRITE, row_mean=WRONG_MEAN), dict(full, row_mean=0))
    b["shadow_files"] = ("folder", full)  # built in _write_battery: torch.py + ilcourse/ beside it
    if HAS_BWRAP:
        b["reads_solutions"] = (answered(root, answer_mse=(
            "import glob, sqlite3, pathlib\n"
            f"_paths = glob.glob({str(root / 'solutions')!r} + '/**/*.ipynb', recursive=True)\n"
            f"_paths += glob.glob({str(CODE_ROOT / 'solutions')!r} + '/**/*.ipynb', recursive=True)\n"
            f"_paths += glob.glob({str(CODE_ROOT / 'mutants')!r} + '/*.py')\n"
            "_dbs = glob.glob('/tmp/**/gradebook.db', recursive=True)\n"
            f"_dbs += glob.glob({str(root / '.grading')!r} + '/**/*.db', recursive=True)\n"
            "for _db in _dbs:\n    sqlite3.connect(_db).execute('update grade set auto_score = 99')\n"
            "answer_mse = 'B' if (_paths or _dbs) else 'A'\n")), dict(full, answer_mse=0))
    return b


def _duplicated(nb):
    nb.cells.insert(nb.cells.index(cell(nb, "row_mean_test")) + 1, nbformat.from_dict(dict(cell(nb, "row_mean_test"))))
    nb.cells.insert(0, nbformat.from_dict(dict(cell(nb, "row_mean"))))
    return nb


def _deleted(nb):
    nb.cells.remove(cell(nb, "normalize_rows_test"))
    return nb


def _edited(nb):
    c = cell(nb, "row_mean_test")
    c.source = "pass"
    c.metadata["nbgrader"]["points"] = 20
    return nb


def _manual_tampered(nb):
    """The free-response cell's metadata claims 100 points and an autograded test."""
    meta = cell(nb, "explain_fork").metadata["nbgrader"]
    meta.update(points=100, solution=False, grade=True, locked=True)
    return nb


def _manual_as_code(nb):
    """The free-response cell turned into code that would pass as a test (and prints)."""
    c = cell(nb, "explain_fork")
    index = nb.cells.index(c)
    nb.cells[index] = nbformat.v4.new_code_cell("print('full marks please')", metadata=c.metadata)
    return nb


def _wrong_notebook():
    nb = nbformat.v4.new_notebook()
    c = nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": {
        "grade": False, "grade_id": "other_exercise", "locked": False, "schema_version": 3,
        "solution": True, "task": False}})
    nb.cells.append(c)
    return nb


def _write_battery(root: Path, folder: Path) -> dict:
    battery = _battery(root)
    for i, (student, (content, _)) in enumerate(sorted(battery.items())):
        if content == "folder":
            sub = folder / student / FIXTURE_ID
            sub.mkdir(parents=True)
            nbformat.write(answered(root), sub / f"{FIXTURE_ID}.ipynb")
            (sub / "torch.py").write_text("raise ImportError('shadowed torch')\n")
            (sub / "numpy.py").write_text("raise ImportError('shadowed numpy')\n")
            (sub / "ilcourse").mkdir()
            (sub / "ilcourse" / "__init__.py").write_text("raise ImportError('shadowed ilcourse')\n")
        elif isinstance(content, bytes):
            (folder / f"{student}.ipynb").write_bytes(content)
        elif i % 2:  # mix the two common layouts
            (folder / student).mkdir()
            nbformat.write(content, folder / student / f"{FIXTURE_ID}.ipynb")
        else:
            nbformat.write(content, folder / f"{student}.ipynb")
    return battery


@pytest.fixture(scope="session")
def battery_results(fixture_course, tmp_path_factory, graders):
    folder = tmp_path_factory.mktemp("submissions")
    battery = _write_battery(fixture_course, folder)
    out = folder.parent / "grades.csv"
    feedback = folder.parent / "feedback"
    rows = grade_all(folder, FIXTURE_ID, out, fixture_course, jobs=JOBS,
                     limits=Limits(cell_timeout=8, wall_clock=240), feedback_dir=feedback,
                     log=lambda m: None, grader=graders(fixture_course, FIXTURE_ID))
    return battery, {r["student"]: r for r in rows}, out, feedback


# -- the battery -------------------------------------------------------------------------------

BATTERY_NAMES = ["correct", "uses_course_code", "released", "syntax_error", "exception", "wrong_shape", "nan",
                 "warning",
                 "monkeypatch", "input_transformer", "ipython_patch", "history_leak", "infinite_loop",
                 "ignores_sigint", "os_exit", "memory_bomb", "duplicated_cells", "deleted_test",
                 "edited_test", "manual_points_tampered", "manual_as_code", "empty_notebook",
                 "wrong_notebook", "not_a_notebook", "shadow_files", "reads_solutions", "gradebook_write"]


@pytest.mark.slow
@pytest.mark.parametrize("student", BATTERY_NAMES)
def test_bad_submission(battery_results, student):
    battery, rows, _, _ = battery_results
    if student not in battery:
        pytest.skip("needs bubblewrap (bwrap); CI installs it")
    expected = battery[student][1]
    row = rows[student]
    if expected == "review":
        assert row["status"] == "needs review" and row["reason"], row
        assert row["score"] == ""
        return
    if student == "gradebook_write" and row["sandboxed"] == "no":
        assert row["status"] == "needs review" and "gradebook.db" in row["reason"], row
    else:
        assert row["status"] == "graded", row
    got = {name: row[name] for name in expected}
    assert got == expected, row
    assert row["score"] == sum(expected.values())
    # the free-response cell is never scored, whatever the submission did to it
    assert row["explain_fork"] == AWAITING_MANUAL and row["manual_max_score"] == 2, row


@pytest.mark.slow
def test_battery_csv_and_feedback_hide_hidden_tests(battery_results, fixture_course):
    battery, rows, out, feedback = battery_results
    with open(out) as fh:
        assert {r["student"] for r in csv.DictReader(fh)} == set(battery)
    secrets = report.hidden_lines(source_nb(fixture_course), release_nb(fixture_course))
    assert secrets
    for html in feedback.glob("*.html"):
        text = html.read_text()
        for line in secrets:
            assert line not in text and _html_escape(line) not in text, (html.name, line)
    leak = (feedback / "history_leak.html").read_text()
    assert "removed: it showed the hidden tests" in leak or "BEGIN HIDDEN" not in leak


@pytest.mark.slow
def test_answers_using_course_code_are_noted_not_scored(battery_results):
    _, rows, out, _ = battery_results
    assert rows["uses_course_code"]["uses_beyond_solution"] == "row_mean: ilcourse.nets"
    assert rows["correct"]["uses_beyond_solution"] == ""
    with open(out) as fh:
        csv_rows = {r["student"]: r for r in csv.DictReader(fh)}
    assert csv_rows["uses_course_code"]["uses_beyond_solution"] == "row_mean: ilcourse.nets"


def _html_escape(s):
    import html

    return html.escape(s)


@pytest.mark.slow
def test_wall_clock_and_exit_codes(fixture_course, tmp_path, graders):
    nb_path = tmp_path / f"{FIXTURE_ID}.ipynb"
    nbformat.write(answered(fixture_course), nb_path)
    with graders(fixture_course, FIXTURE_ID).with_limits(Limits(wall_clock=2)) as grader:
        with pytest.raises(GradingError, match="wall clock"):
            grader.grade(nb_path)
    bad = tmp_path / "notes.txt"
    bad.write_text("not a notebook")
    res = run_cli("--course-root", str(fixture_course), "grade", str(bad), "--assignment", FIXTURE_ID)
    assert res.returncode == 2 and "not a Jupyter notebook" in res.stderr


@pytest.mark.slow
def test_grade_cli_json_and_feedback(fixture_course, tmp_path):
    nb_path = tmp_path / f"{FIXTURE_ID}.ipynb"
    nbformat.write(answered(fixture_course, row_mean=WRONG_MEAN), nb_path)
    fb = tmp_path / "fb.html"
    res = run_cli("--course-root", str(fixture_course), "grade", str(nb_path), "--json", "--feedback", str(fb))
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["assignment"] == FIXTURE_ID and out["score"] == 4 and out["max_score"] == 6
    assert out["manual_max_score"] == 2
    ex = {e["name"]: e for e in out["exercises"]}
    assert ex["row_mean"]["status"] == "failed" and "row_mean" in ex["row_mean"]["message"]
    assert set(ex["row_mean"]) == {"name", "score", "max_score", "status", "message"}
    assert ex["explain_fork"] == {"name": "explain_fork", "score": None, "max_score": 2,
                                  "status": AWAITING_MANUAL, "message": ""}
    assert out["reference_uses"] == []
    text = fb.read_text()
    assert fb.is_file() and "BEGIN HIDDEN TESTS" not in text
    assert EXPLANATION.split(";")[0] in text  # the learner's answer, for the person grading it
    assert "Rubric" not in text and "Model answer" not in text


@pytest.mark.slow
def test_grading_without_sandbox_says_so(fixture_course, tmp_path):
    nb_path = tmp_path / f"{FIXTURE_ID}.ipynb"
    nbformat.write(answered(fixture_course), nb_path)
    res = run_cli("--course-root", str(fixture_course), "grade", str(nb_path),
                  env={"AUTOGRADER_NO_SANDBOX": "1"})
    assert res.returncode == 0, res.stderr
    assert "total: 6 / 6 autograded, 2 points await manual grading" in res.stdout
    assert re.search(r"explain_fork\s+-\s+2\s+awaiting manual grading", res.stdout), res.stdout
    assert "WITHOUT the sandbox" in res.stderr


@pytest.mark.slow
def test_numeric_last_expression_is_not_partial_credit(fixture_course, tmp_path):
    """A test cell ending in a bare number must neither give partial credit nor crash."""
    root = tmp_path / "course"
    shutil.copytree(fixture_course / "solutions", root / "solutions")
    src = root / "solutions" / FIXTURE_ID / f"{FIXTURE_ID}.ipynb"
    nb = nbformat.read(src, as_version=4)
    for gid in ("row_mean_test", "normalize_rows_test"):
        cell(nb, gid).source += "\n7"  # more than the cell's points: crashes plain nbgrader
    nbformat.write(nb, src)
    course.release(root, [FIXTURE_ID])
    good, bad = tmp_path / "good.ipynb", tmp_path / "bad.ipynb"
    nbformat.write(answered(root), good)
    nbformat.write(answered(root, row_mean=WRONG_MEAN), bad)
    with Grader(root, FIXTURE_ID) as grader:
        assert grader.grade(good).score == 6
        assert grader.grade(bad).score == 4


def test_grader_api_works_from_a_venv_that_is_not_activated(fixture_course):
    """nbgrader runs ``alembic`` from PATH; calling the interpreter by its path must be enough."""
    code = ("import sys; from pathlib import Path; from autograder.grading import Grader\n"
            "with Grader(Path(sys.argv[1]), sys.argv[2]): print('built')")
    env = dict(os.environ, PATH="/usr/bin:/bin", PYTHONPATH=str(CODE_ROOT))
    res = subprocess.run([PY, "-c", code, str(fixture_course), FIXTURE_ID], capture_output=True, text=True,
                         env=env, cwd="/", timeout=600)
    assert res.returncode == 0 and "built" in res.stdout, res.stdout + res.stderr


def test_fixture_release_in_sync(fixture_course):
    assert course.check_release(fixture_course, [FIXTURE_ID]) == {}
    nb_path = fixture_course / "notebooks" / FIXTURE_ID / f"{FIXTURE_ID}.ipynb"
    original = nb_path.read_text()
    try:
        nb_path.write_text(original.replace("Fixture assignment", "Edited by hand"))
        assert FIXTURE_ID in course.check_release(fixture_course, [FIXTURE_ID])
    finally:
        nb_path.write_text(original)


@pytest.mark.slow
def test_fixture_mutants(fixture_course, graders):
    from autograder.mutants import run_mutants

    rows = run_mutants(fixture_course, FIXTURE_ID, jobs=JOBS, grader=graders(fixture_course, FIXTURE_ID))
    assert len(rows) >= 10
    assert [r for r in rows if not r["ok"]] == []


@pytest.mark.slow
@pytest.mark.parametrize("sandbox", ["bwrap", "no sandbox"])
def test_answers_in_one_kernel_do_not_leak_into_each_other(fixture_course, graders, monkeypatch, sandbox):
    """The mutant runner's batch: whatever an answer leaves behind (names, monkeypatches, a dead
    kernel, the global RNG), the next answer is graded as if it ran alone after the setup."""
    if sandbox == "bwrap" and not HAS_BWRAP:
        pytest.skip("needs bubblewrap (bwrap); CI installs it")
    if sandbox == "no sandbox":
        monkeypatch.setenv("AUTOGRADER_NO_SANDBOX", "1")
    right = "def row_mean(x):\n    return x.mean(dim=1)\n"
    sources = [
        right + "import ilcourse.checks\nilcourse.checks.check_close = lambda *a, **k: None\n"
                "check_close = ilcourse.checks.check_close\nimport torch\ntorch.manual_seed(123)\n",
        "def row_mean(x)\n    return x.mean(1)\n",  # syntax error: the previous row_mean must be gone
        WRONG_MEAN,  # wrong: the patched check_close must be back
        "import os\nos._exit(1)\n",
        right,  # after a dead kernel: a fresh one
        "x = 1\n",  # defines no row_mean
    ]
    outcomes = graders(fixture_course, FIXTURE_ID).grade_answers([("row_mean", s) for s in sources])
    assert [o.score for o in outcomes] == [2, 0, 0, 0, 2, 0], outcomes
    assert "NameError" in outcomes[1].message and "row_mean" in outcomes[2].message
    assert outcomes[0].fresh_kernel and outcomes[4].fresh_kernel and not outcomes[2].fresh_kernel


# -- the course's assignments ------------------------------------------------------------------

needs_assignments = pytest.mark.skipif(not REPO_ASSIGNMENTS, reason="no assignment in solutions/ yet")


def test_mutant_edits_apply_once_and_fail_loudly_when_stale():
    from autograder.mutants import Mutant, apply_edits, without_markers

    m = Mutant("x", "adds one", edits=(("    return a\n", "    return a + 1\n"),))
    assert apply_edits(m, "def f(a):\n    return a\n").source == "def f(a):\n    return a + 1\n"
    with pytest.raises(ValueError, match="occurs 0 times"):
        apply_edits(m, "def f(a):\n    return 2 * a\n")
    marked = "def f():\n    ### BEGIN SOLUTION\n    pass\n    ### END SOLUTION\n"
    assert without_markers(marked) == "def f():\n    pass\n"


@needs_assignments
@pytest.mark.parametrize("assignment", REPO_ASSIGNMENTS)
def test_course_mutants_load_against_todays_solutions(assignment):
    """Fast: every mutant's edits still apply to the solution (grading them is test_mutants)."""
    from autograder import cells
    from autograder.mutants import load_mutants

    mutants = load_mutants(CODE_ROOT, assignment)
    assert mutants and all(m.source for m in mutants)
    nb = nbformat.read(CODE_ROOT / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    answers = [c for c in nb.cells if cells.kind(c) == cells.Kind.ANSWER]
    # Every autograded exercise of the notebook (not only those the catalogue names): a concept
    # question needs every wrong letter (>= 3), a code exercise >= 4 wrong answers; both >= 1 right one.
    for cell in answers:
        exercise = cells.grade_id(cell)
        wrong = [m for m in mutants if m.exercise == exercise and not m.should_pass]
        right = [m for m in mutants if m.exercise == exercise and m.should_pass]
        code = [line for line in cell.source.splitlines() if line.strip() and not line.strip().startswith("#")]
        is_question = len(code) == 1 and re.fullmatch(r"\s*\w+\s*=\s*[\"'][A-Za-z][\"']\s*", code[0]) is not None
        needed = 3 if is_question else 4
        assert len(wrong) >= needed and len(right) >= 1, (exercise, len(wrong), len(right))


@needs_assignments
def test_releases_in_sync():
    res = run_cli("release", "--check")
    assert res.returncode == 0, res.stdout + res.stderr


@needs_assignments
@pytest.mark.parametrize("assignment", REPO_ASSIGNMENTS)
def test_no_solution_or_hidden_test_in_release(assignment):
    src, rel = source_nb(CODE_ROOT, assignment), release_nb(CODE_ROOT, assignment)
    text = "\n".join(c.source for c in rel.cells)
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
    solution_blocks = re.compile(r"### BEGIN SOLUTION(.*?)### END SOLUTION", re.S)
    # Text the author put outside solution blocks on purpose (a hint in a docstring, a generic
    # line in an experiment or a test helper) may legitimately repeat a solution line.
    elsewhere = "\n".join(solution_blocks.sub("", c.source) for c in src.cells)
    for c in src.cells:
        for block in solution_blocks.findall(c.source):
            for line in block.strip().splitlines():
                line = line.strip()
                if len(line) > 20 and not line.startswith("#") and line not in elsewhere:
                    assert line not in text, f"solution line in release: {line}"
    release_lines = {line.strip() for line in text.splitlines()}
    for line in report.hidden_lines(src, rel):
        assert line not in release_lines, f"hidden-test line in release: {line}"


GRADING_TESTS = {"test_solution_grades_full_marks": "solutions",
                 "test_release_grades_zero": "notebooks"}


@pytest.fixture(scope="session")
def course_grades(request, graders):
    """``(folder, assignment) -> Result | GradingError`` for every solution/release grading
    that this session selected, graded JOBS at a time before the first of those tests runs."""
    wanted = sorted({(GRADING_TESTS[item.originalname], item.callspec.params["assignment"])
                     for item in request.session.items
                     if item.originalname in GRADING_TESTS and hasattr(item, "callspec")})

    def one(key):
        folder, assignment = key
        try:
            return graders(CODE_ROOT, assignment).grade(CODE_ROOT / folder / assignment / f"{assignment}.ipynb")
        except GradingError as exc:
            return exc

    for assignment in dict.fromkeys(a for _, a in wanted):  # templates first, one thread each
        graders(CODE_ROOT, assignment)
    with ThreadPoolExecutor(max_workers=JOBS) as pool:
        return dict(zip(wanted, pool.map(one, wanted)))


def _graded(course_grades, folder, assignment):
    res = course_grades[(folder, assignment)]
    if isinstance(res, Exception):
        raise res
    return res


@pytest.mark.slow
@needs_assignments
@pytest.mark.parametrize("assignment", REPO_ASSIGNMENTS)
def test_solution_grades_full_marks(assignment, course_grades):
    res = _graded(course_grades, "solutions", assignment)
    bad = [e for e in res.autograded if e.score != e.max_score]
    assert not bad and res.score == res.max_score > 0, bad
    # the experiments assert the lesson's measured numbers: a regression must fail here
    assert res.cell_errors == [], res.cell_errors


@pytest.mark.slow
@needs_assignments
@pytest.mark.parametrize("assignment", REPO_ASSIGNMENTS)
def test_release_grades_zero(assignment, course_grades):
    res = _graded(course_grades, "notebooks", assignment)
    assert res.autograded and all(e.score == 0 for e in res.autograded), res
    # before the learner writes anything, only the answer cells may raise: the notebook's own
    # cells (setup, experiments, figures, widgets) run on the course package's reference
    assert [e for e in res.cell_errors if e["kind"] != "answer"] == [], res.cell_errors


@pytest.mark.slow
@needs_assignments
@pytest.mark.parametrize("assignment", REPO_ASSIGNMENTS)
def test_mutants(assignment, graders):
    from autograder.mutants import run_mutants

    rows = run_mutants(CODE_ROOT, assignment, jobs=JOBS, grader=graders(CODE_ROOT, assignment))
    assert [r for r in rows if not r["ok"]] == []


def test_sandbox_keeps_the_python_installation_visible():
    """A venv under /tmp (CI) or inside the course (.venv) sits below a hidden folder: the
    sandbox must bind the interpreter's own parts back, and only those."""
    import sys

    from autograder import sandbox

    binds = sandbox.python_installation_binds()
    bound = {binds[i + 1] for i in range(0, len(binds), 3)}
    assert str((Path(sys.prefix).resolve() / "bin")) in bound
    assert str((Path(sys.prefix).resolve() / "lib")) in bound
    assert str(Path(sys.prefix).resolve()) not in bound  # never the folder that holds the venv
