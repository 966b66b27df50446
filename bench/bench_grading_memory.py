"""Peak memory and time of grading one notebook, per notebook, on one core.

    python bench/bench_grading_memory.py [ID ...] [--core 0] [--cli] [--sandbox] [--out FILE.json]

Each notebook's solution is graded the way the platforms grade it, by the container image's
entry (``python -m autograder.platforms.container NOTEBOOK``; ``--cli``: by
``python -m autograder grade --json`` instead), pinned to one core (``taskset -c CORE``; the
worker and the kernel inherit the affinity), without bubblewrap by default (as inside a
platform's container). A sampler walks the process tree every 50 ms and records, per sample,
three sums over the processes (grader, template builder, worker, kernel): RSS (resident
pages, shared ones counted in every process that maps them), PSS (shared pages split between
the processes that map them: close to what a container's memory cgroup charges), and anonymous
RSS (what cannot be dropped and re-read from disk under a limit; there is no swap). Reported:
the peaks of the three sums, each role's peak RSS, the CPU time of the whole process tree
(user + system; what one idle core needs, whatever the load), the wall time, the score, and
the machine's load average (the course machine is shared: wall times are upper bounds).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024


def role(proc: psutil.Process) -> str:
    try:
        cmd = " ".join(proc.cmdline())
    except psutil.Error:
        return "other"
    if "autograder.kernel" in cmd:
        return "kernel"
    if "build_template" in cmd:
        return "template"
    if "autograder.worker" in cmd:
        return "worker"
    if "-m autograder" in cmd:
        return "grader"
    return "other"


def anon_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def sample_tree(root: psutil.Process) -> tuple[int, int, int, dict[str, int]]:
    rss = pss = anon = 0
    roles: dict[str, int] = {}
    try:
        procs = [root] + root.children(recursive=True)
    except psutil.Error:
        return 0, 0, 0, {}
    for p in procs:
        try:
            info = p.memory_full_info()
        except psutil.Error:
            continue
        rss += info.rss
        pss += getattr(info, "pss", info.rss)
        anon += anon_bytes(p.pid)
        r = role(p)
        roles[r] = roles.get(r, 0) + info.rss
    return rss, pss, anon, roles


def measure(assignment: str, core: int, sandbox: bool, cli: bool = False, interval: float = 0.05) -> dict:
    nb = ROOT / "solutions" / assignment / f"{assignment}.ipynb"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("ILCOURSE_STRICT", None)
    if not sandbox:
        env["AUTOGRADER_NO_SANDBOX"] = "1"
    if cli:
        cmd = [sys.executable, "-m", "autograder", "grade", str(nb), "--json",
               "--feedback", f"/tmp/bench-feedback-{assignment}.html"]
    else:
        cmd = [sys.executable, "-m", "autograder.platforms.container", str(nb), "--course-root", str(ROOT)]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", str(core)] + cmd
    peak = {"rss": 0, "pss": 0, "anon": 0, "roles": {}}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd="/")
    ps = psutil.Process(proc.pid)
    done = threading.Event()

    def sampler():
        while not done.is_set():
            rss, pss, anon, roles = sample_tree(ps)
            peak["rss"], peak["pss"] = max(peak["rss"], rss), max(peak["pss"], pss)
            peak["anon"] = max(peak["anon"], anon)
            for r, v in roles.items():
                peak["roles"][r] = max(peak["roles"].get(r, 0), v)
            time.sleep(interval)

    thread = threading.Thread(target=sampler, daemon=True)
    thread.start()
    out, err = proc.communicate()
    seconds = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU time of the whole tree (each process waits for its children): what one idle core needs
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    done.set()
    thread.join()
    try:
        data = json.loads(out)
        data = data if cli else data["result"]
        score = f"{data['score']:g} / {data['max_score']:g}"
    except Exception:
        score = f"failed (exit {proc.returncode}): {err.decode()[-300:]}"
    return {"assignment": assignment, "seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1), "score": score,
            "peak_rss_mib": round(peak["rss"] / MiB), "peak_pss_mib": round(peak["pss"] / MiB),
            "peak_anon_mib": round(peak["anon"] / MiB), "path": "cli" if cli else "platform",
            "peak_rss_by_role_mib": {r: round(v / MiB) for r, v in sorted(peak["roles"].items())},
            "sandboxed": sandbox, "core": core, "load_average": [round(x, 1) for x in os.getloadavg()]}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("ids", nargs="*")
    p.add_argument("--core", type=int, default=0)
    p.add_argument("--sandbox", action="store_true", help="grade with bubblewrap (default: without)")
    p.add_argument("--cli", action="store_true", help="measure `python -m autograder grade` instead")
    p.add_argument("--out", default=str(ROOT / "bench" / "results" / "grading_memory.json"))
    args = p.parse_args()
    sys.path.insert(0, str(ROOT))
    from autograder import course

    ids = args.ids or course.assignments(ROOT)
    rows = []
    print("| notebook | peak RSS, summed (MiB) | peak PSS, summed (MiB) | peak anonymous, summed (MiB) "
          "| grader / template / worker / kernel RSS (MiB) | CPU time (s) | wall time on 1 core (s) | score | load |")
    print("|---|---:|---:|---:|---|---:|---:|---|---|")
    for a in ids:
        r = measure(a, args.core, args.sandbox, args.cli)
        rows.append(r)
        roles = r["peak_rss_by_role_mib"]
        print(f"| {a} | {r['peak_rss_mib']} | {r['peak_pss_mib']} | {r['peak_anon_mib']} | "
              f"{roles.get('grader', 0)} / {roles.get('template', 0)} / {roles.get('worker', 0)} / "
              f"{roles.get('kernel', 0)} | {r['cpu_seconds']} | "
              f"{r['seconds']} | {r['score']} | {r['load_average'][0]} |", flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
