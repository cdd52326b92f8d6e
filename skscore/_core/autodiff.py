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
