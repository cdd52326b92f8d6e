"""The GSN walkback objective: reconstruction log-likelihood along sampled chains (thesis ch. 5)."""

import math

import torch
from torch.nn import functional as F

from skscore._core.objective import Objective


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


def binarize_grey(module, x, generator=None):
    """``x`` with entries strictly inside (0, 1) replaced by Bernoulli draws, for a Bernoulli
    reconstruction.

    The chain of a Bernoulli GSN moves between bits (each state is drawn from the
    reconstruction), so grey training images (pixel intensities in [0, 1]) enter the first
    step as bits drawn with their intensities as probabilities: the network then sees at
    training time the kind of input it sees along the chain, while the target stays the grey
    image. Bits pass unchanged and draw no random numbers (binary data train as before).
    """
    if module.reconstruction != "bernoulli":
        return x
    grey = (x > 0) & (x < 1)
    if not bool(grey.any()):
        return x
    u = torch.rand(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    return torch.where(grey, (u < x).to(x.dtype), x)


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
    >>> from skscore._gsn.nn import GSNModule
    >>> from skscore._gsn.objective import GSNLoss
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
        x = binarize_grey(module, target, generator)
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
