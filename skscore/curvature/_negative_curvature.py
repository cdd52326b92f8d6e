"""An optimizer that tracks the most negative eigenvector of the Hessian (thesis appendix 11.E).

The most negative eigenvector of ``H`` is the unit vector minimising ``m(v) = v^T H v``, whose
gradient is ``2 H v``: one Hessian-vector product per update of a running estimate ``v``
(projected onto the unit sphere) alongside the usual training. Each ``step`` takes the base
optimizer's step (Adam, RMSProp, ...) and, while the running eigenvalue estimate is negative, a
step ``-curvature_lr (g^T v) v`` along the estimated direction of negative curvature.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import torch
from sklearn.utils._param_validation import StrOptions

from skscore._core.validation import (
    DECAY,
    NON_NEGATIVE_REAL,
    POSITIVE_INT,
    POSITIVE_REAL,
    check_arguments,
)

# With eigen_lr="auto", the first _N_WARMUP products and every _SCALE_EVERY-th one go to a
# power iteration on a second vector u, whose ||H u|| estimates ||H|| and sets the step of v.
_N_WARMUP = 5
_SCALE_EVERY = 10
_CONSTRAINTS = {
    "curvature_lr": [NON_NEGATIVE_REAL],
    "eigen_lr": [POSITIVE_REAL, StrOptions({"auto"})],
    "eigen_every": [POSITIVE_INT],
    "eigen_momentum": [DECAY],
    "eigenvalue_decay": [DECAY],
    "hvp": [StrOptions({"exact", "finite_difference"})],
}


def _flat(tensors, params):
    return torch.cat(
        [
            (torch.zeros_like(p) if t is None else t).reshape(-1)
            for t, p in zip(tensors, params, strict=True)
        ]
    )


def _split(flat, params):
    return [
        c.view_as(p)
        for c, p in zip(torch.split(flat, [p.numel() for p in params]), params, strict=True)
    ]


def _evaluate(closure, params, create_graph):
    """Call the closure; return its loss, the gradients and whether it called backward.

    When it did not, the gradients are taken here, with their graph if ``create_graph``.
    """
    for p in params:
        p.grad = None
    with torch.enable_grad():
        loss = closure()
    grads = [p.grad for p in params]
    if any(g is not None for g in grads):
        return (
            loss,
            [torch.zeros_like(p) if g is None else g for g, p in zip(grads, params, strict=True)],
            True,
        )
    if not (isinstance(loss, torch.Tensor) and loss.requires_grad):
        raise RuntimeError(
            "the closure returned a loss without a graph and computed no gradients; return "
            "the loss tensor computed from the parameters"
        )
    with torch.enable_grad():
        grads = torch.autograd.grad(loss, params, create_graph=create_graph, allow_unused=True)
    grads = [torch.zeros_like(p) if g is None else g for g, p in zip(grads, params, strict=True)]
    return loss, grads, False


def _rng_states(params):
    devices = sorted({p.device.index or 0 for p in params if p.device.type == "cuda"})
    cuda = [torch.cuda.get_rng_state(d) for d in devices]
    return torch.get_rng_state(), devices, cuda


def _restore_rng(states):
    cpu, devices, cuda = states
    torch.set_rng_state(cpu)
    for device, state in zip(devices, cuda, strict=True):
        torch.cuda.set_rng_state(state, device)


class NegativeCurvatureDescent(torch.optim.Optimizer):
    """Base optimizer steps plus steps along a running most-negative eigenvector (11.E).

    Keeps a running estimate ``(lambda~, v)`` of the most negative eigenpair of the loss
    Hessian by stochastic minimisation of ``m(v) = v^T H v`` on the unit sphere: every
    ``eigen_every`` steps one Hessian-vector product on the current mini-batch gives a
    projected gradient step (with heavy-ball momentum ``mu``)::

        r = H v - (v^T H v) v,   m <- mu m - eta r,   v <- normalise(v + m),

    and ``lambda~``, an exponential average of ``v^T H v``. Each step then applies the base
    optimizer's update and, while ``lambda~ < 0``, the step ``theta <- theta - curvature_lr
    (g^T v) v`` with ``g`` the mini-batch gradient: eq. 11.1 along the estimated direction.

    ``step`` needs a closure that re-evaluates the mini-batch loss and returns it. With
    ``hvp="exact"`` (default) the closure must *not* call ``backward``: the optimizer takes
    the gradient with its graph and ``H v`` by double backward, exactly. With
    ``hvp="finite_difference"`` the closure may call ``backward`` (the usual closure, and
    skorch's) and ``H v`` is ``(g(theta + eps v) - g) / eps`` from a second closure call at
    shifted parameters, with torch's global RNG replayed so that dropout repeats. Use it only
    for smooth networks (tanh, softplus): on ReLU / max-pooling networks the finite
    difference jumps across kinks, and the running vector locks onto those jumps (on a ReLU
    LeNet its norm estimate came out an order of magnitude too large).

    **With skorch.** skorch 1.4's ``train_step`` passes its closure to every optimizer's
    ``step``, and that closure calls ``backward``. So either pass
    ``optimizer__hvp="finite_difference"`` (smooth networks), or, for exact products, use a
    net whose ``train_step_single`` returns the loss without ``backward``::

        class CurvatureNet(NeuralNetClassifier):
            def train_step_single(self, batch, **fit_params):
                self._set_training(True)
                Xi, yi = skorch.dataset.unpack_data(batch)
                y_pred = self.infer(Xi, **fit_params)
                loss = self.get_loss(y_pred, yi, X=Xi, training=True)
                return {"loss": loss, "y_pred": y_pred}  # the optimizer differentiates

        net = CurvatureNet(module, optimizer=NegativeCurvatureDescent,
                           optimizer__base_optimizer=torch.optim.RMSprop, lr=1e-3)

    Callbacks that act on gradients in ``on_grad_computed`` (gradient clipping) see no
    gradients with that net: they are computed afterwards, inside ``step``.

    Parameters
    ----------
    params : iterable of tensors, (name, tensor) pairs or parameter groups
        Parameters to optimize.
    lr : float, default=1e-3
        Learning rate of the base optimizer.
    base_optimizer : type, default=torch.optim.Adam
        Optimizer class taking the steps on ``g`` (not closure-driven ones such as LBFGS).
    curvature_lr : float, default=1.0
        Step size along ``(g^T v) v``. The thesis found the best steps along negative
        curvature much larger than ``1 / |lambda|``.
    eigen_lr : float or "auto", default="auto"
        Step ``eta`` of the eigenvector update, in units of 1/curvature; stable below about
        ``2 / (lambda_max - lambda_min)``. "auto": ``0.5 / ||H||``, with ``||H||`` tracked by
        a power iteration that takes the first 5 products and one in 10 after them.
    eigen_every : int, default=1
        Update the eigenvector every ``eigen_every`` steps (m in 11.E); the step along it is
        taken at every step.
    eigen_momentum : float, default=0.9
        Heavy-ball momentum ``mu`` of the eigenvector update (0: the plain projected gradient
        of 11.E). On a fixed LeNet Hessian it reached an overlap of 0.9 with the true
        eigenvector in 300 products instead of about 1000.
    eigenvalue_decay : float, default=0.9
        Decay of the exponential average ``lambda~`` of ``v^T H v`` over mini-batches.
    hvp : {"exact", "finite_difference"}, default="exact"
        How ``H v`` is computed (see above).
    random_state : int, default=0
        Seeds the initial vectors (torch's global RNG is not used).
    **base_kwargs : dict
        Other arguments of ``base_optimizer`` (``betas``, ``weight_decay``, ...).

    Attributes
    ----------
    base : torch.optim.Optimizer
        The base optimizer; it shares ``param_groups`` with this one, so learning-rate
        schedulers and skorch's ``set_params(lr=...)`` act on it.
    curvature_state : dict
        Step count, products taken, the running vectors and estimates.

    Notes
    -----
    On a LeNet-style network on the 8x8 digits (``benchmarks/bench_curvature.py``; numbers in
    the user guide) the most negative eigenvector turns over within a few Adam steps, faster
    than one product per step can follow: the running vector stays nearly orthogonal to it. A
    step costs more than twice a plain one, and at equal CPU time the base optimizer is ahead.
    The method does find and use negative curvature when the Hessian changes slowly (tests on
    fixed quadratics).

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> from skscore.curvature import NegativeCurvatureDescent
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> X, y = torch.randn(64, 4), torch.randint(0, 3, (64,))
    >>> model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 3))
    >>> optimizer = NegativeCurvatureDescent(model.parameters(), lr=1e-2)
    >>> def closure():
    ...     optimizer.zero_grad()
    ...     return nn.functional.cross_entropy(model(X), y)  # no backward()
    >>> for _ in range(20):
    ...     loss = optimizer.step(closure)
    >>> optimizer.eigenvector.shape  # one entry per parameter of the model
    torch.Size([131])
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        *,
        base_optimizer: type[torch.optim.Optimizer] = torch.optim.Adam,
        curvature_lr: float = 1.0,
        eigen_lr: float | str = "auto",
        eigen_every: int = 1,
        eigen_momentum: float = 0.9,
        eigenvalue_decay: float = 0.9,
        hvp: str = "exact",
        random_state: int = 0,
        **base_kwargs,
    ) -> None:
        if not (
            isinstance(base_optimizer, type) and issubclass(base_optimizer, torch.optim.Optimizer)
        ):
            raise TypeError(
                "base_optimizer must be a torch.optim.Optimizer class such as torch.optim.Adam, "
                f"got {base_optimizer!r}"
            )
        if base_optimizer is torch.optim.LBFGS:
            raise ValueError("base_optimizer=LBFGS is not supported; use Adam, RMSprop or SGD")
        check_arguments(
            "NegativeCurvatureDescent",
            _CONSTRAINTS,
            curvature_lr=curvature_lr,
            eigen_lr=eigen_lr,
            eigen_every=eigen_every,
            eigen_momentum=eigen_momentum,
            eigenvalue_decay=eigenvalue_decay,
            hvp=hvp,
        )
        self.base = base_optimizer(params, lr=lr, **base_kwargs)
        defaults = {
            "curvature_lr": curvature_lr,
            "eigen_lr": eigen_lr,
            "eigen_every": int(eigen_every),
            "eigen_momentum": float(eigen_momentum),
            "eigenvalue_decay": float(eigenvalue_decay),
            "hvp": hvp,
        }
        self._initialising = True
        super().__init__(self.base.param_groups, {**self.base.defaults, **defaults})
        self._initialising = False
        self.curvature_state = {"step": 0, "n_products": 0, "seed": random_state}

    # -- torch.optim.Optimizer interface ---------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a parameter group (to the base optimizer too).

        Parameters
        ----------
        param_group : dict
            Its ``"params"`` and options, as for any torch optimizer.

        Examples
        --------
        >>> import torch
        >>> from skscore.curvature import NegativeCurvatureDescent
        >>> a, b = torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.ones(3))
        >>> optimizer = NegativeCurvatureDescent([a])
        >>> optimizer.add_param_group({"params": [b], "lr": 0.1})
        >>> len(optimizer.param_groups), optimizer.base.param_groups[1]["lr"]
        (2, 0.1)
        """
        if self._initialising:
            super().add_param_group(param_group)
            return
        self.base.add_param_group(param_group)
        for name, default in self.defaults.items():
            self.base.param_groups[-1].setdefault(name, default)
        self.param_groups = self.base.param_groups
        self.curvature_state.pop("eigenvector", None)

    def state_dict(self) -> dict[str, Any]:
        """The base optimizer's state and the running eigenpair.

        Returns
        -------
        state : dict
            ``{"base": base.state_dict(), "curvature": {...}}``.

        Examples
        --------
        >>> import torch
        >>> from skscore.curvature import NegativeCurvatureDescent
        >>> w = torch.nn.Parameter(torch.tensor([1.0, -1.0]))
        >>> optimizer = NegativeCurvatureDescent([w], eigen_lr=0.1)
        >>> def closure():
        ...     return w[0] ** 2 - w[1] ** 2
        >>> _ = optimizer.step(closure)
        >>> sorted(optimizer.state_dict()), optimizer.state_dict()["curvature"]["step"]
        (['base', 'curvature'], 1)
        """
        curvature = {
            key: value.clone() if isinstance(value, torch.Tensor) else value
            for key, value in self.curvature_state.items()
        }
        return {"base": self.base.state_dict(), "curvature": curvature}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state saved by :meth:`state_dict`.

        Parameters
        ----------
        state_dict : dict
            As returned by :meth:`state_dict`.
        """
        if set(state_dict) != {"base", "curvature"}:
            raise ValueError(
                "state_dict must come from NegativeCurvatureDescent.state_dict() (keys 'base' "
                f"and 'curvature'), got keys {sorted(state_dict)}"
            )
        self.base.load_state_dict(state_dict["base"])
        self.param_groups = self.base.param_groups
        self.curvature_state = {
            key: value.clone() if isinstance(value, torch.Tensor) else value
            for key, value in state_dict["curvature"].items()
        }

    def __getstate__(self):
        # torch's own state plus the base optimizer and the running eigenpair (not the step
        # wrappers that learning-rate schedulers set on the instance)
        state = super().__getstate__()
        state.update(base=self.base, curvature_state=self.curvature_state, _initialising=False)
        return state

    # -- the running eigenpair -------------------------------------------------------------
    @property
    def eigenvalue(self) -> float:
        """Running estimate ``lambda~`` of the most negative eigenvalue (NaN before the first
        eigenvector update).

        Examples
        --------
        On ``L(w) = w_0^2 - w_1^2`` the Hessian is ``diag(2, -2)``:

        >>> import torch
        >>> from skscore.curvature import NegativeCurvatureDescent
        >>> w = torch.nn.Parameter(torch.tensor([1.0, 0.0]))
        >>> optimizer = NegativeCurvatureDescent([w], lr=0.0, curvature_lr=0.0, eigen_lr=0.1)
        >>> optimizer.eigenvalue
        nan
        >>> def closure():
        ...     optimizer.zero_grad()
        ...     return w[0] ** 2 - w[1] ** 2  # no backward: exact Hessian-vector products
        >>> for _ in range(100):
        ...     _ = optimizer.step(closure)
        >>> round(optimizer.eigenvalue, 3)
        -2.0
        """
        return float(self.curvature_state.get("eigenvalue", math.nan))

    @property
    def eigenvector(self) -> torch.Tensor | None:
        """Running estimate ``v`` of the most negative eigenvector, a unit flat tensor over
        the parameters of all groups (None before the first step).

        Examples
        --------
        >>> import torch
        >>> from skscore.curvature import NegativeCurvatureDescent
        >>> w = torch.nn.Parameter(torch.tensor([1.0, 0.0]))
        >>> optimizer = NegativeCurvatureDescent([w], lr=0.0, curvature_lr=0.0, eigen_lr=0.1)
        >>> def closure():
        ...     optimizer.zero_grad()
        ...     return w[0] ** 2 - w[1] ** 2
        >>> for _ in range(100):
        ...     _ = optimizer.step(closure)
        >>> optimizer.eigenvector.abs().round(decimals=2)  # +-(0, 1): the w_1 axis
        tensor([0., 1.])
        """
        v = self.curvature_state.get("eigenvector")
        return None if v is None else v.clone()

    def _params(self):
        return [p for group in self.param_groups for p in group["params"] if p.requires_grad]

    def _initial_vector(self, like, offset):
        generator = torch.Generator().manual_seed(int(self.curvature_state["seed"]) + offset)
        v = torch.randn(like.numel(), generator=generator, dtype=torch.float64)
        return (v / torch.linalg.vector_norm(v)).to(dtype=like.dtype, device=like.device)

    def _finite_difference(self, closure, params, gradient, rng_states):
        """``H v`` as ``(g(theta + eps v) - g(theta)) / eps`` from a second closure call."""

        def product(v):
            theta = [p.detach().clone() for p in params]
            norm = float(torch.linalg.vector_norm(torch.cat([t.reshape(-1) for t in theta])))
            eps = math.sqrt(torch.finfo(gradient.dtype).eps) * (1.0 + norm)
            with torch.no_grad():
                for p, vi in zip(params, _split(v, params), strict=True):
                    p.add_(vi, alpha=eps)
            after = _rng_states(params)
            _restore_rng(rng_states)
            try:
                _, shifted, _ = _evaluate(closure, params, create_graph=False)
                shifted = _flat([g.detach() for g in shifted], params)
            finally:
                _restore_rng(after)
                with torch.no_grad():
                    for p, t, g in zip(params, theta, _split(gradient, params), strict=True):
                        p.copy_(t)
                        p.grad = g.clone()
            return (shifted - gradient) / eps

        return product

    def step(self, closure: Callable[[], torch.Tensor] | None = None) -> torch.Tensor:
        """One base-optimizer step, one eigenvector update (every ``eigen_every`` steps) and
        one step along ``(g^T v) v`` while the eigenvalue estimate is negative.

        Parameters
        ----------
        closure : callable
            Re-evaluates the mini-batch loss and returns it: without calling ``backward``
            for ``hvp="exact"``, calling it or not for ``hvp="finite_difference"``.

        Returns
        -------
        loss : torch.Tensor
            The closure's loss at the parameters before the step.

        Examples
        --------
        >>> import torch
        >>> from skscore.curvature import NegativeCurvatureDescent

        Near the saddle of ``w_0^2 - w_1^2 + w_1^4`` (minima at ``w_1 = +-0.71``):

        >>> w = torch.nn.Parameter(torch.tensor([1.0, 0.01]))
        >>> optimizer = NegativeCurvatureDescent([w], lr=0.01, eigen_lr=0.1, curvature_lr=0.5)
        >>> def closure():
        ...     return w[0] ** 2 - w[1] ** 2 + w[1] ** 4
        >>> for _ in range(200):
        ...     _ = optimizer.step(closure)
        >>> round(abs(w[1].item()), 2)
        0.71

        A closure that calls ``backward`` needs finite-difference products:

        >>> def closure_with_backward():
        ...     optimizer.zero_grad()
        ...     loss = w[0] ** 2 - w[1] ** 2 + w[1] ** 4
        ...     loss.backward()
        ...     return loss
        >>> optimizer.step(closure_with_backward)
        Traceback (most recent call last):
        ...
        RuntimeError: with hvp='exact' the closure must return the loss without calling ...
        >>> optimizer.param_groups[0]["hvp"] = "finite_difference"
        >>> loss = optimizer.step(closure_with_backward)
        >>> optimizer.step()
        Traceback (most recent call last):
        ...
        TypeError: NegativeCurvatureDescent.step needs a closure that re-evaluates the loss ...
        """
        if closure is None:
            raise TypeError(
                "NegativeCurvatureDescent.step needs a closure that re-evaluates the loss "
                "(zero_grad, forward, return the loss); see its docstring"
            )
        params = self._params()
        state = self.curvature_state
        group = self.param_groups[0]
        update = state["step"] % group["eigen_every"] == 0
        exact = group["hvp"] == "exact"
        rng_states = _rng_states(params)
        loss, grads, backwarded = _evaluate(closure, params, create_graph=exact and update)
        if exact and backwarded:
            raise RuntimeError(
                "with hvp='exact' the closure must return the loss without calling "
                "backward() (the optimizer differentiates it twice); remove the backward call, "
                "or use hvp='finite_difference' for a smooth loss (see the class docstring for "
                "skorch nets)"
            )
        gradient = _flat([g.detach() for g in grads], params).clone()
        if exact:

            def product(v):
                hv = torch.autograd.grad(
                    grads, params, grad_outputs=_split(v, params), allow_unused=True
                )
                return _flat([None if h is None else h.detach() for h in hv], params)

        else:
            product = self._finite_difference(closure, params, gradient, rng_states)
        for p, g in zip(params, _split(gradient, params), strict=True):
            p.grad = g.clone()
        if "eigenvector" not in state or state["eigenvector"].numel() != gradient.numel():
            state["eigenvector"] = self._initial_vector(gradient, 0)
            state["top_vector"] = self._initial_vector(gradient, 1)
        if update:
            self._update_eigenpair(product)
        v = state["eigenvector"]
        self.base.step()
        if state.get("eigenvalue", math.nan) < 0 and group["curvature_lr"] > 0:
            displacement = -group["curvature_lr"] * float(torch.dot(gradient, v)) * v
            with torch.no_grad():
                for p, d in zip(params, _split(displacement, params), strict=True):
                    p.add_(d)
        state["step"] += 1
        return loss

    def _update_eigenpair(self, product):
        """One Hessian-vector product: a power step on the norm tracker, or a projected
        gradient step of ``v^T H v`` on the unit sphere."""
        state = self.curvature_state
        group = self.param_groups[0]
        j = state["n_products"]
        state["n_products"] += 1
        auto = group["eigen_lr"] == "auto"
        if auto and (j < _N_WARMUP or j % _SCALE_EVERY == 0):
            hu = product(state["top_vector"])
            norm = torch.linalg.vector_norm(hu)
            if norm > 0:
                state["top_vector"] = hu / norm
                state["scale"] = float(norm)
            return
        if auto and state.get("scale", 0.0) <= 0:
            return
        eta = 0.5 / state["scale"] if auto else group["eigen_lr"]
        v = state["eigenvector"]
        hv = product(v)
        rayleigh = float(torch.dot(v, hv))
        if not np.isfinite(rayleigh):
            return
        momentum = state.get("momentum")
        if momentum is None:
            momentum = torch.zeros_like(v)
        momentum = group["eigen_momentum"] * momentum - eta * (hv - rayleigh * v)
        momentum = momentum - torch.dot(momentum, v) * v
        v = v + momentum
        norm = torch.linalg.vector_norm(v)
        state["eigenvector"] = v / norm
        state["momentum"] = momentum / norm
        previous = state.get("eigenvalue")
        decay = group["eigenvalue_decay"]
        state["eigenvalue"] = (
            rayleigh if previous is None else decay * previous + (1 - decay) * rayleigh
        )
