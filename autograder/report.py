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
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", re.S)
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
MIN_SECRET_LINE = 8  # shorter hidden lines ("))", "x = 1") are not worth redacting


@dataclass
class Exercise:
    name: str
    score: float
    max_score: float
    status: str  # passed | failed | not answered | error
    message: str = ""


@dataclass
class Result:
    assignment: str
    score: float
    max_score: float
    exercises: list[Exercise] = field(default_factory=list)
    sandboxed: bool = False
    feedback: str | None = None
    # Errors raised by cells that are not tests: answer cells ("answer") and the notebook's own
    # cells ("notebook": setup, experiments, figures). Not scored, but worth knowing: a learner
    # sees why a figure is missing, and the course's tests require a clean solution notebook.
    cell_errors: list[dict] = field(default_factory=list)
    # Answer cells that use ilcourse names the reference solution does not (autograder/references.py):
    # perhaps the exercise's own reference implementation. For the instructor; never scored.
    reference_uses: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"assignment": self.assignment, "score": self.score, "max_score": self.max_score,
                "exercises": [asdict(e) for e in self.exercises], "cell_errors": self.cell_errors,
                "reference_uses": self.reference_uses}


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
    return "[removed: it showed the hidden tests]" if leaks(text, secrets) else text


def error_message(cell) -> str:
    """First line of the first error of a cell, as 'Name: message'."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            value = ANSI.sub("", str(out.get("evalue", ""))).strip().splitlines()
            return f"{out.get('ename', 'Error')}: {value[0] if value else ''}".rstrip(": ")
    return ""


def exercise_name(test_id: str) -> str:
    return test_id[: -len("_test")] if test_id.endswith("_test") else test_id


def collect(autograded: nbformat.NotebookNode, scores: dict[str, tuple[float, float]],
            answered: dict[str, bool], secrets: set[str], assignment: str) -> Result:
    """Per-exercise results from the gradebook scores and the autograded notebook."""
    exercises, cell_errors = [], []
    for index, cell in enumerate(autograded.cells):
        nbg = cell.get("metadata", {}).get("nbgrader", {})
        test_id = nbg.get("grade_id")
        if not (nbg.get("grade") and not nbg.get("solution") and test_id in scores):
            message = error_message(cell) if cell.get("cell_type") == "code" else ""
            if message:
                kind = "answer" if nbg.get("solution") else "notebook"
                cell_errors.append({"cell": index, "kind": kind, "grade_id": test_id or "",
                                    "message": redact(message, secrets)})
            continue
        score, max_score = scores[test_id]
        name = exercise_name(test_id)
        message = redact(error_message(cell), secrets)
        if score >= max_score:
            status = "passed"
        elif not answered.get(name, True):
            status, message = "not answered", message or "the answer cell was left as released"
        elif any(o.get("ename") in ("IntegrityError", "KernelDied", "TimeoutError")
                 for o in cell.get("outputs", []) if o.get("output_type") == "error"):
            status = "error"
        else:
            status = "failed"
        exercises.append(Exercise(name, score, max_score, status, message))
    return Result(assignment, sum(e.score for e in exercises), sum(e.max_score for e in exercises),
                  exercises, cell_errors=cell_errors)


def feedback_notebook(autograded: nbformat.NotebookNode, result: Result, secrets: set[str],
                      sandboxed: bool) -> nbformat.NotebookNode:
    """The autograded notebook without hidden tests, with a score table on top."""
    nb = copy.deepcopy(autograded)
    for cell in nb.cells:
        nbg = cell.get("metadata", {}).get("nbgrader", {})
        is_test = nbg.get("grade") and not nbg.get("solution")
        if is_test:
            cell.source = HIDDEN.sub("# (hidden tests)", cell.source)
        for out in cell.get("outputs", []):
            _scrub_output(out, secrets, short_traceback=bool(is_test))
    rows = "\n".join(
        f"| {e.name} | {e.score:g} / {e.max_score:g} | {e.status} | {html.escape(e.message)} |"
        for e in result.exercises)
    note = "" if sandboxed else "\n\n*Graded without the sandbox (bubblewrap not available).*"
    header = nbformat.v4.new_markdown_cell(
        f"# Feedback: {result.assignment}\n\n**Score: {result.score:g} / {result.max_score:g}**\n\n"
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
    rows += [(e.name, f"{e.score:g}", f"{e.max_score:g}", e.status, e.message[:100]) for e in result.exercises]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4] for r in rows]
    lines.insert(1, "-" * (sum(widths) + 8 + 20))
    lines.append(f"total: {result.score:g} / {result.max_score:g}")
    for err in result.cell_errors:
        if err["kind"] == "notebook":  # answer cells' errors already show in their exercise's row
            lines.append(f"note: cell {err['cell']} raised {err['message'][:100]} (not scored)")
    for use in result.reference_uses:
        lines.append(f"note: answer {use['grade_id']} uses {', '.join(use['names'])}, which the reference "
                     f"solution does not: check by hand that it does not call the exercise's reference "
                     f"implementation (not scored)")
    return "\n".join(lines)
