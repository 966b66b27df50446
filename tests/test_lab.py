"""The lab mechanism (ilcourse.lab) and the checks it relies on."""

import math

import pytest
import torch

from ilcourse import lab
from ilcourse.checks import check_close


@pytest.fixture(autouse=True)
def fresh_records(monkeypatch):
    monkeypatch.setattr(lab, "_records", {})
    monkeypatch.delenv("ILCOURSE_STRICT", raising=False)


def mine(x):
    return x + 1


def reference(x):
    return x + 1


def test_pick_uses_the_learners_code_only_after_its_checks_passed(capsys):
    assert not lab.pick("ex", mine, reference).use_yours
    assert "has not been checked" in lab.pick("ex", mine, reference).describe()
    with lab.checks("ex", mine):
        assert mine(1) == 2
    chosen = lab.pick("ex", mine, reference)
    assert chosen.use_yours and chosen.chosen is mine
    assert chosen.describe() == "driving with your mine (its visible checks passed)"


def test_failed_checks_are_re_raised_and_their_reason_shown():
    with pytest.raises(AssertionError):
        with lab.checks("ex", mine):
            raise AssertionError("mine: expected shape (8, 1), got (8,)\nmore detail")
    p = lab.pick("ex", mine, reference)
    assert not p.use_yours and p.chosen is reference
    assert "AssertionError: mine: expected shape (8, 1), got (8,)" in p.describe()
    assert "more detail" not in p.describe()


def test_a_stub_is_reported_as_not_implemented():
    def stub(x):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        with lab.checks("ex", stub):
            stub(1)
    assert lab.pick("ex", stub, reference).describe() == "your stub is not implemented yet: driving with the reference"


def test_redefined_after_the_checks_means_the_reference():
    with lab.checks("ex", mine):
        pass

    def mine_again(x):
        return x

    p = lab.pick("ex", mine_again, reference, name="mine")
    assert not p.use_yours and "changed after its checks ran" in p.reason


def test_rerunning_the_checks_starts_from_unchecked():
    with lab.checks("ex", mine):
        pass
    with pytest.raises(ZeroDivisionError):
        with lab.checks("ex", mine):
            1 / 0
    assert not lab.pick("ex", mine, reference).use_yours


def test_run_falls_back_to_the_reference_when_the_learners_code_breaks(capsys):
    def broken(x):
        raise RuntimeError("shape mismatch deep inside")

    with lab.checks("ex", broken):
        pass  # its visible checks did not exercise the failing path
    calls = []

    def experiment(f):
        calls.append(f)
        return f(1)

    assert lab.run(experiment, f=lab.pick("ex", broken, reference)) == 2
    assert calls == [broken, reference]
    out = capsys.readouterr().out
    assert "driving with your broken" in out and "RuntimeError: shape mismatch deep inside" in out
    # later experiments are told why they use the reference
    assert "failed inside an experiment" in lab.pick("ex", broken, reference).describe()


def test_run_with_references_only_raises_course_bugs():
    def experiment(f):
        raise ValueError("bug in the course")

    with pytest.raises(ValueError):
        lab.run(experiment, f=lab.pick("ex", mine, reference))


def test_expect_prints_for_learners_and_asserts_in_strict_mode(capsys, monkeypatch):
    assert lab.expect("collisions", 0.95, 0.9, 1.0, fmt="{:.0%}") is None  # a cell ending with it shows no "True"
    assert capsys.readouterr().out == "✓ collisions: 95% (the text expects 90% to 100%)\n"
    lab.expect("collisions", 0.31, 0.9, 1.0, measured=1.0, fmt="{:.0%}", hint="Look at the fork.")
    out = capsys.readouterr().out
    assert "got 31%, the text expects 90% to 100% (the reference measured 100%)" in out and "Look at the fork." in out
    assert "✓" not in out
    lab.expect("collisions", math.nan, 0.9, 1.0)  # NaN is never inside a band
    assert "Note - collisions: got nan" in capsys.readouterr().out
    monkeypatch.setenv("ILCOURSE_STRICT", "1")
    with pytest.raises(AssertionError, match="collisions: got 0.31"):
        lab.expect("collisions", 0.31, 0.9, 1.0)


def test_substitute_restores_names_even_on_error():
    ns = {"a": 1}
    with pytest.raises(KeyError):
        with lab.substitute(ns, a=2, b=3):
            assert ns == {"a": 2, "b": 3}
            raise KeyError
    assert ns == {"a": 1}


def test_check_close_never_passes_against_a_nan_reference():
    with pytest.raises(AssertionError, match="reference contains NaN"):
        check_close(torch.tensor([1.0, 2.0]), torch.tensor([1.0, math.nan]))


def test_check_close_infinite_references_need_the_same_infinity():
    check_close(torch.tensor([-math.inf, 1.0]), torch.tensor([-math.inf, 1.0]))
    with pytest.raises(AssertionError):
        check_close(torch.tensor([-1e30, 1.0]), torch.tensor([-math.inf, 1.0]))
    with pytest.raises(AssertionError):
        check_close(torch.tensor([math.inf, 1.0]), torch.tensor([-math.inf, 1.0]))
    with pytest.raises(AssertionError):
        check_close(torch.tensor([math.nan, 1.0]), torch.tensor([0.0, 1.0]))


def test_run_blames_only_the_implementation_that_raised(capsys):
    def good(x):
        return x

    class Broken:
        def act(self, x):
            raise IndexError("index 3 is out of bounds")

    with lab.checks("good", good):
        pass
    with lab.checks("broken", Broken):
        pass

    def experiment(f, Policy):
        return Policy().act(f(1))

    class Reference:
        def act(self, x):
            return x

    assert lab.run(experiment, f=lab.pick("good", good, reference), Policy=lab.pick("broken", Broken, Reference)) == 2
    assert "failed in your Broken: IndexError" in capsys.readouterr().out
    assert lab.pick("good", good, reference).use_yours
    assert not lab.pick("broken", Broken, Reference).use_yours
