"""One protocol for everything that defines a vector field on R^d.

Score estimators (the field is the score ∇ log p), ground-truth densities, conservative-field
regressors (the field is ∇ Phi) and plain callables all become a :class:`Field` through
:func:`as_field`, which metrics, plotting and sampling use. A class takes part by naming its
three methods in ``_field_methods = (gradient, jacobian, log_density)`` (None for a missing
one): the field itself, its Jacobian, and the scalar whose gradient it is (log-density or
potential, up to a constant).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import DensityMixin

#: Relative finite-difference step of :meth:`Field.jacobian` when no exact Jacobian exists.
FINITE_DIFFERENCE_STEP = 1e-3


class Field:
    """A vector field ``R^d -> R^d`` with optional exact Jacobian and scalar potential.

    Parameters
    ----------
    gradient : callable
        ``(n, d) -> (n, d)``: the field.
    jacobian : callable or None, default=None
        ``(n, d) -> (n, d, d)``, ``J[i, j, k] = d field_j / d x_k`` at row i; None: central
        finite differences of ``gradient``.
    log_density : callable or None, default=None
        ``(n, d) -> (n,)``: the scalar whose gradient is the field, up to a constant.
    name : str, default="field"
        Used in error messages.
    """

    def __init__(
        self,
        gradient: Callable[[np.ndarray], ArrayLike],
        jacobian: Callable[[np.ndarray], ArrayLike] | None = None,
        log_density: Callable[[np.ndarray], ArrayLike] | None = None,
        name: str = "field",
    ) -> None:
        self._gradient = gradient
        self._jacobian = jacobian
        self._log_density = log_density
        self.name = name

    @property
    def has_log_density(self) -> bool:
        """Whether :meth:`log_density` is available (else it raises TypeError)."""
        return self._log_density is not None

    @property
    def has_jacobian(self) -> bool:
        """Whether :meth:`jacobian` is exact (else finite differences)."""
        return self._jacobian is not None

    def gradient(self, X: ArrayLike) -> np.ndarray:
        """The field at each row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n, d)
            Points.

        Returns
        -------
        field : ndarray of shape (n, d), dtype float64
            The field, checked to have the shape of ``X``.
        """
        X = np.asarray(X, dtype=np.float64)
        values = np.asarray(self._gradient(X), dtype=np.float64)
        if values.shape != X.shape:
            raise ValueError(
                f"{self.name} must map points of shape (n, d) to a field of the same shape: "
                f"for input {X.shape} it returned {values.shape}"
            )
        return values

    def jacobian(self, X: ArrayLike, eps: float | None = None) -> np.ndarray:
        """Jacobian of the field at each row; exact when known, else central differences.

        Parameters
        ----------
        X : array-like of shape (n, d)
            Points.
        eps : float, default=None
            Finite-difference step relative to each feature's standard deviation in ``X``
            (None: 1e-3); ignored when the Jacobian is exact.

        Returns
        -------
        J : ndarray of shape (n, d, d), dtype float64
            ``J[i, j, k] = d field_j / d x_k`` at row ``i``.
        """
        X = np.asarray(X, dtype=np.float64)
        n, d = X.shape
        if self._jacobian is not None:
            J = np.asarray(self._jacobian(X), dtype=np.float64)
            if J.shape != (n, d, d):
                raise ValueError(
                    f"the Jacobian of {self.name} must have shape (n, d, d) = ({n}, {d}, {d}), "
                    f"got {J.shape}"
                )
            return J
        return self._finite_difference_jacobian(X, FINITE_DIFFERENCE_STEP if eps is None else eps)

    def _finite_difference_jacobian(self, X, eps):
        n, d = X.shape
        std = X.std(axis=0)
        steps = eps * np.where(std > 0, std, 1.0)
        J = np.empty((n, d, d))
        for j in range(d):
            X_pert = np.vstack([X, X])
            X_pert[:n, j] += steps[j]
            X_pert[n:, j] -= steps[j]
            out = self.gradient(X_pert)
            # actual step sizes (X + h may not be exactly representable)
            h = X_pert[:n, j] - X_pert[n:, j]
            J[:, :, j] = (out[:n] - out[n:]) / h[:, None]
        if not np.all(np.isfinite(J)):
            raise ValueError(f"{self.name} returned non-finite values near X")
        return J

    def log_density(self, X: ArrayLike) -> np.ndarray:
        """The scalar whose gradient is the field (log-density or potential).

        Parameters
        ----------
        X : array-like of shape (n, d)
            Points.

        Returns
        -------
        values : ndarray of shape (n,), dtype float64
            The scalar at each row, up to a constant.
        """
        if self._log_density is None:
            raise TypeError(f"{self.name} has no log-density or potential")
        return np.asarray(self._log_density(np.asarray(X, dtype=np.float64)), dtype=np.float64)


#: What :func:`as_field` accepts: a :class:`Field`, a callable ``X -> field`` mapping
#: ``(n, d)`` to ``(n, d)``, a skscore estimator or density, a regressor whose ``predict`` maps
#: ``R^d`` to ``R^d`` or a density estimator with ``score_samples``. Checked at run time by
#: :func:`as_field`, so to a type checker it is any object.
FieldLike: TypeAlias = Field | Callable[[np.ndarray], ArrayLike] | object


def as_field(obj: FieldLike, what: str = "field") -> Field:
    """The :class:`Field` of a skscore estimator, density, regressor or callable.

    Parameters
    ----------
    obj : object
        A :class:`Field`; an object whose class names its methods in ``_field_methods``
        (skscore's estimators and densities); a callable ``X -> field``; a fitted
        regressor whose ``predict`` maps ``R^d`` to ``R^d``; or a scikit-learn density
        estimator (its ``score_samples``, differentiated numerically).
    what : str, default="field"
        The argument's name, for error messages.

    Returns
    -------
    field : Field
        ``obj`` itself if it is a Field, else its field.
    """
    if isinstance(obj, Field):
        return obj
    name = f"{what} ({type(obj).__name__})"
    methods = getattr(type(obj), "_field_methods", None)
    if methods is not None:
        bound: list[Any] = [None if method is None else getattr(obj, method) for method in methods]
        gradient, jacobian, log_density = bound
        return Field(gradient, jacobian, log_density, name=name)
    if callable(obj):
        return Field(obj, name=name)
    estimator: Any = obj  # duck-typed from here on
    is_density = isinstance(obj, DensityMixin)  # GaussianMixture's predict gives labels
    if callable(getattr(estimator, "predict", None)) and not is_density:
        return Field(estimator.predict, name=name)
    if callable(getattr(estimator, "score_samples", None)):  # a scikit-learn density estimator
        return Field(
            _numerical_gradient(estimator.score_samples),
            log_density=estimator.score_samples,
            name=name,
        )
    raise TypeError(
        f"{what} must be a callable X -> field, a skscore estimator or density, a "
        f"regressor with predict or a density estimator with score_samples; got "
        f"{type(obj).__name__}"
    )


def _numerical_gradient(log_density, eps=FINITE_DIFFERENCE_STEP):
    """Central finite differences of a scalar function of the rows, step ``eps`` times each
    feature's standard deviation."""

    def gradient(X):
        n, d = X.shape
        std = X.std(axis=0) if n > 1 else np.ones(d)
        steps = eps * np.where(std > 0, std, 1.0)
        shifts = np.concatenate([np.diag(steps), -np.diag(steps)])  # (2d, d)
        values = np.asarray(log_density((X[None, :, :] + shifts[:, None, :]).reshape(-1, d)))
        values = values.reshape(2, d, n)
        return ((values[0] - values[1]) / (2 * steps[:, None])).T

    return gradient
