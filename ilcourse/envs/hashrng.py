"""Counter-based random numbers for the vectorized worlds.

Every sub-environment needs its own random stream, so that env ``i`` of a vector env seeded
with ``s`` produces exactly the numbers of a single env seeded with ``s + i``. Keeping one
``torch.Generator`` per sub-environment would mean a Python loop over 65 536 generators per
step. Instead each random number is a pure function of integers,

    key_i = hash(hash(seed_i) ^ episode_i)     (once per episode, kept in the state)
    u     = hash(key_i ^ (64 * step + stream)) -> [0, 1)

computed for all environments at once with a handful of integer ops (the idea behind JAX's
and Philox's counter-based generators). The same inputs give the same numbers on any device
and at any batch size.

Values stay below 2**32 and multipliers below 2**31, so int64 products never overflow.
"""

from __future__ import annotations

import math

import torch

_MASK32 = 0xFFFFFFFF
# Odd multipliers below 2**31 (from Wellons' lowbias32 and MurmurHash2).
_M1, _M2 = 0x7FEB352D, 0x5BD1E995
STREAMS = 64  # stream ids must be below this


def hash32(x: torch.Tensor) -> torch.Tensor:
    """A 32-bit integer mixing function (xorshift-multiply), elementwise on int64 tensors."""
    x = x & _MASK32
    x = x ^ (x >> 16)
    x = (x * _M1) & _MASK32
    x = x ^ (x >> 15)
    x = (x * _M2) & _MASK32
    return x ^ (x >> 16)


def seed_hash(seeds: torch.Tensor) -> torch.Tensor:
    """Hash of each seed (mod 2**32); computed once at ``reset``."""
    return hash32(seeds)


def episode_key(seed_hashes: torch.Tensor, episodes: torch.Tensor) -> torch.Tensor:
    """One 32-bit key per (seed, episode): the root of every random number of that episode."""
    return hash32(seed_hashes ^ (episodes & _MASK32))


def uniform(key: torch.Tensor, stream: int, step: torch.Tensor | int = 0) -> torch.Tensor:
    """float32 uniform numbers in [0, 1), one per entry of ``key`` (N,) (``step`` broadcasts)."""
    counter = step * STREAMS + stream  # a Python int or an int64 tensor
    return (hash32(key ^ counter) >> 8).to(torch.float32) * (1.0 / 2**24)


def normal(key: torch.Tensor, stream: int, step: torch.Tensor | int = 0) -> torch.Tensor:
    """float32 standard normal numbers (Box-Muller); uses streams ``stream`` and ``stream + 1``."""
    u1 = uniform(key, stream, step)
    u2 = uniform(key, stream + 1, step)
    return torch.sqrt(-2.0 * torch.log1p(-u1)) * torch.cos(2.0 * math.pi * u2)
