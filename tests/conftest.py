"""Test-wide settings."""

import os

# Notebooks executed or graded by the tests assert their measured numbers (ilcourse.lab.expect):
# a regression of the course fails CI, while a learner only sees a comparison. Graded kernels
# inherit the grader's environment, so this reaches them too.
os.environ["ILCOURSE_STRICT"] = "1"
