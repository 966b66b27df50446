"""The fork: the road splits around a traffic island; the vehicle must take a branch at once.

Seen from above, the vehicle moves along x at a constant ``speed`` per step and chooses its
lateral velocity ``a`` in [-1, 1] (y grows to the left). Just ahead of the start, the road
forks around a wedge-shaped island centred on y = 0: its tip is at ``island_x`` and it widens
with slope ``island_slope`` to ``island_half_width``, then runs on to the goal, so there is a
left branch and a right branch. The scripted expert takes the LEFT branch with probability
``p_left`` and the RIGHT one otherwise: a full swerve (a = +1 or -1) from the first step,
then it drives to its branch's centre (y = ±branch_centre) and stays there.

    observation  (x, y)                      float32, shape (2,)
    action       lateral velocity a          float32, shape (1,), clipped to [-1, 1]
    y_{t+1} = y_t + lateral_speed * a_t + disturbance_std * noise,   x_{t+1} = x_t + speed
    reward       1 on reaching x_goal without a collision, else 0
    terminated   hitting the island, leaving the road, or reaching x_goal

The branch is the expert's intention for the episode: it is part of the state but not of the
observation, so at the fork the demonstrations are bimodal (a = +1 or -1 for the same
observation), and once the vehicle has moved off-centre they are unimodal again.

Why the island's tip is so close (measured while designing the world): if there is room for a
few steps before the obstacle, a regression policy that averages the modes at the first step
is still pushed to one side by the demonstrations of the following steps (its small lateral
offset grows every step) and often escapes by luck. With the tip one step ahead, the averaged
first action (|a| < 0.5) is itself the crash, as in the lecture's picture.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ilcourse.envs import hashrng
from ilcourse.envs.base import (
    Outcome, SingleEnv, State, TorchVectorEnv, blank, columns, fill_disk, fill_rect, scalar_tensors,
)

# Random streams: one per use, so draws never collide.
_STREAM_START, _STREAM_SIDE, _STREAM_WIND = 1, 2, 3  # WIND uses 3 and 4


@dataclass(frozen=True)
class ForkParams:
    p_left: float = 0.5  # probability that the expert takes the left branch
    start_spread: float = 0.02  # initial y ~ U(-start_spread, start_spread)
    speed: float = 0.5  # forward distance per step
    lateral_speed: float = 0.5  # lateral distance per step at |a| = 1
    x_fork: float = 0.0  # where the expert starts to swerve (before it: keep to y = 0)
    island_x: float = 0.3  # the island's tip
    island_slope: float = 0.5  # half-width grows by this per unit of x
    island_half_width: float = 1.0
    vehicle_radius: float = 0.15
    road_half_width: float = 3.0
    branch_centre: float = 2.0  # the expert drives here in its branch
    x_goal: float = 6.0
    disturbance_std: float = 0.0  # lateral gusts, per step
    expert_gain: float = 1.0


def initial_state(seeds: torch.Tensor, episodes: torch.Tensor, p: ForkParams) -> State:
    """Start of an episode: x = 0, y uniform in ±start_spread, the expert's side drawn with p_left."""
    key = hashrng.episode_key(seeds, episodes)
    u_start, u_side = hashrng.uniforms(key, (_STREAM_START, _STREAM_SIDE))
    y0 = (2.0 * u_start - 1.0) * p.start_spread
    left = u_side < p.p_left
    zeros = torch.zeros_like(y0)
    return {
        "x": zeros,
        "y": y0,
        "side": torch.where(left, 1.0, -1.0),  # +1 left, -1 right (float32)
        "t": torch.zeros_like(seeds),
        "key": key,
    }


def observe(state: State) -> torch.Tensor:
    """(N, 2) observations: position (x, y). The expert's side is hidden."""
    return columns(state["x"], state["y"])


def island_half_width(x: torch.Tensor, p: ForkParams) -> torch.Tensor:
    """(N,) half-width of the island at x (0 before its tip)."""
    return torch.clamp(p.island_slope * (x - p.island_x), 0.0, p.island_half_width)


def collides(x: torch.Tensor, y: torch.Tensor, p: ForkParams) -> torch.Tensor:
    """(N,) bool: the vehicle (a disk) touches the island."""
    return (x >= p.island_x) & (y.abs() < island_half_width(x, p) + p.vehicle_radius)


def transition(state: State, act: torch.Tensor, p: ForkParams) -> tuple[State, Outcome]:
    """Move every vehicle one step. ``act`` is (N, 1) in [-1, 1]."""
    t = state["t"] + 1
    x = state["x"] + p.speed
    y = state["y"] + p.lateral_speed * act[:, 0]
    if p.disturbance_std > 0:
        y = y + p.disturbance_std * hashrng.normal(state["key"], _STREAM_WIND, t)  # a gust
    crashed = collides(x, y, p) | (y.abs() > p.road_half_width)
    arrived = (x >= p.x_goal) & ~crashed
    nxt = dict(state, x=x, y=y, t=t)
    success = arrived
    outcome = Outcome(
        reward=success.to(torch.float32),
        terminated=crashed | arrived,
        truncated=torch.zeros_like(crashed),
        success=success,
        cost=crashed.to(torch.float32),
    )
    return nxt, outcome


def expert(obs: torch.Tensor, side: torch.Tensor, p: ForkParams) -> torch.Tensor:
    """The scripted expert's action for any state.

    Args:
        obs: (N, 2) positions (x, y).
        side: (N,) +1 to take the left branch, -1 the right one.
    Returns:
        (N, 1) lateral velocity: keep to y = 0 before ``x_fork``, then steer towards
        ``side * branch_centre`` (a full swerve at first).
    """
    x, y = obs[:, 0], obs[:, 1]
    target = torch.where(x >= p.x_fork, side * p.branch_centre, torch.zeros_like(y))
    steer = torch.clamp(p.expert_gain * (target - y) / p.lateral_speed, -1.0, 1.0)
    return steer.unsqueeze(-1)


class ForkVecEnv(TorchVectorEnv):
    """Vectorized fork world; see the module docstring. ``gymnasium.make_vec("ilcourse/Fork-v0", ...)``."""

    def __init__(self, num_envs: int = 1, device: torch.device | str = "cpu", render_mode: str | None = None, **params):
        self.params = ForkParams(**params)
        p = self.params
        self.obs_low = np.array([0.0, -p.road_half_width - 2.0], dtype=np.float32)
        self.obs_high = np.array([p.x_goal + 2.0, p.road_half_width + 2.0], dtype=np.float32)
        self.act_low = np.array([-1.0], dtype=np.float32)
        self.act_high = np.array([1.0], dtype=np.float32)
        self.max_episode_steps = int(np.ceil(p.x_goal / p.speed))
        super().__init__(num_envs, device, render_mode)
        # The same parameters, cheaper in arithmetic; the gusts' switch stays a float.
        self.constants = scalar_tensors(p, self.device, keep=("disturbance_std",))

    def initial_state(self, seeds, episodes):
        return initial_state(seeds, episodes, self.constants)

    def transition(self, state, act):
        return transition(state, act, self.constants)

    def observe(self, state):
        return observe(state)

    def expert_action(self) -> torch.Tensor:
        return expert(self.observe(self.state), self.state["side"], self.constants)

    def draw(self, state: State) -> np.ndarray:
        p, scale = self.params, 40.0
        height, width = int(2 * p.road_half_width * scale), int((p.x_goal + 0.5) * scale)
        img = blank(height, width, (200, 200, 200))
        to_row = lambda yy: (p.road_half_width - yy) * scale  # noqa: E731 (y grows upwards)
        for col in range(width):
            hw = float(island_half_width(torch.tensor(col / scale), p))
            if col / scale >= p.island_x and hw > 0:
                fill_rect(img, col, to_row(hw), col + 1, to_row(-hw), (90, 160, 90))
        fill_disk(img, float(state["x"][0]) * scale, to_row(float(state["y"][0])), p.vehicle_radius * scale, (200, 40, 40))
        return img


def make_single(render_mode: str | None = None, **params) -> SingleEnv:
    """Entry point of ``gymnasium.make("ilcourse/Fork-v0")``."""
    return SingleEnv(ForkVecEnv, render_mode=render_mode, **params)
