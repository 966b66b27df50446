"""Assignments of a course root: discovery, release (solutions/ -> notebooks/), sync check,
and the grading template (a private gradebook + release built from the current source)."""

from __future__ import annotations

import filecmp
import shutil
import tempfile
from pathlib import Path

import nbformat

from autograder.learner_view import rewrite_release, tidy, untidy
from autograder.nbgrader_config import course_config


class CourseError(Exception):
    """A problem with the course itself (not with a submission)."""


def assignments(course_root: Path) -> list[str]:
    """Assignment ids: folders ``solutions/<id>/`` that hold ``<id>.ipynb``."""
    src = Path(course_root) / "solutions"
    if not src.is_dir():
        return []
    return sorted(p.name for p in src.iterdir() if (p / f"{p.name}.ipynb").is_file())


def source_notebook(course_root: Path, assignment: str) -> Path:
    path = Path(course_root) / "solutions" / assignment / f"{assignment}.ipynb"
    if not path.is_file():
        known = ", ".join(assignments(course_root)) or "none"
        raise CourseError(f"unknown assignment {assignment!r} (known: {known})")
    return path


def _generate(course_root: Path, assignment: str, release_dir: Path) -> None:
    """Run nbgrader's generate_assignment for one assignment into ``release_dir`` (no gradebook)."""
    from nbgrader.apps import NbGraderAPI

    from autograder import prepare_nbgrader

    prepare_nbgrader()  # the API (not only the CLI) must work from a venv that is not activated
    from nbgrader.coursedir import CourseDirectory

    c = course_config(course_root)
    c.CourseDirectory.release_directory = str(release_dir)
    c.GenerateAssignment.no_database = True
    c.SaveCells.enabled = False
    api = NbGraderAPI(coursedir=CourseDirectory(config=c), config=c)
    result = api.generate_assignment(assignment, force=True, create=True)
    if not result["success"]:
        raise CourseError(f"generate_assignment {assignment} failed:\n{result.get('log') or result.get('error')}")
    rewrite_release(release_dir / assignment)


def release(course_root: Path, ids: list[str] | None = None) -> list[Path]:
    """Tidy ``solutions/<id>/<id>.ipynb`` (see ``learner_view.tidy``) and regenerate
    ``notebooks/<id>/`` from it; return the released folders."""
    course_root = Path(course_root).resolve()
    out = []
    for assignment in ids or assignments(course_root):
        tidy(source_notebook(course_root, assignment))
        _generate(course_root, assignment, course_root / "notebooks")
        out.append(course_root / "notebooks" / assignment)
    return out


def _diff_trees(a: Path, b: Path) -> list[str]:
    """Relative paths that differ between two folders (missing on either side or changed)."""
    cmp = filecmp.dircmp(a, b, ignore=["__pycache__", ".ipynb_checkpoints"])
    diffs = [f"only in fresh release: {n}" for n in cmp.left_only]
    diffs += [f"only in committed release: {n}" for n in cmp.right_only]
    _, mismatch, errors = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
    diffs += [f"differs: {n}" for n in mismatch + errors]
    for sub in cmp.common_dirs:
        diffs += [f"{sub}/{d}" for d in _diff_trees(a / sub, b / sub)]
    return diffs


def check_release(course_root: Path, ids: list[str] | None = None) -> dict[str, list[str]]:
    """Regenerate into a temp folder and compare with the committed ``notebooks/``.

    Returns ``{assignment: [differences]}`` for every assignment that is out of sync.
    """
    course_root = Path(course_root).resolve()
    problems = {}
    with tempfile.TemporaryDirectory(prefix="ag-release-") as tmp:
        for assignment in ids or assignments(course_root):
            leftovers = untidy(nbformat.read(source_notebook(course_root, assignment), as_version=4))
            if leftovers:
                problems[assignment] = [f"the solution carries {', '.join(leftovers)}: "
                                        "run `python -m autograder release`"]
                continue
            _generate(course_root, assignment, Path(tmp))
            committed = course_root / "notebooks" / assignment
            if not committed.is_dir():
                problems[assignment] = [f"{committed} is missing: run `python -m autograder release`"]
                continue
            diffs = _diff_trees(Path(tmp) / assignment, committed)
            if diffs:
                problems[assignment] = diffs
    return problems


def build_template(course_root: Path, assignment: str, dest: Path) -> Path:
    """A private nbgrader course for grading ``assignment``: ``dest/course/source/<id>/`` (copy
    of the solutions), ``dest/course/release/<id>/`` and a gradebook ``dest/db/gradebook.db``.

    Grading runs copy this folder, so every student gets a fresh gradebook of their own.
    """
    src = source_notebook(course_root, assignment).parent
    course = dest / "course"
    shutil.copytree(src, course / "source" / assignment,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    (dest / "db").mkdir(parents=True, exist_ok=True)
    from nbgrader.apps import NbGraderAPI

    from autograder import prepare_nbgrader

    prepare_nbgrader()  # the API (not only the CLI) must work from a venv that is not activated
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    c = Config()
    c.CourseDirectory.root = str(course)
    c.CourseDirectory.db_url = f"sqlite:///{dest / 'db' / 'gradebook.db'}"
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    api = NbGraderAPI(coursedir=CourseDirectory(config=c), config=c)
    result = api.generate_assignment(assignment, force=True, create=True)
    if not result["success"]:
        raise CourseError(f"generate_assignment {assignment} failed:\n{result.get('log') or result.get('error')}")
    return dest
