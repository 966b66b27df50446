"""Pictures of velocity fields v(x, t): over (t, a) for a 1-D action, over the plane for 2-D.

Every function takes ANY velocity field: a callable ``v(x, t)`` with ``x`` (N, D) and ``t``
(N,) torch tensors returning (N, D) (see ``ilcourse.flow``): the closed-form field of a
mixture (``functools.partial(flow.mixture_velocity, weights=..., means=..., stds=...)``), a
trained network, or a policy's field at one observation (``FlowPolicy.field(obs)``). Fields are
evaluated on CPU float32 grids under ``torch.no_grad()``; results may live on any device.

    ax = plot_field_1d(v, x_range=(-3, 3))            # colour = velocity, arrows = direction
    plot_paths_1d(ax, flow.euler(v, x0, 20, return_path=True))
    quiver_field_2d(v, t=0.5, xlim=(-3, 3), ylim=(-3, 3))
    anim = animate_flow_2d(v, path, xlim, ylim)       # HTML(anim.to_jshtml()) in a notebook
"""

from __future__ import annotations

import re
from typing import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib import animation
from matplotlib.axes import Axes
from matplotlib.colors import TwoSlopeNorm

VelocityField = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _np(x: torch.Tensor | np.ndarray) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


@torch.no_grad()
def evaluate_field(v: VelocityField, x: np.ndarray | torch.Tensor, t: np.ndarray | torch.Tensor | float) -> np.ndarray:
    """Call ``v`` on points ``x`` (N, D) at times ``t`` ((N,) or a float); returns (N, D) numpy.

    The inputs are passed as CPU float32 tensors (a field that lives on another device moves
    them itself, e.g. ``FlowPolicy.field``).
    """
    xt = torch.as_tensor(np.asarray(_np(x), dtype=np.float32))  # (N, D)
    tt = torch.as_tensor(np.broadcast_to(np.asarray(_np(t), dtype=np.float32), (xt.shape[0],)).copy())  # (N,)
    return _np(v(xt, tt)).reshape(xt.shape[0], -1)


def grid_field_1d(
    v: VelocityField, x_range: tuple[float, float] = (-3.0, 3.0), num_t: int = 41, num_x: int = 61, t_max: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A 1-D field sampled on a (t, x) grid.

    Returns:
        T, X, V: (num_x, num_t) arrays of times, positions and velocities v(x, t).
    """
    ts = np.linspace(0.0, t_max, num_t)
    xs = np.linspace(x_range[0], x_range[1], num_x)
    T, X = np.meshgrid(ts, xs)  # (num_x, num_t)
    V = evaluate_field(v, X.reshape(-1, 1), T.reshape(-1)).reshape(X.shape)
    return T, X, V


def plot_field_1d(
    v: VelocityField,
    ax: Axes | None = None,
    x_range: tuple[float, float] = (-3.0, 3.0),
    num_t: int = 41,
    num_x: int = 61,
    vmax: float | None = 4.0,
    t_max: float = 1.0,
    arrows: bool = True,
    colorbar: bool = True,
    title: str | None = None,
    ylabel: str = "action a",
) -> Axes:
    """The field of a 1-D flow over (t, a): colour = velocity (red up, blue down), arrows = (dt, da).

    Args:
        v: field, v(x (N, 1), t (N,)) -> (N, 1).
        vmax: colour scale clipped at +-vmax (fields get steep near t = 1); None: the max.
        t_max: right end of the time axis (1; slightly less if the field is singular at 1).
        arrows: overlay arrows pointing along (1, v), the direction a sample moves in.
    Returns:
        The axes.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    draw_field_1d(ax, *grid_field_1d(v, x_range, num_t, num_x, t_max), vmax=vmax, arrows=arrows,
                  colorbar=colorbar, title=title, ylabel=ylabel)
    return ax


def draw_field_1d(
    ax: Axes,
    T: np.ndarray,
    X: np.ndarray,
    V: np.ndarray,
    vmax: float | None = 4.0,
    arrows: bool = True,
    colorbar: bool = True,
    title: str | None = None,
    ylabel: str = "action a",
) -> Axes:
    """Draw a precomputed (t, a) grid (see ``grid_field_1d``) like ``plot_field_1d``."""
    lim = float(vmax if vmax is not None else max(np.abs(V).max(), 1e-6))
    mesh = ax.pcolormesh(T, X, np.clip(V, -lim, lim), cmap="RdBu_r", norm=TwoSlopeNorm(0.0, -lim, lim), shading="auto")
    if colorbar:
        plt.colorbar(mesh, ax=ax, label="velocity", fraction=0.046, pad=0.03)
    t_max, x_lo, x_hi = float(T.max()), float(X.min()), float(X.max())
    if arrows:
        num_x, num_t = T.shape
        sx, st = max(num_x // 12, 1), max(num_t // 10, 1)
        Ts, Xs, Vs = T[sx // 2::sx, st // 2::st], X[sx // 2::sx, st // 2::st], V[sx // 2::sx, st // 2::st]
        # Arrows of equal length on screen: measure (dt, da) in axis fractions, normalise, scale back.
        du, dv = np.ones_like(Vs) / t_max, Vs / (x_hi - x_lo)
        norm = np.hypot(du, dv)
        length = 0.045  # fraction of the axes
        ax.quiver(Ts, Xs, du / norm * length * t_max, dv / norm * length * (x_hi - x_lo), angles="xy",
                  scale_units="xy", scale=1.0, width=0.004, color="0.1", alpha=0.75)
    ax.set_xlim(0.0, t_max)
    ax.set_ylim(x_lo, x_hi)
    ax.set_xlabel("flow time t  (0 = noise, 1 = data)")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return ax


def plot_paths_1d(
    ax: Axes,
    path: torch.Tensor | np.ndarray,
    max_paths: int = 60,
    color_by_end: bool = True,
    alpha: float = 0.6,
    linewidth: float = 1.0,
    markers: bool = False,
) -> Axes:
    """Sample paths of a 1-D flow over (t, a).

    Args:
        path: (S + 1, B) or (S + 1, B, 1) positions after 0..S Euler steps (``flow.euler(...,
            return_path=True)``); step k is drawn at t = k / S.
        color_by_end: colour each path by the sign of where it ends (orange above 0, purple below).
        markers: dots at every Euler step (useful when there are few).
    Returns:
        The axes.
    """
    p = _np(path).reshape(_np(path).shape[0], -1)[:, :max_paths]  # (S + 1, B')
    ts = np.linspace(0.0, 1.0, p.shape[0])
    for i in range(p.shape[1]):
        color = ("tab:orange" if p[-1, i] > 0 else "tab:purple") if color_by_end else "k"
        ax.plot(ts, p[:, i], color=color, alpha=alpha, lw=linewidth, marker="o" if markers else None, ms=2.5)
    return ax


def grid_field_2d(
    v: VelocityField,
    t: float,
    xlim: tuple[float, float] = (-3.0, 3.0),
    ylim: tuple[float, float] = (-3.0, 3.0),
    num: int = 17,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A 2-D field at time t on a num x num grid. Returns X, Y, U, V, each (num, num)."""
    X, Y = np.meshgrid(np.linspace(*xlim, num), np.linspace(*ylim, num))
    uv = evaluate_field(v, np.stack([X.ravel(), Y.ravel()], axis=-1), float(t))  # (num*num, 2)
    return X, Y, uv[:, 0].reshape(X.shape), uv[:, 1].reshape(X.shape)


def arrow_components(X: np.ndarray, U: np.ndarray, V: np.ndarray, clip_quantile: float = 0.8) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arrow vectors for a quiver plot that stays readable when a few arrows are much faster.

    Lengths are proportional to the speed up to its ``clip_quantile`` quantile and clipped
    there, so the longest arrows span ~0.9 grid cells; the colour carries the true speed.
    Returns (U', V', speed), each shaped like ``U``.
    """
    speed = np.hypot(U, V)
    ref = max(float(np.quantile(speed, clip_quantile)), 1e-9)
    cell = float(X[0, 1] - X[0, 0]) if X.shape[1] > 1 else 1.0
    factor = 0.9 * cell * np.minimum(speed, ref) / ref / np.maximum(speed, 1e-12)
    return U * factor, V * factor, speed


def draw_quiver_2d(ax: Axes, X: np.ndarray, Y: np.ndarray, U: np.ndarray, V: np.ndarray, clip_quantile: float = 0.8):
    """Arrows of a precomputed grid (see ``grid_field_2d``), coloured by speed. Returns the Quiver.

    Arrow length grows with the speed and is clipped at its ``clip_quantile`` quantile
    (``arrow_components``), so the slow parts of the field remain visible.
    """
    du, dv, speed = arrow_components(X, U, V, clip_quantile)
    return ax.quiver(X, Y, du, dv, speed, cmap="viridis", angles="xy", scale_units="xy", scale=1.0, width=0.005)


def quiver_field_2d(
    v: VelocityField,
    t: float,
    ax: Axes | None = None,
    xlim: tuple[float, float] = (-3.0, 3.0),
    ylim: tuple[float, float] = (-3.0, 3.0),
    num: int = 17,
    title: str | None = None,
    labels: tuple[str, str] = ("a[0]", "a[1]"),
) -> Axes:
    """Arrows of a 2-D field at time t over the plane (longest arrow ~ one grid cell)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.5))
    draw_quiver_2d(ax, *grid_field_2d(v, t, xlim, ylim, num))
    _frame_2d(ax, xlim, ylim, labels, title if title is not None else f"t = {t:.2f}")
    return ax


def stream_field_2d(
    v: VelocityField,
    t: float,
    ax: Axes | None = None,
    xlim: tuple[float, float] = (-3.0, 3.0),
    ylim: tuple[float, float] = (-3.0, 3.0),
    num: int = 41,
    title: str | None = None,
    labels: tuple[str, str] = ("a[0]", "a[1]"),
) -> Axes:
    """Streamlines of a 2-D field frozen at time t (the lines a particle would follow if t stood still)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.5))
    X, Y, U, V = grid_field_2d(v, t, xlim, ylim, num)
    ax.streamplot(X, Y, U, V, color=np.hypot(U, V), cmap="viridis", density=1.0, linewidth=0.8, arrowsize=0.8)
    _frame_2d(ax, xlim, ylim, labels, title if title is not None else f"t = {t:.2f}")
    return ax


def _frame_2d(ax: Axes, xlim, ylim, labels: tuple[str, str], title: str | None) -> None:
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    if title:
        ax.set_title(title)


def animate_flow_2d(
    v: VelocityField,
    path: torch.Tensor | np.ndarray,
    xlim: tuple[float, float] = (-3.0, 3.0),
    ylim: tuple[float, float] = (-3.0, 3.0),
    num: int = 15,
    interval: int = 150,
    figsize: tuple[float, float] = (3.6, 3.6),
    dpi: int = 72,
    max_points: int = 400,
    labels: tuple[str, str] = ("a[0]", "a[1]"),
    title: str = "",
) -> animation.FuncAnimation:
    """An animation of a cloud of points flowing along ``v``: one frame per Euler step.

    Args:
        path: (S + 1, B, 2) positions after 0..S steps; frame k shows the points at t = k / S
            over the arrows of v(., t_k) (precomputed here, not in the drawing callback).
    Returns:
        A ``FuncAnimation``; in a notebook ``IPython.display.HTML(animation_html(anim))``, or
        ``anim.save("flow.gif", writer=animation.PillowWriter(fps=8))``. The figure is closed.
    """
    p = _np(path).reshape(_np(path).shape[0], -1, 2)[:, :max_points]  # (S + 1, B', 2)
    steps = p.shape[0] - 1
    times = np.linspace(0.0, 1.0, steps + 1)
    grids = [grid_field_2d(v, t, xlim, ylim, num) for t in times]
    fig, ax = plt.subplots(figsize=figsize, dpi=dpi)
    quiver = draw_quiver_2d(ax, *grids[0])
    dots = ax.scatter(p[0, :, 0], p[0, :, 1], s=5, color="crimson", alpha=0.7, zorder=3)
    _frame_2d(ax, xlim, ylim, labels, f"{title}  t = {times[0]:.2f}".strip())
    fig.tight_layout()  # with the title in place, so the layout leaves room for it

    def draw(k: int):
        X, Y, U, V = grids[k]
        du, dv, speed = arrow_components(X, U, V)
        quiver.set_UVC(du, dv, speed)
        quiver.set_clim(speed.min(), speed.max())
        dots.set_offsets(p[k])
        ax.set_title(f"{title}  t = {times[k]:.2f}".strip())
        return quiver, dots

    anim = animation.FuncAnimation(fig, draw, frames=steps + 1, interval=interval, blit=False)
    plt.close(fig)
    return anim


# matplotlib's player draws its buttons with Font Awesome from a CDN: offline (and in a course
# that must not need a network) the stylesheet fails to load and the buttons are blank.
_PLAYER_ICONS = {
    "fa fa-fast-backward": "\u23ee", "fa fa-step-backward": "\u25c0|", "fa fa-play fa-flip-horizontal": "\u25c0",
    "fa fa-pause": "\u23f8", "fa fa-play": "\u25b6", "fa fa-step-forward": "|\u25b6",
    "fa fa-fast-forward": "\u23ed", "fa fa-minus": "\u2212", "fa fa-plus": "+",
}


def animation_html(anim: animation.FuncAnimation, **jshtml_kwargs) -> str:
    """``anim.to_jshtml(...)`` without the CDN stylesheet: the player's buttons as plain text."""
    html = re.sub(r'<link rel="stylesheet"\s+href="https?://[^"]*font-awesome[^"]*">', "", anim.to_jshtml(**jshtml_kwargs))
    for icon, text in _PLAYER_ICONS.items():
        html = html.replace(f'<i class="{icon}"></i>', text)
    return html


def plot_samples_2d(
    ax: Axes, points: torch.Tensor | np.ndarray, color: str = "crimson", size: float = 6.0, alpha: float = 0.6, label: str | None = None
) -> Axes:
    """Scatter (N, 2) points (samples of a 2-D flow) on ``ax``."""
    q = _np(points).reshape(-1, 2)
    ax.scatter(q[:, 0], q[:, 1], s=size, color=color, alpha=alpha, zorder=3, label=label)
    return ax


def valley_fraction(actions: torch.Tensor | np.ndarray, half_width: float = 0.5) -> float:
    """Fraction of 1-D actions with |a| < ``half_width``: the valley between modes at +-1."""
    return float((np.abs(_np(actions).reshape(-1)) < half_width).mean())


def histogram_1d(
    ax: Axes,
    actions: torch.Tensor | np.ndarray,
    bins: Sequence[float] | int = 41,
    x_range: tuple[float, float] = (-2.0, 2.0),
    valley: float | None = 0.5,
    color: str = "tab:blue",
    label: str | None = None,
) -> Axes:
    """Histogram of 1-D actions, with the valley |a| < ``valley`` shaded (None: no shading)."""
    a = np.clip(_np(actions).reshape(-1), *x_range)
    if valley is not None:
        ax.axvspan(-valley, valley, color="0.85", zorder=0, label=f"valley |a| < {valley}")
    ax.hist(a, bins=bins if not isinstance(bins, int) else np.linspace(*x_range, bins), color=color, alpha=0.8, label=label)
    ax.set_xlim(*x_range)
    ax.set_xlabel("action a")
    ax.set_ylabel("count")
    return ax


def plot_field_slices_1d(
    ax: Axes,
    v: VelocityField,
    times: Sequence[float],
    x_range: tuple[float, float] = (-2.5, 2.5),
    num_x: int = 201,
    linestyle: str = "-",
    label: str = "",
    colors: Sequence[str] | None = None,
) -> Axes:
    """v(x, t) against x for a few fixed times t, one line per time (a 1-D field read column by column).

    Args:
        v: field, v(x (N, 1), t (N,)) -> (N, 1).
        times: the flow times to draw (one colour each, the same colours for the same list).
        label: prefix of each line's legend entry (e.g. "exact"); "" keeps only "t = ...".
    Returns:
        The axes (a zero line is drawn: above it the field pushes up, below it down).
    """
    colors = plt.cm.viridis(np.linspace(0.0, 0.9, len(times))) if colors is None else colors
    xs = np.linspace(*x_range, num_x)
    for t, c in zip(times, colors):
        ax.plot(xs, evaluate_field(v, xs[:, None], float(t))[:, 0], ls=linestyle, color=c, lw=1.8,
                label=f"{label + ', ' if label else ''}t = {t:g}")
    ax.axhline(0.0, color="0.4", lw=0.8)
    ax.set_xlim(*x_range)
    ax.set_xlabel("x")
    ax.set_ylabel("velocity v(x, t)")
    return ax
