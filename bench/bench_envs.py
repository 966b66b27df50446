"""Env-steps per second: torch-vectorized worlds vs gymnasium's SyncVectorEnv over NumPy envs.

All are measured in the same run, one after the other for each (world, N), with the same
random actions, so the ratios hold even when the machine's speed drifts. The baseline of the
ratio is a NumPy env written the usual way and built with ``make_vec(..., "sync")``; a
hand-tuned NumPy env (Python floats, no wrappers) is shown as a stricter reference. Prints a markdown
table (copy it into the README with the machine it ran on).

    python bench/bench_envs.py                 # N = 1, 64, 4096, 65536, CPU
    python bench/bench_envs.py --device cuda   # where there is a GPU
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import gymnasium as gym
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ilcourse  # noqa: E402,F401  (registers the worlds)
from numpy_worlds import LEAN, WORLDS, register_usual  # noqa: E402


def steps_per_second(step, num_envs: int, min_seconds: float, max_steps: int) -> float:
    """Call ``step()`` until ``min_seconds`` have passed (at least 2 calls); env-steps / s."""
    step()  # warm-up
    calls, start = 0, time.perf_counter()
    while True:
        step()
        calls += 1
        elapsed = time.perf_counter() - start
        if (elapsed >= min_seconds and calls >= 2) or calls >= max_steps:
            return calls * num_envs / elapsed


def torch_world(env_id: str, num_envs: int, device: str, min_seconds: float) -> float:
    env = gym.make_vec(env_id, num_envs=num_envs, device=device)
    env.reset(seed=0)
    gen = torch.Generator(device=device).manual_seed(0)
    shape = env.action_space.shape
    act = torch.rand(shape, generator=gen, device=device) * 2 - 1

    def step():
        env.step(act)
        if device.startswith("cuda"):
            torch.cuda.synchronize()

    return steps_per_second(step, num_envs, min_seconds, 10_000)


def sync_numpy_world(make_env, num_envs: int, action_shape, min_seconds: float) -> float:
    env = make_env(num_envs)
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    act = rng.uniform(-1, 1, (num_envs, *action_shape)).astype(np.float32)
    return steps_per_second(lambda: env.step(act), num_envs, min_seconds, 10_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--num-envs", type=int, nargs="+", default=[1, 64, 4096, 65536])
    parser.add_argument("--min-seconds", type=float, default=1.0, help="time per measurement")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads; elementwise ops on <= 65536 entries gain nothing from more, "
                             "and on a busy machine OpenMP's waits make them much slower")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, device {args.device}\n")
    usual_ids = register_usual()
    print("| world | N | torch vector env (steps/s) | usual NumPy env + SyncVectorEnv (steps/s) | ratio "
          "| hand-tuned NumPy env + SyncVectorEnv (steps/s) | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for env_id in WORLDS:
        action_shape = gym.make(env_id).action_space.shape
        usual = lambda n, i=usual_ids[env_id]: gym.make_vec(i, num_envs=n, vectorization_mode="sync")  # noqa: E731
        lean = lambda n, c=LEAN[env_id]: gym.vector.SyncVectorEnv([c] * n)  # noqa: E731
        for n in args.num_envs:
            fast = torch_world(env_id, n, args.device, args.min_seconds)
            slow = sync_numpy_world(usual, n, action_shape, args.min_seconds)
            leaner = sync_numpy_world(lean, n, action_shape, args.min_seconds)
            print(f"| {env_id.split('/')[1]} | {n} | {fast:,.0f} | {slow:,.0f} | {fast / slow:,.1f}x "
                  f"| {leaner:,.0f} | {fast / leaner:,.1f}x |", flush=True)


if __name__ == "__main__":
    main()
