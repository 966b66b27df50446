"""Compounding errors: the cost of a small per-step error rate over a long horizon (notebook 06).

The tightrope (``ilcourse.envs.tightrope``) is the textbook model: a walker that slips with
probability ``eps`` per step and can never climb back pays one unit per step off the rope.

    P(off the rope after step t)  = 1 - (1 - eps)^t
    expected cost over T steps    = sum_{t=1..T} (1 - (1 - eps)^t)
    union bound                   <= sum_{t=1..T} eps t = eps T (T + 1) / 2      (so O(eps T^2))

A learner that recovers in about ``u`` steps instead pays about ``u eps T`` (O(eps T)).

The general argument (any world, not only the tightrope): a learner that errs with probability
eps per step on the training distribution is, at step t, still on it with probability at
least (1 - eps)^t, so its state distribution is a mixture

    p_theta(s_t) = (1 - eps)^t p_train(s_t) + (1 - (1 - eps)^t) p_mistake(s_t)
    sum_s |p_theta(s_t) - p_train(s_t)| = (1 - (1 - eps)^t) sum_s |p_mistake - p_train| <= 2 eps t

and with a cost in [0, 1] whose mean under p_train is at most eps, the expected cost of step t
is at most eps + 2 eps t: over T steps  eps T + eps T (T + 1) = O(eps T^2)  (``cost_bound``).
These are the reference versions of the notebook's exercises, plus the measurement helpers
(Monte-Carlo on the vectorized world, the cost of every horizon from one rollout, a slope fit).
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch

from ilcourse.collect import noise_injected_demonstrations
from ilcourse.data import Demonstrations
from ilcourse.envs.tightrope import TightropeVecEnv, expert as tightrope_expert

# Notebooks 06-07: the tracking world where the learner's OWN errors compound. It is unstable
# (lambda = 1) with a ditch at |e| = 4 and lateral noise; the learner reads the lateral error
# through a sensor that saturates at +-SENSOR_RANGE (``ilcourse.dagger.make_learner``), so
# which action it takes beyond that range is decided by the states it was trained on.
ALIASED_WORLD = dict(instability=1.0, noise_std=0.1, max_error=4.0, half_width=0.4)
SENSOR_RANGE = 0.1


def prob_off_rope(eps: float, t: torch.Tensor) -> torch.Tensor:
    """Probability of having fallen at or before step t (falls are forever).

    Args:
        eps: per-step slip probability in [0, 1].
        t: (K,) int64 step indices, t >= 0 (t = 0 is before the first step).
    Returns:
        (K,) float64 probabilities 1 - (1 - eps)^t.
    """
    return 1.0 - (1.0 - eps) ** t.to(torch.float64)


def expected_cost(eps: float, horizon: int) -> float:
    """Exact expected number of steps off the rope in an episode of ``horizon`` steps.

    Every step t = 1..T costs 1 if the walker has fallen at or before t.
    """
    t = torch.arange(1, horizon + 1, dtype=torch.int64)
    return float(prob_off_rope(eps, t).sum())


def state_distribution(p_train: torch.Tensor, p_mistake: torch.Tensor, eps: float, t: torch.Tensor) -> torch.Tensor:
    """The learner's state distribution at steps ``t``: still on p_train with prob. (1 - eps)^t.

    Args:
        p_train: (S,) distribution over S states (the training distribution).
        p_mistake: (S,) distribution after a mistake.
        eps: per-step mistake probability in [0, 1].
        t: (K,) int64 steps >= 0.
    Returns:
        (K, S) in the dtype of ``p_train``: row k is (1-eps)^t_k p_train + (1 - (1-eps)^t_k) p_mistake.
    """
    keep = ((1.0 - eps) ** t.to(torch.float64)).to(p_train.dtype)[:, None]  # (K, 1)
    return keep * p_train + (1.0 - keep) * p_mistake  # (K, S)


def total_variation(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """sum_s |p(s) - q(s)| over the last dimension (the lecture's convention: between 0 and 2).

    Args:
        p, q: (..., S) distributions (broadcastable).
    Returns:
        (...,) the distance, in the inputs' dtype.
    """
    return (p - q).abs().sum(dim=-1)


def cost_bound(eps: float, horizon: int) -> float:
    """Sum over t = 1..T of (eps + 2 eps t): eps T + eps T (T + 1), the O(eps T^2) bound."""
    return eps * horizon + eps * horizon * (horizon + 1)


@torch.no_grad()
def dart_demonstrations(env, expert_act: Callable[[torch.Tensor], torch.Tensor], noise_std: float, seed: int,
                        generator: torch.Generator) -> Demonstrations:
    """Expert demonstrations with injected noise and CLEAN labels (DART-style), one episode per env.

    At every step: record the observation and the expert's action there (the label), then
    execute the label plus ``noise_std`` times one ``torch.randn((N, A), generator=generator)``
    draw (independent across environments and action dimensions).

    This is notebook 08's collection loop with fresh noise every step
    (``ilcourse.collect.noise_injected_demonstrations``, ``correlation=0``): one implementation.

    Returns:
        Demonstrations with N*T rows, environment by environment (row n*T + t = env n, step t),
        in a world whose episodes all last T steps (the tracking world):
        obs (N*T, obs_dim), act (N*T, A) the clean labels, episode (N*T,) = n.
    """
    demos, _ = noise_injected_demonstrations(env, expert_act, noise_std, seed=seed, generator=generator)
    return demos


def union_bound(eps: float, horizon: int) -> float:
    """Union bound on the expected cost: P(fallen by t) <= eps t, summed over t = 1..T."""
    return eps * horizon * (horizon + 1) / 2.0


@torch.no_grad()
def monte_carlo_cost(eps: float, horizon: int, num_envs: int, seed: int = 0, device: torch.device | str = "cpu") -> float:
    """Average cost of ``num_envs`` tightrope episodes walked by the (slipping) expert.

    One episode per environment: ``horizon`` steps of the vectorized absorbing tightrope,
    summing ``info["cost"]`` at every step. Deterministic for a given seed.
    """
    env = TightropeVecEnv(num_envs=num_envs, device=device, eps=eps, horizon=horizon, absorbing=True)
    obs, _ = env.reset(seed=seed)
    total = torch.zeros(num_envs, dtype=torch.float64, device=env.device)
    for _ in range(horizon):
        obs, _, _, _, info = env.step(tightrope_expert(obs))
        total += info["cost"].to(torch.float64)
    return float(total.mean())


def loglog_slope(horizons: np.ndarray | torch.Tensor, costs: np.ndarray | torch.Tensor) -> float:
    """Least-squares slope of log(cost) against log(T): cost ~ c T^slope.

    Args:
        horizons: (K,) positive horizons T.
        costs: (K,) positive costs at those horizons.
    Returns:
        the fitted exponent (2 for c T^2, 1 for c T), as a float.
    """
    x = torch.log(torch.as_tensor(horizons, dtype=torch.float64))
    y = torch.log(torch.as_tensor(costs, dtype=torch.float64))
    xc = x - x.mean()
    return float((xc * (y - y.mean())).sum() / (xc * xc).sum())


@torch.no_grad()
def cost_per_step(env, act_fn: Callable[[torch.Tensor], torch.Tensor], seed: int = 0, record_obs: bool = False):
    """Roll ``act_fn`` for one episode of ``env.max_episode_steps`` steps in every sub-environment.

    Returns:
        cost: (N, T) float32, the cost paid at each step t = 1..T.
        obs: (N, T, obs_dim) the observations the actions were chosen from (only if ``record_obs``).
    """
    world = env.unwrapped
    obs, _ = env.reset(seed=seed)
    costs, seen = [], []
    for _ in range(world.max_episode_steps):
        if record_obs:
            seen.append(obs)
        obs, _, _, _, info = env.step(act_fn(obs))
        costs.append(info["cost"])
    cost = torch.stack(costs, dim=1)  # (N, T)
    return (cost, torch.stack(seen, dim=1)) if record_obs else cost


def cost_vs_horizon(cost: torch.Tensor) -> torch.Tensor:
    """Mean cost of an episode of every horizon T = 1..T_max, from one long rollout.

    Valid when neither the world nor the policy depends on the horizon (the tracking world's
    observation has no clock), so the first T steps of a long episode ARE an episode of length T.

    Args:
        cost: (N, T_max) per-step costs.
    Returns:
        (T_max,) float64: entry T-1 is the mean over the N episodes of sum_{t<=T} cost.
    """
    return cost.to(torch.float64).cumsum(dim=1).mean(dim=0)


def tightrope_prediction(eps: float, horizons: np.ndarray) -> np.ndarray:
    """Exact tightrope cost at several horizons (a vectorized convenience for plots)."""
    return np.array([expected_cost(eps, int(h)) for h in horizons])


def saturation_horizon(eps: float) -> float:
    """Horizon 1/eps where the quadratic regime bends: the walker has probably fallen by then."""
    return 1.0 / eps if eps > 0 else math.inf
