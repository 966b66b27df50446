"""The learner's copy of a notebook: what the release adds to nbgrader's generated notebook.

* Every autograded code cell (an answer to write, or the checks under it) is tagged
  ``raises-exception``. JupyterLab's Run All (and nbclient) then show that cell's error and go
  on, so a fresh release runs top to bottom: the experiments drive with the references until
  the learner's code passes its checks (``ilcourse.lab``), and every figure and widget
  appears. Tags are not part of nbgrader's cell checksums, and grading executes with errors
  allowed anyway, so scoring is unchanged.
* The widget state that executing the solution stored (``metadata.widgets``, up to hundreds
  of KB of a solution run's slider positions and images) is dropped: it belongs to no learner's
  kernel and only shows stale widgets.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

RAISES = "raises-exception"


def is_autograded_code(cell) -> bool:
    """An answer cell or a test cell that nbgrader grades (not a manually graded markdown answer)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("solution") or meta.get("grade"))


def for_learners(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Tag autograded code cells ``raises-exception`` and drop stored widget state (in place)."""
    for cell in nb.cells:
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
