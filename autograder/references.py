"""Answers that lean on the course's reference implementations: a note for the instructor.

Every exercise has a twin in ``ilcourse`` (later notebooks import the reference, not the
learner's code), so an answer cell could call the twin instead of implementing the exercise,
and the tests could not tell. This module lists, for each answer cell of a submission, the
``ilcourse`` names it uses that neither the reference solution's cell nor the released stub
uses. It never changes a score: some extra names are innocent (a helper from an earlier
lesson), so a person decides.

Names are resolved through the notebook's imports (``import ilcourse.chunking as C`` makes
``C.relabel`` mean ``ilcourse.chunking.relabel``); the names a star import brings, or a name
bound to an ``ilcourse`` object by assignment, are not followed (a star import inside an answer
is itself reported as a use of its module).
"""

from __future__ import annotations

import ast

import nbformat

from autograder import COURSE_PACKAGE, cells
from autograder.cells import Kind

ROOT = COURSE_PACKAGE  # "ilcourse" in the docstrings below


def _tree(code: str) -> ast.AST | None:
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError):  # the cell fails anyway; its error is reported elsewhere
        return None


def _imports(tree: ast.AST) -> tuple[dict[str, str], set[str]]:
    """The ``ilcourse`` imports in ``tree``: (local name -> dotted path it binds, paths imported)."""
    bound, imported = {}, set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == ROOT:
                    # ``import ilcourse.a.b`` binds ``ilcourse``; ``import ilcourse.a.b as m`` binds m
                    bound[alias.asname or ROOT] = alias.name if alias.asname else ROOT
                    imported.add(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] == ROOT:
                for alias in node.names:
                    path = node.module if alias.name == "*" else f"{node.module}.{alias.name}"
                    imported.add(path)
                    if alias.name != "*":
                        bound[alias.asname or alias.name] = path
    return bound, imported


def aliases(cells) -> dict[str, str]:
    """The ``ilcourse`` names that the given code cells' imports bind."""
    bound = {}
    for cell in cells:
        tree = _tree(cell.source) if cell.get("cell_type") == "code" else None
        if tree is not None:
            bound.update(_imports(tree)[0])
    return bound


def ilcourse_names(code: str, bound: dict[str, str]) -> set[str]:
    """Dotted ``ilcourse`` names that ``code`` refers to (longest attribute chains only).

    ``bound`` maps the names imported elsewhere in the notebook; imports inside ``code`` count
    as references themselves.
    """
    tree = _tree(code)
    if tree is None:
        return set()
    own_bound, names = _imports(tree)  # an import is a reference in itself
    local = dict(bound, **own_bound)
    inner = set()  # attribute nodes that are part of a longer chain

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and id(node) not in inner:
            parts, value = [node.attr], node.value
            while isinstance(value, ast.Attribute):
                inner.add(id(value))
                parts.append(value.attr)
                value = value.value
            if isinstance(value, ast.Name) and value.id in local:
                names.add(".".join([local[value.id], *reversed(parts)]))
        elif isinstance(node, ast.Name) and node.id in local and node.id != ROOT:
            names.add(local[node.id])
    # ``C.relabel`` also walks the bare ``C``: keep only the longest names
    return {n for n in names if not any(other.startswith(n + ".") for other in names)}


def _answers(nb: nbformat.NotebookNode) -> dict[str, str]:
    return {gid: cell.source for gid, cell in cells.answer_cells(nb, Kind.ANSWER).items()}


def unexpected_references(submission: nbformat.NotebookNode, source: nbformat.NotebookNode,
                          release: nbformat.NotebookNode) -> list[dict]:
    """Per answer cell, the ``ilcourse`` names the learner uses beyond the solution and the stub.

    Returns ``[{"grade_id": ..., "names": [...]}, ...]`` for the cells that have any.
    """
    given = [c for c in release.cells if cells.kind(c) not in cells.ANSWERS]
    bound = aliases(given)
    expected = {gid: ilcourse_names(code, bound) for gid, code in _answers(source).items()}
    stubs = {gid: ilcourse_names(code, bound) for gid, code in _answers(release).items()}
    notes = []
    for gid, code in _answers(submission).items():
        extra = ilcourse_names(code, bound) - expected.get(gid, set()) - stubs.get(gid, set())
        if extra:
            notes.append({"grade_id": gid, "names": sorted(extra)})
    return notes
