"""The course's hardening as nbgrader preprocessors, for every path that runs nbgrader.

``python -m autograder`` (its worker) and plain nbgrader with the course's configuration
(``nbgrader autograde`` / ``generate_feedback`` at the repository root, formgrader's
"autograde" button, which calls the same converter in the server's process) use the same
pieces:

- :class:`RebuildSubmission` (first sanitizing step of ``Autograde``): the submission rebuilt
  on the release's skeleton (autograder/submission.py), so deleted, duplicated or edited test
  cells are restored before nbgrader's own checks;
- :class:`CourseExecute` (replaces nbgrader's ``Execute``): ``GuardedExecute`` with the
  course's kernel launcher (memory limit, ``python -P``), the bubblewrap sandbox when
  :func:`autograder.sandbox.probe` says it runs, per-cell timeouts, a per-notebook wall
  clock, and the integrity watch over the gradebook and the course files;
- :class:`RecordGrades` (last autograde step): the grader's own record of what each test cell
  scored, taken from the executed notebook in this process (never from a file the kernel
  could write), capped at the cell's points and written over the gradebook's; a run whose
  kernel touched watched files is flagged in the gradebook (formgrader shows the flag, every
  grade "needs manual grade") with the reason in the log;
- :class:`RedactHiddenTests` (first step of ``GenerateFeedback``): feedback without the hidden
  tests and without any output that shows one of their lines.

What plain nbgrader cannot get here (the docs list it): the separate worker process killed with
its process group at the wall clock, and the private per-student gradebook. The sandbox, when
it runs, hides the course folder and the gradebook's folder from the kernel.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from pathlib import Path

from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Integer, Unicode

from autograder import cells, report, submission
from autograder.cells import Kind
from autograder.execute import GuardedExecute

#: ``(assignment, student, notebook) -> record`` of the runs in this process (RecordGrades).
RECORDS: dict[tuple[str, str, str], dict] = {}


def _ids(resources) -> tuple[str, str, str]:
    nbg = (resources or {}).get("nbgrader", {})
    return nbg.get("assignment", ""), nbg.get("student", ""), nbg.get("notebook", "")


class RebuildSubmission(NbGraderPreprocessor):
    """The submission rebuilt on the release's skeleton (see autograder/submission.py)."""

    release_directory = Unicode("", help="The course's release folder (absolute): "
                                "<release_directory>/<assignment>/<notebook>.ipynb").tag(config=True)

    def preprocess(self, nb, resources):
        assignment, student, notebook = _ids(resources)
        path = Path(self.release_directory) / assignment / f"{notebook}.ipynb"
        if not self.release_directory or not path.is_file():
            self.log.warning("autograder: no release notebook at %s: the submission is NOT rebuilt "
                             "on the release skeleton (nbgrader's checksums still restore edited cells)",
                             path)
            return nb, resources
        import nbformat

        release = nbformat.read(path, as_version=4)
        try:
            rebuilt = submission.rebuild(nb, release, assignment)
        except submission.SubmissionError as exc:
            self.log.warning("autograder: %s/%s: %s; graded as the released notebook (0 points)",
                             student, notebook, exc)
            rebuilt = copy.deepcopy(release)
        resources.setdefault("autograder", {})["rebuilt"] = True
        return rebuilt, resources


class CourseExecute(GuardedExecute):
    """``GuardedExecute`` for plain nbgrader: it writes its own kernelspec (course launcher,
    sandbox when it runs) per notebook and watches the course files."""

    course_root = Unicode("", help="The course root (hidden from a sandboxed kernel; watched)").tag(config=True)
    memory_bytes = Integer(3 * 1024**3, help="Address-space limit of the kernel").tag(config=True)
    threads = Integer(1, help="Threads of the kernel (torch/OpenMP)").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        from autograder import sandbox

        workdir = Path((resources or {}).get("metadata", {}).get("path") or ".").resolve()
        tmp = Path(tempfile.mkdtemp(prefix="agk-", dir="/tmp"))  # short: IPC socket paths
        self._runtime = tmp / "rt"
        self._runtime.mkdir()
        self._kernels = tmp / "jupyter" / "kernels"
        self._count = 0
        root = Path(self.course_root or workdir).resolve()
        db_dir = _sqlite_folder((resources or {}).get("nbgrader", {}).get("db_url", ""))
        if db_dir:  # wherever the gradebook is: watched, and put back if the kernel changes it
            db = str(db_dir / Path(resources["nbgrader"]["db_url"]).name)
            self.protect = list(dict.fromkeys([*self.protect, db]))
            self.watch = list(dict.fromkeys([*self.watch, db]))
        try:
            sandboxed = sandbox.write_kernelspec(tmp / "jupyter", root, tmp, workdir, self._runtime,
                                                 self.memory_bytes, self.threads,
                                                 extra_hidden=[db_dir] if db_dir else [])
            works, reason = sandbox.probe()
            record = (resources or {}).setdefault("autograder", {})
            record.update(sandboxed=sandboxed, sandbox_note=reason)
            self.log.info("autograder: guarded execution of %s (cell timeout %s s, wall clock %s s, %s)",
                          workdir.name, self.timeout, self.wall_clock, reason)
            if not sandboxed:
                self.log.warning("autograder: grading WITHOUT the sandbox (%s): the notebook's code "
                                 "runs with this process's file access; a change to the gradebook "
                                 "or the course files is detected and flagged, not prevented", reason)
            return super().preprocess(nb, resources, km)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def create_kernel_manager(self):
        from jupyter_client.kernelspec import KernelSpecManager

        from autograder import sandbox

        self._count += 1
        ksm = KernelSpecManager(kernel_dirs=[str(self._kernels)], ensure_native_kernel=False)
        self.km = self.kernel_manager_class(
            kernel_name=sandbox.KERNEL_NAME, kernel_spec_manager=ksm, config=self.config,
            transport="ipc", ip=str(self._runtime / "k"),
            connection_file=str(self._runtime / f"kernel-{self._count}.json"))
        return self.km


def _sqlite_folder(db_url: str) -> Path | None:
    if db_url.startswith("sqlite:///"):
        return Path(db_url[len("sqlite:///"):]).resolve().parent
    return None


class RecordGrades(NbGraderPreprocessor):
    """The grader's own record of the scores (see the module docstring)."""

    flag_in_gradebook = Bool(True, help="Write the record over the gradebook's scores and flag "
                             "a tampered run there").tag(config=True)
    keep_record = Bool(False, help="Keep the record (with a copy of the executed notebook) in "
                       "RECORDS for the caller: the worker reads it; a long-running formgrader "
                       "must not accumulate them").tag(config=True)

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook

        key = _ids(resources)
        info = resources.get("autograder", {})
        scores, tampered = {}, list(info.get("tampered", []))
        for cell in nb.cells:
            if cells.kind(cell) is Kind.TEST:
                try:
                    score, max_score = utils.determine_grade(cell, self.log)
                except ValueError as exc:  # a result above the cell's points: never credit
                    score, max_score = 0.0, cells.points(cell)
                    tampered.append(f"test cell {cells.grade_id(cell)}: {exc}")
                max_score = float(max_score or 0.0)
                scores[cells.grade_id(cell)] = (min(max(float(score or 0.0), 0.0), max_score), max_score)
        if self.keep_record:
            RECORDS[key] = {"scores": scores, "nb": copy.deepcopy(nb), "tampered": tampered,
                            "sandboxed": info.get("sandboxed"), "sandbox_note": info.get("sandbox_note", "")}
        if tampered:
            from autograder import integrity

            self.log.warning("autograder: NEEDS REVIEW %s/%s: %s", key[1], key[2], integrity.describe(tampered))
            for path in info.get("restored", []):
                self.log.warning("autograder: %s was changed by the notebook's code and has been put "
                                 "back as it was before this run", path)
        db_url = resources.get("nbgrader", {}).get("db_url")
        if self.flag_in_gradebook and db_url:
            with Gradebook(db_url) as gb:
                sub = gb.find_submission_notebook(key[2], key[0], key[1])
                for grade in sub.grades:
                    if grade.name in scores:
                        grade.auto_score = scores[grade.name][0]
                    if tampered:
                        grade.needs_manual_grade = True
                if tampered:
                    sub.flagged = True
                gb.db.commit()
        return nb, resources


class RedactHiddenTests(NbGraderPreprocessor):
    """Feedback without hidden tests: blocks cut from test cells, test tracebacks reduced to
    their last line, and any output that shows a hidden-test line replaced by a notice."""

    def preprocess(self, nb, resources):
        visible = copy.deepcopy(nb)
        for cell in visible.cells:
            cell.source = report.HIDDEN.sub("", cell.source)
        secrets = report.hidden_lines(nb, visible)
        for cell, k in zip(nb.cells, cells.kinds(nb)):
            is_test = k is Kind.TEST or (cell.cell_type == "code" and report.HIDDEN.search(cell.source))
            if is_test:
                cell.source = report.HIDDEN.sub("# (hidden tests)", cell.source)
            for out in cell.get("outputs", []):
                report._scrub_output(out, secrets, short_traceback=bool(is_test))
        return nb, resources
