"""The one adapter for a user's torch module and criterion (curvature, importance weights).

The rule of what a ``criterion`` is, used by every consumer (:mod:`skscore.curvature`,
:mod:`skscore.importance`):

- A torch module *class* (``nn.CrossEntropyLoss``) is instantiated with no arguments, as
  skorch does.
- An **objective** is a criterion of the module and the raw batch,
  ``criterion(module, X, y=None, *, generator=None)``, as skscore's estimators train
  (:mod:`skscore._core.objective`): it is recognised by a ``per_example`` attribute or, for
  a plain function, by a first parameter named ``module``. ``criterion(...)`` is the mean
  loss of the batch and ``criterion.per_example(...)`` the loss of each row. ``y`` is passed
  only when there is one; ``generator`` (the source of all its noise) only when the function
  called takes it (:func:`accepts_generator`).
- Anything else callable is a **prediction loss** of the module's output,
  ``criterion(module(X), y)`` (``criterion(module(X))`` without y). Its mean is asked with
  ``reduction="mean"`` (a ``reduction`` attribute set to anything else is refused), its
  per-row losses by setting a ``reduction`` attribute to ``"none"`` for the call; a callable
  without one must then return one loss per row itself.

:func:`eval_mode` evaluates a module without dropout, every submodule's own train/eval flag
restored afterwards, and :func:`as_tensor` turns user data into tensors for the module.
"""

import inspect
from contextlib import contextmanager

import numpy as np
import torch
from torch import nn

OBJECTIVE = "objective"
LOSS = "loss"


def _signature(fn):
    target = fn.forward if isinstance(fn, nn.Module) else fn
    try:
        return inspect.signature(target)
    except (TypeError, ValueError):
        return None


def accepts_generator(fn):
    """Whether calling ``fn`` with ``generator=...`` is allowed: a parameter named
    ``generator`` or a ``**kwargs`` (an ``nn.Module``'s ``forward`` is inspected)."""
    signature = _signature(fn)
    if signature is None:
        return False
    return "generator" in signature.parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values()
    )


def instantiate(criterion):
    """A torch module class becomes an instance (no arguments); anything else is unchanged."""
    if isinstance(criterion, type):
        if not issubclass(criterion, nn.Module):
            raise TypeError(
                f"criterion class {criterion.__name__} is not a torch module; pass a loss "
                "module such as nn.CrossEntropyLoss() or a loss function"
            )
        return criterion()
    return criterion


def criterion_kind(criterion):
    """``"objective"`` or ``"loss"`` by the rule of the module docstring."""
    if hasattr(criterion, "per_example"):
        return OBJECTIVE
    if not callable(criterion):
        raise TypeError(
            "criterion must be callable: a loss criterion(module(X), y) such as "
            "nn.CrossEntropyLoss(), or an objective criterion(module, X, y) (with a "
            f"per_example method for per-example losses); got {criterion!r}"
        )
    signature = _signature(criterion)
    if signature is not None:
        names = list(signature.parameters)
        if names and names[0] == "module":
            return OBJECTIVE
    return LOSS


class UserCriterion:
    """A user's criterion by the rule of the module docstring: mean and per-row losses.

    Parameters
    ----------
    criterion : callable, objective or torch loss class
        See the module docstring.
    """

    def __init__(self, criterion):
        self.criterion = instantiate(criterion)
        self.kind = criterion_kind(self.criterion)
        self.is_objective = self.kind == OBJECTIVE

    def _objective_call(self, fn, module, X, y, generator):
        args = (X,) if y is None else (X, y)
        kwargs = {"generator": generator} if accepts_generator(fn) else {}
        return fn(module, *args, **kwargs)

    def takes_generator(self, per_example=False):
        """Whether the objective call (mean or ``per_example``) receives a generator."""
        if not self.is_objective:
            return False
        return accepts_generator(self.criterion.per_example if per_example else self.criterion)

    def check_mean_reduction(self):
        """Refuse a prediction loss that does not average over the batch."""
        reduction = getattr(self.criterion, "reduction", "mean")
        if not self.is_objective and reduction != "mean":
            raise ValueError(
                f"criterion must average over the batch, got reduction={reduction!r}; "
                f"use {type(self.criterion).__name__}(reduction='mean')"
            )

    def mean_loss(self, module, X, y=None, generator=None):
        """The batch's mean loss, a scalar tensor (of shape ``()``)."""
        if self.is_objective:
            loss = self._objective_call(self.criterion, module, X, y, generator)
        else:
            output = module(X)
            loss = self.criterion(output) if y is None else self.criterion(output, y)
        if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
            raise ValueError(
                "criterion must return a scalar tensor (the mean loss of the batch), got "
                f"{type(loss).__name__}{'' if not hasattr(loss, 'shape') else tuple(loss.shape)}"
            )
        return loss.reshape(())

    def per_example_losses(self, module, X, y=None, generator=None):
        """Unreduced losses of the batch: an objective's ``per_example``, or the prediction
        loss with ``reduction="none"`` (shape ``(n, ...)``, not checked here)."""
        if self.is_objective:
            per_example = getattr(self.criterion, "per_example", None)
            if per_example is None:
                raise TypeError(
                    "per-example losses of an objective function need a per_example method "
                    "(see skscore._core.objective.Objective)"
                )
            return self._objective_call(per_example, module, X, y, generator)
        return self.prediction_losses(module(X), y)

    def prediction_losses(self, output, y=None):
        """Unreduced losses of a prediction loss on ``(output, y)``."""
        criterion = self.criterion
        args = (output,) if y is None else (output, y)
        if hasattr(criterion, "reduction"):
            saved = criterion.reduction
            criterion.reduction = "none"
            try:
                return criterion(*args)
            finally:
                criterion.reduction = saved
        return criterion(*args)


@contextmanager
def eval_mode(module):
    """Evaluate ``module`` in eval mode (deterministic: no dropout, normalisation layers on
    their running statistics), restoring every submodule's flag afterwards."""
    modes = [(m, m.training) for m in module.modules()]
    module.eval()
    try:
        yield module
    finally:
        for m, mode in modes:
            m.training = mode


def parameter_dtype_device(module):
    """dtype and device of the module's first parameter; torch's default dtype and the CPU
    when it has none."""
    p = next(module.parameters(), None)
    if p is None:
        return torch.get_default_dtype(), torch.device("cpu")
    return p.dtype, p.device


def as_tensor(data, device, dtype=None, *, name="X", validate=False, cast_bool=False):
    """User data (array-like or tensor) as a tensor on ``device``; None stays None.

    Floating data is cast to ``dtype`` (None: kept), so are booleans with ``cast_bool``;
    integer data (labels, indices) keeps its dtype. A tensor is detached, not copied unless
    cast or moved; an array is always copied, so the module can never write into the
    caller's array. With ``validate``, raise a clear error for non-numeric data (TypeError),
    a scalar, no rows, or NaN/infinite values (ValueError), naming the data ``name``.
    """
    if data is None:
        return None
    if isinstance(data, torch.Tensor):
        tensor = data.detach()
    else:
        try:
            array = np.asarray(data)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must be an array-like or a tensor: {exc}") from None
        if validate and (
            array.dtype == object
            or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool)
        ):
            raise TypeError(f"{name} must be numeric, got an array of dtype {array.dtype}")
        if any(stride < 0 for stride in array.strides):
            # torch refuses negative strides (reversed views such as ``X[:1][::-1]``,
            # which ``np.ascontiguousarray`` leaves as they are)
            array = array.copy()
        # row-major rows whatever the caller's layout (torch.tensor keeps a Fortran array's
        # strides, and matrix products then round differently)
        array = np.ascontiguousarray(array)
        # one copy, cast on the way (also safe for read-only arrays)
        target = None
        if dtype is not None and (
            np.issubdtype(array.dtype, np.floating) or (cast_bool and array.dtype == bool)
        ):
            target = dtype
        tensor = torch.tensor(array, dtype=target)
    if validate:
        if tensor.ndim == 0:
            raise ValueError(f"{name} must have one row per sample, got a scalar")
        if len(tensor) == 0:
            raise ValueError(f"{name} is empty: pass at least one row")
        if tensor.is_floating_point() and not torch.isfinite(tensor).all():
            raise ValueError(f"{name} contains NaN or infinity; remove or impute those rows")
    if dtype is not None and (
        tensor.is_floating_point() or (cast_bool and tensor.dtype == torch.bool)
    ):
        tensor = tensor.to(dtype)
    return tensor.to(device)
