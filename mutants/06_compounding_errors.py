"""Mutants of notebook 06: wrong answers that must lose points, alternative right answers that must not."""

from autograder.mutants import Mutant

_PROB_HEAD = '''def prob_off_rope(eps: float, t: torch.Tensor) -> torch.Tensor:
'''
_EXACT_HEAD = '''def expected_cost_exact(eps: float, horizon: int) -> float:
'''
_BOUND_HEAD = '''def union_bound(eps: float, horizon: int) -> float:
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
    # ---- union_bound -----------------------------------------------------------------------
    Mutant("union_bound", "eps T^2", _BOUND_HEAD + "    return eps * horizon**2\n"),
    Mutant("union_bound", "eps T (T-1) / 2", _BOUND_HEAD + "    return eps * horizon * (horizon - 1) / 2\n"),
    Mutant("union_bound", "eps T (one step's bound only)", _BOUND_HEAD + "    return eps * horizon\n"),
    Mutant("union_bound", "floor division by 2", _BOUND_HEAD + "    return eps * horizon * (horizon + 1) // 2\n"),
    Mutant("union_bound", "alternative: the sum of eps*t written out",
           _BOUND_HEAD + "    return float(sum(eps * t for t in range(1, horizon + 1)))\n", should_pass=True),
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
    # ---- concept questions -----------------------------------------------------------------
    Mutant("answer_more_data", "A", 'answer_more_data = "A"\n'),
    Mutant("answer_more_data", "B", 'answer_more_data = "B"\n'),
    Mutant("answer_more_data", "C", 'answer_more_data = "C"\n'),
    Mutant("answer_more_data", "lower case d", 'answer_more_data = "d"\n', should_pass=True),
    Mutant("answer_own_states", "B", 'answer_own_states = "B"\n'),
    Mutant("answer_own_states", "C", 'answer_own_states = "C"\n'),
    Mutant("answer_own_states", "D", 'answer_own_states = "D"\n'),
    Mutant("answer_own_states", "lower case a", 'answer_own_states = "a"\n', should_pass=True),
    Mutant("answer_own_states", "A with spaces", 'answer_own_states = " A "\n', should_pass=True),
    Mutant("answer_saturation", "A", 'answer_saturation = "A"\n'),
    Mutant("answer_saturation", "B", 'answer_saturation = "B"\n'),
    Mutant("answer_saturation", "D", 'answer_saturation = "D"\n'),
    Mutant("answer_saturation", "lower case c", 'answer_saturation = "c"\n', should_pass=True),
]
