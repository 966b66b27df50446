"""Feature scaling whose statistics are saved with the model."""

from __future__ import annotations

import torch
from torch import nn


class Normalizer(nn.Module):
    """Shift and scale features to zero mean and unit variance, per dimension.

    The mean and std are *buffers*: they move with ``.to(device)`` and are part of the
    ``state_dict``, so a saved policy carries the statistics it was trained with.
    """

    def __init__(self, dim: int, eps: float = 1e-6):
        super().__init__()
        self.eps = eps
        self.register_buffer("mean", torch.zeros(dim))
        self.register_buffer("std", torch.ones(dim))

    @torch.no_grad()
    def fit(self, data: torch.Tensor) -> "Normalizer":
        """Set the statistics from ``data`` of shape (..., dim); returns self."""
        flat = data.reshape(-1, data.shape[-1]).to(self.mean.dtype)  # (M, dim)
        self.mean.copy_(flat.mean(dim=0))
        self.std.copy_(flat.std(dim=0, unbiased=False).clamp_min(self.eps))
        return self

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        """(..., dim) -> (..., dim), zero mean and unit variance under the fitted data."""
        return (x - self.mean) / self.std

    def unnormalize(self, z: torch.Tensor) -> torch.Tensor:
        """Inverse of ``normalize``."""
        return z * self.std + self.mean

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.normalize(x)
