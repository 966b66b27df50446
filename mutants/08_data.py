"""Mutants of notebook 08 (how to collect data): plausible wrong answers that must lose points and
alternative correct answers that must keep full marks (see autograder/mutants/__init__.py).

Most are ``edits`` to the reference solution's answer cell, ``(old, new)``, so each mistake
shows at a glance; answers written from scratch carry their whole ``source``."""

from autograder.mutants import Mutant

# -- collect_with_noise ------------------------------------------------------------------------------
_FRESH = '        fresh = noise_std * torch.randn(label.shape, generator=generator)\n'
_XI = '        xi = fresh if xi is None else correlation * xi + keep * fresh\n'
_ACTION = '        action = label + xi\n'
_APPEND = '        steps.append((obs, label, action, alive))\n'
_ALIVE = '        alive = alive & ~(terminated | truncated)\n'
_STOP = '        if not alive.any():\n            break\n'
_STACK = '    obs_t, label_t, action_t, alive_t = (torch.stack(column, dim=1) for column in zip(*steps))  # (N, T, ...)\n'
_LENGTHS = '    lengths = alive_t.sum(dim=1)\n'
_DEMOS = '    demos = Demonstrations.from_trajectories(obs_t, label_t, lengths)\n'
_STEP = '        obs, _, terminated, truncated, _ = env.step(action)\n'

# -- coverage -----------------------------------------------------------------------------------------
_GAPS = '    gaps = query_obs.unsqueeze(1) - data_obs.unsqueeze(0)  # (Q, M, D)\n'
_NEAREST = '    nearest = gaps.pow(2).sum(dim=-1).min(dim=1).values  # (Q,) squared distance to the nearest data state\n'
_COVER = '    return nearest <= radius * radius\n'

# -- pretrain_then_posttrain ----------------------------------------------------------------------------
_FIT_OBS = '    policy.obs_norm.fit(broad.obs)\n'
_FIT_ACT = '    policy.act_norm.fit(broad.act)\n'
_PHASES = '    for demos, steps, rate in ((broad, pre_steps, lr), (narrow, post_steps, post_lr)):\n'
_OPT = '        optimizer = torch.optim.Adam(policy.parameters(), lr=rate)\n'
_SAMPLE = '            obs, act, mask = demos.sample(batch_size, generator)\n'
_LOSS = '            loss = policy.loss(obs, act, mask, generator=generator)\n'
_EVAL = '    policy.eval()\n'


def _letters(exercise, right):
    wrong = [Mutant(exercise, f'wrong letter {x}', edits=((f'{exercise} = "{right}"\n', f'{exercise} = "{x}"\n'),))
             for x in "ABCD" if x != right]
    return wrong + [Mutant(exercise, 'lower case with spaces (accepted)', should_pass=True,
                           edits=((f'{exercise} = "{right}"\n', f'{exercise} = " {right.lower()} "\n'),))]


MUTANTS = [
    # -- collect_with_noise --------------------------------------------------------------------------
    Mutant('collect_with_noise', 'records the noisy executed action as the label', edits=(
        (_DEMOS, '    demos = Demonstrations.from_trajectories(obs_t, action_t, lengths)\n'),
    )),
    Mutant('collect_with_noise', 'noise added to the label too (label = executed)', edits=(
        (_ACTION, '        action = label + xi\n        label = action\n'),
    )),
    Mutant('collect_with_noise', 'time-major flattening: episodes interleaved', edits=(
        (_DEMOS, '    valid = torch.arange(obs_t.shape[1])[None, :] < lengths[:, None]\n'
                 '    order = valid.T\n'
                 '    demos = Demonstrations(obs_t.transpose(0, 1)[order], label_t.transpose(0, 1)[order],\n'
                 '                           torch.arange(obs_t.shape[0])[None, :].expand(obs_t.shape[1], -1)[order])\n'),
        ('    executed = action_t[torch.arange(action_t.shape[1])[None, :] < lengths[:, None]]\n',
         '    executed = action_t.transpose(0, 1)[order]\n'),
    )),
    Mutant('collect_with_noise', 'keeps recording after an episode ended (the next episode\'s steps)', edits=(
        (_LENGTHS, '    lengths = torch.full((alive_t.shape[0],), alive_t.shape[1])\n'),
    )),
    Mutant('collect_with_noise', 'stops when the FIRST episode ends', edits=(
        (_STOP, '        if not alive.all():\n            break\n'),
    )),
    Mutant('collect_with_noise', 'records the observation after the step (off by one)', edits=(
        (_APPEND, '        steps.append((None, label, action, alive))\n'),
        (_STEP, '        obs, _, terminated, truncated, _ = env.step(action)\n        steps[-1] = (obs, *steps[-1][1:])\n'),
    )),
    Mutant('collect_with_noise', 'first noise is zero (not stationary from the start)', edits=(
        (_XI, '        xi = 0.0 * fresh if xi is None else correlation * xi + keep * fresh\n'),
    )),
    Mutant('collect_with_noise', 'first noise with only the per-step variance (1 - correlation^2) noise_std^2', edits=(
        (_XI, '        xi = keep * fresh if xi is None else correlation * xi + keep * fresh\n'),
    )),
    Mutant('collect_with_noise', 'records all N sub-environments for the whole horizon', edits=(
        (_LENGTHS, '    lengths = torch.full((alive_t.shape[0],), env.unwrapped.max_episode_steps)\n'),
        (_STOP, '        pass\n'),
    )),
    Mutant('collect_with_noise', 'missing sqrt(1 - correlation^2): the noise grows', edits=(
        (_XI, '        xi = fresh if xi is None else correlation * xi + fresh\n'),
    )),
    Mutant('collect_with_noise', 'moving-average weights (1 - correlation) instead of sqrt(1 - correlation^2)', edits=(
        (_XI, '        xi = fresh if xi is None else correlation * xi + (1.0 - correlation) * fresh\n'),
    )),
    Mutant('collect_with_noise', 'correlation ignored: fresh noise every step', edits=(
        (_XI, '        xi = fresh\n'),
    )),
    Mutant('collect_with_noise', 'one noise number shared by all environments', edits=(
        (_FRESH, '        fresh = noise_std * torch.randn(1, label.shape[1], generator=generator).expand_as(label)\n'),
    )),
    Mutant('collect_with_noise', 'one noise number shared by all action dimensions', edits=(
        (_FRESH, '        fresh = noise_std * torch.randn(label.shape[0], 1, generator=generator).expand_as(label)\n'),
    )),
    Mutant('collect_with_noise', 'global RNG instead of the generator', edits=(
        (_FRESH, '        fresh = noise_std * torch.randn(label.shape)\n'),
    )),
    Mutant('collect_with_noise', 'variance instead of std (noise_std**2 scale)', edits=(
        (_FRESH, '        fresh = noise_std**2 * torch.randn(label.shape, generator=generator)\n'),
    )),
    Mutant('collect_with_noise', 'alternative: preallocated tensors, per-episode rows gathered at the end (correct)',
           should_pass=True, source=(
        'def collect_with_noise(env, expert_fn, noise_std, correlation=0.0, seed=0, generator=None):\n'
        '    world = env.unwrapped\n'
        '    count, horizon = world.num_envs, world.max_episode_steps\n'
        '    obs = env.reset(seed=seed)[0]\n'
        '    obs_log = torch.zeros(count, horizon, obs.shape[1])\n'
        '    label_log, exec_log, length = None, None, torch.zeros(count, dtype=torch.int64)\n'
        '    running = torch.ones(count, dtype=torch.bool)\n'
        '    xi = None\n'
        '    for t in range(horizon):\n'
        '        clean = expert_fn(obs)\n'
        '        if label_log is None:\n'
        '            label_log = torch.zeros(count, horizon, clean.shape[1], dtype=clean.dtype)\n'
        '            exec_log = torch.zeros_like(label_log)\n'
        '            xi = noise_std * torch.randn(clean.shape, generator=generator)\n'
        '        else:\n'
        '            xi = correlation * xi + math.sqrt(1 - correlation ** 2) * noise_std * torch.randn(clean.shape, generator=generator)\n'
        '        obs_log[:, t], label_log[:, t], exec_log[:, t] = obs, clean, clean + xi\n'
        '        length += running.long()\n'
        '        obs, _, term, trunc, _ = env.step(clean + xi)\n'
        '        running = running & ~(term | trunc)\n'
        '        if not bool(running.any()):\n'
        '            break\n'
        '    rows = [(i, t) for i in range(count) for t in range(int(length[i]))]\n'
        '    ii = torch.tensor([r[0] for r in rows])\n'
        '    tt = torch.tensor([r[1] for r in rows])\n'
        '    return Demonstrations(obs_log[ii, tt], label_log[ii, tt], ii), exec_log[ii, tt]\n'
    )),
    Mutant('collect_with_noise', 'clips the executed action to the action bounds itself (correct)', should_pass=True, edits=(
        (_ACTION, '        action = (label + xi).clamp(-1.0, 1.0)\n'),
    )),
    # -- coverage -------------------------------------------------------------------------------------
    Mutant('coverage', 'squared distance compared with the radius (not its square)', edits=(
        (_COVER, '    return nearest <= radius\n'),
    )),
    Mutant('coverage', 'L1 distance instead of Euclidean', edits=(
        (_NEAREST, '    nearest = gaps.abs().sum(dim=-1).min(dim=1).values ** 2\n'),
    )),
    Mutant('coverage', 'max-norm (every coordinate within the radius)', edits=(
        (_NEAREST, '    nearest = gaps.abs().max(dim=-1).values.min(dim=1).values ** 2\n'),
    )),
    Mutant('coverage', 'nearest over the wrong axis (min over the queries)', edits=(
        (_NEAREST, '    nearest = gaps.pow(2).sum(dim=-1).min(dim=0).values\n'),
    )),
    Mutant('coverage', 'row-by-row pairing (assumes Q == M)', source=(
        'def coverage(data_obs, query_obs, radius):\n'
        '    idx = torch.arange(query_obs.shape[0]) % data_obs.shape[0]\n'
        '    return ((query_obs - data_obs[idx]) ** 2).sum(dim=-1) <= radius ** 2\n'
    )),
    Mutant('coverage', 'strict: any single coordinate close enough', edits=(
        (_NEAREST, '    nearest = gaps.abs().min(dim=-1).values.min(dim=1).values ** 2\n'),
    )),
    Mutant('coverage', 'share of covered queries (a number) instead of the (Q,) mask', edits=(
        (_COVER, '    return (nearest <= radius * radius).float().mean()\n'),
    )),
    Mutant('coverage', 'torch.cdist (correct)', should_pass=True, source=(
        'def coverage(data_obs, query_obs, radius):\n'
        '    return torch.cdist(query_obs, data_obs).min(dim=1).values <= radius\n'
    )),
    Mutant('coverage', 'loop over queries with torch.linalg.norm (correct)', should_pass=True, source=(
        'def coverage(data_obs, query_obs, radius):\n'
        '    out = torch.zeros(query_obs.shape[0], dtype=torch.bool)\n'
        '    for q in range(query_obs.shape[0]):\n'
        '        out[q] = bool(torch.linalg.norm(data_obs - query_obs[q], dim=1).min() <= radius)\n'
        '    return out\n'
    )),
    # -- pretrain_then_posttrain ----------------------------------------------------------------------
    Mutant('pretrain_then_posttrain', 'normalizers refitted to the narrow data before post-training', edits=(
        (_OPT, '        if demos is narrow:\n'
               '            policy.obs_norm.fit(narrow.obs)\n'
               '            policy.act_norm.fit(narrow.act)\n' + _OPT),
    )),
    Mutant('pretrain_then_posttrain', 'normalizers fitted to the union of both datasets', edits=(
        (_FIT_OBS, '    policy.obs_norm.fit(torch.cat([broad.obs, narrow.obs]))\n'),
        (_FIT_ACT, '    policy.act_norm.fit(torch.cat([broad.act, narrow.act]))\n'),
    )),
    Mutant('pretrain_then_posttrain', 'phases swapped (narrow first)', edits=(
        (_PHASES, '    for demos, steps, rate in ((narrow, pre_steps, lr), (broad, post_steps, post_lr)):\n'),
    )),
    Mutant('pretrain_then_posttrain', 'the same learning rate in both phases', edits=(
        (_PHASES, '    for demos, steps, rate in ((broad, pre_steps, lr), (narrow, post_steps, lr)):\n'),
    )),
    Mutant('pretrain_then_posttrain', 'one Adam for both phases (lr changed in place)', edits=(
        (_PHASES, '    optimizer = torch.optim.Adam(policy.parameters(), lr=lr)\n' + _PHASES),
        (_OPT, '        for group in optimizer.param_groups:\n            group["lr"] = rate\n'),
    )),
    Mutant('pretrain_then_posttrain', 'trains on the union instead of two phases', edits=(
        (_PHASES, '    for demos, steps, rate in ((broad.cat(narrow), pre_steps + post_steps, lr),):\n'),
    )),
    Mutant('pretrain_then_posttrain', 'batches from the global RNG', edits=(
        (_SAMPLE, '            obs, act, mask = demos.sample(batch_size)\n'),
    )),
    Mutant('pretrain_then_posttrain', 'generator not passed to the loss', edits=(
        (_LOSS, '            loss = policy.loss(obs, act, mask)\n'),
    )),
    Mutant('pretrain_then_posttrain', 'left in training mode', edits=(
        (_EVAL, '    pass\n'),
    )),
    Mutant('pretrain_then_posttrain', 'AdamW (default weight decay 0.01) instead of Adam', edits=(
        (_OPT, '        optimizer = torch.optim.AdamW(policy.parameters(), lr=rate)\n'),
    )),
    Mutant('pretrain_then_posttrain', 'two calls of a helper with fresh Adam each (correct)', should_pass=True, source=(
        'def pretrain_then_posttrain(policy, broad, narrow, pre_steps, post_steps, batch_size=256, lr=3e-3, post_lr=1e-3,\n'
        '                            generator=None):\n'
        '    policy.obs_norm.fit(broad.obs)\n'
        '    policy.act_norm.fit(broad.act)\n'
        '    policy.train()\n'
        '\n'
        '    def phase(data, n, rate):\n'
        '        opt = torch.optim.Adam(policy.parameters(), lr=rate)\n'
        '        out = []\n'
        '        for _ in range(n):\n'
        '            o, a, m = data.sample(batch_size, generator)\n'
        '            value = policy.loss(o, a, m, generator=generator)\n'
        '            opt.zero_grad(set_to_none=True)\n'
        '            value.backward()\n'
        '            opt.step()\n'
        '            out.append(float(value))\n'
        '        return out\n'
        '\n'
        '    history = phase(broad, pre_steps, lr) + phase(narrow, post_steps, post_lr)\n'
        '    policy.eval()\n'
        '    return history\n'
    )),
    Mutant('pretrain_then_posttrain', 'pre-training with ilcourse.train.fit, post-training by hand (correct)', should_pass=True, source=(
        'def pretrain_then_posttrain(policy, broad, narrow, pre_steps, post_steps, batch_size=256, lr=3e-3, post_lr=1e-3,\n'
        '                            generator=None):\n'
        '    from ilcourse.train import fit as _fit\n'
        '    history = _fit(policy, broad, steps=pre_steps, batch_size=batch_size, lr=lr, generator=generator, progress=False)\n'
        '    policy.train()\n'
        '    opt = torch.optim.Adam(policy.parameters(), lr=post_lr)\n'
        '    for _ in range(post_steps):\n'
        '        obs, act, mask = narrow.sample(batch_size, generator)\n'
        '        loss = policy.loss(obs, act, mask, generator=generator)\n'
        '        opt.zero_grad()\n'
        '        loss.backward()\n'
        '        opt.step()\n'
        '        history.append(loss.item())\n'
        '    policy.eval()\n'
        '    return history\n'
    )),
    # -- concept questions ----------------------------------------------------------------------------
    *_letters('answer_recorded_wander', 'B'),
    *_letters('answer_mistakes', 'C'),
    *_letters('answer_normalizers', 'D'),
]
