"""How demonstrations are collected: noise injection with clean labels, and a wandering hand.

* ``noisy_expert_act_fn`` executes the expert's action plus Gaussian noise; ``relabel`` replaces
  the recorded actions by the expert's clean ones (DART-style noise injection: the data visits
  the states a perturbed execution reaches, the labels say how to recover from them).
* ``WanderingDemonstrator`` is a demonstrator whose hand drifts (an AR(1) offset per
  environment); ``collect_demonstrations`` records what it executes, wander included.
* ``wander_regression_gain``, ``open_loop_multiplier`` and ``tracking_error_gains`` explain and
  measure why a single-step learner trained on a wandering hand can drift, while chunks (or clean
  labels) do not.
* Notebook 08: ``noise_injected_demonstrations`` is the collection loop the learner writes (one
  episode per sub-environment, AR(1) noise in the executed action, clean labels, episode
  boundaries respected); ``coverage`` the nearest-neighbour coverage of query states by a
  dataset; ``MistakeDemonstrator`` a demonstrator who slips now and then and corrects.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Callable

import torch

from ilcourse.data import Demonstrations

PlanFn = Callable[[torch.Tensor], torch.Tensor]  # (B, obs_dim) -> (B, A) or (B, H, A)
ActFn = Callable[[torch.Tensor], torch.Tensor]   # (N, obs_dim) -> (N, A)


# -- data collection with noise injection -------------------------------------------------------------
def noisy_expert_act_fn(expert_fn: PlanFn, noise_std: float, generator: torch.Generator | None = None) -> PlanFn:
    """Execute the expert's action plus Gaussian noise (labels are recorded separately, clean).

    Args:
        expert_fn: (N, obs_dim) -> (N, A), an expert that can label any observation.
        noise_std: standard deviation of the noise added to the executed action.
    """

    def act(obs: torch.Tensor) -> torch.Tensor:
        clean = expert_fn(obs)
        gen_device = generator.device if generator is not None else clean.device
        noise = torch.randn(clean.shape, generator=generator, device=gen_device).to(clean.device)
        return clean + noise_std * noise

    return act


def relabel(demos: Demonstrations, expert_fn: PlanFn) -> Demonstrations:
    """The same states with the expert's CLEAN actions as labels."""
    return dataclasses.replace(demos, act=expert_fn(demos.obs))


# -- learned feedback near the track: why a single-step learner can drift in a stable world -----------
def wander_regression_gain(rho: float, correlation: float, b: float) -> float:
    """The slope K of the best linear prediction of a demonstrator's wander xi_t from the error e_t.

    Near the track the error of the demonstrations obeys e_{t+1} = rho e_t + b xi_t, where rho
    is the demonstrator's own closed loop (the world's 1 + lambda dt if it applies no feedback),
    b = dt * u_max, and xi is an AR(1) wander with correlation phi and stationary variance s^2.
    So e_t = b sum_{k>=1} rho^(k-1) xi_(t-k) is the world's low-pass filter of the PAST wander,
    which the wander's persistence carries into xi_t:

        Cov(xi_t, e_t) = b s^2 phi / (1 - rho phi)
        Var(e_t)       = b^2 s^2 (1 + rho phi) / ((1 - rho^2) (1 - rho phi))
        K              = Cov / Var = phi (1 - rho^2) / (b (1 + rho phi))

    Returns:
        K in action units per unit of error (s cancels).
    """
    return correlation * (1.0 - rho**2) / (b * (1.0 + rho * correlation))


def open_loop_multiplier(rho: float, b: float, gains) -> float:
    """What one executed chunk does to an error, in the linear world e_{t+1} = rho e_t + b a_t.

    If the chunk planned at e_t has actions a_(t+k) = gains[k] * e_t (plus terms that do not
    depend on e_t), then after its H = len(gains) steps

        e_(t+H) = m e_t,   m = rho^H + b * sum_k rho^(H-1-k) gains[k].

    With H = 1 this is the single-step closed loop rho + b K; |m| < 1 contracts.
    """
    h = len(gains)
    return rho**h + b * sum(rho ** (h - 1 - k) * float(g) for k, g in enumerate(gains))


@torch.no_grad()
def tracking_error_gains(plan: PlanFn, delta: float = 0.1, num_phases: int = 64) -> torch.Tensor:
    """How a tracking policy's chunk reacts to the lateral error: d a_(t+k) / d e_t.

    Central differences at e = +-delta on observations (e, sin(phase), cos(phase)), averaged
    over ``num_phases`` phases around the loop.

    Args:
        plan: (B, 3) -> (B, H, A), e.g. ``policy.sample``.
    Returns:
        (H, A) the slope of every planned action with respect to the error.
    """
    phase = torch.linspace(0.0, 2.0 * math.pi, num_phases + 1)[:-1]  # (P,)

    def at(e: float) -> torch.Tensor:
        return torch.stack([torch.full_like(phase, e), torch.sin(phase), torch.cos(phase)], dim=-1)  # (P, 3)

    slope = (plan(at(delta)) - plan(at(-delta))) / (2.0 * delta)  # (P, H, A)
    return slope.mean(dim=0)


class WanderingDemonstrator:
    """An ``act_fn``: a demonstrator whose hand wanders. It executes ``act_fn(obs) + offset``.

    The offset of each environment drifts slowly, an AR(1) process with stationary std ``std``:

        offset_{t+1} = correlation * offset_t + sqrt(1 - correlation^2) * std * n_t,   n_t ~ N(0, I)

    and every new episode draws a fresh offset ~ N(0, std^2 I) (``reset(mask)``, which
    ``evaluate`` calls). ``collect_demonstrations`` records the EXECUTED actions, wander
    included, as the labels, which is what recording a human's hand gives; relabel the states
    with the intended ``act_fn`` (``relabel``) to get noise injection with
    clean labels instead.

    Args:
        act_fn: the intended action, (N, obs_dim) -> (N, act_dim).
        num_envs: N.  act_dim: A.
        correlation: phi in [0, 1): how much of the offset survives one step.
        std: the offset's stationary standard deviation.
    """

    def __init__(self, act_fn: ActFn, num_envs: int, act_dim: int, correlation: float, std: float,
                 generator: torch.Generator | None = None, device: torch.device | str = "cpu"):
        if not 0.0 <= correlation < 1.0:
            raise ValueError(f"correlation must be in [0, 1), got {correlation}")
        self.act_fn, self.correlation, self.std, self.generator = act_fn, correlation, std, generator
        self.offset = torch.zeros(num_envs, act_dim, device=device)  # (N, A) the current wander

    def _normal(self) -> torch.Tensor:
        gen_device = self.generator.device if self.generator is not None else self.offset.device
        return torch.randn(self.offset.shape, generator=self.generator, device=gen_device).to(self.offset.device)

    def reset(self, mask: torch.Tensor) -> None:
        """Environments where ``mask`` (N,) is True start a new episode with a fresh offset."""
        fresh = self.std * self._normal()  # (N, A)
        self.offset = torch.where(mask.to(self.offset.device)[:, None], fresh, self.offset)

    def __call__(self, obs: torch.Tensor) -> torch.Tensor:
        """(N, obs_dim) -> (N, A): the intended action plus the current offset; then the offset drifts."""
        act = self.act_fn(obs) + self.offset.to(obs.device)
        keep = math.sqrt(1.0 - self.correlation**2)
        self.offset = self.correlation * self.offset + keep * self.std * self._normal()
        return act


# -- the collection loop of notebook 08: noise in the executed action, the expert's clean label ------
@torch.no_grad()
def noise_injected_demonstrations(env, expert_fn: PlanFn, noise_std: float, correlation: float = 0.0,
                                  seed: int = 0, generator: torch.Generator | None = None
                                  ) -> tuple[Demonstrations, torch.Tensor]:
    """One episode per sub-environment, executing the expert's action plus noise; labels stay clean.

    Every sub-environment of ``env`` (N of them) runs exactly one episode from ``env.reset(seed=seed)``.
    At each step the executed action is ``expert_fn(obs) + xi`` with an AR(1) noise per
    environment and action dimension, stationary from the first step:

        xi_0 ~ N(0, noise_std^2),  xi_{t+1} = correlation * xi_t + sqrt(1 - correlation^2) * noise_std * n_t

    (``correlation = 0``: fresh Gaussian noise every step, as in DART). The label recorded at
    each visited observation is the expert's clean action there.

    Args:
        env: a vectorized world (autoreset in the same step: steps after an episode's end are dropped).
        expert_fn: (N, obs_dim) -> (N, A), the expert's action at any observation.
        generator: the only source of randomness (the world's own randomness comes from ``seed``).
    Returns:
        demos: ``Demonstrations`` with obs (M, obs_dim), act (M, A) the clean labels, episode (M,)
            = the sub-environment's index; each episode's transitions contiguous, in time order.
        executed: (M, A) the actions sent to ``env.step`` (before the world clips them), row by row.
    """
    world = getattr(env, "unwrapped", env)  # a gymnasium env, or any object with its attributes
    n, horizon = world.num_envs, world.max_episode_steps
    obs, _ = env.reset(seed=seed)
    device = obs.device
    gen_device = generator.device if generator is not None else device

    def normal(shape):
        return torch.randn(shape, generator=generator, device=gen_device).to(device)

    keep = math.sqrt(1.0 - correlation**2)
    running = torch.ones(n, dtype=torch.bool, device=device)
    xi = None
    rows_obs, rows_clean, rows_exec, rows_live = [], [], [], []
    for _ in range(horizon):
        clean = expert_fn(obs)  # (N, A)
        xi = noise_std * normal(clean.shape) if xi is None else correlation * xi + keep * noise_std * normal(clean.shape)
        executed = clean + xi
        rows_obs.append(obs)
        rows_clean.append(clean)
        rows_exec.append(executed)
        rows_live.append(running)
        obs, _, terminated, truncated, _ = env.step(executed)
        running = running & ~(terminated | truncated)
        if not bool(running.any()):
            break
    lengths = torch.stack(rows_live, dim=1).sum(dim=1)  # (N,) steps of each episode
    demos = Demonstrations.from_trajectories(torch.stack(rows_obs, 1), torch.stack(rows_clean, 1), lengths)
    executed = Demonstrations.from_trajectories(torch.stack(rows_obs, 1), torch.stack(rows_exec, 1), lengths).act
    return demos, executed


def coverage(data_obs: torch.Tensor, query_obs: torch.Tensor, radius: float) -> torch.Tensor:
    """Which query states have a demonstrated state within ``radius`` (Euclidean distance).

    Args:
        data_obs: (M, D) the states of a dataset.  query_obs: (Q, D) states to ask about.
    Returns:
        (Q,) bool, True where min_m ||query_q - data_m|| <= radius.
    """
    d2 = ((query_obs[:, None, :] - data_obs[None, :, :]) ** 2).sum(dim=-1)  # (Q, M)
    return d2.min(dim=1).values <= radius**2


class MistakeDemonstrator:
    """An ``act_fn``: a demonstrator who now and then makes a mistake and then corrects it.

    While not in a mistake, each step a mistake starts with probability ``rate``: for ``length``
    steps the executed action is the intended one plus ``size`` in a random direction (a jerk
    of the wheel); then the intended ``act_fn`` takes over again and corrects. Recorded as is,
    the data holds the mistakes AND the corrections; the mistakes are the rows whose action
    differs from ``act_fn(obs)``.
    """

    def __init__(self, act_fn: ActFn, num_envs: int, rate: float, length: int, size: float,
                 generator: torch.Generator | None = None, device: torch.device | str = "cpu"):
        self.act_fn, self.rate, self.length, self.size, self.generator = act_fn, rate, length, size, generator
        self.remaining = torch.zeros(num_envs, dtype=torch.int64, device=device)  # steps left in the mistake
        self.sign = torch.ones(num_envs, device=device)

    def _uniform(self) -> torch.Tensor:
        gen_device = self.generator.device if self.generator is not None else self.sign.device
        return torch.rand(self.sign.shape, generator=self.generator, device=gen_device).to(self.sign.device)

    def reset(self, mask: torch.Tensor) -> None:
        self.remaining = torch.where(mask.to(self.remaining.device), 0, self.remaining)

    def __call__(self, obs: torch.Tensor) -> torch.Tensor:
        start = (self.remaining == 0) & (self._uniform() < self.rate)
        self.sign = torch.where(start, torch.where(self._uniform() < 0.5, -1.0, 1.0), self.sign)
        self.remaining = torch.where(start, self.length, self.remaining)
        push = torch.where(self.remaining > 0, self.size * self.sign, 0.0)  # (N,)
        self.remaining = (self.remaining - 1).clamp_min(0)
        return self.act_fn(obs) + push[:, None].to(obs.device)
