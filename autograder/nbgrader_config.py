"""nbgrader configuration of the course.

Three uses:
- ``python -m autograder ...`` builds its configuration with :func:`course_config` and
  :func:`grading_config`;
- plain nbgrader at the course root (``nbgrader autograde``, ``generate_feedback``, ... and
  formgrader started there): nbgrader reads ``nbgrader_config.py`` from its working folder
  (the ``--config`` option is ignored by nbgrader's apps), and the root ``nbgrader_config.py``
  calls :func:`configure`, which is :func:`course_config` plus :func:`install_hardening`:
  the guarded execution, limits, rebuild, the grader's own score record and redacted
  feedback (autograder/nbgrader_hooks.py);
- this file executed by nbgrader directly (``NbGrader.config_file``) does the same.

An exception in a config file is only logged by nbgrader (which then silently uses its
defaults), so the root file catches it and makes ``autograde`` fail loudly instead
(:data:`FAILED_SENTINEL`); keep this module import-light.
"""

from __future__ import annotations

import sys
from pathlib import Path

from traitlets.config import Config

if __package__ in (None, ""):  # loaded by nbgrader as a plain file
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograder import SCRATCH  # noqa: E402


def course_config(course_root: Path) -> Config:
    """The course layout: solutions/ is the source, notebooks/ the release, scratch in .grading/."""
    course_root = Path(course_root).resolve()
    scratch = course_root / SCRATCH
    scratch.mkdir(exist_ok=True)  # sqlite cannot create the db's folder
    c = Config()
    c.CourseDirectory.root = str(course_root)
    c.CourseDirectory.source_directory = "solutions"
    c.CourseDirectory.release_directory = "notebooks"
    c.CourseDirectory.submitted_directory = f"{SCRATCH}/submitted"
    c.CourseDirectory.autograded_directory = f"{SCRATCH}/autograded"
    c.CourseDirectory.feedback_directory = f"{SCRATCH}/feedback"
    c.CourseDirectory.db_url = f"sqlite:///{scratch / 'gradebook.db'}"
    c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".grading"]
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    c.ClearSolutions.enforce_metadata = True
    return c


#: Put into ``Autograde.sanitize_preprocessors`` when the course's configuration failed to load:
#: nbgrader then refuses to autograde (it cannot import this name) instead of grading unguarded.
FAILED_SENTINEL = "autograder.the_course_nbgrader_config_failed_to_load_see_the_log"


def install_hardening(c: Config, course_root: Path, limits=None) -> Config:
    """Make plain nbgrader's autograde and feedback the hardened ones (see nbgrader_hooks)."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        ClearOutput,
        DeduplicateIds,
        GetGrades,
        LimitOutput,
        OverwriteCells,
        OverwriteKernelspec,
        SaveAutoGrades,
    )

    from autograder import CODE_ROOT, COURSE_PACKAGE
    from autograder.nbgrader_hooks import CourseExecute, RebuildSubmission, RecordGrades, RedactHiddenTests
    from autograder.protocol import Limits

    course_root = Path(course_root).resolve()
    limits = limits or Limits()
    c.Autograde.sanitize_preprocessors = [RebuildSubmission, ClearOutput, DeduplicateIds, OverwriteKernelspec,
                                          OverwriteCells, CheckCellMetadata]
    c.Autograde.autograde_preprocessors = [CourseExecute, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
                                           AssignLatePenalties, CheckCellMetadata, RecordGrades]
    c.RebuildSubmission.release_directory = str(course_root / "notebooks")
    c.Execute.timeout = limits.cell_timeout  # any Execute.timeout wins (nbgrader issue #1463)
    c.CourseExecute.timeout = limits.cell_timeout
    c.CourseExecute.startup_timeout = 120
    c.CourseExecute.wall_clock = limits.wall_clock
    c.CourseExecute.memory_bytes = limits.memory_bytes
    c.CourseExecute.threads = limits.threads
    c.CourseExecute.course_root = str(course_root)
    scratch = course_root / SCRATCH
    c.CourseExecute.watch = [str(p) for p in (
        scratch / "gradebook.db", scratch / "gradebook.db-journal", scratch / "submitted",
        course_root / "solutions", course_root / "notebooks", course_root / "mutants",
        course_root / "nbgrader_config.py", CODE_ROOT / "autograder", CODE_ROOT / COURSE_PACKAGE)]
    db = _sqlite_path(c.CourseDirectory.db_url) if "db_url" in c.CourseDirectory else None
    c.CourseExecute.protect = [str(db)] if db else []
    if db and db.parent != scratch:
        c.CourseExecute.watch = [*c.CourseExecute.watch, str(db)]
    c.GenerateFeedback.preprocessors = [RedactHiddenTests, GetGrades, CSSHTMLHeaderPreprocessor]
    return c


def _sqlite_path(db_url: str) -> Path | None:
    return Path(db_url[len("sqlite:///"):]).resolve() if db_url.startswith("sqlite:///") else None


def configure(c: Config, course_root: Path) -> Config:
    """The course layout and the hardening, merged into nbgrader's config ``c``."""
    c.merge(course_config(course_root))
    return install_hardening(c, course_root)


def grading_config(run_course: Path, db_path: Path, kernel_name: str, runtime_dir: Path,
                   cell_timeout: int, watch=()) -> Config:
    """Configuration of one private grading run (one student, its own gradebook).

    ``watch``: files the kernel must not change (integrity.py); RecordGrades keeps the scores.
    """
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, LimitOutput, SaveAutoGrades

    from autograder.execute import GuardedExecute
    from autograder.nbgrader_hooks import RecordGrades

    c = Config()
    c.CourseDirectory.root = str(run_course)
    c.CourseDirectory.db_url = f"sqlite:///{db_path}"
    c.Autograde.create_student = True
    # Our Execute replaces nbgrader's; IgnorePattern is not needed (GuardedExecute moves the
    # stderr of test cells to stdout, so a warning never zeroes a cell).
    c.Autograde.autograde_preprocessors = [GuardedExecute, ClearMetadataPreprocessor, LimitOutput,
                                           SaveAutoGrades, AssignLatePenalties, CheckCellMetadata, RecordGrades]
    c.GuardedExecute.watch = [str(p) for p in watch]
    c.GuardedExecute.protect = [str(db_path)]
    c.RecordGrades.keep_record = True  # the worker takes its scores from this record
    # Any Execute.timeout overrides the ExecutePreprocessor one (nbgrader issue #1463).
    c.Execute.timeout = cell_timeout
    c.GuardedExecute.timeout = cell_timeout
    c.GuardedExecute.kernel_name = kernel_name
    c.GuardedExecute.startup_timeout = 120
    c.KernelManager.transport = "ipc"  # the sandboxed kernel has no network
    # Absolute socket prefix: by default it is relative, and kernel and grader differ in cwd.
    c.KernelManager.ip = str(Path(runtime_dir) / "k")
    return c


if "get_config" in globals():  # executed by nbgrader as its config file
    configure(get_config(), Path(__file__).resolve().parent.parent)  # noqa: F821
