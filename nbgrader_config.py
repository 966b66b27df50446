"""nbgrader's configuration for this course (read by nbgrader started in this folder).

``nbgrader generate_assignment|autograde|generate_feedback|export ...`` and formgrader, run
with this folder as the working directory (``jupyter lab`` / JupyterHub's single-user
server at the repository root), find the course here: ``solutions/`` is the source,
``notebooks/`` the release, the gradebook and student folders are in ``.grading/``. Loading it
also installs the course's hardened grading (autograder/nbgrader_config.py ``configure``):
see docs/instructors.md for what each path protects and what it does not.

If this file fails, nbgrader would only log the error and grade with its unguarded defaults;
instead, autograde then refuses to run (a preprocessor nbgrader cannot import) and the log
shows why.
"""

import sys
import traceback
from pathlib import Path

_ROOT = Path(__file__).resolve().parent
c = get_config()  # noqa: F821 (nbgrader's config loader provides it)
try:
    if str(_ROOT) not in sys.path:
        sys.path.insert(0, str(_ROOT))
    from autograder.nbgrader_config import configure

    configure(c, _ROOT)
    # A learner's own machine has no nbgrader exchange: point the Assignment List at an empty
    # one inside .grading/ instead of letting it fail ("Error fetching courses!"). A JupyterHub
    # with the standard exchange keeps it.
    if not Path("/srv/nbgrader/exchange").is_dir():
        (_ROOT / ".grading" / "exchange").mkdir(parents=True, exist_ok=True)
        c.Exchange.root = str(_ROOT / ".grading" / "exchange")
    # Add your course's own settings below, e.g.
    # c.CourseDirectory.course_id = "il-2027"
    # c.Exchange.root = "/srv/nbgrader/exchange"
except Exception:  # noqa: BLE001 - fail closed, never grade unguarded
    print("nbgrader_config.py: the course's grading configuration failed to load; autograde is "
          "disabled until this is fixed:\n" + traceback.format_exc(), file=sys.stderr)
    c.Autograde.sanitize_preprocessors = ["autograder.the_course_nbgrader_config_failed_to_load_see_the_log"]
