"""Widget of notebook 08: a slider over the injected noise; everything it shows is precomputed."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt

from ilcourse.plotting.data import plot_states


def noise_explorer(levels: dict) -> widgets.VBox:
    """``levels``: {noise_std: dict(obs=(M, 3) data states, coverage=float, off=float, test_obs=(E, T+1, 3))}.

    Dragging the slider redraws two panels from the stored tensors (nothing is trained):
    the dataset's states and one test episode of the learner trained on them.
    """
    slider = widgets.SelectionSlider(options=list(levels), value=list(levels)[0], description="noise std")
    out = widgets.Output()

    def draw(change=None):
        level = levels[slider.value]
        with out:
            out.clear_output(wait=True)
            fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10.4, 3.6))
            plot_states(ax0, level["obs"], f"demonstrated states, noise {slider.value}: "
                        f"coverage {level['coverage']:.0%}",
                        color="tab:red" if slider.value == 0 else "tab:green")  # clean / noisy data
            for ep in range(min(8, level["test_obs"].shape[0])):
                ax1.plot(level["test_obs"][ep, :-1, 0].cpu().numpy(), lw=1, alpha=0.8)
            for edge in (-0.5, 0.5):
                ax1.axhline(edge, color="0.3", ls=":", lw=1)
            ax1.set_ylim(-2.2, 2.2)
            ax1.set_xlabel("step")
            ax1.set_ylabel("lateral error e")
            ax1.set_title(f"learner trained on it: {level['off']:.1f} steps off the track per 200", fontsize=10)
            fig.tight_layout()
            plt.show()

    slider.observe(draw, names="value")
    draw()
    return widgets.VBox([slider, out])
