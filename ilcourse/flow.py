"""Flow matching, the pure math: straight paths from noise to data, their loss, Euler sampling,
and the exact (closed-form) vector field of a Gaussian-mixture target.

Time convention of the whole course: t = 0 is noise x0 ~ N(0, I), t = 1 is data x1,

    x_t = t * x1 + (1 - t) * x0,        target velocity  u = dx_t/dt = x1 - x0,

and sampling integrates dx/dt = v(x, t) with Euler steps from t = 0 to t = 1.

On a straight path u = x1 - x0 = (x1 - x_t) / (1 - t) = (x_t - x0) / t, so at a fixed (x_t, t) a
velocity, a prediction of the data x1 and a prediction of the noise x0 (diffusion's epsilon)
are affine functions of each other (``data_from_velocity``, ``velocity_from_noise``, ...), and the
best field is v*(x, t) = E[u | x_t = x] = (E[x1 | x_t = x] - x) / (1 - t). (Some robotics
code, e.g. pi0, runs time the other way: t = 1 is noise there.)

A velocity field is any callable ``v(x, t)`` with ``x`` of shape (B, *D) and ``t`` of shape (B,)
returning (B, *D). A conditional field v(a_t, t | s) is turned into one by closing over the
observation: ``lambda x, t: net(x, t, obs)``.
"""

from __future__ import annotations

import math
from typing import Callable

import torch

from ilcourse.chunking import masked_mean

VelocityField = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
ConditionalVelocity = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


def expand_time(t: torch.Tensor | float, like: torch.Tensor) -> torch.Tensor:
    """Reshape a per-sample time (B,) to (B, 1, ..., 1) so it broadcasts against ``like`` (B, *D).

    A Python float or 0-d tensor is returned as a 0-d tensor (it broadcasts anyway).
    """
    t = torch.as_tensor(t, dtype=like.dtype, device=like.device)
    if t.dim() == 0:
        return t
    return t.reshape(t.shape[0], *([1] * (like.dim() - 1)))  # (B, 1, ..., 1)


def interpolate(x0: torch.Tensor, x1: torch.Tensor, t: torch.Tensor | float) -> tuple[torch.Tensor, torch.Tensor]:
    """The point at time t on the straight path from noise x0 to data x1, and its velocity.

    Args:
        x0: (B, *D) noise (t = 0).
        x1: (B, *D) data (t = 1).
        t: (B,) one time per sample (or a float), broadcast over the trailing dimensions.
    Returns:
        x_t: (B, *D) = t * x1 + (1 - t) * x0.
        velocity: (B, *D) = x1 - x0, the same at every t (the path is a straight line).
    """
    tt = expand_time(t, x1)  # (B, 1, ..., 1)
    return tt * x1 + (1 - tt) * x0, x1 - x0


def flow_matching_loss(
    velocity: ConditionalVelocity,
    obs: torch.Tensor,
    x1: torch.Tensor,
    generator: torch.Generator | None = None,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Conditional flow-matching loss: E || v(x_t, t | s) - (x1 - x0) ||^2.

    Draws, per sample, noise x0 ~ N(0, I) and a time t ~ U[0, 1) from ``generator``.

    Args:
        velocity: ``velocity(x_t, t, obs)`` with x_t (B, *D), t (B,), obs (B, obs_dim) -> (B, *D).
        obs: (B, obs_dim) conditioning observations.
        x1: (B, *D) data (e.g. normalized actions, (B, H, A)).
        mask: optional (B, H) bool for x1 of shape (B, H, A): padded actions of a chunk
            (False) contribute nothing.
    Returns:
        Scalar: squared error averaged over the valid entries.
    """
    gen_device = generator.device if generator is not None else x1.device
    x0 = torch.randn(x1.shape, generator=generator, device=gen_device, dtype=x1.dtype).to(x1.device)
    t = torch.rand(x1.shape[0], generator=generator, device=gen_device, dtype=x1.dtype).to(x1.device)  # (B,)
    x_t, target = interpolate(x0, x1, t)
    err = (velocity(x_t, t, obs) - target) ** 2  # (B, *D)
    if mask is None:
        return err.mean()
    return masked_mean(err.mean(dim=-1), mask)  # (B, H) per-step errors


def euler(v: VelocityField, x0: torch.Tensor, steps: int, return_path: bool = False) -> torch.Tensor:
    """Integrate dx/dt = v(x, t) from t = 0 to t = 1 with ``steps`` equal Euler steps.

    x_{k+1} = x_k + v(x_k, t_k) * dt,  t_k = k * dt,  dt = 1 / steps.  Costs ``steps`` calls of v.

    Args:
        v: velocity field, v(x (B, *D), t (B,)) -> (B, *D).
        x0: (B, *D) starting points (noise); not modified.
        steps: number of Euler steps (>= 1).
        return_path: also return every intermediate point.
    Returns:
        (B, *D) the points at t = 1, or (steps + 1, B, *D) the whole path if ``return_path``.
    """
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    dt = 1.0 / steps
    x = x0
    path = [x0]
    for k in range(steps):
        t = torch.full((x0.shape[0],), k * dt, dtype=x0.dtype, device=x0.device)  # (B,)
        x = x + v(x, t) * dt
        path.append(x)
    return torch.stack(path) if return_path else x


def sample(
    v: VelocityField,
    shape: tuple[int, ...],
    steps: int,
    generator: torch.Generator | None = None,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """Draw noise x0 ~ N(0, I) of ``shape`` (B, *D) from ``generator`` and flow it to t = 1."""
    gen_device = generator.device if generator is not None else device
    x0 = torch.randn(shape, generator=generator, device=gen_device, dtype=dtype).to(device)
    return euler(v, x0, steps)


def mixture_velocity(
    x: torch.Tensor,
    t: torch.Tensor | float,
    weights: torch.Tensor,
    means: torch.Tensor,
    stds: torch.Tensor,
) -> torch.Tensor:
    """The exact marginal velocity field when the data is a mixture of Gaussians.

    Data x1 ~ sum_k w_k N(mu_k, diag sigma_k^2), noise x0 ~ N(0, I), x_t = t x1 + (1 - t) x0.
    Given component k, (x_t, u = x1 - x0) are jointly Gaussian, per dimension:

        x_t | k ~ N(t mu_k, s_k^2),  s_k^2 = t^2 sigma_k^2 + (1 - t)^2,
        E[u | x_t = x, k] = mu_k + (t sigma_k^2 - (1 - t)) / s_k^2 * (x - t mu_k),

    and the marginal field averages these with the posterior weights of the components,
    gamma_k(x, t) proportional to w_k N(x; t mu_k, s_k^2):  v(x, t) = sum_k gamma_k E[u | x, k].
    At t = 0 every gamma_k = w_k and v(x, 0) = E[x1] - x (every point heads for the mean); as
    t -> 1 the posterior picks the nearest component and v splits between the modes.

    Args:
        x: (B, D) points.
        t: (B,) times in [0, 1] (or a float); t = 1 needs every sigma_k > 0.
        weights: (K,) mixture weights (summing to 1).
        means: (K, D) component means.
        stds: (K, D) component standard deviations.
    Returns:
        (B, D) velocities.
    """
    tt, mu, var, s2, diff, gamma = _mixture_posterior(x, t, weights, means, stds)
    cond_v = mu + (tt * var - (1 - tt)) / s2 * diff  # (B, K, D)
    return (gamma[:, :, None] * cond_v).sum(dim=1)  # (B, D)


def _mixture_posterior(x, t, weights, means, stds):
    """Per component k of the mixture data, at (x, t): the terms both fields below need.

    Returns tt (B, 1, 1) or a 0-dim time, mu and var = sigma^2 (K, D), s2 = t^2 var + (1 - t)^2
    and diff = x - t mu (B, K, D), and the posterior weights gamma (B, K).
    """
    tt = expand_time(t, x)
    tt = tt.reshape(-1, 1, 1) if tt.dim() else tt  # (B, 1, 1): broadcast over (B, K, D)
    mu, var = means.to(x), stds.to(x) ** 2  # (K, D)
    s2 = tt**2 * var + (1 - tt) ** 2  # (B or 1, K, D)
    diff = x[:, None, :] - tt * mu  # (B, K, D)
    log_n = -0.5 * (diff**2 / s2 + torch.log(s2) + math.log(2 * math.pi)).sum(dim=-1)  # (B, K)
    gamma = torch.softmax(torch.log(weights.to(x)) + log_n, dim=-1)  # (B, K)
    return tt, mu, var, s2, diff, gamma


def mixture_denoised(
    x: torch.Tensor,
    t: torch.Tensor | float,
    weights: torch.Tensor,
    means: torch.Tensor,
    stds: torch.Tensor,
) -> torch.Tensor:
    """E[x1 | x_t = x]: the data point a point x at time t is heading for, on average (mixture data).

    Per component (see ``mixture_velocity``) E[x1 | x_t = x, k] = mu_k + t sigma_k^2 / s_k^2 (x - t mu_k),
    averaged with the posterior weights gamma_k(x, t). The marginal field is this guess seen from x:
    v*(x, t) = (E[x1 | x_t = x] - x) / (1 - t) for t < 1 (``mixture_velocity`` computes the same
    thing without the division, so it also holds at t = 1).

    Args and shapes as ``mixture_velocity``: x (B, D), t (B,) or a float, weights (K,),
    means and stds (K, D). Returns (B, D).
    """
    tt, mu, var, s2, diff, gamma = _mixture_posterior(x, t, weights, means, stds)
    cond_x1 = mu + tt * var / s2 * diff  # (B, K, D)
    return (gamma[:, :, None] * cond_x1).sum(dim=1)  # (B, D)


def velocity_from_data(x_t: torch.Tensor, t: torch.Tensor | float, x1_hat: torch.Tensor) -> torch.Tensor:
    """Velocity from a prediction of the data x1 at (x_t, t): (x1_hat - x_t) / (1 - t), for t < 1."""
    return (x1_hat - x_t) / (1 - expand_time(t, x_t))


def velocity_from_noise(x_t: torch.Tensor, t: torch.Tensor | float, x0_hat: torch.Tensor) -> torch.Tensor:
    """Velocity from a prediction of the noise x0 (diffusion's epsilon) at (x_t, t): (x_t - x0_hat) / t, for t > 0."""
    return (x_t - x0_hat) / expand_time(t, x_t)


def data_from_velocity(x_t: torch.Tensor, t: torch.Tensor | float, v: torch.Tensor) -> torch.Tensor:
    """The data point x1 a velocity v at (x_t, t) points at: x_t + (1 - t) v (exact on a straight path)."""
    return x_t + (1 - expand_time(t, x_t)) * v


def noise_from_velocity(x_t: torch.Tensor, t: torch.Tensor | float, v: torch.Tensor) -> torch.Tensor:
    """The noise x0 a velocity v at (x_t, t) comes from: x_t - t v (exact on a straight path)."""
    return x_t - expand_time(t, x_t) * v


def sample_mixture_data(
    n: int, weights: torch.Tensor, means: torch.Tensor, stds: torch.Tensor, generator: torch.Generator | None = None
) -> torch.Tensor:
    """n points from the mixture sum_k w_k N(mu_k, diag sigma_k^2); returns (n, D) on ``means``' device.

    The draws are made on the generator's device (then moved), so a seed gives the same points
    whatever the device of the mixture's parameters.
    """
    gen_device = generator.device if generator is not None else means.device
    k = torch.multinomial(weights.double().to(gen_device), n, replacement=True, generator=generator)  # (n,)
    noise = torch.randn(n, means.shape[1], generator=generator, device=gen_device, dtype=means.dtype)  # (n, D)
    k, noise = k.to(means.device), noise.to(means.device)
    return means[k] + stds.to(means.device)[k] * noise
