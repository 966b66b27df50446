"""The grading kernel's kernelspec, sandboxed with bubblewrap (``bwrap``) when available.

Inside the sandbox the whole filesystem is read-only, and these are hidden behind empty
tmpfs mounts: the course root (``solutions/``, ``mutants/``, ``.grading/``, ``.git``), the code
root except the course package and ``autograder``, ``/tmp`` (other students' runs) and
the private run folder (the Python installation itself stays visible, read-only) except the
two folders the kernel needs (its working folder, read-only, and the runtime folder with the
connection file and IPC sockets). The network is
unshared, so the kernel talks to the grader over IPC sockets (``KernelManager.transport=ipc``).
``--die-with-parent`` reaps the kernel if the grader dies.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from autograder import CODE_ROOT, COURSE_PACKAGE

KERNEL_NAME = "course-grader"


def bwrap_path() -> str | None:
    """Path of a working ``bwrap``, or None (set AUTOGRADER_NO_SANDBOX=1 to force None)."""
    if os.environ.get("AUTOGRADER_NO_SANDBOX"):
        return None
    return shutil.which("bwrap")


def bwrap_argv(bwrap: str, course_root: Path, run_dir: Path, workdir: Path, runtime_dir: Path) -> list[str]:
    """The bwrap prefix that confines one grading kernel."""
    argv = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
            "--tmpfs", "/tmp", "--unshare-net", "--unshare-ipc", "--unshare-pid",
            "--die-with-parent", "--new-session",
            # ipykernel polls JPY_PARENT_PID, which does not exist in the new pid namespace.
            "--unsetenv", "JPY_PARENT_PID"]
    hidden = [course_root, CODE_ROOT, run_dir]
    for path in dict.fromkeys(p.resolve() for p in hidden):
        if not str(path).startswith("/tmp/"):  # already hidden by the /tmp tmpfs
            argv += ["--tmpfs", str(path)]
    for package in (COURSE_PACKAGE, "autograder"):
        src = CODE_ROOT / package
        argv += ["--ro-bind", str(src), str(src)]
    argv += python_installation_binds()
    argv += ["--ro-bind", str(workdir), str(workdir)]
    argv += ["--bind", str(runtime_dir), str(runtime_dir)]
    argv += ["--setenv", "HOME", "/tmp", "--setenv", "MPLCONFIGDIR", "/tmp", "--chdir", str(workdir)]
    return argv + ["--"]


def python_installation_binds() -> list[str]:
    """Read-only binds that keep this Python (its virtual environment) visible in the sandbox.

    A venv often lives under /tmp (CI) or inside the course folder (``.venv``), both hidden by
    the tmpfs mounts above. Only the installation's own parts are bound back, never the folder
    that contains them, so a venv inside the course does not re-expose ``solutions/``.
    """
    argv: list[str] = []
    for prefix in dict.fromkeys(Path(p).resolve() for p in (sys.prefix, sys.exec_prefix, sys.base_prefix)):
        for part in ("bin", "lib", "lib64", "include", "pyvenv.cfg"):
            path = prefix / part
            if path.exists():
                argv += ["--ro-bind", str(path), str(path)]
    return argv


def write_kernelspec(dest: Path, course_root: Path, run_dir: Path, workdir: Path,
                     runtime_dir: Path, memory_bytes: int, threads: int) -> bool:
    """Write ``dest/kernels/<KERNEL_NAME>/kernel.json``; return True when sandboxed."""
    bwrap = bwrap_path()
    prefix = bwrap_argv(bwrap, course_root, run_dir, workdir, runtime_dir) if bwrap else []
    argv = prefix + [sys.executable, "-P", "-m", "autograder.kernel", "-f", "{connection_file}"]
    env = {
        "PYTHONPATH": str(CODE_ROOT),
        "AUTOGRADER_COURSE_PACKAGE": COURSE_PACKAGE,
        "AUTOGRADER_MEMORY_BYTES": str(memory_bytes),
        "OMP_NUM_THREADS": str(threads),
        "MKL_NUM_THREADS": str(threads),
        "MPLBACKEND": "agg",
        "PYTHONWARNINGS": "default",
        "TQDM_DISABLE": "1",
    }
    spec = {"argv": argv, "display_name": "course grader", "language": "python", "env": env}
    folder = dest / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1))
    return bool(bwrap)
