"""Reading a learner's notebook and rebuilding it on the release's skeleton.

nbgrader restores edited test cells by checksum, but a deleted test cell is left for manual
grading and a duplicated one aborts the whole batch (issues #1083). So before nbgrader sees a
submission we rebuild it: every read-only / test cell comes from the release, in the
release's order; each answer cell (by ``grade_id``, first copy wins) comes from the learner;
the learner's own extra cells are kept after the nbgrader cell they followed. Extra cells
written before the setup cell run after it, so no learner code runs before the setup (the
grader snapshots the pristine kernel right after it).
"""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path

import nbformat

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


def _nbg(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def grade_id(cell) -> str | None:
    gid = _nbg(cell).get("grade_id")
    return gid if isinstance(gid, str) else None


def is_answer(cell) -> bool:
    return bool(_nbg(cell).get("solution")) and grade_id(cell) is not None


def rebuild(student: nbformat.NotebookNode, release: nbformat.NotebookNode,
            assignment: str) -> nbformat.NotebookNode:
    """The release notebook with the learner's answers and extra cells put in."""
    answer_ids = {grade_id(c) for c in release.cells if is_answer(c)}
    canonical_ids = {grade_id(c) for c in release.cells if grade_id(c)}
    answers: dict[str, nbformat.NotebookNode] = {}
    extras: dict[str, list] = {}
    anchor = START
    for cell in student.cells:
        gid = grade_id(cell)
        if gid in answer_ids and is_answer(cell) and cell.cell_type == _type_of(release, gid):
            answers.setdefault(gid, cell)  # duplicates of an answer cell: first one wins
            anchor = gid
        elif gid in canonical_ids:
            anchor = gid  # a read-only or test cell: the release's copy is used
        elif not _nbg(cell):
            extras.setdefault(anchor, []).append(cell)
        # else: nbgrader metadata of another assignment or forged: dropped
    if not answers:
        raise SubmissionError(
            f"no answer cell of assignment {assignment!r} found in this notebook "
            f"(wrong notebook for the assignment, or its cells lost their nbgrader metadata)")

    cells, setup_seen = [], False
    pending_start_code = []
    for cell in extras.get(START, []):
        (cells if cell.cell_type != "code" else pending_start_code).append(cell)
    for cell in release.cells:
        gid = grade_id(cell)
        if gid is None:
            continue  # the release's free cells are in the learner's copy (as edited)
        cells.append(answers.get(gid, cell) if gid in answer_ids else cell)
        if gid == "setup" or (not setup_seen and _nbg(cell).get("locked") and cell.cell_type == "code"):
            setup_seen = True
            cells.extend(pending_start_code)
            pending_start_code = []
        cells.extend(extras.get(gid, []))
    cells.extend(pending_start_code)

    out = copy.deepcopy(release)
    out.cells = [_fresh(c) for c in cells]
    return out


def _type_of(nb, gid):
    for cell in nb.cells:
        if grade_id(cell) == gid:
            return cell.cell_type
    return None


def _fresh(cell):
    """Copy with a unique cell id and no stale outputs (keeps nbformat happy)."""
    cell = copy.deepcopy(cell)
    cell["id"] = uuid.uuid4().hex[:12] if not _nbg(cell) else cell.get("id", uuid.uuid4().hex[:12])
    if cell.cell_type == "code":
        cell.outputs = []
        cell.execution_count = None
    return cell
