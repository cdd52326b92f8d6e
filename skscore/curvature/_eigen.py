"""Extreme eigenpairs of a symmetric operator known only through its products ``v -> A v``.

Three solvers behind one call, :func:`extreme_eigenpairs`, compared in
``benchmarks/bench_curvature.py``:

- ``"lanczos"``: Lanczos in torch with full re-orthogonalisation and no restart. One Krylov
  space holds both ends of the spectrum, so the largest and smallest eigenpairs come out of the
  same run; the iteration stops once every wanted Ritz pair has a residual
  ``||A u - theta u|| <= tol * ||A||`` (``||A||`` estimated by the largest Ritz value in
  magnitude). Memory: one vector per iteration.
- ``"arpack"``: ``scipy.sparse.linalg.eigsh`` (implicitly restarted Lanczos) on a
  ``LinearOperator``, as in thesis appendix 11.A; ``which="both"`` is ARPACK's ``"BE"``.
  ARPACK's ``tol`` is relative to each eigenvalue, so small eigenvalues -- the negative ones
  of a network's Hessian -- need many more products (the thesis' observation that SA(3) costs
  more than LA(20)).
- ``"lobpcg"``: ``scipy.sparse.linalg.lobpcg``, one block of k vectors per end.
"""

import warnings

import numpy as np
import torch
from scipy.linalg import eigh_tridiagonal
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh, lobpcg
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import StrOptions

from skscore._core.validation import POSITIVE_INT, TOLERANCE

METHODS = ("lanczos", "arpack", "lobpcg")
WHICH = ("LA", "SA", "both")
#: Constraints of the eigensolver's parameters (for ``check_arguments``).
EIGEN_CONSTRAINTS = {
    "k": [POSITIVE_INT],
    "which": [StrOptions(set(WHICH))],
    "tol": [TOLERANCE],
    "method": [StrOptions(set(METHODS))],
    "max_iter": [POSITIVE_INT],
}

# Rows of the Krylov basis allocated at a time.
_BLOCK = 64


def _wanted(theta, k, which):
    """Indices (into ascending ``theta``) of the wanted Ritz values."""
    m = len(theta)
    top = list(range(max(m - k, 0), m))
    bottom = list(range(min(k, m)))
    if which == "LA":
        return top
    if which == "SA":
        return bottom
    return sorted(set(top) | set(bottom))


def lanczos(matvec, v0, k, which, tol, max_iter, rng):
    """Extreme eigenpairs by Lanczos with full re-orthogonalisation (two Gram-Schmidt passes).

    When the Krylov space becomes invariant before holding the wanted number of pairs (a
    repeated eigenvalue, a tiny problem), it continues from a random vector orthogonal to the
    basis. Returns ascending eigenvalues (tensor), the eigenvectors as columns (tensor), and
    whether every wanted pair converged.
    """
    d = v0.numel()
    max_iter = min(max_iter, d)
    n_wanted = k if which != "both" else 2 * k
    roundoff = 100 * torch.finfo(v0.dtype).eps
    basis = torch.empty((min(_BLOCK, max_iter), d), dtype=v0.dtype, device=v0.device)
    basis[0] = v0 / torch.linalg.vector_norm(v0)
    alphas, betas = [], []
    converged = False
    for j in range(max_iter):
        w = matvec(basis[j])
        alpha = float(torch.dot(basis[j], w))
        w = w - alpha * basis[j]
        if j > 0:
            w = w - betas[-1] * basis[j - 1]
        Q = basis[: j + 1]
        for _ in range(2):
            w = w - Q.T @ (Q @ w)
        beta = float(torch.linalg.vector_norm(w))
        alphas.append(alpha)
        m = j + 1
        invariant = beta <= roundoff * max(abs(a) for a in alphas)
        if m >= n_wanted:
            theta, S = eigh_tridiagonal(np.array(alphas), np.array(betas))
            scale = max(np.abs(theta).max(), np.finfo(float).tiny)
            residuals = (0.0 if invariant else beta) * np.abs(S[-1, _wanted(theta, k, which)])
            if np.all(residuals <= tol * scale):
                converged = True
                break
        if m == max_iter:
            break
        if invariant:  # restart in the orthogonal complement; the tridiagonal splits
            w = torch.as_tensor(rng.standard_normal(d), dtype=v0.dtype, device=v0.device)
            for _ in range(2):
                w = w - Q.T @ (Q @ w)
            beta, w = 0.0, w / torch.linalg.vector_norm(w)
        else:
            w = w / beta
        betas.append(beta)
        if m >= len(basis):
            grown = torch.empty((min(m + _BLOCK, max_iter), d), dtype=v0.dtype, device=v0.device)
            grown[:m] = basis
            basis = grown
        basis[m] = w
    idx = _wanted(theta, k, which)
    coefficients = torch.as_tensor(S[:, idx], dtype=v0.dtype, device=v0.device)
    vectors = basis[: len(alphas)].T @ coefficients
    vectors = vectors / torch.linalg.vector_norm(vectors, dim=0)
    return torch.as_tensor(theta[idx], dtype=v0.dtype), vectors, converged


def _scipy_operator(matvec, d, like):
    def apply(x):
        v = torch.as_tensor(np.ascontiguousarray(x).reshape(-1), dtype=like.dtype)
        return matvec(v.to(like.device)).cpu().numpy()

    def apply_block(X):
        return np.column_stack([apply(X[:, i]) for i in range(X.shape[1])])

    return LinearOperator((d, d), matvec=apply, matmat=apply_block, dtype=np.float64)


def arpack(matvec, v0, k, which, tol, max_iter, rng):
    """Extreme eigenpairs by ``scipy.sparse.linalg.eigsh`` (thesis appendix 11.A)."""
    d = v0.numel()
    operator = _scipy_operator(matvec, d, v0)
    n_eig = 2 * k if which == "both" else k
    arpack_which = "BE" if which == "both" else which
    try:
        values, vectors = eigsh(
            operator,
            k=n_eig,
            which=arpack_which,
            tol=tol,
            v0=v0.cpu().numpy().astype(np.float64),
            maxiter=max_iter,
        )
    except ArpackNoConvergence as exc:
        raise RuntimeError(
            f"ARPACK found {len(exc.eigenvalues)} of {n_eig} eigenpairs in max_iter={max_iter} "
            "restarts; raise max_iter, loosen tol, or use method='lanczos'"
        ) from None
    order = np.argsort(values)
    return (
        torch.as_tensor(values[order], dtype=v0.dtype),
        torch.as_tensor(vectors[:, order], dtype=v0.dtype, device=v0.device),
        True,
    )


def _lobpcg(matvec, v0, k, which, tol, max_iter, rng):
    """Extreme eigenpairs by ``scipy.sparse.linalg.lobpcg``, one block per end."""
    d = v0.numel()
    operator = _scipy_operator(matvec, d, v0)
    ends = ["LA", "SA"] if which == "both" else [which]
    all_values, all_vectors, converged = [], [], True
    for end in ends:
        X0 = rng.standard_normal((d, k))
        X0[:, 0] = v0.cpu().numpy()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            values, vectors = lobpcg(
                operator, X0, tol=tol, maxiter=max_iter, largest=end == "LA", verbosityLevel=0
            )
        converged &= not any(
            "not reaching the requested tolerance" in str(w.message) for w in caught
        )
        all_values.append(values)
        all_vectors.append(vectors)
    values = np.concatenate(all_values)
    vectors = np.concatenate(all_vectors, axis=1)
    order = np.argsort(values)
    return (
        torch.as_tensor(values[order], dtype=v0.dtype),
        torch.as_tensor(vectors[:, order], dtype=v0.dtype, device=v0.device),
        converged,
    )


SOLVERS = {"lanczos": lanczos, "arpack": arpack, "lobpcg": _lobpcg}


def extreme_eigenpairs(matvec, v0, k, which, *, method, tol, max_iter, rng):
    """The k largest and/or smallest eigenpairs of the symmetric operator ``matvec``.

    Returns ``(eigenvalues, eigenvectors)`` as float64 numpy arrays: eigenvalues in descending
    order (the thesis' ``lambda_1 >= ... >= lambda_d``), eigenvectors as unit columns.
    Lanczos and LOBPCG warn with a ConvergenceWarning when the tolerance was not reached in
    ``max_iter`` iterations (the estimates are returned all the same); ARPACK raises a
    RuntimeError, having no estimate for the pairs it did not converge.
    """
    values, vectors, converged = SOLVERS[method](matvec, v0, k, which, tol, max_iter, rng)
    if not converged:
        warnings.warn(
            f"{method} did not reach tol={tol:g} in max_iter={max_iter} iterations; the "
            "eigenpairs are approximate: raise max_iter, loosen tol, or try another method",
            ConvergenceWarning,
            stacklevel=4,
        )
    values = values.cpu().numpy().astype(np.float64)[::-1].copy()
    vectors = vectors.cpu().numpy().astype(np.float64)[:, ::-1].copy()
    return values, vectors


def eigenpairs(operator, k, which, tol, method, max_iter, random_state):
    """Extreme eigenpairs of a :class:`HessianOperator`, from a seeded starting vector."""
    d = operator.n_parameters
    n_wanted = 2 * k if which == "both" else k
    limit = d - 1 if method == "arpack" else d
    if n_wanted > limit:
        raise ValueError(
            f"k={k} with which={which!r} asks for {n_wanted} eigenpairs of a {d}-parameter "
            f"Hessian; method={method!r} computes at most {limit}: lower k"
        )
    if method == "lanczos" and max_iter < n_wanted:
        raise ValueError(
            f"max_iter={max_iter} is too small for {n_wanted} eigenpairs: Lanczos needs at "
            f"least one iteration per eigenpair; use max_iter >= {n_wanted}"
        )
    rng = check_random_state(random_state)
    v0 = torch.as_tensor(rng.standard_normal(d), dtype=operator.dtype, device=operator.device)
    return extreme_eigenpairs(
        operator.matvec, v0, k, which, method=method, tol=tol, max_iter=max_iter, rng=rng
    )
