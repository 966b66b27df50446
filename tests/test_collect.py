"""Collecting demonstrations: noise injection with clean labels, the wandering hand, and the
feedback a single-step learner infers from it (ilcourse.collect)."""

import math

import torch

import ilcourse
from ilcourse import collect
from ilcourse.collect import WanderingDemonstrator
from ilcourse.envs.tracking import TrackingVecEnv, expert
from ilcourse.rollout import collect_demonstrations, evaluate


def test_noisy_expert_and_relabel():
    env = TrackingVecEnv(num_envs=4, horizon=10)
    xp = lambda o: expert(o, env.params)  # noqa: E731
    act_fn = collect.noisy_expert_act_fn(xp, 0.5, ilcourse.make_generator(0))
    r = evaluate(env, act_fn, num_episodes=4, seed=0, record=True)
    demos = r.demonstrations()
    clean = collect.relabel(demos, xp)
    assert not torch.allclose(demos.act, clean.act)
    assert torch.allclose(clean.act, xp(demos.obs))



# -- the wandering demonstrator and the learned feedback it teaches ----------------------------------
def test_wandering_demonstrator_statistics_and_reset():
    n, phi, std = 4000, 0.9, 0.3
    intended = lambda obs: torch.full((obs.shape[0], 1), 0.25)  # noqa: E731
    hand = WanderingDemonstrator(intended, n, 1, phi, std, ilcourse.make_generator(0))
    hand.reset(torch.ones(n, dtype=torch.bool))
    offsets = []
    for _ in range(30):
        before = hand.offset.clone()
        act = hand(torch.zeros(n, 3))
        assert torch.allclose(act, 0.25 + before)  # executes intention + the current offset
        offsets.append(before[:, 0])
    xi = torch.stack(offsets, dim=1)  # (N, T)
    assert abs(xi.std().item() - std) < 0.01  # stationary from the first step
    lag1 = (xi[:, 1:] * xi[:, :-1]).mean() / (xi**2).mean()
    assert abs(lag1.item() - phi) < 0.01
    # reset redraws only the masked environments
    kept = hand.offset.clone()
    mask = torch.zeros(n, dtype=torch.bool)
    mask[:10] = True
    hand.reset(mask)
    assert torch.equal(hand.offset[10:], kept[10:]) and not torch.equal(hand.offset[:10], kept[:10])
    # the same generator seed gives the same wander
    a = WanderingDemonstrator(intended, 3, 1, phi, std, ilcourse.make_generator(7))
    b = WanderingDemonstrator(intended, 3, 1, phi, std, ilcourse.make_generator(7))
    for hand_ in (a, b):
        hand_.reset(torch.ones(3, dtype=torch.bool))
    assert torch.equal(a(torch.zeros(3, 3)), b(torch.zeros(3, 3)))


def test_wandering_demonstrations_record_the_executed_action():
    env = TrackingVecEnv(num_envs=8, horizon=30, instability=-2.0, expert_gain=2.0)
    intended = lambda o: expert(o, env.params)  # noqa: E731
    demos = collect_demonstrations(env, 8, seed=0, act_fn=WanderingDemonstrator(intended, 8, 1, 0.9, 0.2, ilcourse.make_generator(1)))
    wander = demos.act - intended(demos.obs)
    assert wander.abs().mean() > 0.05  # labels carry the wander
    assert torch.allclose(collect.relabel(demos, intended).act, intended(demos.obs))


def test_wander_regression_gain_matches_a_simulated_regression():
    rho, phi, b, n, steps = 0.8, 0.9, 0.3, 20000, 120
    gen = ilcourse.make_generator(0)
    xi = torch.randn(n, generator=gen)
    e = torch.zeros(n)
    for _ in range(steps):  # run long enough to forget e_0 = 0
        e = rho * e + b * xi
        xi = phi * xi + math.sqrt(1 - phi**2) * torch.randn(n, generator=gen)
    slope = (xi * e).mean() / (e * e).mean()
    k = collect.wander_regression_gain(rho, phi, b)
    assert abs(k - 1.2 * phi / (1 + 0.8 * phi)) < 1e-12  # the closed form for rho = 0.8, b = 0.3
    assert abs(slope.item() - k) < 0.02
    # the single-step learner's closed loop rho + b K is below 1, and tends to 1 as phi -> 1
    assert collect.open_loop_multiplier(rho, b, [k]) < 1.0
    assert collect.open_loop_multiplier(rho, b, [collect.wander_regression_gain(rho, 0.999, b)]) > 0.999


def test_open_loop_multiplier_matches_simulation():
    rho, b, gains = 0.8, 0.3, [0.6, 0.5, 0.4, -0.2]
    e0 = 1.7
    e = e0
    for g in gains:  # the chunk's actions were all planned from e0
        e = rho * e + b * g * e0
    assert math.isclose(collect.open_loop_multiplier(rho, b, gains), e / e0, rel_tol=1e-12)
    assert math.isclose(collect.open_loop_multiplier(rho, b, [0.5]), rho + b * 0.5)


def test_tracking_error_gains_of_a_linear_plan():
    slopes = torch.tensor([0.6, 0.3, -0.1])

    def plan(obs):  # (B, 3) -> (B, 3, 1): a feed-forward on the phase plus slope_k * e
        return (obs[:, :1] * slopes[None, :] + 0.2 * obs[:, 2:3]).unsqueeze(-1)

    got = collect.tracking_error_gains(plan)
    assert got.shape == (3, 1) and torch.allclose(got[:, 0], slopes, atol=1e-5)
