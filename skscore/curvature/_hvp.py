"""Hessian-vector products of a full-data loss with respect to a module's parameters.

The Hessian of a network with d parameters has d^2 entries, out of reach for all but tiny
models; its products with vectors are cheap (thesis appendix 11.A). :class:`HessianOperator`
evaluates the mean loss over all the rows of X (or over a fixed subset of them, appendix 11.D),
its gradient and its Hessian-vector products ``H v`` by forward-over-reverse differentiation
(``torch.func.jvp`` of ``torch.func.grad``), one row batch at a time, each batch weighted by
its share of the rows, so the result is that of the full-data mean loss whatever the batch size.

Parameters are handled as one flat vector: the concatenation of ``p.ravel()`` over the
module's parameters that require gradients, in ``module.named_parameters()`` order -- the
layout of :func:`torch.nn.utils.parameters_to_vector`.

Two kinds of ``criterion`` are understood, by the rule of :mod:`skscore._core.user_module`:

- a prediction loss ``criterion(module(X), y)`` (``nn.CrossEntropyLoss()``, any callable), or
  ``criterion(module(X))`` when y is None; it must return the mean over the batch;
- an objective of the module and the raw batch, ``criterion(module, X, y=None, *,
  generator=None)``, as skscore's estimators train (corruption noise, Hutchinson projections
  and walkback lengths drawn from ``generator``). It is recognised by a ``per_example``
  attribute or by a first parameter named ``module``.

The module is evaluated in eval mode (dropout off, its train/eval flags restored afterwards).
An objective that takes a ``generator`` gets, at every evaluation of batch b, a fresh one seeded
with ``seed + b``, so its noise (corruption, projections) is the same function at every call:
Krylov eigensolvers assume a fixed matrix (appendix 11.D). Torch's global RNG is never used or
forked.
"""

import numbers
import warnings

import numpy as np
import torch
from sklearn.utils import check_random_state
from torch import nn
from torch.func import functional_call, grad, grad_and_value, jvp

from skscore._core.random import SEED_BOUND, draw_seed
from skscore._core.user_module import OBJECTIVE, UserCriterion, as_tensor, criterion_kind, eval_mode
from skscore._core.validation import FRACTION, POSITIVE_INT, check_arguments

DTYPES = {"float64": torch.float64, "float32": torch.float32}
#: Constraints of the row batching (for ``check_arguments``).
OPERATOR_CONSTRAINTS = {"batch_size": [POSITIVE_INT], "subsample": [POSITIVE_INT, FRACTION, None]}
_JIT_DEPRECATION = "`torch.jit.script` is deprecated"


class _CriterionCall(nn.Module):
    """``forward(X, y, generator)`` -> scalar mean loss of the wrapped module.

    ``torch.func.functional_call`` on this wrapper swaps the parameters of ``self.module`` for
    the whole call, so an objective may use any method or attribute of the module.
    """

    def __init__(self, module, criterion):
        super().__init__()
        self.module = module
        # a list keeps an nn.Module criterion from being registered as a submodule
        self._criterion = [UserCriterion(criterion)]
        self._criterion[0].check_mean_reduction()
        self.takes_generator = self._criterion[0].takes_generator()

    def forward(self, X, y, generator):
        return self._criterion[0].mean_loss(self.module, X, y, generator)


def resolve_dtype(dtype, module):
    """Torch dtype of the computation: ``"float64"``, ``"float32"``, or None for the dtype of
    the module's parameters."""
    if dtype is None:
        return next(module.parameters()).dtype
    if isinstance(dtype, torch.dtype) and dtype in DTYPES.values():
        return dtype
    if dtype in DTYPES:
        return DTYPES[dtype]
    raise ValueError(f"dtype must be 'float64', 'float32' or None, got {dtype!r}")


def _subsample_rows(n, subsample, rng):
    """Sorted row indices of the fixed subset (appendix 11.D), or None for all rows."""
    if subsample is None:
        return None
    if isinstance(subsample, numbers.Integral):
        size = min(int(subsample), n)
    else:
        size = max(1, int(round(subsample * n)))
    return np.sort(rng.choice(n, size=size, replace=False))


class HessianOperator:
    """Loss, gradient and Hessian-vector products of the full-data mean loss.

    Parameters
    ----------
    module : torch.nn.Module
        The network; never modified (its parameters are read, copied and cast).
    criterion : callable
        A prediction loss or an objective (module docstring).
    X : array-like or tensor of shape (n_samples, ...)
        Inputs, cast to ``dtype``.
    y : array-like or tensor of shape (n_samples, ...), default=None
        Targets (floating targets are cast to ``dtype``).
    batch_size : int, default=1024
        Rows per forward-over-reverse pass.
    subsample : int, float or None, default=None
        Use a fixed random subset of the rows (a count, or a fraction of them).
    random_state : int, RandomState instance or None, default=0
        Seeds the subset and the per-batch loss seeds.
    dtype : {"float64", "float32"} or None, default="float64"
        Precision of the computation (None: the parameters' own).
    caller : str, default="HessianOperator"
        Name given in the errors about ``batch_size`` and ``subsample``.
    """

    def __init__(
        self,
        module,
        criterion,
        X,
        y=None,
        *,
        batch_size=1024,
        subsample=None,
        random_state=0,
        dtype="float64",
        caller="HessianOperator",
    ):
        check_arguments(caller, OPERATOR_CONSTRAINTS, batch_size=batch_size, subsample=subsample)
        if not isinstance(module, nn.Module):
            raise TypeError(f"module must be a torch nn.Module, got {type(module).__name__}")
        named = [(name, p) for name, p in module.named_parameters() if p.requires_grad]
        if not named:
            raise ValueError("module has no parameters that require gradients")
        self.batch_size = int(batch_size)
        self.dtype = resolve_dtype(dtype, module)
        self.device = named[0][1].device
        self.call = _CriterionCall(module, criterion)
        self.names = ["module." + name for name, _ in named]
        self.shapes = [p.shape for _, p in named]
        self.sizes = [p.numel() for _, p in named]
        self.theta = torch.cat([p.detach().reshape(-1).to(self.dtype) for _, p in named])
        trainable = {id(p) for _, p in named}
        fixed = {}
        for name, p in module.named_parameters():
            if id(p) not in trainable:
                fixed["module." + name] = p.detach().to(self.dtype)
        for name, b in module.named_buffers():
            fixed["module." + name] = b.to(self.dtype) if b.is_floating_point() else b
        self.fixed = fixed

        X = as_tensor(X, self.device, self.dtype, name="X", validate=True, cast_bool=True)
        if y is not None:
            y = as_tensor(y, self.device, self.dtype, name="y", validate=True)
            if len(y) != len(X):
                raise ValueError(
                    f"X and y must have the same number of rows, got {len(X)} and {len(y)}"
                )
        rng = check_random_state(random_state)
        rows = _subsample_rows(len(X), subsample, rng)
        if rows is not None:
            index = torch.from_numpy(rows).to(self.device)
            X = X[index]
            y = None if y is None else y[index]
        self.n_samples = len(X)
        # half the bound: the per-batch seeds ``seed + b`` stay below it
        self.seed = draw_seed(rng, high=SEED_BOUND // 2)
        self.batches = []
        for b, start in enumerate(range(0, self.n_samples, self.batch_size)):
            Xb = X[start : start + self.batch_size]
            yb = None if y is None else y[start : start + self.batch_size]
            self.batches.append((Xb, yb, len(Xb) / self.n_samples, self.seed + b))
        self.n_matvec = 0
        self.mode = "forward-over-reverse"
        self._graph = None

    @property
    def n_parameters(self):
        return int(self.theta.numel())

    def _params(self, flat):
        chunks = torch.split(flat, self.sizes)
        params = {n: c.view(s) for n, c, s in zip(self.names, chunks, self.shapes, strict=True)}
        params.update(self.fixed)
        return params

    def _batch_loss(self, flat, Xb, yb, seed):
        # an objective's noise comes from a generator seeded per batch, so the loss (and its
        # Hessian) is deterministic; torch's global RNG is never touched
        generator = None
        if self.call.takes_generator:
            generator = torch.Generator(device=self.device).manual_seed(seed)
        with eval_mode(self.call.module):
            return functional_call(self.call, self._params(flat), (Xb, yb, generator))

    def as_flat(self, vector, name="vector"):
        """``vector`` (array-like or tensor of shape (n_parameters,)) as a flat tensor."""
        v = torch.as_tensor(np.asarray(vector) if not isinstance(vector, torch.Tensor) else vector)
        if v.shape != (self.n_parameters,):
            raise ValueError(
                f"{name} must be a flat vector of shape ({self.n_parameters},) (one entry per "
                f"trainable parameter), got shape {tuple(v.shape)}"
            )
        v = v.to(device=self.device, dtype=self.dtype)
        if not torch.isfinite(v).all():
            raise ValueError(f"{name} contains NaN or infinity")
        return v

    def loss(self, theta=None):
        """Full-data mean loss at ``theta`` (default: the module's parameters)."""
        theta = self.theta if theta is None else theta
        with torch.no_grad():
            total = sum(w * self._batch_loss(theta, Xb, yb, s) for Xb, yb, w, s in self.batches)
        return float(total)

    def loss_and_gradient(self, theta=None):
        """Full-data mean loss and its gradient (flat) at ``theta``."""
        theta = self.theta if theta is None else theta
        total, gradient = 0.0, torch.zeros_like(theta)
        for Xb, yb, w, s in self.batches:
            g, value = grad_and_value(lambda t, Xb=Xb, yb=yb, s=s: self._batch_loss(t, Xb, yb, s))(
                theta
            )
            total += w * float(value)
            gradient += w * g
        return total, gradient

    def matvec(self, v):
        """``H v`` of the full-data mean loss at the module's parameters (flat tensors).

        Several batches: forward-over-reverse (``jvp`` of ``grad``) batch by batch; a loss
        with an operation that forward-mode differentiation does not support (``nn.MSELoss``
        in torch 2.13 fails on a zero tangent) switches to reverse-over-reverse (``grad`` of
        ``g^T v``), as exact and about as fast. One batch: the gradient's graph is built once
        and every product is one backward pass through it (about 1.6x cheaper per product on
        a small CNN; the memory is the one graph that ``batch_size`` allows).
        """
        self.n_matvec += 1
        if len(self.batches) == 1:
            return self._cached_product(v)
        if self.mode == "forward-over-reverse":
            try:
                with warnings.catch_warnings():
                    # torch scripts its forward-mode decompositions on first use
                    warnings.filterwarnings("ignore", _JIT_DEPRECATION, DeprecationWarning)
                    return self._matvec(v, self._forward_over_reverse)
            except RuntimeError:  # also raised for ops without a forward-mode rule
                self.mode = "reverse-over-reverse"
        return self._matvec(v, self._reverse_over_reverse)

    def _matvec(self, v, batch_product):
        result = torch.zeros_like(self.theta)
        for Xb, yb, w, s in self.batches:

            def batch_gradient(t, Xb=Xb, yb=yb, s=s):
                return grad(lambda u: self._batch_loss(u, Xb, yb, s))(t)

            result += w * batch_product(batch_gradient, v)
        return result

    def _cached_product(self, v):
        if self._graph is None:
            Xb, yb, _, seed = self.batches[0]
            theta = self.theta.detach().clone().requires_grad_(True)
            with torch.enable_grad():
                loss = self._batch_loss(theta, Xb, yb, seed)
                (gradient,) = torch.autograd.grad(loss, theta, create_graph=True)
            self._graph = (theta, gradient)
        theta, gradient = self._graph
        if not gradient.requires_grad:  # a loss linear in the parameters: H = 0
            return torch.zeros_like(v)
        (product,) = torch.autograd.grad(
            gradient, theta, grad_outputs=v, retain_graph=True, allow_unused=True
        )
        return torch.zeros_like(v) if product is None else product

    def _forward_over_reverse(self, batch_gradient, v):
        return jvp(batch_gradient, (self.theta,), (v,))[1]

    def _reverse_over_reverse(self, batch_gradient, v):
        return grad(lambda t: torch.dot(batch_gradient(t), v))(self.theta)


class _NetLoss:
    """A skorch net's own loss, ``net.get_loss(y_pred, y_true)`` (e.g. the log that
    NeuralNetClassifier applies before an NLLLoss)."""

    def __init__(self, net):
        self.net = net
        self.reduction = getattr(net.criterion_, "reduction", "mean")

    def __call__(self, y_pred, y_true=None):
        return self.net.get_loss(y_pred, y_true, training=False)


def resolve(module, criterion):
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
        criterion = own if criterion_kind(own) == OBJECTIVE else _NetLoss(net)
    return torch_module, criterion


def make_operator(
    module, criterion, X, y, batch_size, subsample, dtype, random_state, caller="HessianOperator"
):
    """The :class:`HessianOperator` of a module (or fitted net / estimator) and criterion;
    ``caller`` is the public name given in the errors."""
    module, criterion = resolve(module, criterion)
    return HessianOperator(
        module,
        criterion,
        X,
        y,
        batch_size=batch_size,
        subsample=subsample,
        random_state=random_state,
        dtype=dtype,
        caller=caller,
    )
