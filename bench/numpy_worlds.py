"""The baselines: the course's worlds as one-environment-per-object gymnasium envs.

Same dynamics and parameters as ``ilcourse.envs`` (their defaults), randomness from
``self.np_random``; ``gymnasium.vector.SyncVectorEnv`` batches them. Two styles:

- ``Usual*`` (the baseline of the ratio): written the way gymnasium envs usually are, the
  state in a NumPy array updated with NumPy operations, registered and built through
  ``gymnasium.make_vec(..., vectorization_mode="sync")`` (with gymnasium's standard wrappers).
- ``Lean*`` (a stricter reference): hand-tuned, the state in Python floats and ``math``,
  constructed directly without wrappers.

Only the benchmark uses these.
"""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np

from ilcourse.envs.fork import ForkParams
from ilcourse.envs.highway import HighwayParams
from ilcourse.envs.tightrope import TightropeParams
from ilcourse.envs.tracking import TrackingParams


class LeanFork(gym.Env):
    def __init__(self):
        self.p = ForkParams()
        self.observation_space = gym.spaces.Box(-10.0, 20.0, (2,), np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (1,), np.float32)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.x, self.y = 0.0, self.np_random.uniform(-self.p.start_spread, self.p.start_spread)
        self.side = 1.0 if self.np_random.uniform() < self.p.p_left else -1.0
        return np.array([self.x, self.y], np.float32), {}

    def step(self, action):
        p = self.p
        a = float(np.clip(action, -1.0, 1.0)[0])
        self.x += p.speed
        self.y += p.lateral_speed * a + p.disturbance_std * self.np_random.normal()
        half = min(max(p.island_slope * (self.x - p.island_x), 0.0), p.island_half_width)
        crashed = (self.x >= p.island_x and abs(self.y) < half + p.vehicle_radius) or abs(self.y) > p.road_half_width
        arrived = self.x >= p.x_goal and not crashed
        return np.array([self.x, self.y], np.float32), float(arrived), crashed or arrived, False, {}


class LeanHighway(gym.Env):
    def __init__(self):
        self.p = HighwayParams()
        self.observation_space = gym.spaces.Box(-10.0, 20.0, (3,), np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (2,), np.float32)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.x, self.v = 0.0, 1.0
        self.y = self.np_random.uniform(-self.p.start_spread, self.p.start_spread)
        self.side = 1.0 if self.np_random.uniform() < self.p.p_left else -1.0
        return np.array([self.x, self.y, self.v], np.float32), {}

    def step(self, action):
        p = self.p
        steer, throttle = np.clip(action, -1.0, 1.0)
        self.y += p.lateral_speed * float(steer)
        self.v = 1.0 + p.speed_range * float(throttle)
        self.x += p.dt * self.v
        crashed = (
            (self.y > p.lane_edge and self.v > p.truck_speed)
            or (self.y < -p.lane_edge and self.v < p.traffic_speed)
            or (abs(self.y) <= p.lane_edge and self.x > p.x_merge_end)
            or abs(self.y) > p.road_half_width
        )
        arrived = self.x >= p.x_goal and not crashed
        return np.array([self.x, self.y, self.v], np.float32), float(arrived), crashed or arrived, False, {}


class LeanTracking(gym.Env):
    def __init__(self):
        self.p = TrackingParams()
        self.observation_space = gym.spaces.Box(-1e6, 1e6, (3,), np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (1,), np.float32)

    def _obs(self):
        phase = self.p.omega * self.x
        return np.array([self.e, math.sin(phase), math.cos(phase)], np.float32)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        p = self.p
        self.e = self.np_random.uniform(-p.start_spread, p.start_spread)
        self.x = self.np_random.uniform() * 2 * math.pi / p.omega
        self.t = 0
        return self._obs(), {}

    def step(self, action):
        p = self.p
        u = p.u_max * float(np.clip(action, -1.0, 1.0)[0])
        step = p.omega * p.speed * p.dt
        phase = p.omega * self.x
        shift = p.amplitude * (math.sin(phase) * (math.cos(step) - 1.0) + math.cos(phase) * math.sin(step))
        noise = p.noise_std * self.np_random.normal() if p.noise_std > 0 else 0.0
        kick = 0.0
        if p.kick_prob > 0 and self.np_random.uniform() < p.kick_prob:
            kick = p.kick_size * (1.0 if self.np_random.uniform() < 0.5 else -1.0)
        self.e += p.dt * (p.instability * self.e + u) - shift + noise + kick
        self.e = min(max(self.e, -p.max_error), p.max_error)  # the ditch
        self.x += p.speed * p.dt
        self.t += 1
        off = float(abs(self.e) > p.half_width)
        return self._obs(), -off, False, self.t >= p.horizon, {}


class LeanTightrope(gym.Env):
    def __init__(self):
        self.p = TightropeParams()
        self.observation_space = gym.spaces.Box(-1.0, 1.0, (3,), np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (1,), np.float32)

    def _obs(self):
        return np.array([self.on_rope, self.sway, self.t / self.p.horizon], np.float32)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.on_rope, self.t = 1.0, 0
        self.sway = 1.0 if self.np_random.uniform() < 0.5 else -1.0
        return self._obs(), {}

    def step(self, action):
        p = self.p
        a = float(np.clip(action, -1.0, 1.0)[0])
        slipped = self.np_random.uniform() < p.eps
        stays = self.on_rope > 0.5 and np.sign(a) == self.sway and not slipped
        climbs = self.on_rope <= 0.5 and a > 0 and not p.absorbing
        self.on_rope = 1.0 if (stays or climbs) else 0.0
        self.t += 1
        self.sway = 1.0 if self.np_random.uniform() < 0.5 else -1.0
        cost = 1.0 - self.on_rope
        return self._obs(), -cost, False, self.t >= p.horizon, {}


class UsualFork(gym.Env):
    """state = [x, y, side] as a NumPy array."""

    def __init__(self):
        self.p = ForkParams()
        self.observation_space = gym.spaces.Box(-10.0, 20.0, (2,), np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (1,), np.float32)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        y0 = self.np_random.uniform(-self.p.start_spread, self.p.start_spread)
        side = 1.0 if self.np_random.uniform() < self.p.p_left else -1.0
        self.state = np.array([0.0, y0, side])
        return self.state[:2].astype(np.float32), {}

    def step(self, action):
        p = self.p
        a = np.clip(action, self.action_space.low, self.action_space.high)
        gust = p.disturbance_std * self.np_random.normal() if p.disturbance_std > 0 else 0.0
        self.state[:2] += np.array([p.speed, p.lateral_speed * a[0] + gust])
        x, y = self.state[0], self.state[1]
        half = np.clip(p.island_slope * (x - p.island_x), 0.0, p.island_half_width)
        crashed = bool((x >= p.island_x and np.abs(y) < half + p.vehicle_radius) or np.abs(y) > p.road_half_width)
        arrived = bool(x >= p.x_goal and not crashed)
        return self.state[:2].astype(np.float32), float(arrived), crashed or arrived, False, {}


class UsualHighway(gym.Env):
    """state = [x, y, v] as a NumPy array."""

    def __init__(self):
        self.p = HighwayParams()
        self.observation_space = gym.spaces.Box(-10.0, 20.0, (3,), np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (2,), np.float32)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        y0 = self.np_random.uniform(-self.p.start_spread, self.p.start_spread)
        self.side = 1.0 if self.np_random.uniform() < self.p.p_left else -1.0
        self.state = np.array([0.0, y0, 1.0])
        return self.state.astype(np.float32), {}

    def step(self, action):
        p = self.p
        steer, throttle = np.clip(action, self.action_space.low, self.action_space.high)
        self.state[1] += p.lateral_speed * steer
        self.state[2] = 1.0 + p.speed_range * throttle
        self.state[0] += p.dt * self.state[2]
        x, y, v = self.state
        crashed = bool(
            (y > p.lane_edge and v > p.truck_speed)
            or (y < -p.lane_edge and v < p.traffic_speed)
            or (np.abs(y) <= p.lane_edge and x > p.x_merge_end)
            or np.abs(y) > p.road_half_width
        )
        arrived = bool(x >= p.x_goal and not crashed)
        return self.state.astype(np.float32), float(arrived), crashed or arrived, False, {}


class UsualTracking(gym.Env):
    """state = [x, e] as a NumPy array."""

    def __init__(self):
        self.p = TrackingParams()
        self.observation_space = gym.spaces.Box(-1e6, 1e6, (3,), np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (1,), np.float32)

    def _obs(self):
        phase = self.p.omega * self.state[0]
        return np.array([self.state[1], np.sin(phase), np.cos(phase)], dtype=np.float32)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        p = self.p
        e0 = self.np_random.uniform(-p.start_spread, p.start_spread)
        self.state = np.array([self.np_random.uniform() * 2 * np.pi / p.omega, e0])
        self.t = 0
        return self._obs(), {}

    def step(self, action):
        p = self.p
        u = p.u_max * np.clip(action, self.action_space.low, self.action_space.high)[0]
        step = p.omega * p.speed * p.dt
        phase = p.omega * self.state[0]
        shift = p.amplitude * (np.sin(phase) * (np.cos(step) - 1.0) + np.cos(phase) * np.sin(step))
        noise = p.noise_std * self.np_random.normal() if p.noise_std > 0 else 0.0
        self.state += np.array([p.speed * p.dt, p.dt * (p.instability * self.state[1] + u) - shift + noise])
        if abs(self.state[1]) > p.max_error:  # the ditch
            self.state[1] = np.sign(self.state[1]) * p.max_error
        self.t += 1
        off = float(np.abs(self.state[1]) > p.half_width)
        return self._obs(), -off, False, self.t >= p.horizon, {}


class UsualTightrope(gym.Env):
    """state = [on_rope, sway] as a NumPy array."""

    def __init__(self):
        self.p = TightropeParams()
        self.observation_space = gym.spaces.Box(-1.0, 1.0, (3,), np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (1,), np.float32)

    def _obs(self):
        return np.append(self.state, self.t / self.p.horizon).astype(np.float32)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        self.state = np.array([1.0, self.np_random.choice([-1.0, 1.0])])
        return self._obs(), {}

    def step(self, action):
        p = self.p
        a = np.clip(action, self.action_space.low, self.action_space.high)[0]
        slipped = self.np_random.uniform() < p.eps
        on = self.state[0] > 0.5
        stays = on and np.sign(a) == self.state[1] and not slipped
        climbs = (not on) and a > 0 and not p.absorbing
        self.state = np.array([1.0 if (stays or climbs) else 0.0, self.np_random.choice([-1.0, 1.0])])
        self.t += 1
        return self._obs(), -(1.0 - self.state[0]), False, self.t >= p.horizon, {}


WORLDS = ["ilcourse/Fork-v0", "ilcourse/Highway-v0", "ilcourse/Tracking-v0", "ilcourse/Tightrope-v0"]
USUAL = dict(zip(WORLDS, [UsualFork, UsualHighway, UsualTracking, UsualTightrope]))
LEAN = dict(zip(WORLDS, [LeanFork, LeanHighway, LeanTracking, LeanTightrope]))


def register_usual() -> dict[str, str]:
    """Register the usual-style envs with gymnasium; returns {course id: baseline id}."""
    ids = {}
    for world, cls in USUAL.items():
        baseline_id = "bench/" + world.split("/")[1].replace("-v0", "Numpy-v0")
        if baseline_id not in gym.registry:
            gym.register(id=baseline_id, entry_point=cls)
        ids[world] = baseline_id
    return ids
