"""Fast unit tests of the grader's parts (no kernel, no nbgrader run): the cell vocabulary,
the rebuild, the typed job/reply, the report of manually graded answers, the process
boundaries, and the linter."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder import CODE_ROOT, cells, report, submission
from autograder.cells import Kind
from autograder.protocol import AWAITING_MANUAL, AnswerOutcome, Exercise, Job, Limits, Reply, Result

FIXTURES = Path(__file__).parent / "grader_fixtures"
sys.path.insert(0, str(FIXTURES))
try:
    import make_fixture  # the fixture's builder: one definition of a cell's nbgrader metadata
finally:
    sys.path.remove(str(FIXTURES))
meta = make_fixture.meta


def setup_cell(gid="setup", source="import torch"):
    return new_code_cell(source, metadata=meta(gid, locked=True))


def answer_cell(gid="f", source="def f(x):\n    return x\n"):
    return new_code_cell(source, metadata=meta(gid, solution=True))


def checks_cell(gid="f_test", points=2):
    return new_code_cell("assert f(1) == 1", metadata=meta(gid, grade=True, locked=True, points=points))


def manual_cell(gid="explain_f", source="YOUR ANSWER HERE", points=2):
    return new_markdown_cell(source, metadata=meta(gid, solution=True, grade=True, points=points))


def notebook(*cs):
    return new_notebook(cells=list(cs))


# -- one test per kind -------------------------------------------------------------------------

def test_kind_setup_is_the_leading_locked_code():
    nb = notebook(new_markdown_cell("# title", metadata=meta("md", locked=True)), setup_cell(),
                  setup_cell("setup2"), answer_cell(), setup_cell("helpers"))
    assert cells.kinds(nb) == [Kind.READ_ONLY, Kind.SETUP, Kind.SETUP, Kind.ANSWER, Kind.READ_ONLY]
    assert cells.setup_end(nb) == 3
    assert cells.kind(setup_cell()) is Kind.READ_ONLY  # out of context


def test_kind_setup_ends_at_the_first_other_code_cell():
    nb = notebook(setup_cell(), new_code_cell("learner = 1"), setup_cell("late"))
    assert cells.kinds(nb) == [Kind.SETUP, Kind.FREE, Kind.READ_ONLY]
    assert cells.setup_end(notebook(new_code_cell("x = 1"), setup_cell())) == 0


def test_kind_read_only():
    assert cells.kind(new_markdown_cell("text", metadata=meta("md_1", locked=True))) is Kind.READ_ONLY


def test_kind_answer():
    assert cells.kind(answer_cell()) is Kind.ANSWER
    # a markdown cell marked solution but not graded is not an autograded answer
    assert cells.kind(new_markdown_cell("x", metadata=meta("m", solution=True))) is Kind.OTHER


def test_kind_manual():
    assert cells.kind(manual_cell()) is Kind.MANUAL
    assert cells.points(manual_cell(points=2)) == 2.0


def test_kind_test():
    assert cells.kind(checks_cell()) is Kind.TEST
    assert cells.exercise_name("f_test") == "f" and cells.exercise_name("f") == "f"


def test_kind_free():
    assert cells.kind(new_code_cell("x = 1")) is Kind.FREE
    assert cells.kind(new_code_cell("x = 1", metadata={"nbgrader": "junk"})) is Kind.FREE
    assert cells.kind(new_code_cell("x = 1", metadata=meta("plain"))) is Kind.FREE  # every flag off


def test_kind_other():
    forged = new_code_cell("x", metadata={"nbgrader": {"grade": True}})  # no grade_id
    assert cells.kind(forged) is Kind.OTHER
    assert cells.kind(new_markdown_cell("x", metadata=meta("t", grade=True, locked=True))) is Kind.OTHER


def test_graded_names_lists_tests_and_manual_answers_in_order():
    nb = notebook(setup_cell(), answer_cell(), checks_cell(), manual_cell())
    assert cells.graded_names(nb) == ["f", "explain_f"]


# -- the rebuild and the executor agree on where learner code may start ------------------------

def test_learner_code_never_runs_before_the_last_setup_cell():
    release = notebook(setup_cell(), setup_cell("setup2", "import numpy"), answer_cell(), checks_cell())
    student = notebook(new_code_cell("early = 1"), setup_cell(), new_code_cell("between = 1"),
                       setup_cell("setup2", "import numpy"), answer_cell(source="def f(x):\n    return x\n"),
                       checks_cell())
    rebuilt = submission.rebuild(student, release, "a")
    kinds = cells.kinds(rebuilt)
    assert kinds[:2] == [Kind.SETUP, Kind.SETUP]
    end = cells.setup_end(rebuilt)
    assert end == 2
    free = [i for i, k in enumerate(kinds) if k is Kind.FREE]
    assert sorted(rebuilt.cells[i].source for i in free) == ["between = 1", "early = 1"]
    assert min(free) >= end


def test_rebuild_takes_only_the_source_of_answers():
    release = notebook(setup_cell(), answer_cell(source="raise NotImplementedError()"), checks_cell(),
                       manual_cell())
    student = notebook(setup_cell(), answer_cell(source="def f(x):\n    return x\n"), checks_cell(),
                       manual_cell(source="My explanation."), manual_cell(source="a second copy"))
    cells.answer_cells(student)["f"].metadata["nbgrader"]["points"] = 50
    rebuilt = submission.rebuild(student, release, "a")
    answers = cells.answer_cells(rebuilt)
    assert answers["explain_f"].source == "My explanation."  # first copy of its grade_id
    assert answers["explain_f"].cell_type == "markdown"
    assert answers["explain_f"].metadata == release.cells[3].metadata
    assert "points" not in answers["f"].metadata["nbgrader"]
    assert [c.source for c in rebuilt.cells].count("a second copy") == 0


def test_rebuild_drops_an_answer_of_the_wrong_type():
    release = notebook(setup_cell(), answer_cell(), checks_cell(), manual_cell())
    as_code = new_code_cell("print('points')", metadata=manual_cell().metadata)
    rebuilt = submission.rebuild(notebook(answer_cell(), as_code), release, "a")
    manual = cells.answer_cells(rebuilt)["explain_f"]
    assert manual.cell_type == "markdown" and manual.source == "YOUR ANSWER HERE"


# -- typed job and reply -----------------------------------------------------------------------

def _roundtrip(obj):
    return type(obj).from_json(json.loads(json.dumps(obj.to_json())))


def test_job_roundtrips():
    job = Job(mode="answers", assignment="a", run_dir="/r", course_root="/c", reply_json="/r/x.json",
              limits=Limits(cell_timeout=7, wall_clock=9, memory_bytes=10, threads=1),
              answers=[("f", "x = 1"), ("g", "y = 2")])
    assert _roundtrip(job) == job
    nb_job = Job(mode="notebook", assignment="a", run_dir="/r", course_root="/c", reply_json="/r/x",
                 answered={"f": True}, feedback_html="/fb.html")
    assert _roundtrip(nb_job) == nb_job
    with pytest.raises(ValueError, match="mode"):
        Job.from_json(dict(job.to_json(), mode="grade everything"))


def test_result_and_reply_roundtrip():
    result = Result("a", 2.0, 4.0, [Exercise("f", 2.0, 4.0, "failed", "AssertionError: x"),
                                    Exercise("explain_f", None, 2.0, AWAITING_MANUAL)],
                    manual_max_score=2.0, sandboxed=True, feedback="/fb.html",
                    cell_errors=[{"cell": 3, "kind": "answer", "grade_id": "f", "message": "boom"}],
                    reference_uses=[{"grade_id": "f", "names": ["ilcourse.nets"]}])
    assert _roundtrip(result) == result
    reply = Reply(result=result, sandboxed=True)
    assert _roundtrip(reply) == reply
    answers = Reply(outcomes=[AnswerOutcome(0.0, 2.0, "NameError: f", True), AnswerOutcome(2.0, 2.0)])
    assert _roundtrip(answers) == answers
    assert _roundtrip(Reply(error="could not")) == Reply(error="could not")


def test_limits_default_from_the_environment(monkeypatch):
    monkeypatch.setenv("AUTOGRADER_CELL_TIMEOUT", "11")
    assert Limits().cell_timeout == 11


# -- manually graded answers in the report -----------------------------------------------------

def test_manual_answers_are_reported_awaiting_grading_never_scored():
    nb = notebook(setup_cell(), answer_cell(), checks_cell(), manual_cell(source="An answer."))
    # the gradebook knows the manual cell too: its score must not be taken
    scores = {"f_test": (2.0, 2.0), "explain_f": (2.0, 2.0)}
    res = report.collect(nb, scores, {"f": True, "explain_f": True}, set(), "a")
    assert (res.score, res.max_score, res.manual_max_score) == (2.0, 2.0, 2.0)
    manual = res.exercises[-1]
    assert (manual.name, manual.score, manual.status) == ("explain_f", None, AWAITING_MANUAL)
    assert report.total(res) == "2 / 2 autograded, 2 points await manual grading"
    assert "total: 2 / 2 autograded, 2 points await manual grading" in report.table(res)
    left = report.collect(nb, scores, {"f": True, "explain_f": False}, set(), "a")
    assert left.exercises[-1].status == AWAITING_MANUAL and "left as released" in left.exercises[-1].message


# -- the three processes -----------------------------------------------------------------------

KERNEL_SIDE = ("guard.py", "kernel.py")  # modules that run inside the learner's kernel


@pytest.mark.parametrize("module", KERNEL_SIDE)
def test_kernel_side_modules_import_nothing_of_the_host_or_the_worker(module):
    """The guard and the kernel launcher run next to the learner's code: they import only the
    standard library, IPython/torch, and the grader's settings."""
    tree = ast.parse((CODE_ROOT / "autograder" / module).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {f"{node.module}.{a.name}" if node.module == "autograder" else node.module
                 for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for a in node.names}
    grader = {name for name in imported if name.startswith("autograder")}
    assert grader <= {"autograder.COURSE_PACKAGE"}, grader


def test_the_readme_table_names_every_engine_module():
    text = (CODE_ROOT / "autograder" / "README.md").read_text()
    modules = sorted(p.name for p in (CODE_ROOT / "autograder").glob("*.py") if p.name != "__main__.py")
    assert [m for m in modules if f"`{m}`" not in text] == []


# -- hygiene -----------------------------------------------------------------------------------

GRADER_FILES = ["autograder", "tests/test_autograder.py", "tests/test_references.py",
                "tests/test_grader_units.py", "tests/grader_fixtures"]


@pytest.mark.parametrize("scope", ["tree", "grader files, no exceptions"])
def test_ruff_is_clean(scope):
    """CI runs the linter through this test (configuration in pyproject.toml): the whole tree
    with the per-file exceptions for files other branches are editing, and the grader's own
    files without them."""
    ruff = Path(sys.executable).parent / "ruff"
    ruff = str(ruff) if ruff.exists() else shutil.which("ruff")
    assert ruff, "ruff is missing: pip install -r requirements.txt"
    cmd = [ruff, "check", "--no-cache"]
    if scope == "tree":
        cmd += ["."]
    else:
        cmd += ["--config", "lint.per-file-ignores = {}", *GRADER_FILES]
    res = subprocess.run(cmd, cwd=CODE_ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr


def test_fixture_notebook_is_what_make_fixture_writes(tmp_path):
    committed = nbformat.read(FIXTURES / "solutions" / "00_fixture" / "00_fixture.ipynb", as_version=4)
    built = make_fixture.build()
    assert [(c.cell_type, c.source, c.metadata) for c in committed.cells] == \
           [(c.cell_type, c.source, c.metadata) for c in built.cells]
