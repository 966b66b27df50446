"""Launcher of the grading kernel (the kernelspec's argv runs ``python -P -m autograder.kernel``).

Before handing over to ipykernel it
- caps the address space (RLIMIT_AS) so a memory bomb becomes a ``MemoryError`` /
  ``RuntimeError`` inside the cell instead of taking the machine (or the OOM killer) down;
- keeps the kernel's working folder off ``sys.path`` (``-P`` plus ``ignore_cwd``), so a
  ``torch.py`` or ``ilcourse/`` next to the notebook cannot shadow the real packages;
- makes warnings harmless: they are shown once, and the grader moves stderr of test
  cells to stdout, so a ``UserWarning`` from correct code never costs points.
"""

from __future__ import annotations

import os
import resource
import sys
import warnings


def _limit_memory() -> None:
    limit = int(os.environ.get("AUTOGRADER_MEMORY_BYTES", "0") or 0)
    if limit > 0:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _clean_sys_path() -> None:
    cwd = os.getcwd()
    sys.path[:] = [p for p in sys.path if p not in ("", ".", cwd)]


def main() -> None:
    _limit_memory()
    _clean_sys_path()
    warnings.simplefilter("default")
    from ipykernel import kernelapp

    argv = sys.argv[1:] + ["--IPKernelApp.ignore_cwd=True", "--HistoryManager.hist_file=:memory:"]
    kernelapp.launch_new_instance(argv=argv)


if __name__ == "__main__":
    main()
