"""Scores, messages and the learner's feedback, with the hidden tests kept out of all of them.

nbgrader's own feedback and gradebook contain the hidden tests verbatim (issues #917, #1363),
so feedback is built here: hidden-test blocks are cut from the test cells, tracebacks of
test cells are reduced to their last line, and any output (of any cell) that contains a line
of the hidden tests is replaced by a notice — whatever way the learner's code found to print
them.
"""

from __future__ import annotations

import copy
import html
import re
from pathlib import Path

import nbformat

from autograder import cells
from autograder.cells import Kind, exercise_name
from autograder.protocol import AWAITING_MANUAL, ERROR, FAILED, NOT_ANSWERED, PASSED, Exercise, Result

__all__ = ["Exercise", "Result", "collect", "exercise_name", "feedback_notebook", "hidden_lines",
           "redact", "redact_message", "table", "write_html"]

HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", re.S)
MARKERS = {"### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"}
CUT = "[hidden]"  # what replaces a hidden-test line quoted in a message (redact_message)
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
MIN_SECRET_LINE = 8  # shorter hidden lines ("))", "x = 1") are not worth redacting


def hidden_lines(source_nb: nbformat.NotebookNode, release_nb: nbformat.NotebookNode) -> set[str]:
    """Lines of the hidden tests that do not also appear in the release."""
    visible = {line.strip() for c in release_nb.cells for line in c.source.splitlines()}
    lines = set()
    for cell in source_nb.cells:
        for block in HIDDEN.findall(cell.source):
            for line in block.splitlines()[1:-1]:
                line = line.strip()
                if len(line) >= MIN_SECRET_LINE and line not in visible:
                    lines.add(line)
    return lines


def leaks(text: str, secrets: set[str]) -> bool:
    return any(s in text for s in secrets)


def redact(text: str, secrets: set[str]) -> str:
    """An output (printed text, a traceback) that quotes the hidden tests is removed whole."""
    return "[removed: it showed the hidden tests]" if leaks(text, secrets) else text


def redact_message(text: str, secrets: set[str]) -> str:
    """A failure message with each hidden-test line it quotes cut out ("[hidden]"), the rest kept.

    A message is the learner's feedback: the case it describes stays readable ("three
    environments, delay 1: got ..., expected [hidden] ..."), the hidden tests' own lines (their
    data, their code) do not appear. Longest first, so a line inside a longer one goes with it.
    """
    secrets = set(secrets) | MARKERS  # a message quoting a whole cell would show them
    for line in sorted((s for s in secrets if s in text), key=len, reverse=True):
        text = text.replace(line, CUT)
    return redact(text, secrets)  # nothing is left to find; removed whole if something were


def error_message(cell) -> str:
    """First line of the first error of a cell, as 'Name: message'."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            value = ANSI.sub("", str(out.get("evalue", ""))).strip().splitlines()
            return f"{out.get('ename', 'Error')}: {value[0] if value else ''}".rstrip(": ")
    return ""


def collect(autograded: nbformat.NotebookNode, scores: dict[str, tuple[float, float]],
            answered: dict[str, bool], secrets: set[str], assignment: str) -> Result:
    """Per-exercise results from the gradebook scores and the autograded notebook.

    Test cells are scored from the gradebook; manually graded answers are listed as awaiting
    manual grading with their points in ``manual_max_score`` (whatever the gradebook says).
    """
    exercises, cell_errors = [], []
    for index, (cell, k) in enumerate(zip(autograded.cells, cells.kinds(autograded))):
        gid = cells.grade_id(cell) or ""
        if k is Kind.MANUAL:
            message = "" if answered.get(gid, True) else "the answer cell was left as released"
            exercises.append(Exercise(gid, None, cells.points(cell), AWAITING_MANUAL, message))
            continue
        if k is not Kind.TEST or gid not in scores:
            message = error_message(cell) if cell.get("cell_type") == "code" else ""
            if message:
                where = "answer" if k is Kind.ANSWER else "notebook"
                cell_errors.append({"cell": index, "kind": where, "grade_id": gid,
                                    "message": redact_message(message, secrets)})
            continue
        score, max_score = scores[gid]
        name = exercise_name(gid)
        message = redact_message(error_message(cell), secrets)
        if score >= max_score:
            status = PASSED
        elif not answered.get(name, True):
            status, message = NOT_ANSWERED, message or "the answer cell was left as released"
        elif any(o.get("ename") in ("IntegrityError", "KernelDied", "TimeoutError")
                 for o in cell.get("outputs", []) if o.get("output_type") == "error"):
            status = ERROR
        else:
            status = FAILED
        exercises.append(Exercise(name, score, max_score, status, message))
    auto = [e for e in exercises if not e.manual]
    return Result(assignment, sum(e.score for e in auto), sum(e.max_score for e in auto), exercises,
                  manual_max_score=sum(e.max_score for e in exercises if e.manual),
                  cell_errors=cell_errors)


def feedback_notebook(autograded: nbformat.NotebookNode, result: Result, secrets: set[str],
                      sandboxed: bool) -> nbformat.NotebookNode:
    """The autograded notebook without hidden tests, with a score table on top."""
    nb = copy.deepcopy(autograded)
    for cell, k in zip(nb.cells, cells.kinds(nb)):
        is_test = k is Kind.TEST
        if is_test:
            cell.source = HIDDEN.sub("# (hidden tests)", cell.source)
        for out in cell.get("outputs", []):
            _scrub_output(out, secrets, short_traceback=bool(is_test))
    rows = "\n".join(
        f"| {e.name} | {_points(e)} / {e.max_score:g} | {e.status} | {html.escape(e.message)} |"
        for e in result.exercises)
    note = "" if sandboxed else "\n\n*Graded without the sandbox (bubblewrap not available).*"
    header = nbformat.v4.new_markdown_cell(
        f"# Feedback: {result.assignment}\n\n**Score: {total(result)}**\n\n"
        f"| exercise | points | status | first line of the failure |\n|---|---|---|---|\n{rows}{note}")
    nb.cells.insert(0, header)
    return nb


def _scrub_output(out, secrets: set[str], short_traceback: bool) -> None:
    kind = out.get("output_type")
    if kind == "stream":
        out["text"] = redact(out.get("text", ""), secrets)
    elif kind == "error":
        out["evalue"] = redact(str(out.get("evalue", "")), secrets)
        tb = [redact(line, secrets) for line in out.get("traceback", [])]
        if short_traceback or any(leaks(line, secrets) for line in out.get("traceback", [])):
            tb = [f"{out.get('ename')}: {out['evalue']}"]
        out["traceback"] = tb
    elif kind in ("execute_result", "display_data"):
        data = out.get("data", {})
        for mime, value in list(data.items()):
            text = value if isinstance(value, str) else "".join(value) if isinstance(value, list) else ""
            if text and leaks(text, secrets):
                data.pop(mime)
                data["text/plain"] = "[removed: it showed the hidden tests]"


def write_html(nb: nbformat.NotebookNode, path: Path) -> Path:
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    return path


def table(result: Result) -> str:
    """Plain-text per-exercise table and total."""
    rows = [("exercise", "points", "max", "status", "message")]
    rows += [(e.name, _points(e), f"{e.max_score:g}", e.status, e.message[:100]) for e in result.exercises]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4] for r in rows]
    lines.insert(1, "-" * (sum(widths) + 8 + 20))
    lines.append(f"total: {total(result)}")
    for err in result.cell_errors:
        if err["kind"] == "notebook":  # answer cells' errors already show in their exercise's row
            lines.append(f"note: cell {err['cell']} raised {err['message'][:100]} (not scored)")
    for use in result.reference_uses:
        lines.append(f"note: answer {use['grade_id']} uses {', '.join(use['names'])}, which the reference "
                     f"solution does not: check by hand that it does not call the exercise's reference "
                     f"implementation (not scored)")
    return "\n".join(lines)


def _points(exercise: Exercise) -> str:
    return "-" if exercise.score is None else f"{exercise.score:g}"


def total(result: Result) -> str:
    """``6 / 6``, or ``6 / 6 autograded, 2 points await manual grading``."""
    text = f"{result.score:g} / {result.max_score:g}"
    if result.manual_max_score:
        text += f" autograded, {result.manual_max_score:g} points await manual grading"
    return text
