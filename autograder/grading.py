"""Grading one submission and a whole class, each run isolated in its own process (host side).

Every submission gets a private copy of the grading template (its own gradebook, so
parallel runs never share sqlite), only its notebook (extra files are never copied, so
they cannot shadow ``torch`` or the course package), a worker process under a wall clock, and a
kernel under an address-space limit, sandboxed with bubblewrap when it is installed.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from autograder import CODE_ROOT, SCRATCH, cells, course, submission
from autograder.protocol import AWAITING_MANUAL, AnswerOutcome, Job, Limits, Reply, Result

__all__ = ["Grader", "GradingError", "Limits", "find_submissions", "grade_all", "infer_assignment"]


class GradingError(Exception):
    """The submission could not be graded; the message says why."""


def infer_assignment(path: Path, course_root: Path) -> str:
    """The assignment a notebook belongs to, from its file name (or its folder's name)."""
    known = course.assignments(course_root)
    for candidate in (path.stem, path.parent.name):
        if candidate in known:
            return candidate
    raise GradingError(f"cannot tell the assignment of {path.name} from its name; "
                       f"pass --assignment (one of: {', '.join(known) or 'none'})")


class Grader:
    """Grades submissions of one assignment; builds the grading template once.

    Two entry points, one per worker mode: :meth:`grade` (a notebook file, or
    :meth:`grade_notebook` for one in memory) and :meth:`grade_answers` (many answer sources,
    each with its exercise's test cell, graded in one kernel: the mutant runner).
    """

    def __init__(self, course_root: Path, assignment: str, limits: Limits | None = None):
        self.course_root = Path(course_root).resolve()
        self.assignment = assignment
        self.limits = limits or Limits()
        course.source_notebook(self.course_root, assignment)  # raises CourseError if unknown
        self._tmp = Path(tempfile.mkdtemp(prefix="ag-tpl-"))
        self._owner = True
        self.template = course.build_template(self.course_root, assignment, self._tmp / "t")
        rel = self.template / "course" / "release" / assignment / f"{assignment}.ipynb"
        self.release = nbformat.read(rel, as_version=4)

    def with_limits(self, limits: Limits) -> "Grader":
        """A grader sharing this one's template with other limits (closing it keeps the template)."""
        other = copy.copy(self)
        other.limits, other._owner = limits, False
        return other

    def close(self) -> None:
        if self._owner:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- entry points ------------------------------------------------------------------------
    def grade(self, path: Path, feedback_html: Path | None = None) -> Result:
        """Grade one notebook file; raise GradingError if it cannot be graded."""
        return self.grade_notebook(_load(path), feedback_html)

    def grade_notebook(self, student_nb: nbformat.NotebookNode,
                       feedback_html: Path | None = None) -> Result:
        """Grade an in-memory notebook through nbgrader's autograde (the full grading path)."""
        try:
            rebuilt = submission.rebuild(student_nb, self.release, self.assignment)
        except submission.SubmissionError as exc:
            raise GradingError(str(exc)) from None
        with self._run() as run_dir:
            dest = run_dir / "course" / "submitted" / STUDENT / self.assignment
            dest.mkdir(parents=True)
            nbformat.write(rebuilt, dest / f"{self.assignment}.ipynb")
            job = self._job("notebook", run_dir, answered=self._answered(rebuilt),
                            feedback_html=str(feedback_html) if feedback_html else None)
            reply = self._run_worker(job, self.limits.wall_clock)
        reply.result.sandboxed = reply.sandboxed
        return reply.result

    def grade_answers(self, answers: list[tuple[str, str]]) -> list[AnswerOutcome]:
        """Grade each ``(exercise, source)`` pair: the source as that exercise's answer cell, then
        the exercise's test cell, all in one kernel (setup once; the guard resets the kernel
        between answers; a fresh kernel after a death, a timeout or a failed integrity check).
        Raises GradingError if the run fails."""
        if not answers:
            return []
        with self._run() as run_dir:
            job = self._job("answers", run_dir, answers=[(e, s) for e, s in answers])
            # Each answer may use a cell timeout for itself and one for its test.
            budget = self.limits.wall_clock + len(answers) * 2 * self.limits.cell_timeout
            reply = self._run_worker(job, budget)
        return reply.outcomes

    # -- helpers -----------------------------------------------------------------------------
    def _job(self, mode: str, run_dir: Path, **kw) -> Job:
        return Job(mode=mode, assignment=self.assignment, run_dir=str(run_dir),
                   course_root=str(self.course_root), reply_json=str(run_dir / "reply.json"),
                   limits=self.limits, **kw)

    @contextlib.contextmanager
    def _run(self):
        """A private copy of the template, removed afterwards (kept with AUTOGRADER_DEBUG)."""
        run_dir = Path(tempfile.mkdtemp(prefix="ag-run-"))
        try:
            shutil.copytree(self.template, run_dir, dirs_exist_ok=True)
            yield run_dir
        finally:
            if not os.environ.get("AUTOGRADER_DEBUG"):
                shutil.rmtree(run_dir, ignore_errors=True)

    def _answered(self, rebuilt) -> dict[str, bool]:
        """Exercise name -> whether its answer cell differs from the released stub."""
        stubs = {gid: c.source for gid, c in cells.answer_cells(self.release).items()}
        return {gid: c.source.strip() != stubs[gid].strip()
                for gid, c in cells.answer_cells(rebuilt).items() if gid in stubs}

    def _run_worker(self, job: Job, wall_clock: int) -> Reply:
        run_dir = Path(job.run_dir)
        (run_dir / "job.json").write_text(json.dumps(job.to_json()))
        # The worker inherits this environment (ILCOURSE_STRICT and the AUTOGRADER_* settings
        # reach the kernel through it).
        env = dict(os.environ, PYTHONPATH=_pythonpath(), OMP_NUM_THREADS=str(self.limits.threads))
        cmd = [sys.executable, "-m", "autograder.worker", str(run_dir / "job.json")]
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                cwd=run_dir, start_new_session=True)  # own process group: killable as a whole
        try:
            log, _ = proc.communicate(timeout=wall_clock)
            if os.environ.get("AUTOGRADER_DEBUG"):
                sys.stderr.write(log.decode(errors="replace"))
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise GradingError(f"grading took longer than the wall clock of "
                               f"{wall_clock} s and was stopped") from None
        reply_path = Path(job.reply_json)
        if not reply_path.is_file():
            tail = log.decode(errors="replace").strip().splitlines()[-3:]
            raise GradingError(f"the grading process exited ({proc.returncode}) without a result: "
                               + " | ".join(tail))
        reply = Reply.from_json(json.loads(reply_path.read_text()))
        if reply.error:
            raise GradingError(reply.error)
        return reply


STUDENT = "learner"


def _load(path: Path):
    try:
        return submission.load(path)
    except submission.SubmissionError as exc:
        raise GradingError(str(exc)) from None


def _pythonpath() -> str:
    parts = [str(CODE_ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return os.pathsep.join(dict.fromkeys(parts))


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


# -- a class ---------------------------------------------------------------------------------

def find_submissions(folder: Path, assignment: str) -> dict[str, Path | None]:
    """``student -> notebook`` for the layouts ``DIR/<student>.ipynb``,
    ``DIR/<student>/<id>.ipynb`` and nbgrader's ``DIR/<student>/<id>/<id>.ipynb``
    (zip_collect). A student folder without a notebook maps to None."""
    found: dict[str, Path | None] = {}
    for entry in sorted(Path(folder).iterdir()):
        if entry.name.startswith(".") or entry.suffix == ".csv":
            continue
        if entry.is_file():
            found[entry.stem] = entry
            continue
        notebooks = sorted(p for p in entry.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        named = [p for p in notebooks if p.stem == assignment]
        found[entry.name] = (named or notebooks or [None])[0]
    return found


def grade_all(folder: Path, assignment: str, out_csv: Path, course_root: Path, jobs: int = 1,
              limits: Limits | None = None, feedback_dir: Path | None = None,
              log=print, grader: Grader | None = None) -> list[dict]:
    """Grade every submission in ``folder``; write ``out_csv``; return the rows.

    A submission that cannot be graded is a row with status "needs review" and the reason;
    it never stops the others and never keeps an old score (the CSV is written afresh).
    ``grader``: an open Grader of this assignment whose template to reuse.
    """
    subs = find_submissions(folder, assignment)
    feedback_dir = Path(feedback_dir or Path(course_root) / SCRATCH / "feedback" / assignment)
    if grader is not None:
        grader = grader.with_limits(limits or grader.limits)
    with grader or Grader(course_root, assignment, limits) as grader:
        exercise_names = cells.graded_names(grader.release)

        def one(item):
            student, path = item
            t0 = time.monotonic()
            row = {"student": student, "assignment": assignment}
            try:
                if path is None:
                    raise GradingError("no notebook found in the student's folder")
                res = grader.grade(path, feedback_html=feedback_dir / f"{_safe(student)}.html")
                row.update(status="graded", score=res.score, max_score=res.max_score,
                           manual_max_score=res.manual_max_score,
                           reason="" if res.sandboxed else "graded without sandbox")
                row.update({e.name: AWAITING_MANUAL if e.manual else e.score for e in res.exercises})
                row["uses_beyond_solution"] = "; ".join(
                    f"{u['grade_id']}: {', '.join(u['names'])}" for u in res.reference_uses)
            except Exception as exc:  # anything: this student needs a human, the others go on
                row.update(status="needs review", score="", max_score="", manual_max_score="",
                           reason=str(exc))
            row["seconds"] = round(time.monotonic() - t0, 1)
            log(f"{student}: {row['status']} {row['score']} {row['reason']}".rstrip())
            return row

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            rows = list(pool.map(one, subs.items()))
    fields = ["student", "assignment", "status", "score", "max_score", "manual_max_score",
              *exercise_names, "reason",
              "uses_beyond_solution", "seconds"]
    out_csv = Path(out_csv)
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    with open(out_csv, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return rows


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "student"
