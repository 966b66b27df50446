"""Render the four worlds (their own ``rgb_array`` frames, mid-episode under the expert) into
``assets/worlds.png`` for the README: ``python assets/render_worlds.py``."""

from pathlib import Path

import gymnasium as gym
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import ilcourse  # noqa: E402,F401  (registers the worlds)

WORLDS = [("ilcourse/Fork-v0", 3, "Fork: take a branch around the island"),
          ("ilcourse/Highway-v0", 3, "Highway: left + slow or right + fast"),
          ("ilcourse/Tracking-v0", 40, "Tracking: follow the winding track"),
          ("ilcourse/Tightrope-v0", 10, "Tightrope: lean with the sway")]

fig, axes = plt.subplots(1, 4, figsize=(16, 3.2))
for ax, (env_id, steps, title) in zip(axes, WORLDS):
    env = gym.make(env_id, render_mode="rgb_array")
    env.reset(seed=1)
    for _ in range(steps):
        env.step(env.unwrapped.expert_action())
    ax.imshow(env.render())
    ax.set_title(title, fontsize=10)
    ax.axis("off")
fig.tight_layout()
out = Path(__file__).with_name("worlds.png")
fig.savefig(out, dpi=90)
print(f"wrote {out}")
