"""Action chunking: training pairs, a batched chunk executor, temporal ensembling, and metrics.

A chunked policy maps one observation to the next H actions, ``(B, obs_dim) -> (B, H, A)``.
Three pieces turn that into something we can train and run:

* ``action_windows`` / ``chunk_pairs``: every step of every episode becomes a pair
  (o_t, a_t..a_{t+H-1}); windows that run past the episode's end are padded (the last action
  repeated) and a mask says which actions are real; ``masked_mean`` and ``masked_chunk_mse``
  leave the padding out. (``Demonstrations`` and every policy's loss use these two; this module
  imports nothing else from ilcourse at load time, so anything may import it.)
* ``ChunkExecutor``: an ``act_fn`` for ``ilcourse.rollout.evaluate`` that keeps one queue per
  environment and executes it with a receding horizon: predict H actions, execute the first
  K <= H open loop, then plan again; it queries the policy only for the environments whose
  K actions are used up or whose episode just started (``reset(mask)``).
* ``temporal_ensemble`` / ``EnsembleExecutor``: query every step and average the overlapping
  predictions for the current step with ACT's weights w_i = exp(-m i), w_0 the OLDEST;
  ``branch_disagreement`` tells when those predictions head for different branches.

Metrics for the fork world (``mode_switches``) and for any world (``jitter``, ``jerk``) work on
the recorded trajectories of ``evaluate(..., record=True)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import torch

if TYPE_CHECKING:  # ilcourse.data builds its windows with action_windows below, so no import at run time
    from ilcourse.data import Demonstrations

PlanFn = Callable[[torch.Tensor], torch.Tensor]  # (B, obs_dim) -> (B, H, A)


# -- training pairs ---------------------------------------------------------------------------------
def action_windows(act: torch.Tensor, episode: torch.Tensor, chunk_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The next ``chunk_size`` actions from every step, never crossing into the next episode.

    Args:
        act: (M, A) actions of consecutive steps; an episode's steps are contiguous, in order.
        episode: (M,) episode id of each step.
        chunk_size: H.
    Returns:
        windows: (M, H, A); ``windows[i, h] = act[i + h]`` while step i + h belongs to i's
            episode, else the episode's last action (padding).
        mask: (M, H) bool, True where the action is real.
    """
    m = act.shape[0]
    offsets = torch.arange(chunk_size, device=act.device)  # (H,)
    wanted = torch.arange(m, device=act.device)[:, None] + offsets[None, :]  # (M, H)
    # last[i]: the index of the last step of i's episode. A step is the last of its episode if
    # the next step has another id (or there is none); run[i] counts the episodes that end before i.
    is_last = torch.ones(m, dtype=torch.bool, device=act.device)
    is_last[:-1] = episode[1:] != episode[:-1]
    last_positions = torch.nonzero(is_last).squeeze(-1)  # (num_episodes,)
    run = torch.cumsum(is_last.to(torch.int64), 0) - is_last.to(torch.int64)  # (M,) which episode run
    last = last_positions[run][:, None]  # (M, 1)
    mask = wanted <= last
    return act[torch.minimum(wanted, last)], mask


def chunk_pairs(demos: Demonstrations, chunk_size: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """All M training pairs of a buffer: obs (M, obs_dim), act (M, H, A), mask (M, H)."""
    act, mask = demos.windows(torch.arange(len(demos), device=demos.device), chunk_size)
    return demos.obs, act, mask


def masked_mean(values: torch.Tensor, mask: torch.Tensor | None, dim: int | None = None) -> torch.Tensor:
    """Mean of ``values`` (B, H) over the entries where ``mask`` (B, H) is True (all if None).

    Every loss over padded windows averages with it (``ilcourse.policies.base`` re-exports it),
    and so do the per-episode metrics below (``dim=1``: one mean per row). Where no entry is
    True the mean is 0.
    """
    if mask is None:
        return values.mean() if dim is None else values.mean(dim=dim)
    weights = mask.to(values.dtype)
    if dim is None:
        return (values * weights).sum() / weights.sum().clamp_min(1.0)
    return (values * weights).sum(dim=dim) / weights.sum(dim=dim).clamp_min(1.0)


def masked_chunk_mse(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean squared error over the real actions of a batch of chunks.

    Args:
        pred, target: (B, H, A).
        mask: (B, H) bool; padded steps (False) contribute nothing.
    Returns:
        scalar: sum of squared errors over real steps / (number of real steps * A).
    """
    return masked_mean(((pred - target) ** 2).mean(dim=-1), mask)  # (B, H) per-step errors


# -- executing chunks -------------------------------------------------------------------------------
class ChunkExecutor:
    """An ``act_fn`` for a batch of N environments that execute action chunks open loop.

    Each environment has its own queue: the chunk it planned last and how many of its actions it
    has used. On a call, environments whose queue is exhausted, or that were reset since their
    last call, query ``plan`` with their current observation; everyone then executes the next
    action of its queue. ``queries`` counts the rows the policy was asked for.

    Args:
        plan: (B, obs_dim) -> (B, H, A), e.g. ``lambda obs: policy.sample(obs, gen)``.
        num_envs: N.
        chunk_size: H (the plan's second dimension).
        act_dim: A.
        execute: K, how many actions of each chunk to run before re-planning, 1 <= K <= H
            (default: all H). K = 1 re-plans every step and executes only the first action.
    """

    def __init__(self, plan: PlanFn, num_envs: int, chunk_size: int, act_dim: int,
                 execute: int | None = None, device: torch.device | str = "cpu"):
        self.plan = plan
        self.execute = chunk_size if execute is None else execute
        if not 1 <= self.execute <= chunk_size:
            raise ValueError(f"execute must be between 1 and chunk_size = {chunk_size}, got {self.execute}")
        self.chunks = torch.zeros(num_envs, chunk_size, act_dim, device=device)  # (N, H, A)
        self.used = torch.full((num_envs,), self.execute, dtype=torch.int64, device=device)  # all empty
        self.queries = 0

    def reset(self, mask: torch.Tensor) -> None:
        """Empty the queues of the environments where ``mask`` (N,) is True (new episodes)."""
        self.used = torch.where(mask.to(self.used.device), self.execute, self.used)

    def __call__(self, obs: torch.Tensor) -> torch.Tensor:
        """(N, obs_dim) -> (N, A): the next queued action of every environment."""
        need = self.used >= self.execute  # (N,)
        if bool(need.any()):
            self.chunks[need] = self.plan(obs[need]).to(self.chunks.dtype)
            self.used = torch.where(need, 0, self.used)
            self.queries += int(need.sum())
        rows = torch.arange(obs.shape[0], device=self.chunks.device)
        act = self.chunks[rows, self.used]  # (N, A)
        self.used = self.used + 1
        return act


def ensemble_weights(ages: torch.Tensor, valid: torch.Tensor, m: float) -> torch.Tensor:
    """ACT's normalized weights for predictions made ``ages`` steps ago.

    The available predictions, ordered oldest first, get w_i = exp(-m i), normalized to sum to 1.
    Since the oldest has the largest age, that is w proportional to exp(m * age).

    Args:
        ages: (H,) how many steps ago each prediction was made.
        valid: (N, H) bool, which predictions exist.
        m: the decay; m > 0 favours OLD predictions, m = 0 is a plain average.
    Returns:
        (N, H) weights, 0 where not valid, each row summing to 1 (rows with none valid: 0).
    """
    logits = torch.where(valid, m * ages.to(torch.float32)[None, :], -torch.inf)  # (N, H)
    # subtract each row's largest VALID logit: exp never overflows, and the largest valid weight is 1
    # (the largest over all H ages would underflow every weight of a short row when m is large)
    top = logits.max(dim=1, keepdim=True).values
    w = torch.exp(logits - torch.where(torch.isfinite(top), top, 0.0))  # (N, H), 0 where not valid
    return w / w.sum(dim=1, keepdim=True).clamp_min(1e-12)


def temporal_ensemble(history: torch.Tensor, valid: torch.Tensor, m: float = 0.01) -> torch.Tensor:
    """The action for the current step from overlapping chunks.

    Args:
        history: (N, H, H, A); ``history[:, j]`` is the chunk predicted j steps ago (j = 0: now),
            so its entry ``j`` is its prediction for the current step.
        valid: (N, H) bool; ``valid[:, j]`` says whether the chunk from j steps ago exists. An
            executor produces a PREFIX in every row (True for j < k, False from k on: the episode
            started k - 1 steps ago), so "the i-th oldest available prediction" and "the
            prediction of age k - 1 - i" are the same thing; with a prefix mask ACT's weights
            exp(-m i) (i = 0 the oldest) are proportional to exp(m * age), which is what we use.
            (For a mask with gaps the two readings differ; no executor produces one.)
        m: ACT's decay (w_i = exp(-m i), i = 0 the oldest prediction); may be large (30): the
            weights are computed without overflow.
    Returns:
        (N, A) weighted average of ``history[:, j, j]`` over the valid j.
    """
    h = history.shape[1]
    ages = torch.arange(h, device=history.device)  # (H,)
    for_now = history[:, ages, ages]  # (N, H, A): prediction of chunk j for the current step
    w = ensemble_weights(ages, valid, m).to(history.dtype)  # (N, H)
    return (w.unsqueeze(-1) * for_now).sum(dim=1)


def branch_disagreement(history: torch.Tensor, valid: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """(N,) bool: the valid predictions for the current step include a firm left AND a firm right.

    On the fork a lateral action above ``threshold`` heads for the left branch and one below
    ``-threshold`` for the right; an ensemble over such a row averages the two branches.
    """
    h = history.shape[1]
    ages = torch.arange(h, device=history.device)
    for_now = history[:, ages, ages, 0]  # (N, H) first action dimension
    left = ((for_now > threshold) & valid).any(dim=1)
    right = ((for_now < -threshold) & valid).any(dim=1)
    return left & right


class EnsembleExecutor:
    """An ``act_fn`` that queries ``plan`` every step and executes the temporal ensemble.

    Keeps, per environment, the last H chunks (``history``, newest first) and which of them
    belong to the current episode (``valid``, always a prefix); ``reset(mask)`` forgets an
    environment's chunks. ``ensemble`` is the function that combines them (default
    ``temporal_ensemble``; a notebook passes the learner's). It also counts, over all executed
    steps, how often the predictions it combined disagreed about the branch
    (``branch_disagreement``): ``split_steps`` of ``steps``.
    """

    def __init__(self, plan: PlanFn, num_envs: int, chunk_size: int, act_dim: int, m: float = 0.01,
                 device: torch.device | str = "cpu", ensemble: Callable | None = None, threshold: float = 0.5):
        self.plan, self.m = plan, m
        self.ensemble = temporal_ensemble if ensemble is None else ensemble
        self.threshold = threshold
        self.history = torch.zeros(num_envs, chunk_size, chunk_size, act_dim, device=device)  # (N, H, H, A)
        self.valid = torch.zeros(num_envs, chunk_size, dtype=torch.bool, device=device)  # (N, H)
        self.queries = 0
        self.steps = 0
        self.split_steps = 0

    def reset(self, mask: torch.Tensor) -> None:
        self.valid = self.valid & ~mask.to(self.valid.device)[:, None]

    def __call__(self, obs: torch.Tensor) -> torch.Tensor:
        chunk = self.plan(obs).to(self.history.dtype)  # (N, H, A)
        self.queries += obs.shape[0]
        self.history = torch.cat([chunk[:, None], self.history[:, :-1]], dim=1)  # newest first
        fresh = torch.ones_like(self.valid[:, :1])
        self.valid = torch.cat([fresh, self.valid[:, :-1]], dim=1)
        self.steps += obs.shape[0]
        self.split_steps += int(branch_disagreement(self.history, self.valid, self.threshold).sum())
        return self.ensemble(self.history.clone(), self.valid.clone(), self.m)


def chunked_act_fn(policy, num_envs: int, generator: torch.Generator | None = None,
                   execute: int | None = None, device: torch.device | str = "cpu") -> ChunkExecutor:
    """A ``ChunkExecutor`` around ``policy.sample`` (H = ``policy.chunk_size``)."""
    return ChunkExecutor(lambda obs: policy.sample(obs, generator), num_envs, policy.chunk_size,
                         policy.act_dim, execute=execute, device=device)


def ensembled_act_fn(policy, num_envs: int, generator: torch.Generator | None = None, m: float = 0.01,
                     device: torch.device | str = "cpu", ensemble: Callable | None = None) -> EnsembleExecutor:
    """An ``EnsembleExecutor`` around ``policy.sample``."""
    return EnsembleExecutor(lambda obs: policy.sample(obs, generator), num_envs, policy.chunk_size,
                            policy.act_dim, m=m, device=device, ensemble=ensemble)


# -- metrics on recorded rollouts ---------------------------------------------------------------------
def _step_mask(lengths: torch.Tensor, steps: int) -> torch.Tensor:
    return torch.arange(steps, device=lengths.device)[None, :] < lengths[:, None]  # (E, T)


def mode_switches(obs: torch.Tensor, act: torch.Tensor, lengths: torch.Tensor, before_x: float,
                  threshold: float = 0.5) -> torch.Tensor:
    """Episodes that steer firmly to one side and later firmly to the other before ``before_x``.

    On the fork, the expert swerves to one side and holds it until the block is passed, so
    a lateral action above ``threshold`` followed by one below ``-threshold`` (or the reverse)
    while x < ``before_x`` is a change of mind mid-swerve.

    Args:
        obs: (E, T+1, obs_dim) with x in column 0; act: (E, T, 1); lengths: (E,).
    Returns:
        (E,) bool.
    """
    steps = act.shape[1]
    live = _step_mask(lengths, steps) & (obs[:, :steps, 0] < before_x)  # (E, T)
    a = act[..., 0]
    pos, neg = (a > threshold) & live, (a < -threshold) & live  # (E, T)
    t = torch.arange(steps, device=act.device)
    first_pos = torch.where(pos, t, steps).min(dim=1).values
    first_neg = torch.where(neg, t, steps).min(dim=1).values
    last_pos = torch.where(pos, t, -1).max(dim=1).values
    last_neg = torch.where(neg, t, -1).max(dim=1).values
    return (first_pos < last_neg) | (first_neg < last_pos)


def jitter(act: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """(E,) mean |a_{t+1} - a_t| over each episode's steps (act (E, T, A))."""
    diff = (act[:, 1:] - act[:, :-1]).abs().sum(dim=-1)  # (E, T-1)
    return masked_mean(diff, _step_mask(lengths - 1, act.shape[1] - 1), dim=1)


def jerk(act: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """(E,) mean |a_{t+1} - 2 a_t + a_{t-1}| (the action's second difference) per episode."""
    second = (act[:, 2:] - 2 * act[:, 1:-1] + act[:, :-2]).abs().sum(dim=-1)  # (E, T-2)
    return masked_mean(second, _step_mask(lengths - 2, act.shape[1] - 2), dim=1)
