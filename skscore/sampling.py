"""MCMC samplers driven by a batched score function.

A *score function* here is any callable ``score_fn(X) -> S`` mapping an array of
shape ``(m, d)`` to the gradient of an unnormalised log-density at each row, an
array of the same shape. It is always called on all chains (and all points of a
path) at once, so a neural score estimator runs one batched forward pass per
MCMC step.

Energy differences come from the path integral of the score along the straight
segment between two states (thesis section 3.4.1, eq. 3.13), computed with
Gauss-Legendre quadrature. They give the Metropolis-Hastings acceptance ratio
of section 3.4.2 without ever needing the (unknown) normalised density.

The samplers share one driver: it runs ``burn_in`` steps, during which a
``step_size="auto"`` is adapted toward a target acceptance rate, then ``n_steps``
steps with the step frozen, and returns the final state of every chain.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import Literal, overload

import numpy as np
import torch
from numpy.polynomial.legendre import leggauss
from numpy.typing import ArrayLike
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from skscore._core.docstrings import fill_doc
from skscore._core.fields import FieldLike, as_field
from skscore._core.progress import Progress
from skscore._core.validation import validate_params

__all__ = ["langevin", "line_integral", "mala", "metropolis_hastings"]

# Robbins-Monro schedule for log(step): gain / sqrt(1 + t / t0) times the acceptance error
# (see _adaptation_error). When the acceptance is saturated at 0 or 1 this moves the step by
# a factor 100 within about 10 iterations, for any target; the decay then damps the noise of
# the acceptance estimate. Measured on Gaussians in 1-50 D, 100x too small or too large
# starts, 50 burn-in steps: the frozen step's acceptance is within 0.01 of the target with
# 1000 chains, 0.03 with 20 chains, 0.16 with a single chain.
_ADAPT_GAIN = 0.6
_ADAPT_T0 = 10.0
_ADAPT_MAX_ERROR = 2.0
#: Largest number of quadrature nodes of a path integral.
MAX_PATH_POINTS = 1000
#: Floats of path points evaluated at once by line_integral (memory bound).
_PATH_BUDGET = 2**22

_SAMPLER_CONSTRAINTS = {
    "score_fn": "no_validation",
    "X_init": ["array-like"],
    "n_steps": [Interval(Integral, 1, None, closed="left")],
    "burn_in": [Interval(Integral, 0, None, closed="left")],
    "step_size": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
    "initial_step_size": [Interval(Real, 0, None, closed="neither"), None],
    "target_acceptance": [Interval(Real, 0, 1, closed="neither")],
    "n_path_points": [Interval(Integral, 1, MAX_PATH_POINTS, closed="both")],
    "random_state": ["random_state"],
    "return_acceptance": ["boolean"],
    "verbose": ["verbose"],
}


# --------------------------------------------------------------------------------------
# Private helpers
# --------------------------------------------------------------------------------------


def _evaluate_score(score_fn, X):
    """Call ``score_fn`` on ``X`` and check the result.

    Parameters
    ----------
    score_fn : callable
        Batched score function, ``(m, d) -> (m, d)``.
    X : ndarray of shape (m, d)
        Points at which to evaluate it.

    Returns
    -------
    S : ndarray of shape (m, d), dtype float64
        The score at each row of ``X``.
    """
    S = np.asarray(score_fn(X), dtype=np.float64)
    if S.shape != X.shape:
        raise ValueError(
            f"score_fn must return an array of the same shape as its input {X.shape}, "
            f"got shape {S.shape}."
        )
    finite = np.isfinite(S)
    if not finite.all():
        n_bad = int((~finite.all(axis=1)).sum())
        raise ValueError(
            f"score_fn returned non-finite values (NaN or inf) at {n_bad} of {X.shape[0]} "
            "points. The chains have probably left the region where the score model is "
            "reliable (or the proposals overflowed): use a smaller step_size, start the "
            "chains at training points, or use metropolis_hastings instead of langevin."
        )
    return S


def _quadrature(n_points):
    """Gauss-Legendre nodes and weights on [0, 1].

    Parameters
    ----------
    n_points : int
        Number of nodes; the rule is exact for polynomials of degree ``2 * n_points - 1``.

    Returns
    -------
    t : ndarray of shape (n_points,)
        Nodes in (0, 1).
    w : ndarray of shape (n_points,)
        Weights, summing to 1.
    """
    x, w = leggauss(n_points)
    return (x + 1.0) / 2.0, w / 2.0


def _path_points(X_from, delta, t):
    """Stack the quadrature points of every segment into one ``(k * n, d)`` array.

    Row ``j * n + i`` is ``X_from[i] + t[j] * delta[i]``.
    """
    n, d = X_from.shape
    return (X_from[None, :, :] + t[:, None, None] * delta[None, :, :]).reshape(-1, d)


def _integrate(S_path, delta, w):
    """Quadrature sum of ``s(gamma(t)) . gamma'(t)`` for straight segments (eq. 3.13).

    Parameters
    ----------
    S_path : ndarray or tensor of shape (k * n, d)
        Score at the points built by :func:`_path_points` (numpy arrays or torch tensors:
        the MH ratio of the noise-conditional sampler uses the same rule on tensors).
    delta : ndarray of shape (n, d)
        ``X_to - X_from``, the (constant) velocity of each segment.
    w : ndarray of shape (k,)
        Quadrature weights on [0, 1].

    Returns
    -------
    log_ratio : ndarray of shape (n,)
        ``log p(X_to) - log p(X_from)`` for each segment.
    """
    n, d = delta.shape
    S_path = S_path.reshape(len(w), n, d)
    xp = torch if isinstance(delta, torch.Tensor) else np
    return xp.einsum("j,jnd,nd->n", w, S_path, delta)


def _adaptation_error(mean_prob, target):
    """Acceptance error driving the step-size adaptation, clipped to [-2, 2].

    ``(mean_prob - target) / (target * (1 - target))``: the slope of ``logit`` at the
    target, so that near the target the update behaves the same for every target, while
    staying linear in ``mean_prob`` (no Jensen bias from averaging a nonlinear error). The
    clip keeps the step of a saturated acceptance (0 or 1) bounded; without the scaling a
    high target such as 0.95 would climb out of a too-small step at a rate ``1 - 0.95``.
    """
    error = (mean_prob - target) / (target * (1.0 - target))
    return float(np.clip(error, -_ADAPT_MAX_ERROR, _ADAPT_MAX_ERROR))


def _default_step(X):
    """0.1 times the median per-feature standard deviation of ``X`` (0.1 if degenerate)."""
    if X.shape[0] < 2:
        return 0.1
    step = 0.1 * float(np.median(X.std(axis=0)))
    return step if np.isfinite(step) and step > 0 else 0.1


def _langevin_log_q_ratio(noise, delta, S_prop, h):
    """``log q(x | x*) - log q(x* | x)`` for the Langevin proposals ``N(y + h^2/2 s(y), h^2 I)``
    with ``x* = x + delta``, ``delta = h^2/2 s(x) + h noise`` (numpy arrays or torch tensors)."""
    backward = (-delta - 0.5 * h * h * S_prop) / h
    return 0.5 * ((noise**2).sum(-1) - (backward**2).sum(-1))


def _mh_kernel(score_fn, t, w):
    """Random-walk Metropolis-Hastings: ``x* = x + h * noise`` (thesis section 3.4.2).

    The proposal is symmetric, so the log acceptance ratio is the energy difference
    ``log p(x*) - log p(x)`` from the path integral (eq. 3.13). One ``score_fn`` call on
    ``n * k`` points per step; nothing is cached between steps.
    """

    def init(X):
        return None

    def propose(X, cache, h, noise, adjust):
        delta = h * noise
        S_path = _evaluate_score(score_fn, _path_points(X, delta, t))
        return X + delta, None, _integrate(S_path, delta, w)

    return init, propose


def _langevin_kernel(score_fn, t, w):
    """Langevin proposal ``x* = x + h^2 / 2 s(x) + h * noise``, optionally MH-adjusted (MALA).

    The cache is the score at the current state. Adjusted: one ``score_fn`` call on
    ``n * (k + 1)`` points (the path nodes and ``x*``, whose score the reverse proposal
    density needs). Unadjusted: one call on the ``n`` proposals.
    """

    def init(X):
        return _evaluate_score(score_fn, X)

    def propose(X, S, h, noise, adjust):
        n = X.shape[0]
        half_h2 = 0.5 * h * h
        delta = half_h2 * S + h * noise
        X_prop = X + delta
        if not adjust:
            return X_prop, _evaluate_score(score_fn, X_prop), None
        points = np.concatenate([_path_points(X, delta, t), X_prop])
        S_all = _evaluate_score(score_fn, points)
        S_prop = S_all[-n:]
        log_ratio = _integrate(S_all[:-n], delta, w)
        return X_prop, S_prop, log_ratio + _langevin_log_q_ratio(noise, delta, S_prop, h)

    return init, propose


def _run_chains(
    X_init,
    kernel,
    *,
    n_steps,
    burn_in,
    step_size,
    initial_step_size,
    target_acceptance,
    random_state,
    adjust_after_burn_in=True,
    verbose=0,
):
    """Run vectorised chains with a ``(init, propose)`` kernel; shared by all samplers.

    Parameters
    ----------
    X_init : ndarray of shape (n_chains, d)
        Validated initial states.
    kernel : tuple of callables
        ``init(X) -> cache`` and ``propose(X, cache, h, noise, adjust) -> (X_prop,
        cache_prop, log_alpha)``; ``log_alpha`` is ``None`` when ``adjust`` is False
        (the move is always taken).
    n_steps, burn_in : int
        Steps after and during burn-in.
    step_size : "auto" or float
        Fixed step, or "auto" for Robbins-Monro adaptation of ``log(step)`` during burn-in
        toward ``target_acceptance`` using the mean acceptance probability across chains.
        The frozen step is the average of ``log(step)`` over the second half of burn-in.
    initial_step_size : float or None
        Starting point of the adaptation.
    target_acceptance : float
        Target of the adaptation.
    random_state : int, RandomState instance or None
        Seeds the proposal noise and the accept/reject uniforms.
    adjust_after_burn_in : bool, default=True
        If False, burn-in moves are Metropolis-adjusted but later moves are always taken.
    verbose : int, default=0
        1 or more: a progress report over the steps.

    Returns
    -------
    X : ndarray of shape (n_chains, d)
        Final states.
    acceptance : float
        Fraction of accepted proposals after burn-in; for unadjusted runs, the mean
        acceptance probability over the second half of burn-in (1.0 without burn-in).
    """
    rng = check_random_state(random_state)
    init, propose = kernel
    X = X_init
    n_chains = X.shape[0]
    cache = init(X)

    adapt = isinstance(step_size, str)
    if adapt:
        h0 = _default_step(X) if initial_step_size is None else float(initial_step_size)
    else:
        h0 = float(step_size)
    log_h = np.log(h0)
    tail_start = burn_in // 2
    log_h_tail = []
    burn_in_probs = []
    n_accepted = 0
    progress = Progress(burn_in + n_steps, "sampling", enabled=verbose >= 1)

    for it in range(burn_in + n_steps):
        progress.update(1)
        in_burn_in = it < burn_in
        if it == burn_in and adapt and log_h_tail:
            log_h = float(np.mean(log_h_tail))
        h = float(np.exp(log_h))
        adjust = in_burn_in or adjust_after_burn_in
        noise = rng.standard_normal(X.shape)
        X_prop, cache_prop, log_alpha = propose(X, cache, h, noise, adjust)
        if log_alpha is None:
            X, cache = X_prop, cache_prop
            continue
        # A NaN ratio (inf - inf from an absurdly large step) counts as a rejection.
        log_alpha = np.where(np.isnan(log_alpha), -np.inf, log_alpha)
        accept = np.log(rng.uniform(size=n_chains)) < log_alpha
        X = np.where(accept[:, None], X_prop, X)
        if cache is not None:
            cache = np.where(accept[:, None], cache_prop, cache)
        if in_burn_in:
            mean_prob = float(np.mean(np.exp(np.minimum(log_alpha, 0.0))))
            if it >= tail_start:
                burn_in_probs.append(mean_prob)
            if adapt:
                gain = _ADAPT_GAIN / np.sqrt(1.0 + it / _ADAPT_T0)
                log_h += gain * _adaptation_error(mean_prob, target_acceptance)
                if it >= tail_start:
                    log_h_tail.append(log_h)
        else:
            n_accepted += int(accept.sum())

    progress.close()
    if adjust_after_burn_in:
        acceptance = n_accepted / (n_steps * n_chains)
    else:
        acceptance = float(np.mean(burn_in_probs)) if burn_in_probs else 1.0
    return X, acceptance


def _sample(score_fn, X_init, make_kernel, *, n_path_points, return_acceptance, **run_params):
    """Validate ``X_init``, build the kernel and run the shared driver."""
    X_init = check_array(X_init, dtype=np.float64, ensure_all_finite=True, input_name="X_init")
    score_fn = as_field(score_fn, "score_fn").gradient
    t, w = _quadrature(n_path_points)
    X, acceptance = _run_chains(X_init, make_kernel(score_fn, t, w), **run_params)
    return (X, acceptance) if return_acceptance else X


# --------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------


@validate_params(
    {
        "score_fn": "no_validation",
        "X_from": ["array-like"],
        "X_to": ["array-like"],
        "n_path_points": [Interval(Integral, 1, MAX_PATH_POINTS, closed="both")],
        "n_points": [Interval(Integral, 1, MAX_PATH_POINTS, closed="both"), None],
    },
    prefer_skip_nested_validation=True,
)
def line_integral(
    score_fn: FieldLike,
    X_from: ArrayLike,
    X_to: ArrayLike,
    n_path_points: int = 10,
    *,
    n_points: int | None = None,
) -> np.ndarray:
    """Log-density differences by integrating the score along straight segments.

    Computes, for each row ``i``,
    ``log p(X_to[i]) - log p(X_from[i]) = int_0^1 s(x_i(t)) . (X_to[i] - X_from[i]) dt``
    with ``x_i(t) = X_from[i] + t (X_to[i] - X_from[i])`` (thesis eq. 3.13; the energy is
    ``E = -log p``, so this is ``E(X_from) - E(X_to)``). The integral uses
    ``n_path_points`` Gauss-Legendre nodes on [0, 1], exact when the score is a polynomial
    of degree at most ``2 * n_path_points - 1`` along the segment (e.g. for any Gaussian).
    ``score_fn`` is called on the path points of many segments at once, in blocks of a
    bounded size, so memory does not grow with the number of segments.

    The error falls exponentially with ``n_path_points`` but depends on how much the score
    varies along the segment. On a two-component 2-D Gaussian mixture, segments of the
    size of an MCMC proposal are exact to ~1e-8 with 20 nodes (1e-5 with 10), while
    segments spanning the data, which cross the switch from one component to the other,
    are off by up to ~0.1 nats with 10 nodes, ~0.02 with 20 and ~1e-6 with 60.

    Parameters
    ----------
    score_fn : callable or estimator
        Batched score function ``(m, d) -> (m, d)``, the gradient of an unnormalised
        log-density, or an object with one (a skscore score estimator or density).
    X_from : array-like of shape (n_samples, n_features)
        Start of each segment.
    X_to : array-like of shape (n_samples, n_features)
        End of each segment.
    n_path_points : int, default=10
        Number of quadrature nodes per segment (at most 1000).
    n_points : int, default=None
        Deprecated name of ``n_path_points``.

    Returns
    -------
    log_ratio : ndarray of shape (n_samples,)
        ``log p(X_to) - log p(X_from)``, row by row.

    See Also
    --------
    metropolis_hastings : Sampler using these differences as acceptance ratios.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.sampling import line_integral
    >>> score = lambda X: -X  # standard normal: log p(x) = -|x|^2 / 2 + c
    >>> X_from = np.zeros((1, 2))
    >>> X_to = np.array([[1.0, 2.0]])
    >>> line_integral(score, X_from, X_to, n_path_points=2)
    array([-2.5])
    """
    if n_points is not None:
        warnings.warn(
            "line_integral(n_points=...) is deprecated; use n_path_points",
            FutureWarning,
            stacklevel=2,
        )
        n_path_points = n_points
    X_from = check_array(X_from, dtype=np.float64, input_name="X_from")
    X_to = check_array(X_to, dtype=np.float64, input_name="X_to")
    if X_from.shape != X_to.shape:
        raise ValueError(
            f"X_from and X_to must have the same shape, got {X_from.shape} and {X_to.shape}."
        )
    score_fn = as_field(score_fn, "score_fn").gradient
    t, w = _quadrature(n_path_points)
    n, d = X_from.shape
    block = max(1, _PATH_BUDGET // (n_path_points * max(d, 1)))
    log_ratio = np.empty(n)
    for start in range(0, n, block):
        rows = slice(start, start + block)
        delta = X_to[rows] - X_from[rows]  # per block: no (n, d) temporary
        S_path = _evaluate_score(score_fn, _path_points(X_from[rows], delta, t))
        log_ratio[rows] = _integrate(S_path, delta, w)
    return log_ratio


_COMMON_PARAMS_DOC = """score_fn : callable or estimator
        Batched score function ``(m, d) -> (m, d)``: the gradient of the unnormalised
        log-density to sample from (e.g. an estimator's ``grad_log_density``), or an object
        with one (a skscore score estimator or density). It is called on all chains at
        once, never chain by chain.
    X_init : array-like of shape (n_chains, n_features)
        Initial states, one chain per row. Start at (or near) data points: chains do not
        cross between well-separated modes in a few hundred steps.
    n_steps : int, default=1000
        Steps after burn-in.
    burn_in : int, default=200
        Steps before ``n_steps`` during which an ``"auto"`` step size is adapted.
    step_size : "auto" or float, default="auto"
        Proposal scale. A float is used as is. ``"auto"`` adapts one scalar step shared by
        all chains during burn-in, by a Robbins-Monro update of its logarithm,
        ``log h += 0.6 / sqrt(1 + t / 10) * e_t``, where ``e_t`` is
        ``(a_t - target) / (target * (1 - target))`` clipped to [-2, 2] and ``a_t`` the
        mean acceptance probability over chains at burn-in step ``t``. The step is frozen
        after burn-in at the geometric mean over the second half of burn-in. A start 100
        times too small or too large is corrected within a few tens of steps; the more
        chains, the closer the final acceptance to the target (within ~0.03 from 20
        chains, ~0.15 from a single one). With ``burn_in=0`` the step stays
        ``initial_step_size``.
    initial_step_size : float, default=None
        Starting point of the ``"auto"`` adaptation. None means 0.1 times the median over
        features of the standard deviation of ``X_init`` (0.1 if that is zero or there is
        a single chain). Ignored for a float ``step_size``.
    target_acceptance : float, default={target}
        Acceptance rate targeted by the adaptation.
    n_path_points : int, default=10
        Gauss-Legendre nodes of the path integral giving each energy difference.
    random_state : int, RandomState instance or None, default=None
        Seeds the proposals and accept/reject draws. Pass an int for reproducible output.
    return_acceptance : bool, default=False
        Also return the acceptance rate.
    verbose : int, default=0
        1 or more: a progress report over the steps (a bar on a terminal, plain lines
        otherwise)."""


@overload
def metropolis_hastings(
    score_fn: FieldLike,
    X_init: ArrayLike,
    *,
    n_steps: int = ...,
    burn_in: int = ...,
    step_size: Literal["auto"] | float = ...,
    initial_step_size: float | None = ...,
    target_acceptance: float = ...,
    n_path_points: int = ...,
    random_state: int | np.random.RandomState | None = ...,
    return_acceptance: Literal[False] = ...,
    verbose: int = ...,
) -> np.ndarray: ...
@overload
def metropolis_hastings(
    score_fn: FieldLike,
    X_init: ArrayLike,
    *,
    n_steps: int = ...,
    burn_in: int = ...,
    step_size: Literal["auto"] | float = ...,
    initial_step_size: float | None = ...,
    target_acceptance: float = ...,
    n_path_points: int = ...,
    random_state: int | np.random.RandomState | None = ...,
    return_acceptance: Literal[True],
    verbose: int = ...,
) -> tuple[np.ndarray, float]: ...
@overload
def metropolis_hastings(
    score_fn: FieldLike,
    X_init: ArrayLike,
    *,
    n_steps: int = ...,
    burn_in: int = ...,
    step_size: Literal["auto"] | float = ...,
    initial_step_size: float | None = ...,
    target_acceptance: float = ...,
    n_path_points: int = ...,
    random_state: int | np.random.RandomState | None = ...,
    return_acceptance: bool,
    verbose: int = ...,
) -> np.ndarray | tuple[np.ndarray, float]: ...


@validate_params(_SAMPLER_CONSTRAINTS, prefer_skip_nested_validation=True)
@fill_doc(params=_COMMON_PARAMS_DOC.replace("{target}", "0.3"))
def metropolis_hastings(
    score_fn: FieldLike,
    X_init: ArrayLike,
    *,
    n_steps: int = 1000,
    burn_in: int = 200,
    step_size: Literal["auto"] | float = "auto",
    initial_step_size: float | None = None,
    target_acceptance: float = 0.3,
    n_path_points: int = 10,
    random_state: int | np.random.RandomState | None = None,
    return_acceptance: bool = False,
    verbose: int = 0,
) -> np.ndarray | tuple[np.ndarray, float]:
    """Random-walk Metropolis-Hastings with path-integral energy differences.

    Each chain proposes ``x* = x + h * eps``, ``eps ~ N(0, I)``, and accepts with
    probability ``min(1, p(x*) / p(x))``, where ``log p(x*) - log p(x)`` is the path
    integral of the score along the segment (thesis section 3.4, eq. 3.13, computed by
    :func:`line_integral`). Only the score is needed, never the density itself. One
    ``score_fn`` call per step, on ``n_chains * n_path_points`` points.

    Parameters
    ----------
    {params}

    Returns
    -------
    X : ndarray of shape (n_chains, n_features)
        Final state of each chain (float64).
    acceptance : float
        Fraction of accepted proposals over the ``n_steps`` post-burn-in steps and all
        chains. Only returned if ``return_acceptance`` is True.

    See Also
    --------
    mala : Metropolis-adjusted Langevin, usually faster mixing for smooth densities.
    langevin : Unadjusted Langevin dynamics.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.sampling import metropolis_hastings
    >>> score = lambda X: -X  # standard normal
    >>> X_init = np.zeros((500, 2))
    >>> X, acc = metropolis_hastings(score, X_init, n_steps=200, burn_in=100,
    ...                              random_state=0, return_acceptance=True)
    >>> X.shape  # acc: the fraction of accepted proposals, adapted toward 0.3
    (500, 2)
    """
    return _sample(
        score_fn,
        X_init,
        _mh_kernel,
        n_steps=n_steps,
        burn_in=burn_in,
        step_size=step_size,
        initial_step_size=initial_step_size,
        target_acceptance=target_acceptance,
        n_path_points=n_path_points,
        random_state=random_state,
        return_acceptance=return_acceptance,
        verbose=verbose,
    )


@overload
def mala(
    score_fn: FieldLike,
    X_init: ArrayLike,
    *,
    n_steps: int = ...,
    burn_in: int = ...,
    step_size: Literal["auto"] | float = ...,
    initial_step_size: float | None = ...,
    target_acceptance: float = ...,
    n_path_points: int = ...,
    random_state: int | np.random.RandomState | None = ...,
    return_acceptance: Literal[False] = ...,
    verbose: int = ...,
) -> np.ndarray: ...
@overload
def mala(
    score_fn: FieldLike,
    X_init: ArrayLike,
    *,
    n_steps: int = ...,
    burn_in: int = ...,
    step_size: Literal["auto"] | float = ...,
    initial_step_size: float | None = ...,
    target_acceptance: float = ...,
    n_path_points: int = ...,
    random_state: int | np.random.RandomState | None = ...,
    return_acceptance: Literal[True],
    verbose: int = ...,
) -> tuple[np.ndarray, float]: ...
@overload
def mala(
    score_fn: FieldLike,
    X_init: ArrayLike,
    *,
    n_steps: int = ...,
    burn_in: int = ...,
    step_size: Literal["auto"] | float = ...,
    initial_step_size: float | None = ...,
    target_acceptance: float = ...,
    n_path_points: int = ...,
    random_state: int | np.random.RandomState | None = ...,
    return_acceptance: bool,
    verbose: int = ...,
) -> np.ndarray | tuple[np.ndarray, float]: ...


@validate_params(_SAMPLER_CONSTRAINTS, prefer_skip_nested_validation=True)
@fill_doc(params=_COMMON_PARAMS_DOC.replace("{target}", "0.574"))
def mala(
    score_fn: FieldLike,
    X_init: ArrayLike,
    *,
    n_steps: int = 1000,
    burn_in: int = 200,
    step_size: Literal["auto"] | float = "auto",
    initial_step_size: float | None = None,
    target_acceptance: float = 0.574,
    n_path_points: int = 10,
    random_state: int | np.random.RandomState | None = None,
    return_acceptance: bool = False,
    verbose: int = 0,
) -> np.ndarray | tuple[np.ndarray, float]:
    """Metropolis-adjusted Langevin algorithm (MALA) driven by a score function.

    Each chain proposes ``x* = x + h^2 / 2 s(x) + h * eps``, ``eps ~ N(0, I)``, and
    accepts with probability ``min(1, p(x*) q(x | x*) / (p(x) q(x* | x)))``: the proposal
    densities ``q`` are the Gaussians ``N(y + h^2 / 2 s(y), h^2 I)`` and
    ``log p(x*) - log p(x)`` is the path integral of the score (thesis eq. 3.13). One
    ``score_fn`` call per step, on ``n_chains * (n_path_points + 1)`` points (the path
    nodes and the proposals, whose score the reverse proposal needs and which becomes
    the cached score of accepted chains), plus one initial call on ``X_init``.

    Parameters
    ----------
    {params}

    Returns
    -------
    X : ndarray of shape (n_chains, n_features)
        Final state of each chain (float64).
    acceptance : float
        Fraction of accepted proposals over the ``n_steps`` post-burn-in steps and all
        chains. Only returned if ``return_acceptance`` is True.

    See Also
    --------
    metropolis_hastings : Random-walk proposals; more robust to a poor score far from data.
    langevin : The same proposal without the accept/reject correction.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.sampling import mala
    >>> score = lambda X: -X  # standard normal
    >>> X_init = np.zeros((1000, 2))
    >>> X, acc = mala(score, X_init, n_steps=200, burn_in=100, random_state=0,
    ...               return_acceptance=True)
    >>> X.shape  # acc: the fraction of accepted proposals, adapted toward 0.574
    (1000, 2)
    """
    return _sample(
        score_fn,
        X_init,
        _langevin_kernel,
        n_steps=n_steps,
        burn_in=burn_in,
        step_size=step_size,
        initial_step_size=initial_step_size,
        target_acceptance=target_acceptance,
        n_path_points=n_path_points,
        random_state=random_state,
        return_acceptance=return_acceptance,
        verbose=verbose,
    )


@overload
def langevin(
    score_fn: FieldLike,
    X_init: ArrayLike,
    *,
    n_steps: int = ...,
    burn_in: int = ...,
    step_size: Literal["auto"] | float = ...,
    initial_step_size: float | None = ...,
    target_acceptance: float = ...,
    n_path_points: int = ...,
    random_state: int | np.random.RandomState | None = ...,
    return_acceptance: Literal[False] = ...,
    verbose: int = ...,
) -> np.ndarray: ...
@overload
def langevin(
    score_fn: FieldLike,
    X_init: ArrayLike,
    *,
    n_steps: int = ...,
    burn_in: int = ...,
    step_size: Literal["auto"] | float = ...,
    initial_step_size: float | None = ...,
    target_acceptance: float = ...,
    n_path_points: int = ...,
    random_state: int | np.random.RandomState | None = ...,
    return_acceptance: Literal[True],
    verbose: int = ...,
) -> tuple[np.ndarray, float]: ...
@overload
def langevin(
    score_fn: FieldLike,
    X_init: ArrayLike,
    *,
    n_steps: int = ...,
    burn_in: int = ...,
    step_size: Literal["auto"] | float = ...,
    initial_step_size: float | None = ...,
    target_acceptance: float = ...,
    n_path_points: int = ...,
    random_state: int | np.random.RandomState | None = ...,
    return_acceptance: bool,
    verbose: int = ...,
) -> np.ndarray | tuple[np.ndarray, float]: ...


@validate_params(_SAMPLER_CONSTRAINTS, prefer_skip_nested_validation=True)
@fill_doc(params=_COMMON_PARAMS_DOC.replace("{target}", "0.95"))
def langevin(
    score_fn: FieldLike,
    X_init: ArrayLike,
    *,
    n_steps: int = 1000,
    burn_in: int = 200,
    step_size: Literal["auto"] | float = "auto",
    initial_step_size: float | None = None,
    target_acceptance: float = 0.95,
    n_path_points: int = 10,
    random_state: int | np.random.RandomState | None = None,
    return_acceptance: bool = False,
    verbose: int = 0,
) -> np.ndarray | tuple[np.ndarray, float]:
    """Unadjusted Langevin dynamics driven by a score function.

    After burn-in every chain moves ``x <- x + h^2 / 2 s(x) + h * eps``, ``eps ~ N(0, I)``,
    with no accept/reject step: one ``score_fn`` call per step on the ``n_chains`` new
    states. The stationary distribution is biased by ``O(h^2)`` and the chains can drift
    off the support where the score is poorly estimated; prefer :func:`mala` or
    :func:`metropolis_hastings` for learned scores.

    During burn-in the moves are Metropolis-adjusted exactly as in :func:`mala` (one
    call on ``n_chains * (n_path_points + 1)`` points per step): this measures the
    acceptance probability that ``"auto"`` adapts toward ``target_acceptance``, and keeps
    chains from diverging while the step is still too large. ``n_path_points`` is only
    used during burn-in.

    The default ``target_acceptance=0.95`` is deliberately higher than MALA's 0.574: the
    would-be MALA rejection rate measures the discretisation error that the unadjusted
    chain keeps. On a 2-D standard normal, the step tuned to 0.574 inflates the
    stationary variance by a factor 2.6, the step tuned to 0.95 by 1.16 (10-D: 1.46 and
    1.06).

    Parameters
    ----------
    {params}

    Returns
    -------
    X : ndarray of shape (n_chains, n_features)
        Final state of each chain (float64).
    acceptance : float
        Mean MALA acceptance probability over the second half of burn-in (the moves after
        burn-in are never rejected); 1.0 if ``burn_in=0``. Only returned if
        ``return_acceptance`` is True.

    See Also
    --------
    mala : The same proposal with the Metropolis-Hastings correction.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.sampling import langevin
    >>> score = lambda X: -X  # standard normal
    >>> X_init = np.zeros((1000, 2))
    >>> X = langevin(score, X_init, n_steps=200, burn_in=100, random_state=0)
    >>> X.shape
    (1000, 2)
    """
    return _sample(
        score_fn,
        X_init,
        _langevin_kernel,
        n_steps=n_steps,
        burn_in=burn_in,
        step_size=step_size,
        initial_step_size=initial_step_size,
        target_acceptance=target_acceptance,
        n_path_points=n_path_points,
        random_state=random_state,
        return_acceptance=return_acceptance,
        verbose=verbose,
        adjust_after_burn_in=False,
    )
