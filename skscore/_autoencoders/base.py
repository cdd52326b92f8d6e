"""What every score-estimating auto-encoder offers once its reconstruction r(x) is trained.

Thesis chapter 3: ``(r(x) - x) / sigma^2`` estimates the score ∇ log p (eq. 3.10), its Jacobian
minus the identity the Hessian (section 3.3.8), path integrals of the score give energy
differences (eq. 3.13) and Metropolis–Hastings samples (section 3.4). DAE and RCAE differ only in
the training objective, so everything here is shared.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import torch
from sklearn.base import (
    ClassNamePrefixFeaturesOutMixin,
    DensityMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from skscore import sampling
from skscore._autoencoders.nn import ReconstructionField
from skscore._core.autodiff import (
    hutchinson_generator,
    jacobian,
    jacobian_trace_and_frobenius,
    trace_projections,
)
from skscore._core.base import BaseNeuralEstimator
from skscore._core.nn import ANTIDERIVATIVES
from skscore._core.numerics import MAX_STORED_CHAIN_STARTS, neighbour_distance
from skscore._core.types import ArrayLike, RandomState
from skscore._core.validation import check_arguments
from skscore.sampling import MAX_PATH_POINTS

#: Gauss–Legendre nodes used by ``score_samples`` for the path integral from the training mean.
SCORE_SAMPLES_PATH_POINTS = 32
#: ``sigma="auto"``: the neighbour scale is the median distance from a row to its
#: AUTO_SIGMA_NEIGHBOURS-th nearest distinct row, among AUTO_SIGMA_ROWS rows (fixed seed),
#: divided by sqrt(2 d); each estimator turns it into sigma with its own factor and exponent.
AUTO_SIGMA_ROWS = 1000
AUTO_SIGMA_NEIGHBOURS = 10
#: ``sigma="auto"`` when all rows are identical (no neighbour distance to go by).
FALLBACK_SIGMA = 0.1

_SAMPLERS = {
    "mh": sampling.metropolis_hastings,
    "mala": sampling.mala,
    "langevin": sampling.langevin,
}

_SAMPLE_CONSTRAINTS = {
    "n_samples": [Interval(numbers.Integral, 1, None, closed="left")],
    "method": [StrOptions(set(_SAMPLERS))],
    "n_steps": [Interval(numbers.Integral, 1, None, closed="left")],
    "burn_in": [Interval(numbers.Integral, 0, None, closed="left")],
    "step_size": [StrOptions({"auto"}), Interval(numbers.Real, 0, None, closed="neither")],
    "n_path_points": [Interval(numbers.Integral, 1, MAX_PATH_POINTS, closed="both")],
    "X_init": ["array-like", None],
    "random_state": ["random_state"],
    "return_acceptance": ["boolean"],
}


def _neighbour_scale(X):
    """Per-coordinate neighbour scale of the data, in data units (0.0 if all rows are equal).

    The median distance from a row to its 10th nearest distinct row, divided by ``sqrt(2 d)``:
    two rows that differ by independent ``N(0, w^2)`` noise in each of d coordinates are
    ``w sqrt(2 d)`` apart, so on data blurred by such noise the scale is about the width w.
    """
    return _neighbour_distance(X) / np.sqrt(2.0 * X.shape[1])


def _neighbour_distance(X):
    """The ``sigma="auto"`` neighbour distance (:func:`neighbour_distance` among the rows)."""
    return neighbour_distance(X, AUTO_SIGMA_NEIGHBOURS, max_rows=AUTO_SIGMA_ROWS)


class BaseScoreAutoEncoder(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, DensityMixin, BaseNeuralEstimator
):
    """Auto-encoder whose reconstruction estimates the score of the data density."""

    _parameter_constraints = {
        **BaseNeuralEstimator._parameter_constraints,
        "sigma": [StrOptions({"auto"}), Interval(numbers.Real, 0, None, closed="neither")],
        "parametrization": [StrOptions({"residual", "autoencoder", "energy"})],
    }
    _module_class = ReconstructionField
    _field_methods = ("grad_log_density", "hessian_log_density", "score_samples")
    _divergence_remedy = "lower `lr`, pass a larger float `sigma`, or keep `standardize=True`"

    def _fitted_attribute_spec(self):
        spec = {"sigma_": "positive", "_n_features_out": "count", "chain_starts_": "rows"}
        return {**super()._fitted_attribute_spec(), **spec}

    tied_weights = False
    #: ``sigma="auto"`` is ``factor * scale / n_features ** exponent`` with ``scale`` the
    #: neighbour scale (:func:`_neighbour_scale`); set per estimator from measurements.
    _auto_sigma_factor = 1.0
    _auto_sigma_exponent = 0.5

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    # -- fitting ---------------------------------------------------------------------------
    def _standardization(self, X):
        mean, scale = super()._standardization(X)
        if self.tied_weights:
            # one common scale keeps W^T h(Wz + b) + c a gradient field in data units
            scale = np.full_like(scale, np.sqrt(np.mean(scale**2)))
        return mean, scale

    def _prepare_fit(self, X, y):
        self._check_energy_activation()
        self.sigma_ = self._resolve_sigma(X)

    def _check_energy_activation(self):
        """The energy parametrization's score is ``-∇E``: a relu network's is piecewise
        constant, with a zero Jacobian (the RCAE's trace term, ``hessian_log_density``)."""
        if self.parametrization == "energy" and not self.tied_weights:
            if self.activation == "relu":
                raise ValueError(
                    'parametrization="energy" needs a smooth activation: the score is minus '
                    "the gradient of the energy network, which for relu is piecewise constant "
                    "(a zero Hessian, a degenerate score-matching loss); use activation="
                    '"tanh", "silu", "softplus" or "sigmoid", or parametrization="residual"'
                )

    def __setstate__(self, state):
        super().__setstate__(state)
        # fitted before sigma_ existed: sigma was always a float then
        if "net_" in state and "sigma_" not in state:
            self.sigma_ = float(self.sigma)

    def _resolve_sigma(self, X):
        """``sigma`` in data units: the given float, or the ``"auto"`` rule."""
        if self.sigma != "auto":
            return float(self.sigma)
        scale = _neighbour_scale(X)
        if not scale > 0:
            return FALLBACK_SIGMA
        return float(self._auto_sigma_factor * scale / X.shape[1] ** self._auto_sigma_exponent)

    def _module_params(self, X, y):
        return {
            "n_features": X.shape[1],
            "hidden_layer_sizes": tuple(self.hidden_layer_sizes),
            "activation": self.activation,
            "sigma": self.sigma_,
            "parametrization": self.parametrization,
            "tied_weights": self.tied_weights,
            "mean": self.mean_,
            "scale": self.scale_,
        }

    def _after_fit(self, X):
        sizes = list(self.hidden_layer_sizes)
        self._n_features_out = min(sizes)
        rng = np.random.RandomState(0)
        keep = rng.permutation(len(X))[:MAX_STORED_CHAIN_STARTS]
        self.chain_starts_ = np.asarray(X[keep], dtype=np.float64)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike | None = None) -> BaseScoreAutoEncoder:
        """Train the auto-encoder on X.

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
        >>> from skscore import DenoisingAEScoreEstimator
        >>> from skscore.datasets import GaussianMixtureDensity
        >>> density = GaussianMixtureDensity(means=[[0.0, 0.0]], covariances=[[0.25, 0.01]])
        >>> X = density.sample(500, random_state=0)
        >>> dae = DenoisingAEScoreEstimator(sigma=0.2, hidden_layer_sizes=(32, 32), max_epochs=50,
        ...                                 lr=1e-2, random_state=0)
        >>> dae.fit(X) is dae
        True
        >>> dae.n_features_in_, len(dae.history_)  # one history row per epoch
        (2, 50)
        >>> dae.chain_starts_.shape  # training rows kept to start sample() chains
        (500, 2)

        Each call starts from scratch (use ``partial_fit`` to continue training):

        >>> len(dae.set_params(max_epochs=3).fit(X).history_)
        3
        """
        return self._fit(X)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X: ArrayLike, y: ArrayLike | None = None) -> BaseScoreAutoEncoder:
        """Train for one more epoch on X (initialising the network on the first call).

        Like scikit-learn's ``MLPRegressor.partial_fit``, one call is one pass over X; no rows
        are held out (``early_stopping`` applies to ``fit`` only).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; on the first call it also sets the standardisation and, with
            ``sigma="auto"``, ``sigma_``.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The estimator.

        Examples
        --------
        >>> import numpy as np
        >>> from skscore import DenoisingAEScoreEstimator
        >>> from skscore.datasets import GaussianMixtureDensity
        >>> density = GaussianMixtureDensity(means=[[0.0, 0.0]], covariances=[[0.25, 0.01]])
        >>> X = density.sample(500, random_state=0)
        >>> dae = DenoisingAEScoreEstimator(sigma=0.2, hidden_layer_sizes=(32,), lr=1e-2,
        ...                                 random_state=0)
        >>> for chunk in np.array_split(X, 5):  # e.g. data arriving in batches
        ...     _ = dae.partial_fit(chunk)
        >>> len(dae.history_)  # one epoch per call
        5
        >>> _ = dae.partial_fit(X)  # keeps the weights and the first call's standardisation
        >>> len(dae.history_)
        6

        The learning-rate schedule continues across calls: the k-th epoch of all training uses
        the rate of epoch k of a ``fit`` with ``max_epochs`` epochs.

        >>> dae.history_[-1, "lr"] < dae.history_[0, "lr"]
        True
        """
        return self._partial_fit(X)

    # -- torch-level maps (data units, float64) --------------------------------------------
    def _score_tensor(self, x):
        return self.net_.module_(x) / self.sigma_

    def _as_output(self, values, X):
        return values.astype(X.dtype, copy=False)

    def _score_numpy(self, X):
        return self._apply_batched(self._score_tensor, X, what="the score")

    def _jacobian_cost(self):
        """Floats one row of a batched Jacobian keeps alive (d backward passes)."""
        return self.n_features_in_ * (self._activation_cost() + self.n_features_in_)

    # -- public API ------------------------------------------------------------------------
    def reconstruct(self, X: ArrayLike) -> np.ndarray:
        """Reconstruction r(X) of the auto-encoder.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points in data space.

        Returns
        -------
        R : ndarray of shape (n_samples, n_features)
            ``r(X) = X + sigma_ * u(X)`` in data units.

        Examples
        --------
        >>> import numpy as np
        >>> from skscore import DenoisingAEScoreEstimator
        >>> from skscore.datasets import GaussianMixtureDensity
        >>> density = GaussianMixtureDensity(means=[[0.0, 0.0]], covariances=[[0.25, 0.01]])
        >>> X = density.sample(500, random_state=0)  # a thin ridge along the first axis
        >>> dae = DenoisingAEScoreEstimator(sigma=0.2, hidden_layer_sizes=(32, 32), max_epochs=50,
        ...                                 lr=1e-2, random_state=0).fit(X)
        >>> X_off = np.array([[-0.5, 0.2], [0.0, 0.25], [0.5, -0.2]])  # beside the ridge y = 0
        >>> R = dae.reconstruct(X_off)
        >>> R.shape
        (3, 2)
        >>> np.allclose(R, X_off + dae.sigma**2 * dae.grad_log_density(X_off))
        True
        """
        X = self._check_X(X)
        R = self._apply_batched(lambda x: x + self.sigma_ * self.net_.module_(x), X)
        return self._as_output(R, X)

    def grad_log_density(self, X: ArrayLike) -> np.ndarray:
        """Score estimate ``(r(X) - X) / sigma^2`` of ∇ log p (thesis eq. 3.10).

        A DAE estimates the score of the data density smoothed by ``N(0, sigma^2 I)``
        (Tweedie's formula): compare it with that smoothed density's score (e.g.
        ``GaussianMixtureDensity.smoothed(sigma)``), not with the data density's own.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points in data space.

        Returns
        -------
        S : ndarray of shape (n_samples, n_features)
            Estimated gradient of the log-density at each row.
        """
        X = self._check_X(X)
        return self._as_output(self._score_numpy(X), X)

    def hessian_log_density(self, X: ArrayLike) -> np.ndarray:
        """Hessian estimate ``(dr/dx - I) / sigma^2`` of log p (thesis section 3.3.8).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points in data space.

        Returns
        -------
        H : ndarray of shape (n_samples, n_features, n_features)
            Jacobian of the score estimate at each row.

        Examples
        --------
        >>> import numpy as np
        >>> from skscore import DenoisingAEScoreEstimator
        >>> from skscore.datasets import GaussianMixtureDensity
        >>> density = GaussianMixtureDensity(means=[[0.0, 0.0]], covariances=[[0.25, 0.01]])
        >>> X = density.sample(500, random_state=0)  # a thin ridge along the first axis
        >>> dae = DenoisingAEScoreEstimator(sigma=0.2, hidden_layer_sizes=(32, 32), max_epochs=50,
        ...                                 lr=1e-2, random_state=0).fit(X)
        >>> H = dae.hessian_log_density(X[:50])
        >>> H.shape
        (50, 2, 2)

        ``H[i, j, k]`` is the derivative of score component j along feature k at row i:

        >>> h = 1e-5
        >>> dS_dx0 = (dae.grad_log_density(X[:50] + [h, 0.0])
        ...           - dae.grad_log_density(X[:50] - [h, 0.0])) / (2 * h)
        >>> np.allclose(H[:, :, 0], dS_dx0, atol=1e-4)
        True
        """
        X = self._check_X(X)
        H = self._apply_batched(
            lambda x: jacobian(self._score_tensor, x),
            X,
            row_cost=self._jacobian_cost(),
            what="the Hessian",
        )
        return self._as_output(H, X)

    def local_mean(self, X: ArrayLike, radius: float) -> np.ndarray:
        """Local mean of p in a ball of radius ``radius`` (thesis appendix 3.D, Theorem 3).

        ``m(x) = x + radius^2 / (d + 2) * score(x)``, valid for small radii.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Ball centres.
        radius : float
            Ball radius in data units (> 0).

        Returns
        -------
        M : ndarray of shape (n_samples, n_features)
            Estimated local means.

        Examples
        --------
        >>> import numpy as np
        >>> from skscore import DenoisingAEScoreEstimator
        >>> from skscore.datasets import GaussianMixtureDensity
        >>> density = GaussianMixtureDensity(means=[[0.0, 0.0]], covariances=[[0.25, 0.01]])
        >>> X = density.sample(500, random_state=0)  # a thin ridge along the first axis
        >>> dae = DenoisingAEScoreEstimator(sigma=0.2, hidden_layer_sizes=(32, 32), max_epochs=50,
        ...                                 lr=1e-2, random_state=0).fit(X)
        >>> X_off = np.array([[-0.5, 0.2], [0.0, 0.25], [0.5, -0.2]])  # beside the ridge y = 0
        >>> M = dae.local_mean(X_off, radius=0.2)
        >>> M.shape
        (3, 2)
        >>> np.allclose(M, X_off + 0.2**2 / (2 + 2) * dae.grad_log_density(X_off))
        True
        """
        check_arguments(
            f"{type(self).__name__}.local_mean",
            {"radius": [Interval(numbers.Real, 0, None, closed="neither")]},
            radius=radius,
        )
        if not np.isfinite(radius):
            raise ValueError(f"radius must be a finite positive number, got {radius!r}")
        X = self._check_X(X)
        d = X.shape[1]
        return self._as_output(X + radius**2 / (d + 2) * self._score_numpy(X), X)

    def energy_difference(
        self,
        X_from: ArrayLike,
        X_to: ArrayLike,
        *,
        n_path_points: int = 10,
        n_steps: int | str = "deprecated",
    ) -> np.ndarray:
        """Energy differences ``E(X_to) - E(X_from)``, ``E = -log p + c``.

        Exact, and independent of the path, when the energy has a closed form
        (``parametrization="energy"`` or ``tied_weights=True``). Otherwise the path integral of
        minus the score along the straight segment (thesis eq. 3.12–3.13), with
        ``n_path_points`` Gauss–Legendre nodes.

        Parameters
        ----------
        X_from, X_to : array-like of shape (n_samples, n_features)
            Start and end points, row by row.
        n_path_points : int, default=10
            Quadrature nodes on each segment (at most 1000); unused with a closed-form energy.
        n_steps : int
            Deprecated name of ``n_path_points``.

        Returns
        -------
        dE : ndarray of shape (n_samples,)
            Energy differences.

        Examples
        --------
        >>> import numpy as np
        >>> from skscore import DenoisingAEScoreEstimator
        >>> from skscore.datasets import GaussianMixtureDensity
        >>> density = GaussianMixtureDensity(means=[[0.0, 0.0]], covariances=[[0.25, 0.01]])
        >>> X = density.sample(500, random_state=0)  # a thin ridge along the first axis
        >>> dae = DenoisingAEScoreEstimator(sigma=0.2, hidden_layer_sizes=(32, 32), max_epochs=50,
        ...                                 lr=1e-2, random_state=0).fit(X)
        >>> X_from = density.sample(100, random_state=1)
        >>> X_to = density.sample(100, random_state=2)
        >>> dE = dae.energy_difference(X_from, X_to)
        >>> dE.shape
        (100,)
        >>> np.allclose(dae.energy_difference(X_to, X_from), -dE)  # E(a -> b) = -E(b -> a)
        True
        """
        if n_steps != "deprecated":
            warnings.warn(
                "energy_difference(n_steps=...) is deprecated; use n_path_points",
                FutureWarning,
                stacklevel=2,
            )
            n_path_points = n_steps
        check_arguments(
            f"{type(self).__name__}.energy_difference",
            {"n_path_points": _SAMPLE_CONSTRAINTS["n_path_points"]},
            n_path_points=n_path_points,
        )
        X_from = np.asarray(self._check_X(X_from), dtype=np.float64)
        X_to = np.asarray(self._check_X(X_to), dtype=np.float64)
        if X_from.shape != X_to.shape:
            raise ValueError(
                f"X_from and X_to must have the same shape, got {X_from.shape} and {X_to.shape}"
            )
        if self.net_.module_.has_log_density():
            return self._log_density(X_from) - self._log_density(X_to)
        return -sampling.line_integral(self._score_numpy, X_from, X_to, n_path_points=n_path_points)

    def _log_density(self, X):
        """Closed-form log-density up to a constant (energy or tied parametrizations)."""
        return self._apply_batched(self.net_.module_.log_density, X, what="the log-density")

    def score_samples(self, X: ArrayLike) -> np.ndarray:
        """Unnormalised log-density ``log p(x) - log p(x_ref)``, x_ref the training mean.

        Closed form with ``parametrization="energy"`` or tied weights, otherwise the path
        integral of the score from x_ref to each row. Meaningful up to a constant: ranking,
        novelty detection, comparisons.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points in data space.

        Returns
        -------
        log_density : ndarray of shape (n_samples,)
            Log-density relative to the training mean (float64).

        Examples
        --------
        >>> import numpy as np
        >>> from skscore import DenoisingAEScoreEstimator
        >>> from skscore.datasets import GaussianMixtureDensity
        >>> density = GaussianMixtureDensity(means=[[0.0, 0.0]], covariances=[[0.25, 0.01]])
        >>> X = density.sample(500, random_state=0)  # a thin ridge along the first axis
        >>> dae = DenoisingAEScoreEstimator(sigma=0.2, hidden_layer_sizes=(32, 32), max_epochs=50,
        ...                                 lr=1e-2, random_state=0).fit(X)
        >>> log_p = dae.score_samples([[0.0, 0.0], [0.5, 0.0], [0.0, 0.5]])
        >>> log_p.shape
        (3,)

        Novelty detection: flag points less likely than 99% of the training data.

        >>> threshold = np.percentile(dae.score_samples(X), 1)
        >>> dae.score_samples([[0.0, 0.05], [0.0, 1.0]]) < threshold
        array([False,  True])
        """
        X = np.asarray(self._check_X(X), dtype=np.float64)
        X_ref = np.broadcast_to(self.mean_, X.shape)
        if self.net_.module_.has_log_density():
            return self._log_density(X) - self._log_density(self.mean_[None, :])
        return sampling.line_integral(
            self._score_numpy, X_ref, X, n_path_points=SCORE_SAMPLES_PATH_POINTS
        )

    def score(self, X: ArrayLike, y: ArrayLike | None = None) -> float:
        """Minus the held-out Hyvärinen score-matching loss (higher is better).

        ``-mean(tr(∇ score(x)) + 0.5 ||score(x)||^2)``: the Fisher divergence to the data's
        score up to a constant, comparable across sigma and network sizes, so GridSearchCV can
        select them. The trace is exact up to 64 features, a fixed-seed Hutchinson estimate
        above.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Held-out data.
        y : None
            Ignored.

        Returns
        -------
        score : float
            Mean negative Hyvärinen loss.

        Examples
        --------
        >>> from sklearn.model_selection import GridSearchCV
        >>> from skscore import DenoisingAEScoreEstimator
        >>> from skscore.datasets import GaussianMixtureDensity
        >>> density = GaussianMixtureDensity(means=[[0.0, 0.0]], covariances=[[0.25, 0.01]])
        >>> X = density.sample(500, random_state=0)
        >>> dae = DenoisingAEScoreEstimator(hidden_layer_sizes=(32,), max_epochs=10, lr=1e-2,
        ...                                 random_state=0)
        >>> search = GridSearchCV(dae, {"sigma": [0.05, 0.2, 1.0]}, cv=3).fit(X)
        >>> search.best_params_  # more noise blurs the thin ridge
        {'sigma': 0.05}
        >>> search.cv_results_["rank_test_score"].tolist()
        [1, 2, 3]
        >>> X_test = density.sample(200, random_state=1)
        >>> isinstance(search.best_estimator_.score(X_test), float)
        True
        """
        X = self._check_X(X)
        n_projections = trace_projections(X.shape[1])
        n_products = X.shape[1] if n_projections is None else n_projections
        per_row = self._apply_batched(
            lambda x: self._hyvarinen(x, n_projections),
            X,
            row_cost=n_products * (self._activation_cost() + X.shape[1]),
            what="the score",
        )
        return -float(np.mean(per_row))

    def _hyvarinen(self, x, n_projections):
        """Hyvärinen's score-matching loss per row, ``tr(ds/dx) + |s|^2 / 2`` (eq. 3.5)."""
        s, trace, _ = jacobian_trace_and_frobenius(
            self._score_tensor, x, n_projections, generator=hutchinson_generator(x.device)
        )
        return (trace + 0.5 * (s**2).sum(-1)).detach()

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Activations of the first narrowest hidden layer (the code).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points in data space.

        Returns
        -------
        codes : ndarray of shape (n_samples, min(hidden_layer_sizes))
            Hidden representation (dtype of X).

        Examples
        --------
        >>> import numpy as np
        >>> from skscore import DenoisingAEScoreEstimator
        >>> from skscore.datasets import make_spiral
        >>> X = make_spiral(200, noise=0.01, random_state=0)
        >>> dae = DenoisingAEScoreEstimator(sigma=0.05, hidden_layer_sizes=(16, 4, 16),
        ...                                 max_epochs=2, random_state=0).fit(X)
        >>> codes = dae.transform(X[:5])
        >>> codes.shape  # the 4-unit bottleneck
        (5, 4)
        >>> bool(np.all(np.abs(codes) <= 1))  # tanh units
        True
        >>> dae.get_feature_names_out()[:2].tolist()  # output names, e.g. for pandas output
        ['denoisingaescoreestimator0', 'denoisingaescoreestimator1']
        """
        X = self._check_X(X)
        return self._as_output(self._apply_batched(self.net_.module_.encode, X), X)

    def sample(
        self,
        n_samples: int = 1,
        *,
        method: str = "mh",
        n_steps: int = 1000,
        burn_in: int = 200,
        step_size: float | str = "auto",
        n_path_points: int = 10,
        X_init: ArrayLike | None = None,
        random_state: RandomState = None,
        return_acceptance: bool = False,
    ) -> np.ndarray | tuple[np.ndarray, float]:
        """Draw samples by MCMC on the learned score (thesis section 3.4).

        ``n_samples`` chains run in parallel, started at random training points (or ``X_init``).
        "mh" is Metropolis–Hastings with a Gaussian proposal and path-integral energy
        differences, "mala" the Metropolis-adjusted Langevin algorithm, "langevin" unadjusted
        Langevin dynamics.

        Parameters
        ----------
        n_samples : int, default=1
            Number of chains (one returned state per chain).
        method : {"mh", "mala", "langevin"}, default="mh"
            MCMC kernel, see :mod:`skscore.sampling`.
        n_steps : int, default=1000
            Steps after burn-in.
        burn_in : int, default=200
            Steps run first; with ``step_size="auto"`` the step is adapted during them.
        step_size : "auto" or float, default="auto"
            Proposal scale in data units; "auto" starts at ``sigma_`` and adapts toward a
            sensible acceptance rate during burn-in.
        n_path_points : int, default=10
            Quadrature nodes of each energy-difference path integral.
        X_init : array-like of shape (n_samples, n_features), default=None
            Chain starts; default random training points.
        random_state : int, RandomState instance or None, default=None
            Seed of the chains.
        return_acceptance : bool, default=False
            Also return the acceptance rate after burn-in.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features)
            Final chain states.
        acceptance : float
            Only if ``return_acceptance``.

        Examples
        --------
        >>> import numpy as np
        >>> from skscore import DenoisingAEScoreEstimator
        >>> from skscore.datasets import GaussianMixtureDensity
        >>> density = GaussianMixtureDensity(means=[[0.0, 0.0]], covariances=[[0.25, 0.01]])
        >>> X = density.sample(500, random_state=0)  # a thin ridge along the first axis
        >>> dae = DenoisingAEScoreEstimator(sigma=0.2, hidden_layer_sizes=(32, 32), max_epochs=50,
        ...                                 lr=1e-2, random_state=0).fit(X)
        >>> X_new, acceptance = dae.sample(100, n_steps=50, burn_in=50, random_state=0,
        ...                                return_acceptance=True)
        >>> X_new.shape
        (100, 2)
        >>> type(acceptance)  # burn-in tunes the step toward a rate of 0.3 for "mh"
        <class 'float'>

        Chains can start from given points (``X_init``, one row per chain) instead of
        training rows:

        >>> X_init = np.tile([0.0, 1.0], (100, 1))
        >>> dae.sample(100, method="mala", n_steps=50, burn_in=50, X_init=X_init,
        ...            random_state=0).shape
        (100, 2)
        """
        check_is_fitted(self)
        check_arguments(
            f"{type(self).__name__}.sample",
            _SAMPLE_CONSTRAINTS,
            n_samples=n_samples,
            method=method,
            n_steps=n_steps,
            burn_in=burn_in,
            step_size=step_size,
            n_path_points=n_path_points,
            X_init=X_init,
            random_state=random_state,
            return_acceptance=return_acceptance,
        )
        rng = check_random_state(random_state)
        if X_init is None:
            X_init = self.chain_starts_[rng.randint(len(self.chain_starts_), size=n_samples)]
        else:
            X_init = np.asarray(self._check_X(X_init), dtype=np.float64)
            if len(X_init) != n_samples:
                raise ValueError(
                    f"X_init has {len(X_init)} rows but n_samples={n_samples} chains requested"
                )
        return _SAMPLERS[method](
            self._float32_score_function(),
            X_init,
            n_steps=n_steps,
            burn_in=burn_in,
            step_size=step_size,
            initial_step_size=self.sigma_,
            n_path_points=n_path_points,
            random_state=rng,
            return_acceptance=return_acceptance,
            verbose=self.verbose,
        )

    def _float32_score_function(self):
        """Score in float32 for MCMC: half the cost of float64 inference, and a chain always
        evaluates the same batches for a given seed, so results stay reproducible."""
        module = self._float32_module()
        rows = self._chunk_rows(self._activation_cost())

        def score(X):
            outputs = []
            with torch.no_grad():
                for start in range(0, len(X), rows):
                    batch = self._inference_tensor(X[start : start + rows], torch.float32)
                    outputs.append(module(batch).double().cpu().numpy() / self.sigma_)
            return np.concatenate(outputs)

        return score

    def _check_params(self):
        super()._check_params()
        if self.tied_weights:
            if len(self.hidden_layer_sizes) != 1:
                raise ValueError(
                    "tied_weights=True needs exactly one hidden layer, got "
                    f"hidden_layer_sizes={tuple(self.hidden_layer_sizes)}"
                )
            if self.activation not in ANTIDERIVATIVES:
                raise ValueError(
                    f"tied_weights=True needs an activation with a closed-form antiderivative "
                    f"({sorted(ANTIDERIVATIVES)}), got {self.activation!r}"
                )
