"""The container image's entry point: grade one notebook, print the outcome as JSON.

    docker run --rm --network none --read-only --tmpfs /tmp --memory 512m --cpus 1 \\
        -v "$PWD/01_l2_averaging.ipynb:/submission/01_l2_averaging.ipynb:ro" \\
        ilcourse-grader:0.3.0 /submission/01_l2_averaging.ipynb

prints ``{"assignment", "graded", "error", "notebook", "seconds", "flags", "notes", "result"}``
(``result``: the same fields as ``python -m autograder grade --json``, plus ``sandboxed``) and
exits 0 when the notebook was graded (whatever the score), 2 when it could not be (the reason is
in ``error``). ``-`` reads the notebook from stdin. The same image serves PrairieLearn
(``prairielearn``: ``/grade`` layout) and Gradescope-like layouts (``gradescope``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from autograder.platforms import grade_submission

EXIT_UNGRADABLE = 2
DEFAULT_COURSE = "/opt/ilcourse/course"
RESULT_KEYS = ("assignment", "score", "max_score", "manual_max_score", "exercises", "cell_errors",
               "reference_uses", "sandboxed")


def grade(path: str, assignment: str | None, course_root: Path) -> tuple[dict, int]:
    with tempfile.TemporaryDirectory(prefix="ag-in-") as tmp:
        if path == "-":
            name = f"{assignment or 'submission'}.ipynb"
            Path(tmp, name).write_bytes(sys.stdin.buffer.read())
            path = str(Path(tmp, name))
        out = grade_submission(course_root, Path(path), assignment)
    data = out.to_json()
    if out.result is not None:
        data["result"] = {k: data["result"][k] for k in RESULT_KEYS}
    return data, 0 if out.graded else EXIT_UNGRADABLE


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "prairielearn":
        from autograder.platforms import prairielearn

        return prairielearn.main(["run", *argv[1:]])
    if argv and argv[0] == "gradescope":
        from autograder.platforms import gradescope

        return gradescope.main(["run", *argv[1:]])
    p = argparse.ArgumentParser(prog="ilcourse-grade", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("notebook", help="the notebook to grade ('-': read it from stdin)")
    p.add_argument("--assignment", help="assignment id (default: from the notebook's name)")
    p.add_argument("--course-root", default=os.environ.get("ILCOURSE_ROOT", DEFAULT_COURSE))
    args = p.parse_args(argv)
    data, code = grade(args.notebook, args.assignment, Path(args.course_root))
    print(json.dumps(data, indent=1))
    return code


if __name__ == "__main__":
    sys.exit(main())
