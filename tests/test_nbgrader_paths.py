"""Every nbgrader path an instructor uses is the hardened path (issue 16).

- formgrader's "autograde" button: ``POST /formgrader/api/submission/<id>/<student>/autograde``
  on a real Jupyter server started in the course root (formgrader loads ``nbgrader_config.py``
  from there and calls ``NbGraderAPI.autograde`` in the server's process); the set-up steps use
  the same API object in-process (``formgrader_api``);
- ``nbgrader autograde`` on the command line at the course root (a subprocess);
- ``grade-all --gradebook`` into the gradebook that formgrader, ``nbgrader export`` and
  ``release_feedback`` read, end to end through a local exchange with two students.

A hostile battery goes through the first two: no over-credit, no hidden-test line in the
feedback nbgrader generates, full marks for the correct submission; without the sandbox
(``AUTOGRADER_NO_SANDBOX=1``, or a ``bwrap`` that cannot run) a submission that writes the
gradebook is scored by the tests it passed and flagged. Each test starts kernels: all slow.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import test_autograder as ta
from test_autograder import FIXTURE_ID, FIXTURES, GRADEBOOK_WRITE, WRONG_MEAN, answered, cell, release_nb, source_nb

from autograder import CODE_ROOT, SCRATCH, report, sandbox

pytestmark = pytest.mark.slow

COURSE_ID = "ilc-test"
EXTRA_CONFIG = """
c.CourseDirectory.course_id = {course!r}
c.Exchange.root = {exchange!r}
"""

def hostile_battery(root: Path) -> dict[str, tuple[nbformat.NotebookNode, float]]:
    """student -> (submission, the autograded points it deserves, out of 6)."""
    b = ta._battery(root)
    return {
        "correct": (b["correct"][0], 6),
        "input_transformer": (b["input_transformer"][0], 1),
        "monkeypatch": (b["monkeypatch"][0], 1),
        "history_leak": (b["history_leak"][0], 6),
        "duplicated_cells": (b["duplicated_cells"][0], 4),
        "deleted_test": (b["deleted_test"][0], 3),
        "gradebook_write": (answered(root, answer_mse=GRADEBOOK_WRITE, row_mean=WRONG_MEAN), 4),
    }


def make_course(base: Path) -> Path:
    """A course root holding the fixture assignment and the repository's nbgrader_config.py."""
    root = base / "course"
    shutil.copytree(FIXTURES / "solutions", root / "solutions")
    config = (CODE_ROOT / "nbgrader_config.py").read_text()
    config += EXTRA_CONFIG.format(course=COURSE_ID, exchange=str(base / "exchange"))
    (root / "nbgrader_config.py").write_text(config)
    (base / "exchange").mkdir()
    with formgrader_api(root) as api:
        result = api.generate_assignment(FIXTURE_ID, force=True, create=True)  # notebooks/ + gradebook
        assert result["success"], result.get("log")
    return root


@contextlib.contextmanager
def formgrader_api(root: Path):
    """The NbGraderAPI formgrader's API handlers use: the extension initialised in the course
    root (it loads ./nbgrader_config.py), ``NbGraderAPI(coursedir, authenticator, parent)``."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.server_extensions.formgrader.formgrader import FormgradeExtension

    from autograder import prepare_nbgrader

    prepare_nbgrader()
    with contextlib.chdir(root):
        fg = FormgradeExtension()
        fg.root_dir = str(root)
        fg.initialize([])
        fg.load_config_file()  # what BaseApiHandler.api does before every request
        yield NbGraderAPI(fg.coursedir, fg.authenticator, parent=fg)


def submit_to_course(root: Path, student: str, nb) -> None:
    dest = root / SCRATCH / "submitted" / student / FIXTURE_ID
    dest.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, dest / f"{FIXTURE_ID}.ipynb")
    (dest / "timestamp.txt").write_text("2026-12-01 10:00:00.000000 UTC")


def gradebook_scores(root: Path) -> dict[str, tuple[float, bool]]:
    """student -> (total score formgrader shows, flagged) from the course gradebook."""
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{root / SCRATCH / 'gradebook.db'}") as gb:
        for sub in gb.find_assignment(FIXTURE_ID).submissions:
            sn = gb.find_submission_notebook(FIXTURE_ID, FIXTURE_ID, sub.student.id)
            out[sub.student.id] = (float(sub.score), bool(sn.flagged))
    return out


def hidden_lines_in(folder: Path, root: Path) -> list[str]:
    secrets = report.hidden_lines(source_nb(root), release_nb(root))
    found = []
    for html in sorted(folder.rglob("*.html")):
        text = html.read_text()
        found += [f"{html}: {s}" for s in secrets if s in text or ta._html_escape(s) in text]
        if "BEGIN HIDDEN TESTS" in text:
            found.append(f"{html}: BEGIN HIDDEN TESTS")
    return found


class CliBattery:
    """``nbgrader autograde`` over the battery in its own course, started in the background
    (a subprocess, no sandbox) so that it runs while the formgrader test grades in-process."""

    def __init__(self, base: Path):
        self.root = make_course(base)
        self.battery = hostile_battery(self.root)
        for student, (nb, _) in self.battery.items():
            submit_to_course(self.root, student, nb)
        self.env = dict(os.environ, AUTOGRADER_NO_SANDBOX="1", PYTHONPATH=str(CODE_ROOT))
        self.proc = subprocess.Popen([sys.executable, "-m", "nbgrader", "autograde", FIXTURE_ID], cwd=self.root,
                                     env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def wait(self) -> tuple[int, str]:
        log, _ = self.proc.communicate(timeout=900)
        return self.proc.returncode, log


@pytest.fixture(scope="module")
def cli_battery(tmp_path_factory):
    run = CliBattery(tmp_path_factory.mktemp("cli"))
    yield run
    if run.proc.poll() is None:
        run.proc.kill()
        run.proc.wait()


class JupyterServer:
    """A real Jupyter server started in the course root (formgrader enabled, as on a hub), for
    calling formgrader's HTTP API with a token."""

    def __init__(self, root: Path):
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        env = dict(os.environ, PYTHONPATH=str(CODE_ROOT), JUPYTER_RUNTIME_DIR=str(root / ".jupyter-runtime"))
        argv = [sys.executable, "-m", "jupyter", "server", "--no-browser", f"--port={self.port}",
                "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=grader-test", f"--ServerApp.root_dir={root}"]
        if os.geteuid() == 0:
            argv.append("--allow-root")
        self.log = root.parent / "server.log"
        self._fh = open(self.log, "w")
        self.proc = subprocess.Popen(argv, cwd=root, env=env, stdout=self._fh, stderr=subprocess.STDOUT)
        for _ in range(240):
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            try:
                self.call("GET", "/api/status")
                return
            except OSError:
                time.sleep(0.5)
        raise AssertionError("the Jupyter server did not start:\n" + self.log.read_text()[-3000:])

    def call(self, method: str, path: str):
        import urllib.request

        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method=method,
                                         data=b"" if method == "POST" else None,
                                         headers={"Authorization": "token grader-test"})
        with urllib.request.urlopen(request, timeout=600) as response:
            return json.loads(response.read() or b"null")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._fh.close()


def test_formgrader_autograde_api_is_the_hardened_path(tmp_path, cli_battery):
    """The hostile battery through formgrader's HTTP API on a real Jupyter server started in the
    course root: ``POST /formgrader/api/submission/<id>/<student>/autograde`` per student, then
    ``POST /formgrader/api/assignment/<id>/generate_feedback`` (sandboxed when bwrap runs)."""
    root = make_course(tmp_path)
    battery = hostile_battery(root)
    for student, (nb, _) in battery.items():
        submit_to_course(root, student, nb)
    server = JupyterServer(root)
    logs = {}
    try:
        for student in battery:
            result = server.call("POST", f"/formgrader/api/submission/{FIXTURE_ID}/{student}/autograde")
            assert result["success"], result.get("log")
            logs[student] = result["log"]
        shown = {s["student"]: s["score"] for s in server.call("GET", f"/formgrader/api/submissions/{FIXTURE_ID}")}
        assert server.call("POST", f"/formgrader/api/assignment/{FIXTURE_ID}/generate_feedback")["success"]
    finally:
        server.stop()
    scores = gradebook_scores(root)
    assert shown == {s: v[0] for s, v in scores.items()}
    works, reason = sandbox.probe()
    for student, (_, expected) in battery.items():
        score, flagged = scores[student]
        assert score == expected, (student, score, logs[student])
        if student != "gradebook_write" or works:
            assert not flagged, (student, logs[student])
        assert "autograder: guarded execution" in logs[student], logs[student]
    if works:
        assert "WITHOUT the sandbox" not in logs["correct"]
    else:  # the log formgrader shows says so
        assert "WITHOUT the sandbox" in logs["correct"] and reason in logs["correct"]
        assert scores["gradebook_write"][1], "a gradebook write without the sandbox must be flagged"
    assert hidden_lines_in(root / SCRATCH / "feedback", root) == []
    assert len(list((root / SCRATCH / "feedback").rglob("*.html"))) == len(battery)


def test_nbgrader_autograde_cli_without_sandbox(cli_battery):
    """``nbgrader autograde`` at the course root, no sandbox: no over-credit, the gradebook
    writer is scored by its tests and flagged, nobody else's score changes, feedback redacted."""
    root, battery = cli_battery.root, cli_battery.battery
    code, log = cli_battery.wait()
    assert code == 0, log[-5000:]
    assert "WITHOUT the sandbox" in log and "NEEDS REVIEW gradebook_write" in log, log[-3000:]
    scores = gradebook_scores(root)
    assert {s: v[0] for s, v in scores.items()} == {s: e for s, (_, e) in battery.items()}
    assert {s for s, (_, flagged) in scores.items() if flagged} == {"gradebook_write"}
    fb = subprocess.run([sys.executable, "-m", "nbgrader", "generate_feedback", FIXTURE_ID], cwd=root,
                        env=cli_battery.env, capture_output=True, text=True, timeout=600)
    assert fb.returncode == 0, fb.stderr[-3000:]
    assert hidden_lines_in(root / SCRATCH / "feedback", root) == []


def test_exchange_end_to_end_grade_all_into_the_gradebook(tmp_path, monkeypatch):
    """release -> fetch/submit (two students) -> collect -> grade-all --gradebook (with a bwrap
    that cannot run) -> formgrader's API shows the CSV's scores -> release_feedback -> the
    fetched feedback has no hidden test."""
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default import ExchangeFetchAssignment, ExchangeFetchFeedback, ExchangeSubmit
    from traitlets.config import Config

    from autograder import lms
    from autograder.grading import grade_all

    root = make_course(tmp_path)
    with formgrader_api(root) as api:
        assert api.release_assignment(FIXTURE_ID)["success"]

    def student_app(cls, student):
        c = Config()
        c.Exchange.root = str(tmp_path / "exchange")
        c.Exchange.cache = str(tmp_path / "cache" / student)
        c.Exchange.assignment_dir = str(tmp_path / "home" / student)
        c.CourseDirectory.course_id = COURSE_ID
        c.CourseDirectory.assignment_id = FIXTURE_ID
        c.CourseDirectory.student_id = student
        (tmp_path / "home" / student).mkdir(parents=True, exist_ok=True)
        return cls(coursedir=CourseDirectory(config=c), authenticator=Authenticator(config=c), config=c)

    answers = {"alice": {}, "bob": {"row_mean": WRONG_MEAN, "answer_mse": GRADEBOOK_WRITE}}
    for student, edits in answers.items():
        student_app(ExchangeFetchAssignment, student).start()
        path = tmp_path / "home" / student / FIXTURE_ID / f"{FIXTURE_ID}.ipynb"
        nb = nbformat.read(path, as_version=4)
        good = answered(root, **edits)
        for gid in ("row_mean", "normalize_rows", "answer_mse", "explain_fork"):
            cell(nb, gid).source = cell(good, gid).source
        nbformat.write(nb, path)
        student_app(ExchangeSubmit, student).start()

    with formgrader_api(root) as api:
        assert api.collect(FIXTURE_ID)["success"]
    submitted = root / SCRATCH / "submitted"
    (submitted / "bob" / FIXTURE_ID / "timestamp.txt").write_text("2030-01-02 12:00:00.000000 UTC")

    fake = tmp_path / "fakebin"
    fake.mkdir()
    (fake / "bwrap").write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    (fake / "bwrap").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("AUTOGRADER_NO_SANDBOX", raising=False)
    out = tmp_path / "grades.csv"
    rows = grade_all(submitted, FIXTURE_ID, out, root, jobs=ta.JOBS, log=lambda m: None, gradebook=True,
                     due=lms.parse_time("2030-01-01 00:00:00 UTC"), late_penalty_per_day=0.1,
                     canvas_csv=tmp_path / "canvas.csv", nbgrader_csv=tmp_path / "export.csv")
    by = {r["student"]: r for r in rows}
    assert by["alice"]["status"] == "graded" and by["alice"]["score"] == 6 and by["alice"]["late"] == "no"
    assert by["alice"]["percentage"] == 100.0 and by["alice"]["row_mean (max)"] == "2"
    assert "cannot run here" in by["alice"]["reason"] and by["alice"]["sandboxed"] == "no"
    # bob: 4 points of tests, 2 days late at 10 % a day, and he wrote the gradebook: flagged
    assert by["bob"]["status"] == "needs review" and by["bob"]["raw_score"] == 4, by["bob"]
    assert by["bob"]["late"] == "yes" and abs(by["bob"]["score"] - 2.8) < 1e-9, by["bob"]
    assert "gradebook.db" in by["bob"]["reason"], by["bob"]["reason"]

    with formgrader_api(root) as api:  # what formgrader shows
        shown = {s["student"]: s for s in api.get_submissions(FIXTURE_ID)}
        assert {s: shown[s]["score"] for s in shown} == {"alice": 6.0, "bob": 4.0}
        assert shown["bob"]["needs_manual_grade"]
        assert api.release_feedback(FIXTURE_ID)["success"]
    scores = gradebook_scores(root)
    assert scores == {"alice": (6.0, False), "bob": (4.0, True)}
    with open(tmp_path / "canvas.csv") as fh:
        canvas = list(csv.reader(fh))
    assert canvas[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert canvas[1][0] == "Points Possible" and canvas[1][5] == "6"
    assert {r[0]: r[5] for r in canvas[2:]} == {"alice": "6", "bob": "2.8"}
    with open(tmp_path / "export.csv") as fh:
        export = {r["student_id"]: r for r in csv.DictReader(fh)}
    assert export["bob"]["raw_score"] == "4.0" and export["bob"]["late_submission_penalty"] != "0.0"

    for student in answers:
        student_app(ExchangeFetchFeedback, student).start()
    fetched = tmp_path / "home"
    htmls = sorted(fetched.rglob("feedback/*/*.html"))
    assert len(htmls) == 2, htmls
    assert hidden_lines_in(fetched, root) == []
