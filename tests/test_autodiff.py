"""The derivative plumbing against torch.func: the forward jet of plain MLPs (value, Jacobian
and Laplacian in one pass) for every activation."""

import pytest
import torch
from torch import nn

from skscore._core.autodiff import is_plain_mlp, mlp_jet
from skscore._core.nn import ACTIVATIONS, make_mlp


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("n_outputs", [1, 3])
def test_mlp_jet_matches_torch_func(activation, n_outputs):
    generator = torch.Generator().manual_seed(0)
    mlp = make_mlp(5, (16, 8), n_outputs, activation, generator=generator).double()
    # the MLP's inputs are an affine map of k = 4 variables
    A = torch.randn(5, 4, generator=generator, dtype=torch.float64)
    x = torch.randn(7, 4, generator=generator, dtype=torch.float64)

    def f(row):
        return mlp(row @ A.T + 0.5)

    value, jacobian, laplacian = mlp_jet(mlp, x @ A.T + 0.5, A)
    hessians = torch.func.vmap(torch.func.hessian(f))(x)  # (n, n_outputs, k, k)
    torch.testing.assert_close(value, mlp(x @ A.T + 0.5))
    torch.testing.assert_close(jacobian, torch.func.vmap(torch.func.jacrev(f))(x))
    torch.testing.assert_close(laplacian, hessians.diagonal(dim1=2, dim2=3).sum(-1))


def test_plain_mlp_detection():
    assert is_plain_mlp(make_mlp(3, (4,), 1, "silu"))
    assert not is_plain_mlp(nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4), nn.Linear(4, 1)))
    assert not is_plain_mlp(nn.Linear(3, 1))
