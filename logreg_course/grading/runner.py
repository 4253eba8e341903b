"""The re-check's sandboxed side: run a learner's cells, call its functions, print outputs.

Started by `recheck` as ``python -I -m logreg_course.grading.runner`` in an
empty temporary directory with a minimal environment, so no input
transformer, no ``logreg_ref.py`` next to the notebook and no IPython exist.
The whole job (code and inputs) arrives on stdin *before* any learner code
runs and is then held only in this module's local variables. Then:

1. an audit hook (PEP 578; it cannot be removed) is added that, for the rest of
   the process, refuses imports other than the standard library and numpy
   (so ``logreg_ref``, scikit-learn, SciPy and statsmodels cannot even be
   imported), reading files outside the standard library and numpy, writing
   files, processes, sockets, ctypes, ``gc`` and stack-frame introspection;
2. the preamble (the setup cell's helpers) and the learner's cells run one
   top-level statement at a time: a failing statement is reported and skipped,
   as a kernel would carry on with the next cell;
3. each requested call runs through `calls.call_learner` (the same code as in
   the kernel), under its own time budget (the trusted side derives it from
   what the call's test cell took in the kernel), with the learner's earlier
   functions replaced by the course's stand-ins where the job asks for it;
4. each outcome is written, as JSON, on a line that starts with the job's
   nonce, to a duplicate of the original stdout. Learner output goes to
   /dev/null; a line without the nonce is ignored by the trusted side. A call
   that ran out of time (even one whose code caught the interrupt) or of
   memory is marked ``undecided``: the trusted side does not judge it.

The trusted process (`recheck`) compares; this process only reports.
"""

from __future__ import annotations

import ast
import json
import os
import signal
import sys
import threading
import time

import numpy as np

from ..lifetime import die_with_parent
from . import values
from .calls import Call, Monitor, call_learner, stdlib_and_numpy_dirs
from .policy import FORBIDDEN_PACKAGES, Policy

_ALLOWED_IMPORT_ROOTS = frozenset(sys.stdlib_module_names) | {"numpy"}


class _Watchdog(threading.Thread):
    """Interrupts the main thread (KeyboardInterrupt) when a call overruns its time."""

    def __init__(self):
        super().__init__(daemon=True)
        self._cond = threading.Condition()
        self._deadline = None
        self.fired = False  # it interrupted since the last `arm` (a learner may swallow it)

    def arm(self, seconds):
        with self._cond:
            self._deadline = time.monotonic() + seconds
            self.fired = False
            self._cond.notify()

    def disarm(self):
        with self._cond:
            self._deadline = None
            self._cond.notify()

    def run(self):
        import _thread

        with self._cond:
            while True:
                if self._deadline is None:
                    self._cond.wait()
                    continue
                left = self._deadline - time.monotonic()
                if left > 0:
                    self._cond.wait(left)
                    continue
                self._deadline = None
                self.fired = True
                _thread.interrupt_main()


#: Imported before learner code, so that using them never triggers a first import.
_PRELOAD = ("math", "cmath", "statistics", "fractions", "decimal", "functools", "itertools",
            "collections", "operator", "random", "numbers", "typing", "dataclasses", "enum",
            "numpy.linalg", "numpy.random")


def _make_audit_hook(policy: Policy, monitor: Monitor, read_dirs):
    reason_for = policy.audit_block_reason
    importing = monitor.importing

    def audit(event, args):
        if event == "sys.setprofile":  # the runner's own profiler (see policy)
            return
        if event == "import":
            root = str(args[0]).split(".")[0]
            if root in FORBIDDEN_PACKAGES or root not in _ALLOWED_IMPORT_ROOTS:
                raise ImportError(f"{args[0]} cannot be imported in a graded function")
            return
        if importing() and monitor.active():  # a first import's own machinery
            return
        reason = reason_for(event, args, read_dirs)
        if reason:
            raise PermissionError(f"not allowed while grading: it {reason}")

    return audit


def _out_of_memory(value, limit: int, resource) -> bool:
    """A MemoryError that the process's size explains (not one the learner raised).

    The runner's address space is limited (RLIMIT_AS); a real shortage shows as a
    resident size of at least a quarter of that limit.
    """
    if not (isinstance(value, values.Raised) and value.is_a("MemoryError")) or not limit:
        return False
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux
    return peak >= limit // 4


def _statements(source: str, label: str):
    """Compiled top-level statements of a cell (a syntax error yields one error)."""
    try:
        tree = ast.parse(source, filename=label)
    except SyntaxError as exc:
        yield None, f"{label}: SyntaxError: {exc.msg} (line {exc.lineno})"
        return
    for node in tree.body:
        module = ast.Module(body=[node], type_ignores=[])
        yield compile(module, label, "exec"), None


def _limit_self(argv) -> None:
    """Resource limits from the command line, set before the job is read.

    ``--cpu-seconds N`` (RLIMIT_CPU, soft N, hard N + 5) and ``--address-space
    BYTES`` (RLIMIT_AS); files of any size cannot be written and no core is
    dumped. The trusted side passes them here rather than setting them between
    fork and exec (see `recheck._run`).
    """
    import argparse
    import resource

    parser = argparse.ArgumentParser(prog="python -m logreg_course.grading.runner")
    parser.add_argument("--cpu-seconds", type=int, default=None)
    parser.add_argument("--address-space", type=int, default=None)
    args = parser.parse_args(argv)
    limits = [(resource.RLIMIT_FSIZE, (0, 0)), (resource.RLIMIT_CORE, (0, 0))]
    if args.cpu_seconds:
        limits.append((resource.RLIMIT_CPU, (args.cpu_seconds, args.cpu_seconds + 5)))
    if args.address_space:
        limits.append((resource.RLIMIT_AS, (args.address_space, args.address_space)))
    for limit, value in limits:
        try:
            resource.setrlimit(limit, value)
        except (ValueError, OSError):  # a lower hard limit from the sandbox stays
            pass


def main(argv=None) -> None:
    # a grading worker killed mid-run must not leave its re-check computing for minutes
    die_with_parent()
    # The watchdog's `interrupt_main` does nothing while SIGINT is ignored, and a process
    # started with SIGINT ignored keeps it so (a shell script's background job, nohup'd or
    # service-run graders): an endless loop would then run until the CPU limit.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    _limit_self(sys.argv[1:] if argv is None else argv)
    job = json.loads(sys.stdin.read())
    sys.stdin.close()
    nonce = job["nonce"]
    out_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    write = os.write

    def emit(record):
        write(out_fd, (nonce + " " + json.dumps(record) + "\n").encode())

    policy = Policy()
    monitor = Monitor(policy)
    watchdog = _Watchdog()
    watchdog.start()
    calls = [(c["id"], Call(c["function"], tuple(values.to_python(values.from_json(a))
                                                   for a in c["args"]),
                            {k: values.to_python(values.from_json(v))
                             for k, v in c["kwargs"].items()}, bool(c["strict"])),
              float(c.get("timeout", 60.0)), tuple(c.get("stand_ins", ())))
             for c in job["calls"]]
    statement_timeout = float(job.get("statement_timeout", 60.0))
    memory_limit = int(job.get("address_space", 0))
    ufunc_ids = policy.numpy_ufunc_ids
    # The course's stand-ins (trusted code, see `standins`), compiled before learner code runs.
    trusted = {}
    if job.get("standins"):
        exec(compile(job["standins"], f"<course stand-in: {job.get('assignment', '')}>",
                     "exec"), trusted)
    import importlib
    import resource

    for name in _PRELOAD:
        importlib.import_module(name)
    sys.addaudithook(_make_audit_hook(policy, monitor, stdlib_and_numpy_dirs()))
    del job["calls"], job["standins"]

    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    errors = []
    for k, source in enumerate([job["preamble"], *job["cells"]]):
        label = "<preamble>" if k == 0 else f"<cell {k}>"
        for code, error in _statements(source, label):
            if error:
                errors.append(error)
                continue
            watchdog.arm(statement_timeout)
            try:
                exec(code, namespace)
            except KeyboardInterrupt:
                errors.append(f"{label}: a statement ran longer than {statement_timeout:g} s")
            except BaseException as exc:  # the kernel would go on to the next cell too
                errors.append(f"{label}: {type(exc).__name__}: {values.safe_message(exc)}")
            finally:
                watchdog.disarm()
    emit({"cell_errors": errors[:50]})

    for call_id, call, seconds, names in calls:
        fn = namespace.get(call.function)
        if fn is None:
            outcome = values.Raised("NameError", f"no function called {call.function}",
                                    ("NameError", "Exception", "BaseException"))
            emit({"id": call_id, "value": values.to_json(outcome), "warnings": [],
                  "violations": [], "seconds": 0.0})
            continue
        stand_ins = {n: trusted[n] for n in names if n in trusted}
        record = {"id": call_id}
        outcome = None
        watchdog.arm(seconds)
        try:
            outcome = call_learner(fn, call, monitor, numpy_ufunc_ids=ufunc_ids,
                                   stand_ins=stand_ins)
        except KeyboardInterrupt:
            pass
        finally:
            watchdog.disarm()
        if outcome is None or watchdog.fired:
            # the call's time budget ran out (even if the learner's code caught the interrupt
            # and returned something): the re-check has no answer for it
            record.update(undecided=f"no result within its time budget of {seconds:g} s",
                          value=values.to_json(values.NoneOut()), seconds=seconds)
        else:
            record.update(value=values.to_json(outcome.value), seconds=outcome.seconds,
                          warnings=list(outcome.warnings), violations=list(outcome.violations))
            if _out_of_memory(outcome.value, memory_limit, resource):
                record["undecided"] = "it ran out of memory"
        emit(record)
    emit({"done": True})
    os._exit(0)  # no atexit handlers, no learner __del__ after the last line


if __name__ == "__main__":
    np.seterr(all="warn")
    main()
