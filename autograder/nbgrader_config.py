"""nbgrader configuration of the course.

Two uses:
- ``python -m autograder ...`` builds its configuration with :func:`course_config` and
  :func:`grading_config` (nothing else reads this file then);
- plain nbgrader commands from the repository root, for instructors who want them:
  ``nbgrader generate_assignment 01_l2_averaging --config autograder/nbgrader_config.py``.

An exception in this file is only logged by nbgrader (which then silently uses its
defaults), so keep it import-light and free of side effects except creating the scratch folder.
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


def grading_config(run_course: Path, db_path: Path, kernel_name: str, runtime_dir: Path,
                   cell_timeout: int) -> Config:
    """Configuration of one private grading run (one student, its own gradebook)."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, LimitOutput, SaveAutoGrades

    from autograder.execute import GuardedExecute

    c = Config()
    c.CourseDirectory.root = str(run_course)
    c.CourseDirectory.db_url = f"sqlite:///{db_path}"
    c.Autograde.create_student = True
    # Our Execute replaces nbgrader's; IgnorePattern is not needed (GuardedExecute moves the
    # stderr of test cells to stdout, so a warning never zeroes a cell).
    c.Autograde.autograde_preprocessors = [GuardedExecute, ClearMetadataPreprocessor, LimitOutput,
                                           SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
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
    c = get_config()  # noqa: F821
    c.merge(course_config(Path(__file__).resolve().parent.parent))
