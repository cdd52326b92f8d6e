"""Samplers of the noise-conditional model: annealed MALA and the probability-flow ODE."""

import math

import numpy as np
import torch

from skscore._noise_conditional.likelihood import _rk4_step
from skscore.sampling import (
    _adaptation_error,
    _integrate,
    _langevin_log_q_ratio,
    _path_points,
    _quadrature,
)

#: Annealed MALA: acceptance rate targeted by the step adaptation, and its gain.
TARGET_ACCEPTANCE = 0.6
ADAPTATION_GAIN = 0.5


def _mh_log_ratio(module, x, x_new, energy, energy_new, sigma, n_path_points):
    """``log p_sigma(x_new) - log p_sigma(x)``: exact energy difference for the energy
    parametrisation, else the path integral of the score along the segment (thesis eq.
    3.13, Gauss–Legendre nodes)."""
    if energy is not None:
        return energy - energy_new
    t, w = (torch.as_tensor(a, dtype=x.dtype, device=x.device) for a in _quadrature(n_path_points))
    delta = x_new - x
    return _integrate(module.score(_path_points(x, delta, t), sigma), delta, w)


def annealed_mala(
    module,
    n_chains,
    sigmas,
    n_steps,
    generator,
    *,
    n_path_points=8,
    target_acceptance=TARGET_ACCEPTANCE,
    progress=None,
):
    """Annealed Metropolis-adjusted Langevin chains down the noise ladder ``sigmas``.

    Chains start from the Gaussian limit ``N(m, C + sigmas[0]^2 I)``. Between two levels a
    Heun step of the probability-flow ODE (the predictor) carries them from ``p_sigma_i`` toward
    ``p_sigma_i+1``; at each level they then make ``n_steps`` MALA moves (the corrector)
    targeting the model's ``p_sigma``: proposal ``x* = x + h^2 / 2 s(x) + h eps`` and acceptance
    ``min(1, p(x*) q(x | x*) / (p(x) q(x* | x)))``, so each move leaves that level's model
    density invariant. The step is ``h = c sigma``, one ``c`` shared by the chains, adapted
    after every move toward ``target_acceptance`` (a Robbins–Monro step on ``log c``) and
    carried from level to level. Returns the final states and the mean acceptance probability.
    """
    x = module.gaussian_sample(n_chains, float(sigmas[0]), generator)
    d = x.shape[1]
    is_energy = module.parametrization == "energy"
    log_c = math.log(1.6 * d ** (-1.0 / 3.0))
    acceptance = []

    def evaluate(x_eval, sigma):
        if is_energy:
            return module.energy_and_score(x_eval, sigma)
        return None, module.score(x_eval, sigma)

    previous, s = None, None
    for sigma in sigmas:
        sigma = float(sigma)
        if previous is not None:
            # Heun step of dx/du = -sigma^2 s(x, sigma), u = log sigma, from previous to sigma
            h = math.log(sigma) - math.log(previous)
            drift = -(previous**2) * s
            x_euler = x + h * drift
            _, s_euler = evaluate(x_euler, sigma)
            x = x + 0.5 * h * (drift - sigma**2 * s_euler)
        energy, s = evaluate(x, sigma)
        for _ in range(n_steps):
            h = math.exp(log_c) * sigma
            noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
            delta = 0.5 * h * h * s + h * noise
            x_new = x + delta
            energy_new, s_new = evaluate(x_new, sigma)
            log_ratio = _mh_log_ratio(module, x, x_new, energy, energy_new, sigma, n_path_points)
            log_alpha = log_ratio + _langevin_log_q_ratio(noise, delta, s_new, h)
            log_alpha = torch.nan_to_num(log_alpha, nan=-math.inf)
            uniform = torch.rand(x.shape[0], generator=generator, device=x.device)
            accept = torch.log(uniform).to(x.dtype) < log_alpha
            x = torch.where(accept[:, None], x_new, x)
            s = torch.where(accept[:, None], s_new, s)
            if is_energy:
                energy = torch.where(accept, energy_new, energy)
            mean_prob = float(torch.exp(torch.clamp(log_alpha, max=0.0)).mean())
            acceptance.append(mean_prob)
            log_c += ADAPTATION_GAIN * _adaptation_error(mean_prob, target_acceptance)
        previous = sigma
        if progress is not None:
            progress.update(1)
    return x, float(np.mean(acceptance)) if acceptance else 1.0


def flow_samples(module, n_chains, sigmas, generator, progress=None):
    """Probability-flow ODE samples: Gaussian-limit draws at ``sigmas[0]`` carried to
    ``sigmas[-1]`` by ``dx/du = -sigma^2 s(x, sigma)`` (RK4 in ``u = log sigma``)."""
    x = module.gaussian_sample(n_chains, float(sigmas[0]), generator)
    u = np.log(np.asarray(sigmas, dtype=np.float64))

    def rhs(x_u, u_value):
        sigma = math.exp(u_value)
        return -(sigma**2) * module.score(x_u, sigma), 0.0

    for u0, u1 in zip(u[:-1], u[1:], strict=True):
        x, _ = _rk4_step(rhs, x, float(u0), float(u1 - u0))
        if progress is not None:
            progress.update(1)
    return x
