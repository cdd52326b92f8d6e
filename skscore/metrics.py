"""Metrics for score estimators, samplers and conservative fields.

- Score quality: :func:`fisher_divergence` against a known score.
- Sample quality: :func:`parzen_log_likelihood` and :func:`low_density_fraction`
  discriminate samples off the support; :func:`mmd` and :func:`energy_distance` are
  two-sample statistics (MMD with a median-heuristic bandwidth is nearly blind to
  samples off a thin support: use it together with the other two).
- Conservativeness: :func:`symmetricity` and :func:`jacobian_symmetricity`
  (Im, Belghazi & Memisevic): a vector field is a gradient field exactly when its
  Jacobian is symmetric everywhere.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Literal, cast, overload

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils import check_array
from sklearn.utils._param_validation import Interval

from skscore._core.fields import FieldLike, as_field
from skscore._core.numerics import neighbour_distance
from skscore._core.validation import check_bounds, validate_params

_POSITIVE = Interval(numbers.Real, 0, None, closed="neither")

__all__ = [
    "curl_2d",
    "energy_distance",
    "fisher_divergence",
    "jacobian_symmetricity",
    "low_density_fraction",
    "mmd",
    "parzen_log_likelihood",
    "symmetricity",
]

# Block sizes of the pairwise computations: a block holds at most
# _CHUNK_ROWS x _CHUNK_CENTRES float64 values (16 MiB), whatever the input sizes.
_CHUNK_ROWS = 512
_CHUNK_CENTRES = 4096
# Points used to estimate a kernel bandwidth scale (median heuristic, NN distances).
_MAX_SCALE_POINTS = 1000
# Parzen bandwidth grid: _PARZEN_GRID_SIZE values from _PARZEN_GRID_HIGH times the
# median nearest-neighbour distance down by factors of sqrt(2): 10x .. 0.0098x.
_PARZEN_GRID_HIGH = 10.0
_PARZEN_GRID_SIZE = 21


# ---------------------------------------------------------------------------
# validation and pairwise helpers
# ---------------------------------------------------------------------------


def _check_2d(X, name, min_samples=1):
    """Validate a finite 2-D float64 array, with an error naming the argument."""
    return check_array(
        X,
        dtype=np.float64,
        ensure_all_finite=True,
        ensure_min_samples=min_samples,
        input_name=name,
    )


def _check_same_features(A, B, name_a, name_b):
    if A.shape[1] != B.shape[1]:
        raise ValueError(
            f"{name_a} and {name_b} must have the same number of features, got "
            f"{A.shape[1]} and {B.shape[1]}"
        )


def _sq_dists(A, B, B_sq=None):
    """Squared Euclidean distances (n_a, n_b) by the expansion |a|^2 - 2ab + |b|^2."""
    if B_sq is None:
        B_sq = np.einsum("ij,ij->i", B, B)
    D = np.einsum("ij,ij->i", A, A)[:, None] - 2.0 * (A @ B.T) + B_sq
    return np.maximum(D, 0.0, out=D)


def _pairwise_mean(A, B, fn, same=False, exclude_diagonal=False):
    """Mean of ``fn(squared distance)`` over all pairs (a, b), computed in blocks.

    With ``same=True`` (``A is B``) the diagonal pairs have distance exactly 0; with
    ``exclude_diagonal`` they are left out of the mean (U-statistic).
    """
    B_sq = np.einsum("ij,ij->i", B, B)
    total = 0.0
    for i0 in range(0, A.shape[0], _CHUNK_ROWS):
        a = A[i0 : i0 + _CHUNK_ROWS]
        for j0 in range(0, B.shape[0], _CHUNK_CENTRES):
            D = _sq_dists(a, B[j0 : j0 + _CHUNK_CENTRES], B_sq[j0 : j0 + _CHUNK_CENTRES])
            if same:
                rows = np.arange(a.shape[0])
                cols = rows + i0 - j0
                inside = (cols >= 0) & (cols < D.shape[1])
                D[rows[inside], cols[inside]] = 0.0
            values = fn(D)
            if same and exclude_diagonal:
                values[rows[inside], cols[inside]] = 0.0
            total += float(values.sum())
    n_pairs = A.shape[0] * B.shape[0]
    if same and exclude_diagonal:
        n_pairs -= A.shape[0]
    return total / n_pairs


def _subsample(X, max_points):
    """At most ``max_points`` rows of X, chosen with a fixed seed (deterministic)."""
    if X.shape[0] <= max_points:
        return X
    idx = np.random.RandomState(0).choice(X.shape[0], max_points, replace=False)
    return X[np.sort(idx)]


def _median_distance(X):
    """Median pairwise distance between distinct rows of (a subsample of) X."""
    S = _subsample(X, _MAX_SCALE_POINTS)
    D = np.sqrt(_sq_dists(S, S))[np.triu_indices(S.shape[0], 1)]
    D = D[D > 0]
    return float(np.median(D)) if D.size else 1.0


def _nearest_neighbour_scale(samples):
    """Median distance from (a subsample of) ``samples`` to their nearest distinct sample
    (1.0 if all samples are equal), the scale of the Parzen bandwidth grid."""
    return neighbour_distance(samples, 1, to_all_rows=True) or 1.0


# ---------------------------------------------------------------------------
# score quality
# ---------------------------------------------------------------------------


def fisher_divergence(score_true: ArrayLike, score_est: ArrayLike, relative: bool = True) -> float:
    """Fisher divergence between an estimated and a true score field on samples.

    ``F = mean_i ||s_est(x_i) - s_true(x_i)||^2``, the quantity Hyvärinen's score
    matching minimises (up to a constant). With ``relative=True`` it is divided by
    ``mean_i ||s_true(x_i)||^2``: 0 is perfect and 1 is as bad as predicting a zero
    score everywhere.

    Parameters
    ----------
    score_true : array-like of shape (n_samples, n_features)
        The true score at the evaluation points (e.g. from
        :meth:`skscore.datasets.GaussianMixtureDensity.grad_log_density`).
    score_est : array-like of shape (n_samples, n_features)
        The estimated score at the same points.
    relative : bool, default=True
        Divide by the mean squared norm of the true score.

    Returns
    -------
    divergence : float
        Mean squared error of the score (relative or absolute).

    References
    ----------
    A. Hyvärinen, "Estimation of non-normalized statistical models by score
    matching", JMLR 6, 2005.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.metrics import fisher_divergence
    >>> s = np.array([[1.0, 0.0], [0.0, -2.0]])
    >>> fisher_divergence(s, s), fisher_divergence(s, np.zeros_like(s))
    (0.0, 1.0)
    >>> fisher_divergence(s, 0.5 * s)
    0.25
    """
    score_true = _check_2d(score_true, "score_true")
    score_est = _check_2d(score_est, "score_est")
    if score_true.shape != score_est.shape:
        raise ValueError(
            f"score_true and score_est must have the same shape, got {score_true.shape} "
            f"and {score_est.shape}"
        )
    err = float(np.mean(np.einsum("ij,ij->i", score_est - score_true, score_est - score_true)))
    if not relative:
        return err
    norm = float(np.mean(np.einsum("ij,ij->i", score_true, score_true)))
    if norm == 0.0:
        raise ValueError(
            "score_true is zero everywhere, so the relative divergence is undefined; "
            "use relative=False"
        )
    return err / norm


# ---------------------------------------------------------------------------
# two-sample statistics
# ---------------------------------------------------------------------------


@validate_params(
    {"X": ["array-like"], "Y": ["array-like"], "bandwidth": [_POSITIVE, None]},
    prefer_skip_nested_validation=True,
)
def mmd(X: ArrayLike, Y: ArrayLike, bandwidth: float | None = None) -> float:
    """Squared maximum mean discrepancy with a Gaussian kernel (unbiased estimate).

    ``MMD^2 = E k(x, x') + E k(y, y') - 2 E k(x, y)`` with
    ``k(a, b) = exp(-||a - b||^2 / (2 h^2))``, estimated by the unbiased U-statistic
    (Gretton et al., 2012): it can be slightly negative when both samples come from
    the same distribution.

    Parameters
    ----------
    X : array-like of shape (n_x, n_features)
        First sample (at least 2 rows).
    Y : array-like of shape (n_y, n_features)
        Second sample (at least 2 rows).
    bandwidth : float, default=None
        Kernel bandwidth ``h``. None uses the median heuristic: the median distance
        between distinct points of the pooled sample (a fixed subsample of 1,000
        points when larger).

    Returns
    -------
    mmd2 : float
        The unbiased squared MMD.

    Notes
    -----
    With the median heuristic the kernel is as wide as the data, so MMD hardly
    notices samples that leave a thin support (samples almost all off a spiral can
    score ``MMD^2`` near 0). Pass a smaller bandwidth, or use
    :func:`parzen_log_likelihood` and :func:`low_density_fraction`. Cost is
    O((n_x + n_y)^2 n_features) time, bounded memory.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.metrics import mmd
    >>> rng = np.random.RandomState(0)
    >>> X, Y = rng.normal(size=(200, 2)), rng.normal(size=(200, 2))
    >>> round(mmd(X, Y), 3), round(mmd(X, Y + 2.0), 3)  # same law (can be < 0), shifted
    (-0.002, 0.576)
    """
    X = _check_2d(X, "X", min_samples=2)
    Y = _check_2d(Y, "Y", min_samples=2)
    _check_same_features(X, Y, "X", "Y")
    h = _median_distance(np.vstack([X, Y])) if bandwidth is None else float(bandwidth)
    if not h > 0:
        raise ValueError("every point coincides, so the median-distance bandwidth is 0")
    gamma = 1.0 / (2.0 * h * h)

    def kernel(D):
        return np.exp(-gamma * D)

    k_xx = _pairwise_mean(X, X, kernel, same=True, exclude_diagonal=True)
    k_yy = _pairwise_mean(Y, Y, kernel, same=True, exclude_diagonal=True)
    k_xy = _pairwise_mean(X, Y, kernel)
    return k_xx + k_yy - 2.0 * k_xy


def energy_distance(X: ArrayLike, Y: ArrayLike) -> float:
    """Energy distance between two samples (Székely & Rizzo).

    ``2 E||X - Y|| - E||X - X'|| - E||Y - Y'||`` with all expectations replaced by
    averages over all pairs (the V-statistic): it is >= 0 and 0 for identical
    samples. In one dimension it equals ``scipy.stats.energy_distance(x, y) ** 2``.

    Parameters
    ----------
    X : array-like of shape (n_x, n_features)
        First sample.
    Y : array-like of shape (n_y, n_features)
        Second sample.

    Returns
    -------
    distance : float
        The (squared-scale) energy distance.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.metrics import energy_distance
    >>> rng = np.random.RandomState(0)
    >>> X, Y = rng.normal(size=(200, 2)), rng.normal(size=(200, 2))
    >>> round(energy_distance(X, Y), 3), round(energy_distance(X, Y + 2.0), 3)
    (0.013, 2.689)
    """
    X = _check_2d(X, "X")
    Y = _check_2d(Y, "Y")
    _check_same_features(X, Y, "X", "Y")
    d_xy = _pairwise_mean(X, Y, np.sqrt)
    d_xx = _pairwise_mean(X, X, np.sqrt, same=True)
    d_yy = _pairwise_mean(Y, Y, np.sqrt, same=True)
    return max(2.0 * d_xy - d_xx - d_yy, 0.0)


# ---------------------------------------------------------------------------
# sample quality against the data
# ---------------------------------------------------------------------------


def _parzen_bandwidths(h_max, n_bandwidths):
    """Bandwidths ``h_max * 2**(-b/2)``, b = 0..n-1 (the grid of the squaring trick)."""
    return h_max * 2.0 ** (-0.5 * np.arange(n_bandwidths))


def _parzen_log_densities(centres, X, h_max, n_bandwidths=1):
    """Per-point Parzen log-densities, shape (n_points, n_bandwidths).

    ``log (1/m) sum_j N(x; c_j, h^2 I)`` for ``h = h_max * 2**(-b/2)``,
    ``b = 0..n_bandwidths-1``, streamed over blocks of points and centres with a
    running log-sum-exp, so memory is bounded by one block whatever ``m`` and ``n``.
    Consecutive bandwidths halve ``h^2``, so ``exp(-D / (2 h_{b+1}^2))`` is the
    square of ``exp(-D / (2 h_b^2))``: one ``exp`` per block serves every bandwidth
    (exp costs ~10x a multiplication here).
    """
    m, d = centres.shape
    h = _parzen_bandwidths(h_max, n_bandwidths)
    gamma = 1.0 / (2.0 * h_max * h_max) * 2.0 ** np.arange(n_bandwidths)
    c_sq = np.einsum("ij,ij->i", centres, centres)
    out = np.empty((X.shape[0], n_bandwidths))
    for i0 in range(0, X.shape[0], _CHUNK_ROWS):
        x = X[i0 : i0 + _CHUNK_ROWS]
        d_min = np.full(x.shape[0], np.inf)  # running minimum squared distance
        sums = np.zeros((x.shape[0], n_bandwidths))  # sum_j exp(-gamma (D_j - d_min))
        for j0 in range(0, m, _CHUNK_CENTRES):
            D = _sq_dists(x, centres[j0 : j0 + _CHUNK_CENTRES], c_sq[j0 : j0 + _CHUNK_CENTRES])
            new_min = np.minimum(d_min, D.min(axis=1))
            shift = d_min - new_min  # >= 0; inf on the first block, where sums are 0
            shift[~np.isfinite(shift)] = 0.0
            sums *= np.exp(-np.outer(shift, gamma))
            D -= new_min[:, None]
            D *= -gamma[0]
            E = np.exp(D, out=D)
            for b in range(n_bandwidths):
                if b:
                    np.multiply(E, E, out=E)
                sums[:, b] += E.sum(axis=1)
            d_min = new_min
        out[i0 : i0 + _CHUNK_ROWS] = -np.outer(d_min, gamma) + np.log(sums)
    return out - math.log(m) - 0.5 * d * np.log(2.0 * np.pi * h * h)


@overload
def parzen_log_likelihood(
    samples: ArrayLike,
    X: ArrayLike,
    bandwidth: float | None = ...,
    X_valid: ArrayLike | None = ...,
    return_bandwidth: Literal[False] = ...,
) -> float: ...
@overload
def parzen_log_likelihood(
    samples: ArrayLike,
    X: ArrayLike,
    bandwidth: float | None = ...,
    X_valid: ArrayLike | None = ...,
    *,
    return_bandwidth: Literal[True],
) -> tuple[float, float]: ...
@overload
def parzen_log_likelihood(
    samples: ArrayLike,
    X: ArrayLike,
    bandwidth: float | None,
    X_valid: ArrayLike | None,
    return_bandwidth: bool,
) -> float | tuple[float, float]: ...


@validate_params(
    {
        "samples": ["array-like"],
        "X": ["array-like"],
        "bandwidth": [_POSITIVE, None],
        "X_valid": ["array-like", None],
        "return_bandwidth": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def parzen_log_likelihood(
    samples: ArrayLike,
    X: ArrayLike,
    bandwidth: float | None = None,
    X_valid: ArrayLike | None = None,
    return_bandwidth: bool = False,
) -> float | tuple[float, float]:
    """Mean log-likelihood of ``X`` under a Gaussian Parzen window on ``samples``.

    The density is ``q(x) = (1/m) sum_j N(x; s_j, h^2 I)`` over the ``m`` generated
    samples; the result is ``mean_i log q(x_i)`` over held-out data ``X``. This is
    the sample-quality measure of the GSN experiments (thesis section 5.5, after
    Breuleux, Bengio & Vincent 2011), with ``h`` chosen on a validation set.

    Parameters
    ----------
    samples : array-like of shape (n_samples, n_features)
        Centres of the Parzen window (e.g. samples from a model).
    X : array-like of shape (n_points, n_features)
        Points whose mean log-likelihood is returned (e.g. test data).
    bandwidth : float, default=None
        Standard deviation ``h`` of the Gaussian window. None selects it on
        ``X_valid`` from 21 values log-spaced by factors of sqrt(2) from 10 down to
        0.01 times the median nearest-neighbour distance between samples (over a
        fixed subsample of 1,000 samples; exact duplicates ignored); a warning is
        issued if the best value is at the edge of the grid.
    X_valid : array-like of shape (n_valid, n_features), default=None
        Validation data for the bandwidth selection; required when ``bandwidth``
        is None, ignored otherwise.
    return_bandwidth : bool, default=False
        Also return the bandwidth used.

    Returns
    -------
    log_likelihood : float
        Mean log-likelihood of the rows of ``X`` in nats.
    bandwidth : float
        The bandwidth used; only returned if ``return_bandwidth`` is True.

    Notes
    -----
    Computed in blocks of 512 points x 4,096 centres with a streaming
    log-sum-exp: time O(n_samples n_points n_features), memory of one block.
    The whole bandwidth grid is evaluated in one pass over ``X_valid`` (each
    halving of ``h^2`` squares the kernel values, so one ``exp`` serves all 21).

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.metrics import parzen_log_likelihood
    >>> rng = np.random.RandomState(0)
    >>> samples, X_valid, X = (rng.normal(size=(n, 2)) for n in (1000, 200, 200))
    >>> ll, h = parzen_log_likelihood(samples, X, X_valid=X_valid, return_bandwidth=True)
    >>> round(ll, 2), round(h, 3)
    (-2.77, 0.281)
    >>> round(parzen_log_likelihood(samples, X, bandwidth=h), 2)  # the selected h, given
    -2.77
    """
    samples = _check_2d(samples, "samples")
    X = _check_2d(X, "X")
    _check_same_features(samples, X, "samples", "X")
    if bandwidth is None:
        if X_valid is None:
            raise ValueError(
                "bandwidth=None selects the bandwidth on validation data: pass X_valid "
                "(data not in X) or a bandwidth"
            )
        X_valid = _check_2d(X_valid, "X_valid")
        _check_same_features(samples, X_valid, "samples", "X_valid")
        h_max = _PARZEN_GRID_HIGH * _nearest_neighbour_scale(samples)
        grid = _parzen_bandwidths(h_max, _PARZEN_GRID_SIZE)
        valid_ll = _parzen_log_densities(samples, X_valid, h_max, grid.size).mean(axis=0)
        best = int(np.argmax(valid_ll))
        if best in (0, grid.size - 1):
            warnings.warn(
                f"the selected Parzen bandwidth {grid[best]:.3g} is at the edge of the "
                f"grid [{grid[0]:.3g}, {grid[-1]:.3g}]; pass a bandwidth explicitly",
                UserWarning,
                stacklevel=2,
            )
        bandwidth = float(grid[best])
    h = float(bandwidth)
    ll = float(_parzen_log_densities(samples, X, h)[:, 0].mean())
    return (ll, h) if return_bandwidth else ll


@validate_params(
    {
        "log_prob_samples": ["array-like"],
        "log_prob_data": ["array-like"],
        "q": [Interval(numbers.Real, 0, 1, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def low_density_fraction(
    log_prob_samples: ArrayLike, log_prob_data: ArrayLike, q: float = 0.01
) -> float:
    """Fraction of samples in regions where the true density is low.

    A sample is in a low-density region if its true log-density is below the
    ``q``-quantile of the true log-densities of data drawn from the true
    distribution. Exact samples score about ``q``; samples off the support score up
    to 1. Unlike MMD this sees samples that leave a thin manifold.

    Parameters
    ----------
    log_prob_samples : array-like of shape (n_samples,)
        True log-density at the samples (e.g.
        :meth:`skscore.datasets.GaussianMixtureDensity.log_prob`); ``-inf`` is
        allowed (counted as low).
    log_prob_data : array-like of shape (n_data,)
        True log-density at data drawn from the true distribution.
    q : float, default=0.01
        Quantile of the data's log-densities used as the threshold, in (0, 1).

    Returns
    -------
    fraction : float
        Fraction of samples below the threshold, in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.datasets import GaussianMixtureDensity
    >>> from skscore.metrics import low_density_fraction
    >>> density = GaussianMixtureDensity([[0.0, 0.0]], 1.0)
    >>> data = density.log_prob(density.sample(2000, random_state=0))
    >>> far = density.log_prob(density.sample(500, random_state=1) + 10.0)
    >>> low_density_fraction(far, data, q=0.01)
    1.0
    """
    a = _check_log_probs(log_prob_samples, "log_prob_samples")
    b = _check_log_probs(log_prob_data, "log_prob_data")
    threshold = np.quantile(b, q)
    return float(np.mean(a < threshold))


def _check_log_probs(values, name):
    try:
        values = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric, got {values!r}") from exc
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {values.shape}")
    if np.any(np.isnan(values)) or np.any(values == np.inf):
        raise ValueError(f"{name} contains NaN or +inf")
    return values


# ---------------------------------------------------------------------------
# conservativeness
# ---------------------------------------------------------------------------


def symmetricity(A: ArrayLike) -> float | np.ndarray:
    """Fraction of a matrix's squared Frobenius norm in its symmetric part.

    ``||(A + A^T)/2||_F^2 / ||A||_F^2``. Because the symmetric and antisymmetric
    parts are orthogonal, this lies in [0, 1]: 1 for a symmetric matrix, 0 for an
    antisymmetric one. Applied to the Jacobian of a vector field it measures how
    close the field is to a gradient field (Im, Belghazi & Memisevic). A zero
    matrix counts as symmetric (1.0).

    Parameters
    ----------
    A : array-like of shape (d, d) or (n, d, d)
        A square matrix or a stack of them.

    Returns
    -------
    symmetricity : float or ndarray of shape (n,)
        Float for a single matrix, array for a stack.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.metrics import symmetricity
    >>> K = np.array([[0.0, 1.0], [-1.0, 0.0]])
    >>> symmetricity(np.eye(2)), symmetricity(K), symmetricity(np.eye(2) + K)
    (1.0, 0.0, 0.5)
    """
    try:
        A = np.asarray(A, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"A must be a numeric array, got {A!r}") from exc
    if A.ndim not in (2, 3) or A.shape[-1] != A.shape[-2] or A.shape[-1] == 0:
        raise ValueError(f"A must have shape (d, d) or (n, d, d), got {A.shape}")
    if not np.all(np.isfinite(A)):
        raise ValueError("A contains NaN or inf")
    sym = 0.5 * (A + np.swapaxes(A, -1, -2))
    num = np.sum(sym * sym, axis=(-2, -1))
    den = np.sum(A * A, axis=(-2, -1))
    safe = np.where(den > 0, den, 1.0)
    ratio = np.where(den > 0, num / safe, 1.0)
    return float(ratio) if A.ndim == 2 else ratio


@validate_params(
    {"estimator": "no_validation", "X": ["array-like"], "eps": [_POSITIVE, None]},
    prefer_skip_nested_validation=True,
)
def jacobian_symmetricity(
    estimator: FieldLike, X: ArrayLike, eps: float | None = None
) -> np.ndarray:
    """Symmetricity of the Jacobian of an estimator's vector field at each row of ``X``.

    The field is the score ``∇ log p`` of a score estimator or density (its Jacobian is the
    Hessian of ``log p``), the predicted field of a :class:`~skscore.ConservativeFieldRegressor`
    (or any regressor whose ``predict`` maps ``R^d`` to ``R^d``), or a callable ``X -> field``.
    The Jacobian is exact when the estimator has one (``hessian_log_density``,
    ``jacobian``), otherwise central finite differences in float64. A field is a gradient
    exactly where its Jacobian is symmetric (symmetricity 1). For an auto-encoder's
    reconstruction ``r = x + sigma^2 s``, ``dr/dx = I + sigma^2 ∇s`` (what Im et al. report):
    compute it from :meth:`hessian_log_density` and pass it to :func:`symmetricity`.

    Parameters
    ----------
    estimator : object
        A fitted skscore estimator, a density, a regressor with ``predict``, or a callable.
    X : array-like of shape (n_samples, n_features)
        Points at which the Jacobian is evaluated.
    eps : float, default=None
        Finite-difference step relative to each feature's standard deviation in
        ``X`` (1.0 for constant features), when no exact Jacobian exists. None means 1e-3,
        a compromise between truncation error and the round-off of models that compute in
        float32.

    Returns
    -------
    symmetricity : ndarray of shape (n_samples,)
        :func:`symmetricity` of the Jacobian at each row.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.metrics import jacobian_symmetricity, symmetricity
    >>> A = np.array([[1.0, 2.0], [0.0, 1.0]])
    >>> X = np.random.RandomState(0).normal(size=(3, 2))
    >>> print(np.round(jacobian_symmetricity(lambda X: X @ A.T, X), 4), round(symmetricity(A), 4))
    [0.6667 0.6667 0.6667] 0.6667
    """
    X = _check_2d(X, "X")
    # a stack of Jacobians, so an array (not the float of a single matrix)
    return cast(np.ndarray, symmetricity(as_field(estimator, "estimator").jacobian(X, eps=eps)))


# ---------------------------------------------------------------------------
# 2-D curl
# ---------------------------------------------------------------------------


@validate_params(
    {
        "field": "no_validation",
        "bounds": "no_validation",
        "grid_size": [Interval(numbers.Integral, 3, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def curl_2d(
    field: FieldLike,
    bounds: tuple[float, float, float, float],
    grid_size: int = 50,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scalar curl ``dF_y/dx - dF_x/dy`` of a 2-D vector field on a regular grid.

    A field on a simply connected domain is conservative (a gradient field) exactly
    when its curl vanishes everywhere (Im, Belghazi & Memisevic, Proposition 1). The
    curl is twice the local rotation rate: ``F = (-y, x)`` has curl 2 everywhere.

    Parameters
    ----------
    field : callable or estimator
        A function ``(m, 2) -> (m, 2)``, or a fitted estimator or density (its field: the
        score ``∇ log p`` of a density estimator, the predicted field of a regressor). With
        an exact Jacobian (``hessian_log_density``, ``jacobian``) the curl is exact,
        ``J[:, 1, 0] - J[:, 0, 1]``; otherwise the field is differentiated by second-order
        finite differences on the grid.
    bounds : tuple of 4 floats
        ``(xmin, xmax, ymin, ymax)`` of the grid.
    grid_size : int, default=50
        Number of grid points along each axis (>= 3).

    Returns
    -------
    GX, GY : ndarray of shape (grid_size, grid_size)
        The grid, ``np.meshgrid(np.linspace(xmin, xmax, grid_size),
        np.linspace(ymin, ymax, grid_size))``.
    curl : ndarray of shape (grid_size, grid_size)
        The curl at each grid point.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.metrics import curl_2d
    >>> sink = lambda X: np.column_stack([-X[:, 0] + X[:, 1], -X[:, 0] - X[:, 1]])
    >>> GX, GY, curl = curl_2d(sink, (-1, 1, -1, 1), grid_size=5)
    >>> curl.shape, bool(np.allclose(curl, -2.0))
    ((5, 5), True)
    >>> _, _, curl = curl_2d(lambda X: -X, (-1, 1, -1, 1), grid_size=5)
    >>> bool(np.allclose(curl, 0.0))
    True
    """
    bounds = check_bounds(bounds)
    xmin, xmax, ymin, ymax = bounds
    xs = np.linspace(xmin, xmax, grid_size)
    ys = np.linspace(ymin, ymax, grid_size)
    GX, GY = np.meshgrid(xs, ys)
    points = np.column_stack([GX.ravel(), GY.ravel()])
    shape = (grid_size, grid_size)
    field = as_field(field)
    if field.has_jacobian:
        J = field.jacobian(points)
        curl = (J[:, 1, 0] - J[:, 0, 1]).reshape(shape)
    else:
        V = field.gradient(points)
        U, W = V[:, 0].reshape(shape), V[:, 1].reshape(shape)
        curl = np.gradient(W, xs, axis=1, edge_order=2) - np.gradient(U, ys, axis=0, edge_order=2)
    if not np.all(np.isfinite(curl)):
        raise ValueError("the field is not finite on the grid")
    return GX, GY, curl
