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
    Mutant('sample_autoregressive', 'Gumbel-max, preallocated (correct)', should_pass=True, source=(
        'def sample_autoregressive(logits_fn, obs, act_dim, centres, generator):\n'
        '    B = obs.shape[0]\n'
        '    bins = torch.zeros(B, act_dim, dtype=torch.int64)\n'
        '    values = torch.zeros(B, act_dim)\n'
        '    for d in range(act_dim):\n'
        '        logits = logits_fn(obs, values[:, :d], d)\n'
        '        u = torch.rand(logits.shape, generator=generator).clamp(1e-12, 1 - 1e-7)\n'
        '        bins[:, d] = torch.argmax(logits - torch.log(-torch.log(u)), dim=1)\n'
        '        values[:, d] = centres[bins[:, d]]\n'
        '    return values, bins\n'
    )),
    # -- answer_chain_rule -------------------------------------------------------------------------
    Mutant('answer_chain_rule', 'wrong letter A', edits=(
        (
            'answer_chain_rule = "B"\n',
            'answer_chain_rule = "A"\n',
        ),
    )),
    Mutant('answer_chain_rule', 'wrong letter C', edits=(
        (
            'answer_chain_rule = "B"\n',
            'answer_chain_rule = "C"\n',
        ),
    )),
    Mutant('answer_chain_rule', 'wrong letter D', edits=(
        (
            'answer_chain_rule = "B"\n',
            'answer_chain_rule = "D"\n',
        ),
    )),
    Mutant('answer_chain_rule', 'lower case with spaces (accepted)', should_pass=True, edits=(
        (
            'answer_chain_rule = "B"\n',
            'answer_chain_rule = " b "\n',
        ),
    )),
    # -- answer_order ------------------------------------------------------------------------------
    Mutant('answer_order', 'wrong letter A', edits=(
        (
            'answer_order = "C"\n',
            'answer_order = "A"\n',
        ),
    )),
    Mutant('answer_order', 'wrong letter B', edits=(
        (
            'answer_order = "C"\n',
            'answer_order = "B"\n',
        ),
    )),
    Mutant('answer_order', 'wrong letter D', edits=(
        (
            'answer_order = "C"\n',
            'answer_order = "D"\n',
        ),
    )),
    Mutant('answer_order', 'lower case with spaces (accepted)', should_pass=True, edits=(
        (
            'answer_order = "C"\n',
            'answer_order = " c "\n',
        ),
    )),
]
