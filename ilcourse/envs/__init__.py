"""The course's toy worlds: torch-vectorized gymnasium environments with scripted experts.

| id                       | lesson                                  | module      |
|--------------------------|-----------------------------------------|-------------|
| ilcourse/Fork-v0         | multimodal demos: swerve left or right  | fork.py     |
| ilcourse/Highway-v0      | covarying action dimensions             | highway.py  |
| ilcourse/Tracking-v0     | long horizons, stable/unstable dynamics | tracking.py |
| ilcourse/Tightrope-v0    | the absorbing-failure chain, O(eps T^2) | tightrope.py|

``gymnasium.make_vec(id, num_envs=N, device="cuda")`` builds the vectorized world (tensors on
``device``); ``gymnasium.make(id)`` a single NumPy env. World parameters are keyword arguments
of both, e.g. ``gymnasium.make_vec("ilcourse/Fork-v0", num_envs=64, p_left=0.7)``.
"""

from __future__ import annotations

import gymnasium as gym

from ilcourse.envs.fork import ForkVecEnv
from ilcourse.envs.highway import HighwayVecEnv
from ilcourse.envs.tightrope import TightropeVecEnv
from ilcourse.envs.tracking import TrackingVecEnv

WORLDS = {
    "ilcourse/Fork-v0": ForkVecEnv,
    "ilcourse/Highway-v0": HighwayVecEnv,
    "ilcourse/Tracking-v0": TrackingVecEnv,
    "ilcourse/Tightrope-v0": TightropeVecEnv,
}

__all__ = ["ForkVecEnv", "HighwayVecEnv", "TrackingVecEnv", "TightropeVecEnv", "WORLDS", "register_all"]


def register_all() -> None:
    """Register every world with gymnasium (idempotent): the vector class, and its module's
    ``make_single`` as the single-env entry point."""
    for env_id, vec_class in WORLDS.items():
        if env_id in gym.registry:
            continue
        gym.register(
            id=env_id,
            entry_point=f"{vec_class.__module__}:make_single",
            vector_entry_point=f"{vec_class.__module__}:{vec_class.__name__}",
        )


# -- ilcourse/TwoRooms-v0 (notebook 10: goal-conditioned imitation, hindsight relabeling) ----------
from ilcourse.envs.tworooms import TwoRoomsVecEnv  # noqa: E402

WORLDS["ilcourse/TwoRooms-v0"] = TwoRoomsVecEnv
__all__.append("TwoRoomsVecEnv")

# -- ilcourse/Stoplight-v0 (notebook 09: history, non-Markovian experts, causal confusion) ------
from ilcourse.envs.stoplight import StoplightVecEnv  # noqa: E402

WORLDS["ilcourse/Stoplight-v0"] = StoplightVecEnv
__all__.append("StoplightVecEnv")
