"""NoiseConditionalScoreEstimator against ground truth: the Gaussian limit (exact score, Hessian,
energy and log-density), exact non-mixture densities, normalisation on a grid, the objective's
closed-form expectation, sampling, persistence and bad input."""

import pickle

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from scipy.stats import multivariate_normal, spearmanr

import skscore._core.autodiff
import skscore._noise_conditional.estimator as nc_estimator
import skscore._noise_conditional.likelihood as nc
from skscore import NoiseConditionalScoreEstimator
from skscore._noise_conditional.likelihood import heat_log_likelihood
from skscore._noise_conditional.objective import NoiseConditionalDenoisingLoss
from skscore.datasets import GaussianMixtureDensity, RingDensity
from skscore.metrics import _nearest_neighbour_scale, fisher_divergence, low_density_fraction
from skscore.sampling import line_integral

RING = RingDensity(radius=1.0, width=0.1)
SMALL = {"hidden_layer_sizes": (32, 32), "device": "cpu", "random_state": 0}
MEDIUM = {**SMALL, "hidden_layer_sizes": (64, 64)}


@pytest.fixture(scope="module")
def ring_data():
    return RING.sample(1000, random_state=0)


@pytest.fixture(scope="module")
def ring_model(ring_data):
    """A small energy model of the ring, trained for 2,000 steps."""
    return NoiseConditionalScoreEstimator(max_epochs=250, lr=3e-3, **MEDIUM).fit(ring_data)


@pytest.fixture(scope="module")
def gaussian_model():
    """A fitted model whose network output is zeroed: exactly the Gaussian limit
    N(m, C + sigma^2 I) at every noise level, where everything has a closed form."""
    X = np.random.RandomState(0).multivariate_normal([1.0, -2.0], [[2.0, 0.6], [0.6, 0.5]], 400)
    est = NoiseConditionalScoreEstimator(max_epochs=1, **SMALL).fit(X)
    with torch.no_grad():
        est.module_.body[-1].weight.zero_()
        est.module_.body[-1].bias.zero_()
    return est, X


def _limit(est, sigma):
    return multivariate_normal(est.data_mean_, est.covariance_ + sigma**2 * np.eye(2))


# -- the Gaussian limit: closed forms ---------------------------------------------------------


def test_gaussian_limit_score_hessian_and_energy_are_exact(gaussian_model):
    est, X = gaussian_model
    sigma = 0.7
    precision = np.linalg.inv(est.covariance_ + sigma**2 * np.eye(2))
    S = est.grad_log_density(X[:20], sigma=sigma)
    assert_allclose(S, -(X[:20] - est.data_mean_) @ precision, rtol=1e-10)
    H = est.hessian_log_density(X[:5], sigma=sigma)
    assert_allclose(H, np.broadcast_to(-precision, (5, 2, 2)), rtol=1e-10)
    exact = _limit(est, sigma)
    exact_dE = exact.logpdf(X[:20]) - exact.logpdf(X[20:40])
    dE = est.energy_difference(X[:20], X[20:40], sigma=sigma, method="energy")
    assert_allclose(dE, exact_dE, rtol=1e-10)
    dE = est.energy_difference(X[:20], X[20:40], sigma=sigma, method="path", n_path_points=4)
    assert_allclose(dE, exact_dE, rtol=1e-10)  # a quadratic energy: 4 nodes are exact
    dE = est.energy_difference(X[:20], X[20:40], sigma=sigma)  # the likelihood ODE
    assert_allclose(dE, exact_dE, atol=5e-3)
    far = est.energy_difference(X[:3], X[3:6], sigma=2 * est.sigma_max_)  # the limit itself
    assert_allclose(
        far,
        _limit(est, 2 * est.sigma_max_).logpdf(X[:3])
        - _limit(est, 2 * est.sigma_max_).logpdf(X[3:6]),
        rtol=1e-10,
    )


def test_gaussian_limit_log_likelihood_is_exact_by_both_routes(gaussian_model):
    est, X = gaussian_model
    X_test = np.vstack([X[:30], X[:30] + 3.0])  # on and off the data
    exact = _limit(est, est.sigma_min_).logpdf(X_test)
    # the flow integrates the Gaussian limit's part exactly: exact at the default step count
    assert_allclose(est.score_samples(X_test), exact, atol=1e-9)
    assert est.score(X_test) == pytest.approx(exact.mean(), abs=1e-9)
    module = est.module_
    fine = nc.flow_log_likelihood(
        module, torch.tensor(X_test), est.sigma_min_, est.sigma_max_, n_steps=128
    )
    assert_allclose(fine.numpy(), exact, atol=1e-6)
    heat = heat_log_likelihood(
        module, torch.tensor(X_test), est.sigma_min_, est.sigma_max_, n_levels=32
    )
    assert_allclose(heat.numpy(), exact, atol=1e-6)


def test_the_objective_has_its_closed_form_expectation(gaussian_model):
    # For Gaussian data N(m, C) and the exact Gaussian family of scores the loss of a row at
    # level sigma has expectation sum_j lambda_j / (lambda_j + sigma^2), lambda the
    # eigenvalues of C; averaged over log-uniform sigma.
    est, _ = gaussian_model
    rng = np.random.RandomState(1)
    X = rng.multivariate_normal(est.data_mean_, est.covariance_, 200_000)
    loss = NoiseConditionalDenoisingLoss(est.sigma_min_, est.sigma_max_)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        value = loss(est.module_, torch.tensor(X), generator=generator).item()
    log_sigma = np.linspace(np.log(est.sigma_min_), np.log(est.sigma_max_), 20001)
    lam = np.linalg.eigvalsh(est.covariance_)
    per_level = (lam / (lam + np.exp(2 * log_sigma)[:, None])).sum(1)
    assert value == pytest.approx(per_level.mean(), rel=0.01)


def test_objective_contract_generator_and_per_example(gaussian_model):
    est, X = gaussian_model
    loss = NoiseConditionalDenoisingLoss(est.sigma_min_, est.sigma_max_)
    X_t = torch.tensor(X)
    with torch.no_grad():
        a = loss.per_example(est.module_, X_t, generator=torch.Generator().manual_seed(3))
        b = loss.per_example(est.module_, X_t, None, generator=torch.Generator().manual_seed(3))
        c = loss.per_example(est.module_, X_t, generator=torch.Generator().manual_seed(4))
        mean = loss(est.module_, X_t, generator=torch.Generator().manual_seed(3))
    assert a.shape == (len(X),)
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert torch.isclose(a.mean(), mean)
    state = torch.random.get_rng_state()
    with torch.random.fork_rng(devices=[]):  # no generator: torch's global RNG
        torch.manual_seed(5)
        d1 = loss(est.module_, X_t)
        torch.manual_seed(5)
        d2 = loss(est.module_, X_t)
    assert torch.equal(d1, d2)
    assert torch.equal(state, torch.random.get_rng_state())


# -- a trained model against an exact density ---------------------------------------------------


def test_trained_model_learns_the_ring(ring_model):
    X_test = RING.sample(500, random_state=1)
    S = ring_model.grad_log_density(X_test)
    assert fisher_divergence(RING.grad_log_density(X_test), S) < 0.15
    # held-out log-likelihood: far above the Gaussian limit it started from, near the truth
    log_p = ring_model.score_samples(X_test)
    truth = RING.log_prob(X_test).mean()
    gaussian = _limit(ring_model, ring_model.sigma_min_).logpdf(X_test).mean()
    assert gaussian < truth - 1.0
    assert truth - 0.25 < log_p.mean() < truth + 0.05
    # ranking: data and perturbed points (off the ring and into the hole)
    X_mixed = np.vstack([X_test, X_test * np.random.RandomState(2).uniform(0.3, 1.4, (500, 1))])
    rho = spearmanr(ring_model.score_samples(X_mixed), RING.log_prob(X_mixed))[0]
    assert rho > 0.95


def test_score_samples_integrates_to_one_on_a_grid():
    X = RING.sample(600, random_state=0)
    # sigma_min 0.15 keeps the model's density smooth enough for a coarse grid
    est = NoiseConditionalScoreEstimator(sigma_min=0.15, max_epochs=60, **SMALL).fit(X)
    h = 0.06
    axis = np.arange(-2.4 + h / 2, 2.4, h)
    grid = np.column_stack([a.ravel() for a in np.meshgrid(axis, axis)])
    total = np.exp(est.score_samples(grid)).sum() * h**2
    assert abs(total - 1.0) < 0.01


def test_energy_model_is_conservative(ring_model, ring_data):
    X = ring_data[:40]
    H = ring_model.hessian_log_density(X)
    assert_allclose(H, np.swapaxes(H, 1, 2), atol=1e-10)
    # exact energy differences equal path integrals of the score (path independence)
    X_to = X[::-1] * 0.5
    dE = ring_model.energy_difference(X, X_to, method="energy")
    path = -line_integral(ring_model.grad_log_density, X, X_to, n_path_points=40)
    assert_allclose(dE, path, rtol=1e-6, atol=1e-6)
    assert_allclose(ring_model.energy_difference(X_to, X, method="energy"), -dE)
    assert_allclose(ring_model.energy_difference(X_to, X), -ring_model.energy_difference(X, X_to))
    # and follow the exact log-density of the ring; this small model (2,000 steps) reaches
    # 0.92-0.93 over seeds with the likelihood ODE, 0.80-0.97 with its energy network
    X_a, X_b = RING.sample(300, random_state=3), RING.sample(300, random_state=4)
    exact = RING.log_prob(X_a) - RING.log_prob(X_b)
    assert np.corrcoef(ring_model.energy_difference(X_a, X_b), exact)[0, 1] > 0.9
    energy = ring_model.energy_difference(X_a, X_b, method="energy")
    assert np.corrcoef(energy, exact)[0, 1] > 0.75
    # the hole: climbing out of the centre releases energy
    assert ring_model.energy_difference([[0.0, 0.0]], [[1.0, 0.0]])[0] < -5
    assert ring_model.energy_difference([[0.0, 0.0]], [[1.0, 0.0]], method="energy")[0] < -10


def test_hessian_is_the_derivative_of_the_score(ring_model, ring_data):
    X = ring_data[:10]
    H = ring_model.hessian_log_density(X, sigma=0.3)
    h = 1e-6
    for k in range(2):
        step = np.eye(2)[k] * h
        diff = ring_model.grad_log_density(X + step, sigma=0.3) - ring_model.grad_log_density(
            X - step, sigma=0.3
        )
        assert_allclose(H[:, :, k], diff / (2 * h), rtol=1e-5, atol=1e-5)


def test_residual_parametrization():
    X = RING.sample(600, random_state=0)
    est = NoiseConditionalScoreEstimator(
        parametrization="residual", max_epochs=200, lr=3e-3, **MEDIUM
    ).fit(X)
    X_test = RING.sample(300, random_state=1)
    S = est.grad_log_density(X_test, sigma=0.05)
    assert fisher_divergence(RING.grad_log_density(X_test), S) < 0.1
    dE = est.energy_difference(X_test[:50], X_test[50:100], method="path", n_path_points=20)
    path = -line_integral(est.grad_log_density, X_test[:50], X_test[50:100], n_path_points=20)
    assert_allclose(dE, path)
    with pytest.raises(ValueError, match="residual parametrization has no energy"):
        est.module_.energy(torch.zeros(2, 2, dtype=torch.float64), 0.1)
    with pytest.raises(ValueError, match='method="energy" needs parametrization="energy"'):
        est.energy_difference(X_test[:2], X_test[2:4], method="energy")
    samples = est.sample(200, random_state=0)
    data = RING.log_prob(RING.sample(2000, random_state=5))
    assert low_density_fraction(RING.log_prob(samples), data) < 0.1


def test_grid_search_ranks_by_held_out_likelihood():
    from sklearn.model_selection import GridSearchCV

    X = RING.sample(600, random_state=0)
    est = NoiseConditionalScoreEstimator(max_epochs=40, **SMALL)
    search = GridSearchCV(est, {"sigma_min": [0.01, 0.4]}, cv=2).fit(X)
    assert search.best_params_ == {"sigma_min": 0.01}  # 0.4 blurs the 0.1-wide ring


# -- the documented example model (the accuracy checks once in its doctests) -------------------


@pytest.fixture(scope="module")
def documented_model():
    """The model of the class docstring: 60 epochs of a 64x64 energy network on 1,000 rows."""
    est = NoiseConditionalScoreEstimator(
        sigma_min=0.03, hidden_layer_sizes=(64, 64), max_epochs=60, lr=3e-3, random_state=0
    )
    return est.fit(RING.sample(1000, random_state=0))


def test_documented_model_log_density_and_samples(documented_model):
    X_test = RING.sample(200, random_state=1)
    log_p = documented_model.score_samples(X_test)
    assert abs(log_p.mean() - RING.log_prob(X_test).mean()) < 0.3
    radii = np.linalg.norm(documented_model.sample(200, random_state=0), axis=1)
    assert abs(np.median(radii) - 1.0) < 0.1  # on the ring, not in the hole


def test_documented_model_score(documented_model):
    S = documented_model.grad_log_density([[1.2, 0.0], [0.8, 0.0]])  # outside/inside the crest
    assert S[0, 0] < 0 < S[1, 0]  # both point back to the ring
    X_test = RING.sample(500, random_state=1)
    S_test = documented_model.grad_log_density(X_test)
    assert fisher_divergence(RING.grad_log_density(X_test), S_test) < 0.5
    # at the largest noise level the smoothed density is nearly the Gaussian limit
    S_big = documented_model.grad_log_density(X_test, sigma=documented_model.sigma_max_)
    assert np.abs(S_big).max() < 2 / documented_model.sigma_max_


def test_documented_model_energy_differences(documented_model):
    X_from, X_to = RING.sample(200, random_state=1), RING.sample(200, random_state=2)
    exact = RING.log_prob(X_from) - RING.log_prob(X_to)
    assert np.corrcoef(documented_model.energy_difference(X_from, X_to), exact)[0, 1] > 0.8
    # leaving the hole releases energy (exactly 50 nats); both routes fall short there
    hole, crest = [[0.0, 0.0]], [[1.0, 0.0]]
    assert documented_model.energy_difference(hole, crest)[0] < -5
    assert documented_model.energy_difference(hole, crest, method="energy")[0] < -20
    energy = documented_model.energy_difference(X_from[:5], X_to[:5], method="energy")
    path = documented_model.energy_difference(X_from[:5], X_to[:5], method="path", n_path_points=40)
    assert_allclose(energy, path, atol=1e-4)


def test_documented_model_samples_avoid_low_density(documented_model):
    samples, acceptance = documented_model.sample(500, random_state=0, return_acceptance=True)
    assert 0.4 < acceptance < 0.8  # the step adapts toward 0.6
    # exact sampling puts about 0.01 where the ring's density is low
    data = RING.log_prob(RING.sample(2000, random_state=1))
    assert low_density_fraction(RING.log_prob(samples), data) < 0.05
    ode = documented_model.sample(500, method="ode", random_state=0)
    assert low_density_fraction(RING.log_prob(ode), data) < 0.1


def test_a_short_fit_integrates_to_one_on_a_coarse_grid():
    # the settings of the score_samples docstring: 10 epochs, sigma_min resolved from the data
    est = NoiseConditionalScoreEstimator(hidden_layer_sizes=(32,), max_epochs=10, random_state=0)
    est.fit(RING.sample(500, random_state=0))
    h = 0.05
    u, v = np.meshgrid(np.arange(-2, 2, h), np.arange(-2, 2, h))
    grid = np.column_stack([u.ravel(), v.ravel()])
    assert abs(np.exp(est.score_samples(grid)).sum() * h**2 - 1) < 0.02


# -- sampling ------------------------------------------------------------------------------------


def test_annealed_samples_cover_the_ring_and_skip_the_hole(ring_model):
    samples, acceptance = ring_model.sample(1000, random_state=0, return_acceptance=True)
    assert samples.shape == (1000, 2) and samples.dtype == np.float64
    assert 0.45 < acceptance < 0.75  # adapted toward 0.6
    data = RING.log_prob(RING.sample(4000, random_state=1))
    assert low_density_fraction(RING.log_prob(samples), data) < 0.04
    angles = np.arctan2(samples[:, 1], samples[:, 0])
    counts = np.histogram(angles, bins=4, range=(-np.pi, np.pi))[0]
    assert counts.min() > 200  # all four quadrants of the ring
    assert np.array_equal(samples, ring_model.sample(1000, random_state=0))
    assert not np.array_equal(samples, ring_model.sample(1000, random_state=1))


def test_ode_samples(ring_model):
    samples, acceptance = ring_model.sample(
        500, method="ode", random_state=0, return_acceptance=True
    )
    assert acceptance == 1.0
    data = RING.log_prob(RING.sample(4000, random_state=1))
    assert low_density_fraction(RING.log_prob(samples), data) < 0.06


def test_chunks_do_not_change_results(ring_model, ring_data, monkeypatch):
    import skscore._core.base

    X = ring_data[:37]
    log_p = ring_model.score_samples(X)
    S = ring_model.grad_log_density(X)
    cost = ring_model._derivative_cost(1)  # grad_log_density in chunks of 3 rows, the ODE 1
    monkeypatch.setattr(skscore._core.base, "INFERENCE_BUDGET", 3 * cost)
    assert_allclose(ring_model.score_samples(X), log_p, rtol=1e-12)
    assert_allclose(ring_model.grad_log_density(X), S, rtol=1e-12)
    monkeypatch.setattr(nc_estimator, "SAMPLE_CHUNK_ROWS", 8)
    assert ring_model.sample(20, n_levels=3, n_steps=2, random_state=0).shape == (20, 2)


def test_progress_bar_only_when_verbose(ring_model, capsys):
    ring_model.sample(10, n_levels=3, n_steps=1, random_state=0)
    assert capsys.readouterr().err == ""
    verbose = pickle.loads(pickle.dumps(ring_model)).set_params(verbose=1)
    verbose.sample(10, n_levels=3, n_steps=1, random_state=0)
    assert "sampling NoiseConditionalScoreEstimator (annealed)" in capsys.readouterr().err


# -- fitting, persistence, determinism -----------------------------------------------------------


def test_auto_noise_range_and_epochs(ring_data):
    est = NoiseConditionalScoreEstimator(max_epochs=1, **SMALL).fit(ring_data)
    neighbour = _nearest_neighbour_scale(ring_data)
    thinnest = np.sqrt(np.linalg.eigvalsh(np.cov(ring_data.T, bias=True)).min())
    floor = min(2 * neighbour, 0.05 * thinnest)
    ceiling = np.sqrt(np.trace(np.cov(ring_data.T, bias=True)) / 2)
    # "auto" selects among eight levels from the floor up, by held-out likelihood
    assert np.isclose(est.sigma_min_, np.geomspace(floor, ceiling, 8)).any()
    assert est.sigma_max_ == pytest.approx(2 * np.sqrt(np.trace(np.cov(ring_data.T, bias=True))))
    assert_allclose(est.covariance_, np.cov(ring_data.T, bias=True))
    auto = NoiseConditionalScoreEstimator(**SMALL).set_params(batch_size=1000)
    auto._prepare_fit(ring_data, None)  # resolves without training
    assert auto.n_epochs_ == 2000  # 2 steps per row, at least 2,000 steps
    explicit = NoiseConditionalScoreEstimator(sigma_min=0.05, sigma_max=3.0, max_epochs=1)
    explicit.set_params(**SMALL).fit(ring_data)
    assert (explicit.sigma_min_, explicit.sigma_max_) == (0.05, 3.0)


@pytest.mark.slow
def test_auto_sigma_min_is_selected_by_held_out_likelihood():
    # iris (120 training rows, 4-D): trained at the floor alone the network memorises its
    # rows; the held-out selection picks a smoother level that generalises better
    from sklearn.datasets import load_iris
    from sklearn.model_selection import train_test_split

    X = load_iris().data + np.random.RandomState(0).uniform(-0.05, 0.05, (150, 4))
    X_train, X_test = train_test_split((X - X.mean(0)) / X.std(0), test_size=0.2, random_state=0)
    params = {**MEDIUM, "max_epochs": 1000, "lr": 3e-3}
    auto = NoiseConditionalScoreEstimator(**params).fit(X_train)
    floor = NoiseConditionalScoreEstimator(**params).set_params(max_epochs=1)
    floor._prepare_fit(X_train, None)  # resolves the floor without training
    at_floor = NoiseConditionalScoreEstimator(**params, sigma_min=floor.sigma_min_).fit(X_train)
    assert auto.sigma_min_ > 3 * floor.sigma_min_
    assert auto.score(X_test) > at_floor.score(X_test) + 0.1  # measured -2.59 against -2.82


def test_same_seed_same_model_and_global_rng_untouched(ring_data):
    state = torch.random.get_rng_state()
    a = NoiseConditionalScoreEstimator(max_epochs=3, **SMALL).fit(ring_data[:300])
    b = NoiseConditionalScoreEstimator(max_epochs=3, **SMALL).fit(ring_data[:300])
    a.sample(5, random_state=0)
    assert torch.equal(state, torch.random.get_rng_state())
    X = ring_data[:20]
    assert np.array_equal(a.grad_log_density(X), b.grad_log_density(X))


def test_pickle_round_trip(ring_model, ring_data):
    X = ring_data[:30]
    clone = pickle.loads(pickle.dumps(ring_model))
    assert np.array_equal(clone.score_samples(X), ring_model.score_samples(X))
    assert np.array_equal(clone.sample(10, random_state=0), ring_model.sample(10, random_state=0))


def test_saved_file_keeps_a_selected_sigma_min_above_the_training_floor(ring_data, tmp_path):
    import skscore.io

    est = NoiseConditionalScoreEstimator(max_epochs=3, **SMALL).fit(ring_data[:200])
    training_floor = est.net_.get_params_for("module")["sigma_min"]
    est.sigma_min_ = 4 * training_floor  # as the held-out selection may choose
    path = tmp_path / "ncse.safetensors"
    skscore.io.save(est, path)
    loaded = skscore.io.load(path)
    assert loaded.sigma_min_ == est.sigma_min_
    assert_allclose(loaded.score_samples(ring_data[:20]), est.score_samples(ring_data[:20]))


def test_float32_input(ring_model, ring_data):
    X32 = ring_data[:10].astype(np.float32)
    assert ring_model.grad_log_density(X32).dtype == np.float32
    assert ring_model.score_samples(X32).dtype == np.float64


# -- bad input -----------------------------------------------------------------------------------


def test_bad_input(ring_model, ring_data):
    with pytest.raises(ValueError, match="sigma_min must be smaller than sigma_max"):
        NoiseConditionalScoreEstimator(sigma_min=1.0, sigma_max=0.5).fit(ring_data)
    with pytest.raises(ValueError, match="'sigma' parameter .* must be a float in the range"):
        ring_model.grad_log_density(ring_data[:2], sigma=-1)
    with pytest.raises(ValueError, match="'method' parameter .* must be a str among"):
        ring_model.sample(3, method="mh")
    with pytest.raises(ValueError, match="'n_samples' parameter .* range \\[1, inf\\)"):
        ring_model.sample(0)
    with pytest.raises(ValueError, match="'n_levels' parameter .* range \\[2, inf\\)"):
        ring_model.sample(3, n_levels=1)
    with pytest.raises(ValueError, match="X_from and X_to must have the same shape"):
        ring_model.energy_difference(ring_data[:3], ring_data[:4])
    with pytest.raises(ValueError, match="'n_path_points' parameter .* range \\[1, inf\\)"):
        ring_model.energy_difference(ring_data[:3], ring_data[:3], n_path_points=0)
    with pytest.raises(ValueError, match="'sigma' parameter .* Got inf"):
        ring_model.grad_log_density(ring_data[:2], sigma=np.inf)
    with pytest.raises(ValueError, match="'n_samples' parameter .* must be an int"):
        ring_model.sample(True)
    with pytest.raises(ValueError, match="X has 3 features, but NoiseConditional"):
        ring_model.score_samples(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        ring_model.score(np.full((2, 2), np.nan))


@pytest.mark.filterwarnings("ignore:NoiseConditionalScoreEstimator's training loss ended")
def test_constant_and_duplicated_data_fit():
    X = np.ones((20, 2))
    est = NoiseConditionalScoreEstimator(max_epochs=2, **SMALL).fit(X)
    assert 0 < est.sigma_min_ < est.sigma_max_
    assert np.isfinite(est.score_samples(X[:3])).all()
    mixture = GaussianMixtureDensity([[0.0, 0.0], [3.0, 0.0]], 0.3)
    Xd = np.repeat(mixture.sample(50, random_state=0), 3, axis=0)
    est = NoiseConditionalScoreEstimator(max_epochs=2, **SMALL).fit(Xd)
    assert est.sigma_min_ > 0


def test_hutchinson_divergence_above_the_exact_limit(gaussian_model, ring_model, monkeypatch):
    # above EXACT_TRACE_MAX_FEATURES the likelihood ODE estimates the trace of the network's
    # part of the score (fixed-seed Hutchinson); the Gaussian limit's trace stays exact
    est, X = gaussian_model
    exact_limit = _limit(est, est.sigma_min_).logpdf(X[:50])
    X_ring = RING.sample(50, random_state=1)
    exact_trace = ring_model.score_samples(X_ring)
    monkeypatch.setattr(skscore._core.autodiff, "EXACT_TRACE_MAX_FEATURES", 1)
    assert_allclose(est.score_samples(X[:50]), exact_limit, atol=1e-9)
    estimate = ring_model.score_samples(X_ring)
    assert not np.allclose(estimate, exact_trace, atol=1e-2)  # the estimate, not the trace
    assert np.array_equal(estimate, ring_model.score_samples(X_ring))
    assert abs(estimate.mean() - exact_trace.mean()) < 0.05  # measured 0.012


# -- the fast likelihood route ------------------------------------------------------------------


@pytest.mark.parametrize("parametrization", ["energy", "residual"])
@pytest.mark.parametrize("activation", ["silu", "tanh", "softplus"])
def test_forward_jet_score_and_divergence_match_autograd(parametrization, activation):
    X = RING.sample(300, random_state=0)
    params = {"parametrization": parametrization, "activation": activation, "max_epochs": 5}
    module = NoiseConditionalScoreEstimator(**{**SMALL, **params}).fit(X).module_
    x = torch.tensor(X[:20])
    for sigma in (0.03, 0.3, 2.0):
        jet = module.network_score_and_divergence(x, sigma)
        reference = module._network_score_and_divergence_by_autograd(x, sigma)
        assert reference[1].abs().max() > 1e-5  # the trained network's part is not zero
        torch.testing.assert_close(jet, reference, rtol=1e-9, atol=1e-12)


def test_default_ode_solver_agrees_with_a_fine_solve(ring_model):
    x = torch.tensor(RING.sample(100, random_state=2))
    limits = ring_model.sigma_min_, ring_model.sigma_max_
    default = nc.flow_log_likelihood(ring_model.module_, x, *limits)
    fine = nc.flow_log_likelihood(ring_model.module_, x, *limits, n_steps=64)
    coarse = nc.flow_log_likelihood(ring_model.module_, x, *limits, n_steps=2)
    assert (default - fine).abs().mean() < 0.005
    assert (coarse - fine).abs().mean() > 10 * (default - fine).abs().mean()  # it converges


def test_other_networks_take_the_autograd_route(ring_model, ring_data):
    X = ring_data[:30]
    expected = ring_model.score_samples(X)
    other = pickle.loads(pickle.dumps(ring_model))
    other.module_.body = torch.nn.Sequential(*other.module_.body, torch.nn.Identity())
    assert not skscore._core.autodiff.is_plain_mlp(other.module_.body)
    assert_allclose(other.score_samples(X), expected, rtol=1e-10)


def test_score_samples_reports_progress_over_chunks(ring_model, ring_data, monkeypatch, capsys):
    import skscore._core.base

    verbose = pickle.loads(pickle.dumps(ring_model)).set_params(verbose=1)
    monkeypatch.setattr(skscore._core.base, "INFERENCE_BUDGET", 10 * ring_model._activation_cost())
    verbose.score_samples(ring_data[:40])
    assert "the log-likelihood of NoiseConditionalScoreEstimator" in capsys.readouterr().err
    ring_model.score_samples(ring_data[:40])
    assert capsys.readouterr().err == ""
