"""ilcourse.compounding: exact tightrope cost, union bound, Monte-Carlo, slope fit, cost curves."""

import math

import numpy as np
import pytest
import torch

from ilcourse import compounding, dagger
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


def test_state_distribution_is_the_mixture_and_its_distance_obeys_2_eps_t():
    p_train = torch.tensor([0.6, 0.4, 0.0], dtype=torch.float64)
    p_mistake = torch.tensor([0.0, 0.1, 0.9], dtype=torch.float64)
    t = torch.arange(0, 301)
    p = compounding.state_distribution(p_train, p_mistake, 0.01, t)
    assert p.shape == (301, 3) and p.dtype == torch.float64
    assert torch.allclose(p.sum(dim=1), torch.ones(301, dtype=torch.float64))
    assert torch.equal(p[0], p_train)
    tv = compounding.total_variation(p, p_train)
    assert tv.shape == (301,)
    assert bool((tv <= 2 * 0.01 * t + 1e-12).all()) and bool((tv <= 2.0).all())
    assert compounding.total_variation(p_train, p_mistake).item() == pytest.approx(1.8)
    assert compounding.state_distribution(p_train.float(), p_mistake.float(), 0.1, t[:3]).dtype == torch.float32


def test_cost_bound_is_the_sum_and_above_the_tightrope():
    for eps, horizon in [(0.01, 10), (0.001, 500), (0.2, 3)]:
        assert compounding.cost_bound(eps, horizon) == pytest.approx(sum(eps + 2 * eps * t for t in range(1, horizon + 1)))
        assert compounding.cost_bound(eps, horizon) >= compounding.expected_cost(eps, horizon)


def test_dart_demonstrations_clean_labels_independent_noise_and_repeatable():
    from ilcourse.envs.tracking import TrackingVecEnv, expert as tracking_expert

    def run(gseed, std=0.3, n=8):
        env = TrackingVecEnv(num_envs=n, horizon=30, **compounding.ALIASED_WORLD)
        xp = lambda obs: tracking_expert(obs, env.params)
        return compounding.dart_demonstrations(env, xp, std, seed=2, generator=torch.Generator().manual_seed(gseed)), xp

    data, xp = run(0)
    assert len(data) == 8 * 30 and torch.equal(data.episode, torch.arange(8).repeat_interleave(30))
    assert torch.equal(data.act, xp(data.obs))  # clean labels
    torch.manual_seed(1)
    again, _ = run(0)
    assert torch.equal(again.obs, data.obs)
    other, _ = run(1)
    assert not torch.equal(other.obs, data.obs)
    clean, _ = run(0, std=0.0)
    assert clean.obs[:, 0].abs().max() < data.obs[:, 0].abs().max()  # the noise spreads the states


def test_sensor_learner_reads_a_saturated_error():
    policy = dagger.make_learner(3, 1, hidden=8, seed=0, sensor_range=0.1)
    near = torch.tensor([[0.1, 0.0, 1.0]])
    far = torch.tensor([[3.0, 0.0, 1.0]])
    assert torch.equal(policy.sample(near), policy.sample(far))
    obs = torch.tensor([[5.0, 0.0, 1.0], [-5.0, 1.0, 0.0]])
    policy.obs_norm.fit(obs)
    assert policy.obs_norm.mean[0].item() == pytest.approx(0.0)  # fitted on the clipped values
    assert torch.equal(obs, torch.tensor([[5.0, 0.0, 1.0], [-5.0, 1.0, 0.0]]))  # the data are not modified
