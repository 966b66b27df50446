"""A Gaussian policy head: a mean and a learned standard deviation, trained by likelihood."""

from __future__ import annotations

import math

import torch
from torch import nn

from ilcourse.nets import mlp
from ilcourse.normalize import Normalizer
from ilcourse.policies.base import masked_mean

LOG_STD_MIN, LOG_STD_MAX = -7.0, 2.0


def gaussian_nll(act: torch.Tensor, mu: torch.Tensor, log_std: torch.Tensor) -> torch.Tensor:
    """Negative log-likelihood of ``act`` under a diagonal Gaussian, summed over the last dim.

    Args:
        act, mu, log_std: (..., A), broadcastable.
    Returns:
        (...) -log N(act; mu, diag(exp(log_std)^2)).
    """
    z = (act - mu) * torch.exp(-log_std)
    return (0.5 * z**2 + log_std + 0.5 * math.log(2 * math.pi)).sum(dim=-1)


class GaussianPolicy(nn.Module):
    """a ~ N(mu(s), diag(sigma(s)^2)): stochastic, but still ONE mode per observation."""

    def __init__(self, obs_dim: int, act_dim: int, chunk_size: int = 1, hidden: int = 256, depth: int = 2):
        super().__init__()
        self.act_dim, self.chunk_size = act_dim, chunk_size
        self.obs_norm, self.act_norm = Normalizer(obs_dim), Normalizer(act_dim)
        self.net = mlp(obs_dim, 2 * chunk_size * act_dim, hidden, depth)

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, obs_dim) -> mu, log_std, each (B, H, act_dim), in normalized action units."""
        out = self.net(self.obs_norm(obs)).view(-1, self.chunk_size, 2, self.act_dim)  # (B, H, 2, A)
        mu, log_std = out.unbind(dim=2)
        return mu, log_std.clamp(LOG_STD_MIN, LOG_STD_MAX)

    def loss(self, obs: torch.Tensor, act: torch.Tensor, mask: torch.Tensor | None = None,
             generator: torch.Generator | None = None) -> torch.Tensor:
        mu, log_std = self(obs)
        return masked_mean(gaussian_nll(self.act_norm(act), mu, log_std), mask)

    @torch.no_grad()
    def sample(self, obs: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        mu, log_std = self(obs)
        noise = torch.randn(mu.shape, generator=generator, device=mu.device if generator is None else generator.device)
        return self.act_norm.unnormalize(mu + torch.exp(log_std) * noise.to(mu.device))

    @torch.no_grad()
    def mean_action(self, obs: torch.Tensor) -> torch.Tensor:
        """The Gaussian's mode (= its mean), (B, H, act_dim)."""
        return self.act_norm.unnormalize(self(obs)[0])
