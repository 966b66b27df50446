"""Mutants of the grader's fixture assignment (see autograder/mutants/__init__.py)."""

from autograder.mutants import Mutant


def _row_mean(body):
    return f'def row_mean(x):\n    """Mean of each row."""\n    {body}\n'


def _normalize(body):
    return f'def normalize_rows(x):\n    """Unit-norm rows."""\n    {body}\n'


MUTANTS = [
    Mutant("row_mean", "mean over the wrong dim", _row_mean("return x.mean(dim=0)")),
    Mutant("row_mean", "median instead of mean", _row_mean("return x.median(dim=1).values")),
    Mutant("row_mean", "sum instead of mean", _row_mean("return x.sum(dim=1)")),
    Mutant("row_mean", "keepdim shape (B, 1)", _row_mean("return x.mean(dim=1, keepdim=True)")),
    Mutant("row_mean", "in-place: centres the input", _row_mean("m = x.mean(dim=1); x -= 1; return m")),
    Mutant("row_mean", "float32 always", _row_mean("return x.float().mean(dim=1)")),
    Mutant("row_mean", "sum / D (alternative)", _row_mean("return x.sum(dim=1) / x.shape[1]"), should_pass=True),
    Mutant("normalize_rows", "L1 norm", _normalize("return x / x.abs().sum(dim=1, keepdim=True)")),
    Mutant("normalize_rows", "global norm", _normalize("return x / x.norm()")),
    Mutant("normalize_rows", "in-place division", _normalize("x /= x.norm(dim=1, keepdim=True); return x")),
    Mutant("normalize_rows", "F.normalize (alternative)",
           "import torch.nn.functional as F\n\ndef normalize_rows(x):\n    return F.normalize(x, dim=1)\n",
           should_pass=True),
    Mutant("answer_mse", "median", 'answer_mse = "A"\n'),
    Mutant("answer_mse", "lower-case b (alternative)", 'answer_mse = "b"\n', should_pass=True),
]
