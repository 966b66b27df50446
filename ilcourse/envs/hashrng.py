"""Counter-based random numbers for the vectorized worlds.

Every sub-environment needs its own random stream, so that env ``i`` of a vector env seeded
with ``s`` produces exactly the numbers of a single env seeded with ``s + i``. Keeping one
``torch.Generator`` per sub-environment would mean a Python loop over 65 536 generators per
step. Instead each random number is a pure function of integers,

    u = hash(seed_i, episode_i, step_i, stream) -> [0, 1),

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


def hash_ints(*keys: torch.Tensor | int) -> torch.Tensor:
    """Hash several integer keys (tensors broadcast together, or ints) into one 32-bit value each."""
    device = next((k.device for k in keys if isinstance(k, torch.Tensor)), torch.device("cpu"))
    h = torch.tensor(0x9E3779B9, dtype=torch.int64, device=device)
    for k in keys:
        k = torch.as_tensor(k, dtype=torch.int64, device=device)
        # Fold both 32-bit halves of the key in, each through its own hash.
        h = hash32(h ^ hash32(k & _MASK32) ^ hash32(((k >> 32) & _MASK32) + 0x632BE5AB))
    return h


def uniform(*keys: torch.Tensor | int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Uniform numbers in [0, 1), one per broadcast element of ``keys``."""
    return (hash_ints(*keys) >> 8).to(dtype) * (1.0 / 2**24)


def normal(*keys: torch.Tensor | int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Standard normal numbers (Box-Muller on two hashed uniforms)."""
    u1 = uniform(*keys, 1, dtype=torch.float64)
    u2 = uniform(*keys, 2, dtype=torch.float64)
    z = torch.sqrt(-2.0 * torch.log1p(-u1)) * torch.cos(2.0 * math.pi * u2)
    return z.to(dtype)
