"""Closed-loop evaluation of any policy on a vectorized world, and demonstration collection."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch
from tqdm.auto import tqdm

from ilcourse.data import Demonstrations

ActFn = Callable[[torch.Tensor], torch.Tensor]


@dataclass
class EvalResult:
    """Per-episode results, E = number of episodes. Trajectories only when recorded.

    success: (E,) bool; costs: (E,) float32 sums over the episode; lengths: (E,) int64.
    obs: (E, T+1, obs_dim) observations o_0..o_L (zero-padded past the length L);
    act: (E, T, act_dim) actions a_0..a_{L-1}; T = the world's ``max_episode_steps``.
    """

    success: torch.Tensor
    costs: torch.Tensor
    lengths: torch.Tensor
    obs: torch.Tensor | None = None
    act: torch.Tensor | None = None

    @property
    def success_rate(self) -> float:
        return self.success.to(torch.float32).mean().item()

    @property
    def mean_cost(self) -> float:
        return self.costs.mean().item()

    def demonstrations(self) -> Demonstrations:
        """The recorded episodes as a ``Demonstrations`` buffer (needs ``record=True``)."""
        if self.obs is None or self.act is None:
            raise ValueError("evaluate(..., record=True) is needed to turn episodes into demonstrations")
        return Demonstrations.from_trajectories(self.obs, self.act, self.lengths)


@torch.no_grad()
def evaluate(
    env,
    act_fn: ActFn,
    num_episodes: int | None = None,
    seed: int = 0,
    record: bool = False,
    progress: bool = False,
) -> EvalResult:
    """Run ``act_fn`` in closed loop on a vectorized world until ``num_episodes`` episodes end.

    Every sub-environment runs the same number k = ceil(num_episodes / num_envs) of episodes
    (episodes that end early are not over-represented); steps after an environment's k-th
    episode are ignored. ``act_fn(obs)`` maps (N, obs_dim) to (N, act_dim). If it has a method
    ``reset(mask)``, that is called with an (N,) bool mask of the environments that start a new
    episode (all of them at the start), so stateful policies (action chunks) can start over.

    Args:
        env: a ``TorchVectorEnv`` (e.g. ``gymnasium.make_vec("ilcourse/Fork-v0", num_envs=N)``).
        num_episodes: defaults to ``env.num_envs``.
        record: keep observations and actions of every episode (memory ~ E * T * dims).
    """
    world = env.unwrapped
    n, device = world.num_envs, world.device
    num_episodes = num_episodes or n
    per_env = math.ceil(num_episodes / n)
    horizon = world.max_episode_steps
    act_dim = world.single_action_space.shape[0]
    obs_dim = world.single_observation_space.shape[0]

    obs, _ = env.reset(seed=seed)
    reset_policy = getattr(act_fn, "reset", None)
    if reset_policy is not None:
        reset_policy(torch.ones(n, dtype=torch.bool, device=device))

    env_index = torch.arange(n, device=device)
    finished = torch.zeros(n, dtype=torch.int64, device=device)  # episodes completed per env
    ep_cost = torch.zeros(n, device=device)
    ep_len = torch.zeros(n, dtype=torch.int64, device=device)
    # One extra "slot" per env receives the writes of environments that are already done,
    # so bookkeeping stays branch-free.
    out_success = torch.zeros(n, per_env + 1, dtype=torch.bool, device=device)
    out_cost = torch.zeros(n, per_env + 1, device=device)
    out_len = torch.zeros(n, per_env + 1, dtype=torch.int64, device=device)
    if record:
        traj_obs = torch.zeros(n, per_env + 1, horizon + 1, obs_dim, device=device)
        traj_act = torch.zeros(n, per_env + 1, horizon, act_dim, device=device)

    for step in tqdm(range(per_env * horizon + 1), disable=not progress, desc="evaluate", leave=False):
        active = finished < per_env
        slot = torch.where(active, finished, per_env)
        act = act_fn(obs)
        if record:
            t = ep_len.clamp(max=horizon - 1)
            traj_obs[env_index, slot, t] = obs
            traj_act[env_index, slot, t] = world.check_action(act)
        obs, _, terminated, truncated, info = env.step(act)
        done = terminated | truncated
        ep_cost += info["cost"]
        ep_len += 1
        if record:
            traj_obs[env_index, slot, ep_len.clamp(max=horizon)] = torch.where(done[:, None], info["final_obs"], obs)
        ending = done & active
        write = torch.where(ending, slot, per_env)
        out_success[env_index, write] = info["success"]
        out_cost[env_index, write] = ep_cost
        out_len[env_index, write] = ep_len
        finished += ending.to(torch.int64)
        ep_cost = torch.where(done, 0.0, ep_cost)
        ep_len = torch.where(done, 0, ep_len)
        if reset_policy is not None:
            reset_policy(done)
        if step % 16 == 0 and bool((finished >= per_env).all()):
            break
    if bool((finished < per_env).any()):
        raise RuntimeError("some episodes did not end within max_episode_steps; is the world's time limit set?")

    def episodes(x: torch.Tensor) -> torch.Tensor:
        # (N, k+1, ...) -> (k*N, ...) ordered slot-major: every env's 1st episode, then 2nd, ...
        return x[:, :per_env].transpose(0, 1).reshape(n * per_env, *x.shape[2:])[:num_episodes]

    return EvalResult(
        success=episodes(out_success),
        costs=episodes(out_cost),
        lengths=episodes(out_len),
        obs=episodes(traj_obs) if record else None,
        act=episodes(traj_act) if record else None,
    )


def first_action(policy, generator: torch.Generator | None = None) -> ActFn:
    """An ``act_fn`` that queries ``policy.sample`` every step and executes the first action of the chunk.

    (N, obs_dim) -> (N, act_dim), without gradients. With ``generator=None`` a deterministic
    policy (``MSEPolicy``: its prediction) needs no randomness; a stochastic one falls back to
    torch's global RNG.
    """

    @torch.no_grad()
    def act(obs: torch.Tensor) -> torch.Tensor:
        return policy.sample(obs, generator)[:, 0]

    return act


def expert_act_fn(env) -> ActFn:
    """An ``act_fn`` that asks the world's scripted expert (it may use hidden state, e.g. the fork's side)."""
    world = env.unwrapped
    return lambda obs: world.expert_action()


def collect_demonstrations(env, num_episodes: int, seed: int = 0, act_fn: ActFn | None = None) -> Demonstrations:
    """Roll out the scripted expert (or ``act_fn``) and return the episodes as demonstrations."""
    result = evaluate(env, act_fn or expert_act_fn(env), num_episodes=num_episodes, seed=seed, record=True)
    return result.demonstrations()
