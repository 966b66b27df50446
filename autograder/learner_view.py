"""What a learner opens: the release's additions to nbgrader's generated notebook, and a tidy source.

* Every autograded code cell (an answer to write, or the checks under it) is tagged
  ``raises-exception``. JupyterLab's Run All (and nbclient) then show that cell's error and go
  on, so a fresh release runs top to bottom: the experiments drive with the references until
  the learner's code passes its checks (``ilcourse.lab``), and every figure and widget
  appears. Tags are not part of nbgrader's cell checksums, and grading executes with errors
  allowed anyway, so scoring is unchanged.
* Execution timestamps (``metadata.execution`` of every cell) are dropped: they change at
  every run of the solution and mean nothing to a learner.
* The widget state that executing the solution stored (``metadata.widgets``, up to hundreds
  of KB of a solution run's slider positions and images) is dropped: it belongs to no learner's
  kernel and only shows stale widgets.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from autograder.cells import Kind, kind

RAISES = "raises-exception"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def is_autograded_code(cell) -> bool:
    """An answer cell or a test cell that nbgrader grades (not a manually graded markdown answer)."""
    return cell.get("cell_type") == "code" and kind(cell) in (Kind.ANSWER, Kind.MANUAL, Kind.TEST)


def for_learners(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Tag autograded code cells ``raises-exception``; drop timestamps and widget state (in place)."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if is_autograded_code(cell):
            tags = cell.metadata.setdefault("tags", [])
            if RAISES not in tags:
                tags.append(RAISES)
    nb.metadata.pop("widgets", None)
    return nb


def rewrite_release(folder: Path) -> None:
    """Apply :func:`for_learners` to every notebook nbgrader generated in ``folder``."""
    for path in sorted(Path(folder).rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        nb = nbformat.read(path, as_version=4)
        nbformat.write(for_learners(nb), path)


def untidy(nb: nbformat.NotebookNode) -> list[str]:
    """What an executed source notebook carries that nobody should reopen: widget state and
    widget outputs (a reopened solution shows them as "0%| | 0/2000" or "interactive(children=...")
    text, since their kernel is gone) and execution timestamps."""
    found = []
    if "widgets" in nb.metadata:
        found.append("stored widget state (metadata.widgets)")
    views = sum(WIDGET_VIEW in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    if views:
        found.append(f"{views} widget outputs (progress bars, sliders)")
    if any("execution" in c.metadata for c in nb.cells):
        found.append("execution timestamps")
    return found


def tidy(path: Path) -> bool:
    """Drop what :func:`untidy` finds from the notebook at ``path``; return True if it changed."""
    nb = nbformat.read(path, as_version=4)
    if not untidy(nb):
        return False
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if WIDGET_VIEW not in o.get("data", {})]
    nbformat.write(nb, path)
    return True
