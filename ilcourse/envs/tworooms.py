"""Two rooms: a point mass must reach a goal; a wall with a door at the top separates the rooms.

Seen from above, the square [-1, 1]^2 is split by a thick vertical wall (|x| < wall_half_width)
that runs from the bottom edge up to ``door_y``; above it is the door. The agent is a point
at position p = (x, y) and chooses a velocity a in [-1, 1]^2:

    observation  (x, y, goal_x, goal_y)         float32, shape (4,): the goal is part of it
    action       velocity a                      float32, shape (2,), clipped to [-1, 1]
    p_{t+1} = clip(p_t + speed * a_t, -1, 1), and a move that would end inside the wall slides
              along it (keeps its old x; if still inside, its old y; else it stays put)
    reward       1 when ||p - goal|| < goal_radius (terminated), else 0
    truncated    after ``horizon`` steps

Every episode starts in a small square around (start_x, start_y) (the lower-left corner of the
left room by default) and draws its goal uniformly over the free part of the square (both
rooms). ``reset(options={"goal": goals})`` with goals (N, 2) instead fixes the goal of every
sub-environment for all its episodes until the next ``reset`` (held-out evaluation).

The scripted expert reads the observation only (the goal is in it), so it can be queried at
any state and for any goal (``expert(obs, params)``): it heads straight for the goal when the
segment to it clears the wall, else for the door on the goal's side, else for the door on its
own side. A goal in the other room below the door is therefore NOT reached by a straight line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ilcourse.envs import hashrng
from ilcourse.envs.base import (
    Outcome, SingleEnv, State, TorchVectorEnv, blank, columns, fill_disk, fill_rect, scalar_tensors,
)

_STREAM_START, _STREAM_GOAL = 1, 3  # each uses two streams (x and y)


@dataclass(frozen=True)
class TwoRoomsParams:
    speed: float = 0.1  # distance per step at |a_i| = 1 along each axis
    wall_half_width: float = 0.06
    door_y: float = 0.4  # the wall runs from y = -1 to door_y; the door is above it
    goal_radius: float = 0.1
    start_x: float = -0.7
    start_y: float = -0.7
    start_half_width: float = 0.2  # starts are uniform in a square of this half-width
    horizon: int = 40
    expert_margin: float = 0.03  # the expert keeps this far from the wall's corners
    door_offset: float = 0.2  # the expert's waypoints: (-+door_offset, door_waypoint_y)
    door_waypoint_y: float = 0.7


def in_wall(x: torch.Tensor, y: torch.Tensor, p: TwoRoomsParams) -> torch.Tensor:
    """(N,) bool: the point lies inside the wall."""
    return (x.abs() < p.wall_half_width) & (y < p.door_y)


def push_out_of_wall(x: torch.Tensor, y: torch.Tensor, p: TwoRoomsParams) -> tuple[torch.Tensor, torch.Tensor]:
    """Points inside the wall or within 0.05 of it moved 0.05 away from it (above its top if they
    are near the top, else beside it): goals and starts are never there, so the expert's
    straight lines (which keep ``expert_margin`` < 0.05 from the wall) reach them."""
    gap = 0.05
    side = torch.where(x < 0, -1.0, 1.0)
    near = (x.abs() < p.wall_half_width + gap) & (y < p.door_y + gap)
    up = near & (y > p.door_y - 2 * gap)
    return torch.where(near & ~up, side * (p.wall_half_width + gap), x), torch.where(up, p.door_y + gap, y)


def initial_state(seeds: torch.Tensor, episodes: torch.Tensor, p: TwoRoomsParams,
                  goal: torch.Tensor | None = None) -> State:
    """Start of an episode: position near (start_x, start_y), goal uniform over the free square
    (or ``goal`` (N, 2) where given)."""
    key = hashrng.episode_key(seeds, episodes)
    u = hashrng.uniforms(key, (_STREAM_START, _STREAM_START + 1, _STREAM_GOAL, _STREAM_GOAL + 1))
    x = p.start_x + (2.0 * u[0] - 1.0) * p.start_half_width
    y = p.start_y + (2.0 * u[1] - 1.0) * p.start_half_width
    gx, gy = push_out_of_wall(2.0 * u[2] - 1.0, 2.0 * u[3] - 1.0, p)
    if goal is not None:
        gx, gy = goal[:, 0].clone(), goal[:, 1].clone()
    x, y = push_out_of_wall(x, y, p)
    return {"x": x, "y": y, "gx": gx, "gy": gy, "t": torch.zeros_like(seeds), "key": key}


def observe(state: State) -> torch.Tensor:
    """(N, 4) observations (x, y, goal_x, goal_y)."""
    return columns(state["x"], state["y"], state["gx"], state["gy"])


def move(x: torch.Tensor, y: torch.Tensor, act: torch.Tensor, p: TwoRoomsParams) -> tuple[torch.Tensor, torch.Tensor]:
    """One step of the point mass for actions (N, 2): clipped to the square, sliding along the wall."""
    nx = torch.clamp(x + p.speed * act[:, 0], -1.0, 1.0)
    ny = torch.clamp(y + p.speed * act[:, 1], -1.0, 1.0)
    blocked = in_wall(nx, ny, p)
    keep_x_blocked = in_wall(x, ny, p)  # slide vertically: old x, new y
    keep_y_blocked = in_wall(nx, y, p)  # slide horizontally: new x, old y
    fx = torch.where(blocked & ~keep_x_blocked, x, torch.where(blocked & ~keep_y_blocked, nx, torch.where(blocked, x, nx)))
    fy = torch.where(blocked & ~keep_x_blocked, ny, torch.where(blocked & ~keep_y_blocked, y, torch.where(blocked, y, ny)))
    return fx, fy


def transition(state: State, act: torch.Tensor, p: TwoRoomsParams) -> tuple[State, Outcome]:
    t = state["t"] + 1
    x, y = move(state["x"], state["y"], act, p)
    reached = torch.hypot(x - state["gx"], y - state["gy"]) < p.goal_radius
    truncated = (t >= p.horizon) & ~reached
    outcome = Outcome(
        reward=reached.to(torch.float32),
        terminated=reached,
        truncated=truncated,
        success=reached,
        cost=torch.zeros_like(x),
    )
    return dict(state, x=x, y=y, t=t), outcome


def segment_clear(p0: torch.Tensor, p1: torch.Tensor, p: TwoRoomsParams) -> torch.Tensor:
    """(N,) bool: the segment from p0 (N, 2) to p1 (N, 2) keeps ``expert_margin`` away from the wall."""
    h = p.wall_half_width + p.expert_margin
    top = p.door_y + p.expert_margin
    dx = p1[:, 0] - p0[:, 0]
    safe_dx = torch.where(dx.abs() < 1e-9, torch.full_like(dx, 1e-9), dx)
    t1, t2 = (-h - p0[:, 0]) / safe_dx, (h - p0[:, 0]) / safe_dx
    lo = torch.clamp(torch.minimum(t1, t2), min=0.0)
    hi = torch.clamp(torch.maximum(t1, t2), max=1.0)
    vertical = dx.abs() < 1e-9
    lo = torch.where(vertical, torch.zeros_like(lo), lo)
    hi = torch.where(vertical, torch.where(p0[:, 0].abs() < h, torch.ones_like(hi), -torch.ones_like(hi)), hi)
    crosses = lo <= hi
    dy = p1[:, 1] - p0[:, 1]
    lowest = torch.minimum(p0[:, 1] + lo * dy, p0[:, 1] + hi * dy)
    return ~(crosses & (lowest < top))


def expert(obs: torch.Tensor, p: TwoRoomsParams) -> torch.Tensor:
    """The scripted expert's action (N, 2) for observations (N, 4) = (x, y, goal_x, goal_y).

    Target: the goal if the straight segment to it clears the wall; else the waypoint in the
    door on the goal's side if that is in view; else the waypoint on its own side. It moves at
    full speed along its largest axis (a = d / max(speed, max|d|), d = target - position), so
    it lands exactly on a target less than a step away.
    """
    pos, goal = obs[:, :2], obs[:, 2:4]
    goal_side = torch.where(goal[:, 0] < 0, -1.0, 1.0)
    own_side = torch.where(pos[:, 0] < 0, -1.0, torch.where(pos[:, 0] > 0, 1.0, 0.0))
    wy = torch.full_like(goal_side, p.door_waypoint_y)
    exit_point = torch.stack([goal_side * p.door_offset, wy], dim=-1)
    entrance = torch.stack([own_side * p.door_offset, wy], dim=-1)
    target = torch.where(segment_clear(pos, goal, p)[:, None], goal,
                         torch.where(segment_clear(pos, exit_point, p)[:, None], exit_point, entrance))
    d = target - pos
    scale = torch.clamp(d.abs().amax(dim=-1, keepdim=True), min=p.speed)
    return d / scale


class TwoRoomsVecEnv(TorchVectorEnv):
    """Vectorized two-rooms world; see the module docstring. ``gymnasium.make_vec("ilcourse/TwoRooms-v0", ...)``."""

    def __init__(self, num_envs: int = 1, device: torch.device | str = "cpu", render_mode: str | None = None, **params):
        self.params = TwoRoomsParams(**params)
        self.obs_low = np.full(4, -1.0, dtype=np.float32)
        self.obs_high = np.full(4, 1.0, dtype=np.float32)
        self.act_low = np.full(2, -1.0, dtype=np.float32)
        self.act_high = np.full(2, 1.0, dtype=np.float32)
        self.max_episode_steps = int(self.params.horizon)
        super().__init__(num_envs, device, render_mode)
        self.constants = scalar_tensors(self.params, self.device)
        self.fixed_goal: torch.Tensor | None = None

    def reset(self, *, seed=None, options: dict | None = None):
        """As every world's ``reset``; ``options={"goal": goals}`` with goals (num_envs, 2)
        fixes the goals (for this and every later episode until the next reset without it)."""
        goal = (options or {}).get("goal")
        if goal is not None:
            goal = torch.as_tensor(goal, dtype=torch.float32).to(self.device)
            if goal.shape != (self.num_envs, 2):
                raise ValueError(f"options['goal'] must have shape (num_envs, 2) = ({self.num_envs}, 2), got {tuple(goal.shape)}")
        self.fixed_goal = goal
        return super().reset(seed=seed, options=options)

    def initial_state(self, seeds, episodes):
        return initial_state(seeds, episodes, self.constants, self.fixed_goal)

    def transition(self, state, act):
        return transition(state, act, self.constants)

    def observe(self, state):
        return observe(state)

    def expert_action(self) -> torch.Tensor:
        return expert(self.observe(self.state), self.constants)

    def draw(self, state: State) -> np.ndarray:
        p, scale = self.params, 100.0
        size = int(2 * scale)
        img = blank(size, size, (235, 235, 235))
        to_col = lambda v: (v + 1.0) * scale  # noqa: E731
        to_row = lambda v: (1.0 - v) * scale  # noqa: E731
        fill_rect(img, to_col(-p.wall_half_width), to_row(p.door_y), to_col(p.wall_half_width), to_row(-1.0), (60, 60, 60))
        fill_disk(img, to_col(float(state["gx"][0])), to_row(float(state["gy"][0])), p.goal_radius * scale, (90, 160, 90))
        fill_disk(img, to_col(float(state["x"][0])), to_row(float(state["y"][0])), 4, (200, 40, 40))
        return img


def make_single(render_mode: str | None = None, **params) -> SingleEnv:
    """Entry point of ``gymnasium.make("ilcourse/TwoRooms-v0")``."""
    return SingleEnv(TwoRoomsVecEnv, render_mode=render_mode, **params)
