"""ilcourse.dagger: labelled rollouts, aggregation, the loop, HG-DAgger's gated rollouts."""

import torch

import ilcourse
from ilcourse import dagger
from ilcourse.data import Demonstrations
from ilcourse.envs.tracking import TrackingVecEnv, expert as tracking_expert

WORLD = dict(instability=1.0, noise_std=0.02, kick_size=1.0, max_error=4.0, horizon=20)


def _env(n=4, kick_prob=0.1):
    return TrackingVecEnv(num_envs=n, kick_prob=kick_prob, **WORLD)


def test_beta_one_rollout_follows_the_expert_and_labels_every_state():
    env = _env()
    xp = lambda obs: tracking_expert(obs, env.params)
    never = lambda obs: torch.full((obs.shape[0], 1), 0.7)
    data = dagger.rollout_and_label(env, never, xp, beta=1.0, seed=3, generator=ilcourse.make_generator(0))
    assert len(data) == 4 * 20 and data.num_episodes == 4
    assert torch.equal(data.act, xp(data.obs))
    # the same as the expert's own episodes
    env2 = _env()
    obs, _ = env2.reset(seed=3)
    seen = []
    for _ in range(20):
        seen.append(obs)
        obs, *_ = env2.step(xp(obs))
    assert torch.equal(torch.stack(seen, 1).reshape(80, 3), data.obs)


def test_beta_zero_rollout_follows_the_learner_but_labels_with_the_expert():
    env = _env()
    xp = lambda obs: tracking_expert(obs, env.params)
    push = lambda obs: torch.full((obs.shape[0], 1), 1.0)
    data = dagger.rollout_and_label(env, push, xp, beta=0.0, seed=3, generator=ilcourse.make_generator(0))
    assert torch.equal(data.act, xp(data.obs))
    assert data.obs[:, 0].abs().max() > 1.0  # pushed off the track by the learner


def test_dagger_round_aggregates_and_loop_counts_labels():
    env = _env()
    xp = lambda obs: tracking_expert(obs, env.params)
    demos = dagger.rollout_and_label(_env(2, 0.0), xp, xp, 1.0, seed=1, generator=ilcourse.make_generator(0))
    policy = dagger.make_learner(3, 1, seed=0)
    seen = []
    data, labels = dagger.dagger(policy, demos, env, xp, [0.5, 0.0], seed=5, generator=ilcourse.make_generator(1),
                                 fit_steps=20, after_round=lambda i, p, d: seen.append((i, len(d))))
    assert labels == [40, 120, 200] and seen == [(0, 40), (1, 120), (2, 200)]
    assert torch.equal(data.obs[:40], demos.obs) and torch.equal(data.act, xp(data.obs))


def test_gated_rollout_keeps_only_takeover_steps():
    env = _env(kick_prob=0.2)
    xp = lambda obs: tracking_expert(obs, env.params)
    idle = lambda obs: torch.zeros(obs.shape[0], 1)
    unsafe = lambda obs: obs[:, 0].abs() > 0.3
    takeover, cost = dagger.gated_rollout(env, idle, xp, unsafe, seed=2)
    assert cost.shape == (4,)
    assert len(takeover) > 0 and bool(unsafe(takeover.obs).all())
    assert torch.equal(takeover.act, xp(takeover.obs))
    policy = dagger.make_learner(3, 1, seed=0)
    base = Demonstrations(takeover.obs[:1], takeover.act[:1], torch.zeros(1, dtype=torch.int64))
    data, count = dagger.hg_dagger_round(policy, base, env, xp, unsafe, seed=2, generator=ilcourse.make_generator(0), fit_steps=5)
    assert len(data) == 1 + count


def test_takeover_gate_delay_and_hysteresis():
    gate = dagger.TakeoverGate(enter=0.3, leave=0.1, delay=2)
    gate.reset(2)
    errors = [0.0, 0.4, 0.2, 0.2, 0.2, 0.05, 0.2, 0.5]  # env 0; env 1 stays at 0
    got = []
    for e in errors:
        obs = torch.tensor([[e, 0.0, 1.0], [0.0, 0.0, 1.0]])
        got.append(gate(obs).tolist())
    assert [g[1] for g in got] == [False] * len(errors)
    # noticed at step 1, takes over 2 steps later (step 3), hands back when |e| < 0.1 (step 5), notices again at 7
    assert [g[0] for g in got] == [False, False, False, True, True, False, False, False]
    instant = dagger.TakeoverGate(enter=0.3, leave=0.1, delay=0)
    instant.reset(1)
    assert instant(torch.tensor([[0.35, 0.0, 1.0]])).tolist() == [True]
