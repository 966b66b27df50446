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
    Mutant('gaussian_nll', 'alt_torch_distributions', should_pass=True, edits=(
        (
            (
                '    z = (act - mu) * torch.exp(-log_std)\n'
                '    return (0.5 * z**2 + log_std + 0.5 * math.log(2 * math.pi)).sum(dim=-1)\n'
            ),
            '    return -torch.distributions.Normal(mu, log_std.exp()).log_prob(act).sum(dim=-1)',
        ),
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
]
