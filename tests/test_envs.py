"""The worlds: gymnasium API, vector == N singles, seeding, autoreset, experts, bad actions."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import check_env
from gymnasium.vector import AutoresetMode

import ilcourse
from ilcourse.envs import WORLDS, hashrng
from ilcourse.compounding import expected_cost
from ilcourse.rollout import evaluate, expert_act_fn

IDS = list(WORLDS)
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
# Short horizons keep the long worlds quick in tests.
SMALL = {"ilcourse/Tracking-v0": {"horizon": 30}, "ilcourse/Tightrope-v0": {"horizon": 30, "eps": 0.05}}


def expert_with_noise(world, gen):
    """Expert plus noise: visits more states than the expert alone (and some failures)."""
    act = world.expert_action()
    return act + 0.3 * torch.randn(act.shape, generator=gen).to(act.device)


@pytest.mark.parametrize("env_id", IDS)
def test_check_env_passes_and_renders(env_id):
    env = gym.make(env_id, render_mode="rgb_array", **SMALL.get(env_id, {}))
    check_env(env.unwrapped, skip_render_check=False)
    env.reset(seed=3)
    frame = env.render()
    assert frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3


@pytest.mark.parametrize("env_id", IDS)
@pytest.mark.parametrize("device", DEVICES)
def test_make_vec_shapes_dtypes_devices(env_id, device):
    n = 5
    env = gym.make_vec(env_id, num_envs=n, device=device, **SMALL.get(env_id, {}))
    world = env.unwrapped
    assert env.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP
    obs_dim = world.single_observation_space.shape[0]
    act_dim = world.single_action_space.shape[0]
    obs, info = env.reset(seed=0)
    assert obs.shape == (n, obs_dim) and obs.dtype == torch.float32 and obs.device.type == device
    assert env.observation_space.shape == (n, obs_dim) and env.action_space.shape == (n, act_dim)
    act = world.expert_action()
    assert act.shape == (n, act_dim) and act.dtype == torch.float32 and act.device.type == device
    obs, rew, term, trunc, info = env.step(act)
    assert obs.shape == (n, obs_dim) and obs.dtype == torch.float32 and obs.device.type == device
    for x, dtype in [(rew, torch.float32), (term, torch.bool), (trunc, torch.bool)]:
        assert x.shape == (n,) and x.dtype == dtype and x.device.type == device
    assert info["final_obs"].shape == (n, obs_dim) and info["_final_obs"].dtype == torch.bool
    assert info["success"].dtype == torch.bool and info["cost"].shape == (n,)
    assert world.single_observation_space.contains(obs[0].cpu().numpy())


@pytest.mark.parametrize("env_id", IDS)
def test_vector_env_equals_independent_single_envs(env_id):
    """Env i of a vector env reset with seed s replays a single env reset with seed s + i,
    across autoresets (the single env is reset by hand after each episode)."""
    n, steps, seed = 4, 70, 123
    kwargs = SMALL.get(env_id, {})
    vec = gym.make_vec(env_id, num_envs=n, **kwargs)
    singles = [gym.make(env_id, **kwargs) for _ in range(n)]
    vobs, _ = vec.reset(seed=seed)
    sobs = [s.reset(seed=seed + i)[0] for i, s in enumerate(singles)]
    gen = torch.Generator().manual_seed(0)
    for _ in range(steps):
        for i in range(n):
            np.testing.assert_array_equal(vobs[i].numpy(), sobs[i])
        act = expert_with_noise(vec.unwrapped, gen)
        vobs, vrew, vterm, vtrunc, vinfo = vec.step(act)
        for i, s in enumerate(singles):
            obs, rew, term, trunc, info = s.step(act[i].numpy())
            assert (rew, term, trunc) == (float(vrew[i]), bool(vterm[i]), bool(vtrunc[i]))
            if term or trunc:
                np.testing.assert_array_equal(vinfo["final_obs"][i].numpy(), obs)
                assert info["success"] == bool(vinfo["success"][i])
                obs, _ = s.reset()
            sobs[i] = obs


@pytest.mark.parametrize("env_id", IDS)
def test_same_seed_same_trajectory_different_seed_differs(env_id):
    def run(seed):
        env = gym.make_vec(env_id, num_envs=16, **SMALL.get(env_id, {}))
        obs, _ = env.reset(seed=seed)
        gen = torch.Generator().manual_seed(1)
        traj = [obs]
        for _ in range(40):
            obs, *_ = env.step(expert_with_noise(env.unwrapped, gen))
            traj.append(obs)
        return torch.stack(traj)

    assert torch.equal(run(7), run(7))
    assert not torch.equal(run(7), run(8))


@pytest.mark.parametrize("env_id", IDS)
def test_autoreset_same_step(env_id):
    """A finished env returns its new episode's first obs; the old last obs is in final_obs."""
    env = gym.make_vec(env_id, num_envs=8, **SMALL.get(env_id, {}))
    world = env.unwrapped
    env.reset(seed=5)
    for _ in range(world.max_episode_steps + 1):
        before = world.episodes.clone()
        obs, rew, term, trunc, info = env.step(world.expert_action())
        done = term | trunc
        assert torch.equal(info["_final_obs"], done)
        assert torch.equal(world.episodes, before + done.long())
        if done.any():
            start = world.initial_state(world.seeds, world.episodes)
            assert torch.equal(obs[done], world.observe(start)[done])
            for name, value in world.state.items():  # the whole state restarted
                assert torch.equal(value[done], start[name][done]), name
            assert not torch.equal(info["final_obs"][done], obs[done])
            return
    pytest.fail("no episode ended within max_episode_steps")


@pytest.mark.parametrize("env_id", ["ilcourse/Fork-v0", "ilcourse/Highway-v0", "ilcourse/Tracking-v0"])
def test_experts_succeed(env_id):
    env = gym.make_vec(env_id, num_envs=2000)
    result = evaluate(env, expert_act_fn(env), seed=11)
    assert result.success_rate >= 0.99
    assert result.mean_cost == 0.0


@pytest.mark.parametrize("env_id", ["ilcourse/Fork-v0", "ilcourse/Highway-v0"])
@pytest.mark.parametrize("p_left", [0.5, 0.7, 1.0])
def test_multimodal_expert_mode_frequencies(env_id, p_left):
    n = 4000
    env = gym.make_vec(env_id, num_envs=n, p_left=p_left)
    env.reset(seed=21)
    act = env.unwrapped.expert_action()
    left = (act[:, 0] > 0).float().mean().item()
    sigma = math.sqrt(p_left * (1 - p_left) / n)
    assert abs(left - p_left) <= 4 * sigma + 1e-9
    # bimodal at the fork: every first action is a full swerve one way or the other
    assert torch.all(act[:, 0].abs() > 0.99)


def test_fork_unimodal_after_commit():
    env = gym.make_vec("ilcourse/Fork-v0", num_envs=500)
    world = env.unwrapped
    env.reset(seed=2)
    env.step(world.expert_action())
    obs, *_ = env.step(world.expert_action())
    act = world.expert_action()[:, 0]
    # once committed, the action's sign is a function of the observation (the side of the road)
    assert torch.equal(act > 0, obs[:, 1] > 0)


def test_tightrope_monte_carlo_matches_exact_cost():
    for horizon, reference in [(50, 10.9), (200, 114.3)]:
        assert abs(expected_cost(0.01, horizon) - reference) < 0.05
        env = gym.make_vec("ilcourse/Tightrope-v0", num_envs=60000, eps=0.01, horizon=horizon)
        mc = evaluate(env, expert_act_fn(env), seed=3).mean_cost
        assert abs(mc - reference) / reference < 0.02


def test_tightrope_recovery_makes_cost_linear():
    env = gym.make_vec("ilcourse/Tightrope-v0", num_envs=4000, eps=0.01, horizon=400, absorbing=False)
    cost = evaluate(env, expert_act_fn(env), seed=3).mean_cost
    assert cost == pytest.approx(0.01 * 400, rel=0.1)  # one step off the rope per slip


def test_tracking_instability_parameter():
    """Open loop (a = feed-forward only), a small error grows when unstable and dies when stable."""
    def final_error(instability):
        env = gym.make_vec("ilcourse/Tracking-v0", num_envs=64, instability=instability, horizon=50)
        world = env.unwrapped
        obs, _ = env.reset(seed=0)
        p = world.params
        for _ in range(49):
            zero_gain = obs.clone()
            zero_gain[:, 0] = 0.0  # expert's feed-forward without feedback on e
            obs, *_ = env.step(ilcourse.envs.tracking.expert(zero_gain, p))
        return obs[:, 0].abs().mean().item()

    assert final_error(-1.0) < 0.02
    assert final_error(1.0) > 0.1


@pytest.mark.parametrize("env_id", IDS)
def test_bad_actions_raise_value_error_naming_the_shape(env_id):
    env = gym.make_vec(env_id, num_envs=3, **SMALL.get(env_id, {}))
    env.reset(seed=0)
    act_dim = env.unwrapped.single_action_space.shape[0]
    good = torch.zeros(3, act_dim)
    for bad in [torch.zeros(3), torch.zeros(2, act_dim), torch.zeros(3, act_dim + 1)]:
        with pytest.raises(ValueError, match=rf"\(3, {act_dim}\)"):
            env.step(bad)
    with pytest.raises(ValueError, match="floating"):
        env.step(good.long())
    nan = good.clone()
    nan[1, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        env.step(nan)
    single = gym.make(env_id, **SMALL.get(env_id, {}))
    single.reset(seed=0)
    with pytest.raises(ValueError, match=rf"\({act_dim},\)"):
        single.unwrapped.step(np.zeros(act_dim + 1, dtype=np.float32))


def test_out_of_bounds_actions_are_clipped():
    env = gym.make_vec("ilcourse/Fork-v0", num_envs=2)
    env.reset(seed=0)
    y0 = env.unwrapped.state["y"].clone()
    env.step(torch.tensor([[5.0], [-5.0]]))
    dy = env.unwrapped.state["y"] - y0
    assert torch.allclose(dy, torch.tensor([0.5, -0.5]))


def test_hash_rng_uniform_and_independent_of_batch():
    u = hashrng.uniform(torch.arange(200_000), 9)
    assert abs(u.mean().item() - 0.5) < 0.005 and 0.0 <= u.min() and u.max() < 1.0
    z = hashrng.normal(torch.arange(200_000), 4)
    assert abs(z.mean().item()) < 0.01 and abs(z.std().item() - 1.0) < 0.01
    # the number for key 17 does not depend on which batch it is computed in
    assert hashrng.uniform(torch.arange(100), 9)[17] == hashrng.uniform(torch.tensor([17]), 9)[0]


def test_hash_rng_uniforms_match_one_stream_at_a_time():
    key = hashrng.episode_key(hashrng.seed_hash(torch.arange(300)), torch.arange(300) % 7)
    step = torch.arange(300) % 11
    for t in (0, 5, step):
        rows = hashrng.uniforms(key, (1, 2, 6), t)
        assert rows.shape == (3, 300)
        for row, stream in zip(rows, (1, 2, 6)):
            assert torch.equal(row, hashrng.uniform(key, stream, t))


def test_hash_rng_key_uniforms_are_uniform_and_independent_halves():
    key = hashrng.episode_key(hashrng.seed_hash(torch.arange(100_000)), torch.arange(100_000) % 5)
    high, low = hashrng.key_uniforms(key)
    for u in (high, low):
        assert u.dtype == torch.float32 and 0.0 <= u.min() and u.max() < 1.0
        counts = torch.histc(u, bins=16, min=0.0, max=1.0)
        assert ((counts - 100_000 / 16).abs() < 5 * (100_000 / 16) ** 0.5).all()  # 5 sigma per bin
    assert abs(torch.corrcoef(torch.stack([high, low]))[0, 1].item()) < 0.015  # ~5 sigma
    # consecutive episodes of one seed are not correlated either
    one_seed = hashrng.episode_key(hashrng.seed_hash(torch.zeros(100_000, dtype=torch.int64)), torch.arange(100_000))
    u = hashrng.key_uniforms(one_seed)[0]
    assert abs(torch.corrcoef(torch.stack([u[:-1], u[1:]]))[0, 1].item()) < 0.015


@pytest.mark.parametrize("env_id", ["ilcourse/Fork-v0", "ilcourse/Highway-v0"])
def test_parameters_as_tensors_give_the_same_bits(env_id):
    """The worlds read their parameters as 0-dim tensors (``scalar_tensors``) for speed; the
    numbers must be those that the plain float parameters give."""
    module = {"ilcourse/Fork-v0": ilcourse.envs.fork, "ilcourse/Highway-v0": ilcourse.envs.highway}[env_id]
    world = gym.make_vec(env_id, num_envs=4096, p_left=0.3).unwrapped
    seeds, episodes = hashrng.seed_hash(torch.arange(4096)), torch.arange(4096) % 3
    start_floats = module.initial_state(seeds, episodes, world.params)
    start_tensors = module.initial_state(seeds, episodes, world.constants)
    for name in start_floats:
        assert torch.equal(start_floats[name], start_tensors[name]), name
    act = torch.rand(world.action_space.shape, generator=torch.Generator().manual_seed(0)) * 2.4 - 1.2
    act = world.check_action(act)
    for state in (start_floats, module.transition(start_floats, act, world.params)[0]):
        (s1, out1), (s2, out2) = module.transition(state, act, world.params), module.transition(state, act, world.constants)
        for name in s1:
            assert torch.equal(s1[name], s2[name]), name
        for field in ("reward", "terminated", "truncated", "success", "cost"):
            assert torch.equal(getattr(out1, field), getattr(out2, field)), field
    obs = module.observe(start_floats)
    side = start_floats["side"]
    assert torch.equal(module.expert(obs, side, world.params), module.expert(obs, side, world.constants))


def test_restart_rows_selects_exactly():
    from ilcourse.envs.base import restart_rows

    gen = torch.Generator().manual_seed(0)
    old = {"x": torch.randn(1000, generator=gen) * 1e6, "t": torch.arange(1000)}
    fresh = {"x": torch.randn(1000, generator=gen) * 1e-6, "t": torch.zeros(1000, dtype=torch.int64)}
    done = torch.rand(1000, generator=gen) < 0.5
    new = restart_rows(done, fresh, old)
    for name in old:
        assert new[name].dtype == old[name].dtype
        assert torch.equal(new[name], torch.where(done, fresh[name], old[name])), name


@pytest.mark.parametrize("env_id", IDS)
def test_states_stay_finite_and_in_the_observation_space(env_id):
    """Long runs with extreme actions (and an unstable track with no nearby ditch): every
    observation is finite and inside the space, and restarted rows start exactly afresh
    (``restart_rows`` needs finite states)."""
    params = {"ilcourse/Tracking-v0": dict(instability=5.0, horizon=400), "ilcourse/Tightrope-v0": dict(horizon=50)}
    env = gym.make_vec(env_id, num_envs=64, **params.get(env_id, {}))
    world = env.unwrapped
    low, high = (torch.as_tensor(b) for b in (world.single_observation_space.low, world.single_observation_space.high))
    obs, _ = env.reset(seed=1)
    gen = torch.Generator().manual_seed(2)
    restarted, largest = 0, 0.0
    for _ in range(450):
        act = torch.sign(torch.rand(env.action_space.shape, generator=gen) - 0.5)  # full swerves
        obs, _, term, trunc, info = env.step(act)
        for o in (obs, info["final_obs"]):
            assert torch.isfinite(o).all() and (o >= low).all() and (o <= high).all()
        largest = max(largest, info["final_obs"].abs().max().item())
        done = term | trunc
        if done.any():
            start = world.initial_state(world.seeds, world.episodes)
            for name, value in world.state.items():
                assert torch.equal(value[done], start[name][done]), name
            restarted += int(done.sum())
    assert restarted > 0
    if env_id == "ilcourse/Tracking-v0":  # 1.5x per step for 400 steps would overflow float32
        assert largest == world.params.max_error


@pytest.mark.parametrize("env_id", IDS)
def test_step_returns_ordinary_tensors_a_model_can_train_on(env_id):
    """The step runs in inference mode; what it returns must not be inference tensors."""
    env = gym.make_vec(env_id, num_envs=8, **SMALL.get(env_id, {}))
    env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step(env.unwrapped.expert_action())
    for x in (obs, reward, terminated, truncated, *info.values()):
        assert not x.is_inference()
    net = torch.nn.Linear(obs.shape[1], 1)
    (net(obs).squeeze(1) - reward).pow(2).mean().backward()  # saves obs for backward
    obs += 1.0  # in-place on what we were given


def test_no_code_path_assumes_cuda():
    """No `.cuda()` calls and no "cuda" string literal outside ``default_device`` (docstrings aside)."""
    import io
    import pathlib
    import tokenize

    root = pathlib.Path(ilcourse.__file__).parent
    for path in root.rglob("*.py"):
        tokens = list(tokenize.generate_tokens(io.StringIO(path.read_text()).readline))
        for prev, tok, nxt in zip(tokens, tokens[1:], tokens[2:]):
            calls_cuda = prev.string == "." and tok.string == "cuda" and nxt.string == "("
            assert not calls_cuda, f"{path}:{tok.start[0]} calls .cuda()"
            if tok.type == tokenize.STRING and tok.string.strip("'\"") == "cuda":
                assert path.name == "__init__.py" and path.parent == root, f"{path}:{tok.start[0]} hard-codes 'cuda'"
