"""Conservative part of a vector field, learned from scattered samples (Im, Belghazi &
Memisevic, "Conservativeness of untied auto-encoders").

The estimand is the least-squares projection of a field F onto gradient fields under the
distribution of the training inputs: ``argmin_Phi E ||grad Phi(X) - F(X)||^2`` (the scalar
part of the Hodge decomposition, paper Eq. 16). On a bounded domain this is not the naive
"drop the rotation" answer: a rotation has flux through the boundary, which the projection
keeps (:func:`grid_conservative_projection` computes the exact answer on a 2-D grid).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse
import scipy.sparse.linalg
import torch
from sklearn.base import RegressorMixin, _fit_context
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import validate_data

from skscore import sampling
from skscore._conservative.nn import PotentialField
from skscore._conservative.objective import ConservativeFieldLoss
from skscore._core.autodiff import jacobian
from skscore._core.base import BaseNeuralEstimator
from skscore._core.docstrings import fill_doc, shared_parameter_docs
from skscore._core.nn import ANTIDERIVATIVES
from skscore._core.types import (
    ArrayLike,
    Callbacks,
    Device,
    HiddenLayerSizes,
    LRSchedule,
    Optimizer,
    RandomState,
)
from skscore._core.validation import check_float32_range

#: Gauss–Legendre nodes of the path integral giving the untied auto-encoder's "potential".
POTENTIAL_PATH_POINTS = 16
#: The tied auto-encoder's field Jacobian is >= -amplitude * I; the amplitude is this factor
#: times the most negative curvature of a linear (quadratic) fit of the targets.
TIED_CURVATURE_MARGIN = 2.0
#: Up to this dimension the curvature of potential targets comes from a full quadratic fit;
#: above it from a diagonal one.
FULL_QUADRATIC_MAX_FEATURES = 20


def _field_amplitude(T):
    """RMS of the field in standardised units (1 for a zero field)."""
    rms = float(np.sqrt(np.mean(T**2)))
    return rms if rms > 0 else 1.0


def _most_negative_curvature(M):
    """``max(0, -lambda_min((M + M^T) / 2))``."""
    return max(0.0, -float(np.linalg.eigvalsh(0.5 * (M + M.T))[0]))


def _tied_amplitude_field(Z, T):
    """Amplitude letting a tied auto-encoder reach the field ``T(Z)`` (standardised units).

    The tied field ``amplitude * (W^T D_h' W - I)`` has a Jacobian ``>= -amplitude * I``
    whenever ``h' >= 0`` (sigmoid, tanh, relu): with ``amplitude = 1`` it cannot represent a
    field contracting faster than the identity (the paper's own example sits exactly on the
    bound). The most negative curvature of a linear least-squares fit ``T ~ A z + b``,
    times a margin, keeps the target inside the reachable set.
    """
    design = np.hstack([Z, np.ones((len(Z), 1))])
    coef = np.linalg.lstsq(design, T, rcond=None)[0]
    A = coef[:-1].T
    return max(_field_amplitude(T), TIED_CURVATURE_MARGIN * _most_negative_curvature(A))


def _tied_amplitude_potential(Z, y):
    """As :func:`_tied_amplitude_field` for potential targets, from a quadratic fit of y."""
    n, d = Z.shape
    full = d <= FULL_QUADRATIC_MAX_FEATURES
    rows, cols = np.triu_indices(d) if full else (np.arange(d), np.arange(d))
    design = np.hstack([np.ones((n, 1)), Z, Z[:, rows] * Z[:, cols]])
    coef = np.linalg.lstsq(design, y, rcond=None)[0][1 + d :]
    Q = np.zeros((d, d))
    Q[rows, cols] += coef
    Q = Q + Q.T  # Hessian of sum_{i<=j} q_ij z_i z_j
    std = float(np.std(y))
    return max(std if std > 0 else 1.0, TIED_CURVATURE_MARGIN * _most_negative_curvature(Q))


@fill_doc(shared_parameters=shared_parameter_docs(exclude=("hidden_layer_sizes",)))
class ConservativeFieldRegressor(RegressorMixin, BaseNeuralEstimator):
    """Learn the conservative (gradient) part of a vector field from samples.

    Given points ``X`` and field values ``Y = F(X)``, fits a potential ``Phi`` minimising
    ``E ||grad Phi(X) - F(X)||^2`` over the training distribution: the least-squares
    projection of F onto gradient fields (Im, Belghazi & Memisevic, "Decomposing the vector
    field"; the scalar part of the Hodge decomposition, Eq. 16). What is left,
    ``F - predict(X)``, is the rotational (divergence-free, tangential at the boundary) part.
    On a bounded domain this projection differs from "drop the antisymmetric part of the
    Jacobian": a rotation has flux through the boundary that the projection keeps.

    With a 1-D target ``y`` (samples of a potential) it fits ``Phi`` to ``y`` directly;
    ``predict`` then returns the potential and ``gradient`` its gradient field.

    Parameters
    ----------
    parametrization : {"gradient", "tied_ae", "untied_ae"}, default="gradient"
        "gradient": ``Phi`` is an MLP with a scalar output and the field its gradient by
        automatic differentiation (exactly conservative; the most accurate in 10-D).
        "tied_ae": the paper's tied auto-encoder, field ``W^T h(W z + b) + c - z`` with the
        closed-form potential of Eq. 3–4; one hidden layer, activation "tanh", "sigmoid" or
        "relu". Its Jacobian is ``>= -I`` (``h' >= 0``), so targets are divided by an
        amplitude that puts their most negative curvature (from a linear fit, times 2)
        inside that range. "untied_ae": an untied auto-encoder ``u(z) - z``, not conservative
        (to study conservativeness); field targets only, and ``potential`` is a path
        integral from the training mean, path-dependent unless the field is conservative.
    {shared_parameters}

    Attributes
    ----------
    target_type_ : {"field", "potential"}
        "field" for targets of shape (n_samples, n_features), "potential" for (n_samples,).
    amplitude_ : float
        Scale of the potential in standardised units (target scaling).
    reference_point_ : ndarray of shape (n_features,)
        Training mean; with field targets the potential is 0 there.
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
    skscore.metrics.jacobian_symmetricity : conservativeness of any fitted field.
    skscore.metrics.curl_2d : curl of a 2-D field on a grid.

    Notes
    -----
    The user guide gives measured accuracies on the paper's grid and in 10-D, and how the
    learning-rate schedule, the sample size and the network size affect them.

    References
    ----------
    D. J. Im, M. I. D. Belghazi and R. Memisevic, "Conservativeness of untied
    auto-encoders", AAAI 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore import ConservativeFieldRegressor
    >>> X = np.random.RandomState(0).uniform(-1, 1, size=(500, 2))
    >>> Y = np.column_stack([-X[:, 0] + X[:, 1], -X[:, 0] - X[:, 1]])  # spiralling sink
    >>> reg = ConservativeFieldRegressor(hidden_layer_sizes=(32, 32), max_epochs=20,
    ...                                  lr=1e-2, random_state=0).fit(X, Y)
    >>> reg.predict(X[:3]).shape, reg.potential(X[:3]).shape, reg.jacobian(X[:3]).shape
    ((3, 2), (3,), (3, 2, 2))
    >>> J = reg.jacobian(X[:3])
    >>> bool(np.allclose(J, J.transpose(0, 2, 1)))  # a gradient field: symmetric Jacobian
    True
    """

    _parameter_constraints = {
        **BaseNeuralEstimator._parameter_constraints,
        "parametrization": [StrOptions({"gradient", "tied_ae", "untied_ae"})],
    }
    _module_class = PotentialField
    _criterion_class = ConservativeFieldLoss
    _field_methods = ("gradient", "jacobian", "potential")
    _divergence_remedy = "lower `lr`, use optimizer='adam', or keep `standardize=True`"

    def _fitted_attribute_spec(self):
        spec = {"target_type_": "str", "amplitude_": "positive", "reference_point_": "features"}
        return {**super()._fitted_attribute_spec(), **spec}

    def __init__(
        self,
        parametrization: str = "gradient",
        *,
        hidden_layer_sizes: HiddenLayerSizes = (64, 64),
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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    # -- fitting ---------------------------------------------------------------------------
    def _check_params(self):
        super()._check_params()
        if self.parametrization == "tied_ae":
            if len(self.hidden_layer_sizes) != 1:
                raise ValueError(
                    "parametrization='tied_ae' needs exactly one hidden layer, e.g. "
                    f"hidden_layer_sizes=(256,); got {tuple(self.hidden_layer_sizes)}"
                )
            if self.activation not in ANTIDERIVATIVES:
                raise ValueError(
                    "parametrization='tied_ae' needs an activation with a closed-form "
                    f"antiderivative ({sorted(ANTIDERIVATIVES)}), got {self.activation!r}"
                )

    def _validate_fit_data(self, X, y, *, reset):
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            multi_output=True,
            y_numeric=True,
            dtype=[np.float64, np.float32],
            ensure_min_samples=2,
        )
        y = np.asarray(y, dtype=np.float64)
        check_float32_range(X)
        check_float32_range(y, "Y")
        target_type = self._target_type(X, y)
        if target_type == "potential" and self.parametrization == "untied_ae":
            raise ValueError(
                "parametrization='untied_ae' has no potential, so it cannot fit potential "
                "values (1-D y); pass the field (shape (n_samples, n_features)) or use "
                "parametrization='gradient'"
            )
        return X, y

    @staticmethod
    def _target_type(X, y):
        d = X.shape[1]
        if y.ndim == 2 and y.shape[1] == d:
            return "field"
        if y.ndim == 1:
            return "potential"
        raise ValueError(
            f"Y must have shape (n_samples,) (values of a potential) or (n_samples, "
            f"n_features) = (n_samples, {d}) (a vector field at X); got shape {y.shape}"
        )

    def _prepare_fit(self, X, y):
        self.target_type_ = self._target_type(X, y)
        Z = (X - self.mean_) / self.scale_
        scale = self.scale_
        if self.target_type_ == "field":
            T = y * scale  # the field in standardised units: grad_z Phi
            if self.parametrization == "tied_ae":
                self.amplitude_ = _tied_amplitude_field(Z, T)
            else:
                self.amplitude_ = _field_amplitude(T)
        else:
            std = float(np.std(y))
            if self.parametrization == "tied_ae":
                self.amplitude_ = _tied_amplitude_potential(Z, y)
            else:
                self.amplitude_ = std if std > 0 else 1.0

    def _module_params(self, X, y):
        offset = float(np.mean(y)) if self.target_type_ == "potential" else 0.0
        return {
            "n_features": X.shape[1],
            "hidden_layer_sizes": tuple(self.hidden_layer_sizes),
            "activation": self.activation,
            "parametrization": self.parametrization,
            "mean": self.mean_,
            "scale": self.scale_,
            "amplitude": self.amplitude_,
            "offset": offset,
        }

    def _criterion_params(self, X, y):
        if self.target_type_ == "field":
            norm = float(np.mean(np.sum(y**2, axis=1)))
        else:
            norm = float(np.std(y)) ** 2
        return {"target_type": self.target_type_, "normalizer": norm if norm > 0 else 1.0}

    def _after_fit(self, X):
        self.reference_point_ = np.asarray(X, dtype=np.float64).mean(axis=0)
        if self.target_type_ == "field" and self.parametrization != "untied_ae":
            module = self.net_.module_
            with torch.no_grad():
                value = module.potential(self._inference_tensor(self.reference_point_))
                module.offset -= value

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, Y: ArrayLike) -> ConservativeFieldRegressor:
        """Fit the conservative part of the field Y (or the potential y) at X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points where the field is observed.
        Y : array-like of shape (n_samples, n_features) or (n_samples,)
            The vector field at X, or samples of a potential at X.

        Returns
        -------
        self : object
            The fitted estimator.

        Examples
        --------
        Targets of shape (n_samples, n_features) are a vector field, here ``F(x) = -x``:

        >>> import numpy as np
        >>> from skscore import ConservativeFieldRegressor
        >>> X = np.random.RandomState(0).uniform(-1, 1, size=(300, 2))
        >>> reg = ConservativeFieldRegressor(hidden_layer_sizes=(32, 32), max_epochs=10,
        ...                                  batch_size=32, lr=1e-2, random_state=0)
        >>> reg.fit(X, -X).target_type_
        'field'

        A 1-D target holds samples of a potential, here ``-|x|^2 / 2``:

        >>> reg.fit(X, -0.5 * (X**2).sum(axis=1)).target_type_
        'potential'
        """
        return self._fit(X, Y)

    # -- inference -------------------------------------------------------------------------
    def _field_numpy(self, X):
        return self._apply_batched(self.net_.module_, X, what="the field")

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The conservative part of the field at X (the potential for potential targets).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Query points.

        Returns
        -------
        Y_pred : ndarray of shape (n_samples, n_features) or (n_samples,)
            ``gradient(X)`` after fitting a field, ``potential(X)`` after fitting a
            potential (float64).

        Examples
        --------
        Under a rotation-invariant distribution of X (here a standard normal) the rotation
        ``(-x_2, x_1)`` is orthogonal to every gradient field, so the conservative part of
        ``-x + (-x_2, x_1)`` is exactly ``-x``:

        >>> import numpy as np
        >>> from skscore import ConservativeFieldRegressor
        >>> X = np.random.RandomState(0).normal(size=(300, 2))
        >>> rotation = np.column_stack([-X[:, 1], X[:, 0]])
        >>> Y = -X + rotation  # a spiralling sink
        >>> reg = ConservativeFieldRegressor(hidden_layer_sizes=(32, 32), max_epochs=10,
        ...                                  batch_size=32, lr=1e-2, random_state=0).fit(X, Y)
        >>> G = reg.predict(X)
        >>> G.shape
        (300, 2)
        """
        if self.__sklearn_is_fitted__() and self.target_type_ == "potential":
            return self.potential(X)
        return self.gradient(X)

    def gradient(self, X: ArrayLike) -> np.ndarray:
        """The fitted field ``grad Phi`` at X, in data units.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Query points.

        Returns
        -------
        G : ndarray of shape (n_samples, n_features)
            The field (float64); not a gradient for ``parametrization="untied_ae"``.

        Examples
        --------
        Fit samples of the potential ``-|x|^2 / 2`` (full-batch L-BFGS converges in a few
        epochs) and recover its gradient ``-x``, which was never observed:

        >>> import numpy as np
        >>> from skscore import ConservativeFieldRegressor
        >>> X = np.random.RandomState(0).uniform(-1, 1, size=(300, 2))
        >>> y = -0.5 * (X**2).sum(axis=1)
        >>> reg = ConservativeFieldRegressor(hidden_layer_sizes=(32, 32), max_epochs=5,
        ...                                  batch_size=300, optimizer="lbfgs", lr=1.0,
        ...                                  random_state=0).fit(X, y)
        >>> reg.predict(X).shape, reg.gradient(X).shape  # predict gives the potential here
        ((300,), (300, 2))
        """
        X = self._check_X(X)
        return self._field_numpy(X)

    def potential(self, X: ArrayLike) -> np.ndarray:
        """The potential ``Phi`` at X.

        With field targets ``Phi`` is defined up to a constant, fixed by ``Phi = 0`` at the
        training mean. For ``parametrization="untied_ae"`` it is the integral of the field
        along the straight segment from the training mean (path-dependent unless the field
        is conservative).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Query points.

        Returns
        -------
        phi : ndarray of shape (n_samples,)
            Potential values (float64).

        Examples
        --------
        Fit the field ``F(x) = -x``, whose potential is ``-|x|^2 / 2`` up to a constant:

        >>> import numpy as np
        >>> from skscore import ConservativeFieldRegressor
        >>> X = np.random.RandomState(0).uniform(-1, 1, size=(300, 2))
        >>> reg = ConservativeFieldRegressor(hidden_layer_sizes=(32, 32), max_epochs=10,
        ...                                  batch_size=32, lr=1e-2, random_state=0).fit(X, -X)
        >>> phi = reg.potential(X)
        >>> phi.shape
        (300,)

        The constant is fixed by ``Phi = 0`` at the training mean:

        >>> bool(abs(reg.potential(reg.reference_point_[None])[0]) < 1e-5)
        True
        """
        X = self._check_X(X)
        if self.parametrization == "untied_ae":
            X = np.asarray(X, dtype=np.float64)
            X_ref = np.broadcast_to(self.reference_point_, X.shape)
            return sampling.line_integral(
                self._field_numpy, X_ref, X, n_path_points=POTENTIAL_PATH_POINTS
            )
        return self._apply_batched(self.net_.module_.potential, X, what="the potential")

    def jacobian(self, X: ArrayLike) -> np.ndarray:
        """Jacobian ``dG_i / dx_j`` of the fitted field (the Hessian of the potential).

        Symmetric for the conservative parametrizations; see
        :func:`skscore.metrics.jacobian_symmetricity`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Query points.

        Returns
        -------
        J : ndarray of shape (n_samples, n_features, n_features)
            ``J[k, i, j] = dG_i / dx_j`` at row k (float64).

        Examples
        --------
        Fit the spiralling sink ``-x + (-x_2, x_1)``, whose Jacobian is ``[[-1, -1], [1, -1]]``,
        with a gradient field and with an untied auto-encoder:

        >>> import numpy as np
        >>> from skscore import ConservativeFieldRegressor
        >>> X = np.random.RandomState(0).normal(size=(300, 2))
        >>> Y = np.column_stack([-X[:, 0] - X[:, 1], X[:, 0] - X[:, 1]])
        >>> params = dict(max_epochs=10, batch_size=32, lr=1e-2, random_state=0)
        >>> reg = ConservativeFieldRegressor(hidden_layer_sizes=(32, 32), **params).fit(X, Y)
        >>> untied = ConservativeFieldRegressor("untied_ae", hidden_layer_sizes=(32,),
        ...                                     **params).fit(X, Y)

        The gradient field's Jacobian is the Hessian of its potential: symmetric, about ``-I``
        (the rotation is not conservative and is left out). The untied auto-encoder learns
        the rotation too, so its Jacobian has an antisymmetric part:

        >>> J = reg.jacobian(X[:50])
        >>> J.shape, bool(np.allclose(J, J.transpose(0, 2, 1)))
        ((50, 2, 2), True)
        >>> np.round(J.mean(axis=0)).astype(int).tolist()
        [[-1, 0], [0, -1]]
        >>> np.round(untied.jacobian(X[:50]).mean(axis=0)).astype(int).tolist()
        [[-1, -1], [1, -1]]
        """
        X = self._check_X(X)
        d = self.n_features_in_
        return self._apply_batched(
            lambda x: jacobian(self.net_.module_, x),
            X,
            row_cost=d * (self._activation_cost() + d),
            what="the Jacobian",
        )

    def score(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
        """Coefficient of determination R^2 of ``predict(X)`` against y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Test points.
        y : array-like of shape (n_samples, n_features) or (n_samples,)
            The field (or potential) at X, the kind used in ``fit``.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            R^2, averaged uniformly over the field's components. A non-conservative field
            scores below 1 even when its conservative part is learned exactly.

        Examples
        --------
        Under a rotation-invariant distribution of X (here a standard normal) the rotation
        ``(-x_2, x_1)`` is orthogonal to every gradient field, so the conservative part of
        ``-x + (-x_2, x_1)`` is exactly ``-x``:

        >>> import numpy as np
        >>> from skscore import ConservativeFieldRegressor
        >>> X = np.random.RandomState(0).normal(size=(300, 2))
        >>> rotation = np.column_stack([-X[:, 1], X[:, 0]])
        >>> Y = -X + rotation  # a spiralling sink
        >>> reg = ConservativeFieldRegressor(hidden_layer_sizes=(32, 32), max_epochs=10,
        ...                                  batch_size=32, lr=1e-2, random_state=0).fit(X, Y)

        The fit explains its conservative part ``-x`` well, but only about half of ``Y``:
        the rotation, as large as ``-x``, cannot be learned by a gradient field.

        >>> isinstance(reg.score(X, -X), float), isinstance(reg.score(X, Y), float)
        (True, True)
        """
        y_pred = self.predict(X)
        y = np.asarray(y)
        if y.shape != y_pred.shape:
            kind = "field" if self.target_type_ == "field" else "potential"
            raise ValueError(
                f"y must have shape {y_pred.shape} (the {kind} at X, as in fit); got {y.shape}"
            )
        return r2_score(y, y_pred, sample_weight=sample_weight)


def grid_conservative_projection(field_values, bounds):
    """Least-squares conservative part of a 2-D field sampled on a regular grid.

    Finds the grid potential ``phi`` minimising the sum over grid edges of
    ``(difference quotient of phi - F . edge direction averaged over the edge)^2``. Its
    normal equations are the 5-point Poisson equation ``lap phi = div F`` with the Neumann
    condition ``d phi / dn = F . n`` on the boundary: the discrete least-squares projection
    onto gradient fields under the uniform distribution on the rectangle (scalar part of the
    Hodge decomposition, paper Eq. 16). The conservative part at the nodes is the central
    difference of ``phi`` (one-sided on the boundary).

    Parameters
    ----------
    field_values : ndarray of shape (ny, nx, 2)
        ``F`` at the nodes ``(x_j, y_i)`` of ``np.meshgrid(np.linspace(xmin, xmax, nx),
        np.linspace(ymin, ymax, ny))``.
    bounds : tuple of 4 floats
        ``(xmin, xmax, ymin, ymax)``.

    Returns
    -------
    phi : ndarray of shape (ny, nx)
        Potential, 0 at the first node.
    gradient : ndarray of shape (ny, nx, 2)
        Its gradient at the nodes: the conservative part of F.

    Examples
    --------
    A rotation has flux through the boundary of a square, so its least-squares conservative
    part there is not zero:

    >>> import numpy as np
    >>> from skscore._conservative.estimator import grid_conservative_projection
    >>> GX, GY = np.meshgrid(np.linspace(-1, 1, 41), np.linspace(-1, 1, 41))
    >>> rotation = np.stack([-GY, GX], axis=-1)
    >>> phi, G = grid_conservative_projection(rotation, (-1, 1, -1, 1))
    >>> round(float(np.linalg.norm(G) / np.linalg.norm(rotation)), 2)
    0.39
    """
    F = np.asarray(field_values, dtype=np.float64)
    if F.ndim != 3 or F.shape[2] != 2 or min(F.shape[:2]) < 3:
        raise ValueError(
            f"field_values must have shape (ny, nx, 2) with nx, ny >= 3, got {F.shape}"
        )
    if not np.all(np.isfinite(F)):
        raise ValueError("field_values contains NaN or inf")
    ny, nx, _ = F.shape
    xmin, xmax, ymin, ymax = (float(v) for v in bounds)
    if not (xmin < xmax and ymin < ymax):
        raise ValueError(
            f"bounds must be (xmin, xmax, ymin, ymax) with xmin < xmax, got {bounds!r}"
        )
    hx, hy = (xmax - xmin) / (nx - 1), (ymax - ymin) / (ny - 1)
    index = np.arange(nx * ny).reshape(ny, nx)

    def difference(lo, hi, h):
        m = lo.size
        rows = np.repeat(np.arange(m), 2)
        cols = np.column_stack([lo.ravel(), hi.ravel()]).ravel()
        vals = np.tile([-1.0 / h, 1.0 / h], m)
        return scipy.sparse.csr_matrix((vals, (rows, cols)), shape=(m, nx * ny))

    Dx = difference(index[:, :-1], index[:, 1:], hx)
    Dy = difference(index[:-1, :], index[1:, :], hy)
    fx = 0.5 * (F[:, :-1, 0] + F[:, 1:, 0]).ravel()
    fy = 0.5 * (F[:-1, :, 1] + F[1:, :, 1]).ravel()
    L = (Dx.T @ Dx + Dy.T @ Dy).tocsc()
    rhs = Dx.T @ fx + Dy.T @ fy
    phi = np.zeros(nx * ny)
    phi[1:] = scipy.sparse.linalg.spsolve(L[1:, 1:], rhs[1:])  # phi[0] = 0 fixes the constant
    phi = phi.reshape(ny, nx)
    gy, gx = np.gradient(phi, hy, hx, edge_order=2)
    return phi, np.stack([gx, gy], axis=-1)
