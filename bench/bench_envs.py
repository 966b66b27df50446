"""Env-steps per second: torch-vectorized worlds vs gymnasium's SyncVectorEnv over NumPy envs.

All are measured in the same run, interleaved for each (world, N) (each env is measured
``--repeats`` times in turn and its best rate is shown), with the same random actions, so the
ratios hold even when the machine's speed drifts or a moment of other work disturbs one of
them. The baseline of the ratio is a NumPy env written the usual way and built with
``make_vec(..., "sync")``; a hand-tuned NumPy env (Python floats, no wrappers) is shown as a
stricter reference. Prints a markdown table (copy it into the README with the machine it ran on).

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


def torch_stepper(env_id: str, num_envs: int, device: str):
    """A ``step()`` of a torch vector env with fixed random actions."""
    env = gym.make_vec(env_id, num_envs=num_envs, device=device)
    env.reset(seed=0)
    gen = torch.Generator(device=device).manual_seed(0)
    act = torch.rand(env.action_space.shape, generator=gen, device=device) * 2 - 1

    def step():
        env.step(act)
        if device.startswith("cuda"):
            torch.cuda.synchronize()

    return step


def sync_numpy_stepper(make_env, num_envs: int, action_shape):
    """A ``step()`` of a SyncVectorEnv with fixed random actions."""
    env = make_env(num_envs)
    env.reset(seed=0)
    act = np.random.default_rng(0).uniform(-1, 1, (num_envs, *action_shape)).astype(np.float32)
    return lambda: env.step(act)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--num-envs", type=int, nargs="+", default=[1, 64, 4096, 65536])
    parser.add_argument("--min-seconds", type=float, default=0.5, help="time per measurement")
    parser.add_argument("--repeats", type=int, default=3,
                        help="measurements per env, interleaved with the others'; the best of each is shown "
                             "(the least disturbed by whatever else the machine does)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads; elementwise ops on <= 65536 entries gain nothing from more, "
                             "and on a busy machine OpenMP's waits make them much slower")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, device {args.device}, best of {args.repeats}\n")
    usual_ids = register_usual()
    print("| world | N | torch vector env (steps/s) | usual NumPy env + SyncVectorEnv (steps/s) | ratio "
          "| hand-tuned NumPy env + SyncVectorEnv (steps/s) | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for env_id in WORLDS:
        action_shape = gym.make(env_id).action_space.shape
        usual = lambda n, i=usual_ids[env_id]: gym.make_vec(i, num_envs=n, vectorization_mode="sync")  # noqa: E731
        lean = lambda n, c=LEAN[env_id]: gym.vector.SyncVectorEnv([c] * n)  # noqa: E731
        for n in args.num_envs:
            steppers = [
                torch_stepper(env_id, n, args.device),
                sync_numpy_stepper(usual, n, action_shape),
                sync_numpy_stepper(lean, n, action_shape),
            ]
            best = [0.0, 0.0, 0.0]
            for _ in range(args.repeats):
                for k, step in enumerate(steppers):
                    best[k] = max(best[k], steps_per_second(step, n, args.min_seconds, 10_000))
            fast, slow, leaner = best
            print(f"| {env_id.split('/')[1]} | {n} | {fast:,.0f} | {slow:,.0f} | {fast / slow:,.1f}x "
                  f"| {leaner:,.0f} | {fast / leaner:,.1f}x |", flush=True)


if __name__ == "__main__":
    main()
