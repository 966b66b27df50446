"""Figures for action chunking: trajectories coloured by chunk, jitter bars, success vs H."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes

from ilcourse.envs.fork import ForkParams
from ilcourse.plotting.worlds import draw_fork_road


def plot_chunked_fork(
    ax: Axes,
    obs: torch.Tensor,
    lengths: torch.Tensor,
    chunk_size: int,
    params: ForkParams | None = None,
    highlight: torch.Tensor | None = None,
    max_episodes: int = 40,
    title: str | None = None,
) -> Axes:
    """Fork trajectories whose segments alternate colour at every re-plan (every H steps).

    Args:
        obs: (E, T+1, 2) recorded positions; lengths: (E,) steps per episode.
        chunk_size: H of a ``ChunkExecutor`` that starts a fresh chunk at t = 0, H, 2H, ...
        highlight: optional (E,) bool; those episodes are drawn thick (e.g. mode switches).
    """
    draw_fork_road(ax, params)
    o, n = obs.cpu().numpy(), lengths.cpu().numpy()
    colors = plt.get_cmap("tab10").colors
    for i in range(min(len(n), max_episodes)):
        thick = highlight is not None and bool(highlight[i])
        for start in range(0, int(n[i]), chunk_size):
            seg = o[i, start : min(start + chunk_size, int(n[i])) + 1]
            ax.plot(seg[:, 0], seg[:, 1], color=colors[(start // chunk_size) % 10], lw=2.5 if thick else 1.0,
                    alpha=0.95 if thick else 0.45, zorder=5 if thick else 4)
            ax.plot(seg[0, 0], seg[0, 1], "o", ms=2.5, color="k", zorder=6)  # a query
    if title:
        ax.set_title(title)
    return ax


def plot_metric_bars(ax: Axes, names: Sequence[str], values: Sequence[float], ylabel: str, title: str | None = None) -> Axes:
    """One bar per policy, the value written on top."""
    bars = ax.bar(range(len(values)), values, color="tab:blue")
    ax.set_xticks(range(len(values)), names, rotation=15)
    for b, v in zip(bars, values):
        ax.text(b.get_x() + b.get_width() / 2, b.get_height(), f"{v:.3f}", ha="center", va="bottom", fontsize=9)
    ax.set_ylim(0, 1.15 * max(max(values), 1e-12))  # room for the labels under the title
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return ax


def plot_success_vs_chunk(ax: Axes, chunk_sizes: Sequence[int], success: dict[float, Sequence[float]]) -> Axes:
    """Success rate against H (log2 axis), one line per disturbance strength."""
    for strength, rates in success.items():
        ax.plot(chunk_sizes, rates, "o-", label=f"gust std {strength:g}")
    ax.set_xscale("log", base=2)
    ax.set_xticks(list(chunk_sizes), [str(h) for h in chunk_sizes])
    ax.set_xlabel("chunk size H (actions executed per query)")
    ax.set_ylabel("success rate")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax
