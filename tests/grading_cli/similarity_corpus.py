"""A corpus for the similarity check: copies that must be flagged, independent work that
must not.

Written by hand against the published solutions of ``03-maximum-likelihood``
(``gradient_descent``, ``fit_logistic``, ``hessian``) and ``01-sigmoid``
(``sigmoid``, and the one-line ``predict``):

* ``COPIES``: the published solution verbatim, renamed (every local and
  argument name changed, numpy under another alias), reformatted (layout,
  comments, docstring, ``1.`` for ``1.0``, type annotations, a debug
  ``print``) and lightly edited (independent lines swapped, ``+=``,
  keywords reordered);
* ``INDEPENDENT``: several genuinely different correct implementations of
  each function (augmented design matrix, loops over samples, IRLS by least
  squares, ``einsum``, block formulas, masks, ``logaddexp``, ``tanh``...). The
  tests run each one against the published solution on random data, so
  they are known to be correct, not just different;
* ``PAIR``: one learner's own (non-published) implementation and a renamed
  copy of it by another learner.
"""

from __future__ import annotations

SOLUTION_MARKERS = {
    # lines of the published solutions these copies were written from (a test checks them,
    # so that a changed solution makes this corpus fail loudly instead of silently)
    "gradient_descent": "w, b = w - step_size * g_w, b - step_size * g_b",
    "fit_logistic": "if max(np.max(np.abs(g_w)), abs(g_b)) <= tol:",
    "hessian": "Xt = np.column_stack([X, np.ones(len(X))])",
    "sigmoid": "return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
}

COPIES = {
    "gradient_descent": {
        "verbatim": '''
def gradient_descent(X, y, step_size, n_iter):
    """Fixed-step gradient descent on the mean cross-entropy, from w = 0, b = 0."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    w, b = np.zeros(X.shape[1]), 0.0
    history = [cross_entropy(y, X @ w + b)]
    for _ in range(n_iter):
        g_w, g_b = gradient(X, y, w, b)
        w, b = w - step_size * g_w, b - step_size * g_b
        history.append(cross_entropy(y, X @ w + b))
    return w, b, np.array(history)
''',
        "renamed": '''
import numpy as xp

def gradient_descent(features, labels, lr, steps):
    """My gradient descent."""
    features, labels = xp.asarray(features, dtype=float), xp.asarray(labels, dtype=float)
    weights, bias = xp.zeros(features.shape[1]), 0.0
    losses = [cross_entropy(labels, features @ weights + bias)]
    for it in range(steps):
        dw, db = gradient(features, labels, weights, bias)
        weights, bias = weights - lr * dw, bias - lr * db
        losses.append(cross_entropy(labels, features @ weights + bias))
    return weights, bias, xp.array(losses)
''',
        "reformatted": '''
def gradient_descent(X: np.ndarray, y: np.ndarray, step_size: float, n_iter: int):
    # plain gradient descent
    X, y = (np.asarray(X, dtype = float),
            np.asarray(y, dtype = float))
    w, b = np.zeros(X.shape[1]), 0.
    history = [ cross_entropy(y, (X @ w) + b) ]   # loss at the start
    for _ in range(n_iter):
        g_w, g_b = gradient(X, y, w, b)
        print("step", _)
        w, b = (w - step_size * g_w,
                b - step_size * g_b)
        history.append(
            cross_entropy(y, X @ w + b)
        )
    return (w, b, np.array(history))
''',
    },
    "fit_logistic": {
        "verbatim": '''
def fit_logistic(X, y, tol=1e-8, max_iter=50):
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(max_iter):
        g_w, g_b = gradient(X, y, w, b)
        if max(np.max(np.abs(g_w)), abs(g_b)) <= tol:
            break
        w, b = newton_step(X, y, w, b)
    return w, b
''',
        "renamed": '''
def fit_logistic(A, t, eps=1e-8, iters=50):
    A, t = np.asarray(A, dtype=float), np.asarray(t, dtype=float)
    coef, icpt = np.zeros(A.shape[1]), 0.0
    for k in range(iters):
        gc, gi = gradient(A, t, coef, icpt)
        if max(np.max(np.abs(gc)), abs(gi)) <= eps:
            break
        coef, icpt = newton_step(A, t, coef, icpt)
    return coef, icpt
''',
        "edited": '''
def fit_logistic(X, y, tol=1e-8, max_iter=50):
    """Newton's method (I wrote this myself)."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(max_iter):
        g_w, g_b = gradient(X, y, w, b)
        if max(np.max(np.abs(g_w)), abs(g_b)) <= tol:
            break
        else:
            pass
        w, b = newton_step(X, y, w, b)
    return w, b
''',
    },
    "hessian": {
        "verbatim": '''
def hessian(X, w, b):
    X = np.asarray(X, dtype=float)
    z = X @ w + b
    h = sigmoid(z) * sigmoid(-z)  # p(1 - p) without cancellation
    Xt = np.column_stack([X, np.ones(len(X))])
    return Xt.T @ (h[:, None] * Xt) / len(X)
''',
        "edited": '''
def hessian(X, w, b):
    # independent lines swapped, keywords and spelling changed
    X = np.asarray(X, dtype=float)
    Xt = np.column_stack([X, np.ones(len(X))])
    z = X @ w + b
    h = sigmoid(z) * sigmoid(-1 * z)
    H = Xt.T @ (h[:, None] * Xt)
    H /= len(X)
    return H
''',
        "renamed": '''
def hessian(data, coef, intercept):
    data = np.asarray(data, dtype=float)
    logits = data @ coef + intercept
    weights = sigmoid(logits) * sigmoid(-logits)
    design = np.column_stack([data, np.ones(len(data))])
    return design.T @ (weights[:, None] * design) / len(data)
''',
    },
    "sigmoid": {
        "verbatim": '''
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))  # never overflows: -|z| <= 0
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
''',
        "renamed": '''
from numpy import exp, where, asarray, abs as absolute

def sigmoid(t):
    t = asarray(t, dtype=float)
    small = exp(-absolute(t))
    return where(t >= 0, 1 / (1 + small), small / (1 + small))
''',
        "reformatted": '''
def sigmoid(z):
    """Sigmoid, stable."""
    z = np.asarray(z,
                   dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0,
                    1.0/(1.0+e),
                    e/(1.0+e))
''',
    },
}

INDEPENDENT = {
    "gradient_descent": {
        "augmented": '''
def gradient_descent(X, y, step_size, n_iter):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n = X.shape[0]
    A = np.hstack([X, np.ones((n, 1))])
    theta = np.zeros(A.shape[1])
    losses = np.empty(n_iter + 1)
    for k in range(n_iter + 1):
        z = A @ theta
        losses[k] = np.mean(np.logaddexp(0, z) - y * z)
        if k == n_iter:
            break
        p = sigmoid(z)
        theta -= step_size * A.T @ (p - y) / n
    return theta[:-1], float(theta[-1]), losses
''',
        "while-loop": '''
def gradient_descent(X, y, step_size, n_iter):
    X = np.array(X, float)
    y = np.array(y, float)

    def loss(weights, bias):
        return cross_entropy(y, X.dot(weights) + bias)

    weights = np.zeros(X.shape[1])
    bias = 0.0
    hist = [loss(weights, bias)]
    it = 0
    while it < n_iter:
        residual = sigmoid(X.dot(weights) + bias) - y
        weights = weights - step_size * X.T.dot(residual) / len(y)
        bias = bias - step_size * residual.mean()
        hist.append(loss(weights, bias))
        it += 1
    return weights, bias, np.asarray(hist)
''',
        "per-sample": '''
def gradient_descent(X, y, step_size, n_iter):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, d = X.shape
    w = np.zeros(d)
    b = 0.0
    history = np.zeros(n_iter + 1)
    history[0] = np.log(2.0)  # at w = 0, b = 0 every probability is 1/2
    for t in range(1, n_iter + 1):
        grad_w = np.zeros(d)
        grad_b = 0.0
        for i in range(n):
            err = sigmoid(X[i] @ w + b) - y[i]
            grad_w += err * X[i]
            grad_b += err
        w -= step_size * grad_w / n
        b -= step_size * grad_b / n
        z = X @ w + b
        history[t] = np.mean(np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z))))
    return w, b, history
''',
        "dict-state": '''
def gradient_descent(X, y, step_size, n_iter):
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    params = {"w": np.zeros(X.shape[1]), "b": 0.0}

    def current_loss():
        return cross_entropy(y, X @ params["w"] + params["b"])

    trace = [current_loss()]
    for _ in range(n_iter):
        dw, db = gradient(X, y, params["w"], params["b"])
        params["w"] = params["w"] - step_size * dw
        params["b"] = params["b"] - step_size * db
        trace.append(current_loss())
    return params["w"], params["b"], np.array(trace)
''',
    },
    "fit_logistic": {
        "irls-augmented": '''
def fit_logistic(X, y, tol=1e-8, max_iter=50):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(y)
    A = np.column_stack([X, np.ones(n)])
    beta = np.zeros(A.shape[1])
    for _ in range(max_iter):
        z = A @ beta
        p = sigmoid(z)
        g = A.T @ (p - y) / n
        if np.abs(g).max() <= tol:
            break
        weights = sigmoid(z) * sigmoid(-z)
        H = (A * weights[:, None]).T @ A / n
        beta = beta - np.linalg.solve(H, g)
    return beta[:-1], float(beta[-1])
''',
        "while-newton-step": '''
def fit_logistic(X, y, tol=1e-8, max_iter=50):
    w = np.zeros(np.shape(X)[1])
    b = 0.0
    steps = 0
    while True:
        gw, gb = gradient(X, y, w, b)
        converged = np.all(np.abs(gw) <= tol) and abs(gb) <= tol
        if converged or steps == max_iter:
            return w, b
        w, b = newton_step(X, y, w, b)
        steps += 1
''',
        "weighted-least-squares": '''
def fit_logistic(X, y, tol=1e-8, max_iter=50):
    X = np.asarray(X, float)
    y = np.asarray(y, float)
    Z = np.c_[X, np.ones(X.shape[0])]
    coef = np.zeros(Z.shape[1])
    for iteration in range(max_iter):
        eta = Z @ coef
        mu = sigmoid(eta)
        grad = Z.T @ (mu - y) / len(y)
        if np.max(np.abs(grad)) <= tol:
            break
        s = np.sqrt(sigmoid(eta) * sigmoid(-eta))
        working = eta + (y - mu) / s**2
        coef = np.linalg.lstsq(Z * s[:, None], working * s, rcond=None)[0]
    return coef[:-1], float(coef[-1])
''',
        "theta-vector": '''
def fit_logistic(X, y, tol=1e-8, max_iter=50):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    theta = np.zeros(X.shape[1] + 1)
    for _ in range(max_iter):
        w, b = theta[:-1], theta[-1]
        g_w, g_b = gradient(X, y, w, b)
        g = np.concatenate([g_w, [g_b]])
        if np.linalg.norm(g, np.inf) <= tol:
            break
        theta = theta - np.linalg.solve(hessian(X, w, b), g)
    return theta[:-1], float(theta[-1])
''',
    },
    "hessian": {
        "outer-products": '''
def hessian(X, w, b):
    X = np.asarray(X, dtype=float)
    n, d = X.shape
    H = np.zeros((d + 1, d + 1))
    for i in range(n):
        xi = np.append(X[i], 1.0)
        zi = X[i] @ w + b
        H += sigmoid(zi) * sigmoid(-zi) * np.outer(xi, xi)
    return H / n
''',
        "einsum": '''
def hessian(X, w, b):
    Xa = np.hstack([np.asarray(X, float), np.ones((len(X), 1))])
    z = Xa[:, :-1] @ w + b
    r = np.exp(-np.logaddexp(0, z) - np.logaddexp(0, -z))
    return np.einsum("i,ij,ik->jk", r, Xa, Xa) / Xa.shape[0]
''',
        "blocks": '''
def hessian(X, w, b):
    X = np.asarray(X, dtype=float)
    z = X @ w + b
    v = sigmoid(z) * sigmoid(-z)
    n, d = X.shape
    H = np.empty((d + 1, d + 1))
    H[:d, :d] = (X.T * v) @ X
    H[:d, d] = X.T @ v
    H[d, :d] = X.T @ v
    H[d, d] = v.sum()
    return H / n
''',
    },
    "sigmoid": {
        "masks": '''
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out
''',
        "logaddexp": '''
def sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=float)))
''',
        "tanh": '''
def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))
''',
        "vectorize": '''
import math

def sigmoid(z):
    def one(t):
        if t >= 0:
            return 1 / (1 + math.exp(-t))
        e = math.exp(t)
        return e / (1 + e)
    return np.vectorize(one, otypes=[float])(np.asarray(z, dtype=float))
''',
        "piecewise": '''
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    neg = np.minimum(z, 0.0)
    return np.exp(neg - np.logaddexp(neg, neg - z))
''',
    },
}

#: one learner's own implementation and another learner's renamed, reformatted copy of it
PAIR = {
    "function": "gradient_descent",
    "original": INDEPENDENT["gradient_descent"]["augmented"],
    "copy": '''
def gradient_descent(X, y, step_size, n_iter):
    X = np.asarray(X, dtype=float); y = np.asarray(y, dtype=float)
    m = X.shape[0]
    design = np.hstack([X, np.ones((m, 1))])
    params = np.zeros(design.shape[1])
    curve = np.empty(n_iter + 1)
    for j in range(n_iter + 1):
        logits = design @ params
        curve[j] = np.mean(np.logaddexp(0, logits) - y * logits)   # the loss
        if j == n_iter:
            break
        probs = sigmoid(logits)
        params -= step_size * design.T @ (probs - y) / m
    return params[:-1], float(params[-1]), curve
''',
}

#: the one-line functions everybody writes the same way
SHORT = {
    "predict": [
        "def predict(X, w, b, threshold=0.5):\n"
        "    return (predict_proba(X, w, b) >= threshold).astype(int)\n",
        "def predict(X, w, b, threshold=0.5):\n"
        "    probs = predict_proba(X, w, b)\n    return (probs >= threshold).astype(int)\n",
        "def predict(X, w, b, threshold=0.5):\n"
        "    return np.where(predict_proba(X, w, b) >= threshold, 1, 0)\n",
    ],
}
