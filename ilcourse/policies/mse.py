"""Behavioral cloning as regression: predict one action, trained with the squared error."""

from __future__ import annotations

import torch
from torch import nn

from ilcourse.nets import mlp
from ilcourse.normalize import Normalizer
from ilcourse.policies.base import masked_mean


def l2_optimal_constant(actions: torch.Tensor) -> torch.Tensor:
    """The one action with the least mean squared error to all of ``actions``: their mean.

    Args:
        actions: (N, A) actions demonstrated at one observation, N >= 1.
    Returns:
        (A,) the mean over the N actions, in the dtype of ``actions``.
    """
    return actions.mean(dim=0)


class MSEPolicy(nn.Module):
    """A deterministic policy a = f(s) trained with the L2 loss.

    With multimodal demonstrations the L2-optimal prediction is the conditional MEAN of the
    actions, which may be an action no expert would take (notebook 01).
    """

    def __init__(self, obs_dim: int, act_dim: int, chunk_size: int = 1, hidden: int = 256, depth: int = 2):
        super().__init__()
        self.act_dim, self.chunk_size = act_dim, chunk_size
        self.obs_norm, self.act_norm = Normalizer(obs_dim), Normalizer(act_dim)
        self.net = mlp(obs_dim, chunk_size * act_dim, hidden, depth)

    def predict_normalized(self, obs: torch.Tensor) -> torch.Tensor:
        """(B, obs_dim) -> (B, H, act_dim) in normalized action units."""
        out = self.net(self.obs_norm(obs))  # (B, H * A)
        return out.view(-1, self.chunk_size, self.act_dim)  # (B, H, A)

    def loss(self, obs: torch.Tensor, act: torch.Tensor, mask: torch.Tensor | None = None,
             generator: torch.Generator | None = None) -> torch.Tensor:
        err = (self.predict_normalized(obs) - self.act_norm(act)) ** 2  # (B, H, A)
        return masked_mean(err.mean(dim=-1), mask)

    @torch.no_grad()
    def sample(self, obs: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Deterministic: the same action every time (``generator`` is accepted and unused)."""
        return self.act_norm.unnormalize(self.predict_normalized(obs))
