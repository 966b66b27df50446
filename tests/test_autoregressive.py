"""Autoregressive and independent discretized policies: teacher forcing, sampling, the highway."""

from __future__ import annotations

import gymnasium
import torch
from torch.nn import functional as F

import ilcourse
from ilcourse.discretize import bin_centres
from ilcourse.envs.highway import invalid_combination
from ilcourse.policies.autoregressive import (
    AutoregressivePolicy,
    IndependentBinsPolicy,
    sample_autoregressive,
    teacher_forcing_nll,
)
from ilcourse.rollout import collect_demonstrations
from ilcourse.train import fit

CENTRES = bin_centres(-1.0, 1.0, 5)


def copy_previous(obs, prev, d):
    """Dimension 0 uniform; dimension d > 0 copies dimension d-1 (almost surely)."""
    assert prev.shape == (obs.shape[0], d)
    if d == 0:
        return torch.zeros(obs.shape[0], 5)
    return -500.0 * (prev[:, -1:] - CENTRES[None, :]) ** 2


def test_teacher_forcing_uses_the_true_previous_dimensions():
    bins = torch.tensor([[0, 0, 0], [3, 3, 3], [4, 4, 4]])
    nll = teacher_forcing_nll(copy_previous, torch.zeros(3, 1), bins, CENTRES)
    torch.testing.assert_close(nll, torch.full((3,), float(torch.log(torch.tensor(5.0)))), atol=1e-4, rtol=0)


def test_teacher_forcing_matches_cross_entropy_sum():
    g = torch.Generator().manual_seed(0)
    w = torch.randn(2, 5, generator=g)
    u = torch.randn(1, 5, generator=g)
    fn = lambda o, p, d: o @ w + (p @ u if d == 1 else 0)  # noqa: E731
    obs, bins = torch.randn(7, 2, generator=g), torch.randint(0, 5, (7, 2), generator=g)
    expected = F.cross_entropy(obs @ w, bins[:, 0], reduction="none") + F.cross_entropy(
        obs @ w + CENTRES[bins[:, :1]] @ u, bins[:, 1], reduction="none")
    torch.testing.assert_close(teacher_forcing_nll(fn, obs, bins, CENTRES), expected)


def test_sampling_conditions_on_previous_samples_and_uses_the_generator():
    state = torch.get_rng_state()
    values, bins = sample_autoregressive(copy_previous, torch.zeros(2000, 1), 3, CENTRES, torch.Generator().manual_seed(0))
    assert torch.equal(state, torch.get_rng_state())
    assert values.shape == (2000, 3) and bins.dtype == torch.int64
    assert torch.equal(bins[:, 0], bins[:, 1]) and torch.equal(bins[:, 1], bins[:, 2])
    torch.testing.assert_close(values, CENTRES[bins])
    freq = torch.bincount(bins[:, 0], minlength=5).float() / 2000
    assert (freq - 0.2).abs().max() < 0.04


def test_highway_autoregressive_valid_independent_not():
    env = gymnasium.make_vec("ilcourse/Highway-v0", num_envs=128, p_left=0.5)
    demos = collect_demonstrations(env, num_episodes=128, seed=0)
    start = torch.tensor([[0.0, 0.0, 1.0]]).repeat(2000, 1)
    rates = {}
    for cls in (IndependentBinsPolicy, AutoregressivePolicy):
        torch.manual_seed(0)
        policy = cls(obs_dim=3, act_dim=2, num_bins=9, hidden=32)
        fit(policy, demos, steps=300, batch_size=256, generator=ilcourse.make_generator(0), progress=False)
        act = policy.sample(start, torch.Generator().manual_seed(1))
        assert act.shape == (2000, 1, 2)
        rates[cls.__name__] = invalid_combination(act[:, 0]).float().mean().item()
    assert rates["IndependentBinsPolicy"] > 0.3, rates
    assert rates["AutoregressivePolicy"] < 0.05, rates


def test_policy_loss_is_the_masked_teacher_forced_nll():
    torch.manual_seed(0)
    policy = AutoregressivePolicy(obs_dim=4, act_dim=3, num_bins=5, low=-2.0, high=3.0, hidden=16)
    torch.testing.assert_close(policy.centres, bin_centres(-2.0, 3.0, 5))
    g = torch.Generator().manual_seed(0)
    obs = torch.randn(6, 4, generator=g)
    act = 6 * torch.rand(6, 1, 3, generator=g) - 2.5  # some values outside [low, high]: clipped into the end bins
    mask = torch.tensor([[True], [False], [True], [True], [False], [True]])
    bins = torch.clamp(torch.floor((act[:, 0] + 2.0) / 5.0 * 5), 0, 4).long()
    nll = teacher_forcing_nll(policy.logits, obs, bins, policy.centres)
    torch.testing.assert_close(policy.loss(obs, act), nll.mean())
    torch.testing.assert_close(policy.loss(obs, act, mask), nll[mask[:, 0]].mean())
    assert policy.loss(obs, act, torch.zeros(6, 1, dtype=torch.bool)).item() == 0.0


def test_policy_heads_see_the_normalized_observation_and_the_previous_values():
    torch.manual_seed(0)
    policy = AutoregressivePolicy(obs_dim=3, act_dim=2, num_bins=7, hidden=16)
    obs = torch.randn(5, 3, generator=torch.Generator().manual_seed(1))
    prev = torch.full((5, 1), 0.5)
    before = policy.logits(obs, prev, 1)
    policy.obs_norm.mean.fill_(2.0)
    policy.obs_norm.std.fill_(3.0)
    torch.testing.assert_close(policy.logits(3 * obs + 2, prev, 1), before)
    assert not torch.allclose(policy.logits(3 * obs + 2, -prev, 1), before)
    assert policy.logits(obs, torch.zeros(5, 0), 0).shape == (5, 7)
