"""Mutants of notebook 05 (action chunking): plausible wrong answers that must lose points and
alternative correct answers that must keep full marks (see autograder/mutants/__init__.py).

Most are ``edits`` to the reference solution's answer cell, ``(old, new)``, so each mistake
shows at a glance; answers written from scratch carry their whole ``source``."""

from autograder.mutants import Mutant

MUTANTS = [
    # -- action_windows ----------------------------------------------------------------------------
    Mutant('action_windows', 'windows cross episode boundaries', edits=(
        (
            '    return act[torch.minimum(wanted, last[:, None])], mask\n',
            '    return act[torch.clamp(wanted, max=m - 1)], mask\n',
        ),
    )),
    Mutant('action_windows', 'mask all True', edits=(
        (
            '    mask = wanted <= last[:, None]\n',
            '    mask = torch.ones(m, chunk_size, dtype=torch.bool)\n',
        ),
    )),
    Mutant('action_windows', 'pads with zeros instead of the last action', edits=(
        (
            '    return act[torch.minimum(wanted, last[:, None])], mask\n',
            (
                '    out = act[torch.minimum(wanted, last[:, None])] * mask[..., None]\n'
                '    return out, mask\n'
            ),
        ),
    )),
    Mutant('action_windows', 'off by one: window starts at the next action', edits=(
        (
            '    wanted = torch.arange(m)[:, None] + torch.arange(chunk_size)[None, :]  # (M, H)\n',
            '    wanted = torch.arange(m)[:, None] + torch.arange(1, chunk_size + 1)[None, :]  # (M, H)\n',
        ),
    )),
    Mutant('action_windows', 'vectorized (alternative correct)', should_pass=True, source=(
        'def action_windows(act, episode, chunk_size):\n'
        '    m = act.shape[0]\n'
        '    idx = torch.arange(m)\n'
        '    same = episode[:, None] == episode[None, :]  # (M, M)\n'
        '    last = torch.where(same, idx[None, :], -1).max(dim=1).values  # (M,)\n'
        '    wanted = idx[:, None] + torch.arange(chunk_size)[None, :]\n'
        '    mask = wanted <= last[:, None]\n'
        '    windows = torch.stack([act[torch.minimum(wanted[:, h], last)] for h in range(chunk_size)], dim=1)\n'
        '    return windows, mask\n'
    )),
    # -- masked_chunk_mse --------------------------------------------------------------------------
    Mutant('masked_chunk_mse', 'mask ignored', edits=(
        (
            '    weights = mask.to(pred.dtype).unsqueeze(-1)  # (B, H, 1)\n',
            '    weights = torch.ones_like(mask, dtype=pred.dtype).unsqueeze(-1)\n',
        ),
    )),
    Mutant('masked_chunk_mse', 'divides by all entries', edits=(
        (
            '    return sq.sum() / (weights.sum() * pred.shape[-1]).clamp_min(1.0)\n',
            '    return sq.sum() / pred.numel()\n',
        ),
    )),
    Mutant('masked_chunk_mse', 'forgets the action dimension', edits=(
        (
            '    return sq.sum() / (weights.sum() * pred.shape[-1]).clamp_min(1.0)\n',
            '    return sq.sum() / weights.sum().clamp_min(1.0)\n',
        ),
    )),
    Mutant('masked_chunk_mse', 'mask on the wrong axis (same shape only when H = A)', edits=(
        (
            '    weights = mask.to(pred.dtype).unsqueeze(-1)  # (B, H, 1)\n',
            '    weights = mask.to(pred.dtype).unsqueeze(1)\n',
        ),
    )),
    Mutant('masked_chunk_mse', 'boolean indexing (alternative correct)', should_pass=True, source=(
        'def masked_chunk_mse(pred, target, mask):\n'
        '    if not bool(mask.any()):\n'
        '        return (pred * 0).sum()\n'
        '    return ((pred - target)[mask] ** 2).mean()\n'
    )),
    # -- chunk_executor ----------------------------------------------------------------------------
    Mutant('chunk_executor', 'one shared queue for all envs', edits=(
        (
            '        self.used = torch.where(mask, self.chunk_size, self.used)\n',
            (
                '        if bool(mask.any()):\n'
                '            self.used = torch.full_like(self.used, self.chunk_size)\n'
            ),
        ),
        (
            '        need = self.used >= self.chunk_size  # (N,)\n',
            '        need = (self.used >= self.chunk_size).any().expand_as(self.used)  # (N,)\n',
        ),
    )),
    Mutant('chunk_executor', 'no re-plan after reset', edits=(
        (
            '        self.used = torch.where(mask, self.chunk_size, self.used)\n',
            '        pass\n',
        ),
    )),
    Mutant('chunk_executor', 're-plans every step', edits=(
        (
            '        need = self.used >= self.chunk_size  # (N,)\n',
            '        need = torch.ones_like(self.used, dtype=torch.bool)\n',
        ),
    )),
    Mutant('chunk_executor', 'off by one: skips the first action', edits=(
        (
            '            self.used = torch.where(need, 0, self.used)\n',
            '            self.used = torch.where(need, 1, self.used)\n',
        ),
    )),
    Mutant('chunk_executor', 'plans all rows, keeps the needed ones (alternative correct)', should_pass=True, edits=(
        (
            '            self.chunks[need] = self.plan(obs[need])\n',
            '            self.chunks = torch.where(need[:, None, None], self.plan(obs), self.chunks)\n',
        ),
    )),
    # -- temporal_ensemble -------------------------------------------------------------------------
    Mutant('temporal_ensemble', 'w_0 is the newest', edits=(
        (
            '    logits = m * ages.to(history.dtype)\n',
            '    logits = -m * ages.to(history.dtype)\n',
        ),
    )),
    Mutant('temporal_ensemble', 'weights not normalized', edits=(
        (
            '    w = w / w.sum(dim=1, keepdim=True)\n',
            '',
        ),
    )),
    Mutant('temporal_ensemble', 'off by one: entry j+1 of the chunk from j steps ago', edits=(
        (
            '    for_now = history[:, ages, ages]  # (N, H, A)\n',
            '    for_now = history[:, ages, torch.clamp(ages + 1, max=h - 1)]  # (N, H, A)\n',
        ),
    )),
    Mutant('temporal_ensemble', 'ignores valid', edits=(
        (
            '    w = torch.exp(logits - logits.max())[None, :] * valid.to(history.dtype)  # (N, H)\n',
            '    w = torch.exp(logits - logits.max())[None, :]  # (N, H)\n',
        ),
    )),
    Mutant('temporal_ensemble', 'loop over ages, softmax weights (alternative correct)', should_pass=True, source=(
        'def temporal_ensemble(history, valid, m):\n'
        '    h = history.shape[1]\n'
        '    preds = torch.stack([history[:, j, j] for j in range(h)], dim=1)  # (N, H, A)\n'
        '    logits = torch.where(valid, m * torch.arange(h, dtype=history.dtype)[None, :], torch.tensor(float("-inf"), dtype=history.dtype))\n'
        '    w = torch.softmax(logits, dim=1)\n'
        '    return torch.einsum("nh,nha->na", w, preds)\n'
    )),
    # -- answer_commit -----------------------------------------------------------------------------
    Mutant('answer_commit', 'answer B', edits=(
        (
            (
                '# set answer_commit to "A", "B", "C" or "D"\n'
                'answer_commit = "A"\n'
            ),
            'answer_commit = "B"\n',
        ),
    )),
    Mutant('answer_commit', 'answer C', edits=(
        (
            (
                '# set answer_commit to "A", "B", "C" or "D"\n'
                'answer_commit = "A"\n'
            ),
            'answer_commit = "C"\n',
        ),
    )),
    Mutant('answer_commit', 'answer D', edits=(
        (
            (
                '# set answer_commit to "A", "B", "C" or "D"\n'
                'answer_commit = "A"\n'
            ),
            'answer_commit = "D"\n',
        ),
    )),
    Mutant('answer_commit', 'right answer, lower case', should_pass=True, edits=(
        (
            (
                '# set answer_commit to "A", "B", "C" or "D"\n'
                'answer_commit = "A"\n'
            ),
            'answer_commit = "a"\n',
        ),
    )),
    # -- answer_react ------------------------------------------------------------------------------
    Mutant('answer_react', 'answer A', edits=(
        (
            (
                '# set answer_react to "A", "B", "C" or "D"\n'
                'answer_react = "C"\n'
            ),
            'answer_react = "A"\n',
        ),
    )),
    Mutant('answer_react', 'answer B', edits=(
        (
            (
                '# set answer_react to "A", "B", "C" or "D"\n'
                'answer_react = "C"\n'
            ),
            'answer_react = "B"\n',
        ),
    )),
    Mutant('answer_react', 'answer D', edits=(
        (
            (
                '# set answer_react to "A", "B", "C" or "D"\n'
                'answer_react = "C"\n'
            ),
            'answer_react = "D"\n',
        ),
    )),
    Mutant('answer_react', 'right answer, lower case', should_pass=True, edits=(
        (
            (
                '# set answer_react to "A", "B", "C" or "D"\n'
                'answer_react = "C"\n'
            ),
            'answer_react = "c"\n',
        ),
    )),
    # -- answer_unstable ---------------------------------------------------------------------------
    Mutant('answer_unstable', 'answer A', edits=(
        (
            (
                '# set answer_unstable to "A", "B", "C" or "D"\n'
                'answer_unstable = "D"\n'
            ),
            'answer_unstable = "A"\n',
        ),
    )),
    Mutant('answer_unstable', 'answer B', edits=(
        (
            (
                '# set answer_unstable to "A", "B", "C" or "D"\n'
                'answer_unstable = "D"\n'
            ),
            'answer_unstable = "B"\n',
        ),
    )),
    Mutant('answer_unstable', 'answer C', edits=(
        (
            (
                '# set answer_unstable to "A", "B", "C" or "D"\n'
                'answer_unstable = "D"\n'
            ),
            'answer_unstable = "C"\n',
        ),
    )),
    Mutant('answer_unstable', 'right answer, lower case', should_pass=True, edits=(
        (
            (
                '# set answer_unstable to "A", "B", "C" or "D"\n'
                'answer_unstable = "D"\n'
            ),
            'answer_unstable = "d"\n',
        ),
    )),
    # -- answer_ensemble_modes ---------------------------------------------------------------------
    Mutant('answer_ensemble_modes', 'answer A', edits=(
        (
            (
                '# set answer_ensemble_modes to "A", "B", "C" or "D"\n'
                'answer_ensemble_modes = "B"\n'
            ),
            'answer_ensemble_modes = "A"\n',
        ),
    )),
    Mutant('answer_ensemble_modes', 'answer C', edits=(
        (
            (
                '# set answer_ensemble_modes to "A", "B", "C" or "D"\n'
                'answer_ensemble_modes = "B"\n'
            ),
            'answer_ensemble_modes = "C"\n',
        ),
    )),
    Mutant('answer_ensemble_modes', 'answer D', edits=(
        (
            (
                '# set answer_ensemble_modes to "A", "B", "C" or "D"\n'
                'answer_ensemble_modes = "B"\n'
            ),
            'answer_ensemble_modes = "D"\n',
        ),
    )),
    Mutant('answer_ensemble_modes', 'right answer, lower case', should_pass=True, edits=(
        (
            (
                '# set answer_ensemble_modes to "A", "B", "C" or "D"\n'
                'answer_ensemble_modes = "B"\n'
            ),
            'answer_ensemble_modes = "b"\n',
        ),
    )),
    # -- answer_wander -----------------------------------------------------------------------------
    Mutant('answer_wander', 'answer A', edits=(
        (
            (
                '# set answer_wander to "A", "B", "C" or "D"\n'
                'answer_wander = "C"\n'
            ),
            'answer_wander = "A"\n',
        ),
    )),
    Mutant('answer_wander', 'answer B', edits=(
        (
            (
                '# set answer_wander to "A", "B", "C" or "D"\n'
                'answer_wander = "C"\n'
            ),
            'answer_wander = "B"\n',
        ),
    )),
    Mutant('answer_wander', 'answer D', edits=(
        (
            (
                '# set answer_wander to "A", "B", "C" or "D"\n'
                'answer_wander = "C"\n'
            ),
            'answer_wander = "D"\n',
        ),
    )),
    Mutant('answer_wander', 'right answer, lower case', should_pass=True, edits=(
        (
            (
                '# set answer_wander to "A", "B", "C" or "D"\n'
                'answer_wander = "C"\n'
            ),
            'answer_wander = "c"\n',
        ),
    )),
]
