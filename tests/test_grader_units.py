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
                "tests/test_grader_units.py", "tests/grader_fixtures", "tests/test_nbgrader_paths.py",
                "nbgrader_config.py"]


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


# -- issue 16: sandbox probe, integrity, LMS files, nbgrader hooks (no kernel) -----------------

def _fake_bwrap(folder: Path, code: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bwrap").write_text(f"#!/bin/sh\necho 'bwrap: creating new namespace failed' >&2\nexit {code}\n")
    (folder / "bwrap").chmod(0o755)
    return folder


def test_sandbox_probe_runs_bwrap_and_says_why_not(tmp_path, monkeypatch):
    from autograder import sandbox

    monkeypatch.delenv("AUTOGRADER_NO_SANDBOX", raising=False)
    monkeypatch.setenv("PATH", f"{_fake_bwrap(tmp_path / 'bin', 1)}:/usr/bin:/bin")
    works, reason = sandbox.probe()
    assert not works and "cannot run here" in reason and "namespace" in reason, reason
    assert sandbox.bwrap_path() is None  # on PATH, but it does not run: no sandbox
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    assert sandbox.probe() == (False, "bubblewrap (`bwrap`) is not installed")
    monkeypatch.setenv("AUTOGRADER_NO_SANDBOX", "1")
    assert sandbox.probe()[0] is False and "AUTOGRADER_NO_SANDBOX" in sandbox.probe()[1]
    spec = tmp_path / "spec"
    assert sandbox.write_kernelspec(spec, tmp_path, tmp_path, tmp_path, tmp_path, 1, 1) is False
    argv = json.loads((spec / "kernels" / sandbox.KERNEL_NAME / "kernel.json").read_text())["argv"]
    assert argv[0] == sys.executable and "bwrap" not in " ".join(argv)


def test_integrity_sees_writes_that_restore_contents_and_times(tmp_path):
    import os

    from autograder import integrity

    db, other = tmp_path / "gradebook.db", tmp_path / "work" / "figure.png"
    db.write_bytes(b"scores")
    other.parent.mkdir()
    (tmp_path / "__pycache__").mkdir()
    before = integrity.fingerprint([tmp_path], exclude=[other.parent])
    saved = integrity.save_copies([db])
    st = db.stat()
    db.write_bytes(b"SCORES")  # same size, then the old times put back: only ctime tells
    os.utime(db, ns=(st.st_atime_ns, st.st_mtime_ns))
    other.write_bytes(b"the kernel's own folder may change")
    (tmp_path / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"caches are fine")
    found = integrity.changes(before, integrity.fingerprint([tmp_path], exclude=[other.parent]))
    assert found == [f"modified {db}"]
    assert "gradebook.db" in integrity.describe(found)
    assert integrity.restore_copies(saved) == [str(db)] and db.read_bytes() == b"scores"
    assert integrity.changes(before, before) == [] and integrity.describe([]) == ""


def test_lms_lateness_timestamps_and_csv_formats(tmp_path):
    import csv

    from autograder import lms

    due = lms.parse_time("2026-12-01 23:59:00 UTC")
    sub = tmp_path / "alice" / "a"
    sub.mkdir(parents=True)
    (sub / "a.ipynb").write_text("{}")
    assert lms.submission_time(sub / "a.ipynb") is None
    (sub / "timestamp.txt").write_text("2026-12-03 00:00:00.5 UTC")
    stamp = lms.submission_time(sub / "a.ipynb")
    seconds, penalty = lms.late(stamp, due, 0.1, 10)
    assert round(seconds) == 86460 and penalty == pytest.approx(2.0)  # 1 day 1 min: two started days
    assert lms.late(due, due, 0.1, 10) == (0.0, 0.0) and lms.late(None, due, 1.0, 10) == (0.0, 0.0)
    assert lms.late(stamp, due, 1.0, 10)[1] == 10  # never more than the maximum
    roster = tmp_path / "roster.csv"
    roster.write_text("student,id,name,sis_user_id\nalice,17,Alice Liddell,A17\n")
    assert lms.read_roster(roster)["alice"]["sis_user_id"] == "A17"
    rows = [{"student": "alice", "student_id": "17", "name": "Alice Liddell", "sis_user_id": "A17",
             "assignment": "a", "timestamp": "2026-12-03", "raw_score": 6.0, "late_penalty": 1.2,
             "score": 4.8, "max_score": 6.0},
            {"student": "bob", "student_id": "bob", "assignment": "a", "score": "", "max_score": ""}]
    lms.write_canvas(rows, tmp_path / "canvas.csv", "Lab 1 (1234)", 6.0)
    with open(tmp_path / "canvas.csv") as fh:
        canvas = list(csv.reader(fh))
    assert canvas == [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Lab 1 (1234)"],
                      ["Points Possible", "", "", "", "", "6"],
                      ["Alice Liddell", "17", "A17", "", "", "4.8"], ["bob", "bob", "", "", "", ""]]
    lms.write_nbgrader_export(rows, tmp_path / "export.csv", due)
    with open(tmp_path / "export.csv") as fh:
        export = list(csv.DictReader(fh))
    assert list(export[0]) == lms.NBGRADER_EXPORT_FIELDS
    assert (export[0]["first_name"], export[0]["last_name"], export[0]["score"]) == ("Alice", "Liddell", "4.8")
    assert export[1]["score"] == "0.0" and export[0]["duedate"] == "2026-12-01 23:59:00"


def test_record_grades_caps_scores_and_redaction_hides_hidden_tests():
    from autograder.nbgrader_hooks import RECORDS, RecordGrades, RedactHiddenTests

    test = checks_cell(points=2)
    test.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "500"}, execution_count=1)]
    nb = notebook(setup_cell(), answer_cell(), test)
    resources = {"nbgrader": {"assignment": "a", "student": "s", "notebook": "a"},
                 "autograder": {"tampered": ["modified /c/.grading/gradebook.db"]}}
    RecordGrades(flag_in_gradebook=False, keep_record=True).preprocess(nb, resources)
    record = RECORDS.pop(("a", "s", "a"))
    assert record["scores"] == {"f_test": (0.0, 2.0)}  # 500 claimed by a 2-point cell: nothing
    assert len(record["tampered"]) == 2 and "greater than maximum" in record["tampered"][1]
    test.outputs = []
    RecordGrades(flag_in_gradebook=False, keep_record=True).preprocess(nb, {"nbgrader": resources["nbgrader"]})
    assert RECORDS.pop(("a", "s", "a"))["scores"] == {"f_test": (2.0, 2.0)}
    RecordGrades(flag_in_gradebook=False).preprocess(nb, {"nbgrader": resources["nbgrader"]})
    assert RECORDS == {}  # plain nbgrader / formgrader: nothing accumulates in the server

    hidden = checks_cell()
    hidden.source = "assert f(1) == 1\n### BEGIN HIDDEN TESTS\nassert f(12345) == 12345, 'secret'\n### END HIDDEN TESTS"
    hidden.outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="secret",
                                             traceback=["assert f(12345) == 12345, 'secret'", "AssertionError"])]
    printer = new_code_cell("print(In)")
    printer.outputs = [nbformat.v4.new_output("stream", name="stdout", text="assert f(12345) == 12345, 'secret'")]
    nb = notebook(setup_cell(), answer_cell(), hidden, printer)
    out, _ = RedactHiddenTests().preprocess(nb, {})
    text = json.dumps(out)
    assert "12345" not in text and "BEGIN HIDDEN" not in text and "(hidden tests)" in text


def test_a_failure_message_keeps_its_case_and_loses_the_hidden_lines():
    secrets = {"[False, True, True],", "[False, False, False],", "expect3 = _drive(g3, rows)"}
    message = ("AssertionError: three environments, delay 1: got [[True]], expected "
               "[[False, False, False], [False, True, True], [True, False, False]]")
    shown = report.redact_message(message, secrets)
    assert shown == ("AssertionError: three environments, delay 1: got [[True]], expected "
                     "[[hidden] [hidden] [True, False, False]]")
    assert not report.leaks(shown, secrets)
    assert report.redact_message("AssertionError: got 3", secrets) == "AssertionError: got 3"
    # overlapping lines: the longer goes first, and nothing of either survives
    nested = {"abcdefgh", "xxabcdefghxx"}
    assert report.redact_message("1 xxabcdefghxx 2 abcdefgh", nested) == "1 [hidden] 2 [hidden]"
    quoted = "ValueError: ### BEGIN HIDDEN TESTS expect3 = _drive(g3, rows) ### END HIDDEN TESTS"
    assert report.redact_message(quoted, secrets) == "ValueError: [hidden] [hidden] [hidden]"
    # outputs (printed text, tracebacks) are still removed whole
    assert report.redact("print: [False, True, True], ...", secrets) == "[removed: it showed the hidden tests]"


def test_root_nbgrader_config_installs_the_hardening_and_fails_closed(monkeypatch):
    from traitlets.config.loader import PyFileConfigLoader

    import autograder.nbgrader_config as cfg

    c = PyFileConfigLoader("nbgrader_config.py", path=str(CODE_ROOT)).load_config()
    names = [getattr(p, "__name__", p) for p in c.Autograde.autograde_preprocessors]
    assert names[0] == "CourseExecute" and names[-1] == "RecordGrades"
    assert [getattr(p, "__name__", p) for p in c.Autograde.sanitize_preprocessors][0] == "RebuildSubmission"
    assert [p.__name__ for p in c.GenerateFeedback.preprocessors][0] == "RedactHiddenTests"
    assert c.CourseDirectory.source_directory == "solutions" and c.CourseExecute.timeout == 60

    def broken(*a, **k):
        raise RuntimeError("a broken course config")

    monkeypatch.setattr(cfg, "configure", broken)
    c = PyFileConfigLoader("nbgrader_config.py", path=str(CODE_ROOT)).load_config()
    assert c.Autograde.sanitize_preprocessors == [cfg.FAILED_SENTINEL]
