"""Generative stochastic networks: a learned Markov chain whose stationary distribution
estimates the data distribution (thesis chapter 5).

The chain alternates a corruption ``C(x~ | x)`` and a learned reconstruction distribution
``P_theta(x | h)`` (Proposition 1); with several hidden layers the hidden units are part of the
state (section 5.5.2). Training unrolls the chain from each example (walkback, section 5.3.2)
and maximises the likelihood of the example under every reconstruction.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np
import torch
from sklearn.base import DensityMixin, OneToOneFeatureMixin, TransformerMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._missing import is_pandas_na, is_scalar_nan
from sklearn.utils._param_validation import Interval, MissingValues, StrOptions
from sklearn.utils.validation import check_is_fitted
from torch.nn import functional as F

from skscore._core.base import BaseNeuralEstimator
from skscore._core.docstrings import fill_doc, shared_parameter_docs
from skscore._core.numerics import LOG_2PI, MAX_STORED_CHAIN_STARTS
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
from skscore._core.user_module import as_tensor
from skscore._core.validation import check_arguments, check_finite_output, check_float32_range
from skscore._gsn.nn import GSNModule
from skscore._gsn.objective import GSNLoss, max_walkback_steps

#: Chains behind ``score_samples``: fixed seed, parallel chains, burn-in and thinning.
ESTIMATOR_SEED = 0
ESTIMATOR_CHAINS = 100
ESTIMATOR_BURN_IN = 100
ESTIMATOR_THIN = 5
#: Parallel clamped chains per incomplete row in ``impute`` (their fills are averaged).
IMPUTE_CHAINS_PER_ROW = 10
#: Seed of the chains behind ``transform`` (a deterministic imputation).
TRANSFORM_SEED = 0
#: ``corruption_level="auto"``: replacement probability, or std in units of the data's spread.
AUTO_CORRUPTION = 0.2
#: Hidden noise of a latent GSN (two or more hidden layers) under ``hidden_noise="auto"``.
LATENT_HIDDEN_NOISE = 2.0
#: ``corruption="auto"`` and ``reconstruction="auto"``: data in [0, 1] with at least this
#: fraction of its entries at 0 or 1 are pixel intensities (salt-and-pepper, Bernoulli).
AUTO_SATURATED_FRACTION = 0.1
#: ``max_epochs="auto"``: this many epochs, fewer when they would take more than
#: AUTO_MAX_STEPS optimizer steps (the cost of a fit stays bounded on larger data).
AUTO_EPOCHS = 600
AUTO_MAX_STEPS = 8000

_COUNT = Interval(numbers.Integral, 1, None, closed="left")
_NON_NEGATIVE_COUNT = Interval(numbers.Integral, 0, None, closed="left")


@torch.no_grad()
def run_chain(
    module, x, n_keep, *, generator, burn_in=0, thin=1, clamp=None, collect="state", progress=None
):
    """Run ``len(x)`` GSN chains in parallel (vectorised over chains).

    Each step corrupts the visible state, updates the hidden layers and draws the next
    visible state from the reconstruction distribution with the first scaling factor
    alpha_1 (thesis 5.3.3). With ``clamp=(mask, values)`` the entries where ``mask`` is
    True are reset to ``values`` after every step (clamped chain, thesis 5.3.6).

    Returns the ``collect``-ed quantity ("state": sampled x, "mean": reconstruction
    means, "out": reconstruction pre-activations) every ``thin`` steps after ``burn_in``,
    shape (n_chains, n_keep, d). ``progress`` (a :class:`skscore._core.progress.Progress`) is
    advanced once per step.
    """
    hidden = module.init_hidden(len(x), x)
    if clamp is not None:
        x = torch.where(clamp[0], clamp[1], x)
    kept = []
    for t in range(1, burn_in + n_keep * thin + 1):
        out, hidden = module.step(module.corrupt(x, generator), hidden, generator)
        x = module.recon_sample(out, generator)
        if clamp is not None:
            x = torch.where(clamp[0], clamp[1], x)
        if t > burn_in and (t - burn_in) % thin == 0:
            if collect == "state":
                kept.append(x)
            elif collect == "mean":
                kept.append(module.recon_mean(out, 0))
            else:
                kept.append(out)
        if progress is not None:
            progress.update(1)
    return torch.stack(kept, dim=1)


def log_mean_likelihood(module, x, out):
    """``log mean_j P(x | h_j)`` for every row of x (thesis 5.5.1), shape (n,).

    ``out`` holds the reconstruction pre-activations of the chain states h_j, shape (m, d).
    """
    if module.reconstruction == "bernoulli":
        logits = module.alpha(0) * out
        log_p = x @ F.logsigmoid(logits).T + (1.0 - x) @ F.logsigmoid(-logits).T
    else:
        std = module.recon_std(0)
        xs, ms = x / std, module.recon_mean(out, 0) / std
        sq = (xs**2).sum(1)[:, None] + (ms**2).sum(1)[None, :] - 2.0 * xs @ ms.T
        log_p = -0.5 * sq.clamp_min(0.0) - torch.log(std).sum() - 0.5 * x.shape[1] * LOG_2PI
    return torch.logsumexp(log_p, dim=1) - math.log(out.shape[0])


@fill_doc(
    shared_parameters=shared_parameter_docs(
        exclude=("hidden_layer_sizes", "max_epochs", "batch_size", "lr")
    )
)
class GSNSampler(OneToOneFeatureMixin, TransformerMixin, DensityMixin, BaseNeuralEstimator):
    """Generative stochastic network: a learned Markov chain that samples and imputes the data.

    Learns the transition operator of a Markov chain whose stationary distribution estimates
    the data distribution (thesis chapter 5). Each step corrupts the visible state
    (``C(x~ | x)``), maps it through the network and draws the next state from a learned
    reconstruction distribution ``P(x | h)``; training maximises the likelihood of the clean
    example under the reconstruction distribution (Proposition 1), with walkback
    (section 5.3.2). Two or more hidden layers give the latent-state GSN of
    section 5.5.2, whose hidden layers are part of the chain's state; one hidden layer with
    ``hidden_noise=0`` (the default) is a generalised denoising auto-encoder.

    It is also an imputer, used like scikit-learn's ``KNNImputer``: ``fit`` learns from rows
    with missing entries (they stay out of the loss) and ``transform`` fills them by running
    the chain with the observed entries clamped (section 5.3.6), so
    ``make_pipeline(GSNSampler(), LogisticRegression())`` classifies incomplete data.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(256,)
        Widths of the hidden layers. One layer gives a denoising auto-encoder chain; two
        or more give the latent-state GSN: odd and even layers are updated alternately,
        downward weights are the transposes of the upward ones and noise is injected in
        the hidden units. On binarised digits a 256-256 latent GSN sampled better than one
        layer after 200 epochs but worse after 600, at 1.7 times the training and 3 times
        the sampling cost.
    corruption : {"auto", "salt_and_pepper", "gaussian"}, default="auto"
        Corruption of the visible units. "salt_and_pepper" replaces each entry by a random
        bit with probability ``corruption_level`` (data in [0, 1]); "gaussian" adds
        ``N(0, corruption_level^2)`` in data units. "auto": salt_and_pepper for pixel
        data, gaussian otherwise. Pixel data are bits, or values in [0, 1] of which at
        least 10% are exactly 0 or 1 (grey images: background and saturated ink); on
        4,000 grey 28x28 digits the Gaussian chain drifted to pixel noise (Parzen
        log-likelihood -1,411 nats against -154 for salt-and-pepper and Bernoulli, 1,000
        images, 40 epochs; ``benchmarks/bench_gsn_images.py``).
    corruption_level : "auto" or float, default="auto"
        Replacement probability (salt_and_pepper, at most 1) or noise std in data units
        (gaussian). "auto": 0.2 for salt_and_pepper; for gaussian, 0.2 times the
        root-mean-square standard deviation of the features, so that the model does not
        depend on the units of the data (on the 2-D spiral, 0.044: its samples follow the
        arms, where a fixed 0.2 blurs them across).
    reconstruction : {"auto", "bernoulli", "gaussian"}, default="auto"
        Factorised reconstruction distribution ``P(x | h)``, trained by its
        log-likelihood: "bernoulli" (data in [0, 1]; grey values are soft targets of the
        cross-entropy, and grey training images enter the first walkback step as bits
        drawn with their intensities as probabilities, the kind of state the chain moves
        through) or "gaussian" with a learned per-feature variance. "auto": bernoulli for
        pixel data (see ``corruption``), gaussian otherwise.
    hidden_noise : "auto" or float, default="auto"
        Std of the Gaussian noise added before and after the non-linearity of the hidden
        layers above the first (of the single layer when there is one). "auto": 2.0 with
        two or more layers, 0 with one. A latent GSN needs it (thesis 5.5.2; measured on
        digits, 0 and 0.5 leave the chain stuck in one class, 2.0 gives the best samples);
        a single layer samples worse with it.
    walkback : "geometric" or int, default="geometric"
        Training chains: "geometric" unrolls ``k ~ Geometric(walkback_p)`` steps per
        example, an int ``k >= 1`` unrolls k steps, 0 is plain denoising (one step). Every
        unrolled reconstruction is trained to give back the example. Combine walkback with
        ``learn_scaling=True`` (measured best; without it the samples are blurrier than
        with plain denoising).
    walkback_p : float, default=0.5
        Parameter of the geometric walkback length (mean ``1 / walkback_p`` steps).
    learn_scaling : bool, default=True
        Learn one scaling factor alpha_k per walkback step (section 5.3.3): Bernoulli
        logits are multiplied by alpha_k, Gaussian variances by alpha_k. Sampling uses
        alpha_1, the sharpest operator.
    n_estimator_samples : int, default=1000
        Number of chain states h_j of the estimator ``p_hat(x) = mean_j P(x | h_j)``
        behind ``score_samples`` (section 5.5.1), drawn once at fit from a fixed seed.
    missing_values : int, float or np.nan, default=np.nan
        The placeholder of missing entries, as in scikit-learn's imputers. In ``fit``
        missing entries start at the column means of the observed ones, the training chains
        resample them and they do not count in the loss; ``transform`` and ``impute`` fill
        them. With a placeholder other than NaN, NaN is rejected like infinity.
        ``score_samples``, ``score``, ``sample`` and ``encode`` take complete rows.
    max_epochs : int or "auto", default="auto"
        Number of passes over the training data in ``fit`` (fewer with ``early_stopping``);
        the number used is ``n_epochs_``. "auto": 600 epochs, fewer when they would take
        more than 8,000 optimizer steps, so the cost of a fit stays bounded on larger data
        (1,097 binarised digits: 600 epochs; 4,000 images with ``batch_size=100``: 200).
        On 1,097 binarised digits the samples improve with training, most of it in the first
        600 epochs (Parzen log-likelihood -6.8 nats at 200, -2.9 at 400, -1.4 at 600, -1.0 at
        1000); a default fit there takes about 35 CPU seconds.
    batch_size : int, default=100
        Mini-batch size for training and for batched inference.
    lr : float, default=3e-3
        Learning rate (the initial one with a schedule).
    {shared_parameters}

    Attributes
    ----------
    corruption_ : str
        Resolved corruption.
    reconstruction_ : str
        Resolved reconstruction distribution.
    net_ : skorch.NeuralNet
        The trained net; ``module_`` is its torch module and ``history_`` its history.
    device_ : str
        Resolved device.
    corruption_level_ : float
        Resolved corruption level (data units for gaussian).
    hidden_noise_ : float
        Resolved hidden noise.
    n_epochs_ : int
        Resolved number of training epochs (``max_epochs``).
    mean_, scale_ : ndarray of shape (n_features,)
        Internal standardisation (see Notes; zeros and ones with salt-and-pepper
        corruption, whose inputs are bits).
    column_means_ : ndarray of shape (n_features,)
        Means of the observed training entries of each column: where missing entries start
        (0 for a column without observed entries).
    scaling_factors_ : ndarray of shape (n_steps,)
        The walkback scaling factors alpha_k (ones unless ``learn_scaling``).
    chain_starts_ : ndarray of shape (n_starts, n_features)
        Up to 1000 training rows where chains start (missing entries set to
        ``column_means_``).
    estimator_states_ : ndarray of shape (n_estimator_samples, n_features)
        Reconstruction pre-activations at the chain states behind ``score_samples``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit (only with string column names).

    See Also
    --------
    DenoisingAEScoreEstimator : continuous DAE whose reconstruction estimates the score.
    sklearn.neural_network.BernoulliRBM : RBM sampled by block Gibbs sampling.
    sklearn.impute.KNNImputer : imputation from the nearest complete neighbours.

    Notes
    -----
    ``standardize`` centres and scales the inputs of Gaussian-corrupted data (and the
    Gaussian reconstruction); it never changes what is estimated, and every output is in
    data units. The scale of a feature is the standard deviation of its corrupted values,
    ``sqrt(var + corruption_level_^2)``: scaled by its own standard deviation, a nearly
    constant feature would turn the corruption into a huge input (on grey digits the
    network then did not learn to denoise at all). With salt-and-pepper corruption the
    entries are bits and enter the network as they are.

    The defaults were chosen by measurement on 1,097 binarised digits (the user guide and
    ``benchmarks/bench_gsn.py`` give the numbers).

    Learning from incomplete rows goes beyond the thesis, which trains on complete data and
    clamps only when sampling (section 5.3.6): here the training chains are clamped too,
    and the loss is the likelihood of the observed entries only.

    ``transform`` imputes, as a scikit-learn imputer does; the mean-field top hidden layer
    it returned before the GSN became an imputer is :meth:`encode`.

    The chain is unadjusted: its long-run distribution equals the data distribution only as
    far as ``P(x | h)`` matches the true conditional (Proposition 1), and a factorised
    reconstruction cannot match it exactly (errors accumulate along the chain, Theorem 4).

    Examples
    --------
    >>> from skscore import GSNSampler
    >>> from skscore.datasets import load_binary_digits
    >>> X, _ = load_binary_digits(return_X_y=True)
    >>> gsn = GSNSampler(hidden_layer_sizes=(64,), max_epochs=5, random_state=0).fit(X)
    >>> gsn.corruption_, gsn.reconstruction_
    ('salt_and_pepper', 'bernoulli')
    >>> gsn.sample(3, burn_in=10, random_state=0).shape
    (3, 64)
    >>> X_missing = X[:2].copy()
    >>> X_missing[:, :32] = float("nan")
    >>> filled = gsn.impute(X_missing, n_steps=10, random_state=0)
    >>> bool(((filled >= 0) & (filled <= 1)).all()), bool((filled[:, 32:] == X[:2, 32:]).all())
    (True, True)
    """

    _parameter_constraints = {
        **BaseNeuralEstimator._parameter_constraints,
        "corruption": [StrOptions({"auto", "salt_and_pepper", "gaussian"})],
        "corruption_level": [
            StrOptions({"auto"}),
            Interval(numbers.Real, 0, None, closed="neither"),
        ],
        "reconstruction": [StrOptions({"auto", "bernoulli", "gaussian"})],
        "hidden_noise": [StrOptions({"auto"}), Interval(numbers.Real, 0, None, closed="left")],
        "walkback": [StrOptions({"geometric"}), Interval(numbers.Integral, 0, None, closed="left")],
        "walkback_p": [Interval(numbers.Real, 0, 1, closed="right")],
        "learn_scaling": ["boolean"],
        "n_estimator_samples": [Interval(numbers.Integral, 1, None, closed="left")],
        "missing_values": [MissingValues(numeric_only=True)],
        "max_epochs": [StrOptions({"auto"}), Interval(numbers.Integral, 1, None, closed="left")],
    }
    _module_class = GSNModule
    _criterion_class = GSNLoss
    _divergence_remedy = "lower `lr` or `corruption_level`, or keep `standardize=True`"

    def _fitted_attribute_spec(self):
        spec = {"corruption_": "str", "reconstruction_": "str"}
        spec |= {"corruption_level_": "non-negative", "hidden_noise_": "non-negative"}
        spec |= {"column_means_": "features", "chain_starts_": "rows"}
        spec |= {"scaling_factors_": "vector", "estimator_states_": "rows"}
        spec |= {"n_epochs_": "count?"}  # absent from files of format 1
        return {**super()._fitted_attribute_spec(), **spec}

    def __init__(
        self,
        hidden_layer_sizes: HiddenLayerSizes = (256,),
        *,
        corruption: str = "auto",
        corruption_level: float | str = "auto",
        reconstruction: str = "auto",
        hidden_noise: float | str = "auto",
        walkback: int | str = "geometric",
        walkback_p: float = 0.5,
        learn_scaling: bool = True,
        n_estimator_samples: int = 1000,
        missing_values: float | None = np.nan,
        activation: str = "tanh",
        standardize: bool = True,
        max_epochs: int | str = "auto",
        batch_size: int = 100,
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
        self.hidden_layer_sizes = hidden_layer_sizes
        self.corruption = corruption
        self.corruption_level = corruption_level
        self.reconstruction = reconstruction
        self.hidden_noise = hidden_noise
        self.walkback = walkback
        self.walkback_p = walkback_p
        self.learn_scaling = learn_scaling
        self.n_estimator_samples = n_estimator_samples
        self.missing_values = missing_values
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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = _is_nan_marker(self.missing_values)
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    # -- fitting ---------------------------------------------------------------------------
    def _check_params(self):
        super()._check_params()
        if len(self.hidden_layer_sizes) > 1 and self.hidden_noise == 0:
            warnings.warn(
                "a latent GSN (several hidden layers) with hidden_noise=0 has a deterministic "
                "hidden state: its chains get stuck in one class (measured on digits); "
                "use hidden_noise='auto' (2.0 for several layers, as in the thesis)",
                UserWarning,
                stacklevel=3,
            )

    def _resolve_hidden_noise(self):
        if self.hidden_noise != "auto":
            return float(self.hidden_noise)
        return LATENT_HIDDEN_NOISE if len(self.hidden_layer_sizes) > 1 else 0.0

    def _validate_missing(self, X, *, reset):
        """Validated float X with NaN at the missing entries (a copy when the marker is not
        NaN); NaN is accepted only when it is the marker, infinity never."""
        X = self._validate_X(X, reset=reset, allow_nan=True)
        if not _is_nan_marker(self.missing_values):
            if np.isnan(X).any():
                raise ValueError(
                    f"X contains NaN but missing_values={self.missing_values!r}: mark the "
                    f"missing entries with {self.missing_values!r}, or set "
                    "missing_values=np.nan"
                )
            X = np.where(X == self.missing_values, np.nan, X).astype(X.dtype, copy=False)
        check_float32_range(X)
        return X

    def _check_X(self, X):
        """Validated complete X (no missing entries) for a fitted estimator's method."""
        check_is_fitted(self)
        X = self._validate_X(X, reset=False, allow_nan=True)
        if np.isnan(X).any():
            raise ValueError(
                "X contains NaN: score_samples, score, sample and encode need complete rows; "
                "fill the missing entries first with transform or impute"
            )
        return X

    def _resolve_auto(self, X):
        """``(corruption, reconstruction)`` with "auto" resolved from the observed data."""
        pixels = _is_pixel_data(X[~np.isnan(X)])
        corruption, reconstruction = self.corruption, self.reconstruction
        if corruption == "auto":
            corruption = "salt_and_pepper" if pixels else "gaussian"
        if reconstruction == "auto":
            reconstruction = "bernoulli" if pixels else "gaussian"
        return corruption, reconstruction

    def _validate_fit_data(self, X, y, *, reset):
        X = self._validate_missing(X, reset=reset)
        if np.isnan(X).all():
            raise ValueError(
                f"every entry of X is missing (missing_values={self.missing_values!r}); "
                "a GSN needs observed entries to learn from"
            )
        corruption, reconstruction = (
            self._resolve_auto(X) if reset else (self.corruption_, self.reconstruction_)
        )
        level = self.corruption_level
        if corruption == "salt_and_pepper" and level != "auto" and level > 1:
            raise ValueError(
                "corruption_level is a probability with salt_and_pepper corruption; "
                f"got {self.corruption_level}"
            )
        for name, value in (("corruption", corruption), ("reconstruction", reconstruction)):
            if value in ("salt_and_pepper", "bernoulli"):
                _check_unit_interval(X, f"{name}={value!r}")
        return X, None

    def _standardization(self, X):
        d = X.shape[1]
        if self._resolve_auto(X)[0] == "salt_and_pepper" or not self.standardize:
            return np.zeros(d), np.ones(d)
        # the network sees corrupted inputs: scale by their std, sqrt(var + level^2), so a
        # feature that hardly varies does not turn the corruption into a huge input
        mean, std = _observed_moments(X)
        return mean, np.sqrt(std**2 + self._resolve_corruption_level(X) ** 2)

    def _resolve_corruption_level(self, X):
        """``corruption_level`` with "auto" resolved from the observed training data."""
        if self.corruption_level != "auto":
            return float(self.corruption_level)
        if self._resolve_auto(X)[0] == "salt_and_pepper":
            return AUTO_CORRUPTION
        rms = float(np.sqrt(np.mean(_observed_moments(X)[1] ** 2)))
        return AUTO_CORRUPTION * rms if rms > 0 else AUTO_CORRUPTION

    def _prepare_fit(self, X, y):
        if self.max_epochs == "auto":
            n_batches = math.ceil(len(X) / self.batch_size)
            self.n_epochs_ = max(1, min(AUTO_EPOCHS, AUTO_MAX_STEPS // n_batches))
        else:
            self.n_epochs_ = int(self.max_epochs)
        self.corruption_, self.reconstruction_ = self._resolve_auto(X)
        self.corruption_level_ = self._resolve_corruption_level(X)
        self.hidden_noise_ = self._resolve_hidden_noise()
        self.column_means_ = _observed_moments(X)[0]

    def _n_epochs(self):
        # files of format 1 have an integer max_epochs and no n_epochs_
        return self.n_epochs_ if self.max_epochs == "auto" else int(self.max_epochs)

    def _n_alphas(self):
        if self.walkback == "geometric":
            return max_walkback_steps(self.walkback_p)
        return max(int(self.walkback), 1)

    def _module_params(self, X, y):
        return {
            "n_features": X.shape[1],
            "hidden_layer_sizes": tuple(self.hidden_layer_sizes),
            "activation": self.activation,
            "corruption": self.corruption_,
            "corruption_level": self.corruption_level_,
            "reconstruction": self.reconstruction_,
            "hidden_noise": self.hidden_noise_,
            "n_alphas": self._n_alphas(),
            "learn_scaling": self.learn_scaling,
            "mean": self.mean_,
            "scale": self.scale_,
            "fill_values": self.column_means_,
        }

    def _criterion_params(self, X, y):
        return {
            "walkback": self.walkback,
            "walkback_p": self.walkback_p,
            "max_steps": self._n_alphas(),
        }

    def _after_fit(self, X):
        module = self.net_.module_
        keep = np.random.RandomState(0).permutation(len(X))[:MAX_STORED_CHAIN_STARTS]
        starts = np.asarray(X[keep], dtype=np.float64)
        self.chain_starts_ = np.where(np.isnan(starts), self.column_means_, starts)
        self.scaling_factors_ = torch.exp(module.log_alpha).detach().cpu().numpy().copy()
        n_chains = min(ESTIMATOR_CHAINS, self.n_estimator_samples)
        states = self._chain(
            -(-self.n_estimator_samples // n_chains),
            n_chains=n_chains,
            burn_in=ESTIMATOR_BURN_IN,
            thin=ESTIMATOR_THIN,
            collect="out",
            random_state=ESTIMATOR_SEED,
        )
        self.estimator_states_ = states[: self.n_estimator_samples]

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike | None = None) -> GSNSampler:
        """Train the transition operator on X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (bits and grey pixels in [0, 1] select salt-and-pepper corruption
            and a Bernoulli reconstruction when those parameters are "auto").
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted estimator.

        Examples
        --------
        On real-valued data the "auto" corruption and reconstruction are Gaussian:

        >>> from skscore import GSNSampler
        >>> from skscore.datasets import make_spiral
        >>> X = make_spiral(n_samples=300, noise=0.01, random_state=0)
        >>> gsn = GSNSampler(hidden_layer_sizes=(64,), max_epochs=10, n_estimator_samples=200,
        ...                  random_state=0).fit(X)
        >>> gsn.corruption_, gsn.reconstruction_
        ('gaussian', 'gaussian')
        >>> len(gsn.history_), gsn.chain_starts_.shape, gsn.estimator_states_.shape
        (10, (300, 2), (200, 2))
        """
        return self._fit(X)

    # -- chains ----------------------------------------------------------------------------
    def _chain(
        self, n_keep, *, n_chains, burn_in, thin, collect, random_state, X_init=None, report=False
    ):
        rng = check_random_state(random_state)
        if X_init is None:
            X_init = self.chain_starts_[rng.randint(len(self.chain_starts_), size=n_chains)]
        generator = torch.Generator(device=self.device_)
        generator.manual_seed(draw_seed(rng))
        x = self._chain_tensor(X_init)
        progress = Progress(
            burn_in + n_keep * thin, "sampling", enabled=report and self.verbose >= 1
        )
        kept = run_chain(
            self._chain_module(),
            x,
            n_keep,
            burn_in=burn_in,
            thin=thin,
            generator=generator,
            collect=collect,
            progress=progress,
        )
        progress.close()
        states = kept.reshape(-1, x.shape[1]).cpu().numpy().astype(np.float64)
        return check_finite_output(states, "the chain states", X_init)

    def _chain_module(self):
        return self._float32_module()

    def _chain_tensor(self, X):
        return as_tensor(np.asarray(X, dtype=np.float32), self.device_)

    # -- public API ------------------------------------------------------------------------
    def sample(
        self,
        n_samples: int = 1,
        *,
        n_chains: int | None = None,
        burn_in: int = 100,
        thin: int = 1,
        mean_field: bool = False,
        X_init: ArrayLike | None = None,
        random_state: RandomState = None,
    ) -> np.ndarray:
        """Draw samples by running the learned Markov chain.

        ``n_chains`` chains run in parallel from random training rows (or ``X_init``);
        after ``burn_in`` steps every ``thin``-th state is kept until ``n_samples`` are
        collected. Rows come chain by chain, consecutive states of one chain adjacent.

        Parameters
        ----------
        n_samples : int, default=1
            Number of states returned.
        n_chains : int, default=None
            Number of parallel chains, at most ``n_samples``; None gives one state per
            chain (``n_chains = n_samples``).
        burn_in : int, default=100
            Steps discarded at the start of every chain.
        thin : int, default=1
            Keep every ``thin``-th state after burn-in.
        mean_field : bool, default=False
            Return the means of the reconstruction distributions the states were drawn
            from (pixel probabilities for Bernoulli) instead of the sampled states.
        X_init : array-like of shape (n_chains, n_features), default=None
            Chain starts; default random training rows.
        random_state : int, RandomState instance or None, default=None
            Seed of the chains (torch's global RNG is not used).

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features)
            Chain states (float64).

        Examples
        --------
        >>> import numpy as np
        >>> from skscore import GSNSampler
        >>> from skscore.datasets import load_binary_digits
        >>> X, _ = load_binary_digits(return_X_y=True)
        >>> gsn = GSNSampler(hidden_layer_sizes=(64,), walkback=0, max_epochs=10, batch_size=32,
        ...                  lr=1e-2, n_estimator_samples=200, random_state=0).fit(X[:300])

        Two chains, three states each (every fifth step after a burn-in of 10 steps):

        >>> S = gsn.sample(6, n_chains=2, burn_in=10, thin=5, random_state=0)
        >>> S.shape, bool(np.isin(S, (0, 1)).all())  # binary images, like the data
        ((6, 64), True)

        With the same seed, ``mean_field=True`` gives the pixel probabilities these states
        were drawn from:

        >>> P = gsn.sample(6, n_chains=2, burn_in=10, thin=5, mean_field=True, random_state=0)
        >>> bool(((P >= 0) & (P <= 1)).all()), bool(np.isin(P, (0, 1)).all())
        (True, False)
        """
        check_is_fitted(self)
        check_arguments(
            "GSNSampler.sample",
            {
                "n_samples": [_COUNT],
                "n_chains": [_COUNT, None],
                "burn_in": [_NON_NEGATIVE_COUNT],
                "thin": [_COUNT],
                "mean_field": ["boolean"],
                "random_state": ["random_state"],
            },
            n_samples=n_samples,
            n_chains=n_chains,
            burn_in=burn_in,
            thin=thin,
            mean_field=mean_field,
            random_state=random_state,
        )
        n_chains = n_samples if n_chains is None else n_chains
        if n_chains > n_samples:
            raise ValueError(f"n_chains={n_chains} must be at most n_samples={n_samples}")
        if X_init is not None:
            X_init = np.asarray(self._check_X(X_init), dtype=np.float64)
            check_float32_range(X_init, "X_init")  # the chains run in float32
            if len(X_init) != n_chains:
                raise ValueError(f"X_init has {len(X_init)} rows but n_chains={n_chains}")
        n_keep = -(-n_samples // n_chains)
        states = self._chain(
            n_keep,
            n_chains=n_chains,
            burn_in=burn_in,
            thin=thin,
            collect="mean" if mean_field else "state",
            random_state=random_state,
            X_init=X_init,
            report=True,
        )
        return states.reshape(n_chains, n_keep, -1).reshape(-1, states.shape[1])[:n_samples]

    def impute(
        self, X: ArrayLike, *, n_steps: int = 50, random_state: RandomState = None
    ) -> np.ndarray:
        """Fill the missing entries of X by running the chain with the observed ones clamped.

        Ten chains per incomplete row start from the row, its missing entries (those equal
        to ``missing_values``) set to the training column means ``column_means_``, and run
        ``n_steps`` steps, the observed entries reset after each (thesis 5.3.6,
        Proposition 5). The fill is the mean of the reconstruction means over the second
        half of the chains: an estimate of the conditional mean of the missing entries
        given the observed ones (pixel probabilities for Bernoulli data; threshold at 0.5
        for bits). Rows without missing entries are returned unchanged. :meth:`transform`
        is this method with a fixed seed.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data with missing entries marked by ``missing_values`` (infinite values are
            rejected).
        n_steps : int, default=50
            Chain steps per row.
        random_state : int, RandomState instance or None, default=None
            Seed of the chains.

        Returns
        -------
        X_filled : ndarray of shape (n_samples, n_features)
            X with the missing entries filled (dtype of X).

        Examples
        --------
        >>> import numpy as np
        >>> from skscore import GSNSampler
        >>> from skscore.datasets import load_binary_digits
        >>> X, _ = load_binary_digits(return_X_y=True)
        >>> gsn = GSNSampler(hidden_layer_sizes=(64,), walkback=0, max_epochs=10, batch_size=32,
        ...                  lr=1e-2, n_estimator_samples=200, random_state=0).fit(X[:300])

        Hide 30% of the pixels of held-out digits and fill them in:

        >>> X_test = X[300:400]
        >>> missing = np.random.RandomState(0).uniform(size=X_test.shape) < 0.3
        >>> X_missing = np.where(missing, np.nan, X_test)
        >>> filled = gsn.impute(X_missing, n_steps=20, random_state=0)
        >>> bool(np.isnan(filled).any()), bool((filled[~missing] == X_test[~missing]).all())
        (False, True)

        The fills are pixel probabilities, from the observed neighbours of each hidden pixel;
        threshold them at 0.5 for binary images.
        """
        check_is_fitted(self)
        X = self._validate_missing(X, reset=False)
        check_arguments(
            "GSNSampler.impute",
            {"n_steps": [_COUNT], "random_state": ["random_state"]},
            n_steps=n_steps,
            random_state=random_state,
        )
        missing = np.isnan(X)
        X_filled = X.copy()
        rows = np.flatnonzero(missing.any(axis=1))
        if rows.size == 0:
            return X_filled
        if self.reconstruction_ == "bernoulli":
            _check_unit_interval(X, "impute with a Bernoulli model")
        rng = check_random_state(random_state)
        generator = torch.Generator(device=self.device_)
        generator.manual_seed(draw_seed(rng))
        k = IMPUTE_CHAINS_PER_ROW
        burn_in = n_steps // 2
        module = self._chain_module()
        for begin in range(0, rows.size, self.batch_size):
            batch = rows[begin : begin + self.batch_size]
            observed = self._chain_tensor(~missing[batch]).bool().repeat_interleave(k, dim=0)
            x = self._chain_tensor(np.where(missing[batch], 0.0, X[batch]))
            x = module.fill_missing(x.repeat_interleave(k, dim=0), observed)
            means = run_chain(
                module,
                x,
                n_steps - burn_in,
                burn_in=burn_in,
                generator=generator,
                clamp=(observed, x),
                collect="mean",
            )
            fill = means.double().mean(dim=1).reshape(len(batch), k, X.shape[1]).mean(dim=1)
            X_filled[batch] = np.where(missing[batch], fill.cpu().numpy(), X[batch])
        return X_filled

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Impute the missing entries of X: :meth:`impute` with a fixed seed.

        The imputer step of a pipeline, as with scikit-learn's ``KNNImputer``: entries equal
        to ``missing_values`` are filled by clamped chains (50 steps, seed 0, so the result
        is deterministic); observed entries and complete rows pass through unchanged. For the
        hidden representation use :meth:`encode`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data with missing entries marked by ``missing_values``.

        Returns
        -------
        X_filled : ndarray of shape (n_samples, n_features)
            X with the missing entries filled (dtype of X).

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.impute import SimpleImputer
        >>> from sklearn.linear_model import LogisticRegression
        >>> from sklearn.pipeline import make_pipeline
        >>> from skscore import GSNSampler
        >>> from skscore.datasets import load_binary_digits
        >>> X, y = load_binary_digits(return_X_y=True)
        >>> X_missing = np.where(np.random.RandomState(0).uniform(size=X.shape) < 0.5, np.nan, X)

        A classifier on digits with half of the pixels missing, the GSN filling them in, as
        ``SimpleImputer`` would with the column means:

        >>> gsn = GSNSampler(hidden_layer_sizes=(64,), walkback=0, max_epochs=10, batch_size=32,
        ...                  lr=1e-2, n_estimator_samples=200, random_state=0)
        >>> model = make_pipeline(gsn, LogisticRegression(max_iter=1000))
        >>> accuracy = model.fit(X_missing[:1000], y[:1000]).score(X_missing[1000:], y[1000:])
        >>> baseline = make_pipeline(SimpleImputer(), LogisticRegression(max_iter=1000))
        >>> baseline.fit(X_missing[:1000], y[:1000]).score(X_missing[1000:], y[1000:]) < accuracy
        True
        >>> filled = model[0].transform(X_missing[1000:1005])
        >>> bool(np.array_equal(filled, model[0].impute(X_missing[1000:1005], random_state=0)))
        True
        >>> model[0].get_feature_names_out()[:2].tolist()  # one output per input feature
        ['x0', 'x1']
        """
        return self.impute(X, random_state=TRANSFORM_SEED)

    def encode(self, X: ArrayLike) -> np.ndarray:
        """Mean-field top hidden layer: noise-free layer updates with X clamped.

        The GSN's hidden representation of complete rows (what ``transform`` returned
        before the GSN became an imputer).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points in data space (no missing entries).

        Returns
        -------
        H : ndarray of shape (n_samples, hidden_layer_sizes[-1])
            Top hidden layer (dtype of X).

        Examples
        --------
        >>> import numpy as np
        >>> from skscore import GSNSampler
        >>> from skscore.datasets import load_binary_digits
        >>> X, _ = load_binary_digits(return_X_y=True)
        >>> gsn = GSNSampler(hidden_layer_sizes=(32,), walkback=0, max_epochs=10, batch_size=32,
        ...                  lr=1e-2, n_estimator_samples=200, random_state=0).fit(X[:300])
        >>> H = gsn.encode(X[:5])
        >>> H.shape, bool((np.abs(H) <= 1).all())  # 32 tanh units
        ((5, 32), True)
        >>> bool(np.array_equal(gsn.encode(X[:5]), H))  # noise-free, so deterministic
        True
        """
        X = self._check_X(X)
        return self._apply_batched(self.net_.module_, X).astype(X.dtype, copy=False)

    def score_samples(self, X: ArrayLike) -> np.ndarray:
        """Log of the model's own density estimate ``p_hat(x) = mean_j P(x | h_j)``.

        The h_j are ``n_estimator_samples`` chain states drawn at fit from a fixed seed
        (thesis 5.5.1, after Bengio, Yao and Cho 2013): a mixture of the learned
        reconstruction distributions, so the values are normalised log-probabilities
        (Bernoulli: of the bits, nats; Gaussian: log-densities in data units).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points in data space (in [0, 1] for a Bernoulli model).

        Returns
        -------
        log_prob : ndarray of shape (n_samples,)
            ``log p_hat`` of each row (float64).

        Examples
        --------
        >>> from skscore import GSNSampler
        >>> from skscore.datasets import load_binary_digits
        >>> X, _ = load_binary_digits(return_X_y=True)
        >>> gsn = GSNSampler(hidden_layer_sizes=(64,), walkback=0, max_epochs=10, batch_size=32,
        ...                  lr=1e-2, n_estimator_samples=200, random_state=0).fit(X[:300])
        >>> log_p = gsn.score_samples(X[300:400])  # held-out digits
        >>> log_p.shape, bool((log_p < 0).all())  # log-probabilities of 64 bits, in nats
        ((100,), True)
        """
        X = self._check_X(X)
        if self.reconstruction_ == "bernoulli":
            _check_unit_interval(X, "score_samples with a Bernoulli model")
        module = self.net_.module_
        states = self._inference_tensor(self.estimator_states_)
        return self._apply_batched(lambda x: log_mean_likelihood(module, x, states), X)

    def score(self, X: ArrayLike, y: ArrayLike | None = None) -> float:
        """Mean ``log p_hat`` of X (see :meth:`score_samples`); higher is better.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Held-out data.
        y : None
            Ignored.

        Returns
        -------
        score : float
            Mean log-likelihood under the model's estimator.

        Examples
        --------
        >>> from skscore import GSNSampler
        >>> from skscore.datasets import load_binary_digits
        >>> X, _ = load_binary_digits(return_X_y=True)
        >>> gsn = GSNSampler(hidden_layer_sizes=(64,), walkback=0, max_epochs=10, batch_size=32,
        ...                  lr=1e-2, n_estimator_samples=200, random_state=0).fit(X[:300])
        >>> type(gsn.score(X[300:400]))  # the mean log-likelihood of held-out digits, in nats
        <class 'float'>
        """
        return float(np.mean(self.score_samples(X)))


def _observed_moments(X):
    """Per-column mean and standard deviation of the non-NaN entries (0 without any)."""
    observed = ~np.isnan(X)
    counts = observed.sum(axis=0)
    zeros, some = np.zeros(X.shape[1]), counts > 0
    mean = np.divide(
        np.where(observed, X, 0.0).sum(axis=0, dtype=np.float64),
        counts,
        out=zeros.copy(),
        where=some,
    )
    deviations = np.where(observed, X - mean, 0.0)
    var = np.divide(
        (deviations**2).sum(axis=0, dtype=np.float64), counts, out=zeros.copy(), where=some
    )
    return mean, np.sqrt(var)


def _is_pixel_data(values):
    """Whether observed values are pixel intensities: bits, or values in [0, 1] of which at
    least ``AUTO_SATURATED_FRACTION`` are exactly 0 or 1 (the background and saturated ink of
    grey images; continuous data in [0, 1] hardly ever hits the bounds)."""
    if values.size == 0 or values.min() < 0.0 or values.max() > 1.0:
        return False
    return bool(np.mean((values == 0.0) | (values == 1.0)) >= AUTO_SATURATED_FRACTION)


def _is_nan_marker(missing_values):
    """Whether ``missing_values`` marks missing entries as NaN (NaN or pandas' NA)."""
    return bool(is_scalar_nan(missing_values) or is_pandas_na(missing_values))


def _check_unit_interval(X, what):
    """Raise unless the observed (non-NaN) entries of X are in [0, 1]."""
    observed = X[~np.isnan(X)]
    if observed.size == 0:
        return
    lo, hi = float(observed.min()), float(observed.max())
    if lo < 0.0 or hi > 1.0:
        raise ValueError(
            f"{what} needs data in [0, 1] (bits or probabilities), got values in "
            f"[{lo:.3g}, {hi:.3g}]; use corruption='gaussian', reconstruction='gaussian'"
        )
