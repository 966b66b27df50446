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


# -- notebook 08: the noisy collection loop, coverage, mistakes, pre-train then post-train -------------
def test_noise_injected_demonstrations_layout_labels_and_noise():
    env = TrackingVecEnv(num_envs=400, horizon=12, instability=1.0)
    xp = lambda o: expert(o, env.params)  # noqa: E731
    demos, executed = collect.noise_injected_demonstrations(env, xp, 0.2, 0.8, seed=3, generator=ilcourse.make_generator(0))
    assert demos.obs.shape == (4800, 3) and executed.shape == (4800, 1)
    assert torch.equal(demos.episode, torch.arange(400).repeat_interleave(12))  # contiguous, in order
    assert torch.allclose(demos.act, xp(demos.obs))  # clean labels
    xi = (executed - demos.act)[:, 0].view(400, 12)
    assert abs(xi[:, 0].std().item() - 0.2) < 0.02 and abs(xi[:, -1].std().item() - 0.2) < 0.02  # stationary
    lag = (xi[:, 1:] * xi[:, :-1]).mean() / (xi**2).mean()
    assert abs(lag.item() - 0.8) < 0.05
    again, executed2 = collect.noise_injected_demonstrations(env, xp, 0.2, 0.8, seed=3, generator=ilcourse.make_generator(0))
    assert torch.equal(executed, executed2) and torch.equal(demos.obs, again.obs)


def test_noise_injected_demonstrations_stop_at_each_episode_end():
    import gymnasium as gym

    env = gym.make_vec("ilcourse/Fork-v0", num_envs=16)
    demos, executed = collect.noise_injected_demonstrations(env, lambda o: env.unwrapped.expert_action(), 0.5, 0.0, seed=0,
                                                            generator=ilcourse.make_generator(1))
    lengths = torch.bincount(demos.episode, minlength=16)
    # replay the executed actions: every episode ends exactly after its recorded length
    obs, _ = env.reset(seed=0)
    ended = torch.full((16,), -1)
    starts = torch.cumsum(lengths, 0) - lengths
    for t in range(int(lengths.max())):
        idx = (starts + t.__int__()).clamp(max=len(demos) - 1)
        live = t < lengths
        assert torch.allclose(obs[live], demos.obs[idx][live])
        obs, _, term, trunc, _ = env.step(torch.where(live[:, None], executed[idx], 0.0))
        ended = torch.where((term | trunc) & (ended < 0), t, ended)
    assert torch.equal(ended + 1, lengths) and len(set(lengths.tolist())) > 1


def test_coverage():
    data = torch.tensor([[0.0, 0.0], [3.0, 0.0]])
    query = torch.tensor([[0.5, 0.0], [1.5, 0.0], [3.0, 0.9], [0.3, 0.3], [0.45, 0.3]])
    assert collect.coverage(data, query, 1.0).tolist() == [True, False, True, True, True]
    assert collect.coverage(data, query, 0.5).tolist() == [True, False, False, True, False]


def test_mistake_demonstrator_slips_then_the_expert_corrects():
    env = TrackingVecEnv(num_envs=32, horizon=100, instability=2.0, max_error=4.0, start_spread=0.02)
    xp = lambda o: expert(o, env.params)  # noqa: E731
    slips = collect.MistakeDemonstrator(xp, 32, rate=0.03, length=8, size=0.4, generator=ilcourse.make_generator(5))
    demos = collect_demonstrations(env, 32, seed=2, act_fn=slips)
    is_mistake = (demos.act != xp(demos.obs))[:, 0]
    share = is_mistake.float().mean().item()
    assert 0.1 < share < 0.3  # about rate * length / (1 + rate * length)
    pushes = (demos.act - xp(demos.obs))[is_mistake, 0].abs()
    assert bool((pushes <= 0.4 + 1e-5).all()) and (pushes - 0.4).abs().lt(1e-5).float().mean() > 0.9  # the world clips a few
    assert demos.obs[:, 0].abs().max() < 0.5  # the expert always recovers


def test_pretrain_then_posttrain_keeps_the_broad_normalizers():
    from ilcourse.data import Demonstrations
    from ilcourse.policies.mse import MSEPolicy
    from ilcourse.pretrain import pretrain_then_posttrain

    g = ilcourse.make_generator(0)
    broad_obs = 3.0 * torch.randn(500, 2, generator=g)
    narrow_obs = 0.01 * torch.randn(50, 2, generator=g)
    broad = Demonstrations(broad_obs, -broad_obs[:, :1], torch.arange(500) // 50)
    narrow = Demonstrations(narrow_obs, 0.5 - narrow_obs[:, :1], torch.arange(50) // 10)
    torch.manual_seed(0)
    policy = MSEPolicy(2, 1, hidden=16, depth=1)
    history = pretrain_then_posttrain(policy, broad, narrow, 100, 40, 64, 3e-2, 1e-2, ilcourse.make_generator(1))
    assert len(history) == 140 and not policy.training
    assert torch.allclose(policy.obs_norm.mean, broad_obs.mean(0)) and torch.allclose(policy.act_norm.mean, broad.act.mean(0))
    far = torch.tensor([[2.0, 0.0], [-2.0, 0.0]])
    near = torch.zeros(1, 2)
    assert abs(policy.sample(near)[0, 0, 0].item() - 0.5) < 0.1  # post-trained where the narrow data is
    assert policy.sample(far)[0, 0, 0] < -0.5 and policy.sample(far)[1, 0, 0] > 0.5  # pre-trained far from it
