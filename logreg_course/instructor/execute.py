"""nbgrader's ``Execute`` preprocessor with warm sandboxed kernels and an output limit.

nbgrader's own `LimitOutput` trims stream output *after* a notebook has run;
a cell that prints a gigabyte first fills the grader's memory. `GradingExecute`
counts each cell's output as it arrives and, past ``max_output_bytes``, keeps
only what grading needs: errors, the cell's result (partial credit), and the
first ``stderr`` message (any ``stderr`` in a test cell fails it, as nbgrader
intends), each cut short, plus one notice.

It also makes nbgrader start kernels through `kernels.SandboxedKernelManager`
(nbgrader's ``Execute`` passes its own kernel manager class as an argument, so
plain configuration cannot change it).
"""

from __future__ import annotations

import json
import time

from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer

__all__ = ["DURATIONS", "LAST_CELL", "GradingExecute"]

#: The cell being executed in this process (index, grade id): names the culprit when a
#: kernel dies or hangs.
LAST_CELL: dict = {}
#: Notebook name -> indexes of the cells whose output was cut (for the report).
TRUNCATED: dict = {}
#: Notebook name -> how long its cells took in the kernel: grade id -> seconds for the cells
#: with one, and "learner" -> the longest of the others (the re-check's time budgets).
DURATIONS: dict = {}

NOTICE = "\n[output truncated by the grader: this cell printed more than {limit} bytes]\n"


class GradingExecute(Execute):
    """``Execute`` with kernels from this worker's factory and a per-cell output budget."""

    max_output_bytes = Integer(
        1_000_000, help="Output kept per cell while it runs (bytes); the rest is dropped."
    ).tag(config=True)
    use_factory = Bool(
        True, help="Start kernels from this worker's kernel factory (Linux; sandboxed)."
    ).tag(config=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.use_factory:
            from .kernels import SandboxedKernelManager

            self.kernel_manager_class = SandboxedKernelManager
        self._budget: dict[int, int] = {}
        self._noticed: set[int] = set()
        self._stderr_kept: set[int] = set()

    def preprocess(self, nb, resources=None, km=None):
        self._resources = resources or {}
        return super().preprocess(nb, resources, km)

    def _notebook_name(self):
        return (getattr(self, "_resources", {}).get("nbgrader") or {}).get("notebook", "")

    def preprocess_cell(self, cell, resources, index):
        meta = cell.get("metadata", {}).get("nbgrader") or {}
        LAST_CELL.clear()
        LAST_CELL.update(index=index, grade_id=meta.get("grade_id"))
        start = time.perf_counter()
        try:
            return super().preprocess_cell(cell, resources, index)
        finally:
            if cell.get("cell_type") == "code":
                seconds = time.perf_counter() - start
                times = DURATIONS.setdefault(self._notebook_name(), {})
                key = meta.get("grade_id") if meta.get("grade") else "learner"
                times[key] = max(times.get(key, 0.0), seconds)

    def output(self, outs, msg, display_id, cell_index):
        msg_type = msg["msg_type"]
        content = msg.get("content", {})
        size = len(json.dumps(content, default=str))
        used = self._budget.get(cell_index, 0)
        self._budget[cell_index] = used + size
        is_stderr = msg_type == "stream" and content.get("name") == "stderr"
        if used + size <= self.max_output_bytes or msg_type in ("error", "execute_result"):
            if is_stderr:
                self._stderr_kept.add(cell_index)
            return super().output(outs, msg, display_id, cell_index)
        if cell_index not in self._noticed:
            self._noticed.add(cell_index)
            notebook = self._notebook_name()
            TRUNCATED.setdefault(notebook, set()).add(cell_index)
            outs.append(new_output("stream", name="stdout",
                                   text=NOTICE.format(limit=self.max_output_bytes)))
        if is_stderr and cell_index not in self._stderr_kept:
            self._stderr_kept.add(cell_index)
            out = new_output("stream", name="stderr", text=str(content.get("text", ""))[:500])
            outs.append(out)
            return out
        return None
