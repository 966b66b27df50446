"""A traffic light seen through a flickering camera: an expert whose action the current frame does not determine.

A vehicle waits at a crossing for ``horizon`` steps. The light cycles green -> amber -> red ->
green ...; a green phase lasts ``green_min``..``green_max`` steps, amber ``amber`` steps, red
``red_min``..``red_max`` steps (uniform, independently per phase). The expert sees the light
itself and drives (a = +1) while it is green and stops (a = -1) while it is amber or red.
The observation is a camera reading of the light that is WRONG with probability ``flicker``,
independently at every step: one frame cannot tell a real change of the light from a flicker,
a few frames can. (That is what makes the expert non-Markovian in the observation.)

A step is *wrong* (cost 1) if the vehicle moves (a > 0) while the light is red, or stands
(a <= 0) while the light has been green for at least ``grace`` steps. Amber and the first
``grace`` green steps are free: they give a driver time to see a change. An episode succeeds
if it has no wrong step. Episodes start at the beginning of a green phase or of an amber
phase (probability 1/2 each), so that the first steps are free too.

With ``brake_lamp=True`` the observation also shows the vehicle's brake lamp: -1 if its
previous action was a stop (a <= 0), +1 if it was a go, 0 at the first step of an episode.
The lamp is caused by the driver's own previous action and carries no information about the
light that the driver did not already act on: the nuisance feature of the copycat problem.

    observation  (reading,) or (reading, lamp)    float32, shape (1,) or (2,); reading +1 go / -1 stop
    action       a                                float32, shape (1,), clipped to [-1, 1]; a > 0 moves
    reward       -1 per wrong step; truncated after ``horizon`` steps

The expert (``expert_action``) reads the light from the state, so it can label any state the
vehicle is in (DAgger); ``expert(state)`` is the same as a pure function.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ilcourse.envs import hashrng
from ilcourse.envs.base import Outcome, SingleEnv, State, TorchVectorEnv, blank, columns, fill_disk, fill_rect

GREEN, AMBER, RED = 0, 1, 2
_STREAM_START, _STREAM_LENGTH, _STREAM_FLICKER = 1, 2, 3


@dataclass(frozen=True)
class StoplightParams:
    horizon: int = 48
    flicker: float = 0.1  # probability that a camera reading shows the wrong light
    green_min: int = 14
    green_max: int = 22
    amber: int = 4
    red_min: int = 10
    red_max: int = 16
    grace: int = 4  # the first `grace` green steps forgive standing
    brake_lamp: bool = False  # show the previous action's lamp in the observation

    def __post_init__(self):
        if not (1 <= self.green_min <= self.green_max and 1 <= self.red_min <= self.red_max and self.amber >= 1):
            raise ValueError("phase lengths must be >= 1 and min <= max")
        if not 0.0 <= self.flicker < 0.5:
            raise ValueError(f"flicker must be in [0, 0.5), got {self.flicker}")


def _length(u: torch.Tensor, low: int, high: int) -> torch.Tensor:
    """(N,) int64 lengths uniform in {low, ..., high} from (N,) uniforms in [0, 1)."""
    return low + (u * (high - low + 1)).to(torch.int64).clamp(max=high - low)


def _reading(phase: torch.Tensor, key: torch.Tensor, t: torch.Tensor, p: StoplightParams) -> torch.Tensor:
    """(N,) camera readings: +1 green, -1 amber or red, wrong with probability ``flicker``."""
    go = phase == GREEN
    flipped = hashrng.uniform(key, _STREAM_FLICKER, t) < p.flicker
    return torch.where(go ^ flipped, 1.0, -1.0)


def initial_state(seeds: torch.Tensor, episodes: torch.Tensor, p: StoplightParams) -> State:
    key = hashrng.episode_key(seeds, episodes)
    t = torch.zeros_like(seeds)
    u_start, u_length = hashrng.uniforms(key, (_STREAM_START, _STREAM_LENGTH), t)
    phase = torch.where(u_start < 0.5, GREEN, AMBER)
    left = torch.where(phase == GREEN, _length(u_length, p.green_min, p.green_max), p.amber)
    zero = torch.zeros(seeds.shape, dtype=torch.float32, device=seeds.device)
    return {
        "phase": phase,
        "left": left,  # steps left in the current phase, including this one
        "age": torch.zeros_like(seeds),  # steps since the current phase began
        "reading": _reading(phase, key, t, p),
        "lamp": zero,
        "wrong": zero,  # wrong steps so far in this episode
        "t": t,
        "key": key,
    }


def observe(state: State, p: StoplightParams) -> torch.Tensor:
    if p.brake_lamp:
        return columns(state["reading"], state["lamp"])
    return columns(state["reading"])


def wrong_step(phase: torch.Tensor, age: torch.Tensor, moving: torch.Tensor, p: StoplightParams) -> torch.Tensor:
    """(N,) bool: moving on red, or standing on a green that is at least ``grace`` steps old."""
    return ((phase == RED) & moving) | ((phase == GREEN) & (age >= p.grace) & ~moving)


def transition(state: State, act: torch.Tensor, p: StoplightParams) -> tuple[State, Outcome]:
    moving = act[:, 0] > 0
    wrong = wrong_step(state["phase"], state["age"], moving, p)
    t = state["t"] + 1
    # the light: the phase ends when its steps are used up; the next one draws its length
    ends = state["left"] <= 1
    following = (state["phase"] + 1) % 3
    u = hashrng.uniform(state["key"], _STREAM_LENGTH, t)
    fresh_length = torch.where(
        following == GREEN,
        _length(u, p.green_min, p.green_max),
        torch.where(following == RED, _length(u, p.red_min, p.red_max), torch.full_like(u, p.amber, dtype=torch.int64)),
    )
    phase = torch.where(ends, following, state["phase"])
    left = torch.where(ends, fresh_length, state["left"] - 1)
    age = torch.where(ends, 0, state["age"] + 1)
    cost = wrong.to(torch.float32)
    total = state["wrong"] + cost
    truncated = t >= p.horizon
    nxt = dict(
        state,
        phase=phase,
        left=left,
        age=age,
        reading=_reading(phase, state["key"], t, p),
        lamp=torch.where(moving, 1.0, -1.0),
        wrong=total,
        t=t,
    )
    outcome = Outcome(
        reward=-cost,
        terminated=torch.zeros_like(truncated),
        truncated=truncated,
        success=truncated & (total == 0),
        cost=cost,
    )
    return nxt, outcome


def expert(state: State) -> torch.Tensor:
    """Go (+1) on green, stop (-1) on amber and red: (N, 1), from the light itself (not the reading)."""
    return torch.where(state["phase"] == GREEN, 1.0, -1.0).unsqueeze(-1)


class StoplightVecEnv(TorchVectorEnv):
    """Vectorized stoplight; see the module docstring. ``gymnasium.make_vec("ilcourse/Stoplight-v0", ...)``."""

    def __init__(self, num_envs: int = 1, device: torch.device | str = "cpu", render_mode: str | None = None, **params):
        self.params = p = StoplightParams(**params)
        dim = 2 if p.brake_lamp else 1
        self.obs_low = np.full(dim, -1.0, dtype=np.float32)
        self.obs_high = np.full(dim, 1.0, dtype=np.float32)
        self.act_low = np.array([-1.0], dtype=np.float32)
        self.act_high = np.array([1.0], dtype=np.float32)
        self.max_episode_steps = int(p.horizon)
        super().__init__(num_envs, device, render_mode)

    def initial_state(self, seeds, episodes):
        return initial_state(seeds, episodes, self.params)

    def transition(self, state, act):
        return transition(state, act, self.params)

    def observe(self, state):
        return observe(state, self.params)

    def expert_action(self) -> torch.Tensor:
        return expert(self.state)

    def draw(self, state: State) -> np.ndarray:
        """The light (what it really shows), the camera's reading beside it, and the brake lamp."""
        height, width = 120, 200
        img = blank(height, width, (200, 200, 200))
        fill_rect(img, 20, 10, 60, 110, (40, 40, 40))
        phase = int(state["phase"][0])
        colors = [(60, 200, 60), (240, 180, 20), (220, 40, 40)]
        for k, row in enumerate((90, 60, 30)):
            fill_disk(img, 40, row, 11, colors[k] if k == phase else (80, 80, 80))
        reading = float(state["reading"][0])
        fill_rect(img, 90, 45, 130, 75, (60, 200, 60) if reading > 0 else (220, 40, 40))
        fill_rect(img, 150, 80, 190, 100, (255, 60, 60) if float(state["lamp"][0]) < 0 else (120, 40, 40))
        return img


def make_single(render_mode: str | None = None, **params) -> SingleEnv:
    return SingleEnv(StoplightVecEnv, render_mode=render_mode, **params)
