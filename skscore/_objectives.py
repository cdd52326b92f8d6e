"""Training objectives of every estimator: the one home of skscore's losses.

An objective is a function of the module and the raw batch, not of a prediction: corruption
noise, Jacobian penalties and walkback chains live here. Every objective provides

- ``per_example(module, X, y=None, *, generator=None)``: the loss of each row, shape (n,);
- ``forward(module, X, y=None, *, generator=None)``: their mean, the training loss.

Every random draw comes from ``generator`` (a ``torch.Generator`` on the batch's device), so a
fixed-seed generator gives a deterministic loss and torch's global RNG is never used.
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

from ._autodiff import jacobian_trace_and_frobenius


class Objective(nn.Module):
    """Base class: the loss is the mean of :meth:`per_example`."""

    def per_example(self, module, X, y=None, *, generator=None):
        """Loss of each row of the batch, shape (n,)."""
        raise TypeError(f"{type(self).__name__} must define per_example")

    def forward(self, module, X, y=None, *, generator=None):
        return self.per_example(module, X, y, generator=generator).mean()


class DenoisingLoss(Objective):
    """DAE objective divided by sigma^2 (thesis eq. 3.2).

    ``E ||r(x + sigma eps) - x||^2 / sigma^2 = E ||u(x + sigma eps) + eps||^2`` with
    ``u = (r - x) / sigma`` the module output: an O(1) target at every sigma.

    Examples
    --------
    The zero field (an untrained residual network) scores ``E ||eps||^2 = n_features``:

    >>> import torch
    >>> from skscore._nn import ReconstructionField
    >>> from skscore._objectives import DenoisingLoss
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
    >>> from skscore._nn import ReconstructionField
    >>> from skscore._objectives import ContractiveLoss
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


def geometric_lengths(n, p, max_steps, like, generator=None):
    """Walkback lengths ``k ~ Geometric(p)`` on {1, 2, ...}, truncated at ``max_steps``."""
    if p >= 1.0:
        return torch.ones(n, dtype=torch.long, device=like.device)
    u = torch.rand((n,), generator=generator, device=like.device, dtype=like.dtype)
    u = u.clamp_min(torch.finfo(like.dtype).tiny)
    k = torch.floor(torch.log(u) / math.log1p(-p)).long() + 1
    return k.clamp(1, max_steps)


def max_walkback_steps(p, tail=1e-3):
    """Smallest k with P(Geometric(p) > k) <= tail."""
    if p >= 1.0:
        return 1
    return max(1, math.ceil(math.log(tail) / math.log1p(-p)))


class GSNLoss(Objective):
    """Walkback training objective of a GSN (thesis eq. 5.3 and section 5.5.2).

    From each training ``x_0`` the chain is unrolled for ``k`` steps (``k ~ Geometric(p)``,
    a fixed int, or 1 for plain denoising); every step's reconstruction distribution is
    trained to give high likelihood to ``x_0``. The loss of a row is the sum over its steps of
    ``-log P(x_0 | h_t)``. Visible samples are not back-propagated through; hidden states are
    (reparametrised noise). Each step computes only the rows still walking back.

    NaN entries of ``X`` are missing values: they start at the module's ``fill_values`` (the
    column means of the observed training entries), are resampled by the chain while the
    observed entries are clamped to ``x_0`` after every step (thesis 5.3.6), and do not count
    in the loss: a row's loss is ``-log`` of the likelihood of its observed entries.

    Parameters
    ----------
    walkback : "geometric" or int, default="geometric"
        Number of unrolled steps per row.
    walkback_p : float, default=0.5
        Parameter of the geometric lengths.
    max_steps : int, default=10
        Truncation of the geometric lengths.

    Examples
    --------
    A missing entry neither counts in the loss nor changes the loss of the observed ones
    (one step, so the chain never resamples it; the network sees the fill value):

    >>> import torch
    >>> from skscore._nn import GSNModule
    >>> from skscore._objectives import GSNLoss
    >>> module = GSNModule(3, (8,), "tanh", "gaussian", 0.1, "gaussian", 0.0, 1, False,
    ...                    mean=[0.0, 0.0, 0.0], scale=[1.0, 1.0, 1.0],
    ...                    fill_values=[0.0, 0.5, 0.0])
    >>> loss = GSNLoss(walkback=0)
    >>> X = torch.tensor([[0.1, float("nan"), -0.2]])
    >>> X_filled = torch.tensor([[0.1, 0.5, -0.2]])
    >>> def per_entry(X):
    ...     generator = torch.Generator().manual_seed(0)
    ...     out, _ = module.step(module.corrupt(X, generator), module.init_hidden(1, X), generator)
    ...     return module.recon_nll(X, out, 0, torch.tensor([[True, False, True]]))
    >>> masked = loss.per_example(module, X, generator=torch.Generator().manual_seed(0))
    >>> bool(torch.allclose(masked, per_entry(X_filled)))
    True
    """

    def __init__(self, walkback="geometric", walkback_p=0.5, max_steps=10):
        super().__init__()
        self.walkback = walkback
        self.walkback_p = walkback_p
        self.max_steps = max_steps

    def lengths(self, n, like, generator=None):
        """Number of unrolled steps of each row."""
        if self.walkback == "geometric":
            return geometric_lengths(n, self.walkback_p, self.max_steps, like, generator)
        steps = max(int(self.walkback), 1)
        return torch.full((n,), steps, dtype=torch.long, device=like.device)

    def per_example(self, module, X, y=None, *, generator=None):
        n = len(X)
        observed = ~torch.isnan(X)
        if bool(observed.all()):
            observed = None
        else:
            X = module.fill_missing(X, observed)
        # rows sorted by decreasing length: those still walking back at step t are a prefix
        lengths, order = torch.sort(self.lengths(n, X, generator), descending=True, stable=True)
        at_least = torch.bincount(lengths.cpu()).flip(0).cumsum(0).flip(0)  # [k]: >= k steps
        n_active = at_least[1:].tolist()  # [t]: rows with more than t steps
        target = X[order]
        observed = None if observed is None else observed[order]
        # H_0 = 0, as in the thesis experiments (5.5.2); a clamped burn-in approximating
        # P(H_0 | X_0) = P(H_1 | X_0) of Theorem 3 gave worse samples (measured)
        hidden = module.init_hidden(n, X)
        x = target
        losses = []
        for t, m in enumerate(n_active):
            if m < len(x):
                x, target, hidden = x[:m], target[:m], [h[:m] for h in hidden]
                observed = None if observed is None else observed[:m]
            out, hidden = module.step(module.corrupt(x, generator), hidden, generator)
            nll = module.recon_nll(target, out, t, observed)
            losses.append(nll if m == n else F.pad(nll, (0, n - m)))
            if t + 1 < len(n_active):
                with torch.no_grad():
                    x = module.recon_sample(out, generator, t)
                    if observed is not None:
                        x = torch.where(observed, target, x)
        total = torch.stack(losses).sum(dim=0)
        return total[torch.argsort(order)]


class ConservativeFieldLoss(Objective):
    """Squared error of the field (or of the potential), divided by ``normalizer``.

    With field targets ``Y`` the loss is ``E ||G(X) - Y||^2 / E ||Y||^2`` in data units: a
    constant normaliser, so its minimiser is the least-squares projection of the field onto
    the model's gradient fields (Im et al., "Decomposing the vector field"). With potential
    targets it is ``E (Phi(X) - y)^2 / Var(y)``.

    Parameters
    ----------
    target_type : {"field", "potential"}
        What ``y`` holds.
    normalizer : float
        ``E ||Y||^2`` (field) or ``Var(y)`` (potential).
    """

    def __init__(self, target_type, normalizer):
        super().__init__()
        self.target_type = target_type
        self.normalizer = float(normalizer)

    def per_example(self, module, X, y=None, *, generator=None):
        if self.target_type == "field":
            return ((module(X) - y) ** 2).sum(dim=1) / self.normalizer
        return (module.potential(X) - y) ** 2 / self.normalizer


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
    >>> from skscore._nn import NoiseConditionalField
    >>> from skscore._objectives import NoiseConditionalDenoisingLoss
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
