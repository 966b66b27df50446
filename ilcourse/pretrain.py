"""Pre-train on broad data, then post-train on a narrow expert dataset (notebook 08).

The normalizers are fitted ONCE, on the broad data: post-training on a narrow dataset with
normalizers refitted to it would rescale every input the pre-trained network learned on
(the narrow data's spread is tiny, so the far-away states it never shows would map to huge
normalized inputs).
"""

from __future__ import annotations

import torch

from ilcourse.data import Demonstrations


def _phase(policy, demos: Demonstrations, steps: int, batch_size: int, lr: float,
           generator: torch.Generator | None, history: list[float]) -> None:
    optimizer = torch.optim.Adam(policy.parameters(), lr=lr)
    for _ in range(steps):
        obs, act, mask = demos.sample(batch_size, generator)
        loss = policy.loss(obs, act, mask, generator=generator)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.item())


def pretrain_then_posttrain(policy, broad: Demonstrations, narrow: Demonstrations, pre_steps: int,
                            post_steps: int, batch_size: int = 256, lr: float = 3e-3, post_lr: float = 1e-3,
                            generator: torch.Generator | None = None) -> list[float]:
    """Train ``policy`` on ``broad`` for ``pre_steps`` steps, then on ``narrow`` for ``post_steps``.

    Contract: normalizers fitted once, to the broad data (observations and actions); each phase
    has its own fresh ``torch.optim.Adam`` over all parameters (``lr``, then ``post_lr``); every
    step draws ``demos.sample(batch_size, generator)`` from that phase's data and steps on
    ``policy.loss(obs, act, mask, generator=generator)``; train mode while learning, eval mode
    on return; the datasets are not modified.

    Returns:
        pre_steps + post_steps Python floats, each step's loss before its update.
    """
    policy.obs_norm.fit(broad.obs)
    policy.act_norm.fit(broad.act)
    policy.train()
    history: list[float] = []
    _phase(policy, broad, pre_steps, batch_size, lr, generator, history)
    _phase(policy, narrow, post_steps, batch_size, post_lr, generator, history)
    policy.eval()
    return history
