"""Learner outputs as plain, typed values, read without running learner code.

A learner's function may return anything, including an object whose ``__eq__``
is always true, an ``ndarray`` subclass with overridden ufunc hooks, or an
object array of such things. `sanitize` therefore looks only at the *exact*
type (``type(x) is np.ndarray``, never ``isinstance``) and copies numeric
arrays; everything else becomes `Other`, which no check accepts. No method of
the returned object is called, so no learner code runs while we read it.

The same values travel from the re-check's sandboxed process to the trusted
process as JSON (`to_json` / `from_json`): arrays as base64 of their raw bytes
with a whitelisted dtype, floats as ``float.hex`` so NaN, inf and every last
bit survive. Nothing is ever pickled.

This module needs only numpy and the standard library (the sandbox imports it).
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Arr", "NoneOut", "Num", "Other", "Out", "Raised", "Seq", "from_json",
           "raised", "safe_message", "sanitize", "to_json", "to_python"]

# Bound once at import (before learner code can rebind builtins).
_type, _len, _float, _int, _bool, _str = type, len, float, int, bool, str
_np_array = np.array
_NUMPY_SCALARS = frozenset({
    np.float16, np.float32, np.float64, np.longdouble,
    np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
    np.bool_,
})
_ARRAY_KINDS = frozenset("biuf")
_DTYPES = {name: np.dtype(name) for name in (
    "<f8", "<f4", "<f2", "<i8", "<i4", "<i2", "|i1", "<u8", "<u4", "<u2", "|u1", "|b1")}
_ARGS = BaseException.__dict__["args"]
MAX_ITEMS = 100_000  # refuse absurdly large outputs (memory, JSON size)
MAX_DEPTH = 4


class Out:
    """Base class of a sanitised output."""

    def describe(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError


@dataclass(frozen=True)
class Arr(Out):
    """An exact ``numpy.ndarray`` with a boolean, integer or float dtype (a copy)."""

    array: np.ndarray

    def describe(self):
        return f"a numpy array of shape {self.array.shape} and dtype {self.array.dtype}"


@dataclass(frozen=True)
class Num(Out):
    """A Python or NumPy scalar (``float``, ``int``, ``bool``, ``np.float64`` ...)."""

    value: float | int | bool
    type_name: str

    def describe(self):
        return f"a scalar of type {self.type_name}"


@dataclass(frozen=True)
class Seq(Out):
    """A ``list`` or ``tuple`` (exact types), items sanitised recursively."""

    kind: str
    items: tuple

    def describe(self):
        return f"a {self.kind} of length {len(self.items)}"


@dataclass(frozen=True)
class NoneOut(Out):
    """``None`` (typically a function that prints instead of returning)."""

    def describe(self):
        return "None (did you forget `return`?)"


@dataclass(frozen=True)
class Other(Out):
    """Anything else; only its type name is kept."""

    type_name: str

    def describe(self):
        return f"an object of type {self.type_name}"


@dataclass(frozen=True)
class Raised(Out):
    """The call raised instead of returning.

    ``mro`` lists the exception class's ancestors' names, so a check can ask
    "is it a ValueError?" without running learner code.
    """

    exc_type: str
    message: str
    mro: tuple

    def describe(self):
        return f"an exception: {self.exc_type}: {self.message}"

    def is_a(self, name: str) -> bool:
        return name in self.mro


def sanitize(obj, _depth=0) -> Out:
    """Return a typed copy of `obj` without calling any of its methods."""
    t = _type(obj)
    if t is np.ndarray:
        dtype = obj.dtype
        if dtype.kind in _ARRAY_KINDS and dtype.names is None and obj.size <= MAX_ITEMS:
            return Arr(_np_array(obj, copy=True))
        return Other(f"numpy.ndarray of dtype {dtype} and size {obj.size}")
    if t is _float or t is _int or t is _bool:
        return Num(obj, t.__name__)
    if t in _NUMPY_SCALARS:
        return Num(obj.item(), f"numpy.{t.__name__}")
    if obj is None:
        return NoneOut()
    if t is range:  # a fold given as range(a, b): its integers
        try:
            n = _len(obj)
        except OverflowError:
            n = MAX_ITEMS + 1
        if n <= MAX_ITEMS:
            return Arr(np.arange(obj.start, obj.stop, obj.step, dtype=np.int64))
    if (t is list or t is tuple) and _depth < MAX_DEPTH and _len(obj) <= MAX_ITEMS:
        return Seq(t.__name__, tuple(sanitize(x, _depth + 1) for x in obj))
    return Other(f"{t.__module__}.{t.__qualname__}")


def safe_message(exc: BaseException) -> str:
    """The message of an exception or warning, without calling its ``__str__``.

    Only a single ``str`` argument is shown: a learner-defined ``__str__`` or an
    argument with a learner-defined ``__repr__`` would run learner code.
    """
    args = _ARGS.__get__(exc, BaseException)  # the C slot: a learner `args` property is ignored
    if _type(args) is not tuple:
        args = ()
    if _len(args) == 1 and _type(args[0]) is _str:
        return args[0][:300]
    if not args:
        return ""
    return "<message not shown>"


def raised(exc: BaseException) -> Raised:
    """Describe an exception by its class hierarchy and a safe message."""
    t = _type(exc)
    return Raised(t.__name__, safe_message(exc), tuple(c.__name__ for c in t.__mro__))


def to_python(out: Out):
    """Turn a sanitised *input* back into the object a function is called with."""
    if isinstance(out, Arr):
        return out.array.copy()
    if isinstance(out, Num):
        return out.value
    if isinstance(out, Seq):
        items = [to_python(x) for x in out.items]
        return tuple(items) if out.kind == "tuple" else items
    if isinstance(out, NoneOut):
        return None
    raise ValueError(f"cannot rebuild an input from {out.describe()}")


# --- JSON round trip -------------------------------------------------------------------------

def _hex(x) -> str:
    return _float(x).hex()


def to_json(out: Out):
    """Encode a sanitised value as JSON-compatible data."""
    if isinstance(out, Arr):
        a = out.array
        le = a.astype(a.dtype.newbyteorder("<"), copy=False)
        return {"t": "arr", "dtype": le.dtype.str, "shape": list(a.shape),
                "data": base64.b64encode(np.ascontiguousarray(le).tobytes()).decode("ascii")}
    if isinstance(out, Num):
        v = out.value
        if isinstance(v, bool):
            enc = {"bool": v}
        elif isinstance(v, int):
            enc = {"int": str(v)}
        else:
            enc = {"float": _hex(v)}
        return {"t": "num", "type": out.type_name, **enc}
    if isinstance(out, Seq):
        return {"t": "seq", "kind": out.kind, "items": [to_json(x) for x in out.items]}
    if isinstance(out, NoneOut):
        return {"t": "none"}
    if isinstance(out, Raised):
        return {"t": "raised", "exc_type": out.exc_type, "message": out.message,
                "mro": list(out.mro)}
    return {"t": "other", "type": out.type_name}


def from_json(data, _depth=0) -> Out:
    """Decode `to_json` output, validating everything (the sender is untrusted)."""
    if _depth > MAX_DEPTH + 1 or not isinstance(data, dict):
        raise ValueError("malformed value")
    t = data.get("t")
    if t == "arr":
        dtype = _DTYPES.get(data["dtype"])
        shape = tuple(int(s) for s in data["shape"])
        if dtype is None or any(s < 0 for s in shape) or len(shape) > 8:
            raise ValueError("malformed array")
        raw = base64.b64decode(data["data"], validate=True)
        n = math.prod(shape)
        if n > MAX_ITEMS or len(raw) != n * dtype.itemsize:
            raise ValueError("array size does not match its shape")
        array = np.frombuffer(raw, dtype=dtype).reshape(shape)
        return Arr(array.astype(dtype.newbyteorder("="), copy=True))
    if t == "num":
        if "bool" in data:
            value = bool(data["bool"])
        elif "int" in data:
            value = int(str(data["int"])[:400])
        else:
            value = float.fromhex(str(data["float"]))
        return Num(value, str(data.get("type", "float"))[:60])
    if t == "seq":
        items = data["items"]
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            raise ValueError("malformed sequence")
        kind = "tuple" if data.get("kind") == "tuple" else "list"
        return Seq(kind, tuple(from_json(x, _depth + 1) for x in items))
    if t == "none":
        return NoneOut()
    if t == "raised":
        mro = tuple(str(x)[:80] for x in data.get("mro", ()))[:40]
        return Raised(str(data["exc_type"])[:80], str(data["message"])[:300], mro)
    if t == "other":
        return Other(str(data.get("type", "?"))[:120])
    raise ValueError(f"unknown value tag {t!r}")
