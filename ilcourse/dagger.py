"""DAgger and HG-DAgger: expert labels on the learner's own states (notebooks 06 and 07).

Behavioral cloning trains on the states the EXPERT visits; the learner then drives into states
it has never seen. DAgger (Ross, Gordon & Bagnell 2011) repeats:

    1. roll out the current learner (or, with probability beta at each step, the expert),
    2. ask the expert what it would have done in EVERY visited state (the label),
    3. add those (state, expert label) pairs to the dataset (aggregate, never replace),
    4. retrain on everything.

HG-DAgger (Kelly et al. 2019) lets the learner drive and hands control to the expert only while
the state is unsafe; only the takeover steps are labelled and added, so the expert labels far
fewer states.

Here the expert is a function ``expert_act(obs) -> act`` that can label ANY observation (the
worlds' scripted experts can). Every rollout runs one episode of ``env.max_episode_steps``
steps in each sub-environment of a vectorized world.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from ilcourse.data import Demonstrations
from ilcourse.nets import mlp
from ilcourse.normalize import Normalizer
from ilcourse.policies.mse import MSEPolicy
from ilcourse.rollout import first_action
from ilcourse.train import fit

ActFn = Callable[[torch.Tensor], torch.Tensor]


class SensorNormalizer(Normalizer):
    """A normalizer that first clips observation column 0 to [-sensor_range, sensor_range].

    It models a learner whose sensor for the first observation (the tracking world's lateral
    error e) saturates: it cannot tell e = 0.2 from e = 3 when ``sensor_range`` = 0.2. The
    observation itself is not changed (the expert, the world and the dataset see the true e).
    """

    def __init__(self, dim: int, sensor_range: float, eps: float = 1e-6):
        super().__init__(dim, eps)
        self.sensor_range = float(sensor_range)

    def clip(self, x: torch.Tensor) -> torch.Tensor:
        """(..., dim) -> (..., dim) with column 0 clipped to the sensor's range."""
        first = x[..., :1].clamp(-self.sensor_range, self.sensor_range)
        return torch.cat([first, x[..., 1:]], dim=-1)

    @torch.no_grad()
    def fit(self, data: torch.Tensor) -> "SensorNormalizer":
        return super().fit(self.clip(data))

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        return super().normalize(self.clip(x))


def make_learner(obs_dim: int, act_dim: int, hidden: int = 64, depth: int = 2, seed: int = 0,
                 sensor_range: float | None = None) -> MSEPolicy:
    """A small deterministic policy (MLP with tanh units) with weights initialised from ``seed``.

    With ``sensor_range`` the learner reads observation column 0 through a saturating sensor
    (``SensorNormalizer``): an observation that aliases states, the learner's own limitation.

    Tanh units saturate: far outside its training data the network keeps outputting about what
    it outputs at the edge of the data, instead of extrapolating a straight line. (A ReLU
    network extrapolates linearly, which happens to be right for a linear feedback expert;
    real experts are not linear, and the lesson should not hinge on that luck.)
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        policy = MSEPolicy(obs_dim, act_dim, hidden=hidden, depth=depth)
        policy.net = mlp(obs_dim, act_dim, hidden, depth, activation=nn.Tanh)
    if sensor_range is not None:
        policy.obs_norm = SensorNormalizer(obs_dim, sensor_range)
    return policy


@torch.no_grad()
def expert_gated_rollout(
    env, learner_act: ActFn, expert_act: ActFn, expert_drives: Callable[[torch.Tensor], torch.Tensor], seed: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """One episode per environment where ``expert_drives(obs)`` (N,) bool picks who acts, step by step.

    At every step the observation and the expert's label ``expert_act(obs)`` are recorded; the
    expert's action is executed where ``expert_drives(obs)`` is True, the learner's elsewhere.
    DAgger's beta-mixture and HG-DAgger's takeovers are two choices of ``expert_drives``.

    Returns:
        obs (N, T, obs_dim) the observations before each action; labels (N, T, A) the expert's
        actions there; expert (N, T) bool who drove; cost (N,) the total cost of each episode.
    """
    world = env.unwrapped
    n, horizon = world.num_envs, world.max_episode_steps
    if hasattr(expert_drives, "reset"):  # a gate with memory (``TakeoverGate``) starts every rollout afresh
        expert_drives.reset(n)
    obs, _ = env.reset(seed=seed)
    seen, labels, gates = [], [], []
    cost = torch.zeros(n, device=obs.device)
    for _ in range(horizon):
        expert = expert_drives(obs)  # (N,) bool
        label = expert_act(obs)  # (N, A)
        seen.append(obs)
        labels.append(label)
        gates.append(expert)
        obs, _, _, _, info = env.step(torch.where(expert[:, None], label, learner_act(obs)))
        cost += info["cost"]
    return torch.stack(seen, dim=1), torch.stack(labels, dim=1), torch.stack(gates, dim=1), cost


@torch.no_grad()
def rollout_and_label(
    env, learner_act: ActFn, expert_act: ActFn, beta: float, seed: int, generator: torch.Generator
) -> Demonstrations:
    """Roll out the beta-mixture for one episode per environment; label every visited state.

    At every step and in every environment independently, the expert's action is executed with
    probability ``beta`` (draw ``torch.rand(N, generator=generator) < beta``), else the
    learner's. The label stored for EVERY visited observation is the expert's action there.

    Args:
        env: a vectorized world (``TorchVectorEnv``); N = num_envs, T = max_episode_steps.
        beta: probability of executing the expert's action at a step (1 = expert drives).
    Returns:
        Demonstrations with N*T rows, episode by episode (row n*T + t = env n, step t):
        obs (N*T, obs_dim) the observations before each action, act (N*T, act_dim) the expert's
        labels, episode (N*T,) = the environment index n.
    """
    def use_expert(obs: torch.Tensor) -> torch.Tensor:  # (N,) one draw per environment and step
        return torch.rand(obs.shape[0], generator=generator, device=generator.device).to(obs.device) < beta

    obs_all, act_all, _, _ = expert_gated_rollout(env, learner_act, expert_act, use_expert, seed)  # (N, T, ...)
    n, horizon = obs_all.shape[:2]
    episode = torch.arange(n, device=obs_all.device).repeat_interleave(horizon)  # (N*T,)
    return Demonstrations(obs=obs_all.reshape(n * horizon, -1), act=act_all.reshape(n * horizon, -1), episode=episode)


def dagger_round(
    policy,
    data: Demonstrations,
    env,
    expert_act: ActFn,
    beta: float,
    seed: int,
    generator: torch.Generator,
    fit_steps: int = 300,
    batch_size: int = 256,
    lr: float = 3e-3,
) -> Demonstrations:
    """One DAgger round: roll out the beta-mixture, label, aggregate, retrain ``policy`` in place.

    Returns:
        the aggregated dataset ``data`` + the newly labelled states (``data`` is not modified).
    """
    new = rollout_and_label(env, first_action(policy), expert_act, beta, seed, generator)
    aggregated = data.cat(new)
    fit(policy, aggregated, steps=fit_steps, batch_size=batch_size, lr=lr, generator=generator, progress=False)
    return aggregated


def dagger(
    policy,
    demos: Demonstrations,
    env,
    expert_act: ActFn,
    betas: list[float],
    seed: int,
    generator: torch.Generator,
    fit_steps: int = 300,
    after_round: Callable[[int, object, Demonstrations], None] | None = None,
) -> tuple[Demonstrations, list[int]]:
    """The DAgger loop: train on ``demos`` (round 0, behavioral cloning), then one round per beta.

    Round i (1-based) rolls out with ``betas[i-1]`` and environment seed ``seed + 1000 * i``.
    ``after_round(i, policy, data)`` is called after round 0 and after every round.

    Returns:
        the final aggregated dataset and the number of expert labels in it after each round
        (entry 0 = the demonstrations).
    """
    fit(policy, demos, steps=fit_steps, lr=3e-3, generator=generator, progress=False)
    data, labels = demos, [len(demos)]
    if after_round is not None:
        after_round(0, policy, data)
    for i, beta in enumerate(betas, start=1):
        data = dagger_round(policy, data, env, expert_act, beta, seed + 1000 * i, generator, fit_steps)
        labels.append(len(data))
        if after_round is not None:
            after_round(i, policy, data)
    return data, labels


class TakeoverGate:
    """An expert who watches the learner drive and takes over like a person would (HG-DAgger's gate).

    Per environment, from the lateral error e = obs[:, 0]:

    * while the learner drives and no takeover is pending, |e| > ``enter`` makes the expert decide
      to take over; it gets control ``delay`` steps later (its reaction time; with ``delay`` = 0 at
      once), whatever happens in between, and drives that arrival step whatever |e| is then;
    * from the next step on, while the expert drives, it keeps control until |e| < ``leave``
      (hysteresis: ``leave`` < ``enter``, so control does not flicker at the threshold) and hands
      back at that step (the learner drives it).

    ``reset(num_envs)`` starts over (learner driving, nothing pending); ``gate(obs)`` returns an (N,)
    bool tensor, True where the expert drives at this step.
    """

    def __init__(self, enter: float, leave: float, delay: int = 0):
        if not leave <= enter:
            raise ValueError(f"leave ({leave}) must not exceed enter ({enter})")
        self.enter, self.leave, self.delay = float(enter), float(leave), int(delay)
        self.reset(1)

    def reset(self, num_envs: int) -> None:
        self.driving = torch.zeros(num_envs, dtype=torch.bool)
        self.wait = torch.full((num_envs,), -1, dtype=torch.int64)  # steps until a decided takeover; -1: none

    def __call__(self, obs: torch.Tensor) -> torch.Tensor:
        e = obs[:, 0].abs().to(self.driving.device)
        notice = ~self.driving & (self.wait < 0) & (e > self.enter)
        self.wait = torch.where(notice, torch.full_like(self.wait, self.delay), self.wait)
        take = self.wait == 0
        self.wait = torch.where(self.wait >= 0, self.wait - 1, self.wait)
        self.driving = (self.driving & (e >= self.leave)) | take
        return self.driving.clone().to(obs.device)


def gated_rollout(
    env, learner_act: ActFn, expert_act: ActFn, is_unsafe: Callable[[torch.Tensor], torch.Tensor], seed: int
) -> tuple[Demonstrations, torch.Tensor]:
    """HG-DAgger's data collection: the learner drives; the expert takes over on unsafe states.

    At every step, where ``is_unsafe(obs)`` is True the expert's action is executed and the
    (obs, expert action) pair is recorded; elsewhere the learner acts and nothing is recorded.
    ``is_unsafe`` may be a stateful gate (``TakeoverGate``): its ``reset(N)`` is called first.

    Returns:
        takeover: Demonstrations of the takeover steps only (episode = environment index, rows
            in time order within each environment).
        cost: (N,) total cost of each episode.
    """
    obs, labels, keep, cost = expert_gated_rollout(env, learner_act, expert_act, is_unsafe, seed)  # keep: (N, T)
    n, horizon = keep.shape
    episode = torch.arange(n, device=keep.device)[:, None].expand(n, horizon)  # (N, T)
    return Demonstrations(obs=obs[keep], act=labels[keep], episode=episode[keep]), cost


def hg_dagger_round(
    policy,
    data: Demonstrations,
    env,
    expert_act: ActFn,
    is_unsafe: Callable[[torch.Tensor], torch.Tensor],
    seed: int,
    generator: torch.Generator,
    fit_steps: int = 300,
    lr: float = 3e-3,
) -> tuple[Demonstrations, int]:
    """One HG-DAgger round: gated rollout, add only the takeover steps, retrain in place.

    Returns:
        the aggregated dataset and the number of expert labels this round (takeover steps).
    """
    takeover, _ = gated_rollout(env, first_action(policy), expert_act, is_unsafe, seed)
    aggregated = data.cat(takeover) if len(takeover) else data
    fit(policy, aggregated, steps=fit_steps, lr=lr, generator=generator, progress=False)
    return aggregated, len(takeover)
