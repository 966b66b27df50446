"""A small training loop shared by every policy (notebook 01 has the learner write it)."""

from __future__ import annotations

import torch
from tqdm.auto import tqdm

from ilcourse.data import Demonstrations
from ilcourse.policies.base import Policy


def fit(
    policy: Policy,
    demos: Demonstrations,
    steps: int = 2000,
    batch_size: int = 256,
    lr: float = 1e-3,
    generator: torch.Generator | None = None,
    chunk_size: int = 1,
    weight_decay: float = 0.0,
    progress: bool = True,
) -> list[float]:
    """Train ``policy`` by minimizing ``policy.loss`` on random batches of ``demos``.

    The contract (notebook 01's ``train_policy`` has the same first six arguments):

    * the policy's normalizers are first fitted to the demonstrations (observations and
      actions), so retraining on a bigger dataset, as DAgger does, rescales them;
    * one Adam(W) optimizer over ``policy.parameters()`` with learning rate ``lr`` (no weight
      decay unless ``weight_decay`` says so); the policy is in train mode while it learns;
    * every step draws a batch with ``demos.sample(batch_size, generator, chunk_size)``, takes
      ``policy.loss(obs, act, mask, generator=generator)`` on it and makes one gradient step;
    * randomness comes only from ``generator`` (batches, and any noise the loss draws): with
      the same generator seed and the same initial weights training is repeatable, whatever
      the global RNG's state;
    * the policy ends in eval mode.

    Args:
        chunk_size: H, the number of future actions per training target (1 = not chunked).
        progress: show a progress bar.
    Returns:
        The loss of every step, computed on that step's batch before its update, as Python floats.
    """
    policy.obs_norm.fit(demos.obs)
    policy.act_norm.fit(demos.act)
    policy.train()
    opt = torch.optim.AdamW(policy.parameters(), lr=lr, weight_decay=weight_decay)
    history: list[float] = []
    bar = tqdm(range(steps), desc=type(policy).__name__, disable=not progress, leave=False)
    for _ in bar:
        obs, act, mask = demos.sample(batch_size, generator, chunk_size)
        loss = policy.loss(obs, act, mask, generator=generator)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        history.append(loss.item())
        if len(history) % 100 == 0:
            bar.set_postfix(loss=f"{sum(history[-100:]) / 100:.4f}")
    policy.eval()
    return history
