"""ilcourse/Stoplight-v0: the light's cycle, the flickering camera, the brake lamp, wrong steps, the expert.

(The checks every world shares, vector == singles, seeding, autoreset and bad actions, run on it
in tests/test_envs.py, which parametrizes over ``ilcourse.envs.WORLDS``.)
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import check_env

import ilcourse  # noqa: F401 (registers the worlds)
from ilcourse.envs.stoplight import AMBER, GREEN, RED, StoplightParams, wrong_step
from ilcourse.rollout import evaluate, expert_act_fn


@pytest.mark.parametrize("lamp", [False, True])
def test_check_env_and_spaces(lamp):
    env = gym.make("ilcourse/Stoplight-v0", render_mode="rgb_array", brake_lamp=lamp)
    check_env(env.unwrapped, skip_render_check=False)
    assert env.observation_space.shape == ((2,) if lamp else (1,))
    env.reset(seed=0)
    frame = env.render()
    assert frame.dtype == np.uint8 and frame.shape[2] == 3


def test_vector_with_lamp_equals_single_envs():
    n, seed = 3, 40
    vec = gym.make_vec("ilcourse/Stoplight-v0", num_envs=n, brake_lamp=True)
    singles = [gym.make("ilcourse/Stoplight-v0", brake_lamp=True) for _ in range(n)]
    vobs, _ = vec.reset(seed=seed)
    sobs = [s.reset(seed=seed + i)[0] for i, s in enumerate(singles)]
    gen = torch.Generator().manual_seed(0)
    for _ in range(110):  # more than two episodes
        for i in range(n):
            np.testing.assert_array_equal(vobs[i].numpy(), sobs[i])
        act = torch.rand(n, 1, generator=gen) * 2 - 1
        vobs, vrew, vterm, vtrunc, _ = vec.step(act)
        for i, s in enumerate(singles):
            obs, rew, term, trunc, _ = s.step(act[i].numpy())
            assert (rew, trunc) == (float(vrew[i]), bool(vtrunc[i]))
            sobs[i] = s.reset()[0] if trunc else obs


def test_expert_is_never_wrong_and_light_cycles_within_bounds():
    env = gym.make_vec("ilcourse/Stoplight-v0", num_envs=500)
    result = evaluate(env, expert_act_fn(env), seed=2)
    assert result.success_rate == 1.0 and result.mean_cost == 0.0
    p, world = StoplightParams(), env.unwrapped
    env.reset(seed=3)
    phases = []
    for _ in range(p.horizon - 1):
        phases.append(world.state["phase"].clone())
        env.step(world.expert_action())
    phases = torch.stack(phases, dim=1)  # (N, T)
    starts = phases[:, 0]
    assert set(starts.unique().tolist()) == {GREEN, AMBER}
    # the length of every complete phase (not the first or the last of an episode) is within its bounds
    bounds = {GREEN: (p.green_min, p.green_max), AMBER: (p.amber, p.amber), RED: (p.red_min, p.red_max)}
    for row in phases[:100].tolist():
        runs, count = [], 1
        for a, b in zip(row, row[1:]):
            if a == b:
                count += 1
            else:
                runs.append((a, count))
                count = 1
                assert b == (a + 1) % 3, "the light must cycle green -> amber -> red -> green"
        for phase, length in runs[1:]:
            assert bounds[phase][0] <= length <= bounds[phase][1], (phase, length)


def test_camera_flickers_at_its_rate_independently():
    env = gym.make_vec("ilcourse/Stoplight-v0", num_envs=4000, flicker=0.2)
    world = env.unwrapped
    obs, _ = env.reset(seed=5)
    wrong = []
    for _ in range(10):
        truth = torch.where(world.state["phase"] == GREEN, 1.0, -1.0)
        flipped = obs[:, 0] != truth
        wrong.append(flipped)
        obs, *_ = env.step(world.expert_action())
    wrong = torch.stack(wrong).float()
    assert abs(wrong.mean().item() - 0.2) < 0.01
    lag = torch.corrcoef(torch.stack([wrong[:-1].flatten(), wrong[1:].flatten()]))[0, 1]
    assert abs(lag.item()) < 0.03  # flickers at consecutive steps are independent


def test_brake_lamp_is_the_previous_action_and_starts_at_zero():
    env = gym.make_vec("ilcourse/Stoplight-v0", num_envs=64, brake_lamp=True, horizon=10)
    obs, _ = env.reset(seed=0)
    assert torch.equal(obs[:, 1], torch.zeros(64))
    gen = torch.Generator().manual_seed(1)
    for t in range(25):
        act = torch.rand(64, 1, generator=gen) * 2 - 1
        obs, _, _, trunc, _ = env.step(act)
        expected = torch.where(act[:, 0] > 0, 1.0, -1.0)
        expected = torch.where(trunc, 0.0, expected)  # a new episode starts with the lamp at 0
        assert torch.equal(obs[:, 1], expected), t


def test_wrong_steps():
    p = StoplightParams(grace=4)
    phase = torch.tensor([RED, RED, AMBER, AMBER, GREEN, GREEN, GREEN, GREEN])
    age = torch.tensor([0, 5, 0, 3, 3, 4, 4, 10])
    moving = torch.tensor([True, False, True, False, False, False, True, False])
    expected = torch.tensor([True, False, False, False, False, True, False, True])
    assert torch.equal(wrong_step(phase, age, moving, p), expected)


def test_following_the_camera_is_wrong_about_as_often_as_it_flickers():
    env = gym.make_vec("ilcourse/Stoplight-v0", num_envs=2000)
    result = evaluate(env, lambda obs: obs[:, :1], seed=4)
    # wrong only on flickers outside the free steps: fewer than 0.1 * 48 = 4.8 per episode, more than half of it
    assert 2.4 < result.mean_cost < 4.8
    assert result.success_rate < 0.1


def test_bad_parameters_raise():
    with pytest.raises(ValueError):
        gym.make_vec("ilcourse/Stoplight-v0", num_envs=2, flicker=0.6)
    with pytest.raises(ValueError):
        gym.make_vec("ilcourse/Stoplight-v0", num_envs=2, red_min=5, red_max=3)
