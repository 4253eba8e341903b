"""Warnings and errors of logreg_ref, each naming the problem it reports."""

from __future__ import annotations

__all__ = ["ConvergenceWarning", "RankDeficientWarning", "SeparationError"]

try:  # subclass scikit-learn's warning when it is installed, so its filters apply
    from sklearn.exceptions import ConvergenceWarning as _BaseConvergenceWarning
except ImportError:  # pragma: no cover - the numerical core works without scikit-learn
    _BaseConvergenceWarning = UserWarning


class SeparationError(ValueError):
    """The classes are (quasi-)completely separated, so the unpenalised MLE does not exist.

    On separable data the log-likelihood keeps increasing as the coefficients
    grow along a separating direction: there is no finite maximiser, and any
    number a solver returns depends only on when it stopped. Fit with a finite
    ``C`` (an L2 or L1 penalty) instead.

    Attributes
    ----------
    direction : ndarray or None
        A separating direction found by the linear program (``[w, b]`` for
        binary problems), for inspection.
    """

    def __init__(self, message, direction=None):
        super().__init__(message)
        self.direction = direction


class ConvergenceWarning(_BaseConvergenceWarning):
    """A solver stopped before meeting its tolerance."""


class RankDeficientWarning(UserWarning):
    """The design matrix is rank deficient, so the unpenalised MLE is not unique."""
