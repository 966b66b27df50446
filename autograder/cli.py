"""``python -m autograder``: release, grade, grade-all, mutants. ``--help`` on each (host side)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from autograder import CODE_ROOT, SCRATCH

EXIT_UNGRADABLE = 2


def _course_root(args) -> Path:
    return Path(args.course_root or os.environ.get("ILCOURSE_ROOT") or CODE_ROOT).resolve()


def cmd_release(args) -> int:
    from autograder import course

    root = _course_root(args)
    ids = args.ids or course.assignments(root)
    if args.check:
        problems = course.check_release(root, ids)
        for assignment, diffs in problems.items():
            print(f"{assignment}: notebooks/ is out of sync with solutions/:")
            for d in diffs:
                print(f"  {d}")
        if problems:
            print("run `python -m autograder release` and commit notebooks/")
            return 1
        print(f"releases in sync: {', '.join(ids) or '(no assignments)'}")
        return 0
    for folder in course.release(root, ids):
        print(f"released {folder.relative_to(root)}")
    return 0


def _limits(args):
    from autograder.protocol import Limits

    limits = Limits()
    for name in ("cell_timeout", "wall_clock"):
        if getattr(args, name, None):
            setattr(limits, name, getattr(args, name))
    return limits


def cmd_grade(args) -> int:
    from autograder import course, report
    from autograder.grading import Grader, GradingError, infer_assignment

    root, path = _course_root(args), Path(args.path)
    try:
        if not path.is_file():
            raise GradingError(f"{path}: no such file")
        assignment = args.assignment or infer_assignment(path, root)
        feedback = Path(args.feedback or root / SCRATCH / "feedback" / f"{path.stem}.html").resolve()
        with Grader(root, assignment, _limits(args)) as grader:
            if args.gradebook:  # one student into the course gradebook: grade-all's path
                from autograder.grading import grade_all

                return _grade_one_into_gradebook(args, root, assignment, path, grader, grade_all)
            res = grader.grade(path, feedback_html=feedback)
    except (GradingError, course.CourseError) as exc:
        print(f"could not grade {path}: {exc}", file=sys.stderr)
        return EXIT_UNGRADABLE
    if args.json:
        data = res.to_json()
        keys = ("assignment", "score", "max_score", "manual_max_score", "exercises", "cell_errors",
                "reference_uses", "review", "sandboxed", "sandbox_note")
        print(json.dumps({k: data[k] for k in keys}, indent=1))
    else:
        print(report.table(res))
    if res.review:
        print(f"NEEDS REVIEW: {res.review}", file=sys.stderr)
    if not res.sandboxed:
        print(f"note: graded WITHOUT the sandbox ({res.sandbox_note or 'bubblewrap not available'}): "
              "the notebook's code ran with your file access", file=sys.stderr)
    print(f"feedback: {res.feedback}", file=sys.stderr if args.json else sys.stdout)
    return 0


def _grade_one_into_gradebook(args, root, assignment, path, grader, grade_all) -> int:
    """``grade --gradebook --student S``: grade-all over a folder holding only this submission."""
    import shutil
    import tempfile

    student = args.student or path.stem
    with tempfile.TemporaryDirectory(prefix="ag-one-") as tmp:
        folder = Path(tmp) / "in" / student
        folder.mkdir(parents=True)
        for name in ("timestamp.txt", "submission_secret.txt"):
            if (path.parent / name).is_file():
                shutil.copy(path.parent / name, folder / name)
        shutil.copy(path, folder / f"{assignment}.ipynb")
        rows = grade_all(folder.parent, assignment, Path(tmp) / "grades.csv", root, grader=grader,
                         gradebook=True, log=lambda m: print(m, flush=True), **_lms_options(args))
    row = rows[0]
    print(f"{student}: {row['status']} {row['score']} / {row['max_score']} written to the course "
          f"gradebook {row['reason']}".rstrip())
    return 0 if row["score"] != "" else EXIT_UNGRADABLE


def _lms_options(args) -> dict:
    from autograder import lms

    due = lms.parse_time(args.due) if getattr(args, "due", None) else None
    return {"due": due, "late_penalty_per_day": getattr(args, "late_penalty", 0.0) or 0.0}


def cmd_grade_all(args) -> int:
    from autograder import course, lms
    from autograder.grading import grade_all

    root = _course_root(args)
    try:
        rows = grade_all(Path(args.dir), args.assignment, Path(args.out), root, jobs=args.jobs,
                         limits=_limits(args), log=lambda m: print(m, flush=True),
                         roster=lms.read_roster(Path(args.roster) if args.roster else None),
                         gradebook=args.gradebook, canvas_csv=args.canvas, canvas_column=args.canvas_column,
                         nbgrader_csv=args.nbgrader_export, **_lms_options(args))
    except (course.CourseError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNGRADABLE
    review = [r for r in rows if r["status"] != "graded"]
    print(f"graded {len(rows) - len(review)} of {len(rows)}; {len(review)} need review; wrote {args.out}")
    return 0


def cmd_mutants(args) -> int:
    from autograder import course
    from autograder.mutants import print_table, run_mutants

    root = _course_root(args)
    ids = args.ids or course.assignments(root)
    rows = []
    for assignment in ids:
        rows += run_mutants(root, assignment, jobs=args.jobs)
    print_table(rows)
    bad = [r for r in rows if not r["ok"]]
    print(f"{len(rows) - len(bad)} of {len(rows)} mutants behave; {len(bad)} problems")
    return 1 if bad else 0


# -- platforms (issue 17): Gradescope bundle, PrairieLearn course fragment ------------------
def _add_platform_commands(sub) -> None:
    def gradescope(args) -> int:
        from autograder.platforms.gradescope import build_bundle

        wheel = False if args.no_wheel else (Path(args.wheel) if args.wheel else True)
        path = build_bundle(_course_root(args), args.id, Path(args.out), wheel=wheel)
        print(f"wrote {path} (upload it as the assignment's autograder; docs/platforms.md)")
        return 0

    def prairielearn(args) -> int:
        from autograder.platforms.prairielearn import build_course_fragment

        out = build_course_fragment(_course_root(args), args.id, Path(args.out), image=args.image,
                                    timeout=args.timeout)
        print(f"wrote {out}/serverFilesCourse/ilcourse and {out}/questions/ilcourse_{args.id} "
              "(copy both into the PrairieLearn course; docs/platforms.md)")
        return 0

    g = sub.add_parser("gradescope", help="write the Gradescope autograder.zip of an assignment")
    g.add_argument("id")
    g.add_argument("--out", required=True, help="folder for autograder.zip")
    g.add_argument("--wheel", help="ship this wheel instead of building one from the repository")
    g.add_argument("--no-wheel", action="store_true", help=argparse.SUPPRESS)  # tests only
    g.set_defaults(func=gradescope)
    p = sub.add_parser("prairielearn", help="write a PrairieLearn course fragment for an assignment")
    p.add_argument("id")
    p.add_argument("--out", required=True, help="folder to write serverFilesCourse/ and questions/ into")
    p.add_argument("--image", default="ilcourse-grader:0.1.0", help="the grading image (container/Containerfile)")
    p.add_argument("--timeout", type=int, default=120, help="PrairieLearn's grading timeout (s)")
    p.set_defaults(func=prairielearn)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    p.add_argument("--course-root", help="course folder holding solutions/ and notebooks/ "
                   "(default: $ILCOURSE_ROOT or the repository)")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("release", help="regenerate notebooks/ from solutions/")
    r.add_argument("ids", nargs="*", help="assignment ids (default: all)")
    r.add_argument("--check", action="store_true", help="exit 1 if notebooks/ differs from a fresh release")
    r.set_defaults(func=cmd_release)

    g = sub.add_parser("grade", help="grade one notebook with the hidden tests")
    g.add_argument("path")
    g.add_argument("--assignment", help="assignment id (default: from the file name)")
    g.add_argument("--json", action="store_true", help="print the result as JSON")
    g.add_argument("--feedback", help="where to write the feedback HTML")
    g.add_argument("--cell-timeout", type=int)
    g.add_argument("--wall-clock", type=int)
    g.add_argument("--gradebook", action="store_true", help="write the result into the course's "
                   "nbgrader gradebook, autograded/ and feedback/ (as grade-all --gradebook)")
    g.add_argument("--student", help="student id for --gradebook (default: the file's name)")
    _add_lms_options(g)
    g.set_defaults(func=cmd_grade)

    a = sub.add_parser("grade-all", help="grade a folder of submissions into a CSV")
    a.add_argument("dir")
    a.add_argument("--assignment", required=True)
    a.add_argument("--out", required=True, help="grades CSV to write")
    a.add_argument("--jobs", type=int, default=1, help="submissions graded in parallel")
    a.add_argument("--cell-timeout", type=int)
    a.add_argument("--wall-clock", type=int)
    a.add_argument("--gradebook", action="store_true", help="also write the scores into the course's "
                   "nbgrader gradebook and the feedback where `nbgrader release_feedback` finds it")
    a.add_argument("--roster", help="CSV: student (folder name), id, name, sis_user_id, sis_login_id, section")
    a.add_argument("--canvas", metavar="CSV", help="also write a Canvas gradebook import file")
    a.add_argument("--canvas-column", help="Canvas assignment column, e.g. 'Lab 1 (1234)' (default: the id)")
    a.add_argument("--nbgrader-export", metavar="CSV", help="also write nbgrader export's CSV format")
    _add_lms_options(a)
    a.set_defaults(func=cmd_grade_all)

    m = sub.add_parser("mutants", help="check that wrong answers lose points and right ones do not")
    m.add_argument("ids", nargs="*")
    m.add_argument("--jobs", type=int, default=2)
    m.set_defaults(func=cmd_mutants)
    _add_platform_commands(sub)
    return p


def _add_lms_options(parser) -> None:
    parser.add_argument("--due", help="due date, e.g. '2026-12-01 23:59 UTC' (nbgrader's timestamp.txt "
                        "of each submission is compared with it)")
    parser.add_argument("--late-penalty", type=float, default=0.0, metavar="FRACTION",
                        help="penalty per started day late, as a fraction of the maximum (1 = zero)")


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
