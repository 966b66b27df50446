"""Uniform bins for continuous actions: edges, centres, and the maps between values and bin indices.

The interval [low, high] is cut into ``num_bins`` equal bins. Bin i covers
[edges[i], edges[i+1]) (the last one also includes ``high``); its centre is the value an index
turns back into. Values outside [low, high] are clipped into the first or last bin, so
``undiscretize(discretize(a))`` is within half a bin width of ``clip(a, low, high)``.
"""

from __future__ import annotations

import torch


def bin_edges(low: float, high: float, num_bins: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """(num_bins + 1,) float32 edges from ``low`` to ``high``."""
    return torch.linspace(low, high, num_bins + 1, device=device)


def bin_centres(low: float, high: float, num_bins: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """(num_bins,) float32 centres: low + (i + 1/2) * width."""
    width = (high - low) / num_bins
    return low + (torch.arange(num_bins, device=device, dtype=torch.float32) + 0.5) * width


def discretize(act: torch.Tensor, low: float, high: float, num_bins: int) -> torch.Tensor:
    """Continuous values -> int64 bin indices in [0, num_bins - 1] (values out of range are clipped).

    Args:
        act: (...) float values (any shape).
    Returns:
        (...) int64 indices, same shape as ``act``.
    """
    scaled = (act - low) / (high - low) * num_bins  # (...) in bin units
    return torch.clamp(torch.floor(scaled), 0, num_bins - 1).to(torch.int64)


def undiscretize(index: torch.Tensor, low: float, high: float, num_bins: int) -> torch.Tensor:
    """Bin indices -> the bins' centres, float32, same shape as ``index``."""
    width = (high - low) / num_bins
    return low + (index.to(torch.float32) + 0.5) * width
