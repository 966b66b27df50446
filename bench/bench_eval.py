"""Closed-loop evaluation throughput: 4096 episodes x 200 steps with a 2x256 MLP policy.

The policy is an ``MSEPolicy`` (2 hidden layers of 256) queried every step on the tracking
world (horizon 200), through ``ilcourse.rollout.evaluate``: one batched forward pass and one
vectorized env step per time step. Reported next to the same loop with a single env and the
same policy queried one observation at a time, extrapolated from 20 episodes, as the ratio.

    python bench/bench_eval.py [--device cuda]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import gymnasium as gym
import torch

import ilcourse
from ilcourse.policies import MSEPolicy
from ilcourse.rollout import evaluate, first_action


def batched(num_episodes: int, horizon: int, device: str) -> float:
    env = gym.make_vec("ilcourse/Tracking-v0", num_envs=num_episodes, horizon=horizon, device=device)
    policy = MSEPolicy(3, 1, hidden=256, depth=2).to(device)
    evaluate(env, first_action(policy), num_episodes=num_episodes, seed=1)  # warm-up
    start = time.perf_counter()
    result = evaluate(env, first_action(policy), num_episodes=num_episodes, seed=0)
    elapsed = time.perf_counter() - start
    assert result.lengths.min().item() == horizon
    return elapsed


def one_at_a_time(num_episodes: int, horizon: int) -> float:
    env = gym.make("ilcourse/Tracking-v0", horizon=horizon)
    policy = MSEPolicy(3, 1, hidden=256, depth=2)
    start = time.perf_counter()
    for episode in range(num_episodes):
        obs, _ = env.reset(seed=episode)
        done = False
        while not done:
            with torch.no_grad():
                act = policy.sample(torch.as_tensor(obs)[None])[0, 0].numpy()
            obs, _, terminated, truncated, _ = env.step(act)
            done = terminated or truncated
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default=str(ilcourse.default_device()))
    parser.add_argument("--episodes", type=int, default=4096)
    parser.add_argument("--horizon", type=int, default=200)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, device {args.device}\n")
    fast = batched(args.episodes, args.horizon, args.device)
    sample = 20
    slow = one_at_a_time(sample, args.horizon) * args.episodes / sample
    steps = args.episodes * args.horizon
    print("| evaluation | episodes x steps | seconds | env-steps/s |")
    print("|---|---|---:|---:|")
    print(f"| batched `evaluate` (vector env + 2x256 MLP) | {args.episodes} x {args.horizon} | {fast:.2f} | {steps / fast:,.0f} |")
    print(f"| one env, one observation at a time (extrapolated from {sample} episodes) | {args.episodes} x {args.horizon} "
          f"| {slow:.1f} | {steps / slow:,.0f} |")
    print(f"\nratio: {slow / fast:.0f}x")


if __name__ == "__main__":
    main()
