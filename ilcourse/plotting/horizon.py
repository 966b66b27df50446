"""Figures for long horizons: cost vs T on log-log axes, drifting trajectories, DAgger's datasets."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import torch
from matplotlib.axes import Axes


def _np(x) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def plot_cost_vs_horizon(
    ax: Axes,
    horizons,
    curves: Mapping[str, object],
    anchor: float | None = None,
    show_ceiling: bool = True,
) -> None:
    """Log-log cost vs horizon, with dotted reference lines of slope 1 and 2 and the ceiling cost = T.

    Args:
        horizons: (K,) horizons T.
        curves: label -> (K,) mean cost at those horizons.
        anchor: the horizon where the reference lines touch the first curve (default: the smallest).
    """
    h = _np(horizons).astype(float)
    first = None
    for label, cost in curves.items():
        c = _np(cost).astype(float)
        ax.loglog(h, c, lw=2, label=label)
        first = c if first is None else first
    t0 = h[0] if anchor is None else anchor
    c0 = float(np.interp(t0, h, first))
    for slope, style in ((1, ":"), (2, "--")):
        ax.loglog(h, c0 * (h / t0) ** slope, color="gray", ls=style, lw=1, label=f"slope {slope}")
    if show_ceiling:
        ax.loglog(h, h, color="black", lw=1, alpha=0.6, label="cost = T (off every step)")
    ax.set_xlabel("horizon T (steps)")
    ax.set_ylabel("expected cost (steps off)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)


def plot_lateral_error(ax: Axes, errors, half_width: float, title: str = "", max_lines: int = 20) -> None:
    """Lateral error e_t of several episodes over time, with the track's edges.

    Args:
        errors: (K, T) lateral errors (K episodes).
    """
    e = _np(errors)[:max_lines]
    t = np.arange(e.shape[1])
    ax.axhspan(-half_width, half_width, color="0.85", label="track")
    for row in e:
        ax.plot(t, row, lw=1, alpha=0.8)
    ax.set_xlabel("step t")
    ax.set_ylabel("lateral error e")
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8)


def track_phase(obs) -> np.ndarray:
    """Where along the (periodic) track an observation (e, sin, cos) is: the angle in [-pi, pi]."""
    o = _np(obs)
    return np.arctan2(o[:, 1], o[:, 2])


def plot_learning_curves(
    ax: Axes, curves: Mapping[str, tuple[Sequence[float], Sequence[float]]], expert: float, bc: float | None = None, xlabel: str = "round"
) -> None:
    """Score per round (or per label count) for several methods, with the expert's and BC's levels.

    Args:
        curves: label -> (x values, scores).
    """
    for label, (x, y) in curves.items():
        ax.plot(_np(x), _np(y), marker="o", lw=2, label=label)
    ax.axhline(expert, color="black", ls="--", lw=1, label="expert")
    ax.axhline(0.95 * expert, color="black", ls=":", lw=1, label="95% of expert")
    if bc is not None:
        ax.axhline(bc, color="tab:red", ls="--", lw=1, label="BC, same number of labels as DAgger")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("fraction of steps on the track")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
