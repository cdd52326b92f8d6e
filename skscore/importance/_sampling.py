"""The ISSGD skorch callback: importance-sampled minibatches, re-weighted losses, monitoring.

Design (how a plain skorch net is taken over, and its limits):

- ``on_train_begin`` swaps the net's ``iterator_train`` for an iterator that draws each
  minibatch with replacement, row ``n`` with probability proportional to the smoothed weight
  ``w~_n = w_n / mean(w) + smoothing`` (thesis 7.A.5), and wraps ``criterion_`` so that the
  training loss is ``mean_i (mean(w~) / w~_i) L_i`` (thesis 7.4.1), an unbiased estimate of the
  mean loss whose gradient is an unbiased estimate of the full gradient (eq. 7.1, 7.4).
  ``on_train_end`` puts both back (and so does the next ``on_train_begin`` if a fit was
  interrupted). Epochs keep skorch's length and batch sizes (``ceil(N / batch_size)`` steps).
- The training rows are read once per fit into tensors (arrays, tensors, or whatever
  ``dataset[i]`` returns through the iterator's ``collate_fn``); dict inputs are not supported.
- The wrapped criterion needs per-example losses: a torch loss module (its ``reduction`` is set
  to "none" for the call, extra dimensions averaged per row; note that ``reduction="mean"``
  with class weights or ``ignore_index`` divides by something else than the batch size, which
  the per-row mean does not reproduce) or an skscore objective with ``per_example``. Validation
  losses and prediction are untouched.
- The recorded ``train_loss`` is the importance-weighted loss of the drawn rows: unbiased for
  the mean training loss, but noisier than under uniform sampling.
"""

from __future__ import annotations

import copy
import functools
import inspect
import math
from typing import Any

import numpy as np
import torch
from sklearn.base import clone
from sklearn.utils._param_validation import StrOptions
from skorch import NeuralNet
from skorch.callbacks import Callback
from skorch.history import History

from skscore._core.random import draw_seed
from skscore._core.types import RandomState, TensorLike
from skscore._core.user_module import eval_mode, parameter_dtype_device
from skscore._core.validation import NON_NEGATIVE_REAL, POSITIVE_INT, check_arguments
from skscore.importance._data import materialize
from skscore.importance._net import ImportanceIterator, WeightedCriterion, unpatch
from skscore.importance._norms import (
    METHODS,
    PerExampleLoss,
    gradient_sums,
    resolve_method,
    squared_norms,
)
from skscore.importance._variance import effective_sample_fraction, trace_covariance

#: History keys written at every importance-sampled step.
STEP_KEYS = ("issgd_step", "issgd_staleness", "issgd_ess")
#: History keys written every ``monitor_every`` steps.
MONITOR_KEYS = (
    "issgd_sqrt_trace_uniform",
    "issgd_sqrt_trace_ideal",
    "issgd_sqrt_trace_stale",
    "issgd_true_gradient_norm",
)
#: Smallest smoothed weight relative to the mean, so that every row can be drawn.
MIN_RELATIVE_WEIGHT = 1e-12


_CONSTRAINTS = {
    "smoothing": [NON_NEGATIVE_REAL],
    "refresh_every": [POSITIVE_INT, None],
    "monitor_every": [POSITIVE_INT, None],
    "publish_every": [POSITIVE_INT],
    "n_shards": [POSITIVE_INT, None],
    "norm_batch_size": [POSITIVE_INT],
    "method": [StrOptions(set(METHODS))],
}


class ImportanceSampling(Callback):
    """Train a skorch net by importance-sampling SGD (ISSGD, thesis chapter 7).

    Each minibatch is drawn with replacement, example ``n`` with probability proportional to
    ``w~_n = w_n / mean(w) + smoothing``, where ``w_n`` is the norm of its loss gradient
    (computed from parameters a few steps old: the *stale* proposal), and the loss of each drawn
    example is multiplied by ``mean(w~) / w~_n`` (thesis section 7.4.1). The minibatch gradient
    stays an unbiased estimate of the full-batch gradient for any weights (eq. 7.1); with
    weights proportional to the current gradient norms its variance is the smallest possible
    (Theorem 1). ``smoothing`` is the constant of thesis 7.A.5, relative to the mean weight
    (the thesis's absolute constant ``c`` is ``smoothing * mean(w)``): large values bring ISSGD
    back to uniform SGD and protect against rows whose gradient grew since their weight was
    computed.

    Weights come from the training process itself every ``refresh_every`` steps (one pass of
    :func:`~skscore.importance.per_example_gradient_norms` over the training set), or, with
    ``client``, from Dask workers working on shards of the training set with the parameters the
    master publishes every ``publish_every`` steps; the master never waits for them and uses
    whatever weights have arrived (uniform sampling until the first ones do).

    Works with any skorch ``NeuralNet`` whose criterion is a torch loss module (e.g.
    ``NeuralNetClassifier(module, criterion=nn.CrossEntropyLoss)``) and with skscore's
    estimators (``callbacks=[ImportanceSampling()]``), whose objectives provide per-example
    losses. It takes over the net's training iterator and wraps its criterion for the duration
    of ``fit`` (both restored afterwards); validation and prediction are untouched. The training
    rows are read into tensors once per ``fit`` call.

    History (``net.history``, batch level; :meth:`history_table` collects them):

    - every step: ``issgd_step``, ``issgd_staleness`` (mean over the rows of the number of
      steps since the parameters behind their weight were current; rows without a weight yet
      count from the start of the fit) and ``issgd_ess`` (Kish's effective sample size of the
      proposal per draw, ``1 / (mean(w~) mean(1/w~))``: 1 for uniform sampling);
    - every ``monitor_every`` steps (a full pass over the training set with the current
      parameters): ``issgd_sqrt_trace_uniform``, ``issgd_sqrt_trace_ideal``,
      ``issgd_sqrt_trace_stale``: ``sqrt(Tr Sigma(q))`` for one draw from the uniform, ideal
      and stale (smoothed, in use) proposals (eq. 7.6-7.9, :func:`trace_covariance`), and
      ``issgd_true_gradient_norm``, ``||g_TRUE||``.

    The ``train_loss`` skorch records is the importance-weighted loss of the drawn rows:
    unbiased for the mean training loss, noisier than under uniform sampling.

    Parameters
    ----------
    smoothing : float, default=0.1
        Added to the weights after dividing them by their mean (thesis 7.A.5). 0 gives the
        pure stale proposal (rows with a zero weight are then almost never drawn).
    refresh_every : int or None, default=None
        Steps between two in-process weight refreshes (ignored with ``client``). None: once
        per epoch, before its first step.
    monitor_every : int or None, default=None
        Steps between two variance measurements (each costs about two passes of norm and
        gradient computation over the training set). None: no monitoring.
    client : dask.distributed.Client or None, default=None
        Compute the weights on the client's workers (``pip install "dask[distributed]"``).
        The client is shared, not copied, by ``clone`` and ``copy.deepcopy``, and is not
        pickled.
    publish_every : int, default=20
        With ``client``: steps between two publications of the parameters.
    n_shards : int or None, default=None
        With ``client``: number of shards of the training set (None: twice the number of
        workers). Smaller shards come back more often.
    norm_batch_size : int, default=256
        Rows per pass when computing norms.
    method : {"auto", "linear", "vmap", "loop"}, default="auto"
        How per-example norms are computed (see
        :func:`~skscore.importance.per_example_gradient_norms`); resolved once per ``fit``
        into ``norm_method_``.
    random_state : int, RandomState instance or None, default=None
        Seeds the minibatch draws and the noise of stochastic objectives' norms. Torch's and
        numpy's global RNGs are never used.

    Attributes
    ----------
    weights_ : torch.Tensor of shape (n_samples,)
        Current per-example gradient norms (float64; NaN where none has arrived yet).
    weights_step_ : torch.Tensor of shape (n_samples,)
        Step at which the parameters behind each weight were current.
    step_ : int
        Importance-sampled steps taken since the net was initialised.
    norm_method_ : str
        Resolved norm method ("linear", "vmap" or "loop").
    n_weight_updates_ : int
        In-process refreshes, or shard results received from Dask workers.

    See Also
    --------
    skscore.importance.per_example_gradient_norms : the norms behind the weights.
    skscore.importance.trace_covariance : the variance of eq. 7.6-7.9.

    Examples
    --------
    >>> import numpy as np
    >>> from torch import nn
    >>> from skorch import NeuralNetClassifier
    >>> from skscore.importance import ImportanceSampling
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(300, 5).astype(np.float32)
    >>> y = (X[:, 0] + 0.3 * rng.randn(300) > 0).astype(np.int64)
    >>> module = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 2))
    >>> issgd = ImportanceSampling(smoothing=0.2, monitor_every=10, random_state=0)
    >>> net = NeuralNetClassifier(module, criterion=nn.CrossEntropyLoss, optimizer__lr=0.1,
    ...                           batch_size=32, max_epochs=5, train_split=None,
    ...                           callbacks=[issgd], verbose=0).fit(X, y)
    >>> issgd.norm_method_, issgd.step_  # Proposition 3; 5 epochs of 10 steps
    ('linear', 50)
    >>> table = ImportanceSampling.history_table(net.history)
    >>> len(table["step"]), int(np.isfinite(table["sqrt_trace_ideal"]).sum())
    (50, 5)
    >>> bool(np.all(table["sqrt_trace_ideal"][::10] <= table["sqrt_trace_uniform"][::10]))
    True
    """

    _RUNTIME = (
        "_noise_generator",
        "_dataset",
        "_batches",
        "_norm_data",
        "_loss_fn",
        "_module",
        "_objective",
        "_criterion",
        "_refresh_period",
        "_last_refresh",
        "_dask",
        "_proposal",
        "_proposal_probs",
        "_proposal_mean",
        "_mean_version",
        "_ess",
        "_dirty",
        "_current_scales",
    )

    def __init__(
        self,
        smoothing: float = 0.1,
        refresh_every: int | None = None,
        *,
        monitor_every: int | None = None,
        client: Any = None,
        publish_every: int = 20,
        n_shards: int | None = None,
        norm_batch_size: int = 256,
        method: str = "auto",
        random_state: RandomState = None,
    ) -> None:
        self.smoothing = smoothing
        self.refresh_every = refresh_every
        self.monitor_every = monitor_every
        self.client = client
        self.publish_every = publish_every
        self.n_shards = n_shards
        self.norm_batch_size = norm_batch_size
        self.method = method
        self.random_state = random_state

    # -- parameters, copies ------------------------------------------------------------------
    def _get_param_names(self):
        return [name for name in inspect.signature(type(self).__init__).parameters][1:]

    def __sklearn_clone__(self):
        params = self.get_params(deep=False)
        client = params.pop("client")
        return type(self)(**{k: clone(v, safe=False) for k, v in params.items()}, client=client)

    def __deepcopy__(self, memo):
        new = type(self).__new__(type(self))
        memo[id(self)] = new
        if self.client is not None:
            memo[id(self.client)] = self.client  # a client is a handle: share it
        for key, value in self.__dict__.items():
            if key in ("_dask", "_module"):
                value = None
            setattr(new, key, copy.deepcopy(value, memo))
        return new

    def __getstate__(self):
        state = dict(self.__dict__)
        state["client"] = None  # a connection does not pickle; set it again after loading
        state.update(dict.fromkeys(self._RUNTIME))
        return state

    # -- skorch hooks ----------------------------------------------------------------------
    def initialize(self) -> ImportanceSampling:
        """Check the parameters and reset the state (skorch calls this at
        ``net.initialize()``).

        Returns
        -------
        self : ImportanceSampling
            The callback.

        Examples
        --------
        >>> from skscore.importance import ImportanceSampling
        >>> ImportanceSampling(smoothing=0.5).initialize().step_
        0
        >>> ImportanceSampling(smoothing=-1).initialize()
        Traceback (most recent call last):
        ...
        sklearn.utils._param_validation.InvalidParameterError: The 'smoothing' parameter of \
ImportanceSampling must be a finite float in the range [0.0, inf). Got -1 instead.
        """
        check_arguments(
            "ImportanceSampling",
            _CONSTRAINTS,
            **{name: getattr(self, name) for name in _CONSTRAINTS},
        )
        if self.client is not None and not hasattr(self.client, "submit"):
            raise TypeError(
                f"client must be a dask.distributed.Client or None, got {type(self.client)}"
            )
        for name in self._RUNTIME:
            setattr(self, name, None)
        # the draws' generator is state: it survives pickling and partial_fit
        if self.random_state is None:
            self._seed = int(np.random.SeedSequence().generate_state(1)[0] >> 1)
        else:
            self._seed = draw_seed(self.random_state)
        self._generator = torch.Generator().manual_seed(self._seed)
        self.step_ = 0
        self.weights_ = None
        self.weights_step_ = None
        self.norm_method_ = None
        self.n_weight_updates_ = 0
        return self

    def on_train_begin(
        self, net: NeuralNet, X: TensorLike | None = None, y: TensorLike | None = None, **kwargs
    ) -> None:
        """Take over the net's training iterator and wrap its criterion.

        skorch calls this hook when ``fit`` or ``partial_fit`` starts. It undoes any take-over
        left by an interrupted fit, then replaces ``net.iterator_train`` by the importance
        sampler and ``net.criterion_`` by a wrapper reducing per-example losses with the
        importance scales (thesis 7.4.1) while a training batch is in use.

        Parameters
        ----------
        net : skorch.NeuralNet
            The initialised net about to train.
        X, y : object, default=None
            Ignored (the rows are read from the training set the iterator receives).
        **kwargs : dict
            Ignored.

        Examples
        --------
        >>> import numpy as np
        >>> from torch import nn
        >>> from skorch import NeuralNetClassifier
        >>> from skscore.importance import ImportanceSampling
        >>> X = np.random.RandomState(0).randn(64, 3).astype(np.float32)
        >>> y = (X[:, 0] > 0).astype(np.int64)
        >>> issgd = ImportanceSampling().initialize()
        >>> net = NeuralNetClassifier(nn.Linear(3, 2), criterion=nn.CrossEntropyLoss,
        ...                           verbose=0).initialize()
        >>> issgd.on_train_begin(net)
        >>> type(net.criterion_).__name__, net.iterator_train.func.__name__
        ('WeightedCriterion', 'ImportanceIterator')
        >>> issgd.on_train_end(net)
        >>> type(net.criterion_).__name__, net.iterator_train.__name__
        ('CrossEntropyLoss', 'DataLoader')
        """
        if not hasattr(self, "step_"):
            self.initialize()
        unpatch(net)
        if self._dask is not None:  # left over by an interrupted fit
            self._dask.close()
            self._dask = None
        criterion = net.criterion_
        self._objective = hasattr(criterion, "per_example")
        if not self._objective and not hasattr(criterion, "reduction"):
            raise TypeError(
                "ImportanceSampling needs per-example losses: use a torch loss module with a "
                "`reduction` attribute (nn.CrossEntropyLoss, nn.MSELoss, ...) or an objective "
                f"with a per_example method, got {type(criterion).__name__}"
            )
        net.iterator_train = functools.partial(
            ImportanceIterator, callback=self, original=net.iterator_train
        )
        net.criterion_ = WeightedCriterion(criterion, self)
        self._module = net.module_
        self._criterion = criterion
        self._dataset = None

    def on_batch_begin(
        self,
        net: NeuralNet,
        batch: tuple[Any, ...] | None = None,
        training: bool | None = None,
        **kwargs,
    ) -> None:
        """Record staleness and effective sample size (and the variances when due).

        For an importance-sampled training batch, writes ``issgd_step``,
        ``issgd_staleness`` and ``issgd_ess`` into the current batch row of ``net.history``
        and, every ``monitor_every`` steps, the ``sqrt(Tr Sigma)`` of the uniform, ideal and
        stale proposals (eq. 7.6-7.9) and ``||g_TRUE||``. Validation batches are left alone.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained.
        batch : tuple, default=None
            The batch (unused: the callback drew it).
        training : bool, default=None
            Whether this is a training batch.
        **kwargs : dict
            Ignored.

        Examples
        --------
        >>> import numpy as np
        >>> from torch import nn
        >>> from skorch import NeuralNetClassifier
        >>> from skscore.importance import ImportanceSampling
        >>> X = np.random.RandomState(0).randn(64, 3).astype(np.float32)
        >>> y = (X[:, 0] > 0).astype(np.int64)
        >>> net = NeuralNetClassifier(nn.Linear(3, 2), criterion=nn.CrossEntropyLoss,
        ...                           batch_size=16, max_epochs=1, verbose=0,
        ...                           callbacks=[ImportanceSampling(monitor_every=2)]).fit(X, y)
        >>> sorted(k for k in net.history[-1, "batches", 0] if k.startswith("issgd"))
        ... # doctest: +NORMALIZE_WHITESPACE
        ['issgd_ess', 'issgd_sqrt_trace_ideal', 'issgd_sqrt_trace_stale',
         'issgd_sqrt_trace_uniform', 'issgd_staleness', 'issgd_step', 'issgd_true_gradient_norm']
        >>> [b.get("issgd_step") for b in net.history[-1, "batches"]]  # 4 train, 1 valid
        [0, 1, 2, 3, None]
        >>> ["issgd_sqrt_trace_ideal" in b for b in net.history[-1, "batches"]]
        [True, False, True, False, False]
        """
        if not training or self._current_scales is None:
            return
        history = net.history
        history.record_batch("issgd_step", self.step_)
        history.record_batch("issgd_staleness", float(self.step_ - self._mean_version))
        history.record_batch("issgd_ess", self._ess)
        if self.monitor_every and self.step_ % self.monitor_every == 0:
            for key, value in self._monitor().items():
                history.record_batch(key, value)

    def on_batch_end(
        self,
        net: NeuralNet,
        batch: tuple[Any, ...] | None = None,
        training: bool | None = None,
        **kwargs,
    ) -> None:
        """Count the step (``step_``) and retire the batch's importance scales.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained.
        batch : tuple, default=None
            Unused.
        training : bool, default=None
            Whether this was a training batch.
        **kwargs : dict
            Ignored (skorch passes the step's loss and prediction).
        """
        if training and self._current_scales is not None:
            self._current_scales = None
            self.step_ += 1

    def on_train_end(
        self, net: NeuralNet, X: TensorLike | None = None, y: TensorLike | None = None, **kwargs
    ) -> None:
        """Give the net its iterator and criterion back; stop the Dask tasks.

        The weights (``weights_``, ``weights_step_``) and the step count stay; the copy of
        the training rows is released.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net that has finished training.
        X, y : object, default=None
            Ignored.
        **kwargs : dict
            Ignored.
        """
        unpatch(net)
        if self._dask is not None:
            self._dask.close()
        for name in (
            "_dask",
            "_dataset",
            "_batches",
            "_norm_data",
            "_module",
            "_loss_fn",
            "_criterion",
        ):
            setattr(self, name, None)
        self._current_scales = None

    # -- sampling ------------------------------------------------------------------------------
    def _attach(self, dataset, collate_fn, steps_per_epoch):
        """Read the training set (once per fit) and set up the weight computation."""
        if self._dataset is dataset:
            return
        X, y = materialize(dataset, collate_fn)
        self._batches = (X, y)
        dtype, device = parameter_dtype_device(self._module)
        Xn = X.to(device=device, dtype=dtype if X.is_floating_point() else X.dtype)
        yn = None
        if y is not None:
            yn = y.to(device=device, dtype=dtype if y.is_floating_point() else y.dtype)
        self._norm_data = (Xn, yn)
        self._noise_generator = torch.Generator(device=device).manual_seed(self._seed + 1)
        criterion = self._criterion
        self._loss_fn = PerExampleLoss(criterion, self._noise_generator)
        with eval_mode(self._module):
            self.norm_method_ = resolve_method(self._module, self._loss_fn, Xn, yn, self.method)
        n = len(X)
        self.weights_ = torch.full((n,), float("nan"), dtype=torch.float64)
        self.weights_step_ = torch.full((n,), self.step_, dtype=torch.int64)
        self._refresh_period = self.refresh_every or steps_per_epoch
        self._last_refresh = None
        if self.client is not None:
            from skscore.importance._dask import DaskWeights

            self._dask = DaskWeights(
                self.client,
                self._module,
                criterion,
                Xn,
                yn,
                n_shards=self.n_shards,
                method=self.norm_method_,
                batch_size=self.norm_batch_size,
                seed=self._seed + 2,
            )
            self._dask.publish(self._module, self.step_)
        self._dirty = True
        self._dataset = dataset

    def _draw_batch(self, size):
        self._update_weights()
        if self._dirty:
            self._update_proposal()
        rows = torch.multinomial(self._proposal_probs, size, True, generator=self._generator)
        self._current_scales = self._proposal_mean / self._proposal[rows]
        X, y = self._batches
        if y is None:
            # skscore objective nets take no target; skorch's Dataset gives dummy zeros
            return X[rows], (None if self._objective else torch.zeros(size, 1))
        return X[rows], y[rows]

    def _update_weights(self):
        if self._dask is not None:
            for rows, norms, version in self._dask.poll():
                self.weights_[rows] = torch.from_numpy(norms)
                self.weights_step_[rows] = version
                self.n_weight_updates_ += 1
                self._dirty = True
            if self.step_ - self._dask.version >= self.publish_every:
                self._dask.publish(self._module, self.step_)
            return
        due = self._last_refresh is None or self.step_ - self._last_refresh >= self._refresh_period
        if due:
            self.weights_[:] = self._current_norms()[0]
            self.weights_step_[:] = self.step_
            self._last_refresh = self.step_
            self.n_weight_updates_ += 1
            self._dirty = True

    def _update_proposal(self):
        w = self.weights_.clone()
        known = ~torch.isnan(w)
        if known.any():
            w[~known] = w[known].mean()
        else:
            w[:] = 1.0
        mean = w.mean()
        w = w / mean if mean > 0 else torch.ones_like(w)
        w = (w + self.smoothing).clamp_min(MIN_RELATIVE_WEIGHT)
        self._proposal = w
        self._proposal_probs = w / w.sum()
        self._proposal_mean = w.mean()
        self._ess = effective_sample_fraction(w.numpy())
        self._mean_version = float(self.weights_step_.double().mean())
        self._dirty = False

    # -- monitoring ----------------------------------------------------------------------------
    def _current_norms(self):
        Xn, yn = self._norm_data
        sq = squared_norms(
            self._module,
            self._loss_fn,
            Xn,
            yn,
            method=self.norm_method_,
            batch_size=self.norm_batch_size,
        )
        sq = sq.double().cpu().clamp_min(0)
        return sq.sqrt(), sq

    def _monitor(self):
        """``sqrt(Tr Sigma)`` of eq. 7.6-7.9 for the proposals at the current parameters."""
        norms, _ = self._current_norms()
        Xn, yn = self._norm_data
        sums = gradient_sums(self._module, self._loss_fn, Xn, yn, batch_size=self.norm_batch_size)
        g_true = math.sqrt(sum(float((s.double() ** 2).sum()) for s in sums)) / len(Xn)
        norms = norms.numpy()
        traces = {
            "issgd_sqrt_trace_uniform": trace_covariance(norms, None, true_gradient_norm=g_true),
            "issgd_sqrt_trace_ideal": trace_covariance(norms, norms, true_gradient_norm=g_true),
            "issgd_sqrt_trace_stale": trace_covariance(
                norms, self._proposal.numpy(), true_gradient_norm=g_true
            ),
        }
        out = {key: math.sqrt(max(value, 0.0)) for key, value in traces.items()}
        out["issgd_true_gradient_norm"] = g_true
        return out

    @staticmethod
    def history_table(history: History) -> dict[str, np.ndarray]:
        """The ISSGD records of a net's history as arrays, one entry per sampled step.

        Parameters
        ----------
        history : skorch.history.History
            ``net.history`` (or an estimator's ``history_``).

        Returns
        -------
        table : dict of str to ndarray
            ``step``, ``staleness``, ``ess`` and ``train_loss`` (the importance-weighted
            batch loss) at every step; ``sqrt_trace_uniform``, ``sqrt_trace_ideal``,
            ``sqrt_trace_stale`` and ``true_gradient_norm``, NaN at steps without
            monitoring.

        Examples
        --------
        >>> import numpy as np
        >>> from torch import nn
        >>> from skorch import NeuralNetRegressor
        >>> from skscore.importance import ImportanceSampling
        >>> X = np.linspace(-1, 1, 64, dtype=np.float32)[:, None]
        >>> y = X**2
        >>> net = NeuralNetRegressor(nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 1)),
        ...                          batch_size=16, max_epochs=2, train_split=None, verbose=0,
        ...                          callbacks=[ImportanceSampling(monitor_every=4,
        ...                                                        random_state=0)]).fit(X, y)
        >>> table = ImportanceSampling.history_table(net.history)
        >>> table["step"]
        array([0, 1, 2, 3, 4, 5, 6, 7])
        >>> np.isfinite(table["sqrt_trace_stale"])
        array([ True, False, False, False,  True, False, False, False])
        """
        batches = [b for epoch in history for b in epoch["batches"] if "issgd_step" in b]
        keys = {"step": "issgd_step", "staleness": "issgd_staleness", "ess": "issgd_ess"}
        keys.update({k.removeprefix("issgd_"): k for k in MONITOR_KEYS})
        keys["train_loss"] = "train_loss"
        table = {
            name: np.array([b.get(key, np.nan) for b in batches], dtype=np.float64)
            for name, key in keys.items()
        }
        table["step"] = table["step"].astype(np.int64)
        return table
