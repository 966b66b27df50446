"""What every ilcourse world shares: batched state in torch, seeding, action checks, autoreset.

A world is written as pure batched functions over a *state*, a ``dict`` of ``(N,)`` tensors:

    initial_state(seed_hashes, episodes, params) -> state
    transition(state, act, params) -> (next_state, Outcome)
    observe(state, params) -> obs (N, obs_dim)

``TorchVectorEnv`` turns them into a ``gymnasium.vector.VectorEnv`` (tensors on ``device``,
same-step autoreset of exactly the environments that finished) and ``SingleEnv`` into a plain
``gymnasium.Env`` (NumPy in and out) that passes ``gymnasium.utils.env_checker.check_env``. Both draw randomness from the counter-based
hash in ``hashrng`` keyed by (seed, episode, step), so env ``i`` of a vector env reset with
``seed=s`` replays exactly a single env reset with ``seed=s + i``.

Autoreset (``metadata["autoreset_mode"] = AutoresetMode.SAME_STEP``): when a sub-environment's
episode ends inside ``step``, it is reset in the same call; the observation returned is the
first one of its new episode, and the last one of the old episode is in
``info["final_obs"]`` (rows where ``info["_final_obs"]`` is True). ``reward``, ``terminated``,
``truncated`` and ``info["success"]`` describe the step that ended the old episode.
"""

from __future__ import annotations

import dataclasses
import math
import secrets
from dataclasses import dataclass
from typing import Any, Callable

import gymnasium as gym
import numpy as np
import torch
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from ilcourse.envs import hashrng

State = dict[str, torch.Tensor]


@dataclass
class Outcome:
    """What one transition did, for every sub-environment, all ``(N,)`` tensors."""

    reward: torch.Tensor  # float32
    terminated: torch.Tensor  # bool: the episode reached a terminal state (crash or goal)
    truncated: torch.Tensor  # bool: the time limit ended it
    success: torch.Tensor  # bool: meaningful where terminated | truncated
    cost: torch.Tensor  # float32: per-step cost (e.g. off the track); 0 where a world has none


class TorchVectorEnv(VectorEnv):
    """Base of the course's worlds. Subclasses set the spaces' bounds and the three functions."""

    metadata = {"autoreset_mode": AutoresetMode.SAME_STEP, "render_modes": ["rgb_array"], "render_fps": 10}

    obs_low: np.ndarray
    obs_high: np.ndarray
    act_low: np.ndarray
    act_high: np.ndarray
    max_episode_steps: int

    def __init__(self, num_envs: int = 1, device: torch.device | str = "cpu", render_mode: str | None = None):
        if num_envs < 1:
            raise ValueError(f"num_envs must be >= 1, got {num_envs}")
        self.num_envs = int(num_envs)
        self.device = torch.device(device)
        self.render_mode = render_mode
        self.single_observation_space = gym.spaces.Box(self.obs_low, self.obs_high, dtype=np.float32)
        self.single_action_space = gym.spaces.Box(self.act_low, self.act_high, dtype=np.float32)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        # Bounds for clipping: plain floats when every action dimension shares them (clamping
        # to scalars is several times cheaper than to broadcast tensors), else tensors.
        uniform_bounds = np.all(self.act_low == self.act_low.flat[0]) and np.all(self.act_high == self.act_high.flat[0])
        self._act_low = float(self.act_low.flat[0]) if uniform_bounds else torch.as_tensor(self.act_low, device=self.device)
        self._act_high = float(self.act_high.flat[0]) if uniform_bounds else torch.as_tensor(self.act_high, device=self.device)
        self.seeds = torch.zeros(self.num_envs, dtype=torch.int64, device=self.device)
        self.episodes = torch.zeros(self.num_envs, dtype=torch.int64, device=self.device)
        self.state: State | None = None

    # -- the world: subclasses provide these three ---------------------------------------------
    def initial_state(self, seeds: torch.Tensor, episodes: torch.Tensor) -> State:
        raise NotImplementedError

    def transition(self, state: State, act: torch.Tensor) -> tuple[State, Outcome]:
        raise NotImplementedError

    def observe(self, state: State) -> torch.Tensor:
        raise NotImplementedError

    def expert_action(self) -> torch.Tensor:
        """The scripted expert's action for the current state of every sub-environment, (N, act_dim)."""
        raise NotImplementedError

    # -- gymnasium API ----------------------------------------------------------------------------
    def reset(self, *, seed: int | list[int] | None = None, options: dict | None = None):
        """Reset every sub-environment.

        ``seed=s`` gives sub-environment ``i`` the seed ``s + i``; a list gives one seed each.
        ``seed=None`` starts the next episode of every sub-environment (a fresh random base seed
        the first time).
        """
        if seed is None and self.state is None:
            seed = secrets.randbits(31)
        if seed is None:
            self.episodes = self.episodes + 1
        else:
            if isinstance(seed, (list, tuple, np.ndarray, torch.Tensor)):
                seeds = torch.as_tensor(np.asarray(seed, dtype=np.int64), device=self.device)
                if seeds.shape != (self.num_envs,):
                    raise ValueError(f"seed list must have {self.num_envs} entries, got {tuple(seeds.shape)}")
            else:
                seeds = int(seed) + torch.arange(self.num_envs, dtype=torch.int64, device=self.device)
            self.seeds = hashrng.seed_hash(seeds)  # hashed once; worlds derive episode keys from it
            self.episodes = torch.zeros_like(seeds)
        self.state = self.initial_state(self.seeds, self.episodes)
        return self.observe(self.state), {}

    def step(self, actions: Any):
        if self.state is None:
            raise RuntimeError("call reset() before step()")
        act = self.check_action(actions)
        # The world's arithmetic needs no autograd bookkeeping: inference mode makes each of
        # its ~100 small ops cheaper. What we hand out is cloned into ordinary tensors, so
        # that learners can train on them (inference tensors cannot be saved for backward).
        with torch.inference_mode():
            obs, reward, terminated, truncated, info = self._step(act)
        info = {k: v.clone() for k, v in info.items()}
        return obs.clone(), reward.clone(), terminated.clone(), truncated.clone(), info

    def _step(self, act: torch.Tensor):
        next_state, out = self.transition(self.state, act)
        done = out.terminated | out.truncated
        final_obs = self.observe(next_state)
        self.episodes = self.episodes + done  # int64 + bool: the next episode where one ended
        # Same-step autoreset of exactly the environments that finished. Computing the start
        # states of all rows and blending them in (``restart_rows``) is cheaper than gathering and
        # scattering the finished rows: at these sizes each torch op costs microseconds of
        # overhead whatever its length. (``any()`` syncs with a GPU, as the action check does.)
        obs = final_obs
        if done.any():
            next_state = restart_rows(done, self.initial_state(self.seeds, self.episodes), next_state)
            obs = self.observe(next_state)  # the first observation of the new episodes
        self.state = next_state
        info = {
            "final_obs": final_obs,
            "_final_obs": done,
            "success": out.success & done,
            "cost": out.cost,
        }
        return obs, out.reward, out.terminated, out.truncated, info

    def check_action(self, actions: Any) -> torch.Tensor:
        """Validate and clip a batch of actions; returns float32 ``(N, act_dim)`` on ``device``.

        Raises ``ValueError`` (naming the expected shape) for a wrong shape, a non-floating dtype,
        or a NaN/inf. Finite values outside the action bounds are clipped to them.
        """
        expected = (self.num_envs, *self.single_action_space.shape)
        act = torch.as_tensor(actions) if not isinstance(actions, torch.Tensor) else actions
        if tuple(act.shape) != expected:
            raise ValueError(f"action must have shape (num_envs, act_dim) = {expected}, got {tuple(act.shape)}")
        if not act.dtype.is_floating_point:
            raise ValueError(f"action must be a floating-point tensor of shape {expected}, got dtype {act.dtype}")
        act = act.to(device=self.device, dtype=torch.float32)
        if not math.isfinite(act.abs().amax().item()):  # NaN and inf propagate through amax
            raise ValueError(f"action of shape {expected} contains NaN or inf")
        return torch.clamp(act, self._act_low, self._act_high)

    def render(self):
        """``rgb_array`` frames (H, W, 3) uint8 of the first (up to 4) sub-environments."""
        if self.render_mode != "rgb_array" or self.state is None:
            return None
        n = min(self.num_envs, 4)
        return tuple(self.draw({k: v[i : i + 1].cpu() for k, v in self.state.items()}) for i in range(n))

    def draw(self, state: State) -> np.ndarray:
        raise NotImplementedError


class SingleEnv(gym.Env):
    """One sub-environment of a world as a standard ``gymnasium.Env`` (NumPy in, NumPy out).

    It runs the same pure functions as the vector env on a batch of one, on the CPU, without
    autoreset (call ``reset`` after an episode ends, as usual for a single env).
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10}

    def __init__(self, make_world: Callable[..., TorchVectorEnv], render_mode: str | None = None, **params: Any):
        self.world = make_world(num_envs=1, device="cpu", **params)
        self.observation_space = self.world.single_observation_space
        self.action_space = self.world.single_action_space
        self.render_mode = render_mode

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        obs, _ = self.world.reset(seed=seed)
        return obs[0].numpy(), {}

    def step(self, action):
        action = np.asarray(action)
        if action.shape != self.action_space.shape:
            raise ValueError(f"action must have shape {self.action_space.shape}, got {action.shape}")
        act = self.world.check_action(torch.from_numpy(action.reshape(1, -1).copy()))
        next_state, out = self.world.transition(self.world.state, act)
        self.world.state = next_state
        obs = self.world.observe(next_state)[0].numpy()
        info = {"success": bool(out.success[0]), "cost": float(out.cost[0])}
        return obs, float(out.reward[0]), bool(out.terminated[0]), bool(out.truncated[0]), info

    def expert_action(self) -> np.ndarray:
        return self.world.expert_action()[0].numpy()

    def render(self):
        if self.render_mode != "rgb_array":
            return None
        return self.world.draw(self.world.state)


def restart_rows(done: torch.Tensor, fresh: State, state: State) -> State:
    """Field by field, ``fresh`` in the rows where ``done`` (N,) is True and ``state`` elsewhere.

    Float fields are blended with ``lerp`` and weights 0 or 1, which selects exactly when both
    values are finite (every world keeps its state finite; a test checks it), except that a
    zero may come out as +0.0 where ``where`` would keep -0.0. On the CPU it costs half of
    ``where``, whose kernel is not vectorized. Other fields use ``where``.
    """
    weight = done.to(torch.float32)
    return {
        k: torch.lerp(old, fresh[k], weight) if old.dtype == torch.float32 else torch.where(done, fresh[k], old)
        for k, old in state.items()
    }


def scalar_tensors(params: Any, device: torch.device, keep: tuple[str, ...] = ()) -> Any:
    """A copy of the dataclass ``params`` whose float fields are 0-dim float32 tensors on ``device``.

    A world's functions read their constants from it. An op with a Python float first wraps
    the float in a new tensor, which on the CPU costs as much as the op itself at a few
    thousand rows; a 0-dim tensor is used as it is. The results are the same to the bit (the
    float is rounded to float32 either way). Fields named in ``keep`` stay Python floats: those
    that a function tests in an ``if`` (a tensor there would make a GPU wait).
    """
    tensors = {
        field.name: torch.tensor(getattr(params, field.name), dtype=torch.float32, device=device)
        for field in dataclasses.fields(params)
        if isinstance(getattr(params, field.name), float) and field.name not in keep
    }
    return dataclasses.replace(params, **tensors)


def columns(*cols: torch.Tensor) -> torch.Tensor:
    """(N, C) float32 observations from C tensors of shape (N,), like ``torch.stack(cols, dim=-1)``.

    Copying into the columns of one buffer is faster than ``stack`` along the last dimension,
    which on the CPU takes about 20 us for a few thousand rows.
    """
    out = torch.empty(cols[0].shape[0], len(cols), dtype=torch.float32, device=cols[0].device)
    for j, col in enumerate(cols):
        out[:, j] = col
    return out


# -- tiny raster helpers for rgb_array frames ------------------------------------------------------
def blank(height: int, width: int, color=(235, 235, 235)) -> np.ndarray:
    img = np.empty((height, width, 3), dtype=np.uint8)
    img[:] = color
    return img


def fill_rect(img: np.ndarray, x0: float, y0: float, x1: float, y1: float, color) -> None:
    """Fill pixel rectangle [x0, x1) x [y0, y1) (column, row), clipped to the image."""
    h, w, _ = img.shape
    c0, c1 = int(max(0, min(x0, x1))), int(min(w, max(x0, x1)))
    r0, r1 = int(max(0, min(y0, y1))), int(min(h, max(y0, y1)))
    if c1 > c0 and r1 > r0:
        img[r0:r1, c0:c1] = color


def fill_disk(img: np.ndarray, cx: float, cy: float, radius: float, color) -> None:
    h, w, _ = img.shape
    rows, cols = np.ogrid[:h, :w]
    img[(rows - cy) ** 2 + (cols - cx) ** 2 <= radius**2] = color
