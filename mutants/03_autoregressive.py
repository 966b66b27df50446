"""Mutants of notebook 03 (autoregressive discretization): plausible wrong answers that must lose points and
alternative correct answers that must keep full marks (see autograder/mutants/__init__.py).

Most are ``edits`` to the reference solution's answer cell, ``(old, new)``, so each mistake
shows at a glance; answers written from scratch carry their whole ``source``."""

from autograder.mutants import Mutant

MUTANTS = [
    # -- discretize --------------------------------------------------------------------------------
    Mutant('discretize', 'round instead of floor', edits=(
        (
            '    return torch.clamp(torch.floor(scaled), 0, num_bins - 1).to(torch.int64)\n',
            '    return torch.clamp(torch.round(scaled), 0, num_bins - 1).to(torch.int64)\n',
        ),
    )),
    Mutant('discretize', 'no clipping', edits=(
        (
            '    return torch.clamp(torch.floor(scaled), 0, num_bins - 1).to(torch.int64)\n',
            '    return torch.floor(scaled).to(torch.int64)\n',
        ),
    )),
    Mutant('discretize', 'upper bound off by one (clamp to num_bins)', edits=(
        (
            '    return torch.clamp(torch.floor(scaled), 0, num_bins - 1).to(torch.int64)\n',
            '    return torch.clamp(torch.floor(scaled), 0, num_bins).to(torch.int64)\n',
        ),
    )),
    Mutant('discretize', 'width with num_bins - 1', edits=(
        (
            '    scaled = (act - low) / (high - low) * num_bins\n',
            '    scaled = (act - low) / (high - low) * (num_bins - 1)\n',
        ),
    )),
    Mutant('discretize', 'returns float indices', edits=(
        (
            '    return torch.clamp(torch.floor(scaled), 0, num_bins - 1).to(torch.int64)\n',
            '    return torch.clamp(torch.floor(scaled), 0, num_bins - 1)\n',
        ),
    )),
    Mutant('discretize', 'ignores low (assumes 0)', edits=(
        (
            '    scaled = (act - low) / (high - low) * num_bins\n',
            '    scaled = act / (high - low) * num_bins\n',
        ),
    )),
    Mutant('discretize', 'bucketize with edges going to the lower bin', source=(
        'def discretize(act, low, high, num_bins):\n'
        '    inner = torch.linspace(low, high, num_bins + 1)[1:-1]\n'
        '    return torch.bucketize(act, inner)\n'
    )),
    Mutant('discretize', 'int32 indices', edits=(
        (
            '    return torch.clamp(torch.floor(scaled), 0, num_bins - 1).to(torch.int64)\n',
            '    return torch.clamp(torch.floor(scaled), 0, num_bins - 1).int()\n',
        ),
    )),
    Mutant('discretize', 'bucketize on interior edges (correct)', should_pass=True, source=(
        'def discretize(act, low, high, num_bins):\n'
        '    inner = torch.linspace(low, high, num_bins + 1)[1:-1]\n'
        '    return torch.bucketize(act.clamp(low, high), inner, right=True)\n'
    )),
    Mutant('discretize', 'clip values first, then min with last bin (correct)', should_pass=True, source=(
        'def discretize(act, low, high, num_bins):\n'
        '    width = (high - low) / num_bins\n'
        '    idx = ((act.clamp(low, high) - low) / width).long()\n'
        '    return torch.minimum(idx, torch.tensor(num_bins - 1))\n'
    )),
    # -- undiscretize ------------------------------------------------------------------------------
    Mutant('undiscretize', 'linspace(low, high, n) as centres', source=(
        'def undiscretize(index, low, high, num_bins):\n'
        '    return torch.linspace(low, high, num_bins)[index]\n'
    )),
    Mutant('undiscretize', 'left edge instead of centre', edits=(
        (
            '    return low + (index.to(torch.float32) + 0.5) * width\n',
            '    return low + index.to(torch.float32) * width\n',
        ),
    )),
    Mutant('undiscretize', 'ignores low', edits=(
        (
            '    return low + (index.to(torch.float32) + 0.5) * width\n',
            '    return (index.to(torch.float32) + 0.5) * width\n',
        ),
    )),
    Mutant('undiscretize', 'float64 output', edits=(
        (
            '    return low + (index.to(torch.float32) + 0.5) * width\n',
            '    return low + (index.to(torch.float64) + 0.5) * width\n',
        ),
    )),
    Mutant('undiscretize', 'centres from edges (correct)', should_pass=True, source=(
        'def undiscretize(index, low, high, num_bins):\n'
        '    edges = torch.linspace(low, high, num_bins + 1)\n'
        '    return ((edges[:-1] + edges[1:]) / 2)[index]\n'
    )),
    # -- teacher_forcing_nll -----------------------------------------------------------------------
    Mutant('teacher_forcing_nll', "previous dims from the model's own argmax (no teacher forcing)", edits=(
        (
            '        logits = logits_fn(obs, prev_values[:, :d], d)  # (B, num_bins)\n',
            (
                '        logits = logits_fn(obs, prev_values[:, :d], d)  # (B, num_bins)\n'
                '        prev_values = prev_values.clone()\n'
                '        prev_values[:, d] = centres[logits.argmax(dim=1)]\n'
            ),
        ),
    )),
    Mutant('teacher_forcing_nll', 'current dimension leaked into prev', edits=(
        (
            '        logits = logits_fn(obs, prev_values[:, :d], d)  # (B, num_bins)\n',
            '        logits = logits_fn(obs, prev_values[:, :d + 1], d)  # (B, num_bins)\n',
        ),
    )),
    Mutant('teacher_forcing_nll', 'independent: no conditioning', edits=(
        (
            '        logits = logits_fn(obs, prev_values[:, :d], d)  # (B, num_bins)\n',
            '        logits = logits_fn(obs, prev_values[:, :0], d)  # (B, num_bins)\n',
        ),
    )),
    Mutant('teacher_forcing_nll', 'bin indices fed back instead of centres', edits=(
        (
            '    prev_values = centres[bins]  # (B, D)\n',
            '    prev_values = bins.float()\n',
        ),
    )),
    Mutant('teacher_forcing_nll', 'mean over dims instead of sum', edits=(
        (
            '    return nll\n',
            '    return nll / bins.shape[1]\n',
        ),
    )),
    Mutant('teacher_forcing_nll', 'batch mean instead of per row', edits=(
        (
            '    return nll\n',
            '    return nll.mean()\n',
        ),
    )),
    Mutant('teacher_forcing_nll', "previous dims from the model's own samples", edits=(
        (
            '        logits = logits_fn(obs, prev_values[:, :d], d)  # (B, num_bins)\n',
            (
                '        logits = logits_fn(obs, prev_values[:, :d], d)  # (B, num_bins)\n'
                '        prev_values = prev_values.clone()\n'
                '        prev_values[:, d] = centres[torch.multinomial(torch.softmax(logits.detach(), 1), 1)[:, 0]]\n'
            ),
        ),
    )),
    Mutant('teacher_forcing_nll', 'log of the softmax (underflows to -inf for steep logits)', edits=(
        (
            '        nll = nll + F.cross_entropy(logits, bins[:, d], reduction="none")\n',
            '        nll = nll - torch.log(torch.softmax(logits, dim=1)).gather(1, bins[:, d:d + 1])[:, 0]\n',
        ),
    )),
    Mutant('teacher_forcing_nll', 'probabilities passed where logits are expected', edits=(
        (
            '        nll = nll + F.cross_entropy(logits, bins[:, d], reduction="none")\n',
            '        nll = nll + F.cross_entropy(torch.softmax(logits, dim=1), bins[:, d], reduction="none")\n',
        ),
    )),
    Mutant('teacher_forcing_nll', 'float32 accumulator updated in place (drops float64)', edits=(
        (
            '        nll = nll + F.cross_entropy(logits, bins[:, d], reduction="none")\n',
            '        nll += F.cross_entropy(logits, bins[:, d], reduction="none")\n',
        ),
    )),
    Mutant('teacher_forcing_nll', 'nll_loss on raw logits (no log-softmax)', edits=(
        (
            '        nll = nll + F.cross_entropy(logits, bins[:, d], reduction="none")\n',
            '        nll = nll + F.nll_loss(logits, bins[:, d], reduction="none")\n',
        ),
    )),
    Mutant('teacher_forcing_nll', 'logsumexp by hand, all dims at once (correct)', should_pass=True, source=(
        'def teacher_forcing_nll(logits_fn, obs, bins, centres):\n'
        '    values = centres[bins]\n'
        '    picked, norm = [], []\n'
        '    for j in range(bins.shape[1]):\n'
        '        z = logits_fn(obs, values[:, :j], j)\n'
        '        picked.append(z.gather(1, bins[:, j:j + 1])[:, 0])\n'
        '        norm.append(torch.logsumexp(z, dim=1))\n'
        '    return (torch.stack(norm, 1) - torch.stack(picked, 1)).sum(1)\n'
    )),
    Mutant('teacher_forcing_nll', 'log_softmax + gather (correct)', should_pass=True, source=(
        'def teacher_forcing_nll(logits_fn, obs, bins, centres):\n'
        '    terms = []\n'
        '    for d in range(bins.shape[1]):\n'
        '        logp = torch.log_softmax(logits_fn(obs, centres[bins[:, :d]], d), dim=1)\n'
        '        terms.append(-logp.gather(1, bins[:, d:d + 1]))\n'
        '    return torch.cat(terms, dim=1).sum(dim=1)\n'
    )),
    # -- sample_autoregressive ---------------------------------------------------------------------
    Mutant('sample_autoregressive', 'independent: prev never updated', edits=(
        (
            '        probs = torch.softmax(logits_fn(obs, values, d), dim=-1)  # (B, num_bins)\n',
            '        probs = torch.softmax(logits_fn(obs, torch.zeros(obs.shape[0], d), d), dim=-1)  # (B, num_bins)\n',
        ),
    )),
    Mutant('sample_autoregressive', 'argmax instead of sampling', edits=(
        (
            '        b = torch.multinomial(probs, 1, generator=generator).squeeze(-1)  # (B,)\n',
            '        b = probs.argmax(dim=-1)  # (B,)\n',
        ),
    )),
    Mutant('sample_autoregressive', 'global RNG', edits=(
        (
            '        b = torch.multinomial(probs, 1, generator=generator).squeeze(-1)  # (B,)\n',
            '        b = torch.multinomial(probs, 1).squeeze(-1)  # (B,)\n',
        ),
    )),
    Mutant('sample_autoregressive', 'bin index fed back instead of centre', edits=(
        (
            '        values = torch.cat([values, centres[b][:, None]], dim=1)\n',
            '        values = torch.cat([values, b[:, None].float()], dim=1)\n',
        ),
    )),
    Mutant('sample_autoregressive', 'softmax over the batch', edits=(
        (
            '        probs = torch.softmax(logits_fn(obs, values, d), dim=-1)  # (B, num_bins)\n',
            '        probs = torch.softmax(logits_fn(obs, values, d), dim=0)  # (B, num_bins)\n',
        ),
    )),
    Mutant('sample_autoregressive', 'one uniform per row reused for every dimension (inverse CDF)', source=(
        'def sample_autoregressive(logits_fn, obs, act_dim, centres, generator):\n'
        '    u = torch.rand(obs.shape[0], 1, generator=generator)\n'
        '    values = torch.zeros(obs.shape[0], 0)\n'
        '    chosen = []\n'
        '    for d in range(act_dim):\n'
        '        cdf = torch.softmax(logits_fn(obs, values, d), dim=-1).cumsum(dim=1)\n'
        '        b = (cdf < u).sum(dim=1).clamp(max=cdf.shape[1] - 1)\n'
        '        chosen.append(b)\n'
        '        values = torch.cat([values, centres[b][:, None]], dim=1)\n'
        '    return values, torch.stack(chosen, dim=1)\n'
    )),
    Mutant('sample_autoregressive', 'one Gumbel noise row shared by all rows', source=(
        'def sample_autoregressive(logits_fn, obs, act_dim, centres, generator):\n'
        '    values = torch.zeros(obs.shape[0], 0)\n'
        '    chosen = []\n'
        '    for d in range(act_dim):\n'
        '        logits = logits_fn(obs, values, d)\n'
        '        u = torch.rand(1, logits.shape[1], generator=generator).clamp(1e-12, 1 - 1e-7)\n'
        '        b = torch.argmax(logits - torch.log(-torch.log(u)), dim=1)\n'
        '        chosen.append(b)\n'
        '        values = torch.cat([values, centres[b][:, None]], dim=1)\n'
        '    return values, torch.stack(chosen, dim=1)\n'
    )),
    Mutant('sample_autoregressive', 'softmax by hand without subtracting the max (overflows)', edits=(
        (
            '        probs = torch.softmax(logits_fn(obs, values, d), dim=-1)  # (B, num_bins)\n',
            '        e = torch.exp(logits_fn(obs, values, d))\n        probs = e / e.sum(dim=-1, keepdim=True)\n',
        ),
    )),
    Mutant('sample_autoregressive', 'scores used as probabilities (no softmax)', edits=(
        (
            '        probs = torch.softmax(logits_fn(obs, values, d), dim=-1)  # (B, num_bins)\n',
            '        probs = logits_fn(obs, values, d).clamp_min(0) + 1e-12\n',
        ),
    )),
    Mutant('sample_autoregressive', 'prev from argmax, sample reported (conditions on the wrong value)', edits=(
        (
            '        values = torch.cat([values, centres[b][:, None]], dim=1)\n',
            '        values = torch.cat([values, centres[probs.argmax(dim=-1)][:, None]], dim=1)\n',
        ),
    )),
    Mutant('sample_autoregressive', 'torch.distributions.Categorical (global RNG)', source=(
        'def sample_autoregressive(logits_fn, obs, act_dim, centres, generator):\n'
        '    values = centres.new_zeros(obs.shape[0], 0)\n'
        '    chosen = []\n'
        '    for d in range(act_dim):\n'
        '        b = torch.distributions.Categorical(logits=logits_fn(obs, values, d)).sample()\n'
        '        chosen.append(b)\n'
        '        values = torch.cat([values, centres[b][:, None]], dim=1)\n'
        '    return values, torch.stack(chosen, dim=1)\n'
    )),
    Mutant('sample_autoregressive', 'all dimensions drawn at once from the first head', source=(
        'def sample_autoregressive(logits_fn, obs, act_dim, centres, generator):\n'
        '    probs = torch.softmax(logits_fn(obs, centres.new_zeros(obs.shape[0], 0), 0), dim=-1)\n'
        '    bins = torch.multinomial(probs, act_dim, replacement=True, generator=generator)\n'
        '    return centres[bins], bins\n'
    )),
    Mutant('sample_autoregressive', 'inverse CDF with a fresh uniform per dimension (correct)', should_pass=True, source=(
        'def sample_autoregressive(logits_fn, obs, act_dim, centres, generator):\n'
        '    values = centres.new_zeros(obs.shape[0], 0)\n'
        '    chosen = []\n'
        '    for d in range(act_dim):\n'
        '        cdf = torch.softmax(logits_fn(obs, values, d).double(), dim=-1).cumsum(dim=1)\n'
        '        u = torch.rand(obs.shape[0], 1, generator=generator, dtype=torch.float64)\n'
        '        b = (cdf < u).sum(dim=1).clamp(max=cdf.shape[1] - 1)\n'
        '        chosen.append(b)\n'
        '        values = torch.cat([values, centres[b][:, None]], dim=1)\n'
        '    return values, torch.stack(chosen, dim=1)\n'
    )),
    Mutant('sample_autoregressive', 'Gumbel-max, preallocated (correct)', should_pass=True, source=(
        'def sample_autoregressive(logits_fn, obs, act_dim, centres, generator):\n'
        '    B = obs.shape[0]\n'
        '    bins = torch.zeros(B, act_dim, dtype=torch.int64)\n'
        '    values = torch.zeros(B, act_dim, dtype=centres.dtype)\n'
        '    for d in range(act_dim):\n'
        '        logits = logits_fn(obs, values[:, :d], d)\n'
        '        u = torch.rand(logits.shape, generator=generator).clamp(1e-12, 1 - 1e-7)\n'
        '        bins[:, d] = torch.argmax(logits - torch.log(-torch.log(u)), dim=1)\n'
        '        values[:, d] = centres[bins[:, d]]\n'
        '    return values, bins\n'
    )),
    # -- autoregressive_policy ---------------------------------------------------------------------
    Mutant('autoregressive_policy', 'heads see only the observation (independent bins)', edits=(
        (
            '        self.heads = nn.ModuleList([mlp(obs_dim + d, num_bins, hidden, depth) for d in range(act_dim)])\n',
            '        self.heads = nn.ModuleList([mlp(obs_dim, num_bins, hidden, depth) for d in range(act_dim)])\n',
        ),
        (
            '        features = torch.cat([self.obs_norm(obs), prev], dim=1)  # (B, obs_dim + d)\n',
            '        features = self.obs_norm(obs)\n',
        ),
    )),
    Mutant('autoregressive_policy', 'bins the normalized actions (the contract: world units)', edits=(
        (
            '        bins = discretize(act[:, 0], self.low, self.high, self.num_bins)  # (B, A)\n',
            '        bins = discretize(self.act_norm(act)[:, 0], self.low, self.high, self.num_bins)  # (B, A)\n',
        ),
    )),
    Mutant('autoregressive_policy', 'observation not normalized', edits=(
        (
            '        features = torch.cat([self.obs_norm(obs), prev], dim=1)  # (B, obs_dim + d)\n',
            '        features = torch.cat([obs, prev], dim=1)  # (B, obs_dim + d)\n',
        ),
    )),
    Mutant('autoregressive_policy', 'mask ignored', edits=(
        (
            '        if mask is None:\n',
            '        if True:\n',
        ),
    )),
    Mutant('autoregressive_policy', 'masked sum divided by the batch size', edits=(
        (
            '        return (nll * weights).sum() / weights.sum().clamp_min(1.0)\n',
            '        return (nll * weights).sum() / len(weights)\n',
        ),
    )),
    Mutant('autoregressive_policy', 'loss averaged over dimensions too', edits=(
        (
            '        nll = teacher_forcing_nll(self.logits, obs, bins, self.centres)  # (B,)\n',
            '        nll = teacher_forcing_nll(self.logits, obs, bins, self.centres) / self.act_dim  # (B,)\n',
        ),
    )),
    Mutant('autoregressive_policy', 'bins always on [-1, 1]', edits=(
        (
            '        bins = discretize(act[:, 0], self.low, self.high, self.num_bins)  # (B, A)\n',
            '        bins = discretize(act[:, 0], -1.0, 1.0, self.num_bins)  # (B, A)\n',
        ),
    )),
    Mutant('autoregressive_policy', 'centres from linspace(low, high, num_bins)', edits=(
        (
            '        self.register_buffer("centres", undiscretize(torch.arange(num_bins), low, high, num_bins))\n',
            '        self.register_buffer("centres", torch.linspace(low, high, num_bins))\n',
        ),
    )),
    Mutant('autoregressive_policy', 'centres a plain attribute (not a buffer)', edits=(
        (
            '        self.register_buffer("centres", undiscretize(torch.arange(num_bins), low, high, num_bins))\n',
            '        self.centres = undiscretize(torch.arange(num_bins), low, high, num_bins)\n',
        ),
    )),
    Mutant('autoregressive_policy', 'sample ignores the generator', edits=(
        (
            '        values, _ = sample_autoregressive(self.logits, obs, self.act_dim, self.centres, generator)\n',
            '        values, _ = sample_autoregressive(self.logits, obs, self.act_dim, self.centres, None)\n',
        ),
    )),
    Mutant('autoregressive_policy', 'heads in a plain list (parameters not registered)', edits=(
        (
            '        self.heads = nn.ModuleList([mlp(obs_dim + d, num_bins, hidden, depth) for d in range(act_dim)])\n',
            '        self.heads = [mlp(obs_dim + d, num_bins, hidden, depth) for d in range(act_dim)]\n',
        ),
    )),
    Mutant('autoregressive_policy', 'sampler written inline, previous dimensions never fed', edits=(
        (
            '        values, _ = sample_autoregressive(self.logits, obs, self.act_dim, self.centres, generator)\n',
            (
                '        values = self.centres.new_zeros(obs.shape[0], 0)\n'
                '        for d in range(self.act_dim):\n'
                '            probs = torch.softmax(self.logits(obs, torch.zeros(obs.shape[0], d), d), dim=-1)\n'
                '            b = torch.multinomial(probs, 1, generator=generator)[:, 0]\n'
                '            values = torch.cat([values, self.centres[b][:, None]], dim=1)\n'
            ),
        ),
    )),
    Mutant('autoregressive_policy', 'loss summed over the batch', edits=(
        (
            '        if mask is None:\n            return nll.mean()\n',
            '        if mask is None:\n            return nll.sum()\n',
        ),
    )),
    Mutant('autoregressive_policy', 'sample without the chunk axis', edits=(
        (
            '        return values[:, None, :]  # (B, 1, A)\n',
            '        return values\n',
        ),
    )),
    Mutant('autoregressive_policy', 'hand-built heads, inline loss and sampler (correct)', should_pass=True, source=(
        'class AutoregressivePolicy(nn.Module):\n'
        '    def __init__(self, obs_dim, act_dim, num_bins=21, low=-1.0, high=1.0, hidden=128, depth=2):\n'
        '        super().__init__()\n'
        '        self.act_dim = act_dim\n'
        '        self.num_bins = num_bins\n'
        '        self.low, self.high = low, high\n'
        '        self.chunk_size = 1\n'
        '        self.obs_norm = Normalizer(obs_dim)\n'
        '        self.act_norm = Normalizer(act_dim)\n'
        '        width = (high - low) / num_bins\n'
        '        self.register_buffer("centres", low + width * (torch.arange(num_bins, dtype=torch.float32) + 0.5))\n'
        '        heads = []\n'
        '        for d in range(act_dim):\n'
        '            layers, n_in = [], obs_dim + d\n'
        '            for _ in range(depth):\n'
        '                layers += [nn.Linear(n_in, hidden), nn.Tanh()]\n'
        '                n_in = hidden\n'
        '            heads.append(nn.Sequential(*layers, nn.Linear(n_in, num_bins)))\n'
        '        self.heads = nn.ModuleList(heads)\n'
        '\n'
        '    def logits(self, obs, prev, d):\n'
        '        x = (obs - self.obs_norm.mean) / self.obs_norm.std\n'
        '        return self.heads[d](torch.cat([x, prev], dim=-1))\n'
        '\n'
        '    def loss(self, obs, act, mask=None, generator=None):\n'
        '        a = act[:, 0].clamp(self.low, self.high)\n'
        '        idx = ((a - self.low) / (self.high - self.low) * self.num_bins).long().clamp(0, self.num_bins - 1)\n'
        '        terms = []\n'
        '        for d in range(self.act_dim):\n'
        '            logp = torch.log_softmax(self.logits(obs, self.centres[idx[:, :d]], d), dim=-1)\n'
        '            terms.append(logp.gather(1, idx[:, d:d + 1])[:, 0])\n'
        '        nll = -torch.stack(terms, dim=1).sum(dim=1)\n'
        '        keep = torch.ones_like(nll, dtype=torch.bool) if mask is None else mask[:, 0].bool()\n'
        '        return nll[keep].mean()\n'
        '\n'
        '    @torch.no_grad()\n'
        '    def sample(self, obs, generator=None):\n'
        '        out = self.centres.new_zeros(obs.shape[0], 0)\n'
        '        for d in range(self.act_dim):\n'
        '            p = torch.softmax(self.logits(obs, out, d), dim=-1)\n'
        '            b = torch.multinomial(p, 1, generator=generator)[:, 0]\n'
        '            out = torch.cat([out, self.centres[b][:, None]], dim=1)\n'
        '        return out[:, None, :]\n'
    )),
    Mutant('autoregressive_policy', 'masked mean by boolean indexing, heads from a generator expression (correct)', should_pass=True, edits=(
        (
            '        if mask is None:\n            return nll.mean()\n',
            '        if mask is None:\n            mask = torch.ones(nll.shape[0], 1, dtype=torch.bool)\n',
        ),
        (
            '        weights = mask[:, 0].to(nll.dtype)  # (B,)\n        return (nll * weights).sum() / weights.sum().clamp_min(1.0)\n',
            '        return nll[mask[:, 0]].mean()\n',
        ),
    )),
    # -- answer_chain_rule -------------------------------------------------------------------------
    Mutant('answer_chain_rule', 'wrong letter A', edits=(('answer_chain_rule = "C"\n', 'answer_chain_rule = "A"\n'),)),
    Mutant('answer_chain_rule', 'wrong letter B', edits=(('answer_chain_rule = "C"\n', 'answer_chain_rule = "B"\n'),)),
    Mutant('answer_chain_rule', 'wrong letter D', edits=(('answer_chain_rule = "C"\n', 'answer_chain_rule = "D"\n'),)),
    Mutant('answer_chain_rule', 'lower case with spaces (accepted)', should_pass=True,
           edits=(('answer_chain_rule = "C"\n', 'answer_chain_rule = " c "\n'),)),
    # -- answer_order ------------------------------------------------------------------------------
    Mutant('answer_order', 'wrong letter B', edits=(('answer_order = "A"\n', 'answer_order = "B"\n'),)),
    Mutant('answer_order', 'wrong letter C', edits=(('answer_order = "A"\n', 'answer_order = "C"\n'),)),
    Mutant('answer_order', 'wrong letter D', edits=(('answer_order = "A"\n', 'answer_order = "D"\n'),)),
    Mutant('answer_order', 'lower case with spaces (accepted)', should_pass=True,
           edits=(('answer_order = "A"\n', 'answer_order = " a "\n'),)),
    # -- answer_even_bins --------------------------------------------------------------------------
    Mutant('answer_even_bins', 'wrong letter A', edits=(('answer_even_bins = "D"\n', 'answer_even_bins = "A"\n'),)),
    Mutant('answer_even_bins', 'wrong letter B', edits=(('answer_even_bins = "D"\n', 'answer_even_bins = "B"\n'),)),
    Mutant('answer_even_bins', 'wrong letter C', edits=(('answer_even_bins = "D"\n', 'answer_even_bins = "C"\n'),)),
    Mutant('answer_even_bins', 'lower case (accepted)', should_pass=True,
           edits=(('answer_even_bins = "D"\n', 'answer_even_bins = "d"\n'),)),
]
