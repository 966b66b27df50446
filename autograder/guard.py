"""Integrity guard that runs INSIDE the grading kernel.

The grader calls it through ``user_expressions`` of an execute request with empty code, a
path that IPython's input transformers, AST transformers and history never see:

1. ``snapshot()`` right after the read-only setup cells ran, before any learner code: it
   records the objects the tests rely on (modules and their attributes, ``torch.Tensor``'s
   methods, builtins, the names the setup cell bound, IPython's transformer lists, event
   callbacks and execution machinery) and returns a fresh secret key to the grader.
2. ``restore(nonce)`` right before each test cell: puts every recorded object back (undoing
   monkeypatches of check helpers, ``torch.testing``, ``torch.allclose``, ``numpy.testing``,
   input transformers, ...) and answers ``HMAC(key, nonce)``. If the learner's code broke
   this path the answer is missing or wrong and the grader scores the test cell zero.
3. ``forget(marker)`` right after each test cell: drops the cell's text from the caches a
   learner's later cell could print (``linecache``, ``last_execution_result``).
4. ``reset(nonce)`` (the mutant runner, between two answers graded in one kernel): ``restore``,
   and the user namespace back to exactly its post-setup names and values, the global random
   states (torch, numpy, random) and the states of the generators the setup bound, the values
   of the tensors and the contents of the plain containers it bound, torch's default dtype,
   grad mode and thread count, and the contents of the course package's module-level
   containers. Answers HMAC(key, nonce) like ``restore``.

It defends against code that tampers with what the tests use; code written to defeat this
module specifically (it is open source) is out of scope: see autograder/README.md.
"""

from __future__ import annotations

import builtins
import hashlib
import hmac
import linecache
import secrets
import sys
import threading
import types

from autograder import COURSE_PACKAGE

_PLAIN = (int, float, str, bytes, bool, type(None), list, dict, tuple, set, frozenset)
# Module-name prefixes whose attributes are restored (when they were imported by then).
_PROTECTED_PREFIXES = ("torch", "numpy", COURSE_PACKAGE, "math", "random", "builtins", "IPython",
                       "ipykernel", "linecache", "inspect", "traceback", "warnings")


def _make_state():
    """Everything the guard keeps lives in this closure, not in module globals."""
    state = {}

    def snapshot():
        from IPython import get_ipython

        shell = get_ipython()
        state.clear()
        state["key"] = secrets.token_bytes(32)
        state["shell"] = shell
        state["modules"] = {n: m for n, m in sys.modules.items()
                            if isinstance(m, types.ModuleType) and n.split(".")[0] in _PROTECTED_PREFIXES}
        state["module_vars"] = {n: dict(vars(m)) for n, m in state["modules"].items()}
        state["classes"] = _classes_to_protect(shell)
        state["class_vars"] = {c: dict(vars(c)) for c in state["classes"]}
        state["user_ns"] = {k: v for k, v in shell.user_ns.items() if not k.startswith("_")}
        state["shell_vars"] = dict(vars(shell))
        state["kernel_vars"] = dict(vars(shell.kernel)) if getattr(shell, "kernel", None) else {}
        state["handlers"] = {name: dict(getattr(shell.kernel, name, {}) or {})
                             for name in ("shell_handlers", "control_handlers")}
        state["lists"] = _transformer_lists(shell)
        state["events"] = {k: list(v) for k, v in shell.events.callbacks.items()}
        state["sys"] = {k: getattr(sys, k) for k in
                        ("excepthook", "displayhook", "stdout", "stderr", "meta_path", "path_hooks")}
        state["meta_path"] = list(sys.meta_path)
        state["sys_path"] = list(sys.path)
        state["ns_keys"] = set(shell.user_ns)
        state["runtime"] = _runtime_state(state)
        return state["key"].hex()

    def restore(nonce):
        if "key" not in state:
            return ""
        _quiet_restore(state)
        return hmac.new(state["key"], nonce.encode(), hashlib.sha256).hexdigest()

    def reset(nonce):
        if "key" not in state:
            return ""
        _quiet_restore(state)
        ns = state["shell"].user_ns
        for name in [n for n in ns if n not in state["ns_keys"]]:
            del ns[name]
        ns.update(state["user_ns"])
        _set_runtime_state(state["runtime"])
        return hmac.new(state["key"], nonce.encode(), hashlib.sha256).hexdigest()

    def forget(marker):
        shell = state.get("shell")
        for name, entry in list(linecache.cache.items()):
            lines = entry[2] if len(entry) > 2 else []
            if any(marker in line for line in lines or []):
                del linecache.cache[name]
        if shell is not None:
            shell.last_execution_result = None
            shell.user_ns.pop(marker, None)
        return "ok"

    return snapshot, restore, forget, reset


def _quiet_restore(state):
    """``_restore`` without showing warnings (reading deprecated module attributes warns);
    ``catch_warnings`` puts back on exit what it found, so the warnings module is restored again."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _restore(state)
    if "warnings" in state["modules"]:
        saved = state["module_vars"]["warnings"]
        _restore_attrs(state["modules"]["warnings"], {k: v for k, v in saved.items() if not isinstance(v, _PLAIN)})


def _runtime_state(state):
    """Process-wide state an answer may change that later tests could see (for ``reset``)."""
    import random

    import torch

    saved = {"torch_rng": torch.get_rng_state(), "random": random.getstate(),
             "dtype": torch.get_default_dtype(), "grad": torch.is_grad_enabled(),
             "threads": torch.get_num_threads(),
             "generators": [(g, g.get_state()) for g in state["user_ns"].values()
                            if isinstance(g, torch.Generator)],
             "containers": [(v, _copy_container(v)) for name, module in state["modules"].items()
                            if name.split(".")[0] == COURSE_PACKAGE
                            for attr, v in vars(module).items()
                            if not attr.startswith("__") and type(v) in (dict, list, set)],
             # what the setup cells bound: plain containers and tensors, contents and values
             "ns_containers": [(v, _copy_container(v)) for k, v in state["user_ns"].items()
                               if type(v) in (dict, list, set) and k not in _IPYTHON_NAMES],
             "ns_tensors": [(v, v.detach().clone()) for v in state["user_ns"].values()
                            if isinstance(v, torch.Tensor)]}
    if "numpy" in sys.modules:
        saved["numpy"] = sys.modules["numpy"].random.get_state()
    return saved


_IPYTHON_NAMES = {"In", "Out", "get_ipython", "exit", "quit", "open"}  # IPython's own, kept as they are


def _copy_container(value):
    return dict(value) if isinstance(value, dict) else list(value) if isinstance(value, list) else set(value)


def _set_runtime_state(saved):
    import random

    import torch

    torch.set_rng_state(saved["torch_rng"])
    random.setstate(saved["random"])
    torch.set_default_dtype(saved["dtype"])
    torch.set_grad_enabled(saved["grad"])
    torch.set_num_threads(saved["threads"])
    for generator, gen_state in saved["generators"]:
        generator.set_state(gen_state)
    for tensor, value in saved["ns_tensors"]:
        if tensor.shape != value.shape or tensor.dtype != value.dtype or not torch.equal(tensor, value):
            with torch.no_grad():
                tensor.set_(value.clone())
    for container, contents in saved["containers"] + saved["ns_containers"]:
        container.clear()
        if isinstance(container, list):
            container.extend(contents)
        else:
            container.update(contents)
    if "numpy" in saved:
        sys.modules["numpy"].random.set_state(saved["numpy"])


def _classes_to_protect(shell):
    """Classes whose methods a learner could replace to skip or fake a test."""
    import torch

    classes = [torch.Tensor]
    for obj in (shell, getattr(shell, "kernel", None), getattr(shell, "compile", None),
                getattr(shell, "input_transformer_manager", None), getattr(shell, "events", None)):
        if obj is not None:
            classes += [c for c in type(obj).__mro__ if c is not object]
    return list(dict.fromkeys(classes))


def _transformer_lists(shell):
    """The (list object, contents) pairs IPython runs source code through."""
    tm = shell.input_transformer_manager
    lists = [tm.cleanup_transforms, tm.line_transforms, tm.token_transformers,
             shell.input_transformers_post, shell.ast_transformers]
    return [(lst, list(lst)) for lst in lists]


def _restore_attrs(obj, saved, drop_new_callables=False):
    """Put back every attribute of ``obj`` whose identity changed since ``saved``."""
    current = vars(obj)
    for name, value in saved.items():
        if current.get(name, _MISSING) is not value:
            try:
                setattr(obj, name, value)
            except (AttributeError, TypeError):
                pass
    if drop_new_callables:
        for name in [n for n in current if n not in saved and callable(current[n])]:
            try:
                delattr(obj, name)
            except (AttributeError, TypeError):
                pass


_MISSING = object()


def _restore(state):
    shell = state["shell"]
    sys.settrace(None)
    sys.setprofile(None)
    threading.settrace(None)
    threading.setprofile(None)
    for name, module in state["modules"].items():
        sys.modules[name] = module
        saved = state["module_vars"][name]
        if name.split(".")[0] != COURSE_PACKAGE:
            # Outside the course package only objects: counters and flags change legitimately.
            saved = {k: v for k, v in saved.items() if not isinstance(v, _PLAIN) and k != "_"}
        _restore_attrs(module, saved)
    for cls in state["classes"]:
        _restore_attrs(cls, state["class_vars"][cls], drop_new_callables=True)
    # Instance attributes: objects and callables only (counters and caches change legitimately).
    for obj, saved in ((shell, state["shell_vars"]), (getattr(shell, "kernel", None), state["kernel_vars"])):
        if obj is None:
            continue
        _restore_attrs(obj, {k: v for k, v in saved.items() if not isinstance(v, _PLAIN)},
                       drop_new_callables=True)
    for name, saved in state["handlers"].items():
        handlers = getattr(shell.kernel, name, None)
        if isinstance(handlers, dict):
            handlers.clear()
            handlers.update(saved)
    for lst, contents in state["lists"]:
        lst[:] = contents
    shell.events.callbacks.clear()
    shell.events.callbacks.update({k: list(v) for k, v in state["events"].items()})
    for name, value in state["sys"].items():
        setattr(sys, name, value)
    sys.meta_path[:] = state["meta_path"]
    sys.path[:] = state["sys_path"]
    shell.user_ns.update(state["user_ns"])
    shell.user_ns["__builtins__"] = builtins


snapshot, restore, forget, reset = _make_state()
del _make_state
