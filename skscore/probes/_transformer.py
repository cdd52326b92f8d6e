"""Linear classifier probes: how linearly separable each layer's features are (thesis ch. 9).

A probe is a linear classifier ``softmax(W h_k + b)`` fitted on the frozen features ``h_k`` of
layer k (thesis section 9.3.2); it never back-propagates into the model. Features of every
selected layer are collected in one forward pass per batch with forward hooks.
"""

from __future__ import annotations

import copy
import inspect
import numbers
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context, clone, is_classifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)
from torch import nn

from skscore._core.base import resolve_device
from skscore._core.nn import make_mlp, reinitialize_, seeded_generator, standardization
from skscore._core.objective import Objective
from skscore._core.random import draw_seed
from skscore._core.training import ObjectiveNet, TensorBatchIterator, make_generator
from skscore._core.types import ArrayLike, Device, ModuleLike, RandomState
from skscore._core.user_module import as_tensor
from skscore._core.validation import check_float32_range
from skscore.probes._io import ProbeIOMixin

__all__ = ["LinearProbeTransformer"]

#: ``max_iter`` of the default probe's LogisticRegression (lbfgs on standardised features).
DEFAULT_PROBE_MAX_ITER = 1000
#: The network trained when ``model=None``: hidden widths, activation, epochs (at most
#: ``DEFAULT_MODEL_MAX_STEPS`` Adam steps in all), learning rate and batch size.
DEFAULT_MODEL_HIDDEN = (64, 64)
DEFAULT_MODEL_ACTIVATION = "relu"
DEFAULT_MODEL_EPOCHS = 50
DEFAULT_MODEL_MAX_STEPS = 300
DEFAULT_MODEL_LR = 1e-2
DEFAULT_MODEL_BATCH = 256
#: Largest feature magnitude a probe accepts: its standardisation squares the features.
MAX_FEATURE_MAGNITUDE = 1e150


def default_probe():
    """The default probe: a standardised multinomial logistic regression.

    Standardising is an invertible affine map, so the probe is still the linear classifier
    ``softmax(W h + b)`` of thesis section 9.3.2; it only makes lbfgs converge on features of
    any scale (raw pixels, conv maps, saturated units).
    """
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=DEFAULT_PROBE_MAX_ITER))


# -- the model -----------------------------------------------------------------------------------
def _describe(obj):
    return type(obj).__name__ if not isinstance(obj, type) else obj.__name__


def resolve_module(model, n_features, generator=None):
    """The torch module behind ``model`` and whether it is a fresh one built here.

    ``model`` is an ``nn.Module`` instance, a fitted skorch net or skscore estimator (its
    ``module_``), or a class/callable called as ``model(n_features)`` (``model=None``, the
    default network, is built by :func:`default_model`).
    """
    if isinstance(model, nn.Module):
        return model, False
    module = getattr(model, "module_", None)
    if isinstance(module, nn.Module):
        return module, False
    if hasattr(model, "get_params") or hasattr(model, "initialized_"):
        raise ValueError(
            f"model is an unfitted {_describe(model)}; fit it first, or pass its torch module. "
            "Note that clone() (and so cross-validation) drops a net's fitted weights: pass "
            "net.module_ to keep them."
        )
    if callable(model):
        seeded = generator is not None and _factory_takes_generator(model)
        module = model(n_features, generator=generator) if seeded else model(n_features)
        if not isinstance(module, nn.Module):
            raise TypeError(
                f"model({n_features}) must return a torch nn.Module, got {_describe(module)}"
            )
        if generator is not None and not seeded:  # its linear and conv weights follow the seed
            reinitialize_(module, generator)
        return module, True
    raise TypeError(
        "model must be a torch nn.Module, a fitted skorch net or skscore estimator, or a "
        f"module class/factory called as model(n_features); got {_describe(model)}"
    )


def default_model(input_shape, n_classes, generator=None):
    """The network of ``model=None`` (untrained): ``Flatten``, then an MLP with
    ``DEFAULT_MODEL_HIDDEN`` ReLU units and ``n_classes`` outputs.

    Its first leaf, the ``Flatten``, is the input itself: its probe is the baseline that every
    deeper layer is compared with.
    """
    n_inputs = int(np.prod(input_shape, dtype=np.int64))
    mlp = make_mlp(
        n_inputs, DEFAULT_MODEL_HIDDEN, n_classes, DEFAULT_MODEL_ACTIVATION, generator=generator
    )
    return nn.Sequential(nn.Flatten(), *mlp)


class CrossEntropyObjective(Objective):
    """Cross-entropy of the module's logits, ``per_example(module, X, y)`` of shape (n,)."""

    def per_example(self, module, X, y=None, *, generator=None):
        return nn.functional.cross_entropy(module(X), y, reduction="none")


def default_model_epochs(n_samples):
    """Epochs of the default network's training: ``DEFAULT_MODEL_EPOCHS``, fewer when that
    would exceed ``DEFAULT_MODEL_MAX_STEPS`` steps (at least one epoch)."""
    steps_per_epoch = -(-n_samples // DEFAULT_MODEL_BATCH)
    return max(1, min(DEFAULT_MODEL_EPOCHS, DEFAULT_MODEL_MAX_STEPS // steps_per_epoch))


def train_default_model(X, codes, n_classes, seed, device):
    """:func:`default_model` trained to classify ``X`` (classes ``codes`` in 0..n_classes-1).

    Cross-entropy minimised by Adam through skscore's skorch plumbing
    (:class:`~skscore._core.training.ObjectiveNet`, shuffled mini-batches of 256 rows) for
    :func:`default_model_epochs` epochs on standardised inputs (the estimators'
    standardisation, :func:`~skscore._core.nn.standardization`); the standardisation is then
    folded into the first linear layer, so the returned network takes X in its own units.
    ``seed`` seeds the initial weights and the shuffling.
    """
    module = default_model(X.shape[1:], n_classes, seeded_generator(seed))
    flat = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    mean, scale = standardization(flat)
    net = ObjectiveNet(
        module=module,
        criterion=CrossEntropyObjective,
        optimizer=torch.optim.Adam,
        lr=DEFAULT_MODEL_LR,
        max_epochs=default_model_epochs(len(flat)),
        batch_size=DEFAULT_MODEL_BATCH,
        iterator_train=TensorBatchIterator,
        iterator_train__shuffle=True,
        iterator_train__generator=make_generator(device, seed + 1),
        train_split=None,
        device=device,
        verbose=0,
    )
    Z = torch.tensor((flat - mean) / scale, dtype=torch.float32, device=device)
    target = torch.as_tensor(codes, dtype=torch.int64, device=device)
    net.initialize()
    net.module_.float().train()
    net.partial_fit(Z, target)
    module = net.module_
    first = module[1]
    with torch.no_grad():  # W (x - mean) / scale + b = (W / scale) x + (b - W mean / scale)
        weight = first.weight.double() / torch.as_tensor(scale, device=device)
        first.bias.copy_(first.bias.double() - weight @ torch.as_tensor(mean, device=device))
        first.weight.copy_(weight)
    if not all(torch.isfinite(p).all() for p in module.parameters()):
        raise ValueError(
            "the default network (model=None) diverged in training; rescale X or pass a model"
        )
    return module


def _factory_takes_generator(factory):
    """Whether a model factory names a ``generator`` parameter. Unlike a criterion's
    (:func:`skscore._core.user_module.accepts_generator`), a ``**kwargs`` does not count: a
    factory's keyword arguments usually go to the module's constructor."""
    try:
        parameters = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return False
    return "generator" in parameters


def frozen_copy(module, device, dtype):
    """A deep copy of ``module`` for inference: eval mode, no gradients, on ``device``/``dtype``.

    The user's module is never touched (weights, ``requires_grad`` flags, train/eval mode).
    """
    copied = copy.deepcopy(module)
    for param in copied.parameters():
        param.grad = None
    return copied.to(device=device, dtype=dtype).eval().requires_grad_(False)


def _first_tensor(output):
    """A layer's output tensor (the first tensor of a tuple/list output, e.g. an RNN)."""
    if isinstance(output, torch.Tensor):
        return output
    if isinstance(output, (tuple, list)):
        for item in output:
            if isinstance(item, torch.Tensor):
                return item
    return None


class _LayerRecorder:
    """Forward hooks keeping, for each named module, ``record(output)`` of its last call.

    ``record`` runs inside the hook, before any later in-place operation
    (``nn.ReLU(inplace=True)``) can overwrite the output. Calls from other threads are
    ignored, so concurrent ``transform`` calls do not mix their features. With
    ``track_order``, ``order`` lists the names of the calls in order.
    """

    def __init__(self, model, records, track_order=False):
        self.outputs = {}
        self.order = [] if track_order else None
        self._thread = threading.get_ident()
        modules = dict(model.named_modules())
        self._handles = [
            modules[name].register_forward_hook(self._hook(name, record))
            for name, record in records.items()
        ]

    def _hook(self, name, record):
        def hook(module, inputs, output):
            if threading.get_ident() == self._thread:
                self.outputs[name] = record(output)
                if self.order is not None:
                    self.order.append(name)

        return hook

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for handle in self._handles:
            handle.remove()


# -- reductions (thesis section 9.3.4) ------------------------------------------------------------
def plan_reduction(shape, reduction, max_features, rng):
    """How to reduce a layer whose per-sample output has ``shape``.

    Returns ``(pool, indices, n_features)``: average pooling over the spatial axes of a
    feature map (n, C, *spatial) -> (n, C), or flattening; then the fixed random subset of
    columns ``indices`` (None keeps them all).
    """
    pool = reduction in ("avgpool", "auto") and len(shape) >= 2
    width = shape[0] if pool else int(np.prod(shape, dtype=np.int64))
    indices = None
    if reduction == "random" or (reduction == "auto" and width > max_features):
        if width > max_features:
            indices = np.sort(rng.choice(width, size=max_features, replace=False))
    return pool, indices, width if indices is None else len(indices)


def make_reducer(pool, indices):
    """``output -> (n, k)`` reduced layer output (possibly a view of it)."""
    index = None if indices is None else torch.as_tensor(indices)

    def reduce(output):
        t = _first_tensor(output)
        if not t.is_floating_point():
            t = t.double()
        t = t.flatten(2).mean(dim=2) if pool else t.flatten(1) if t.ndim > 1 else t[:, None]
        return t if index is None else t[:, index.to(t.device)]

    return reduce


def _reduction_label(pool, indices):
    label = "avgpool" if pool else "none"
    if indices is not None:
        label = "random" if label == "none" else "avgpool+random"
    return label


# -- the estimator ---------------------------------------------------------------------------------
class LinearProbeTransformer(ProbeIOMixin, TransformerMixin, BaseEstimator):
    """Linear classifier probes on the layers of a torch model (thesis chapter 9).

    For every selected layer, the model's frozen features ``h_k`` (one forward pass per batch,
    forward hooks, ``torch.no_grad``, eval mode) are reduced to at most ``max_features``
    columns and a linear classifier ``softmax(W h_k + b)`` -- the probe -- is fitted on a
    stratified train split and evaluated on the held-out ``validation_fraction``. Probe errors
    measure how linearly separable the classes are at each depth; in trained networks they
    usually fall monotonically with depth (thesis section 9.4), and a layer whose probe stays
    bad carries no useful signal (the dead segment of section 9.5.1).

    The model is never trained or changed: it is deep-copied at ``fit`` (the copy, in eval mode
    and without gradients, is ``model_``), so the user's weights, ``requires_grad`` flags and
    train/eval mode are the same afterwards.

    Parameters
    ----------
    model : torch.nn.Module, fitted skorch net, fitted skscore estimator, callable or None, \
default=None
        The network to probe. None trains a small network on ``(X, y)`` at ``fit`` and probes
        it: an ``nn.Flatten`` (the input itself, the baseline probe) then an MLP with two
        hidden layers of 64 ReLU units and one output per class, trained by cross-entropy
        (50 epochs of Adam, fewer on large data so as to stay within 300 steps, at least one
        epoch) on the probes' training rows only, so the
        validation errors stay held out. A fitted skorch ``NeuralNet`` or skscore estimator
        contributes its ``module_``. A module class or factory (such as
        :func:`skscore.probes.make_mlp`) is called as ``model(n_features)`` with
        ``n_features = X.shape[1]`` (the number of channels for image input), seeded by
        ``random_state``, and probed untrained: use this form in cross-validation, since
        ``clone`` drops a skorch net's fitted weights.
    layers : "all" or list of str, default="all"
        Layers to probe: "all" means every leaf module (one without children) that runs in the
        forward pass; otherwise names from ``model.named_modules()``. They are probed in
        forward order. A module called several times in one forward pass (e.g. a single ReLU
        reused after each layer) is probed at its last call.
    probe : scikit-learn classifier, default=None
        Cloned for every layer. None means ``make_pipeline(StandardScaler(),
        LogisticRegression(max_iter=1000))``. A ``random_state`` left at None in the probe is
        set from ``random_state``.
    reduction : {"auto", "avgpool", "random", "none"}, default="auto"
        How a layer's output becomes at most a few probe features (thesis section 9.3.4):
        "avgpool" averages feature maps ``(n, C, H, W)`` over space to ``(n, C)``; "random"
        keeps a fixed random subset of ``max_features`` of the flattened output; "none"
        flattens; "auto" pools feature maps, then keeps a random subset if still wider than
        ``max_features``.
    max_features : int, default=1000
        Width above which "random" and "auto" subsample a layer's features.
    validation_fraction : float, default=0.2
        Fraction of the samples held out (stratified by class) to measure each probe's error.
    batch_size : int, default=256
        Rows per forward pass.
    device : str, default="auto"
        "auto" (CUDA when available, else CPU), "cpu", "cuda", "cuda:N" or "mps"; the resolved
        device is ``device_``.
    random_state : int, RandomState instance or None, default=None
        Seeds the model built from a class (or trained when ``model=None``), the random feature
        subsets, the train/validation split and the probes. Torch's global RNG is never
        changed.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels seen at ``fit``.
    model_ : torch.nn.Module
        Frozen copy of the model (or the trained default network) used for inference, in
        the dtype of the data seen at ``fit`` (float64 data gives float64 features that do
        not depend on how rows are batched; pass float32 data for speed).
    layer_names_ : list of str
        Probed layers, in forward order.
    probes_ : dict of str to classifier
        The fitted probe of each layer.
    probe_report_ : dict of str to dict
        Per layer: ``n_features`` (probe input width), ``n_raw_features`` (size of the layer's
        output per sample), ``reduction`` applied, ``train_error`` and ``validation_error``
        (misclassification rates of the probe).
    feature_indices_ : dict of str to ndarray or None
        Columns kept by the random reduction (indices into the pooled/flattened output), None
        where all are kept.
    input_shape_ : tuple of int
        Shape of one sample of X seen at ``fit``.
    device_ : str
        Resolved device.
    n_features_in_ : int
        ``X.shape[1]`` seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit (only with string column names).

    See Also
    --------
    skscore.probes.ProbeMonitor : Skorch callback recording probe errors during training.
    skscore.plotting.plot_probe_errors : Bars per layer, heatmap over epochs.

    Notes
    -----
    X is given to the model as is: 2-D ``(n, d)`` for an MLP, 4-D ``(n, C, H, W)`` for a
    CNN. To use a CNN on flat pixel rows (and in any scikit-learn pipeline), begin the module
    with ``nn.Unflatten(1, (C, H, W))``. For n-D input ``n_features_in_`` is ``X.shape[1]``
    (the channels) and the whole per-sample shape must match ``input_shape_`` later on.

    The first batch goes through the model once more at ``fit``, with hooks on every
    candidate module, to find the forward order of the layers and their output shapes.

    Examples
    --------
    >>> import numpy as np
    >>> from torch import nn
    >>> from skscore.probes import LinearProbeTransformer
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(200, 2)
    >>> y = (X[:, 0] * X[:, 1] > 0).astype(int)  # XOR: not linearly separable
    >>> model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
    >>> probes = LinearProbeTransformer(model, random_state=0).fit(X, y)
    >>> probes.layer_names_
    ['0', '1', '2']
    >>> probes.transform(X).shape
    (200, 34)
    >>> probes.get_feature_names_out()[:2]
    array(['0__0', '0__1'], dtype=object)
    >>> sorted(probes.probe_report_["1"])
    ['n_features', 'n_raw_features', 'reduction', 'train_error', 'validation_error']

    With the defaults, a small network is trained on (X, y) and probed; its first layer is
    the input:

    >>> probes = LinearProbeTransformer(random_state=0).fit(X, y)
    >>> probes.layer_names_
    ['0', '1', '2', '3', '4', '5']
    """

    _parameter_constraints = {
        "model": "no_validation",
        "layers": [StrOptions({"all"}), list, tuple],
        "probe": [HasMethods(["fit", "predict"]), None],
        "reduction": [StrOptions({"auto", "avgpool", "random", "none"})],
        "max_features": [Interval(numbers.Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "device": [str],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        model: ModuleLike | Callable[..., Any] | None = None,
        layers: str | list[str] | tuple[str, ...] = "all",
        probe: BaseEstimator | None = None,
        reduction: str = "auto",
        max_features: int = 1000,
        validation_fraction: float = 0.2,
        batch_size: int = 256,
        device: Device = "auto",
        random_state: RandomState = None,
    ) -> None:
        self.model = model
        self.layers = layers
        self.probe = probe
        self.reduction = reduction
        self.max_features = max_features
        self.validation_fraction = validation_fraction
        self.batch_size = batch_size
        self.device = device
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    # -- fitting ---------------------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X: ArrayLike, y: ArrayLike) -> LinearProbeTransformer:
        """Extract every selected layer's features and fit one probe per layer.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, C, H, W)
            Model inputs.
        y : array-like of shape (n_samples,)
            Class labels (at least two classes).

        Returns
        -------
        self : object
            The fitted transformer.

        Examples
        --------
        A module factory is built at ``fit`` (seeded by ``random_state``); one probe is fitted
        per leaf layer and ``probe_report_`` holds its errors:

        >>> import numpy as np
        >>> from torch import nn
        >>> from skscore.probes import LinearProbeTransformer
        >>> rng = np.random.RandomState(0)
        >>> X = rng.randn(200, 2)
        >>> y = (X[:, 0] * X[:, 1] > 0).astype(int)  # XOR: not linearly separable
        >>> def mlp(n_features):
        ...     return nn.Sequential(nn.Linear(n_features, 64), nn.ReLU(), nn.Linear(64, 2))
        >>> probes = LinearProbeTransformer(mlp, random_state=0).fit(X, y)
        >>> probes.layer_names_
        ['0', '1', '2']
        >>> report = probes.probe_report_["1"]
        >>> report["n_features"], report["reduction"]
        (64, 'none')

        A module instance is deep-copied: the user's module is left as it was.

        >>> model = nn.Sequential(nn.Linear(2, 8), nn.ReLU())
        >>> probes = LinearProbeTransformer(model, random_state=0).fit(X, y)
        >>> probes.model_ is model, model.training, probes.model_.training
        (False, True, False)

        Feature maps of a CNN are average-pooled over space to one feature per channel:

        >>> images = rng.randn(100, 1, 8, 8)
        >>> labels = np.arange(100) % 2
        >>> cnn = nn.Sequential(nn.Conv2d(1, 4, kernel_size=3), nn.ReLU(), nn.Flatten())
        >>> probes = LinearProbeTransformer(cnn, layers=["1"], random_state=0).fit(images, labels)
        >>> report = probes.probe_report_["1"]
        >>> report["n_raw_features"], report["n_features"], report["reduction"]
        (144, 4, 'avgpool')
        """
        self._fit(X, y)
        return self

    @_fit_context(prefer_skip_nested_validation=False)
    def fit_transform(self, X: ArrayLike, y: ArrayLike) -> np.ndarray:
        """Fit, then return the features of X (from the same forward pass).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, C, H, W)
            Model inputs.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features_out)
            Concatenated reduced features of the selected layers.

        Examples
        --------
        >>> import numpy as np
        >>> from torch import nn
        >>> from skscore.probes import LinearProbeTransformer
        >>> rng = np.random.RandomState(0)
        >>> X = rng.randn(200, 2)
        >>> y = (X[:, 0] * X[:, 1] > 0).astype(int)  # XOR: not linearly separable
        >>> model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
        >>> probes = LinearProbeTransformer(model, random_state=0)
        >>> Z = probes.fit_transform(X, y)
        >>> Z.shape  # 8 + 8 + 2 columns
        (200, 18)
        >>> bool(np.allclose(Z, probes.transform(X)))  # the same as fit(X, y).transform(X)
        True
        """
        return self._fit(X, y)

    def _fit(self, X, y):
        for name in [n for n in vars(self) if n.endswith("_") and not n.startswith("__")]:
            delattr(self, name)
        X, y = validate_data(
            self, X, y, allow_nd=True, dtype=[np.float64, np.float32], ensure_min_samples=2
        )
        check_classification_targets(y)
        if len(np.unique(y)) < 2:
            raise ValueError("y has a single class; probes need at least two classes")
        if self.probe is not None and not is_classifier(self.probe):
            raise ValueError(f"probe must be a scikit-learn classifier, got {self.probe!r}")
        device = resolve_device(self.device)
        rng = check_random_state(self.random_state)
        seed = draw_seed(rng)
        classes, codes = np.unique(y, return_inverse=True)
        split = None
        if self.model is None:  # trained on the probes' training rows only
            check_float32_range(X)  # the default network trains in float32
            split = _split(y, self.validation_fraction, rng)
            module = train_default_model(X[split[0]], codes[split[0]], len(classes), seed, device)
            built = True
        else:
            module, built = resolve_module(self.model, X.shape[1], seeded_generator(seed))
        dtype = torch.float64 if X.dtype == np.float64 else torch.float32
        if built:
            model = module.to(device=device, dtype=dtype).eval().requires_grad_(False)
        else:
            model = frozen_copy(module, device, dtype)

        names, shapes = self._discover_layers(model, X, device)
        plans = {
            name: plan_reduction(shapes[name], self.reduction, self.max_features, rng)
            for name in names
        }
        reducers = {name: make_reducer(pool, indices) for name, (pool, indices, _) in plans.items()}
        widths = [plans[name][2] for name in names]
        features, blocks = _extract(model, X, reducers, widths, self.batch_size, device)
        _check_feature_range(features, blocks)

        train, valid = split if split is not None else _split(y, self.validation_fraction, rng)
        probe_seed = draw_seed(rng)
        probes, report = {}, {}
        for name in names:
            F = features[:, blocks[name]]
            probe = clone(self.probe) if self.probe is not None else default_probe()
            probes[name] = _seeded(probe, probe_seed).fit(F[train], y[train])
            pool, indices, width = plans[name]
            report[name] = {
                "n_features": width,
                "n_raw_features": int(np.prod(shapes[name], dtype=np.int64)),
                "reduction": _reduction_label(pool, indices),
                "train_error": _error(probes[name], F[train], y[train]),
                "validation_error": _error(probes[name], F[valid], y[valid]),
            }
        self.model_ = model
        self.classes_ = classes
        self.device_ = device
        self.input_shape_ = tuple(X.shape[1:])
        self.layer_names_ = names
        self.feature_indices_ = {name: plans[name][1] for name in names}
        self.probes_ = probes
        self.probe_report_ = report
        return features

    def _discover_layers(self, model, X, device):
        """Selected layer names in forward order and the per-sample shape of their output."""
        modules = dict(model.named_modules())
        candidates = [name for name in modules if name]
        if not candidates:
            raise ValueError(f"model {_describe(model)} has no submodules to probe")
        explicit = not isinstance(self.layers, str)
        if explicit:
            wanted = list(self.layers)
            unknown = [name for name in wanted if name not in modules or not name]
            if unknown or not wanted or len(set(wanted)) < len(wanted):
                raise ValueError(
                    f"layers must be distinct names from model.named_modules(); got {wanted!r}"
                    f" (unknown: {unknown}). Valid names: {candidates}"
                )
        else:
            wanted = [name for name in candidates if next(modules[name].children(), None) is None]
        with _LayerRecorder(model, dict.fromkeys(wanted, _first_tensor), True) as rec:
            try:
                with torch.no_grad():
                    model(_model_input(X[: self.batch_size], model, device))
            except (RuntimeError, ValueError, TypeError, IndexError) as exc:
                raise ValueError(
                    f"model {_describe(model)} could not be applied to X with per-sample shape "
                    f"{tuple(X.shape[1:])} (n_features={X.shape[1]}); its input must match X. "
                    f"Torch said: {exc}"
                ) from exc
        last_call = {name: i for i, name in enumerate(rec.order)}
        missing = [name for name in wanted if name not in last_call]
        if explicit and missing:
            raise ValueError(f"layers {missing} did not run in the model's forward pass")
        names = sorted((name for name in wanted if name in last_call), key=last_call.get)
        if not names:
            raise ValueError(f"no leaf module of {_describe(model)} ran in its forward pass")
        for name in names:
            if rec.outputs[name] is None:
                raise ValueError(
                    f"layer {name!r} does not return a tensor of features; select other layers"
                )
        return names, {name: tuple(rec.outputs[name].shape[1:]) for name in names}

    def _reducers(self, names):
        return {
            name: make_reducer(
                self.probe_report_[name]["reduction"].startswith("avgpool"),
                self.feature_indices_[name],
            )
            for name in names
        }

    def _features(self, X, names):
        """Features of X for the layers ``names`` and each layer's column block."""
        widths = [self.probe_report_[name]["n_features"] for name in names]
        return _extract(
            self.model_, X, self._reducers(names), widths, self.batch_size, self.device_
        )

    def _check_X(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, allow_nd=True, dtype=[np.float64, np.float32])
        if tuple(X.shape[1:]) != self.input_shape_:
            raise ValueError(
                f"X has per-sample shape {tuple(X.shape[1:])}, but {type(self).__name__} was "
                f"fitted on shape {self.input_shape_}"
            )
        return X

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Concatenated reduced features of the selected layers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, C, H, W)
            Model inputs.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features_out)
            Features in layer order (see ``get_feature_names_out``), in the dtype of X.

        Examples
        --------
        The output holds each probed layer's activations side by side:

        >>> import numpy as np
        >>> from torch import nn
        >>> from skscore.probes import LinearProbeTransformer
        >>> rng = np.random.RandomState(0)
        >>> X = rng.randn(200, 2)
        >>> y = (X[:, 0] * X[:, 1] > 0).astype(int)  # XOR: not linearly separable
        >>> model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
        >>> probes = LinearProbeTransformer(model, random_state=0).fit(X, y)
        >>> Z = probes.transform(X[:5])
        >>> Z.shape
        (5, 18)
        >>> W, b = model[0].weight.detach().numpy(), model[0].bias.detach().numpy()
        >>> bool(np.allclose(Z[:, :8], X[:5] @ W.T + b))  # block of layer "0": Linear(2, 8)
        True
        >>> bool((Z[:, 8:16] >= 0).all())  # block of layer "1": ReLU
        True
        >>> probes.transform(X[:5].astype(np.float32)).dtype
        dtype('float32')
        """
        X = self._check_X(X)
        return self._features(X, self.layer_names_)[0]

    def score_layers(self, X: ArrayLike, y: ArrayLike) -> dict[str, float]:
        """Accuracy of every layer's probe on (X, y).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, C, H, W)
            Model inputs.
        y : array-like of shape (n_samples,)
            True labels.

        Returns
        -------
        scores : dict of str to float
            ``{layer: accuracy}`` in forward order.

        Examples
        --------
        One held-out accuracy per layer (``1 - score`` is the probe error of thesis chapter 9):

        >>> import numpy as np
        >>> from torch import nn
        >>> from skscore.probes import LinearProbeTransformer
        >>> rng = np.random.RandomState(0)
        >>> X = rng.randn(200, 2)
        >>> y = (X[:, 0] * X[:, 1] > 0).astype(int)  # XOR: not linearly separable
        >>> def mlp(n_features):
        ...     return nn.Sequential(nn.Linear(n_features, 64), nn.ReLU(), nn.Linear(64, 2))
        >>> probes = LinearProbeTransformer(mlp, random_state=0).fit(X[:150], y[:150])
        >>> scores = probes.score_layers(X[150:], y[150:])
        >>> list(scores)
        ['0', '1', '2']
        """
        X = self._check_X(X)
        y = self._check_y(X, y)
        features, blocks = self._features(X, self.layer_names_)
        return {
            name: 1.0 - _error(self.probes_[name], features[:, blocks[name]], y)
            for name in self.layer_names_
        }

    def score(self, X: ArrayLike, y: ArrayLike) -> float:
        """Accuracy of the last (deepest) layer's probe on (X, y).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, C, H, W)
            Model inputs.
        y : array-like of shape (n_samples,)
            True labels.

        Returns
        -------
        score : float
            Accuracy of ``probes_[layer_names_[-1]]``.

        Examples
        --------
        >>> import numpy as np
        >>> from torch import nn
        >>> from skscore.probes import LinearProbeTransformer
        >>> rng = np.random.RandomState(0)
        >>> X = rng.randn(200, 2)
        >>> y = (X[:, 0] * X[:, 1] > 0).astype(int)  # XOR: not linearly separable
        >>> def mlp(n_features):
        ...     return nn.Sequential(nn.Linear(n_features, 64), nn.ReLU(), nn.Linear(64, 2))
        >>> probes = LinearProbeTransformer(mlp, random_state=0).fit(X[:150], y[:150])
        >>> accuracy = probes.score(X[150:], y[150:])
        >>> bool(0.0 <= accuracy <= 1.0)
        True
        >>> accuracy == probes.score_layers(X[150:], y[150:])[probes.layer_names_[-1]]
        True
        """
        X = self._check_X(X)
        y = self._check_y(X, y)
        last = self.layer_names_[-1]
        features, _ = self._features(X, [last])
        return 1.0 - _error(self.probes_[last], features, y)

    @staticmethod
    def _check_y(X, y):
        y = column_or_1d(y, warn=True)
        check_consistent_length(X, y)
        return y

    def get_feature_names_out(self, input_features: ArrayLike | None = None) -> np.ndarray:
        """Names ``"<layer>__<k>"`` of the output features.

        ``k`` is the column of the layer's pooled (channel) or flattened output, so features
        kept by the random reduction keep their original index.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only checked against the names seen at ``fit``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            Output feature names.

        Examples
        --------
        >>> import numpy as np
        >>> from torch import nn
        >>> from skscore.probes import LinearProbeTransformer
        >>> rng = np.random.RandomState(0)
        >>> X = rng.randn(200, 2)
        >>> y = (X[:, 0] * X[:, 1] > 0).astype(int)  # XOR: not linearly separable
        >>> model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
        >>> probes = LinearProbeTransformer(model, random_state=0).fit(X, y)
        >>> probes.get_feature_names_out()
        array(['0__0', '0__1', '0__2', '1__0', '1__1', '1__2'], dtype=object)

        With ``max_features``, a random subset of columns is kept, under their original index:

        >>> wide = nn.Sequential(nn.Linear(2, 50), nn.ReLU())
        >>> probes = LinearProbeTransformer(wide, max_features=4, random_state=0).fit(X, y)
        >>> names = probes.get_feature_names_out()
        >>> names.shape
        (8,)
        >>> kept = [int(name.split("__")[1]) for name in names[:4]]
        >>> kept == probes.feature_indices_["0"].tolist()
        True
        """
        check_is_fitted(self)
        _check_feature_names_in(self, input_features, generate_names=False)
        names = []
        for name in self.layer_names_:
            indices = self.feature_indices_[name]
            columns = range(self.probe_report_[name]["n_features"]) if indices is None else indices
            names.extend(f"{name}__{k}" for k in columns)
        return np.asarray(names, dtype=object)

    # -- persistence -----------------------------------------------------------------------------
    def __getstate__(self):
        state = super().__getstate__()
        model = state.get("model_")
        if model is not None and self.device_ != "cpu":
            # stored on the CPU so that a model fitted on a GPU unpickles anywhere
            state["model_"] = copy.deepcopy(model).cpu()
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if getattr(self, "device_", "cpu") != "cpu":
            try:
                self.device_ = resolve_device(self.device_)
            except ValueError:
                self.device_ = "cpu"
            self.model_.to(self.device_)


def _model_input(X, model, device):
    """X as a tensor in the model's floating dtype (X's own if the model has none)."""
    param = next((p for p in model.parameters() if p.is_floating_point()), None)
    return as_tensor(X, device, None if param is None else param.dtype)


def _extract(model, X, reducers, widths, batch_size, device):
    """Reduced features of X, one forward pass per batch.

    Each batch is written from the hooks straight into one ``(n, sum(widths))`` array in X's
    dtype, a column block per layer in the order of ``reducers``: no per-layer copies to
    concatenate. Returns the array and ``{layer: column slice}``.
    """
    bounds = np.cumsum([0, *widths])
    features = np.empty((len(X), bounds[-1]), dtype=X.dtype)
    blocks = {name: slice(bounds[i], bounds[i + 1]) for i, name in enumerate(reducers)}
    rows = [slice(0, 0)]
    on_cpu = torch.device(device).type == "cpu"

    def writer(reduce, block):
        def write(output):
            t = reduce(output).detach()  # an energy model's activations carry a graph
            features[rows[0], block] = t.numpy() if on_cpu else t.cpu().numpy()
            return True

        return write

    writers = {name: writer(reduce, blocks[name]) for name, reduce in reducers.items()}
    with _LayerRecorder(model, writers) as rec, torch.no_grad():
        for start in range(0, len(X), batch_size):
            rows[0] = slice(start, start + batch_size)
            rec.outputs.clear()
            model(_model_input(X[rows[0]], model, device))
            if len(rec.outputs) < len(writers):
                missing = [name for name in writers if name not in rec.outputs]
                raise ValueError(f"layers {missing} did not run on rows {start} and after")
    with np.errstate(over="ignore", invalid="ignore"):
        sums = features.sum(axis=0)  # a cheap screen: NaN/inf make a column sum non-finite
    for name, block in blocks.items():
        if not np.isfinite(sums[block]).all() and not np.isfinite(features[:, block]).all():
            raise ValueError(
                f"layer {name!r} produced non-finite features (NaN or inf); check the scale of "
                "X and whether the model diverged"
            )
    return features, blocks


def _check_feature_range(features, blocks):
    """Refuse features whose squares overflow (the probes standardise them)."""
    for name, block in blocks.items():
        largest = float(np.abs(features[:, block]).max()) if features[:, block].size else 0.0
        if largest > MAX_FEATURE_MAGNITUDE:
            raise ValueError(
                f"layer {name!r} has features up to {largest:.3g} in magnitude: their squares "
                "overflow in the probe's standardisation; rescale X"
            )


def _split(y, validation_fraction, rng):
    """Train/validation indices, stratified by class whenever every class allows it."""
    classes, counts = np.unique(y, return_counts=True)
    n_valid = int(np.ceil(validation_fraction * len(y)))
    seed = draw_seed(rng)
    stratify = counts.min() >= 2 and len(classes) <= n_valid <= len(y) - len(classes)
    splitter = StratifiedShuffleSplit if stratify else ShuffleSplit
    cv = splitter(n_splits=1, test_size=validation_fraction, random_state=seed)
    return next(cv.split(np.zeros((len(y), 1)), y))


def _seeded(probe, seed):
    """Set the probe's ``random_state`` parameters left at None (nested ones too)."""
    params = {
        key: seed
        for key, value in probe.get_params(deep=True).items()
        if (key == "random_state" or key.endswith("__random_state")) and value is None
    }
    return probe.set_params(**params) if params else probe


def _error(probe, F, y):
    return float(1.0 - accuracy_score(y, probe.predict(F)))
