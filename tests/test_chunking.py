"""Unit tests of ilcourse.chunking: windows, masked loss, the executors, ensembling, metrics."""

import math

import pytest
import torch

import ilcourse
from ilcourse import chunking as C
from ilcourse.data import Demonstrations
from ilcourse.envs.tracking import TrackingVecEnv, expert
from ilcourse.rollout import evaluate


def _windows_by_loop(act, episode, h):
    """The definition, one step at a time: a_{i+k} while in i's episode, else its last action."""
    m = act.shape[0]
    win, mask = torch.zeros(m, h, act.shape[1]), torch.zeros(m, h, dtype=torch.bool)
    for i in range(m):
        last = i
        while last + 1 < m and episode[last + 1] == episode[i]:
            last += 1
        for k in range(h):
            win[i, k], mask[i, k] = act[min(i + k, last)], i + k <= last
    return win, mask


def test_action_windows_follow_their_definition_and_demonstrations_use_them():
    gen = ilcourse.make_generator(0)
    act = torch.randn(11, 2, generator=gen)
    episode = torch.tensor([5, 5, 5, 1, 1, 2, 2, 2, 2, 2, 3])  # ids need not be sorted
    win, mask = C.action_windows(act, episode, 4)
    ref_win, ref_mask = _windows_by_loop(act, episode, 4)
    assert torch.equal(win, ref_win) and torch.equal(mask, ref_mask)
    assert mask[1].tolist() == [True, True, False, False]
    assert torch.equal(win[1, 2], act[2])  # padded with the episode's last action
    assert mask[10].tolist() == [True, False, False, False]
    demos = Demonstrations(torch.zeros(11, 1), act.clone(), episode.clone())
    index = torch.tensor([9, 0, 4, 4])
    d_win, d_mask = demos.windows(index, 4)
    assert torch.equal(d_win, win[index]) and torch.equal(d_mask, mask[index])
    # the buffer's windows are built once; an in-place edit of its actions or episodes rebuilds them
    demos.act[1] = 100.0
    assert demos.windows(torch.tensor([0]), 4)[0][0, 1].tolist() == [100.0, 100.0]
    demos.episode[2] = 7
    assert demos.windows(torch.tensor([0]), 4)[1][0].tolist() == [True, True, False, False]
    with torch.inference_mode():  # tensors made in inference mode have no version counter
        frozen = Demonstrations(torch.zeros(11, 1), act.clone(), episode.clone())
    assert torch.equal(frozen.windows(index, 4)[0], win[index])
    empty_win, empty_mask = C.action_windows(torch.zeros(0, 2), torch.zeros(0, dtype=torch.int64), 3)
    assert empty_win.shape == (0, 3, 2) and empty_mask.shape == (0, 3)


def test_masked_mean_over_everything_or_per_row():
    values = torch.tensor([[1.0, 2.0, 9.0], [4.0, 8.0, 8.0]])
    mask = torch.tensor([[True, True, False], [False, False, False]])
    assert C.masked_mean(values, mask).item() == 1.5
    assert C.masked_mean(values, None).item() == pytest.approx(32 / 6)
    assert C.masked_mean(values, mask, dim=1).tolist() == [1.5, 0.0]  # a row without real entries: 0
    assert C.masked_mean(values, None, dim=1).tolist() == pytest.approx([4.0, 20 / 3])
    from ilcourse.policies.base import masked_mean

    assert masked_mean is C.masked_mean  # one implementation, imported by the policies from base


def test_chunk_pairs_shapes():
    demos = Demonstrations(torch.randn(7, 3), torch.randn(7, 1), torch.tensor([0, 0, 0, 0, 1, 1, 1]))
    obs, act, mask = C.chunk_pairs(demos, 3)
    assert obs.shape == (7, 3) and act.shape == (7, 3, 1) and mask.shape == (7, 3)
    assert int(mask.sum()) == 3 + 3 + 2 + 1 + 3 + 2 + 1


def test_masked_chunk_mse_ignores_padding():
    pred = torch.zeros(2, 3, 2)
    target = torch.ones(2, 3, 2)
    target[0, 2] = 100.0
    mask = torch.tensor([[True, True, False], [True, False, False]])
    assert math.isclose(C.masked_chunk_mse(pred, target, mask).item(), 1.0)


def _counting_plan(obs):
    # chunk[i, h] = 10 * obs[i, 0] + h: the action tells which observation planned it and its index
    h = torch.arange(3, dtype=torch.float32)
    return (10 * obs[:, :1] + h[None, :]).unsqueeze(-1)  # (B, 3, 1)


def test_chunk_executor_queues_and_reset():
    ex = C.ChunkExecutor(_counting_plan, num_envs=2, chunk_size=3, act_dim=1)
    ex.reset(torch.tensor([True, True]))
    outs = []
    for t in range(5):
        obs = torch.tensor([[float(t)], [float(t)]])
        if t == 1:
            ex.reset(torch.tensor([False, True]))  # env 1 starts a new episode
        outs.append(ex(obs)[:, 0].tolist())
    assert [o[0] for o in outs] == [0, 1, 2, 30, 31]
    assert [o[1] for o in outs] == [0, 10, 11, 12, 40]
    assert ex.queries == 2 + 1 + 1 + 1


def test_temporal_ensemble_weights_oldest_first():
    n, h = 1, 3
    history = torch.zeros(n, h, h, 1)
    for j in range(h):
        history[0, j, j] = float(j)  # the chunk from j steps ago predicts j for now
    valid = torch.ones(n, h, dtype=torch.bool)
    m = 0.5
    w = torch.tensor([math.exp(-m * 2), math.exp(-m * 1), 1.0])  # ages 0, 1, 2; age 2 is the oldest (w_0 = 1)
    expected = (w * torch.tensor([0.0, 1.0, 2.0])).sum() / w.sum()
    got = C.temporal_ensemble(history, valid, m)
    assert got.shape == (1, 1) and math.isclose(got.item(), expected.item(), rel_tol=1e-6)
    valid[0, 2] = False
    w2 = torch.tensor([math.exp(-m), 1.0])
    assert math.isclose(C.temporal_ensemble(history, valid, m).item(), (w2[1] / w2.sum()).item(), rel_tol=1e-6)


def test_ensemble_executor_constant_plan_and_reset():
    plan = lambda obs: obs[:, None, :1].expand(-1, 4, 1).clone()  # noqa: E731
    ex = C.EnsembleExecutor(plan, num_envs=2, chunk_size=4, act_dim=1, m=0.1)
    ex.reset(torch.tensor([True, True]))
    a = ex(torch.tensor([[1.0], [2.0]]))
    assert torch.allclose(a[:, 0], torch.tensor([1.0, 2.0]))
    ex.reset(torch.tensor([False, True]))
    a = ex(torch.tensor([[3.0], [5.0]]))
    assert a[1, 0].item() == 5.0  # env 1 forgot its old chunk
    assert 1.0 < a[0, 0].item() < 3.0


def test_executors_run_in_evaluate():
    env = TrackingVecEnv(num_envs=8, horizon=20)
    plan = lambda obs: expert(obs, env.params)[:, None, :].expand(-1, 4, 1)  # noqa: E731
    for act_fn in (C.ChunkExecutor(plan, 8, 4, 1), C.EnsembleExecutor(plan, 8, 4, 1)):
        r = evaluate(env, act_fn, num_episodes=16, seed=0)
        assert r.success.shape == (16,)


def test_mode_switches_jitter_jerk():
    act = torch.tensor([[[1.0], [1.0], [-1.0], [-1.0]], [[1.0], [1.0], [0.0], [0.0]]])  # (2, 4, 1)
    x = torch.arange(5, dtype=torch.float32)[None, :].expand(2, -1)
    obs = torch.stack([x, torch.zeros_like(x)], dim=-1)  # (2, 5, 2)
    lengths = torch.tensor([4, 4])
    assert C.mode_switches(obs, act, lengths, before_x=10.0).tolist() == [True, False]
    assert C.mode_switches(obs, act, lengths, before_x=2.0).tolist() == [False, False]
    assert torch.allclose(C.jitter(act, lengths), torch.tensor([2 / 3, 1 / 3]))
    assert torch.allclose(C.jerk(act, lengths), torch.tensor([2.0, 1.0]))


def test_action_windows_take_episode_ids_as_labels():
    gen = ilcourse.make_generator(1)
    act = torch.randn(12, 3, generator=gen)
    for ids in ([9, 9, 9, 4, 4, 1, 1, 1, 1, 0, 0, 0], [7, 7, 2, 2, 2, 40, 5, 5, 5, 5, 11, 11]):
        episode = torch.tensor(ids)
        win, mask = C.action_windows(act, episode, 4)
        ref_win, ref_mask = _windows_by_loop(act, episode, 4)
        assert torch.equal(mask, ref_mask) and torch.equal(win, ref_win)


def test_receding_horizon_executes_the_first_k_then_replans():
    plan = lambda obs: (10 * obs[:, :1] + torch.arange(4.0)[None, :]).unsqueeze(-1)  # noqa: E731  (B, 4, 1)
    ex = C.ChunkExecutor(plan, num_envs=2, chunk_size=4, act_dim=1, execute=2)
    ex.reset(torch.tensor([True, True]))
    outs = []
    for t in range(5):
        if t == 1:
            ex.reset(torch.tensor([False, True]))
        outs.append(ex(torch.full((2, 1), float(t)))[:, 0].tolist())
    assert [o[0] for o in outs] == [0, 1, 20, 21, 40]
    assert [o[1] for o in outs] == [0, 10, 11, 30, 31]
    assert ex.queries == 6
    for bad in (0, 5):
        with pytest.raises(ValueError):
            C.ChunkExecutor(plan, 2, 4, 1, execute=bad)


def test_ensemble_weights_do_not_underflow_on_short_prefixes():
    history = torch.randn(3, 8, 8, 2, generator=ilcourse.make_generator(2))
    valid = torch.arange(8)[None, :] < torch.tensor([1, 2, 8])[:, None]
    out = C.temporal_ensemble(history, valid, m=30.0)  # exp(30 * 7) overflows without care
    assert torch.isfinite(out).all()
    assert torch.allclose(out, torch.stack([history[0, 0, 0], history[1, 1, 1], history[2, 7, 7]]))


def test_branch_disagreement_and_the_ensemble_executor_counters():
    history = torch.zeros(2, 3, 3, 1)
    history[0, 0, 0], history[0, 2, 2] = 1.0, -1.0  # row 0: a left and a right prediction for now
    history[1, 0, 0], history[1, 1, 1] = 1.0, 0.9
    valid = torch.ones(2, 3, dtype=torch.bool)
    assert C.branch_disagreement(history, valid).tolist() == [True, False]
    valid[0, 2] = False
    assert C.branch_disagreement(history, valid).tolist() == [False, False]
    signs = iter([1.0, -1.0, 1.0])
    plan = lambda obs: torch.full((obs.shape[0], 3, 1), next(signs))  # noqa: E731
    seen = []
    ex = C.EnsembleExecutor(plan, num_envs=2, chunk_size=3, act_dim=1, m=0.0,
                            ensemble=lambda h, v, m: (seen.append(v.clone()), C.temporal_ensemble(h, v, m))[1])
    ex.reset(torch.ones(2, dtype=torch.bool))
    ex(torch.zeros(2, 1))
    a = ex(torch.zeros(2, 1))
    assert torch.allclose(a, torch.zeros(2, 1)) and seen[-1].tolist() == [[True, True, False]] * 2
    assert (ex.steps, ex.split_steps) == (4, 2)


def test_switch_steps_agree_with_mode_switches():
    from ilcourse.plotting.chunks import switch_steps

    act = torch.tensor([[[1.0], [1.0], [-1.0], [-1.0]], [[1.0], [1.0], [0.0], [0.0]], [[-1.0], [0.0], [1.0], [0.0]]])
    x = torch.arange(5, dtype=torch.float32)[None, :].expand(3, -1)
    obs = torch.stack([x, torch.zeros_like(x)], dim=-1)  # (3, 5, 2)
    lengths = torch.tensor([4, 4, 4])
    steps = switch_steps(obs, act, lengths, before_x=10.0)
    assert steps.tolist() == [2, -1, 2]
    assert (steps >= 0).tolist() == C.mode_switches(obs, act, lengths, before_x=10.0).tolist()


def test_figures_legend_below_and_labels_formatted_like_the_table():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ilcourse.plotting.chunks import branch_legend_handles, plot_branch_fork, plot_sweep

    act = torch.tensor([[[1.0], [1.0], [-1.0], [-1.0]]])
    x = torch.arange(5, dtype=torch.float32)[None, :]
    obs = torch.stack([x, torch.zeros_like(x)], dim=-1)  # (1, 5, 2)
    fig, axes = plt.subplots(1, 4)
    plot_branch_fork(axes[0], obs, act, torch.tensor([4]), replan_every=2, legend=False)
    assert axes[0].get_legend() is None
    assert axes[0].get_xlim()[1] >= 6.0 + 1.0  # room for the word "goal" at the default x_goal (6)
    assert [h.get_label() for h in branch_legend_handles(2)][-1] == "query"
    assert len(branch_legend_handles(None)) == 4
    plot_sweep(axes[1:], [1, 2], {"success": [0.789, 0.838], "switches": [0.0566, 0.0078],
                                  "queries": [24.0, 3.99]}, "K", fmts=("{:.1%}", "{:.1%}", "{:.1f}"))
    labels = [[t.get_text() for t in ax.texts] for ax in axes[1:]]
    assert labels == [["78.9%", "83.8%"], ["5.7%", "0.8%"], ["24.0", "4.0"]]
    plt.close(fig)
