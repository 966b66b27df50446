"""Demonstrations: observations, actions and where each episode ends."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ilcourse.chunking import action_windows


def _version(t: torch.Tensor) -> int | None:
    """How many times ``t`` was modified in place (None for inference tensors, which cannot be)."""
    return None if t.is_inference() else t._version


@dataclass
class Demonstrations:
    """A flat buffer of M transitions from one or more episodes.

    Attributes:
        obs: (M, obs_dim) observations.
        act: (M, act_dim) the actions taken (or the expert's labels) at those observations.
        episode: (M,) int64 episode index of each transition; the transitions of an episode are
            contiguous and in time order.
    """

    obs: torch.Tensor
    act: torch.Tensor
    episode: torch.Tensor
    # chunk_size -> (versions of act and episode, windows, mask): every window of the buffer,
    # built once by ``action_windows`` and rebuilt if act or episode is modified in place
    _windows: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self):
        m = self.obs.shape[0]
        if self.act.shape[0] != m or self.episode.shape != (m,):
            raise ValueError(
                f"obs, act and episode must have M rows: got {tuple(self.obs.shape)}, "
                f"{tuple(self.act.shape)}, {tuple(self.episode.shape)}"
            )

    def __len__(self) -> int:
        return self.obs.shape[0]

    @property
    def num_episodes(self) -> int:
        return int(torch.unique(self.episode).numel())

    @property
    def device(self) -> torch.device:
        return self.obs.device

    @classmethod
    def from_trajectories(cls, obs: torch.Tensor, act: torch.Tensor, lengths: torch.Tensor) -> "Demonstrations":
        """Flatten padded trajectories.

        Args:
            obs: (E, T, obs_dim) or (E, T+1, obs_dim) observations (only the first T are used).
            act: (E, T, act_dim) actions.
            lengths: (E,) number of valid steps of each episode.
        """
        steps = act.shape[1]
        valid = torch.arange(steps, device=act.device)[None, :] < lengths[:, None]  # (E, T)
        episode = torch.arange(act.shape[0], device=act.device)[:, None].expand(-1, steps)  # (E, T)
        return cls(obs=obs[:, :steps][valid], act=act[valid], episode=episode[valid])

    def cat(self, other: "Demonstrations") -> "Demonstrations":
        """Append ``other``'s episodes (renumbered so they stay distinct)."""
        offset = int(self.episode.max()) + 1 if len(self) else 0
        return Demonstrations(
            obs=torch.cat([self.obs, other.obs]),
            act=torch.cat([self.act, other.act]),
            episode=torch.cat([self.episode, other.episode + offset]),
        )

    def to(self, device: torch.device | str) -> "Demonstrations":
        return Demonstrations(self.obs.to(device), self.act.to(device), self.episode.to(device))

    def windows(self, index: torch.Tensor, chunk_size: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The next ``chunk_size`` actions from each index, padded at the episode's end.

        Args:
            index: (B,) int64 transition indices.
            chunk_size: H, actions per window.
        Returns:
            act: (B, H, act_dim) actions a_i, ..., a_{i+H-1}; past the episode's last step the
                last action is repeated (a harmless filler, masked out of losses).
            mask: (B, H) bool, True where the action really belongs to the episode.
        These are rows ``index`` of ``ilcourse.chunking.action_windows(act, episode, H)``.
        """
        versions = (_version(self.act), _version(self.episode))
        cached = self._windows.get(chunk_size)
        if cached is None or cached[0] != versions:
            cached = self._windows[chunk_size] = (versions, *action_windows(self.act, self.episode, chunk_size))
        _, windows, mask = cached
        return windows[index], mask[index]

    def sample(
        self, batch_size: int, generator: torch.Generator | None = None, chunk_size: int = 1
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """A random batch (with replacement).

        Returns:
            obs: (B, obs_dim); act: (B, H, act_dim); mask: (B, H) bool (see ``windows``).
        """
        gen_device = generator.device if generator is not None else torch.device("cpu")
        index = torch.randint(len(self), (batch_size,), generator=generator, device=gen_device).to(self.device)
        act, mask = self.windows(index, chunk_size)
        return self.obs[index], act, mask
