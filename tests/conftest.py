"""Shared pytest fixtures: the real data sets the course uses, loaded once."""

from __future__ import annotations

import os

# scikit-learn's estimator checks include an array-API check that only runs when SciPy's
# array-API mode is switched on before SciPy is first imported; without it the check is
# skipped, and a skipped check must not pass for a passing one.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np
import pytest

# The public book, built (and served) once per session and shared by the book and browser tests.
from _booksite import built_book, served_book  # noqa: F401


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """With ``-n``, send each test file to one worker (``--dist loadfile``).

    The course-integrity tests (``test_grading_course.py``) share one session
    fixture that autogrades every submission; pytest-xdist's default
    ``--dist load`` spreads a file's tests over the workers, and each worker
    would grade everything again. (``--dist loadgroup`` with the files'
    ``xdist_group`` mark would be finer, but pytest-xdist 3.8 groups by
    rewriting ``item._nodeid``, which pytest 9 no longer reads.)
    """
    if getattr(config.option, "dist", "no") == "load":
        config.option.dist = "loadfile"


@pytest.fixture(scope="session")
def breast_cancer():
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    return X, y


@pytest.fixture(scope="session")
def breast_cancer_standardised(breast_cancer):
    X, y = breast_cancer
    return (X - X.mean(axis=0)) / X.std(axis=0), y


@pytest.fixture(scope="session")
def spector():
    """Spector & Mazzeo (1980): GRADE on GPA, TUCE, PSI (32 students)."""
    import statsmodels.api as sm

    data = sm.datasets.spector.load_pandas()
    return data.exog.to_numpy(dtype=float), data.endog.to_numpy(dtype=float)


@pytest.fixture(scope="session")
def iris():
    from sklearn.datasets import load_iris

    return load_iris(return_X_y=True)


@pytest.fixture(scope="session")
def wine_standardised():
    from sklearn.datasets import load_wine

    X, y = load_wine(return_X_y=True)
    return (X - X.mean(axis=0)) / X.std(axis=0), y


@pytest.fixture(scope="session")
def digits_scaled():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def make_binary(n, d, seed, flip=0.1):
    """Non-separable synthetic binary data: a logistic model plus label noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 3.0, size=d)
    w = rng.normal(size=d) / np.sqrt(d)
    p = 1.0 / (1.0 + np.exp(-(X @ w + 0.3)))
    y = (rng.uniform(size=n) < p).astype(float)
    flip_mask = rng.uniform(size=n) < flip
    y[flip_mask] = 1.0 - y[flip_mask]
    return X, y
