"""One grading run, in its own process: ``python -m autograder.worker JOB.json`` (worker side).

The host (autograder/grading.py) prepared a private course folder (a copy of the grading
template with its own gradebook) and wrote a :class:`~autograder.protocol.Job`. This process
never runs learner code itself: it starts the learner's kernel (sandboxed, see
autograder/sandbox.py) and drives it. Two modes:

- ``notebook``: nbgrader's autograde with the hardened configuration on the rebuilt
  submission; scores read back from the private gradebook; the learner's feedback HTML.
- ``answers``: many (exercise, answer source) pairs, each answer followed by its exercise's
  test cell, in one kernel (:meth:`GuardedExecute.grade_answers`), scored as nbgrader scores
  a test cell.

It sends a :class:`~autograder.protocol.Reply` back on the pipe the host passed
(``--reply-fd``; ``job.reply_json`` when run by hand), and takes its scores from its own record
of the executed notebook (nbgrader_hooks.RecordGrades), never from a file the kernel could
write; a kernel that changed the gradebook or course files is reported for review
(integrity.py). The host enforces the
wall clock by killing this process group, so a stuck run never blocks the others.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
import traceback
from pathlib import Path

import nbformat

from autograder.protocol import AnswerOutcome, Job, Reply


def run(job: Job) -> Reply:
    from autograder import prepare_nbgrader, sandbox

    prepare_nbgrader()
    run_dir = Path(job.run_dir)
    course = run_dir / "course"
    workdir = course / "autograded" / STUDENT / job.assignment
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
            run_dir / "jupyter", Path(job.course_root), run_dir, workdir, runtime,
            job.limits.memory_bytes, job.limits.threads)
        if job.mode == "answers":
            reply = _grade_answers(job, course, workdir, runtime)
        else:
            reply = _grade_notebook(job, course, workdir, runtime, sandboxed)
        reply.sandbox_note = sandbox.probe()[1]
    finally:
        shutil.rmtree(runtime, ignore_errors=True)
    reply.sandboxed = sandboxed
    return reply


STUDENT = "learner"


def _watch_list(job: Job, run_dir: Path) -> list[Path]:
    """What the kernel must not change: the run's gradebook, template and job, the course's
    files and gradebook, the grader's and the course package's code (integrity.py)."""
    from autograder import CODE_ROOT, COURSE_PACKAGE, SCRATCH

    root = Path(job.course_root)
    return [run_dir / "db", run_dir / "course" / "source", run_dir / "course" / "release",
            run_dir / "job.json", root / "solutions", root / "notebooks", root / "mutants",
            root / "nbgrader_config.py", root / SCRATCH / "gradebook.db", CODE_ROOT / "autograder",
            CODE_ROOT / COURSE_PACKAGE]


def _grade_notebook(job: Job, course: Path, workdir: Path, runtime: Path, sandboxed: bool) -> Reply:
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    from autograder import integrity, nbgrader_hooks, references, report, sandbox
    from autograder.nbgrader_config import grading_config

    db = course.parent / "db" / "gradebook.db"
    c = grading_config(course, db, sandbox.KERNEL_NAME, runtime, job.limits.cell_timeout,
                       watch=_watch_list(job, course.parent))
    api = NbGraderAPI(coursedir=CourseDirectory(config=c), config=c)
    outcome = api.autograde(job.assignment, STUDENT, force=True, create=True)
    record = nbgrader_hooks.RECORDS.pop((job.assignment, STUDENT, job.assignment), None)
    if not outcome["success"] or record is None:
        if os.environ.get("AUTOGRADER_DEBUG"):
            print(outcome.get("log"), file=sys.stderr)
        return Reply(error="nbgrader autograde failed: "
                     + _last_line(outcome.get("error") or outcome.get("log") or "no score record"))

    # Scores: the grader's own record (RecordGrades, made in this process from the executed
    # notebook), never the gradebook or the autograded file, which the kernel could reach.
    scores = record["scores"]
    review = list(record["tampered"])
    with Gradebook(f"sqlite:///{db}") as gb:
        sub = gb.find_submission_notebook(job.assignment, job.assignment, STUDENT)
        in_db = {g.name: float(g.auto_score or 0.0) for g in sub.grades if g.name in scores}
    if any(abs(in_db.get(k, -1.0) - v[0]) > 1e-9 for k, v in scores.items()):
        review.append(f"modified {db} (its scores differ from the grader's record)")
    name = f"{job.assignment}.ipynb"
    autograded = record["nb"]
    source = nbformat.read(course / "source" / job.assignment / name, as_version=4)
    release = nbformat.read(course / "release" / job.assignment / name, as_version=4)
    secrets = report.hidden_lines(source, release)
    result = report.collect(autograded, scores, job.answered, secrets, job.assignment)
    result.sandboxed = sandboxed
    result.sandbox_note = sandbox.probe()[1]
    result.review = integrity.describe(review)
    result.reference_uses = references.unexpected_references(autograded, source, release)
    if job.feedback_html:
        fb = report.feedback_notebook(autograded, result, secrets, sandboxed)
        result.feedback = str(report.write_html(fb, Path(job.feedback_html)))
    if job.autograded_out:
        out = Path(job.autograded_out)
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(autograded, out)
    return Reply(result=result)


def _grade_answers(job: Job, course: Path, workdir: Path, runtime: Path) -> Reply:
    """The release's setup (and read-only) cells, then each exercise's answer and test cell."""
    from nbgrader.utils import determine_grade

    from autograder import cells, report, sandbox
    from autograder.cells import Kind
    from autograder.execute import GuardedExecute
    from autograder.nbgrader_config import grading_config

    name = f"{job.assignment}.ipynb"
    release = nbformat.read(course / "release" / job.assignment / name, as_version=4)
    source = nbformat.read(course / "source" / job.assignment / name, as_version=4)
    # The test cell with its hidden tests comes from the source (the release has them removed).
    tests = {cells.grade_id(c): c for c in source.cells if cells.kind(c) is Kind.TEST}
    kinds = cells.kinds(release)
    answer_cells = {cells.grade_id(c): c for c, k in zip(release.cells, kinds) if k is Kind.ANSWER}
    exercises = list(dict.fromkeys(e for e, _ in job.answers))
    for exercise in exercises:
        if exercise not in answer_cells or f"{exercise}_test" not in tests:
            return Reply(error=f"exercise {exercise!r} has no answer cell and test cell "
                               f"{exercise + '_test'!r} in {job.assignment}")
    last = max(release.cells.index(answer_cells[e]) for e in exercises)
    prefix = [c for c, k in zip(release.cells[:last], kinds) if k is Kind.SETUP
              or (k is Kind.READ_ONLY and c.cell_type == "code")]
    pairs = [cell for e in exercises for cell in (answer_cells[e], tests[f"{e}_test"])]
    nb = nbformat.v4.new_notebook(cells=prefix + pairs, metadata=release.metadata)
    c = grading_config(course, course.parent / "db" / "gradebook.db", sandbox.KERNEL_NAME, runtime,
                       job.limits.cell_timeout)
    executor = GuardedExecute(config=c)
    secrets = report.hidden_lines(source, release)
    outcomes = []
    for _answer, test_cell, fresh in executor.grade_answers(nb, job.answers, str(workdir)):
        score, max_score = determine_grade(test_cell)
        message = report.redact_message(report.error_message(test_cell), secrets)
        outcomes.append(AnswerOutcome(float(score or 0.0), float(max_score), message, fresh))
    return Reply(outcomes=outcomes)


def _last_line(text: str | None) -> str:
    """The most telling line of nbgrader's log: the last exception that is not its wrapper."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    errors = [line for line in lines if re.match(r"^[\w.]+(Error|Exception|Exit)\b", line)
              and "NbGraderException" not in line]
    return (errors or lines or ["unknown error"])[-1]


def main() -> int:
    # The reply goes back on a pipe the host opened (``--reply-fd N``), not through a file:
    # without the sandbox the learner's kernel can write files, but it never holds this
    # descriptor (it is not inheritable, and kernels start with close_fds).
    reply_fd = None
    args = sys.argv[1:]
    if len(args) >= 3 and args[1] == "--reply-fd":
        reply_fd = int(args[2])
        os.set_inheritable(reply_fd, False)
    data = json.loads(Path(args[0]).read_text())
    job = Job.from_json(data)
    try:
        reply = run(job)
    except Exception as exc:  # reported to the host as "could not be graded"
        reply = Reply(error=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc())
    text = json.dumps(reply.to_json())
    if reply_fd is None:
        Path(job.reply_json).write_text(text)
    else:
        with os.fdopen(reply_fd, "w") as fh:
            fh.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
