"""Mutants of notebook 06: wrong answers that must lose points, alternative right answers that must not."""

from autograder.mutants import Mutant

_PROB_HEAD = '''def prob_off_rope(eps: float, t: torch.Tensor) -> torch.Tensor:
'''
_EXACT_HEAD = '''def expected_cost_exact(eps: float, horizon: int) -> float:
'''
_MC_HEAD = '''def monte_carlo_cost(eps: float, horizon: int, num_envs: int, seed: int) -> float:
'''
_SLOPE_HEAD = '''def loglog_slope(horizons: torch.Tensor, costs: torch.Tensor) -> float:
'''


def _mc(body: str) -> str:
    return _MC_HEAD + body


MUTANTS = [
    # ---- prob_off_rope ---------------------------------------------------------------------
    Mutant("prob_off_rope", "probability of staying on instead of falling",
           _PROB_HEAD + "    return (1.0 - eps) ** t.to(torch.float64)\n"),
    Mutant("prob_off_rope", "off by one in time: (1-eps)^(t-1)",
           _PROB_HEAD + "    return 1.0 - (1.0 - eps) ** (t.to(torch.float64) - 1)\n"),
    Mutant("prob_off_rope", "union bound eps*t instead of the exact probability",
           _PROB_HEAD + "    return eps * t.to(torch.float64)\n"),
    Mutant("prob_off_rope", "float32 result",
           _PROB_HEAD + "    return 1.0 - (1.0 - eps) ** t.float()\n"),
    Mutant("prob_off_rope", "power computed in float32, then cast to float64",
           _PROB_HEAD + "    return (1 - (1 - eps) ** t).to(torch.float64)\n"),
    Mutant("prob_off_rope", "alternative: torch.pow on a float64 base tensor",
           _PROB_HEAD + "    base = torch.full(t.shape, 1.0 - eps, dtype=torch.float64)\n"
                        "    return 1.0 - torch.pow(base, t)\n", should_pass=True),
    # ---- expected_cost_exact ---------------------------------------------------------------
    Mutant("expected_cost_exact", "off by one in time: sums (1-eps)^(t-1)",
           _EXACT_HEAD + "    return float(sum(1.0 - (1.0 - eps) ** (t - 1) for t in range(1, horizon + 1)))\n"),
    Mutant("expected_cost_exact", "misses the last step (range(1, horizon))",
           _EXACT_HEAD + "    return float(sum(1.0 - (1.0 - eps) ** t for t in range(1, horizon)))\n"),
    Mutant("expected_cost_exact", "union bound instead of the exact cost",
           _EXACT_HEAD + "    return eps * horizon * (horizon + 1) / 2.0\n"),
    Mutant("expected_cost_exact", "T times the probability of having fallen by the end",
           _EXACT_HEAD + "    return float(horizon * (1.0 - (1.0 - eps) ** horizon))\n"),
    Mutant("expected_cost_exact", "alternative: closed form T - (1-eps)(1-(1-eps)^T)/eps",
           _EXACT_HEAD + "    if eps == 0:\n        return 0.0\n"
                         "    q = 1.0 - eps\n    return horizon - q * (1.0 - q**horizon) / eps\n", should_pass=True),
    # ---- state_distribution ----------------------------------------------------------------
    Mutant("state_distribution", "weights swapped: eps^t on p_train", edits=((
        "still_on = ((1.0 - eps) ** t.to(torch.float64))", "still_on = (eps ** t.to(torch.float64))"),)),
    Mutant("state_distribution", "p_train and p_mistake swapped", edits=((
        "return still_on[:, None] * p_train + (1.0 - still_on[:, None]) * p_mistake",
        "return still_on[:, None] * p_mistake + (1.0 - still_on[:, None]) * p_train"),)),
    Mutant("state_distribution", "the union bound's 1 - eps t as the weight", edits=((
        "still_on = ((1.0 - eps) ** t.to(torch.float64)).to(p_train.dtype)",
        "still_on = (1.0 - eps * t.to(torch.float64)).to(p_train.dtype)"),)),
    Mutant("state_distribution", "no broadcasting over steps: (K,) times (S,)", edits=((
        "return still_on[:, None] * p_train + (1.0 - still_on[:, None]) * p_mistake",
        "return still_on * p_train + (1.0 - still_on) * p_mistake"),)),
    Mutant("state_distribution", "alternative: (S, K) built by broadcasting, then transposed", edits=((
        "return still_on[:, None] * p_train + (1.0 - still_on[:, None]) * p_mistake",
        "return (still_on * p_train[:, None] + (1.0 - still_on) * p_mistake[:, None]).T"),), should_pass=True),
    Mutant("state_distribution", "weights (1-eps)^t computed in float32 for float64 inputs", edits=((
        "still_on = ((1.0 - eps) ** t.to(torch.float64)).to(p_train.dtype)",
        "still_on = ((1.0 - eps) ** t).to(p_train.dtype)"),)),
    Mutant("state_distribution", "float64 result for float32 inputs", edits=((
        "still_on = ((1.0 - eps) ** t.to(torch.float64)).to(p_train.dtype)",
        "still_on = ((1.0 - eps) ** t.to(torch.float64))"),)),
    Mutant("state_distribution", "subtracts p_train from p_mistake in place", edits=((
        "return still_on[:, None] * p_train + (1.0 - still_on[:, None]) * p_mistake",
        "p_mistake -= p_train\n    return p_train + (1.0 - still_on[:, None]) * p_mistake"),)),
    Mutant("state_distribution", "alternative: p_train + (1 - keep)(p_mistake - p_train)", edits=((
        "return still_on[:, None] * p_train + (1.0 - still_on[:, None]) * p_mistake",
        "return p_train + (1.0 - still_on).unsqueeze(1) * (p_mistake - p_train)"),), should_pass=True),
    # ---- total_variation -------------------------------------------------------------------
    Mutant("total_variation", "halves the sum (the other convention)", edits=((
        "return (p - q).abs().sum(dim=-1)", "return 0.5 * (p - q).abs().sum(dim=-1)"),)),
    Mutant("total_variation", "largest difference instead of the sum", edits=((
        "return (p - q).abs().sum(dim=-1)", "return (p - q).abs().amax(dim=-1)"),)),
    Mutant("total_variation", "sums over the first dimension", edits=((
        "return (p - q).abs().sum(dim=-1)", "return (p - q).abs().sum(dim=0)"),)),
    Mutant("total_variation", "sums everything (one number for a batch)", edits=((
        "return (p - q).abs().sum(dim=-1)", "return (p - q).abs().sum()"),)),
    Mutant("total_variation", "no absolute value", edits=((
        "return (p - q).abs().sum(dim=-1)", "return (p - q).sum(dim=-1)"),)),
    Mutant("total_variation", "float64 result", edits=((
        "return (p - q).abs().sum(dim=-1)", "return (p.double() - q.double()).abs().sum(dim=-1)"),)),
    Mutant("total_variation", "alternative: the L1 norm", edits=((
        "return (p - q).abs().sum(dim=-1)", "return torch.linalg.vector_norm(p - q, ord=1, dim=-1)"),), should_pass=True),
    # ---- cost_bound ------------------------------------------------------------------------
    Mutant("cost_bound", "the tightrope's union bound only", edits=((
        "return eps * horizon + eps * horizon * (horizon + 1)", "return eps * horizon * (horizon + 1) / 2"),)),
    Mutant("cost_bound", "eps T + eps T^2", edits=((
        "return eps * horizon + eps * horizon * (horizon + 1)", "return eps * horizon + eps * horizon**2"),)),
    Mutant("cost_bound", "drops the eps T of the training distribution", edits=((
        "return eps * horizon + eps * horizon * (horizon + 1)", "return eps * horizon * (horizon + 1)"),)),
    Mutant("cost_bound", "2 eps t summed as 2 eps T (T + 1)", edits=((
        "return eps * horizon + eps * horizon * (horizon + 1)", "return eps * horizon + 2 * eps * horizon * (horizon + 1)"),)),
    Mutant("cost_bound", "alternative: the sum written out", edits=((
        "return eps * horizon + eps * horizon * (horizon + 1)", "return float(sum(eps + 2 * eps * t for t in range(1, horizon + 1)))"),), should_pass=True),
    # ---- monte_carlo_cost ------------------------------------------------------------------
    Mutant("monte_carlo_cost", "counts only the final step", _mc('''    env = TightropeVecEnv(num_envs=num_envs, eps=eps, horizon=horizon, absorbing=True)
    obs, _ = env.reset(seed=seed)
    for _ in range(horizon):
        obs, reward, terminated, truncated, info = env.step(tightrope_expert(obs))
    return float(info["cost"].mean())
''')),
    Mutant("monte_carlo_cost", "one step short (horizon - 1 steps)", _mc('''    env = TightropeVecEnv(num_envs=num_envs, eps=eps, horizon=horizon, absorbing=True)
    obs, _ = env.reset(seed=seed)
    total = torch.zeros(num_envs)
    for _ in range(horizon - 1):
        obs, reward, terminated, truncated, info = env.step(tightrope_expert(obs))
        total += info["cost"]
    return float(total.mean())
''')),
    Mutant("monte_carlo_cost", "non-absorbing rope (the walker climbs back)", _mc('''    env = TightropeVecEnv(num_envs=num_envs, eps=eps, horizon=horizon, absorbing=False)
    obs, _ = env.reset(seed=seed)
    total = torch.zeros(num_envs)
    for _ in range(horizon):
        obs, reward, terminated, truncated, info = env.step(tightrope_expert(obs))
        total += info["cost"]
    return float(total.mean())
''')),
    Mutant("monte_carlo_cost", "sums over walkers instead of averaging", _mc('''    env = TightropeVecEnv(num_envs=num_envs, eps=eps, horizon=horizon, absorbing=True)
    obs, _ = env.reset(seed=seed)
    total = torch.zeros(num_envs)
    for _ in range(horizon):
        obs, reward, terminated, truncated, info = env.step(tightrope_expert(obs))
        total += info["cost"]
    return float(total.sum())
''')),
    Mutant("monte_carlo_cost", "ignores the seed", _mc('''    env = TightropeVecEnv(num_envs=num_envs, eps=eps, horizon=horizon, absorbing=True)
    obs, _ = env.reset(seed=12345)
    total = torch.zeros(num_envs)
    for _ in range(horizon):
        obs, reward, terminated, truncated, info = env.step(tightrope_expert(obs))
        total += info["cost"]
    return float(total.mean())
''')),
    Mutant("monte_carlo_cost", "alternative: ilcourse.rollout.evaluate on the vector env", _mc('''    from ilcourse.rollout import evaluate
    env = TightropeVecEnv(num_envs=num_envs, eps=eps, horizon=horizon, absorbing=True)
    result = evaluate(env, tightrope_expert, num_episodes=num_envs, seed=seed)
    return result.mean_cost
'''), should_pass=True),
    Mutant("monte_carlo_cost", "alternative: gymnasium.make_vec and minus the reward", _mc('''    import gymnasium
    env = gymnasium.make_vec("ilcourse/Tightrope-v0", num_envs=num_envs, eps=eps, horizon=horizon, absorbing=True)
    obs, _ = env.reset(seed=seed)
    total = torch.zeros(num_envs, dtype=torch.float64)
    for _ in range(horizon):
        obs, reward, terminated, truncated, info = env.step(tightrope_expert(obs))
        total -= reward.double()
    return total.mean().item()
'''), should_pass=True),
    # ---- loglog_slope ----------------------------------------------------------------------
    Mutant("loglog_slope", "fit on linear axes", _SLOPE_HEAD + '''    x, y = horizons.double(), costs.double()
    xc = x - x.mean()
    return float((xc * (y - y.mean())).sum() / (xc * xc).sum())
'''),
    Mutant("loglog_slope", "slope from the two end points only", _SLOPE_HEAD + '''    return float(torch.log(costs[-1] / costs[0]) / torch.log(horizons[-1] / horizons[0]))
'''),
    Mutant("loglog_slope", "semi-log: log T but linear cost", _SLOPE_HEAD + '''    x, y = torch.log(horizons.double()), costs.double()
    xc = x - x.mean()
    return float((xc * (y - y.mean())).sum() / (xc * xc).sum())
'''),
    Mutant("loglog_slope", "regresses log T on log cost (inverse slope)", _SLOPE_HEAD + '''    x, y = torch.log(horizons.double()), torch.log(costs.double())
    yc = y - y.mean()
    return float((yc * (x - x.mean())).sum() / (yc * yc).sum())
'''),
    Mutant("loglog_slope", "alternative: numpy polyfit in log10", _SLOPE_HEAD + '''    import numpy as np
    return float(np.polyfit(np.log10(horizons.numpy()), np.log10(costs.numpy()), 1)[0])
''', should_pass=True),
    # ---- dart_demonstrations ---------------------------------------------------------------
    Mutant("dart_demonstrations", "labels with the executed (noisy) action", edits=((
        "        labels.append(label)\n", "        labels.append(label + noise_std * noise)\n"),)),
    Mutant("dart_demonstrations", "one noise draw per environment shared by all action dimensions", edits=((
        "noise = torch.randn(label.shape, generator=generator)", "noise = torch.randn(label.shape[0], 1, generator=generator)"),)),
    Mutant("dart_demonstrations", "one noise draw per step shared by all environments", edits=((
        "noise = torch.randn(label.shape, generator=generator)", "noise = torch.randn(1, label.shape[1], generator=generator)"),)),
    Mutant("dart_demonstrations", "noise from the global random generator", edits=((
        "noise = torch.randn(label.shape, generator=generator)", "noise = torch.randn(label.shape)"),)),
    Mutant("dart_demonstrations", "the same noise at every step", edits=(
        ("    seen, labels = [], []\n", "    seen, labels = [], []\n    fixed = torch.randn(n, env.act_dim if hasattr(env, 'act_dim') else 1, generator=generator)\n"),
        ("noise = torch.randn(label.shape, generator=generator)", "noise = fixed.expand_as(label)"),)),
    Mutant("dart_demonstrations", "records the observation after the step", edits=(
        ("        seen.append(obs)\n", ""),
        ("        obs, _, _, _, _ = env.step(label + noise_std * noise)\n",
         "        obs, _, _, _, _ = env.step(label + noise_std * noise)\n        seen.append(obs)\n"),)),
    Mutant("dart_demonstrations", "rows step by step instead of environment by environment", edits=(
        ("obs_all = torch.stack(seen, dim=1).reshape(n * horizon, -1)", "obs_all = torch.cat(seen, dim=0)"),
        ("act_all = torch.stack(labels, dim=1).reshape(n * horizon, -1)", "act_all = torch.cat(labels, dim=0)"),)),
    Mutant("dart_demonstrations", "alternative: preallocated (N, T, ...) buffers", source=r"""
def dart_demonstrations(env, expert_act, noise_std, seed, generator):
    n, horizon = env.num_envs, env.max_episode_steps
    obs, _ = env.reset(seed=seed)
    obs_buf = torch.empty(n, horizon, obs.shape[1])
    act_buf = None
    for t in range(horizon):
        clean = expert_act(obs)
        if act_buf is None:
            act_buf = torch.empty(n, horizon, clean.shape[1])
        obs_buf[:, t] = obs
        act_buf[:, t] = clean
        executed = clean + noise_std * torch.randn(clean.shape, generator=generator)
        obs = env.step(executed)[0]
    ep = torch.arange(n)[:, None].expand(n, horizon).reshape(-1)
    return Demonstrations(obs_buf.reshape(n * horizon, -1), act_buf.reshape(n * horizon, -1), ep)
""", should_pass=True),
    # ---- concept questions -----------------------------------------------------------------
    Mutant("answer_more_data", "A", 'answer_more_data = "A"\n'),
    Mutant("answer_more_data", "B", 'answer_more_data = "B"\n'),
    Mutant("answer_more_data", "C", 'answer_more_data = "C"\n'),
    Mutant("answer_more_data", "lower case d", 'answer_more_data = "d"\n', should_pass=True),
    Mutant("answer_own_states", "A", 'answer_own_states = "A"\n'),
    Mutant("answer_own_states", "C", 'answer_own_states = "C"\n'),
    Mutant("answer_own_states", "D", 'answer_own_states = "D"\n'),
    Mutant("answer_own_states", "lower case b", 'answer_own_states = "b"\n', should_pass=True),
    Mutant("answer_own_states", "B with spaces", 'answer_own_states = " B "\n', should_pass=True),
    Mutant("answer_saturation", "A", 'answer_saturation = "A"\n'),
    Mutant("answer_saturation", "B", 'answer_saturation = "B"\n'),
    Mutant("answer_saturation", "D", 'answer_saturation = "D"\n'),
    Mutant("answer_saturation", "lower case c", 'answer_saturation = "c"\n', should_pass=True),
    Mutant("answer_dart", "A", 'answer_dart = "A"\n'),
    Mutant("answer_dart", "C", 'answer_dart = "C"\n'),
    Mutant("answer_dart", "D", 'answer_dart = "D"\n'),
    Mutant("answer_dart", "lower case b", 'answer_dart = "b"\n', should_pass=True),
]
