"""Writes the grader's fixture assignment ``solutions/00_fixture/00_fixture.ipynb``.

A tiny notebook in nbgrader source format that follows the course conventions (read-only
setup cell, solution cell + one test cell with hidden tests per exercise, a concept
question, a manually graded free-response cell), so the autograder can be tested without
depending on the real notebooks.
Run ``python tests/grader_fixtures/make_fixture.py`` after editing it.
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ID = "00_fixture"


def meta(grade_id, *, solution=False, grade=False, locked=False, points=None):
    """nbgrader metadata of a cell (a manually graded answer: solution=True, grade=True)."""
    nb = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
          "solution": solution, "task": False}
    if points is not None:
        nb["points"] = points
    return {"nbgrader": nb}


def code(source, **kw):
    cell = new_code_cell(source.strip("\n"), metadata=meta(**kw) if kw else {})
    return cell


def build():
    cells = [
        new_markdown_cell("# Fixture assignment\nA tiny assignment for testing the autograder."),
        code("""
import numpy as np
import torch
import ilcourse
from ilcourse.checks import check_choice, check_close, check_not_mutated

torch.manual_seed(0)
""", grade_id="setup", locked=True),
        new_markdown_cell("## Row mean\nReturn the mean of each row of `x` (shape `(B, D)` → `(B,)`)."),
        code('''
def row_mean(x):
    """Mean of each row. Args: x (B, D). Returns: (B,)."""
    ### BEGIN SOLUTION
    return x.mean(dim=1)
    ### END SOLUTION
''', grade_id="row_mean", solution=True),
        code("""
x = torch.arange(6.0).reshape(2, 3)
check_close(row_mean(x), torch.tensor([1.0, 4.0]), name="row_mean")
### BEGIN HIDDEN TESTS
g = torch.Generator().manual_seed(1)
x = torch.randn(5, 7, generator=g, dtype=torch.float64)
check_close(check_not_mutated(row_mean, x, name="row_mean"), x.mean(dim=1), name="row_mean_hidden")
torch.testing.assert_close(row_mean(torch.ones(3, 1)), torch.ones(3))
np.testing.assert_allclose(row_mean(x).numpy(), x.numpy().mean(axis=1), rtol=1e-6)
### END HIDDEN TESTS
""", grade_id="row_mean_test", grade=True, locked=True, points=2),
        new_markdown_cell("## Normalize rows\nDivide each row by its Euclidean norm."),
        code('''
def normalize_rows(x):
    """Unit-norm rows. Args: x (B, D). Returns: (B, D)."""
    ### BEGIN SOLUTION
    return x / x.norm(dim=1, keepdim=True)
    ### END SOLUTION
''', grade_id="normalize_rows", solution=True),
        code("""
x = torch.tensor([[3.0, 4.0], [0.0, 2.0]])
assert torch.allclose(normalize_rows(x), torch.tensor([[0.6, 0.8], [0.0, 1.0]])), "normalize_rows: wrong values"
### BEGIN HIDDEN TESTS
g = torch.Generator().manual_seed(2)
x = torch.randn(6, 4, generator=g)
y = check_not_mutated(normalize_rows, x, name="normalize_rows")
check_close(y, x / x.norm(dim=1, keepdim=True), name="normalize_rows_hidden")
assert torch.allclose(y.norm(dim=1), torch.ones(6)), "normalize_rows: rows are not unit norm"
### END HIDDEN TESTS
""", grade_id="normalize_rows_test", grade=True, locked=True, points=3),
        new_markdown_cell("## Concept question\nAn MSE-trained policy predicts the (A) median (B) mean "
                          "(C) mode of the expert actions."),
        code("""
### BEGIN SOLUTION
answer_mse = "B"
### END SOLUTION
""", grade_id="answer_mse", solution=True),
        code("""
check_choice(answer_mse, ["A", "B", "C"], name="answer_mse")
### BEGIN HIDDEN TESTS
assert check_choice(answer_mse, ["A", "B", "C"]) == "B", "answer_mse: not the right choice"
### END HIDDEN TESTS
""", grade_id="answer_mse_test", grade=True, locked=True, points=1),
        new_markdown_cell("## Explain\nIn two sentences: why does an MSE-trained policy drive into "
                          "the obstacle at a fork?", metadata=meta("explain_question", locked=True)),
        new_markdown_cell("""
### BEGIN SOLUTION
Model answer: the loss is minimised by the mean of the demonstrated actions, and at a fork
the mean of "left" and "right" is "straight ahead", which no demonstrator ever did.

Rubric (2 points): 1 for "MSE predicts the conditional mean", 1 for "the mean of two modes is
between them (the obstacle)".
### END SOLUTION
""".strip("\n"), metadata=meta("explain_fork", solution=True, grade=True, points=2)),
        new_markdown_cell("## Experiment\nNot graded."),
        code("""
print("mean of a batch:", row_mean(torch.randn(4, 3)).shape)
"""),
    ]
    nb = new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    })
    return nb


if __name__ == "__main__":
    out = Path(__file__).parent / "solutions" / ID / f"{ID}.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(build(), out)
    print(out)
