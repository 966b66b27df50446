"""Mutation testing of the notebooks' tests: ``python -m autograder mutants [ID ...]``.

``autograder/mutants/<assignment_id>.py`` defines ``MUTANTS``, a list of :class:`Mutant`:
plausible wrong answers (``should_pass=False``: must lose points) and alternative correct
answers (``should_pass=True``: must keep full marks). Each mutant replaces the source of one
answer cell and is graded by the real grader (same rebuild, sandbox, guard, nbgrader
autograde and gradebook), keeping only the cells its test needs: the setup cells, that
answer cell and its test cell.

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


def mutants_file(course_root: Path, assignment: str) -> Path:
    """``<course_root>/autograder/mutants/<id>.py``, else the one shipped with this package."""
    local = Path(course_root) / "autograder" / "mutants" / f"{assignment}.py"
    return local if local.is_file() else Path(__file__).parent / f"{assignment}.py"


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


def _notebook_for(mutant: Mutant, release) -> nbformat.NotebookNode:
    """A one-cell submission: the answer cell of ``mutant.exercise`` with the mutant's source."""
    from autograder import submission

    for cell in release.cells:
        if submission.grade_id(cell) == mutant.exercise and submission.is_answer(cell):
            answer = nbformat.from_dict(dict(cell))
            answer.source = mutant.source
            return nbformat.v4.new_notebook(cells=[answer], metadata=release.metadata)
    raise ValueError(f"mutant {mutant.name!r}: no answer cell {mutant.exercise!r} in the release")


def run_mutants(course_root: Path, assignment: str, jobs: int = 2) -> list[dict]:
    """Grade every mutant of ``assignment``; one row per mutant with ``ok`` telling if it behaved."""
    from autograder.grading import Grader

    mutants = load_mutants(course_root, assignment)
    if not mutants:
        return [{"assignment": assignment, "exercise": "-", "name": "(no mutants file)",
                 "expected": "-", "score": "", "ok": False, "message": str(mutants_file(course_root, assignment))}]
    with Grader(course_root, assignment) as grader:

        def one(mutant: Mutant) -> dict:
            row = {"assignment": assignment, "exercise": mutant.exercise, "name": mutant.name,
                   "expected": "full marks" if mutant.should_pass else "loses points"}
            try:
                res = grader.grade(None, notebook=_notebook_for(mutant, grader.release),
                                   only={mutant.exercise})
                ex = next(e for e in res["exercises"] if e["name"] == mutant.exercise)
                full = ex["score"] >= ex["max_score"]
                row.update(score=f"{ex['score']:g}/{ex['max_score']:g}", message=ex["message"],
                           ok=full == mutant.should_pass)
            except Exception as exc:  # a mutant that cannot be graded is a problem to look at
                row.update(score="", message=f"not graded: {exc}", ok=False)
            return row

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            return list(pool.map(one, mutants))


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
