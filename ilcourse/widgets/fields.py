"""Sliders over flow time and over the number of Euler steps (ipywidgets).

Everything is precomputed when the widget is built (fields on grids, Euler paths); the
callbacks only draw, so dragging a slider never trains or queries a network.

    flow_time_slider([("learned", v, path), ("exact", v_star, path_star)], xlim, ylim)
    euler_steps_explorer({"at the fork": v_fork, "after committing": v_left}, x0, [1, 2, 5, 10])
"""

from __future__ import annotations

from typing import Mapping, Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch

from ilcourse import flow
from ilcourse.plotting import fields as pf


def flow_time_slider(
    panels: Sequence[tuple[str, pf.VelocityField, torch.Tensor | np.ndarray]],
    xlim: tuple[float, float] = (-3.0, 3.0),
    ylim: tuple[float, float] = (-3.0, 3.0),
    num: int = 15,
    labels: tuple[str, str] = ("a[0]", "a[1]"),
    max_points: int = 400,
) -> widgets.Widget:
    """A slider over flow time t; each panel shows a 2-D field at t and its samples at t.

    Args:
        panels: (title, v, path) per panel; ``path`` (S + 1, B, 2) holds the samples after
            0..S Euler steps of that field (the same S for every panel).
        num: arrows per side of the grid.
    Returns:
        The interactive widget (display it, or leave it as the cell's last expression).
    """
    paths = [pf._np(path).reshape(pf._np(path).shape[0], -1, 2)[:, :max_points] for _, _, path in panels]
    steps = paths[0].shape[0] - 1
    if any(p.shape[0] - 1 != steps for p in paths):
        raise ValueError("every panel's path needs the same number of Euler steps")
    times = np.linspace(0.0, 1.0, steps + 1)
    grids = [[pf.grid_field_2d(v, t, xlim, ylim, num) for t in times] for _, v, _ in panels]

    def show(t: float) -> None:
        k = int(round(t * steps))
        fig, axes = plt.subplots(1, len(panels), figsize=(3.4 * len(panels), 3.4), squeeze=False)
        for ax, (title, _, _), grid, path in zip(axes[0], panels, grids, paths):
            pf.draw_quiver_2d(ax, *grid[k])
            pf.plot_samples_2d(ax, path[k], size=5)
            pf._frame_2d(ax, xlim, ylim, labels, f"{title}: t = {times[k]:.2f}")
        fig.tight_layout()
        plt.show()

    slider = widgets.FloatSlider(value=0.0, min=0.0, max=1.0, step=1.0 / steps, description="flow time t",
                                 continuous_update=False, readout_format=".2f")
    return widgets.interactive(show, t=slider)


def euler_steps_explorer(
    fields: Mapping[str, pf.VelocityField],
    x0: torch.Tensor,
    steps_options: Sequence[int] = (1, 2, 3, 5, 10, 20),
    valley: float = 0.5,
    x_range: tuple[float, float] = (-2.5, 2.5),
    max_paths: int = 40,
) -> widgets.Widget:
    """A slider for the number of Euler steps and a selector for the field (e.g. the observation).

    Left: the 1-D field over (t, a) with the Euler paths of a few samples (dots at each step).
    Right: the histogram of where all samples land, with the valley |a| < ``valley`` shaded and
    the fraction of samples inside it in the title.

    Args:
        fields: name -> 1-D field v(x (N, 1), t (N,)) -> (N, 1).
        x0: (B, 1) starting noise, shared by every field and step count.
    Returns:
        The interactive widget.
    """
    names = list(fields)
    grids = {name: pf.grid_field_1d(fields[name], x_range, 41, 61) for name in names}
    paths = {(name, n): pf._np(flow.euler(_no_grad(fields[name]), x0, n, return_path=True)).reshape(n + 1, -1)
             for name in names for n in steps_options}

    def show(name: str, steps: int) -> None:
        path = paths[(name, steps)]
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8), gridspec_kw={"width_ratios": [1.4, 1]})
        pf.draw_field_1d(left, *grids[name], title=f"{name}: {steps} Euler step{'s' if steps > 1 else ''}")
        pf.plot_paths_1d(left, path[:, :max_paths], markers=True)
        pf.histogram_1d(right, path[-1], x_range=x_range, valley=valley)
        right.set_title(f"{pf.valley_fraction(path[-1], valley):.0%} of {path.shape[1]} samples in the valley")
        right.legend(loc="upper center", fontsize=8)
        fig.tight_layout()
        plt.show()

    return widgets.interactive(
        show,
        name=widgets.Dropdown(options=names, value=names[0], description="field"),
        steps=widgets.SelectionSlider(options=list(steps_options), value=steps_options[0], description="Euler steps",
                                      continuous_update=False),
    )


def _no_grad(v: pf.VelocityField) -> pf.VelocityField:
    def wrapped(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return v(x, t)

    return wrapped
