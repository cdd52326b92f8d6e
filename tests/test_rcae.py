"""RCAE: its objective, its ground-truth accuracy at small sigma, and the 1-D optimal solutions."""

import numpy as np
import pytest
import torch

from skscore import RCAE, DenoisingAEScoreEstimator
from skscore._autoencoders.nn import ReconstructionField
from skscore._autoencoders.objectives import ContractiveLoss
from skscore.datasets import GaussianMixtureDensity
from skscore.metrics import fisher_divergence


def _random_field(d, sigma, parametrization="residual"):
    torch.manual_seed(0)
    module = ReconstructionField(
        d, (16,), "tanh", sigma, parametrization, False, np.zeros(d), np.ones(d)
    ).double()
    if parametrization == "residual":  # leave the zero initialisation behind
        torch.nn.init.normal_(module.body[-1].weight)
    return module


@pytest.mark.parametrize("parametrization", ["residual", "autoencoder"])
def test_exact_loss_is_the_rcae_objective(parametrization):
    # (||r - x||^2 + sigma^2 ||dr/dx||_F^2) / sigma^2 = loss + d   (thesis eq. 3.6)
    sigma, d = 0.3, 3
    module = _random_field(d, sigma, parametrization)
    X = torch.randn(7, d, dtype=torch.float64)
    loss = ContractiveLoss("exact")(module, X).item()

    def reconstruction(x):
        return x + sigma * module(x)

    J = torch.func.vmap(torch.func.jacrev(reconstruction))(X)
    objective = ((reconstruction(X) - X) ** 2).sum(-1) + sigma**2 * (J**2).sum((-2, -1))
    assert loss + d == pytest.approx((objective / sigma**2).mean().item(), rel=1e-10)


def test_residual_loss_is_hyvarinen_score_matching_plus_jacobian_penalty():
    # with s = u / sigma the loss is sigma^2 (||s||^2 + 2 tr(ds/dx) + sigma^2 ||ds/dx||_F^2)
    sigma, d = 0.2, 4
    module = _random_field(d, sigma)
    X = torch.randn(9, d, dtype=torch.float64)

    def score(x):
        return module(x) / sigma

    J = torch.func.vmap(torch.func.jacrev(score))(X)
    trace = torch.diagonal(J, dim1=-2, dim2=-1).sum(-1)
    hyvarinen = (score(X) ** 2).sum(-1) + 2 * trace
    penalty = sigma**2 * (J**2).sum((-2, -1))
    expected = (sigma**2 * (hyvarinen + penalty)).mean().item()
    assert ContractiveLoss("exact")(module, X).item() == pytest.approx(expected, rel=1e-10)


def test_hutchinson_penalty_is_unbiased():
    module = _random_field(3, 0.5)
    X = torch.randn(20, 3, dtype=torch.float64)
    exact = ContractiveLoss("exact")(module, X).item()
    torch.manual_seed(1)
    draws = [ContractiveLoss("hutchinson", 4)(module, X).item() for _ in range(400)]
    mean, stderr = np.mean(draws), np.std(draws) / np.sqrt(len(draws))
    assert abs(mean - exact) < 4 * stderr
    assert np.std(draws) > 0  # it is an estimate, not the exact value in disguise


def test_rcae_learns_the_score_of_p_where_the_dae_cannot():
    # at sigma well below the clusters' width (0.2-0.3) the DAE's gradient noise swamps the
    # signal; the RCAE objective has none (measured relF vs the score of p: RCAE 0.073,
    # DAE 0.449; at sigma=0.02 0.17 vs 1.05)
    density = GaussianMixtureDensity(
        means=[[-1.0, 0.0], [1.0, 0.5], [0.0, -1.2]], covariances=[0.09, 0.04, 0.0625]
    )
    rng = np.random.RandomState(0)
    X, X_test = density.sample(2000, random_state=rng), density.sample(1000, random_state=rng)
    params = dict(sigma=0.05, hidden_layer_sizes=(64, 64), lr=3e-3, max_epochs=30, random_state=0)
    true_score = density.grad_log_density(X_test)
    rcae = RCAE(device="cpu", **params).fit(X)
    dae = DenoisingAEScoreEstimator(device="cpu", **params).fit(X)
    rel_rcae = fisher_divergence(true_score, rcae.grad_log_density(X_test))
    rel_dae = fisher_divergence(true_score, dae.grad_log_density(X_test))
    assert rel_rcae < 0.15
    assert rel_rcae < 0.5 * rel_dae


def test_exact_and_hutchinson_rcae_fit_alike():
    density = GaussianMixtureDensity(means=[[0.0, 0.0]], covariances=[[0.5, 2.0]])
    X = density.sample(1000, random_state=0)
    X_test = density.sample(300, random_state=1)
    errors = []
    for penalty in ("exact", "hutchinson"):
        est = RCAE(
            sigma=0.05,
            jacobian_penalty=penalty,
            hidden_layer_sizes=(32, 32),
            max_epochs=40,
            lr=3e-3,
            device="cpu",
            random_state=0,
        ).fit(X)
        errors.append(
            fisher_divergence(density.grad_log_density(X_test), est.grad_log_density(X_test))
        )
    assert max(errors) < 0.1
    assert abs(errors[0] - errors[1]) < 0.05
