"""Mutants of notebook 10 (goal-conditioned BC, hindsight relabeling, GCSL): plausible wrong
answers that must lose points and alternative correct answers that must keep full marks (see
autograder/mutants/__init__.py).

Most are ``edits`` to the reference solution's answer cell, ``(old, new)``, so each mistake
shows at a glance; answers written from scratch carry their whole ``source``."""

from autograder.mutants import Mutant

# -- success_on_goals ---------------------------------------------------------------------------
_RESET = '    obs, _ = env.reset(seed=seed, options={"goal": goals})\n'
_WHILE = '    while not bool(first_done.all()):\n'
_HIT = '        hit = hit | (info["success"] & ~first_done)\n'
_RETURN_HIT = '    return hit\n'

# -- final_goals ----------------------------------------------------------------------------------
_FINAL_BLOCK = '    which_block = torch.cumsum(is_last.long(), dim=0) - is_last.long()  # (M,) blocks finished before each row\n'
_FINAL_RETURN = '    return achieved[last_rows[which_block]]\n'
_FINAL_LAST = '    last_rows = torch.nonzero(is_last).squeeze(1)  # (E,) the last row of every block, in buffer order\n'

# -- future_goals ---------------------------------------------------------------------------------
_CHOICES = '    choices = last - rows + 1  # (M,) how many future rows each transition may pick\n'
_LAST = '    last = ends_at[torch.cumsum(block_end.long(), dim=0) - block_end.long()]  # (M,) last row of each row\'s episode\n'
_U = '    u = torch.rand(m, generator=generator, dtype=torch.float64, device=generator.device).to(episode.device)\n'
_OFFSET = '    offset = torch.minimum((u * choices).long(), choices - 1)\n'
_FUTURE_RETURN = '    return achieved[rows + offset]\n'

# -- gcsl_iteration -------------------------------------------------------------------------------
_EPS = '        eps = torch.randn(greedy.shape, generator=generator, device=noise_device).to(greedy.device)\n'
_NOISY = '        return greedy + noise_std * eps\n'
_RUN = '    run = evaluate(env, explore, num_episodes=env.unwrapped.num_envs, seed=seed, record=True)\n'
_IDS = '    ids = torch.arange(run.act.shape[0], device=run.act.device).unsqueeze(1).expand(-1, horizon)[taken]\n'
_ACHIEVED = '    achieved = run.obs[:, 1:, :2][taken]\n'
_IF_RELABEL = ('    if relabel is not None:\n'
               '        obs = with_goals(obs, relabel(achieved, ids, generator))\n')
_GROWN = '    grown = fresh if buffer is None else buffer.cat(fresh)\n'
_FIT = '    fit(policy, grown, steps=steps, batch_size=256, lr=1e-3, generator=generator, progress=False)\n'


def _letters(exercise, right):
    wrong = [Mutant(exercise, f'wrong letter {x}', edits=((f'{exercise} = "{right}"\n', f'{exercise} = "{x}"\n'),))
             for x in "ABCD" if x != right]
    return wrong + [Mutant(exercise, 'lower case with spaces (accepted)', should_pass=True,
                           edits=((f'{exercise} = "{right}"\n', f'{exercise} = " {right.lower()} "\n'),))]


MUTANTS = [
    # -- success_on_goals ----------------------------------------------------------------------------
    Mutant('success_on_goals', 'runs two episodes and counts a success in either (ignores the boundary)', edits=(
        (_WHILE, '    for _ in range(2 * env.unwrapped.max_episode_steps):\n'),
        (_HIT, '        hit = hit | info["success"]\n'),
    )),
    Mutant('success_on_goals', 'the goals are not passed to reset (the world draws its own)', edits=(
        (_RESET, '    obs, _ = env.reset(seed=seed)\n'),
    )),
    Mutant('success_on_goals', 'the seed is not passed to reset', edits=(
        (_RESET, '    obs, _ = env.reset(options={"goal": goals})\n'),
    )),
    Mutant('success_on_goals', 'only the success of the last step counts', edits=(
        (_HIT, '        hit = info["success"] & ~first_done\n'),
    )),
    Mutant('success_on_goals', 'any end of episode counts as success (truncation too)', edits=(
        (_HIT, '        hit = hit | ((term | trunc) & ~first_done)\n'),
    )),
    Mutant('success_on_goals', 'distance of the last observation to the goal (after the autoreset)', edits=(
        (_RETURN_HIT, '    return torch.linalg.vector_norm(obs[:, :2] - goals, dim=-1) < 0.1\n'),
    )),
    Mutant('success_on_goals', 'fixed horizon loop with a running mask and the reward (correct)', should_pass=True, source=(
        'def success_on_goals(act_fn, goals, seed=0):\n'
        '    env = gymnasium.make_vec(WORLD, num_envs=len(goals), device=goals.device)\n'
        '    obs, _ = env.reset(seed=seed, options={"goal": goals})\n'
        '    running = torch.ones(len(goals), dtype=torch.bool, device=goals.device)\n'
        '    reached = torch.zeros_like(running)\n'
        '    for _ in range(env.unwrapped.max_episode_steps):\n'
        '        obs, reward, terminated, truncated, _ = env.step(act_fn(obs))\n'
        '        reached |= running & (reward > 0)\n'
        '        running &= ~(terminated | truncated)\n'
        '    return reached\n'
    )),

    # -- final_goals ---------------------------------------------------------------------------------
    Mutant('final_goals', "relabels across episode boundaries (the NEXT episode's end)", edits=(
        (_FINAL_BLOCK, '    which_block = torch.cumsum(is_last.long(), dim=0).clamp(max=int(is_last.sum()) - 1)\n'),
    )),
    Mutant('final_goals', 'the buffer\'s very last position for every transition', edits=(
        (_FINAL_RETURN, '    return achieved[-1:].expand_as(achieved).clone()\n'),
    )),
    Mutant('final_goals', 'assumes sorted ids (torch.unique counts, cumsum)', source=(
        'def final_goals(achieved, episode, generator=None):\n'
        '    ids, counts = torch.unique(episode, return_counts=True)\n'
        '    ends = torch.cumsum(counts, dim=0) - 1\n'
        '    return achieved[ends[torch.searchsorted(ids, episode)]]\n'
    )),
    Mutant('final_goals', 'assumes ids 0..E-1 in order (bincount)', source=(
        'def final_goals(achieved, episode, generator=None):\n'
        '    ends = torch.cumsum(torch.bincount(episode), dim=0) - 1\n'
        '    return achieved[ends[episode]]\n'
    )),
    Mutant('final_goals', 'off by one: the second-to-last position', edits=(
        (_FINAL_RETURN, '    return achieved[(last_rows[which_block] - 1).clamp(min=0)]\n'),
    )),
    Mutant('final_goals', 'first position of each episode instead of the last', edits=(
        (_FINAL_LAST, '    last_rows = torch.nonzero(torch.cat([torch.ones(1, dtype=torch.bool), is_last[:-1]])).squeeze(1)\n'),
    )),
    Mutant('final_goals', 'writes the result into achieved (in place)', edits=(
        (_FINAL_RETURN, '    achieved[:] = achieved[last_rows[which_block]]\n    return achieved\n'),
    )),
    Mutant('final_goals', 'float32 result whatever the input dtype', edits=(
        (_FINAL_RETURN, '    return achieved[last_rows[which_block]].float()\n'),
    )),
    Mutant('final_goals', 'last row per id value (scatter_reduce amax): wrong when a later block reuses an id', source=(
        'def final_goals(achieved, episode, generator=None):\n'
        '    rows = torch.arange(episode.shape[0])\n'
        '    last = torch.zeros(int(episode.max()) + 1, dtype=torch.int64).scatter_reduce(\n'
        '        0, episode, rows, reduce="amax", include_self=False)\n'
        '    return achieved[last[episode]]\n'
    )),
    Mutant('final_goals', 'a Python loop over the transitions (correct)', should_pass=True, source=(
        'def final_goals(achieved, episode, generator=None):\n'
        '    out = torch.empty_like(achieved)\n'
        '    start, m = 0, episode.shape[0]\n'
        '    for i in range(m):\n'
        '        if i == m - 1 or episode[i + 1] != episode[i]:\n'
        '            out[start:i + 1] = achieved[i]\n'
        '            start = i + 1\n'
        '    return out\n'
    )),
    Mutant('final_goals', 'reverse cumulative minimum of the block ends (correct)', should_pass=True, source=(
        'def final_goals(achieved, episode, generator=None):\n'
        '    m = episode.shape[0]\n'
        '    rows = torch.arange(m)\n'
        '    is_end = torch.cat([episode[1:] != episode[:-1], torch.tensor([True])])\n'
        '    candidate = torch.where(is_end, rows, torch.full_like(rows, m))\n'
        '    last = torch.flip(torch.cummin(torch.flip(candidate, [0]), dim=0).values, [0])\n'
        '    return achieved[last]\n'
    )),

    # -- future_goals --------------------------------------------------------------------------------
    Mutant('future_goals', 'relabels across episode boundaries (any later row of the buffer)', edits=(
        (_CHOICES, '    choices = (m - 1) - rows + 1\n'),
    )),
    Mutant('future_goals', 'off by one: j from t + 1 on (never the next state itself)', edits=(
        (_OFFSET, '    offset = torch.minimum((u * (choices - 1)).long() + 1, choices - 1)\n'),
    )),
    Mutant('future_goals', 'off by one: never the last state of the episode', edits=(
        (_OFFSET, '    offset = (u * (choices - 1)).long()\n'),
    )),
    Mutant('future_goals', 'one random number shared by all transitions', edits=(
        (_U, '    u = torch.rand(1, generator=generator, dtype=torch.float64, device=generator.device).to(episode.device)\n'),
    )),
    Mutant('future_goals', 'one random number per episode (shared by its transitions)', edits=(
        (_U, '    u = torch.rand(m, generator=generator, dtype=torch.float64, device=generator.device).to(episode.device)[last]\n'),
    )),
    Mutant('future_goals', 'global RNG instead of the generator', edits=(
        (_U, '    u = torch.rand(m, dtype=torch.float64).to(episode.device)\n'),
    )),
    Mutant('future_goals', 'a separate j for each goal dimension (not a whole row)', edits=(
        (_U, '    u = torch.rand(m, achieved.shape[1], generator=generator, dtype=torch.float64, device=generator.device)\n'),
        (_OFFSET, '    offset = torch.minimum((u * choices[:, None]).long(), choices[:, None] - 1)\n'),
        (_FUTURE_RETURN, '    return achieved.gather(0, rows[:, None] + offset)\n'),
    )),
    Mutant('future_goals', 'always the last state of the episode (final, not future)', edits=(
        (_OFFSET, '    offset = choices - 1\n'),
    )),
    Mutant('future_goals', 'float32 result whatever the input dtype', edits=(
        (_FUTURE_RETURN, '    return achieved[rows + offset].float()\n'),
    )),
    Mutant('future_goals', 'last row per id value (scatter_reduce amax): wrong when a later block reuses an id', edits=(
        (_LAST, '    last = torch.zeros(int(episode.max()) + 1, dtype=torch.int64).scatter_reduce('
                '0, episode, torch.arange(m), reduce="amax", include_self=False)[episode]\n'),
    )),
    Mutant('future_goals', 'j uniform over the whole episode (also earlier than t)', source=(
        'def future_goals(achieved, episode, generator):\n'
        '    m = episode.shape[0]\n'
        '    index = torch.empty(m, dtype=torch.int64)\n'
        '    start = 0\n'
        '    for i in range(m):\n'
        '        if i == m - 1 or episode[i + 1] != episode[i]:\n'
        '            n = i + 1 - start\n'
        '            index[start:i + 1] = start + torch.randint(0, n, (n,), generator=generator)\n'
        '            start = i + 1\n'
        '    return achieved[index]\n'
    )),
    Mutant('future_goals', 'float32 uniforms, floor (correct)', should_pass=True, edits=(
        (_U, '    u = torch.rand(m, generator=generator, device=generator.device).to(episode.device)\n'),
        (_OFFSET, '    offset = torch.clamp(torch.floor(u * choices).long(), max=choices - 1)\n'),
    )),
    Mutant('future_goals', 'a Python loop with torch.randint per transition (correct)', should_pass=True, source=(
        'def future_goals(achieved, episode, generator):\n'
        '    m = episode.shape[0]\n'
        '    index = torch.empty(m, dtype=torch.int64)\n'
        '    start = 0\n'
        '    for i in range(m):\n'
        '        if i == m - 1 or episode[i + 1] != episode[i]:\n'
        '            for t in range(start, i + 1):\n'
        '                index[t] = int(torch.randint(t, i + 1, (1,), generator=generator))\n'
        '            start = i + 1\n'
        '    return achieved[index]\n'
    )),

    # -- gcsl_iteration ------------------------------------------------------------------------------
    Mutant('gcsl_iteration', 'achieved = the position in o_t (off by one: the state before the action)', edits=(
        (_ACHIEVED, '    achieved = run.obs[:, :-1, :2][taken]\n'),
    )),
    Mutant('gcsl_iteration', 'relabels across episode boundaries (one id for all transitions)', edits=(
        (_IDS, '    ids = torch.zeros(int(taken.sum()), dtype=torch.int64, device=run.act.device)\n'),
    )),
    Mutant('gcsl_iteration', 'one noise number shared by both action dimensions', edits=(
        (_EPS, '        eps = torch.randn(greedy.shape[0], 1, generator=generator, device=noise_device).to(greedy.device)\n'),
    )),
    Mutant('gcsl_iteration', 'one noise vector shared by all sub-environments', edits=(
        (_EPS, '        eps = torch.randn(1, greedy.shape[1], generator=generator, device=noise_device).to(greedy.device)\n'),
    )),
    Mutant('gcsl_iteration', 'noise from the global RNG', edits=(
        (_EPS, '        eps = torch.randn(greedy.shape).to(greedy.device)\n'),
    )),
    Mutant('gcsl_iteration', 'noise_std ignored (unit noise)', edits=(
        (_NOISY, '        return greedy + eps\n'),
    )),
    Mutant('gcsl_iteration', 'no exploration noise (the greedy action)', edits=(
        (_NOISY, '        return greedy\n'),
    )),
    Mutant('gcsl_iteration', 'the new transitions first, the old buffer after them', edits=(
        (_GROWN, '    grown = fresh if buffer is None else fresh.cat(buffer)\n'),
    )),
    Mutant('gcsl_iteration', 'trains on the new transitions only', edits=(
        (_FIT, '    fit(policy, fresh, steps=steps, batch_size=256, lr=1e-3, generator=generator, progress=False)\n'),
    )),
    Mutant('gcsl_iteration', 'the old buffer is dropped', edits=(
        (_GROWN, '    grown = fresh\n'),
    )),
    Mutant('gcsl_iteration', 'fit without the generator (global RNG batches)', edits=(
        (_FIT, '    fit(policy, grown, steps=steps, batch_size=256, lr=1e-3, progress=False)\n'),
    )),
    Mutant('gcsl_iteration', 'relabel=None not handled', edits=(
        (_IF_RELABEL, '    obs = with_goals(obs, relabel(achieved, ids, generator))\n'),
    )),
    Mutant('gcsl_iteration', 'draws no noise when noise_std == 0 (correct)', should_pass=True, edits=(
        (_EPS, '        if noise_std == 0:\n'
               '            return greedy\n' + _EPS),
    )),
    Mutant('gcsl_iteration', 'evaluate with its default number of episodes (correct)', should_pass=True, edits=(
        (_RUN, '    run = evaluate(env, explore, seed=seed, record=True)\n'),
    )),
    Mutant('gcsl_iteration', 'flattened with Demonstrations.from_trajectories (correct)', should_pass=True, source=(
        'def gcsl_iteration(policy, buffer, env, relabel, generator, steps=150, noise_std=0.5, seed=0):\n'
        '    def act_fn(obs):\n'
        '        with torch.no_grad():\n'
        '            a = policy.sample(obs)[:, 0]\n'
        '        return a + noise_std * torch.randn(a.shape, generator=generator, device=generator.device).to(a.device)\n'
        '\n'
        '    result = evaluate(env, act_fn, num_episodes=env.unwrapped.num_envs, seed=seed, record=True)\n'
        '    new = Demonstrations.from_trajectories(result.obs, result.act, result.lengths)\n'
        '    reached = Demonstrations.from_trajectories(result.obs[:, 1:, :2], result.act, result.lengths).obs\n'
        '    if relabel is not None:\n'
        '        new = Demonstrations(with_goals(new.obs, relabel(reached, new.episode, generator)), new.act, new.episode)\n'
        '    out = new if buffer is None else buffer.cat(new)\n'
        '    fit(policy, out, steps=steps, batch_size=256, lr=1e-3, generator=generator, progress=False)\n'
        '    return out, result.success_rate\n'
    )),
    *_letters('answer_shift', 'B'),
    *_letters('answer_commanded', 'C'),
    *_letters('answer_goal_count', 'A'),
]
