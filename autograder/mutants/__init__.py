"""Mutation testing of the notebooks' tests: ``python -m autograder mutants [ID ...]``.

The catalogue ``mutants/<assignment_id>.py`` at the course root (course content, next to
``solutions/``; not part of the grader's package) defines ``MUTANTS``, a list of :class:`Mutant`:
plausible wrong answers (``should_pass=False``: must lose points) and alternative correct
answers (``should_pass=True``: must keep full marks). Each mutant replaces the source of one
answer cell and is graded in a real grading kernel (same sandbox, kernel launcher and guard as
a submission), with only the cells its test needs: the setup cells, that answer cell and its
test cell. Mutants share kernels (``jobs`` batches per assignment, an exercise's mutants in
one batch): setup once, then for each mutant the guard resets the kernel to its post-setup
state, the answer runs, the test runs; a kernel that
died, timed out or failed the integrity check is replaced by a fresh one. (The full path,
nbgrader's autograde on a rebuilt notebook, is proven by the solution, release and
bad-submission tests.)

A mutant is either a whole ``source`` (an alternative written from scratch) or ``edits`` to the
reference solution's cell (without nbgrader's solution markers), ``(old, new)`` pairs, so that
its mistake is visible at a glance. Each ``old`` must occur exactly once in the solution: when
the solution changes, a stale mutant fails loudly instead of testing yesterday's code.
"""

from __future__ import annotations

import importlib.util
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import nbformat


@dataclass(frozen=True)
class Mutant:
    exercise: str  #: grade_id of the answer cell it replaces
    name: str  #: what it gets wrong (or what alternative it is)
    source: str = ""  #: full replacement source of the answer cell (or empty, with ``edits``)
    should_pass: bool = False  #: True for an alternative correct implementation
    edits: tuple[tuple[str, str], ...] = ()  #: (old, new) replacements in the solution's cell


def without_markers(source: str) -> str:
    """An answer cell's source without the ``### BEGIN/END SOLUTION`` lines (comments to Python)."""
    keep = [line for line in source.splitlines(keepends=True)
            if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
    return "".join(keep)


def apply_edits(mutant: Mutant, solution: str) -> Mutant:
    """``mutant`` with its ``source`` made from the solution cell's source and its ``edits``."""
    if not mutant.edits:
        return mutant
    source = solution
    for old, new in mutant.edits:
        if source.count(old) != 1:
            raise ValueError(f"mutant {mutant.exercise!r} / {mutant.name!r}: {old!r} occurs "
                             f"{source.count(old)} times in the solution (it must occur once)")
        source = source.replace(old, new)
    return replace(mutant, source=source)


#: Folder of the mutant catalogues, relative to the course root.
CATALOGUES = "mutants"


def mutants_file(course_root: Path, assignment: str) -> Path:
    """``<course_root>/mutants/<id>.py``: the assignment's catalogue (course content)."""
    return Path(course_root) / CATALOGUES / f"{assignment}.py"


def load_mutants(course_root: Path, assignment: str) -> list[Mutant]:
    """The assignment's mutants, each with its full ``source`` (edits applied to the solution)."""
    from autograder import course, submission

    path = mutants_file(course_root, assignment)
    if not path.is_file():
        return []
    spec = importlib.util.spec_from_file_location(f"_mutants_{assignment}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    solution_nb = nbformat.read(course.source_notebook(course_root, assignment), as_version=4)
    solutions = {submission.grade_id(c): without_markers(c.source)
                 for c in solution_nb.cells if submission.is_answer(c)}
    return [apply_edits(m, solutions.get(m.exercise, "")) for m in module.MUTANTS]


def run_mutants(course_root: Path, assignment: str, jobs: int = 2, grader=None) -> list[dict]:
    """Grade every mutant of ``assignment``; one row per mutant with ``ok`` telling if it behaved.

    The mutants are split into ``jobs`` batches (an exercise's mutants stay together), each graded
    in one kernel (``Grader.grade_answers``), the batches side by side. If a whole batch cannot
    be graded (its worker failed or ran out of
    time), each of its mutants is graded again alone, so one bad mutant never hides the others.
    ``grader``: an open :class:`~autograder.grading.Grader` of this assignment to reuse.
    """
    from autograder.grading import Grader

    mutants = load_mutants(course_root, assignment)
    if not mutants:
        return [{"assignment": assignment, "exercise": "-", "name": "(no mutants file)",
                 "expected": "-", "score": "", "ok": False, "message": str(mutants_file(course_root, assignment))}]
    batches = _batches(mutants, max(1, jobs))

    def rows_for(g, batch: list[Mutant]) -> list[dict]:
        try:
            outcomes = g.grade_answers([(m.exercise, m.source) for m in batch])
        except Exception as exc:  # the batch failed: grade its mutants one by one
            if len(batch) == 1:
                return [_row(assignment, batch[0], None, f"not graded: {exc}")]
            return [row for m in batch for row in _alone(g, m)]
        return [_row(assignment, m, o) for m, o in zip(batch, outcomes)]

    def _alone(g, mutant: Mutant) -> list[dict]:
        try:
            return [_row(assignment, mutant, g.grade_answers([(mutant.exercise, mutant.source)])[0])]
        except Exception as exc:  # a mutant that cannot be graded is a problem to look at
            return [_row(assignment, mutant, None, f"not graded: {exc}")]

    def run(g) -> list[dict]:
        with ThreadPoolExecutor(max_workers=len(batches)) as pool:
            done = list(pool.map(lambda batch: rows_for(g, batch), batches))
        by_mutant = {id(m): row for batch, rows in zip(batches, done) for m, row in zip(batch, rows)}
        return [by_mutant[id(m)] for m in mutants]  # the catalogue's order

    if grader is not None:
        return run(grader)
    with Grader(course_root, assignment) as g:
        return run(g)


def _batches(mutants: list[Mutant], jobs: int) -> list[list[Mutant]]:
    """Split the mutants into ``jobs`` batches, one kernel each, keeping an exercise's mutants
    together and the batches' sizes even (a kernel's start and setup cost more than a mutant)."""
    by_exercise: dict[str, list[Mutant]] = {}
    for m in mutants:
        by_exercise.setdefault(m.exercise, []).append(m)
    batches: list[list[Mutant]] = [[] for _ in range(min(jobs, len(by_exercise)))]
    for group in sorted(by_exercise.values(), key=len, reverse=True):
        min(batches, key=len).extend(group)
    return batches


def _row(assignment: str, mutant: Mutant, outcome, error: str = "") -> dict:
    row = {"assignment": assignment, "exercise": mutant.exercise, "name": mutant.name,
           "expected": "full marks" if mutant.should_pass else "loses points"}
    if outcome is None:
        row.update(score="", message=error, ok=False)
    else:
        row.update(score=f"{outcome.score:g}/{outcome.max_score:g}", message=outcome.message,
                   ok=outcome.full_marks == mutant.should_pass)
    return row


def print_table(rows: list[dict]) -> None:
    header = ("assignment", "exercise", "mutant", "expected", "score", "verdict")
    lines = [header]
    for r in rows:
        verdict = "ok" if r["ok"] else ("SURVIVED" if r["expected"] == "loses points" else "REJECTED"
                                         if r["expected"] == "full marks" else "MISSING")
        lines.append((r["assignment"], r["exercise"], r["name"][:48], r["expected"], r["score"], verdict))
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    for line in lines:
        print("  ".join(str(v).ljust(w) for v, w in zip(line, widths)))
    for r in rows:
        if not r["ok"] and r.get("message"):
            print(f"  {r['exercise']} / {r['name']}: {r['message']}")
