"""ilcourse: reference implementations, toy worlds and helpers for the imitation-learning course.

The notebooks teach these functions; later notebooks import them so that a mistake in one
exercise never breaks the next lesson.
"""

from __future__ import annotations

import random

import numpy as np
import torch

__version__ = "0.3.0"


def default_device() -> torch.device:
    """The fastest device present: cuda, then mps, then cpu."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch's global RNGs, and return a fresh CPU generator with that seed.

    Library code never reads the global RNGs; it takes a ``torch.Generator``. Seeding them
    anyway keeps a notebook's own ad-hoc randomness (weight init, plotting jitter) repeatable.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return make_generator(seed)


def make_generator(seed: int, device: torch.device | str = "cpu") -> torch.Generator:
    """A ``torch.Generator`` on ``device`` seeded with ``seed``."""
    gen = torch.Generator(device=device)
    gen.manual_seed(seed)
    return gen


# Importing ilcourse registers the worlds, so gymnasium.make("ilcourse/...") works after it.
from ilcourse.envs import register_all  # noqa: E402 (needs the helpers above defined first)

register_all()
