"""Variance of the importance-sampled gradient (thesis Theorem 1, Corollary 2, eq. 7.6-7.9)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def trace_covariance(
    norms: ArrayLike, proposal: ArrayLike | None = None, *, true_gradient_norm: float = 0.0
) -> float:
    r"""Trace of the covariance of the importance-sampled gradient estimator (Corollary 2).

    For per-example gradients ``g_n`` of norms ``||g_n||`` and a proposal ``q_n`` proportional
    to ``proposal[n]``, one example drawn from ``q`` and re-weighted by ``(1/N) / q_n`` gives
    an unbiased estimate of ``g_TRUE = mean_n g_n`` with

    ``Tr Sigma(q) = mean(proposal) * mean(||g_n||^2 / proposal) - ||g_TRUE||^2``  (eq. 7.6).

    ``proposal=None`` is uniform sampling (eq. 7.8); ``proposal=norms`` the ideal proposal,
    ``mean(||g_n||)^2 - ||g_TRUE||^2`` (eq. 7.7, the minimum over all proposals, Theorem 1);
    weights from older parameters give the stale proposal (eq. 7.9). A minibatch of ``M``
    draws divides it by ``M``.

    Parameters
    ----------
    norms : array-like of shape (n_samples,)
        Per-example gradient norms ``||g_n||`` at the current parameters.
    proposal : array-like of shape (n_samples,), default=None
        Unnormalised sampling weights (> 0 wherever ``norms`` > 0); None for uniform.
    true_gradient_norm : float, default=0.0
        ``||g_TRUE||``; leave at 0 to get the second moment ``E_q ||g/(N q)||^2``, which
        differs from the trace by the same constant for every proposal.

    Returns
    -------
    trace : float
        ``Tr Sigma(q)`` (``inf`` if a row with a non-zero gradient has zero weight).

    Examples
    --------
    Two examples with gradients ``(3, 0)`` and ``(0, 1)``: the mean is ``(1.5, 0.5)``.

    >>> import numpy as np
    >>> from skscore.importance import trace_covariance
    >>> norms = np.array([3.0, 1.0])
    >>> g_true = np.hypot(1.5, 0.5)
    >>> round(trace_covariance(norms, true_gradient_norm=g_true), 12)  # (9 + 1)/2 - 2.5
    2.5
    >>> round(trace_covariance(norms, norms, true_gradient_norm=g_true), 12)  # 2^2 - 2.5
    1.5

    The same numbers by enumerating the two outcomes of one draw:

    >>> g = np.array([[3.0, 0.0], [0.0, 1.0]])
    >>> q = norms / norms.sum()
    >>> estimates = g / (2 * q[:, None])
    >>> mean = (q[:, None] * estimates).sum(0)
    >>> round(float((q * ((estimates - mean) ** 2).sum(1)).sum()), 12)
    1.5
    """
    sq = np.asarray(norms, dtype=np.float64) ** 2
    if proposal is None:
        second = sq.mean()
    else:
        w = np.asarray(proposal, dtype=np.float64)
        if w.shape != sq.shape:
            raise ValueError(f"proposal has shape {w.shape}, norms {sq.shape}")
        if np.any(w < 0):
            raise ValueError("proposal weights must be >= 0")
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(sq > 0, sq / w, 0.0)
        second = w.mean() * ratio.mean()
    return float(second - float(true_gradient_norm) ** 2)


def effective_sample_fraction(w):
    """Kish's effective sample size of a proposal per draw: 1 / (mean(w) mean(1/w))."""
    return float(1.0 / (w.mean() * (1.0 / w).mean()))
