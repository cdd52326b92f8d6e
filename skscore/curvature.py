"""Curvature of a network's loss: the extreme eigenvalues of its Hessian (thesis chapter 11).

- :func:`hessian_eigenpairs`: the k largest and k smallest eigenpairs of the Hessian of the
  full-data mean loss with respect to all the parameters, from Hessian-vector products
  (appendix 11.A), optionally on a fixed subset of the rows (appendix 11.D);
- :func:`line_search_along`: the loss along ``theta - alpha (g^T v) v`` (eq. 11.1) beside its
  quadratic model, to find the best step along an eigenvector (section 11.2.3, appendix 11.C);
- :class:`HessianSpectrum`: a skorch callback recording LA(k) and SA(k) during training
  (appendix 11.B; draw them with :func:`skscore.plotting.plot_hessian_spectrum`);
- :class:`NegativeCurvatureDescent`: an optimizer that tracks the most negative eigenvector
  and steps along it (appendix 11.E).

The parameters are one flat vector: ``p.ravel()`` concatenated over the module's parameters
that require gradients, in ``module.named_parameters()`` order (the layout of
:func:`torch.nn.utils.parameters_to_vector`). ``criterion`` is either a prediction loss
``criterion(module(X), y)`` averaged over the batch (``nn.CrossEntropyLoss()``), or an
objective ``criterion(module, X, y=None, *, generator=None)`` as skscore's estimators train;
a stochastic loss (dropout, corruption noise) is frozen with fixed seeds, so each call
differentiates one fixed function.
"""

import numbers

import numpy as np
import torch
from sklearn.utils import Bunch, check_random_state
from skorch.callbacks import Callback
from torch import nn

from ._curvature_eigen import METHODS, WHICH, extreme_eigenpairs
from ._curvature_hvp import HessianOperator, check_positive_int, criterion_kind
from ._negative_curvature import NegativeCurvatureDescent

__all__ = [
    "HessianSpectrum",
    "NegativeCurvatureDescent",
    "hessian_eigenpairs",
    "line_search_along",
]

#: History keys written by :class:`HessianSpectrum`: LA(k) and SA(k), each a list of
#: eigenvalues in descending order, and the full-data loss they were computed at.
LA_KEY, SA_KEY, LOSS_KEY = "hessian_LA", "hessian_SA", "hessian_loss"


class _NetLoss:
    """A skorch net's own loss, ``net.get_loss(y_pred, y_true)`` (e.g. the log that
    NeuralNetClassifier applies before an NLLLoss)."""

    def __init__(self, net):
        self.net = net
        self.reduction = getattr(net.criterion_, "reduction", "mean")

    def __call__(self, y_pred, y_true=None):
        return self.net.get_loss(y_pred, y_true, training=False)


def _resolve(module, criterion):
    """The torch module and criterion behind ``module``: a torch module, a fitted skorch net
    or a fitted skscore estimator (whose own criterion is used when ``criterion`` is None)."""
    if isinstance(module, nn.Module):
        if criterion is None:
            raise ValueError(
                "criterion is None: pass the loss, e.g. nn.CrossEntropyLoss(), or pass a "
                "fitted skorch net or skscore estimator as module to use its own criterion"
            )
        return module, criterion
    net = getattr(module, "net_", module)
    torch_module = getattr(net, "module_", None)
    if not isinstance(torch_module, nn.Module):
        raise TypeError(
            "module must be a torch nn.Module, a fitted skorch net or a fitted skscore "
            f"estimator, got {type(module).__name__}"
        )
    if criterion is None:
        own = net.criterion_
        criterion = own if criterion_kind(own) == "objective" else _NetLoss(net)
    return torch_module, criterion


def _check_choice(value, name, options):
    if value not in options:
        raise ValueError(f"{name} must be one of {list(options)}, got {value!r}")


def _check_tol(tol):
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not 0 < tol < 1:
        raise ValueError(f"tol must be a float in (0, 1), e.g. 1e-6, got {tol!r}")
    return float(tol)


def _operator(module, criterion, X, y, batch_size, subsample, dtype, random_state):
    module, criterion = _resolve(module, criterion)
    return HessianOperator(
        module,
        criterion,
        X,
        y,
        batch_size=batch_size,
        subsample=subsample,
        random_state=random_state,
        dtype=dtype,
    )


def _eigenpairs(operator, k, which, tol, method, max_iter, random_state):
    d = operator.n_parameters
    n_wanted = 2 * k if which == "both" else k
    limit = d - 1 if method == "arpack" else d
    if n_wanted > limit:
        raise ValueError(
            f"k={k} with which={which!r} asks for {n_wanted} eigenpairs of a {d}-parameter "
            f"Hessian; method={method!r} computes at most {limit}: lower k"
        )
    rng = check_random_state(random_state)
    v0 = torch.as_tensor(rng.standard_normal(d), dtype=operator.dtype, device=operator.device)
    return extreme_eigenpairs(
        operator.matvec, v0, k, which, method=method, tol=tol, max_iter=max_iter, rng=rng
    )


def hessian_eigenpairs(
    module,
    criterion,
    X,
    y=None,
    *,
    k=5,
    which="both",
    batch_size=1024,
    tol=1e-6,
    method="lanczos",
    max_iter=500,
    subsample=None,
    dtype="float64",
    random_state=0,
):
    """Extreme eigenpairs of the Hessian of the full-data mean loss (thesis appendix 11.A).

    The Hessian ``H`` of ``L(theta) = mean_i loss(x_i, y_i)`` with respect to all trainable
    parameters is never formed: a Krylov eigensolver only asks for products ``H v``, computed
    by forward-over-reverse differentiation (``torch.func.jvp`` of ``torch.func.grad``) and
    accumulated over row batches weighted by their size. Returns LA(k), SA(k) or both, the
    eigenpairs ``(lambda_i, v_i)`` with ``lambda_1 >= ... >= lambda_d`` at either end.

    Parameters
    ----------
    module : torch.nn.Module, fitted skorch net or fitted skscore estimator
        The network (never modified). For a net or estimator its ``module_`` is used.
    criterion : callable or None
        A loss ``criterion(module(X), y)`` averaged over the batch (``nn.CrossEntropyLoss()``)
        or an objective ``criterion(module, X, y=None, *, generator=None)``; None with a net
        or estimator uses its own criterion.
    X : array-like or tensor of shape (n_samples, ...)
        Inputs (cast to ``dtype``).
    y : array-like or tensor of shape (n_samples, ...), default=None
        Targets; None calls the loss as ``criterion(module(X))``.
    k : int, default=5
        Eigenpairs wanted at each requested end.
    which : {"both", "LA", "SA"}, default="both"
        "LA": the k largest (algebraic), "SA": the k smallest, "both": LA(k) then SA(k).
    batch_size : int, default=1024
        Rows per forward-over-reverse pass; sets the memory, not the result (except for a
        stochastic objective, whose frozen noise is drawn batch by batch).
    tol : float, default=1e-6
        Stop when every wanted pair has a residual ``||H u - lambda u|| <= tol * ||H||``
        ("lanczos"; ARPACK and LOBPCG use their own relative criteria).
    method : {"lanczos", "arpack", "lobpcg"}, default="lanczos"
        "lanczos": Lanczos with full re-orthogonalisation in torch, both ends from one Krylov
        space (memory: ``max_iter`` parameter vectors); "arpack": ``scipy.sparse.linalg.eigsh``
        on a ``LinearOperator``, as in the thesis; "lobpcg": ``scipy.sparse.linalg.lobpcg``.
        On LeNet-style networks "lanczos" needed the fewest products for the smallest
        eigenvalues (about half of ARPACK's, a fifth of LOBPCG's at equal accuracy; see
        ``benchmarks/results/curvature.md``).
    max_iter : int, default=500
        Most Lanczos iterations (Hessian-vector products); ARPACK restarts and LOBPCG
        iterations for the other methods. A ConvergenceWarning says when it was too few.
    subsample : int, float or None, default=None
        Use a fixed random subset of the rows, a count or a fraction (appendix 11.D): the same
        rows for every product, as a Krylov method requires.
    dtype : {"float64", "float32"} or None, default="float64"
        Precision of the products (None: the parameters' own). Small eigenvalues near the
        bottom of the spectrum need float64 to be accurate relative to themselves.
    random_state : int, RandomState instance or None, default=0
        Seeds the starting vector, the subset and the frozen loss noise.

    Returns
    -------
    eigenvalues : ndarray of shape (n_eigenpairs,)
        In descending order; ``n_eigenpairs`` is k, or 2k for "both" (LA(k) first).
    eigenvectors : ndarray of shape (n_parameters, n_eigenpairs)
        Unit eigenvectors as columns, in the flat parameter layout of
        :func:`torch.nn.utils.parameters_to_vector` (sign arbitrary).

    See Also
    --------
    line_search_along : the loss along an eigenvector.
    HessianSpectrum : the same during training.

    Examples
    --------
    A quadratic loss ``0.5 * mean_i (w^T x_i - y_i)^2`` of a linear model has the Hessian
    ``X^T X / n``:

    >>> import numpy as np
    >>> import torch
    >>> from torch import nn
    >>> from skscore.curvature import hessian_eigenpairs
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(100, 4) * [3.0, 2.0, 1.0, 0.5]
    >>> model = nn.Linear(4, 1, bias=False)
    >>> def loss(output, target):
    ...     return 0.5 * ((output[:, 0] - target) ** 2).mean()
    >>> values, vectors = hessian_eigenpairs(model, loss, X, rng.randn(100), k=1)
    >>> values.shape, vectors.shape
    ((2,), (4, 2))
    >>> np.allclose(values, np.linalg.eigvalsh(X.T @ X / 100)[[3, 0]])
    True
    """
    _check_choice(which, "which", WHICH)
    _check_choice(method, "method", METHODS)
    k = check_positive_int(k, "k")
    max_iter = check_positive_int(max_iter, "max_iter")
    tol = _check_tol(tol)
    operator = _operator(module, criterion, X, y, batch_size, subsample, dtype, random_state)
    return _eigenpairs(operator, k, which, tol, method, max_iter, random_state)


def line_search_along(
    module,
    criterion,
    X,
    y,
    direction,
    alphas,
    *,
    batch_size=1024,
    subsample=None,
    dtype="float64",
    random_state=0,
):
    """The full-data loss along ``theta - alpha (g^T v) v`` and its quadratic model (eq. 11.1).

    With ``g`` the gradient of the full-data mean loss at the current parameters ``theta`` and
    ``v`` the unit ``direction`` (an eigenvector of the Hessian, typically), the loss at step
    ``alpha`` is compared with the second-order model built from the curvature
    ``lambda = v^T H v`` (the eigenvalue when ``v`` is an eigenvector)::

        q(alpha) = L(theta) - alpha (g^T v)^2 + 0.5 alpha^2 (g^T v)^2 lambda.

    For ``lambda > 0`` the model is minimised at ``alpha* = 1 / lambda`` (eq. 11.2); for
    ``lambda < 0`` it decreases without bound, while the real loss turns back up: negative
    curvature is only local (section 11.2.2).

    Parameters
    ----------
    module : torch.nn.Module, fitted skorch net or fitted skscore estimator
        The network (never modified).
    criterion : callable or None
        The loss or objective, as in :func:`hessian_eigenpairs`.
    X : array-like or tensor of shape (n_samples, ...)
        Inputs.
    y : array-like or tensor of shape (n_samples, ...) or None
        Targets.
    direction : array-like or tensor of shape (n_parameters,)
        The direction ``v`` in the flat parameter layout (normalised here).
    alphas : array-like of shape (n_alphas,)
        Step sizes (any sign).
    batch_size : int, default=1024
        Rows per pass.
    subsample : int, float or None, default=None
        A fixed random subset of the rows (appendix 11.D).
    dtype : {"float64", "float32"} or None, default="float64"
        Precision of the computation.
    random_state : int, RandomState instance or None, default=0
        Seeds the subset and the frozen loss noise.

    Returns
    -------
    result : sklearn.utils.Bunch
        ``alphas`` (n_alphas,), ``loss`` (n_alphas,) the loss at each step,
        ``quadratic`` (n_alphas,) the model ``q(alpha)``, ``initial_loss`` ``L(theta)``,
        ``gradient_projection`` ``g^T v`` and ``curvature`` ``v^T H v``.

    See Also
    --------
    hessian_eigenpairs : the eigenvectors to search along.

    Examples
    --------
    On a quadratic loss the model is exact and the best step is ``1 / lambda``:

    >>> import numpy as np
    >>> from torch import nn
    >>> from skscore.curvature import hessian_eigenpairs, line_search_along
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.randn(50, 3), rng.randn(50)
    >>> model = nn.Linear(3, 1, bias=False)
    >>> def loss(output, target):
    ...     return 0.5 * ((output[:, 0] - target) ** 2).mean()
    >>> values, vectors = hessian_eigenpairs(model, loss, X, y, k=1, which="LA")
    >>> alphas = np.linspace(0.0, 2.0 / values[0], 5)
    >>> result = line_search_along(model, loss, X, y, vectors[:, 0], alphas)
    >>> np.allclose(result.loss, result.quadratic)
    True
    >>> float(result.alphas[np.argmin(result.loss)] * values[0])
    1.0
    """
    operator = _operator(module, criterion, X, y, batch_size, subsample, dtype, random_state)
    v = operator.as_flat(direction, "direction")
    norm = torch.linalg.vector_norm(v)
    if norm == 0:
        raise ValueError("direction is the zero vector; pass a non-zero direction")
    v = v / norm
    alphas = np.asarray(alphas, dtype=np.float64).reshape(-1)
    if alphas.size == 0 or not np.all(np.isfinite(alphas)):
        raise ValueError("alphas must be a non-empty array of finite step sizes")
    loss0, gradient = operator.loss_and_gradient()
    slope = float(torch.dot(gradient, v))
    curvature = float(torch.dot(v, operator.matvec(v)))
    losses = np.array([operator.loss(operator.theta - a * slope * v) for a in alphas])
    quadratic = loss0 - alphas * slope**2 + 0.5 * alphas**2 * slope**2 * curvature
    return Bunch(
        alphas=alphas,
        loss=losses,
        quadratic=quadratic,
        initial_loss=loss0,
        gradient_projection=slope,
        curvature=curvature,
    )


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
        X=None,
        y=None,
        *,
        k=5,
        which="both",
        every=1,
        on="epoch",
        batch_size=1024,
        subsample=None,
        tol=1e-6,
        method="lanczos",
        max_iter=500,
        dtype="float64",
        random_state=0,
    ):
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

    def initialize(self):
        """Check the parameters (skorch calls this when the net is initialised).

        Returns
        -------
        self : HessianSpectrum

        Examples
        --------
        >>> from skscore.curvature import HessianSpectrum
        >>> spectrum = HessianSpectrum(k=3)
        >>> spectrum.initialize() is spectrum
        True
        >>> HessianSpectrum(on="step").initialize()
        Traceback (most recent call last):
        ...
        ValueError: on must be one of ['epoch', 'batch'], got 'step'
        """
        _check_choice(self.which, "which", WHICH)
        _check_choice(self.method, "method", METHODS)
        _check_choice(self.on, "on", ("epoch", "batch"))
        check_positive_int(self.k, "k")
        check_positive_int(self.every, "every")
        check_positive_int(self.max_iter, "max_iter")
        check_positive_int(self.batch_size, "batch_size")
        _check_tol(self.tol)
        self.n_train_batches_ = 0
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
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

    def spectrum(self, net):
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
        operator = _operator(
            net, None, X, y, self.batch_size, self.subsample, self.dtype, self.random_state
        )
        values, _ = _eigenpairs(
            operator, self.k, self.which, self.tol, self.method, self.max_iter, self.random_state
        )
        record = {}
        if self.which in ("LA", "both"):
            record[LA_KEY] = values[: self.k].tolist()
        if self.which in ("SA", "both"):
            record[SA_KEY] = values[-self.k :].tolist()
        record[LOSS_KEY] = operator.loss()
        return record

    def on_epoch_end(self, net, **kwargs):
        """Record the spectrum every ``every`` epochs (when ``on="epoch"``).

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained.
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
        >>> net = NeuralNetClassifier(nn.Linear(2, 2), criterion=nn.CrossEntropyLoss,
        ...                           max_epochs=3, train_split=None, verbose=0,
        ...                           callbacks=[HessianSpectrum(k=1, which="SA")])
        >>> net = net.fit(X, y)
        >>> [len(row["hessian_SA"]) for row in net.history]
        [1, 1, 1]
        >>> bool(net.history[-1, "hessian_SA"][0] >= -1e-9)  # a convex loss: H >= 0
        True
        """
        if self.on == "epoch" and len(net.history) % self.every == 0:
            for key, value in self.spectrum(net).items():
                net.history.record(key, value)

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
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
