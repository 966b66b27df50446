"""The course's autograder: a hardened wrapper around nbgrader.

``python -m autograder --help`` lists the commands (release, grade, grade-all, mutants).
See autograder/README.md for the learner's and the instructor's workflows and for what the
sandbox does and does not protect.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The course's Python package (reference implementations, checks): the grader's one setting
#: that names the course. The kernel may import it (it is bound into the sandbox), the guard
#: protects its module attributes, and answers that use its names are noted for the instructor.
COURSE_PACKAGE = os.environ.get("AUTOGRADER_COURSE_PACKAGE", "ilcourse")

#: Folder holding the course package and ``autograder`` (the kernel imports from here).
CODE_ROOT = Path(__file__).resolve().parent.parent

#: Git-ignored scratch folder (gradebooks, per-student folders, feedback) inside a course root.
SCRATCH = ".grading"


def prepare_nbgrader() -> None:
    """Call before using nbgrader's API (every entry point does): tools on PATH, fast alembic."""
    ensure_tools_on_path()
    fast_alembic_version()


def ensure_tools_on_path() -> None:
    """nbgrader runs the ``alembic`` executable from PATH when it opens a gradebook: make the
    interpreter's own bin folder (the venv's) visible even when the venv is not activated."""
    import sys

    bindir = os.path.dirname(sys.executable)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def fast_alembic_version() -> None:
    """nbgrader asks ``alembic heads`` in a subprocess (seconds) each time it creates a
    gradebook; read the same head revision in-process instead, once."""
    import functools

    import nbgrader.api

    @functools.lru_cache(maxsize=1)
    def head() -> str:
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        cfg = Config()
        cfg.set_main_option("script_location", str(Path(nbgrader.api.__file__).parent / "alembic"))
        return ScriptDirectory.from_config(cfg).get_current_head()

    nbgrader.api.get_alembic_version = head
