"""The :class:`HessianSpectrum` skorch callback: LA(k) and SA(k) during training (thesis
appendix 11.B), and the reader of its records for :func:`skscore.plotting.plot_hessian_spectrum`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from sklearn.utils import Bunch
from sklearn.utils._param_validation import StrOptions
from skorch import NeuralNet
from skorch.callbacks import Callback

from skscore._core.types import TensorLike
from skscore._core.validation import POSITIVE_INT, check_arguments
from skscore.curvature._eigen import EIGEN_CONSTRAINTS, eigenpairs
from skscore.curvature._hvp import make_operator

#: History keys written by :class:`HessianSpectrum`: LA(k) and SA(k), each a list of
#: eigenvalues in descending order, and the full-data loss they were computed at.
LA_KEY, SA_KEY, LOSS_KEY = "hessian_LA", "hessian_SA", "hessian_loss"


class HessianSpectrum(Callback):
    """Record the extreme eigenvalues of the loss Hessian during training (a skorch callback).

    Every ``every`` epochs (or training batches, with ``on="batch"``) the k largest and k
    smallest eigenvalues of the Hessian of the mean loss over ``(X, y)`` -- by default the
    data passed to ``fit`` -- are computed as in :func:`hessian_eigenpairs` and recorded in
    ``net.history`` under ``"hessian_LA"`` and ``"hessian_SA"`` (lists, descending), with the
    loss they were computed at under ``"hessian_loss"`` (thesis appendix 11.B, figures
    11.5-11.6; draw them with :func:`skscore.plotting.plot_hessian_spectrum`).

    Works with any skorch net (its loss is ``net.get_loss(module(X), y)``) and with skscore's
    estimators (their objective, with its noise frozen by ``random_state``). The module is
    never modified; ``random_state`` fixes the starting vector, the subset and the noise, so
    the records of different epochs are comparable.

    Parameters
    ----------
    X : array-like or tensor of shape (n_samples, ...), default=None
        Data of the loss; None uses the data passed to ``fit`` (before any validation split).
    y : array-like or tensor of shape (n_samples, ...), default=None
        Their targets (ignored when X is None).
    k : int, default=5
        Eigenvalues recorded at each end.
    which : {"both", "LA", "SA"}, default="both"
        Ends recorded.
    every : int, default=1
        Record every ``every`` epochs (or batches).
    on : {"epoch", "batch"}, default="epoch"
        Record at the end of epochs, or of training batches (into the batch rows of the
        history, for a finer view of the first epoch as in figure 11.5).
    batch_size : int, default=1024
        Rows per Hessian-vector product pass.
    subsample : int, float or None, default=None
        A fixed random subset of the rows (appendix 11.D): cheaper, the same at every record.
    tol : float, default=1e-6
        Eigensolver tolerance (see :func:`hessian_eigenpairs`).
    method : {"lanczos", "arpack", "lobpcg"}, default="lanczos"
        Eigensolver.
    max_iter : int, default=500
        Most iterations of the eigensolver.
    dtype : {"float64", "float32"} or None, default="float64"
        Precision of the products.
    random_state : int, default=0
        Seeds the starting vector, the subset and the frozen loss noise.

    Examples
    --------
    >>> import numpy as np
    >>> from torch import nn
    >>> from skorch import NeuralNetClassifier
    >>> from skscore.curvature import HessianSpectrum
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(200, 2).astype(np.float32)
    >>> y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    >>> module = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
    >>> spectrum = HessianSpectrum(k=2, every=2)
    >>> net = NeuralNetClassifier(module, criterion=nn.CrossEntropyLoss, max_epochs=4, lr=0.5,
    ...                           train_split=None, callbacks=[spectrum], verbose=0)
    >>> net = net.fit(X, y)
    >>> ["hessian_LA" in row for row in net.history]
    [False, True, False, True]
    >>> largest, smallest = net.history[-1, ["hessian_LA", "hessian_SA"]]
    >>> len(largest), len(smallest), largest[0] >= largest[1] >= smallest[0] >= smallest[1]
    (2, 2, True)
    """

    def __init__(
        self,
        X: TensorLike | None = None,
        y: TensorLike | None = None,
        *,
        k: int = 5,
        which: str = "both",
        every: int = 1,
        on: str = "epoch",
        batch_size: int = 1024,
        subsample: int | float | None = None,
        tol: float = 1e-6,
        method: str = "lanczos",
        max_iter: int = 500,
        dtype: str | None = "float64",
        random_state: int = 0,
    ) -> None:
        self.X = X
        self.y = y
        self.k = k
        self.which = which
        self.every = every
        self.on = on
        self.batch_size = batch_size
        self.subsample = subsample
        self.tol = tol
        self.method = method
        self.max_iter = max_iter
        self.dtype = dtype
        self.random_state = random_state

    def initialize(self) -> HessianSpectrum:
        """Check the parameters (skorch calls this when the net is initialised).

        Returns
        -------
        self : HessianSpectrum
        """
        check_arguments(
            "HessianSpectrum",
            {
                **EIGEN_CONSTRAINTS,
                "on": [StrOptions({"epoch", "batch"})],
                "every": [POSITIVE_INT],
                "batch_size": [POSITIVE_INT],
            },
            **{name: getattr(self, name) for name in (*EIGEN_CONSTRAINTS, "on", "every")},
            batch_size=self.batch_size,
        )
        self.n_train_batches_ = 0
        return self

    def on_train_begin(
        self, net: NeuralNet, X: TensorLike | None = None, y: TensorLike | None = None, **kwargs
    ) -> None:
        """Keep the data of the loss: ``X``/``y`` given to the callback, else those of fit.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net about to train.
        X, y : array-like or tensor
            The data passed to ``fit`` (skorch passes them).
        **kwargs : dict
            Ignored.

        Examples
        --------
        >>> import numpy as np
        >>> from skscore.curvature import HessianSpectrum
        >>> X, y = np.zeros((4, 2), dtype=np.float32), np.zeros(4, dtype=np.int64)
        >>> spectrum = HessianSpectrum().initialize()
        >>> spectrum.on_train_begin(None, X=X, y=y)
        >>> spectrum.data_[0] is X
        True
        >>> spectrum.on_train_begin(None, X={"x": X}, y=y)
        Traceback (most recent call last):
        ...
        TypeError: HessianSpectrum needs the training data as an array or tensor, got dict; ...
        """
        data = (self.X, self.y) if self.X is not None else (X, y)
        if not isinstance(data[0], (np.ndarray, torch.Tensor, list)):
            raise TypeError(
                "HessianSpectrum needs the training data as an array or tensor, got "
                f"{type(data[0]).__name__}; pass X (and y) to HessianSpectrum"
            )
        self.data_ = data

    def spectrum(self, net: NeuralNet) -> dict[str, Any]:
        """The current LA(k)/SA(k) and loss of ``net`` on the callback's data.

        Parameters
        ----------
        net : skorch.NeuralNet
            An initialised net (or anything with ``module_`` and ``criterion_``).

        Returns
        -------
        record : dict
            ``{"hessian_LA": [...], "hessian_SA": [...], "hessian_loss": float}`` (the keys of
            the requested ends), eigenvalues in descending order.

        Examples
        --------
        >>> import numpy as np
        >>> from torch import nn
        >>> from skorch import NeuralNetRegressor
        >>> from skscore.curvature import HessianSpectrum
        >>> rng = np.random.RandomState(0)
        >>> X = rng.randn(50, 3).astype(np.float32)
        >>> y = rng.randn(50, 1).astype(np.float32)
        >>> net = NeuralNetRegressor(nn.Linear(3, 1), criterion=nn.MSELoss).initialize()
        >>> spectrum = HessianSpectrum(k=2).initialize()
        >>> spectrum.on_train_begin(net, X=X, y=y)
        >>> record = spectrum.spectrum(net)
        >>> sorted(record)
        ['hessian_LA', 'hessian_SA', 'hessian_loss']
        >>> Z = np.hstack([X, np.ones((50, 1))])  # MSE of a linear model: H = 2 Z^T Z / n
        >>> exact = np.linalg.eigvalsh(2 * Z.T @ Z / 50)[::-1]
        >>> bool(np.allclose(record["hessian_LA"] + record["hessian_SA"], exact))
        True
        """
        X, y = self.data_
        operator = make_operator(
            net,
            None,
            X,
            y,
            self.batch_size,
            self.subsample,
            self.dtype,
            self.random_state,
            "HessianSpectrum",
        )
        values, _ = eigenpairs(
            operator, self.k, self.which, self.tol, self.method, self.max_iter, self.random_state
        )
        record = {}
        if self.which in ("LA", "both"):
            record[LA_KEY] = values[: self.k].tolist()
        if self.which in ("SA", "both"):
            record[SA_KEY] = values[-self.k :].tolist()
        record[LOSS_KEY] = operator.loss()
        return record

    def on_epoch_end(self, net: NeuralNet, **kwargs) -> None:
        """Record the spectrum every ``every`` epochs (when ``on="epoch"``).

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained.
        **kwargs : dict
            Ignored.
        """
        if self.on == "epoch" and len(net.history) % self.every == 0:
            for key, value in self.spectrum(net).items():
                net.history.record(key, value)

    def on_batch_end(
        self,
        net: NeuralNet,
        batch: tuple[Any, ...] | None = None,
        training: bool | None = None,
        **kwargs,
    ) -> None:
        """Record the spectrum every ``every`` training batches (when ``on="batch"``).

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained.
        batch : tuple, default=None
            Ignored.
        training : bool, default=None
            Only training batches are counted.
        **kwargs : dict
            Ignored.

        Examples
        --------
        >>> import numpy as np
        >>> from torch import nn
        >>> from skorch import NeuralNetClassifier
        >>> from skscore.curvature import HessianSpectrum
        >>> rng = np.random.RandomState(0)
        >>> X = rng.randn(100, 2).astype(np.float32)
        >>> y = (X[:, 0] > 0).astype(np.int64)
        >>> spectrum = HessianSpectrum(k=1, which="LA", on="batch", every=3)
        >>> net = NeuralNetClassifier(nn.Linear(2, 2), criterion=nn.CrossEntropyLoss,
        ...                           max_epochs=2, batch_size=25, train_split=None,
        ...                           callbacks=[spectrum], verbose=0).fit(X, y)
        >>> [["hessian_LA" in b for b in row["batches"]] for row in net.history]
        [[False, False, True, False], [False, True, False, False]]
        """
        if self.on != "batch" or not training:
            return
        self.n_train_batches_ += 1
        if self.n_train_batches_ % self.every == 0:
            for key, value in self.spectrum(net).items():
                net.history.record_batch(key, value)


def _spectrum_records(history, loss_key=None):
    """Records of :class:`HessianSpectrum` in a history, as a Bunch of arrays.

    ``steps``: epochs of epoch records (``on="epoch"``), or the number of training batches
    seen for batch records (``unit`` says which); ``largest`` / ``smallest``: (n_records, k)
    eigenvalues, NaN where an end was not recorded; ``loss``: ``loss_key`` of the history
    (default: the recorded ``"hessian_loss"``).
    """
    key = loss_key or LOSS_KEY
    rows = []
    unit = "epoch"
    if any(LA_KEY in row or SA_KEY in row for row in history):
        rows = [(row["epoch"], row) for row in history if LA_KEY in row or SA_KEY in row]
    else:
        unit = "training batch"
        seen = 0
        for row in history:
            for batch in row["batches"]:
                if "train_loss" not in batch:
                    continue
                seen += 1
                if LA_KEY in batch or SA_KEY in batch:
                    rows.append((seen, batch))
    if not rows:
        raise ValueError(
            "history has no Hessian spectrum records; train with a HessianSpectrum callback"
        )

    def matrix(name):
        width = max((len(r.get(name, ())) for _, r in rows), default=0)
        out = np.full((len(rows), width), np.nan)
        for i, (_, r) in enumerate(rows):
            values = r.get(name, ())
            out[i, : len(values)] = values
        return out

    loss = np.array([np.nan if r.get(key) is None else r[key] for _, r in rows], dtype=float)
    return Bunch(
        steps=np.array([s for s, _ in rows]),
        largest=matrix(LA_KEY),
        smallest=matrix(SA_KEY),
        loss=loss,
        unit=unit,
    )
