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
    """A 32-bit integer mixing function (xorshift-multiply), elementwise on int64 tensors of
    values in [0, 2**32) (seeds are masked to 32 bits by ``seed_hash``; episode numbers and
    counters stay below 2**32 for any run that ends this century)."""
    x = x ^ (x >> 16)  # a new tensor, so the in-place steps below never touch the caller's
    x.mul_(_M1).bitwise_and_(_MASK32)
    x ^= x >> 15
    x.mul_(_M2).bitwise_and_(_MASK32)
    x ^= x >> 16
    return x


def seed_hash(seeds: torch.Tensor) -> torch.Tensor:
    """Hash of each seed (mod 2**32); computed once at ``reset``."""
    return hash32(seeds & _MASK32)


def episode_key(seed_hashes: torch.Tensor, episodes: torch.Tensor) -> torch.Tensor:
    """One 32-bit key per (seed, episode): the root of every random number of that episode."""
    return hash32(seed_hashes ^ episodes)


def uniform(key: torch.Tensor, stream: int, step: torch.Tensor | int = 0) -> torch.Tensor:
    """float32 uniform numbers in [0, 1), one per entry of ``key`` (N,) (``step`` broadcasts)."""
    counter = step * STREAMS + stream  # a Python int or an int64 tensor
    return _unit_interval(hash32(key ^ counter))


def uniforms(key: torch.Tensor, streams: tuple[int, ...], step: torch.Tensor | int = 0) -> torch.Tensor:
    """(S, N): row s equals ``uniform(key, streams[s], step)``, all S streams hashed in one go.

    One call on S rows costs about what one stream does: at these sizes a torch op's overhead
    outweighs its arithmetic.
    """
    if isinstance(step, int):
        counters = torch.tensor([[step * STREAMS + s] for s in streams], device=key.device)  # (S, 1)
    else:
        counters = step * STREAMS + torch.tensor(streams, device=key.device).unsqueeze(1)  # (S, N)
    return _unit_interval(hash32(key ^ counters))


def normal(key: torch.Tensor, stream: int, step: torch.Tensor | int = 0) -> torch.Tensor:
    """float32 standard normal numbers (Box-Muller); uses streams ``stream`` and ``stream + 1``."""
    u1, u2 = uniforms(key, (stream, stream + 1), step)
    return torch.sqrt(-2.0 * torch.log1p(-u1)) * torch.cos(2.0 * math.pi * u2)


def _unit_interval(hashes: torch.Tensor) -> torch.Tensor:
    """32-bit hashes -> float32 in [0, 1): the top 24 bits, which float32 holds exactly."""
    return (hashes >> 8).to(torch.float32) * (1.0 / 2**24)
