"""parametrization="energy": a scalar network E(x) whose negative gradient is the score."""

import pickle

import numpy as np
import pytest
import torch

from skscore import RCAE, DenoisingAEScoreEstimator
from skscore._autoencoders.nn import ReconstructionField
from skscore._autoencoders.objectives import ContractiveLoss, DenoisingLoss
from skscore._core.autodiff import jacobian
from skscore.datasets import GaussianMixtureDensity
from skscore.metrics import fisher_divergence
from skscore.sampling import line_integral

FAST = dict(parametrization="energy", hidden_layer_sizes=(32, 32), device="cpu", random_state=0)


@pytest.fixture(scope="module")
def density():
    return GaussianMixtureDensity(means=[[-1.0, 0.0], [1.0, 0.5]], covariances=[0.09, 0.04])


@pytest.fixture(scope="module")
def data(density):
    return density.sample(2000, random_state=0), density.sample(300, random_state=1)


@pytest.fixture(scope="module", params=[DenoisingAEScoreEstimator, RCAE], ids=["dae", "rcae"])
def model(request, data):
    X, _ = data
    return request.param(sigma=0.2, max_epochs=30, lr=3e-3, **FAST).fit(X)


def test_the_score_is_exactly_conservative(model, data):
    _, X_test = data
    H = model.hessian_log_density(X_test[:20])
    np.testing.assert_allclose(H, np.swapaxes(H, 1, 2), atol=1e-10)


def test_score_samples_is_minus_the_energy_and_the_score_its_gradient(model, data):
    _, X_test = data
    X = X_test[:30]
    X_ref = np.broadcast_to(model.mean_, X.shape)
    path = line_integral(model.grad_log_density, X_ref, X, n_path_points=40)
    np.testing.assert_allclose(model.score_samples(X), path, rtol=1e-6, atol=1e-6)


def test_energy_differences_are_exact_and_path_independent(model, data):
    _, X_test = data
    A, B, C = X_test[:50], X_test[50:100], X_test[100:150]
    dE = model.energy_difference(A, B)
    np.testing.assert_allclose(dE, model.score_samples(A) - model.score_samples(B), atol=1e-10)
    np.testing.assert_allclose(
        model.energy_difference(A, C) + model.energy_difference(C, B), dE, atol=1e-10
    )


def test_the_dae_energy_learns_the_smoothed_score(data, density):
    X, X_test = data
    dae = DenoisingAEScoreEstimator(sigma=0.2, max_epochs=30, lr=1e-2, **FAST).fit(X)
    exact = density.smoothed(0.2)
    assert fisher_divergence(exact.grad_log_density(X_test), dae.grad_log_density(X_test)) < 0.1
    corr = np.corrcoef(dae.score_samples(X_test), exact.log_prob(X_test))[0, 1]
    assert corr > 0.98


def test_the_rcae_objective_with_an_energy_network_is_score_matching():
    torch.manual_seed(0)
    module = ReconstructionField(2, (16,), "tanh", 0.1, "energy", False, [0, 0], [1, 1]).double()
    torch.nn.init.normal_(module.energy_network.body[-1].weight)
    X = torch.randn(7, 2, dtype=torch.float64)
    loss = ContractiveLoss("exact")(module, X)
    S = module(X) / module.sigma
    J = jacobian(lambda x: module(x) / module.sigma, X)
    trace = torch.diagonal(J, dim1=1, dim2=2).sum(-1)
    expected = (0.01 * ((S**2).sum(-1) + 2 * trace + 0.01 * (J**2).sum((1, 2)))).mean()
    torch.testing.assert_close(loss, expected)


def test_energy_models_pickle_exactly(model, data):
    _, X_test = data
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.score_samples(X_test), model.score_samples(X_test))
    np.testing.assert_array_equal(
        restored.hessian_log_density(X_test[:5]), model.hessian_log_density(X_test[:5])
    )


@pytest.mark.parametrize("estimator_class", [DenoisingAEScoreEstimator, RCAE], ids=["dae", "rcae"])
def test_the_energy_parametrization_refuses_relu(estimator_class, data):
    X = data[0][:100]
    with pytest.raises(ValueError, match="smooth activation"):
        estimator_class(activation="relu", max_epochs=1, device="cpu").fit(X)
    residual = estimator_class(activation="relu", parametrization="residual", max_epochs=1)
    assert residual.set_params(device="cpu").fit(X).grad_log_density(X).shape == X.shape


def _energy_field():
    torch.manual_seed(0)
    module = ReconstructionField(2, (8,), "tanh", 0.1, "energy", False, [0, 0], [1, 1]).double()
    torch.nn.init.normal_(module.energy_network.body[-1].weight)
    return module


def test_every_trainable_energy_parameter_reaches_the_loss():
    # the output bias only shifts the energy: frozen, so per-example gradient tools see no
    # parameter the loss ignores
    module = _energy_field()
    assert not module.energy_network.body[-1].bias.requires_grad
    loss = DenoisingLoss()(module, torch.randn(16, 2, dtype=torch.float64))
    trainable = [p for p in module.parameters() if p.requires_grad]
    grads = torch.autograd.grad(loss, trainable, allow_unused=True)
    assert all(g is not None and g.abs().sum() > 0 for g in grads)


def test_per_example_gradients_through_torch_func_match_a_loop():
    # inside torch.func transforms the score -dE/dx is taken by torch.func.grad
    module = _energy_field()
    X = torch.randn(5, 2, dtype=torch.float64)
    trainable = {k: v for k, v in module.named_parameters() if v.requires_grad}
    params = {k: v.detach() for k, v in trainable.items()}

    def loss(params, x):
        u = torch.func.functional_call(module, params, (x[None],))
        return (u**2).sum()

    batched = torch.func.vmap(torch.func.grad(loss), in_dims=(None, 0))(params, X)
    for i in range(len(X)):
        expected = torch.autograd.grad((module(X[i : i + 1]) ** 2).sum(), list(trainable.values()))
        for name, grad in zip(trainable, expected, strict=True):
            torch.testing.assert_close(batched[name][i], grad)


# -- the default parametrization on a density with a hole ------------------------------------
@pytest.fixture(scope="module")
def ring_with_a_hole():
    """A ring of radius 1 and width 0.1 as 64 overlapping Gaussians: exact smoothing too."""
    angles = np.linspace(0.0, 2 * np.pi, 64, endpoint=False)
    ring = GaussianMixtureDensity(np.column_stack([np.cos(angles), np.sin(angles)]), 0.01)
    X = ring.sample(2000, random_state=0)
    pairs = ring.sample(500, random_state=1), ring.sample(500, random_state=2)
    return ring, X, pairs


@pytest.mark.parametrize(
    "estimator_class, residual_below",
    [(DenoisingAEScoreEstimator, 0.5), (RCAE, 0.88)],
    ids=["dae", "rcae"],
)
def test_the_default_energy_differences_are_right_across_the_hole(
    ring_with_a_hole, estimator_class, residual_below
):
    # Straight segments between held-out ring points cross the hole, where the residual field
    # is untrained; the energy network needs no path. Measured over seeds 0-2 at these settings:
    # DAE 0.92-0.95 (energy) against 0.21-0.25 (residual), RCAE 0.92-0.94 against 0.79-0.85.
    ring, X, (X_from, X_to) = ring_with_a_hole
    sigma = 0.1
    # the DAE's target is the ring smoothed by its noise (Tweedie), the RCAE's the ring
    target = ring.smoothed(sigma) if estimator_class is DenoisingAEScoreEstimator else ring
    exact = target.log_prob(X_from) - target.log_prob(X_to)
    params = dict(
        sigma=sigma, hidden_layer_sizes=(64, 64), max_epochs=30, batch_size=64, lr=3e-3,
        device="cpu", random_state=0,
    )  # fmt: skip

    def correlation(**parametrization):
        est = estimator_class(**params, **parametrization).fit(X)
        return np.corrcoef(est.energy_difference(X_from, X_to), exact)[0, 1]

    assert estimator_class().parametrization == "energy"
    assert correlation() > 0.9
    assert correlation(parametrization="residual") < residual_below
