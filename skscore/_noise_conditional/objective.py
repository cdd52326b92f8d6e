"""The multi-scale denoising loss of the noise-conditional model (sigma^2-weighted)."""

import math

import torch

from skscore._core.objective import Objective


class NoiseConditionalDenoisingLoss(Objective):
    """Denoising score matching over a continuum of noise levels (likelihood weighting).

    Each row gets its own noise level, ``log sigma ~ Uniform(log sigma_min, log sigma_max)``
    (stratified within the batch: one level per stratum, in random order), and noise
    ``eps ~ N(0, I)``; the loss of the row is ``||sigma s(x + sigma eps, sigma) + eps||^2``, the
    DAE loss of thesis eq. 3.2 divided by sigma^2 (the optimum is thesis eq. 3.19:
    ``s = grad log p_sigma``). The weight sigma^2 of the score error makes every level count
    the same (Song & Ermon 2019) and, with log-uniform levels, is the likelihood weighting of
    Song et al. (2021): the loss bounds ``KL(p_sigma_min || model)`` up to a constant. Each
    row is used twice, with ``eps`` and ``-eps`` (antithetic pairs).

    Parameters
    ----------
    sigma_min, sigma_max : float
        Range of the noise level, in data units.

    Examples
    --------
    The untrained module is the Gaussian limit; on standard normal data its loss is the
    closed form ``E ||eps - sigma (x + sigma eps) / (1 + sigma^2)||^2 = d / (1 + sigma^2)``
    averaged over the levels:

    >>> import math, torch
    >>> from skscore._noise_conditional.nn import NoiseConditionalField
    >>> from skscore._noise_conditional.objective import NoiseConditionalDenoisingLoss
    >>> module = NoiseConditionalField(
    ...     2, (8,), "silu", "energy", [0, 0], [1, 1], [0, 0], torch.eye(2), [1, 1], 0.1, 10.0
    ... )
    >>> X = torch.randn(40000, 2, generator=torch.Generator().manual_seed(0))
    >>> loss = NoiseConditionalDenoisingLoss(0.1, 10.0)
    >>> value = loss(module, X, generator=torch.Generator().manual_seed(1)).item()
    >>> u = torch.linspace(math.log(0.1), math.log(10.0), 10001)
    >>> exact = (2 / (1 + torch.exp(2 * u))).mean().item()
    >>> abs(value - exact) < 0.02
    True
    """

    def __init__(self, sigma_min, sigma_max):
        super().__init__()
        self.sigma_min = float(sigma_min)
        self.sigma_max = float(sigma_max)

    def per_example(self, module, X, y=None, *, generator=None):
        dtype = next(module.parameters()).dtype
        X = X.to(dtype)
        n = X.shape[0]
        stratum = torch.randperm(n, generator=generator, device=X.device).to(dtype)
        u = (stratum + torch.rand(n, generator=generator, device=X.device, dtype=dtype)) / n
        log_min, log_max = math.log(self.sigma_min), math.log(self.sigma_max)
        sigma = torch.exp(log_min + u * (log_max - log_min))
        eps = torch.randn(X.shape, generator=generator, device=X.device, dtype=dtype)
        both = module(
            torch.cat([X + sigma[:, None] * eps, X - sigma[:, None] * eps]),
            torch.cat([sigma, sigma]),
        )
        plus, minus = both[:n], both[n:]
        return 0.5 * (((plus + eps) ** 2).sum(1) + ((minus - eps) ** 2).sum(1))
