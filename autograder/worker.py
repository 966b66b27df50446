"""One grading run, in its own process: ``python -m autograder.worker JOB.json``.

The parent (autograder/grading.py) prepared a private course folder (a copy of the grading
template with its own gradebook, and the rebuilt submission). This process runs nbgrader's
autograde on it with the hardened configuration, reads the scores back from the private
gradebook, writes the learner's feedback HTML and a result JSON. The parent enforces the
wall clock by killing this process group, so a stuck run never blocks the others.
"""

from __future__ import annotations

import json
import re
import os
import shutil
import sys
import tempfile
import traceback
from pathlib import Path

import nbformat


def run(job: dict) -> dict:
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI

    from autograder import prepare_nbgrader

    prepare_nbgrader()
    from nbgrader.coursedir import CourseDirectory

    from autograder import references, report, sandbox
    from autograder.nbgrader_config import grading_config

    assignment, student = job["assignment"], job["student"]
    run_dir = Path(job["run_dir"])
    course, db = run_dir / "course", run_dir / "db" / "gradebook.db"
    workdir = course / "autograded" / student / assignment
    workdir.mkdir(parents=True, exist_ok=True)
    # Short path: IPC socket names must fit in 108 bytes.
    runtime = Path(tempfile.mkdtemp(prefix="agk-", dir="/tmp"))
    try:
        os.environ["JUPYTER_PATH"] = str(run_dir / "jupyter")
        os.environ["JUPYTER_RUNTIME_DIR"] = str(runtime)
        # jupyter_client writes a standalone kernel's connection file with tempfile: put it
        # where the sandboxed kernel can read it.
        tempfile.tempdir = str(runtime)
        sandboxed = sandbox.write_kernelspec(
            run_dir / "jupyter", Path(job["course_root"]), run_dir, workdir, runtime,
            job["memory_bytes"], job["threads"])
        c = grading_config(course, db, sandbox.KERNEL_NAME, runtime, job["cell_timeout"])
        api = NbGraderAPI(coursedir=CourseDirectory(config=c), config=c)
        outcome = api.autograde(assignment, student, force=True, create=True)
        if not outcome["success"]:
            if os.environ.get("AUTOGRADER_DEBUG"):
                print(outcome.get("log"), file=sys.stderr)
            return {"error": "nbgrader autograde failed: " + _last_line(outcome.get("error") or outcome.get("log"))}
    finally:
        shutil.rmtree(runtime, ignore_errors=True)

    scores = {}
    with Gradebook(f"sqlite:///{db}") as gb:
        sub = gb.find_submission_notebook(assignment, assignment, student)
        for grade in sub.grades:
            scores[grade.name] = (float(grade.score or 0.0), float(grade.max_score))
    autograded = nbformat.read(workdir / f"{assignment}.ipynb", as_version=4)
    source = nbformat.read(course / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    release = nbformat.read(course / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    secrets = report.hidden_lines(source, release)
    only = job.get("only")
    if only:
        scores = {k: v for k, v in scores.items() if report.exercise_name(k) in only}
    result = report.collect(autograded, scores, job["answered"], secrets, assignment)
    result.sandboxed = sandboxed
    result.reference_uses = references.unexpected_references(autograded, source, release)
    if job.get("feedback_html"):
        fb = report.feedback_notebook(autograded, result, secrets, sandboxed)
        result.feedback = str(report.write_html(fb, Path(job["feedback_html"])))
    out = result.to_json()
    out.update(sandboxed=sandboxed, feedback=result.feedback)
    return out


def _last_line(text: str | None) -> str:
    """The most telling line of nbgrader's log: the last exception that is not its wrapper."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    errors = [line for line in lines if re.match(r"^[\w.]+(Error|Exception|Exit)\b", line)
              and "NbGraderException" not in line]
    return (errors or lines or ["unknown error"])[-1]


def main() -> int:
    job = json.loads(Path(sys.argv[1]).read_text())
    try:
        out = run(job)
    except Exception as exc:  # reported to the parent as "could not be graded"
        out = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
    Path(job["result_json"]).write_text(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
