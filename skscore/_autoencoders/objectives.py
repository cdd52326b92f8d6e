"""The denoising and contractive auto-encoder losses (thesis eqs. 3.3 and 3.4)."""

import torch

from skscore._core.autodiff import jacobian_trace_and_frobenius
from skscore._core.objective import Objective


class DenoisingLoss(Objective):
    """DAE objective divided by sigma^2 (thesis eq. 3.2).

    ``E ||r(x + sigma eps) - x||^2 / sigma^2 = E ||u(x + sigma eps) + eps||^2`` with
    ``u = (r - x) / sigma`` the module output: an O(1) target at every sigma.

    Examples
    --------
    The zero field (an untrained residual network) scores ``E ||eps||^2 = n_features``:

    >>> import torch
    >>> from skscore._autoencoders.nn import ReconstructionField
    >>> from skscore._autoencoders.objectives import DenoisingLoss
    >>> module = ReconstructionField(2, (8,), "tanh", 0.1, "residual", False, [0, 0], [1, 1])
    >>> X = torch.zeros(20000, 2)
    >>> loss = DenoisingLoss()(module, X, generator=torch.Generator().manual_seed(0))
    >>> round(loss.item(), 1)
    2.0
    """

    def per_example(self, module, X, y=None, *, generator=None):
        eps = torch.randn(X.shape, generator=generator, dtype=X.dtype, device=X.device)
        u = module(X + module.sigma * eps)
        return ((u + eps) ** 2).sum(dim=1)


class ContractiveLoss(Objective):
    """RCAE objective divided by sigma^2, up to the constant d (thesis eq. 3.6).

    With ``r(x) = x + sigma u(x)``: ``(||r - x||^2 + sigma^2 ||dr/dx||_F^2) / sigma^2
    = ||u||^2 + 2 sigma tr(du/dx) + sigma^2 ||du/dx||_F^2 + d``. Writing ``u = sigma s``
    this is ``sigma^2 (||s||^2 + 2 tr(ds/dx) + sigma^2 ||ds/dx||_F^2)``: twice Hyvärinen's
    score-matching loss plus a Jacobian penalty (sliced score matching with projections).

    Parameters
    ----------
    jacobian_penalty : {"hutchinson", "exact"}, default="hutchinson"
        Exact Jacobian, or an unbiased estimate from Rademacher projections.
    n_projections : int, default=1
        Projections per row for "hutchinson".

    Examples
    --------
    The zero field (an untrained residual network) scores exactly 0:

    >>> import torch
    >>> from skscore._autoencoders.nn import ReconstructionField
    >>> from skscore._autoencoders.objectives import ContractiveLoss
    >>> module = ReconstructionField(2, (8,), "tanh", 0.1, "residual", False, [0, 0], [1, 1])
    >>> ContractiveLoss("exact")(module, torch.randn(5, 2)).item()
    0.0
    """

    def __init__(self, jacobian_penalty="hutchinson", n_projections=1):
        super().__init__()
        self.jacobian_penalty = jacobian_penalty
        self.n_projections = n_projections

    def per_example(self, module, X, y=None, *, generator=None):
        n_projections = None if self.jacobian_penalty == "exact" else self.n_projections
        u, trace, frobenius = jacobian_trace_and_frobenius(
            module, X, n_projections, generator=generator, create_graph=True
        )
        sigma = module.sigma
        return (u**2).sum(-1) + 2 * sigma * trace + sigma**2 * frobenius
