"""The tightrope: the absorbing-failure chain behind the O(eps T^2) bound of behavioral cloning.

A walker crosses a rope for ``horizon`` steps. Each step the rope sways left or right (shown in
the observation) and the walker must lean the same way: action ``a`` with sign(a) == sway. A
wrong lean makes it fall. Even a walker that always leans correctly slips with probability
``eps`` per step: that is the learner's per-step error rate. Every step spent off the rope costs 1.

With ``absorbing=True`` (the textbook case) a fall is forever, so the expected cost is
exactly  sum_{t=1..T} (1 - (1 - eps)^t)  ~  eps T (T + 1) / 2  while eps T << 1
(``ilcourse.compounding.expected_cost``).
With ``absorbing=False`` a walker off the rope that chooses a > 0 ("climb") is back on the
rope at the next step: a learner that knows how to recover pays about eps T.

    observation  (on_rope, sway, t / horizon)      float32, shape (3,), on_rope in {0, 1}, sway in {-1, +1}
    action       lean a                            float32, shape (1,), clipped to [-1, 1]
    reward       -1 per step off the rope; truncated after ``horizon`` steps
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ilcourse.envs import hashrng
from ilcourse.envs.base import Outcome, SingleEnv, State, TorchVectorEnv, blank, columns, fill_disk, fill_rect

_STREAM_SWAY, _STREAM_SLIP = 1, 2


@dataclass(frozen=True)
class TightropeParams:
    eps: float = 0.01
    horizon: int = 100
    absorbing: bool = True


def _sway(u: torch.Tensor) -> torch.Tensor:
    """(N,) sways of +-1 from (N,) uniforms of the sway stream."""
    return torch.where(u < 0.5, -1.0, 1.0)


def initial_state(seeds: torch.Tensor, episodes: torch.Tensor, p: TightropeParams) -> State:
    t = torch.zeros_like(seeds)
    key = hashrng.episode_key(seeds, episodes)
    return {
        "on_rope": torch.ones(seeds.shape, dtype=torch.float32, device=seeds.device),
        "sway": _sway(hashrng.uniform(key, _STREAM_SWAY, t)),
        "t": t,
        "key": key,
    }


def observe(state: State, p: TightropeParams) -> torch.Tensor:
    return columns(state["on_rope"], state["sway"], state["t"] / p.horizon)


def transition(state: State, act: torch.Tensor, p: TightropeParams) -> tuple[State, Outcome]:
    t = state["t"] + 1
    on = state["on_rope"] > 0.5
    u_slip, u_sway = hashrng.uniforms(state["key"], (_STREAM_SLIP, _STREAM_SWAY), t)
    slipped = u_slip < p.eps
    leaned_right_way = torch.sign(act[:, 0]) == state["sway"]
    stays_on = on & leaned_right_way & ~slipped
    climbs_back = ~on & (act[:, 0] > 0) & (not p.absorbing)
    on_next = stays_on | climbs_back
    cost = (~on_next).to(torch.float32)
    truncated = t >= p.horizon
    nxt = dict(state, on_rope=on_next.to(torch.float32), sway=_sway(u_sway), t=t)
    outcome = Outcome(
        reward=-cost,
        terminated=torch.zeros_like(truncated),
        truncated=truncated,
        success=truncated & on_next,
        cost=cost,
    )
    return nxt, outcome


def expert(obs: torch.Tensor) -> torch.Tensor:
    """Lean with the sway on the rope; climb (a = +1) when off it. (N, 3) -> (N, 1)."""
    on, sway = obs[:, 0] > 0.5, obs[:, 1]
    return torch.where(on, sway, torch.ones_like(sway)).unsqueeze(-1)


class TightropeVecEnv(TorchVectorEnv):
    """Vectorized tightrope; see the module docstring. ``gymnasium.make_vec("ilcourse/Tightrope-v0", ...)``."""

    def __init__(self, num_envs: int = 1, device: torch.device | str = "cpu", render_mode: str | None = None, **params):
        self.params = p = TightropeParams(**params)
        self.obs_low = np.array([0.0, -1.0, 0.0], dtype=np.float32)
        self.obs_high = np.array([1.0, 1.0, 1.0], dtype=np.float32)
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
        return expert(self.observe(self.state))

    def draw(self, state: State) -> np.ndarray:
        height, width = 120, 320
        img = blank(height, width, (170, 210, 240))
        fill_rect(img, 0, 40, width, 43, (90, 60, 30))
        col = 10 + (width - 20) * float(state["t"][0]) / self.params.horizon
        on = float(state["on_rope"][0]) > 0.5
        fill_disk(img, col, 30 if on else 105, 8, (200, 40, 40))
        return img


def make_single(render_mode: str | None = None, **params) -> SingleEnv:
    return SingleEnv(TightropeVecEnv, render_mode=render_mode, **params)
