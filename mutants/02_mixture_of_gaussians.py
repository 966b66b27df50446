"""Mutants of notebook 02 (mixture of Gaussians): plausible wrong answers that must lose points and
alternative correct answers that must keep full marks (see autograder/mutants/__init__.py).

Most are ``edits`` to the reference solution's answer cell, ``(old, new)``, so each mistake
shows at a glance; answers written from scratch carry their whole ``source``."""

from autograder.mutants import Mutant

_LOG_NORMAL = '    log_normal = -0.5 * z**2 - log_stds - 0.5 * math.log(2 * math.pi)  # (B, K, D)\n'
_LOG_WEIGHTS = '    log_weights = torch.log_softmax(logits, dim=-1)  # (B, K)\n'
_LSE = '    return torch.logsumexp(log_weights + log_normal.sum(dim=-1), dim=-1)  # (B,)\n'
_Z = '    z = (x.unsqueeze(1) - means) * torch.exp(-log_stds)  # (B, K, D)\n'
_MASK = '        log_normal = log_normal * dim_mask.unsqueeze(1).to(log_normal.dtype)\n'

_PROBS = '    probs = torch.softmax(logits, dim=-1)  # (B, K)\n'
_COMPONENT = '    component = torch.multinomial(probs, 1, generator=generator).squeeze(-1)  # (B,)\n'
_NOISE = '    noise = torch.randn(mu.shape, generator=generator, dtype=mu.dtype, device=mu.device)\n'
_RETURN = '    return mu + torch.exp(log_std) * noise, component\n'

_PARAMS = '        params = out[:, k:].reshape(-1, k, 2, flat)  # (B, K, 2, H*A)\n'
_CLAMP = '        return logits, means, log_stds.clamp(LOG_STD_MIN, LOG_STD_MAX)\n'
_X = '        x = self.act_norm(act).flatten(1)  # (B, H*A), normalized\n'
_NLL = '        nll = -mixture_log_prob(x, logits, means, log_stds, dim_mask)  # (B,)\n'
_VALID = '        valid = x.shape[1] if dim_mask is None else dim_mask.sum(dim=1).clamp_min(1)\n'
_MEAN = '        return (nll / valid).mean()\n'
_DRAW = '        flat_actions, _ = sample_mixture(logits, means, log_stds, generator)  # (B, H*A), normalized\n'
_UNNORM = '        return self.act_norm.unnormalize(flat_actions.view(-1, self.chunk_size, self.act_dim))\n'


def _letters(exercise, right):
    wrong = [Mutant(exercise, f'wrong letter {x}', edits=((f'{exercise} = "{right}"\n', f'{exercise} = "{x}"\n'),))
             for x in "ABCD" if x != right]
    return wrong + [Mutant(exercise, 'lower case with spaces (accepted)', should_pass=True,
                           edits=((f'{exercise} = "{right}"\n', f'{exercise} = " {right.lower()} "\n'),))]


MUTANTS = [
    # -- mixture_log_prob --------------------------------------------------------------------------
    Mutant('mixture_log_prob', 'log(sum(exp)) instead of logsumexp', edits=(
        (_LSE, '    return torch.log(torch.exp(log_weights + log_normal.sum(dim=-1)).sum(dim=-1))\n'),
    )),
    Mutant('mixture_log_prob', 'log(softmax) instead of log_softmax (underflows to -inf)', edits=(
        (_LOG_WEIGHTS, '    log_weights = torch.log(torch.softmax(logits, dim=-1))  # (B, K)\n'),
    )),
    Mutant('mixture_log_prob', 'probabilities treated as logits (log_softmax of the softmax)', edits=(
        (_LOG_WEIGHTS, '    log_weights = torch.log_softmax(torch.softmax(logits, dim=-1), dim=-1)\n'),
    )),
    Mutant('mixture_log_prob', 'naive softmax exp(l) / sum exp(l) (overflows at 1e4)', edits=(
        (_LOG_WEIGHTS, '    log_weights = torch.log(torch.exp(logits) / torch.exp(logits).sum(dim=-1, keepdim=True))\n'),
    )),
    Mutant('mixture_log_prob', 'softmax over the batch dim', edits=(
        (_LOG_WEIGHTS, '    log_weights = torch.log_softmax(logits, dim=0)  # (B, K)\n'),
    )),
    Mutant('mixture_log_prob', 'missing log-std term', edits=(
        (_LOG_NORMAL, '    log_normal = -0.5 * z**2 - 0.5 * math.log(2 * math.pi)  # (B, K, D)\n'),
    )),
    Mutant('mixture_log_prob', 'missing log 2pi constant', edits=(
        (_LOG_NORMAL, '    log_normal = -0.5 * z**2 - log_stds  # (B, K, D)\n'),
    )),
    Mutant('mixture_log_prob', 'unnormalized logits as log-weights', edits=(
        (_LOG_WEIGHTS, '    log_weights = logits  # (B, K)\n'),
    )),
    Mutant('mixture_log_prob', 'std used as variance (z = (x-mu)/sigma^2)', edits=(
        (_Z, '    z = (x.unsqueeze(1) - means) * torch.exp(-2 * log_stds)  # (B, K, D)\n'),
    )),
    Mutant('mixture_log_prob', 'max over components instead of logsumexp', edits=(
        (_LSE, '    return (log_weights + log_normal.sum(dim=-1)).max(dim=-1).values\n'),
    )),
    Mutant('mixture_log_prob', 'logsumexp over dimensions, sum over components (swapped)', edits=(
        (_LSE, '    return (log_weights.unsqueeze(-1) + log_normal).logsumexp(dim=-1).sum(dim=-1)\n'),
    )),
    Mutant('mixture_log_prob', 'dim_mask ignored', edits=(
        (_MASK, '        pass\n'),
    )),
    Mutant('mixture_log_prob', 'dim_mask applied to the weights instead of the densities', edits=(
        (_MASK, '        log_normal = log_normal\n'),
        (_LSE, '    return torch.logsumexp((log_weights + log_normal.sum(dim=-1)) * (dim_mask.any(dim=-1, keepdim=True) if dim_mask is not None else 1), dim=-1)\n'),
    )),
    Mutant('mixture_log_prob', 'in-place on the input', edits=(
        (_Z, '    z = means.sub_(x.unsqueeze(1)).mul_(torch.exp(-log_stds))\n'),
    )),
    Mutant('mixture_log_prob', 'float32 result whatever the input dtype', edits=(
        (_LSE, '    return torch.logsumexp(log_weights + log_normal.sum(dim=-1), dim=-1).float()\n'),
    )),
    Mutant('mixture_log_prob', "the notebook's formula: logits - logsumexp(logits), float32 (correct)", should_pass=True, edits=(
        (_LOG_WEIGHTS, '    log_weights = logits - torch.logsumexp(logits, dim=-1, keepdim=True)\n'),
    )),
    Mutant('mixture_log_prob', 'torch.distributions Normal + where-mask (correct)', should_pass=True, source=(
        'def mixture_log_prob(x, logits, means, log_stds, dim_mask=None):\n'
        '    per_dim = torch.distributions.Normal(means, log_stds.exp()).log_prob(x[:, None, :])\n'
        '    if dim_mask is not None:\n'
        '        per_dim = torch.where(dim_mask[:, None, :], per_dim, torch.zeros_like(per_dim))\n'
        '    return torch.logsumexp(torch.log_softmax(logits, dim=1) + per_dim.sum(dim=2), dim=1)\n'
    )),
    Mutant('mixture_log_prob', 'manual max-shift logsumexp (correct)', should_pass=True, source=(
        'def mixture_log_prob(x, logits, means, log_stds, dim_mask=None):\n'
        '    var = torch.exp(2 * log_stds)\n'
        '    log_normal = -0.5 * (x[:, None, :] - means) ** 2 / var - log_stds - 0.5 * math.log(2 * math.pi)\n'
        '    if dim_mask is not None:\n'
        '        log_normal = log_normal * dim_mask[:, None, :]\n'
        '    lw = logits - logits.max(dim=1, keepdim=True).values\n'
        '    lw = lw - torch.log(torch.exp(lw).sum(dim=1, keepdim=True))\n'
        '    c = lw + log_normal.sum(dim=2)\n'
        '    m = c.max(dim=1, keepdim=True).values\n'
        '    return (m + torch.log(torch.exp(c - m).sum(dim=1, keepdim=True))).squeeze(1)\n'
    )),
    # -- sample_mixture ----------------------------------------------------------------------------
    Mutant('sample_mixture', 'argmax component', edits=(
        (_COMPONENT, '    component = probs.argmax(dim=-1)\n'),
    )),
    Mutant('sample_mixture', 'global RNG instead of the generator', edits=(
        (_COMPONENT, '    component = torch.multinomial(probs, 1).squeeze(-1)  # (B,)\n'),
        (_NOISE, '    noise = torch.randn(mu.shape, dtype=mu.dtype, device=mu.device)\n'),
    )),
    Mutant('sample_mixture', 'global RNG for the noise only', edits=(
        (_NOISE, '    noise = torch.randn(mu.shape, dtype=mu.dtype, device=mu.device)\n'),
    )),
    Mutant('sample_mixture', 'one noise draw shared by all dimensions', edits=(
        (_NOISE, '    noise = torch.randn(mu.shape[0], 1, generator=generator, dtype=mu.dtype).expand_as(mu)\n'),
    )),
    Mutant('sample_mixture', 'one noise draw shared by all rows', edits=(
        (_NOISE, '    noise = torch.randn(1, mu.shape[1], generator=generator, dtype=mu.dtype).expand_as(mu)\n'),
    )),
    Mutant('sample_mixture', 'one uniform shared by all rows (inverse CDF)', edits=(
        (_COMPONENT, '    u = torch.rand(1, generator=generator, dtype=probs.dtype)\n'
                     '    component = (probs.cumsum(dim=-1) < u).sum(dim=-1).clamp(max=probs.shape[1] - 1)\n'),
    )),
    Mutant('sample_mixture', 'probabilities treated as logits (softmax of the softmax)', edits=(
        (_PROBS, '    probs = torch.softmax(torch.softmax(logits, dim=-1), dim=-1)  # (B, K)\n'),
    )),
    Mutant('sample_mixture', 'softmax over the batch dim', edits=(
        (_PROBS, '    probs = torch.softmax(logits, dim=0)  # (B, K)\n'),
    )),
    Mutant('sample_mixture', 'log-std used as std', edits=(
        (_RETURN, '    return mu + log_std * noise, component\n'),
    )),
    Mutant('sample_mixture', 'noise not scaled (unit std)', edits=(
        (_RETURN, '    return mu + noise, component\n'),
    )),
    Mutant('sample_mixture', 'exp(logits) unnormalized (overflows)', edits=(
        (_PROBS, '    probs = torch.exp(logits)  # (B, K)\n'),
    )),
    Mutant('sample_mixture', 'component drawn twice (x and returned index disagree)', edits=(
        (_RETURN, '    return mu + torch.exp(log_std) * noise, torch.multinomial(probs, 1, generator=generator).squeeze(-1)\n'),
    )),
    Mutant('sample_mixture', "first row's weights for every row", edits=(
        (_COMPONENT, '    component = torch.multinomial(probs[0], probs.shape[0], replacement=True, generator=generator)\n'),
    )),
    Mutant('sample_mixture', 'float32 noise whatever the dtype', edits=(
        (_RETURN, '    return (mu + torch.exp(log_std) * noise).float(), component\n'),
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
    Mutant('sample_mixture', 'inverse CDF per row + Normal.sample-free noise (correct)', should_pass=True, source=(
        'def sample_mixture(logits, means, log_stds, generator):\n'
        '    cdf = torch.softmax(logits.double(), dim=-1).cumsum(dim=-1)\n'
        '    u = torch.rand(logits.shape[0], 1, generator=generator, dtype=torch.float64)\n'
        '    component = (cdf < u).sum(dim=-1).clamp(max=logits.shape[1] - 1)\n'
        '    eps = torch.randn(means.shape[0], means.shape[2], generator=generator, dtype=means.dtype)\n'
        '    chosen = torch.nn.functional.one_hot(component, logits.shape[1]).to(means.dtype)[:, :, None]\n'
        '    return (chosen * (means + log_stds.exp() * eps[:, None, :])).sum(dim=1), component\n'
    )),
    # -- mixture_policy ----------------------------------------------------------------------------
    Mutant('mixture_policy', 'loss on unnormalized actions', edits=(
        (_X, '        x = act.flatten(1)  # (B, H*A)\n'),
    )),
    Mutant('mixture_policy', 'sample not un-normalized', edits=(
        (_UNNORM, '        return flat_actions.view(-1, self.chunk_size, self.act_dim)\n'),
    )),
    Mutant('mixture_policy', 'output layout: all means, then all log-stds', edits=(
        (_PARAMS, '        params = out[:, k:].reshape(-1, 2, k, flat).transpose(1, 2)  # (B, K, 2, H*A)\n'),
    )),
    Mutant('mixture_policy', 'log-stds not clamped', edits=(
        (_CLAMP, '        return logits, means, log_stds\n'),
    )),
    Mutant('mixture_policy', 'log-stds clamped from below only', edits=(
        (_CLAMP, '        return logits, means, log_stds.clamp(min=LOG_STD_MIN)\n'),
    )),
    Mutant('mixture_policy', 'stds (not log-stds) clamped to [-5, 2]', edits=(
        (_CLAMP, '        return logits, means, log_stds.exp().clamp(LOG_STD_MIN, LOG_STD_MAX).clamp_min(1e-6).log()\n'),
    )),
    Mutant('mixture_policy', 'observations not normalized', edits=(
        ('        out = self.net(self.obs_norm(obs))  # (B, K * (1 + 2 * H*A))\n', '        out = self.net(obs)\n'),
    )),
    Mutant('mixture_policy', 'loss summed over the batch', edits=(
        (_MEAN, '        return (nll / valid).sum()\n'),
    )),
    Mutant('mixture_policy', 'loss not divided by the number of action numbers', edits=(
        (_MEAN, '        return nll.mean()\n'),
    )),
    Mutant('mixture_policy', 'mask ignored', edits=(
        (_NLL, '        nll = -mixture_log_prob(x, logits, means, log_stds)  # (B,)\n'),
        (_VALID, '        valid = x.shape[1]\n'),
    )),
    Mutant('mixture_policy', 'mask: total NLL / total valid numbers over the batch', edits=(
        (_MEAN, '        return nll.sum() / (valid.sum() if torch.is_tensor(valid) else valid * nll.shape[0])\n'),
    )),
    Mutant('mixture_policy', 'mask: divided by H*A even for padded samples', edits=(
        (_VALID, '        valid = x.shape[1]\n'),
    )),
    Mutant('mixture_policy', "sample returns the most likely component's mean", edits=(
        (_DRAW, '        flat_actions = means[torch.arange(means.shape[0]), logits.argmax(-1)]\n'),
    )),
    Mutant('mixture_policy', 'sample ignores the generator', edits=(
        (_DRAW, '        flat_actions, _ = sample_mixture(logits, means, log_stds, None)  # (B, H*A)\n'),
    )),
    Mutant('mixture_policy', 'one component per action number, not per chunk', edits=(
        (_DRAW, '        b, k, f = means.shape\n'
                '        flat_actions, _ = sample_mixture(logits.repeat_interleave(f, 0), means.transpose(1, 2).reshape(b * f, k, 1), '
                'log_stds.transpose(1, 2).reshape(b * f, k, 1), generator)\n'
                '        flat_actions = flat_actions.view(b, f)\n'),
    )),
    Mutant('mixture_policy', 'un-normalized with (x + mean) * std', edits=(
        (_UNNORM, '        return (flat_actions.view(-1, self.chunk_size, self.act_dim) + self.act_norm.mean) * self.act_norm.std\n'),
    )),
    Mutant('mixture_policy', 'own layout code, where-mask and explicit scaling (correct)', should_pass=True, edits=(
        (_PARAMS, '        params = out[:, k:].unflatten(1, (k, 2, flat))\n'),
        (_X, '        x = ((act - self.act_norm.mean) / self.act_norm.std).reshape(act.shape[0], -1)\n'),
        (_VALID, '        valid = dim_mask.sum(dim=1).clamp_min(1) if dim_mask is not None else torch.full_like(nll, x.shape[1])\n'),
        (_UNNORM, '        return flat_actions.reshape(obs.shape[0], self.chunk_size, self.act_dim) * self.act_norm.std + self.act_norm.mean\n'),
    )),
    *_letters('answer_choose_k', 'B'),
    *_letters('answer_mode_collapse', 'C'),
]
