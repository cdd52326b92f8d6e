"""Exact ground-truth densities that are not Gaussian mixtures.

Each class gives the exactly normalised log-density (in nats), its gradient (the score) and
independent samples, in float64: a 2-D banana, a 2-D ring with a hole, Neal's funnel, a rotated
product of bananas and a multivariate Student-t. They are the test bed on which density and
score estimators are compared: none of them is in the model class of a Gaussian mixture, a
kernel density estimate or a flow, and they have the shapes that make estimation hard (a curved
ridge, a hole, a neck whose width changes by orders of magnitude, correlated curved directions,
heavy tails).
"""

from __future__ import annotations

import abc
import math
import numbers

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import digamma, gammaln, log_ndtr, ndtr
from scipy.stats import ortho_group
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import Interval

from skscore._core.numerics import LOG_2PI
from skscore._core.validation import check_arguments

_POSITIVE = Interval(numbers.Real, 0, None, closed="neither")
_REAL = Interval(numbers.Real, None, None, closed="neither")


def _count(minimum):
    return Interval(numbers.Integral, minimum, None, closed="left")


def _checked(caller, constraints, **values):
    """The arguments, validated (finite reals, counts), as floats and ints."""
    check_arguments(caller, constraints, **values)
    for name, value in values.items():
        if isinstance(value, numbers.Real) and not math.isfinite(value):
            raise ValueError(f"The {name!r} parameter of {caller} must be finite, got {value!r}")
    return [
        int(value) if isinstance(value, numbers.Integral) else float(value)
        for value in values.values()
    ]


class _ExactDensity(abc.ABC):
    """Shared validation and public verbs; subclasses implement ``_log_prob``, ``_grad`` and
    ``_sample`` on validated float64 input."""

    _field_methods = ("grad_log_density", None, "log_prob")
    _n_features: int

    def __repr__(self):
        return f"{type(self).__name__}(n_features={self.n_features})"

    @abc.abstractmethod
    def _log_prob(self, X: np.ndarray) -> np.ndarray:
        """Implemented by each density."""

    @abc.abstractmethod
    def _grad(self, X: np.ndarray) -> np.ndarray:
        """Implemented by each density."""

    @abc.abstractmethod
    def _sample(self, n_samples: int, rng: np.random.RandomState) -> np.ndarray:
        """Implemented by each density."""

    @property
    def n_features(self) -> int:
        """Dimension of the space (int)."""
        return self._n_features

    def _check_X(self, X):
        X = check_array(X, dtype=np.float64, ensure_all_finite=True, input_name="X")
        if X.shape[1] != self.n_features:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} has {self.n_features}"
            )
        return X

    def log_prob(self, X: ArrayLike) -> np.ndarray:
        """Exact, normalised log-density at each row of ``X``, in nats.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points.

        Returns
        -------
        log_prob : ndarray of shape (n_samples,)
            ``log p(x)``.
        """
        return self._log_prob(self._check_X(X))

    def grad_log_density(self, X: ArrayLike) -> np.ndarray:
        """Exact score ``grad_x log p(x)`` at each row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points.

        Returns
        -------
        score : ndarray of shape (n_samples, n_features)
            The gradient of :meth:`log_prob`.
        """
        return self._grad(self._check_X(X))

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
            Independent draws from the density.
        """
        (n_samples,) = _checked(
            f"{type(self).__name__}.sample", {"n_samples": [_count(1)]}, n_samples=n_samples
        )
        return self._sample(n_samples, check_random_state(random_state))


class BananaDensity(_ExactDensity):
    """A 2-D banana: a Gaussian sheared along a parabola.

    ``x_1 ~ N(0, spread^2)`` and ``x_2 = curvature (x_1^2 - spread^2) + width * eps`` with
    ``eps ~ N(0, 1)``. The shear has unit Jacobian, so
    ``log p(x) = log N(x_1; 0, spread^2) + log N(x_2 - curvature (x_1^2 - spread^2); 0, width^2)``
    exactly. Both coordinates have mean zero. A thin curved ridge: no affine map makes it
    Gaussian.

    Parameters
    ----------
    spread : float, default=1.5
        Standard deviation along the first axis.
    curvature : float, default=0.5
        Curvature of the parabola the ridge follows.
    width : float, default=0.3
        Standard deviation across the ridge.

    Attributes
    ----------
    n_features : int
        Always 2.

    See Also
    --------
    RotatedBananasDensity : a product of bananas, rotated, in ``2 n`` dimensions.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.datasets import BananaDensity
    >>> banana = BananaDensity(spread=1.5, curvature=0.5, width=0.3)
    >>> X = banana.sample(5000, random_state=0)
    >>> X.shape
    (5000, 2)
    >>> log_p = banana.log_prob([[0.0, -0.5 * 1.5**2], [0.0, 1.0]])  # on and off the ridge
    >>> bool(log_p[0] > log_p[1] + 10)
    True
    """

    def __init__(self, spread: float = 1.5, curvature: float = 0.5, width: float = 0.3) -> None:
        self.spread, self.curvature, self.width = _checked(
            "BananaDensity",
            {"spread": [_POSITIVE], "curvature": [_REAL], "width": [_POSITIVE]},
            spread=spread,
            curvature=curvature,
            width=width,
        )
        self._n_features = 2

    def _residual(self, X):
        return X[:, 1] - self.curvature * (X[:, 0] ** 2 - self.spread**2)

    def _log_prob(self, X):
        a, s = self.spread, self.width
        r = self._residual(X)
        return -0.5 * (X[:, 0] / a) ** 2 - 0.5 * (r / s) ** 2 - math.log(a) - math.log(s) - LOG_2PI

    def _grad(self, X):
        a, s, b = self.spread, self.width, self.curvature
        r = self._residual(X)
        g1 = -X[:, 0] / a**2 + (r / s**2) * 2.0 * b * X[:, 0]
        g2 = -r / s**2
        return np.column_stack([g1, g2])

    def _sample(self, n_samples, rng):
        eps = rng.standard_normal((n_samples, 2))
        x1 = self.spread * eps[:, 0]
        x2 = self.curvature * (x1**2 - self.spread**2) + self.width * eps[:, 1]
        return np.column_stack([x1, x2])

    def entropy(self) -> float:
        """Differential entropy in nats (closed form; ``-E[log p(x)]``).

        The shear has unit Jacobian, so the entropy is that of the independent Gaussians
        ``N(0, spread^2)`` and ``N(0, width^2)``.

        Returns
        -------
        entropy : float
            ``log(2 pi e spread width)``.
        """
        return math.log(2.0 * math.pi * math.e * self.spread * self.width)


class RingDensity(_ExactDensity):
    """A 2-D ring with a hole: ``p(x) ∝ exp(-(|x| - radius)^2 / (2 width^2))``.

    The radius has density ``∝ r exp(-(r - radius)^2 / (2 width^2))`` on ``r > 0`` and the
    angle is uniform. The normalising constant is exact:
    ``Z = 2 pi (width^2 exp(-radius^2 / (2 width^2)) + radius width sqrt(2 pi)
    Phi(radius / width))``, Phi the standard normal distribution function. Straight lines
    between opposite sides cross the hole, where the density is ``exp(-radius^2 /
    (2 width^2))`` times its peak.

    Parameters
    ----------
    radius : float, default=1.0
        Radius of the ring's crest.
    width : float, default=0.1
        Radial standard deviation.

    Attributes
    ----------
    n_features : int
        Always 2.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.datasets import RingDensity
    >>> ring = RingDensity(radius=1.0, width=0.1)
    >>> X = ring.sample(3, random_state=0)
    >>> ring.log_prob(X).shape, ring.grad_log_density(X).shape
    ((3,), (3, 2))
    >>> print(np.round(ring.log_prob([[1.0, 0.0], [0.0, 0.0]]), 2))  # crest and centre
    [ -0.45 -50.45]
    """

    def __init__(self, radius: float = 1.0, width: float = 0.1) -> None:
        self.radius, self.width = _checked(
            "RingDensity", {"radius": [_POSITIVE], "width": [_POSITIVE]}, radius=radius, width=width
        )
        self._n_features = 2
        R, w = self.radius, self.width
        # log of the radial integral int_0^inf r exp(-(r - R)^2 / 2w^2) dr, kept finite
        # for any R / w: w^2 exp(-R^2/2w^2) + R w sqrt(2 pi) Phi(R / w)
        first = 2.0 * math.log(w) - 0.5 * (R / w) ** 2
        second = math.log(R * w) + 0.5 * LOG_2PI + float(log_ndtr(R / w))
        self._log_radial = float(np.logaddexp(first, second))
        self._log_norm = math.log(2.0 * math.pi) + self._log_radial

    def _log_prob(self, X):
        r = np.linalg.norm(X, axis=1)
        return -0.5 * ((r - self.radius) / self.width) ** 2 - self._log_norm

    def _grad(self, X):
        r = np.linalg.norm(X, axis=1)
        safe_r = np.where(r > 0, r, 1.0)
        factor = np.where(r > 0, -(r - self.radius) / (self.width**2 * safe_r), 0.0)
        return factor[:, None] * X

    def _radial_cdf(self, r):
        """P(|x| <= r), from the closed-form radial integral."""
        R, w = self.radius, self.width
        u = (r - R) / w
        lower = -R / w
        part = w**2 * (np.exp(-0.5 * lower**2) - np.exp(-0.5 * u**2))
        part += R * w * math.sqrt(2.0 * math.pi) * (ndtr(u) - ndtr(lower))
        return part / math.exp(self._log_radial)

    def _sample(self, n_samples, rng):
        # inverse distribution function of the radius by bisection (exact to ~1e-15)
        target = rng.uniform(size=n_samples)
        lo = np.zeros(n_samples)
        hi = np.full(n_samples, self.radius + 40.0 * self.width)
        for _ in range(64):
            mid = 0.5 * (lo + hi)
            below = self._radial_cdf(mid) < target
            lo = np.where(below, mid, lo)
            hi = np.where(below, hi, mid)
        r = 0.5 * (lo + hi)
        angle = rng.uniform(0.0, 2.0 * math.pi, size=n_samples)
        return np.column_stack([r * np.cos(angle), r * np.sin(angle)])


class NealFunnelDensity(_ExactDensity):
    """Neal's funnel: ``v ~ N(0, scale^2)``, then ``x_i ~ N(0, exp(v))`` for ``i >= 1``.

    The first coordinate ``v`` sets the log-variance of the others, so the density is a
    funnel whose neck (``v`` negative) is exponentially narrow and whose mouth is wide:
    ``log p(x) = log N(v; 0, scale^2) + sum_i log N(x_i; 0, exp(v))`` (Neal 2003, "Slice
    sampling", section 8; ``scale=3`` there). At ``v = -2 scale`` the other coordinates
    have standard deviation ``exp(-scale) = 0.05``, at ``v = 2 scale`` 20.

    Parameters
    ----------
    n_features : int, default=10
        Dimension of the space (at least 2): ``v`` and ``n_features - 1`` coordinates.
    scale : float, default=3.0
        Standard deviation of ``v``.

    Attributes
    ----------
    n_features : int
        Dimension of the space.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.datasets import NealFunnelDensity
    >>> funnel = NealFunnelDensity(n_features=10, scale=3.0)
    >>> X = funnel.sample(4000, random_state=0)
    >>> funnel.log_prob(X).shape, funnel.grad_log_density(X).shape
    ((4000,), (4000, 10))
    >>> round(funnel.entropy(), 3)  # closed form
    15.288
    """

    def __init__(self, n_features: int = 10, scale: float = 3.0) -> None:
        self._n_features, self.scale = _checked(
            "NealFunnelDensity",
            {"n_features": [_count(2)], "scale": [_POSITIVE]},
            n_features=n_features,
            scale=scale,
        )

    def _log_prob(self, X):
        v, x = X[:, 0], X[:, 1:]
        k = x.shape[1]
        log_v = -0.5 * (v / self.scale) ** 2 - math.log(self.scale) - 0.5 * LOG_2PI
        log_x = -0.5 * np.exp(-v) * np.einsum("nd,nd->n", x, x) - 0.5 * k * (v + LOG_2PI)
        return log_v + log_x

    def _grad(self, X):
        v, x = X[:, 0], X[:, 1:]
        k = x.shape[1]
        inv_var = np.exp(-v)
        g_v = -v / self.scale**2 - 0.5 * k + 0.5 * inv_var * np.einsum("nd,nd->n", x, x)
        return np.column_stack([g_v, -inv_var[:, None] * x])

    def _sample(self, n_samples, rng):
        v = self.scale * rng.standard_normal(n_samples)
        x = np.exp(0.5 * v)[:, None] * rng.standard_normal((n_samples, self.n_features - 1))
        return np.column_stack([v, x])

    def entropy(self) -> float:
        """Differential entropy in nats (closed form; ``-E[log p(x)]``).

        ``H(v) + (n_features - 1) E[H(N(0, exp(v)))]`` with ``E[v] = 0``:
        ``log(2 pi e scale^2) / 2 + (n_features - 1) log(2 pi e) / 2``.

        Returns
        -------
        entropy : float
            The entropy.
        """
        d = self.n_features
        return 0.5 * math.log(2.0 * math.pi * math.e * self.scale**2) + 0.5 * (d - 1) * (
            math.log(2.0 * math.pi * math.e)
        )


class RotatedBananasDensity(_ExactDensity):
    """A product of ``n_bananas`` independent 2-D bananas, rotated in ``2 n_bananas`` dimensions.

    ``x = Q y`` with ``y = (y_1, ..., y_n)``, each pair ``y_k`` a :class:`BananaDensity`, and
    ``Q`` a fixed random rotation (orthogonal, drawn from ``random_state``). The rotation has
    unit Jacobian, so ``log p(x) = sum_k log p_banana(y_k)`` with ``y = Q^T x``, and the score
    is ``Q`` times the bananas' scores. Every coordinate of ``x`` mixes curved directions: no
    axis-aligned or low-order model fits it.

    Parameters
    ----------
    n_bananas : int, default=5
        Number of bananas (the dimension is twice this).
    spread, curvature, width : float, default=1.5, 0.5, 0.3
        Parameters of each banana (see :class:`BananaDensity`).
    random_state : int, RandomState instance or None, default=0
        Seed of the rotation.

    Attributes
    ----------
    n_features : int
        ``2 * n_bananas``.
    rotation : ndarray of shape (n_features, n_features)
        The orthogonal matrix ``Q``.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.datasets import BananaDensity, RotatedBananasDensity
    >>> density = RotatedBananasDensity(n_bananas=5, random_state=0)
    >>> density.n_features
    10
    >>> X = density.sample(3, random_state=0)
    >>> Y = X @ density.rotation  # back to the bananas' own coordinates
    >>> banana = BananaDensity()
    >>> by_pairs = sum(banana.log_prob(Y[:, 2 * k : 2 * k + 2]) for k in range(5))
    >>> bool(np.allclose(density.log_prob(X), by_pairs))
    True
    """

    def __init__(
        self,
        n_bananas: int = 5,
        spread: float = 1.5,
        curvature: float = 0.5,
        width: float = 0.3,
        random_state: int | np.random.RandomState | None = 0,
    ) -> None:
        (self.n_bananas,) = _checked(
            "RotatedBananasDensity", {"n_bananas": [_count(1)]}, n_bananas=n_bananas
        )
        self._banana = BananaDensity(spread, curvature, width)
        self._n_features = 2 * self.n_bananas
        rng = check_random_state(random_state)
        rotation = ortho_group.rvs(self._n_features, random_state=rng)
        rotation.setflags(write=False)
        self.rotation = rotation

    def _pairs(self, X):
        return (X @ self.rotation).reshape(-1, 2)

    def _log_prob(self, X):
        return self._banana._log_prob(self._pairs(X)).reshape(len(X), -1).sum(axis=1)

    def _grad(self, X):
        grad_y = self._banana._grad(self._pairs(X)).reshape(len(X), -1)
        return grad_y @ self.rotation.T

    def _sample(self, n_samples, rng):
        pairs = self._banana._sample(n_samples * self.n_bananas, rng)
        return pairs.reshape(n_samples, -1) @ self.rotation.T

    def entropy(self) -> float:
        """Differential entropy in nats: ``n_bananas`` times a banana's.

        Returns
        -------
        entropy : float
            The entropy (rotations leave it unchanged).
        """
        return self.n_bananas * self._banana.entropy()


class StudentTDensity(_ExactDensity):
    """Multivariate Student-t with a random correlated scale matrix (heavy tails).

    ``x = loc + L z / sqrt(g / df)`` with ``z ~ N(0, I)``, ``g ~ chi^2(df)`` and
    ``L L^T = shape`` the scale matrix: a continuous scale mixture of Gaussians. With
    ``delta = (x - loc)^T shape^{-1} (x - loc)`` and d the dimension,
    ``log p(x) = lgamma((df + d)/2) - lgamma(df/2) - d/2 log(df pi) - 1/2 log det shape
    - (df + d)/2 log(1 + delta / df)`` and the score is
    ``-(df + d) / (df + delta) shape^{-1} (x - loc)``.

    The scale matrix is ``U diag(lambda) U^T`` with ``U`` a random rotation and ``lambda``
    log-uniform in [0.25, 4]; ``loc`` is zero.

    Parameters
    ----------
    n_features : int, default=20
        Dimension of the space.
    df : float, default=5.0
        Degrees of freedom (the tails decay like ``|x|^-(df + d)``; moments of order ``df``
        and above are infinite).
    random_state : int, RandomState instance or None, default=0
        Seed of the scale matrix.

    Attributes
    ----------
    n_features : int
        Dimension of the space.
    shape : ndarray of shape (n_features, n_features)
        The scale matrix; the covariance is ``df / (df - 2) * shape`` for ``df > 2``.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.stats import multivariate_t
    >>> from skscore.datasets import StudentTDensity
    >>> density = StudentTDensity(n_features=20, df=5.0, random_state=0)
    >>> X = density.sample(5, random_state=0)
    >>> reference = multivariate_t(loc=np.zeros(20), shape=density.shape, df=5.0)
    >>> print(np.round(density.log_prob(X[:2]), 3))
    [-18.005 -43.483]
    >>> print(np.round(reference.logpdf(X[:2]), 3))  # ``shape`` is scipy's shape matrix
    [-18.005 -43.483]
    """

    def __init__(
        self,
        n_features: int = 20,
        df: float = 5.0,
        random_state: int | np.random.RandomState | None = 0,
    ) -> None:
        self._n_features, self.df = _checked(
            "StudentTDensity",
            {"n_features": [_count(1)], "df": [_POSITIVE]},
            n_features=n_features,
            df=df,
        )
        rng = check_random_state(random_state)
        d = self._n_features
        rotation = ortho_group.rvs(d, random_state=rng) if d > 1 else np.ones((1, 1))
        eigenvalues = np.exp(rng.uniform(math.log(0.25), math.log(4.0), size=d))
        shape = (rotation * eigenvalues) @ rotation.T
        shape = 0.5 * (shape + shape.T)
        shape.setflags(write=False)
        self.shape = shape
        self._chol = np.linalg.cholesky(shape)
        self._precision = (rotation / eigenvalues) @ rotation.T
        self._log_det = float(np.sum(np.log(eigenvalues)))
        nu = self.df
        self._log_norm = (
            gammaln(0.5 * (nu + d))
            - gammaln(0.5 * nu)
            - 0.5 * d * math.log(nu * math.pi)
            - 0.5 * self._log_det
        )

    def _mahalanobis(self, X):
        return np.einsum("nd,de,ne->n", X, self._precision, X)

    def _log_prob(self, X):
        nu, d = self.df, self.n_features
        return self._log_norm - 0.5 * (nu + d) * np.log1p(self._mahalanobis(X) / nu)

    def _grad(self, X):
        nu, d = self.df, self.n_features
        factor = -(nu + d) / (nu + self._mahalanobis(X))
        return factor[:, None] * (X @ self._precision)

    def _sample(self, n_samples, rng):
        z = rng.standard_normal((n_samples, self.n_features))
        g = rng.chisquare(self.df, size=n_samples)
        return (z @ self._chol.T) / np.sqrt(g / self.df)[:, None]

    def entropy(self) -> float:
        """Differential entropy in nats (closed form; ``-E[log p(x)]``).

        ``-log_norm + (df + d)/2 (psi((df + d)/2) - psi(df/2))``, psi the digamma function.

        Returns
        -------
        entropy : float
            The entropy.
        """
        nu, d = self.df, self.n_features
        return -self._log_norm + 0.5 * (nu + d) * (digamma(0.5 * (nu + d)) - digamma(0.5 * nu))
