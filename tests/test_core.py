"""ilcourse core: device, seeding, nets, Normalizer, Demonstrations, fit, evaluate, MSE/Gaussian."""

from __future__ import annotations

import io
import math

import gymnasium as gym
import pytest
import torch

import ilcourse
from ilcourse.data import Demonstrations
from ilcourse.nets import mlp
from ilcourse.normalize import Normalizer
from ilcourse.policies import GaussianPolicy, MSEPolicy, Policy, gaussian_nll
from ilcourse.rollout import collect_demonstrations, evaluate, expert_act_fn, first_action
from ilcourse.train import fit


def test_default_device_prefers_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert ilcourse.default_device() == torch.device("cpu")
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert ilcourse.default_device() == torch.device("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert ilcourse.default_device() == torch.device("cuda")


def test_seeding_is_repeatable():
    g1 = ilcourse.seed_everything(3)
    a = torch.randn(4), torch.randn(4, generator=g1)
    g2 = ilcourse.seed_everything(3)
    b = torch.randn(4), torch.randn(4, generator=g2)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert torch.equal(torch.rand(3, generator=ilcourse.make_generator(9)), torch.rand(3, generator=ilcourse.make_generator(9)))


def test_mlp_shapes():
    net = mlp(3, 5, hidden=16, depth=3)
    assert net(torch.zeros(7, 3)).shape == (7, 5)
    assert sum(isinstance(m, torch.nn.Linear) for m in net) == 4


def test_normalizer_roundtrip_and_state_dict():
    data = torch.randn(1000, 3) * torch.tensor([1.0, 10.0, 0.1]) + torch.tensor([5.0, -2.0, 0.0])
    norm = Normalizer(3).fit(data)
    z = norm(data)
    assert torch.allclose(z.mean(0), torch.zeros(3), atol=1e-4) and torch.allclose(z.std(0, unbiased=False), torch.ones(3), atol=1e-3)
    assert torch.allclose(norm.unnormalize(z), data, atol=1e-4)
    # the statistics travel with the model: save, load into a fresh module, same numbers
    buf = io.BytesIO()
    torch.save(norm.state_dict(), buf)
    buf.seek(0)
    fresh = Normalizer(3)
    fresh.load_state_dict(torch.load(buf))
    assert torch.equal(fresh.mean, norm.mean) and torch.equal(fresh.std, norm.std)
    # a constant feature does not divide by zero
    assert torch.isfinite(Normalizer(1).fit(torch.ones(10, 1))(torch.ones(2, 1))).all()


def toy_demos() -> Demonstrations:
    # three episodes of lengths 3, 1, 4; action = 10 * episode + step
    lengths = [3, 1, 4]
    ep = torch.cat([torch.full((n,), i) for i, n in enumerate(lengths)])
    step = torch.cat([torch.arange(n) for n in lengths])
    act = (10 * ep + step).float().unsqueeze(-1)
    return Demonstrations(obs=torch.stack([ep.float(), step.float()], -1), act=act, episode=ep)


def test_windows_are_padded_and_masked_at_episode_ends():
    demos = toy_demos()
    act, mask = demos.windows(torch.tensor([0, 2, 3, 4, 7]), chunk_size=3)
    assert act.shape == (5, 3, 1) and mask.shape == (5, 3) and mask.dtype == torch.bool
    assert act[:, :, 0].tolist() == [[0, 1, 2], [2, 2, 2], [10, 10, 10], [20, 21, 22], [23, 23, 23]]
    assert mask.tolist() == [[1, 1, 1], [1, 0, 0], [1, 0, 0], [1, 1, 1], [1, 0, 0]]


def test_sample_uses_the_generator():
    demos = toy_demos()
    a = demos.sample(16, ilcourse.make_generator(4), chunk_size=2)
    b = demos.sample(16, ilcourse.make_generator(4), chunk_size=2)
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    obs, act, mask = a
    assert obs.shape == (16, 2) and act.shape == (16, 2, 1) and mask.shape == (16, 2)
    # every window starts at the sampled observation's own action
    assert torch.equal(act[:, 0, 0], 10 * obs[:, 0] + obs[:, 1])


def test_from_trajectories_and_cat():
    obs = torch.arange(2 * 4 * 1, dtype=torch.float32).view(2, 4, 1)
    act = obs[:, :3] * 10
    demos = Demonstrations.from_trajectories(obs, act, torch.tensor([3, 1]))
    assert len(demos) == 4 and demos.num_episodes == 2
    both = demos.cat(demos)
    assert len(both) == 8 and both.num_episodes == 4


def test_masked_loss_ignores_padding():
    torch.manual_seed(0)
    for policy in [MSEPolicy(2, 1, chunk_size=3, hidden=8), GaussianPolicy(2, 1, chunk_size=3, hidden=8)]:
        assert isinstance(policy, Policy)
        obs, act = torch.randn(4, 2), torch.randn(4, 3, 1)
        mask = torch.tensor([[1, 1, 0]] * 4, dtype=torch.bool)
        changed = act.clone()
        changed[:, 2] += 100.0  # padded entries may hold anything
        assert torch.allclose(policy.loss(obs, act, mask), policy.loss(obs, changed, mask))
        assert not torch.allclose(policy.loss(obs, act), policy.loss(obs, changed))
        assert policy.sample(obs).shape == (4, 3, 1)


def test_gaussian_nll_matches_torch_distributions():
    mu, log_std, x = torch.randn(5, 3), torch.randn(5, 3) * 0.5, torch.randn(5, 3)
    ref = -torch.distributions.Normal(mu, log_std.exp()).log_prob(x).sum(-1)
    assert torch.allclose(gaussian_nll(x, mu, log_std), ref, atol=1e-5)


def test_fit_learns_a_unimodal_mapping_and_is_repeatable():
    gen = ilcourse.make_generator(0)
    obs = torch.rand(512, 1, generator=gen) * 4 - 2
    demos = Demonstrations(obs=obs, act=3 * obs + 1, episode=torch.arange(512))

    def train():
        torch.manual_seed(0)
        policy = MSEPolicy(1, 1, hidden=32)
        history = fit(policy, demos, steps=300, batch_size=64, lr=3e-3, generator=ilcourse.make_generator(1), progress=False)
        return policy, history

    policy, history = train()
    assert len(history) == 300 and history[-1] < 0.05 * history[0]
    pred = policy.sample(torch.tensor([[0.5]]))[0, 0, 0].item()
    assert pred == pytest.approx(2.5, abs=0.15)
    assert train()[1] == history


def test_evaluate_counts_every_env_equally_and_records():
    env = gym.make_vec("ilcourse/Fork-v0", num_envs=8)
    result = evaluate(env, expert_act_fn(env), num_episodes=20, seed=0, record=True)
    assert result.success.shape == (20,) and result.success_rate == 1.0
    assert result.obs.shape == (20, env.unwrapped.max_episode_steps + 1, 2)
    assert result.act.shape == (20, env.unwrapped.max_episode_steps, 1)
    steps = int(result.lengths[0])
    assert result.obs[0, steps, 0] >= env.unwrapped.params.x_goal  # the final observation is recorded
    # a policy that drives straight collides every time, and early
    straight = evaluate(env, lambda obs: torch.zeros(obs.shape[0], 1), num_episodes=16)
    assert straight.success_rate == 0.0 and torch.all(straight.lengths < result.lengths[:16])


def test_evaluate_calls_reset_hook_on_new_episodes():
    class Counting:
        def __init__(self):
            self.resets = 0

        def reset(self, mask):
            self.resets += int(mask.sum())

        def __call__(self, obs):
            return torch.zeros(obs.shape[0], 1)

    env = gym.make_vec("ilcourse/Fork-v0", num_envs=4)
    act_fn = Counting()
    evaluate(env, act_fn, num_episodes=8)
    assert act_fn.resets >= 8 + 4  # the initial reset of all 4, then one per finished episode


def test_collected_demonstrations_replay_the_expert():
    env = gym.make_vec("ilcourse/Fork-v0", num_envs=16, p_left=0.5)
    demos = collect_demonstrations(env, num_episodes=16, seed=3)
    assert demos.num_episodes == 16
    first = demos.act[demos.obs[:, 0] == 0][:, 0]
    assert torch.all(first.abs() == 1.0)  # a full swerve at the fork, either way


def test_mse_policy_averages_the_fork_and_collides():
    """The lesson of notebook 01, in small: the L2 policy predicts the mean and hits the block."""
    env = gym.make_vec("ilcourse/Fork-v0", num_envs=256, p_left=0.5)
    demos = collect_demonstrations(env, num_episodes=256, seed=1)
    torch.manual_seed(0)
    policy = MSEPolicy(2, 1, hidden=64)
    fit(policy, demos, steps=800, batch_size=256, generator=ilcourse.make_generator(0), progress=False)
    at_fork = policy.sample(torch.tensor([[0.0, 0.0]]))[0, 0, 0].item()
    assert abs(at_fork - demos.act[demos.obs[:, 0] == 0].mean().item()) < 0.2
    assert evaluate(env, first_action(policy), seed=5).success_rate <= 0.1
    assert math.isfinite(at_fork)
