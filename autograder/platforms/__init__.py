"""Grading on the platforms a class already uses: Gradescope, PrairieLearn, a plain container.

Each platform runs one submission per fresh container and wants one JSON file back. The
adapters here share one path, :func:`grade_submission`: find the notebook the platform placed,
grade it with :class:`autograder.grading.Grader` (the same rebuild, worker, kernel and guard as
``python -m autograder grade``), and turn the outcome into an :class:`Outcome` that never
raises: a submission that cannot be graded becomes a "could not grade" outcome with the reason.
The platform modules only translate an Outcome into their schema
(:mod:`autograder.platforms.gradescope`, :mod:`autograder.platforms.prairielearn`) and
:mod:`autograder.platforms.container` is the image's entry point.

Whatever reaches a platform is scrubbed once more here (defence in depth on top of
``report.redact``): any string that contains a line of the hidden tests is replaced, and
:func:`assert_no_secrets` checks the final JSON text. See docs/platforms.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder import report
from autograder.protocol import ERROR, Limits, Result

__all__ = ["OUTCOME_MARKER", "Outcome", "assert_no_secrets", "find_notebook", "grade_submission", "scrub",
           "secrets_of", "truncate"]

REMOVED = "[removed: it showed the hidden tests]"
#: The platform logs (instructor-only) end with this marker and the outcome as one JSON line.
OUTCOME_MARKER = "outcome: "
#: Message prefixes that mean the learner's code tampered with the grading kernel.
TAMPERING = ("IntegrityError",)


@dataclass
class Outcome:
    """One submission's grade on a platform: a Result, or ``error`` (why it could not be graded)."""

    assignment: str | None
    result: Result | None = None
    error: str = ""
    notebook: str = ""  # the file that was graded, relative to the submission folder
    seconds: float = 0.0
    #: Reasons for a person to look at this submission (tampering, printing hidden tests).
    flags: list[str] = field(default_factory=list)
    #: Remarks for everyone (e.g. graded without the bubblewrap sandbox).
    notes: list[str] = field(default_factory=list)

    @property
    def graded(self) -> bool:
        return self.result is not None

    def to_json(self) -> dict:
        return {"assignment": self.assignment, "graded": self.graded, "error": self.error,
                "notebook": self.notebook, "seconds": round(self.seconds, 1), "flags": self.flags,
                "notes": self.notes, "result": self.result.to_json() if self.result else None}


def find_notebook(folder: Path, assignment: str | None, known: list[str]) -> tuple[Path, str]:
    """The submitted notebook in ``folder`` and its assignment; raises GradingError with a reason.

    ``<assignment>.ipynb`` anywhere below ``folder`` wins; else the only notebook there; a
    folder with several unnamed notebooks is ambiguous (the learner is told what to name it).
    """
    from autograder.grading import GradingError

    folder = Path(folder)
    if folder.is_file():
        candidates = [folder]
        folder = folder.parent
    elif folder.is_dir():
        candidates = sorted(p for p in folder.rglob("*.ipynb")
                            if ".ipynb_checkpoints" not in p.parts and not p.name.startswith("."))
    else:
        raise GradingError(f"no submission folder {folder}")
    wanted = [assignment] if assignment else known
    for name in wanted:
        named = [p for p in candidates if p.stem == name]
        if named:
            return named[0], name
    if not candidates:
        raise GradingError("no notebook (.ipynb) was submitted"
                           + (f"; submit {assignment}.ipynb" if assignment else ""))
    if len(candidates) > 1:
        names = ", ".join(str(p.relative_to(folder)) for p in candidates[:5])
        raise GradingError(f"several notebooks were submitted ({names}) and none is named "
                           + (f"{assignment}.ipynb" if assignment else "after an assignment"))
    if assignment:
        return candidates[0], assignment
    raise GradingError(f"cannot tell the assignment of {candidates[0].name}: name it after one "
                       f"of {', '.join(known) or '(none)'}")


def secrets_of(course_root: Path, assignment: str, release=None) -> set[str]:
    """Lines of the assignment's hidden tests (those not also visible in the release)."""
    try:
        from autograder import course

        source = nbformat.read(course.source_notebook(course_root, assignment), as_version=4)
    except Exception:
        return set()
    if release is None:  # no release at hand: what the source shows outside hidden blocks
        release = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(report.HIDDEN.sub("", c.source))
                                                  for c in source.cells])
    return report.hidden_lines(source, release)


def grade_submission(course_root: Path, submission: Path, assignment: str | None = None,
                     limits: Limits | None = None, feedback_html: Path | None = None) -> Outcome:
    """Grade the notebook in ``submission`` (a folder or a file); never raises."""
    from autograder import course
    from autograder.grading import GradingError

    t0 = time.monotonic()
    out = Outcome(assignment)
    secrets: set[str] = set()
    try:
        known = course.assignments(course_root)
        if assignment and assignment not in known:
            raise course.CourseError(f"unknown assignment {assignment!r} (known: {', '.join(known)})")
        path, out.assignment = find_notebook(submission, assignment, known)
        base = Path(submission) if Path(submission).is_dir() else Path(submission).parent
        out.notebook = str(path.relative_to(base))
        with _lean_grader(course_root, out.assignment, limits) as grader:
            secrets = secrets_of(course_root, out.assignment, grader.release)
            out.result = grader.grade(path, feedback_html=feedback_html)
    except (GradingError, course.CourseError) as exc:
        out.error = str(exc)
    except Exception as exc:  # a bug or a broken installation: still a result with the reason
        out.error = f"internal error: {type(exc).__name__}: {exc}"
        print(traceback.format_exc(), file=sys.stderr)  # platform logs, never shown to learners
    if not secrets and out.assignment:
        secrets = secrets_of(course_root, out.assignment)
    out.seconds = time.monotonic() - t0
    if out.result is not None:
        out.flags = flags_of(out.result)
        if not out.result.sandboxed:
            out.notes.append("graded without the bubblewrap sandbox (bwrap is missing or cannot "
                             "create namespaces here); the platform's container is the isolation")
    scrub(out, secrets)
    return out


@contextlib.contextmanager
def _lean_grader(course_root: Path, assignment: str, limits: Limits | None):
    """A Grader whose template is built by a short-lived child process.

    Building the template imports nbgrader (sqlalchemy, alembic, nbconvert: ~80 MiB resident)
    and a process keeps what it imported: in the host that memory would sit idle beside the
    worker and the kernel for the whole grading, which is what a platform's memory limit sees.
    """
    from autograder import course
    from autograder.grading import Grader

    def in_child(root: Path, name: str, dest: Path) -> Path:
        code = ("import sys; from pathlib import Path; from autograder import course; "
                "course.build_template(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))")
        proc = subprocess.run([sys.executable, "-c", code, str(root), name, str(dest)],
                              capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=_pythonpath()))
        if proc.returncode:
            last = (proc.stderr.strip().splitlines() or ["?"])[-1]
            raise course.CourseError(f"building the grading template failed: {last}")
        return dest

    with Grader(course_root, assignment, limits, build_template=in_child) as grader:
        yield grader


def _pythonpath() -> str:
    from autograder import CODE_ROOT

    parts = [str(CODE_ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return os.pathsep.join(dict.fromkeys(parts))


def flags_of(result: Result) -> list[str]:
    """Why a person should look at this submission (empty for an ordinary one)."""
    flags = []
    for e in result.exercises:
        if e.status == ERROR and e.message.startswith(TAMPERING):
            flags.append(f"{e.name}: the grader's integrity check failed (the code tampered with "
                         f"the grading kernel)")
    texts = [e.message for e in result.exercises] + [c.get("message", "") for c in result.cell_errors]
    if any(REMOVED in t or report.CUT in t for t in texts):
        flags.append("a message or output that quoted the hidden tests was cut")
    return flags


def scrub(out: Outcome, secrets: set[str]) -> Outcome:
    """Cut, in place, the hidden tests' lines out of every message of ``out`` (the error whole)."""
    out.error = report.redact(out.error, secrets)
    if out.result is not None:
        for e in out.result.exercises:
            e.message = report.redact_message(e.message, secrets)
        for c in out.result.cell_errors:
            c["message"] = report.redact_message(str(c.get("message", "")), secrets)
    return out


def assert_no_secrets(text: str, secrets: set[str]) -> None:
    """Raise if ``text`` (a platform's JSON) contains a line of the hidden tests."""
    leaked = [s for s in secrets if s in text or json.dumps(s)[1:-1] in text]
    if leaked:
        raise AssertionError(f"{len(leaked)} hidden-test line(s) in the platform output")


def is_number(x) -> bool:
    """A JSON number the platforms accept: int or float, not a bool, not NaN."""
    return isinstance(x, (int, float)) and not isinstance(x, bool) and x == x


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, saying so."""
    text = text or ""
    return text if len(text) <= limit else text[: max(0, limit - 20)] + "\n[... truncated]"


def summary_lines(out: Outcome) -> list[str]:
    """Human-readable lines for a platform's top-level message (no hidden-test text)."""
    if out.result is None:
        return [f"Could not grade this submission: {out.error}",
                "Nothing was scored. Fix the problem above and submit again."]
    r = out.result
    lines = [f"{out.assignment}: {_num(r.score)} / {_num(r.max_score)} autograded points"]
    if r.manual_max_score:
        lines[0] += f"; {_num(r.manual_max_score)} points (free-response) are graded by a person"
    for c in r.cell_errors[:10]:
        where = "an answer cell" if c.get("kind") == "answer" else "a notebook cell"
        lines.append(f"error in {where} (cell {c.get('cell')}): {truncate(c.get('message', ''), 300)}")
    lines += [f"FLAGGED for review: {f}" for f in out.flags]
    lines += [f"note: {n}" for n in out.notes]
    return lines


def _num(x: float) -> str:
    return f"{x:g}"
