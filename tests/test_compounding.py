"""ilcourse.compounding: exact tightrope cost, union bound, Monte-Carlo, slope fit, cost curves."""

import math

import numpy as np
import pytest
import torch

from ilcourse import compounding
from ilcourse.envs.tightrope import TightropeVecEnv, expert as tightrope_expert


@pytest.mark.parametrize("horizon, value", [(10, 0.53), (50, 10.9), (100, 37.2), (200, 114.3), (1000, 901.0)])
def test_expected_cost_matches_reference_values(horizon, value):
    assert compounding.expected_cost(0.01, horizon) == pytest.approx(value, abs=0.5 if horizon == 1000 else 0.05)
    # the geometric sum in closed form: sum_{t=1..T} (1 - q^t) = T - q (1 - q^T) / (1 - q), q = 1 - eps
    q = 0.99
    closed_form = horizon - q * (1 - q**horizon) / (1 - q)
    assert compounding.expected_cost(0.01, horizon) == pytest.approx(closed_form, rel=1e-9)


def test_prob_off_rope_edges():
    t = torch.arange(0, 5)
    assert torch.equal(compounding.prob_off_rope(0.0, t), torch.zeros(5, dtype=torch.float64))
    assert compounding.prob_off_rope(0.2, t)[0] == 0.0
    assert compounding.prob_off_rope(0.2, t).dtype == torch.float64


def test_union_bound_is_above_and_tight_for_small_eps_t():
    for eps, horizon in [(0.01, 5), (0.001, 50), (0.05, 30), (0.3, 100)]:
        assert compounding.union_bound(eps, horizon) >= compounding.expected_cost(eps, horizon)
    assert compounding.expected_cost(1e-4, 20) == pytest.approx(compounding.union_bound(1e-4, 20), rel=0.01)


def test_monte_carlo_close_to_exact_and_deterministic():
    mc = compounding.monte_carlo_cost(0.05, 40, 8192, seed=100_000)
    assert mc == pytest.approx(compounding.expected_cost(0.05, 40), rel=0.03)
    assert mc == compounding.monte_carlo_cost(0.05, 40, 8192, seed=100_000)
    assert compounding.monte_carlo_cost(0.0, 20, 64, seed=1) == 0.0


def test_cost_vs_horizon_from_one_rollout_matches_separate_episodes():
    long_env = TightropeVecEnv(num_envs=256, eps=0.05, horizon=60)
    curve = compounding.cost_vs_horizon(compounding.cost_per_step(long_env, tightrope_expert, seed=7))
    assert curve.shape == (60,)
    # the first 20 steps of the 60-step episodes are 20-step episodes (same seeds, same slips)
    assert curve[19].item() == pytest.approx(compounding.monte_carlo_cost(0.05, 20, 256, seed=7), abs=1e-9)


def test_loglog_slope():
    h = np.array([10.0, 20.0, 50.0, 400.0])
    assert compounding.loglog_slope(h, 3 * h**2) == pytest.approx(2.0)
    assert compounding.loglog_slope(torch.tensor(h), torch.tensor(0.5 * h)) == pytest.approx(1.0)
    noisy = 2 * h**1.5 * np.array([1.1, 0.9, 1.2, 0.95])
    assert compounding.loglog_slope(h, noisy) == pytest.approx(np.polyfit(np.log(h), np.log(noisy), 1)[0])
    assert math.isinf(compounding.saturation_horizon(0.0))
