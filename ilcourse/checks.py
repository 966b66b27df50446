"""Checks used by the notebooks' test cells.

Each check raises ``AssertionError`` with a message that says what is wrong and what was
expected ("expected shape (B, K) = (8, 3), got (8,)"), so a learner's first failure points at
the fix. They compare with exact types and shapes: ``torch.allclose`` broadcasts and ``==`` can
be fooled, so neither is used on a learner's value.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import torch

__all__ = [
    "check_tensor",
    "check_close",
    "check_scalar",
    "check_finite",
    "check_not_mutated",
    "check_choice",
]


def check_tensor(
    value: Any,
    shape: Sequence[int] | None = None,
    dtype: torch.dtype | None = None,
    name: str = "result",
) -> torch.Tensor:
    """Assert ``value`` is a torch.Tensor with the given shape and dtype; return it."""
    # Exact types: a Tensor subclass could override comparisons through __torch_function__.
    if type(value) not in (torch.Tensor, torch.nn.Parameter):
        raise AssertionError(f"{name}: expected a torch.Tensor, got {type(value).__name__}")
    if shape is not None and tuple(value.shape) != tuple(shape):
        raise AssertionError(
            f"{name}: expected shape {tuple(shape)}, got {tuple(value.shape)}"
        )
    if dtype is not None and value.dtype != dtype:
        raise AssertionError(f"{name}: expected dtype {dtype}, got {value.dtype}")
    return value


def check_finite(value: torch.Tensor, name: str = "result") -> None:
    """Assert every entry is finite (no NaN, no inf)."""
    bad = ~torch.isfinite(value.detach())
    if bool(bad.any()):
        idx = tuple(int(i) for i in bad.nonzero()[0])
        raise AssertionError(
            f"{name}: {int(bad.sum())} non-finite entries, first at index {idx}: {value.detach()[idx].item()}"
        )


def check_close(
    actual: Any,
    expected: torch.Tensor,
    name: str = "result",
    atol: float = 1e-5,
    rtol: float = 1e-4,
    check_dtype: bool = True,
) -> None:
    """Assert ``actual`` has ``expected``'s shape (and dtype) and matches it elementwise.

    The message names the worst entry: its index, the value found and the value expected.
    """
    check_tensor(
        actual, tuple(expected.shape), expected.dtype if check_dtype else None, name
    )
    a = actual.detach().to(torch.float64).cpu()
    e = expected.detach().to(torch.float64).cpu()
    if bool(torch.isnan(e).any()):
        # A NaN reference would make every comparison False, i.e. pass anything: a test bug.
        raise AssertionError(f"{name}: the test's reference contains NaN; this is a bug in the test, not in your code")
    infinite = torch.isinf(e)
    check_finite(torch.where(infinite, 0.0, a), name)
    if bool((infinite & (a != e)).any()):
        idx = tuple(int(i) for i in (infinite & (a != e)).nonzero()[0])
        raise AssertionError(f"{name}: at index {idx} expected {e[idx].item()}, got {a[idx].item():.6g}")
    err = torch.where(infinite, 0.0, (a - e).abs())
    tol = atol + rtol * torch.where(infinite, 0.0, e.abs())
    bad = err > tol
    if bool(bad.any()):
        worst = torch.argmax(torch.where(bad, err - tol, torch.full_like(err, -1.0)))
        idx = tuple(int(i) for i in torch.unravel_index(worst, a.shape)) if a.dim() else ()
        raise AssertionError(
            f"{name}: {int(bad.sum())} of {a.numel()} entries differ from the reference; "
            f"worst at index {idx}: got {a[idx].item():.6g}, expected {e[idx].item():.6g}"
        )


def check_scalar(
    actual: Any, expected: float, name: str = "result", atol: float = 1e-6, rtol: float = 1e-6
) -> None:
    """Assert ``actual`` is a real number (Python float/int or 0-d tensor) close to ``expected``."""
    if isinstance(actual, torch.Tensor):
        if actual.dim() != 0:
            raise AssertionError(
                f"{name}: expected a scalar (0-d tensor or float), got shape {tuple(actual.shape)}"
            )
        actual = actual.item()
    if isinstance(actual, bool) or not isinstance(actual, (int, float)):
        raise AssertionError(f"{name}: expected a number, got {type(actual).__name__}")
    actual = float(actual)
    if not (abs(actual - expected) <= atol + rtol * abs(expected)):
        raise AssertionError(f"{name}: got {actual:.6g}, expected {expected:.6g}")


def check_not_mutated(fn: Callable[..., Any], *args: torch.Tensor, name: str = "function") -> Any:
    """Call ``fn(*args)`` on clones and assert no argument was modified in place.

    Returns what ``fn`` returned, so the result can be checked next.
    """
    inputs = [a.clone() for a in args]
    result = fn(*inputs)
    for i, (before, after) in enumerate(zip(args, inputs)):
        if before.shape != after.shape or not torch.equal(before, after):
            raise AssertionError(
                f"{name} modified its argument #{i} in place; work on a copy "
                f"(e.g. x = x.clone()) or use out-of-place operations"
            )
    return result


def check_choice(answer: Any, valid: Sequence[str], name: str = "answer") -> str:
    """Assert ``answer`` is one of the letters in ``valid`` (case-insensitive); return it upper-cased."""
    if not isinstance(answer, str):
        raise AssertionError(f"{name}: expected one of {list(valid)} as a string, got {answer!r}")
    choice = answer.strip().upper()
    if choice not in [v.upper() for v in valid]:
        raise AssertionError(f"{name}: expected one of {list(valid)}, got {answer!r}")
    return choice
