"""Shared plumbing of every neural estimator: parameters, validation, device, seeding,
standardisation, building and training the skorch net that owns the torch module, and bounded
batched inference.

An estimator subclasses :class:`BaseNeuralEstimator` and fills these hooks:

- ``_module_class`` and ``_module_params(X, y)``: the torch module (each family's ``nn``
  module) and its constructor arguments (the base adds ``seed``);
- ``_criterion_class`` and ``_criterion_params(X, y)``: the training objective
  (:mod:`skscore._core.objective`);
- ``_prepare_fit(X, y)``: fitted state the module or objective needs (set after validation and
  standardisation, before the net is built);
- ``_after_fit(X)``: extra fitted state once training has succeeded;
- ``_divergence_remedy``: what to change when training diverges (in the error message);
- ``_fitted_attribute_spec()``: the fitted attributes and what each must be (checked when
  :mod:`skscore.io` loads a file).

The :mod:`skscore.io` protocol (``_io_section``, ``_io_keys``, ``_io_state``, ``_io_rebuild``,
``_io_check_fitted``) is implemented here once for every estimator; see :mod:`skscore.io`.

Training runs in float32; afterwards the module is switched to float64 so that inference does
not depend on how rows are batched.
"""

from __future__ import annotations

import copy
import numbers
import warnings

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch.callbacks import Callback, EarlyStopping, LRScheduler
from skorch.dataset import Dataset
from skorch.helper import predefined_split
from skorch.history import History

from skscore._core.callbacks import (
    EpochLRSchedule,
    EpochProgress,
    GradientAveraging,
    NonFiniteGuard,
)
from skscore._core.distributed import process_group, shared_seeds
from skscore._core.nn import standardization
from skscore._core.progress import Progress
from skscore._core.random import draw_seeds
from skscore._core.training import OPTIMIZERS, ObjectiveNet, TensorBatchIterator, resolve_optimizer
from skscore._core.user_module import as_tensor
from skscore._core.validation import (
    check_finite_output,
    check_fitted_attributes,
    check_float32_range,
    reject_booleans,
)
from skscore.exceptions import NonFiniteLossError

#: Floats (of the largest intermediate) one inference chunk may hold: about 64 MB in float64.
INFERENCE_BUDGET = 2**23
#: Rows per inference chunk at most (beyond it larger chunks buy no speed).
MAX_CHUNK_ROWS = 16384
#: Training rows on which the loss after the last step is checked.
FINAL_CHECK_ROWS = 1024
#: Activations kept per hidden unit and row by autograd (a generous factor).
ACTIVATION_FACTOR = 4


def resolve_device(device):
    """Turn the ``device`` parameter into a torch device string, or raise a ValueError."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device {device!r} is not a valid torch device: {exc}") from None
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device {device!r} requested but torch.cuda.is_available() is False; "
                "use device='cpu' or device='auto'"
            )
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise ValueError(
                f"device {device!r} requested but only {torch.cuda.device_count()} CUDA "
                "device(s) are visible"
            )
    elif resolved.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device {device!r} requested but MPS is not available; use 'cpu'")
    elif resolved.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device {device!r} is not supported; use 'auto', 'cpu' or 'cuda'")
    return str(resolved)


class BaseNeuralEstimator(BaseEstimator):
    """Base class of the skscore estimators that own a skorch net (composition, not
    inheritance: ``net_``, ``module_``, ``history_`` after fit)."""

    _parameter_constraints = {
        "hidden_layer_sizes": ["array-like"],
        "activation": [StrOptions({"tanh", "sigmoid", "relu", "silu", "softplus"})],
        "standardize": ["boolean"],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "lr_schedule": [StrOptions({"cosine", "constant"}), LRScheduler],
        "optimizer": [StrOptions(set(OPTIMIZERS)), type],
        "optimizer_params": [dict, None],
        "weight_decay": [Interval(numbers.Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "device": [str],
        "callbacks": [list, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    # -- hooks -----------------------------------------------------------------------------
    _module_class = None
    _criterion_class = None
    _divergence_remedy = "lower `lr`, or keep `standardize=True`"

    def _module_params(self, X, y):
        return {}

    def _remedy(self):
        """``_divergence_remedy`` as it applies: the advice to keep ``standardize=True`` only
        when it is False (then: set it)."""
        remedy = self._divergence_remedy
        if self.standardize:
            remedy = remedy.replace(", or keep `standardize=True`", "")
            remedy = remedy.replace(" or keep `standardize=True`", "")
        else:
            remedy = remedy.replace("keep `standardize=True`", "set `standardize=True`")
        return remedy

    def _criterion_params(self, X, y):
        return {}

    def _prepare_fit(self, X, y):
        """Fitted state the module or objective needs, from the validated training data."""

    def _after_fit(self, X):
        """Extra fitted state, computed once training has succeeded."""

    def _n_epochs(self):
        """Epochs of one ``fit``: ``max_epochs``, unless a subclass resolves it from the data
        in ``_prepare_fit``."""
        return self.max_epochs

    def _check_params(self):
        """Cross-parameter checks beyond ``_parameter_constraints``."""
        reject_booleans(
            self._parameter_constraints, self.get_params(deep=False), type(self).__name__
        )
        if self.optimizer == "lbfgs" and process_group()[1] > 1:
            raise ValueError(
                "optimizer='lbfgs' is not supported in data-parallel training (its line search "
                "would diverge between processes); use 'adam' or 'sgd'"
            )
        sizes = self.hidden_layer_sizes  # a string is "auto", where a subclass allows it
        if not isinstance(sizes, str) and (
            len(sizes) == 0
            or any(
                not isinstance(s, numbers.Integral) or isinstance(s, bool) or s < 1 for s in sizes
            )
        ):
            raise ValueError(
                f"hidden_layer_sizes must be a non-empty sequence of positive ints, got {sizes!r}"
            )
        if isinstance(self.optimizer, type) and not issubclass(
            self.optimizer, torch.optim.Optimizer
        ):
            raise ValueError(
                f"optimizer must be one of {sorted(OPTIMIZERS)} or a torch.optim.Optimizer "
                f"subclass, got {self.optimizer!r}"
            )
        self._check_optimizer_arguments()
        for cb in self.callbacks or []:
            named = isinstance(cb, tuple) and len(cb) == 2 and isinstance(cb[0], str)
            cb = cb[1] if named else cb
            if not isinstance(cb, Callback):
                raise TypeError(
                    "callbacks must be a list of skorch Callback instances or (name, Callback) "
                    f"pairs, got an entry {cb!r} of type {type(cb).__name__}"
                )
            monitor = getattr(cb, "monitor", None)
            if isinstance(monitor, str) and monitor.startswith("valid") and not self.early_stopping:
                raise ValueError(
                    f"callback {type(cb).__name__} monitors {monitor!r}, which needs a "
                    "validation split: set early_stopping=True (it holds out "
                    "validation_fraction of the rows), or monitor 'train_loss'"
                )

    def _check_optimizer_arguments(self):
        """Build the optimizer once on a dummy parameter, so that an invalid argument (e.g.
        ``optimizer_params={"betas": "x"}``) is named before training."""
        cls, kwargs = resolve_optimizer(self.optimizer, self._optimizer_kwargs())
        try:
            cls([torch.zeros(1, requires_grad=True)], lr=self.lr, **kwargs)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise ValueError(
                f"optimizer_params={self.optimizer_params!r} (weight_decay="
                f"{self.weight_decay!r}) are not valid arguments of {cls.__name__}: {exc}"
            ) from None

    # -- parameters ------------------------------------------------------------------------
    def set_params(self, **params) -> BaseNeuralEstimator:
        """Set the parameters of this estimator (scikit-learn's ``set_params``).

        ``optimizer__<name>=value`` sets one entry of ``optimizer_params`` (e.g.
        ``optimizer__momentum=0.9``), so grids of ``GridSearchCV`` can name them.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : object
            The estimator.

        Examples
        --------
        >>> from skscore import DenoisingAEScoreEstimator
        >>> dae = DenoisingAEScoreEstimator(optimizer="sgd")
        >>> dae.set_params(optimizer__momentum=0.9, lr=0.01).optimizer_params
        {'momentum': 0.9}
        """
        routed = {
            k[len("optimizer__") :]: v for k, v in params.items() if k.startswith("optimizer__")
        }
        if routed:
            params = {k: v for k, v in params.items() if not k.startswith("optimizer__")}
            params["optimizer_params"] = {
                **(params.get("optimizer_params", self.optimizer_params) or {}),
                **routed,
            }
        return super().set_params(**params)

    def _optimizer_kwargs(self):
        kwargs = dict(self.optimizer_params or {})
        if self.weight_decay:
            kwargs["weight_decay"] = self.weight_decay
        return kwargs

    # -- fitted state ----------------------------------------------------------------------
    def __sklearn_is_fitted__(self):
        return hasattr(self, "net_")

    @property
    def module_(self) -> torch.nn.Module:
        """The trained torch module (``net_.module_``), in float64 for inference.

        Examples
        --------
        >>> import torch
        >>> from skscore import DenoisingAEScoreEstimator
        >>> from skscore.datasets import make_spiral
        >>> X = make_spiral(200, noise=0.01, random_state=0)
        >>> dae = DenoisingAEScoreEstimator(sigma=0.05, hidden_layer_sizes=(32,), max_epochs=2,
        ...                                 random_state=0).fit(X)
        >>> dae.module_ is dae.net_.module_
        True
        >>> next(dae.module_.parameters()).dtype
        torch.float64
        """
        check_is_fitted(self)
        return self.net_.module_

    @property
    def history_(self) -> History:
        """The skorch training history (``net_.history``): one row per epoch."""
        check_is_fitted(self)
        return self.net_.history

    def __setstate__(self, state):
        super().__setstate__(state)
        # skorch maps a CUDA-fitted net to the CPU when unpickled without a GPU
        if "device_" in state and torch.device(self.device_).type == "cuda":
            if not torch.cuda.is_available():
                self.device_ = "cpu"

    # -- validation ------------------------------------------------------------------------
    def _validate_X(self, X, *, reset, allow_nan=False):
        return validate_data(
            self,
            X,
            reset=reset,
            dtype=[np.float64, np.float32],
            ensure_min_samples=2 if reset else 1,
            ensure_all_finite="allow-nan" if allow_nan else True,
        )

    def _check_X(self, X):
        """Validated X for a fitted estimator's method."""
        check_is_fitted(self)
        return self._validate_X(X, reset=False)

    def _validate_fit_data(self, X, y, *, reset):
        """Validated training data ``(X, y)``; unsupervised estimators ignore y."""
        X = self._validate_X(X, reset=reset)
        check_float32_range(X)
        return X, None

    def _standardization(self, X):
        """Per-feature mean and scale (scale 1 when ``standardize=False``); NaN ignored."""
        if not self.standardize:
            return np.zeros(X.shape[1]), np.ones(X.shape[1])
        return standardization(X)

    # -- training --------------------------------------------------------------------------
    def _callbacks(self):
        is_main_process = process_group()[0] == 0
        schedule = self.lr_schedule
        callbacks = [
            ("non_finite_guard", NonFiniteGuard(self._remedy())),
            ("gradient_averaging", GradientAveraging()),
            (
                "lr_schedule",
                EpochLRSchedule(schedule, self._n_epochs())
                if isinstance(schedule, str)
                else schedule,
            ),
        ]
        if self.early_stopping:
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(
                        monitor="valid_loss",
                        patience=self.n_iter_no_change,
                        threshold=self.tol,
                        threshold_mode="abs",
                        load_best=True,
                        sink=lambda *args, **kwargs: None,
                    ),
                )
            )
        if self.verbose >= 1 and is_main_process:
            callbacks.append(("progress", EpochProgress(f"training {type(self).__name__}")))
        return callbacks + list(self.callbacks or [])

    def _build_net(self, X, y, seeds, valid):
        init_seed, shuffle_seed, noise_seed, validation_seed = seeds
        module_params = {"seed": init_seed, **self._module_params(X, y)}
        optimizer, optimizer_params = resolve_optimizer(self.optimizer, self._optimizer_kwargs())
        shuffle_generator = torch.Generator(device=torch.device(self.device_))
        shuffle_generator.manual_seed(shuffle_seed)
        is_main_process = process_group()[0] == 0
        return ObjectiveNet(
            module=self._module_class,
            criterion=self._criterion_class,
            optimizer=optimizer,
            lr=self.lr,
            max_epochs=self._n_epochs(),
            batch_size=self.batch_size,
            iterator_train=TensorBatchIterator,
            iterator_train__shuffle=True,
            iterator_train__generator=shuffle_generator,
            iterator_valid=TensorBatchIterator,
            iterator_valid__split_across_processes=False,
            train_split=None if valid is None else predefined_split(valid),
            device=self.device_,
            callbacks=self._callbacks(),
            verbose=int(self.verbose >= 2 and is_main_process),
            noise_seed=noise_seed,
            validation_seed=validation_seed,
            **{f"module__{k}": v for k, v in module_params.items()},
            **{f"criterion__{k}": v for k, v in self._criterion_params(X, y).items()},
            **{f"optimizer__{k}": v for k, v in optimizer_params.items()},
        )

    def _training_tensor(self, X):
        if X is None:
            return None
        return as_tensor(np.asarray(X, dtype=np.float32), self.device_)

    def _split(self, X, y, rng):
        """Training rows, and the validation ``Dataset`` with ``early_stopping`` (else None)."""
        if not self.early_stopping:
            return X, y, None
        n_valid = int(round(self.validation_fraction * len(X)))
        if n_valid < 1 or n_valid >= len(X):
            raise ValueError(
                f"validation_fraction={self.validation_fraction} of {len(X)} rows leaves an "
                "empty training or validation set; use more rows or another fraction"
            )
        order = rng.permutation(len(X))
        train, valid = order[n_valid:], order[:n_valid]
        y_train = None if y is None else y[train]
        valid_set = Dataset(
            self._training_tensor(X[valid]), None if y is None else self._training_tensor(y[valid])
        )
        return X[train], y_train, valid_set

    def _fit(self, X, y=None, *, epochs=None):
        """Fit from scratch (``epochs=None``: ``max_epochs``) and set the fitted state."""
        self._reset_fitted_state()
        self._check_params()
        X, y = self._validate_fit_data(X, y, reset=True)
        try:
            self.device_ = resolve_device(self.device)
            self.mean_, self.scale_ = self._standardization(X)
            self._prepare_fit(X, y)
            rng = check_random_state(self.random_state)
            seeds = shared_seeds(draw_seeds(rng, 5))
            X_train, y_train, valid = (
                self._split(X, y, np.random.RandomState(seeds[4]))
                if epochs is None
                else (X, y, None)
            )
            net = self._build_net(X, y, seeds[:4], valid)
            net.initialize()
            final_losses = self._train_epochs(net, X_train, y_train, epochs or self._n_epochs())
            self.net_ = net
            self._after_fit(X)
        except BaseException:
            self._reset_fitted_state()
            raise
        if epochs is None:
            self._warn_if_worse(final_losses, len(X_train))
        return self

    def _partial_fit(self, X, y=None):
        """One more epoch on (X, y), initialising on the first call."""
        if not hasattr(self, "net_"):
            return self._fit(X, y, epochs=1)
        X, y = self._validate_fit_data(X, y, reset=False)
        self._train_epochs(self.net_, X, y, 1)
        return self

    def _train_epochs(self, net, X, y, epochs):
        net.module_.float().train()
        net.epochs_planned_ = epochs
        try:
            net.partial_fit(self._training_tensor(X), self._training_tensor(y), epochs=epochs)
            return self._check_final_loss(net, X, y)
        finally:
            # float64 inference: outputs independent of batch composition
            net.module_.double().eval()

    def _check_final_loss(self, net, X, y):
        """The loss after the last step (the guard has seen every loss before it); returns
        the per-row losses of the rows checked."""
        rows = slice(0, min(len(X), FINAL_CHECK_ROWS))
        X_check = self._training_tensor(X[rows])
        y_check = None if y is None else self._training_tensor(y[rows])
        with torch.no_grad():
            losses = net.objective(X_check, y_check, per_example=True)
        if not torch.isfinite(losses).all():
            raise NonFiniteLossError(
                f"training diverged: the loss after the last step is "
                f"{losses.mean().item()}; {self._remedy()}"
            )
        return losses.detach().cpu().double().numpy()

    def _warn_if_worse(self, final_losses, n_rows):
        """Warn when the last epoch's mean loss exceeds the first's by more than three
        standard errors of their difference (estimated from the per-row losses at the end):
        noise alone rarely does that, a diverging run does."""
        losses = self.history_[:, "train_loss"]
        margin = 3 * np.sqrt(2) * float(np.std(final_losses)) / np.sqrt(n_rows)
        if len(losses) >= 2 and losses[-1] > losses[0] + margin:
            warnings.warn(
                f"{type(self).__name__}'s training loss ended higher than it started "
                f"({losses[0]:.4g} in epoch 1, {losses[-1]:.4g} in epoch {len(losses)}); "
                f"{self._remedy()}",
                ConvergenceWarning,
                stacklevel=4,
            )

    def _reset_fitted_state(self):
        for name in list(vars(self)):
            if name.endswith("_") and not name.startswith("__"):
                delattr(self, name)

    # -- inference -------------------------------------------------------------------------
    def _float32_module(self):
        """A float32 copy of the trained module, for random chains where float64's batch
        invariance buys nothing (about half the cost on CPU)."""
        return copy.deepcopy(self.net_.module_).float().eval()

    def _inference_tensor(self, X, dtype=torch.float64):
        return as_tensor(X, self.device_, dtype)

    def _chunk_rows(self, row_cost):
        """Rows per inference chunk so that one chunk holds about ``INFERENCE_BUDGET`` floats;
        ``row_cost`` is the number of floats one row needs."""
        return int(max(1, min(MAX_CHUNK_ROWS, INFERENCE_BUDGET // max(1, row_cost))))

    def _activation_cost(self):
        """Floats one row's forward and backward pass keep alive."""
        return self.n_features_in_ + ACTIVATION_FACTOR * int(sum(self._hidden_sizes()))

    def _hidden_sizes(self):
        """The hidden widths of the fitted network."""
        return tuple(self.hidden_layer_sizes)

    def _apply_batched(self, fn, X, *, row_cost=None, what="output"):
        """Apply ``fn`` (tensor -> tensor) to X in chunks of rows, whose size depends on
        ``row_cost`` (floats per row; default: one forward pass), so peak memory does not
        grow with the number of rows. Returns a float64 ndarray, checked to be finite."""
        rows = self._chunk_rows(row_cost or self._activation_cost())
        values, finite = np.zeros((0,)), True
        progress = Progress(
            len(X),
            f"{what} of {type(self).__name__}",
            unit="row",
            enabled=bool(getattr(self, "verbose", 0)) and len(X) > rows,
        )
        with torch.no_grad():
            for start in range(0, len(X), rows):
                batch = self._inference_tensor(X[start : start + rows])
                chunk = fn(batch).detach().cpu().numpy()
                if start == 0:  # written in place: no list of chunks to concatenate
                    values = np.empty((len(X), *chunk.shape[1:]), dtype=chunk.dtype)
                values[start : start + len(chunk)] = chunk
                finite = finite and bool(np.isfinite(chunk).all())
                progress.update(len(chunk))
        progress.close()
        return values if finite else check_finite_output(values, what, X)

    # -- skscore.io protocol -----------------------------------------------------------------
    #: Key of the fitted network's section in a file, and the keys of that section.
    _io_section = "net"
    _io_keys = frozenset(
        {"module", "criterion", "module_params", "criterion_params", "seeds", "weights", "history"}
    )

    def _fitted_attribute_spec(self):
        """``{name: kind}`` of every fitted attribute (see
        :func:`skscore._core.validation.check_fitted_attributes`); subclasses add theirs."""
        return {
            "n_features_in_": "count",
            "feature_names_in_": "array?",
            "_sklearn_output_config": "dict?",  # set_output
            "device_": "str",
            "mean_": "features",
            "scale_": "positive features",
        }

    def _io_check_fitted(self):
        """Raise a ValueError when a fitted attribute is missing, unknown or invalid."""
        check_fitted_attributes(self, self._fitted_attribute_spec())

    def _io_state(self):
        """What :mod:`skscore.io` stores beyond parameters and fitted attributes: the net's
        module and criterion (names and arguments), seeds, ``state_dict`` and history."""
        net = self.net_
        return {
            "module": type(net.module_).__name__,
            "criterion": type(net.criterion_).__name__,
            "module_params": net.get_params_for("module"),
            "criterion_params": net.get_params_for("criterion"),
            "seeds": [
                int(net.get_params_for("module").get("seed", 0)),
                int(net.iterator_train__generator.initial_seed()),
                int(net.noise_seed),
                int(net.validation_seed),
            ],
            "weights": net.module_.state_dict(),
            "history": net.history,
        }

    def _io_rebuild(self, state, check_sizes):
        """Rebuild ``net_`` from a decoded ``_io_state`` (its ``weights`` left out) and return
        the float64 torch module the stored weights are loaded into. ``check_sizes(dict)``
        refuses int arguments that describe a network larger than the stored weights. Raises
        a ValueError or TypeError when the state does not fit the estimator."""
        cls = type(self)
        for part, expected in (("module", cls._module_class), ("criterion", cls._criterion_class)):
            if state[part] != expected.__name__:
                raise ValueError(
                    f"a {cls.__name__} trains a {expected.__name__} {part}, the file names "
                    f"{state[part]!r}"
                )
        module_params, criterion_params = state["module_params"], state["criterion_params"]
        seeds, rows = state["seeds"], state["history"]
        if not (isinstance(module_params, dict) and isinstance(criterion_params, dict)):
            raise ValueError("module and criterion arguments must be objects")
        if not (
            isinstance(seeds, list)
            and len(seeds) == 4
            and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds)
        ):
            raise ValueError("'seeds' must be four non-negative ints")
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise ValueError("'history' must be a list of rows")
        check_sizes(module_params)
        self._check_net_arguments(module_params, "module")
        self._check_net_arguments(criterion_params, "criterion")
        X_empty = np.zeros((0, self.n_features_in_))
        stored = {"_module_params": module_params, "_criterion_params": criterion_params}
        try:  # _build_net with the stored arguments
            for name, value in stored.items():
                setattr(self, name, lambda X, y, value=value: value)
            net = self._build_net(X_empty, None, seeds, None)
        finally:
            for name in stored:
                delattr(self, name)
        if "early_stopping" in dict(net.callbacks or []):
            # the held-out rows are not saved: partial_fit after load has no validation loss
            net.set_params(callbacks__early_stopping=None)
        net.initialize()
        net.history_ = History(rows)
        self.net_ = net
        return net.module_.double().eval()

    def _check_net_arguments(self, arguments, part):
        """Refuse stored module or criterion arguments that disagree with the estimator: an
        argument named like a parameter (``hidden_layer_sizes``, ``activation``) or a fitted
        attribute (``sigma`` and ``sigma_``, ``mean`` and ``mean_``) must equal it, and
        ``n_features`` must be ``n_features_in_``."""
        params = self.get_params(deep=False)
        fitted = vars(self)
        for name, value in arguments.items():
            if name == "n_features":
                expected, source = self.n_features_in_, "n_features_in_"
            elif f"{name}_" in fitted:
                expected, source = fitted[f"{name}_"], f"{name}_"
            elif name in params and name != "seed":
                expected, source = params[name], name
            else:
                continue
            if isinstance(expected, (list, tuple)) and isinstance(value, (list, tuple)):
                same = len(expected) == len(value) and all(
                    _same_value(a, b) for a, b in zip(expected, value, strict=True)
                )
            else:
                same = _same_value(expected, value)
            if not same:
                raise ValueError(
                    f"its {part} argument {name}={_short(value)} disagrees with the "
                    f"estimator's {source}={_short(expected)}"
                )


def _same_value(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype.kind == b.dtype.kind and np.array_equal(a, b)
    if isinstance(a, (bool, np.bool_)) != isinstance(b, (bool, np.bool_)):
        return False
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _short(value):
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."
