"""What a graded function may not use, and how each use is detected.

The graded notebooks ask learners to implement things *from scratch* with
numpy and the standard library. A function that answers by calling
``logreg_ref`` (the grader's own reference), scikit-learn, SciPy or
statsmodels earns nothing for that part. So does one that inspects the
grader: walks the call stack (``sys._getframe``, ``tb_frame``), lists every
object (``gc.get_objects``), replaces the profiler, reads files or starts
processes or threads while it is being graded.

Three detectors share the lists below:

* `static_violations`: names a function (and the learner functions it calls)
  refers to: a forbidden module, a function defined in one, or a ufunc that
  is not numpy's (``scipy.special.expit`` is a ufunc: calling it leaves no
  trace in a profiler);
* the profiler in `calls.Monitor`: Python frames whose file lies in a
  forbidden package, and calls of the forbidden built-ins below;
* `audit_block_reason`: Python's audit events (``sys.addaudithook``), for
  what neither sees (``tb_frame`` access, imports, ``open``, sockets ...).

This module needs only the standard library and numpy.
"""

from __future__ import annotations

import builtins
import gc
import importlib.util
import io
import os
import sys
import types

import numpy as np

__all__ = ["FORBIDDEN_PACKAGES", "Policy", "static_violations"]

#: Top-level packages a graded function may not use.
FORBIDDEN_PACKAGES = ("logreg_ref", "logreg_course", "sklearn", "scipy", "statsmodels",
                      "nbgrader", "sqlite3", "subprocess", "multiprocessing", "concurrent",
                      "ctypes", "inspect", "importlib", "socket", "pickle", "IPython")

#: Name prefix of everything the grader keeps in the notebook's namespace.
GRADER_PREFIX = "_lrc_"

#: Attribute and function names that only introspection needs (a graded function that
#: mentions one is reading frames, closures or the grader, not computing a sigmoid).
INTROSPECTION_NAMES = frozenset({
    "__globals__", "__closure__", "cell_contents", "__code__", "f_back", "f_locals",
    "f_globals", "f_builtins", "tb_frame", "gi_frame", "cr_frame", "ag_frame", "__traceback__",
    "__subclasses__", "__builtins__", "_getframe", "_current_frames", "get_ipython",
    "getprofile", "setprofile", "settrace", "gettrace", "get_objects", "get_referrers",
    "get_referents", "addaudithook"})

#: Audit events always refused while a graded function runs. ("sys.setprofile" is not
#: here: the grader itself switches the profiler off through it; a learner's call of
#: sys.setprofile is recorded by the profiler, which sees the call before it happens.)
_AUDIT_DENY_PREFIXES = (
    "sys._getframe", "sys._current_frames", "sys.settrace",
    "gc.get_objects", "gc.get_referrers", "gc.get_referents",
    "subprocess.", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
    "os.forkpty", "os.kill", "os.killpg", "os.listdir", "os.scandir", "os.chdir",
    "os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.truncate", "os.chmod",
    "os.symlink", "os.link", "shutil.", "socket.", "sqlite3.", "ctypes.", "urllib.",
    "http.", "ftplib.", "smtplib.", "webbrowser.", "cpython.run_", "sys.addaudithook",
    "_thread.start_new_thread",
    "pickle.find_class", "signal.", "resource.setrlimit", "os.putenv", "os.unsetenv",
)

_FRAME_ATTRIBUTES = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame", "f_back"})


def _package_dirs(names):
    """Directories of installed packages, found without importing them."""
    dirs = []
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None:
            continue
        if spec.submodule_search_locations:
            dirs.extend(os.path.realpath(p) + os.sep for p in spec.submodule_search_locations)
        elif spec.origin and spec.origin not in ("built-in", "frozen"):
            dirs.append(os.path.realpath(spec.origin))
    return tuple(dirs)


def _forbidden_builtins():
    """Built-in callables that only grader-inspection or side effects need."""
    found = [sys._getframe, sys._current_frames, sys.setprofile, sys.settrace,
             gc.get_objects, gc.get_referrers, gc.get_referents, builtins.globals,
             builtins.open, io.open, os.open, os.system, builtins.exec, builtins.eval,
             builtins.compile, sys.addaudithook]
    for name in ("fork", "forkpty", "execv", "execve", "posix_spawn", "kill", "listdir",
                 "scandir", "chdir", "remove", "unlink", "rename", "replace"):
        if hasattr(os, name):
            found.append(getattr(os, name))
    import _thread
    found.append(_thread.start_new_thread)
    if hasattr(_thread, "start_joinable_thread"):
        found.append(_thread.start_joinable_thread)
    try:
        import signal
        found.extend([signal.signal, signal.raise_signal, signal.setitimer, signal.alarm])
    except (ImportError, AttributeError):
        pass
    return found


class Policy:
    """The forbidden-use lists, resolved once (at grader set-up, before learner code).

    Holds strong references to the forbidden built-ins so their ids stay valid.
    """

    def __init__(self):
        self.forbidden_dirs = _package_dirs(FORBIDDEN_PACKAGES)
        self._builtins = _forbidden_builtins()
        self.forbidden_builtin_ids = frozenset(id(f) for f in self._builtins)
        # the same, for `in` without calling id(): built-in functions hash and compare by
        # identity in C (no learner code, no audit event)
        self.forbidden_builtins = frozenset(self._builtins)
        self._denied: dict = {}  # event name -> the prefix rule's answer (see below)
        self.numpy_ufunc_ids = frozenset(
            id(v) for v in vars(np).values() if type(v) is np.ufunc)
        self._startswith = str.startswith

    # -- profiler ---------------------------------------------------------------------------
    def forbidden_file(self, filename: str) -> str | None:
        """The forbidden package a code object's file belongs to, if any."""
        for d in self.forbidden_dirs:
            if self._startswith(filename, d):
                return d.rstrip(os.sep).rsplit(os.sep, 1)[-1]
        return None

    def forbidden_builtin(self, func) -> bool:
        return id(func) in self.forbidden_builtin_ids

    # -- audit hook -------------------------------------------------------------------------
    def audit_block_reason(self, event: str, args: tuple, allowed_read_dirs=()) -> str | None:
        """Why `event` must be refused while a graded function runs (None: allow)."""
        if event == "open":
            path, mode = args[0], args[1] if len(args) > 1 else "r"
            if isinstance(path, int):  # os.fdopen of an existing descriptor
                return "opens a file descriptor"
            if isinstance(mode, str) and any(c in mode for c in "wax+"):
                return f"opens {path!r} for writing"
            real = os.path.realpath(os.fsdecode(path))
            if not any(real.startswith(d) for d in allowed_read_dirs):
                return f"reads the file {path!r}"
            return None
        if event == "object.__getattr__":  # frames reached through tracebacks, generators
            if len(args) > 1 and args[1] in _FRAME_ATTRIBUTES:
                return f"reads {args[1]} (a stack frame)"
            return None
        if event == "import":
            top = str(args[0]).split(".")[0]
            if top in FORBIDDEN_PACKAGES:
                return f"imports {args[0]}"
            return None
        # the answer depends on the event's name only: found once per name
        denied = self._denied.get(event)
        if denied is None:
            denied = next((f"uses {event}" for prefix in _AUDIT_DENY_PREFIXES
                           if event.startswith(prefix)), "")
            self._denied[event] = denied
        return denied or None


def _code_objects(code):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


_TYPE_DICT = type.__dict__["__dict__"]  # the C slot: a metaclass cannot fake it
_SAFE_CALLABLES = (types.FunctionType, types.BuiltinFunctionType, types.MethodType,
                   types.BuiltinMethodType)


def _class_module(cls) -> str:
    module = _TYPE_DICT.__get__(cls).get("__module__", "")
    return module if type(module) is str else ""


def _is_forbidden_object(value, numpy_ufunc_ids) -> str | None:
    """Does `value` come from a forbidden package? Reads only C-level attributes."""
    t = type(value)
    if t is types.ModuleType:
        name = value.__name__
        return f"the module {name}" if name.split(".")[0] in FORBIDDEN_PACKAGES else None
    if t is np.ufunc:
        if id(value) not in numpy_ufunc_ids:
            return f"the ufunc {value.__name__} (not numpy's; e.g. scipy.special)"
        return None
    if t in _SAFE_CALLABLES:
        module = getattr(value, "__module__", None) or ""
        name = getattr(value, "__qualname__", "?")
    elif isinstance(value, type):
        module, name = _class_module(value), value.__qualname__
    else:  # an instance: judge it by its class (an sklearn estimator, say)
        module, name = _class_module(t), t.__qualname__
    if type(module) is str and module.split(".")[0] in FORBIDDEN_PACKAGES:
        return f"{module}.{name}"
    return None


def static_violations(fn, numpy_ufunc_ids=frozenset(), _seen=None) -> list[str]:
    """What `fn` (and the learner functions it calls) refers to that it may not use.

    Looks at the names in the code objects (``co_names``, nested functions
    included), resolves each in the function's globals, and recurses into
    other Python functions defined in the same namespace. Catches
    ``import scipy.special`` inside a function too (the dotted name is in
    ``co_names``). Obfuscated access (``getattr(__builtins__, 'ev' + 'al')``)
    is for the profiler, the audit hook and the out-of-kernel re-check.
    """
    if not numpy_ufunc_ids:
        numpy_ufunc_ids = frozenset(id(v) for v in vars(np).values() if type(v) is np.ufunc)
    seen = set() if _seen is None else _seen
    found = []
    if not isinstance(fn, types.FunctionType) or id(fn) in seen:
        return found
    seen.add(id(fn))
    g = fn.__globals__
    b = vars(builtins)
    for code in _code_objects(fn.__code__):
        for name in code.co_names:
            top = name.split(".")[0]
            if top in FORBIDDEN_PACKAGES:
                found.append(f"{fn.__name__} refers to {name}")
                continue
            if name.startswith(GRADER_PREFIX):
                found.append(f"{fn.__name__} refers to the grader's {name}")
                continue
            if name in INTROSPECTION_NAMES:
                found.append(f"{fn.__name__} uses {name} (introspection)")
                continue
            if name in g:
                value = g[name]
            elif name in b:
                continue
            else:
                continue
            why = _is_forbidden_object(value, numpy_ufunc_ids)
            if why:
                found.append(f"{fn.__name__} uses {why}")
            elif isinstance(value, types.FunctionType) and value.__globals__ is g:
                found.extend(static_violations(value, numpy_ufunc_ids, seen))
    # Closures and defaults can smuggle objects in too.
    cells = [c.cell_contents for c in (fn.__closure__ or ()) if _cell_filled(c)]
    for value in [*cells, *(fn.__defaults__ or ()), *(fn.__kwdefaults__ or {}).values()]:
        why = _is_forbidden_object(value, numpy_ufunc_ids)
        if why:
            found.append(f"{fn.__name__} captures {why}")
        elif isinstance(value, types.FunctionType):
            found.extend(static_violations(value, numpy_ufunc_ids, seen))
    return found


def _cell_filled(cell) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - an empty cell raises ValueError
    except ValueError:
        return False
    return True
