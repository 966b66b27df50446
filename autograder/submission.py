"""Reading a learner's notebook and rebuilding it on the release's skeleton.

nbgrader restores edited test cells by checksum, but a deleted test cell is left for manual
grading and a duplicated one aborts the whole batch (issues #1083). So before nbgrader sees a
submission we rebuild it: every read-only / test cell comes from the release, in the
release's order; each answer cell (by ``grade_id``, first copy wins) comes from the learner;
the learner's own extra cells are kept after the nbgrader cell they followed. Extra cells
written before or between the setup cells run after the last of them, so no learner code runs
before the setup (the grader snapshots the pristine kernel right after it; what counts as a
setup cell is decided in autograder/cells.py, for the rebuild and the executor alike).
"""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path

import nbformat

from autograder import cells
from autograder.cells import Kind

START = "<start>"


class SubmissionError(Exception):
    """The file cannot be graded as a submission of this assignment."""


def load(path: Path) -> nbformat.NotebookNode:
    """Read a notebook or raise SubmissionError saying why it is not one."""
    path = Path(path)
    if not path.is_file():
        raise SubmissionError(f"{path}: no such file")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SubmissionError(f"{path.name} is not a Jupyter notebook (not JSON: {exc})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        raise SubmissionError(f"{path.name} is not a Jupyter notebook (no cell list)")
    try:
        nb = nbformat.reads(json.dumps(raw), as_version=4)
    except Exception as exc:  # nbformat raises several types for malformed notebooks
        raise SubmissionError(f"{path.name} is not a valid notebook: {exc}") from None
    for cell in nb.cells:
        if not isinstance(cell.get("source", ""), str):
            raise SubmissionError(f"{path.name} has a malformed cell")
    return nb


def grade_id(cell) -> str | None:  # kept for callers of the old name
    return cells.grade_id(cell)


def is_answer(cell) -> bool:
    """An answer cell (autograded or manually graded) of any notebook."""
    return cells.kind(cell) in cells.ANSWERS


def rebuild(student: nbformat.NotebookNode, release: nbformat.NotebookNode,
            assignment: str) -> nbformat.NotebookNode:
    """The release notebook with the learner's answers and extra cells put in.

    Only the SOURCE of an answer cell comes from the learner: its type, metadata (points,
    flags) and position are the release's, so tampering with them changes nothing.
    """
    # The skeleton: the release's nbgrader cells (its free cells are in the learner's copy).
    skeleton = [c for c in release.cells if cells.grade_id(c)]
    kinds = cells.kinds(nbformat.v4.new_notebook(cells=skeleton))
    answer_cells = {cells.grade_id(c): c for c, k in zip(skeleton, kinds) if k in cells.ANSWERS}
    setup_ids = {cells.grade_id(c) for c, k in zip(skeleton, kinds) if k is Kind.SETUP}
    canonical_ids = {cells.grade_id(c) for c in skeleton}
    answers: dict[str, nbformat.NotebookNode] = {}
    extras: dict[str, list] = {}
    anchor = START
    for cell in student.cells:
        gid = cells.grade_id(cell)
        if (gid in answer_cells and cells.kind(cell) in cells.ANSWERS
                and cell.get("cell_type") == answer_cells[gid].cell_type):
            answers.setdefault(gid, cell)  # duplicates of an answer cell: first one wins
            anchor = gid
        elif gid in canonical_ids:
            anchor = gid  # a read-only or test cell: the release's copy is used
        elif not cells.nbgrader_meta(cell):
            # Learner code written before or between the setup cells runs after the last of
            # them: the guard's snapshot is taken there, before any learner code.
            extras.setdefault(START if anchor in setup_ids else anchor, []).append(cell)
        # else: nbgrader metadata of another assignment or forged: dropped
    if not answers:
        raise SubmissionError(
            f"no answer cell of assignment {assignment!r} found in this notebook "
            f"(wrong notebook for the assignment, or its cells lost their nbgrader metadata)")

    start = extras.get(START, [])
    out_cells = [c for c in start if c.cell_type != "code"]
    pending = [c for c in start if c.cell_type == "code"]
    last_setup = max((i for i, k in enumerate(kinds) if k is Kind.SETUP), default=-1)
    if last_setup < 0:
        out_cells += pending
    for index, cell in enumerate(skeleton):
        gid = cells.grade_id(cell)
        out_cells.append(_answer(cell, answers[gid]) if gid in answers else cell)
        if index == last_setup:
            out_cells += pending
        if gid not in setup_ids:
            out_cells += extras.get(gid, [])

    out = copy.deepcopy(release)
    out.cells = [_fresh(c) for c in out_cells]
    return out


def _answer(release_cell, learner_cell):
    """The release's answer cell holding the learner's source (and a markdown answer's images)."""
    cell = copy.deepcopy(release_cell)
    cell.source = learner_cell.source
    if cell.cell_type == "markdown" and isinstance(learner_cell.get("attachments"), dict):
        cell["attachments"] = copy.deepcopy(learner_cell["attachments"])
    return cell


def _fresh(cell):
    """Copy with a unique cell id and no stale outputs (keeps nbformat happy)."""
    cell = copy.deepcopy(cell)
    keep = cells.nbgrader_meta(cell) and cell.get("id")
    cell["id"] = cell["id"] if keep else uuid.uuid4().hex[:12]
    if cell.cell_type == "code":
        cell.outputs = []
        cell.execution_count = None
    return cell
