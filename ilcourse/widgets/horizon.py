"""Sliders for long horizons: the tightrope's cost (notebook 06)."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from ilcourse import compounding


def tightrope_widget(num_envs: int = 2048, seed: int = 100_000):
    """Sliders for eps and T: the exact expected cost, the union bound and a Monte-Carlo estimate.

    The Monte-Carlo estimate runs ``num_envs`` tightrope episodes in the callback, so its time
    grows with T (measured by ``bench/bench_widgets.py``).
    """

    def show(eps: float = 0.01, horizon: int = 100):
        exact = compounding.expected_cost(eps, horizon)
        bound = compounding.union_bound(eps, horizon)
        mc = compounding.monte_carlo_cost(eps, horizon, num_envs, seed=seed)
        ts = np.unique(np.geomspace(1, horizon, 60).astype(int))
        fig, ax = plt.subplots(figsize=(6, 3.6))
        ax.loglog(ts, compounding.tightrope_prediction(eps, ts), lw=2, label="exact  sum (1-(1-eps)^t)")
        ax.loglog(ts, [compounding.union_bound(eps, int(t)) for t in ts], "--", label="union bound  eps T(T+1)/2")
        ax.loglog(ts, ts, color="black", lw=1, alpha=0.6, label="cost = T")
        ax.loglog([horizon], [max(mc, 1e-3)], "o", color="tab:red", label=f"Monte-Carlo ({num_envs} walkers)")
        ax.set_xlabel("horizon T")
        ax.set_ylabel("expected cost")
        ax.set_title(f"eps={eps:.4g}, T={horizon}: exact {exact:.3g}, bound {bound:.3g}, MC {mc:.3g}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
        plt.show()

    return widgets.interact(
        show,
        eps=widgets.FloatLogSlider(value=0.01, base=10, min=-4, max=-1, step=0.1, description="eps"),
        horizon=widgets.IntSlider(value=100, min=10, max=1000, step=10, description="T"),
    )


