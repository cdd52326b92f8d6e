"""Normalised log-likelihoods of the noise-conditional model: flow ODE and heat equation."""

import math

import torch
from numpy.polynomial.legendre import leggauss

from skscore._core.autodiff import (
    hutchinson_generator,
    jacobian_trace_and_frobenius,
    trace_projections,
)

#: RK4 steps (in log sigma) of the probability-flow ODE behind ``score_samples``.
LIKELIHOOD_ODE_STEPS = 16


# =========================================================================================
# Maths helpers
# =========================================================================================


def _score_and_divergence(module, x, sigma, n_projections=None, generator=None):
    """Score ``s(x, sigma)`` and its divergence ``tr(ds/dx)`` (the Laplacian of log p_sigma):
    exact with d products (``n_projections=None``), else Hutchinson's estimate."""
    score, divergence, _ = jacobian_trace_and_frobenius(
        lambda z: module.score(z, sigma, create_graph=True),
        x,
        n_projections,
        generator=generator,
    )
    return score.detach(), divergence.detach()


def _rk4_step(rhs, x, u, h):
    """One classical Runge–Kutta step of ``dx/du = rhs(x, u)[0]`` from u to u + h, and the
    same step's integral of the quantity ``rhs(x, u)[1]`` carried along the trajectory."""
    k1, l1 = rhs(x, u)
    k2, l2 = rhs(x + 0.5 * h * k1, u + 0.5 * h)
    k3, l3 = rhs(x + 0.5 * h * k2, u + 0.5 * h)
    k4, l4 = rhs(x + h * k3, u + h)
    return x + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4), h / 6.0 * (l1 + 2.0 * l2 + 2.0 * l3 + l4)


def flow_log_likelihood(module, x, sigma_min, sigma_max, n_steps=LIKELIHOOD_ODE_STEPS):
    """``log p_sigma_min(x)`` by the probability-flow ODE (Song et al. 2021), shape (n,).

    In ``u = log sigma`` the flow that carries ``p_sigma`` along the noise levels is
    ``dx/du = -sigma^2 s(x, sigma)`` (the deterministic twin of adding Gaussian noise), and
    along a trajectory ``d log p_sigma(x(u)) / du = sigma^2 div s(x, sigma)`` (change of
    variables, Liouville). Starting at the data point at sigma_min and integrating to
    sigma_max with classical Runge–Kutta (``n_steps`` steps, log-likelihood carried along)::

        log p_sigma_min(x) = log N(x(sigma_max); m, C + sigma_max^2 I)
                             - int sigma^2 div s(x(u), sigma) du.

    The result is the log-density of the model's own transport of the Gaussian limit: it
    integrates to one by construction, whatever the score's errors, up to the solver's error.
    The divergence is exact up to 64 features, a fixed-seed Hutchinson estimate above.
    """
    generator = hutchinson_generator(x.device)
    n_projections = trace_projections(x.shape[1])
    u0, u1 = math.log(sigma_min), math.log(sigma_max)
    h = (u1 - u0) / n_steps

    def rhs(x_u, u):
        sigma = math.exp(u)
        s, div = _score_and_divergence(module, x_u, sigma, n_projections, generator)
        return -(sigma**2) * s, sigma**2 * div

    integral = torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)
    for step in range(n_steps):
        x, increment = _rk4_step(rhs, x, u0 + step * h, h)
        integral = integral + increment
    return module.gaussian_log_prob(x, sigma_max) - integral


def heat_log_likelihood(module, x, sigma_min, sigma_max, n_levels=64):
    """``log p_sigma_min(x)`` by the heat equation at fixed x, shape (n,).

    ``p_t = p * N(0, t I)`` solves ``∂p_t/∂t = Δp_t / 2``, so with ``t = sigma^2`` and
    ``u = log sigma``: ``∂ log p_sigma(x) / ∂u = sigma^2 (div s + |s|^2)``. Integrating from
    the Gaussian limit at sigma_max down to sigma_min at the same x (Gauss–Legendre,
    ``n_levels`` nodes)::

        log p_sigma_min(x) = log N(x; m, C + sigma_max^2 I)
                             - int sigma^2 (div s(x, sigma) + |s(x, sigma)|^2) du.

    Exact for the true family of scores, but a learned family is not a solution of the heat
    equation, so the result is not a normalised density (kept for comparison; see
    :meth:`NoiseConditionalScoreEstimator.score_samples`).
    """
    generator = hutchinson_generator(x.device)
    n_projections = trace_projections(x.shape[1])
    u0, u1 = math.log(sigma_min), math.log(sigma_max)
    nodes, weights = leggauss(n_levels)
    integral = torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)
    for t, w in zip(nodes, weights, strict=True):
        sigma = math.exp(u0 + 0.5 * (t + 1.0) * (u1 - u0))
        s, div = _score_and_divergence(module, x, sigma, n_projections, generator)
        integral = integral + 0.5 * w * (u1 - u0) * sigma**2 * (div + (s**2).sum(1))
    return module.gaussian_log_prob(x, sigma_max) - integral
