"""Mutants of notebook 04 (flow matching): plausible wrong answers that must lose points and
alternative correct answers that must keep full marks (see autograder/mutants/__init__.py).

Most are ``edits`` to the reference solution's answer cell, ``(old, new)``, so each mistake
shows at a glance; answers written from scratch carry their whole ``source``."""

from autograder.mutants import Mutant

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
    # -- fm_loss -----------------------------------------------------------------------------------
    Mutant('fm_loss', 'time convention reversed', edits=(
        (
            '    a_t = t[:, None] * act + (1 - t[:, None]) * a0\n',
            '    a_t = (1 - t[:, None]) * act + t[:, None] * a0\n',
        ),
    )),
    Mutant('fm_loss', 'target a0 - act', edits=(
        (
            '    return ((velocity(a_t, t, obs) - (act - a0)) ** 2).mean()\n',
            '    return ((velocity(a_t, t, obs) - (a0 - act)) ** 2).mean()\n',
        ),
    )),
    Mutant('fm_loss', 'one t per batch instead of per sample', edits=(
        (
            '    t = torch.rand(act.shape[0], generator=generator, dtype=act.dtype, device=generator.device).to(act.device)  # (B,)\n',
            '    t = torch.rand(1, generator=generator, dtype=act.dtype, device=act.device).expand(act.shape[0])  # (B,)\n',
        ),
    )),
    Mutant('fm_loss', 'global RNG for the noise', edits=(
        (
            '    a0 = torch.randn(act.shape, generator=generator, dtype=act.dtype, device=generator.device).to(act.device)  # (B, A)\n',
            '    a0 = torch.randn(act.shape, dtype=act.dtype, device=act.device)  # (B, A)\n',
        ),
    )),
    Mutant('fm_loss', 'global RNG for the times', edits=(
        (
            '    t = torch.rand(act.shape[0], generator=generator, dtype=act.dtype, device=generator.device).to(act.device)  # (B,)\n',
            '    t = torch.rand(act.shape[0], dtype=act.dtype, device=act.device)  # (B,)\n',
        ),
    )),
    Mutant('fm_loss', 'sum instead of mean', edits=(
        (
            '    return ((velocity(a_t, t, obs) - (act - a0)) ** 2).mean()\n',
            '    return ((velocity(a_t, t, obs) - (act - a0)) ** 2).sum()\n',
        ),
    )),
    Mutant('fm_loss', 't ~ N(0, 1) instead of U[0, 1)', edits=(
        (
            '    t = torch.rand(act.shape[0], generator=generator, dtype=act.dtype, device=generator.device).to(act.device)  # (B,)\n',
            '    t = torch.randn(act.shape[0], generator=generator, dtype=act.dtype, device=act.device)  # (B,)\n',
        ),
    )),
    Mutant('fm_loss', 'regress the data (idea 0 target) instead of the velocity', edits=(
        (
            '    return ((velocity(a_t, t, obs) - (act - a0)) ** 2).mean()\n',
            '    return ((velocity(a_t, t, obs) - act) ** 2).mean()\n',
        ),
    )),
    Mutant('fm_loss', 'alternative: t drawn before the noise, lerp, mean of per-sample sums / A', should_pass=True, edits=(
        (
            (
                '    a0 = torch.randn(act.shape, generator=generator, dtype=act.dtype, device=generator.device).to(act.device)  # (B, A)\n'
                '    t = torch.rand(act.shape[0], generator=generator, dtype=act.dtype, device=generator.device).to(act.device)  # (B,)\n'
                '    a_t = t[:, None] * act + (1 - t[:, None]) * a0\n'
                '    return ((velocity(a_t, t, obs) - (act - a0)) ** 2).mean()\n'
            ),
            (
                '    g_dev = generator.device\n'
                '    t = torch.rand((act.shape[0],), generator=generator, dtype=act.dtype, device=g_dev).to(act)\n'
                '    a0 = torch.randn(act.shape, generator=generator, dtype=act.dtype, device=g_dev).to(act)\n'
                '    a_t = torch.lerp(a0, act, t.unsqueeze(-1))\n'
                '    err = velocity(a_t, t, obs) - (act - a0)\n'
                '    return (err ** 2).sum(dim=-1).mean() / act.shape[-1]\n'
            ),
        ),
    )),
    # -- euler -------------------------------------------------------------------------------------
    Mutant('euler', 'dt = 1 / (N - 1)', edits=(
        (
            '    dt = 1.0 / num_steps\n',
            '    dt = 1.0 / max(num_steps - 1, 1)\n',
        ),
    )),
    Mutant('euler', 'velocity evaluated at the end of the step (t + dt)', edits=(
        (
            '        t = torch.full((x0.shape[0],), k * dt, dtype=x0.dtype, device=x0.device)  # (B,)\n',
            '        t = torch.full((x0.shape[0],), (k + 1) * dt, dtype=x0.dtype, device=x0.device)  # (B,)\n',
        ),
    )),
    Mutant('euler', 'times k / (N - 1) from linspace(0, 1, N)', edits=(
        (
            '    dt = 1.0 / num_steps\n',
            '    ts = torch.linspace(0, 1, num_steps, dtype=x0.dtype)\n',
        ),
        (
            (
                '        t = torch.full((x0.shape[0],), k * dt, dtype=x0.dtype, device=x0.device)  # (B,)\n'
                '        x = x + velocity(x, t) * dt\n'
            ),
            '        x = x + velocity(x, ts[k].expand(x0.shape[0])) * (1.0 / num_steps)\n',
        ),
    )),
    Mutant('euler', "in-place update of the caller's x0", edits=(
        (
            '        x = x + velocity(x, t) * dt\n',
            '        x += velocity(x, t) * dt\n',
        ),
    )),
    Mutant('euler', 'global RNG for the noise in sample_flow', edits=(
        (
            '    return euler(velocity, torch.randn(shape, generator=generator), num_steps)\n',
            '    return euler(velocity, torch.randn(shape), num_steps)\n',
        ),
    )),
    Mutant('euler', 'one step with the full field (ignores num_steps for the update)', edits=(
        (
            '        x = x + velocity(x, t) * dt\n',
            '        x = x0 + velocity(x, t)\n',
        ),
    )),
    Mutant('euler', 'alternative: time grid from linspace(0, 1, N + 1), dt from its differences', should_pass=True, edits=(
        (
            (
                '    dt = 1.0 / num_steps\n'
                '    x = x0\n'
                '    for k in range(num_steps):\n'
                '        t = torch.full((x0.shape[0],), k * dt, dtype=x0.dtype, device=x0.device)  # (B,)\n'
                '        x = x + velocity(x, t) * dt\n'
            ),
            (
                '    ts = torch.linspace(0.0, 1.0, num_steps + 1, dtype=torch.float64)\n'
                '    x = x0.clone()\n'
                '    for t0, t1 in zip(ts[:-1], ts[1:]):\n'
                '        t = torch.full((x.shape[0],), float(t0), dtype=x0.dtype, device=x0.device)\n'
                '        x = x + (float(t1) - float(t0)) * velocity(x, t)\n'
            ),
        ),
    )),
    Mutant('euler', 'alternative: accumulate t, noise via empty().normal_(generator=...)', should_pass=True, edits=(
        (
            (
                '    dt = 1.0 / num_steps\n'
                '    x = x0\n'
                '    for k in range(num_steps):\n'
                '        t = torch.full((x0.shape[0],), k * dt, dtype=x0.dtype, device=x0.device)  # (B,)\n'
                '        x = x + velocity(x, t) * dt\n'
            ),
            (
                '    x, t, dt = x0, 0.0, 1.0 / num_steps\n'
                '    for _ in range(num_steps):\n'
                '        x = x + dt * velocity(x, x0.new_full((x0.shape[0],), t))\n'
                '        t += dt\n'
            ),
        ),
        (
            '    return euler(velocity, torch.randn(shape, generator=generator), num_steps)\n',
            '    return euler(velocity, torch.empty(shape).normal_(generator=generator), num_steps)\n',
        ),
    )),
    # -- q_idea0 -----------------------------------------------------------------------------------
    Mutant('q_idea0', 'answer A', edits=(
        (
            'answer_idea0 = "C"\n',
            'answer_idea0 = "A"\n',
        ),
    )),
    Mutant('q_idea0', 'answer B', edits=(
        (
            'answer_idea0 = "C"\n',
            'answer_idea0 = "B"\n',
        ),
    )),
    Mutant('q_idea0', 'answer D', edits=(
        (
            'answer_idea0 = "C"\n',
            'answer_idea0 = "D"\n',
        ),
    )),
    Mutant('q_idea0', 'right answer, lower case', should_pass=True, edits=(
        (
            'answer_idea0 = "C"\n',
            'answer_idea0 = "c"\n',
        ),
    )),
    # -- q_field_time ------------------------------------------------------------------------------
    Mutant('q_field_time', 'answer A', edits=(
        (
            'answer_field_time = "D"\n',
            'answer_field_time = "A"\n',
        ),
    )),
    Mutant('q_field_time', 'answer B', edits=(
        (
            'answer_field_time = "D"\n',
            'answer_field_time = "B"\n',
        ),
    )),
    Mutant('q_field_time', 'answer C', edits=(
        (
            'answer_field_time = "D"\n',
            'answer_field_time = "C"\n',
        ),
    )),
    Mutant('q_field_time', 'right answer, lower case', should_pass=True, edits=(
        (
            'answer_field_time = "D"\n',
            'answer_field_time = "d"\n',
        ),
    )),
    # -- q_steps_cost ------------------------------------------------------------------------------
    Mutant('q_steps_cost', 'answer A', edits=(
        (
            'answer_steps_cost = "B"\n',
            'answer_steps_cost = "A"\n',
        ),
    )),
    Mutant('q_steps_cost', 'answer C', edits=(
        (
            'answer_steps_cost = "B"\n',
            'answer_steps_cost = "C"\n',
        ),
    )),
    Mutant('q_steps_cost', 'answer D', edits=(
        (
            'answer_steps_cost = "B"\n',
            'answer_steps_cost = "D"\n',
        ),
    )),
    Mutant('q_steps_cost', 'right answer, lower case', should_pass=True, edits=(
        (
            'answer_steps_cost = "B"\n',
            'answer_steps_cost = "b"\n',
        ),
    )),
]
