"""A slider over the chunk size H and the gust strength, showing precomputed fork rollouts."""

from __future__ import annotations

from typing import Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt

from ilcourse.envs.fork import ForkParams
from ilcourse.plotting.chunks import plot_chunked_fork


def chunk_explorer(rollouts: dict, chunk_sizes: Sequence[int], strengths: Sequence[float],
                   params: ForkParams | None = None) -> widgets.Widget:
    """Sliders over H and gust strength; nothing is trained or simulated in the callback.

    Args:
        rollouts: {(H, strength): EvalResult recorded with ``record=True``}.
    """
    h_slider = widgets.SelectionSlider(options=list(chunk_sizes), value=chunk_sizes[0], description="H")
    s_slider = widgets.SelectionSlider(options=list(strengths), value=strengths[0], description="gust std")
    out = widgets.Output()

    def draw(change=None):
        res = rollouts[(h_slider.value, s_slider.value)]
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(8, 3.4))
            plot_chunked_fork(ax, res.obs, res.lengths, h_slider.value, params,
                              title=f"H = {h_slider.value}, gusts {s_slider.value:g}: success {res.success_rate:.0%}")
            plt.show()

    h_slider.observe(draw, names="value")
    s_slider.observe(draw, names="value")
    draw()
    return widgets.VBox([widgets.HBox([h_slider, s_slider]), out])
