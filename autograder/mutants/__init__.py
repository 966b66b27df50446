"""Mutation testing of the notebooks' tests: ``python -m autograder mutants [ID ...]``.

``autograder/mutants/<assignment_id>.py`` defines ``MUTANTS``, a list of :class:`Mutant`:
plausible wrong answers (``should_pass=False``: must lose points) and alternative correct
answers (``should_pass=True``: must keep full marks). Each mutant replaces the source of one
answer cell and is graded by the real grader (same rebuild, sandbox, guard, nbgrader
autograde and gradebook), keeping only the cells its test needs: the setup cells, that
answer cell and its test cell.
"""

from __future__ import annotations

import importlib.util
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat


@dataclass(frozen=True)
class Mutant:
    exercise: str  #: grade_id of the answer cell it replaces
    name: str  #: what it gets wrong (or what alternative it is)
    source: str  #: full replacement source of the answer cell
    should_pass: bool = False  #: True for an alternative correct implementation


def mutants_file(course_root: Path, assignment: str) -> Path:
    """``<course_root>/autograder/mutants/<id>.py``, else the one shipped with this package."""
    local = Path(course_root) / "autograder" / "mutants" / f"{assignment}.py"
    return local if local.is_file() else Path(__file__).parent / f"{assignment}.py"


def load_mutants(course_root: Path, assignment: str) -> list[Mutant]:
    path = mutants_file(course_root, assignment)
    if not path.is_file():
        return []
    spec = importlib.util.spec_from_file_location(f"_mutants_{assignment}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.MUTANTS)


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
