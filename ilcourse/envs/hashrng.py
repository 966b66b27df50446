"""Counter-based random numbers for the vectorized worlds.

Every sub-environment needs its own random stream, so that env ``i`` of a vector env seeded
with ``s`` produces exactly the numbers of a single env seeded with ``s + i``. Keeping one
``torch.Generator`` per sub-environment would mean a Python loop over 65 536 generators per
step. Instead each random number is a pure function of integers,

    key_i = hash(hash(seed_i) ^ episode_i)     (once per episode, kept in the state)
    u     = hash(key_i ^ (64 * step + stream)) -> [0, 1)
    (or two 16-bit uniforms from the halves of key_i itself: ``key_uniforms``)

computed for all environments at once with a handful of integer ops (the idea behind JAX's
and Philox's counter-based generators). The same inputs give the same numbers on any device
and at any batch size.

Values stay below 2**32 and multipliers below 2**31, so int64 products never overflow.
"""

from __future__ import annotations

import functools
import math

import torch

_MASK32 = 0xFFFFFFFF
# Odd multipliers below 2**31 (from Wellons' lowbias32 and MurmurHash2).
_M1, _M2 = 0x7FEB352D, 0x5BD1E995
STREAMS = 64  # stream ids must be below this


@functools.cache
def _hash_constants(device: torch.device) -> tuple[torch.Tensor, ...]:
    """The hash's constants as 0-dim int64 tensors on ``device``.

    An op with a Python int first wraps the int in a new tensor; with 0-dim tensors made once,
    each of the hash's ten ops is about 0.5 us cheaper on the CPU (a tenth of its cost).
    """
    return tuple(torch.tensor(c, dtype=torch.int64, device=device) for c in (16, 15, _M1, _M2, _MASK32))


def hash32(x: torch.Tensor) -> torch.Tensor:
    """A 32-bit integer mixing function (xorshift-multiply), elementwise on int64 tensors of
    values in [0, 2**32) (seeds are masked to 32 bits by ``seed_hash``; episode numbers and
    counters stay below 2**32 for any run that ends this century)."""
    shift16, shift15, m1, m2, mask32 = _hash_constants(x.device)
    x = x ^ (x >> shift16)  # a new tensor, so the in-place steps below never touch the caller's
    x.mul_(m1).bitwise_and_(mask32)
    x ^= x >> shift15
    x.mul_(m2).bitwise_and_(mask32)
    x ^= x >> shift16
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
    counters = step * STREAMS + _stream_ids(streams, key.device)  # (S, 1) for an int step, else (S, N)
    return _unit_interval(hash32(key ^ counters))


@functools.cache
def _stream_ids(streams: tuple[int, ...], device: torch.device) -> torch.Tensor:
    """(S, 1) int64 tensor of stream ids on ``device``, made once (not at every step)."""
    return torch.tensor(streams, dtype=torch.int64, device=device).unsqueeze(1)


def key_uniforms(key: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Two float32 uniforms in [0, 1) per entry of ``key`` (N,), from its two 16-bit halves.

    No further hashing, so about half the cost of ``uniforms(key, (a, b))``; for draws that
    16 bits of resolution serve (a world whose episodes restart at nearly every step under
    random actions draws its start state this way). A key is already a hash, so its halves
    are uniform and independent of each other.
    """
    shift16, _, _, _, _ = _hash_constants(key.device)
    high = (key >> shift16).to(torch.float32) * (1.0 / 2**16)
    low = (key & 0xFFFF).to(torch.float32) * (1.0 / 2**16)
    return high, low


def normal(key: torch.Tensor, stream: int, step: torch.Tensor | int = 0) -> torch.Tensor:
    """float32 standard normal numbers (Box-Muller); uses streams ``stream`` and ``stream + 1``."""
    u1, u2 = uniforms(key, (stream, stream + 1), step)
    return torch.sqrt(-2.0 * torch.log1p(-u1)) * torch.cos(2.0 * math.pi * u2)


def _unit_interval(hashes: torch.Tensor) -> torch.Tensor:
    """32-bit hashes -> float32 in [0, 1): the top 24 bits, which float32 holds exactly."""
    return (hashes >> 8).to(torch.float32) * (1.0 / 2**24)
