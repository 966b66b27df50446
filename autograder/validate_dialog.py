"""nbgrader's Validate button, with a report a learner can read.

nbgrader's Validate dialog prints every failing cell's whole source before its error. The
course's check cells are 20-130 lines long, so with a few exercises unsolved the first error
sits screens down a small dialog. This Jupyter server extension serves Validate's route with
nbgrader's own handler and validator (and so the course's ``nbgrader_config.py``), and only
shortens the report: each cell's source becomes its first line and a line count, and each
traceback keeps the frames in the notebook's cells (the check line that failed, the line of
the learner's code it reached) and the error, dropping the frames inside library code.

It replaces nbgrader's ``validate_assignment`` server extension in the environment the course
is installed in: ``lab-config/`` (installed by requirements.txt) enables it and disables
nbgrader's. The JupyterLab side (the Validate button) is nbgrader's, unchanged.
"""

from __future__ import annotations

import ast

from jupyter_server.utils import url_path_join
from nbconvert.filters import ansi2html, strip_ansi
from nbgrader.server_extensions.validate_assignment import handlers as nbgrader_validate

#: Reports whose cells carry a ``source`` (nbgrader's Validator.validate result keys).
REPORTS = ("failed", "changed", "type_changed", "passed")
SHORT_CELL = 4  # lines: a cell this short is shown whole


def short_source(source: str) -> str:
    """A cell in two lines (a short one whole): the line that starts its checks, and its length.

    The line shown is the first top-level statement that is not a helper's definition or an
    import (a check cell may open with a helper it uses: ``def _reference(...)``); the first
    line where there is none, or where the cell is not Python (a markdown answer).
    """
    lines = source.strip().splitlines()
    if len(lines) <= SHORT_CELL:
        return "\n".join(lines)
    shown = lines[0]
    try:
        body = ast.parse(source.strip()).body
    except SyntaxError:
        body = []
    helpers = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
    first = next((node for node in body if not isinstance(node, helpers)), None)
    if first is not None:
        shown = lines[first.lineno - 1]
    return f"{shown.strip()}\n    ... (one of the cell's {len(lines)} lines)"


def short_traceback(raw: str) -> str:
    """An IPython traceback without the frames in library files ("File ...:N, in f").

    Frames are separated by blank lines (their code lines are numbered, so a frame has none).
    """
    chunks = raw.split("\n\n")
    kept = [c for c in chunks if not strip_ansi(c).lstrip().startswith("File ")]
    dropped = len(chunks) - len(kept)
    if not dropped or len(kept) < 2:
        return raw
    return "\n\n".join(kept[:-1] + [f"({dropped} frame(s) in library code not shown)", kept[-1]])


def readable_cell(cell: dict) -> dict:
    cell = {**cell, "source": short_source(cell.get("source", ""))}
    if isinstance(cell.get("raw_error"), str):
        cell["raw_error"] = short_traceback(cell["raw_error"])
        cell["error"] = ansi2html(cell["raw_error"])
    return cell


def readable(response: dict) -> dict:
    """nbgrader's validate response with every reported cell shortened (see the module)."""
    value = response.get("value")
    if not response.get("success") or not isinstance(value, dict):
        return response  # an error message (a string): shown as it is
    value = {key: ([readable_cell(cell) for cell in cells] if key in REPORTS and isinstance(cells, list) else cells)
             for key, cells in value.items()}
    return {**response, "value": value}


class ReadableValidateHandler(nbgrader_validate.ValidateAssignmentHandler):
    def validate_notebook(self, path):
        return readable(super().validate_notebook(path))


def _handlers():
    """nbgrader's validate routes, with the validate handler swapped for the readable one."""
    return [(pattern, ReadableValidateHandler if handler is nbgrader_validate.ValidateAssignmentHandler
             else handler) for pattern, handler in nbgrader_validate.default_handlers]


def _jupyter_server_extension_points():
    return [{"module": "autograder.validate_dialog"}]


def _load_jupyter_server_extension(serverapp) -> None:
    webapp = serverapp.web_app
    webapp.settings["root_dir"] = serverapp.root_dir  # nbgrader's handler resolves paths from it
    base_url = webapp.settings["base_url"]
    webapp.add_handlers(".*$", [(url_path_join(base_url, pattern), handler) for pattern, handler in _handlers()])
    serverapp.log.info("ilcourse: Validate reports each failing cell by its first line (autograder.validate_dialog)")
