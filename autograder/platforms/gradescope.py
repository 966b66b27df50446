"""Gradescope: the ``autograder.zip`` bundle and the ``run_autograder`` step.

``python -m autograder gradescope ID --out DIR`` writes ``DIR/autograder.zip``::

    setup.sh                 installs Python 3.11, the pinned grader dependencies and the course wheel
    run_autograder           grades /autograder/submission/*.ipynb -> /autograder/results/results.json
    requirements-grader.txt  the pins of requirements.txt the grader needs (no JupyterLab, no test tools)
    wheels/*.whl             this repository's package (ilcourse + autograder), built now
    course/solutions/ID/     the source notebook with its hidden tests (the grader builds the release)
    ilcourse_bundle.json     which assignment this bundle grades

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` once to build its
image, copies ``run_autograder`` to ``/autograder/run_autograder`` and runs it per submission.
``run_autograder`` calls ``python -m autograder.platforms.gradescope run``, which writes one
test per exercise (name, score, max_score, status, output: the first line of the failure,
already stripped of hidden-test text), ``stdout_visibility: hidden`` (the log is the
instructor's), and the overall message. The root ``/autograder`` can be moved with
``AUTOGRADER_GRADESCOPE_ROOT`` (the tests lay the folders out in a temporary directory) and
the interpreter with ``AUTOGRADER_PYTHON``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from autograder import CODE_ROOT
from autograder.platforms import (
    OUTCOME_MARKER,
    Outcome,
    assert_no_secrets,
    grade_submission,
    is_number,
    secrets_of,
    summary_lines,
    truncate,
)
from autograder.protocol import PASSED

BUNDLE_JSON = "ilcourse_bundle.json"
ROOT_ENV = "AUTOGRADER_GRADESCOPE_ROOT"
#: requirements.txt lines a grading container does not need.
NOT_FOR_GRADING = ("jupyterlab", "notebook", "pytest", "ruff", "torch", "-e ", "./")
TEST_OUTPUT_LIMIT = 4000
OUTPUT_LIMIT = 20000

# -- Gradescope's results.json (https://gradescope-autograders.readthedocs.io/en/latest/specs/) --
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
FORMATS = {"text", "html", "simple_format", "md", "ansi"}
TOP_KEYS = {"score", "execution_time", "output", "output_format", "test_output_format",
            "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests",
            "leaderboard"}
TEST_KEYS = {"score", "max_score", "status", "name", "name_format", "number", "output",
             "output_format", "tags", "visibility", "extra_data"}

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu base image;
# pick "Ubuntu 22.04" or newer in the assignment's settings). Everything is pinned.
set -euo pipefail
cd /autograder/source
export DEBIAN_FRONTEND=noninteractive
apt-get update
# bubblewrap: probed at grading time; where the container cannot create namespaces the grade
# says "graded without the bubblewrap sandbox" and the container is the isolation.
apt-get install -y --no-install-recommends python3.11 python3.11-venv bubblewrap ca-certificates \
  || apt-get install -y --no-install-recommends python3 python3-venv bubblewrap ca-certificates
PY=$(command -v python3.11 || command -v python3)
"$PY" -m venv /autograder/venv
/autograder/venv/bin/pip install --no-cache-dir --upgrade pip
# The CPU build of torch (the default Linux wheel on PyPI bundles CUDA, gigabytes).
# ILCOURSE_TORCH_INDEX overrides the index (empty: pip's own configuration, e.g. PIP_FIND_LINKS).
TORCH_INDEX="${ILCOURSE_TORCH_INDEX-https://download.pytorch.org/whl/cpu}"
/autograder/venv/bin/pip install --no-cache-dir ${TORCH_INDEX:+--index-url "$TORCH_INDEX"} "torch==__TORCH__"
/autograder/venv/bin/pip install --no-cache-dir -r requirements-grader.txt
/autograder/venv/bin/pip install --no-cache-dir --no-deps wheels/*.whl
# Compile the grader once so each submission starts faster.
/autograder/venv/bin/python -m compileall -q /autograder/venv/lib > /dev/null || true
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this once per submission (as root, working folder /autograder).
# The notebook in /autograder/submission is graded with the hidden tests; the result goes to
# /autograder/results/results.json. Tests: AUTOGRADER_GRADESCOPE_ROOT moves /autograder.
set -u
ROOT="${AUTOGRADER_GRADESCOPE_ROOT:-/autograder}"
PY="${AUTOGRADER_PYTHON:-$ROOT/venv/bin/python}"
export MPLBACKEND=agg PYTHONDONTWRITEBYTECODE=1 OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
mkdir -p "$ROOT/results"
cd "$ROOT"
"$PY" -P -m autograder.platforms.gradescope run --root "$ROOT"
status=$?
if [ ! -s "$ROOT/results/results.json" ]; then
  # The adapter itself failed (broken image?): still hand Gradescope a valid results.json.
  msg="The autograder failed before grading this submission (exit $status)."
  msg="$msg Nothing was scored; please tell your instructor."
  printf '{"score": 0.0, "output": "%s", "stdout_visibility": "hidden",\n' "$msg" \
    > "$ROOT/results/results.json"
  printf ' "tests": [], "extra_data": {"failed_to_grade": true}}\n' >> "$ROOT/results/results.json"
fi
exit 0
"""


# -- the bundle --------------------------------------------------------------------------------

def grader_requirements(requirements: Path = CODE_ROOT / "requirements.txt") -> tuple[list[str], str]:
    """(pinned lines a grading container installs, the torch version) from requirements.txt."""
    keep, torch = [], ""
    for line in requirements.read_text().splitlines():
        s = line.strip()
        if s.startswith("torch=="):
            torch = s.split("==", 1)[1]
        if not s or s.startswith("#") or s.startswith(NOT_FOR_GRADING):
            continue
        keep.append(s)
    return keep, torch


def build_wheel(dest: Path) -> Path:
    """Build this repository's wheel into ``dest`` (offline: no build isolation)."""
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ag-wheel-") as tmp:
        # Build from a copy: setuptools writes build/ and *.egg-info next to the sources.
        src = Path(tmp) / "src"
        shutil.copytree(CODE_ROOT, src, ignore=_not_packaged)
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                        "-q", "-w", str(dest), str(src)], check=True)
    wheels = sorted(dest.glob("*.whl"))
    if not wheels:
        raise RuntimeError("pip wheel produced no wheel")
    return wheels[-1]


#: Top-level folders of the repository that never go into a wheel (nor its build copy).
NOT_PACKAGED = {".git", ".venv", "venv", ".grading", "build", "dist", "solutions", "notebooks",
                "mutants", "tests", "bench", "assets", ".pytest_cache", "docs", "container"}


def _not_packaged(folder: str, names: list[str]) -> set[str]:
    top = Path(folder).resolve() == CODE_ROOT.resolve()
    return {n for n in names if (top and n in NOT_PACKAGED) or n == "__pycache__" or n.endswith(".egg-info")}


def build_bundle(course_root: Path, assignment: str, out_dir: Path, wheel: Path | None | bool = True) -> Path:
    """Write ``out_dir/autograder.zip`` for ``assignment``; return its path.

    ``wheel``: True builds this repository's wheel, a path uses that wheel, False leaves the
    wheels folder empty (only for tests that run the bundle with an installed grader).
    """
    from autograder import course

    src = course.source_notebook(course_root, assignment).parent
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    reqs, torch = grader_requirements()
    with tempfile.TemporaryDirectory(prefix="ag-gs-") as tmp:
        stage = Path(tmp) / "bundle"
        stage.mkdir()
        shutil.copytree(src, stage / "course" / "solutions" / assignment,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        (stage / "wheels").mkdir()
        if wheel is True:
            build_wheel(stage / "wheels")
        elif wheel:
            shutil.copy(wheel, stage / "wheels")
        (stage / "requirements-grader.txt").write_text("\n".join(reqs) + "\n")
        (stage / "setup.sh").write_text(SETUP_SH.replace("__TORCH__", torch))
        (stage / "run_autograder").write_text(RUN_AUTOGRADER)
        (stage / BUNDLE_JSON).write_text(json.dumps({"assignment": assignment, "course": "course"}, indent=1))
        zip_path = out_dir / "autograder.zip"
        with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(stage.rglob("*")):
                if path.is_file():
                    info = zipfile.ZipInfo.from_file(path, path.relative_to(stage).as_posix())
                    if path.name in ("setup.sh", "run_autograder"):
                        info.external_attr = (0o755 | stat.S_IFREG) << 16
                    else:
                        info.external_attr = (0o644 | stat.S_IFREG) << 16
                    info.date_time = (2020, 1, 1, 0, 0, 0)  # reproducible
                    zf.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    return zip_path


def unpack(zip_path: Path, root: Path) -> Path:
    """Lay out what Gradescope builds from a bundle under ``root`` (as in its image):
    ``source/`` (the zip), ``run_autograder``, ``submission/``, ``results/``."""
    source = Path(root) / "source"
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            target = source / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(info))
            target.chmod((info.external_attr >> 16) & 0o777 or 0o644)
    shutil.copy2(source / "run_autograder", Path(root) / "run_autograder")
    for sub in ("submission", "results"):
        (Path(root) / sub).mkdir(exist_ok=True)
    return Path(root)


# -- results.json ------------------------------------------------------------------------------

def results(out: Outcome) -> dict:
    """Gradescope's results.json for one outcome (hidden tests already scrubbed)."""
    data = {"score": 0.0, "execution_time": int(round(out.seconds)), "output_format": "text",
            "test_output_format": "text", "stdout_visibility": "hidden",
            "output": truncate("\n".join(summary_lines(out)), OUTPUT_LIMIT),
            "extra_data": {"assignment": out.assignment, "graded": out.graded,
                           "flagged": bool(out.flags), "flags": out.flags,
                           "sandboxed": bool(out.result and out.result.sandboxed),
                           "notebook": out.notebook},
            "tests": []}
    if out.result is None:
        data["extra_data"]["failed_to_grade"] = True
        data["extra_data"]["reason"] = out.error
        return data
    data["score"] = float(out.result.score)
    for i, e in enumerate(out.result.exercises, 1):
        test = {"name": e.name, "number": str(i), "visibility": "visible", "output_format": "text"}
        if e.manual:
            test.update(score=0.0, max_score=0.0, output=truncate(
                f"free-response answer ({e.max_score:g} points): graded by a person, not by the "
                f"autograder. {e.message}".strip(), TEST_OUTPUT_LIMIT), tags=["manual"])
        else:
            test.update(score=float(e.score or 0.0), max_score=float(e.max_score),
                        status="passed" if e.status == PASSED else "failed",
                        output=truncate(e.status + (f": {e.message}" if e.message else ""), TEST_OUTPUT_LIMIT))
            if e.status == "error" and any(f.startswith(f"{e.name}:") for f in out.flags):
                test["tags"] = ["flagged"]
        data["tests"].append(test)
    return data


def validate(data: dict) -> list[str]:
    """Problems of a results.json against Gradescope's documented format (empty: valid)."""
    problems = []

    if not isinstance(data, dict):
        return ["results.json must be an object"]
    problems += [f"unknown top-level key {k!r}" for k in data if k not in TOP_KEYS]
    tests = data.get("tests", [])
    if not isinstance(tests, list):
        problems.append("tests must be a list")
        tests = []
    if "score" in data and not is_number(data["score"]):
        problems.append("score must be a number")
    if "score" not in data and (not tests or any("score" not in t for t in tests if isinstance(t, dict))):
        problems.append("score is required when a test has none")
    if "execution_time" in data and not is_number(data["execution_time"]):
        problems.append("execution_time must be a number of seconds")
    for key in ("visibility", "stdout_visibility"):
        if key in data and data[key] not in VISIBILITIES:
            problems.append(f"{key} must be one of {sorted(VISIBILITIES)}")
    for key in ("output_format", "test_output_format", "test_name_format"):
        if key in data and data[key] not in FORMATS:
            problems.append(f"{key} must be one of {sorted(FORMATS)}")
    if "output" in data and not isinstance(data["output"], str):
        problems.append("output must be a string")
    if "extra_data" in data and not isinstance(data["extra_data"], dict):
        problems.append("extra_data must be an object")
    for i, t in enumerate(tests):
        if not isinstance(t, dict):
            problems.append(f"tests[{i}] must be an object")
            continue
        problems += [f"tests[{i}]: unknown key {k!r}" for k in t if k not in TEST_KEYS]
        for key in ("score", "max_score"):
            if key in t and not is_number(t[key]):
                problems.append(f"tests[{i}].{key} must be a number")
        if "status" in t and t["status"] not in ("passed", "failed"):
            problems.append(f"tests[{i}].status must be 'passed' or 'failed'")
        for key in ("name", "output", "number"):
            if key in t and not isinstance(t[key], str):
                problems.append(f"tests[{i}].{key} must be a string")
        if "visibility" in t and t["visibility"] not in VISIBILITIES:
            problems.append(f"tests[{i}].visibility must be one of {sorted(VISIBILITIES)}")
        for key in ("output_format", "name_format"):
            if key in t and t[key] not in FORMATS:
                problems.append(f"tests[{i}].{key} must be one of {sorted(FORMATS)}")
        if "tags" in t and not (isinstance(t["tags"], list) and all(isinstance(x, str) for x in t["tags"])):
            problems.append(f"tests[{i}].tags must be a list of strings")
    return problems


def run(root: Path) -> dict:
    """Grade ``root/submission`` with the bundle in ``root/source``; write ``root/results/results.json``."""
    root = Path(root)
    config = json.loads((root / "source" / BUNDLE_JSON).read_text())
    course_root = (root / "source" / config.get("course", "course")).resolve()
    out = grade_submission(course_root, root / "submission", config["assignment"])
    data = results(out)
    problems = validate(data)
    text = json.dumps(data, indent=1)
    try:
        assert_no_secrets(text, secrets_of(course_root, config["assignment"]))
    except AssertionError as exc:
        problems.append(str(exc))
    if problems:  # never hand Gradescope something it rejects (or that leaks)
        print("results.json problems:", problems)
        data = {"score": 0.0, "stdout_visibility": "hidden", "tests": [],
                "output": "The autograder could not produce a valid result; please tell your instructor.",
                "extra_data": {"failed_to_grade": True}}
        text = json.dumps(data, indent=1)
    (root / "results").mkdir(parents=True, exist_ok=True)
    (root / "results" / "results.json").write_text(text)
    # The instructor's log (stdout_visibility is hidden): the summary and the outcome as JSON.
    print("\n".join(summary_lines(out)))
    print(OUTCOME_MARKER + json.dumps(out.to_json()))
    return data


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m autograder.platforms.gradescope")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="grade /autograder/submission (Gradescope's run_autograder)")
    r.add_argument("--root", default=os.environ.get(ROOT_ENV, "/autograder"))
    args = p.parse_args(argv)
    run(Path(args.root))
    return 0


if __name__ == "__main__":
    sys.exit(main())
