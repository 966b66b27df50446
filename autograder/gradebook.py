"""``grade-all --gradebook``: the hardened results in the course's nbgrader gradebook (host side).

One source of truth: after ``grade-all`` (or ``grade --gradebook``) formgrader, ``nbgrader
export`` and ``nbgrader release_feedback`` see the same scores as the CSV, because they are
written where those read:

- the course gradebook (``CourseDirectory.db_url`` of the course configuration, by default
  ``.grading/gradebook.db``): the assignment and its cells (nbgrader's ``generate_assignment``
  into a scratch folder, so ``notebooks/`` is untouched), the student, the submission with its
  timestamp, each test cell's auto score (from the grader's record), late penalty, and for a
  run that needs review the submission's flag and "needs manual grade" on its grades;
  free-response cells stay "needs manual grade" for formgrader;
- ``.grading/autograded/<student>/<id>/<id>.ipynb``: the graded notebook (formgrader shows it
  for manual grading);
- ``.grading/feedback/<student>/<id>/<id>.html``: the grader's feedback (no hidden tests), with
  the ``timestamp.txt`` / ``submission_secret.txt`` that ``release_feedback`` needs, copied
  from the collected submission.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime
from pathlib import Path

from autograder import SCRATCH
from autograder.cells import exercise_name
from autograder.nbgrader_config import course_config


def db_url(course_root: Path) -> str:
    return course_config(course_root).CourseDirectory.db_url


def sync_assignment(course_root: Path, assignment: str, due: datetime | None = None) -> None:
    """Put the assignment (notebooks, cells, checksums) into the course gradebook."""
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    from autograder import prepare_nbgrader
    from autograder.course import CourseError

    prepare_nbgrader()
    c = course_config(course_root)
    with tempfile.TemporaryDirectory(prefix="ag-gb-") as tmp:
        c.CourseDirectory.release_directory = tmp
        api = NbGraderAPI(coursedir=CourseDirectory(config=c), config=c)
        result = api.generate_assignment(assignment, force=True, create=True)
    if not result["success"]:
        raise CourseError(f"generate_assignment {assignment} (gradebook) failed:\n"
                          f"{result.get('log') or result.get('error')}")
    if due is not None:
        with Gradebook(c.CourseDirectory.db_url) as gb:
            gb.update_or_create_assignment(assignment, duedate=due.replace(tzinfo=None))


def write_submission(course_root: Path, assignment: str, student: str, result, *,
                     timestamp: datetime | None, penalty: float, review: str,
                     lms_user_id: str = "", autograded_nb: Path | None = None,
                     feedback_html: Path | None = None, submission_dir: Path | None = None) -> None:
    """One student's hardened result into the gradebook and nbgrader's folders."""
    from nbgrader.api import Gradebook

    root = Path(course_root).resolve()
    scores = {e.name: e for e in result.exercises}
    with Gradebook(db_url(root)) as gb:
        gb.update_or_create_student(student, **({"lms_user_id": lms_user_id} if lms_user_id else {}))
        kw = {"timestamp": timestamp.replace(tzinfo=None)} if timestamp else {}
        gb.update_or_create_submission(assignment, student, **kw)
        for sn in gb.find_submission(assignment, student).notebooks:
            for grade in sn.grades:
                ex = scores.get(exercise_name(grade.name)) or scores.get(grade.name)
                if ex is None or ex.manual or ex.score is None:
                    grade.auto_score = None
                    grade.needs_manual_grade = True
                    continue
                grade.auto_score = min(max(float(ex.score), 0.0), float(grade.max_score))
                grade.needs_manual_grade = bool(review)
            sn.flagged = bool(review)
            sn.late_submission_penalty = penalty if sn.name == assignment else 0.0
        gb.db.commit()
    scratch = root / SCRATCH
    if autograded_nb is not None and autograded_nb.is_file():
        dest = scratch / "autograded" / student / assignment
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy(autograded_nb, dest / f"{assignment}.ipynb")
        _copy_stamps(submission_dir, dest)
    if feedback_html is not None and feedback_html.is_file():
        dest = scratch / "feedback" / student / assignment
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy(feedback_html, dest / f"{assignment}.html")
        _copy_stamps(submission_dir, dest)


def _copy_stamps(submission_dir: Path | None, dest: Path) -> None:
    """``timestamp.txt`` and ``submission_secret.txt`` (release_feedback needs both)."""
    for name in ("timestamp.txt", "submission_secret.txt"):
        if submission_dir is not None and (submission_dir / name).is_file():
            shutil.copy(submission_dir / name, dest / name)
