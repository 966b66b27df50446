"""ilcourse.train.fit: the training loop every notebook uses (notebook 01 has the learner write it)."""

import copy
import inspect

import pytest
import torch
from torch import nn

import ilcourse
from ilcourse.data import Demonstrations
from ilcourse.normalize import Normalizer
from ilcourse.policies import MSEPolicy
from ilcourse.policies.base import masked_mean
from ilcourse.train import fit


class NoisyLinear(nn.Module):
    """A tiny policy whose loss draws noise from the generator it receives and records its calls."""

    def __init__(self, obs_dim: int, act_dim: int, seed: int = 0):
        super().__init__()
        self.act_dim, self.chunk_size = act_dim, 1
        self.obs_norm, self.act_norm = Normalizer(obs_dim), Normalizer(act_dim)
        self.net = nn.Linear(obs_dim, act_dim)
        g = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            self.net.weight.copy_(torch.randn(act_dim, obs_dim, generator=g))
            self.net.bias.copy_(torch.randn(act_dim, generator=g))
        self.calls = []  # (generator, mask, batch size, training) of every loss call

    def loss(self, obs, act, mask=None, generator=None):
        self.calls.append((generator, mask, obs.shape[0], self.training))
        noise = 0.01 * torch.randn(act.shape, generator=generator)
        pred = self.net(self.obs_norm(obs))[:, None, :]
        return masked_mean(((pred - self.act_norm(act) - noise) ** 2).mean(-1), mask)

    def sample(self, obs, generator=None):
        with torch.no_grad():
            return self.act_norm.unnormalize(self.net(self.obs_norm(obs))[:, None, :])


def toy_demos(n=300, obs_dim=3, act_dim=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    obs = 5.0 + 3.0 * torch.randn(n, obs_dim, generator=g)
    act = obs[:, :act_dim] * 0.5 - 2.0
    return Demonstrations(obs, act, torch.arange(n) // 10)


def test_same_generator_seed_same_weights_whatever_the_global_rng():
    demos = toy_demos()
    runs = []
    for global_seed in (1, 12345):
        policy = NoisyLinear(3, 2)
        torch.manual_seed(global_seed)
        history = fit(policy, demos, 40, 32, 1e-2, torch.Generator().manual_seed(5), progress=False)
        runs.append((policy.net.weight.detach().clone(), history))
    assert torch.equal(runs[0][0], runs[1][0]) and runs[0][1] == runs[1][1]
    other = NoisyLinear(3, 2)
    fit(other, demos, 40, 32, 1e-2, torch.Generator().manual_seed(6), progress=False)
    assert not torch.equal(other.net.weight, runs[0][0])  # the generator matters


def test_generator_mask_and_batches_reach_the_loss_in_train_mode_and_it_ends_in_eval():
    demos, gen = toy_demos(), torch.Generator().manual_seed(0)
    policy = NoisyLinear(3, 2).eval()
    history = fit(policy, demos, steps=7, batch_size=16, lr=1e-2, generator=gen, progress=False)
    assert len(history) == 7 and all(type(h) is float for h in history)
    assert len(policy.calls) == 7
    for generator, mask, batch, training in policy.calls:
        assert generator is gen and batch == 16 and training
        assert mask is not None and mask.shape == (16, 1) and mask.dtype == torch.bool
    assert not policy.training


def test_normalizers_fitted_and_demonstrations_untouched():
    demos = toy_demos(obs_dim=4, act_dim=1)
    obs, act = demos.obs.clone(), demos.act.clone()
    policy = NoisyLinear(4, 1)
    fit(policy, demos, steps=0, generator=torch.Generator().manual_seed(0), progress=False)
    torch.testing.assert_close(policy.obs_norm.mean, obs.mean(0))
    torch.testing.assert_close(policy.obs_norm.std, obs.std(0, unbiased=False))
    torch.testing.assert_close(policy.act_norm.mean, act.mean(0))
    torch.testing.assert_close(policy.act_norm.std, act.std(0, unbiased=False))
    assert torch.equal(demos.obs, obs) and torch.equal(demos.act, act)
    assert not policy.training


def test_learns_and_keeps_the_keyword_api_of_notebooks_02_to_07():
    one_step = toy_demos(obs_dim=2, act_dim=1)  # one-step episodes: only the first action of a window is real
    demos = Demonstrations(one_step.obs, one_step.act, torch.arange(len(one_step)))
    torch.manual_seed(0)
    policy = MSEPolicy(2, 1, chunk_size=3, hidden=16)
    start = copy.deepcopy(policy.state_dict())
    history = fit(policy, demos, steps=200, generator=ilcourse.make_generator(1), progress=False,
                  chunk_size=3, batch_size=64, lr=3e-3, weight_decay=0.0)
    assert history[-1] < 0.1 * history[0]
    assert any(not torch.equal(v, policy.state_dict()[k]) for k, v in start.items())


def test_the_positional_order_is_train_policys_contract():
    names = list(inspect.signature(fit).parameters)
    assert names[:6] == ["policy", "demos", "steps", "batch_size", "lr", "generator"]


@pytest.mark.parametrize("optimizer", [torch.optim.Adam, torch.optim.AdamW])
def test_no_weight_decay_by_default_is_plain_adam(optimizer):
    """A learner who writes Adam, or AdamW with weight_decay=0, trains exactly like fit."""
    demos = toy_demos()
    ref = NoisyLinear(3, 2)
    ref_history = fit(ref, demos, 30, 32, 1e-2, torch.Generator().manual_seed(2), progress=False)
    mine, gen = NoisyLinear(3, 2), torch.Generator().manual_seed(2)
    mine.obs_norm.fit(demos.obs)
    mine.act_norm.fit(demos.act)
    opt = optimizer(mine.parameters(), lr=1e-2, **({"weight_decay": 0.0} if optimizer is torch.optim.AdamW else {}))
    history = []
    for _ in range(30):
        obs, act, mask = demos.sample(32, gen)
        loss = mine.loss(obs, act, mask, generator=gen)
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append(loss.item())
    assert history == ref_history
    assert torch.equal(mine.net.weight, ref.net.weight)
