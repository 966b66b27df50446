"""Mixture-of-Gaussians policies: K weighted Gaussian components, so K modes per observation."""

from __future__ import annotations

import math

import torch
from torch import nn

from ilcourse.nets import mlp
from ilcourse.normalize import Normalizer

LOG_STD_MIN, LOG_STD_MAX = -5.0, 2.0


def mixture_log_prob(
    x: torch.Tensor,
    logits: torch.Tensor,
    means: torch.Tensor,
    log_stds: torch.Tensor,
    dim_mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """log p(x) under a mixture of diagonal Gaussians, computed stably with logsumexp.

    log p(x) = logsumexp_k [ log_softmax(logits)_k + sum_d log N(x_d; mu_kd, sigma_kd) ]

    Args:
        x: (B, D) points.
        logits: (B, K) unnormalized component weights.
        means, log_stds: (B, K, D) per-component parameters.
        dim_mask: optional (B, D) bool; dimensions where it is False are left out of the
            density (padded actions of a chunk).
    Returns:
        (B,) log-densities.
    """
    z = (x.unsqueeze(1) - means) * torch.exp(-log_stds)  # (B, K, D)
    log_normal = -0.5 * z**2 - log_stds - 0.5 * math.log(2 * math.pi)  # (B, K, D)
    if dim_mask is not None:
        log_normal = log_normal * dim_mask.unsqueeze(1).to(log_normal.dtype)
    log_weights = torch.log_softmax(logits, dim=-1)  # (B, K)
    return torch.logsumexp(log_weights + log_normal.sum(dim=-1), dim=-1)


def sample_mixture(
    logits: torch.Tensor,
    means: torch.Tensor,
    log_stds: torch.Tensor,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw one point per row: a component k ~ Categorical(softmax(logits)), then x ~ N(mu_k, sigma_k).

    Args:
        logits: (B, K); means, log_stds: (B, K, D).
    Returns:
        x: (B, D) samples; component: (B,) int64 chosen components.
    """
    device = generator.device if generator is not None else logits.device
    probs = torch.softmax(logits.detach().to(device), dim=-1)  # (B, K)
    component = torch.multinomial(probs, 1, generator=generator).squeeze(-1).to(logits.device)  # (B,)
    rows = torch.arange(logits.shape[0], device=logits.device)
    mu, log_std = means[rows, component], log_stds[rows, component]  # (B, D)
    noise = torch.randn(mu.shape, generator=generator, device=device).to(mu.device)
    return mu + torch.exp(log_std) * noise, component


def spread_component_means(last: nn.Linear, num_components: int, flat: int) -> None:
    """Start the K components at different places so that every one of them gets data.

    A component's gradient is weighted by its responsibility for each action. One whose Gaussian
    sits where no action lies gets (almost) none and never learns (a "dead" component). Exactly
    identical components get identical gradients and can never separate; with PyTorch's default
    initialization all K means start near 0, between the modes, and on the fork a K = 2 mixture
    ends with one wide component carrying all the weight, i.e. a single Gaussian (notebook 02
    measures it). We put the K means' biases at the K quantiles (k + 1/2) / K of a standard
    normal (actions are normalized) and shrink the last layer's weights, so at the start every
    component owns a slice of the data.

    Args:
        last: the network's output layer, K * (1 + 2 * flat) outputs laid out as in ``forward``.
        num_components: K.
        flat: numbers per component mean (H * A).
    """
    k = num_components
    levels = torch.distributions.Normal(0.0, 1.0).icdf((torch.arange(k) + 0.5) / k)  # (K,)
    with torch.no_grad():
        last.weight.mul_(0.1)
        last.bias.zero_()
        params = last.bias[k:].view(k, 2, flat)  # (K, 2, H*A): a view, so writes go to the bias
        params[:, 0, :] = levels[:, None]


class MixturePolicy(nn.Module):
    """p(a | s) = sum_k w_k(s) N(a; mu_k(s), diag sigma_k(s)^2), trained by negative log-likelihood.

    With a chunk (H > 1) each component is a Gaussian over the WHOLE chunk (H * act_dim numbers),
    so one draw of the component commits the entire chunk to one mode.
    """

    def __init__(
        self, obs_dim: int, act_dim: int, num_components: int = 2, chunk_size: int = 1, hidden: int = 256, depth: int = 2
    ):
        super().__init__()
        self.act_dim, self.chunk_size, self.num_components = act_dim, chunk_size, num_components
        self.obs_norm, self.act_norm = Normalizer(obs_dim), Normalizer(act_dim)
        flat = chunk_size * act_dim
        self.net = mlp(obs_dim, num_components * (1 + 2 * flat), hidden, depth)
        spread_component_means(self.net[-1], num_components, flat)

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(B, obs_dim) -> logits (B, K), means (B, K, H*A), log_stds (B, K, H*A), normalized units."""
        k, flat = self.num_components, self.chunk_size * self.act_dim
        out = self.net(self.obs_norm(obs))  # (B, K * (1 + 2 * H*A))
        logits = out[:, :k]
        params = out[:, k:].view(-1, k, 2, flat)  # (B, K, 2, H*A)
        means, log_stds = params.unbind(dim=2)
        return logits, means, log_stds.clamp(LOG_STD_MIN, LOG_STD_MAX)

    def loss(self, obs: torch.Tensor, act: torch.Tensor, mask: torch.Tensor | None = None,
             generator: torch.Generator | None = None) -> torch.Tensor:
        """Mean negative log-likelihood per action dimension; ``act`` (B, H, A), ``mask`` (B, H)."""
        logits, means, log_stds = self(obs)
        x = self.act_norm(act).flatten(1)  # (B, H*A)
        dim_mask = None if mask is None else mask.unsqueeze(-1).expand_as(act).flatten(1)  # (B, H*A)
        nll = -mixture_log_prob(x, logits, means, log_stds, dim_mask)  # (B,)
        valid = x.shape[1] if dim_mask is None else dim_mask.sum(dim=1).clamp_min(1)
        return (nll / valid).mean()

    @torch.no_grad()
    def sample(self, obs: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        logits, means, log_stds = self(obs)
        x, _ = sample_mixture(logits, means, log_stds, generator)  # (B, H*A)
        return self.act_norm.unnormalize(x.view(-1, self.chunk_size, self.act_dim))  # (B, H, A)
