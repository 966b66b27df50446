"""Flow-matching policies: a velocity network v(a_t, t | s) that carries noise to actions.

Course convention (see ``ilcourse.flow``): t = 0 is noise a_0 ~ N(0, I), t = 1 is an action,
a_t = t * a_1 + (1 - t) * a_0, target velocity a_1 - a_0, Euler from t = 0 to 1. The flow runs
in NORMALIZED action units, so the noise has the scale of the data.

Also here, as the foil of notebook 04: ``NoiseRegressionPolicy`` ("idea 0"), which feeds noise
to a network and regresses the action with the squared error. It learns the mean.
"""

from __future__ import annotations

import torch
from torch import nn

from ilcourse import flow
from ilcourse.nets import mlp
from ilcourse.normalize import Normalizer
from ilcourse.policies.base import masked_mean


def chunk_noise(obs: torch.Tensor, chunk_size: int, act_dim: int, generator: torch.Generator | None) -> torch.Tensor:
    """(B, H, act_dim) standard normal noise for a batch of B observations, on ``obs``' device.

    Drawn on the generator's device and then moved, so a seed gives the same noise on any device.
    """
    gen_device = generator.device if generator is not None else obs.device
    shape = (obs.shape[0], chunk_size, act_dim)
    return torch.randn(shape, generator=generator, device=gen_device).to(obs.device)


class FlowPolicy(nn.Module):
    """Actions (or chunks of H actions) sampled by integrating a learned velocity field.

    The network sees the normalized observation, the noisy chunk a_t (H * act_dim numbers)
    and the flow time t (concatenated: the simplest of the ways t can enter), and predicts the
    velocity of the whole chunk. This is the twin of notebook 04's build exercise: ``velocity``,
    ``loss`` (``flow.flow_matching_loss`` on normalized actions) and ``sample`` (``flow.sample``:
    noise from ``generator``, Euler steps, un-normalized) compute what the reference solution does.
    """

    def __init__(
        self, obs_dim: int, act_dim: int, chunk_size: int = 1, hidden: int = 256, depth: int = 2, num_steps: int = 10
    ):
        super().__init__()
        self.act_dim, self.chunk_size, self.num_steps = act_dim, chunk_size, num_steps
        self.obs_norm, self.act_norm = Normalizer(obs_dim), Normalizer(act_dim)
        self.net = mlp(obs_dim + chunk_size * act_dim + 1, chunk_size * act_dim, hidden, depth)

    def velocity(self, a_t: torch.Tensor, t: torch.Tensor, obs: torch.Tensor) -> torch.Tensor:
        """v(a_t, t | s) in normalized units.

        Args:
            a_t: (B, H, act_dim) noisy normalized chunk; t: (B,) flow times; obs: (B, obs_dim) raw.
        Returns:
            (B, H, act_dim) velocities.
        """
        b = a_t.shape[0]
        s = self.obs_norm(obs)  # (B, obs_dim), normalized
        x = a_t.reshape(b, -1)  # (B, H*A)
        tt = t.reshape(b, 1).to(a_t.dtype)  # (B, 1): the flow time enters as one more input
        out = self.net(torch.cat([s, x, tt], dim=-1))  # (B, H*A)
        return out.view(b, self.chunk_size, self.act_dim)  # (B, H, A)

    def loss(
        self,
        obs: torch.Tensor,
        act: torch.Tensor,
        mask: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Flow-matching loss on raw ``obs`` (B, obs_dim), ``act`` (B, H, act_dim), ``mask`` (B, H).

        Noise and times come from ``generator`` (``fit`` passes its own; torch's global RNG when None).
        """
        return flow.flow_matching_loss(self.velocity, obs, self.act_norm(act), generator, mask)

    def field(self, obs: torch.Tensor) -> flow.VelocityField:
        """The policy's velocity field at ONE observation, in raw ACTION units (for pictures).

        With a = unnormalize(z) = mean + std * z, the flow of a has velocity std * v(z, t | s), so
        Euler on this field from unnormalized noise gives the same actions as ``sample``.

        Args:
            obs: (obs_dim,) one raw observation.
        Returns:
            v(a, t) with a (N, H * act_dim) raw actions and t (N,) -> (N, H * act_dim).
        """
        device = self.act_norm.mean.device

        def v(a: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            n = a.shape[0]
            z = self.act_norm(a.to(device).reshape(n, self.chunk_size, self.act_dim))  # (N, H, A)
            s = obs.to(device).reshape(1, -1).expand(n, -1)  # (N, obs_dim)
            return (self.velocity(z, t.to(device), s) * self.act_norm.std).reshape(n, -1).to(a.device)

        return v

    @torch.no_grad()
    def sample(
        self,
        obs: torch.Tensor,
        generator: torch.Generator | None = None,
        num_steps: int | None = None,
        return_path: bool = False,
    ) -> torch.Tensor:
        """(B, obs_dim) -> (B, H, act_dim) raw actions after ``num_steps`` Euler steps (default ``self.num_steps``).

        With ``return_path`` returns (num_steps + 1, B, H, act_dim): the whole flow, unnormalized.
        """
        steps = num_steps or self.num_steps
        shape = (obs.shape[0], self.chunk_size, self.act_dim)  # (B, H, A)

        def field(z: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            return self.velocity(z, t, obs)

        if return_path:
            out = flow.euler(field, chunk_noise(obs, self.chunk_size, self.act_dim, generator), steps, return_path=True)
        else:
            out = flow.sample(field, shape, steps, generator, obs.device)  # the same noise as chunk_noise
        return self.act_norm.unnormalize(out)


class NoiseRegressionPolicy(nn.Module):
    """"Idea 0": a = f(s, z) with fresh noise z ~ N(0, I), trained by the squared error to the expert.

    Nothing ties a particular z to a particular mode, so the L2-optimal f ignores z and outputs
    the conditional mean of the actions, exactly like ``MSEPolicy``.
    """

    def __init__(self, obs_dim: int, act_dim: int, chunk_size: int = 1, hidden: int = 256, depth: int = 2):
        super().__init__()
        self.act_dim, self.chunk_size = act_dim, chunk_size
        self.obs_norm, self.act_norm = Normalizer(obs_dim), Normalizer(act_dim)
        self.net = mlp(obs_dim + chunk_size * act_dim, chunk_size * act_dim, hidden, depth)

    def predict_normalized(self, obs: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """(B, obs_dim), noise (B, H, act_dim) -> (B, H, act_dim) normalized actions."""
        b = obs.shape[0]
        out = self.net(torch.cat([self.obs_norm(obs), z.reshape(b, -1)], dim=-1))
        return out.view(b, self.chunk_size, self.act_dim)  # (B, H, A)

    def loss(
        self,
        obs: torch.Tensor,
        act: torch.Tensor,
        mask: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        z = chunk_noise(obs, self.chunk_size, self.act_dim, generator)  # (B, H, A), independent of act
        err = (self.predict_normalized(obs, z) - self.act_norm(act)) ** 2  # (B, H, A)
        return masked_mean(err.mean(dim=-1), mask)

    @torch.no_grad()
    def sample(self, obs: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        z = chunk_noise(obs, self.chunk_size, self.act_dim, generator)  # (B, H, A)
        return self.act_norm.unnormalize(self.predict_normalized(obs, z))
