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


_PROBES: dict[tuple[str | None, str], tuple[bool, str]] = {}


def probe() -> tuple[bool, str]:
    """``(works, reason)``: can this machine run a kernel in the sandbox?

    Not merely "is ``bwrap`` on PATH": a container without user namespaces has the binary but
    every ``bwrap`` call fails. So the probe runs ``bwrap`` once with the options the grading
    kernel needs (read-only ``/``, new pid and network namespaces) and caches the answer per
    ``bwrap`` path. ``reason`` says why not (or which ``bwrap`` works); it goes into every
    grading result that was not sandboxed. ``AUTOGRADER_NO_SANDBOX=1`` always answers no.
    """
    if os.environ.get("AUTOGRADER_NO_SANDBOX"):
        return False, "sandbox switched off (AUTOGRADER_NO_SANDBOX=1)"
    path = shutil.which("bwrap")
    key = (path, os.environ.get("PATH", ""))
    if key not in _PROBES:
        _PROBES[key] = _run_probe(path)
    return _PROBES[key]


def _run_probe(path: str | None) -> tuple[bool, str]:
    import subprocess

    if path is None:
        return False, "bubblewrap (`bwrap`) is not installed"
    argv = [path, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
            "--unshare-net", "--unshare-pid", "--die-with-parent", "--", "true"]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError) as exc:
        return False, f"`{path}` cannot run ({type(exc).__name__}: {exc})"
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        return False, (f"`{path}` is installed but cannot run here (exit {proc.returncode}: "
                       f"{detail[-1] if detail else 'no message'}); e.g. a container without "
                       "user namespaces")
    return True, f"sandboxed with {path}"


def bwrap_path() -> str | None:
    """Path of a ``bwrap`` that actually runs here (see :func:`probe`), or None."""
    works, _ = probe()
    return shutil.which("bwrap") if works else None


def bwrap_argv(bwrap: str, course_root: Path, run_dir: Path, workdir: Path, runtime_dir: Path,
               extra_hidden=()) -> list[str]:
    """The bwrap prefix that confines one grading kernel (``extra_hidden``: more folders to
    hide, e.g. a gradebook kept outside the course root)."""
    argv = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
            "--tmpfs", "/tmp", "--unshare-net", "--unshare-ipc", "--unshare-pid",
            "--die-with-parent", "--new-session",
            # ipykernel polls JPY_PARENT_PID, which does not exist in the new pid namespace.
            "--unsetenv", "JPY_PARENT_PID"]
    hidden = [course_root, CODE_ROOT, run_dir, *map(Path, extra_hidden)]
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
                     runtime_dir: Path, memory_bytes: int, threads: int, extra_hidden=()) -> bool:
    """Write ``dest/kernels/<KERNEL_NAME>/kernel.json``; return True when sandboxed (the
    :func:`probe` decides; its reason says why not)."""
    bwrap = bwrap_path()
    prefix = bwrap_argv(bwrap, course_root, run_dir, workdir, runtime_dir, extra_hidden) if bwrap else []
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
