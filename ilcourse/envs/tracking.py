"""Long-horizon tracking: follow a winding track for T steps.

The vehicle moves along x at constant speed; the track's centre line is
``y_ref(x) = amplitude * sin(omega * x)``. The state that matters is the lateral error
``e = y - y_ref(x)``. The action ``a`` in [-1, 1] sets the lateral velocity ``u = u_max * a``, and the open-loop dynamics have
a tunable ``instability`` lambda:

    e_{t+1} = e_t + dt * (lambda * e_t + u_t) - (y_ref(x_{t+1}) - y_ref(x_t)) + noise + kick

lambda < 0: stable (errors die out by themselves); lambda > 0: unstable (errors grow unless
corrected; with |u| <= u_max an error larger than about u_max / lambda can no longer be
undone). Each step off the track (|e| > half_width) costs 1. Episodes last ``horizon`` steps
(truncation), any horizon you like.

    observation  (e, sin(omega x), cos(omega x))     float32, shape (3,)
    action       a = u / u_max                       float32, shape (1,), clipped to [-1, 1]
    reward       -1 per step off the track (so the return is minus the cost)

Optional ``kick_prob``/``kick_size``: with that probability per step a gust pushes the vehicle
sideways by ±kick_size, the rare large mistake that the compounding-error lesson needs.
``max_error`` (the ditch): |e| is clipped to it, so an unstable world's error stops growing
once the vehicle has left the road for good (set it to a few half-widths to keep states
bounded for learning). By default it is the observation space's bound, 1e6: a state never
leaves the observation space or overflows float32.
The expert ``expert(obs)`` depends on the observation only, so it can label ANY state (DAgger).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ilcourse.envs import hashrng
from ilcourse.envs.base import Outcome, SingleEnv, State, TorchVectorEnv, blank, columns, fill_disk

_STREAM_START, _STREAM_PHASE, _STREAM_NOISE, _STREAM_KICK, _STREAM_KICK_SIGN = 1, 2, 3, 5, 6  # NOISE uses 3 and 4
ERROR_BOUND = 1e6  # the observation space's bound on e, and the ditch's default and largest value


@dataclass(frozen=True)
class TrackingParams:
    horizon: int = 200
    instability: float = 0.0  # lambda: < 0 stable, > 0 unstable
    dt: float = 0.1
    speed: float = 1.0
    amplitude: float = 1.0
    omega: float = 0.5
    half_width: float = 0.5  # |e| beyond this is off the track
    u_max: float = 3.0
    noise_std: float = 0.0  # per-step lateral noise
    kick_prob: float = 0.0
    kick_size: float = 1.0
    start_spread: float = 0.1  # initial e ~ U(-start_spread, start_spread)
    expert_gain: float = 5.0  # the expert's closed loop: e_{t+1} = (1 - gain*dt) e_t
    max_error: float = ERROR_BOUND  # the ditch: |e| is clipped to this (a vehicle that left the road stays there)


def initial_state(seeds: torch.Tensor, episodes: torch.Tensor, p: TrackingParams) -> State:
    key = hashrng.episode_key(seeds, episodes)
    u_start, u_phase = hashrng.uniforms(key, (_STREAM_START, _STREAM_PHASE))
    e0 = (2.0 * u_start - 1.0) * p.start_spread
    x0 = u_phase * (2.0 * math.pi / p.omega)  # random start on the loop
    return {"x": x0, "e": e0, "t": torch.zeros_like(seeds), "key": key}


def observe(state: State, p: TrackingParams) -> torch.Tensor:
    """(N, 3): lateral error and the track phase (sin, cos) that tells where the next bend is."""
    phase = p.omega * state["x"]
    return columns(state["e"], torch.sin(phase), torch.cos(phase))


def track_shift(sin_phase: torch.Tensor, cos_phase: torch.Tensor, p: TrackingParams) -> torch.Tensor:
    """y_ref(x + speed*dt) - y_ref(x), from the phase alone (so the expert needs only the observation)."""
    step = p.omega * p.speed * p.dt
    return p.amplitude * (sin_phase * (math.cos(step) - 1.0) + cos_phase * math.sin(step))


def transition(state: State, act: torch.Tensor, p: TrackingParams) -> tuple[State, Outcome]:
    t = state["t"] + 1
    phase = p.omega * state["x"]
    shift = track_shift(torch.sin(phase), torch.cos(phase), p)
    noise = p.noise_std * hashrng.normal(state["key"], _STREAM_NOISE, t) if p.noise_std > 0 else 0.0
    kick = 0.0
    if p.kick_prob > 0:
        kicked = hashrng.uniform(state["key"], _STREAM_KICK, t) < p.kick_prob
        kick_sign = torch.where(hashrng.uniform(state["key"], _STREAM_KICK_SIGN, t) < 0.5, -1.0, 1.0)
        kick = torch.where(kicked, kick_sign * p.kick_size, 0.0)
    u = p.u_max * act[:, 0]
    e = state["e"] + p.dt * (p.instability * state["e"] + u) - shift + noise + kick
    e = torch.clamp(e, -p.max_error, p.max_error)
    off = (e.abs() > p.half_width).to(torch.float32)
    truncated = t >= p.horizon
    outcome = Outcome(
        reward=-off,
        terminated=torch.zeros_like(truncated),
        truncated=truncated,
        success=truncated,  # an episode always runs to the end; the cost says how well
        cost=off,
    )
    return dict(state, x=state["x"] + p.speed * p.dt, e=e, t=t), outcome


def expert(obs: torch.Tensor, p: TrackingParams) -> torch.Tensor:
    """The expert's action for ANY observation, (N, 3) -> (N, 1) in [-1, 1].

    Feed-forward the track's bend and cancel ``instability`` so the error shrinks by a factor
    (1 - expert_gain * dt) per step, as far as |u| <= u_max allows.
    """
    e, s, c = obs[:, 0], obs[:, 1], obs[:, 2]
    u = track_shift(s, c, p) / p.dt - (p.instability + p.expert_gain) * e
    return torch.clamp(u / p.u_max, -1.0, 1.0).unsqueeze(-1)


class TrackingVecEnv(TorchVectorEnv):
    """Vectorized tracking world; see the module docstring. ``gymnasium.make_vec("ilcourse/Tracking-v0", ...)``."""

    def __init__(self, num_envs: int = 1, device: torch.device | str = "cpu", render_mode: str | None = None, **params):
        self.params = p = TrackingParams(**params)
        if not 0 < p.max_error <= ERROR_BOUND:
            raise ValueError(f"max_error must be in (0, {ERROR_BOUND:g}] (the observation space's bound), got {p.max_error}")
        big = np.float32(ERROR_BOUND)
        self.obs_low = np.array([-big, -1.0, -1.0], dtype=np.float32)
        self.obs_high = np.array([big, 1.0, 1.0], dtype=np.float32)
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
        return expert(self.observe(self.state), self.params)

    def draw(self, state: State) -> np.ndarray:
        """The track around the vehicle, scrolling with it (x to the right)."""
        p, scale, height, width = self.params, 40.0, 160, 320
        img = blank(height, width, (90, 160, 90))
        x_car = float(state["x"][0])
        cols = np.arange(width)
        xs = x_car + (cols - width / 4) / scale
        centre = height / 2 - p.amplitude * np.sin(p.omega * xs) * scale / 2
        rows = np.arange(height)[:, None]
        on_track = np.abs(rows - centre[None, :]) <= p.half_width * scale / 2
        img[on_track] = (200, 200, 200)
        y_car = p.amplitude * math.sin(p.omega * x_car) + float(state["e"][0])
        fill_disk(img, width / 4, height / 2 - y_car * scale / 2, 6, (200, 40, 40))
        return img


def make_single(render_mode: str | None = None, **params) -> SingleEnv:
    return SingleEnv(TrackingVecEnv, render_mode=render_mode, **params)
