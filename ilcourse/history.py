"""History-conditioned behavioral cloning: frame stacking, a history policy, the copycat diagnostic (notebook 09).

A Markov policy maps the current observation to an action. When the expert acts on something
the current frame does not show (a light seen through a flickering camera, a velocity, a goal
shown once), the policy needs the last H frames. Here a *history* of a transition is the
(H, obs_dim) window of the observations o_{t-H+1}, ..., o_t of its own episode, oldest first,
and an (H,) bool mask that is False where the window reaches back before the episode's first
step; those frames are zeros. ``pack`` turns the two into one (H, obs_dim + 1) tensor (the mask
as a last channel), which is what ``HistoryPolicy`` takes as its observation, so that the
course's ``Demonstrations``, ``fit`` and ``evaluate`` work unchanged.

In closed loop ``HistoryActor`` keeps each environment's window and starts it afresh whenever
the environment starts a new episode (``evaluate`` calls its ``reset(mask)`` after every step;
the worlds autoreset in the same step).

Causal confusion (de Haan et al. 2019): a feature caused by the expert's previous action (a
brake lamp) predicts the next action almost perfectly in the demonstrations, so a learner can
copy it instead of reading the cause; in closed loop the lamp shows the learner's OWN last
action and the copy never reacts. ``shuffle_sensitivity`` measures how much a policy's actions
move when one feature is shuffled between rows, the diagnostic of notebook 09.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from ilcourse.data import Demonstrations
from ilcourse.nets import mlp
from ilcourse.normalize import Normalizer
from ilcourse.policies.base import masked_mean
from ilcourse.train import fit

__all__ = [
    "stack_frames", "push_frame", "pack", "history_demonstrations", "HistoryPolicy", "HistoryActor",
    "lamp_dropout", "shuffle_sensitivity", "record_history_rollout", "dagger_history", "trace",
]


def stack_frames(obs: torch.Tensor, episode: torch.Tensor, history: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The last ``history`` observations of every transition, within its own episode.

    Args:
        obs: (M, D) observations; the rows of an episode are contiguous and in time order.
        episode: (M,) int64 episode ids (distinct per episode, in any order).
        history: H >= 1.
    Returns:
        frames: (M, H, D), frames[i, H-1] = obs[i], frames[i, H-1-k] = obs[i-k] when row i-k is
            in the same episode, else zeros. Same dtype and device as ``obs``.
        mask: (M, H) bool, True where the frame is a real observation of row i's episode.
    """
    m = obs.shape[0]
    rows = torch.arange(m, device=obs.device)
    lag = torch.arange(history - 1, -1, -1, device=obs.device)  # (H,) oldest first: H-1, ..., 0
    source = rows[:, None] - lag[None, :]  # (M, H)
    inside = source >= 0
    source = source.clamp(min=0)
    mask = inside & (episode[source] == episode[:, None])
    frames = torch.where(mask[..., None], obs[source], torch.zeros((), dtype=obs.dtype, device=obs.device))
    return frames, mask


def push_frame(frames: torch.Tensor, mask: torch.Tensor, obs: torch.Tensor, start: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """One closed-loop step of frame stacking for N environments.

    Args:
        frames: (N, H, D) each environment's window before this step (oldest first); mask (N, H) bool.
        obs: (N, D) the observation each environment returned now.
        start: (N,) bool, True where ``obs`` is the first observation of a new episode.
    Returns:
        New (frames, mask): the window moved one step on, ``obs`` as its last frame; where
        ``start`` is True every earlier frame is dropped (zeros, mask False). The inputs are
        not modified.
    """
    keep = ~start[:, None]  # (N, 1)
    old_frames = frames[:, 1:] * keep[..., None].to(frames.dtype)
    old_mask = mask[:, 1:] & keep
    new_frames = torch.cat([old_frames, obs[:, None].to(frames.dtype)], dim=1)
    new_mask = torch.cat([old_mask, torch.ones_like(mask[:, :1])], dim=1)
    return new_frames, new_mask


def pack(frames: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """(…, H, D) frames and (…, H) mask -> (…, H, D + 1): padded frames zeroed, the mask as a last channel."""
    valid = mask.to(frames.dtype)[..., None]
    return torch.cat([frames * valid, valid], dim=-1)


def history_demonstrations(demos: Demonstrations, history: int, stack: Callable = stack_frames) -> Demonstrations:
    """The same transitions with packed histories (M, H, D + 1) as observations."""
    frames, mask = stack(demos.obs, demos.episode, history)
    return Demonstrations(obs=pack(frames, mask), act=demos.act, episode=demos.episode)


class HistoryPolicy(nn.Module):
    """A deterministic policy on the last H frames, trained with the squared error.

    Observations are packed histories (B, H, D + 1) (``pack``): D features per frame and a last
    channel that is 1 for a real frame and 0 for padding. Each frame goes through the same small
    encoder (the weights are shared over time, so the parameter count grows with H only in the
    head); a learned embedding per position in the window says how old the frame is; padded
    frames contribute exactly zero. The head maps the H encodings, side by side, to the action.
    """

    def __init__(self, obs_dim: int, act_dim: int, history: int, hidden: int = 64, embed: int = 16):
        super().__init__()
        self.obs_dim, self.act_dim, self.history, self.chunk_size = obs_dim, act_dim, history, 1
        self.obs_norm, self.act_norm = Normalizer(obs_dim + 1), Normalizer(act_dim)
        self.encoder = mlp(obs_dim + 1, embed, hidden=hidden, depth=1)
        self.position = nn.Parameter(torch.zeros(history, embed))
        self.head = mlp(history * embed, act_dim, hidden=hidden, depth=2)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """(B, H, D + 1) packed histories -> (B, A) actions in normalized units."""
        valid = obs[..., -1:]  # (B, H, 1) raw 0/1 flags
        features = self.obs_norm(obs)[..., :-1] * valid  # (B, H, D) normalized, padding zeroed
        codes = self.encoder(torch.cat([features, valid], dim=-1))  # (B, H, E) shared over time
        codes = (codes + self.position) * valid  # position in the window; padding contributes 0
        return self.head(codes.flatten(1))  # (B, A)

    def loss(self, obs, act, mask=None, generator=None):
        """Mean squared error in normalized action units; act (B, 1, A), mask (B, 1) or None."""
        err = (self(obs) - self.act_norm(act[:, 0])) ** 2  # (B, A)
        return masked_mean(err.mean(dim=-1, keepdim=True), mask)

    @torch.no_grad()
    def sample(self, obs, generator=None):
        """(B, H, D + 1) -> (B, 1, A) actions in the world's units (deterministic)."""
        return self.act_norm.unnormalize(self(obs))[:, None]


def lamp_dropout(policy_class: type, channel: int, rate: float) -> type:
    """A subclass of ``policy_class`` whose loss hides feature ``channel`` (sets it to 0 in every
    frame) in a random ``rate`` of the training rows, drawn from the loss's ``generator``.

    The targeted repair of causal confusion by dropout on the past actions: a row whose lamp is
    hidden must be predicted from the other features.
    """

    class Dropout(policy_class):
        def loss(self, obs, act, mask=None, generator=None):
            gen_device = generator.device if generator is not None else obs.device
            hide = torch.rand(obs.shape[0], generator=generator, device=gen_device).to(obs.device) < rate
            obs = obs.clone()
            obs[..., channel] = torch.where(hide[:, None], 0.0, obs[..., channel])
            return super().loss(obs, act, mask, generator=generator)

    Dropout.__name__ = f"{policy_class.__name__}WithLampDropout"
    Dropout.__qualname__ = Dropout.__name__
    return Dropout


class HistoryActor:
    """An ``act_fn`` for ``ilcourse.rollout.evaluate``: keeps each environment's last H frames.

    ``reset(mask)`` (called by ``evaluate`` at the start and after every step with the
    environments whose next observation starts a new episode) marks those environments; the
    next call pushes the observation with ``start`` set there, so no frame of an old episode
    survives into the new one. ``push`` is the frame-stacking step (``push_frame``).
    """

    def __init__(self, policy, history: int, num_envs: int, obs_dim: int, device="cpu", push: Callable = push_frame):
        self.policy, self.push = policy, push
        self.frames = torch.zeros(num_envs, history, obs_dim, device=device)
        self.mask = torch.zeros(num_envs, history, dtype=torch.bool, device=device)
        self.start = torch.ones(num_envs, dtype=torch.bool, device=device)

    def reset(self, mask: torch.Tensor) -> None:
        self.start = self.start | mask.to(self.start.device)

    @torch.no_grad()
    def __call__(self, obs: torch.Tensor) -> torch.Tensor:
        self.frames, self.mask = self.push(self.frames, self.mask, obs, self.start)
        self.start = torch.zeros_like(self.start)
        return self.policy.sample(pack(self.frames, self.mask))[:, 0]


@torch.no_grad()
def shuffle_sensitivity(policy, obs: torch.Tensor, channel: int, generator: torch.Generator) -> torch.Tensor:
    """How far a policy's actions move when feature ``channel`` is shuffled between rows.

    Args:
        policy: has ``sample(obs) -> (B, 1, A)`` on packed histories.
        obs: (B, H, D + 1) packed histories (last channel: 1 for a real frame, 0 for padding).
        channel: which of the D features to shuffle (0 <= channel < D).
        generator: the only source of randomness (one permutation of the B rows).
    Returns:
        0-dim tensor: the mean over rows and action dimensions of |a(obs) - a(shuffled)|, where
        ``shuffled`` gives row b the whole history of that feature from row perm[b], zeroed
        where row b's own frames are padding. ``obs`` is not modified.
    """
    perm = torch.randperm(obs.shape[0], generator=generator, device=generator.device).to(obs.device)
    shuffled = obs.clone()
    shuffled[..., channel] = obs[perm, :, channel] * obs[..., -1]
    return (policy.sample(obs) - policy.sample(shuffled)).abs().mean()


@torch.no_grad()
def record_history_rollout(env, actor: HistoryActor, seed: int, beta: float = 0.0,
                           generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One episode per environment driven by ``actor`` (the expert with probability ``beta`` per step).

    Returns the packed histories the actor saw (N*T, H, D + 1), the expert's labels there
    (N*T, A), and each episode's cost (N,). All episodes of a world last ``max_episode_steps``.
    """
    world = env.unwrapped
    obs, _ = env.reset(seed=seed)
    actor.reset(torch.ones(world.num_envs, dtype=torch.bool, device=obs.device))
    seen, labels = [], []
    cost = torch.zeros(world.num_envs, device=obs.device)
    for _ in range(world.max_episode_steps):
        act = actor(obs)
        label = world.expert_action()
        seen.append(pack(actor.frames, actor.mask))
        labels.append(label)
        if beta > 0:
            use_expert = torch.rand(world.num_envs, generator=generator, device=generator.device).to(obs.device) < beta
            act = torch.where(use_expert[:, None], label, act)
        obs, _, _, _, info = env.step(act)
        cost += info["cost"]
    n, steps = world.num_envs, world.max_episode_steps
    hist = torch.stack(seen, dim=1).reshape(n * steps, *seen[0].shape[1:])
    return hist, torch.stack(labels, dim=1).reshape(n * steps, -1), cost


def dagger_history(policy, data: Demonstrations, env, history: int, rounds: int, seed: int,
                   generator: torch.Generator, steps: int = 400, lr: float = 3e-3,
                   push: Callable = push_frame) -> tuple[Demonstrations, list[float]]:
    """DAgger for a history policy: drive, let the expert label every visited history, aggregate, refit.

    ``data`` holds packed histories. Each round drives one episode per environment with the
    current policy, adds (history, expert label) for every step, and trains ``policy`` on the
    union (``fit``, ``steps`` more steps). Returns the aggregated data and each round's mean
    cost per episode (measured on the rollout that collected it).
    """
    world = env.unwrapped
    costs = []
    for r in range(rounds):
        actor = HistoryActor(policy, history, world.num_envs, data.obs.shape[-1] - 1, device=data.obs.device, push=push)
        hist, labels, cost = record_history_rollout(env, actor, seed=seed + 1000 * r)
        costs.append(cost.mean().item())
        offset = int(data.episode.max()) + 1
        steps_per = world.max_episode_steps
        episode = offset + torch.arange(world.num_envs, device=hist.device).repeat_interleave(steps_per)
        data = Demonstrations(torch.cat([data.obs, hist]), torch.cat([data.act, labels]), torch.cat([data.episode, episode]))
        fit(policy, data, steps=steps, batch_size=256, lr=lr, generator=generator, progress=False)
    return data, costs


@torch.no_grad()
def trace(env, act_fn, seed: int) -> dict[str, torch.Tensor]:
    """One episode per environment with ``act_fn`` (reset at the start), for plotting.

    Returns (N, T) tensors ``phase`` (the true light), ``reading`` (the camera), ``act`` (the
    first action dimension) and ``wrong`` (bool), for a world whose state has a ``phase`` and a
    ``reading`` (``ilcourse/Stoplight-v0``).
    """
    world = env.unwrapped
    obs, _ = env.reset(seed=seed)
    reset = getattr(act_fn, "reset", None)
    if reset is not None:
        reset(torch.ones(world.num_envs, dtype=torch.bool, device=obs.device))
    rows = {"phase": [], "reading": [], "act": [], "wrong": []}
    for _ in range(world.max_episode_steps):
        act = act_fn(obs)
        rows["phase"].append(world.state["phase"].clone())
        rows["reading"].append(world.state["reading"].clone())
        rows["act"].append(act[:, 0].clone())
        obs, _, _, _, info = env.step(act)
        rows["wrong"].append(info["cost"] > 0)
    return {k: torch.stack(v, dim=1) for k, v in rows.items()}
