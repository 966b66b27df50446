"""Pictures of notebook 09: the stoplight's true light, the camera's readings and a driver's actions over time."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import torch

PHASE_COLORS = ("#7fc97f", "#fdc086", "#f0027f")  # green, amber, red
PHASE_NAMES = ("green", "amber", "red")


def plot_timeline(ax, phase: torch.Tensor, reading: torch.Tensor, actions: Mapping[str, torch.Tensor],
                  wrong: Mapping[str, torch.Tensor] | None = None, title: str = "") -> None:
    """One episode: the true light as coloured bands, the camera's readings as dots (+1 go, -1 stop),
    and each driver's action a_t as a step line (a > 0 moves); wrong steps get a cross.

    Args:
        phase, reading: (T,) the light (0 green, 1 amber, 2 red) and the camera's reading.
        actions: name -> (T,) actions; wrong: name -> (T,) bool, optional.
    """
    phase, reading = phase.cpu().numpy(), reading.cpu().numpy()
    steps = np.arange(len(phase))
    start, named = 0, set()
    for t in range(1, len(phase) + 1):  # one band per run of equal phases
        if t == len(phase) or phase[t] != phase[start]:
            p = int(phase[start])
            label = None if p in named else f"true light: {PHASE_NAMES[p]}"  # one legend entry per colour
            ax.axvspan(start - 0.5, t - 0.5, color=PHASE_COLORS[p], alpha=0.35, lw=0, label=label)
            named.add(p)
            start = t
    flicker = (reading > 0) != (phase == 0)
    ax.scatter(steps[~flicker], 1.25 * reading[~flicker], s=12, color="0.3", label="camera reading")
    ax.scatter(steps[flicker], 1.25 * reading[flicker], s=30, marker="x", color="black", label="reading (flicker)")
    for k, (name, act) in enumerate(actions.items()):
        a = act.cpu().numpy()
        line, = ax.step(steps, a + 0.04 * k, where="mid", lw=1.8, label=name)
        if wrong is not None and name in wrong:
            w = wrong[name].cpu().numpy()
            ax.scatter(steps[w], a[w] + 0.04 * k, s=50, facecolors="none", edgecolors=line.get_color(),
                       label=f"wrong step ({name})")
    ax.axhline(0.0, color="0.5", lw=0.6)
    ax.set_ylim(-1.5, 1.5)
    ax.set_yticks([-1, 0, 1], ["stop -1", "0", "go +1"])
    ax.set_xlabel("step t")
    ax.set_title(title)


def plot_history_sweep(ax, lengths: Sequence[int], wrong: Sequence[float], success: Sequence[float],
                       current: int | None = None) -> None:
    """Wrong steps per episode (left axis) and clean episodes (right axis) against the history length H."""
    ax.plot(lengths, wrong, "o-", color="tab:red", label="wrong steps per episode")
    ax.set_xlabel("history length H (frames)")
    ax.set_ylabel("wrong steps per episode", color="tab:red")
    ax.set_ylim(0, max(max(wrong) * 1.15, 1.0))
    right = ax.twinx()
    right.plot(lengths, [100 * s for s in success], "s--", color="tab:blue")
    right.set_ylabel("episodes without a wrong step (%)", color="tab:blue")
    right.set_ylim(0, 100)
    if current is not None:
        ax.axvline(current, color="0.3", ls=":")
    ax.set_xticks(list(lengths))

