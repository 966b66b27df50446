"""What each cell of a course notebook is: the one place that decides it.

nbgrader marks cells with ``metadata.nbgrader`` (``solution``, ``grade``, ``locked``,
``grade_id``, ``points``). The grader needs six kinds, and every part of it (the submission
rebuild, the guarded executor, the report, the mutant runner, the reference-use note) asks this
module instead of reading the flags itself:

=============  ==========================================================  ====================
kind           cell                                                         who writes it
=============  ==========================================================  ====================
``SETUP``      locked code cells at the top, before any other code cell:    course (from release)
               they run before any learner code; the guard's snapshot is
               taken right after the last of them
``READ_ONLY``  any other locked cell that is neither graded nor an answer   course (from release)
               (markdown text, a locked helper cell further down)
``ANSWER``     an autograded answer: a code cell with ``solution: true``    learner (its source)
``MANUAL``     a manually graded answer: ``solution: true, grade: true``    learner (its source)
               (a markdown free-response cell; never
               scored by the grader, reported as awaiting manual grading)
``TEST``       a graded code cell that is not an answer (visible + hidden   course (from release)
               tests; its ``points`` are the exercise's)
``FREE``       no nbgrader metadata: experiments, figures, the learner's    learner (kept as is)
               own cells
=============  ==========================================================  ====================

Anything else carrying nbgrader metadata (a markdown test cell, a task cell, forged flags)
is ``OTHER``: taken from the release when its grade_id is the release's, dropped otherwise.

``SETUP`` is the only kind that depends on position, so :func:`kinds` classifies a whole
notebook; :func:`kind` classifies one cell out of context (``SETUP`` and ``READ_ONLY`` are
then both ``READ_ONLY``).
"""

from __future__ import annotations

import enum


class Kind(str, enum.Enum):
    SETUP = "setup"
    READ_ONLY = "read-only"
    ANSWER = "answer"
    MANUAL = "manual"
    TEST = "test"
    FREE = "free"
    OTHER = "other"


#: Kinds whose content the learner provides (the release holds a stub).
ANSWERS = (Kind.ANSWER, Kind.MANUAL)
#: Kinds the grader always takes from the release, whatever the submission says.
FROM_RELEASE = (Kind.SETUP, Kind.READ_ONLY, Kind.TEST, Kind.OTHER)


def nbgrader_meta(cell) -> dict:
    """The cell's nbgrader metadata ({} when absent or malformed)."""
    meta = cell.get("metadata", {})
    meta = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
    return meta if isinstance(meta, dict) else {}


def grade_id(cell) -> str | None:
    gid = nbgrader_meta(cell).get("grade_id")
    return gid if isinstance(gid, str) and gid else None


def points(cell) -> float:
    try:
        return float(nbgrader_meta(cell).get("points", 0) or 0)
    except (TypeError, ValueError):
        return 0.0


def kind(cell) -> Kind:
    """The kind of one cell out of context (a setup cell is READ_ONLY here; see :func:`kinds`)."""
    meta = nbgrader_meta(cell)
    if not meta:
        return Kind.FREE
    if grade_id(cell) is None:
        return Kind.OTHER
    ctype = cell.get("cell_type")
    solution, grade, locked = bool(meta.get("solution")), bool(meta.get("grade")), bool(meta.get("locked"))
    if solution and grade:
        return Kind.MANUAL
    if solution and ctype == "code":
        return Kind.ANSWER
    if grade and not solution and ctype == "code":
        return Kind.TEST
    if locked and not solution and not grade:
        return Kind.READ_ONLY
    if not (solution or grade or locked or meta.get("task")):
        return Kind.FREE  # nbgrader metadata with every flag off: an ordinary cell
    return Kind.OTHER


def kinds(nb) -> list[Kind]:
    """The kind of every cell of ``nb``, in order, with the setup cells told apart."""
    out, in_setup = [], True
    for cell in nb.cells:
        k = kind(cell)
        if cell.get("cell_type") == "code":
            if in_setup and k is Kind.READ_ONLY:
                k = Kind.SETUP
            else:
                in_setup = False
        out.append(k)
    return out


def setup_end(nb) -> int:
    """Index just after the last setup cell (0 if none): learner code may only run from here."""
    ks = kinds(nb)
    last = max((i for i, k in enumerate(ks) if k is Kind.SETUP), default=-1)
    return last + 1


def exercise_name(test_id: str) -> str:
    """An exercise's name from its test cell's grade_id (``X_test`` -> ``X``)."""
    return test_id[: -len("_test")] if test_id.endswith("_test") else test_id


def answer_cells(nb, *which: Kind) -> dict[str, object]:
    """``grade_id -> cell`` of the answer cells (``ANSWER`` and ``MANUAL`` unless ``which``)."""
    which = which or ANSWERS
    return {grade_id(c): c for c in nb.cells if kind(c) in which}


def graded_names(nb) -> list[str]:
    """Exercise names in notebook order: autograded tests and manually graded answers."""
    names = []
    for c in nb.cells:
        k = kind(c)
        if k is Kind.TEST:
            names.append(exercise_name(grade_id(c)))
        elif k is Kind.MANUAL:
            names.append(grade_id(c))
    return names
