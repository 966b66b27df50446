"""Did the learner's kernel touch files it has no business touching? (worker / nbgrader side)

Without the sandbox the kernel runs with the grader's file access: it can write the gradebook,
the course's notebooks, the grader's own code or job files. Nothing here prevents that (the
sandbox does); it makes such a run *conspicuous*: the grader fingerprints the files the kernel
must not change before the kernel starts and after it is shut down, and a difference marks the
submission "needs review" with the paths. The fingerprint of a file is its size, mtime and
ctime: user code can reset an mtime (``os.utime``) but not a ctime, so a write that restores
the old contents and times is still seen. Python's byte-code caches are ignored (importing a
course module legitimately writes them).

Scores never come from these files anyway: the grader keeps its own record of which test
cells passed (autograder/nbgrader_hooks.py ``RecordGrades``) and that record is what counts.
"""

from __future__ import annotations

import os
from pathlib import Path

_SKIP_DIRS = {"__pycache__", ".ipynb_checkpoints"}
_MAX_FILES = 50_000  # a runaway watch list (a whole home folder) is cut off, not walked forever


def fingerprint(paths, exclude=()) -> dict[str, tuple]:
    """``{path: (size, mtime_ns, ctime_ns)}`` of every file under ``paths`` (files or folders),
    except those under ``exclude``; a missing path is recorded as missing."""
    excluded = [str(Path(p).resolve()) for p in exclude]
    out: dict[str, tuple] = {}

    def skip(path: str) -> bool:
        return any(path == e or path.startswith(e + os.sep) for e in excluded)

    def add(path: str) -> None:
        try:
            st = os.lstat(path)
        except OSError:
            out[path] = ("missing",)
            return
        out[path] = (st.st_size, st.st_mtime_ns, st.st_ctime_ns)

    for root in dict.fromkeys(str(Path(p).resolve()) for p in paths):
        if skip(root):
            continue
        if not os.path.isdir(root):
            add(root)
            continue
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in _SKIP_DIRS and not skip(os.path.join(folder, d))]
            for name in files:
                if name.endswith((".pyc", ".pyo")):
                    continue
                path = os.path.join(folder, name)
                if not skip(path):
                    add(path)
            if len(out) > _MAX_FILES:
                break
    return out


def changes(before: dict[str, tuple], after: dict[str, tuple]) -> list[str]:
    """Human-readable list of what differs (created, deleted, modified), sorted."""
    found = []
    for path in sorted(set(before) | set(after)):
        a, b = before.get(path), after.get(path)
        if a == b:
            continue
        if a is None or a == ("missing",):
            found.append(f"created {path}")
        elif b is None or b == ("missing",):
            found.append(f"deleted {path}")
        else:
            found.append(f"modified {path}")
    return found


def describe(found: list[str], limit: int = 3) -> str:
    """One line for a report: which watched files changed while the notebook ran.

    Outside the sandbox the grader cannot tell the notebook's writes from another program's
    (someone editing the course during a batch), so the line names both.
    """
    if not found:
        return ""
    shown = "; ".join(found[:limit]) + (f"; and {len(found) - limit} more" if len(found) > limit else "")
    return (f"files the notebook must not touch changed while it ran (by its code, or by another "
            f"program on this machine): {shown}")


def save_copies(paths) -> dict:
    """Copies of ``paths`` (plus their sqlite journals) to put back with :func:`restore_copies`."""
    import shutil
    import tempfile

    saved = {"tmp": tempfile.mkdtemp(prefix="ag-protect-"), "files": {}}
    for i, path in enumerate(dict.fromkeys(str(Path(p).resolve()) for p in paths)):
        for variant in (path, path + "-journal", path + "-wal", path + "-shm"):
            if os.path.isfile(variant):
                copy = os.path.join(saved["tmp"], f"{i}-{os.path.basename(variant)}")
                shutil.copy2(variant, copy)
                saved["files"][variant] = (copy, fingerprint([variant])[variant])
            else:
                saved["files"][variant] = (None, ("missing",))
    return saved


def restore_copies(saved: dict) -> list[str]:
    """Put back every saved file that changed (delete what appeared); the paths restored."""
    import shutil

    restored = []
    try:
        for path, (copy, fp) in saved["files"].items():
            now = fingerprint([path])[path]
            if now == fp:
                continue
            if copy is None:
                os.remove(path)
            else:
                shutil.copyfile(copy, path)
            restored.append(path)
    finally:
        shutil.rmtree(saved["tmp"], ignore_errors=True)
    return restored
