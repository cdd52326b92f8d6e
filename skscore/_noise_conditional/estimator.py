"""NoiseConditionalScoreEstimator: one network for the score at every noise level."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
import torch
from sklearn.base import DensityMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _num_samples, check_is_fitted

from skscore import sampling
from skscore._core.autodiff import jacobian
from skscore._core.base import BaseNeuralEstimator
from skscore._core.docstrings import shared_parameter_docs
from skscore._core.numerics import neighbour_distance
from skscore._core.progress import Progress
from skscore._core.random import draw_seed
from skscore._core.types import (
    ArrayLike,
    Callbacks,
    Device,
    HiddenLayerSizes,
    LRSchedule,
    Optimizer,
    RandomState,
)
from skscore._core.validation import check_arguments
from skscore._noise_conditional.likelihood import LIKELIHOOD_MIN_STEPS, flow_log_likelihood
from skscore._noise_conditional.nn import NoiseConditionalField
from skscore._noise_conditional.objective import NoiseConditionalDenoisingLoss
from skscore._noise_conditional.sampler import annealed_mala, flow_samples

#: Chains run together in ``sample`` (more run in consecutive chunks).
SAMPLE_CHUNK_ROWS = 4096
#: ``hidden_layer_sizes="auto"``: the network of the first tier with fewer rows than its bound.
AUTO_NETWORKS = ((300, (64, 64)), (2000, (128, 128, 128)), (math.inf, (256, 256, 256, 256)))
#: ``max_epochs="auto"``: enough epochs for about this many optimizer steps per training row,
#: clipped to [AUTO_MIN_STEPS, AUTO_MAX_STEPS].
AUTO_STEPS_PER_ROW = 2
AUTO_MIN_STEPS = 2000
AUTO_MAX_STEPS = 4000
#: ``sigma_min="auto"``: the smaller of this many nearest-neighbour distances ...
SIGMA_MIN_NEIGHBOUR_FACTOR = 2.0
#: ... and this fraction of the standard deviation of the data's thinnest principal direction.
SIGMA_MIN_SCALE_FRACTION = 0.05
#: ``sigma_max="auto"``: this many times ``sqrt(trace(covariance))``.
SIGMA_MAX_FACTOR = 2.0
#: ``sigma_min="auto"`` selects among this many noise levels, log-spaced from the floor above
#: up to SIGMA_SELECTION_CEILING times the data's RMS standard deviation ...
SIGMA_SELECTION_LEVELS = 8
SIGMA_SELECTION_CEILING = 1.0
#: ... by the log-likelihood of held-out rows: this fraction of the training rows, at most
#: SELECTION_MAX_ROWS, and none when fewer than SELECTION_MIN_ROWS would be held out.
SELECTION_FRACTION = 0.2
SELECTION_MAX_ROWS = 300
SELECTION_MIN_ROWS = 10
#: Up to this many training rows the network is trained again on all of them after the
#: selection (the held-out rows are then more than a tenth of the data); the level stays.
REFIT_MAX_ROWS = 5000


_SIGMA = Interval(numbers.Real, 0, None, closed="neither")
#: Noise levels and data scales (in data units) whose squares float32 training holds.
FLOAT32_SCALE_RANGE = (1e-18, 1e18)


def _check_float32_scales(X, rms_std, sigma_min, sigma_max):
    """Name scale problems before training: the Gaussian limit and the noise levels are
    used in data units, squared, in float32 (``standardize`` does not change that)."""
    low, high = FLOAT32_SCALE_RANGE
    spread = float(np.max(np.abs(X - X.mean(axis=0)))) if X.size else 0.0
    if spread > 0 and not low <= rms_std <= high:
        raise ValueError(
            f"X's scale (RMS standard deviation {rms_std:.3g}) is outside [{low:g}, {high:g}], "
            "where the model's variances and noise levels fit float32 training: rescale X "
            "(e.g. divide it by its standard deviation) before fitting"
        )
    for name, value in (("sigma_min", sigma_min), ("sigma_max", sigma_max)):
        if not low <= value <= high:
            raise ValueError(
                f"{name}={value:.3g} is outside [{low:g}, {high:g}], the noise levels whose "
                f"squares float32 training holds (the data's RMS standard deviation is "
                f"{rms_std:.3g}): choose {name} on the data's scale, or leave it 'auto'"
            )


_SAMPLE_CONSTRAINTS = {
    "n_samples": [Interval(numbers.Integral, 1, None, closed="left")],
    "method": [StrOptions({"annealed", "ode"})],
    "n_levels": [Interval(numbers.Integral, 2, None, closed="left"), None],
    "n_steps": [Interval(numbers.Integral, 1, None, closed="left"), None],
    "n_path_points": [Interval(numbers.Integral, 1, None, closed="left")],
    "random_state": ["random_state"],
    "return_acceptance": ["boolean"],
}

_SHARED_DOCS = shared_parameter_docs(
    replace={
        "hidden_layer_sizes": """\
hidden_layer_sizes : tuple of int or "auto", default="auto"
    Widths of the hidden layers of the network; the widths used are
    ``hidden_layer_sizes_``. "auto": (64, 64) below 300 training rows, (128, 128, 128) below
    2,000, else (256, 256, 256, 256). Measured on real tables (five splits each) the smaller
    networks generalise better and fit 2-5x faster: wine (142 rows) -14.37 nats with 2 x 64,
    -15.0 with 3 x 128, -23.9 with 4 x 256; breast cancer (455 rows) +0.00 with 3 x 128 against
    -4.8 with 4 x 256 (three splits); on the 10,000-row spiral 4 x 256 is 0.06 nats per row
    better than 3 x 128 at the same step budget.""",
        "activation": """\
activation : {"tanh", "sigmoid", "relu", "silu", "softplus"}, default="silu"
    Hidden-unit non-linearity (a smooth one for "energy": training differentiates the
    score).""",
        "max_epochs": f"""\
max_epochs : int or "auto", default="auto"
    Passes over the training data; the number used is ``n_epochs_``. "auto" gives about
    {AUTO_STEPS_PER_ROW} optimizer steps per training row, at least {AUTO_MIN_STEPS} and at most
    {AUTO_MAX_STEPS}, so the cost of a fit is bounded however many rows there are (on the
    10,000-row spiral {AUTO_MAX_STEPS} steps reach within 0.011 nats of the held-out
    likelihood of 12,000 steps in a third of the time).""",
        "batch_size": """\
batch_size : int, default=128
    Training rows per mini-batch; each row is used twice, with noise ``eps`` and ``-eps``
    (antithetic pairs: the leading, zero-mean term of the noise in the gradient cancels).""",
    }
)


# =========================================================================================
# Estimator
# =========================================================================================


class NoiseConditionalScoreEstimator(DensityMixin, BaseNeuralEstimator):
    __doc__ = f"""Multi-scale score model with a normalised log-density and annealed sampling.

    One network conditioned on the noise level learns the score ``∇ log p_sigma`` of the data
    density smoothed by ``N(0, sigma^2 I)`` for every sigma in ``[sigma_min, sigma_max]``,
    trained with the denoising objective at every level (thesis eq. 3.2 and 3.19; Vincent
    2011; Song & Ermon 2019), each level weighted by sigma^2 so that every level counts (with
    log-uniform levels this is the likelihood weighting of Song et al. 2021). The family of
    smoothed scores gives what a single noise level cannot:

    - :meth:`score_samples`: the *normalised* log-density of ``p_sigma_min`` in nats (the
      probability-flow ODE from the Gaussian limit at sigma_max), comparable with
      :class:`~sklearn.neighbors.KernelDensity` and :class:`~sklearn.mixture.GaussianMixture`;
      :meth:`score` is its mean, so ``GridSearchCV`` ranks models by held-out likelihood;
    - :meth:`sample`: annealed Langevin chains with a Metropolis correction at each level,
      started from the Gaussian limit, that cross low-density gaps single-level chains cannot;
    - :meth:`grad_log_density`, :meth:`hessian_log_density`, :meth:`energy_difference` at
      sigma_min by default and at any sigma on request.

    Parameters
    ----------
    sigma_min : float or "auto", default="auto"
        Smallest noise level, in data units: the model's density is p smoothed at this level.
        "auto": selected by held-out likelihood, as KernelDensity's bandwidth is by
        cross-validation. The network is trained down to a floor, the smaller of
        {SIGMA_MIN_NEIGHBOUR_FACTOR:g} times the median nearest-neighbour distance of the training
        data (no finer structure is resolved by the data) and {SIGMA_MIN_SCALE_FRACTION:g} times
        the standard deviation of their thinnest principal direction, on all but
        {SELECTION_FRACTION:.0%} of the rows (at most {SELECTION_MAX_ROWS} held out); the level
        among {SIGMA_SELECTION_LEVELS} log-spaced ones from the floor to
        {SIGMA_SELECTION_CEILING:g} times the data's RMS standard deviation whose smoothed
        density gives the held-out rows the highest mean log-likelihood becomes ``sigma_min_``.
        Up to {REFIT_MAX_ROWS} rows the network is then trained again on all rows (about twice
        the fit time). The one network covers every level, so the search itself costs only
        the likelihoods. With fewer than {SELECTION_MIN_ROWS} rows to hold out, and in
        :meth:`partial_fit`, "auto" is the floor.
    sigma_max : float or "auto", default="auto"
        Largest noise level, where ``p_sigma`` is taken to be the Gaussian
        ``N(m, C + sigma_max^2 I)`` (m, C the data's mean and covariance). "auto":
        ``max({SIGMA_MAX_FACTOR:g} * sqrt(trace(C)), 10 * sigma_min_)``: {SIGMA_MAX_FACTOR:g}
        times ``sqrt(trace(C))`` (about 1.4 times the RMS distance between two training
        points), or ten times sigma_min where that is larger (a large sigma_min).
    parametrization : {{"energy", "residual"}}, default="energy"
        "energy": a scalar network ``E(x, sigma)`` whose negative gradient is the score
        (double backward in training, about 3 times the cost of a residual step): exactly
        conservative, so the Hessian is symmetric and the network's energy differences need
        no path. "residual": the network outputs the score directly (cheaper, not constrained
        to be a gradient).
    {_SHARED_DOCS}

    Attributes
    ----------
    sigma_min_, sigma_max_ : float
        Resolved noise range.
    n_epochs_ : int
        Resolved number of training epochs.
    hidden_layer_sizes_ : tuple of int
        Resolved hidden widths of the network.
    data_mean_ : ndarray of shape (n_features,)
        Mean of the training data (the Gaussian limit's).
    covariance_ : ndarray of shape (n_features, n_features)
        Covariance of the training data (the Gaussian limit's).
    net_ : skorch.NeuralNet
        The trained net; ``module_`` is its torch module and ``history_`` its history.
    device_ : str
        Resolved device.
    mean_, scale_ : ndarray of shape (n_features,)
        Internal standardisation.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit (only with string column names).

    See Also
    --------
    DenoisingAEScoreEstimator : the score at a single noise level.
    sklearn.neighbors.KernelDensity, sklearn.mixture.GaussianMixture : density estimators
        with the same ``score_samples`` / ``score`` / ``sample`` interface.

    References
    ----------
    P. Vincent, "A connection between score matching and denoising autoencoders", Neural
    Computation 23(7), 2011. Y. Song and S. Ermon, "Generative modeling by estimating gradients
    of the data distribution", NeurIPS 2019. Y. Song, J. Sohl-Dickstein, D. P. Kingma, A. Kumar,
    S. Ermon and B. Poole, "Score-based generative modeling through stochastic differential
    equations", ICLR 2021.

    Examples
    --------
    >>> from skscore import NoiseConditionalScoreEstimator
    >>> from skscore.datasets import RingDensity
    >>> ring = RingDensity(radius=1.0, width=0.1)
    >>> X = ring.sample(1000, random_state=0)
    >>> est = NoiseConditionalScoreEstimator(sigma_min=0.03, hidden_layer_sizes=(64, 64),
    ...                                      max_epochs=60, lr=3e-3, random_state=0).fit(X)
    >>> X_test = ring.sample(200, random_state=1)
    >>> log_p = est.score_samples(X_test)  # normalised log-density, in nats
    >>> log_p.shape, log_p.dtype
    ((200,), dtype('float64'))
    >>> est.grad_log_density(X_test).shape  # the score at the smallest noise level
    (200, 2)
    >>> est.sample(200, random_state=0).shape
    (200, 2)
    """

    _parameter_constraints = {
        **BaseNeuralEstimator._parameter_constraints,
        "sigma_min": [StrOptions({"auto"}), Interval(numbers.Real, 0, None, closed="neither")],
        "sigma_max": [StrOptions({"auto"}), Interval(numbers.Real, 0, None, closed="neither")],
        "parametrization": [StrOptions({"energy", "residual"})],
        "hidden_layer_sizes": [StrOptions({"auto"}), "array-like"],
        "max_epochs": [StrOptions({"auto"}), Interval(numbers.Integral, 1, None, closed="left")],
    }
    _module_class = NoiseConditionalField
    _criterion_class = NoiseConditionalDenoisingLoss
    _field_methods = ("grad_log_density", "hessian_log_density", "score_samples")
    _divergence_remedy = "lower `lr`, or keep `standardize=True`"

    def _fitted_attribute_spec(self):
        spec = {"data_mean_": "features", "covariance_": "square", "n_epochs_": "count"}
        spec |= {"hidden_layer_sizes_": "tuple?"}  # absent from format-1 files
        spec |= {"sigma_min_": ("positive", "sigma_max_"), "sigma_max_": "positive"}
        return {**super()._fitted_attribute_spec(), **spec}

    def __init__(
        self,
        sigma_min: float | str = "auto",
        sigma_max: float | str = "auto",
        *,
        parametrization: str = "energy",
        hidden_layer_sizes: HiddenLayerSizes = "auto",
        activation: str = "silu",
        standardize: bool = True,
        max_epochs: int | str = "auto",
        batch_size: int = 128,
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
        self.sigma_min = sigma_min
        self.sigma_max = sigma_max
        self.parametrization = parametrization
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

    # -- fitting ---------------------------------------------------------------------------
    def _check_params(self):
        super()._check_params()
        if (
            not isinstance(self.sigma_min, str)
            and not isinstance(self.sigma_max, str)
            and not self.sigma_min < self.sigma_max
        ):
            raise ValueError(
                f"sigma_min must be smaller than sigma_max, got sigma_min={self.sigma_min!r} "
                f"and sigma_max={self.sigma_max!r}"
            )

    def _prepare_fit(self, X, y):
        """The Gaussian limit, the noise range and the number of epochs, from the data."""
        X = np.asarray(X, dtype=np.float64)
        self.data_mean_ = X.mean(axis=0)
        self.covariance_ = np.atleast_2d(np.cov(X, rowvar=False, bias=True))
        self.sigma_min_, self.sigma_max_ = self._noise_range(X)
        if self.hidden_layer_sizes == "auto":
            self.hidden_layer_sizes_ = next(
                sizes for bound, sizes in AUTO_NETWORKS if len(X) < bound
            )
        else:
            self.hidden_layer_sizes_ = tuple(int(size) for size in self.hidden_layer_sizes)
        n_batches = math.ceil(len(X) / self.batch_size)
        if self.max_epochs == "auto":
            steps = min(max(AUTO_STEPS_PER_ROW * len(X), AUTO_MIN_STEPS), AUTO_MAX_STEPS)
            self.n_epochs_ = max(1, math.ceil(steps / n_batches))
        else:
            self.n_epochs_ = int(self.max_epochs)

    def _noise_range(self, X):
        variances, _ = self._principal_axes()
        rms_std = math.sqrt(float(variances.sum()) / X.shape[1])
        if rms_std <= 0:
            rms_std = 1.0  # constant data: any scale will do
        if self.sigma_min == "auto":
            # the thinnest principal direction of the data (ignoring exactly flat ones)
            principal = np.sqrt(variances)
            principal = principal[principal > 1e-6 * rms_std]
            thinnest = float(principal.min()) if principal.size else rms_std
            sigma_min = min(
                SIGMA_MIN_SCALE_FRACTION * thinnest,
                SIGMA_MIN_NEIGHBOUR_FACTOR * (neighbour_distance(X, 1, to_all_rows=True) or 1.0),
            )
        else:
            sigma_min = float(self.sigma_min)
        if self.sigma_max == "auto":
            sigma_max = max(SIGMA_MAX_FACTOR * math.sqrt(X.shape[1]) * rms_std, 10 * sigma_min)
        else:
            sigma_max = float(self.sigma_max)
        if not sigma_min < sigma_max:
            raise ValueError(
                f"sigma_min ({sigma_min:g}) must be smaller than sigma_max ({sigma_max:g}); "
                "set them explicitly"
            )
        _check_float32_scales(X, rms_std, sigma_min, sigma_max)
        return sigma_min, sigma_max

    def _split(self, X, y, rng):
        """Hold out the rows ``sigma_min="auto"`` is selected on (see
        :meth:`_select_sigma_min`), then the base class's validation split."""
        n_held_out = min(round(SELECTION_FRACTION * len(X)), SELECTION_MAX_ROWS)
        if (
            self.sigma_min == "auto"
            and getattr(self, "_hold_out_for_selection", False)
            and n_held_out >= SELECTION_MIN_ROWS
        ):
            order = rng.permutation(len(X))
            self._selection_rows = X[order[:n_held_out]]
            X, y = X[order[n_held_out:]], None if y is None else y[order[n_held_out:]]
        return super()._split(X, y, rng)

    def _select_sigma_min(self):
        """``sigma_min_`` among log-spaced levels from the trained floor up, by the
        held-out rows' mean log-likelihood under the model smoothed at each level.

        The one network covers every level, so this is KernelDensity's bandwidth search at
        no extra training cost: a small data set, which the network can memorise at the
        floor, gets the smoothing its held-out rows support.
        """
        rows = vars(self).pop("_selection_rows", None)
        if rows is None:
            return
        variances, _ = self._principal_axes()
        ceiling = SIGMA_SELECTION_CEILING * math.sqrt(float(variances.sum()) / rows.shape[1])
        levels = np.geomspace(
            self.sigma_min_, max(ceiling, self.sigma_min_), SIGMA_SELECTION_LEVELS
        )
        levels = np.unique(levels)
        # the solver's error (at most a few 0.01 nats at its fewest steps) is far below the
        # differences between levels
        scores = [self._log_likelihood(rows, s, LIKELIHOOD_MIN_STEPS).mean() for s in levels]
        self.sigma_min_ = float(levels[int(np.argmax(scores))])
        self._selected_on_held_out = True

    def _hidden_sizes(self):
        # files saved before hidden_layer_sizes="auto" hold explicit sizes and no attribute
        return getattr(self, "hidden_layer_sizes_", None) or tuple(self.hidden_layer_sizes)

    def _check_net_arguments(self, arguments, part):
        # the module's and the criterion's sigma_min is the bottom of the training range,
        # which the held-out selection may have raised sigma_min_ above
        arguments = dict(arguments)
        floor = arguments.pop("sigma_min", None)
        super()._check_net_arguments(arguments, part)
        sizes = self.hidden_layer_sizes
        if not isinstance(sizes, str) and tuple(sizes) != self._hidden_sizes():
            raise ValueError(
                f"its parameter hidden_layer_sizes={tuple(sizes)!r} disagrees with the "
                f"estimator's hidden_layer_sizes_={self._hidden_sizes()!r}"
            )
        if floor is not None and not 0 < floor <= self.sigma_min_ * (1 + 1e-12):
            raise ValueError(
                f"its {part} argument sigma_min={floor!r} (the bottom of the training range) "
                f"is not in (0, sigma_min_={self.sigma_min_!r}]"
            )

    def _principal_axes(self):
        """Eigenvalues (clipped at 0) and eigenvectors of ``covariance_``."""
        variances, basis = np.linalg.eigh(self.covariance_)
        return np.clip(variances, 0.0, None), basis

    def _n_epochs(self):
        return self.n_epochs_

    def _gaussian_limit_buffers(self):
        variances, basis = self._principal_axes()
        return {
            "mean": self.mean_,
            "scale": self.scale_,
            "data_mean": self.data_mean_,
            "basis": basis,
            "variances": variances,
        }

    def _module_params(self, X, y):
        return {
            "n_features": X.shape[1],
            "hidden_layer_sizes": self.hidden_layer_sizes_,
            "activation": self.activation,
            "parametrization": self.parametrization,
            "sigma_min": self.sigma_min_,
            "sigma_max": self.sigma_max_,
            **self._gaussian_limit_buffers(),
        }

    def _criterion_params(self, X, y):
        return {"sigma_min": self.sigma_min_, "sigma_max": self.sigma_max_}

    def _after_fit(self, X):
        # the buffers were rounded to float32 for training: restore them exactly for float64
        # inference (the Gaussian limit is then exact to rounding)
        module = self.net_.module_
        for name, value in self._gaussian_limit_buffers().items():
            buffer = getattr(module, name)
            buffer.copy_(torch.as_tensor(value, dtype=buffer.dtype, device=buffer.device))
        module.log_reference_scale.copy_(torch.log(module.scale).mean())
        self._select_sigma_min()

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike | None = None) -> NoiseConditionalScoreEstimator:
        """Train the noise-conditional model on X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted estimator.

        Examples
        --------
        >>> from skscore import NoiseConditionalScoreEstimator
        >>> from skscore.datasets import BananaDensity
        >>> X = BananaDensity().sample(500, random_state=0)
        >>> est = NoiseConditionalScoreEstimator(hidden_layer_sizes=(32,), max_epochs=5,
        ...                                      random_state=0)
        >>> est.fit(X) is est
        True
        >>> len(est.history_), est.n_epochs_
        (5, 5)
        >>> bool(0 < est.sigma_min_ < est.sigma_max_)  # resolved from the data
        True

        """
        self._hold_out_for_selection = True
        try:
            self._fit(X)
        finally:
            del self._hold_out_for_selection
        if vars(self).pop("_selected_on_held_out", False) and _num_samples(X) <= REFIT_MAX_ROWS:
            selected = self.sigma_min_
            self._fit(X)  # on all rows, the same seeds
            self.sigma_min_ = selected
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(
        self, X: ArrayLike, y: ArrayLike | None = None
    ) -> NoiseConditionalScoreEstimator:
        """Train for one more epoch on X (initialising the network on the first call).

        The first call resolves the noise range and ``n_epochs_`` from its X, and the learning
        rate schedule spans ``n_epochs_`` calls.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The estimator.

        Examples
        --------
        >>> from skscore import NoiseConditionalScoreEstimator
        >>> from skscore.datasets import RingDensity
        >>> X = RingDensity().sample(300, random_state=0)
        >>> est = NoiseConditionalScoreEstimator(hidden_layer_sizes=(16,), random_state=0)
        >>> for _ in range(3):
        ...     est = est.partial_fit(X)
        >>> len(est.history_)
        3
        """
        return self._partial_fit(X, y)

    # -- helpers ---------------------------------------------------------------------------
    def _resolve_sigma(self, method, sigma):
        """``sigma`` validated, or ``sigma_min_`` when None."""
        check_arguments(f"{type(self).__name__}.{method}", {"sigma": [_SIGMA, None]}, sigma=sigma)
        return self.sigma_min_ if sigma is None else float(sigma)

    def _derivative_cost(self, n_passes):
        """Floats per row of ``n_passes`` backward passes through the network."""
        return (n_passes + 1) * self._activation_cost()

    def _as_output(self, values, X):
        return values.astype(X.dtype, copy=False)

    # -- public API ------------------------------------------------------------------------
    def grad_log_density(self, X: ArrayLike, sigma: float | None = None) -> np.ndarray:
        """Score ``∇ log p_sigma(X)`` of the data density smoothed at noise level sigma.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points in data space.
        sigma : float, default=None
            Noise level in data units; None means ``sigma_min_``. The model is trained on
            ``[sigma_min_, sigma_max_]``; large levels smooth the density toward its Gaussian
            limit.

        Returns
        -------
        S : ndarray of shape (n_samples, n_features)
            Estimated gradient of the log-density (dtype of X).
        """
        X = self._check_X(X)
        sigma = self._resolve_sigma("grad_log_density", sigma)
        module = self.net_.module_
        S = self._apply_batched(
            lambda x: module.score(x, sigma),
            X,
            row_cost=self._derivative_cost(1),
            what="the score",
        )
        return self._as_output(S, X)

    def hessian_log_density(self, X: ArrayLike, sigma: float | None = None) -> np.ndarray:
        """Hessian ``∇² log p_sigma(X)`` (the Jacobian of the score).

        Symmetric for ``parametrization="energy"`` (it is minus the Hessian of the energy).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points in data space.
        sigma : float, default=None
            Noise level in data units; None means ``sigma_min_``.

        Returns
        -------
        H : ndarray of shape (n_samples, n_features, n_features)
            ``H[i, j, k] = ∂ s_j / ∂ x_k`` at row i (dtype of X).

        Examples
        --------
        >>> import numpy as np
        >>> from skscore import NoiseConditionalScoreEstimator
        >>> from skscore.datasets import RingDensity
        >>> X = RingDensity().sample(500, random_state=0)
        >>> est = NoiseConditionalScoreEstimator(hidden_layer_sizes=(32,), max_epochs=5,
        ...                                      random_state=0).fit(X)
        >>> H = est.hessian_log_density(X[:10])
        >>> H.shape
        (10, 2, 2)
        >>> np.allclose(H, np.swapaxes(H, 1, 2))  # an energy model's Hessian is symmetric
        True
        >>> h = 1e-6  # and it is the derivative of the score
        >>> dS = (est.grad_log_density(X[:10] + [h, 0]) - est.grad_log_density(X[:10] - [h, 0]))
        >>> np.allclose(H[:, :, 0], dS / (2 * h), rtol=1e-4, atol=1e-3)
        True
        """
        X = self._check_X(X)
        sigma = self._resolve_sigma("hessian_log_density", sigma)
        module = self.net_.module_
        H = self._apply_batched(
            lambda x: jacobian(lambda z: module.score(z, sigma, create_graph=True), x),
            X,
            row_cost=self._derivative_cost(X.shape[1] + 1),
            what="the Hessian",
        )
        return self._as_output(H, X)

    def energy_difference(
        self,
        X_from: ArrayLike,
        X_to: ArrayLike,
        *,
        sigma: float | None = None,
        method: str = "flow",
        n_path_points: int = 10,
    ) -> np.ndarray:
        """Energy differences ``E(X_to) - E(X_from)``, ``E = -log p_sigma + c``.

        Three estimates of ``log p_sigma(X_from) - log p_sigma(X_to)``:

        - "flow" (default): the difference of the probability-flow log-likelihoods of the two
          points (see :meth:`score_samples`), each carried from sigma to sigma_max, where the
          density is Gaussian. The most accurate for points far apart (the user guide compares
          the three). Costs one likelihood ODE per point.
        - "energy": the energy network at sigma (``parametrization="energy"`` only): two
          evaluations, exact for the model's own energy, but its values at distant points
          carry the score's errors integrated across the low-density regions between them.
        - "path": the path integral of minus the score along the straight segment (thesis eq.
          3.13, ``n_path_points`` Gauss–Legendre nodes), as the single-level auto-encoders do.

        Parameters
        ----------
        X_from, X_to : array-like of shape (n_samples, n_features)
            Start and end points, row by row.
        sigma : float, default=None
            Noise level in data units; None means ``sigma_min_``.
        method : {"flow", "energy", "path"}, default="flow"
            Estimate, see above.
        n_path_points : int, default=10
            Quadrature nodes of the path integral ("path" only).

        Returns
        -------
        dE : ndarray of shape (n_samples,)
            Energy differences (float64), ``log p_sigma(X_from) - log p_sigma(X_to)``.

        Examples
        --------
        The three routes to ``log p(X_from) - log p(X_to)``, one value per pair of rows:

        >>> from skscore import NoiseConditionalScoreEstimator
        >>> from skscore.datasets import RingDensity
        >>> X = RingDensity().sample(300, random_state=0)
        >>> est = NoiseConditionalScoreEstimator(hidden_layer_sizes=(16,), max_epochs=5,
        ...                                      random_state=0).fit(X)
        >>> est.energy_difference(X[:3], X[3:6]).shape  # the likelihood ODE
        (3,)
        >>> est.energy_difference(X[:3], X[3:6], method="energy").shape  # the energy network
        (3,)
        >>> est.energy_difference(X[:3], X[3:6], method="path", n_path_points=20).shape
        (3,)
        """
        X_from = self._check_X(X_from)
        X_to = self._check_X(X_to)
        if X_from.shape != X_to.shape:
            raise ValueError(
                f"X_from and X_to must have the same shape, got {X_from.shape} and {X_to.shape}"
            )
        check_arguments(
            f"{type(self).__name__}.energy_difference",
            {
                "method": [StrOptions({"flow", "energy", "path"})],
                "n_path_points": [Interval(numbers.Integral, 1, None, closed="left")],
            },
            method=method,
            n_path_points=n_path_points,
        )
        if method == "energy" and self.parametrization != "energy":
            raise ValueError('method="energy" needs parametrization="energy"; use "flow" or "path"')
        sigma = self._resolve_sigma("energy_difference", sigma)
        X_from = np.asarray(X_from, dtype=np.float64)
        X_to = np.asarray(X_to, dtype=np.float64)
        if method == "flow":
            return self._log_likelihood(X_from, sigma) - self._log_likelihood(X_to, sigma)
        module = self.net_.module_
        if method == "energy":

            def energy(x):
                return module.energy(x, sigma)

            return self._apply_batched(energy, X_to, what="the energy") - self._apply_batched(
                energy, X_from, what="the energy"
            )

        def score(x):
            return self._apply_batched(
                lambda t: module.score(t, sigma), x, row_cost=self._derivative_cost(1)
            )

        return -sampling.line_integral(score, X_from, X_to, n_path_points=n_path_points)

    def _log_likelihood(self, X, sigma, n_steps=None):
        """``log p_sigma(X)`` by the probability-flow ODE from sigma to sigma_max (the
        Gaussian limit itself at and beyond sigma_max); ``n_steps`` as in
        :func:`~skscore._noise_conditional.likelihood.flow_log_likelihood`."""
        module = self.net_.module_
        if sigma >= self.sigma_max_:

            def log_likelihood(x):
                return module.gaussian_log_prob(x, sigma)

        else:

            def log_likelihood(x):
                return flow_log_likelihood(module, x, sigma, self.sigma_max_, n_steps)

        return self._apply_batched(
            log_likelihood,
            X,
            row_cost=self._derivative_cost(X.shape[1] + 1),
            what="the log-likelihood",
        )

    def score_samples(self, X: ArrayLike) -> np.ndarray:
        """Normalised log-density ``log p_sigma_min(X)`` in nats (probability-flow ODE).

        The probability-flow ODE ``dx/dsigma = -sigma s(x, sigma)`` carries each point from
        sigma_min to sigma_max, where the density is the Gaussian limit
        ``N(m, C + sigma_max^2 I)``; the change of variables along the way (the integral of
        ``sigma^2 div s``, exact divergence up to 64 features, a fixed-seed Hutchinson
        estimate above) gives ``log p_sigma_min(x)`` (Song et al. 2021). The result is the
        density of the model's own transport of a Gaussian, so it integrates to one whatever
        the score's errors (up to the solver's error: at least 8 Runge–Kutta steps, 1.6 per unit of
        log sigma), and
        is comparable with :meth:`sklearn.neighbors.KernelDensity.score_samples`.

        Why not the heat equation: ``log p_sigma`` also obeys
        ``∂ log p_sigma / ∂ log sigma = sigma^2 (div s + |s|^2)`` at fixed x, which avoids the
        trajectories, but a learned family of scores is not an exact solution of the heat
        equation, so that route does not give a normalised density: measured against exact
        log-densities it is biased upward (by up to a nat in 10-D), while the ODE's mean
        stays below the truth as a normalised density must (Gibbs' inequality).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points in data space.

        Returns
        -------
        log_density : ndarray of shape (n_samples,)
            Log-density in nats (float64).

        Examples
        --------
        Compare with scikit-learn's density estimators in the same units:

        >>> from skscore import NoiseConditionalScoreEstimator
        >>> from skscore.datasets import RingDensity
        >>> from sklearn.neighbors import KernelDensity
        >>> ring = RingDensity(radius=1.0, width=0.1)
        >>> est = NoiseConditionalScoreEstimator(hidden_layer_sizes=(32,), max_epochs=10,
        ...                                      random_state=0)
        >>> est = est.fit(ring.sample(500, random_state=0))
        >>> X_test = ring.sample(200, random_state=1)
        >>> kde = KernelDensity(bandwidth=0.1).fit(ring.sample(500, random_state=0))
        >>> est.score_samples(X_test).shape, kde.score_samples(X_test).shape
        ((200,), (200,))
        """
        X = np.asarray(self._check_X(X), dtype=np.float64)
        return self._log_likelihood(X, self.sigma_min_)

    def score(self, X: ArrayLike, y: ArrayLike | None = None) -> float:
        """Mean log-likelihood of X under the model (higher is better), in nats.

        The mean of :meth:`score_samples`: the units of
        :meth:`sklearn.mixture.GaussianMixture.score`, so ``GridSearchCV`` ranks models (noise
        ranges, network sizes) by held-out likelihood.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Held-out data.
        y : None
            Ignored.

        Returns
        -------
        score : float
            Mean log-density in nats.

        Examples
        --------
        >>> from sklearn.model_selection import GridSearchCV
        >>> from skscore import NoiseConditionalScoreEstimator
        >>> from skscore.datasets import RingDensity
        >>> X = RingDensity(radius=1.0, width=0.1).sample(600, random_state=0)
        >>> est = NoiseConditionalScoreEstimator(hidden_layer_sizes=(32, 32), max_epochs=20,
        ...                                      random_state=0)
        >>> search = GridSearchCV(est, {"sigma_min": [0.01, 0.3]}, cv=2).fit(X)
        >>> search.best_params_  # smoothing the 0.1-wide ring at 0.3 costs likelihood
        {'sigma_min': 0.01}
        """
        return float(np.mean(self.score_samples(X)))

    def sample(
        self,
        n_samples: int = 1,
        *,
        method: str = "annealed",
        n_levels: int | None = None,
        n_steps: int | None = None,
        n_path_points: int = 8,
        random_state: RandomState = None,
        return_acceptance: bool = False,
    ) -> np.ndarray | tuple[np.ndarray, float]:
        """Draw samples of ``p_sigma_min`` from the Gaussian limit down the noise ladder.

        ``n_levels`` noise levels, geometric from sigma_max to sigma_min. "annealed": chains
        start from the Gaussian limit ``N(m, C + sigma_max^2 I)``; between two levels a Heun step
        of the probability-flow ODE (the predictor) carries them to the next level, where
        ``n_steps`` Metropolis-adjusted Langevin moves (the corrector) target that level's model
        density (exact energy differences for ``parametrization="energy"``, path integrals of the
        score with ``n_path_points`` nodes for "residual"). The step is a multiple of the level's
        sigma, adapted after every move toward an acceptance rate of 0.6.
        "ode": Gaussian-limit draws carried down by the probability-flow ODE alone
        (``n_levels`` Runge–Kutta steps, ``n_steps`` unused). Chains run vectorised, in chunks of
        4,096 rows, in float32; ``verbose >= 1`` shows a progress bar.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples (independent chains).
        method : {"annealed", "ode"}, default="annealed"
            Sampler.
        n_levels : int, default=None
            Noise levels (Runge–Kutta steps for "ode"); None means 20 for "annealed" and 32 for
            "ode".
        n_steps : int, default=None
            MALA moves per level ("annealed"); None means 4.
        n_path_points : int, default=8
            Quadrature nodes of the energy differences of "residual" models.
        random_state : int, RandomState instance or None, default=None
            Seed of the chains.
        return_acceptance : bool, default=False
            Also return the mean acceptance probability ("annealed"; 1.0 for "ode").

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features)
            Samples (float64).
        acceptance : float
            Only if ``return_acceptance``.

        Examples
        --------
        Annealed Langevin dynamics (the default, with its MALA acceptance rate on request) or
        the deterministic probability-flow ODE:

        >>> from skscore import NoiseConditionalScoreEstimator
        >>> from skscore.datasets import RingDensity
        >>> X = RingDensity().sample(300, random_state=0)
        >>> est = NoiseConditionalScoreEstimator(hidden_layer_sizes=(16,), max_epochs=5,
        ...                                      random_state=0).fit(X)
        >>> samples, acceptance = est.sample(50, random_state=0, return_acceptance=True)
        >>> samples.shape, type(acceptance)
        ((50, 2), <class 'float'>)
        >>> est.sample(50, method="ode", random_state=0).shape
        (50, 2)
        """
        check_is_fitted(self)
        check_arguments(
            f"{type(self).__name__}.sample",
            _SAMPLE_CONSTRAINTS,
            n_samples=n_samples,
            method=method,
            n_levels=n_levels,
            n_steps=n_steps,
            n_path_points=n_path_points,
            random_state=random_state,
            return_acceptance=return_acceptance,
        )
        if n_levels is None:
            n_levels = 20 if method == "annealed" else 32
        n_steps = 4 if n_steps is None else n_steps
        rng = check_random_state(random_state)
        generator = torch.Generator(device=self.device_).manual_seed(draw_seed(rng))
        module = self._float32_module().requires_grad_(False)
        sigmas = np.geomspace(self.sigma_max_, self.sigma_min_, n_levels)
        n_chunks = math.ceil(n_samples / SAMPLE_CHUNK_ROWS)
        progress = Progress(
            n_chunks * n_levels,
            f"sampling {type(self).__name__} ({method})",
            unit="level",
            enabled=self.verbose >= 1,
        )
        outputs, acceptances = [], []
        try:
            with torch.no_grad():
                for start in range(0, n_samples, SAMPLE_CHUNK_ROWS):
                    n_chains = min(SAMPLE_CHUNK_ROWS, n_samples - start)
                    if method == "annealed":
                        x, acceptance = annealed_mala(
                            module,
                            n_chains,
                            sigmas,
                            n_steps,
                            generator,
                            n_path_points=n_path_points,
                            progress=progress,
                        )
                    else:
                        x = flow_samples(module, n_chains, sigmas, generator, progress)
                        acceptance = 1.0
                    outputs.append(x.double().cpu().numpy())
                    acceptances.append(acceptance * n_chains)
        finally:
            progress.close()
        X_new = np.concatenate(outputs)
        if return_acceptance:
            return X_new, float(np.sum(acceptances) / n_samples)
        return X_new
