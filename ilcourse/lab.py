"""Labs: the learner's own code drives a notebook's experiments once its visible checks pass.

Three verbs, used by the notebooks' cells:

* ``with lab.checks("mse_policy", MSEPolicy):`` wraps an exercise's VISIBLE checks (in its
  test cell, before the hidden tests). Leaving the block normally records that this exact
  object passed; an exception records the first line of its message and is re-raised.
* ``lab.run(experiment, Policy=lab.pick("mse_policy", MSEPolicy, policies.MSEPolicy), ...)``
  calls ``experiment(Policy=...)`` with the learner's implementation of each exercise whose
  checks passed in this kernel, and the reference otherwise, printing which one and why. If
  the learner's code raises inside the experiment, the error is printed, that exercise is
  marked broken, and the experiment runs again on the references: one broken exercise never
  hides a lesson, and later cells still find the variables they need.
* ``lab.expect("collision rate", rate, 0.9, 1.0, measured=1.0, hint="...")`` compares a number
  with the band the text states. With ``ILCOURSE_STRICT=1`` (the course's tests and CI set
  it when they execute notebooks) a number outside the band is an ``AssertionError``, so a
  regression fails CI; otherwise the learner sees a comparison and a hint, never a bare
  AssertionError in a cell they did not write.

No state lives anywhere but ``_records`` below (one kernel = one notebook = one record each).
"""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["checks", "pick", "run", "expect", "substitute", "strict", "Pick"]


@dataclass
class _Record:
    passed: bool
    implementation: Any = None  # the object whose checks passed (identity matters)
    reason: str = ""  # why it did not pass, or why it was set aside later


_records: dict[str, _Record] = {}


def strict() -> bool:
    """True when numbers outside their band must fail (``ILCOURSE_STRICT=1``: tests and CI)."""
    return os.environ.get("ILCOURSE_STRICT", "") == "1"


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    if isinstance(error, NotImplementedError) and not text:
        return "not implemented yet"
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


class checks:
    """Context manager around an exercise's visible checks; records pass or fail for ``pick``."""

    def __init__(self, exercise: str, implementation: Any):
        self.exercise, self.implementation = exercise, implementation

    def __enter__(self) -> "checks":
        _records.pop(self.exercise, None)  # a re-run starts from "not checked"
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is None:
            _records[self.exercise] = _Record(True, self.implementation)
        else:
            _records[self.exercise] = _Record(False, reason=_first_line(exc))
        return False  # never swallow the failure: the learner must see it


@dataclass(frozen=True)
class Pick:
    """The implementation an experiment will use for one exercise, and why."""

    exercise: str
    name: str
    yours: Any
    reference: Any
    use_yours: bool
    reason: str

    @property
    def chosen(self) -> Any:
        return self.yours if self.use_yours else self.reference

    def describe(self) -> str:
        if self.use_yours:
            return f"driving with your {self.name} ({self.reason})"
        return f"your {self.name} {self.reason}: driving with the reference"


def _name_of(obj: Any, fallback: str) -> str:
    return getattr(obj, "__name__", None) or fallback


def pick(exercise: str, yours: Any, reference: Any, name: str | None = None) -> Pick:
    """Choose the learner's ``yours`` if the checks of ``exercise`` passed on this very object.

    Args:
        exercise: the exercise's grade id (the name its test cell gave ``checks``).
        yours: the learner's current object (a function or class defined in an answer cell).
        reference: the course's implementation with the same contract.
        name: how to call it in the printed line (default: ``yours.__name__``).
    """
    name = name or _name_of(yours, exercise)
    record = _records.get(exercise)
    if record is None:
        return Pick(exercise, name, yours, reference, False, "has not been checked in this kernel yet (run its check cell)")
    if not record.passed:
        reason = record.reason
        if reason == "not implemented yet":
            return Pick(exercise, name, yours, reference, False, "is not implemented yet")
        return Pick(exercise, name, yours, reference, False, f"has not passed its checks yet ({reason})")
    if record.implementation is not yours:
        return Pick(exercise, name, yours, reference, False,
                    "changed after its checks ran (run the check cell below it again)")
    return Pick(exercise, name, yours, reference, True, "its visible checks passed")


def run(experiment: Callable[..., Any], **picks: Pick) -> Any:
    """``experiment(**chosen)``, on the learner's code where it passed, else on the references.

    Prints one line per pick. If the experiment raises while any learner implementation is in
    use, the error and where it happened are printed, those exercises are recorded as broken
    (later picks use the reference and say why) and the experiment is repeated on the
    references, whose result is returned. An error with references only is re-raised: that
    is a bug of the course, not of the learner.
    """
    for p in picks.values():
        print(p.describe())
    if not any(p.use_yours for p in picks.values()):
        return experiment(**{k: p.reference for k, p in picks.items()})
    try:
        return experiment(**{k: p.chosen for k, p in picks.items()})
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # noqa: BLE001 - any failure of learner code is reported, not fatal
        frames = traceback.extract_tb(error.__traceback__)
        where = next((f"in {f.name}, line {f.lineno}" for f in reversed(frames) if _is_notebook_code(f.filename)), "")
        mine = [p for p in picks.values() if p.use_yours]
        # Blame the implementations whose code is on the traceback (all of them if none is).
        codes = {tb.tb_frame.f_code for tb in _walk(error.__traceback__)}
        mine = [p for p in mine if _code_objects(p.yours) & codes] or mine
        names = ", ".join(p.name for p in mine)
        print(f"\nThe experiment failed in your {names}: {_first_line(error)}"
              + (f" ({where})" if where else ""))
        print("Your code passed its visible checks but not this larger run; the hidden tests may "
              "find the same problem. Running the experiment with the reference so the lesson goes on.\n")
        for p in mine:
            _records[p.exercise] = _Record(False, reason=f"failed inside an experiment: {_first_line(error)}")
        return experiment(**{k: p.reference for k, p in picks.items()})


def _walk(tb):
    while tb is not None:
        yield tb
        tb = tb.tb_next


def _code_objects(obj: Any) -> set:
    """The code objects of a function, or of every method of a class (and its own bases)."""
    if isinstance(obj, type):
        found = set()
        for klass in obj.__mro__:
            if klass.__module__ in ("builtins", "torch.nn.modules.module"):
                continue
            for attr in vars(klass).values():
                attr = getattr(attr, "__func__", getattr(attr, "fget", attr))
                if hasattr(attr, "__code__"):
                    found.add(attr.__code__)
        return found
    code = getattr(getattr(obj, "__func__", obj), "__code__", None)
    return {code} if code is not None else set()


def _is_notebook_code(filename: str) -> bool:
    """A frame of a notebook cell (ipykernel names cells /tmp/ipykernel_<pid>/<hash>.py)."""
    return "ipykernel_" in filename or filename.startswith("<")


def expect(what: str, value: float, low: float, high: float, measured: float | None = None,
           fmt: str = "{:.3g}", hint: str = "") -> None:
    """Compare ``value`` with the band [low, high] the notebook's text states, and say so.

    Inside the band it prints one confirming line ("✓ what: value (the text expects ...)").
    Outside, strict mode (``ILCOURSE_STRICT=1``) raises ``AssertionError``; otherwise it prints
    the comparison (with the reference's ``measured`` value and a ``hint`` where to look) and
    the notebook goes on. Returns nothing, so a cell ending with it shows only what it printed.
    """
    value = float(value)
    band = f"{fmt.format(low)} to {fmt.format(high)}"
    if low <= value <= high:  # False for NaN
        print(f"✓ {what}: {fmt.format(value)} (the text expects {band})")
        return
    ref = f" (the reference measured {fmt.format(measured)})" if measured is not None else ""
    message = f"{what}: got {fmt.format(value)}, the text expects {band}{ref}"
    if strict():
        raise AssertionError(message)
    print(f"Note - {message}." + (f" {hint}" if hint else ""))


class substitute:
    """Temporarily bind names in a namespace (e.g. ``globals()``), restoring them afterwards.

    A check of a later exercise uses it to run the learner's code on the reference versions
    of the earlier pieces it calls, so each check isolates its own exercise's mistakes:
    ``with lab.substitute(globals(), mixture_log_prob=reference_mixture_log_prob): ...``
    """

    _MISSING = object()

    def __init__(self, namespace: dict, **names: Any):
        self.namespace, self.names, self.saved = namespace, names, {}

    def __enter__(self) -> "substitute":
        for key, value in self.names.items():
            self.saved[key] = self.namespace.get(key, self._MISSING)
            self.namespace[key] = value
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        for key, value in self.saved.items():
            if value is self._MISSING:
                self.namespace.pop(key, None)
            else:
                self.namespace[key] = value
        return False
