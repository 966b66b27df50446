"""``GuardedExecute``: nbgrader's Execute preprocessor, hardened.

Per notebook it runs cells as nbgrader does, plus:
- after the read-only setup cells: ``guard.snapshot()`` (before any learner code runs);
- before each test cell: ``guard.restore(nonce)``, checked against the key; a test cell whose
  guard answer is wrong or missing, or that did not run to its last line, gets an error;
- test cells run with ``store_history=False`` (not in ``_ih``/``In``/``%history``), and
  ``guard.forget`` drops their text from linecache afterwards;
- stderr of test cells is moved to stdout (a warning is not a failure) and their
  ``execute_result`` is dropped (a trailing number is not partial credit);
- a cell that times out is interrupted; a kernel that ignores the interrupt, or dies
  (``os._exit``, memory), is restarted, the setup cells re-run, and grading carries on:
  every test depends only on the setup cells and its own solution cell.

``grade_answers`` is the mutant runner's mode: many answer sources, each followed by its
exercise's test cell, in one kernel that the guard resets to its post-setup state in between.

Runs in the worker process; the guard half runs in the learner's kernel.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Integer, List, Unicode

from autograder import cells
from autograder.cells import Kind

GUARD = "__import__('autograder.guard').guard"
#: Error names that mean "the grader stepped in", not "the answer is wrong".
GRADER_ERRORS = ("IntegrityError", "KernelDied", "TimeoutError", "WallClockError")


def error_output(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=[f"{ename}: {evalue}"])


class GuardedExecute(Execute):
    """See the module docstring."""

    guard_timeout = Integer(30, help="Seconds to wait for the in-kernel guard.").tag(config=True)
    interrupt_grace = Integer(5, help="Seconds a timed-out cell gets to stop after SIGINT.").tag(config=True)
    wall_clock = Integer(0, help="Seconds the whole notebook may run (0: no limit here; the "
                         "worker's host enforces one by killing the process group). Cells after "
                         "it are not run; their tests score 0.").tag(config=True)
    watch = List(Unicode(), help="Files and folders the learner's kernel must not change "
                 "(gradebook, course files, grader state): fingerprinted before the kernel "
                 "starts and after it stops (autograder/integrity.py); a change is recorded in "
                 "resources['autograder']['tampered']").tag(config=True)
    protect = List(Unicode(), help="Files (the gradebook) copied before the kernel starts and "
                   "put back if the kernel changed them: other students' scores survive a kernel "
                   "that writes the gradebook without the sandbox (the run is flagged)").tag(config=True)
    watch_exclude = List(Unicode(), help="Parts of `watch` the kernel may change (its working "
                         "folder is always excluded)").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        # Same contract as ExecutePreprocessor.preprocess, with our own cell loop.
        from nbclient import NotebookClient

        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        run_sync(self._run_notebook)()
        return self.nb, self.resources

    async def _run_notebook(self):
        import time

        from autograder import integrity

        workdir = (self.resources.get("metadata") or {}).get("path") or "."
        exclude = [*self.watch_exclude, workdir]
        before = integrity.fingerprint(self.watch, exclude)
        saved = integrity.save_copies(self.protect)
        deadline = time.monotonic() + self.wall_clock if self.wall_clock > 0 else None
        self.km = self.create_kernel_manager()
        await self._start_kernel()
        self._kinds, self._answers_mode = cells.kinds(self.nb), False
        end = cells.setup_end(self.nb)
        try:
            for index, cell in enumerate(self.nb.cells[:end]):
                if cell.cell_type == "code":
                    await self._run_cell(cell, index)
            await self._snapshot()
            for index, cell in enumerate(self.nb.cells[end:], start=end):
                if cell.cell_type != "code":
                    continue
                if deadline is not None and time.monotonic() > deadline:
                    if cells.kind(cell) is Kind.TEST:
                        cell.outputs = [error_output(
                            "WallClockError", f"grading this notebook took longer than "
                            f"{self.wall_clock} s; this test was not run (no credit)")]
                    continue
                await self._run_cell(cell, index)
        finally:
            await self._async_cleanup_kernel()
            after = integrity.fingerprint(self.watch, exclude)
            record = self.resources.setdefault("autograder", {})
            record["tampered"] = integrity.changes(before, after)
            record["restored"] = integrity.restore_copies(saved)

    # -- many answers in one kernel (the mutant runner) ---------------------------------------
    def grade_answers(self, nb, answers: list[tuple[str, str]], cwd: str | None = None
                      ) -> list[tuple[NotebookNode, NotebookNode, bool]]:
        """``nb``: setup (and read-only) cells, then each exercise's answer cell followed by its
        test cell. For each ``(exercise, source)``: reset the kernel to its post-setup snapshot
        (guard), run that exercise's answer cell with ``source``, run its test. Returns
        ``(answer cell, test cell, fresh kernel)`` per pair.

        The kernel starts afresh (setup re-run, new snapshot) when it died, a cell timed out,
        or the guard's reset or integrity check failed; a batch is as strong as one kernel per
        answer as long as the guard can undo what an answer did, and every case it cannot
        vouch for gets a fresh kernel.
        """
        from nbclient import NotebookClient

        NotebookClient.__init__(self, nb, None)
        self.reset_execution_trackers()
        self.resources = {"metadata": {"path": cwd}} if cwd else {}
        return run_sync(self._run_answers)(answers)

    async def _run_answers(self, answers):
        kinds = cells.kinds(self.nb)
        # exercise -> (index of its answer cell, index of its test cell, which follows it)
        places = {cells.grade_id(c): (i, i + 1) for i, (c, k) in enumerate(zip(self.nb.cells, kinds))
                  if k is Kind.ANSWER and i + 1 < len(kinds) and kinds[i + 1] is Kind.TEST}
        self._kinds, self._answers_mode = kinds, True
        self.km = self.create_kernel_manager()
        await self._start_kernel()
        outcomes, fresh = [], True
        try:
            await self._run_setup(store_history=True)
            for exercise, source in answers:
                answer_at, test_at = places[exercise]
                if not fresh and not await self._guard_reset():
                    await self._restart_kernel()
                    fresh = True
                self._restarted = False
                answer = NotebookNode(json.loads(json.dumps(self.nb.cells[answer_at])))
                answer.source, answer.outputs = source, []
                test = NotebookNode(json.loads(json.dumps(self.nb.cells[test_at])))
                test.outputs = []
                await self._run_cell(answer, answer_at)
                await self._run_cell(test, test_at)
                outcomes.append((answer, test, fresh))
                fresh = False
                if self._restarted or any(o.get("ename") in GRADER_ERRORS for c in (answer, test)
                                          for o in c.outputs if o.output_type == "error"):
                    await self._restart_kernel()
                    fresh = True
        finally:
            await self._async_cleanup_kernel()
        return outcomes

    async def _run_setup(self, store_history: bool):
        for index, (cell, k) in enumerate(zip(self.nb.cells, self._kinds)):
            if k is Kind.SETUP or (k is Kind.READ_ONLY and cell.cell_type == "code"
                                   and index < self._kinds.index(Kind.ANSWER)):
                copy = NotebookNode(json.loads(json.dumps(cell)))
                await self.async_execute_cell(copy, index, store_history=store_history)
        await self._snapshot()

    async def _start_kernel(self):
        if self.km is None:
            self.km = self.create_kernel_manager()
        await self.async_start_new_kernel()
        await self.async_start_new_kernel_client()
        reply = await self.async_wait_for_reply(self.kc.kernel_info())
        self.nb.metadata["language_info"] = reply["content"]["language_info"]
        self._key = None
        self._restarted = True

    async def _restart_kernel(self):
        """Fresh kernel, setup cells re-run, new guard snapshot."""
        try:
            await self._async_cleanup_kernel()
        except Exception:  # the old kernel may be beyond polite shutdown
            pass
        self.km = self.create_kernel_manager()
        await self._start_kernel()
        if self._answers_mode:
            await self._run_setup(store_history=False)  # setup + the read-only prefix
            return
        for index, (cell, k) in enumerate(zip(self.nb.cells, self._kinds)):
            if k is Kind.SETUP:
                copy = NotebookNode(json.loads(json.dumps(cell)))
                await self.async_execute_cell(copy, index, store_history=False)
        await self._snapshot()

    # -- the guard -------------------------------------------------------------------------
    async def _user_expression(self, expr: str) -> str | None:
        """Evaluate ``expr`` in the kernel outside run_cell's transformers; None on failure."""
        msg_id = self.kc.execute("", silent=True, store_history=False, user_expressions={"r": expr})
        try:
            reply = await self.async_wait_for_reply(msg_id)
        except Exception:
            return None
        result = (reply or {}).get("content", {}).get("user_expressions", {}).get("r", {})
        if result.get("status") != "ok":
            return None
        text = result.get("data", {}).get("text/plain", "")
        return text.strip("'\"")

    async def _snapshot(self):
        self._key = await self._user_expression(f"{GUARD}.snapshot()")

    async def _guard_ok(self, call: str = "restore") -> bool:
        """``guard.restore`` (or ``guard.reset``) answered with the right HMAC of a fresh nonce."""
        if not self._key:
            return False
        nonce = secrets.token_hex(16)
        answer = await self._user_expression(f"{GUARD}.{call}({nonce!r})")
        expected = hmac.new(bytes.fromhex(self._key), nonce.encode(), hashlib.sha256).hexdigest()
        return answer is not None and hmac.compare_digest(answer, expected)

    async def _guard_reset(self) -> bool:
        """Back to the post-setup state: restore + the namespace and random states of the snapshot."""
        return await self._guard_ok("reset")

    # -- one cell --------------------------------------------------------------------------
    async def _run_cell(self, cell, index):
        if cells.kind(cell) is not Kind.TEST:
            await self._execute(cell, index, store_history=True)
            return
        if not await self._guard_ok():
            cell.outputs = [error_output(
                "IntegrityError", "the grader's integrity check failed before this test "
                "(the code above tampered with the kernel); no credit")]
            await self._restart_kernel()
            return
        source = cell.source
        marker = f"_autograder_done_{secrets.token_hex(8)}"
        cell.source = f"{source}\n{marker} = True"
        try:
            completed = await self._execute(cell, index, store_history=False)
        finally:
            cell.source = source
        if completed:
            ran = await self._user_expression(f"{marker!r} in globals()")
            await self._user_expression(f"{GUARD}.forget({marker!r})")
            if ran != "True" and not _has_error(cell):
                cell.outputs.append(error_output(
                    "IntegrityError", "the test cell did not run to its end; no credit"))
        _sanitize_test_outputs(cell)

    async def _execute(self, cell, index, store_history) -> bool:
        """Run one cell; on timeout or a dead kernel, record why and recover. True if it ran."""
        try:
            await self.async_execute_cell(cell, index, store_history=store_history)
            return True
        except CellTimeoutError:
            cell.outputs.append(error_output(
                "TimeoutError", f"the cell ran longer than {self.timeout} s and was stopped"))
            await self._recover_after_timeout()
        except DeadKernelError:
            cell.outputs.append(error_output(
                "KernelDied", "the kernel died while running this cell (os._exit, a crash, "
                "or memory); it was restarted and grading carried on"))
            await self._restart_kernel()
        return False

    async def _recover_after_timeout(self):
        """Interrupt; if the kernel stays busy (SIGINT ignored), restart it."""
        try:
            await self.km.interrupt_kernel()
            msg_id = self.kc.execute("", silent=True, store_history=False)
            reply = await self._wait_reply_within(msg_id, self.interrupt_grace)
        except Exception:
            reply = None
        if reply is None:
            await self._restart_kernel()

    async def _wait_reply_within(self, msg_id, seconds):
        import asyncio

        try:
            return await asyncio.wait_for(self.async_wait_for_reply(msg_id), seconds)
        except Exception:
            return None

    # Execute's own timeout handling interrupts and then hangs on a kernel that ignores
    # SIGINT; we raise CellTimeoutError instead and recover in _execute.
    async def _async_handle_timeout(self, timeout, cell=None):
        raise CellTimeoutError.error_from_timeout_and_cell("Cell execution timed out", timeout, cell)


def _has_error(cell) -> bool:
    return any(o.output_type == "error" for o in cell.outputs)


def _sanitize_test_outputs(cell) -> None:
    """stderr becomes stdout (warnings are not failures); a trailing value is not a score."""
    kept = []
    for out in cell.outputs:
        if out.output_type == "execute_result":
            continue
        if out.output_type == "stream" and out.name == "stderr":
            out.name = "stdout"
        kept.append(out)
    cell.outputs = kept
