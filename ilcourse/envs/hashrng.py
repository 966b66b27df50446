"""Counter-based random numbers for the vectorized worlds.

Every sub-environment needs its own random stream, so that env ``i`` of a vector env seeded
with ``s`` produces exactly the numbers of a single env seeded with ``s + i``. Keeping one
``torch.Generator`` per sub-environment would mean a Python loop over 65 536 generators per
step. Instead each random number is a pure function of integers,

    key_i = hash(seed_i, episode_i)            (once per episode, kept in the state)
    u = hash(key_i, step_i, stream) -> [0, 1)

computed for all environments at once with integer ops (the idea behind JAX's and Philox's
counter-based generators). Same inputs give the same numbers on any device and batch size.

All arithmetic stays below 2**62 so that int64 never overflows.
"""

from __future__ import annotations

import math

import torch

_MASK32 = 0xFFFFFFFF


def _mul32(x: torch.Tensor, c: int) -> torch.Tensor:
    """(x * c) mod 2**32 for x < 2**32, without int64 overflow (split c into 16-bit halves)."""
    lo, hi = c & 0xFFFF, c >> 16
    return (x * lo + (((x * hi) & 0xFFFF) << 16)) & _MASK32


def hash32(x: torch.Tensor) -> torch.Tensor:
    """A 32-bit integer mixing function (Wellons' "lowbias32"), elementwise on int64 tensors."""
    x = x & _MASK32
    x = x ^ (x >> 16)
    x = _mul32(x, 0x7FEB352D)
    x = x ^ (x >> 15)
    x = _mul32(x, 0x846CA68B)
    x = x ^ (x >> 16)
    return x


def episode_key(seeds: torch.Tensor, episodes: torch.Tensor) -> torch.Tensor:
    """One 32-bit key per (seed, episode): the root of every random number of that episode.

    Seeds are taken modulo 2**32 (``TorchVectorEnv.reset`` reduces them).
    """
    return hash32(hash32(seeds & _MASK32) ^ (episodes & _MASK32))


def uniform(key: torch.Tensor, *counters: torch.Tensor | int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Uniform numbers in [0, 1): hash the episode ``key`` with each counter (step, stream id) in turn.

    ``key`` (N,) int64 from ``episode_key``; counters broadcast against it.
    """
    h = key
    for c in counters:
        h = hash32(h ^ (torch.as_tensor(c, dtype=torch.int64, device=key.device) & _MASK32))
    return (h >> 8).to(dtype) * (1.0 / 2**24)


def normal(key: torch.Tensor, *counters: torch.Tensor | int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Standard normal numbers (Box-Muller on two hashed uniforms)."""
    u1 = uniform(key, *counters, 1, dtype=dtype)
    u2 = uniform(key, *counters, 2, dtype=dtype)
    return torch.sqrt(-2.0 * torch.log1p(-u1)) * torch.cos(2.0 * math.pi * u2)
