"""Mutants of notebook 01 (L2 averaging): plausible wrong answers that must lose points and
alternative correct answers that must keep full marks (see autograder/mutants/__init__.py).

Most are ``edits`` to the reference solution's answer cell, ``(old, new)``, so each mistake
shows at a glance; answers written from scratch carry their whole ``source``."""

from autograder.mutants import Mutant

MUTANTS = [
    # -- l2_optimal_constant -----------------------------------------------------------------------
    Mutant('l2_optimal_constant', 'median', edits=(
        (
            '    return actions.mean(dim=0)\n',
            '    return actions.median(dim=0).values',
        ),
    )),
    Mutant('l2_optimal_constant', 'midpoint_of_range', edits=(
        (
            '    return actions.mean(dim=0)\n',
            '    return 0.5 * (actions.max(dim=0).values + actions.min(dim=0).values)',
        ),
    )),
    Mutant('l2_optimal_constant', 'mean_over_action_dim', edits=(
        (
            '    return actions.mean(dim=0)\n',
            '    return actions.mean(dim=-1)',
        ),
    )),
    Mutant('l2_optimal_constant', 'keepdim', edits=(
        (
            '    return actions.mean(dim=0)\n',
            '    return actions.mean(dim=0, keepdim=True)',
        ),
    )),
    Mutant('l2_optimal_constant', 'alt_sum_over_count', should_pass=True, edits=(
        (
            '    return actions.mean(dim=0)\n',
            '    return actions.sum(dim=0) / actions.shape[0]',
        ),
    )),
    # -- mse_policy --------------------------------------------------------------------------------
    Mutant('mse_policy', 'raw_actions_in_loss', edits=(
        (
            '        err = (self.predict_normalized(obs) - self.act_norm(act)) ** 2  # (B, H, A)\n',
            '        err = (self.predict_normalized(obs) - act) ** 2  # (B, H, A)\n',
        ),
        (
            '            return self.act_norm.unnormalize(self.predict_normalized(obs))\n',
            '            return self.act_norm.unnormalize(self.predict_normalized(obs))',
        ),
    )),
    Mutant('mse_policy', 'sample_not_unnormalized', edits=(
        (
            '            return self.act_norm.unnormalize(self.predict_normalized(obs))\n',
            '            return self.predict_normalized(obs)',
        ),
    )),
    Mutant('mse_policy', 'mask_ignored', edits=(
        (
            '        return masked_mean(err.mean(dim=-1), mask)\n',
            '        return err.mean()\n',
        ),
        (
            '            return self.act_norm.unnormalize(self.predict_normalized(obs))\n',
            '            return self.act_norm.unnormalize(self.predict_normalized(obs))',
        ),
    )),
    Mutant('mse_policy', 'sum_over_action_dim', edits=(
        (
            '        return masked_mean(err.mean(dim=-1), mask)\n',
            '        return masked_mean(err.sum(dim=-1), mask)\n',
        ),
        (
            '            return self.act_norm.unnormalize(self.predict_normalized(obs))\n',
            '            return self.act_norm.unnormalize(self.predict_normalized(obs))',
        ),
    )),
    Mutant('mse_policy', 'abs_error', edits=(
        (
            '        err = (self.predict_normalized(obs) - self.act_norm(act)) ** 2  # (B, H, A)\n',
            '        err = (self.predict_normalized(obs) - self.act_norm(act)).abs()  # (B, H, A)\n',
        ),
        (
            '            return self.act_norm.unnormalize(self.predict_normalized(obs))\n',
            '            return self.act_norm.unnormalize(self.predict_normalized(obs))',
        ),
    )),
    Mutant('mse_policy', 'sample_with_grad', edits=(
        (
            (
                '        with torch.no_grad():\n'
                '            return self.act_norm.unnormalize(self.predict_normalized(obs))\n'
            ),
            '        return self.act_norm.unnormalize(self.predict_normalized(obs))',
        ),
    )),
    Mutant('mse_policy', 'alt_mse_loss_and_manual_mask', should_pass=True, edits=(
        (
            (
                '        err = (self.predict_normalized(obs) - self.act_norm(act)) ** 2  # (B, H, A)\n'
                '        return masked_mean(err.mean(dim=-1), mask)\n'
            ),
            (
                '        target = (act - self.act_norm.mean) / self.act_norm.std\n'
                '        per_step = nn.functional.mse_loss(self.predict_normalized(obs), target, reduction="none").mean(dim=-1)  # (B, H)\n'
                '        if mask is None:\n'
                '            mask = torch.ones_like(per_step, dtype=torch.bool)\n'
                '        w = mask.to(per_step.dtype)\n'
                '        return (per_step * w).sum() / w.sum().clamp_min(1.0)\n'
            ),
        ),
        (
            '            return self.act_norm.unnormalize(self.predict_normalized(obs))\n',
            '            return self.act_norm.unnormalize(self.predict_normalized(obs))',
        ),
    )),
    Mutant('mse_policy', 'layout_transposed', edits=(
        (
            '        return out.view(-1, self.chunk_size, self.act_dim)  # (B, H, A)\n',
            '        return out.view(-1, self.act_dim, self.chunk_size).transpose(1, 2)  # (B, H, A)\n',
        ),
    )),
    Mutant('mse_policy', 'layout_swapped_axes', edits=(
        (
            '        return out.view(-1, self.chunk_size, self.act_dim)  # (B, H, A)\n',
            '        return out.view(-1, self.act_dim, self.chunk_size)\n',
        ),
    )),
    Mutant('mse_policy', 'raw_observations_into_net', edits=(
        (
            '        out = self.net(self.obs_norm(obs))  # (B, H * A)\n',
            '        out = self.net(obs)  # (B, H * A)\n',
        ),
    )),
    Mutant('mse_policy', 'squeezed_batch', edits=(
        (
            '        return out.view(-1, self.chunk_size, self.act_dim)  # (B, H, A)\n',
            '        return out.view(-1, self.chunk_size, self.act_dim).squeeze(0)\n',
        ),
    )),
    Mutant('mse_policy', 'sample_cast_to_float32', edits=(
        (
            '            return self.act_norm.unnormalize(self.predict_normalized(obs))\n',
            '            return self.act_norm.unnormalize(self.predict_normalized(obs)).float()\n',
        ),
    )),
    Mutant('mse_policy', 'mask_zeroes_but_divides_by_all', edits=(
        (
            '        return masked_mean(err.mean(dim=-1), mask)\n',
            '        per_step = err.mean(dim=-1)\n'
            '        return (per_step if mask is None else per_step * mask).mean()\n',
        ),
    )),
    Mutant('mse_policy', 'alt_boolean_index_mask', should_pass=True, edits=(
        (
            '        return masked_mean(err.mean(dim=-1), mask)\n',
            '        return err.mean(dim=-1)[mask].mean()\n',
        ),
    )),
    Mutant('mse_policy', 'loss_without_generator_argument', edits=(
        (
            '    def loss(self, obs: torch.Tensor, act: torch.Tensor, mask: torch.Tensor | None = None,\n'
            '             generator: torch.Generator | None = None) -> torch.Tensor:\n',
            '    def loss(self, obs: torch.Tensor, act: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:\n',
        ),
    )),
    Mutant('mse_policy', 'alt_reshape_and_unflatten', should_pass=True, edits=(
        (
            '        out = self.net(self.obs_norm(obs))  # (B, H * A)\n'
            '        return out.view(-1, self.chunk_size, self.act_dim)  # (B, H, A)\n',
            '        z = (obs - self.obs_norm.mean) / self.obs_norm.std\n'
            '        return self.net(z).unflatten(-1, (self.chunk_size, self.act_dim))\n',
        ),
        (
            '        with torch.no_grad():\n'
            '            return self.act_norm.unnormalize(self.predict_normalized(obs))\n',
            '        pred = self.predict_normalized(obs).detach()\n'
            '        return pred * self.act_norm.std + self.act_norm.mean\n',
        ),
    )),
    # -- gaussian_nll ------------------------------------------------------------------------------
    Mutant('gaussian_nll', 'no_log_std_term', edits=(
        (
            '    return (0.5 * z**2 + log_std + 0.5 * math.log(2 * math.pi)).sum(dim=-1)\n',
            '    return (0.5 * z**2 + 0.5 * math.log(2 * math.pi)).sum(dim=-1)',
        ),
    )),
    Mutant('gaussian_nll', 'variance_as_std', edits=(
        (
            (
                '    z = (act - mu) * torch.exp(-log_std)\n'
                '    return (0.5 * z**2 + log_std + 0.5 * math.log(2 * math.pi)).sum(dim=-1)\n'
            ),
            (
                '    z = (act - mu) * torch.exp(-2 * log_std)\n'
                '    return (0.5 * z**2 + log_std + 0.5 * math.log(2 * math.pi)).sum(dim=-1)'
            ),
        ),
    )),
    Mutant('gaussian_nll', 'mean_over_dims', edits=(
        (
            '    return (0.5 * z**2 + log_std + 0.5 * math.log(2 * math.pi)).sum(dim=-1)\n',
            '    return (0.5 * z**2 + log_std + 0.5 * math.log(2 * math.pi)).mean(dim=-1)',
        ),
    )),
    Mutant('gaussian_nll', 'no_constant', edits=(
        (
            '    return (0.5 * z**2 + log_std + 0.5 * math.log(2 * math.pi)).sum(dim=-1)\n',
            '    return (0.5 * z**2 + log_std).sum(dim=-1)',
        ),
    )),
    Mutant('gaussian_nll', 'log_likelihood_sign', edits=(
        (
            '    return (0.5 * z**2 + log_std + 0.5 * math.log(2 * math.pi)).sum(dim=-1)\n',
            '    return -(0.5 * z**2 + log_std + 0.5 * math.log(2 * math.pi)).sum(dim=-1)',
        ),
    )),
    Mutant('gaussian_nll', 'log_of_the_density', edits=(
        (
            (
                '    z = (act - mu) * torch.exp(-log_std)\n'
                '    return (0.5 * z**2 + log_std + 0.5 * math.log(2 * math.pi)).sum(dim=-1)\n'
            ),
            (
                '    sigma = torch.exp(log_std)\n'
                '    density = torch.exp(-0.5 * ((act - mu) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))\n'
                '    return -torch.log(density).sum(dim=-1)\n'
            ),
        ),
    )),
    Mutant('gaussian_nll', 'alt_variance_form_float32', should_pass=True, edits=(
        (
            (
                '    z = (act - mu) * torch.exp(-log_std)\n'
                '    return (0.5 * z**2 + log_std + 0.5 * math.log(2 * math.pi)).sum(dim=-1)\n'
            ),
            '    return ((act - mu) ** 2 / (2 * torch.exp(2 * log_std)) + log_std + 0.5 * math.log(2 * math.pi)).sum(dim=-1)\n',
        ),
    )),
    Mutant('gaussian_nll', 'alt_torch_distributions', should_pass=True, edits=(
        (
            (
                '    z = (act - mu) * torch.exp(-log_std)\n'
                '    return (0.5 * z**2 + log_std + 0.5 * math.log(2 * math.pi)).sum(dim=-1)\n'
            ),
            '    return -torch.distributions.Normal(mu, log_std.exp()).log_prob(act).sum(dim=-1)',
        ),
    )),
    # -- train_policy ------------------------------------------------------------------------------
    Mutant('train_policy', 'forgets_zero_grad', edits=(
        ('        optimizer.zero_grad()\n', ''),
    )),
    Mutant('train_policy', 'forgets_obs_normalizer', edits=(
        ('    policy.obs_norm.fit(demos.obs)\n', ''),
    )),
    Mutant('train_policy', 'forgets_act_normalizer', edits=(
        ('    policy.act_norm.fit(demos.act)\n', ''),
    )),
    Mutant('train_policy', 'batches_from_global_rng', edits=(
        ('        obs, act, mask = demos.sample(batch_size, generator)\n',
         '        obs, act, mask = demos.sample(batch_size)\n'),
    )),
    Mutant('train_policy', 'generator_not_passed_to_loss', edits=(
        ('        loss = policy.loss(obs, act, mask, generator=generator)\n',
         '        loss = policy.loss(obs, act, mask)\n'),
    )),
    Mutant('train_policy', 'own_generator', edits=(
        ('    history = []\n',
         '    history = []\n    generator = torch.Generator().manual_seed(0)\n'),
    )),
    Mutant('train_policy', 'loss_without_mask', edits=(
        ('        loss = policy.loss(obs, act, mask, generator=generator)\n',
         '        loss = policy.loss(obs, act, generator=generator)\n'),
    )),
    Mutant('train_policy', 'never_eval', edits=(
        ('    policy.eval()\n', ''),
    )),
    Mutant('train_policy', 'never_train_mode', edits=(
        ('    policy.train()\n', ''),
    )),
    Mutant('train_policy', 'optimizes_a_copy', edits=(
        ('    optimizer = torch.optim.Adam(policy.parameters(), lr=lr)\n',
         '    optimizer = torch.optim.Adam(copy.deepcopy(policy).parameters(), lr=lr)\n'),
    )),
    Mutant('train_policy', 'history_of_tensors', edits=(
        ('        history.append(loss.item())\n', '        history.append(loss)\n'),
    )),
    Mutant('train_policy', 'sgd_instead_of_adam', edits=(
        ('    optimizer = torch.optim.Adam(policy.parameters(), lr=lr)\n',
         '    optimizer = torch.optim.SGD(policy.parameters(), lr=lr)\n'),
    )),
    Mutant('train_policy', 'adamw_default_weight_decay', edits=(
        ('    optimizer = torch.optim.Adam(policy.parameters(), lr=lr)\n',
         '    optimizer = torch.optim.AdamW(policy.parameters(), lr=lr)\n'),
    )),
    Mutant('train_policy', 'one_step_short', edits=(
        ('    for _ in range(steps):\n', '    for _ in range(steps - 1):\n'),
    )),
    Mutant('train_policy', 'one_batch_for_all_steps', edits=(
        ('    for _ in range(steps):\n        obs, act, mask = demos.sample(batch_size, generator)\n',
         '    obs, act, mask = demos.sample(batch_size, generator)\n    for _ in range(steps):\n'),
    )),
    Mutant('train_policy', 'loss_recorded_after_the_update', edits=(
        ('        history.append(loss.item())\n',
         '        with torch.no_grad():\n'
         '            history.append(policy.loss(obs, act, mask, generator=generator).item())\n'),
    )),
    Mutant('train_policy', 'normalizes_demos_in_place', edits=(
        ('    policy.obs_norm.fit(demos.obs)\n',
         '    policy.obs_norm.fit(demos.obs)\n    demos.obs.sub_(policy.obs_norm.mean).div_(policy.obs_norm.std)\n'),
    )),
    Mutant('train_policy', 'alt_adamw_zero_decay', should_pass=True, edits=(
        ('    optimizer = torch.optim.Adam(policy.parameters(), lr=lr)\n',
         '    optimizer = torch.optim.AdamW(policy.parameters(), lr=lr, weight_decay=0.0)\n'),
    )),
    Mutant('train_policy', 'alt_written_from_scratch', should_pass=True, source=(
        'def train_policy(policy, demos, steps, batch_size, lr, generator):\n'
        '    policy.act_norm.fit(demos.act)\n'
        '    policy.obs_norm.fit(demos.obs)\n'
        '    opt = torch.optim.Adam(policy.parameters(), lr)\n'
        '    losses = []\n'
        '    policy.train(True)\n'
        '    for step in range(steps):\n'
        '        batch_obs, batch_act, batch_mask = demos.sample(batch_size, generator=generator, chunk_size=1)\n'
        '        value = policy.loss(batch_obs, batch_act, mask=batch_mask, generator=generator)\n'
        '        value.backward()\n'
        '        opt.step()\n'
        '        opt.zero_grad(set_to_none=False)\n'
        '        losses.append(float(value.detach()))\n'
        '    policy.train(False)\n'
        '    return losses\n'
    )),
    Mutant('train_policy', 'alt_course_fit', should_pass=True, source=(
        'def train_policy(policy, demos, steps, batch_size, lr, generator):\n'
        '    return fit(policy, demos, steps, batch_size, lr, generator, progress=False)\n'
    )),
    # -- answer_bigger_net -------------------------------------------------------------------------
    Mutant('answer_bigger_net', 'letter_A', edits=(
        (
            'answer_bigger_net = "B"\n',
            'answer_bigger_net = "A"',
        ),
    )),
    Mutant('answer_bigger_net', 'letter_C', edits=(
        (
            'answer_bigger_net = "B"\n',
            'answer_bigger_net = "C"',
        ),
    )),
    Mutant('answer_bigger_net', 'letter_D', edits=(
        (
            'answer_bigger_net = "B"\n',
            'answer_bigger_net = "D"',
        ),
    )),
    Mutant('answer_bigger_net', 'alt_lowercase_spaces', should_pass=True, edits=(
        (
            'answer_bigger_net = "B"\n',
            'answer_bigger_net = " b "',
        ),
    )),
    # -- answer_when_l2_fine -----------------------------------------------------------------------
    Mutant('answer_when_l2_fine', 'letter_A', edits=(
        (
            'answer_when_l2_fine = "C"\n',
            'answer_when_l2_fine = "A"',
        ),
    )),
    Mutant('answer_when_l2_fine', 'letter_B', edits=(
        (
            'answer_when_l2_fine = "C"\n',
            'answer_when_l2_fine = "B"',
        ),
    )),
    Mutant('answer_when_l2_fine', 'letter_D', edits=(
        (
            'answer_when_l2_fine = "C"\n',
            'answer_when_l2_fine = "D"',
        ),
    )),
    Mutant('answer_when_l2_fine', 'alt_lowercase_spaces', should_pass=True, edits=(
        (
            'answer_when_l2_fine = "C"\n',
            'answer_when_l2_fine = " c "',
        ),
    )),
    # -- answer_gaussian_sampling --------------------------------------------------------------------
    Mutant('answer_gaussian_sampling', 'letter_A', edits=(
        ('answer_gaussian_sampling = "B"\n', 'answer_gaussian_sampling = "A"'),
    )),
    Mutant('answer_gaussian_sampling', 'letter_C', edits=(
        ('answer_gaussian_sampling = "B"\n', 'answer_gaussian_sampling = "C"'),
    )),
    Mutant('answer_gaussian_sampling', 'letter_D', edits=(
        ('answer_gaussian_sampling = "B"\n', 'answer_gaussian_sampling = "D"'),
    )),
    Mutant('answer_gaussian_sampling', 'alt_lowercase', should_pass=True, edits=(
        ('answer_gaussian_sampling = "B"\n', 'answer_gaussian_sampling = "b"'),
    )),
]
