"""ProbeMonitor: linear probes on every layer at the end of each epoch (thesis figures 9.3, 9.9)."""

from __future__ import annotations

import numpy as np
import torch
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator
from sklearn.utils import check_array
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_consistent_length, column_or_1d
from skorch import NeuralNet
from skorch.callbacks import Callback

from skscore._core.validation import POSITIVE_INT, check_arguments
from skscore.probes._transformer import LinearProbeTransformer

#: History key prefix: the validation error of the probe of layer ``name`` is recorded under
#: ``HISTORY_PREFIX + name``.
HISTORY_PREFIX = "probe_error__"


class ProbeMonitor(Callback):
    """Record linear-probe errors of a skorch net's layers during training (a callback).

    At the end of every ``every``-th epoch a :class:`LinearProbeTransformer` is fitted on the
    net's current module with ``(X_valid, y_valid)`` -- probes fitted on a stratified part of
    it and evaluated on the rest -- and the validation error of each layer's probe is
    recorded as ``probe_error__<layer>`` in ``net.history``. The module is deep-copied, never
    trained or switched out of its mode. The split is the same at every epoch (fixed
    ``random_state``), so the errors are comparable over time (thesis figure 9.9).

    Parameters
    ----------
    layers : "all" or list of str
        Layers to probe, as in :class:`LinearProbeTransformer`.
    X_valid : array-like of shape (n_samples, n_features) or (n_samples, C, H, W)
        Held-out inputs (not the training set: probes on training data measure memorisation).
    y_valid : array-like of shape (n_samples,)
        Their class labels.
    every : int, default=1
        Probe at the end of epochs ``every, 2 * every, ...``.
    probe : scikit-learn classifier, default=None
        Probe cloned per layer (None: standardised LogisticRegression).
    reduction : {"auto", "avgpool", "random", "none"}, default="auto"
        Feature reduction, as in :class:`LinearProbeTransformer`.
    max_features : int, default=1000
        Width above which features are subsampled.
    validation_fraction : float, default=0.2
        Part of ``(X_valid, y_valid)`` on which the probes are evaluated.
    batch_size : int, default=256
        Rows per forward pass.
    random_state : int, default=0
        Seeds the split, the feature subsets and the probes (the same at every epoch).

    Attributes
    ----------
    layer_names_ : list of str
        Probed layers in forward order (after the first probed epoch).

    Examples
    --------
    >>> import numpy as np
    >>> from torch import nn
    >>> from skorch import NeuralNetClassifier
    >>> from skscore.probes import ProbeMonitor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(300, 2).astype(np.float32)
    >>> y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    >>> module = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    >>> monitor = ProbeMonitor(["1", "2"], X[200:], y[200:], every=2)
    >>> net = NeuralNetClassifier(module, criterion=nn.CrossEntropyLoss, max_epochs=4,
    ...                           train_split=None, callbacks=[monitor], verbose=0)
    >>> net = net.fit(X[:200], y[:200])
    >>> sorted(k for k in net.history[-1] if k.startswith("probe_error"))
    ['probe_error__1', 'probe_error__2']
    >>> len(net.history[:, "probe_error__2"])  # epochs 2 and 4
    2
    """

    def __init__(
        self,
        layers: str | list[str],
        X_valid: ArrayLike,
        y_valid: ArrayLike,
        every: int = 1,
        *,
        probe: BaseEstimator | None = None,
        reduction: str = "auto",
        max_features: int = 1000,
        validation_fraction: float = 0.2,
        batch_size: int = 256,
        random_state: int = 0,
    ) -> None:
        self.layers = layers
        self.X_valid = X_valid
        self.y_valid = y_valid
        self.every = every
        self.probe = probe
        self.reduction = reduction
        self.max_features = max_features
        self.validation_fraction = validation_fraction
        self.batch_size = batch_size
        self.random_state = random_state

    def initialize(self) -> ProbeMonitor:
        """Validate ``every`` and the held-out data (called by skorch at ``net.initialize``).

        Returns
        -------
        self : ProbeMonitor
            The callback, as skorch expects.

        Examples
        --------
        skorch calls ``initialize`` on every callback when the net is initialised (at the
        start of ``fit``), so bad settings fail before any training:

        >>> import numpy as np
        >>> from torch import nn
        >>> from skorch import NeuralNetClassifier
        >>> from skscore.probes import ProbeMonitor
        >>> rng = np.random.RandomState(0)
        >>> X = rng.randn(300, 2).astype(np.float32)
        >>> y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
        >>> monitor = ProbeMonitor("all", X[200:], y[200:], every=2)
        >>> monitor.initialize() is monitor
        True
        >>> module = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
        >>> net = NeuralNetClassifier(module, criterion=nn.CrossEntropyLoss, train_split=None,
        ...                           callbacks=[ProbeMonitor("all", X[200:], y[200:], every=0)])
        >>> net.initialize()
        Traceback (most recent call last):
        ...
        sklearn.utils._param_validation.InvalidParameterError: The 'every' parameter of \
ProbeMonitor must be an int in the range [1, inf). Got 0 instead.
        """
        check_arguments("ProbeMonitor", {"every": [POSITIVE_INT]}, every=self.every)
        self._X = check_array(
            self.X_valid, allow_nd=True, dtype=[np.float32, np.float64], input_name="X_valid"
        )
        y = column_or_1d(self.y_valid, warn=True)
        check_consistent_length(self._X, y)
        check_classification_targets(y)
        self._y = y
        return self

    def transformer(self, module: torch.nn.Module) -> LinearProbeTransformer:
        """The unfitted transformer that probes ``module`` at the end of an epoch.

        Parameters
        ----------
        module : torch.nn.Module
            The net's module (deep-copied at ``fit``, never changed).

        Returns
        -------
        probes : LinearProbeTransformer
            Configured from this callback's parameters, on the module's device.

        Examples
        --------
        >>> import numpy as np
        >>> from torch import nn
        >>> from skorch import NeuralNetClassifier
        >>> from skscore.probes import ProbeMonitor
        >>> rng = np.random.RandomState(0)
        >>> X = rng.randn(300, 2).astype(np.float32)
        >>> y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
        >>> monitor = ProbeMonitor(["1"], X[200:], y[200:], random_state=0)
        >>> module = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
        >>> probes = monitor.transformer(module)
        >>> probes.model is module, probes.layers, probes.device, probes.random_state
        (True, ['1'], 'cpu', 0)
        >>> probes.fit(X[200:], y[200:]).layer_names_  # what on_epoch_end does each epoch
        ['1']
        """
        param = next(module.parameters(), None)
        return LinearProbeTransformer(
            module,
            layers=self.layers,
            probe=self.probe,
            reduction=self.reduction,
            max_features=self.max_features,
            validation_fraction=self.validation_fraction,
            batch_size=self.batch_size,
            device="cpu" if param is None else str(param.device),
            random_state=self.random_state,
        )

    def on_epoch_end(self, net: NeuralNet, **kwargs) -> None:
        """Fit the probes every ``every`` epochs and record their held-out errors.

        skorch calls this hook at the end of each epoch. Every ``every``-th epoch it fits
        ``transformer(net.module_)`` on ``(X_valid, y_valid)`` and records each layer's
        validation error as ``probe_error__<layer>`` in the current row of ``net.history``;
        other epochs are left without these keys.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained (initialised, with a current history row).
        **kwargs : dict
            Ignored (skorch passes the epoch's data sets).
        """
        if len(net.history) % self.every:
            return
        probes = self.transformer(net.module_).fit(self._X, self._y)
        self.layer_names_ = probes.layer_names_
        for name, row in probes.probe_report_.items():
            net.history.record(HISTORY_PREFIX + name, row["validation_error"])
