"""Pictures of the two-rooms world (notebook 10): the wall, trajectories, goals."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.patches import Circle, Rectangle

from ilcourse.envs.tworooms import TwoRoomsParams


def _np(x) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def draw_rooms(ax, params: TwoRoomsParams | None = None, start: bool = True) -> None:
    """The square, the wall (dark) and, if ``start``, the start square (dashed)."""
    p = params or TwoRoomsParams()
    ax.add_patch(Rectangle((-1, -1), 2, 2, fill=False, lw=1.5, color="0.3"))
    ax.add_patch(Rectangle((-p.wall_half_width, -1), 2 * p.wall_half_width, p.door_y + 1, color="0.25"))
    if start:
        h = p.start_half_width
        ax.add_patch(Rectangle((p.start_x - h, p.start_y - h), 2 * h, 2 * h, fill=False, ls="--", color="tab:blue", lw=1))
    ax.set_xlim(-1.05, 1.05)
    ax.set_ylim(-1.05, 1.05)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])


def plot_paths(ax, obs, lengths, color="tab:red", alpha=0.6, goals: bool = True, params: TwoRoomsParams | None = None,
               max_paths: int = 40) -> None:
    """Episodes recorded by ``evaluate(..., record=True)``: obs (E, T+1, 4), lengths (E,).

    Each path is drawn from its start (dot) to its end; its commanded goal is a hollow circle.
    """
    p = params or TwoRoomsParams()
    obs, lengths = _np(obs), _np(lengths)
    for e in range(min(len(lengths), max_paths)):
        path = obs[e, : lengths[e] + 1]
        ax.plot(path[:, 0], path[:, 1], "-", color=color, alpha=alpha, lw=1)
        ax.plot(path[0, 0], path[0, 1], ".", color=color, ms=4)
        if goals:
            ax.add_patch(Circle((obs[e, 0, 2], obs[e, 0, 3]), p.goal_radius, fill=False, color=color, alpha=alpha, lw=0.8))


def plot_goal_outcomes(ax, goals, reached, title: str = "", params: TwoRoomsParams | None = None, cloud=None) -> None:
    """Held-out goals (G, 2): green where ``reached`` (G,) bool, red crosses where not; under
    them, if given, a ``cloud`` (P, 2) of relabeled goals (purple)."""
    draw_rooms(ax, params)
    if cloud is not None:
        plot_goal_cloud(ax, cloud, label="relabeled goals", alpha=0.35)
    g, ok = _np(goals), _np(reached).astype(bool)
    ax.plot(g[ok, 0], g[ok, 1], "o", color="tab:green", ms=4, label=f"reached ({ok.mean():.0%})")
    ax.plot(g[~ok, 0], g[~ok, 1], "x", color="tab:red", ms=5, label="missed")
    # below the axes: every corner of the rooms holds goals, and the lower right one is the room
    # behind the wall that the discussion is about
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3, fontsize=7, frameon=False,
              handletextpad=0.2, columnspacing=0.8, borderaxespad=0.2)
    if title:
        ax.set_title(title, fontsize=10)


def plot_goal_cloud(ax, points, color="tab:purple", label: str = "", max_points: int = 3000, alpha: float = 0.15) -> None:
    """A cloud of (relabeled) goals (P, 2), subsampled evenly to ``max_points``."""
    pts = _np(points)
    step = max(1, len(pts) // max_points)
    ax.plot(pts[::step, 0], pts[::step, 1], ".", color=color, ms=3, alpha=alpha, label=label, zorder=1)


def figure_row(n: int, size: float = 3.6):
    fig, axes = plt.subplots(1, n, figsize=(size * n, size))
    return fig, np.atleast_1d(axes)
