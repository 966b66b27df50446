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
import threading
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

    def __init__(self, course_root: Path, assignment: str, limits: Limits | None = None,
                 build_template=None):
        """``build_template(course_root, assignment, dest) -> dest``: how the grading template is
        made (default ``course.build_template``; the platforms build it in a child process)."""
        self.course_root = Path(course_root).resolve()
        self.assignment = assignment
        self.limits = limits or Limits()
        course.source_notebook(self.course_root, assignment)  # raises CourseError if unknown
        self._tmp = Path(tempfile.mkdtemp(prefix="ag-tpl-"))
        self._owner = True
        self.template = (build_template or course.build_template)(self.course_root, assignment, self._tmp / "t")
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
    def grade(self, path: Path, feedback_html: Path | None = None,
              autograded_out: Path | None = None) -> Result:
        """Grade one notebook file; raise GradingError if it cannot be graded."""
        return self.grade_notebook(_load(path), feedback_html, autograded_out)

    def grade_notebook(self, student_nb: nbformat.NotebookNode,
                       feedback_html: Path | None = None, autograded_out: Path | None = None) -> Result:
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
                            feedback_html=str(feedback_html) if feedback_html else None,
                            autograded_out=str(autograded_out) if autograded_out else None)
            reply = self._run_worker(job, self.limits.wall_clock)
        reply.result.sandboxed = reply.sandboxed
        reply.result.sandbox_note = reply.sandbox_note or reply.result.sandbox_note
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
        # The reply comes back on a pipe only the worker holds (the learner's kernel can write
        # files when there is no sandbox, but not this descriptor).
        read_fd, write_fd = os.pipe()
        cmd = [sys.executable, "-m", "autograder.worker", str(run_dir / "job.json"),
               "--reply-fd", str(write_fd)]
        chunks: list[bytes] = []
        try:
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    cwd=run_dir, start_new_session=True,  # own process group: killable as a whole
                                    pass_fds=(write_fd,))
        finally:
            os.close(write_fd)
        reader = threading.Thread(target=_read_all, args=(read_fd, chunks), daemon=True)
        reader.start()
        try:
            log, _ = proc.communicate(timeout=wall_clock)
            if os.environ.get("AUTOGRADER_DEBUG"):
                sys.stderr.write(log.decode(errors="replace"))
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise GradingError(f"grading took longer than the wall clock of "
                               f"{wall_clock} s and was stopped") from None
        finally:
            reader.join(timeout=30)
        text = b"".join(chunks).decode(errors="replace")
        if not text:
            tail = log.decode(errors="replace").strip().splitlines()[-3:]
            raise GradingError(f"the grading process exited ({proc.returncode}) without a result: "
                               + " | ".join(tail))
        reply = Reply.from_json(json.loads(text))
        if reply.error:
            raise GradingError(reply.error)
        return reply


STUDENT = "learner"


def _load(path: Path):
    try:
        return submission.load(path)
    except submission.SubmissionError as exc:
        raise GradingError(str(exc)) from None


def _read_all(fd: int, chunks: list[bytes]) -> None:
    with os.fdopen(fd, "rb") as fh:
        chunks.append(fh.read())


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
              log=print, grader: Grader | None = None, *, due=None, late_penalty_per_day: float = 0.0,
              roster: dict | None = None, gradebook: bool = False, canvas_csv: Path | None = None,
              canvas_column: str | None = None, nbgrader_csv: Path | None = None) -> list[dict]:
    """Grade every submission in ``folder``; write ``out_csv``; return the rows.

    A submission that cannot be graded is a row with status "needs review" and the reason;
    it never stops the others and never keeps an old score (the CSV is written afresh). A
    submission whose kernel changed files it must not (gradebook, course files, grader state)
    is scored by the tests it passed and also marked "needs review" with the reason.
    ``grader``: an open Grader of this assignment whose template to reuse.

    LMS: ``due`` (aware datetime) and ``late_penalty_per_day`` (fraction of the maximum per
    started day; 1 = zero) against nbgrader's ``timestamp.txt``; ``roster`` (lms.read_roster)
    for student ids and names; ``canvas_csv`` / ``nbgrader_csv``: extra files in Canvas's import
    format and ``nbgrader export``'s. ``gradebook``: also write the course's nbgrader gradebook,
    ``autograded/`` and ``feedback/`` (autograder/gradebook.py).
    """
    from autograder import gradebook as course_gradebook
    from autograder import lms

    roster = roster or {}
    subs = find_submissions(folder, assignment)
    feedback_dir = Path(feedback_dir or Path(course_root) / SCRATCH / "feedback" / assignment)
    if gradebook:
        course_gradebook.sync_assignment(course_root, assignment, due)
    if grader is not None:
        grader = grader.with_limits(limits or grader.limits)
    keep = tempfile.mkdtemp(prefix="ag-autograded-") if gradebook else None
    with grader or Grader(course_root, assignment, limits) as grader:
        exercise_names = cells.graded_names(grader.release)
        maxima = {cells.exercise_name(cells.grade_id(c)) if cells.kind(c) is cells.Kind.TEST
                  else cells.grade_id(c): cells.points(c)
                  for c in grader.release.cells if cells.kind(c) in (cells.Kind.TEST, cells.Kind.MANUAL)}
        auto_max = sum(cells.points(c) for c in grader.release.cells if cells.kind(c) is cells.Kind.TEST)

        def one(item):
            student, path = item
            t0 = time.monotonic()
            who = roster.get(student, {})
            row = {"student": student, "student_id": who.get("id") or student, "name": who.get("name", ""),
                   "sis_user_id": who.get("sis_user_id", ""), "sis_login_id": who.get("sis_login_id", ""),
                   "section": who.get("section", ""), "assignment": assignment,
                   "sandboxed": "", "result": None}
            row.update({f"{name} (max)": f"{maxima.get(name, 0):g}" for name in exercise_names})
            try:
                stamp = lms.submission_time(path, Path(folder) / student)
            except Exception as exc:  # noqa: BLE001 - a broken timestamp is for a person to see
                stamp, row["timestamp"] = None, f"unreadable timestamp.txt: {exc}"
            else:
                row["timestamp"] = stamp.strftime("%Y-%m-%d %H:%M:%S %Z") if stamp else ""
            seconds_late, penalty = lms.late(stamp, due, late_penalty_per_day, auto_max)
            row.update(late="yes" if seconds_late > 0 else "no", seconds_late=round(seconds_late))
            try:
                if path is None:
                    raise GradingError("no notebook found in the student's folder")
                graded_copy = Path(keep) / f"{_safe(student)}.ipynb" if keep else None
                res = grader.grade(path, feedback_html=feedback_dir / f"{_safe(student)}.html",
                                   autograded_out=graded_copy)
                score = max(0.0, min(res.score, res.max_score) - penalty)
                notes = [res.review] if res.review else []
                if not res.sandboxed:
                    notes.append(f"graded without sandbox ({res.sandbox_note})" if res.sandbox_note
                                 else "graded without sandbox")
                row.update(status="needs review" if res.review else "graded", raw_score=res.score,
                           late_penalty=penalty, score=score, max_score=res.max_score,
                           percentage=round(100 * score / res.max_score, 1) if res.max_score else "",
                           manual_max_score=res.manual_max_score, reason="; ".join(notes),
                           sandboxed="yes" if res.sandboxed else "no", result=res)
                row.update({e.name: AWAITING_MANUAL if e.manual else e.score for e in res.exercises})
                row["uses_beyond_solution"] = "; ".join(
                    f"{u['grade_id']}: {', '.join(u['names'])}" for u in res.reference_uses)
                row["_autograded"] = graded_copy
            except Exception as exc:  # anything: this student needs a human, the others go on
                row.update(status="needs review", raw_score="", late_penalty="", score="", max_score="",
                           percentage="", manual_max_score="", reason=str(exc))
            row["seconds"] = round(time.monotonic() - t0, 1)
            log(f"{student}: {row['status']} {row['score']} {row['reason']}".rstrip())
            return row

        try:
            with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
                rows = list(pool.map(one, subs.items()))
            if gradebook:  # one writer (sqlite), after the gradings
                for row, (student, path) in zip(rows, subs.items()):
                    if row["result"] is None:
                        continue
                    course_gradebook.write_submission(
                        course_root, assignment, student, row["result"],
                        timestamp=lms.submission_time(path, Path(folder) / student),
                        penalty=row["late_penalty"] or 0.0, review=row["result"].review,
                        lms_user_id=row["sis_user_id"], autograded_nb=row.get("_autograded"),
                        feedback_html=feedback_dir / f"{_safe(student)}.html",
                        submission_dir=path.parent if path else None)
        finally:
            if keep:
                shutil.rmtree(keep, ignore_errors=True)
    fields = ["student", "student_id", "assignment", "status", "timestamp", "late", "seconds_late",
              "raw_score", "late_penalty", "score", "max_score", "percentage", "manual_max_score",
              *exercise_names, *(f"{name} (max)" for name in exercise_names), "reason",
              "uses_beyond_solution", "sandboxed", "seconds"]
    out_csv = Path(out_csv)
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    with open(out_csv, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    if canvas_csv:
        lms.write_canvas(rows, Path(canvas_csv), canvas_column or assignment, auto_max)
    if nbgrader_csv:
        lms.write_nbgrader_export(rows, Path(nbgrader_csv), due)
    for row in rows:
        row.pop("_autograded", None)
    return rows


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "student"
