"""The in-kernel grader, installed by each source notebook's hidden setup cell.

The setup cell is the first code cell and a locked, 0-point grade cell; its
hidden part runs::

    from logreg_course.grading.guard import install as _lrc_install
    _lrc_grader = _lrc_install("01-sigmoid")

before any learner code exists. `install`

1. refuses to run if a code cell ran before it (``In`` has one entry), and if
   ``logreg_ref`` is not the installed package (a ``logreg_ref.py`` next to
   the notebook; nbgrader_config also starts the kernel with
   ``--InteractiveShellApp.ignore_cwd=True`` so that cannot happen);
2. resolves the policy and loads the data the checks need;
3. adds a Python audit hook (permanent, unreachable) that, at any time, keeps
   the course's secret folders (solutions, gradebook, other submissions)
   unreadable, refuses SQLite, processes, sockets, ctypes and ``gc``
   introspection, and, while a graded function runs, also refuses frame
   access, file access and forbidden imports;
4. takes an *integrity snapshot*: every callable bound in numpy, logreg_ref,
   logreg_course, builtins, warnings and statistics (with its code, defaults
   and closure), the IPython input/AST transformers, and the grader's own
   objects.

Each hidden test cell then runs ``_lrc_grader.check("<grade_id>")``: verify
the snapshot, call the learner's functions (`calls.call_learner`), verify the
snapshot again (learner code may have patched something), and only then build
the expected values and compare (`checks.evaluate`).

What this cannot stop (a learner who rebinds ``_lrc_grader`` itself or patches
its class, an IPython input transformer that rewrites later cells before they
run): the out-of-kernel `recheck` catches those, and `scan` flags them.
"""

from __future__ import annotations

import builtins
import os
import sys
import types
import zlib

import numpy as np

from . import standins
from .calls import Monitor, make_audit_hook, stdlib_and_numpy_dirs
from .checks import Context
from .judge import judge
from .policy import Policy
from .specs import get_spec

__all__ = ["Grader", "install"]

SNAPSHOT_PACKAGES = frozenset({"numpy", "logreg_ref", "logreg_course", "builtins", "warnings",
                               "statistics", "math", "functools", "contextlib"})
SECRET_FOLDERS = ("solutions", "source", "submitted", "autograded", "feedback", "downloaded",
                  "source_with_tests", "solution")
_ALWAYS_REFUSED = ("gc.get_objects", "gc.get_referrers", "gc.get_referents", "subprocess.",
                   "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                   "os.forkpty", "ctypes.", "socket.connect", "socket.bind", "socket.getaddrinfo",
                   "socket.sendto", "urllib.Request")
_MISSING = object()
# Built-ins that IPython and ipykernel rebind around every cell (not tampering).
_KERNEL_MANAGED = frozenset({"get_ipython", "display", "exit", "quit", "input", "raw_input",
                             "getpass", "help", "open"})


def _course_root(start: str) -> str | None:
    """The nearest folder above `start` that holds ``nbgrader_config.py`` or a gradebook."""
    path = os.path.realpath(start)
    while True:
        if any(os.path.exists(os.path.join(path, f)) for f in ("nbgrader_config.py",
                                                                "gradebook.db")):
            return path
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent


def _idle_check(root: str | None, own_dir: str):
    """Refusals that hold at all times in a grading kernel (not only during a call)."""
    secret = ()
    if root:
        secret = tuple(os.path.join(root, d) + os.sep for d in SECRET_FOLDERS)
        secret += (os.path.join(root, "gradebook.db"),)
    own = os.path.realpath(own_dir) + os.sep
    realpath, fsdecode = os.path.realpath, os.fsdecode
    # IPython raises thousands of audit events per cell (compile, exec, frames ...): the
    # answer of the prefix rule depends on the event's name only, so it is found once
    refused: dict = {}

    def by_name(event):
        answer = refused.get(event)
        if answer is None:
            answer = next((f"{event} is not available in a graded notebook"
                           for prefix in _ALWAYS_REFUSED if event.startswith(prefix)), "")
            refused[event] = answer
        return answer or None

    def check(event, args):
        if event in ("open", "os.listdir", "os.scandir") and args and args[0] is not None \
                and not isinstance(args[0], int):
            path = realpath(fsdecode(args[0]))
            if (path + os.sep).startswith(own) or path + os.sep == own:
                return None
            if any((path + os.sep).startswith(s) or path.startswith(s) for s in secret):
                return f"the grader's files are not readable from a notebook ({args[0]!r})"
            if path.endswith((".db", ".db-journal", ".sqlite")):
                return f"databases are not readable from a notebook ({args[0]!r})"
            return None
        if event == "sqlite3.connect":
            if args and args[0] in (":memory:", b":memory:"):
                return None
            return "SQLite databases are not available in a graded notebook"
        return by_name(event)

    return check


def _cells(f):
    out = []
    for cell in f.__closure__ or ():
        try:
            out.append(cell.cell_contents)
        except ValueError:
            out.append(_MISSING)
    return tuple(out)


def _function_state(f):
    return (f.__code__, f.__defaults__, f.__kwdefaults__, _cells(f))


def _same(a, b) -> bool:
    if a is b:
        return True
    if type(a) is tuple and type(b) is tuple and len(a) == len(b):
        return all(_same(x, y) for x, y in zip(a, b, strict=True))
    return False


def _digest(value):
    """A content digest of (nested tuples of) arrays, to notice in-place edits."""
    if type(value) is np.ndarray:
        raw = np.ascontiguousarray(value).view(np.uint8)
        return (value.shape, value.dtype.str, zlib.crc32(raw))
    if type(value) in (tuple, list):
        return tuple(_digest(v) for v in value)
    return value if type(value) in (int, float, str, bool, type(None)) else id(value)


class _Snapshot:
    """Identities (and, for the grader's data, contents) of everything grading relies on.

    Flat lists, so that `problem` costs a few milliseconds for ~20 000 bindings.
    """

    def __init__(self, shell, own_objects, data):
        bindings, functions = [], []
        for name, module in list(sys.modules.items()):
            top = name.split(".")[0]
            if module is None or top not in SNAPSHOT_PACKAGES:
                continue
            everything = top in ("logreg_ref", "logreg_course")
            d = vars(module)
            for key, value in list(d.items()):
                if (key.startswith("__") and key.endswith("__")) or (
                        name == "builtins" and key in _KERNEL_MANAGED):
                    continue
                if not (everything or callable(value) or type(value) is types.ModuleType):
                    continue
                bindings.append((name, d, key, value))
                if type(value) is types.FunctionType:
                    functions.append((f"{name}.{key}", value, *_function_state(value)))
                elif isinstance(value, type) and value.__module__ == name:
                    cd = vars(value)
                    for k, v in list(cd.items()):
                        if callable(v) or type(v) in (staticmethod, classmethod, property):
                            bindings.append((f"{name}.{key}", cd, k, v))
        for key in ("setprofile", "getprofile", "settrace", "audit", "addaudithook",
                    "_getframe"):
            bindings.append(("sys", vars(sys), key, getattr(sys, key)))
        self.sys_lists = [(name, getattr(sys, name), tuple(getattr(sys, name)))
                          for name in ("meta_path", "path_hooks")]
        self.sys_modules = sys.modules
        self.shell_lists = []
        if shell is not None:
            for attr in ("input_transformers_post", "input_transformers_cleanup",
                         "ast_transformers"):
                lst = getattr(shell, attr, None)
                if isinstance(lst, list):
                    self.shell_lists.append((attr, lst, tuple(lst)))
            shell_dict = vars(shell)
            for attr in ("run_cell", "run_cell_async", "transform_cell", "run_ast_nodes"):
                bindings.append(("IPython shell", shell_dict, attr,
                                 shell_dict.get(attr, _MISSING)))
        for o in own_objects:
            label = f"grader's {type(o).__name__}"
            if type(o) is dict:
                bindings.extend((label, o, k, v) for k, v in o.items())
            elif type(o) is types.FunctionType:
                functions.append((label, o, *_function_state(o)))
            elif hasattr(o, "__dict__"):
                bindings.extend((label, vars(o), k, v) for k, v in vars(o).items())
            else:  # __slots__ (the Grader): compare the attributes themselves
                for k in type(o).__slots__:
                    if k != "_snapshot":
                        bindings.append((label, _SlotView(o), k, getattr(o, k)))
        self.bindings, self.functions = bindings, functions
        self.data = data
        self.data_digest = {k: _digest(v) for k, v in data.items()}

    def problem(self) -> str | None:
        """A description of the first thing that changed, or None."""
        if sys.modules is not self.sys_modules:
            return "sys.modules was replaced"
        for name, d, key, value in self.bindings:
            if d.get(key, _MISSING) is not value:
                return f"{name}.{key} was rebound"
        for name, f, code, defaults, kwdefaults, cells in self.functions:
            if f.__code__ is not code or f.__defaults__ is not defaults or \
                    f.__kwdefaults__ is not kwdefaults or (cells and not _same(_cells(f), cells)):
                return f"{name} was modified"
        for name, lst, items in self.sys_lists:
            if getattr(sys, name) is not lst or not _same(tuple(lst), items):
                return f"sys.{name} was modified"
        for attr, lst, items in self.shell_lists:
            if not _same(tuple(lst), items):
                return f"IPython's {attr} were modified"
        if self.data.keys() != self.data_digest.keys() or any(
                _digest(v) != self.data_digest[k] for k, v in self.data.items()):
            return "the grader's data were modified"
        return None


class _SlotView:
    """``get`` over an object's slots, so slotted objects fit the bindings list."""

    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj

    def get(self, key, default):
        return getattr(self.obj, key, default)


class Grader:
    """Runs the checks of one assignment against the learner's namespace."""

    __slots__ = ("_ctx", "_monitor", "_namespace", "_order", "_policy", "_salt", "_snapshot",
                 "_spec", "_standins", "_ufunc_ids", "assignment_id")

    def __init__(self, assignment_id, namespace, shell=None, salt=None):
        self.assignment_id = assignment_id
        self._spec = get_spec(assignment_id)
        # Data are loaded now, before learner code exists. The salt of the salted inputs is
        # drawn afresh inside every check (unless fixed for debugging), so no salt exists
        # while the learner's cells run.
        self._salt = salt
        self._ctx = Context(0)
        for check in self._spec.checks.values():
            check.build(self._ctx)
        self._namespace = namespace
        self._policy = Policy()
        self._ufunc_ids = self._policy.numpy_ufunc_ids
        self._monitor = Monitor(self._policy)
        text = standins.source(assignment_id)
        self._standins = standins.load(assignment_id, text)
        self._order = tuple(standins.graded_order(text))
        trusted = [self._standins[name] for name in self._order]
        own = [self, self._ctx, self._monitor, self._monitor.hook, self._policy, self._spec,
               self._spec.checks, *self._spec.checks.values(),
               *(c.build for c in self._spec.checks.values()), self._standins, *trusted]
        self._snapshot = _Snapshot(shell, own, self._ctx._cache)

    def check(self, grade_id: str) -> None:
        """Run check `grade_id`; raise AssertionError with a message for the learner."""
        __tracebackhide__ = True  # IPython hides this frame in tracebacks
        message = self._run(grade_id)
        if message:
            raise AssertionError(message) from None

    def _run(self, grade_id):
        problem = self._snapshot.problem()
        if problem:
            return (f"The grading environment was modified before this test ({problem}); "
                    "the test cannot be trusted and scores 0. Do not patch numpy, logreg_ref, "
                    "builtins, IPython or the grader.")
        check = self._spec[grade_id]
        snapshot = self._snapshot

        def tampered():
            changed = snapshot.problem()
            if changed:
                return (f"Your function modified the grading environment ({changed}); "
                        "it scores 0.")
            return None

        verdict = judge(check, Context(self._salt, cache=self._ctx._cache),
                        self._namespace.get, self._monitor, ufunc_ids=self._ufunc_ids,
                        trusted=self._standins, order=self._order, after_calls=tampered)
        return verdict.message


_INSTALLED: list = []  # set by `install`: this process is a grading kernel


def installed() -> bool:
    """True in a grading kernel (after `install`)."""
    return bool(_INSTALLED)


def install(assignment_id: str, shell=None, *, namespace=None, salt=None) -> Grader:
    """Set up grading in this kernel; call it first thing in the setup cell.

    Parameters
    ----------
    assignment_id : str
        The nbgrader assignment id.
    shell : IPython.core.interactiveshell.InteractiveShell, optional
        Default: the running IPython (``get_ipython()``).
    namespace : dict, optional
        Where the learner's functions live; default ``shell.user_ns``.
    salt : int, optional
        Seed of the salted input stream; default the environment variable
        ``LOGREG_GRADING_SALT`` if set, else fresh entropy.
    """
    if shell is None:
        get_ipython = getattr(builtins, "get_ipython", None)
        shell = get_ipython() if get_ipython else None
    if namespace is None:
        if shell is None:
            raise RuntimeError("install() needs an IPython shell or a namespace")
        namespace = shell.user_ns
        history = namespace.get("In")
        if not (isinstance(history, list) and len(history) == 2):
            raise RuntimeError(
                "The setup cell must be the first code cell that runs. Restart the kernel and "
                "run the notebook from the top, and do not add code cells above the setup cell.")
    import logreg_ref

    ref_file = os.path.realpath(logreg_ref.__file__ or "")
    if os.path.dirname(os.path.dirname(ref_file)) == os.path.realpath(os.getcwd()) or \
            os.path.dirname(ref_file) == os.path.realpath(os.getcwd()):
        raise RuntimeError(f"logreg_ref is shadowed by {ref_file}: a file next to the notebook "
                           "may not replace the course's reference package.")
    if salt is None and os.environ.get("LOGREG_GRADING_SALT"):
        salt = int(os.environ["LOGREG_GRADING_SALT"])
    grader = Grader(assignment_id, namespace, shell, salt)
    _INSTALLED.append(assignment_id)
    root = _course_root(os.getcwd())
    sys.addaudithook(make_audit_hook(grader._policy, grader._monitor, stdlib_and_numpy_dirs(),
                                     _idle_check(root, os.getcwd())))
    return grader
