"""Derivatives of row-wise maps: input gradients, Jacobians, traces and Frobenius norms."""

import torch


def input_gradient(scalar_fn, x, create_graph=None):
    """``d scalar_fn(x).sum() / dx`` for a batch, by one backward pass.

    ``create_graph`` defaults to whether the caller records gradients, so the result stays
    differentiable in training (and for Jacobian penalties) and is cheap in inference.
    """
    if create_graph is None:
        create_graph = torch.is_grad_enabled()
    with torch.enable_grad():
        x = x if x.requires_grad else x.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(scalar_fn(x).sum(), x, create_graph=create_graph)
    return grad


#: The trace policy (Hyvärinen scores, likelihood divergences): exact (d products) up to this
#: dimension, above it a Hutchinson estimate from this many Rademacher projections drawn from a
#: generator seeded with HUTCHINSON_SEED, so repeated calls give the same value.
EXACT_TRACE_MAX_FEATURES = 64
HUTCHINSON_PROJECTIONS = 16
HUTCHINSON_SEED = 0


def trace_projections(n_features):
    """``n_projections`` for :func:`jacobian_trace_and_frobenius` under the trace policy."""
    return None if n_features <= EXACT_TRACE_MAX_FEATURES else HUTCHINSON_PROJECTIONS


def hutchinson_generator(device):
    """The fixed-seed generator Hutchinson projections are drawn from."""
    return torch.Generator(device=device).manual_seed(HUTCHINSON_SEED)


def jacobian(fn, X, create_graph=False):
    """Jacobians ``d fn(x) / dx`` of a row-wise batch map, shape (n, d_out, d_in).

    From the ``d_out`` vector-Jacobian products with the basis vectors, batched in one
    backward pass; ``fn`` may itself differentiate (a score that is minus an energy's gradient
    builds its graph with ``create_graph=True``).
    """
    with torch.enable_grad():
        X = X.detach().requires_grad_(True)
        out = fn(X)
        basis = torch.eye(out.shape[1], dtype=out.dtype, device=out.device)
        basis = basis.unsqueeze(1).expand(out.shape[1], *out.shape)
        (rows,) = torch.autograd.grad(
            out, X, basis, is_grads_batched=True, create_graph=create_graph
        )
    return rows.movedim(0, 1)


def _probe_vectors(X, n_projections, generator):
    n, d = X.shape
    if n_projections is None:
        return torch.eye(d, dtype=X.dtype, device=X.device).unsqueeze(1).expand(d, n, d)
    signs = torch.randint(0, 2, (n_projections, n, d), generator=generator, device=X.device)
    return 2 * signs.to(X.dtype) - 1


def jacobian_trace_and_frobenius(fn, X, n_projections=None, *, generator=None, create_graph=False):
    """``fn(X)``, ``tr(J)`` and ``||J||_F^2`` per row, J the Jacobian of a row-wise map.

    From products ``v^T J``: with the d basis vectors (``n_projections=None``) exactly, with
    ``n_projections`` Rademacher vectors drawn from ``generator`` unbiased (Hutchinson:
    ``E[v^T J v] = tr J``, ``E||J^T v||^2 = ||J||_F^2``).
    """
    probes = _probe_vectors(X, n_projections, generator)
    with torch.enable_grad():
        X = X.detach().requires_grad_(True)
        out = fn(X)
        if len(probes) == 1:  # one plain backward is cheaper than a vmapped one
            (vjp,) = torch.autograd.grad(out, X, probes[0], create_graph=create_graph)
            vjps = vjp.unsqueeze(0)
        else:
            (vjps,) = torch.autograd.grad(
                out, X, probes, is_grads_batched=True, create_graph=create_graph
            )
    reduce = torch.sum if n_projections is None else torch.mean
    trace = reduce((vjps * probes).sum(-1), dim=0)
    frobenius = reduce((vjps**2).sum(-1), dim=0)
    return out, trace, frobenius


def _silu_derivatives(h):
    s = torch.sigmoid(h)
    return s * (1.0 + h * (1.0 - s)), s * (1.0 - s) * (2.0 + h * (1.0 - 2.0 * s))


def _tanh_derivatives(h):
    t = torch.tanh(h)
    return 1.0 - t**2, -2.0 * t * (1.0 - t**2)


def _sigmoid_derivatives(h):
    s = torch.sigmoid(h)
    return s * (1.0 - s), s * (1.0 - s) * (1.0 - 2.0 * s)


def _softplus_derivatives(h):
    s = torch.sigmoid(h)
    return s, s * (1.0 - s)


def _relu_derivatives(h):
    return (h > 0).to(h.dtype), torch.zeros_like(h)


#: First and second derivatives of the elementwise activations :func:`mlp_jet` propagates.
ACTIVATION_DERIVATIVES = {
    torch.nn.SiLU: _silu_derivatives,
    torch.nn.Tanh: _tanh_derivatives,
    torch.nn.Sigmoid: _sigmoid_derivatives,
    torch.nn.Softplus: _softplus_derivatives,
    torch.nn.ReLU: _relu_derivatives,
}


def is_plain_mlp(module):
    """Whether ``module`` is an ``nn.Sequential`` of ``nn.Linear`` layers and activations of
    :data:`ACTIVATION_DERIVATIVES` with their default arguments (what :func:`mlp_jet` can
    propagate)."""
    return isinstance(module, torch.nn.Sequential) and all(
        isinstance(layer, torch.nn.Linear) or _is_default_activation(layer) for layer in module
    )


def _is_default_activation(layer):
    if type(layer) not in ACTIVATION_DERIVATIVES:
        return False
    return not isinstance(layer, torch.nn.Softplus) or (layer.beta, layer.threshold) == (1.0, 20.0)


def mlp_jet(mlp, inputs, input_jacobian):
    """Value, Jacobian and Laplacian of a plain MLP along k variables, in one forward pass.

    The MLP's inputs are an affine function of k variables x, with ``d inputs / dx =
    input_jacobian`` (shape (n_inputs, k), the same for every row). Propagating the Jacobian
    ``J`` and the Laplacian ``L = sum_j d^2 h / dx_j^2`` of every hidden unit along with its
    value (a linear layer maps all three linearly; an activation a gives ``a'(h) J`` and
    ``a'(h) L + a''(h) |J|^2``) costs about k + 1 forward passes as batched matrix products,
    with no backward pass (the "forward Laplacian" of Li et al. 2023).

    Parameters
    ----------
    mlp : torch.nn.Sequential
        A plain MLP (see :func:`is_plain_mlp`).
    inputs : torch.Tensor of shape (n, n_inputs)
        The MLP's inputs.
    input_jacobian : torch.Tensor of shape (n_inputs, k)
        Their derivative with respect to the k variables.

    Returns
    -------
    value : torch.Tensor of shape (n, n_outputs)
    jacobian : torch.Tensor of shape (n, n_outputs, k)
    laplacian : torch.Tensor of shape (n, n_outputs)
    """
    h = inputs
    # J is kept as (n, k, width): each linear layer is then one matrix product over n k rows
    J = input_jacobian.T.expand(len(inputs), *input_jacobian.T.shape)
    L = torch.zeros_like(inputs)
    for layer in mlp:
        if isinstance(layer, torch.nn.Linear):
            h = layer(h)
            J = J @ layer.weight.T
            L = L @ layer.weight.T
        else:
            first, second = ACTIVATION_DERIVATIVES[type(layer)](h)
            L = first * L + second * (J**2).sum(1)
            J = first[:, None, :] * J
            h = layer(h)
    return h, J.transpose(1, 2), L
