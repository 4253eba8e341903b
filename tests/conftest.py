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
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

# Hypothesis profiles: one verdict per commit.
#
# "fixed" (what `make test` uses, here and on CI alike): every property test draws the same
# examples on every run, so the verdict depends on the commit alone. derandomize=True seeds
# each test from a hash of the test itself; database=None keeps examples saved by a local
# exploration (.hypothesis/) from changing what `make test` tries; the per-test example
# budgets are the @settings(max_examples=...) in the test files. Both profiles set
# deadline=None and suppress the too_slow health check: both are wall-clock limits, and on
# two shared cores the same example takes 5 ms or 500 ms depending on the machine's load,
# so a deadline would make the verdict depend on the load, not on the code. Speed is
# watched with pytest --durations instead.
#
# "explore" (`make test-explore`): fresh randomness on every run, failures saved to
# .hypothesis/examples and replayed first next time. A counterexample found there is
# copied into the test as an explicit @example(...) (with a comment saying what it
# broke), so that `make test` checks it on every commit from then on.
#
# The profile is chosen by `--hypothesis-profile NAME` (Hypothesis' pytest plugin) or the
# HYPOTHESIS_PROFILE environment variable; the default is "fixed" everywhere. (Without
# this, Hypothesis uses random examples locally but its own derandomised "ci" profile
# when a CI environment variable is set: two verdicts for one commit.)
_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow],
           "print_blob": True}
settings.register_profile("fixed", derandomize=True, database=None, **_COMMON)
settings.register_profile(
    "explore", derandomize=False,
    database=DirectoryBasedExampleDatabase(
        os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                     ".hypothesis", "examples")),
    **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fixed"))


# --- running on two cores (make test: pytest -n 2) ------------------------------------------
#: Test files that share an expensive session fixture, by group. pytest-xdist sends a whole
#: group to one worker, so the fixture is built once (a file not listed is its own group).
#: The groups come first in this order, the heaviest first, so that the two workers finish
#: together. (pytest-xdist's own ``--dist loadgroup`` cannot do this with pytest 9: it
#: groups by rewriting ``item._nodeid``, which pytest 9 no longer reads.)
SHARED_FIXTURES = {
    # logreg-course grade of the honest and slow corpora, all six assignments
    "cli-honest": ["tests/grading_cli/test_cli_honest.py"],
    # `graded`, `rechecked`, `notebooks`: nbgrader on the whole corpus
    "nbgrader-corpus": ["tests/test_grading_course.py"],
    # `graded_class`: one class graded by the CLI
    "cli-class": ["tests/grading_cli/test_cli_grade_corpus.py",
                  "tests/grading_cli/test_cli_grade_rerun.py",
                  "tests/grading_cli/test_cli_formgrader.py"],
    # `built_book`: one build of the site, one served copy
    "book": ["tests/test_book_build.py", "tests/test_site_browser.py",
             "tests/test_learner_anywhere.py"],
    # `postgres_server`, `dask_cluster`
    "servers": ["tests/grading_cli/test_cli_dask.py", "tests/grading_cli/test_cli_postgres.py"],
}
_GROUP_OF = {path: group for group, paths in SHARED_FIXTURES.items() for path in paths}
_FIRST = list(SHARED_FIXTURES)


def _group(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    return _GROUP_OF.get(path, path)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """With ``-n``: schedule by `SHARED_FIXTURES` groups, in collection order."""
    if getattr(config.option, "dist", "no") in ("load", "loadfile", "loadgroup", "loadscope"):
        config.option.dist = "loadscope"
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(session, config, items):
    """The shared-fixture groups first, heaviest first; the rest in their usual order."""
    rank = {g: i for i, g in enumerate(_FIRST)}
    order = {id(item): i for i, item in enumerate(items)}
    items.sort(key=lambda item: (rank.get(_group(item.nodeid), len(rank)), order[id(item)]))


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class SharedFixtureScheduling(LoadScopeScheduling):
        """A work unit is a `SHARED_FIXTURES` group, or else one test file."""

        def _split_scope(self, nodeid):
            return _group(nodeid)

    return SharedFixtureScheduling(config, log)


@pytest.fixture(scope="session")
def playwright_driver():
    """Playwright's synchronous driver, one per test process.

    A second ``sync_playwright()`` opened while another is still open in the same process
    fails ("using Playwright Sync API inside the asyncio loop"), and pytest-xdist may run the
    site's, the learner's and the formgrader's browser tests in one process; so they all
    launch Chromium from this one driver (``_chromium.launch``).
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


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
