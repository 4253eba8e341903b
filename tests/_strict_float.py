"""Floating-point strictness for tests: every IEEE 754 signal is an error, on every machine.

``strict_floats()`` is ``np.errstate(all="raise")`` with warnings turned into errors, plus
one thing ``errstate`` alone cannot give. IEEE 754 lets a maths library raise the underflow
flag when a result is tiny (subnormal) and inexact, and whether ``np.log1p`` and
``np.expm1`` do so depends on the machine: glibc 2.36's log1p does not, other C libraries
and NumPy's own SIMD loops do. Issue 15's failure (``logit(2.2250738585e-309)`` raising
"underflow encountered in log1p" under ``np.errstate(all="raise")``) came from such a
machine and does not happen with glibc 2.36 at all. Inside ``strict_floats()`` these two
functions signal underflow for every nonzero subnormal result (a subnormal result of either
is always inexact), as a strict library does, so a test gives the same verdict everywhere.
"""

from __future__ import annotations

import contextlib
import functools
import warnings

import numpy as np

TINY = np.finfo(np.float64).tiny  # the smallest normal float64, 2.2250738585072014e-308
_STRICT = ("log1p", "expm1")


def _signalling(ufunc):
    @functools.wraps(ufunc)
    def strict(*args, **kwargs):
        out = ufunc(*args, **kwargs)
        result = np.asarray(out)
        if np.any((result != 0) & (np.abs(result) < TINY)):
            mode = np.geterr()["under"]
            message = f"underflow encountered in {ufunc.__name__}"
            if mode == "raise":
                raise FloatingPointError(message)
            if mode == "warn":
                warnings.warn(message, RuntimeWarning, stacklevel=2)
        return out

    return strict


@contextlib.contextmanager
def strict_floats():
    """Raise on any floating-point signal, with log1p/expm1 signalling underflow strictly."""
    originals = {name: getattr(np, name) for name in _STRICT}
    try:
        for name, ufunc in originals.items():
            setattr(np, name, _signalling(ufunc))
        with np.errstate(all="raise"), warnings.catch_warnings():
            warnings.simplefilter("error")
            yield
    finally:
        for name, ufunc in originals.items():
            setattr(np, name, ufunc)
