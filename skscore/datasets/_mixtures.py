"""Toy data sets (thesis spiral, closed 10-D curve, binary digits) and exact Gaussian mixtures."""

from __future__ import annotations

import functools
import math
import numbers
import warnings
from typing import Literal, overload

import numpy as np
from numpy.typing import ArrayLike
from scipy.linalg import solve_triangular
from sklearn.datasets import load_digits
from sklearn.utils import Bunch, check_array, check_random_state
from sklearn.utils._param_validation import Interval

from skscore._core.numerics import LOG_2PI
from skscore._core.validation import check_arguments, validate_params

# Fixed seed of the make_manifold curve: the curve is part of the data set's
# definition, so it never depends on ``random_state``.
_MANIFOLD_SEED = 20140417
_MANIFOLD_HARMONICS = 3
_MANIFOLD_HALF_RANGE = 1.4

# Spacing between consecutive mixture means, in units of ``width``, used when the
# stand-in densities choose their number of components ("auto"). At 1.5 the
# density along the curve has no visible ripple.
_AUTO_SPACING = 1.5

# Rows per block in GaussianMixtureDensity evaluations (bounds memory use).
_ROW_BLOCK = 65536
_ISO_BLOCK_ENTRIES = 2**20


_COUNT = Interval(numbers.Integral, 1, None, closed="left")
_NON_NEGATIVE = Interval(numbers.Real, 0, None, closed="left")
_POSITIVE = Interval(numbers.Real, 0, None, closed="neither")


# ---------------------------------------------------------------------------
# generators
# ---------------------------------------------------------------------------


def _spiral_curve(t):
    """Points of the spiral of thesis section 3.3.4 at parameters ``t``.

    The thesis prints ``x = 0.04 sin t, y = 0.04 cos t``; its figure is a spiral,
    so the intended curve is ``x = 0.04 t sin t, y = 0.04 t cos t``.
    """
    t = np.asarray(t, dtype=np.float64)
    return np.column_stack([0.04 * t * np.sin(t), 0.04 * t * np.cos(t)])


@validate_params(
    {"n_samples": [_COUNT], "noise": [_NON_NEGATIVE], "random_state": ["random_state"]},
    prefer_skip_nested_validation=True,
)
def make_spiral(
    n_samples: int = 1000,
    noise: float = 0.0,
    random_state: int | np.random.RandomState | None = None,
) -> np.ndarray:
    """Generate the 2-D spiral of Alain & Bengio (2014), section 3.3.4.

    ``t ~ Uniform(3, 12)``, ``x = 0.04 t sin(t)``, ``y = 0.04 t cos(t)``, plus
    isotropic Gaussian noise of standard deviation ``noise``. The printed equations
    of the paper omit the factor ``t``; the figure shows the spiral generated here.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of points.
    noise : float, default=0.0
        Standard deviation of the Gaussian noise added to each coordinate.
    random_state : int, RandomState instance or None, default=None
        Seed or generator for ``t`` and the noise.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        The points, float64. The noise-free spiral has a standard deviation of
        about 0.22 per coordinate and lies in a disc of radius 0.48.

    See Also
    --------
    spiral_density : Gaussian mixture along the same curve, with exact score.

    References
    ----------
    G. Alain and Y. Bengio, "What regularized auto-encoders learn from the
    data-generating distribution", JMLR 15, 2014; thesis (Alain, 2018) sec. 3.3.4.

    Examples
    --------
    >>> from skscore.datasets import make_spiral
    >>> X = make_spiral(n_samples=500, noise=0.01, random_state=0)
    >>> X.shape
    (500, 2)
    """
    rng = check_random_state(random_state)
    t = rng.uniform(3.0, 12.0, size=n_samples)
    X = _spiral_curve(t)
    if noise > 0:
        X += noise * rng.standard_normal(X.shape)
    return X


@functools.lru_cache(maxsize=32)
def _manifold_coefficients(n_features):
    """Fourier coefficients of the fixed closed curve of :func:`make_manifold`.

    Coordinate ``j`` is ``scale_j * sum_k a_jk cos(k t + phi_jk)``, ``k = 1..3``,
    with ``a_j1 = 1`` and decaying higher harmonics. The first-harmonic phases of
    consecutive coordinates differ by 60 to 120 degrees, so every projection onto
    ``(x_j, x_{j+1})`` is an open, visibly curved loop. Coefficients are drawn
    coordinate by coordinate from a fixed private seed: the first ``d`` coordinates
    of a ``d' > d`` curve are the ``d``-dimensional curve. Each coordinate is scaled
    so its maximum absolute value over the curve is 1.4.
    """
    rng = np.random.default_rng(_MANIFOLD_SEED)
    harmonics = np.arange(1, _MANIFOLD_HARMONICS + 1)
    amps = np.empty((n_features, _MANIFOLD_HARMONICS))
    phases = np.empty((n_features, _MANIFOLD_HARMONICS))
    phi = rng.uniform(0.0, 2.0 * np.pi)
    for j in range(n_features):
        amps[j] = [1.0, rng.uniform(0.2, 0.5), rng.uniform(0.1, 0.3)]
        phases[j] = [phi, *rng.uniform(0.0, 2.0 * np.pi, size=2)]
        phi += rng.uniform(np.pi / 3.0, 2.0 * np.pi / 3.0)
    t_grid = np.linspace(0.0, 2.0 * np.pi, 4096, endpoint=False)
    raw = (amps * np.cos(t_grid[:, None, None] * harmonics + phases)).sum(axis=-1)
    amps *= (_MANIFOLD_HALF_RANGE / np.abs(raw).max(axis=0))[:, None]
    for arr in (amps, phases, harmonics):
        arr.setflags(write=False)
    return amps, phases, harmonics


def _manifold_curve(t, n_features):
    """Points of the :func:`make_manifold` curve at parameters ``t`` (n,) -> (n, d)."""
    amps, phases, harmonics = _manifold_coefficients(n_features)
    t = np.asarray(t, dtype=np.float64)
    return (amps * np.cos(t[:, None, None] * harmonics + phases)).sum(axis=-1)


def _manifold_speed(t, n_features):
    """Norm of the derivative of the :func:`make_manifold` curve at ``t``."""
    amps, phases, harmonics = _manifold_coefficients(n_features)
    t = np.asarray(t, dtype=np.float64)
    deriv = -(amps * harmonics * np.sin(t[:, None, None] * harmonics + phases)).sum(axis=-1)
    return np.linalg.norm(deriv, axis=1)


@validate_params(
    {
        "n_samples": [_COUNT],
        "n_features": [Interval(numbers.Integral, 2, None, closed="left")],
        "noise": [_NON_NEGATIVE],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_manifold(
    n_samples: int = 1000,
    n_features: int = 10,
    noise: float = 0.05,
    random_state: int | np.random.RandomState | None = None,
) -> np.ndarray:
    """Generate points near a closed smooth 1-D curve in ``n_features`` dimensions.

    ``t ~ Uniform(0, 2 pi)`` and each coordinate is a fixed short Fourier series in
    ``t`` (three harmonics). The curve is the same for every call (its coefficients
    come from a fixed private seed); ``random_state`` draws only ``t`` and the
    noise. Each noise-free coordinate lies in [-1.4, 1.4] (to 1e-4) and every projection onto
    consecutive coordinates ``(x_k, x_{k+1})`` is a curved loop.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of points.
    n_features : int, default=10
        Dimension of the ambient space (at least 2). The first ``d`` coordinates of
        a curve in more dimensions are the curve in ``d`` dimensions.
    noise : float, default=0.05
        Standard deviation of the isotropic Gaussian noise.
    random_state : int, RandomState instance or None, default=None
        Seed or generator for ``t`` and the noise.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The points, float64.

    See Also
    --------
    manifold_density : Gaussian mixture along the same curve, with exact score.

    Examples
    --------
    >>> from skscore.datasets import make_manifold
    >>> X = make_manifold(n_samples=200, n_features=10, random_state=0)
    >>> X.shape
    (200, 10)
    """
    rng = check_random_state(random_state)
    t = rng.uniform(0.0, 2.0 * np.pi, size=n_samples)
    X = _manifold_curve(t, n_features)
    if noise > 0:
        X += noise * rng.standard_normal(X.shape)
    return X


@overload
def load_binary_digits(return_X_y: Literal[False] = ...) -> Bunch: ...
@overload
def load_binary_digits(return_X_y: Literal[True]) -> tuple[np.ndarray, np.ndarray]: ...
@overload
def load_binary_digits(return_X_y: bool) -> Bunch | tuple[np.ndarray, np.ndarray]: ...


@validate_params({"return_X_y": ["boolean"]}, prefer_skip_nested_validation=True)
def load_binary_digits(return_X_y: bool = False) -> Bunch | tuple[np.ndarray, np.ndarray]:
    """Load scikit-learn's 8x8 digits binarised to {0, 1}.

    Pixel intensities (0..16) of :func:`sklearn.datasets.load_digits` are mapped to
    1.0 where ``intensity >= 8`` (at least half intensity) and 0.0 elsewhere. This
    is the binary data set of the GSN experiments (thesis chapter 5).

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With ``data`` (1797, 64) float64 in {0, 1}, ``target`` (1797,) int,
        ``images`` (1797, 8, 8) float64 in {0, 1}, ``feature_names``,
        ``target_names`` and ``DESCR``.
    (data, target) : tuple if ``return_X_y`` is True
        ``data`` of shape (1797, 64) and ``target`` of shape (1797,).

    Examples
    --------
    >>> from skscore.datasets import load_binary_digits
    >>> X, y = load_binary_digits(return_X_y=True)
    >>> X.shape, sorted(set(X.ravel().tolist()))
    ((1797, 64), [0.0, 1.0])
    """
    if not isinstance(return_X_y, (bool, np.bool_)):
        raise ValueError(f"return_X_y must be a bool, got {return_X_y!r}")
    digits = load_digits()
    data = (digits.data >= 8).astype(np.float64)
    target = np.asarray(digits.target)
    if return_X_y:
        return data, target
    note = (
        "Binarised digits (skscore)\n"
        "--------------------------\n\n"
        "scikit-learn's digits with each pixel set to 1.0 where its intensity "
        "(0..16) is >= 8 and 0.0 elsewhere.\n\n"
    )
    return Bunch(
        data=data,
        target=target,
        images=data.reshape(-1, 8, 8).copy(),
        feature_names=list(digits.feature_names),
        target_names=np.asarray(digits.target_names),
        DESCR=note + digits.DESCR,
    )


# ---------------------------------------------------------------------------
# exact Gaussian mixture
# ---------------------------------------------------------------------------


def _normalize_covariances(covariances, n_components, n_features):
    """Return ``covariances`` as a (k, d, d) float64 array of full matrices."""
    try:
        cov = np.asarray(covariances, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"covariances must be numeric, got {covariances!r}") from exc
    k, d = n_components, n_features
    if not np.all(np.isfinite(cov)):
        raise ValueError("covariances must be finite (no NaN or inf)")
    eye = np.eye(d)
    if cov.ndim == 0:
        if cov <= 0:
            raise ValueError(f"an isotropic variance must be > 0, got {float(cov)}")
        return np.broadcast_to(cov * eye, (k, d, d)).copy()
    if cov.ndim == 1:
        if cov.shape != (k,):
            raise ValueError(
                f"1-D covariances are per-component isotropic variances of shape "
                f"(n_components,)=({k},), got {cov.shape}; for diagonal covariances pass "
                f"shape (n_components, n_features)=({k}, {d})"
            )
        if np.any(cov <= 0):
            raise ValueError(f"isotropic variances must be > 0, got {cov}")
        return cov[:, None, None] * eye
    if cov.ndim == 2:
        if cov.shape != (k, d):
            raise ValueError(
                f"2-D covariances are diagonals of shape (n_components, n_features)="
                f"({k}, {d}), got {cov.shape}"
            )
        if np.any(cov <= 0):
            raise ValueError("diagonal covariances must be > 0 everywhere")
        return cov[:, :, None] * eye
    if cov.ndim == 3:
        if cov.shape != (k, d, d):
            raise ValueError(
                f"3-D covariances are full matrices of shape (n_components, n_features, "
                f"n_features)=({k}, {d}, {d}), got {cov.shape}"
            )
        cov_t = np.swapaxes(cov, 1, 2)
        scale = np.abs(cov).max(axis=(1, 2), keepdims=True)
        if np.any(np.abs(cov - cov_t) > 1e-10 * scale):
            bad = int(np.argmax(np.any(np.abs(cov - cov_t) > 1e-10 * scale, axis=(1, 2))))
            raise ValueError(f"covariances[{bad}] is not symmetric")
        return 0.5 * (cov + cov_t)
    raise ValueError(
        "covariances must be a scalar, (n_components,), (n_components, n_features) or "
        f"(n_components, n_features, n_features) array, got ndim={cov.ndim}"
    )


class GaussianMixtureDensity:
    """Exact Gaussian mixture density: samples, log-density, score, smoothing.

    ``p(x) = sum_k w_k N(x; mu_k, Sigma_k)``. Everything is computed in closed form,
    in float64, with Cholesky factors and log-sum-exp, so it serves as ground truth
    for score estimators (the score ``grad_x log p(x)`` is what a regularized
    auto-encoder estimates, Alain & Bengio 2014), samplers and metrics.

    Parameters
    ----------
    means : array-like of shape (n_components, n_features)
        Component means.
    covariances : float or array-like
        Component covariances, any of: a scalar (one isotropic variance shared by
        all components), shape (n_components,) (isotropic variance per component),
        shape (n_components, n_features) (diagonals) or shape
        (n_components, n_features, n_features) (full symmetric positive definite
        matrices). Stored as full matrices.
    weights : array-like of shape (n_components,), default=None
        Positive mixture weights, normalised to sum to one. None gives equal
        weights.

    Attributes
    ----------
    means : ndarray of shape (n_components, n_features)
        Component means (read-only).
    covariances : ndarray of shape (n_components, n_features, n_features)
        Full covariance matrices (read-only).
    weights : ndarray of shape (n_components,)
        Normalised weights (read-only).
    n_components : int
        Number of components.
    n_features : int
        Dimension of the space.

    See Also
    --------
    spiral_density, manifold_density, random_mixture_density : ready-made instances.

    Notes
    -----
    Evaluation is vectorised over samples with a loop over components (a single
    matrix product when all covariances are isotropic), processed in row blocks so
    memory stays bounded for millions of points.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.datasets import GaussianMixtureDensity
    >>> density = GaussianMixtureDensity(means=[[0.0, 0.0], [4.0, 0.0]], covariances=[1.0, 0.5])
    >>> X = density.sample(1000, random_state=0)
    >>> X.shape
    (1000, 2)
    >>> print(np.round(density.log_prob([[0.0, 0.0]]), 3))
    [-2.531]
    >>> print(np.round(density.grad_log_density([[1.0, 0.0]]), 2))
    [[-1.  0.]]
    >>> density.smoothed(0.5).covariances[1]
    array([[0.75, 0.  ],
           [0.  , 0.75]])
    """

    _field_methods = ("grad_log_density", None, "log_prob")

    def __init__(
        self,
        means: ArrayLike,
        covariances: float | ArrayLike,
        weights: ArrayLike | None = None,
    ) -> None:
        try:
            means = np.array(means, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"means must be numeric, got {means!r}") from exc
        if means.ndim != 2 or means.shape[0] < 1 or means.shape[1] < 1:
            raise ValueError(
                "means must be a non-empty 2-D array of shape (n_components, n_features), "
                f"got shape {means.shape}"
            )
        if not np.all(np.isfinite(means)):
            raise ValueError("means must be finite (no NaN or inf)")
        k, d = means.shape
        cov = _normalize_covariances(covariances, k, d)
        chol = np.empty_like(cov)
        for j in range(k):
            try:
                chol[j] = np.linalg.cholesky(cov[j])
            except np.linalg.LinAlgError:
                raise ValueError(
                    f"covariances[{j}] is not positive definite; eigenvalues "
                    f"{np.round(np.linalg.eigvalsh(cov[j]), 6)}"
                ) from None
        if weights is None:
            w = np.full(k, 1.0 / k)
        else:
            try:
                w = np.array(weights, dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"weights must be numeric, got {weights!r}") from exc
            if w.shape != (k,):
                raise ValueError(f"weights must have shape (n_components,)=({k},), got {w.shape}")
            if not np.all(np.isfinite(w)) or np.any(w <= 0):
                raise ValueError(f"weights must be finite and > 0, got {w}")
            w = w / w.sum()
        self._means = means
        self._cov = cov
        self._chol = chol
        self._weights = w
        self._log_weights = np.log(w)
        self._log_det = 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
        diag = np.diagonal(cov, axis1=1, axis2=2)
        off_diag = cov - diag[:, :, None] * np.eye(d)
        is_iso = not np.any(off_diag) and np.all(diag == diag[:, :1])
        self._iso_var = diag[:, 0].copy() if is_iso else None
        for arr in (self._means, self._cov, self._chol, self._weights):
            arr.setflags(write=False)

    # -- properties --------------------------------------------------------
    @property
    def means(self) -> np.ndarray:
        """Component means, ndarray of shape (n_components, n_features) (read-only)."""
        return self._means

    @property
    def covariances(self) -> np.ndarray:
        """Full covariance matrices, ndarray of shape (n_components, n_features, n_features).

        Scalar, per-component and diagonal ``covariances`` given to the constructor are
        expanded to full matrices (read-only).

        Examples
        --------
        >>> from skscore.datasets import GaussianMixtureDensity
        >>> density = GaussianMixtureDensity([[0.0, 0.0], [4.0, 0.0]], [[1.0, 2.0], [0.5, 0.5]])
        >>> density.covariances.shape
        (2, 2, 2)
        >>> density.covariances[0]  # the diagonal [1, 2] as a full matrix
        array([[1., 0.],
               [0., 2.]])
        """
        return self._cov

    @property
    def weights(self) -> np.ndarray:
        """Mixture weights, ndarray of shape (n_components,), normalised to sum to one.

        Examples
        --------
        >>> from skscore.datasets import GaussianMixtureDensity
        >>> density = GaussianMixtureDensity([[0.0], [4.0]], 1.0, weights=[1, 3])
        >>> density.weights
        array([0.25, 0.75])
        >>> GaussianMixtureDensity([[0.0], [4.0]], 1.0).weights  # None: equal weights
        array([0.5, 0.5])
        """
        return self._weights

    @property
    def n_components(self) -> int:
        """Number of mixture components (int)."""
        return self._means.shape[0]

    @property
    def n_features(self) -> int:
        """Dimension of the space (int)."""
        return self._means.shape[1]

    def __repr__(self):
        return (
            f"{type(self).__name__}(n_components={self.n_components}, n_features={self.n_features})"
        )

    # -- evaluation --------------------------------------------------------
    def _check_X(self, X):
        X = check_array(X, dtype=np.float64, ensure_all_finite=True, input_name="X")
        if X.shape[1] != self.n_features:
            raise ValueError(f"X has {X.shape[1]} features, but this density has {self.n_features}")
        return X

    def _evaluate_isotropic(self, X, with_score):
        """log p and score when every covariance is ``v_k I`` (one matrix product)."""
        mu, var, d = self._means, self._iso_var, self.n_features
        const = self._log_weights - 0.5 * d * (LOG_2PI + np.log(var))
        mu_sq = np.einsum("kd,kd->k", mu, mu)
        mu_over_var = mu / var[:, None]
        n = X.shape[0]
        log_p = np.empty(n)
        score = np.empty_like(X) if with_score else None
        block = max(1, _ISO_BLOCK_ENTRIES // self.n_components)
        for start in range(0, n, block):
            x = X[start : start + block]
            sq = np.einsum("nd,nd->n", x, x)[:, None] - 2.0 * (x @ mu.T) + mu_sq
            np.maximum(sq, 0.0, out=sq)
            lp = const - 0.5 * sq / var
            top = lp.max(axis=1, keepdims=True)
            r = np.exp(lp - top)
            total = r.sum(axis=1)
            log_p[start : start + block] = top[:, 0] + np.log(total)
            if with_score:
                r /= total[:, None]
                score[start : start + block] = -x * (r @ (1.0 / var))[:, None] + r @ mu_over_var
        return log_p, score

    def _evaluate_general(self, X, with_score):
        """log p and score by a streaming log-sum-exp over components."""
        n, d = X.shape
        log_p = np.empty(n)
        score = np.empty_like(X) if with_score else None
        for start in range(0, n, _ROW_BLOCK):
            x = X[start : start + _ROW_BLOCK]
            top = np.full(x.shape[0], -np.inf)
            total = np.zeros(x.shape[0])
            grad = np.zeros_like(x) if with_score else None
            for j in range(self.n_components):
                L = self._chol[j]
                z = solve_triangular(L, (x - self._means[j]).T, lower=True, check_finite=False)
                lp = (
                    self._log_weights[j]
                    - 0.5 * np.einsum("dn,dn->n", z, z)
                    - 0.5 * (self._log_det[j] + d * LOG_2PI)
                )
                new_top = np.maximum(top, lp)
                rescale = np.exp(top - new_top)
                e = np.exp(lp - new_top)
                total = total * rescale + e
                if with_score:
                    # -Sigma^{-1}(x - mu) = -L^{-T} z
                    g = solve_triangular(L.T, z, lower=False, check_finite=False).T
                    grad = grad * rescale[:, None] - e[:, None] * g
                top = new_top
            log_p[start : start + _ROW_BLOCK] = top + np.log(total)
            if with_score:
                score[start : start + _ROW_BLOCK] = grad / total[:, None]
        return log_p, score

    def _evaluate(self, X, with_score):
        if self._iso_var is not None:
            return self._evaluate_isotropic(X, with_score)
        return self._evaluate_general(X, with_score)

    def log_prob(self, X: ArrayLike) -> np.ndarray:
        """Exact log-density at each row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points.

        Returns
        -------
        log_prob : ndarray of shape (n_samples,)
            ``log p(x)``, finite even far from every component.
        """
        X = self._check_X(X)
        return self._evaluate(X, with_score=False)[0]

    def grad_log_density(self, X: ArrayLike) -> np.ndarray:
        """Exact score ``grad_x log p(x)`` at each row of ``X``.

        ``sum_k r_k(x) (-Sigma_k^{-1} (x - mu_k))`` with responsibilities
        ``r_k(x) = w_k N(x; mu_k, Sigma_k) / p(x)``: the quantity Hyvärinen's score
        matching and regularized auto-encoders estimate.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points.

        Returns
        -------
        score : ndarray of shape (n_samples, n_features)
            The gradient of the log-density.
        """
        X = self._check_X(X)
        return self._evaluate(X, with_score=True)[1]

    def score(self, X: ArrayLike) -> np.ndarray:
        """Deprecated name of :meth:`grad_log_density` (the gradient, not a likelihood).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points.

        Returns
        -------
        score : ndarray of shape (n_samples, n_features)
            The gradient of the log-density.
        """
        warnings.warn(
            "GaussianMixtureDensity.score is deprecated: it is the gradient of the "
            "log-density, now named grad_log_density",
            FutureWarning,
            stacklevel=2,
        )
        return self.grad_log_density(X)

    def sample(
        self, n_samples: int = 1, random_state: int | np.random.RandomState | None = None
    ) -> np.ndarray:
        """Draw independent samples.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples.
        random_state : int, RandomState instance or None, default=None
            Seed or generator.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            Samples in random order (not grouped by component).
        """
        check_arguments(
            "GaussianMixtureDensity.sample",
            {"n_samples": [_COUNT], "random_state": ["random_state"]},
            n_samples=n_samples,
            random_state=random_state,
        )
        rng = check_random_state(random_state)
        counts = rng.multinomial(n_samples, self._weights)
        out = np.empty((n_samples, self.n_features))
        start = 0
        for j, count in enumerate(counts):
            eps = rng.standard_normal((count, self.n_features))
            out[start : start + count] = self._means[j] + eps @ self._chol[j].T
            start += count
        return out[rng.permutation(n_samples)]

    def smoothed(self, sigma: float) -> GaussianMixtureDensity:
        """Density of ``x + sigma * eps`` with ``x ~ p``, ``eps ~ N(0, I)``.

        The convolution of the mixture with ``N(0, sigma^2 I)``: every covariance
        gets ``sigma^2 I`` added. A denoising auto-encoder trained at noise level
        ``sigma`` estimates the score of this density (Tweedie's formula,
        ``E[x | x_tilde] = x_tilde + sigma^2 grad log p_sigma(x_tilde)``; Efron
        2011, Vincent 2011, thesis section 3.3).

        Parameters
        ----------
        sigma : float
            Noise standard deviation, >= 0.

        Returns
        -------
        density : GaussianMixtureDensity
            The smoothed density.
        """
        check_arguments("GaussianMixtureDensity.smoothed", {"sigma": [_NON_NEGATIVE]}, sigma=sigma)
        cov = self._cov + sigma**2 * np.eye(self.n_features)
        return type(self)(self._means, cov, self._weights)


# ---------------------------------------------------------------------------
# ready-made ground-truth densities
# ---------------------------------------------------------------------------


def _auto_components(max_speed, t_range, width):
    """Components so consecutive means are at most ``_AUTO_SPACING * width`` apart."""
    return max(2, math.ceil(max_speed * t_range / (_AUTO_SPACING * width)) + 1)


@validate_params(
    {"width": [_POSITIVE], "n_components": [_COUNT, None]}, prefer_skip_nested_validation=True
)
def spiral_density(width: float = 0.02, n_components: int | None = None) -> GaussianMixtureDensity:
    """Gaussian mixture along the :func:`make_spiral` curve (exact ground truth).

    Equal-weight isotropic components of standard deviation ``width`` with means
    at evenly spaced ``t`` in [3, 12] on the spiral, so its samples look like
    ``make_spiral(noise=width)`` and its score is exact.

    Parameters
    ----------
    width : float, default=0.02
        Standard deviation of each component (the thickness of the spiral).
    n_components : int, default=None
        Number of components. None chooses enough components that consecutive
        means are at most 1.5 ``width`` apart (146 at the default width), so the
        density is smooth along the curve; fewer components give a string of
        separated beads.

    Returns
    -------
    density : GaussianMixtureDensity
        The mixture, in 2 dimensions.

    Examples
    --------
    >>> from skscore.datasets import spiral_density
    >>> density = spiral_density(width=0.02)
    >>> density.n_components, density.n_features
    (146, 2)
    >>> density.sample(3, random_state=0).shape
    (3, 2)
    """
    if n_components is None:
        # |d/dt (0.04 t sin t, 0.04 t cos t)| = 0.04 sqrt(1 + t^2), largest at t = 12
        n_components = _auto_components(0.04 * math.sqrt(1.0 + 12.0**2), 9.0, width)
    means = _spiral_curve(np.linspace(3.0, 12.0, n_components))
    return GaussianMixtureDensity(means, width**2)


@validate_params(
    {
        "n_features": [Interval(numbers.Integral, 2, None, closed="left")],
        "width": [_POSITIVE],
        "n_components": [_COUNT, None],
    },
    prefer_skip_nested_validation=True,
)
def manifold_density(
    n_features: int = 10, width: float = 0.05, n_components: int | None = None
) -> GaussianMixtureDensity:
    """Gaussian mixture along the :func:`make_manifold` curve (exact ground truth).

    Equal-weight isotropic components of standard deviation ``width`` with means
    at evenly spaced ``t`` in [0, 2 pi) on the closed curve, so its samples look
    like ``make_manifold(noise=width)`` and its score is exact.

    Parameters
    ----------
    n_features : int, default=10
        Dimension of the space (at least 2).
    width : float, default=0.05
        Standard deviation of each component.
    n_components : int, default=None
        Number of components. None chooses enough components that consecutive
        means are at most 1.5 ``width`` apart (the curve is long: 367 components
        in 10-D at the default width); fewer give a string of separated beads.

    Returns
    -------
    density : GaussianMixtureDensity
        The mixture, in ``n_features`` dimensions.

    Examples
    --------
    >>> from skscore.datasets import manifold_density
    >>> density = manifold_density(n_features=10)
    >>> density.n_features
    10
    >>> density.grad_log_density(density.sample(4, random_state=0)).shape
    (4, 10)
    """
    if n_components is None:
        t_grid = np.linspace(0.0, 2.0 * np.pi, 4096, endpoint=False)
        max_speed = float(_manifold_speed(t_grid, n_features).max())
        n_components = _auto_components(max_speed, 2.0 * np.pi, width) - 1
    t = np.linspace(0.0, 2.0 * np.pi, n_components, endpoint=False)
    return GaussianMixtureDensity(_manifold_curve(t, n_features), width**2)


@validate_params(
    {
        "n_features": [_COUNT],
        "n_components": [_COUNT],
        "rank": [Interval(numbers.Integral, 0, None, closed="left")],
        "width": [_POSITIVE],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def random_mixture_density(
    n_features: int = 50,
    n_components: int = 5,
    rank: int = 2,
    width: float = 0.1,
    random_state: int | np.random.RandomState | None = 0,
) -> GaussianMixtureDensity:
    """Random Gaussian mixture with low-rank-plus-isotropic covariances.

    Component ``k`` has covariance ``U_k U_k^T + width^2 I`` with ``U_k`` of shape
    (n_features, rank) (entries ``N(0, 1/n_features)``, so each of the ``rank``
    principal directions has a standard deviation of about 1): flat "pancakes" of
    thickness ``width`` around a ``rank``-dimensional subspace. Means are drawn
    from ``N(0, 4 I)`` and redrawn (a few times at most) until every pair is at
    least 4 component standard deviations apart, so the components are distinct.
    Weights are drawn from a Dirichlet(5, ..., 5) distribution.

    Parameters
    ----------
    n_features : int, default=50
        Dimension of the space.
    n_components : int, default=5
        Number of components.
    rank : int, default=2
        Rank of the low-rank part of each covariance (0 gives isotropic components).
    width : float, default=0.1
        Standard deviation of the isotropic part.
    random_state : int, RandomState instance or None, default=0
        Seed or generator for means, covariances and weights.

    Returns
    -------
    density : GaussianMixtureDensity
        The mixture.

    Examples
    --------
    >>> from skscore.datasets import random_mixture_density
    >>> density = random_mixture_density(n_features=50, n_components=5, random_state=0)
    >>> density.covariances.shape
    (5, 50, 50)
    """
    rng = check_random_state(random_state)
    d, k = n_features, n_components
    U = rng.standard_normal((k, d, rank)) / math.sqrt(d)
    cov = U @ np.swapaxes(U, 1, 2) + width**2 * np.eye(d)
    max_std = math.sqrt(float(np.linalg.eigvalsh(cov)[:, -1].max()))
    for _ in range(20):
        means = 2.0 * rng.standard_normal((k, d))
        gaps = np.linalg.norm(means[:, None] - means[None], axis=-1)[np.triu_indices(k, 1)]
        if gaps.size == 0 or gaps.min() >= 4.0 * max_std:
            break
    weights = rng.dirichlet(np.full(k, 5.0))
    return GaussianMixtureDensity(means, cov, weights)
