"""Discretized policies: every action dimension becomes a categorical over bins.

Two ways to put the dimensions together, with the same pure functions underneath:

- ``AutoregressivePolicy``: dimension d is predicted from the observation AND the dimensions
  before it, p(a | s) = prod_d p(a_d | s, a_<d) (the chain rule: exact, any joint distribution).
- ``IndependentBinsPolicy``: every dimension from the observation alone,
  p(a | s) = prod_d p(a_d | s), which cannot say "left goes with slow, right with fast".

Both are described by a *logits function* ``logits_fn(obs, prev, d) -> (B, num_bins)``: the
scores of dimension d's bins given the observation (B, obs_dim) and the values (B, d) of the
dimensions before it (the independent policy just ignores ``prev``). Actions are discretized in
the world's units on [low, high] (``ilcourse.discretize``); a previous dimension is fed back as
its bin's centre, during training (teacher forcing) and sampling alike.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn
from torch.nn import functional as F

from ilcourse.discretize import discretize, undiscretize
from ilcourse.nets import mlp
from ilcourse.normalize import Normalizer
from ilcourse.policies.base import masked_mean

LogitsFn = Callable[[torch.Tensor, torch.Tensor, int], torch.Tensor]


def teacher_forcing_nll(logits_fn: LogitsFn, obs: torch.Tensor, bins: torch.Tensor, centres: torch.Tensor) -> torch.Tensor:
    """-log p(bins | obs) by the chain rule, each dimension conditioned on the TRUE previous ones.

    Args:
        logits_fn: ``(obs, prev, d) -> (B, num_bins)`` scores of dimension d's bins.
        obs: (B, obs_dim) observations.
        bins: (B, D) int64 bin indices of the demonstrated actions.
        centres: (num_bins,) the value each bin stands for.
    Returns:
        (B,) negative log-likelihoods, summed over the D dimensions.
    """
    prev_values = centres[bins]  # (B, D): the demonstrated dims, as the policy will see them
    nll = torch.zeros(obs.shape[0], device=obs.device)
    for d in range(bins.shape[1]):
        logits = logits_fn(obs, prev_values[:, :d], d)  # (B, num_bins)
        nll = nll + F.cross_entropy(logits, bins[:, d], reduction="none")
    return nll


def sample_autoregressive(
    logits_fn: LogitsFn, obs: torch.Tensor, act_dim: int, centres: torch.Tensor, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw an action dimension by dimension, feeding each sampled dimension to the next.

    Args:
        logits_fn: ``(obs, prev, d) -> (B, num_bins)``.
        obs: (B, obs_dim).
        act_dim: D, the number of dimensions.
        centres: (num_bins,) bin values.
    Returns:
        values (B, D) bin centres (dtype of ``centres``); bins (B, D) int64.
    """
    device = generator.device if generator is not None else obs.device
    values = centres.new_zeros(obs.shape[0], 0)  # (B, 0), grows to (B, D); dtype and device of centres
    chosen = []
    for d in range(act_dim):
        probs = torch.softmax(logits_fn(obs, values, d), dim=-1)  # (B, num_bins)
        b = torch.multinomial(probs.to(device), 1, generator=generator).squeeze(-1).to(obs.device)  # (B,)
        chosen.append(b)
        values = torch.cat([values, centres[b][:, None]], dim=1)
    return values, torch.stack(chosen, dim=1)


def binned_loss(policy, obs: torch.Tensor, act: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Mean over the batch of -log p(binned a | s) (nats per action) for either policy below.

    ``act`` is (B, 1, A) in the world's units; ``mask`` (B, 1) or None.
    """
    bins = discretize(act[:, 0], policy.low, policy.high, policy.num_bins)  # (B, A)
    nll = teacher_forcing_nll(policy.logits, obs, bins, policy.centres)  # (B,)
    return masked_mean(nll[:, None], None if mask is None else mask[:, :1])


def binned_sample(policy, obs: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """(B, obs_dim) -> (B, 1, A) actions (bin centres) drawn dimension by dimension."""
    values, _ = sample_autoregressive(policy.logits, obs, policy.act_dim, policy.centres, generator)
    return values[:, None, :]  # (B, 1, A)


class AutoregressivePolicy(nn.Module):
    """p(a | s) = prod_d Categorical(a_d; softmax(head_d(s, a_<d))), one small MLP per dimension.

    Head d sees the normalized observation followed by the values (bin centres, world units) of
    the d dimensions before it. ``chunk_size`` is 1. Actions are binned on [low, high] in the
    world's units, so ``act_norm`` is kept for the common interface but not used. This is the
    reference twin of notebook 03's ``AutoregressivePolicy`` exercise, statement for statement.
    """

    def __init__(self, obs_dim: int, act_dim: int, num_bins: int = 21, low: float = -1.0, high: float = 1.0,
                 hidden: int = 128, depth: int = 2):
        super().__init__()
        self.act_dim, self.num_bins, self.low, self.high, self.chunk_size = act_dim, num_bins, low, high, 1
        self.obs_norm, self.act_norm = Normalizer(obs_dim), Normalizer(act_dim)
        self.register_buffer("centres", undiscretize(torch.arange(num_bins), low, high, num_bins))
        self.heads = nn.ModuleList([mlp(obs_dim + d, num_bins, hidden, depth) for d in range(act_dim)])

    def logits(self, obs: torch.Tensor, prev: torch.Tensor, d: int) -> torch.Tensor:
        """(B, obs_dim) raw observations, (B, d) previous values -> (B, num_bins) scores of dimension d."""
        features = torch.cat([self.obs_norm(obs), prev], dim=1)  # (B, obs_dim + d)
        return self.heads[d](features)

    def loss(self, obs: torch.Tensor, act: torch.Tensor, mask: torch.Tensor | None = None,
             generator: torch.Generator | None = None) -> torch.Tensor:
        """Mean over the rows where ``mask`` (B, 1) is True of -log p(binned a | s) (nats per action).

        ``act`` is (B, 1, A) in the world's units; the loss draws nothing, ``generator`` is ignored.
        """
        bins = discretize(act[:, 0], self.low, self.high, self.num_bins)  # (B, A)
        nll = teacher_forcing_nll(self.logits, obs, bins, self.centres)  # (B,)
        if mask is None:
            return nll.mean()
        weights = mask[:, 0].to(nll.dtype)  # (B,)
        return (nll * weights).sum() / weights.sum().clamp_min(1.0)

    @torch.no_grad()
    def sample(self, obs: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """(B, obs_dim) -> (B, 1, A) bin centres drawn dimension by dimension."""
        values, _ = sample_autoregressive(self.logits, obs, self.act_dim, self.centres, generator)
        return values[:, None, :]  # (B, 1, A)


class IndependentBinsPolicy(nn.Module):
    """p(a | s) = prod_d Categorical(a_d; softmax(head(s)_d)): every dimension from s alone.

    It fits each dimension's marginal exactly and still samples combinations that no expert
    takes when the dimensions covary (notebook 03).
    """

    def __init__(self, obs_dim: int, act_dim: int, num_bins: int = 21, low: float = -1.0, high: float = 1.0,
                 hidden: int = 128, depth: int = 2):
        super().__init__()
        self.act_dim, self.chunk_size, self.num_bins, self.low, self.high = act_dim, 1, num_bins, low, high
        self.obs_norm, self.act_norm = Normalizer(obs_dim), Normalizer(act_dim)
        self.register_buffer("centres", undiscretize(torch.arange(num_bins), low, high, num_bins))
        self.net = mlp(obs_dim, act_dim * num_bins, hidden, depth)

    def logits(self, obs: torch.Tensor, prev: torch.Tensor, d: int) -> torch.Tensor:
        """(B, num_bins) scores of dimension d; ``prev`` is ignored (that is the point)."""
        out = self.net(self.obs_norm(obs)).view(-1, self.act_dim, self.num_bins)  # (B, A, bins)
        return out[:, d]

    def loss(self, obs: torch.Tensor, act: torch.Tensor, mask: torch.Tensor | None = None,
             generator: torch.Generator | None = None) -> torch.Tensor:
        return binned_loss(self, obs, act, mask)

    @torch.no_grad()
    def sample(self, obs: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        return binned_sample(self, obs, generator)
