"""ilcourse/TwoRooms-v0: the wall, fixed goals, the expert (the generic world tests in
test_envs.py run on it too: gymnasium API, vector == singles, seeding, autoreset, bad actions)."""

from __future__ import annotations

import gymnasium as gym
import pytest
import torch

import ilcourse  # noqa: F401 (registers the worlds)
from ilcourse.envs.tworooms import TwoRoomsParams, expert, in_wall, move, segment_clear
from ilcourse.rollout import evaluate, expert_act_fn

P = TwoRoomsParams()


def straight_line(obs):
    d = obs[:, 2:4] - obs[:, :2]
    return d / d.abs().amax(dim=-1, keepdim=True).clamp_min(P.speed)


def test_expert_reaches_random_goals_from_the_start_square():
    env = gym.make_vec("ilcourse/TwoRooms-v0", num_envs=2000)
    result = evaluate(env, expert_act_fn(env), seed=3)
    assert result.success_rate >= 0.999
    assert int(result.lengths.max()) < P.horizon


def test_fixed_goals_persist_across_autoresets_and_are_checked():
    env = gym.make_vec("ilcourse/TwoRooms-v0", num_envs=3)
    goals = torch.tensor([[0.5, -0.6], [-0.3, 0.3], [0.7, 0.7]])
    obs, _ = env.reset(seed=0, options={"goal": goals})
    assert torch.equal(obs[:, 2:], goals)
    for _ in range(2 * P.horizon):  # two episodes at least
        obs, *_ = env.step(env.unwrapped.expert_action())
        assert torch.equal(obs[:, 2:], goals)
    obs, _ = env.reset(seed=0)  # without options the world draws goals again
    assert not torch.equal(obs[:, 2:], goals)
    with pytest.raises(ValueError, match=r"\(3, 2\)"):
        env.reset(seed=0, options={"goal": torch.zeros(2, 2)})


def test_the_wall_blocks_and_straight_lines_fail_behind_it():
    x, y = torch.tensor([-0.2, -0.2, 0.3]), torch.tensor([-0.5, 0.6, -0.9])
    for _ in range(10):  # push right: blocked below the door, free above it
        x, y = move(x, y, torch.tensor([[1.0, 0.0]] * 3), P)
        assert not bool(in_wall(x, y, P).any())
    assert float(x[0]) < -P.wall_half_width and float(x[1]) > 0.5 and float(x[2]) == pytest.approx(1.0)
    env = gym.make_vec("ilcourse/TwoRooms-v0", num_envs=64)
    behind = torch.tensor([[0.5, -0.6]]).expand(64, 2)
    for act_fn, expected in ((straight_line, 0.0), (lambda obs: expert(obs, P), 1.0)):
        obs, _ = env.reset(seed=1, options={"goal": behind})
        reached = torch.zeros(64, dtype=torch.bool)
        running = torch.ones(64, dtype=torch.bool)
        for _ in range(P.horizon):
            obs, _, term, trunc, info = env.step(act_fn(obs))
            reached |= running & info["success"]
            running &= ~(term | trunc)
        assert reached.float().mean().item() == expected


def test_goals_and_starts_keep_clear_of_the_wall():
    env = gym.make_vec("ilcourse/TwoRooms-v0", num_envs=20000)
    obs, _ = env.reset(seed=0)
    for cols in ((0, 1), (2, 3)):
        x, y = obs[:, cols[0]], obs[:, cols[1]]
        near = (x.abs() < P.wall_half_width + 0.049) & (y < P.door_y + 0.049)
        assert not bool(near.any())
    assert float(obs[:, 2].min()) < -0.95 and float(obs[:, 2].max()) > 0.95  # goals cover both rooms


def test_segment_clear():
    p0 = torch.tensor([[-0.5, -0.5], [-0.5, -0.5], [-0.5, 0.8], [0.3, -0.5]])
    p1 = torch.tensor([[0.5, -0.5], [-0.2, 0.5], [0.5, 0.8], [0.3, 0.9]])
    assert segment_clear(p0, p1, P).tolist() == [False, True, True, True]
