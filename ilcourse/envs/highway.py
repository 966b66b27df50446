"""The highway merge: two action dimensions whose good values come in combinations.

A car starts in a merge lane (y near 0) and must move into one of two lanes. The LEFT lane
(y > lane_edge) is blocked ahead by a slow truck: the car must drive SLOW there. The RIGHT lane
(y < -lane_edge) carries fast traffic coming from behind: the car must drive FAST there.
Mixing them (left + fast: rear-ends the truck; right + slow: is rear-ended) is a crash, and so
is staying in the merge lane after it ends at ``x_merge_end``.

    observation  (x, y, v)                          float32, shape (3,)
    action       (steer, throttle)                  float32, shape (2,), clipped to [-1, 1]
    y_{t+1} = y_t + lateral_speed * steer,   v_{t+1} = 1 + speed_range * throttle,
    x_{t+1} = x_t + dt * v_{t+1}
    reward       1 on reaching x_goal without a crash, else 0

The expert goes left-and-slow with probability ``p_left`` and right-and-fast otherwise. Its
actions at the start are (+1, -0.8) or (-1, +0.8): each dimension alone is bimodal, and only
two of the four combinations of modes are valid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ilcourse.envs import hashrng
from ilcourse.envs.base import (
    Outcome, SingleEnv, State, TorchVectorEnv, blank, columns, fill_disk, fill_rect, scalar_tensors,
)


@dataclass(frozen=True)
class HighwayParams:
    p_left: float = 0.5
    start_spread: float = 0.1  # initial y ~ U(-start_spread, start_spread)
    lateral_speed: float = 0.5
    speed_range: float = 0.5  # v = 1 + speed_range * throttle, in [0.5, 1.5]
    dt: float = 0.5
    lane_edge: float = 0.25  # |y| beyond this is inside a lane
    lane_centre: float = 1.0
    road_half_width: float = 2.0
    x_merge_end: float = 1.0  # past this x the merge lane is gone
    truck_speed: float = 1.0  # left lane: v must not exceed this
    traffic_speed: float = 1.0  # right lane: v must not fall below this
    expert_throttle: float = 0.8
    x_goal: float = 8.0


def initial_state(seeds: torch.Tensor, episodes: torch.Tensor, p: HighwayParams) -> State:
    # Under random actions nearly every episode here ends within a step or two, so this runs
    # for most environments at every step: the two draws come from the halves of the episode
    # key itself (16 bits each) instead of two more hashes.
    key = hashrng.episode_key(seeds, episodes)
    u_start, u_side = hashrng.key_uniforms(key)
    y0 = (2.0 * u_start - 1.0) * p.start_spread
    left = u_side < p.p_left
    return {
        "x": torch.zeros_like(y0),
        "y": y0,
        "v": torch.ones_like(y0),
        "side": torch.where(left, 1.0, -1.0),  # +1 left, -1 right (float32)
    }


def observe(state: State) -> torch.Tensor:
    """(N, 3) observations (x, y, v); the expert's chosen lane is hidden."""
    return columns(state["x"], state["y"], state["v"])


def crashes(x: torch.Tensor, y: torch.Tensor, v: torch.Tensor, p: HighwayParams) -> torch.Tensor:
    """(N,) bool: the rules of the road broken at position (x, y) with speed v."""
    y_abs = y.abs()
    left_too_fast = (y > p.lane_edge) & (v > p.truck_speed)
    right_too_slow = (y < -p.lane_edge) & (v < p.traffic_speed)
    stuck_in_merge = (y_abs <= p.lane_edge) & (x > p.x_merge_end)
    off_road = y_abs > p.road_half_width
    return left_too_fast | right_too_slow | stuck_in_merge | off_road


def invalid_combination(act: torch.Tensor) -> torch.Tensor:
    """(N,) bool: an action that steers towards one lane at the other lane's speed.

    ``act`` is (N, 2) = (steer, throttle); left (+) must go slow (-), right (-) fast (+).
    """
    return act[:, 0] * act[:, 1] > 0


def transition(state: State, act: torch.Tensor, p: HighwayParams) -> tuple[State, Outcome]:
    y = state["y"] + p.lateral_speed * act[:, 0]
    v = 1.0 + p.speed_range * act[:, 1]
    x = state["x"] + p.dt * v
    crashed = crashes(x, y, v, p)
    arrived = (x >= p.x_goal) & ~crashed
    outcome = Outcome(
        reward=arrived.to(torch.float32),
        terminated=crashed | arrived,
        truncated=torch.zeros_like(crashed),
        success=arrived,
        cost=crashed.to(torch.float32),
    )
    return dict(state, x=x, y=y, v=v), outcome


def expert(obs: torch.Tensor, side: torch.Tensor, p: HighwayParams) -> torch.Tensor:
    """The expert's (steer, throttle) for any state.

    Args:
        obs: (N, 3) observations (x, y, v).
        side: (N,) +1 for the left (slow) lane, -1 for the right (fast) lane.
    Returns:
        (N, 2): steer towards the chosen lane's centre, throttle -0.8 on the left, +0.8 on the right.
    """
    y = obs[:, 1]
    steer = torch.clamp((side * p.lane_centre - y) / p.lateral_speed, -1.0, 1.0)
    throttle = -side * p.expert_throttle
    return torch.stack([steer, throttle], dim=-1)


class HighwayVecEnv(TorchVectorEnv):
    """Vectorized highway merge; see the module docstring. ``gymnasium.make_vec("ilcourse/Highway-v0", ...)``."""

    def __init__(self, num_envs: int = 1, device: torch.device | str = "cpu", render_mode: str | None = None, **params):
        self.params = p = HighwayParams(**params)
        self.obs_low = np.array([0.0, -p.road_half_width - 1.0, 0.0], dtype=np.float32)
        self.obs_high = np.array([p.x_goal + 2.0, p.road_half_width + 1.0, 2.0], dtype=np.float32)
        self.act_low = np.array([-1.0, -1.0], dtype=np.float32)
        self.act_high = np.array([1.0, 1.0], dtype=np.float32)
        slowest = 1.0 - p.speed_range
        self.max_episode_steps = int(np.ceil(p.x_goal / (p.dt * slowest)))
        super().__init__(num_envs, device, render_mode)
        self.constants = scalar_tensors(p, self.device)  # the same parameters, cheaper in arithmetic

    def initial_state(self, seeds, episodes):
        return initial_state(seeds, episodes, self.constants)

    def transition(self, state, act):
        return transition(state, act, self.constants)

    def observe(self, state):
        return observe(state)

    def expert_action(self) -> torch.Tensor:
        return expert(self.observe(self.state), self.state["side"], self.constants)

    def draw(self, state: State) -> np.ndarray:
        p, scale = self.params, 24.0
        height, width = int(2 * p.road_half_width * scale), int((p.x_goal + 1) * scale)
        img = blank(height, width, (200, 200, 200))
        to_row = lambda yy: (p.road_half_width - yy) * scale  # noqa: E731
        fill_rect(img, 0, to_row(p.road_half_width), width, to_row(p.lane_edge), (225, 215, 160))  # slow lane
        fill_rect(img, 0, to_row(-p.lane_edge), width, to_row(-p.road_half_width), (160, 200, 225))  # fast lane
        fill_rect(img, p.x_merge_end * scale, to_row(p.lane_edge), width, to_row(-p.lane_edge), (90, 160, 90))
        fill_disk(img, float(state["x"][0]) * scale, to_row(float(state["y"][0])), 0.25 * scale, (200, 40, 40))
        return img


def make_single(render_mode: str | None = None, **params) -> SingleEnv:
    return SingleEnv(HighwayVecEnv, render_mode=render_mode, **params)
