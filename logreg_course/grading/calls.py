"""One monitored call of a learner's function.

`call_learner` is the only place where grading runs learner code, in the
kernel and in the re-check's sandbox alike, so both see the same thing:

* the inputs are fresh copies (the grader keeps pristine ones);
* floating-point warnings never reach stderr (nbgrader would score any
  stderr output in a test cell as a failure): in the default *quiet* mode
  they are silenced, in *strict* mode (the numerical-stability checks) every
  warning is recorded and overflow, invalid and divide-by-zero raise;
* a profiler (`Monitor`) records calls into forbidden packages and of
  forbidden built-ins (see `policy`), and an audit hook refuses frame access,
  file access, imports of forbidden packages and processes while it runs;
* the result is read by `values.sanitize`, after the profiler is off, and the
  raw object is kept alive until the check is over (its ``__del__`` cannot
  run in the middle of a comparison).

Needs only numpy and the standard library.
"""

from __future__ import annotations

import os
import sys
import time
import types
import warnings
from dataclasses import dataclass, field

import numpy as np

from . import values
from .policy import Policy, static_violations

__all__ = ["Call", "Monitor", "Outcome", "call_learner", "make_audit_hook"]

_setprofile, _getprofile = sys.setprofile, sys.getprofile
_perf_counter = time.perf_counter
_FunctionType = types.FunctionType
_TRUSTED_IMPORT_ROOTS = (frozenset(sys.stdlib_module_names) | {"numpy"}) - frozenset(
    sys.modules["logreg_course.grading.policy"].FORBIDDEN_PACKAGES)
_EXEMPT_FILES = frozenset({__file__, sys.modules["logreg_course.grading.policy"].__file__})


@dataclass(frozen=True)
class Call:
    """Call learner function `function` with `args` / `kwargs` (grader-chosen inputs).

    ``strict=True`` marks a numerical-stability call: warnings and
    floating-point errors then count against the learner.
    """

    function: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    strict: bool = False


@dataclass
class Outcome:
    """What one call produced."""

    value: values.Out
    warnings: tuple = ()
    violations: tuple = ()
    seconds: float = 0.0
    raw: object = field(default=None, repr=False, compare=False)  # kept alive, never read
    undecided: str = ""  # the re-check has no answer for the call, and why (`recheck`)


def copy_input(x):
    """A fresh copy of a grader-chosen input (arrays, lists and tuples of them)."""
    if type(x) is np.ndarray:
        return x.copy()
    if type(x) in (list, tuple):
        return type(x)(copy_input(v) for v in x)
    return x


class Monitor:
    """A profile function that records what a learner's function calls.

    One instance lives for the whole grading session; `hook` keeps the same
    identity so the audit hook can recognise "a graded function is running"
    by ``sys.getprofile() is monitor.hook``.
    """

    def __init__(self, policy: Policy, max_records: int = 20):
        self.violations: list[str] = []
        exempt = _EXEMPT_FILES
        forbidden_file = policy.forbidden_file
        forbidden = policy.forbidden_builtins
        record = self.record
        # The hook runs on every call a graded function makes, so it avoids what would make
        # each call slow: `id()` (an audit event in every call), and a search through the
        # forbidden folders for a file already seen (the answer is kept per file name).
        package_of: dict = {}
        # A standard-library or numpy module imported for the first time inside a graded
        # call runs its top-level code (namedtuple's sys._getframe, exec of the module ...):
        # that is the import system at work, not the learner, so it is not recorded.
        # `stack` has one entry per active _find_and_load frame (True: such a module);
        # `depth[0]` counts the True entries. Any other module stays fully monitored.
        find_and_load = sys.modules["_frozen_importlib"]._find_and_load.__code__
        trusted_roots = _TRUSTED_IMPORT_ROOTS
        depth = self._depth = [0]
        stack = self._stack = []

        def hook(frame, event, arg):
            if event == "call":
                code = frame.f_code
                if code is find_and_load:
                    name = frame.f_locals.get("name")
                    trusted = type(name) is str and name.split(".")[0] in trusted_roots
                    stack.append(trusted)
                    depth[0] += trusted
                elif not depth[0]:
                    filename = code.co_filename
                    package = package_of.get(filename, _UNSEEN)
                    if package is _UNSEEN:
                        package = None if filename in exempt else forbidden_file(filename)
                        package_of[filename] = package
                    if package:
                        record(f"calls into {package} ({code.co_name})")
            elif event == "return":
                if stack and frame.f_code is find_and_load:
                    depth[0] -= stack.pop()
            elif event == "c_call" and not depth[0] and arg in forbidden:
                if frame.f_code.co_filename not in exempt:
                    name = getattr(arg, "__qualname__", "?")
                    module = getattr(arg, "__module__", None) or ""
                    record(f"calls {module + '.' if module else ''}{name}")

        self.hook = hook
        self._max = max_records

    def record(self, message: str) -> None:
        if message not in self.violations and len(self.violations) < self._max:
            self.violations.append(message)

    def begin(self) -> None:
        """Forget the previous call's records."""
        self.violations.clear()
        self._depth[0] = 0
        self._stack.clear()

    def active(self) -> bool:
        return _getprofile() is self.hook

    def importing(self) -> bool:
        return self._depth[0] > 0


def make_audit_hook(policy: Policy, monitor: Monitor, allowed_read_dirs, idle_check=None):
    """An audit hook that refuses risky operations while a graded function runs.

    While ``sys.getprofile() is monitor.hook`` every event goes through
    `Policy.audit_block_reason`; a refused event is recorded as a violation
    and raises ``PermissionError`` in the learner's code. Otherwise
    `idle_check(event, args)` (if given) may refuse it too (the kernel uses it
    to keep the course's solutions and gradebook unreadable at all times).
    Audit hooks cannot be removed once added (PEP 578), and nothing else holds
    a reference to this one.
    """
    allowed = tuple(allowed_read_dirs)
    reason_for = policy.audit_block_reason
    is_active = monitor.active

    importing = monitor.importing

    def audit(event, args):
        if is_active():
            if importing() and event != "import":  # a first import's own machinery
                return
            reason = reason_for(event, args, allowed)
            if reason:
                monitor.record(reason)
                raise PermissionError(f"not allowed in a graded function: it {reason}")
        elif idle_check is not None:
            reason = idle_check(event, args)
            if reason:
                raise PermissionError(reason)

    return audit


#: Lazy iterables a learner may return where a sequence is asked for (a generator of folds):
#: they are read into a list while the call is still monitored (reading runs learner code).
_LAZY_TYPES = (types.GeneratorType, map, filter, zip)
_MAX_LAZY_ITEMS = values.MAX_ITEMS


def _materialise(result):
    if type(result) in _LAZY_TYPES:
        items = []
        for item in result:
            items.append(item)
            if len(items) > _MAX_LAZY_ITEMS:
                break
        return items
    return result


_ABSENT = object()
_UNSEEN = object()


def call_learner(fn, call: Call, monitor: Monitor, *, numpy_ufunc_ids=frozenset(),
                 stand_ins=None) -> Outcome:
    """Call learner function `fn` as `call` describes, under the monitor.

    `stand_ins` maps names of the learner's earlier graded functions to trusted
    replacements (`standins`): for this call only they are bound in `fn`'s
    global namespace in place of the learner's own, and put back afterwards.
    """
    if type(fn) is not _FunctionType:
        kind = f"{type(fn).__module__}.{type(fn).__qualname__}"
        return Outcome(values.Other(kind), violations=(
            f"{call.function} must be a function you define with `def` (found {kind})",))
    args = tuple(copy_input(a) for a in call.args)
    kwargs = {k: copy_input(v) for k, v in call.kwargs.items()}
    errstate = (np.errstate(over="raise", divide="raise", invalid="raise", under="ignore")
                if call.strict else np.errstate(all="ignore"))
    namespace = fn.__globals__
    saved = {}
    result = error = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with errstate:
            previous = _getprofile()
            monitor.begin()
            for name, replacement in (stand_ins or {}).items():
                saved[name] = namespace.get(name, _ABSENT)
                namespace[name] = replacement
            # what the function refers to, with the stand-ins in place (an earlier function
            # that cheats costs its own part, not the parts that call it)
            try:
                static = tuple(static_violations(fn, numpy_ufunc_ids))
            except BaseException:
                _restore(namespace, saved)
                raise
            start = _perf_counter()
            _setprofile(monitor.hook)
            try:
                result = _materialise(fn(*args, **kwargs))
            except KeyboardInterrupt:  # nbgrader's timeout: let it through
                _setprofile(previous)
                _restore(namespace, saved)
                raise
            except BaseException as exc:  # SystemExit included: a call that exits fails
                error = exc
            finally:
                _setprofile(previous)
            seconds = _perf_counter() - start
            _restore(namespace, saved)
    violations = static + tuple(monitor.violations)
    warned = tuple(f"{w.category.__name__}: {values.safe_message(w.message)}"
                   if isinstance(w.message, BaseException) else f"{w.category.__name__}"
                   for w in caught)
    value = values.raised(error) if error is not None else values.sanitize(result)
    return Outcome(value, warned, violations, seconds, raw=(result, error))


def _restore(namespace, saved) -> None:
    """Put the learner's own bindings back after a call with stand-ins."""
    for name, value in saved.items():
        if value is _ABSENT:
            namespace.pop(name, None)
        else:
            namespace[name] = value


def stdlib_and_numpy_dirs() -> tuple[str, ...]:
    """Directories a graded function may read from (lazy imports of numpy and stdlib)."""
    import sysconfig

    dirs = {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"],
            os.path.dirname(os.__file__), os.path.dirname(np.__file__)}
    libs = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs")
    dirs.add(libs)
    return tuple(os.path.realpath(d) + os.sep for d in dirs)
