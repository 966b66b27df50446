"""Mutants of notebook 05 (action chunking): plausible wrong answers that must lose points and
alternative correct answers that must keep full marks (see autograder/mutants/__init__.py).

Most are ``edits`` to the reference solution's answer cell, ``(old, new)``, so each mistake
shows at a glance; answers written from scratch carry their whole ``source``."""

from autograder.mutants import Mutant


def _letters(exercise: str, right: str) -> list:
    """Every wrong letter of a concept question, and the right one in lower case."""
    line = f'{exercise} = "{right}"\n'
    cell = f'# set {exercise} to "A", "B", "C" or "D"\n' + line
    wrong = [Mutant(exercise, f"answer {x}", edits=((cell, f'{exercise} = "{x}"\n'),)) for x in "ABCD" if x != right]
    return wrong + [Mutant(exercise, "right answer, lower case", should_pass=True,
                           edits=((cell, f'{exercise} = "{right.lower()}"\n'),))]


_LAST_LOOP = (
    '    last = torch.arange(m)\n'
    '    for i in range(m - 2, -1, -1):\n'
    '        if same_next[i]:\n'
    '            last[i] = last[i + 1]\n'
)

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
    Mutant('action_windows', 'assumes sorted ids (searchsorted)', edits=(
        (_LAST_LOOP, '    last = torch.searchsorted(episode, episode, right=True) - 1\n'),
    )),
    Mutant('action_windows', 'assumes ids 0..E-1 in order (bincount)', edits=(
        (_LAST_LOOP, '    last = torch.cumsum(torch.bincount(episode), 0)[episode] - 1\n'),
    )),
    Mutant('action_windows', 'assumes ascending ids (last step with an id <= mine)', edits=(
        (_LAST_LOOP, (
            '    idx = torch.arange(m)\n'
            '    last = torch.where(episode[None, :] <= episode[:, None], idx[None, :], -1).max(dim=1).values\n'
        )),
    )),
    Mutant('action_windows', 'episode lengths from torch.unique (sorts the ids)', source=(
        'def action_windows(act, episode, chunk_size):\n'
        '    _, counts = torch.unique(episode, return_counts=True)\n'
        '    last = torch.repeat_interleave(torch.cumsum(counts, 0) - 1, counts)  # (M,)\n'
        '    idx = torch.arange(act.shape[0])[:, None] + torch.arange(chunk_size)[None, :]\n'
        '    return act[torch.minimum(idx, last[:, None])], idx <= last[:, None]\n'
    )),
    Mutant('action_windows', 'windows always float32', edits=(
        (
            '    return act[torch.minimum(wanted, last[:, None])], mask\n',
            '    return act[torch.minimum(wanted, last[:, None])].float(), mask\n',
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
    Mutant('action_windows', 'runs of equal labels (alternative correct)', should_pass=True, source=(
        'def action_windows(act, episode, chunk_size):\n'
        '    _, counts = torch.unique_consecutive(episode, return_counts=True)\n'
        '    ends = torch.cumsum(counts, 0) - 1  # last index of each run\n'
        '    last = torch.repeat_interleave(ends, counts)  # (M,)\n'
        '    idx = torch.arange(act.shape[0])[:, None] + torch.arange(chunk_size)[None, :]\n'
        '    return act[torch.minimum(idx, last[:, None])], idx <= last[:, None]\n'
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
    Mutant('masked_chunk_mse', 'no real step: 0 / 0 gives NaN (no clamp)', edits=(
        (
            '    return sq.sum() / (weights.sum() * pred.shape[-1]).clamp_min(1.0)\n',
            '    return sq.sum() / (weights.sum() * pred.shape[-1])\n',
        ),
    )),
    Mutant('masked_chunk_mse', 'no real step: a fresh torch.tensor(0.0) (float32, no gradient)', edits=(
        (
            '    return sq.sum() / (weights.sum() * pred.shape[-1]).clamp_min(1.0)\n',
            (
                '    if not bool(mask.any()):\n'
                '        return torch.tensor(0.0)\n'
                '    return sq.sum() / (weights.sum() * pred.shape[-1])\n'
            ),
        ),
    )),
    Mutant('masked_chunk_mse', 'boolean indexing (alternative correct)', should_pass=True, source=(
        'def masked_chunk_mse(pred, target, mask):\n'
        '    if not bool(mask.any()):\n'
        '        return (pred * 0).sum()\n'
        '    return ((pred - target)[mask] ** 2).mean()\n'
    )),
    # -- chunk_executor ----------------------------------------------------------------------------
    Mutant('chunk_executor', 'one shared reset: any reset re-plans every env', edits=(
        (
            '        self.taken = torch.where(mask.to(self.taken.device), self.execute, self.taken)\n',
            (
                '        if bool(mask.any()):\n'
                '            self.taken = torch.full_like(self.taken, self.execute)\n'
            ),
        ),
    )),
    Mutant('chunk_executor', 'no re-plan after reset', edits=(
        (
            '        self.taken = torch.where(mask.to(self.taken.device), self.execute, self.taken)\n',
            '        pass\n',
        ),
    )),
    Mutant('chunk_executor', 'executes the whole chunk (ignores K)', edits=(
        (
            '        replan = self.taken >= self.execute  # (N,)\n',
            '        replan = self.taken >= self.chunks.shape[1]  # (N,)\n',
        ),
    )),
    Mutant('chunk_executor', 'off by one: skips the first action', edits=(
        (
            '            self.taken = torch.where(replan, 0, self.taken)\n',
            '            self.taken = torch.where(replan, 1, self.taken)\n',
        ),
    )),
    Mutant('chunk_executor', 'executes the last K entries of each chunk', edits=(
        (
            '        act = self.chunks[rows, self.taken]  # (N, A) entry `taken` of each queue\n',
            '        act = self.chunks[rows, self.taken + self.chunks.shape[1] - self.execute]\n',
        ),
    )),
    Mutant('chunk_executor', 'plans every row whenever one needs it', edits=(
        (
            '            self.chunks[replan] = self.plan(obs[replan]).to(self.chunks.dtype)\n',
            '            self.chunks = torch.where(replan[:, None, None], self.plan(obs).to(self.chunks.dtype), self.chunks)\n',
        ),
    )),
    Mutant('chunk_executor', 'counts calls, not rows', edits=(
        (
            '            self.queries += int(replan.sum())\n',
            '            self.queries += 1\n',
        ),
    )),
    Mutant('chunk_executor', 'accepts any execute', edits=(
        (
            (
                '        if not 1 <= execute <= chunk_size:\n'
                '            raise ValueError(f"execute must be between 1 and {chunk_size}, got {execute}")\n'
            ),
            '',
        ),
    )),
    Mutant('chunk_executor', 'checks only the upper bound (accepts execute = 0)', edits=(
        (
            '        if not 1 <= execute <= chunk_size:\n',
            '        if execute > chunk_size:\n',
        ),
    )),
    Mutant('chunk_executor', 'assert instead of ValueError', edits=(
        (
            (
                '        if not 1 <= execute <= chunk_size:\n'
                '            raise ValueError(f"execute must be between 1 and {chunk_size}, got {execute}")\n'
            ),
            '        assert 1 <= execute <= chunk_size, "execute out of range"\n',
        ),
    )),
    Mutant('chunk_executor', 'reset edits the caller\'s mask', edits=(
        (
            '        self.taken = torch.where(mask.to(self.taken.device), self.execute, self.taken)\n',
            (
                '        mask |= self.taken >= self.execute\n'
                '        self.taken = torch.where(mask, self.execute, self.taken)\n'
            ),
        ),
    )),
    Mutant('chunk_executor', 'one clock for all envs: plans everyone every K steps', source=(
        'class ChunkExecutor:\n'
        '    def __init__(self, plan, num_envs, chunk_size, act_dim, execute, device="cpu"):\n'
        '        if not 1 <= execute <= chunk_size:\n'
        '            raise ValueError("execute")\n'
        '        self.plan, self.k, self.t, self.queries = plan, execute, 0, 0\n'
        '        self.chunks = None\n'
        '\n'
        '    def reset(self, mask):\n'
        '        if bool(mask.all()):\n'
        '            self.t = 0\n'
        '\n'
        '    def __call__(self, obs):\n'
        '        if self.t % self.k == 0:\n'
        '            self.chunks = self.plan(obs)\n'
        '            self.queries += obs.shape[0]\n'
        '        act = self.chunks[:, self.t % self.k]\n'
        '        self.t += 1\n'
        '        return act\n'
    )),
    Mutant('chunk_executor', 'python queues, one per env (alternative correct)', should_pass=True, source=(
        'class ChunkExecutor:\n'
        '    def __init__(self, plan, num_envs, chunk_size, act_dim, execute, device="cpu"):\n'
        '        if execute < 1 or execute > chunk_size:\n'
        '            raise ValueError("bad execute")\n'
        '        self.plan, self.k, self.n = plan, execute, num_envs\n'
        '        self.queues = [[] for _ in range(num_envs)]\n'
        '        self.queries = 0\n'
        '\n'
        '    def reset(self, mask):\n'
        '        for i in torch.nonzero(mask).flatten().tolist():\n'
        '            self.queues[i] = []\n'
        '\n'
        '    def __call__(self, obs):\n'
        '        empty = [i for i in range(self.n) if not self.queues[i]]\n'
        '        if empty:\n'
        '            chunks = self.plan(obs[torch.tensor(empty)])\n'
        '            self.queries += len(empty)\n'
        '            for row, i in enumerate(empty):\n'
        '                self.queues[i] = [chunks[row, h] for h in range(self.k)]\n'
        '        return torch.stack([self.queues[i].pop(0) for i in range(self.n)])\n'
    )),
    Mutant('chunk_executor', 'counts the actions left (alternative correct)', should_pass=True, source=(
        'class ChunkExecutor:\n'
        '    def __init__(self, plan, num_envs, chunk_size, act_dim, execute, device="cpu"):\n'
        '        if not (1 <= execute <= chunk_size):\n'
        '            raise ValueError(execute)\n'
        '        self.plan, self.k = plan, execute\n'
        '        self.chunks = torch.zeros(num_envs, chunk_size, act_dim, device=device)\n'
        '        self.left = torch.zeros(num_envs, dtype=torch.long, device=device)\n'
        '        self.queries = 0\n'
        '\n'
        '    def reset(self, mask):\n'
        '        self.left = self.left.masked_fill(mask, 0)\n'
        '\n'
        '    def __call__(self, obs):\n'
        '        need = self.left == 0\n'
        '        if need.any():\n'
        '            self.chunks[need] = self.plan(obs[need])\n'
        '            self.left = self.left.masked_fill(need, self.k)\n'
        '            self.queries += int(need.sum())\n'
        '        act = self.chunks[torch.arange(obs.shape[0]), self.k - self.left]\n'
        '        self.left = self.left - 1\n'
        '        return act\n'
    )),
    # -- temporal_ensemble -------------------------------------------------------------------------
    Mutant('temporal_ensemble', 'w_0 is the newest', edits=(
        (
            '    logits = torch.where(valid, m * ages.to(history.dtype), -torch.inf)  # (N, H); missing chunks: weight 0\n',
            '    logits = torch.where(valid, -m * ages.to(history.dtype), -torch.inf)\n',
        ),
    )),
    Mutant('temporal_ensemble', 'ignores valid', edits=(
        (
            '    logits = torch.where(valid, m * ages.to(history.dtype), -torch.inf)  # (N, H); missing chunks: weight 0\n',
            '    logits = (m * ages.to(history.dtype))[None, :].expand(valid.shape)\n',
        ),
    )),
    Mutant('temporal_ensemble', 'off by one: entry j+1 of the chunk from j steps ago', edits=(
        (
            '    for_now = history[:, ages, ages]  # (N, H, A)\n',
            '    for_now = history[:, ages, torch.clamp(ages + 1, max=h - 1)]  # (N, H, A)\n',
        ),
    )),
    Mutant('temporal_ensemble', 'first entry of every chunk', edits=(
        (
            '    for_now = history[:, ages, ages]  # (N, H, A)\n',
            '    for_now = history[:, ages, 0]  # (N, H, A)\n',
        ),
    )),
    Mutant('temporal_ensemble', 'exp(m * age) without subtracting the maximum (overflows for large m)', source=(
        'def temporal_ensemble(history, valid, m):\n'
        '    h = history.shape[1]\n'
        '    ages = torch.arange(h)\n'
        '    w = torch.exp(m * ages.to(history.dtype))[None, :] * valid  # (N, H)\n'
        '    w = w / w.sum(dim=1, keepdim=True)\n'
        '    return (w.unsqueeze(-1) * history[:, ages, ages]).sum(dim=1)\n'
    )),
    Mutant('temporal_ensemble', 'normalized over all H chunks, valid or not', source=(
        'def temporal_ensemble(history, valid, m):\n'
        '    h = history.shape[1]\n'
        '    ages = torch.arange(h)\n'
        '    e = torch.exp(-m * (h - 1 - ages).to(history.dtype))  # (H,) oldest slot first\n'
        '    w = e[None, :] * valid / e.sum()\n'
        '    return (w.unsqueeze(-1) * history[:, ages, ages]).sum(dim=1)\n'
    )),
    Mutant('temporal_ensemble', 'exp(-m (k - 1 - j)) over all H slots, then times valid (inf * 0 = NaN for large m)', source=(
        'def temporal_ensemble(history, valid, m):\n'
        '    h = history.shape[1]\n'
        '    ages = torch.arange(h)\n'
        '    k = valid.sum(dim=1, keepdim=True)  # (N, 1) chunks per row\n'
        '    w = torch.exp(-m * (k - 1 - ages[None, :]).to(history.dtype)) * valid  # (N, H)\n'
        '    w = w / w.sum(dim=1, keepdim=True)\n'
        '    return (w.unsqueeze(-1) * history[:, ages, ages]).sum(dim=1)\n'
    )),
    Mutant('temporal_ensemble', 'exp(-m (k - 1 - j)) for the valid slots only, plain float32 (alternative correct)',
           should_pass=True, source=(
        'def temporal_ensemble(history, valid, m):\n'
        '    h = history.shape[1]\n'
        '    ages = torch.arange(h)\n'
        '    k = valid.sum(dim=1, keepdim=True)  # (N, 1) chunks per row\n'
        '    i = (k - 1 - ages[None, :]).clamp_min(0)  # 0 for the oldest; missing slots clamped, masked below\n'
        '    w = torch.where(valid, torch.exp(-m * i.to(history.dtype)), 0.0)\n'
        '    w = w / w.sum(dim=1, keepdim=True)\n'
        '    return (w.unsqueeze(-1) * history[:, ages, ages]).sum(dim=1)\n'
    )),
    Mutant('temporal_ensemble', "ACT's code: w_i = exp(-m i) over the available ones, oldest first (alternative correct)",
           should_pass=True, source=(
        'def temporal_ensemble(history, valid, m):\n'
        '    n, h = valid.shape\n'
        '    out = []\n'
        '    for row in range(n):\n'
        '        js = [j for j in range(h - 1, -1, -1) if valid[row, j]]  # oldest first\n'
        '        preds = torch.stack([history[row, j, j] for j in js])  # (k, A)\n'
        '        w = torch.exp(-m * torch.arange(len(js), dtype=history.dtype))\n'
        '        w = w / w.sum()\n'
        '        out.append((w[:, None] * preds).sum(dim=0))\n'
        '    return torch.stack(out)\n'
    )),
    Mutant('temporal_ensemble', 'loop over ages, softmax weights (alternative correct)', should_pass=True, source=(
        'def temporal_ensemble(history, valid, m):\n'
        '    h = history.shape[1]\n'
        '    preds = torch.stack([history[:, j, j] for j in range(h)], dim=1)  # (N, H, A)\n'
        '    logits = torch.where(valid, m * torch.arange(h, dtype=history.dtype)[None, :], torch.tensor(float("-inf"), dtype=history.dtype))\n'
        '    w = torch.softmax(logits, dim=1)\n'
        '    return torch.einsum("nh,nha->na", w, preds)\n'
    )),
    # -- concept questions -------------------------------------------------------------------------
    *_letters('answer_react', 'C'),
    *_letters('answer_long_k', 'D'),
    *_letters('answer_ensemble_modes', 'B'),
]
