"""Mixture of Gaussians: log-likelihood against torch.distributions, sampling, the policy's verbs."""

from __future__ import annotations

import math

import torch

from ilcourse.data import Demonstrations
from ilcourse.policies.mixture import MixturePolicy, mixture_log_prob, sample_mixture
from ilcourse.train import fit


def reference_log_prob(x, logits, means, log_stds):
    comp = torch.distributions.Independent(torch.distributions.Normal(means, log_stds.exp()), 1)
    return torch.distributions.MixtureSameFamily(torch.distributions.Categorical(logits=logits), comp).log_prob(x)


def test_log_prob_matches_torch_distributions():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(6, 3, generator=g, dtype=torch.float64)
    logits = torch.randn(6, 4, generator=g, dtype=torch.float64)
    means = torch.randn(6, 4, 3, generator=g, dtype=torch.float64)
    log_stds = 0.5 * torch.randn(6, 4, 3, generator=g, dtype=torch.float64)
    torch.testing.assert_close(mixture_log_prob(x, logits, means, log_stds), reference_log_prob(x, logits, means, log_stds))


def test_log_prob_is_stable_for_extreme_logits_and_tiny_stds():
    x = torch.tensor([[3.0]])
    out = mixture_log_prob(x, torch.tensor([[300.0, 0.0]]), torch.tensor([[[-3.0], [3.0]]]), torch.full((1, 2, 1), -5.0))
    expected = reference_log_prob(x.double(), torch.tensor([[300.0, 0.0]]).double(),
                                  torch.tensor([[[-3.0], [3.0]]]).double(), torch.full((1, 2, 1), -5.0).double())
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out.double(), expected, rtol=1e-4, atol=1e-3)


def test_dim_mask_leaves_dimensions_out():
    x = torch.tensor([[0.0, 100.0]])
    logits, means, log_stds = torch.zeros(1, 1), torch.zeros(1, 1, 2), torch.zeros(1, 1, 2)
    out = mixture_log_prob(x, logits, means, log_stds, dim_mask=torch.tensor([[True, False]]))
    torch.testing.assert_close(out, torch.tensor([-0.5 * math.log(2 * math.pi)]))


def test_sampling_frequencies_and_generator():
    n = 20000
    logits = torch.log(torch.tensor([0.25, 0.75])).repeat(n, 1)
    means = torch.tensor([[[-2.0], [2.0]]]).repeat(n, 1, 1)
    log_stds = torch.full((n, 2, 1), math.log(0.1))
    state = torch.get_rng_state()
    x, comp = sample_mixture(logits, means, log_stds, torch.Generator().manual_seed(1))
    assert torch.equal(state, torch.get_rng_state())
    assert abs((comp == 1).float().mean().item() - 0.75) < 0.015
    assert abs(x[comp == 1].mean().item() - 2.0) < 0.01 and abs(x[comp == 1].std().item() - 0.1) < 0.01
    x2, _ = sample_mixture(logits, means, log_stds, torch.Generator().manual_seed(1))
    assert torch.equal(x, x2)


def test_initial_means_are_spread():
    torch.manual_seed(0)
    policy = MixturePolicy(obs_dim=2, act_dim=1, num_components=3, hidden=16)
    _, means, _ = policy(torch.zeros(1, 2))
    m = means[0, :, 0]
    assert m[0] < -0.7 and abs(m[1]) < 0.3 and m[2] > 0.7


def test_policy_learns_two_modes_and_one_component_per_chunk():
    g = torch.Generator().manual_seed(0)
    episode = torch.arange(512) // 8  # 64 episodes of 8 steps, each all left or all right
    side = torch.where(torch.rand(64, generator=g) < 0.5, 1.0, -1.0)
    demos = Demonstrations(torch.zeros(512, 1), side[episode][:, None], episode)
    torch.manual_seed(0)
    policy = MixturePolicy(obs_dim=1, act_dim=1, num_components=2, chunk_size=3, hidden=32)
    fit(policy, demos, steps=300, batch_size=128, chunk_size=3, generator=g, progress=False)
    a = policy.sample(torch.zeros(2000, 1), torch.Generator().manual_seed(1))  # (2000, 3, 1)
    assert a.shape == (2000, 3, 1)
    assert (a.abs() < 0.5).float().mean() < 0.05
    left = (a[:, 0, 0] > 0).float().mean().item()
    assert 0.35 < left < 0.65
    same_side = ((a > 0).all(dim=(1, 2)) | (a < 0).all(dim=(1, 2))).float().mean()
    assert same_side > 0.95


def test_dim_mask_per_row_and_all_false_rows():
    g = torch.Generator().manual_seed(3)
    x = torch.randn(4, 3, generator=g, dtype=torch.float64)
    logits = torch.randn(4, 2, generator=g, dtype=torch.float64)
    means = torch.randn(4, 2, 3, generator=g, dtype=torch.float64)
    log_stds = 0.3 * torch.randn(4, 2, 3, generator=g, dtype=torch.float64)
    mask = torch.tensor([[True, True, True], [True, False, True], [False, False, False], [False, True, False]])
    out = mixture_log_prob(x, logits, means, log_stds, dim_mask=mask)
    for b in range(4):
        keep = mask[b]
        if keep.any():
            expected = reference_log_prob(x[b : b + 1, keep], logits[b : b + 1], means[b : b + 1][:, :, keep], log_stds[b : b + 1][:, :, keep])
        else:
            expected = torch.zeros(1, dtype=torch.float64)  # every factor 1, weights sum to 1
        torch.testing.assert_close(out[b : b + 1], expected)


def test_loss_is_per_sample_nll_over_valid_numbers_then_batch_mean():
    torch.manual_seed(0)
    policy = MixturePolicy(obs_dim=2, act_dim=2, num_components=3, chunk_size=2, hidden=16)
    g = torch.Generator().manual_seed(1)
    obs, act = torch.randn(3, 2, generator=g), torch.randn(3, 2, 2, generator=g)
    mask = torch.tensor([[True, True], [True, False], [False, False]])
    logits, means, log_stds = policy(obs)
    dim_mask = mask.repeat_interleave(2, dim=1)  # (B, H*A), chunk-major
    nll = -mixture_log_prob(policy.act_norm(act).flatten(1), logits, means, log_stds, dim_mask)
    expected = (nll / torch.tensor([4.0, 2.0, 1.0])).mean()
    torch.testing.assert_close(policy.loss(obs, act, mask), expected)


def test_identical_components_get_identical_gradients():
    """The reason the means start spread out: two equal components can never be told apart."""
    torch.manual_seed(0)
    policy = MixturePolicy(obs_dim=2, act_dim=1, num_components=2, hidden=16)
    last = policy.net[-1]
    rows0, rows1 = [0, 2, 3], [1, 4, 5]  # logit, mean, log-std of component 0 and of component 1
    with torch.no_grad():
        last.weight[rows1] = last.weight[rows0]
        last.bias[rows1] = last.bias[rows0]
    g = torch.Generator().manual_seed(0)
    act = torch.where(torch.rand(64, 1, 1, generator=g) < 0.5, 1.0, -1.0)
    policy.loss(torch.zeros(64, 2), act).backward()
    assert last.weight.grad[rows0].abs().max() > 0
    # equal up to float32 rounding of the batch sums (a few 1e-8), against entries of order 1e-1
    torch.testing.assert_close(last.weight.grad[rows1], last.weight.grad[rows0], rtol=0, atol=1e-6)
    torch.testing.assert_close(last.bias.grad[rows1], last.bias.grad[rows0], rtol=0, atol=1e-6)
