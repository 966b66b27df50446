"""Grading one submission and a whole class, each run isolated in its own process.

Every submission gets a private copy of the grading template (its own gradebook, so
parallel runs never share sqlite), only its notebook (extra files are never copied, so
they cannot shadow ``torch`` or ``ilcourse``), a worker process under a wall clock, and a
kernel under an address-space limit, sandboxed with bubblewrap when it is installed.
"""

from __future__ import annotations

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
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder import CODE_ROOT, SCRATCH, course, report, submission
from autograder.nbgrader_config import CELL_TIMEOUT, MEMORY_BYTES, THREADS, WALL_CLOCK

STUDENT = "learner"


class GradingError(Exception):
    """The submission could not be graded; the message says why."""


@dataclass
class Limits:
    cell_timeout: int = CELL_TIMEOUT
    wall_clock: int = WALL_CLOCK
    memory_bytes: int = MEMORY_BYTES
    threads: int = THREADS


def infer_assignment(path: Path, course_root: Path) -> str:
    """The assignment a notebook belongs to, from its file name (or its folder's name)."""
    known = course.assignments(course_root)
    for candidate in (path.stem, path.parent.name):
        if candidate in known:
            return candidate
    raise GradingError(f"cannot tell the assignment of {path.name} from its name; "
                       f"pass --assignment (one of: {', '.join(known) or 'none'})")


class Grader:
    """Grades submissions of one assignment; builds the grading template once."""

    def __init__(self, course_root: Path, assignment: str, limits: Limits | None = None):
        self.course_root = Path(course_root).resolve()
        self.assignment = assignment
        self.limits = limits or Limits()
        course.source_notebook(self.course_root, assignment)  # raises CourseError if unknown
        self._tmp = Path(tempfile.mkdtemp(prefix="ag-tpl-"))
        self.template = course.build_template(self.course_root, assignment, self._tmp / "t")
        rel = self.template / "course" / "release" / assignment / f"{assignment}.ipynb"
        self.release = nbformat.read(rel, as_version=4)

    def close(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def grade(self, path: Path, feedback_html: Path | None = None,
              only: set[str] | None = None, notebook: nbformat.NotebookNode | None = None) -> dict:
        """Grade one notebook file (or an in-memory ``notebook``); raise GradingError if it can't be.

        ``only``: exercise names to keep (the mutants runner grades one exercise at a time:
        the other answer and test cells are left out, so only setup + answer + test run).
        """
        student_nb = notebook if notebook is not None else _load(path)
        try:
            rebuilt = submission.rebuild(student_nb, self.release, self.assignment)
        except submission.SubmissionError as exc:
            raise GradingError(str(exc)) from None
        if only:
            rebuilt.cells = [c for c in rebuilt.cells if _keep(c, only)]
        answered = self._answered(rebuilt)
        run_dir = Path(tempfile.mkdtemp(prefix="ag-run-"))
        try:
            shutil.copytree(self.template, run_dir, dirs_exist_ok=True)
            dest = run_dir / "course" / "submitted" / STUDENT / self.assignment
            dest.mkdir(parents=True)
            nbformat.write(rebuilt, dest / f"{self.assignment}.ipynb")
            job = {"assignment": self.assignment, "student": STUDENT, "run_dir": str(run_dir),
                   "course_root": str(self.course_root), "answered": answered,
                   "cell_timeout": self.limits.cell_timeout, "memory_bytes": self.limits.memory_bytes,
                   "threads": self.limits.threads, "result_json": str(run_dir / "result.json"),
                   "feedback_html": str(feedback_html) if feedback_html else None,
                   "only": sorted(only) if only else None}
            (run_dir / "job.json").write_text(json.dumps(job))
            out = self._run_worker(run_dir)
        finally:
            if not os.environ.get("AUTOGRADER_DEBUG"):
                shutil.rmtree(run_dir, ignore_errors=True)
        if "error" in out:
            raise GradingError(out["error"])
        return out

    def _answered(self, rebuilt) -> dict[str, bool]:
        """Exercise name -> whether its answer cell differs from the released stub."""
        stubs = {submission.grade_id(c): c.source for c in self.release.cells if submission.is_answer(c)}
        return {gid: c.source.strip() != stubs[gid].strip()
                for c in rebuilt.cells if (gid := submission.grade_id(c)) in stubs}

    def _run_worker(self, run_dir: Path) -> dict:
        env = dict(os.environ, PYTHONPATH=_pythonpath(), OMP_NUM_THREADS=str(self.limits.threads))
        cmd = [sys.executable, "-m", "autograder.worker", str(run_dir / "job.json")]
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                cwd=run_dir, start_new_session=True)  # own process group: killable as a whole
        try:
            log, _ = proc.communicate(timeout=self.limits.wall_clock)
            if os.environ.get("AUTOGRADER_DEBUG"):
                sys.stderr.write(log.decode(errors="replace"))
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise GradingError(f"grading took longer than the wall clock of "
                               f"{self.limits.wall_clock} s and was stopped") from None
        result = run_dir / "result.json"
        if not result.is_file():
            tail = log.decode(errors="replace").strip().splitlines()[-3:]
            raise GradingError(f"the grading process exited ({proc.returncode}) without a result: "
                               + " | ".join(tail))
        return json.loads(result.read_text())


def _keep(cell, only: set[str]) -> bool:
    gid = submission.grade_id(cell)
    if gid is None:
        return False  # free cells (experiments, widgets) are not needed by any test
    nbg = cell.metadata.get("nbgrader", {})
    if nbg.get("solution") or nbg.get("grade"):
        return report.exercise_name(gid) in only
    return True  # setup and read-only cells stay


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
              log=print) -> list[dict]:
    """Grade every submission in ``folder``; write ``out_csv``; return the rows.

    A submission that cannot be graded is a row with status "needs review" and the reason;
    it never stops the others and never keeps an old score (the CSV is written afresh).
    """
    subs = find_submissions(folder, assignment)
    feedback_dir = Path(feedback_dir or Path(course_root) / SCRATCH / "feedback" / assignment)
    with Grader(course_root, assignment, limits) as grader:
        exercise_names = [report.exercise_name(submission.grade_id(c)) for c in grader.release.cells
                          if c.get("metadata", {}).get("nbgrader", {}).get("grade")]

        def one(item):
            student, path = item
            t0 = time.monotonic()
            row = {"student": student, "assignment": assignment}
            try:
                if path is None:
                    raise GradingError("no notebook found in the student's folder")
                res = grader.grade(path, feedback_html=feedback_dir / f"{_safe(student)}.html")
                row.update(status="graded", score=res["score"], max_score=res["max_score"],
                           reason="" if res["sandboxed"] else "graded without sandbox")
                row.update({e["name"]: e["score"] for e in res["exercises"]})
                row["uses_beyond_solution"] = "; ".join(
                    f"{u['grade_id']}: {', '.join(u['names'])}" for u in res.get("reference_uses", []))
            except Exception as exc:  # anything: this student needs a human, the others go on
                row.update(status="needs review", score="", max_score="", reason=str(exc))
            row["seconds"] = round(time.monotonic() - t0, 1)
            log(f"{student}: {row['status']} {row['score']} {row['reason']}".rstrip())
            return row

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            rows = list(pool.map(one, subs.items()))
    fields = ["student", "assignment", "status", "score", "max_score", *exercise_names, "reason",
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
