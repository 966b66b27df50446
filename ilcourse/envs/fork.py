"""The fork: a vehicle drives up a road towards an obstacle and must swerve around it.

Seen from above, the vehicle moves along x at a constant ``speed`` per step and chooses its
lateral velocity ``a`` in [-1, 1] (y grows to the left). A block sits in the middle of the road,
close enough that the vehicle must commit at once: five steps of full swerve reach the
block's edge. The scripted expert keeps to the lane centre until ``x_fork`` (0 by default, so
it decides at the first step), swerves LEFT with probability ``p_left`` and RIGHT otherwise,
passes the block and returns to the centre of the road.

    observation  (x, y)                      float32, shape (2,)
    action       lateral velocity a          float32, shape (1,), clipped to [-1, 1]
    y_{t+1} = y_t + lateral_speed * a_t + disturbance_std * noise,   x_{t+1} = x_t + speed
    reward       1 on reaching x_goal without a collision, else 0
    terminated   collision with the block, leaving the road, or reaching x_goal

The side is the expert's intention for the episode: it is part of the state but not of the
observation, so at the fork the demonstrations are bimodal (a = +1 or -1 for the same
observation) and once the vehicle has moved off-centre they are unimodal again.

Why the start is so close to the centre line (start_spread = 0.02): a regression policy
that starts off-centre is pushed further to that side by the demonstrations one step later
(its lateral offset roughly doubles per step), so a large spread lets even the L2 policy
"choose" a side by luck. With a small spread it averages the modes and drives into the block.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ilcourse.envs import hashrng
from ilcourse.envs.base import Outcome, SingleEnv, State, TorchVectorEnv, blank, fill_disk, fill_rect

# Random streams (the last key of each hash): one per use, so draws never collide.
_STREAM_START, _STREAM_SIDE, _STREAM_WIND = 11, 12, 13


@dataclass(frozen=True)
class ForkParams:
    p_left: float = 0.5  # probability that the expert passes on the left
    start_spread: float = 0.02  # initial y ~ U(-start_spread, start_spread)
    speed: float = 0.5  # forward distance per step
    lateral_speed: float = 0.5  # lateral distance per step at |a| = 1
    x_fork: float = 0.0  # where the expert starts to swerve (0: at once)
    obstacle_x: float = 3.5  # centre of the block: 5 steps of full swerve before it
    obstacle_half_length: float = 1.0
    obstacle_half_width: float = 1.0
    vehicle_radius: float = 0.25
    road_half_width: float = 3.0
    pass_offset: float = 2.2  # lateral position the expert holds while passing
    x_goal: float = 8.5
    disturbance_std: float = 0.0  # lateral gusts, per step
    expert_gain: float = 1.0


def initial_state(seeds: torch.Tensor, episodes: torch.Tensor, p: ForkParams) -> State:
    """Start of an episode: x = 0, y uniform in ±start_spread, the expert's side drawn with p_left."""
    y0 = (2.0 * hashrng.uniform(seeds, episodes, _STREAM_START) - 1.0) * p.start_spread
    left = hashrng.uniform(seeds, episodes, _STREAM_SIDE) < p.p_left
    zeros = torch.zeros_like(y0)
    return {
        "x": zeros,
        "y": y0,
        "side": torch.where(left, 1.0, -1.0).to(torch.float32),  # +1 left, -1 right
        "t": torch.zeros_like(seeds),
        "seed": seeds,
        "episode": episodes,
    }


def observe(state: State) -> torch.Tensor:
    """(N, 2) observations: position (x, y). The expert's side is hidden."""
    return torch.stack([state["x"], state["y"]], dim=-1)


def collides(x: torch.Tensor, y: torch.Tensor, p: ForkParams) -> torch.Tensor:
    """(N,) bool: the vehicle (a disk) overlaps the block."""
    near_x = (x - p.obstacle_x).abs() < p.obstacle_half_length + p.vehicle_radius
    near_y = y.abs() < p.obstacle_half_width + p.vehicle_radius
    return near_x & near_y


def transition(state: State, act: torch.Tensor, p: ForkParams) -> tuple[State, Outcome]:
    """Move every vehicle one step. ``act`` is (N, 1) in [-1, 1]."""
    t = state["t"] + 1
    gust = p.disturbance_std * hashrng.normal(state["seed"], state["episode"], t, _STREAM_WIND)
    x = state["x"] + p.speed
    y = state["y"] + p.lateral_speed * act[:, 0] + gust
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
        side: (N,) +1 to pass on the left, -1 on the right.
    Returns:
        (N, 1) lateral velocity: 0 before the fork, then steer towards ``side * pass_offset``
        until the block is behind, then back to the lane centre y = 0.
    """
    x, y = obs[:, 0], obs[:, 1]
    passing = (x >= p.x_fork) & (x < p.obstacle_x + p.obstacle_half_length + p.vehicle_radius + p.speed)
    target = torch.where(passing, side * p.pass_offset, torch.zeros_like(y))
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

    def initial_state(self, seeds, episodes):
        return initial_state(seeds, episodes, self.params)

    def transition(self, state, act):
        return transition(state, act, self.params)

    def observe(self, state):
        return observe(state)

    def expert_action(self) -> torch.Tensor:
        return expert(self.observe(self.state), self.state["side"], self.params)

    def draw(self, state: State) -> np.ndarray:
        p, scale = self.params, 20.0
        height, width = int(2 * p.road_half_width * scale), int((p.x_goal + 1) * scale)
        img = blank(height, width, (90, 160, 90))
        to_row = lambda yy: (p.road_half_width - yy) * scale  # noqa: E731 (y grows upwards)
        fill_rect(img, 0, to_row(p.road_half_width), width, to_row(-p.road_half_width), (200, 200, 200))
        fill_rect(img, (p.obstacle_x - p.obstacle_half_length) * scale, to_row(p.obstacle_half_width),
                  (p.obstacle_x + p.obstacle_half_length) * scale, to_row(-p.obstacle_half_width), (60, 60, 60))
        fill_disk(img, float(state["x"][0]) * scale, to_row(float(state["y"][0])), p.vehicle_radius * scale, (200, 40, 40))
        return img


def make_single(render_mode: str | None = None, **params) -> SingleEnv:
    """Entry point of ``gymnasium.make("ilcourse/Fork-v0")``."""
    return SingleEnv(ForkVecEnv, render_mode=render_mode, **params)
