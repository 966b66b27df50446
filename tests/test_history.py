"""ilcourse.history: frame stacking offline and online, the history policy, lamp dropout, the shuffle diagnostic."""

from __future__ import annotations

import gymnasium as gym
import torch

import ilcourse
from ilcourse.data import Demonstrations
from ilcourse.history import (HistoryActor, HistoryPolicy, dagger_history, history_demonstrations, lamp_dropout, pack,
                              push_frame, record_history_rollout, shuffle_sensitivity, stack_frames, trace)
from ilcourse.rollout import collect_demonstrations, evaluate
from ilcourse.train import fit


def _naive(obs, episode, h):
    m, d = obs.shape
    frames, mask = torch.zeros(m, h, d, dtype=obs.dtype), torch.zeros(m, h, dtype=torch.bool)
    for i in range(m):
        for back in range(h):
            j = i - back
            if j >= 0 and episode[j] == episode[i]:
                frames[i, h - 1 - back], mask[i, h - 1 - back] = obs[j], True
    return frames, mask


def test_stack_frames_matches_a_loop_with_unsorted_ids():
    g = torch.Generator().manual_seed(0)
    lengths, ids = [3, 1, 6, 2, 5], [9, 2, 0, 14, 3]
    episode = torch.cat([torch.full((n,), i) for n, i in zip(lengths, ids)])
    obs = torch.randn(len(episode), 3, generator=g, dtype=torch.float64) + 1.0
    for h in (1, 2, 4, 8):
        frames, mask = stack_frames(obs, episode, h)
        ef, em = _naive(obs, episode, h)
        assert frames.dtype == torch.float64 and torch.equal(mask, em) and torch.equal(frames, ef)


def test_push_frame_replays_stack_frames_across_autoresets():
    g = torch.Generator().manual_seed(1)
    h, d = 4, 2
    stream = torch.randn(15, d, generator=g)
    starts = torch.zeros(15, dtype=torch.bool)
    starts[[0, 3, 4, 9]] = True
    frames, mask = torch.zeros(1, h, d), torch.zeros(1, h, dtype=torch.bool)
    ef, em = stack_frames(stream, torch.cumsum(starts.long(), 0), h)
    for t in range(15):
        before = frames.clone()
        new_frames, new_mask = push_frame(frames, mask, stream[t : t + 1], starts[t : t + 1])
        assert torch.equal(frames, before)  # not in place
        frames, mask = new_frames, new_mask
        assert torch.equal(mask[0], em[t]) and torch.equal(frames[0], ef[t])


def test_history_policy_ignores_padding_and_fits():
    torch.manual_seed(0)
    policy = HistoryPolicy(obs_dim=2, act_dim=1, history=3, hidden=16, embed=4)
    g = torch.Generator().manual_seed(0)
    frames = torch.randn(5, 3, 2, generator=g)
    mask = torch.tensor([[False, False, True]] * 5)
    obs = pack(frames, mask)
    junk = obs.clone()
    junk[:, :2, :2] = 7.0  # values on padded frames
    assert torch.allclose(policy(obs), policy(junk))
    assert policy.sample(obs).shape == (5, 1, 1)
    assert policy.loss(obs, torch.zeros(5, 1, 1)).shape == ()


def test_history_beats_one_frame_on_the_stoplight_and_actor_matches_offline_windows():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny networks: more threads only wait for each other
    try:
        env = gym.make_vec("ilcourse/Stoplight-v0", num_envs=60)
        demos = collect_demonstrations(env, 60, seed=0)
        wrong = {}
        for h in (1, 4):
            torch.manual_seed(0)
            policy = HistoryPolicy(obs_dim=1, act_dim=1, history=h, hidden=16, embed=4)
            fit(policy, history_demonstrations(demos, h), steps=150, batch_size=128, lr=1e-2,
                generator=ilcourse.make_generator(0), progress=False)
            world = gym.make_vec("ilcourse/Stoplight-v0", num_envs=100)
            wrong[h] = evaluate(world, HistoryActor(policy, h, 100, 1), num_episodes=100, seed=9).mean_cost
    finally:
        torch.set_num_threads(threads)
    assert wrong[4] < 0.6 * wrong[1], wrong
    # the closed-loop windows (two episodes per environment, an autoreset between) equal the offline ones
    world = gym.make_vec("ilcourse/Stoplight-v0", num_envs=5)
    seen = []

    class Recorder(HistoryActor):
        def __call__(self, obs):
            act = super().__call__(obs)
            seen.append(pack(self.frames, self.mask))
            return act

    result = evaluate(world, Recorder(policy, 4, 5, 1), num_episodes=10, seed=3, record=True)
    windows = torch.stack(seen[: 2 * 48], dim=1)  # (N, 2T, H, D+1): both episodes of each environment
    offline = history_demonstrations(result.demonstrations(), 4).obs  # episodes slot-major: env n's k-th is n + 5k
    for n in range(5):
        for k in range(2):
            assert torch.equal(windows[n, 48 * k : 48 * (k + 1)], offline[(n + 5 * k) * 48 : (n + 5 * k + 1) * 48])


def test_lamp_dropout_hides_the_channel_in_about_rate_of_rows():
    seen = {}

    class Spy(HistoryPolicy):
        def loss(self, obs, act, mask=None, generator=None):
            seen["obs"] = obs
            return super().loss(obs, act, mask, generator)

    policy = lamp_dropout(Spy, channel=1, rate=0.3)(obs_dim=2, act_dim=1, history=2)
    obs = pack(torch.ones(4000, 2, 2), torch.ones(4000, 2, dtype=torch.bool))
    policy.loss(obs, torch.zeros(4000, 1, 1), generator=torch.Generator().manual_seed(0))
    hidden = seen["obs"][:, :, 1] == 0
    assert torch.equal(hidden[:, 0], hidden[:, 1])  # the whole history of a row
    assert abs(hidden[:, 0].float().mean().item() - 0.3) < 0.03
    assert bool((seen["obs"][:, :, 0] == 1).all()) and bool((obs[:, :, 1] == 1).all())  # other channel and input untouched


def test_shuffle_sensitivity_measures_use_of_a_feature():
    class Reads:
        def sample(self, obs, generator=None):
            return obs[:, -1:, 1:2]

    obs = pack(torch.randn(3000, 2, 2, generator=torch.Generator().manual_seed(0)), torch.ones(3000, 2, dtype=torch.bool))
    used = shuffle_sensitivity(Reads(), obs, 1, torch.Generator().manual_seed(1))
    assert abs(used.item() - 2 / torch.pi**0.5) < 0.08
    assert shuffle_sensitivity(Reads(), obs, 0, torch.Generator().manual_seed(1)).item() == 0.0


def test_dagger_history_and_trace_run():
    env = gym.make_vec("ilcourse/Stoplight-v0", num_envs=8, brake_lamp=True)
    demos = collect_demonstrations(env, 8, seed=0)
    rows = history_demonstrations(demos, 3)
    torch.manual_seed(0)
    policy = HistoryPolicy(obs_dim=2, act_dim=1, history=3, hidden=8, embed=4)
    data, costs = dagger_history(policy, rows, env, 3, rounds=1, seed=1, generator=ilcourse.make_generator(0), steps=5)
    assert len(costs) == 1 and len(data) == len(rows) + 8 * 48 and isinstance(data, Demonstrations)
    hist, labels, cost = record_history_rollout(env, HistoryActor(policy, 3, 8, 2), seed=2)
    assert hist.shape == (8 * 48, 3, 3) and labels.shape == (8 * 48, 1) and cost.shape == (8,)
    tr = trace(env, HistoryActor(policy, 3, 8, 2), seed=2)
    assert tr["phase"].shape == (8, 48) and tr["wrong"].dtype == torch.bool
    assert torch.equal(tr["wrong"].sum(dim=1).float(), cost)  # same seed, same policy, same episodes
