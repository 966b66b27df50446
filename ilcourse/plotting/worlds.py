"""Top-down pictures of the worlds: the road, the block, and trajectories driven on them.

The fork world (``ilcourse/Fork-v0``) is drawn in its own coordinates: x (forward) to the
right, y (lateral, + is left) upwards. A trajectory is a row of ``EvalResult.obs``:
(T+1, 2) positions, valid up to the episode's length.

    res = evaluate(env, act_fn, num_episodes=64, record=True)
    plot_fork_scene(res.obs, res.lengths, params=env.unwrapped.params, title="expert")

Trajectories are coloured by the side they took (``fork_side``): left, right, or "straight"
(the vehicle never moved more than one full lateral step off the centre line).
"""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from ilcourse.envs import fork as fork_world
from ilcourse.envs.fork import ForkParams

LEFT, STRAIGHT, RIGHT = 1, 0, -1
SIDE_COLORS = {LEFT: "tab:blue", RIGHT: "tab:orange", STRAIGHT: "tab:red"}
SIDE_NAMES = {LEFT: "goes left", RIGHT: "goes right", STRAIGHT: "goes straight"}
ROAD_COLOR, GRASS_COLOR, BLOCK_COLOR = "0.85", "#cfe3c3", "0.25"


def _as_numpy(x: torch.Tensor | np.ndarray) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def _valid_lengths(obs: np.ndarray, lengths: torch.Tensor | np.ndarray | None) -> np.ndarray:
    """(E,) number of valid steps; observations o_0..o_L are valid, so L+1 points per row."""
    if lengths is None:
        return np.full(obs.shape[0], obs.shape[1] - 1, dtype=np.int64)
    return _as_numpy(lengths).astype(np.int64)


def _p(params: ForkParams | None) -> ForkParams:
    return params if params is not None else ForkParams()


def draw_fork_road(ax: Axes, params: ForkParams | None = None, resolution: int = 400) -> Axes:
    """Draw the fork world's road, obstacle, fork line and goal line on ``ax``.

    The obstacle is drawn from the world's own ``collides`` function on a grid, so it is the
    set of positions where the vehicle's CENTRE collides (the obstacle grown by the vehicle's
    radius), whatever the obstacle's shape.

    Args:
        ax: matplotlib axes; its limits and aspect ratio are set to show the whole road.
        params: the world's ``ForkParams`` (``env.unwrapped.params``); defaults if None.
        resolution: grid points along x for the obstacle.
    Returns:
        ``ax``.
    """
    p = _p(params)
    x_max = p.x_goal + 0.5
    ax.set_facecolor(GRASS_COLOR)
    ax.add_patch(Rectangle((-0.5, -p.road_half_width), x_max + 0.5, 2 * p.road_half_width, color=ROAD_COLOR, zorder=0))
    for edge in (-p.road_half_width, p.road_half_width):
        ax.axhline(edge, color="0.4", lw=1.0, zorder=1)
    xs = torch.linspace(-0.5, x_max, resolution)
    ys = torch.linspace(-p.road_half_width, p.road_half_width, max(2, resolution // 2))
    grid_x, grid_y = torch.meshgrid(xs, ys, indexing="xy")  # (len(ys), len(xs))
    hit = fork_world.collides(grid_x.reshape(-1), grid_y.reshape(-1), p).reshape(grid_x.shape)
    if bool(hit.any()):
        ax.contourf(grid_x.numpy(), grid_y.numpy(), hit.float().numpy(), levels=[0.5, 1.5], colors=[BLOCK_COLOR], zorder=3)
    ax.axvline(p.x_fork, color="0.3", lw=0.8, ls=":", zorder=1)
    ax.text(p.x_fork, p.road_half_width + 0.15, "fork", ha="center", va="bottom", fontsize=9)
    ax.axvline(p.x_goal, color="tab:green", lw=1.5, zorder=1)
    ax.text(p.x_goal, p.road_half_width + 0.15, "goal", ha="center", va="bottom", fontsize=9, color="tab:green")
    ax.set_xlim(-0.5, x_max)
    ax.set_ylim(-p.road_half_width - 0.6, p.road_half_width + 0.8)
    ax.set_aspect("equal")
    ax.set_xlabel("x (forward)")
    ax.set_ylabel("y (lateral, + = left)")
    return ax


def fork_side(
    obs: torch.Tensor | np.ndarray,
    lengths: torch.Tensor | np.ndarray | None = None,
    params: ForkParams | None = None,
    straight_within: float | None = None,
) -> np.ndarray:
    """Which side each trajectory took.

    Args:
        obs: (E, T+1, 2) positions (x, y), valid up to ``lengths``.
        lengths: (E,) steps per episode (None: every row is valid to the end).
        straight_within: a trajectory whose |y| never exceeds this went STRAIGHT
            (default: one step of full swerve, ``params.lateral_speed``).
    Returns:
        (E,) int: +1 (LEFT) or -1 (RIGHT), the sign of y where |y| is largest, or 0 (STRAIGHT).
    """
    p = _p(params)
    limit = p.lateral_speed if straight_within is None else straight_within
    o = _as_numpy(obs)
    n = _valid_lengths(o, lengths)
    valid = np.arange(o.shape[1])[None, :] <= n[:, None]  # (E, T+1)
    y = np.where(valid, o[:, :, 1], 0.0)
    extreme = y[np.arange(o.shape[0]), np.argmax(np.abs(y), axis=1)]  # (E,)
    return np.where(extreme >= limit, LEFT, np.where(extreme <= -limit, RIGHT, STRAIGHT))


def plot_fork_trajectories(
    ax: Axes,
    obs: torch.Tensor | np.ndarray,
    lengths: torch.Tensor | np.ndarray | None = None,
    colors: Sequence | None = None,
    params: ForkParams | None = None,
    alpha: float = 0.5,
    linewidth: float = 1.2,
    mark_ends: bool = True,
) -> Axes:
    """Draw trajectories on ``ax`` (call ``draw_fork_road`` first).

    Args:
        obs: (E, T+1, 2) positions, valid up to ``lengths``.
        lengths: (E,) steps per episode (None: the whole row).
        colors: E matplotlib colours; default: by ``fork_side`` (``SIDE_COLORS``).
        mark_ends: put a red cross where an episode ended short of the goal (a crash).
    Returns:
        ``ax``.
    """
    p = _p(params)
    o = _as_numpy(obs)
    n = _valid_lengths(o, lengths)
    if colors is None:
        colors = [SIDE_COLORS[int(s)] for s in fork_side(o, n, p)]
    for i in range(o.shape[0]):
        path = o[i, : n[i] + 1]  # (L+1, 2)
        ax.plot(path[:, 0], path[:, 1], color=colors[i], alpha=alpha, lw=linewidth, zorder=4)
        if mark_ends and path[-1, 0] < p.x_goal:
            ax.plot(path[-1, 0], path[-1, 1], "x", color="red", ms=7, mew=2, zorder=5)
    return ax


def side_legend(ax: Axes, sides: Sequence[int] = (LEFT, RIGHT, STRAIGHT), crashes: bool = True, **kwargs) -> None:
    """A legend for side-coloured trajectories (and the crash marker)."""
    handles = [Line2D([], [], color=SIDE_COLORS[s], lw=2, label=SIDE_NAMES[s]) for s in sides]
    if crashes:
        handles.append(Line2D([], [], color="red", marker="x", ls="", mew=2, label="crash"))
    kwargs.setdefault("loc", "lower left")
    kwargs.setdefault("fontsize", 8)
    kwargs.setdefault("framealpha", 0.9)
    ax.legend(handles=handles, **kwargs)


def plot_fork_scene(
    obs: torch.Tensor | np.ndarray,
    lengths: torch.Tensor | np.ndarray | None = None,
    params: ForkParams | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    colors: Sequence | None = None,
    legend: bool = True,
    max_episodes: int | None = 200,
    **trajectory_kwargs,
) -> Axes:
    """The fork seen from above with trajectories coloured by the side they pass on.

    Args:
        obs: (E, T+1, 2) positions from ``evaluate(..., record=True).obs``.
        lengths: (E,) from ``EvalResult.lengths``.
        params: ``env.unwrapped.params`` (defaults if None).
        ax: axes to draw on; a new (8, 3.2) figure if None.
        colors: E colours (default: by side).
        max_episodes: draw at most this many (the first ones), to keep the figure readable.
    Returns:
        The axes.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.2))
    o = _as_numpy(obs)
    n = _valid_lengths(o, lengths)
    if max_episodes is not None:
        o, n = o[:max_episodes], n[:max_episodes]
        colors = None if colors is None else list(colors)[:max_episodes]
    draw_fork_road(ax, params)
    plot_fork_trajectories(ax, o, n, colors=colors, params=params, **trajectory_kwargs)
    if legend and colors is None:
        present = sorted(set(int(s) for s in fork_side(o, n, params)), reverse=True)
        side_legend(ax, present or (LEFT, RIGHT), crashes=bool((o[np.arange(len(n)), n, 0] < _p(params).x_goal).any()))
    if title:
        ax.set_title(title)
    return ax
