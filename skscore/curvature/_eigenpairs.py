"""The Hessian's extreme eigenpairs and the loss along an eigenvector (thesis chapter 11)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from sklearn.utils import Bunch

from skscore._core.types import ArrayLike, ModuleLike, RandomState, TensorLike
from skscore._core.validation import check_arguments
from skscore.curvature._eigen import EIGEN_CONSTRAINTS, eigenpairs
from skscore.curvature._hvp import OPERATOR_CONSTRAINTS, make_operator


def hessian_eigenpairs(
    module: ModuleLike,
    criterion: Callable[..., Any] | None,
    X: TensorLike,
    y: TensorLike | None = None,
    *,
    k: int = 5,
    which: str = "both",
    batch_size: int = 1024,
    tol: float = 1e-6,
    method: str = "lanczos",
    max_iter: int = 500,
    subsample: int | float | None = None,
    dtype: str | None = "float64",
    random_state: RandomState = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Extreme eigenpairs of the Hessian of the full-data mean loss (thesis appendix 11.A).

    The Hessian ``H`` of ``L(theta) = mean_i loss(x_i, y_i)`` with respect to all trainable
    parameters is never formed: a Krylov eigensolver only asks for products ``H v``, computed
    by forward-over-reverse differentiation (``torch.func.jvp`` of ``torch.func.grad``) and
    accumulated over row batches weighted by their size. Returns LA(k), SA(k) or both, the
    eigenpairs ``(lambda_i, v_i)`` with ``lambda_1 >= ... >= lambda_d`` at either end.

    Parameters
    ----------
    module : torch.nn.Module, fitted skorch net or fitted skscore estimator
        The network (never modified). For a net or estimator its ``module_`` is used.
    criterion : callable or None
        A loss ``criterion(module(X), y)`` averaged over the batch (``nn.CrossEntropyLoss()``)
        or an objective ``criterion(module, X, y=None, *, generator=None)``; None with a net
        or estimator uses its own criterion.
    X : array-like or tensor of shape (n_samples, ...)
        Inputs (cast to ``dtype``).
    y : array-like or tensor of shape (n_samples, ...), default=None
        Targets; None calls the loss as ``criterion(module(X))``.
    k : int, default=5
        Eigenpairs wanted at each requested end.
    which : {"both", "LA", "SA"}, default="both"
        "LA": the k largest (algebraic), "SA": the k smallest, "both": LA(k) then SA(k).
    batch_size : int, default=1024
        Rows per forward-over-reverse pass; sets the memory, not the result (except for a
        stochastic objective, whose frozen noise is drawn batch by batch).
    tol : float, default=1e-6
        Stop when every wanted pair has a residual ``||H u - lambda u|| <= tol * ||H||``
        ("lanczos"; ARPACK and LOBPCG use their own relative criteria).
    method : {"lanczos", "arpack", "lobpcg"}, default="lanczos"
        "lanczos": Lanczos with full re-orthogonalisation in torch, both ends from one Krylov
        space (memory: ``max_iter`` parameter vectors); "arpack": ``scipy.sparse.linalg.eigsh``
        on a ``LinearOperator``, as in the thesis; "lobpcg": ``scipy.sparse.linalg.lobpcg``.
        On LeNet-style networks "lanczos" needed the fewest products for the smallest
        eigenvalues (about half of ARPACK's, a fifth of LOBPCG's at equal accuracy; see
        ``benchmarks/results/curvature.md``).
    max_iter : int, default=500
        Most Lanczos iterations (Hessian-vector products); ARPACK restarts and LOBPCG
        iterations for the other methods. When it is too few Lanczos and LOBPCG warn with a
        ConvergenceWarning and return their estimates; ARPACK raises a RuntimeError.
    subsample : int, float or None, default=None
        Use a fixed random subset of the rows, a count or a fraction (appendix 11.D): the same
        rows for every product, as a Krylov method requires.
    dtype : {"float64", "float32"} or None, default="float64"
        Precision of the products (None: the parameters' own). Small eigenvalues near the
        bottom of the spectrum need float64 to be accurate relative to themselves.
    random_state : int, RandomState instance or None, default=0
        Seeds the starting vector, the subset and the frozen loss noise.

    Returns
    -------
    eigenvalues : ndarray of shape (n_eigenpairs,)
        In descending order; ``n_eigenpairs`` is k, or 2k for "both" (LA(k) first).
    eigenvectors : ndarray of shape (n_parameters, n_eigenpairs)
        Unit eigenvectors as columns, in the flat parameter layout of
        :func:`torch.nn.utils.parameters_to_vector` (sign arbitrary).

    See Also
    --------
    line_search_along : the loss along an eigenvector.
    HessianSpectrum : the same during training.

    Examples
    --------
    A quadratic loss ``0.5 * mean_i (w^T x_i - y_i)^2`` of a linear model has the Hessian
    ``X^T X / n``:

    >>> import numpy as np
    >>> import torch
    >>> from torch import nn
    >>> from skscore.curvature import hessian_eigenpairs
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(100, 4) * [3.0, 2.0, 1.0, 0.5]
    >>> model = nn.Linear(4, 1, bias=False)
    >>> def loss(output, target):
    ...     return 0.5 * ((output[:, 0] - target) ** 2).mean()
    >>> values, vectors = hessian_eigenpairs(model, loss, X, rng.randn(100), k=1)
    >>> values.shape, vectors.shape
    ((2,), (4, 2))
    >>> np.allclose(values, np.linalg.eigvalsh(X.T @ X / 100)[[3, 0]])
    True
    """
    check_arguments(
        "hessian_eigenpairs",
        {**EIGEN_CONSTRAINTS, **OPERATOR_CONSTRAINTS},
        k=k,
        which=which,
        tol=tol,
        method=method,
        max_iter=max_iter,
        batch_size=batch_size,
        subsample=subsample,
    )
    k, max_iter, tol = int(k), int(max_iter), float(tol)
    operator = make_operator(
        module, criterion, X, y, batch_size, subsample, dtype, random_state, "hessian_eigenpairs"
    )
    return eigenpairs(operator, k, which, tol, method, max_iter, random_state)


def line_search_along(
    module: ModuleLike,
    criterion: Callable[..., Any] | None,
    X: TensorLike,
    y: TensorLike | None,
    direction: TensorLike,
    alphas: ArrayLike,
    *,
    batch_size: int = 1024,
    subsample: int | float | None = None,
    dtype: str | None = "float64",
    random_state: RandomState = 0,
) -> Bunch:
    """The full-data loss along ``theta - alpha (g^T v) v`` and its quadratic model (eq. 11.1).

    With ``g`` the gradient of the full-data mean loss at the current parameters ``theta`` and
    ``v`` the unit ``direction`` (an eigenvector of the Hessian, typically), the loss at step
    ``alpha`` is compared with the second-order model built from the curvature
    ``lambda = v^T H v`` (the eigenvalue when ``v`` is an eigenvector)::

        q(alpha) = L(theta) - alpha (g^T v)^2 + 0.5 alpha^2 (g^T v)^2 lambda.

    For ``lambda > 0`` the model is minimised at ``alpha* = 1 / lambda`` (eq. 11.2); for
    ``lambda < 0`` it decreases without bound, while the real loss turns back up: negative
    curvature is only local (section 11.2.2).

    Parameters
    ----------
    module : torch.nn.Module, fitted skorch net or fitted skscore estimator
        The network (never modified).
    criterion : callable or None
        The loss or objective, as in :func:`hessian_eigenpairs`.
    X : array-like or tensor of shape (n_samples, ...)
        Inputs.
    y : array-like or tensor of shape (n_samples, ...) or None
        Targets.
    direction : array-like or tensor of shape (n_parameters,)
        The direction ``v`` in the flat parameter layout (normalised here).
    alphas : array-like of shape (n_alphas,)
        Step sizes (any sign).
    batch_size : int, default=1024
        Rows per pass.
    subsample : int, float or None, default=None
        A fixed random subset of the rows (appendix 11.D).
    dtype : {"float64", "float32"} or None, default="float64"
        Precision of the computation.
    random_state : int, RandomState instance or None, default=0
        Seeds the subset and the frozen loss noise.

    Returns
    -------
    result : sklearn.utils.Bunch
        ``alphas`` (n_alphas,), ``loss`` (n_alphas,) the loss at each step,
        ``quadratic`` (n_alphas,) the model ``q(alpha)``, ``initial_loss`` ``L(theta)``,
        ``gradient_projection`` ``g^T v`` and ``curvature`` ``v^T H v``.

    See Also
    --------
    hessian_eigenpairs : the eigenvectors to search along.

    Examples
    --------
    On a quadratic loss the model is exact and the best step is ``1 / lambda``:

    >>> import numpy as np
    >>> from torch import nn
    >>> from skscore.curvature import hessian_eigenpairs, line_search_along
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.randn(50, 3), rng.randn(50)
    >>> model = nn.Linear(3, 1, bias=False)
    >>> def loss(output, target):
    ...     return 0.5 * ((output[:, 0] - target) ** 2).mean()
    >>> values, vectors = hessian_eigenpairs(model, loss, X, y, k=1, which="LA")
    >>> alphas = np.linspace(0.0, 2.0 / values[0], 5)
    >>> result = line_search_along(model, loss, X, y, vectors[:, 0], alphas)
    >>> np.allclose(result.loss, result.quadratic)
    True
    >>> float(result.alphas[np.argmin(result.loss)] * values[0])
    1.0
    """
    operator = make_operator(
        module, criterion, X, y, batch_size, subsample, dtype, random_state, "line_search_along"
    )
    v = operator.as_flat(direction, "direction")
    norm = torch.linalg.vector_norm(v)
    if norm == 0:
        raise ValueError("direction is the zero vector; pass a non-zero direction")
    v = v / norm
    alphas = np.asarray(alphas, dtype=np.float64).reshape(-1)
    if alphas.size == 0 or not np.all(np.isfinite(alphas)):
        raise ValueError("alphas must be a non-empty array of finite step sizes")
    loss0, gradient = operator.loss_and_gradient()
    slope = float(torch.dot(gradient, v))
    curvature = float(torch.dot(v, operator.matvec(v)))
    losses = np.array([operator.loss(operator.theta - a * slope * v) for a in alphas])
    quadratic = loss0 - alphas * slope**2 + 0.5 * alphas**2 * slope**2 * curvature
    return Bunch(
        alphas=alphas,
        loss=losses,
        quadratic=quadratic,
        initial_loss=loss0,
        gradient_projection=slope,
        curvature=curvature,
    )
