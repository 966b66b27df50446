"""How long the course's widget callbacks take: they recompute on every slider move.

Timings do not belong in the library's docstrings (they depend on the machine); they are
measured here. ``ilcourse.widgets.horizon.tightrope_widget`` runs a Monte-Carlo estimate of
``num_envs`` = 2048 tightrope episodes (``ilcourse.compounding.monte_carlo_cost``) in its
callback; its cost grows linearly with the horizon T (the slider goes up to 1000). The
docstring used to say "about a second at T = 1000 on a laptop CPU".

    python bench/bench_widgets.py [--device cpu] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import torch

import ilcourse
from ilcourse import compounding


def tightrope_callback(horizon: int, num_envs: int, device: str) -> float:
    start = time.perf_counter()
    compounding.monte_carlo_cost(0.01, horizon, num_envs, seed=100_000, device=device)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default=str(ilcourse.default_device()))
    parser.add_argument("--num-envs", type=int, default=2048)
    parser.add_argument("--horizons", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, device {args.device}\n")
    print("| widget callback | T | seconds (best of repeats) |")
    print("|---|---:|---:|")
    for horizon in args.horizons:
        best = min(tightrope_callback(horizon, args.num_envs, args.device) for _ in range(args.repeats))
        print(f"| tightrope Monte-Carlo, {args.num_envs} walkers | {horizon} | {best:.2f} |")


if __name__ == "__main__":
    main()
