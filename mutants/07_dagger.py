"""Mutants of notebook 07 (DAgger): plausible wrong answers that must lose points and
alternative correct answers that must keep full marks (see autograder/mutants/__init__.py).

Most are ``edits`` to the reference solution's answer cell, ``(old, new)``, so each mistake
shows at a glance; answers written from scratch carry their whole ``source``."""

from autograder.mutants import Mutant

_COIN = "        use_expert = torch.rand(n, generator=generator) < beta  # (N,) one coin per env and step\n"


def _letters(exercise: str, right: str) -> list:
    wrong = [Mutant(exercise, f"answer {x}", f'{exercise} = "{x}"\n') for x in "ABCD" if x != right]
    return wrong + [Mutant(exercise, "right answer, lower case", f'{exercise} = "{right.lower()}"\n', should_pass=True)]


MUTANTS = [
    # -- rollout_and_label -------------------------------------------------------------------------
    Mutant("rollout_and_label", "labels with the learner's actions instead of the expert's", edits=(
        ("        labels.append(label)\n", "        labels.append(learner_act(obs))\n"),)),
    Mutant("rollout_and_label", "labels with the executed (mixed) action", edits=(
        ("        labels.append(label)\n", ""),
        ("        act = torch.where(use_expert[:, None], label, learner_act(obs))\n",
         "        act = torch.where(use_expert[:, None], label, learner_act(obs))\n        labels.append(act)\n"),)),
    Mutant("rollout_and_label", "beta mixture sampled once per episode instead of per step", edits=(
        ("    seen, labels = [], []\n", "    seen, labels = [], []\n    per_episode = torch.rand(n, generator=generator) < beta\n"),
        (_COIN, "        use_expert = per_episode\n"),)),
    Mutant("rollout_and_label", "one coin per step shared by all environments", edits=(
        (_COIN, "        use_expert = (torch.rand(1, generator=generator) < beta).expand(n)\n"),)),
    Mutant("rollout_and_label", "coins from the global random generator", edits=(
        (_COIN, "        use_expert = torch.rand(n) < beta\n"),)),
    Mutant("rollout_and_label", "records the observation AFTER the step", edits=(
        ("        seen.append(obs)\n", ""),
        ("        obs, _, _, _, _ = env.step(act)\n", "        obs, _, _, _, _ = env.step(act)\n        seen.append(obs)\n"),)),
    Mutant("rollout_and_label", "beta means the learner's probability (swapped branches)", edits=(
        ("        act = torch.where(use_expert[:, None], label, learner_act(obs))\n",
         "        act = torch.where(use_expert[:, None], learner_act(obs), label)\n"),)),
    Mutant("rollout_and_label", "rows ordered step by step instead of environment by environment", edits=(
        ("    obs_all = torch.stack(seen, dim=1).reshape(n * horizon, -1)  # (N, T, D) -> (N*T, D)\n", "    obs_all = torch.cat(seen)\n"),
        ("    act_all = torch.stack(labels, dim=1).reshape(n * horizon, -1)  # (N, T, A) -> (N*T, A)\n", "    act_all = torch.cat(labels)\n"),
        ("    episode = torch.arange(n).repeat_interleave(horizon)  # (N*T,)\n", "    episode = torch.arange(n).repeat(horizon)\n"),)),
    Mutant("rollout_and_label", "alternative: preallocated tensors", should_pass=True, source=(
        "def rollout_and_label(env, learner_act, expert_act, beta, seed, generator):\n"
        "    n, horizon = env.num_envs, env.max_episode_steps\n"
        "    obs, _ = env.reset(seed=seed)\n"
        "    obs_buf = torch.zeros(n, horizon, obs.shape[1])\n"
        "    act_buf = None\n"
        "    for t in range(horizon):\n"
        "        expert_action = expert_act(obs)\n"
        "        if act_buf is None:\n"
        "            act_buf = torch.zeros(n, horizon, expert_action.shape[1])\n"
        "        obs_buf[:, t] = obs\n"
        "        act_buf[:, t] = expert_action\n"
        "        coin = torch.rand(n, generator=generator)\n"
        "        executed = torch.where((coin < beta).unsqueeze(-1), expert_action, learner_act(obs))\n"
        "        obs = env.step(executed)[0]\n"
        "    episode = torch.arange(n)[:, None].expand(n, horizon).reshape(-1)\n"
        "    return Demonstrations(obs_buf.reshape(-1, obs_buf.shape[-1]), act_buf.reshape(-1, act_buf.shape[-1]), episode)\n"
    )),
    # -- dagger_round ------------------------------------------------------------------------------
    Mutant("dagger_round", "replaces the dataset instead of aggregating", edits=(
        ("    aggregated = data.cat(new)\n", "    aggregated = new\n"),)),
    Mutant("dagger_round", "does not retrain", edits=(
        ("    fit(policy, aggregated, steps=fit_steps, lr=3e-3, generator=generator, progress=False)\n", ""),)),
    Mutant("dagger_round", "retrains on the new data only (but returns the aggregate)", edits=(
        ("    fit(policy, aggregated, steps=fit_steps, lr=3e-3, generator=generator, progress=False)\n",
         "    fit(policy, new, steps=fit_steps, lr=3e-3, generator=generator, progress=False)\n"),)),
    Mutant("dagger_round", "retrains before collecting (rolls out the retrained policy)", source=(
        "def dagger_round(policy, data, env, expert_act, beta, seed, generator, fit_steps=300):\n"
        "    fit(policy, data, steps=fit_steps, lr=3e-3, generator=generator, progress=False)\n"
        "    new = rollout_and_label(env, first_action(policy), expert_act, beta, seed, generator)\n"
        "    return data.cat(new)\n"
    )),
    Mutant("dagger_round", "learner always drives (ignores beta)", edits=(
        ("    new = rollout_and_label(env, first_action(policy), expert_act, beta, seed, generator)\n",
         "    new = rollout_and_label(env, first_action(policy), expert_act, 0.0, seed, generator)\n"),)),
    Mutant("dagger_round", "fit's default learning rate", edits=(
        ("    fit(policy, aggregated, steps=fit_steps, lr=3e-3, generator=generator, progress=False)\n",
         "    fit(policy, aggregated, steps=fit_steps, generator=generator, progress=False)\n"),)),
    Mutant("dagger_round", "alternative: aggregate by hand with torch.cat", should_pass=True, edits=(
        ("    aggregated = data.cat(new)\n",
         "    aggregated = Demonstrations(obs=torch.cat([data.obs, new.obs]), act=torch.cat([data.act, new.act]),\n"
         "                                episode=torch.cat([data.episode, new.episode + int(data.episode.max()) + 1]))\n"),)),
    # -- dagger_loop -------------------------------------------------------------------------------
    Mutant("dagger_loop", "same environment seed every round", edits=(
        ("        data = dagger_round(policy, data, env, expert_act, beta, seed + 1000 * i, generator, fit_steps)\n",
         "        data = dagger_round(policy, data, env, expert_act, beta, seed, generator, fit_steps)\n"),)),
    Mutant("dagger_loop", "counts only the new labels of each round", edits=(
        ("        labels.append(len(data))\n", "        labels.append(len(data) - labels[-1] if i == 1 else len(data) - sum(labels))\n"),)),
    Mutant("dagger_loop", "no behavioral-cloning round 0 (starts from an untrained learner)", edits=(
        ("    fit(policy, demos, steps=fit_steps, lr=3e-3, generator=generator, progress=False)\n", ""),)),
    Mutant("dagger_loop", "betas shifted by one (round i uses betas[i], last round beta 0)", edits=(
        ("    for i, beta in enumerate(betas, start=1):\n",
         "    for i, beta in enumerate(betas, start=1):\n        beta = betas[i] if i < len(betas) else 0.0\n"),)),
    Mutant("dagger_loop", "after_round not called after round 0", edits=(
        ("    if after_round is not None:\n        after_round(0, policy, data)\n", ""),)),
    Mutant("dagger_loop", "alternative: while loop with explicit indices", should_pass=True, source=(
        "def dagger_loop(policy, demos, env, expert_act, betas, seed, generator, fit_steps=300, after_round=None):\n"
        "    fit(policy, demos, steps=fit_steps, lr=3e-3, generator=generator, progress=False)\n"
        "    data, labels, i = demos, [len(demos)], 0\n"
        "    callback = after_round or (lambda *args: None)\n"
        "    callback(0, policy, data)\n"
        "    while i < len(betas):\n"
        "        data = dagger_round(policy, data, env, expert_act, betas[i], seed + 1000 * (i + 1), generator, fit_steps)\n"
        "        labels.append(len(data))\n"
        "        i += 1\n"
        "        callback(i, policy, data)\n"
        "    return data, labels\n"
    )),
    # -- takeover_gate -----------------------------------------------------------------------------
    Mutant("takeover_gate", "ignores the reaction delay", edits=(
        ("torch.full_like(self.wait, self.delay)", "torch.full_like(self.wait, 0)"),)),
    Mutant("takeover_gate", "one step too late (delay + 1)", edits=(
        ("torch.full_like(self.wait, self.delay)", "torch.full_like(self.wait, self.delay + 1)"),)),
    Mutant("takeover_gate", "no hysteresis: hands back as soon as |e| <= enter", edits=(
        ("self.driving = (self.driving & (e >= self.leave)) | take", "self.driving = (self.driving & (e > self.enter)) | take"),)),
    Mutant("takeover_gate", "a decided takeover is cancelled when |e| comes back", edits=(
        ("        take = self.wait == 0\n", "        take = (self.wait == 0) & (e > self.enter)\n"),)),
    Mutant("takeover_gate", "leave test already at the arrival step of a delayed takeover", edits=(
        ("self.driving = (self.driving & (e >= self.leave)) | take",
         "self.driving = (self.driving | take) & (e >= self.leave)"),)),
    Mutant("takeover_gate", "signed error instead of |e|", edits=(
        ("        e = obs[:, 0].abs()\n", "        e = obs[:, 0]\n"),)),
    Mutant("takeover_gate", "reset keeps the old state", edits=(
        ("        self.wait = torch.full((num_envs,), -1, dtype=torch.int64)  # steps until a decided takeover; -1: none\n",
         "        self.wait = getattr(self, 'wait', torch.full((num_envs,), -1, dtype=torch.int64))\n"),)),
    Mutant("takeover_gate", "one alarm for all environments", edits=(
        ("        notice = ~self.driving & (self.wait < 0) & (e > self.enter)\n",
         "        notice = ~self.driving & (self.wait < 0) & (e > self.enter)\n        notice = notice.any().expand_as(notice)\n"),)),
    Mutant("takeover_gate", "alternative: a Python loop over environments", should_pass=True, source=(
        "class TakeoverGate:\n"
        "    def __init__(self, enter, leave, delay=0):\n"
        "        self.enter, self.leave, self.delay = enter, leave, delay\n"
        "        self.reset(1)\n"
        "\n"
        "    def reset(self, num_envs):\n"
        "        self.state = [('learner', None)] * num_envs\n"
        "\n"
        "    def __call__(self, obs):\n"
        "        out = []\n"
        "        for i, e in enumerate(obs[:, 0].abs().tolist()):\n"
        "            who, left = self.state[i]\n"
        "            if who == 'expert':\n"
        "                who = 'expert' if e >= self.leave else 'learner'\n"
        "            elif who == 'pending':\n"
        "                left -= 1\n"
        "                if left == 0:\n"
        "                    who = 'expert'\n"
        "            elif e > self.enter:\n"
        "                who, left = ('expert', None) if self.delay == 0 else ('pending', self.delay)\n"
        "            self.state[i] = (who, left)\n"
        "            out.append(who == 'expert')\n"
        "        return torch.tensor(out, dtype=torch.bool)\n"
    )),
    # -- hg_dagger_round ---------------------------------------------------------------------------
    Mutant("hg_dagger_round", "adds every visited state, not just the takeover steps", edits=(
        ("    keep = torch.stack(gates, dim=1)  # (N, T)\n", "    keep = torch.ones(n, horizon, dtype=torch.bool)\n"),)),
    Mutant("hg_dagger_round", "records takeover states but the expert never drives", edits=(
        ("        obs, _, _, _, _ = env.step(torch.where(takeover[:, None], label, learner_act(obs)))\n",
         "        obs, _, _, _, _ = env.step(learner_act(obs))\n"),)),
    Mutant("hg_dagger_round", "labels takeover states with the learner's actions", edits=(
        ("        labels.append(label)\n", "        labels.append(learner_act(obs))\n"),)),
    Mutant("hg_dagger_round", "counts all visited steps as expert labels", edits=(
        ("    return aggregated, len(new)\n", "    return aggregated, n * horizon\n"),)),
    Mutant("hg_dagger_round", "does not retrain", edits=(
        ("    fit(policy, aggregated, steps=fit_steps, lr=3e-3, generator=generator, progress=False)\n", ""),)),
    Mutant("hg_dagger_round", "never resets the gate", edits=(
        ("    gate.reset(n)\n", ""),)),
    Mutant("hg_dagger_round", "alternative: boolean-mask each step and sort the rows", should_pass=True, source=(
        "def hg_dagger_round(policy, data, env, expert_act, gate, seed, generator, fit_steps=300):\n"
        "    act_fn = first_action(policy)\n"
        "    n, horizon = env.num_envs, env.max_episode_steps\n"
        "    gate.reset(n)\n"
        "    obs, _ = env.reset(seed=seed)\n"
        "    rows_obs, rows_act, rows_ep, rows_t = [], [], [], []\n"
        "    for t in range(horizon):\n"
        "        mask = gate(obs)\n"
        "        expert_action = expert_act(obs)\n"
        "        idx = torch.nonzero(mask).squeeze(-1)\n"
        "        rows_obs.append(obs[idx]); rows_act.append(expert_action[idx]); rows_ep.append(idx)\n"
        "        rows_t.append(torch.full_like(idx, t))\n"
        "        obs = env.step(torch.where(mask[:, None], expert_action, act_fn(obs)))[0]\n"
        "    ep, tt = torch.cat(rows_ep), torch.cat(rows_t)\n"
        "    order = torch.argsort(ep * horizon + tt)\n"
        "    new = Demonstrations(torch.cat(rows_obs)[order], torch.cat(rows_act)[order], ep[order])\n"
        "    aggregated = data.cat(new)\n"
        "    fit(policy, aggregated, steps=fit_steps, lr=3e-3, generator=generator, progress=False)\n"
        "    return aggregated, int(len(new))\n"
    )),
    *_letters("answer_why_learner_states", "B"),
    *_letters("answer_when_hg", "B"),
    *_letters("answer_hg_not_reduced", "B"),
]
