"""Denoising auto-encoder as a score estimator (thesis chapter 3, Theorem 1)."""

from __future__ import annotations

from typing import Any

from skscore._autoencoders.base import BaseScoreAutoEncoder
from skscore._autoencoders.objectives import DenoisingLoss
from skscore._core.docstrings import fill_doc, shared_parameter_docs
from skscore._core.types import (
    Callbacks,
    Device,
    HiddenLayerSizes,
    LRSchedule,
    Optimizer,
    RandomState,
)

_LR_DOC = """\
lr : float, default=3e-3
    Learning rate (the initial one with a schedule). With the other defaults, 3e-3 trained
    the score better than 1e-3 on every benchmark density (see the user guide)."""


@fill_doc(shared_parameters=shared_parameter_docs(replace={"lr": _LR_DOC}))
class DenoisingAEScoreEstimator(BaseScoreAutoEncoder):
    """Denoising auto-encoder whose reconstruction estimates the score ∇ log p.

    Minimises ``E ||r(x + sigma * eps) - x||^2`` with fresh Gaussian noise every batch (thesis
    eq. 3.2). By Tweedie's formula the optimum is ``r(x) = x + sigma^2 ∇ log p_sigma(x)``, the
    score of the data density smoothed by ``N(0, sigma^2 I)``: accurate when sigma is about the
    data's local width, biased toward a blur as sigma grows. For the score of p itself at small
    sigma prefer :class:`RCAE`; for every noise level at once, and a normalised density,
    :class:`NoiseConditionalScoreEstimator`.

    Parameters
    ----------
    sigma : float or "auto", default="auto"
        Corruption noise standard deviation, in data units; the value used is ``sigma_``.
        "auto" derives it from the data: ``2.25 * scale / sqrt(n_features)``, where ``scale``
        is the median distance from a row to its 10th nearest distinct row (among up to 1000
        rows chosen with a fixed seed) divided by ``sqrt(2 * n_features)``, about the local
        width of data blurred by Gaussian noise. The corruption then moves a point about
        2.25 local widths whatever the dimension. On four benchmark densities (2-D to 50-D) it
        gave the lowest error of a grid from 1/4 to 4 times its value; for a particular data
        set, select a float sigma with ``GridSearchCV`` (``score`` compares sigmas).
    parametrization : {"energy", "residual", "autoencoder"}, default="energy"
        "energy": a scalar network ``E(x)`` with score ``-∇E`` (double backward in training;
        Im, Belghazi & Memisevic): the field is exactly conservative, ``score_samples`` is
        ``-E`` in closed form and ``energy_difference`` is exact and path-independent, so the
        two agree with each other and with the score. It needs a smooth ``activation`` (not
        "relu", whose ``-∇E`` is piecewise constant). "residual": ``r(x) = x + sigma * f(x)``
        with ``f`` an MLP whose linear output starts at zero; ``f`` learns minus the noise, an
        O(1) target at every sigma (same minimiser as the paper's loss, thesis 3.3.7). One
        forward pass gives the score, so a training step costs about 1.5 times less, but the
        field is not a gradient: ``score_samples`` and ``energy_difference`` are path integrals
        of it along straight lines, wrong where a line crosses a hole or a gap in the data
        (``score_samples`` starts at the training mean, which on a ring lies in the hole).
        "energy" is the default: on densities with holes (a ring, eight beads on a circle, the
        thesis spiral, a closed curve in 10-D; ``sigma="auto"``, 3 seeds) its energy
        differences between held-out points correlated with the exact ones at 0.79-0.95
        against 0.06-0.90 for "residual", ``score_samples`` with the exact log-density at
        0.79-0.95 against 0.10-0.85, and its score error was lower on all four. Only for pairs
        between the data and empty regions far from it did the residual's path integrals do
        as well or better, on the ring, the spiral and the curve (0.94-0.98 against
        0.86-0.97). A small budget on simple data favours
        "residual": the energy network needs more steps to shape a quadratic energy. Use
        "residual" when only the score is needed (``grad_log_density``,
        ``hessian_log_density``, ``sample``) and training time counts, with a relu network, or
        for the one-pass per-example gradient norms of :mod:`skscore.importance`.
        "autoencoder": ``r`` is the MLP itself (section 3.3.4), poorly conditioned at small
        sigma.
    tied_weights : bool, default=False
        One hidden layer ``W^T h(W x + b) + c``: a gradient field, so the score is conservative
        and ``score_samples`` has a closed form (activations "tanh", "sigmoid", "relu"). With
        "energy" or "residual" this field is the displacement ``(r(x) - x) / sigma``; with
        "autoencoder" it is ``r``.
    {shared_parameters}

    Attributes
    ----------
    sigma_ : float
        The noise level used: ``sigma``, or the value ``sigma="auto"`` derived from the data.
    net_ : skorch.NeuralNet
        The trained net; ``module_`` is its torch module and ``history_`` its history.
    device_ : str
        Resolved device.
    mean_, scale_ : ndarray of shape (n_features,)
        Internal standardisation.
    chain_starts_ : ndarray of shape (n_starts, n_features)
        Up to 1000 training rows where sampling chains start.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit (only with string column names).

    See Also
    --------
    RCAE : contractive auto-encoder, learns the score of p at small sigma.
    NoiseConditionalScoreEstimator : every noise level at once, normalised log-density.

    Examples
    --------
    >>> from skscore import DenoisingAEScoreEstimator
    >>> from skscore.datasets import make_spiral
    >>> X = make_spiral(500, noise=0.01, random_state=0)
    >>> dae = DenoisingAEScoreEstimator(sigma=0.05, hidden_layer_sizes=(32, 32),
    ...                                 max_epochs=5, random_state=0).fit(X)
    >>> dae.grad_log_density(X[:3]).shape
    (3, 2)
    >>> dae.sample(4, n_steps=20, burn_in=10, random_state=0).shape
    (4, 2)

    With the default ``sigma="auto"`` the noise level comes from the data, in its units:

    >>> dae = DenoisingAEScoreEstimator(hidden_layer_sizes=(32, 32), max_epochs=5,
    ...                                 random_state=0).fit(X)
    >>> round(dae.sigma_, 4)
    0.0228
    >>> dae10 = DenoisingAEScoreEstimator(hidden_layer_sizes=(32, 32), max_epochs=5,
    ...                                   random_state=0).fit(10 * X)
    >>> round(dae10.sigma_ / dae.sigma_, 6)
    10.0
    """

    _parameter_constraints = {
        **BaseScoreAutoEncoder._parameter_constraints,
        "tied_weights": ["boolean"],
    }
    _criterion_class = DenoisingLoss
    # sigma="auto": measured on the spiral (2-D), closed curve (10-D, 50-D) and random mixture
    # (50-D) densities of the benchmarks, 10,000 rows (benchmarks/results/defaults.md)
    _auto_sigma_factor = 2.25
    _auto_sigma_exponent = 0.5

    def __init__(
        self,
        sigma: float | str = "auto",
        *,
        parametrization: str = "energy",
        tied_weights: bool = False,
        hidden_layer_sizes: HiddenLayerSizes = (256, 256),
        activation: str = "tanh",
        standardize: bool = True,
        max_epochs: int = 100,
        batch_size: int = 256,
        lr: float = 3e-3,
        lr_schedule: LRSchedule = "cosine",
        optimizer: Optimizer = "adam",
        optimizer_params: dict[str, Any] | None = None,
        weight_decay: float = 0.0,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        tol: float = 1e-4,
        device: Device = "auto",
        callbacks: Callbacks = None,
        random_state: RandomState = None,
        verbose: int = 0,
    ) -> None:
        self.sigma = sigma
        self.parametrization = parametrization
        self.tied_weights = tied_weights
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.standardize = standardize
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.optimizer = optimizer
        self.optimizer_params = optimizer_params
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.device = device
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose
