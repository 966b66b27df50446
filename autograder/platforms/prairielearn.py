"""PrairieLearn's external grader: ``/grade/student/*.ipynb`` -> ``/grade/results/results.json``.

PrairieLearn mounts the job at ``/grade`` in a fresh container of the course's image:
``/grade/student/`` (the submitted files), ``/grade/serverFilesCourse/`` (the folders listed in
``externalGradingOptions.serverFilesCourse``), ``/grade/tests/``, ``/grade/data/data.json``,
and reads ``/grade/results/results.json``: ``gradable``, ``score`` in [0, 1], ``message``,
``output``, ``tests[]`` (name, points, max_points, message, output), under 1 MB.

``python -m autograder prairielearn ID --out DIR`` writes a course fragment to copy into a
PrairieLearn course (``serverFilesCourse/ilcourse/`` with the assignment's source notebook and
``run.sh``, and ``questions/ilcourse_ID/`` with ``info.json`` and ``question.html``); the image
is the one built from ``container/Containerfile``. See docs/platforms.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

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

ROOT_ENV = "AUTOGRADER_PL_ROOT"
#: PrairieLearn rejects results.json of 1 MB or more; stay well below.
SIZE_LIMIT = 1_000_000
BUDGET = 200_000
TEST_KEYS = {"name", "description", "points", "max_points", "message", "output", "images"}
TOP_KEYS = {"gradable", "score", "message", "output", "images", "tests"}
#: Where the course (solutions/<id>/) is looked for, in order, after --course-root/$ILCOURSE_ROOT.
COURSE_ROOTS = ("{root}/serverFilesCourse/ilcourse/course", "/opt/ilcourse/course")

RUN_SH = r"""#!/usr/bin/env bash
# PrairieLearn's entrypoint (externalGradingOptions.entrypoint): grade /grade/student/*.ipynb.
# The image (container/Containerfile) has the grader installed in /opt/ilcourse/venv.
set -u
PY="${AUTOGRADER_PYTHON:-/opt/ilcourse/venv/bin/python}"
export HOME=/tmp MPLBACKEND=agg PYTHONDONTWRITEBYTECODE=1 OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
mkdir -p /grade/results
"$PY" -P -m autograder.platforms.prairielearn run --root "${AUTOGRADER_PL_ROOT:-/grade}" \
  --course-root "$(dirname "$0")/course" "$@"
"""


def results(out: Outcome) -> dict:
    """PrairieLearn's results.json for one outcome (hidden tests already scrubbed)."""
    message = truncate("\n".join(summary_lines(out)), 20000)
    if out.result is None:  # not gradable: PrairieLearn shows the message and charges no attempt
        return {"gradable": False, "score": 0.0, "message": message, "output": "", "tests": []}
    r = out.result
    tests = []
    for e in r.exercises:
        if e.manual:
            tests.append({"name": e.name, "description": "free-response answer (graded by a person)",
                          "points": 0.0, "max_points": 0.0,
                          "message": truncate(e.message or "graded by a person, not by the autograder", 4000)})
        else:
            tests.append({"name": e.name, "description": e.status, "points": float(e.score or 0.0),
                          "max_points": float(e.max_score), "message": truncate(e.message, 4000)})
    score = r.score / r.max_score if r.max_score else 0.0
    data = {"gradable": True, "score": min(1.0, max(0.0, float(score))), "message": message,
            "output": "", "tests": tests}
    return fit(data)


def fit(data: dict, limit: int = BUDGET) -> dict:
    """Shrink messages until the JSON is under ``limit`` bytes (PrairieLearn's cap is 1 MB)."""
    for cap in (4000, 1000, 200, 0):
        if len(json.dumps(data).encode()) < limit:
            break
        for t in data.get("tests", []):
            t["message"] = truncate(t.get("message", ""), cap)
            t.pop("output", None)
        data["message"] = truncate(data.get("message", ""), max(cap, 200) * 5)
    return data


def validate(data: dict) -> list[str]:
    """Problems of a results.json against PrairieLearn's documented format (empty: valid)."""
    problems = []

    if not isinstance(data, dict):
        return ["results.json must be an object"]
    problems += [f"unknown top-level key {k!r}" for k in data if k not in TOP_KEYS]
    if not isinstance(data.get("gradable"), bool):
        problems.append("gradable must be true or false")
    if data.get("gradable") is True:
        if not is_number(data.get("score")) or not 0.0 <= data["score"] <= 1.0:
            problems.append("score must be a number in [0, 1]")
    for key in ("message", "output"):
        if key in data and not isinstance(data[key], str):
            problems.append(f"{key} must be a string")
    tests = data.get("tests", [])
    if not isinstance(tests, list):
        return problems + ["tests must be a list"]
    for i, t in enumerate(tests):
        if not isinstance(t, dict):
            problems.append(f"tests[{i}] must be an object")
            continue
        problems += [f"tests[{i}]: unknown key {k!r}" for k in t if k not in TEST_KEYS]
        if not isinstance(t.get("name"), str):
            problems.append(f"tests[{i}].name must be a string")
        for key in ("points", "max_points"):
            if key in t and not is_number(t[key]):
                problems.append(f"tests[{i}].{key} must be a number")
        for key in ("description", "message", "output"):
            if key in t and not isinstance(t[key], str):
                problems.append(f"tests[{i}].{key} must be a string")
    if len(json.dumps(data).encode()) >= SIZE_LIMIT:
        problems.append("results.json must be under 1 MB")
    return problems


def find_course_root(root: Path, course_root: str | None) -> Path:
    candidates = [course_root, os.environ.get("ILCOURSE_ROOT")]
    candidates += [c.format(root=root) for c in COURSE_ROOTS]
    for c in candidates:
        if c and (Path(c) / "solutions").is_dir():
            return Path(c).resolve()
    return Path(candidates[-1])


def assignment_of(root: Path, assignment: str | None) -> str | None:
    """--assignment, else ``params.assignment`` of /grade/data/data.json, else None (inferred
    from the notebook's name)."""
    if assignment:
        return assignment
    try:
        return json.loads((root / "data" / "data.json").read_text())["params"]["assignment"]
    except Exception:
        return None


def run(root: Path, course_root: str | None = None, assignment: str | None = None) -> dict:
    root = Path(root)
    course = find_course_root(root, course_root)
    assignment = assignment_of(root, assignment)
    out = grade_submission(course, root / "student", assignment)
    data = results(out)
    problems = validate(data)
    text = json.dumps(data)
    try:
        assert_no_secrets(text, secrets_of(course, out.assignment) if out.assignment else set())
    except AssertionError as exc:
        problems.append(str(exc))
    if problems:
        print("results.json problems:", problems)
        data = {"gradable": False, "score": 0.0, "tests": [],
                "message": "The autograder could not produce a valid result; please tell your instructor."}
        text = json.dumps(data)
    (root / "results").mkdir(parents=True, exist_ok=True)
    (root / "results" / "results.json").write_text(text)
    print("\n".join(summary_lines(out)))
    print(OUTCOME_MARKER + json.dumps(out.to_json()))
    return data


def info_json(assignment: str, image: str, timeout: int = 120) -> dict:
    return {"uuid": "REPLACE-WITH-A-NEW-UUID", "title": f"ilcourse {assignment}", "topic": "Imitation learning",
            "type": "v3", "singleVariant": True, "gradingMethod": "External",
            "externalGradingOptions": {
                "enabled": True, "image": image, "serverFilesCourse": ["ilcourse/"],
                "entrypoint": "/grade/serverFilesCourse/ilcourse/run.sh", "timeout": timeout}}


QUESTION_HTML = """<pl-question-panel>
  <p>Upload your completed notebook <code>{id}.ipynb</code>. It is graded with hidden tests;
  the free-response answer is graded by a person.</p>
</pl-question-panel>
<pl-file-upload file-names="{id}.ipynb"></pl-file-upload>
<pl-submission-panel>
  <pl-external-grader-results></pl-external-grader-results>
  <pl-file-preview></pl-file-preview>
</pl-submission-panel>
"""


def build_course_fragment(course_root: Path, assignment: str, out_dir: Path,
                          image: str = "ilcourse-grader:0.3.0", timeout: int = 120) -> Path:
    """Write the PrairieLearn course fragment for ``assignment`` into ``out_dir``."""
    from autograder import course as course_mod

    src = course_mod.source_notebook(course_root, assignment).parent
    out_dir = Path(out_dir)
    server = out_dir / "serverFilesCourse" / "ilcourse"
    dest = server / "course" / "solutions" / assignment
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    (server / "run.sh").write_text(RUN_SH)
    (server / "run.sh").chmod(0o755)
    q = out_dir / "questions" / f"ilcourse_{assignment}"
    q.mkdir(parents=True, exist_ok=True)
    (q / "info.json").write_text(json.dumps(info_json(assignment, image, timeout), indent=2) + "\n")
    (q / "question.html").write_text(QUESTION_HTML.format(id=assignment))
    return out_dir


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m autograder.platforms.prairielearn")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="grade /grade/student (PrairieLearn's entrypoint)")
    r.add_argument("--root", default=os.environ.get(ROOT_ENV, "/grade"))
    r.add_argument("--course-root")
    r.add_argument("--assignment")
    args = p.parse_args(argv)
    run(Path(args.root), args.course_root, args.assignment)
    return 0


if __name__ == "__main__":
    sys.exit(main())
