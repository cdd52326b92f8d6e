"""Shared plumbing of every neural estimator: validation, device, seeding, standardisation, and
building and training the skorch net that owns the torch module.

An estimator subclasses :class:`BaseNeuralEstimator` and fills three hooks:

- ``_module_class`` and ``_module_params(X, y)``: the torch module and its constructor arguments;
- ``_criterion_class`` and ``_criterion_params(X, y)``: a module
  ``loss = criterion(module, X_batch)`` (an objective rather than a prediction loss:
  corruption noise, walkback, Jacobian penalties live there);
- ``_after_fit(X)``: optional extra fitted state.

Training runs in float32; afterwards the module is switched to float64 so that inference does
not depend on how rows are batched (notes/check-estimator-pitfalls.md, P6).
"""

import copy
import numbers
from contextlib import contextmanager, nullcontext

import numpy as np
import torch
from sklearn.base import BaseEstimator, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch import NeuralNet
from skorch.callbacks import Callback, ProgressBar

from ._distributed import (
    GradientAveraging,
    process_group,
    rank_local_rng,
    rank_rows,
    shared_seed,
)

OPTIMIZERS = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD, "lbfgs": torch.optim.LBFGS}

_SHARED_PARAMETER_DOCS = """\
hidden_layer_sizes : tuple of int, default=(256, 256)
        Widths of the hidden layers of the network.
    activation : {"tanh", "sigmoid", "relu", "silu", "softplus"}, default="tanh"
        Hidden-unit non-linearity.
    standardize : bool, default=True
        Centre and scale each feature inside the estimator. Never changes the estimand: sigma,
        step sizes and every output are in the units of the data.
    max_epochs : int, default=100
        Number of passes over the training data in ``fit``.
    batch_size : int, default=256
        Mini-batch size for training and for batched inference.
    lr : float, default=1e-3
        Learning rate.
    optimizer : {"adam", "sgd", "lbfgs"}, default="adam"
        Optimizer.
    weight_decay : float, default=0.0
        L2 penalty passed to the optimizer.
    device : str, default="auto"
        "auto" (CUDA when available, else CPU), "cpu", "cuda", "cuda:N" or "mps". The resolved
        device is ``device_``.
    callbacks : list of skorch callbacks, default=None
        Extra skorch callbacks (cloned at each ``fit``).
    random_state : int, RandomState instance or None, default=None
        Controls initialisation, batching and noise. Torch's global RNG is never changed.
    verbose : int, default=0
        0 silent, 1 prints the epoch table, 2 or more also shows a progress bar."""


class TensorBatchIterator:
    """Mini-batches sliced from tensors (no per-sample collation).

    skorch instantiates it as ``iterator_train(dataset, batch_size=..., shuffle=...)``; batches
    are ``(X_batch, y_batch)`` with ``y_batch`` None for unsupervised data. Shuffling draws from
    torch's (forked, seeded) global RNG. In data-parallel training (an initialised process
    group) each global batch is split between the processes, and the noise drawn while a batch
    is in use differs between them (:mod:`skscore._distributed`).
    """

    def __init__(self, dataset, batch_size=256, shuffle=False):
        self.X = dataset.X
        self.y = dataset.y
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.rank, self.world_size = process_group()

    def __len__(self):
        n_full, remainder = divmod(len(self.X), self.batch_size)
        return n_full + (remainder >= self.world_size)

    def __iter__(self):
        n = len(self.X)
        order = torch.randperm(n, device=self.X.device) if self.shuffle else torch.arange(n)
        distributed = self.world_size > 1
        with rank_local_rng(self.X.device, self.rank) if distributed else nullcontext():
            for start in range(0, n, self.batch_size):
                rows = rank_rows(order[start : start + self.batch_size], self.rank, self.world_size)
                if len(rows):
                    yield self.X[rows], (None if self.y is None else self.y[rows])


class ObjectiveNet(NeuralNet):
    """A skorch net whose criterion is an objective of the module and the raw batch:
    ``criterion(module, X)`` or, for supervised data, ``criterion(module, X, y)``."""

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        tensors = [t.to(self.device) for t in batch if t is not None]
        loss = self.criterion_(self.module_, *tensors)
        loss.backward()
        return {"loss": loss, "y_pred": None}


class NonFiniteLossError(FloatingPointError):
    """Raised when the training loss becomes NaN or infinite."""


class NonFiniteLossGuard(Callback):
    """Stop training with a clear error as soon as a batch loss is not finite."""

    def on_batch_end(self, net, batch=None, training=None, loss=None, **kwargs):
        if training and loss is not None and not torch.isfinite(loss):
            raise NonFiniteLossError(
                f"training loss became {loss.item()} at epoch {len(net.history)}; "
                "lower `lr`, increase `sigma`, or keep `standardize=True`"
            )


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


@contextmanager
def seeded_torch(seed, device):
    """Run a block with torch's RNGs seeded, restoring the global RNG state afterwards."""
    dev = torch.device(device)
    devices = []
    if dev.type == "cuda":
        devices = [dev.index if dev.index is not None else torch.cuda.current_device()]
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


class BaseNeuralEstimator(BaseEstimator):
    """Base class of the skscore estimators that own a skorch net (composition, not
    inheritance: ``net_``, ``module_``, ``history_`` after fit)."""

    _parameter_constraints = {
        "hidden_layer_sizes": ["array-like"],
        "activation": [StrOptions(set(("tanh", "sigmoid", "relu", "silu", "softplus")))],
        "standardize": ["boolean"],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "optimizer": [StrOptions(set(OPTIMIZERS))],
        "weight_decay": [Interval(numbers.Real, 0, None, closed="left")],
        "device": [str],
        "callbacks": [list, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    # -- hooks -----------------------------------------------------------------------------
    _module_class = None
    _criterion_class = None

    def _module_params(self, X, y):
        return {}

    def _criterion_params(self, X, y):
        return {}

    def _after_fit(self, X):
        """Extra fitted state, computed once training has succeeded."""

    def _check_params(self):
        """Cross-parameter checks beyond ``_parameter_constraints``."""
        if self.optimizer == "lbfgs" and self.weight_decay:
            raise ValueError("weight_decay is not supported with optimizer='lbfgs'; use 'adam'")
        if self.optimizer == "lbfgs" and process_group()[1] > 1:
            raise ValueError(
                "optimizer='lbfgs' is not supported in data-parallel training (its line search "
                "would diverge between processes); use 'adam' or 'sgd'"
            )
        sizes = self.hidden_layer_sizes
        if len(sizes) == 0 or any(
            not isinstance(s, numbers.Integral) or isinstance(s, bool) or s < 1 for s in sizes
        ):
            raise ValueError(
                f"hidden_layer_sizes must be a non-empty sequence of positive ints, got {sizes!r}"
            )

    # -- fitted state ----------------------------------------------------------------------
    def __sklearn_is_fitted__(self):
        return hasattr(self, "net_")

    @property
    def module_(self):
        """The trained torch module (``net_.module_``).

        Examples
        --------
        >>> import numpy as np
        >>> import torch
        >>> from skscore import DenoisingAEScoreEstimator
        >>> from skscore.datasets import make_spiral
        >>> X = make_spiral(200, noise=0.01, random_state=0)
        >>> dae = DenoisingAEScoreEstimator(sigma=0.05, hidden_layer_sizes=(32,), max_epochs=2,
        ...                                 random_state=0).fit(X)
        >>> dae.module_ is dae.net_.module_
        True
        >>> isinstance(dae.module_, torch.nn.Module)
        True
        >>> next(dae.module_.parameters()).dtype  # switched to float64 for inference
        torch.float64

        Called directly it maps a tensor to the displacement ``u(x) = (r(x) - x) / sigma``:

        >>> x = torch.tensor(X[:3])
        >>> with torch.no_grad():
        ...     u = dae.module_(x).numpy()
        >>> np.allclose(X[:3] + dae.sigma * u, dae.reconstruct(X[:3]))
        True
        """
        return self.net_.module_

    @property
    def history_(self):
        """The skorch training history (``net_.history``).

        Examples
        --------
        >>> from skscore import DenoisingAEScoreEstimator
        >>> from skscore.datasets import GaussianMixtureDensity
        >>> density = GaussianMixtureDensity(means=[[0.0, 0.0]], covariances=[[0.25, 0.01]])
        >>> X = density.sample(500, random_state=0)
        >>> dae = DenoisingAEScoreEstimator(sigma=0.2, hidden_layer_sizes=(32,), max_epochs=5,
        ...                                 lr=1e-2, random_state=0).fit(X)
        >>> len(dae.history_)  # one row per epoch
        5
        >>> dae.history_[-1, "epoch"]
        5
        >>> losses = dae.history_[:, "train_loss"]  # mean training loss of each epoch
        >>> len(losses), bool(losses[-1] < losses[0])
        (5, True)
        """
        return self.net_.history

    def __setstate__(self, state):
        super().__setstate__(state)
        # skorch maps a CUDA-fitted net to the CPU when unpickled without a GPU
        if "device_" in state and torch.device(self.device_).type == "cuda":
            if not torch.cuda.is_available():
                self.device_ = "cpu"

    # -- validation ------------------------------------------------------------------------
    def _validate_X(self, X, *, reset):
        return validate_data(
            self,
            X,
            reset=reset,
            dtype=[np.float64, np.float32],
            ensure_min_samples=2 if reset else 1,
        )

    def _standardization(self, X):
        """Per-feature mean and scale (scale 1 when ``standardize=False``)."""
        d = X.shape[1]
        if not self.standardize:
            return np.zeros(d), np.ones(d)
        mean = X.mean(axis=0, dtype=np.float64)
        scale = X.std(axis=0, dtype=np.float64)
        scale[scale < 1e-12 * max(1.0, np.abs(mean).max())] = 1.0
        return mean, scale

    # -- training --------------------------------------------------------------------------
    def _build_net(self, X, y):
        is_main_process = process_group()[0] == 0
        callbacks = [
            ("non_finite_loss_guard", NonFiniteLossGuard()),
            ("gradient_averaging", GradientAveraging()),
        ]
        if self.verbose >= 2 and is_main_process:
            callbacks.append(("progress_bar", ProgressBar()))
        for cb in self.callbacks or []:
            callbacks.append(clone(cb) if hasattr(cb, "get_params") else copy.deepcopy(cb))
        module_params = {f"module__{k}": v for k, v in self._module_params(X, y).items()}
        criterion_params = {f"criterion__{k}": v for k, v in self._criterion_params(X, y).items()}
        optimizer_params = {}
        if self.weight_decay:
            optimizer_params["optimizer__weight_decay"] = self.weight_decay
        return ObjectiveNet(
            module=self._module_class,
            criterion=self._criterion_class,
            optimizer=OPTIMIZERS[self.optimizer],
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            iterator_train=TensorBatchIterator,
            iterator_train__shuffle=True,
            train_split=None,
            device=self.device_,
            callbacks=callbacks,
            verbose=int(self.verbose >= 1 and is_main_process),
            **module_params,
            **criterion_params,
            **optimizer_params,
        )

    def _training_tensor(self, X):
        if X is None:
            return None
        return torch.tensor(np.asarray(X, dtype=np.float32), device=self.device_)

    def _validate_fit_data(self, X, y, *, reset):
        """Validated training data ``(X, y)``; unsupervised estimators ignore y."""
        return self._validate_X(X, reset=reset), None

    def _fit(self, X, y=None, *, epochs=None):
        """Fit from scratch (``epochs=None``: ``max_epochs``) and set the fitted state."""
        self._reset_fitted_state()
        self._check_params()
        X, y = self._validate_fit_data(X, y, reset=True)
        try:
            self.device_ = resolve_device(self.device)
            self.mean_, self.scale_ = self._standardization(X)
            self._rng = check_random_state(self.random_state)
            seed = shared_seed(self._rng.randint(np.iinfo(np.int32).max))
            with seeded_torch(seed, self.device_):
                net = self._build_net(X, y)
                net.initialize()
                self._train_epochs(net, X, y, epochs)
            self.net_ = net
            self._after_fit(X)
        except BaseException:
            self._reset_fitted_state()
            raise
        return self

    def _partial_fit(self, X, y=None):
        """One more epoch on (X, y), initialising on the first call."""
        if not hasattr(self, "net_"):
            return self._fit(X, y, epochs=1)
        X, y = self._validate_fit_data(X, y, reset=False)
        seed = shared_seed(self._rng.randint(np.iinfo(np.int32).max))
        with seeded_torch(seed, self.device_):
            self._train_epochs(self.net_, X, y, 1)
        return self

    def _train_epochs(self, net, X, y, epochs):
        net.module_.float().train()
        try:
            net.partial_fit(
                self._training_tensor(X),
                self._training_tensor(y),
                epochs=epochs or self.max_epochs,
            )
        finally:
            # float64 inference: outputs independent of batch composition
            net.module_.double().eval()

    def _reset_fitted_state(self):
        for name in list(vars(self)):
            if (name.endswith("_") and not name.startswith("__")) or name == "_rng":
                delattr(self, name)

    # -- inference -------------------------------------------------------------------------
    def _float32_module(self):
        """A float32 copy of the trained module, for random chains where float64's batch
        invariance buys nothing (about half the cost on CPU)."""
        return copy.deepcopy(self.net_.module_).float().eval()

    def _inference_tensor(self, X):
        return torch.tensor(np.asarray(X, dtype=np.float64), device=self.device_)

    def _apply_batched(self, fn, X, batch_size=None):
        """Apply ``fn`` (tensor -> tensor) to X in row batches (default ``batch_size``);
        returns a float64 ndarray."""
        check_is_fitted(self)
        batch_size = batch_size or self.batch_size
        outputs = []
        with torch.no_grad():
            for start in range(0, len(X), batch_size):
                batch = self._inference_tensor(X[start : start + batch_size])
                outputs.append(fn(batch).detach().cpu().numpy())
        return np.concatenate(outputs, axis=0)
