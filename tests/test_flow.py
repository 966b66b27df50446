"""ilcourse.flow and the flow-matching policies: conventions, shapes, exactness of the closed form."""

import functools

import gymnasium as gym
import pytest
import torch

import ilcourse
from ilcourse import flow
from ilcourse.policies import FlowPolicy
from ilcourse.policies.flow import NoiseRegressionPolicy


def test_interpolate_convention_and_broadcasting():
    g = ilcourse.make_generator(0)
    x0, x1 = torch.randn(4, 3, 2, generator=g), torch.randn(4, 3, 2, generator=g)
    t = torch.tensor([0.0, 1.0, 0.25, 0.5])
    x_t, vel = flow.interpolate(x0, x1, t)
    assert x_t.shape == (4, 3, 2) and vel.shape == (4, 3, 2)
    torch.testing.assert_close(x_t[0], x0[0])  # t = 0 is noise
    torch.testing.assert_close(x_t[1], x1[1])  # t = 1 is data
    torch.testing.assert_close(x_t[2], 0.25 * x1[2] + 0.75 * x0[2])
    torch.testing.assert_close(vel, x1 - x0)
    x_half, _ = flow.interpolate(x0, x1, 0.5)
    torch.testing.assert_close(x_half, 0.5 * (x0 + x1))


def test_loss_uses_only_the_generator_and_matches_its_definition():
    g = ilcourse.make_generator(1)
    x1, obs = torch.randn(64, 2, generator=g), torch.randn(64, 3, generator=g)
    seen = {}

    def v(x_t, t, s):
        seen.update(x_t=x_t, t=t)
        return 0.3 * x_t + t[:, None] + s[:, :2]

    torch.manual_seed(0)
    a = flow.flow_matching_loss(v, obs, x1, ilcourse.make_generator(5))
    torch.manual_seed(1)
    b = flow.flow_matching_loss(v, obs, x1, ilcourse.make_generator(5))
    assert a.dim() == 0 and torch.equal(a, b)
    t = seen["t"]
    assert t.shape == (64,) and t.unique().numel() == 64 and (t >= 0).all() and (t < 1).all()
    x0 = (seen["x_t"] - t[:, None] * x1) / (1 - t[:, None])
    torch.testing.assert_close(a, ((v(seen["x_t"], t, obs) - (x1 - x0)) ** 2).mean(), rtol=1e-4, atol=1e-5)


def test_loss_mask_ignores_padded_steps():
    g = ilcourse.make_generator(2)
    x1 = torch.randn(8, 3, 2, generator=g)
    mask = torch.ones(8, 3, dtype=torch.bool)
    mask[:, 2] = False
    zero_v = lambda x, t, s: torch.zeros_like(x)  # noqa: E731
    masked = flow.flow_matching_loss(zero_v, None, x1, ilcourse.make_generator(3), mask)
    x1_changed = x1.clone()
    x1_changed[:, 2] = 100.0
    assert torch.allclose(masked, flow.flow_matching_loss(zero_v, None, x1_changed, ilcourse.make_generator(3), mask))


def test_euler_steps_times_and_no_mutation():
    x0 = torch.ones(5, 2)
    calls = []

    def v(x, t):
        calls.append(t.clone())
        return torch.ones_like(x) * t[:, None]  # dx/dt = t  ->  x(1) = x(0) + 1/2 exactly in the limit

    out = flow.euler(v, x0, 4)
    assert torch.equal(x0, torch.ones(5, 2))
    assert [round(float(c[0]), 6) for c in calls] == [0.0, 0.25, 0.5, 0.75]
    torch.testing.assert_close(out, torch.full((5, 2), 1.0 + 0.25 * (0 + 0.25 + 0.5 + 0.75)))
    path = flow.euler(v, x0, 3, return_path=True)
    assert path.shape == (4, 5, 2) and torch.equal(path[0], x0)
    with pytest.raises(ValueError):
        flow.euler(v, x0, 0)


def test_sample_repeatable_with_generator():
    v = lambda x, t: -x  # noqa: E731
    a = flow.sample(v, (6, 2), 5, ilcourse.make_generator(9))
    b = flow.sample(v, (6, 2), 5, ilcourse.make_generator(9))
    assert a.shape == (6, 2) and torch.equal(a, b)


def test_mixture_velocity_is_the_conditional_mean_of_the_target():
    """E[(u - v*(x_t, t)) g(x_t, t)] = 0 for any test function g: v* is the regression of u on (x_t, t)."""
    g = ilcourse.make_generator(4)
    w, mu, sd = torch.tensor([0.3, 0.7]), torch.tensor([[-1.0, 0.5], [1.5, -0.5]]), torch.tensor([[0.2, 0.3], [0.4, 0.1]])
    w, mu, sd = w.double(), mu.double(), sd.double()
    n = 200_000
    x1 = flow.sample_mixture_data(n, w, mu, sd, g)
    x0 = torch.randn(n, 2, generator=g, dtype=torch.float64)
    t = torch.rand(n, generator=g, dtype=torch.float64)
    x_t, u = flow.interpolate(x0, x1, t)
    resid = u - flow.mixture_velocity(x_t, t, w, mu, sd)  # (n, 2)
    for test_fn in (torch.ones_like(t), x_t[:, 0], x_t[:, 1], torch.tanh(3 * x_t[:, 0]) * t, t):
        moment = (resid * test_fn[:, None]).mean(dim=0)
        stderr = (resid * test_fn[:, None]).std(dim=0) / n**0.5
        assert (moment.abs() < 4 * stderr).all(), (moment, stderr)
    # t = 0: every point heads for the data mean
    x = torch.randn(7, 2, generator=g, dtype=torch.float64)
    torch.testing.assert_close(flow.mixture_velocity(x, torch.zeros(7, dtype=torch.float64), w, mu, sd), (w @ mu) - x)


def test_flow_policy_shapes_chunks_and_sampling():
    pol = FlowPolicy(obs_dim=3, act_dim=2, chunk_size=4, hidden=32)
    obs, act = torch.randn(10, 3), torch.randn(10, 4, 2)
    mask = torch.ones(10, 4, dtype=torch.bool)
    loss = pol.loss(obs, act, mask)
    assert loss.dim() == 0 and torch.isfinite(loss)
    loss.backward()
    a = pol.sample(obs, ilcourse.make_generator(0))
    b = pol.sample(obs, ilcourse.make_generator(0))
    assert a.shape == (10, 4, 2) and torch.equal(a, b)
    assert pol.sample(obs, ilcourse.make_generator(0), num_steps=3, return_path=True).shape == (4, 10, 4, 2)
    v = pol.field(obs[0])
    assert v(torch.randn(6, 8), torch.rand(6)).shape == (6, 8)
    assert isinstance(pol, ilcourse.policies.Policy)


def test_flow_policy_field_matches_sampling_in_action_units():
    pol = FlowPolicy(obs_dim=2, act_dim=1, hidden=16)
    pol.act_norm.fit(torch.tensor([[-1.0], [1.0], [3.0]]))
    obs = torch.tensor([[0.1, 0.2]]).expand(5, 2)
    path = pol.sample(obs, ilcourse.make_generator(1), num_steps=4, return_path=True)  # (5, 5, 1, 1)
    with torch.no_grad():
        again = flow.euler(pol.field(obs[0]), path[0].reshape(5, 1), 4)
    torch.testing.assert_close(again, path[-1].reshape(5, 1), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cls", [FlowPolicy, NoiseRegressionPolicy])
def test_policies_learn_the_fork(cls):
    """Flow matching keeps both sides of the block; idea 0 averages them (quick, small run)."""
    from ilcourse.rollout import collect_demonstrations
    from ilcourse.train import fit

    torch.manual_seed(0)
    env = gym.make_vec("ilcourse/Fork-v0", num_envs=100)
    demos = collect_demonstrations(env, 200, seed=0)
    pol = cls(2, 1, hidden=64)
    fit(pol, demos, steps=800, generator=ilcourse.make_generator(1), progress=False)
    a = pol.sample(torch.zeros(1000, 2), ilcourse.make_generator(2))[:, 0, 0]
    valley = (a.abs() < 0.5).float().mean().item()
    if cls is FlowPolicy:
        assert valley < 0.15 and 0.3 < (a > 0).float().mean().item() < 0.7
    else:
        assert valley > 0.9


def test_denoised_guess_and_the_field_agree_and_parametrizations_are_affine():
    # v*(x, t) = (E[x1 | x_t = x] - x) / (1 - t); and v, x1 and x0 predictions convert exactly.
    w, mu, sd = torch.tensor([0.3, 0.7]), torch.tensor([[-1.0, 0.5], [1.0, -2.0]]), torch.tensor([[0.2, 0.4], [0.1, 0.3]])
    g = ilcourse.make_generator(4)
    x, t = torch.randn(50, 2, generator=g, dtype=torch.float64), 0.05 + 0.9 * torch.rand(50, generator=g, dtype=torch.float64)
    w, mu, sd = w.double(), mu.double(), sd.double()
    v = flow.mixture_velocity(x, t, w, mu, sd)
    guess = flow.mixture_denoised(x, t, w, mu, sd)
    torch.testing.assert_close(v, flow.velocity_from_data(x, t, guess))
    torch.testing.assert_close(flow.data_from_velocity(x, t, v), guess)
    torch.testing.assert_close(flow.velocity_from_noise(x, t, flow.noise_from_velocity(x, t, v)), v)
    # on one straight path every parametrization recovers the path's own x0, x1 and velocity
    x0, x1 = torch.randn(6, 3, generator=g, dtype=torch.float64), torch.randn(6, 3, generator=g, dtype=torch.float64)
    tt = torch.rand(6, generator=g, dtype=torch.float64) * 0.9 + 0.05
    x_t, u = flow.interpolate(x0, x1, tt)
    torch.testing.assert_close(flow.velocity_from_data(x_t, tt, x1), u)
    torch.testing.assert_close(flow.velocity_from_noise(x_t, tt, x0), u)
    torch.testing.assert_close(flow.noise_from_velocity(x_t, tt, u), x0)


def test_toy_field_near_one_points_outward_above_the_upper_mode():
    # The notebook's claim: for modes at +-1 (std 0.15), v*(x, 0.95) > 0 just above +1 (the denoised guess lies
    # beyond x) up to x = 1.745 (where the guess 0.109 + 0.9375 x of the upper component equals x), negative above.
    w, mu, sd = torch.tensor([0.5, 0.5]), torch.tensor([[-1.0], [1.0]]), torch.tensor([[0.15], [0.15]])
    x = torch.linspace(1.01, 1.7, 50)[:, None]
    assert (flow.mixture_velocity(x, 0.95, w, mu, sd) > 0).all()
    assert (flow.mixture_velocity(-x, 0.95, w, mu, sd) < 0).all()
    assert (flow.mixture_velocity(torch.tensor([[1.8], [3.0]]), 0.95, w, mu, sd) < 0).all()
    assert (flow.mixture_velocity(torch.tensor([[0.2]]), 0.0, w, mu, sd) < 0).all()  # t = 0: toward the mean 0


def test_flow_policy_sample_draws_the_noise_of_chunk_noise():
    policy = FlowPolicy(obs_dim=2, act_dim=3, chunk_size=4, hidden=8)
    obs = torch.randn(5, 2, generator=ilcourse.make_generator(0))
    a = policy.sample(obs, ilcourse.make_generator(1), num_steps=3)
    path = policy.sample(obs, ilcourse.make_generator(1), num_steps=3, return_path=True)
    assert a.shape == (5, 4, 3) and path.shape == (4, 5, 4, 3)
    torch.testing.assert_close(a, path[-1])
