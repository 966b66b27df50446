"""plotting.worlds: fork scenes draw without error and sides are classified correctly."""

import matplotlib

matplotlib.use("Agg")
import gymnasium
import matplotlib.pyplot as plt
import numpy as np
import torch

from ilcourse.plotting.worlds import LEFT, RIGHT, STRAIGHT, fork_side, plot_fork_scene
from ilcourse.rollout import evaluate, expert_act_fn


def test_fork_side_on_hand_made_paths():
    obs = torch.zeros(3, 4, 2)
    obs[:, :, 0] = torch.arange(4) * 0.5
    obs[0, 1:, 1] = torch.tensor([0.5, 1.0, 1.5])
    obs[1, 1:, 1] = torch.tensor([-0.5, -1.0, -1.5])
    obs[2, 1:, 1] = torch.tensor([0.1, -0.1, 0.0])
    assert fork_side(obs, torch.tensor([3, 3, 3])).tolist() == [LEFT, RIGHT, STRAIGHT]
    # past the episode's length nothing counts
    assert fork_side(obs, torch.tensor([0, 3, 3]))[0] == STRAIGHT


def test_expert_scene_draws_and_sides_follow_the_hidden_choice():
    env = gymnasium.make_vec("ilcourse/Fork-v0", num_envs=32, p_left=0.5)
    res = evaluate(env, expert_act_fn(env), num_episodes=32, seed=0, record=True)
    sides = fork_side(res.obs, res.lengths, env.unwrapped.params)
    assert set(np.unique(sides)) <= {LEFT, RIGHT} and len(set(sides)) == 2
    ax = plot_fork_scene(res.obs, res.lengths, params=env.unwrapped.params, title="expert")
    assert len(ax.lines) >= 32 and ax.get_title() == "expert"
    plt.close("all")
