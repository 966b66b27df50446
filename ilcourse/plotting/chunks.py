"""Figures for action chunking: fork trajectories coloured by branch with mode switches marked,
and metrics against the number of actions executed per query."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from ilcourse.envs.fork import ForkParams
from ilcourse.plotting.worlds import draw_fork_road

LEFT_COLOUR, RIGHT_COLOUR, BETWEEN_COLOUR, SWITCH_COLOUR = "tab:blue", "tab:orange", "0.55", "crimson"


def switch_steps(obs: torch.Tensor, act: torch.Tensor, lengths: torch.Tensor, before_x: float,
                 threshold: float = 0.5) -> torch.Tensor:
    """(E,) int64: the first step whose firm action contradicts an earlier firm one (x < ``before_x``), -1 if none.

    The same notion as ``ilcourse.chunking.mode_switches`` (an episode switches iff this is >= 0).
    """
    steps = act.shape[1]
    t = torch.arange(steps, device=act.device)
    live = (t[None, :] < lengths[:, None]) & (obs[:, :steps, 0] < before_x)  # (E, T)
    a = act[..., 0]
    pos, neg = (a > threshold) & live, (a < -threshold) & live
    first_pos = torch.where(pos, t, steps).min(dim=1).values  # (E,)
    first_neg = torch.where(neg, t, steps).min(dim=1).values
    after_pos = torch.where(neg & (t[None, :] > first_pos[:, None]), t, steps).min(dim=1).values
    after_neg = torch.where(pos & (t[None, :] > first_neg[:, None]), t, steps).min(dim=1).values
    first = torch.minimum(after_pos, after_neg)
    return torch.where(first < steps, first, -1)


def plot_branch_fork(
    ax: Axes,
    obs: torch.Tensor,
    act: torch.Tensor,
    lengths: torch.Tensor,
    params: ForkParams | None = None,
    replan_every: int | None = None,
    before_x: float = 2.3,
    threshold: float = 0.5,
    max_episodes: int = 40,
    title: str | None = None,
    legend: bool = True,
) -> Axes:
    """Fork trajectories, each step coloured by the branch its action heads for; switches marked.

    Blue: the action steers left (a > threshold); orange: right (a < -threshold); grey: neither.
    A red cross marks the step where an episode turns firmly against its earlier firm side before
    ``before_x`` (a mode switch); black dots mark the queries of a receding-horizon executor that
    re-plans every ``replan_every`` steps (if given).

    Args:
        obs: (E, T+1, 2) recorded positions; act: (E, T, 1) actions; lengths: (E,) steps per episode.
        legend: draw the legend inside the axes; pass False and use ``branch_legend_handles`` for
            one legend shared by several panels (``fig.legend(handles=..., loc="lower center")``).
    """
    draw_fork_road(ax, params)
    x_min, x_max = ax.get_xlim()
    ax.set_xlim(x_min, x_max + 0.6)  # room for the whole word "goal" above the goal line
    o, a, n = obs.cpu().numpy(), act[..., 0].cpu().numpy(), lengths.cpu().numpy()
    first_switch = switch_steps(obs, act, lengths, before_x, threshold).cpu().numpy()
    segments, colours, queries, crosses = [], [], [], []
    for i in range(min(len(n), max_episodes)):
        for t in range(int(n[i])):
            segments.append(o[i, t : t + 2, :2])
            colours.append(LEFT_COLOUR if a[i, t] > threshold else RIGHT_COLOUR if a[i, t] < -threshold else BETWEEN_COLOUR)
        if replan_every:
            queries.append(o[i, np.arange(0, int(n[i]), replan_every), :2])
        if first_switch[i] >= 0:
            crosses.append(o[i, int(first_switch[i]), :2])
    # one collection for all segments: a slider redraws 40 episodes in a fraction of a second
    ax.add_collection(LineCollection(segments, colors=colours, linewidths=1.1, alpha=0.7, zorder=4))
    if queries:
        q = np.concatenate(queries)
        ax.plot(q[:, 0], q[:, 1], "o", ms=2.0, color="k", zorder=5)
    if crosses:
        c = np.stack(crosses)
        ax.plot(c[:, 0], c[:, 1], "x", ms=9, mew=2.5, color=SWITCH_COLOUR, zorder=7)
    if legend:
        ax.legend(handles=branch_legend_handles(replan_every), fontsize=7, loc="lower right", ncol=2)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def branch_legend_handles(replan_every: int | None = None) -> list[Line2D]:
    """The legend entries of ``plot_branch_fork`` (with "query" if the executor re-plans)."""
    handles = [Line2D([], [], color=LEFT_COLOUR, label="heading left"),
               Line2D([], [], color=RIGHT_COLOUR, label="heading right"),
               Line2D([], [], color=BETWEEN_COLOUR, label="neither (|a| < 0.5)"),
               Line2D([], [], ls="", marker="x", mew=2.5, color=SWITCH_COLOUR, label="mode switch")]
    if replan_every:
        handles.append(Line2D([], [], ls="", marker="o", ms=3, color="k", label="query"))
    return handles


def plot_sweep(axes: Sequence[Axes], values: Sequence[float], metrics: dict[str, Sequence[float]], xlabel: str,
               fmts: Sequence[str] | None = None) -> None:
    """One panel per metric against a swept knob (e.g. K, actions executed per query).

    ``fmts``: one format per metric for the value labels (e.g. ``"{:.1%}"``, ``"{:.1f}"``),
    so the figure reads like the table next to it; ``"{:.3g}"`` if not given.
    """
    fmts = list(fmts) if fmts is not None else ["{:.3g}"] * len(metrics)
    for ax, (name, ys), fmt in zip(axes, metrics.items(), fmts):
        ax.plot(range(len(values)), ys, "o-", ms=5)
        ax.set_xticks(range(len(values)), [f"{v:g}" for v in values])
        ax.set_xlabel(xlabel)
        ax.set_title(name, fontsize=10)
        ax.grid(alpha=0.3)
        ax.margins(x=0.12, y=0.22)  # room for the labels above the highest point
        for x, y in enumerate(ys):
            ax.annotate(fmt.format(y), (x, y), textcoords="offset points", xytext=(0, 8), ha="center",
                        va="bottom", fontsize=8,
                        bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8))
