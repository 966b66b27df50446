"""Mutants of notebook 02 (mixture of Gaussians): plausible wrong answers that must lose points and
alternative correct answers that must keep full marks (see autograder/mutants/__init__.py).

Most are ``edits`` to the reference solution's answer cell, ``(old, new)``, so each mistake
shows at a glance; answers written from scratch carry their whole ``source``."""

from autograder.mutants import Mutant

MUTANTS = [
    # -- mixture_log_prob --------------------------------------------------------------------------
    Mutant('mixture_log_prob', 'log(sum(exp)) instead of logsumexp', edits=(
        (
            '    return torch.logsumexp(log_weights + log_normal, dim=-1)  # (B,)\n',
            '    return torch.log(torch.exp(log_weights + log_normal).sum(dim=-1))\n',
        ),
    )),
    Mutant('mixture_log_prob', 'log(softmax) instead of log_softmax', edits=(
        (
            '    log_weights = torch.log_softmax(logits, dim=-1)  # (B, K)\n',
            '    log_weights = torch.log(torch.softmax(logits, dim=-1))  # (B, K)\n',
        ),
    )),
    Mutant('mixture_log_prob', 'softmax over the batch dim', edits=(
        (
            '    log_weights = torch.log_softmax(logits, dim=-1)  # (B, K)\n',
            '    log_weights = torch.log_softmax(logits, dim=0)  # (B, K)\n',
        ),
    )),
    Mutant('mixture_log_prob', 'missing log-std term', edits=(
        (
            '    log_normal = (-0.5 * z**2 - log_stds - 0.5 * math.log(2 * math.pi)).sum(dim=-1)  # (B, K)\n',
            '    log_normal = (-0.5 * z**2 - 0.5 * math.log(2 * math.pi)).sum(dim=-1)  # (B, K)\n',
        ),
    )),
    Mutant('mixture_log_prob', 'missing log 2pi constant', edits=(
        (
            '    log_normal = (-0.5 * z**2 - log_stds - 0.5 * math.log(2 * math.pi)).sum(dim=-1)  # (B, K)\n',
            '    log_normal = (-0.5 * z**2 - log_stds).sum(dim=-1)  # (B, K)\n',
        ),
    )),
    Mutant('mixture_log_prob', 'unnormalized logits as log-weights', edits=(
        (
            '    log_weights = torch.log_softmax(logits, dim=-1)  # (B, K)\n',
            '    log_weights = logits  # (B, K)\n',
        ),
    )),
    Mutant('mixture_log_prob', 'std used as variance (z = (x-mu)/sigma^2)', edits=(
        (
            '    z = (x.unsqueeze(1) - means) * torch.exp(-log_stds)  # (B, K, D)\n',
            '    z = (x.unsqueeze(1) - means) * torch.exp(-2 * log_stds)  # (B, K, D)\n',
        ),
    )),
    Mutant('mixture_log_prob', 'sum over components before the log (max instead of logsumexp)', edits=(
        (
            '    return torch.logsumexp(log_weights + log_normal, dim=-1)  # (B,)\n',
            '    return (log_weights + log_normal).max(dim=-1).values\n',
        ),
    )),
    Mutant('mixture_log_prob', 'in-place on the input', edits=(
        (
            '    z = (x.unsqueeze(1) - means) * torch.exp(-log_stds)  # (B, K, D)\n',
            '    z = means.sub_(x.unsqueeze(1)).mul_(torch.exp(-log_stds))\n',
        ),
    )),
    Mutant('mixture_log_prob', 'torch.distributions MixtureSameFamily (correct)', should_pass=True, source=(
        'def mixture_log_prob(x, logits, means, log_stds):\n'
        '    comp = torch.distributions.Independent(torch.distributions.Normal(means, log_stds.exp()), 1)\n'
        '    mix = torch.distributions.MixtureSameFamily(torch.distributions.Categorical(logits=logits), comp)\n'
        '    return mix.log_prob(x)\n'
    )),
    Mutant('mixture_log_prob', 'manual max-shift logsumexp (correct)', should_pass=True, source=(
        'def mixture_log_prob(x, logits, means, log_stds):\n'
        '    var = torch.exp(2 * log_stds)\n'
        '    log_normal = -0.5 * (x[:, None, :] - means) ** 2 / var - log_stds - 0.5 * math.log(2 * math.pi)\n'
        '    lw = logits - logits.max(dim=1, keepdim=True).values\n'
        '    lw = lw - torch.log(torch.exp(lw).sum(dim=1, keepdim=True))\n'
        '    c = lw + log_normal.sum(dim=2)\n'
        '    m = c.max(dim=1, keepdim=True).values\n'
        '    return (m + torch.log(torch.exp(c - m).sum(dim=1, keepdim=True))).squeeze(1)\n'
    )),
    # -- sample_mixture ----------------------------------------------------------------------------
    Mutant('sample_mixture', 'argmax component', edits=(
        (
            '    component = torch.multinomial(probs, 1, generator=generator).squeeze(-1)  # (B,)\n',
            '    component = probs.argmax(dim=-1)\n',
        ),
    )),
    Mutant('sample_mixture', 'global RNG instead of the generator', edits=(
        (
            '    component = torch.multinomial(probs, 1, generator=generator).squeeze(-1)  # (B,)\n',
            '    component = torch.multinomial(probs, 1).squeeze(-1)  # (B,)\n',
        ),
        (
            '    noise = torch.randn(mu.shape, generator=generator, dtype=mu.dtype)\n',
            '    noise = torch.randn(mu.shape, dtype=mu.dtype)\n',
        ),
    )),
    Mutant('sample_mixture', 'softmax over the batch dim', edits=(
        (
            '    probs = torch.softmax(logits, dim=-1)  # (B, K)\n',
            '    probs = torch.softmax(logits, dim=0)  # (B, K)\n',
        ),
    )),
    Mutant('sample_mixture', 'log-std used as std', edits=(
        (
            '    return mu + torch.exp(log_std) * noise, component\n',
            '    return mu + log_std * noise, component\n',
        ),
    )),
    Mutant('sample_mixture', 'noise not scaled (unit std)', edits=(
        (
            '    return mu + torch.exp(log_std) * noise, component\n',
            '    return mu + noise, component\n',
        ),
    )),
    Mutant('sample_mixture', 'exp(logits) unnormalized (overflows)', edits=(
        (
            '    probs = torch.softmax(logits, dim=-1)  # (B, K)\n',
            '    probs = torch.exp(logits)  # (B, K)\n',
        ),
    )),
    Mutant('sample_mixture', 'component drawn twice (x and returned index disagree)', edits=(
        (
            '    return mu + torch.exp(log_std) * noise, component\n',
            '    return mu + torch.exp(log_std) * noise, torch.multinomial(probs, 1, generator=generator).squeeze(-1)\n',
        ),
    )),
    Mutant('sample_mixture', "first row's weights for every row", edits=(
        (
            '    component = torch.multinomial(probs, 1, generator=generator).squeeze(-1)  # (B,)\n',
            '    component = torch.multinomial(probs[0], probs.shape[0], replacement=True, generator=generator)\n',
        ),
    )),
    Mutant('sample_mixture', 'Gumbel-max with gather (correct)', should_pass=True, source=(
        'def sample_mixture(logits, means, log_stds, generator):\n'
        '    u = torch.rand(logits.shape, generator=generator, dtype=logits.dtype).clamp(1e-12, 1 - 1e-12)\n'
        '    component = torch.argmax(logits - torch.log(-torch.log(u)), dim=1)\n'
        '    idx = component[:, None, None].expand(-1, 1, means.shape[2])\n'
        '    mu = means.gather(1, idx).squeeze(1)\n'
        '    sigma = log_stds.gather(1, idx).squeeze(1).exp()\n'
        '    return mu + sigma * torch.randn(mu.shape, generator=generator, dtype=mu.dtype), component\n'
    )),
    # -- mixture_policy ----------------------------------------------------------------------------
    Mutant('mixture_policy', 'loss on unnormalized actions', edits=(
        (
            '        x = self.act_norm(act).flatten(1)  # (B, H*A)\n',
            '        x = act.flatten(1)  # (B, H*A)\n',
        ),
    )),
    Mutant('mixture_policy', 'sample not un-normalized', edits=(
        (
            '        return self.act_norm.unnormalize(x.view(-1, self.chunk_size, self.act_dim))\n',
            '        return x.view(-1, self.chunk_size, self.act_dim)\n',
        ),
    )),
    Mutant('mixture_policy', 'loss summed over the batch', edits=(
        (
            '        return -reference_mixture_log_prob(x, logits, means, log_stds).mean() / x.shape[1]\n',
            '        return -reference_mixture_log_prob(x, logits, means, log_stds).sum() / x.shape[1]\n',
        ),
    )),
    Mutant('mixture_policy', 'loss not divided by H*A', edits=(
        (
            '        return -reference_mixture_log_prob(x, logits, means, log_stds).mean() / x.shape[1]\n',
            '        return -reference_mixture_log_prob(x, logits, means, log_stds).mean()\n',
        ),
    )),
    Mutant('mixture_policy', "sample returns the most likely component's mean", edits=(
        (
            '        x, _ = reference_sample_mixture(logits, means, log_stds, generator)  # (B, H*A)\n',
            '        x = means[torch.arange(means.shape[0]), logits.argmax(-1)]\n',
        ),
    )),
    Mutant('mixture_policy', 'sample ignores the generator', edits=(
        (
            '        x, _ = reference_sample_mixture(logits, means, log_stds, generator)  # (B, H*A)\n',
            '        x, _ = reference_sample_mixture(logits, means, log_stds, None)  # (B, H*A)\n',
        ),
    )),
    Mutant('mixture_policy', 'one component per action number, not per chunk', edits=(
        (
            '        x, _ = reference_sample_mixture(logits, means, log_stds, generator)  # (B, H*A)\n',
            (
                '        b, k, f = means.shape\n'
                '        x, _ = reference_sample_mixture(logits.repeat_interleave(f, 0), means.transpose(1, 2).reshape(b * f, k, 1), log_stds.transpose(1, 2).reshape(b * f, k, 1), generator)\n'
            ),
        ),
    )),
    Mutant('mixture_policy', 'own NLL and sampling code (correct)', should_pass=True, edits=(
        (
            '        return -reference_mixture_log_prob(x, logits, means, log_stds).mean() / x.shape[1]\n',
            (
                '        normal = torch.distributions.Normal(means, log_stds.exp())\n'
                '        lp = torch.logsumexp(torch.log_softmax(logits, -1) + normal.log_prob(x[:, None]).sum(-1), -1)\n'
                '        return -(lp / x.shape[1]).mean()\n'
            ),
        ),
        (
            '        x, _ = reference_sample_mixture(logits, means, log_stds, generator)  # (B, H*A)\n',
            (
                '        k = torch.multinomial(torch.softmax(logits, -1), 1, generator=generator)[:, 0]\n'
                '        rows = torch.arange(k.shape[0])\n'
                '        x = means[rows, k] + log_stds[rows, k].exp() * torch.randn(means[rows, k].shape, generator=generator)\n'
            ),
        ),
    )),
    # -- answer_choose_k ---------------------------------------------------------------------------
    Mutant('answer_choose_k', 'wrong letter A', edits=(
        (
            'answer_choose_k = "B"\n',
            'answer_choose_k = "A"\n',
        ),
    )),
    Mutant('answer_choose_k', 'wrong letter C', edits=(
        (
            'answer_choose_k = "B"\n',
            'answer_choose_k = "C"\n',
        ),
    )),
    Mutant('answer_choose_k', 'wrong letter D', edits=(
        (
            'answer_choose_k = "B"\n',
            'answer_choose_k = "D"\n',
        ),
    )),
    Mutant('answer_choose_k', 'lower case with spaces (accepted)', should_pass=True, edits=(
        (
            'answer_choose_k = "B"\n',
            'answer_choose_k = " b "\n',
        ),
    )),
    # -- answer_mode_collapse ----------------------------------------------------------------------
    Mutant('answer_mode_collapse', 'wrong letter B', edits=(
        (
            'answer_mode_collapse = "A"\n',
            'answer_mode_collapse = "B"\n',
        ),
    )),
    Mutant('answer_mode_collapse', 'wrong letter C', edits=(
        (
            'answer_mode_collapse = "A"\n',
            'answer_mode_collapse = "C"\n',
        ),
    )),
    Mutant('answer_mode_collapse', 'wrong letter D', edits=(
        (
            'answer_mode_collapse = "A"\n',
            'answer_mode_collapse = "D"\n',
        ),
    )),
    Mutant('answer_mode_collapse', 'lower case with spaces (accepted)', should_pass=True, edits=(
        (
            'answer_mode_collapse = "A"\n',
            'answer_mode_collapse = " a "\n',
        ),
    )),
]
