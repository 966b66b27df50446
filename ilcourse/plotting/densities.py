"""Pictures of action distributions p(a | s): mixture densities, histograms, joint 2-D histograms.

Densities are drawn in the world's action units (the policies work in normalized units inside):

    grid = torch.linspace(-1.3, 1.3, 400)
    plot_action_density(ax, policy, torch.tensor([[0.0, 0.0]]), grid, expert_actions=first_acts)
"""

from __future__ import annotations

import math
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes


@torch.no_grad()
def mixture_in_action_units(policy, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """A 1-D, single-step mixture policy's components in the world's action units.

    Args:
        policy: a ``MixturePolicy`` with ``act_dim = 1`` and ``chunk_size = 1``.
        obs: (B, obs_dim) raw observations.
    Returns:
        weights (B, K) summing to 1; means (B, K); stds (B, K) — in action units.
    """
    logits, means, log_stds = policy(obs)  # (B, K), (B, K, 1), (B, K, 1)
    scale, shift = policy.act_norm.std[0], policy.act_norm.mean[0]
    return torch.softmax(logits, dim=-1), means[..., 0] * scale + shift, torch.exp(log_stds[..., 0]) * scale


@torch.no_grad()
def component_densities(policy, obs: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
    """Each component's weighted density w_k N(a; mu_k, sigma_k) on a grid of actions.

    Args:
        obs: (B, obs_dim); grid: (G,) actions.
    Returns:
        (B, K, G); summing over K gives p(a | s).
    """
    weights, means, stds = mixture_in_action_units(policy, obs)  # (B, K) each
    z = (grid[None, None, :] - means[..., None]) / stds[..., None]  # (B, K, G)
    normal = torch.exp(-0.5 * z**2) / (stds[..., None] * math.sqrt(2 * math.pi))
    return weights[..., None] * normal


def mixture_density(policy, obs: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
    """p(a | s) of a 1-D mixture policy on a grid: (B, obs_dim), (G,) -> (B, G)."""
    return component_densities(policy, obs, grid).sum(dim=1)


def plot_action_density(
    ax: Axes,
    policy,
    obs: torch.Tensor,
    grid: torch.Tensor,
    expert_actions: torch.Tensor | None = None,
    components: bool = True,
    label: str = "learned p(a|s)",
    color: str = "tab:purple",
    bins: int = 40,
    max_density: float | None = 6.0,
    annotate_weights: bool = True,
) -> Axes:
    """Draw a 1-D mixture policy's density at one observation, optionally over the expert's histogram.

    Args:
        obs: (1, obs_dim) one observation.
        grid: (G,) actions to evaluate the density at.
        expert_actions: (M,) actions the expert took at (or near) that observation.
        components: also draw each weighted component (thin dashed lines).
        max_density: clip the y axis (a component with a tiny std is a very tall spike).
        annotate_weights: write each component's weight w_k (those >= 0.005) above its mean.
    Returns:
        ``ax``.
    """
    g = grid.cpu().numpy()
    if expert_actions is not None:
        lo, hi = float(grid.min()), float(grid.max())
        ax.hist(expert_actions.cpu().numpy().ravel(), bins=bins, range=(lo, hi), density=True,
                color="0.75", label="expert actions (histogram)")
    parts = component_densities(policy, obs, grid)[0]  # (K, G)
    ax.plot(g, parts.sum(0).cpu().numpy(), color=color, lw=2.0, label=label)
    if components and parts.shape[0] > 1:
        for k in range(parts.shape[0]):
            ax.plot(g, parts[k].cpu().numpy(), color=color, lw=0.8, ls="--", alpha=0.8,
                    label="weighted components" if k == 0 else None)
    if annotate_weights and parts.shape[0] > 1:
        weights, means, _ = mixture_in_action_units(policy, obs)
        top = max_density if max_density is not None else float(parts.sum(0).max())
        for w, m in zip(weights[0].tolist(), means[0].tolist()):
            if w >= 0.005 and float(grid.min()) <= m <= float(grid.max()):
                ax.annotate(f"w={w:.2f}", (m, 0.55 * top), ha="center", fontsize=8, color=color,
                            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})
    ax.set_xlabel("action a (lateral velocity)")
    ax.set_ylabel("density")
    if max_density is not None:
        ax.set_ylim(0, max_density)
    return ax


def plot_joint_histograms(
    samples: Sequence[torch.Tensor],
    titles: Sequence[str],
    bounds: tuple[float, float] = (-1.0, 1.0),
    bins: int = 21,
    labels: tuple[str, str] = ("steer (dimension 1)", "throttle (dimension 2)"),
    invalid_quadrants: bool = True,
) -> plt.Figure:
    """Side-by-side 2-D histograms of (dimension 1, dimension 2) action samples.

    Args:
        samples: one (M, 2) tensor per panel.
        titles: one title per panel.
        invalid_quadrants: shade the quadrants where steer * throttle > 0 (the highway's invalid
            combinations: left + fast, right + slow).
    Returns:
        The figure.
    """
    fig, axes = plt.subplots(1, len(samples), figsize=(3.4 * len(samples), 3.4), squeeze=False)
    lo, hi = bounds
    for ax, act, title in zip(axes[0], samples, titles):
        a = act.detach().cpu().numpy()
        counts, xe, ye = np.histogram2d(a[:, 0], a[:, 1], bins=bins, range=[[lo, hi], [lo, hi]])
        frac = counts / max(len(a), 1)
        ax.imshow(frac.T, origin="lower", extent=(lo, hi, lo, hi), cmap="Blues", aspect="equal", vmin=0)
        for i, j in zip(*np.nonzero(frac >= 0.01)):  # label the cells holding at least 1% of the samples
            xc, yc = (xe[i] + xe[i + 1]) / 2, (ye[j] + ye[j + 1]) / 2
            side = "left" if xc < (lo + hi) / 2 else "right"  # keep the label inside the axes
            ax.annotate(f"{frac[i, j]:.0%}", (xc, yc), xytext=(-6 if side == "left" else 6, 9),
                        textcoords="offset points", ha=side, fontsize=9)
        if invalid_quadrants:
            for x0, y0 in ((0, 0), (lo, lo)):
                ax.add_patch(plt.Rectangle((x0, y0), hi if x0 == 0 else -lo, hi if y0 == 0 else -lo,
                                           color="tab:red", alpha=0.12, lw=0))
            ax.text(hi * 0.5, hi * 0.9, "invalid", color="tab:red", ha="center", fontsize=9)
            ax.text(lo * 0.5, lo * 0.9, "invalid", color="tab:red", ha="center", fontsize=9)
        ax.axhline(0, color="0.5", lw=0.5)
        ax.axvline(0, color="0.5", lw=0.5)
        ax.set_title(title)
        ax.set_xlabel(labels[0])
        ax.set_ylabel(labels[1])
    fig.tight_layout()
    return fig
