"""Mutants of notebook 09 (history, causal confusion): plausible wrong answers that must lose points
and alternative correct answers that must keep full marks (see autograder/mutants/__init__.py).

Most are ``edits`` to the reference solution's answer cell, ``(old, new)``; answers written from
scratch carry their whole ``source``."""

from autograder.mutants import Mutant

# -- stack_frames --------------------------------------------------------------------------------
_FRAMES = '    frames = torch.zeros(m, history, d, dtype=obs.dtype, device=obs.device)\n'
_LOOP = '    for back in range(history):  # how many steps into the past\n'
_SOURCE = '        source = (rows - back).clamp(min=0)\n'
_SAME = '        same = (rows - back >= 0) & (episode[source] == episode)\n'
_WRITE = '        frames[:, history - 1 - back] = torch.where(same[:, None], obs[source], torch.zeros_like(obs))\n'
_WRITE_MASK = '        mask[:, history - 1 - back] = same\n'

_STACK_VECTORIZED = '''def stack_frames(obs, episode, history):
    lag = torch.arange(history - 1, -1, -1, device=obs.device)      # H-1, ..., 0
    src = torch.arange(obs.shape[0], device=obs.device)[:, None] - lag[None, :]
    ok = (src >= 0) & (episode[src.clamp(min=0)] == episode[:, None])
    frames = obs[src.clamp(min=0)] * ok[..., None].to(obs.dtype)
    return frames, ok
'''

_STACK_PYTHON = '''def stack_frames(obs, episode, history):
    m, d = obs.shape
    frames = obs.new_zeros((m, history, d))
    mask = torch.zeros((m, history), dtype=torch.bool, device=obs.device)
    for i in range(m):
        j = i
        slot = history - 1
        while slot >= 0 and j >= 0 and episode[j] == episode[i]:
            frames[i, slot] = obs[j]
            mask[i, slot] = True
            j -= 1
            slot -= 1
    return frames, mask
'''

# -- push_frame ----------------------------------------------------------------------------------
_CARRY = '    carry = ~start  # (N,) environments whose episode goes on\n'
_OLDER = '    older = torch.where(carry[:, None, None], frames[:, 1:], torch.zeros_like(frames[:, 1:]))\n'
_OLDER_MASK = '    older_mask = mask[:, 1:] & carry[:, None]\n'
_PUSH_RETURN = '    return torch.cat([older, newest], dim=1), torch.cat([older_mask, torch.ones_like(mask[:, :1])], dim=1)\n'

_PUSH_INPLACE = '''def push_frame(frames, mask, obs, start):
    frames[:, :-1] = frames[:, 1:].clone()
    mask[:, :-1] = mask[:, 1:].clone()
    frames[start, :-1] = 0.0
    mask[start, :-1] = False
    frames[:, -1] = obs
    mask[:, -1] = True
    return frames, mask
'''

_PUSH_ROLL = '''def push_frame(frames, mask, obs, start):
    new_frames = torch.roll(frames, shifts=-1, dims=1).clone()
    new_mask = torch.roll(mask, shifts=-1, dims=1).clone()
    new_frames[start] = 0.0
    new_mask[start] = False
    new_frames[:, -1] = obs.to(frames.dtype)
    new_mask[:, -1] = True
    return new_frames, new_mask
'''

# -- HistoryPolicy -------------------------------------------------------------------------------
_NORMALIZED = '        normalized = self.obs_norm.normalize(obs)[:, :, : self.obs_dim] * real  # (B, H, D)\n'
_ENCODE = '        per_frame = self.encoder(torch.cat((normalized, real), dim=2))  # (B, H, E), shared weights\n'
_POSITION = '        per_frame = real * (per_frame + self.position.unsqueeze(0))  # add the age, silence padding\n'
_HEAD = '        return self.head(per_frame.reshape(obs.shape[0], -1))  # (B, H * E) -> (B, A)\n'
_TARGET = '        target = self.act_norm.normalize(act[:, 0])  # (B, A)\n'
_PER_ROW = '        per_row = (self.forward(obs) - target).pow(2).mean(dim=1)  # (B,)\n'
_LOSS_RETURN = '        return masked_mean(per_row.unsqueeze(1), mask)\n'
_SAMPLE = '        return self.act_norm.unnormalize(self.forward(obs)).unsqueeze(1)\n'

_POLICY_ALT = '''class HistoryPolicy(nn.Module):
    def __init__(self, obs_dim, act_dim, history, hidden=64, embed=16):
        super().__init__()
        self.obs_dim, self.act_dim, self.history, self.chunk_size = obs_dim, act_dim, history, 1
        self.obs_norm, self.act_norm = Normalizer(obs_dim + 1), Normalizer(act_dim)
        self.encoder = mlp(obs_dim + 1, embed, hidden=hidden, depth=1)
        self.position = nn.Parameter(torch.zeros(history, embed))
        self.head = mlp(history * embed, act_dim, hidden=hidden, depth=2)

    def forward(self, obs):
        flag = obs[..., -1:]
        feats = (obs[..., :-1] - self.obs_norm.mean[:-1]) / self.obs_norm.std[:-1]
        feats = torch.where(flag > 0, feats, torch.zeros_like(feats))
        codes = self.encoder(torch.cat([feats, flag], dim=-1))
        codes = torch.where(flag > 0, codes + self.position, torch.zeros_like(codes))
        return self.head(codes.flatten(start_dim=1))

    def loss(self, obs, act, mask=None, generator=None):
        err = torch.nn.functional.mse_loss(self(obs), self.act_norm(act[:, 0]), reduction="none").mean(dim=-1)
        if mask is None:
            return err.mean()
        keep = mask[:, 0].to(err.dtype)
        return (err * keep).sum() / keep.sum().clamp_min(1.0)

    @torch.no_grad()
    def sample(self, obs, generator=None):
        return self.act_norm.unnormalize(self(obs))[:, None, :]
'''

# -- shuffle_sensitivity ---------------------------------------------------------------------------
_ORDER = '    order = torch.randperm(obs.shape[0], generator=generator, device=generator.device).to(obs.device)\n'
_SWAP = "    swapped[:, :, channel] = obs[order, :, channel] * obs[:, :, -1]  # another row's history, this row's padding\n"
_CLONE = '    swapped = obs.clone()\n'
_MOVED_RETURN = '    return moved.abs().mean()\n'

_SENS_ARGSORT = '''def shuffle_sensitivity(policy, obs, channel, generator):
    keys = torch.rand(obs.shape[0], generator=generator, device=generator.device)
    perm = torch.argsort(keys).to(obs.device)
    other = obs.clone()
    other[..., channel] = torch.where(obs[..., -1] > 0, obs.index_select(0, perm)[..., channel], torch.zeros_like(obs[..., channel]))
    a, b = policy.sample(obs), policy.sample(other)
    return torch.mean(torch.abs(a - b))
'''


def _letters(exercise, right):
    wrong = [Mutant(exercise, f'wrong letter {x}', edits=((f'{exercise} = "{right}"\n', f'{exercise} = "{x}"\n'),))
             for x in "ABCD" if x != right]
    return wrong + [Mutant(exercise, 'lower case with spaces (accepted)', should_pass=True,
                           edits=((f'{exercise} = "{right}"\n', f'{exercise} = " {right.lower()} "\n'),))]


MUTANTS = [
    # -- stack_frames ------------------------------------------------------------------------------
    Mutant('stack_frames', 'padding leaks across episodes (the previous episode fills the window)', edits=(
        (_SAME, '        same = rows - back >= 0\n'),
    )),
    Mutant('stack_frames', 'episode starts from sorted ids (torch.unique counts): wrong for unsorted ids', edits=(
        (_SAME, '        _, counts = torch.unique(episode, return_counts=True)\n'
                '        first = torch.repeat_interleave(torch.cumsum(counts, 0) - counts, counts)\n'
                '        same = rows - back >= first\n'),
    )),
    Mutant('stack_frames', 'newest frame first', edits=(
        (_WRITE, '        frames[:, back] = torch.where(same[:, None], obs[source], torch.zeros_like(obs))\n'),
        (_WRITE_MASK, '        mask[:, back] = same\n'),
    )),
    Mutant('stack_frames', 'off by one: the window stops one step before the current observation', edits=(
        (_SOURCE, '        source = (rows - back - 1).clamp(min=0)\n'),
        (_SAME, '        same = (rows - back - 1 >= 0) & (episode[source] == episode)\n'),
    )),
    Mutant('stack_frames', 'loops over the feature dimension D instead of H (right only when H == D)', edits=(
        (_LOOP, '    for back in range(min(d, history)):  # how many steps into the past\n'),
    )),
    Mutant('stack_frames', 'pads with the current observation instead of zeros', edits=(
        (_WRITE, '        frames[:, history - 1 - back] = torch.where(same[:, None], obs[source], obs)\n'),
    )),
    Mutant('stack_frames', 'float32 frames whatever the dtype of obs', edits=(
        (_FRAMES, '    frames = torch.zeros(m, history, d, device=obs.device)\n'),
    )),
    Mutant('stack_frames', 'vectorized over lags (all at once)', should_pass=True, source=_STACK_VECTORIZED),
    Mutant('stack_frames', 'plain Python loops, walking back while the id matches', should_pass=True, source=_STACK_PYTHON),
    # -- push_frame --------------------------------------------------------------------------------
    Mutant('push_frame', 'padding leaks across episodes (start ignored)', edits=(
        (_CARRY, '    carry = torch.ones_like(start)  # (N,)\n'),
    )),
    Mutant('push_frame', 'a new episode clears the mask but keeps the old frames', edits=(
        (_OLDER, '    older = frames[:, 1:]\n'),
    )),
    Mutant('push_frame', 'a new episode zeroes the frames but keeps the mask', edits=(
        (_OLDER_MASK, '    older_mask = mask[:, 1:]\n'),
    )),
    Mutant('push_frame', 'in place on the caller\'s window', source=_PUSH_INPLACE),
    Mutant('push_frame', 'new observation put first (oldest slot)', edits=(
        (_PUSH_RETURN, '    return torch.cat([newest, older], dim=1), torch.cat([torch.ones_like(mask[:, :1]), older_mask], dim=1)\n'),
    )),
    Mutant('push_frame', 'drops the newest frame instead of the oldest', edits=(
        (_OLDER, '    older = torch.where(carry[:, None, None], frames[:, :-1], torch.zeros_like(frames[:, :-1]))\n'),
        (_OLDER_MASK, '    older_mask = mask[:, :-1] & carry[:, None]\n'),
    )),
    Mutant('push_frame', 'roll, clone, then clear and write', should_pass=True, source=_PUSH_ROLL),
    # -- history_policy ------------------------------------------------------------------------------
    Mutant('history_policy', 'padded frames\' codes not silenced after the encoder', edits=(
        (_POSITION, '        per_frame = per_frame + self.position.unsqueeze(0)\n'),
    )),
    Mutant('history_policy', 'padded frames\' features left as normalized (equivalent: their codes are zeroed anyway)', should_pass=True, edits=(
        (_NORMALIZED, '        normalized = self.obs_norm.normalize(obs)[:, :, : self.obs_dim]\n'),
    )),
    Mutant('history_policy', 'no position embedding (the age of a frame is lost)', edits=(
        (_POSITION, '        per_frame = real * per_frame\n'),
    )),
    Mutant('history_policy', 'the flag is normalized too', edits=(
        (_ENCODE, '        per_frame = self.encoder(torch.cat((normalized, self.obs_norm.normalize(obs)[:, :, self.obs_dim:]), dim=2))\n'),
    )),
    Mutant('history_policy', 'codes flattened time-last (E x H instead of H x E)', edits=(
        (_HEAD, '        return self.head(per_frame.transpose(1, 2).reshape(obs.shape[0], -1))\n'),
    )),
    Mutant('history_policy', 'loss against the raw (unnormalized) action', edits=(
        (_TARGET, '        target = act[:, 0]\n'),
    )),
    Mutant('history_policy', 'loss ignores the row mask', edits=(
        (_LOSS_RETURN, '        return per_row.mean()\n'),
    )),
    Mutant('history_policy', 'loss sums over action dimensions', edits=(
        (_PER_ROW, '        per_row = (self.forward(obs) - target).pow(2).sum(dim=1)  # (B,)\n'),
    )),
    Mutant('history_policy', 'sample returns normalized actions', edits=(
        (_SAMPLE, '        return self.forward(obs).unsqueeze(1)\n'),
    )),
    Mutant('history_policy', 'sample returns (B, A) instead of (B, 1, A)', edits=(
        (_SAMPLE, '        return self.act_norm.unnormalize(self.forward(obs))\n'),
    )),
    Mutant('history_policy', 'normalizer by hand, torch.where for padding, mse_loss', should_pass=True, source=_POLICY_ALT),
    # -- shuffle_sensitivity -------------------------------------------------------------------------
    Mutant('shuffle_sensitivity', 'permutation from the global RNG', edits=(
        (_ORDER, '    order = torch.randperm(obs.shape[0]).to(obs.device)\n'),
    )),
    Mutant('shuffle_sensitivity', 'shuffles the frames in time instead of the rows', edits=(
        (_ORDER, '    order = torch.randperm(obs.shape[1], generator=generator, device=generator.device).to(obs.device)\n'),
        (_SWAP, '    swapped[:, :, channel] = obs[:, order, channel] * obs[:, :, -1]\n'),
    )),
    Mutant('shuffle_sensitivity', 'one permutation per frame (a row\'s history torn apart)', edits=(
        (_SWAP, '    swapped[:, :, channel] = torch.stack([obs[torch.randperm(obs.shape[0], generator=generator), j, channel] '
                'for j in range(obs.shape[1])], dim=1) * obs[:, :, -1]\n'),
    )),
    Mutant('shuffle_sensitivity', 'padding not kept: another row\'s values land on padded frames', edits=(
        (_SWAP, '    swapped[:, :, channel] = obs[order, :, channel]\n'),
    )),
    Mutant('shuffle_sensitivity', 'mean of signed differences', edits=(
        (_MOVED_RETURN, '    return moved.mean().abs()\n'),
    )),
    Mutant('shuffle_sensitivity', 'shuffles every feature, not just the channel', edits=(
        (_SWAP, '    swapped[:, :, :-1] = obs[order, :, :-1] * obs[:, :, -1:]\n'),
    )),
    Mutant('shuffle_sensitivity', 'in place on obs (no clone)', edits=(
        (_CLONE, '    swapped = obs\n'),
    )),
    Mutant('shuffle_sensitivity', 'returns one value per row', edits=(
        (_MOVED_RETURN, '    return moved.abs().mean(dim=(1, 2))\n'),
    )),
    Mutant('shuffle_sensitivity', 'argsort of uniforms, index_select, torch.where', should_pass=True, source=_SENS_ARGSORT),
    # -- questions ---------------------------------------------------------------------------------
    *_letters('answer_one_frame', 'C'),
    *_letters('answer_copycat', 'A'),
    *_letters('answer_dagger', 'D'),
]
