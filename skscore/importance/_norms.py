"""Per-example gradient norms: Proposition 3 for linear networks, ``torch.func`` for the rest.

The importance weights of ISSGD are the norms ``||grad_theta L_n||`` of each example's loss
gradient (thesis section 7.3.3). For a network whose trainable parameters all sit in
``nn.Linear`` layers, each called once per forward pass on a 2-D batch, one backward pass to the
layer outputs gives them without forming any per-example gradient (Proposition 3, eq. 7.18):
with ``x_n`` the input of a layer and ``delta_n = dL_n / dy_n`` the gradient at its output,

    ||dL_n / dW||_F^2 = ||x_n||^2 ||delta_n||^2,    ||dL_n / db||^2 = ||delta_n||^2.

Any other module (convolutions, normalisation layers, tied or re-used parameters, objectives
that differentiate through the network) gets exact per-example gradients from ``torch.func``
(``vmap`` over ``grad`` of a ``functional_call``), the case the thesis left open (section 7.6).

A *criterion* is turned into per-example losses ``L_n`` whose mean is the batch loss, by the
rule of :mod:`skscore._core.user_module`:

- a torch loss module (``nn.CrossEntropyLoss()``, or its class) is called with
  ``reduction="none"`` on ``(module(X), y)``, extra dimensions averaged per row;
- an objective with ``per_example(module, X, y=None, *, generator=None)`` (skscore's training
  objectives) is called on the module and the raw batch;
- any other callable ``f(output, y)`` (``f(output)`` without y) must return per-example
  losses of shape ``(n, ...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from sklearn.utils._param_validation import StrOptions
from torch import nn

from skscore._core.types import TensorLike
from skscore._core.user_module import UserCriterion, as_tensor, eval_mode, parameter_dtype_device
from skscore._core.validation import POSITIVE_INT, check_arguments

METHODS = ("auto", "linear", "vmap", "loop")
#: Relative mismatch above which the one-pass formula is declared inapplicable (``auto``).
LINEAR_CHECK_RTOL = 1e-4


class PerExampleLoss:
    """Per-example losses ``(n,)`` of a criterion on a module and a batch (see module doc).

    The criterion is read by the rule of :mod:`skscore._core.user_module`; ``generator`` is
    passed to an objective's ``per_example``.
    """

    def __init__(self, criterion, generator=None):
        self.user_criterion = UserCriterion(criterion)
        self.criterion = self.user_criterion.criterion
        self.is_objective = self.user_criterion.is_objective
        self.generator = generator

    def __call__(self, module, X, y=None):
        losses = self.user_criterion.per_example_losses(module, X, y, self.generator)
        return rowwise(losses, len(X))

    def prediction_losses(self, output, y=None):
        """Unreduced losses of a prediction criterion on ``(output, y)``."""
        return self.user_criterion.prediction_losses(output, y)


def rowwise(losses, n):
    if not torch.is_tensor(losses) or losses.dim() == 0 or losses.shape[0] != n:
        shape = tuple(losses.shape) if torch.is_tensor(losses) else type(losses).__name__
        raise ValueError(
            f"the criterion must give one loss per example, shape ({n}, ...), got {shape}; "
            "use a torch loss module (its reduction is set to 'none') or reduction='none'"
        )
    return losses.reshape(n, -1).mean(dim=1)


# -- structure -------------------------------------------------------------------------------
def linear_only(module):
    """True when every trainable parameter belongs to exactly one ``nn.Linear`` (Prop. 3)."""
    owners = {}
    for sub in module.modules():
        for p in sub.parameters(recurse=False):
            if p.requires_grad:
                owners.setdefault(id(p), []).append(sub)
    if not owners:
        return False
    return all(len(subs) == 1 and isinstance(subs[0], nn.Linear) for subs in owners.values())


class _LinearTaps:
    """Forward hooks that keep each trainable ``nn.Linear``'s input and output of one pass."""

    def __init__(self, module):
        self.layers = [
            m
            for m in module.modules()
            if isinstance(m, nn.Linear) and any(p.requires_grad for p in m.parameters())
        ]
        self.records = {}
        self.valid = True
        self.handles = []

    def __enter__(self):
        self.handles = [layer.register_forward_hook(self._hook) for layer in self.layers]
        return self

    def __exit__(self, *exc):
        for handle in self.handles:
            handle.remove()

    def _hook(self, layer, inputs, output):
        (x,) = inputs
        if id(layer) in self.records or x.dim() != 2:
            self.valid = False  # re-used layer or sequence input: not rank one per example
        self.records[id(layer)] = (layer, x.detach(), output)


class NotApplicable(ValueError):
    """Proposition 3 does not give exact norms for this module and criterion."""


def _linear_sq_norms(module, loss_fn, X, y, *, check):
    """Squared per-example norms by Proposition 3 (one backward to the layer outputs)."""
    with _LinearTaps(module) as taps:
        losses = loss_fn(module, X, y)
    if not taps.valid:
        raise NotApplicable("an nn.Linear layer is called twice or on inputs that are not 2-D")
    used = [(layer, x, out) for layer, x, out in taps.records.values() if out.requires_grad]
    if not used:
        return torch.zeros(len(X), dtype=X.dtype, device=X.device)
    total = losses.sum()
    deltas = torch.autograd.grad(
        total, [out for _, _, out in used], retain_graph=check, allow_unused=True
    )
    if any(delta is None for delta in deltas):  # e.g. an energy's output layer: the loss
        # sees the layer only through its input gradient, not through its outputs
        raise NotApplicable("the loss does not depend on the outputs of every nn.Linear layer")
    sq = torch.zeros(len(X), dtype=deltas[0].dtype, device=deltas[0].device)
    for (layer, x, _), delta in zip(used, deltas, strict=True):
        delta_sq = (delta**2).sum(dim=1)
        if layer.weight.requires_grad:
            sq = sq + (x**2).sum(dim=1) * delta_sq  # eq. 7.18, ||x_n||^2 ||delta_n||^2
        if layer.bias is not None and layer.bias.requires_grad:
            sq = sq + delta_sq
    if check:
        _check_linear_identity(used, deltas, total)
    return sq


def _check_linear_identity(used, deltas, total):
    """Raise NotApplicable unless autograd's summed weight gradient is ``sum_n x_n delta_n^T``.

    Proposition 3 needs each weight to enter the loss only through its layer's output; tied
    weights or a loss differentiating through the network (a Jacobian penalty) break that.
    """
    weights = [layer.weight for layer, _, _ in used if layer.weight.requires_grad]
    grads = torch.autograd.grad(total, weights, allow_unused=True)
    pairs = [
        (x, d) for (layer, x, _), d in zip(used, deltas, strict=True) if layer.weight.requires_grad
    ]
    for (x, delta), grad in zip(pairs, grads, strict=True):
        outer = delta.T @ x
        grad = torch.zeros_like(outer) if grad is None else grad
        scale = max(outer.norm().item(), grad.norm().item(), 1e-30)
        if (outer - grad).norm().item() > LINEAR_CHECK_RTOL * scale:
            raise NotApplicable(
                "a weight enters the loss other than through its nn.Linear output "
                "(tied weights or a loss that differentiates through the network)"
            )


def _vmap_sq_norms(module, loss_fn, X, y):
    """Squared per-example norms from ``vmap(grad(.))`` over single-example losses."""
    wrapper = _LossModule(module, loss_fn)
    params = {
        "module." + name: p.detach() for name, p in module.named_parameters() if p.requires_grad
    }
    if not params:
        return torch.zeros(len(X), dtype=X.dtype, device=X.device)

    def one_loss(params, x, y_one):
        y_batch = None if y_one is None else y_one.unsqueeze(0)
        return torch.func.functional_call(wrapper, params, (x.unsqueeze(0), y_batch))[0]

    in_dims = (None, 0, None if y is None else 0)
    grads = torch.func.vmap(torch.func.grad(one_loss), in_dims=in_dims, randomness="different")(
        params, X, y
    )
    return sum((g.reshape(len(X), -1) ** 2).sum(dim=1) for g in grads.values())


class _LossModule(nn.Module):
    """Per-example losses as a module, so that ``functional_call`` swaps the network's
    parameters for every use the loss makes of it (forward, other methods, Jacobians)."""

    def __init__(self, module, loss_fn):
        super().__init__()
        self.module = module
        self.loss_fn = loss_fn

    def forward(self, X, y):
        return self.loss_fn(self.module, X, y)


def _loop_sq_norms(module, loss_fn, X, y):
    """Squared per-example norms, one backward pass per example (objectives that call
    autograd themselves, which ``torch.func`` transforms cannot trace)."""
    params = [p for p in module.parameters() if p.requires_grad]
    out = torch.zeros(len(X), dtype=X.dtype, device=X.device)
    for i in range(len(X)):
        loss = loss_fn(module, X[i : i + 1], None if y is None else y[i : i + 1])[0]
        grads = torch.autograd.grad(loss, params, allow_unused=True)
        out[i] = sum((g.detach() ** 2).sum() for g in grads if g is not None)
    return out


# -- driver ----------------------------------------------------------------------------------
def resolve_method(module, loss_fn, X, y, method):
    """The norm method to use: "linear", "vmap" or "loop".

    "auto" tries Proposition 3 on the first rows (structure, then the identity
    ``sum_n x_n delta_n^T = dL/dW``), then ``torch.func``, then the loop. An explicit "linear"
    is checked the same way and raises a ValueError when it would give wrong norms.
    """
    if method in ("vmap", "loop"):
        return method
    rows = slice(0, min(len(X), 8))
    X, y = X[rows], None if y is None else y[rows]
    with torch.enable_grad():
        if linear_only(module):
            try:
                _linear_sq_norms(module, loss_fn, X, y, check=True)
                return "linear"
            except NotApplicable as exc:
                reason = str(exc)
        else:
            reason = "a trainable parameter lies outside the nn.Linear layers (or is shared)"
        if method == "linear":
            raise ValueError(
                f"method='linear' (Proposition 3) does not apply: {reason}; use method='vmap' "
                "or 'auto'"
            )
        try:
            _vmap_sq_norms(module, loss_fn, X[:2], None if y is None else y[:2])
        except RuntimeError:
            # e.g. an objective that calls torch.autograd itself (a Jacobian penalty)
            return "loop"
    return "vmap"


def squared_norms(module, loss_fn, X, y, *, method, batch_size):
    """Squared per-example gradient norms as a float tensor of shape (n,), in eval mode.

    ``method`` is "linear" or "vmap" (already resolved); X and y are tensors on the module's
    device with X in its dtype.
    """
    out = []
    with eval_mode(module), torch.enable_grad():
        for start in range(0, len(X), batch_size):
            xb = X[start : start + batch_size]
            yb = None if y is None else y[start : start + batch_size]
            if method == "linear":
                try:
                    out.append(_linear_sq_norms(module, loss_fn, xb, yb, check=False).detach())
                except NotApplicable as exc:
                    raise ValueError(
                        f"method='linear' (Proposition 3) does not apply: {exc}; use "
                        "method='vmap' or 'auto'"
                    ) from None
            elif method == "vmap":
                out.append(_vmap_sq_norms(module, loss_fn, xb, yb).detach())
            else:
                out.append(_loop_sq_norms(module, loss_fn, xb, yb))
    if not out:
        return torch.zeros(0)
    return torch.cat(out)


def gradient_sums(module, loss_fn, X, y, *, batch_size):
    """Sum over the rows of the per-example loss gradients (``N g_TRUE``), one tensor per
    trainable parameter, in eval mode."""
    params = [p for p in module.parameters() if p.requires_grad]
    totals = [torch.zeros_like(p) for p in params]
    with eval_mode(module), torch.enable_grad():
        for start in range(0, len(X), batch_size):
            xb = X[start : start + batch_size]
            yb = None if y is None else y[start : start + batch_size]
            grads = torch.autograd.grad(loss_fn(module, xb, yb).sum(), params, allow_unused=True)
            for total, g in zip(totals, grads, strict=True):
                if g is not None:
                    total += g
    return totals


def per_example_gradient_norms(
    module: torch.nn.Module,
    criterion: Callable[..., Any],
    X: TensorLike,
    y: TensorLike | None = None,
    *,
    batch_size: int = 256,
    method: str = "auto",
    generator: torch.Generator | None = None,
) -> np.ndarray:
    """Norm of each example's loss gradient with respect to all trainable parameters.

    ``||grad_theta L_n||_2`` for every row ``n``, where ``L_n`` is the example's own loss (the
    batch loss is their mean): the importance weights of ISSGD (thesis section 7.3.3). The
    module is put in evaluation mode for the computation (dropout off, normalisation layers on
    their running statistics) and each submodule's mode is restored; no ``.grad`` is touched.

    Parameters
    ----------
    module : torch.nn.Module
        The network. Rows of a batch must not interact in its forward pass (no batch
        statistics), since each ``L_n`` must depend on row ``n`` only.
    criterion : torch loss, callable or objective
        A torch loss module or class (``nn.CrossEntropyLoss()``; called with
        ``reduction="none"`` on ``(module(X), y)``, extra dimensions averaged per row), a
        callable ``f(output, y)`` returning per-example losses, or an objective with a
        ``per_example(module, X, y=None, *, generator=None)`` method (skscore's objectives).
    X : array-like or torch.Tensor of shape (n_samples, ...)
        Inputs; cast to the parameters' dtype and device.
    y : array-like or torch.Tensor of shape (n_samples, ...), default=None
        Targets, if the criterion uses them.
    batch_size : int, default=256
        Rows per pass (memory: the ``vmap`` path holds ``batch_size`` gradients at once).
    method : {"auto", "linear", "vmap", "loop"}, default="auto"
        "linear": Proposition 3 (thesis eq. 7.18), one backward pass to the outputs of the
        ``nn.Linear`` layers, no per-example gradient formed; needs every trainable parameter
        inside an ``nn.Linear`` called once per pass on 2-D input, and the loss to see each
        weight only through that layer's output. "vmap": exact per-example gradients with
        ``torch.func`` for any module. "loop": one backward pass per example (for objectives
        that call ``torch.autograd`` themselves, which ``vmap`` cannot trace). "auto":
        "linear" when the module is made of ``nn.Linear`` layers and parameter-free layers
        and a check on the first rows confirms
        ``sum_n x_n delta_n^T`` equals autograd's gradient (it does not for tied weights or
        Jacobian penalties), else "vmap" when ``torch.func`` can trace the loss, else "loop".
    generator : torch.Generator, default=None
        Passed to an objective's ``per_example`` (its noise draws).

    Returns
    -------
    norms : ndarray of shape (n_samples,)
        Per-example gradient norms (float64).

    Examples
    --------
    The cross-entropy gradient of a linear softmax model at zero weights is
    ``(softmax - onehot) x^T``, of squared norm ``(1 - 2/K + 1/K) (||x||^2 + 1)`` for ``K``
    classes (weight and bias):

    >>> import numpy as np
    >>> import torch
    >>> from torch import nn
    >>> from skscore.importance import per_example_gradient_norms
    >>> model = nn.Linear(3, 4)
    >>> _ = nn.init.zeros_(model.weight), nn.init.zeros_(model.bias)
    >>> X = np.array([[1.0, 0.0, 0.0], [1.0, 2.0, 2.0]], dtype=np.float32)
    >>> y = np.array([0, 3])
    >>> norms = per_example_gradient_norms(model, nn.CrossEntropyLoss(), X, y)
    >>> np.round(norms, 4)
    array([1.2247, 2.7386])
    >>> np.round(np.sqrt(0.75 * (np.sum(X.astype(float) ** 2, axis=1) + 1)), 4)
    array([1.2247, 2.7386])

    Convolutions go through ``torch.func`` and agree with a loop over single examples:

    >>> cnn = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(8, 3))
    >>> images = torch.randn(5, 1, 4, 4, generator=torch.Generator().manual_seed(0))
    >>> labels = torch.tensor([0, 1, 2, 0, 1])
    >>> fast = per_example_gradient_norms(cnn, nn.CrossEntropyLoss(), images, labels)
    >>> loop = []
    >>> for i in range(5):
    ...     loss = nn.functional.cross_entropy(cnn(images[i : i + 1]), labels[i : i + 1])
    ...     grads = torch.autograd.grad(loss, list(cnn.parameters()))
    ...     loop.append(torch.sqrt(sum((g**2).sum() for g in grads)).item())
    >>> bool(np.allclose(fast, loop, rtol=1e-5))
    True
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    check_arguments(
        "per_example_gradient_norms",
        {"batch_size": [POSITIVE_INT], "method": [StrOptions(set(METHODS))]},
        batch_size=batch_size,
        method=method,
    )
    dtype, device = parameter_dtype_device(module)
    X = as_tensor(X, device, dtype)
    y = as_tensor(y, device, dtype)
    if X.dim() == 0 or len(X) == 0:
        raise ValueError(f"X must hold at least one example, got shape {tuple(X.shape)}")
    if y is not None and len(y) != len(X):
        raise ValueError(f"X and y have different lengths: {len(X)} and {len(y)}")
    loss_fn = PerExampleLoss(criterion, generator)
    with eval_mode(module):
        resolved = resolve_method(module, loss_fn, X, y, method)
    sq = squared_norms(module, loss_fn, X, y, method=resolved, batch_size=int(batch_size))
    return sq.clamp_min(0).sqrt().cpu().numpy().astype(np.float64)
