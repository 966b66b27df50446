"""What crosses the boundary between the host and the worker process, as typed dataclasses.

The host (autograder/grading.py) writes a :class:`Job` as ``job.json`` into the run folder and
starts ``python -m autograder.worker job.json``; the worker writes a :class:`Reply` to the
job's ``reply_json``. Both sides go through ``to_json``/``from_json`` (no hand-built dicts).
The worker's reply is trusted only as far as the worker is: the learner's code never runs in
it (it runs in the kernel, see autograder/README.md "Three processes").

Two modes:
- ``Job.mode == "notebook"``: grade one rebuilt submission through nbgrader's autograde;
  the reply carries a :class:`Result`.
- ``Job.mode == "answers"``: grade several sources of ONE exercise's answer cell in one
  kernel (the mutant runner); the reply carries one :class:`AnswerOutcome` per source.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields

#: Status of an exercise in a Result.
PASSED, FAILED, NOT_ANSWERED, ERROR = "passed", "failed", "not answered", "error"
AWAITING_MANUAL = "awaiting manual grading"


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


def _pick(cls, data: dict) -> dict:
    """Only the keys ``cls`` knows (a newer peer may send more)."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


@dataclass
class Limits:
    """Resources one grading run may use (defaults from the AUTOGRADER_* environment)."""

    #: Seconds one cell may run before it is interrupted (training cells must fit in this).
    cell_timeout: int = field(default_factory=lambda: _env_int("AUTOGRADER_CELL_TIMEOUT", 60))
    #: Seconds the whole grading of one submission may take (kernel start to scores).
    wall_clock: int = field(default_factory=lambda: _env_int("AUTOGRADER_WALL_CLOCK", 300))
    #: Address-space limit of the grading kernel (bytes); torch alone maps ~0.7 GB.
    memory_bytes: int = field(default_factory=lambda: _env_int("AUTOGRADER_MEMORY_BYTES", 3 * 1024**3))
    #: Threads per grading kernel (torch/OpenMP); 1 keeps parallel grading predictable.
    threads: int = field(default_factory=lambda: _env_int("AUTOGRADER_THREADS", 1))

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "Limits":
        return cls(**_pick(cls, data))


@dataclass
class Job:
    """One run of the worker. Paths are absolute strings (JSON)."""

    mode: str  # "notebook" | "answers"
    assignment: str
    run_dir: str  # private copy of the grading template (+ the submission in notebook mode)
    course_root: str
    reply_json: str
    limits: Limits = field(default_factory=Limits)
    # notebook mode
    answered: dict[str, bool] = field(default_factory=dict)  # exercise -> differs from the stub
    feedback_html: str | None = None
    autograded_out: str | None = None  # where to write the autograded notebook (gradebook export)
    # answers mode: (exercise, answer source) pairs, graded in this order in one kernel
    answers: list[tuple[str, str]] = field(default_factory=list)

    def to_json(self) -> dict:
        data = asdict(self)
        data["limits"] = self.limits.to_json()
        return data

    @classmethod
    def from_json(cls, data: dict) -> "Job":
        data = _pick(cls, data)
        data["limits"] = Limits.from_json(data.get("limits", {}))
        data["answers"] = [(str(e), str(s)) for e, s in data.get("answers", [])]
        if data.get("mode") not in ("notebook", "answers"):
            raise ValueError(f"unknown job mode {data.get('mode')!r}")
        return cls(**data)


@dataclass
class Exercise:
    name: str
    score: float | None  # None: not scored by the grader (awaiting manual grading)
    max_score: float
    status: str  # passed | failed | not answered | error | awaiting manual grading
    message: str = ""

    @property
    def manual(self) -> bool:
        return self.status == AWAITING_MANUAL

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "Exercise":
        return cls(**_pick(cls, data))


@dataclass
class Result:
    """The grade of one notebook. ``score``/``max_score`` are the autograded points only;
    manually graded answers count in ``manual_max_score`` and are never scored here."""

    assignment: str
    score: float
    max_score: float
    exercises: list[Exercise] = field(default_factory=list)
    manual_max_score: float = 0.0
    sandboxed: bool = False
    feedback: str | None = None
    # Errors raised by cells that are not tests: answer cells ("answer") and the notebook's own
    # cells ("notebook": setup, experiments, figures). Not scored, but worth knowing: a learner
    # sees why a figure is missing, and the course's tests require a clean solution notebook.
    cell_errors: list[dict] = field(default_factory=list)
    # Answer cells that use course-package names the reference solution does not
    # (autograder/references.py): perhaps the exercise's own reference implementation. For the
    # instructor; never scored.
    reference_uses: list[dict] = field(default_factory=list)
    # Why a person must look at this run although it was scored (e.g. the kernel changed the
    # gradebook or the course files: autograder/integrity.py); '' when nothing was seen.
    review: str = ""
    # Whether and why the kernel ran (not) sandboxed (autograder/sandbox.py probe()).
    sandbox_note: str = ""

    @property
    def autograded(self) -> list[Exercise]:
        return [e for e in self.exercises if not e.manual]

    def to_json(self) -> dict:
        data = asdict(self)
        data["exercises"] = [e.to_json() for e in self.exercises]
        return data

    @classmethod
    def from_json(cls, data: dict) -> "Result":
        data = _pick(cls, data)
        data["exercises"] = [Exercise.from_json(e) for e in data.get("exercises", [])]
        return cls(**data)


@dataclass
class AnswerOutcome:
    """How one source of an exercise's answer cell did against its test cell."""

    score: float
    max_score: float
    message: str = ""  # first line of the test's failure ('' when it passed)
    fresh_kernel: bool = False  # graded right after a fresh start (first, or after a death)

    @property
    def full_marks(self) -> bool:
        return self.score >= self.max_score

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "AnswerOutcome":
        return cls(**_pick(cls, data))


@dataclass
class Reply:
    """What the worker sends back: an error (could not grade), or the mode's result."""

    error: str = ""
    result: Result | None = None
    outcomes: list[AnswerOutcome] = field(default_factory=list)
    sandboxed: bool = False
    traceback: str = ""
    sandbox_note: str = ""

    def to_json(self) -> dict:
        return {"error": self.error, "traceback": self.traceback, "sandboxed": self.sandboxed,
                "sandbox_note": self.sandbox_note,
                "result": self.result.to_json() if self.result else None,
                "outcomes": [o.to_json() for o in self.outcomes]}

    @classmethod
    def from_json(cls, data: dict) -> "Reply":
        result = data.get("result")
        return cls(error=data.get("error", ""), traceback=data.get("traceback", ""),
                   sandboxed=bool(data.get("sandboxed")), sandbox_note=data.get("sandbox_note", ""),
                   result=Result.from_json(result) if result else None,
                   outcomes=[AnswerOutcome.from_json(o) for o in data.get("outcomes", [])])
