"""A slider over precomputed fork rollouts (e.g. over K, or over the ensembling decay m)."""

from __future__ import annotations

from typing import Callable

import ipywidgets as widgets
import matplotlib.pyplot as plt

from ilcourse.envs.fork import ForkParams
from ilcourse.plotting.chunks import branch_legend_handles, plot_branch_fork


def rollout_explorer(rollouts: dict, describe: Callable[[object], str], params: ForkParams | None = None,
                     name: str = "K", replan_every: Callable[[object], int | None] | None = None) -> widgets.Widget:
    """A slider over the keys of ``rollouts``; nothing is trained or simulated in the callback.

    Args:
        rollouts: {key: EvalResult recorded with ``record=True``}, in slider order.
        describe: key -> the title of its picture (its measured numbers).
        replan_every: key -> how often the executor queried (the dots), or None.
    """
    slider = widgets.SelectionSlider(options=list(rollouts), value=list(rollouts)[0], description=name)
    out = widgets.Output()

    def draw(change=None):
        res = rollouts[slider.value]
        with out:
            out.clear_output(wait=True)
            every = replan_every(slider.value) if replan_every else None
            fig, ax = plt.subplots(figsize=(9, 3.8))
            plot_branch_fork(ax, res.obs, res.act, res.lengths, params, replan_every=every,
                             title=describe(slider.value), legend=False)
            # the legend below the road, where it hides no trajectory
            fig.legend(handles=branch_legend_handles(every), loc="lower center", ncol=5, fontsize=8,
                       frameon=False)
            fig.tight_layout(rect=(0, 0.08, 1, 1))
            plt.show()

    slider.observe(draw, names="value")
    draw()
    return widgets.VBox([slider, out])
