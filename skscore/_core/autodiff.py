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


def jacobian_of_rows(row_fn, X):
    """Jacobians ``d row_fn(x) / dx`` of a map defined on one row, shape (n, d_out, d_in)."""
    return torch.func.vmap(torch.func.jacrev(row_fn))(X)


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
