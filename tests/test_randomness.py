"""The randomness promise: a generator seed fixes every random number ilcourse draws.

1. Training is repeatable: two ``fit`` runs from the same initial weights with the same
   generator seed give identical weights, however torch's global RNG was seeded in between.
2. Every draw is made on the generator's device and then moved to the data's device, so a seed
   gives the same numbers whatever device the data lives on (CPU here; GPU elsewhere). Without a
   GPU we put the data on torch's "meta" device (tensors with shapes and no values) and check,
   with a spy around torch's samplers, that every draw happens on the generator's device and
   returns the same numbers as the same code run on CPU data.
"""

from __future__ import annotations

import copy

import pytest
import torch

import ilcourse
from ilcourse import chunking, collect, flow
from ilcourse.data import Demonstrations
from ilcourse.policies import FlowPolicy, NoiseRegressionPolicy
from ilcourse.collect import WanderingDemonstrator
from ilcourse.train import fit

SAMPLERS = ("randn", "rand", "randint", "multinomial")


def fork_like_demos(num_episodes: int = 12, length: int = 9) -> Demonstrations:
    """Bimodal actions (+-1 per episode) with a little noise; episodes of different lengths."""
    g = ilcourse.make_generator(123)
    obs, act, episode = [], [], []
    for e in range(num_episodes):
        n = length - e % 3  # 9, 8, 7, ...: windows get padded at different places
        side = 1.0 if e % 2 else -1.0
        obs.append(torch.stack([torch.arange(n, dtype=torch.float32), torch.full((n,), side)], dim=-1))
        act.append(side + 0.1 * torch.randn(n, 1, generator=g))
        episode.append(torch.full((n,), e))
    return Demonstrations(torch.cat(obs), torch.cat(act), torch.cat(episode))


def fitted_weights(policy: torch.nn.Module, demos: Demonstrations, seed: int, chunk_size: int) -> dict:
    fit(policy, demos, steps=25, batch_size=16, chunk_size=chunk_size, generator=ilcourse.make_generator(seed),
        progress=False)
    return {k: v.clone() for k, v in policy.state_dict().items()}


@pytest.mark.parametrize(
    "make, chunk_size",
    [
        (lambda: FlowPolicy(2, 1, hidden=16), 1),
        (lambda: FlowPolicy(2, 1, chunk_size=3, hidden=16), 3),
        (lambda: NoiseRegressionPolicy(2, 1, hidden=16), 1),
        (lambda: NoiseRegressionPolicy(2, 1, chunk_size=3, hidden=16), 3),
    ],
    ids=["flow", "flow-chunked", "idea0", "idea0-chunked"],
)
def test_fit_is_repeatable_from_a_seed_whatever_the_global_rng(make, chunk_size):
    demos = fork_like_demos()
    torch.manual_seed(0)
    initial = make()
    torch.manual_seed(1)  # the global RNG is in a different state for each run
    first = fitted_weights(copy.deepcopy(initial), demos, seed=7, chunk_size=chunk_size)
    torch.manual_seed(2)
    torch.rand(5)
    second = fitted_weights(copy.deepcopy(initial), demos, seed=7, chunk_size=chunk_size)
    assert first.keys() == second.keys()
    for name in first:
        assert torch.equal(first[name], second[name]), f"{name} differs between two runs with the same seed"
    # and the seed matters: the noise, the times and the batches all come from the generator
    other = fitted_weights(copy.deepcopy(initial), demos, seed=8, chunk_size=chunk_size)
    assert any(not torch.equal(first[k], other[k]) for k in first if k.startswith("net."))


def test_flow_loss_draws_noise_and_times_only_from_the_generator():
    pol = FlowPolicy(2, 1, chunk_size=3, hidden=16)
    demos = fork_like_demos()
    obs, act, mask = demos.sample(32, ilcourse.make_generator(0), chunk_size=3)
    torch.manual_seed(0)
    a = pol.loss(obs, act, mask, generator=ilcourse.make_generator(5))
    torch.manual_seed(1)
    b = pol.loss(obs, act, mask, generator=ilcourse.make_generator(5))
    c = pol.loss(obs, act, mask, generator=ilcourse.make_generator(6))
    assert torch.equal(a, b) and not torch.equal(a, c)


class Spy:
    """Wraps torch's samplers; records the numbers of every draw made with a generator and
    fails if a draw is not made on the generator's device."""

    def __init__(self, monkeypatch):
        self.draws: list[torch.Tensor] = []
        for name in SAMPLERS:
            monkeypatch.setattr(torch, name, self._wrap(getattr(torch, name), name))

    def _wrap(self, original, name):
        def sampler(*args, **kwargs):
            out = original(*args, **kwargs)
            generator = kwargs.get("generator")
            if generator is not None:
                assert out.device == generator.device, (
                    f"torch.{name} drew on {out.device} with a generator on {generator.device}: draw on "
                    f"the generator's device, then move the numbers to the data's device")
                self.draws.append(out.detach().clone())
            return out

        return sampler


def random_code_paths(device: str) -> list[torch.Tensor]:
    """Every drawing path of the library, on data living on ``device``, with CPU generators.

    Returns the outputs (without values on "meta": only their device is checked).
    """
    g = ilcourse.make_generator(3)  # one CPU generator shared by all, as in fit
    outs = []
    obs = torch.zeros(6, 2, device=device)
    act = torch.zeros(6, 3, 1, device=device)
    mask = torch.ones(6, 3, dtype=torch.bool, device=device)
    velocity = lambda x, t, s: 0.5 * x + t.reshape(-1, 1, 1)  # noqa: E731
    outs.append(flow.flow_matching_loss(velocity, obs, act, g, mask))
    outs.append(flow.sample(lambda x, t: -x, (5, 2), 3, g, device=device))
    weights = torch.tensor([0.3, 0.7])  # on the CPU: a meta tensor has no values to draw from
    outs.append(flow.sample_mixture_data(7, weights, torch.zeros(2, 2, device=device), torch.ones(2, 2, device=device), g))
    for cls in (FlowPolicy, NoiseRegressionPolicy):
        torch.manual_seed(0)
        pol = cls(2, 1, chunk_size=3, hidden=8).to(device)
        outs.append(pol.loss(obs, act, mask, generator=g))
        outs.append(pol.sample(obs, g))
    noisy = collect.noisy_expert_act_fn(lambda o: torch.zeros(o.shape[0], 1, device=o.device), 0.5, g)
    outs.append(noisy(obs))
    wander = WanderingDemonstrator(lambda o: torch.zeros(o.shape[0], 1, device=o.device), 6, 1, 0.9, 0.3,
                                   generator=g, device=device)
    wander.reset(torch.ones(6, dtype=torch.bool, device=device))
    outs.append(wander(obs))
    return outs


def test_every_draw_is_made_on_the_generators_device(monkeypatch):
    spy = Spy(monkeypatch)
    on_cpu = random_code_paths("cpu")
    cpu_draws = list(spy.draws)
    spy.draws.clear()
    on_meta = random_code_paths("meta")  # data on another device than the generator
    assert all(out.device.type == "meta" for out in on_meta), [out.device for out in on_meta]
    assert len(cpu_draws) >= 10 and len(spy.draws) == len(cpu_draws)
    for i, (a, b) in enumerate(zip(cpu_draws, spy.draws)):
        assert torch.equal(a, b), f"draw {i}: the same seed gave other numbers when the data moved"
    assert all(out.device.type == "cpu" for out in on_cpu)


def test_demonstrations_sample_draws_on_the_generators_device(monkeypatch):
    demos = fork_like_demos()
    spy = Spy(monkeypatch)
    batch = demos.sample(10, ilcourse.make_generator(4), chunk_size=2)
    assert len(spy.draws) == 1 and spy.draws[0].device.type == "cpu"
    again = demos.sample(10, ilcourse.make_generator(4), chunk_size=2)
    assert all(torch.equal(x, y) for x, y in zip(batch, again))


def test_rollout_and_label_draws_beta_on_the_generators_device(monkeypatch):
    import gymnasium as gym

    from ilcourse import dagger
    from ilcourse.envs.tracking import expert as tracking_expert

    spy = Spy(monkeypatch)
    env = gym.make_vec("ilcourse/Tracking-v0", num_envs=4, horizon=5)
    xp = lambda obs: tracking_expert(obs, env.unwrapped.params)  # noqa: E731
    dagger.rollout_and_label(env, xp, xp, 0.5, seed=0, generator=ilcourse.make_generator(0))
    assert len(spy.draws) == 5 and all(d.shape == (4,) for d in spy.draws)  # one (N,) draw per step
