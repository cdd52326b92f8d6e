"""DenoisingAEScoreEstimator against ground truth, persistence, determinism and bad input."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skscore import RCAE, DenoisingAEScoreEstimator
from skscore._autoencoders.base import FALLBACK_SIGMA, _neighbour_distance, _neighbour_scale
from skscore.datasets import GaussianMixtureDensity
from skscore.metrics import fisher_divergence, low_density_fraction

SIGMA = 0.2
FAST = dict(hidden_layer_sizes=(64, 64), lr=3e-3, device="cpu", random_state=0)


@pytest.fixture(scope="module")
def density():
    return GaussianMixtureDensity(
        means=[[-1.0, 0.0], [1.0, 0.5], [0.0, -1.2]], covariances=[0.09, 0.04, 0.0625]
    )


@pytest.fixture(scope="module")
def data(density):
    rng = np.random.RandomState(0)
    return density.sample(2000, random_state=rng), density.sample(1000, random_state=rng)


@pytest.fixture(scope="module")
def dae(data):
    X, _ = data
    return DenoisingAEScoreEstimator(sigma=SIGMA, max_epochs=40, **FAST).fit(X)


@pytest.fixture(scope="module")
def rcae(data):
    X, _ = data
    return RCAE(sigma=SIGMA, max_epochs=10, **FAST).fit(X)


@pytest.fixture(params=["dae", "rcae"])
def score_model(request):
    """Each fitted score auto-encoder, for the behaviour they share."""
    return request.getfixturevalue(request.param)


@pytest.fixture(params=[DenoisingAEScoreEstimator, RCAE], ids=["dae", "rcae"])
def estimator_class(request):
    return request.param


@pytest.fixture(scope="module")
def tied_dae(data):
    X, _ = data
    params = {**FAST, "hidden_layer_sizes": (64,)}
    return DenoisingAEScoreEstimator(sigma=SIGMA, tied_weights=True, max_epochs=20, **params).fit(X)


# -- the documented ridge model (the accuracy checks once in the method doctests) --------------

RIDGE = GaussianMixtureDensity(means=[[0.0, 0.0]], covariances=[[0.25, 0.01]])
X_OFF_RIDGE = np.array([[-0.5, 0.2], [0.0, 0.25], [0.5, -0.2]])  # beside the ridge y = 0


@pytest.fixture(scope="module")
def ridge_dae():
    """The model of the method docstrings: 50 epochs on a thin ridge along the first axis."""
    est = DenoisingAEScoreEstimator(
        sigma=0.2, hidden_layer_sizes=(32, 32), max_epochs=50, lr=1e-2, random_state=0
    )
    return est.fit(RIDGE.sample(500, random_state=0))


def test_ridge_dae_training_lowers_the_loss(ridge_dae):
    losses = ridge_dae.history_[:, "train_loss"]
    assert losses[-1] < losses[0]


def test_a_short_ridge_fit_lowers_the_loss():
    # once the history_ doctest: 20 epochs of one hidden layer
    est = DenoisingAEScoreEstimator(
        sigma=0.2, hidden_layer_sizes=(32,), max_epochs=20, lr=1e-2, random_state=0
    )
    losses = est.fit(RIDGE.sample(500, random_state=0)).history_[:, "train_loss"]
    assert losses[-1] < losses[0]


def test_ridge_dae_reconstruction_and_local_mean_move_toward_the_ridge(ridge_dae):
    R = ridge_dae.reconstruct(X_OFF_RIDGE)
    assert np.all(np.abs(R[:, 1]) < np.abs(X_OFF_RIDGE[:, 1]))
    M = ridge_dae.local_mean(X_OFF_RIDGE, radius=0.2)
    assert np.all(np.abs(M[:, 1]) < np.abs(X_OFF_RIDGE[:, 1]))


def test_ridge_dae_score_is_the_smoothed_score(ridge_dae):
    # Tweedie: close to the score of the smoothed density, far from the unsmoothed one
    X_test = RIDGE.sample(200, random_state=1)
    S = ridge_dae.grad_log_density(X_test)
    assert fisher_divergence(RIDGE.smoothed(0.2).grad_log_density(X_test), S) < 0.2
    assert fisher_divergence(RIDGE.grad_log_density(X_test), S) > 0.4


def test_ridge_dae_hessian_near_the_smoothed_gaussian(ridge_dae):
    # the smoothed Gaussian has the constant Hessian -inv(covariance), diagonal (-3.4, -20)
    H = ridge_dae.hessian_log_density(RIDGE.sample(500, random_state=0)[:50])
    exact = -np.linalg.inv(RIDGE.smoothed(0.2).covariances[0])
    assert np.all(np.abs(np.diag(H.mean(axis=0)) / np.diag(exact) - 1) < 0.5)


def test_ridge_dae_energy_and_log_density_follow_the_smoothed_density(ridge_dae):
    p_sigma = RIDGE.smoothed(0.2)
    X_from, X_to = RIDGE.sample(100, random_state=1), RIDGE.sample(100, random_state=2)
    exact = p_sigma.log_prob(X_from) - p_sigma.log_prob(X_to)
    assert np.corrcoef(ridge_dae.energy_difference(X_from, X_to), exact)[0, 1] > 0.9
    assert ridge_dae.energy_difference([[0.0, 0.0]], [[0.0, 0.3]])[0] > 0.5  # leave the ridge
    log_p = ridge_dae.score_samples([[0.0, 0.0], [0.5, 0.0], [0.0, 0.5]])
    assert log_p[0] > log_p[1] > log_p[2]  # centre, along the ridge, off the ridge
    X_test = RIDGE.sample(200, random_state=1)
    assert np.corrcoef(ridge_dae.score_samples(X_test), p_sigma.log_prob(X_test))[0, 1] > 0.9


def test_ridge_dae_samples_follow_the_ridge(ridge_dae):
    X_new, acceptance = ridge_dae.sample(
        100, n_steps=50, burn_in=50, random_state=0, return_acceptance=True
    )
    assert 0.2 < acceptance < 0.4  # burn-in tunes the step toward 0.3 for "mh"
    assert X_new[:, 1].std() < X_new[:, 0].std()
    # chains started off the data move onto it
    X_init = np.tile([0.0, 1.0], (100, 1))
    X_new = ridge_dae.sample(
        100, method="mala", n_steps=50, burn_in=50, X_init=X_init, random_state=0
    )
    assert np.abs(X_new[:, 1]).mean() < 0.5


# -- ground truth ----------------------------------------------------------------------------


def test_score_matches_exact_smoothed_score(dae, data, density):
    # Tweedie: the DAE estimates the score of p convolved with N(0, sigma^2 I).
    # Measured 0.05 (vs 1.0 for predicting zero); the raw score of p is further (0.21).
    _, X_test = data
    S = dae.grad_log_density(X_test)
    rel_smoothed = fisher_divergence(density.smoothed(SIGMA).grad_log_density(X_test), S)
    rel_true = fisher_divergence(density.grad_log_density(X_test), S)
    assert rel_smoothed < 0.15
    assert rel_smoothed < rel_true


def test_hessian_is_jacobian_of_score(score_model, data):
    _, X_test = data
    X = X_test[:5]
    H = score_model.hessian_log_density(X)
    eps = 1e-5
    for j in range(2):
        step = np.zeros(2)
        step[j] = eps
        score = score_model.grad_log_density
        fd = (score(X + step) - score(X - step)) / (2 * eps)
        np.testing.assert_allclose(H[:, :, j], fd, rtol=1e-5, atol=1e-5)


def test_hessian_matches_exact_smoothed_hessian_at_mode(dae, density):
    # near an isolated component the smoothed Hessian is -I / (var + sigma^2)
    H = dae.hessian_log_density(np.array([[1.0, 0.5]]))[0]
    expected = -1.0 / (0.04 + SIGMA**2)
    assert np.all(np.abs(np.diag(H) - expected) < 0.35 * abs(expected))


def test_reconstruct_and_local_mean_follow_the_score(score_model, data):
    _, X_test = data
    X = X_test[:50]
    S = score_model.grad_log_density(X)
    np.testing.assert_allclose(score_model.reconstruct(X), X + SIGMA**2 * S, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(score_model.local_mean(X, 0.1), X + 0.1**2 / 4 * S, rtol=1e-10)


def test_energy_difference_matches_exact_log_density(dae, data, density):
    # MH-sized moves from data points (long paths through empty space are less accurate:
    # few training points lie there, thesis section 3.4.3)
    _, X_test = data
    X_from = X_test[:300]
    X_to = X_from + 0.3 * np.random.RandomState(1).randn(*X_from.shape)
    smoothed = density.smoothed(SIGMA)
    exact = smoothed.log_prob(X_from) - smoothed.log_prob(X_to)
    dE = dae.energy_difference(X_from, X_to, n_path_points=10)
    assert np.corrcoef(dE, exact)[0, 1] > 0.95
    assert np.median(np.abs(dE - exact)) < 0.25 * np.median(np.abs(exact))


def test_score_samples_ranks_like_the_true_density(dae, data, density):
    _, X_test = data
    far = X_test[:100] + 3.0
    log_p = dae.score_samples(np.vstack([X_test[:100], far]))
    assert log_p[:100].min() > log_p[100:].max() - 1.0
    assert np.mean(log_p[:100]) > np.mean(log_p[100:]) + 5


def test_tied_weights_score_samples_equals_path_integral(tied_dae, data):
    _, X_test = data
    X = X_test[:20]
    closed_form = tied_dae.score_samples(X)
    X_ref = np.broadcast_to(tied_dae.mean_, X.shape)
    path = -tied_dae.energy_difference(X_ref, X, n_path_points=30)
    np.testing.assert_allclose(closed_form, path, rtol=1e-6, atol=1e-6)
    H = tied_dae.hessian_log_density(X)
    np.testing.assert_allclose(H, np.swapaxes(H, 1, 2), atol=1e-10)


@pytest.mark.parametrize("method", ["mh", "mala", "langevin"])
def test_samples_land_on_the_support(dae, data, density, method):
    _, X_test = data
    samples, acceptance = dae.sample(
        300, method=method, n_steps=100, burn_in=100, random_state=0, return_acceptance=True
    )
    assert samples.shape == (300, 2)
    assert np.isfinite(samples).all()
    # the DAE models p_sigma: compare with p_sigma's own 1% quantile (exact samples: ~0.01)
    smoothed = density.smoothed(SIGMA)
    reference = smoothed.sample(2000, random_state=5)
    low = low_density_fraction(smoothed.log_prob(samples), smoothed.log_prob(reference))
    assert low < 0.05
    # chains moved away from their starting training points
    assert not np.allclose(samples, dae.sample(300, n_steps=1, burn_in=0, random_state=0))
    assert 0.05 < acceptance <= 1.0


def test_sample_is_reproducible_and_validates(score_model):
    a = score_model.sample(5, n_steps=10, burn_in=5, random_state=3)
    b = score_model.sample(5, n_steps=10, burn_in=5, random_state=3)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="method"):
        score_model.sample(5, method="gibbs")
    with pytest.raises(ValueError, match="X_init"):
        score_model.sample(5, X_init=np.zeros((3, 2)))
    with pytest.raises(ValueError, match="n_samples"):
        score_model.sample(0)


def test_score_is_minus_the_hyvarinen_loss(dae, data):
    _, X_test = data
    barely_trained = DenoisingAEScoreEstimator(sigma=SIGMA, max_epochs=1, **FAST).fit(X_test)
    H = barely_trained.hessian_log_density(X_test)
    S = barely_trained.grad_log_density(X_test)
    expected = -np.mean(np.trace(H, axis1=1, axis2=2) + 0.5 * (S**2).sum(1))
    assert barely_trained.score(X_test) == pytest.approx(expected, rel=1e-10)
    # Fisher divergence up to a constant: the trained model scores higher
    assert dae.score(X_test) > barely_trained.score(X_test) + 0.5


def test_score_uses_an_unbiased_trace_estimate_in_high_dimension():
    X = np.random.RandomState(0).randn(300, 70)
    # the residual field is far from zero after 2 epochs (4 steps), the energy network's not yet
    params = {**FAST, "hidden_layer_sizes": (16,), "parametrization": "residual"}
    est = DenoisingAEScoreEstimator(max_epochs=2, **params).fit(X)
    hutchinson = est.score(X)
    H = est.hessian_log_density(X)
    S = est.grad_log_density(X)
    exact = -np.mean(np.trace(H, axis1=1, axis2=2) + 0.5 * (S**2).sum(1))
    assert hutchinson != exact
    assert hutchinson == pytest.approx(exact, rel=0.05)
    assert est.score(X) == hutchinson  # fixed seed: deterministic


def test_gridsearch_over_sigma_in_pipeline_prefers_a_sensible_sigma(data):
    X, _ = data
    pipe = make_pipeline(FunctionTransformer(), DenoisingAEScoreEstimator(max_epochs=15, **FAST))
    grid = {"denoisingaescoreestimator__sigma": [0.05, 0.2, 2.0]}
    search = GridSearchCV(pipe, grid, cv=2).fit(X[:1000])
    scores = search.cv_results_["mean_test_score"]
    # sigma = 2 blurs three clusters of width <= 0.3 into one blob
    assert search.best_params_["denoisingaescoreestimator__sigma"] != 2.0
    assert scores[2] < max(scores[:2])


def test_transform_gives_the_code_layer(dae, data):
    X, _ = data
    codes = dae.transform(X[:10])
    assert codes.shape == (10, 64)
    assert np.abs(codes).max() <= 1.0  # tanh units
    assert list(dae.get_feature_names_out()) == [f"denoisingaescoreestimator{i}" for i in range(64)]


def test_float32_input_gives_float32_output(dae, data):
    X, _ = data
    X32 = X[:10].astype(np.float32)
    assert dae.grad_log_density(X32).dtype == np.float32
    assert dae.transform(X32).dtype == np.float32
    assert dae.score_samples(X32).dtype == np.float64


# -- sigma="auto" ----------------------------------------------------------------------------


def test_neighbour_distance_on_a_lattice():
    # rows 0, h, 2h, ... on a line: an interior row's 10th nearest distinct row is 5h away
    h = 0.1
    X = np.column_stack([np.arange(200) * h, np.full(200, 3.0)])
    assert _neighbour_distance(X) == pytest.approx(5 * h)
    # exact duplicates (binary or rounded data) are skipped, not counted as distance 0
    assert _neighbour_distance(np.vstack([X, X, X])) == pytest.approx(5 * h)
    # with fewer rows each uses its farthest one (0, h, 2h: 2h, h, 2h); identical rows give 0
    assert _neighbour_distance(X[:3]) == pytest.approx(2 * h)
    assert _neighbour_distance(np.ones((4, 2))) == 0.0
    # a fixed-seed subsample of 1000 rows: deterministic, and close to the full-data value
    for n in (5000, 50_000):  # above 10,000 rows a first subsample bounds the cost
        line = np.column_stack([np.random.RandomState(0).uniform(0, 1, n), np.zeros(n)])
        assert _neighbour_distance(line) == _neighbour_distance(line)
        assert _neighbour_distance(line) == pytest.approx(5 / 1000, rel=0.2)


def test_neighbour_scale_is_the_width_of_gaussian_noise():
    # rows differing by N(0, w^2) noise in d coordinates are about w sqrt(2 d) apart
    w = 0.05
    X = w * np.random.RandomState(0).randn(1000, 40)
    assert _neighbour_scale(X) == pytest.approx(w, rel=0.25)


@pytest.mark.parametrize(
    "estimator_class, factor, exponent", [(DenoisingAEScoreEstimator, 2.25, 0.5), (RCAE, 1.5, 1.0)]
)
def test_auto_sigma_follows_the_data_in_data_units(estimator_class, factor, exponent, data):
    X, _ = data
    est = estimator_class(max_epochs=1, **FAST).fit(X)
    assert est.sigma == "auto"
    assert est.sigma_ == pytest.approx(factor * _neighbour_scale(X) / 2**exponent)
    # sigma is a length in data units: scaling the data scales it
    assert clone(est).fit(10 * X).sigma_ == pytest.approx(10 * est.sigma_)
    # it depends on the data only, not on the seed
    assert clone(est).set_params(random_state=1).fit(X).sigma_ == est.sigma_
    # a float is used as given
    assert clone(est).set_params(sigma=SIGMA).fit(X).sigma_ == SIGMA
    # no distinct rows, no neighbour scale: the fallback
    assert clone(est).fit(np.ones((10, 2))).sigma_ == FALLBACK_SIGMA


def test_auto_sigma_rcae_is_smaller_than_dae_in_high_dimension():
    # measured: the DAE is best with the corruption about 2 widths long (sigma ~ w / sqrt(d)),
    # the RCAE with a penalty length shrinking like w / d
    X = 0.1 * np.random.RandomState(0).randn(500, 50)
    dae = DenoisingAEScoreEstimator(max_epochs=1, **FAST).fit(X)
    rcae = RCAE(max_epochs=1, **FAST).fit(X)
    assert 0.1 * 2.25 / np.sqrt(50) * 0.75 < dae.sigma_ < 0.1 * 2.25 / np.sqrt(50) * 1.25
    assert rcae.sigma_ == pytest.approx(dae.sigma_ * 1.5 / (2.25 * np.sqrt(50)))


def test_every_method_uses_the_resolved_sigma(estimator_class, data):
    # an "auto" fit is exactly the fit with sigma=sigma_: training and every method use sigma_
    X, X_test = data
    X_test = X_test[:30]
    auto = estimator_class(max_epochs=2, **FAST).fit(X[:500])
    fixed = estimator_class(sigma=auto.sigma_, max_epochs=2, **FAST).fit(X[:500])
    assert auto.sigma_ != SIGMA
    for method in ("grad_log_density", "reconstruct", "hessian_log_density", "score_samples"):
        np.testing.assert_array_equal(getattr(auto, method)(X_test), getattr(fixed, method)(X_test))
    assert auto.score(X_test) == fixed.score(X_test)
    np.testing.assert_array_equal(auto.local_mean(X_test, 0.1), fixed.local_mean(X_test, 0.1))
    kwargs = dict(n_steps=3, burn_in=2, random_state=0)
    np.testing.assert_array_equal(auto.sample(5, **kwargs), fixed.sample(5, **kwargs))
    # the reconstruction is x + sigma_^2 * score (thesis eq. 3.10)
    np.testing.assert_allclose(
        auto.reconstruct(X_test), X_test + auto.sigma_**2 * auto.grad_log_density(X_test)
    )
    # partial_fit resolves sigma on its first call and keeps it
    est = estimator_class(**FAST).partial_fit(X[:100])
    first = est.sigma_
    assert est.partial_fit(X).sigma_ == first


# -- persistence, determinism, training ------------------------------------------------------


def test_pickle_round_trip_is_bit_identical(score_model, data):
    _, X_test = data
    restored = pickle.loads(pickle.dumps(score_model))
    for method in ("grad_log_density", "transform", "score_samples", "hessian_log_density"):
        np.testing.assert_array_equal(
            getattr(restored, method)(X_test[:50]), getattr(score_model, method)(X_test[:50])
        )
    np.testing.assert_array_equal(
        restored.sample(10, n_steps=5, burn_in=5, random_state=0),
        score_model.sample(10, n_steps=5, burn_in=5, random_state=0),
    )


def test_models_pickled_before_sigma_auto_still_load(data):
    X, X_test = data
    est = DenoisingAEScoreEstimator(sigma=SIGMA, max_epochs=1, **FAST).fit(X[:200])
    expected = est.grad_log_density(X_test[:5])
    del est.sigma_  # what a model fitted by an earlier version holds
    restored = pickle.loads(pickle.dumps(est))
    assert restored.sigma_ == SIGMA
    np.testing.assert_array_equal(restored.grad_log_density(X_test[:5]), expected)


def test_same_seed_same_model_and_global_rng_untouched(estimator_class, data):
    X, X_test = data
    state = torch.random.get_rng_state()
    a = estimator_class(max_epochs=3, **FAST).fit(X[:500])
    b = clone(a).fit(X[:500])
    np.testing.assert_array_equal(a.grad_log_density(X_test), b.grad_log_density(X_test))
    a.sample(5, n_steps=3, burn_in=2, random_state=0)
    assert torch.equal(state, torch.random.get_rng_state())
    c = estimator_class(max_epochs=3, **{**FAST, "random_state": 1}).fit(X[:500])
    assert not np.allclose(a.grad_log_density(X_test), c.grad_log_density(X_test))


def test_partial_fit_trains_one_more_epoch_each_call(estimator_class, data):
    X, X_test = data
    est = estimator_class(sigma=SIGMA, **FAST)
    est.partial_fit(X)
    first = est.grad_log_density(X_test[:20])
    for _ in range(4):
        est.partial_fit(X)
    assert len(est.history_) == 5
    assert est.history_[-1, "train_loss"] < est.history_[0, "train_loss"]
    assert not np.allclose(first, est.grad_log_density(X_test[:20]))
    with pytest.raises(ValueError, match="features"):
        est.partial_fit(X[:, :1])


def test_fit_leaves_the_thread_count_to_the_user(data):
    # the thread policy: estimators never change torch's process-wide thread count; users
    # limit it, for instance around a fit with threadpoolctl
    from threadpoolctl import threadpool_limits

    X, _ = data
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        DenoisingAEScoreEstimator(max_epochs=1, **FAST).fit(X[:200])
        assert torch.get_num_threads() == 2
        with threadpool_limits(1):
            assert torch.get_num_threads() == 1
            RCAE(max_epochs=1, **FAST).fit(X[:200])
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


# -- bad input -------------------------------------------------------------------------------

METHODS_TAKING_X = [
    "grad_log_density",
    "hessian_log_density",
    "reconstruct",
    "score_samples",
    "score",
    "transform",
]


@pytest.mark.parametrize("method", METHODS_TAKING_X)
def test_wrong_width_is_rejected_at_every_method(score_model, method):
    with pytest.raises(ValueError, match="3 features"):
        getattr(score_model, method)(np.zeros((4, 3)))


def test_wrong_width_in_paired_methods(score_model):
    with pytest.raises(ValueError, match="features"):
        score_model.energy_difference(np.zeros((4, 3)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="same shape"):
        score_model.energy_difference(np.zeros((4, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="features"):
        score_model.local_mean(np.zeros((4, 3)), 0.1)
    with pytest.raises(ValueError, match="radius"):
        score_model.local_mean(np.zeros((4, 2)), -1.0)
    with pytest.raises(ValueError, match="features"):
        score_model.sample(2, X_init=np.zeros((2, 3)))


@pytest.mark.parametrize(
    "X, match",
    [
        (np.array([[0.0, np.nan], [1.0, 2.0]]), "NaN"),
        (np.array([[0.0, np.inf], [1.0, 2.0]]), "infinity"),
        (np.array([["a", "b"], ["c", "d"]]), "could not convert|dtype"),
        (np.zeros((2, 2, 2)), "dim 3"),
        (np.zeros((0, 2)), "0 sample"),
        (np.zeros((1, 2)), "1 sample"),
    ],
)
def test_bad_training_data(estimator_class, X, match):
    with pytest.raises(ValueError, match=match):
        estimator_class(**FAST).fit(X)


def test_nan_rejected_at_inference(score_model):
    with pytest.raises(ValueError, match="NaN"):
        score_model.grad_log_density(np.array([[0.0, np.nan]]))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"sigma": -1.0}, "sigma"),
        ({"sigma": "large"}, "'auto'"),
        ({"parametrization": "plain"}, "parametrization"),
        ({"activation": "gelu"}, "activation"),
        ({"hidden_layer_sizes": (8, 0)}, "hidden_layer_sizes"),
        ({"optimizer": "nadam"}, "optimizer"),
        ({"device": "tpu"}, "device"),
        ({"device": "cuda:7" if torch.cuda.is_available() else "cuda"}, "cuda"),
        ({"tied_weights": True, "hidden_layer_sizes": (8, 8)}, "one hidden layer"),
        ({"tied_weights": True, "hidden_layer_sizes": (8,), "activation": "silu"}, "closed"),
    ],
)
def test_invalid_parameters(params, match, data):
    X, _ = data
    est = DenoisingAEScoreEstimator(max_epochs=1, **{**FAST, **params})
    with pytest.raises(ValueError, match=match):
        est.fit(X[:50])
    assert not hasattr(est, "n_features_in_")


def test_unfitted_estimator_raises(data):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        DenoisingAEScoreEstimator().grad_log_density(data[0])
    with pytest.raises(NotFittedError):
        DenoisingAEScoreEstimator().sample(2)
