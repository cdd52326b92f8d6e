"""Reconstruction contractive auto-encoder (thesis eq. 3.6, Theorem 2)."""

from __future__ import annotations

import numbers
from typing import Any

from sklearn.utils._param_validation import Interval, StrOptions

from skscore._autoencoders.base import BaseScoreAutoEncoder
from skscore._autoencoders.objectives import ContractiveLoss
from skscore._core.docstrings import fill_doc, shared_parameter_docs
from skscore._core.types import (
    Callbacks,
    Device,
    HiddenLayerSizes,
    LRSchedule,
    Optimizer,
    RandomState,
)


@fill_doc(shared_parameters=shared_parameter_docs())
class RCAE(BaseScoreAutoEncoder):
    """Reconstruction contractive auto-encoder: learns the score of p at small sigma.

    Minimises ``||r(x) - x||^2 + sigma^2 ||dr/dx||_F^2`` (thesis eq. 3.6), the analytic small-noise
    version of the denoising criterion (Proposition 1). Its optimum is ``r(x) = x + sigma^2
    ∇ log p(x) + o(sigma^2)`` (Theorem 2). With ``r = x + sigma^2 s`` the loss divided by
    ``sigma^4`` is, up to a constant, ``||s||^2 + 2 tr(ds/dx) + sigma^2 ||ds/dx||_F^2``:
    Hyvärinen score matching plus a Jacobian penalty; with Hutchinson projections it is sliced
    score matching. Unlike the DAE it has no noise in the gradient, so it estimates the score of p
    itself (not of p smoothed) at small sigma.

    Parameters
    ----------
    sigma : float or "auto", default="auto"
        Weight of the contraction penalty, as a length in data units (penalty ``sigma^2``);
        the value used is ``sigma_``. "auto" derives it from the data: ``1.5 * scale /
        n_features``, where ``scale`` is the median distance from a row to its 10th nearest
        distinct row (among up to 1000 rows chosen with a fixed seed) divided by
        ``sqrt(2 * n_features)``, about the local width of data blurred by Gaussian noise.
        In 10 to 50 dimensions the error falls as sigma shrinks (the penalty only regularises
        there), in 2-D it rises below about a quarter of the local width; the user guide gives
        the measurements behind the rule.
    parametrization : {"energy", "residual", "autoencoder"}, default="energy"
        "energy": a scalar network ``E(x)`` with score ``-∇E`` (exactly conservative;
        ``score_samples`` and ``energy_difference`` in closed form, consistent with each other
        and path-independent); needs a smooth ``activation`` (with "relu" the trace term of the
        loss vanishes). "residual": ``r(x) = x + sigma * f(x)`` with ``f`` zero-initialised:
        one forward pass per score and a training step about 1.6 times cheaper, but not a
        gradient field, so ``score_samples`` and ``energy_difference`` are straight-path
        integrals of it, wrong across holes and gaps in the data. "autoencoder": ``r`` is the
        MLP itself. As for :class:`DenoisingAEScoreEstimator`, "energy" is the default: on
        densities with holes (a ring, eight beads, the spiral, a 10-D closed curve; 3 seeds)
        its energy differences between held-out points correlated with the exact ones at
        0.69-0.98 against 0.08-0.90, ``score_samples`` with the exact log-density at 0.69-0.98
        against 0.06-0.86, with a score error as low or lower. Use "residual" when only the
        score is needed and training time counts, or with a relu network.
    jacobian_penalty : {"hutchinson", "exact"}, default="hutchinson"
        "exact": the full Jacobian (about d times the cost of a DAE step); "hutchinson": an
        unbiased estimate from ``n_projections`` Rademacher vectors per example.
    n_projections : int, default=1
        Random projections per example for "hutchinson".
    {shared_parameters}

    Attributes
    ----------
    sigma_ : float
        The penalty length used: ``sigma``, or the value ``sigma="auto"`` derived from the data.
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
    DenoisingAEScoreEstimator : same methods, estimates the score of p smoothed by the noise.

    Examples
    --------
    >>> from skscore import RCAE
    >>> from skscore.datasets import make_spiral
    >>> X = make_spiral(500, noise=0.01, random_state=0)
    >>> rcae = RCAE(sigma=0.02, hidden_layer_sizes=(32, 32), max_epochs=5,
    ...             random_state=0).fit(X)
    >>> rcae.grad_log_density(X[:3]).shape
    (3, 2)

    The default ``sigma="auto"`` is smaller than the DAE's (a penalty length, not a noise level):

    >>> round(RCAE(hidden_layer_sizes=(32, 32), max_epochs=5, random_state=0).fit(X).sigma_, 4)
    0.0107
    """

    _parameter_constraints = {
        **BaseScoreAutoEncoder._parameter_constraints,
        "jacobian_penalty": [StrOptions({"exact", "hutchinson"})],
        "n_projections": [Interval(numbers.Integral, 1, None, closed="left")],
    }
    _criterion_class = ContractiveLoss
    # sigma="auto": measured on the spiral (2-D), closed curve (10-D, 50-D) and random mixture
    # (50-D) densities of the benchmarks, 10,000 rows (benchmarks/results/defaults.md)
    _auto_sigma_factor = 1.5
    _auto_sigma_exponent = 1.0

    def __init__(
        self,
        sigma: float | str = "auto",
        *,
        parametrization: str = "energy",
        jacobian_penalty: str = "hutchinson",
        n_projections: int = 1,
        hidden_layer_sizes: HiddenLayerSizes = (256, 256),
        activation: str = "tanh",
        standardize: bool = True,
        max_epochs: int = 100,
        batch_size: int = 256,
        lr: float = 1e-3,
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
        self.jacobian_penalty = jacobian_penalty
        self.n_projections = n_projections
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

    def _criterion_params(self, X, y):
        return {"jacobian_penalty": self.jacobian_penalty, "n_projections": self.n_projections}
