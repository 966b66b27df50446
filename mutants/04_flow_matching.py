"""Mutants of notebook 04 (flow matching): plausible wrong answers that must lose points and
alternative correct answers that must keep full marks (see autograder/mutants/__init__.py).

Most are ``edits`` to the reference solution's answer cell, ``(old, new)``, so each mistake
shows at a glance; answers written from scratch carry their whole ``source``."""

from autograder.mutants import Mutant

_GD = '    gen_device = generator.device if generator is not None else act.device\n'
_A0 = '    a0 = torch.randn(act.shape, generator=generator, dtype=act.dtype, device=gen_device).to(act.device)\n'
_T = '    t = torch.rand(act.shape[0], generator=generator, dtype=act.dtype, device=gen_device).to(act.device)  # (B,)\n'
_TT = '    tt = t.reshape(-1, *([1] * (act.dim() - 1)))  # (B, 1, ..., 1)\n'
_AT = '    a_t = tt * act + (1 - tt) * a0\n'
_ERR = '    err = (velocity(a_t, t, obs) - (act - a0)) ** 2  # (B, ...)\n'
_NOMASK = '        return err.mean()\n'
_PERSTEP = '    per_step = err.mean(dim=-1)  # (B, H): mean over the action numbers of each step\n'
_RET = '    return (per_step * weights).sum() / weights.sum().clamp_min(1.0)\n'

_DT = '    dt = 1.0 / num_steps\n'
_TK = '        t = torch.full((x0.shape[0],), k * dt, dtype=x0.dtype, device=x0.device)  # (B,)\n'
_STEP = '        x = x + velocity(x, t) * dt\n'
_X0 = '    x0 = torch.randn(shape, generator=generator, device=gen_device).to(device)\n'

_NET_IN = '        in_dim = obs_dim + chunk_size * act_dim + 1  # the normalized observation, the noisy chunk, t\n'
_S = '        s = self.obs_norm(obs)  # (B, obs_dim)\n'
_X = '        x = a_t.reshape(b, -1)  # (B, H*A)\n'
_OUT = '        out = self.net(torch.cat([s, x, tt], dim=-1))  # (B, H*A)\n'
_Z = '        z = self.act_norm(act)  # (B, H, A), normalized\n'
_LRET = '        return flow_matching_loss(self.velocity, obs, z, generator, mask)\n'
_STEPS = '        steps = num_steps or self.num_steps\n'
_SF = '        z = sample_flow(field, shape, steps, generator, obs.device)  # (B, H, A), normalized\n'
_SRET = '        return self.act_norm.unnormalize(z)\n'


def _letters(variable, exercise, right):
    wrong = [Mutant(exercise, f'wrong letter {x}', edits=((f'{variable} = "{right}"\n', f'{variable} = "{x}"\n'),))
             for x in "ABCD" if x != right]
    return wrong + [Mutant(exercise, 'right letter, lower case with spaces (accepted)', should_pass=True,
                           edits=((f'{variable} = "{right}"\n', f'{variable} = " {right.lower()} "\n'),))]


MUTANTS = [
    # -- interpolate -------------------------------------------------------------------------------
    Mutant('interpolate', 'time convention reversed: x_t = (1-t) x1 + t x0', edits=(
        (
            (
                '    tt = t.reshape(t.shape[0], *([1] * (x1.dim() - 1)))  # (B, 1, ..., 1)\n'
                '    return tt * x1 + (1 - tt) * x0, x1 - x0\n'
            ),
            (
                '    tt = t.reshape(t.shape[0], *([1] * (x1.dim() - 1)))\n'
                '    return (1 - tt) * x1 + tt * x0, x1 - x0\n'
            ),
        ),
    )),
    Mutant('interpolate', 'target velocity x0 - x1', edits=(
        (
            (
                '    tt = t.reshape(t.shape[0], *([1] * (x1.dim() - 1)))  # (B, 1, ..., 1)\n'
                '    return tt * x1 + (1 - tt) * x0, x1 - x0\n'
            ),
            (
                '    tt = t.reshape(t.shape[0], *([1] * (x1.dim() - 1)))\n'
                '    return tt * x1 + (1 - tt) * x0, x0 - x1\n'
            ),
        ),
    )),
    Mutant('interpolate', 't not broadcast: (B,) against (B, A)', edits=(
        (
            (
                '    tt = t.reshape(t.shape[0], *([1] * (x1.dim() - 1)))  # (B, 1, ..., 1)\n'
                '    return tt * x1 + (1 - tt) * x0, x1 - x0\n'
            ),
            '    return t * x1 + (1 - t) * x0, x1 - x0\n',
        ),
    )),
    Mutant('interpolate', 't broadcast with a single unsqueeze (only right for 2-D inputs)', edits=(
        (
            '    tt = t.reshape(t.shape[0], *([1] * (x1.dim() - 1)))  # (B, 1, ..., 1)\n',
            '    tt = t[:, None]\n',
        ),
    )),
    Mutant('interpolate', "in-place update of the caller's x0", edits=(
        (
            (
                '    tt = t.reshape(t.shape[0], *([1] * (x1.dim() - 1)))  # (B, 1, ..., 1)\n'
                '    return tt * x1 + (1 - tt) * x0, x1 - x0\n'
            ),
            (
                '    tt = t.reshape(t.shape[0], *([1] * (x1.dim() - 1)))\n'
                '    vel = x1 - x0\n'
                '    return x0.add_(tt * vel), vel\n'
            ),
        ),
    )),
    Mutant('interpolate', 'alternative: torch.lerp with view', should_pass=True, edits=(
        (
            (
                '    tt = t.reshape(t.shape[0], *([1] * (x1.dim() - 1)))  # (B, 1, ..., 1)\n'
                '    return tt * x1 + (1 - tt) * x0, x1 - x0\n'
            ),
            (
                '    tt = t.view(-1, *([1] * (x0.dim() - 1)))\n'
                '    return torch.lerp(x0, x1, tt), x1 - x0\n'
            ),
        ),
    )),
    Mutant('interpolate', 'alternative: x0 + t (x1 - x0) with expand_as', should_pass=True, edits=(
        (
            (
                '    tt = t.reshape(t.shape[0], *([1] * (x1.dim() - 1)))  # (B, 1, ..., 1)\n'
                '    return tt * x1 + (1 - tt) * x0, x1 - x0\n'
            ),
            (
                '    vel = x1 - x0\n'
                '    tt = t.reshape((-1,) + (1,) * (x0.dim() - 1)).expand_as(x0)\n'
                '    return x0 + tt * vel, vel\n'
            ),
        ),
    )),
    # -- flow_matching_loss ------------------------------------------------------------------------
    Mutant('fm_loss', 'time convention reversed', edits=((_AT, '    a_t = (1 - tt) * act + tt * a0\n'),)),
    Mutant('fm_loss', 'target a0 - act', edits=((_ERR, '    err = (velocity(a_t, t, obs) - (a0 - act)) ** 2  # (B, ...)\n'),)),
    Mutant('fm_loss', 'one t per batch instead of per sample', edits=(
        (_T, '    t = torch.rand(1, generator=generator, dtype=act.dtype, device=gen_device).to(act.device).expand(act.shape[0])\n'),
    )),
    Mutant('fm_loss', 'global RNG for the noise', edits=((_A0, '    a0 = torch.randn(act.shape, dtype=act.dtype).to(act.device)\n'),)),
    Mutant('fm_loss', 'global RNG for the times', edits=((_T, '    t = torch.rand(act.shape[0], dtype=act.dtype).to(act.device)\n'),)),
    Mutant('fm_loss', 'fixed time grid linspace(0, 1, B) (reaches t = 1)', edits=(
        (_T, '    t = torch.linspace(0, 1, act.shape[0], dtype=act.dtype, device=act.device)\n'),
    )),
    Mutant('fm_loss', 'fixed time grid linspace(0, 1, B) with a per-sample sum', edits=(
        (_T, '    t = torch.linspace(0, 1, act.shape[0], dtype=act.dtype, device=act.device)\n'),
        (_NOMASK, '        return err.reshape(err.shape[0], -1).sum(dim=1).mean()\n'),
    )),
    Mutant('fm_loss', 'fixed time grid (k + 0.5) / B (never 1)', edits=(
        (_T, '    t = (torch.arange(act.shape[0], dtype=act.dtype, device=act.device) + 0.5) / act.shape[0]\n'),
    )),
    Mutant('fm_loss', 'one noise draw per sample shared by all action dimensions', edits=(
        (_A0, '    a0 = torch.randn(act.shape[0], generator=generator, dtype=act.dtype, device=gen_device).to(act.device)\n'
              '    a0 = a0.reshape(-1, *([1] * (act.dim() - 1))).expand_as(act)\n'),
    )),
    Mutant('fm_loss', 'one noise draw per entry shared by all samples of the batch', edits=(
        (_A0, '    a0 = torch.randn(act.shape[1:], generator=generator, dtype=act.dtype, device=gen_device).to(act.device)\n'
              '    a0 = a0.expand_as(act)\n'),
    )),
    Mutant('fm_loss', 'noise reused from the time draw (a0 = a function of t)', edits=(
        (_A0, ''),
        (_TT, '    tt = t.reshape(-1, *([1] * (act.dim() - 1)))\n'
              '    a0 = torch.special.ndtri(tt.clamp(1e-6, 1 - 1e-6)).expand_as(act)\n'),
    )),
    Mutant('fm_loss', 'per-sample sum over the action dimensions instead of the mean', edits=(
        (_NOMASK, '        return err.reshape(err.shape[0], -1).sum(dim=1).mean()\n'),
    )),
    Mutant('fm_loss', 'mask: padded steps still counted in the denominator', edits=(
        (_RET, '    return (per_step * weights).sum() / per_step.numel()\n'),
    )),
    Mutant('fm_loss', 'mask: mean per sample, then mean over the batch', edits=(
        (_RET, '    return ((per_step * weights).sum(dim=1) / weights.sum(dim=1).clamp_min(1.0)).mean()\n'),
    )),
    Mutant('fm_loss', 'mask: mean over the batch for each step index, then over the steps', edits=(
        (_RET, '    return ((per_step * weights).sum(dim=0) / weights.sum(dim=0).clamp_min(1.0)).mean()\n'),
    )),
    Mutant('fm_loss', 'mask ignored', edits=((_PERSTEP, '    return err.mean()\n'),)),
    Mutant('fm_loss', 'mask: sum over the action dimension instead of the mean', edits=(
        (_PERSTEP, '    per_step = err.sum(dim=-1)  # (B, H)\n'),
    )),
    Mutant('fm_loss', 't ~ N(0, 1) instead of U[0, 1)', edits=(
        (_T, '    t = torch.randn(act.shape[0], generator=generator, dtype=act.dtype, device=gen_device).to(act.device)\n'),
    )),
    Mutant('fm_loss', "in-place interpolation into the caller's act", edits=(
        (_AT, '    a_t = act.mul_(tt).add_((1 - tt) * a0)\n'),
    )),
    Mutant('fm_loss', 'alternative: t drawn before the noise, lerp, mask by boolean indexing', should_pass=True, source=(
        'def flow_matching_loss(velocity, obs, act, generator=None, mask=None):\n'
        '    where = act.device if generator is None else generator.device\n'
        '    t = torch.rand((act.shape[0],), generator=generator, device=where, dtype=act.dtype).to(act.device)\n'
        '    noise = torch.empty(act.shape, device=where, dtype=act.dtype).normal_(generator=generator).to(act.device)\n'
        '    shape = (-1,) + (1,) * (act.dim() - 1)\n'
        '    a_t = torch.lerp(noise, act, t.view(shape))\n'
        '    sq = (velocity(a_t, t, obs) - act + noise).pow(2)\n'
        '    if mask is None:\n'
        '        return sq.mean()\n'
        '    picked = sq.mean(-1)[mask]\n'
        '    return picked.mean() if picked.numel() else sq.sum() * 0.0\n'
    )),
    Mutant('fm_loss', 'alternative: plain float32 formula, masked_mean via torch.where', should_pass=True, edits=(
        (_RET, '    total = torch.where(mask, per_step, torch.zeros_like(per_step)).sum()\n'
               '    return total / max(int(mask.sum()), 1)\n'),
    )),
    # -- euler / sample_flow -----------------------------------------------------------------------
    Mutant('euler', 'dt = 1 / (N - 1)', edits=((_DT, '    dt = 1.0 / max(num_steps - 1, 1)\n'),)),
    Mutant('euler', 'velocity evaluated at the end of the step (t + dt)', edits=(
        (_TK, '        t = torch.full((x0.shape[0],), (k + 1) * dt, dtype=x0.dtype, device=x0.device)\n'),
    )),
    Mutant('euler', "in-place update of the caller's x0", edits=((_STEP, '        x += velocity(x, t) * dt\n'),)),
    Mutant('euler', 'one step with the full field (ignores num_steps for the update)', edits=(
        (_STEP, '        x = x + velocity(x, t) * (1.0 if k == 0 else 0.0)\n'),
    )),
    Mutant('euler', 'global RNG for the noise in sample_flow', edits=((_X0, '    x0 = torch.randn(shape).to(device)\n'),)),
    Mutant('euler', 'sample_flow: one noise draw per row shared by all entries', edits=(
        (_X0, '    x0 = torch.randn(shape[0], generator=generator, device=gen_device).to(device)\n'
              '    x0 = x0.reshape(-1, *([1] * (len(shape) - 1))).expand(shape)\n'),
    )),
    Mutant('euler', 'sample_flow: one noise row shared by the whole batch', edits=(
        (_X0, '    x0 = torch.randn((1, *shape[1:]), generator=generator, device=gen_device).to(device).expand(shape)\n'),
    )),
    Mutant('euler', 'sample_flow: noise from torch.rand (uniform) instead of randn', edits=(
        (_X0, '    x0 = torch.rand(shape, generator=generator, device=gen_device).to(device)\n'),
    )),
    Mutant('euler', 'alternative: time grid from linspace(0, 1, N + 1), dt from its differences', should_pass=True, edits=(
        (_DT, '    grid = torch.linspace(0, 1, num_steps + 1, dtype=x0.dtype, device=x0.device)\n'),
        (_TK, '        t = grid[k].expand(x0.shape[0])\n'),
        (_STEP, '        x = x + velocity(x, t) * (grid[k + 1] - grid[k])\n'),
    )),
    Mutant('euler', 'alternative: accumulate t, noise via empty().normal_(generator=...)', should_pass=True, edits=(
        (_X0, '    x0 = torch.empty(shape, device=gen_device).normal_(generator=generator).to(device)\n'),
    )),
    # -- FlowPolicy (build) ------------------------------------------------------------------------
    Mutant('flow_policy', 'the network never sees t', edits=(
        (_NET_IN, '        in_dim = obs_dim + chunk_size * act_dim\n'),
        (_OUT, '        out = self.net(torch.cat([s, x], dim=-1))\n'),
    )),
    Mutant('flow_policy', 'raw observations into the network', edits=((_S, '        s = obs\n'),)),
    Mutant('flow_policy', 'loss on raw (un-normalized) actions', edits=((_Z, '        z = act\n'),)),
    Mutant('flow_policy', 'sample returns normalized actions', edits=((_SRET, '        return z\n'),)),
    Mutant('flow_policy', 'sample un-normalizes with the std only', edits=((_SRET, '        return z * self.act_norm.std\n'),)),
    Mutant('flow_policy', 'sample ignores its num_steps argument', edits=((_STEPS, '        steps = self.num_steps\n'),)),
    Mutant('flow_policy', "sample ignores the generator (torch's global RNG)", edits=(
        (_SF, '        z = sample_flow(field, shape, steps, None, obs.device)\n'),
    )),
    Mutant('flow_policy', 'loss drops the mask', edits=((_LRET, '        return flow_matching_loss(self.velocity, obs, z, generator)\n'),)),
    Mutant('flow_policy', 'velocity centres a_t over the batch (rows mix)', edits=(
        (_X, '        x = a_t.reshape(b, -1) - a_t.reshape(b, -1).mean(dim=0)\n'),
    )),
    Mutant('flow_policy', 'velocity sees only the first step of the chunk', edits=(
        (_NET_IN, '        in_dim = obs_dim + act_dim + 1\n'),
        (_X, '        x = a_t[:, 0]\n'),
    )),
    Mutant('flow_policy', 'one noise sample for the whole batch', edits=(
        (_SF, '        z = sample_flow(lambda a, t: self.velocity(a.expand(shape), t.expand(shape[0]), obs)[:1], (1,) + shape[1:], '
              'steps, generator, obs.device).expand(shape)\n'),
    )),
    Mutant('flow_policy', 'alternative: FiLM from a sinusoidal time embedding and the observation', should_pass=True, source=(
        'class FlowPolicy(nn.Module):\n'
        '    def __init__(self, obs_dim, act_dim, chunk_size=1, hidden=256, depth=2, num_steps=10):\n'
        '        super().__init__()\n'
        '        self.act_dim, self.chunk_size, self.num_steps = act_dim, chunk_size, num_steps\n'
        '        self.obs_norm, self.act_norm = Normalizer(obs_dim), Normalizer(act_dim)\n'
        '        flat = chunk_size * act_dim\n'
        '        self.register_buffer("freqs", 2.0 ** torch.arange(4, dtype=torch.float32))\n'
        '        self.inp = nn.Linear(flat, hidden)\n'
        '        self.cond = nn.Sequential(nn.Linear(obs_dim + 8, hidden), nn.SiLU(), nn.Linear(hidden, 2 * hidden))\n'
        '        self.body = nn.Sequential(nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU())\n'
        '        self.out = nn.Linear(hidden, flat)\n'
        '\n'
        '    def velocity(self, a_t, t, obs):\n'
        '        b = a_t.shape[0]\n'
        '        ang = t.reshape(b, 1).to(a_t.dtype) * self.freqs * torch.pi\n'
        '        emb = torch.cat([torch.sin(ang), torch.cos(ang)], dim=-1)\n'
        '        scale, shift = self.cond(torch.cat([self.obs_norm(obs), emb], dim=-1)).chunk(2, dim=-1)\n'
        '        h = self.inp(a_t.reshape(b, -1)) * (1 + scale) + shift\n'
        '        return self.out(self.body(h)).reshape(a_t.shape)\n'
        '\n'
        '    def loss(self, obs, act, mask=None, generator=None):\n'
        '        return flow_matching_loss(self.velocity, obs, self.act_norm(act), generator=generator, mask=mask)\n'
        '\n'
        '    @torch.no_grad()\n'
        '    def sample(self, obs, generator=None, num_steps=None):\n'
        '        shape = (obs.shape[0], self.chunk_size, self.act_dim)\n'
        '        z = sample_flow(lambda a, t: self.velocity(a, t, obs), shape, num_steps or self.num_steps, generator, device=obs.device)\n'
        '        return self.act_norm.unnormalize(z)\n'
    )),
    Mutant('flow_policy', 'alternative: sin/cos time features appended, nn.Sequential, calls euler itself', should_pass=True, source=(
        'class FlowPolicy(nn.Module):\n'
        '    def __init__(self, obs_dim, act_dim, chunk_size=1, hidden=256, depth=2, num_steps=10):\n'
        '        super().__init__()\n'
        '        self.act_dim, self.chunk_size, self.num_steps = act_dim, chunk_size, num_steps\n'
        '        self.obs_norm, self.act_norm = Normalizer(obs_dim), Normalizer(act_dim)\n'
        '        layers, width = [], obs_dim + chunk_size * act_dim + 6\n'
        '        for _ in range(depth):\n'
        '            layers += [nn.Linear(width, hidden), nn.ReLU()]\n'
        '            width = hidden\n'
        '        self.mlp = nn.Sequential(*layers, nn.Linear(width, chunk_size * act_dim))\n'
        '\n'
        '    def velocity(self, a_t, t, obs):\n'
        '        k = torch.arange(1, 4, dtype=a_t.dtype, device=a_t.device)\n'
        '        feats = torch.cat([torch.sin(t[:, None] * k * 3.0), torch.cos(t[:, None] * k * 3.0)], dim=1)\n'
        '        h = torch.cat([self.obs_norm(obs), a_t.flatten(1), feats], dim=1)\n'
        '        return self.mlp(h).unflatten(1, (self.chunk_size, self.act_dim))\n'
        '\n'
        '    def loss(self, obs, act, mask=None, generator=None):\n'
        '        return flow_matching_loss(self.velocity, obs, self.act_norm(act), generator, mask)\n'
        '\n'
        '    @torch.no_grad()\n'
        '    def sample(self, obs, generator=None, num_steps=None):\n'
        '        where = generator.device if generator is not None else obs.device\n'
        '        noise = torch.randn((len(obs), self.chunk_size, self.act_dim), generator=generator, device=where).to(obs.device)\n'
        '        return self.act_norm.unnormalize(euler(lambda a, t: self.velocity(a, t, obs), noise, num_steps or self.num_steps))\n'
    )),
    # -- concept questions -------------------------------------------------------------------------
    *_letters('answer_idea0', 'q_idea0', 'C'),
    *_letters('answer_field_time', 'q_field_time', 'D'),
    *_letters('answer_steps_cost', 'q_steps_cost', 'B'),
]
