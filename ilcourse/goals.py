"""Goal-conditioned imitation: hindsight relabeling, GCSL, held-out evaluation (notebook 10).

A goal-conditioned policy pi(a | s, g) reads the goal in its observation: in
``ilcourse/TwoRooms-v0`` an observation is (x, y, goal_x, goal_y). Any trajectory, even random
play, demonstrates how to reach the states it actually reached: **relabeling** replaces the
goal columns of its observations by such a state. Here a buffer of transitions is

    obs      (M, 4)  o_t, with the goal that was commanded while collecting
    act      (M, 2)  a_t, the executed action
    achieved (M, 2)  the position a_t led to (the position in o_{t+1}; for an episode's last
                     step the final observation's)
    episode  (M,)    int64 episode ids: an episode's transitions are contiguous and in time
                     order; the ids themselves need not be sorted or consecutive

and a relabeling strategy maps (achieved, episode, generator) to new goals (M, 2):

* ``final_goals``: every transition of an episode gets the position the episode ended in;
* ``future_goals``: transition t gets ``achieved[j]`` for j uniform in {t, ..., last step of its
  episode}, i.e. a state reached 1 to L - t steps later, drawn independently per transition.

GCSL (``gcsl_iteration``) iterates: collect with the current policy plus exploration noise,
relabel, add to the buffer, train by behavioral cloning on the whole buffer.
``success_on_goals`` measures a policy on held-out goals, one episode per goal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import gymnasium as gym
import torch

from ilcourse.data import Demonstrations
from ilcourse.rollout import evaluate
from ilcourse.train import fit

WORLD = "ilcourse/TwoRooms-v0"
GOAL = slice(2, 4)  # the goal's columns in an observation
Relabel = Callable[[torch.Tensor, torch.Tensor, "torch.Generator | None"], torch.Tensor]


def episode_last_index(episode: torch.Tensor) -> torch.Tensor:
    """(M,) int64: for each transition, the index of the last transition of its episode.

    Episodes are contiguous blocks of equal ids (in any order of ids): a block ends where the
    next id differs, or at the end of the buffer.
    """
    m = episode.shape[0]
    ends = torch.ones(m, dtype=torch.bool, device=episode.device)
    ends[:-1] = episode[1:] != episode[:-1]  # (M,) True at the last row of each block
    block = torch.cumsum(ends.to(torch.int64), 0) - ends.to(torch.int64)  # (M,) block number of each row
    return torch.nonzero(ends).squeeze(1)[block]


def final_goals(achieved: torch.Tensor, episode: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """(M, G): every transition's goal is the position its episode ended in (``generator`` unused)."""
    return achieved[episode_last_index(episode)]


def future_goals(achieved: torch.Tensor, episode: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """(M, G): transition t's goal is ``achieved[j]``, j uniform in {t, ..., last of its episode},
    one independent draw per transition from ``generator``."""
    m = episode.shape[0]
    t = torch.arange(m, device=episode.device)
    remaining = episode_last_index(episode) - t + 1  # (M,) choices j = t, ..., last
    gen_device = generator.device if generator is not None else torch.device("cpu")
    u = torch.rand(m, generator=generator, device=gen_device, dtype=torch.float64).to(episode.device)
    j = t + torch.clamp((u * remaining).to(torch.int64), max=remaining - 1)
    return achieved[j]


def with_goals(obs: torch.Tensor, goals: torch.Tensor) -> torch.Tensor:
    """A copy of observations (M, 4) whose goal columns are ``goals`` (M, 2)."""
    out = obs.clone()
    out[:, GOAL] = goals.to(obs.dtype)
    return out


@dataclass
class Transitions:
    """Collected episodes as flat transitions (see the module docstring)."""

    obs: torch.Tensor
    act: torch.Tensor
    achieved: torch.Tensor
    episode: torch.Tensor
    success_rate: float  # share of the collected episodes that reached their commanded goal


def collect(env, act_fn, seed: int = 0) -> Transitions:
    """One episode per sub-environment of ``env`` with ``act_fn``, flattened to transitions."""
    run = evaluate(env, act_fn, num_episodes=env.unwrapped.num_envs, seed=seed, record=True)
    steps = run.act.shape[1]
    valid = torch.arange(steps, device=run.act.device)[None, :] < run.lengths[:, None]  # (E, T)
    episode = torch.arange(run.act.shape[0], device=run.act.device)[:, None].expand(-1, steps)
    return Transitions(obs=run.obs[:, :steps][valid], act=run.act[valid], achieved=run.obs[:, 1:, :2][valid],
                       episode=episode[valid], success_rate=run.success_rate)


def noisy(act_fn, noise_std: float, generator: torch.Generator | None):
    """``act_fn(obs)`` plus independent N(0, noise_std^2) noise per row and dimension, from ``generator``."""

    @torch.no_grad()
    def act(obs: torch.Tensor) -> torch.Tensor:
        a = act_fn(obs)
        gen_device = generator.device if generator is not None else a.device
        return a + noise_std * torch.randn(a.shape, generator=generator, device=gen_device).to(a.device)

    return act


def policy_act_fn(policy) -> Callable[[torch.Tensor], torch.Tensor]:
    """(N, 4) -> (N, 2): a deterministic policy's action (the first of its chunk)."""
    return lambda obs: policy.sample(obs)[:, 0]


def gcsl_iteration(policy, buffer: Demonstrations | None, env, relabel: Relabel | None, generator: torch.Generator,
                   steps: int = 150, noise_std: float = 0.5, seed: int = 0, batch_size: int = 256,
                   lr: float = 1e-3) -> tuple[Demonstrations, float]:
    """One GCSL round: collect with the policy plus noise, relabel, add to the buffer, train.

    ``relabel=None`` keeps the commanded goals (no hindsight: the baseline). Returns the new
    buffer (``buffer`` itself is not modified) and the share of the collected episodes that
    reached their commanded goal.
    """
    act_fn = noisy(policy_act_fn(policy), noise_std, generator)
    batch = collect(env, act_fn, seed=seed)
    obs = batch.obs if relabel is None else with_goals(batch.obs, relabel(batch.achieved, batch.episode, generator))
    new = Demonstrations(obs=obs, act=batch.act, episode=batch.episode)
    buffer = new if buffer is None else buffer.cat(new)
    fit(policy, buffer, steps=steps, batch_size=batch_size, lr=lr, generator=generator, progress=False)
    return buffer, batch.success_rate


def success_on_goals(act_fn, goals: torch.Tensor, seed: int = 0, **params) -> torch.Tensor:
    """(G,) bool: did the first episode of sub-environment i reach ``goals[i]`` (G, 2)?

    One sub-environment per goal, on ``goals.device``, reset with ``seed`` and the goals fixed;
    ``act_fn`` (G, 4) -> (G, 2) acts until every first episode has ended.
    """
    env = gym.make_vec(WORLD, num_envs=goals.shape[0], device=goals.device, **params)
    obs, _ = env.reset(seed=seed, options={"goal": goals})
    reached = torch.zeros(goals.shape[0], dtype=torch.bool, device=goals.device)
    running = torch.ones_like(reached)
    for _ in range(env.unwrapped.max_episode_steps):
        obs, _, terminated, truncated, info = env.step(act_fn(obs))
        reached |= running & info["success"]
        running &= ~(terminated | truncated)
    return reached


@torch.no_grad()
def goal_episodes(act_fn, goals: torch.Tensor, seed: int = 0, **params) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The first episode of each sub-environment with ``goals`` (G, 2) fixed, for pictures.

    Returns obs (G, T+1, 4) (after its end an episode's last observation is repeated),
    lengths (G,) int64 and reached (G,) bool.
    """
    env = gym.make_vec(WORLD, num_envs=goals.shape[0], device=goals.device, **params)
    obs, _ = env.reset(seed=seed, options={"goal": goals})
    path = [obs]
    lengths = torch.zeros(goals.shape[0], dtype=torch.int64, device=goals.device)
    reached = torch.zeros(goals.shape[0], dtype=torch.bool, device=goals.device)
    running = torch.ones_like(reached)
    for _ in range(env.unwrapped.max_episode_steps):
        obs, _, terminated, truncated, info = env.step(act_fn(obs))
        path.append(torch.where(running[:, None], info["final_obs"], path[-1]))
        lengths += running.to(torch.int64)
        reached |= running & info["success"]
        running &= ~(terminated | truncated)
    return torch.stack(path, dim=1), lengths, reached


def sample_goals(n: int, generator: torch.Generator, device: torch.device | str = "cpu", **params) -> torch.Tensor:
    """(n, 2) goals drawn like the world draws them (uniform over the free square), from ``generator``."""
    from ilcourse.envs.tworooms import TwoRoomsParams, push_out_of_wall

    u = torch.rand(n, 2, generator=generator, device=generator.device).to(device)
    gx, gy = push_out_of_wall(2 * u[:, 0] - 1, 2 * u[:, 1] - 1, TwoRoomsParams(**params))
    return torch.stack([gx, gy], dim=-1)


def nearest_distance(points: torch.Tensor, reference: torch.Tensor, chunk: int = 4096) -> torch.Tensor:
    """(P,) distance from each of ``points`` (P, 2) to the nearest row of ``reference`` (R, 2)."""
    best = torch.full((points.shape[0],), float("inf"), device=points.device)
    for start in range(0, reference.shape[0], chunk):
        best = torch.minimum(best, torch.cdist(points, reference[start:start + chunk]).amin(dim=1))
    return best
