"""ilcourse.goals: relabeling (episode boundaries, unsorted ids, the future index), GCSL's
round, held-out evaluation."""

from __future__ import annotations

import copy

import gymnasium as gym
import torch

import ilcourse
from ilcourse import goals as G
from ilcourse.data import Demonstrations
from ilcourse.envs.tworooms import TwoRoomsParams, expert
from ilcourse.policies import MSEPolicy

P = TwoRoomsParams()


def _loop_last(episode):
    out, last = torch.empty_like(episode), None
    for i in range(len(episode) - 1, -1, -1):
        if i == len(episode) - 1 or episode[i] != episode[i + 1]:
            last = i
        out[i] = last
    return out


def test_episode_last_index_and_final_goals_with_unsorted_ids():
    episode = torch.tensor([9, 9, 4, 4, 4, 3, 0, 0, 4, 4])  # id 4 twice: blocks, not ids, are episodes
    assert torch.equal(G.episode_last_index(episode), _loop_last(episode))
    achieved = torch.randn(10, 3, dtype=torch.float64)
    out = G.final_goals(achieved, episode)
    assert out.dtype == torch.float64 and torch.equal(out, achieved[_loop_last(episode)])


def test_future_goals_stay_in_their_episode_uniformly_and_follow_the_generator():
    n, length = 3000, 4
    episode = torch.repeat_interleave(torch.randperm(n) * 7, length)
    rows = torch.arange(n * length)
    achieved = torch.stack([rows.float(), -rows.float()], dim=1)
    j = G.future_goals(achieved, episode, ilcourse.make_generator(0))[:, 0].long()
    assert bool((j >= rows).all()) and bool((j <= _loop_last(episode)).all())
    freq = torch.bincount((j - rows).view(n, length)[:, 0], minlength=length).float() / n
    assert bool(((freq - 0.25).abs() < 0.03).all())
    torch.manual_seed(1)
    a = G.future_goals(achieved, episode, ilcourse.make_generator(5))
    torch.manual_seed(2)
    assert torch.equal(a, G.future_goals(achieved, episode, ilcourse.make_generator(5)))


def test_with_goals_copies():
    obs = torch.zeros(3, 4)
    out = G.with_goals(obs, torch.ones(3, 2))
    assert torch.equal(obs, torch.zeros(3, 4)) and torch.equal(out[:, 2:], torch.ones(3, 2))


def test_success_on_goals_counts_first_episodes_only():
    goals = torch.tensor([[0.5, -0.6], [-0.4, -0.4], [0.7, 0.7]])
    assert G.success_on_goals(lambda obs: expert(obs, P), goals).all()
    calls = [0]

    def late(obs):  # still for one episode, then the expert
        calls[0] += 1
        return torch.zeros(len(obs), 2) if calls[0] <= P.horizon else expert(obs, P)

    assert not G.success_on_goals(late, goals).any()
    _, lengths, reached = G.goal_episodes(lambda obs: expert(obs, P), goals)
    assert reached.all() and int(lengths.max()) < P.horizon


def test_gcsl_iteration_grows_the_buffer_relabels_and_is_repeatable():
    env = gym.make_vec(G.WORLD, num_envs=8)

    def one_round(buffer):
        torch.manual_seed(0)
        policy = MSEPolicy(4, 2, hidden=16)
        before = copy.deepcopy(policy)
        new, rate = G.gcsl_iteration(policy, buffer, env, G.final_goals, ilcourse.make_generator(0), steps=3,
                                     noise_std=0.0, seed=2)
        return before, policy, new, rate

    old = Demonstrations(torch.zeros(5, 4), torch.zeros(5, 2), torch.zeros(5, dtype=torch.int64))
    before, policy, new, rate = one_round(old)
    ref = G.collect(env, G.policy_act_fn(before), seed=2)
    assert len(new) == 5 + len(ref.obs) and new.num_episodes == 1 + 8
    assert torch.equal(new.obs[5:, 2:], G.final_goals(ref.achieved, ref.episode))
    assert torch.equal(new.act[5:], ref.act) and rate == ref.success_rate
    assert torch.equal(old.obs, torch.zeros(5, 4))
    _, policy2, new2, _ = one_round(old)
    assert torch.equal(new.obs, new2.obs)
    assert all(torch.equal(a, b) for a, b in zip(policy.parameters(), policy2.parameters()))
