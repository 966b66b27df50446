"""Figures of notebook 08: where a dataset's states lie, what each learner does there."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import torch

from ilcourse.envs.tracking import TrackingParams, expert


def track_phase(obs: torch.Tensor) -> np.ndarray:
    """(M, 3) tracking observations -> (M,) the track phase in [0, 2 pi)."""
    return (torch.atan2(obs[:, 1], obs[:, 2]) % (2 * math.pi)).cpu().numpy()


def plot_states(ax, obs: torch.Tensor, title: str, color: str = "tab:blue", max_points: int = 4000,
                half_width: float = 0.5, ylim: float = 2.0) -> None:
    """Scatter a dataset's states: track phase (x) against lateral error e (y), track edges dotted."""
    if obs.shape[0] > max_points:
        obs = obs[torch.randperm(obs.shape[0], generator=torch.Generator().manual_seed(0))[:max_points]]
    ax.scatter(track_phase(obs), obs[:, 0].cpu().numpy(), s=2, alpha=0.3, color=color)
    for edge in (-half_width, half_width):
        ax.axhline(edge, color="0.3", ls=":", lw=1)
    ax.set_xlim(0, 2 * math.pi)
    ax.set_ylim(-ylim, ylim)
    ax.set_xlabel("track phase (rad)")
    ax.set_ylabel("lateral error e")
    ax.set_title(title, fontsize=10)


def plot_seed_bars(ax, results: dict, ylabel: str = "steps off the track (of 200)", colors=None) -> None:
    """One group per condition, one dot per training seed, a bar at the mean."""
    names = list(results)
    for i, name in enumerate(names):
        values = np.asarray(results[name], dtype=float)
        color = (colors or {}).get(name, f"C{i}")
        ax.bar(i, values.mean(), color=color, alpha=0.35)
        ax.scatter(i + np.linspace(-0.15, 0.15, len(values)), values, color=color, s=25, zorder=3)
    ax.set_xticks(range(len(names)), names, fontsize=8)
    ax.set_ylabel(ylabel)


def plot_action_slices(ax, act_fns: dict, params: TrackingParams, phase: float, e_max: float = 2.0,
                       colors=None, styles=None) -> None:
    """Action against lateral error at one track phase, for each policy and the expert.

    ``colors`` and ``styles`` map a policy's name to its colour and line style (default: solid);
    the curves are drawn in the order of ``act_fns``, each above the previous one.
    """
    e = torch.linspace(-e_max, e_max, 201)
    obs = torch.stack([e, torch.full_like(e, math.sin(phase)), torch.full_like(e, math.cos(phase))], dim=-1)
    ax.plot(e, expert(obs, params)[:, 0], color="black", lw=3, alpha=0.8, label="expert")
    for i, (name, act_fn) in enumerate(act_fns.items()):
        with torch.no_grad():
            ax.plot(e, act_fn(obs)[:, 0], color=(colors or {}).get(name, f"C{i}"),
                    ls=(styles or {}).get(name, "-"), lw=1.5, label=name)
    for edge in (-params.half_width, params.half_width):
        ax.axvline(edge, color="0.3", ls=":", lw=1)
    ax.set_xlabel("lateral error e")
    ax.set_ylabel("action a")
    ax.set_ylim(-1.1, 1.1)
    ax.set_title(f"action at track phase {phase:.2f} rad", fontsize=10)
    ax.legend(fontsize=8)


def plot_error_traces(ax, runs: dict, half_width: float = 0.5, episode: int = 0, colors=None,
                      styles=None) -> None:
    """The lateral error of one test episode (the same world seed) for each learner."""
    for i, (name, obs) in enumerate(runs.items()):
        ax.plot(obs[episode, :-1, 0].cpu().numpy(), color=(colors or {}).get(name, f"C{i}"),
                ls=(styles or {}).get(name, "-"), lw=1.3, label=name)
    for edge in (-half_width, half_width):
        ax.axhline(edge, color="0.3", ls=":", lw=1)
    ax.set_ylim(-2.2, 2.2)
    ax.set_xlabel("step")
    ax.set_ylabel("lateral error e")
    ax.legend(fontsize=8, loc="upper right")


def new_figure(ncols: int, width: float = 5.0, height: float = 3.8):
    return plt.subplots(1, ncols, figsize=(width * ncols, height))
