"""The benchmark's NumPy baselines simulate the same worlds as the torch ones.

The ratios in the README are only fair if both sides do the same work. Random draws differ (the
baselines use ``np_random``), so each baseline is put into the torch world's start state and
both are driven with the same actions through whole episodes. The tightrope draws a slip and a
sway at every step and so cannot be lined up this way; it is left out. Last, a smoke test runs
both benchmark scripts on tiny sizes.
"""

from __future__ import annotations

import pathlib
import sys

import gymnasium as gym
import numpy as np
import pytest

import ilcourse  # noqa: F401  (registers the worlds)

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "bench"))
import numpy_worlds  # noqa: E402


def copy_state(baseline: gym.Env, state: dict) -> None:
    """Put the torch world's state (batch of one) into a baseline env."""
    s = {k: float(v[0]) for k, v in state.items() if v.is_floating_point()}
    match type(baseline).__name__:
        case "UsualFork":
            baseline.state = np.array([s["x"], s["y"], s["side"]])
        case "LeanFork":
            baseline.x, baseline.y, baseline.side = s["x"], s["y"], s["side"]
        case "UsualHighway":
            baseline.state, baseline.side = np.array([s["x"], s["y"], s["v"]]), s["side"]
        case "LeanHighway":
            baseline.x, baseline.y, baseline.v, baseline.side = s["x"], s["y"], s["v"], s["side"]
        case "UsualTracking":
            baseline.state, baseline.t = np.array([s["x"], s["e"]]), int(state["t"][0])
        case "LeanTracking":
            baseline.x, baseline.e, baseline.t = s["x"], s["e"], int(state["t"][0])


@pytest.mark.parametrize("world", ["Fork", "Highway", "Tracking"])
@pytest.mark.parametrize("style", ["Usual", "Lean"])
def test_baseline_follows_the_torch_world(world, style):
    torch_env = gym.make(f"ilcourse/{world}-v0", horizon=40) if world == "Tracking" else gym.make(f"ilcourse/{world}-v0")
    baseline = getattr(numpy_worlds, f"{style}{world}")()
    if world == "Tracking":
        baseline.p = torch_env.unwrapped.world.params  # the same short horizon
    rng = np.random.default_rng(0)
    steps = 0
    for episode in range(20):
        obs, _ = torch_env.reset(seed=episode)
        baseline.reset(seed=episode)
        copy_state(baseline, torch_env.unwrapped.world.state)
        done = False
        while not done:
            act = rng.uniform(-1.2, 1.2, torch_env.action_space.shape).astype(np.float32)
            if world != "Tracking" and rng.uniform() < 0.5:
                act = torch_env.unwrapped.expert_action() + rng.normal(0, 0.2, act.shape).astype(np.float32)
            obs, reward, terminated, truncated, _ = torch_env.step(act)
            b_obs, b_reward, b_terminated, b_truncated, _ = baseline.step(act)
            np.testing.assert_allclose(b_obs, obs, atol=1e-4, err_msg=f"episode {episode}")
            assert (b_reward, b_terminated, b_truncated) == (reward, terminated, truncated), f"episode {episode}"
            done = terminated or truncated
            steps += 1
    assert steps > 60


def test_benchmark_scripts_run_and_print_their_tables():
    """Smoke test: both benchmark scripts run end to end on tiny sizes (the README's tables come from them)."""
    import subprocess

    bench = pathlib.Path(__file__).resolve().parents[1] / "bench"
    envs = subprocess.run([sys.executable, str(bench / "bench_envs.py"), "--num-envs", "2", "--repeats", "1",
                           "--min-seconds", "0.01"], capture_output=True, text=True, timeout=300)
    assert envs.returncode == 0, envs.stderr
    assert envs.stdout.count("x |") == 4 * 2  # four worlds, two ratios each
    evals = subprocess.run([sys.executable, str(bench / "bench_eval.py"), "--episodes", "8", "--horizon", "5",
                            "--device", "cpu"], capture_output=True, text=True, timeout=300)
    assert evals.returncode == 0, evals.stderr
    assert "batched `evaluate`" in evals.stdout
