"""logreg_ref: the exact reference implementation behind the logistic-regression course.

Everything the graded notebooks are judged against lives here, small and
documented:

* stable primitives computed from logits: `sigmoid`, `log_sigmoid`, `softplus`,
  `logit`, `softmax`, `log_softmax`, `logsumexp`;
* the binary and multinomial cross-entropies with their gradients and
  Hessians (Hessian-vector products for softmax), sample weights included;
* solvers: `gradient_descent` (with loss history, for teaching), `newton`
  (Newton/IRLS with line search), `elastic_net_solve` (L1 and elastic net);
* `LogisticRegression`, a scikit-learn estimator (binary and multinomial)
  minimising scikit-learn's objective to a gradient max-norm of 1e-10;
* submodules `metrics` (scikit-learn's metric names and conventions, exact
  log-loss from logits), `decisions` (expected cost and threshold choice) and
  `interpret` (standard errors, odds ratios, marginal effects; multinomial
  coefficients against a base class).
"""

# One version for the whole distribution: pyproject.toml's, read by logreg_course.
from logreg_course import __version__ as __version__

from . import decisions, interpret, metrics
from ._binary import (
    BinaryObjective,
    binary_cross_entropy,
    binary_cross_entropy_gradient,
    binary_cross_entropy_hessian,
)
from ._estimator import LogisticRegression
from ._multinomial import (
    MultinomialObjective,
    multinomial_cross_entropy,
    multinomial_cross_entropy_gradient,
    multinomial_cross_entropy_hessian,
    multinomial_cross_entropy_hessp,
)
from ._separation import find_separating_direction
from ._solvers import SolverResult, elastic_net_solve, gradient_descent, kkt_residual, newton
from ._special import log_sigmoid, log_softmax, logit, logsumexp, sigmoid, softmax, softplus
from .exceptions import ConvergenceWarning, RankDeficientWarning, SeparationError

__all__ = [
    "BinaryObjective",
    "ConvergenceWarning",
    "LogisticRegression",
    "MultinomialObjective",
    "RankDeficientWarning",
    "SeparationError",
    "SolverResult",
    "binary_cross_entropy",
    "binary_cross_entropy_gradient",
    "binary_cross_entropy_hessian",
    "decisions",
    "elastic_net_solve",
    "find_separating_direction",
    "gradient_descent",
    "interpret",
    "kkt_residual",
    "log_sigmoid",
    "log_softmax",
    "logit",
    "logsumexp",
    "metrics",
    "multinomial_cross_entropy",
    "multinomial_cross_entropy_gradient",
    "multinomial_cross_entropy_hessian",
    "multinomial_cross_entropy_hessp",
    "newton",
    "sigmoid",
    "softmax",
    "softplus",
]
