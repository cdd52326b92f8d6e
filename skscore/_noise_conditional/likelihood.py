"""Normalised log-likelihoods of the noise-conditional model: flow ODE and heat equation."""

import math

import torch
from numpy.polynomial.legendre import leggauss

from skscore._core.numerics import LOG_2PI

#: RK4 steps of the probability-flow ODE behind ``score_samples``: this many per unit of
#: log sigma, at least LIKELIHOOD_MIN_STEPS. With the Gaussian limit's part integrated
#: exactly, trained models from 2-D to 20-D (log sigma ranges 4.4-4.9) are then within
#: 0.0002-0.005 nats per point of a converged solve, and digits (64-D, range 7.3, 12 steps)
#: within 0.0075 (8 steps: 0.035; 6 steps: up to 0.08).
LIKELIHOOD_STEPS_PER_LOG_SIGMA = 1.6
LIKELIHOOD_MIN_STEPS = 8


def likelihood_ode_steps(sigma_min, sigma_max):
    """The default number of RK4 steps from sigma_min to sigma_max."""
    span = math.log(sigma_max / sigma_min)
    return max(LIKELIHOOD_MIN_STEPS, math.ceil(LIKELIHOOD_STEPS_PER_LOG_SIGMA * span))


def _score_and_divergence(module, x, sigma):
    """Score ``s(x, sigma)`` and its divergence (the Laplacian of ``log p_sigma``): the
    network's part plus the Gaussian limit's closed form."""
    score, divergence = module.network_score_and_divergence(x, sigma)
    return (
        score + module.gaussian_score(x, sigma),
        divergence + module.gaussian_divergence(x, sigma),
    )


def _rk4_step(rhs, x, u, h):
    """One classical Runge–Kutta step of ``dx/du = rhs(x, u)[0]`` from u to u + h, and the
    same step's integral of the quantity ``rhs(x, u)[1]`` carried along the trajectory."""
    k1, l1 = rhs(x, u)
    k2, l2 = rhs(x + 0.5 * h * k1, u + 0.5 * h)
    k3, l3 = rhs(x + 0.5 * h * k2, u + 0.5 * h)
    k4, l4 = rhs(x + h * k3, u + h)
    return x + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4), h / 6.0 * (l1 + 2.0 * l2 + 2.0 * l3 + l4)


def flow_log_likelihood(module, x, sigma_min, sigma_max, n_steps=None):
    """``log p_sigma_min(x)`` by the probability-flow ODE (Song et al. 2021), shape (n,).

    In ``u = log sigma`` the flow that carries ``p_sigma`` along the noise levels is
    ``dx/du = -sigma^2 s(x, sigma)`` (the deterministic twin of adding Gaussian noise), and
    along a trajectory ``d log p_sigma(x(u)) / du = sigma^2 div s(x, sigma)`` (change of
    variables, Liouville); at sigma_max the density is the Gaussian limit
    ``N(m, C + sigma_max^2 I)``.

    The Gaussian limit's part is integrated exactly. With ``C = B diag(v) B^T``, its flow
    leaves ``xi = diag(v + sigma^2)^{-1/2} B^T (x - m)`` unchanged, and its divergence
    integrates to ``-sum_k log((v_k + sigma_max^2) / (v_k + sigma_min^2)) / 2``. So the
    solver (classical Runge–Kutta in u) follows ``xi``, which moves only
    with the network's part ``s_N`` of the score, ``dxi/du = -sigma^2 diag(v +
    sigma^2)^{-1/2} B^T s_N``, and integrates only ``sigma^2 div s_N``::

        log p_sigma_min(x) = -|xi(sigma_max)|^2 / 2 - sum_k log(2 pi (v_k + sigma_min^2)) / 2
                             - int sigma^2 div s_N(x(u), sigma) du.

    An untrained network (``s_N = 0``) gives the Gaussian limit exactly at any step count,
    and the small smooth remainder is what the few steps have to resolve. The result is the
    log-density of the model's own transport of the Gaussian limit: it integrates to one by
    construction, whatever the score's errors, up to the solver's error (``n_steps=None``:
    :func:`likelihood_ode_steps`).
    """
    if n_steps is None:
        n_steps = likelihood_ode_steps(sigma_min, sigma_max)
    u0, u1 = math.log(sigma_min), math.log(sigma_max)
    h = (u1 - u0) / n_steps

    def std(u):
        return torch.sqrt(module.variances + math.exp(2.0 * u))

    def to_data(xi, u):
        return module.data_mean + (xi * std(u)) @ module.basis.T

    def rhs(xi, u):
        sigma = math.exp(u)
        s_network, div_network = module.network_score_and_divergence(to_data(xi, u), sigma)
        return -(sigma**2) * (s_network @ module.basis) / std(u), sigma**2 * div_network

    xi = ((x - module.data_mean) @ module.basis) / std(u0)
    integral = torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)
    for step in range(n_steps):
        xi, increment = _rk4_step(rhs, xi, u0 + step * h, h)
        integral = integral + increment
    log_normaliser = 0.5 * (torch.log(std(u0) ** 2).sum() + x.shape[1] * LOG_2PI)
    return -0.5 * (xi**2).sum(1) - log_normaliser - integral


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
    u0, u1 = math.log(sigma_min), math.log(sigma_max)
    nodes, weights = leggauss(n_levels)
    integral = torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)
    for t, w in zip(nodes, weights, strict=True):
        sigma = math.exp(u0 + 0.5 * (t + 1.0) * (u1 - u0))
        s, div = _score_and_divergence(module, x, sigma)
        integral = integral + 0.5 * w * (u1 - u0) * sigma**2 * (div + (s**2).sum(1))
    return module.gaussian_log_prob(x, sigma_max) - integral
