"""Optimal auto-encoders with infinite capacity in 1-D (thesis section 3.3.3, figures 3.3–3.4).

Every value ``r(x_i)`` on a grid is a free parameter. The DAE optimum is the exact formula of
Theorem 1 (eq. 3.3, a p-weighted Gaussian average); the RCAE optimum solves the linear system
obtained by setting the gradient of the discretised loss (eq. 3.11) to zero. Both give score
approximations ``(r(x) - x) / sigma^2`` that approach the true score as sigma shrinks
(Theorems 1–2) and approach each other (Proposition 1).
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike
from scipy.linalg import solve_banded
from scipy.special import logsumexp
from sklearn.utils._param_validation import Interval

from skscore._core.validation import validate_params
from skscore.datasets import GaussianMixtureDensity

__all__ = [
    "example_density_1d",
    "dae_optimal_reconstruction",
    "rcae_optimal_reconstruction",
    "score_from_reconstruction",
]


def example_density_1d() -> GaussianMixtureDensity:
    """A bimodal 1-D density on about [-1.5, 1.5], in the spirit of thesis figure 3.3.

    Returns
    -------
    density : GaussianMixtureDensity
        Two-component mixture with exact ``log_prob`` and ``score``.

    Examples
    --------
    >>> from skscore.nonparametric import example_density_1d
    >>> example_density_1d().n_features
    1
    """
    return GaussianMixtureDensity(
        means=[[-0.5], [0.6]], covariances=[0.3**2, 0.2**2], weights=[0.6, 0.4]
    )


_GRID_CONSTRAINTS = {
    "x": ["array-like"],
    "p": ["array-like"],
    "sigma": [Interval(numbers.Real, 0, None, closed="neither")],
}


def _check_grid(x, p):
    x = np.asarray(x, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    if x.ndim != 1 or p.shape != x.shape or len(x) < 3:
        raise ValueError(
            f"x and p must be 1-D arrays of the same length >= 3, got {x.shape} and {p.shape}"
        )
    steps = np.diff(x)
    if not np.all(np.isfinite(x)) or not np.allclose(steps, steps[0]) or steps[0] <= 0:
        raise ValueError("x must be an increasing, evenly spaced, finite grid")
    if not np.all(np.isfinite(p)) or np.any(p < 0) or not np.any(p > 0):
        raise ValueError("p must hold finite, non-negative density values, not all zero")
    return x, p, steps[0]


@validate_params(_GRID_CONSTRAINTS, prefer_skip_nested_validation=True)
def dae_optimal_reconstruction(x: ArrayLike, p: ArrayLike, sigma: float) -> np.ndarray:
    """Optimal DAE reconstruction on a grid, Theorem 1 (thesis eq. 3.3).

    ``r(x_i) = sum_j p_j N(x_i - x_j; sigma^2) x_j / sum_j p_j N(x_i - x_j; sigma^2)``.

    Parameters
    ----------
    x : array-like of shape (M,)
        Evenly spaced grid.
    p : array-like of shape (M,)
        Density at the grid points (unnormalised is fine).
    sigma : float
        Corruption noise level.

    Returns
    -------
    r : ndarray of shape (M,)
        Optimal reconstruction at each grid point.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.nonparametric import dae_optimal_reconstruction
    >>> x = np.linspace(-3, 3, 601)
    >>> r = dae_optimal_reconstruction(x, np.exp(-x**2 / 2), sigma=0.5)
    >>> round(float(r[400] / x[400]), 3)  # N(0,1): r(x) = x / (1 + sigma^2)
    0.8
    """
    x, p, _ = _check_grid(x, p)
    with np.errstate(divide="ignore"):
        log_p = np.log(p)
    log_w = log_p[None, :] - (x[:, None] - x[None, :]) ** 2 / (2 * sigma**2)
    log_w -= logsumexp(log_w, axis=1, keepdims=True)
    return np.exp(log_w) @ x


@validate_params(_GRID_CONSTRAINTS, prefer_skip_nested_validation=True)
def rcae_optimal_reconstruction(x: ArrayLike, p: ArrayLike, sigma: float) -> np.ndarray:
    """Exact minimiser of the discretised RCAE loss (thesis eq. 3.11).

    ``sum_i p_i D (r_i - x_i)^2 + sigma^2 sum_i p_i D ((r_{i+1} - r_i) / D)^2``; its gradient is
    linear in r, a tridiagonal system ``(diag(p D) + sigma^2 / D * L_p) r = p D x`` with L_p the
    p-weighted path-graph Laplacian.

    Parameters
    ----------
    x : array-like of shape (M,)
        Evenly spaced grid.
    p : array-like of shape (M,)
        Density at the grid points (positive where r must be determined).
    sigma : float
        Contraction penalty, as in ``sigma^2 ||dr/dx||^2``.

    Returns
    -------
    r : ndarray of shape (M,)
        Optimal reconstruction at each grid point.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.nonparametric import rcae_optimal_reconstruction
    >>> x = np.linspace(-3, 3, 601)
    >>> r = rcae_optimal_reconstruction(x, np.exp(-x**2 / 2), sigma=0.1)
    >>> round(float((r[400] - x[400]) / 0.1**2), 2)  # score of N(0,1) at x=1 is -1
    -0.99
    """
    x, p, step = _check_grid(x, p)
    edge = p[:-1] * sigma**2 / step  # weight of (r_{i+1} - r_i)^2
    diagonal = p * step
    diagonal[:-1] += edge
    diagonal[1:] += edge
    banded = np.zeros((3, len(x)))
    banded[0, 1:] = -edge
    banded[1] = diagonal
    banded[2, :-1] = -edge
    return solve_banded((1, 1), banded, p * step * x)


def score_from_reconstruction(x: ArrayLike, r: ArrayLike, sigma: float) -> np.ndarray:
    """Score approximation ``(r(x) - x) / sigma^2`` (thesis eq. 3.5).

    Parameters
    ----------
    x, r : array-like of shape (M,)
        Grid and reconstruction on it.
    sigma : float
        Noise level (or penalty) the reconstruction was optimal for.

    Returns
    -------
    score : ndarray of shape (M,)
        Approximate derivative of log p.

    Examples
    --------
    >>> from skscore.nonparametric import score_from_reconstruction
    >>> score_from_reconstruction([0.0, 1.0], [0.0, 0.99], 0.1)
    array([ 0., -1.])
    """
    x = np.asarray(x, dtype=np.float64)
    return (np.asarray(r, dtype=np.float64) - x) / sigma**2
