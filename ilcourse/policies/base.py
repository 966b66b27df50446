"""The contract every policy follows."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch

from ilcourse.chunking import masked_mean  # noqa: F401 (the policies' losses import it from here)
from ilcourse.normalize import Normalizer


@runtime_checkable
class Policy(Protocol):
    """Two verbs and two normalizers; a plain ``nn.Module`` underneath.

    Shapes: ``obs`` (B, obs_dim); ``act`` (B, H, act_dim) with H = ``chunk_size`` (1 when not
    chunked); ``mask`` (B, H) bool marks the real actions of a window padded at an episode's end.
    Both verbs take raw (unnormalized) observations and actions.
    """

    obs_norm: Normalizer
    act_norm: Normalizer
    chunk_size: int

    def loss(self, obs: torch.Tensor, act: torch.Tensor, mask: torch.Tensor | None = None,
             generator: torch.Generator | None = None) -> torch.Tensor:
        """Scalar training loss on a batch (masked-out actions contribute nothing).

        A loss that draws random numbers (flow matching's noise and times) draws them from
        ``generator``; deterministic losses accept it and ignore it, so ``fit`` can always pass it.
        """
        ...

    def sample(self, obs: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """(B, obs_dim) -> (B, H, act_dim) actions; randomness only from ``generator``."""
        ...

