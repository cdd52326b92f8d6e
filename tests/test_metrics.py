"""Tests of skscore.metrics against closed forms, naive implementations and scipy."""

import numpy as np
import pytest
import scipy.stats
from numpy.testing import assert_allclose
from scipy.special import logsumexp

from skscore import DenoisingAEScoreEstimator, metrics
from skscore.datasets import GaussianMixtureDensity, spiral_density
from skscore.metrics import (
    curl_2d,
    energy_distance,
    fisher_divergence,
    jacobian_symmetricity,
    low_density_fraction,
    mmd,
    parzen_log_likelihood,
    symmetricity,
)


@pytest.fixture
def small_chunks(monkeypatch):
    """Force many small blocks so the streaming code paths are exercised."""
    monkeypatch.setattr(metrics, "_CHUNK_ROWS", 7)
    monkeypatch.setattr(metrics, "_CHUNK_CENTRES", 13)


def _gauss(n, d=2, shift=0.0, seed=0):
    return np.random.RandomState(seed).normal(size=(n, d)) + shift


# ---------------------------------------------------------------------------
# fisher_divergence
# ---------------------------------------------------------------------------


def test_fisher_divergence_reference_values():
    s = _gauss(100, 3)
    assert fisher_divergence(s, s) == 0.0
    assert fisher_divergence(s, np.zeros_like(s)) == pytest.approx(1.0)
    assert fisher_divergence(s, 2 * s) == pytest.approx(1.0)
    assert fisher_divergence(s, 0.5 * s) == pytest.approx(0.25)
    est = s + 0.1
    assert fisher_divergence(s, est, relative=False) == pytest.approx(0.03)


def test_fisher_divergence_of_smoothed_score_grows_with_sigma():
    density = spiral_density(width=0.02, n_components=60)
    X = density.sample(500, random_state=0)
    true = density.grad_log_density(X)
    errs = [
        fisher_divergence(true, density.smoothed(s).grad_log_density(X)) for s in (0.005, 0.02, 0.1)
    ]
    assert errs[0] < errs[1] < errs[2] < 1.0


@pytest.mark.parametrize(
    "a, b, kwargs",
    [
        (np.ones((3, 2)), np.ones((3, 3)), {}),
        (np.ones((3, 2)), np.ones((4, 2)), {}),
        (np.ones(3), np.ones(3), {}),
        ([[np.nan, 1.0]], [[1.0, 1.0]], {}),
        ([[1.0, 1.0]], [[np.inf, 1.0]], {}),
        (np.zeros((3, 2)), np.ones((3, 2)), {"relative": True}),
    ],
)
def test_fisher_divergence_bad_input(a, b, kwargs):
    with pytest.raises(ValueError):
        fisher_divergence(a, b, **kwargs)


# ---------------------------------------------------------------------------
# mmd and energy distance
# ---------------------------------------------------------------------------


def _naive_mmd(X, Y, h):
    def k(A, B):
        return np.exp(-((A[:, None] - B[None]) ** 2).sum(-1) / (2 * h * h))

    n, m = len(X), len(Y)
    kxx, kyy = k(X, X), k(Y, Y)
    return (
        (kxx.sum() - np.trace(kxx)) / (n * (n - 1))
        + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
        - 2 * k(X, Y).mean()
    )


def test_mmd_matches_naive_estimator(small_chunks):
    X, Y = _gauss(40, 3, seed=0), _gauss(55, 3, shift=0.4, seed=1)
    assert mmd(X, Y, bandwidth=0.8) == pytest.approx(_naive_mmd(X, Y, 0.8), rel=1e-10)
    pooled = np.vstack([X, Y])
    dist = np.sqrt(((pooled[:, None] - pooled[None]) ** 2).sum(-1))
    h = np.median(dist[np.triu_indices(len(pooled), 1)])
    assert mmd(X, Y) == pytest.approx(_naive_mmd(X, Y, h), rel=1e-10)


def test_mmd_distinguishes_shifted_gaussians():
    X = _gauss(300, 2, seed=0)
    same = mmd(X, _gauss(300, 2, seed=1))
    shifted = mmd(X, _gauss(300, 2, shift=1.0, seed=1))
    assert abs(same) < 0.01
    assert shifted > 0.1
    assert shifted > 10 * abs(same)


def test_energy_distance_matches_scipy_in_1d():
    x, y = _gauss(80, 1, seed=0), _gauss(60, 1, shift=0.5, seed=1)
    expected = scipy.stats.energy_distance(x[:, 0], y[:, 0]) ** 2
    assert energy_distance(x, y) == pytest.approx(expected, rel=1e-9)


def test_energy_distance_matches_naive_in_3d(small_chunks):
    X, Y = _gauss(30, 3, seed=0), _gauss(45, 3, shift=0.3, seed=1)

    def mean_dist(A, B):
        return np.sqrt(((A[:, None] - B[None]) ** 2).sum(-1)).mean()

    expected = 2 * mean_dist(X, Y) - mean_dist(X, X) - mean_dist(Y, Y)
    assert energy_distance(X, Y) == pytest.approx(expected, rel=1e-9)
    assert energy_distance(X, X) == pytest.approx(0.0, abs=1e-8)


def test_energy_distance_distinguishes_shifted_gaussians():
    X = _gauss(300, 2, seed=0)
    same = energy_distance(X, _gauss(300, 2, seed=1))
    shifted = energy_distance(X, _gauss(300, 2, shift=1.0, seed=1))
    assert same < 0.03
    assert shifted > 0.5


@pytest.mark.parametrize("fn", [mmd, energy_distance])
def test_two_sample_bad_input(fn):
    with pytest.raises(ValueError, match="features"):
        fn(np.ones((5, 2)), np.ones((5, 3)))
    with pytest.raises(ValueError):
        fn(np.ones((5, 2)), [[np.nan, 1.0]] * 3)
    with pytest.raises(ValueError):
        fn(np.ones(5), np.ones(5))


def test_mmd_bad_bandwidth_and_too_few_samples():
    with pytest.raises(ValueError, match="bandwidth"):
        mmd(_gauss(5), _gauss(5), bandwidth=0.0)
    with pytest.raises(ValueError):
        mmd(_gauss(1), _gauss(5))


# ---------------------------------------------------------------------------
# parzen_log_likelihood
# ---------------------------------------------------------------------------


def _naive_parzen(centres, X, h):
    sq = ((X[:, None] - centres[None]) ** 2).sum(-1)
    d = X.shape[1]
    ll = logsumexp(-sq / (2 * h * h), axis=1) - np.log(len(centres))
    return (ll - 0.5 * d * np.log(2 * np.pi * h * h)).mean()


@pytest.mark.parametrize("h", [0.01, 0.3, 5.0])
def test_parzen_matches_naive(small_chunks, h):
    centres, X = _gauss(60, 4, seed=0), _gauss(25, 4, seed=1)
    assert parzen_log_likelihood(centres, X, bandwidth=h) == pytest.approx(
        _naive_parzen(centres, X, h), rel=1e-10
    )


def test_parzen_bandwidth_selection_is_the_grid_argmax(small_chunks):
    centres, X_valid, X = _gauss(80, 2, seed=0), _gauss(40, 2, seed=1), _gauss(30, 2, seed=2)
    ll, h = parzen_log_likelihood(centres, X, X_valid=X_valid, return_bandwidth=True)
    assert ll == pytest.approx(_naive_parzen(centres, X, h), rel=1e-10)
    scale = metrics._nearest_neighbour_scale(centres)
    grid = scale * 10.0 * 2.0 ** (-0.5 * np.arange(21))
    assert grid[-1] / scale == pytest.approx(0.00977, rel=1e-3)
    valid = [_naive_parzen(centres, X_valid, g) for g in grid]
    assert h == pytest.approx(grid[int(np.argmax(valid))])


def test_parzen_prefers_samples_from_the_true_density():
    density = spiral_density(width=0.02, n_components=60)
    X_valid = density.sample(300, random_state=1)
    X_test = density.sample(300, random_state=2)
    good = density.sample(2000, random_state=0)
    blurred = density.smoothed(0.1).sample(2000, random_state=0)
    ll_good = parzen_log_likelihood(good, X_test, X_valid=X_valid)
    ll_bad = parzen_log_likelihood(blurred, X_test, X_valid=X_valid)
    assert ll_good > ll_bad + 0.5


def test_parzen_warns_at_grid_edge():
    centres = _gauss(50, 2, seed=0)
    far = _gauss(20, 2, shift=1e3, seed=1)
    with pytest.warns(UserWarning, match="edge of the grid"):
        parzen_log_likelihood(centres, far, X_valid=far)


def test_parzen_bad_input():
    centres = _gauss(20, 2)
    with pytest.raises(ValueError, match="X_valid"):
        parzen_log_likelihood(centres, centres)
    with pytest.raises(ValueError, match="bandwidth"):
        parzen_log_likelihood(centres, centres, bandwidth=-1.0)
    with pytest.raises(ValueError, match="features"):
        parzen_log_likelihood(centres, _gauss(5, 3), bandwidth=1.0)
    with pytest.raises(ValueError, match="features"):
        parzen_log_likelihood(centres, centres, X_valid=_gauss(5, 3))
    with pytest.raises(ValueError):
        parzen_log_likelihood(centres, [[np.nan, 0.0]], bandwidth=1.0)


# ---------------------------------------------------------------------------
# low_density_fraction
# ---------------------------------------------------------------------------


def test_low_density_fraction_true_vs_far_samples():
    density = spiral_density(width=0.02, n_components=60)
    data = density.log_prob(density.sample(5000, random_state=0))
    true = density.log_prob(density.sample(5000, random_state=1))
    assert low_density_fraction(true, data, q=0.01) < 0.03
    far = density.log_prob(density.sample(500, random_state=2) + 2.0)
    assert low_density_fraction(far, data) == 1.0
    blur = density.log_prob(density.smoothed(0.05).sample(2000, random_state=3))
    assert 0.3 < low_density_fraction(blur, data) < 0.95
    assert low_density_fraction([-np.inf, 1.0], [0.0, 1.0, 2.0], q=0.5) == 0.5


@pytest.mark.parametrize(
    "a, b, q",
    [
        ([0.0, np.nan], [0.0, 1.0], 0.1),
        ([0.0], [0.0, np.inf], 0.1),
        ([], [0.0, 1.0], 0.1),
        ([[0.0]], [0.0, 1.0], 0.1),
        ([0.0], [0.0, 1.0], 0.0),
        ([0.0], [0.0, 1.0], 1.0),
    ],
)
def test_low_density_fraction_bad_input(a, b, q):
    with pytest.raises(ValueError):
        low_density_fraction(a, b, q=q)


# ---------------------------------------------------------------------------
# symmetricity
# ---------------------------------------------------------------------------


def test_symmetricity_reference_values():
    rng = np.random.RandomState(0)
    B = rng.normal(size=(4, 4))
    S, K = B + B.T, B - B.T
    assert symmetricity(S) == pytest.approx(1.0)
    assert symmetricity(K) == pytest.approx(0.0)
    # ||I||^2 = 4 and ||K||^2 are orthogonal parts
    expected = 4 / (4 + (K**2).sum())
    assert symmetricity(np.eye(4) + K) == pytest.approx(expected)
    assert 0 < expected < 1
    assert symmetricity(np.zeros((3, 3))) == 1.0
    stack = np.stack([S, K, np.eye(4) + K])
    assert_allclose(symmetricity(stack), [1.0, 0.0, expected], atol=1e-12)
    assert symmetricity(stack).shape == (3,)


@pytest.mark.parametrize(
    "A", [np.ones((2, 3)), np.ones(3), np.ones((2, 2, 3)), np.ones((1, 1, 2, 2)), [[np.nan]]]
)
def test_symmetricity_bad_input(A):
    with pytest.raises(ValueError):
        symmetricity(A)


class _Linear:
    def __init__(self, A):
        self.A = A

    def predict(self, X):
        return X @ self.A.T


class _Potential:
    """Gradient of sum(log cosh(W x)): a conservative nonlinear field."""

    def __init__(self, W):
        self.W = W

    def predict(self, X):
        return np.tanh(X @ self.W.T) @ self.W


def test_jacobian_symmetricity_of_linear_map():
    A = np.random.RandomState(0).normal(size=(5, 5))
    X = _gauss(20, 5, seed=1)
    assert_allclose(jacobian_symmetricity(_Linear(A), X), symmetricity(A), rtol=1e-6)
    # constant feature and a single row use a unit step
    X[:, 2] = 3.0
    assert_allclose(jacobian_symmetricity(_Linear(A), X), symmetricity(A), rtol=1e-6)
    assert_allclose(jacobian_symmetricity(_Linear(A), X[:1], eps=1e-5), symmetricity(A), rtol=1e-6)


def test_jacobian_symmetricity_of_gradient_field_is_one():
    W = np.random.RandomState(0).normal(size=(8, 4))
    X = _gauss(15, 4, seed=1)
    assert_allclose(jacobian_symmetricity(_Potential(W), X), 1.0, rtol=1e-6)


def test_jacobian_symmetricity_uses_an_exact_jacobian_when_there_is_one():
    A = np.array([[1.0, 2.0], [0.0, 1.0]])
    X = _gauss(6, 2)

    class WithJacobian(_Linear):
        _field_methods = ("predict", "jacobian", None)

        def predict(self, X):
            raise AssertionError("the field must not be differentiated numerically")

        def jacobian(self, X):
            return np.broadcast_to(np.eye(2), (len(X), 2, 2))

    assert_allclose(jacobian_symmetricity(_Linear(A), X), symmetricity(A), rtol=1e-6)
    assert_allclose(jacobian_symmetricity(WithJacobian(A), X), 1.0)


def test_jacobian_symmetricity_bad_input():
    X = _gauss(4, 3)
    with pytest.raises(ValueError, match="same shape"):
        jacobian_symmetricity(_Linear(np.ones((2, 3))), X)

    class Potential:
        def predict(self, X):
            return X.sum(axis=1)

    with pytest.raises(ValueError, match="same shape"):
        jacobian_symmetricity(Potential(), X)

    class BadJacobian:
        _field_methods = ("field", "jacobian", None)

        def field(self, X):
            return X

        def jacobian(self, X):
            return np.zeros((len(X), 3))

    with pytest.raises(ValueError, match="Jacobian"):
        jacobian_symmetricity(BadJacobian(), X)
    with pytest.raises(TypeError):
        jacobian_symmetricity(object(), X)
    with pytest.raises(ValueError):
        jacobian_symmetricity(_Linear(np.eye(3)), X, eps=0.0)
    with pytest.raises(ValueError):
        jacobian_symmetricity(_Linear(np.eye(3)), [[np.nan, 0.0, 0.0]])


def test_metrics_accept_mixture_ground_truth():
    # end to end: the exact score of a density vs a blurred estimate
    density = GaussianMixtureDensity([[0.0, 0.0], [3.0, 0.0]], [0.5, 0.2])
    X = density.sample(400, random_state=0)
    rel = fisher_divergence(density.grad_log_density(X), density.smoothed(0.3).grad_log_density(X))
    assert 0.05 < rel < 1.0


# -- 2-D curl --------------------------------------------------------------------------


def _rotation(X):
    return np.column_stack([-X[:, 1], X[:, 0]])


def test_curl_2d_of_known_fields():
    bounds = (-1.0, 2.0, -1.0, 1.0)
    GX, GY, curl = curl_2d(_rotation, bounds, grid_size=7)
    assert GX.shape == GY.shape == curl.shape == (7, 7)
    np.testing.assert_allclose(curl, 2.0)
    assert GX[0, -1] == 2.0 and GY[-1, 0] == 1.0
    # (y^2, 0) has curl -2y; second-order differences are exact on quadratics
    _, GY, curl = curl_2d(lambda X: np.column_stack([X[:, 1] ** 2, 0 * X[:, 0]]), bounds, 9)
    np.testing.assert_allclose(curl, -2 * GY, atol=1e-12)
    # a conservative field with an exact Jacobian: the curl is exactly zero
    _, _, curl = curl_2d(GaussianMixtureDensity([[0.0, 0.0]], [[1.0, 0.5]]), bounds, 5)
    np.testing.assert_allclose(curl, 0.0, atol=1e-12)


def test_curl_2d_and_symmetricity_of_a_dae():
    X = np.random.RandomState(0).normal(size=(300, 2))
    dae = DenoisingAEScoreEstimator(
        sigma=0.3,
        parametrization="autoencoder",
        hidden_layer_sizes=(16,),
        max_epochs=2,
        device="cpu",
        random_state=0,
    ).fit(X)
    _, _, curl = curl_2d(dae, (-1, 1, -1, 1), grid_size=5)
    assert curl.shape == (5, 5) and np.all(np.isfinite(curl))
    sym = jacobian_symmetricity(dae, X[:10])
    assert sym.shape == (10,) and np.all((sym >= 0) & (sym <= 1))


@pytest.mark.parametrize(
    "args",
    [
        ((-1, 1, 1, -1), 5),
        ((-1, 1, -1), 5),
        ((-1, np.nan, -1, 1), 5),
        ((-1, 1, -1, 1), 2),
        ((-1, 1, -1, 1), 5.0),
    ],
)
def test_curl_2d_bad_input(args):
    with pytest.raises(ValueError):
        curl_2d(_rotation, *args)


def test_curl_2d_rejects_non_2d_fields():
    with pytest.raises(ValueError, match="2"):
        curl_2d(lambda X: X[:, :1], (-1, 1, -1, 1), 5)
    with pytest.raises(TypeError):
        curl_2d(object(), (-1, 1, -1, 1), 5)


def test_scikit_learn_density_estimators_are_fields_through_score_samples():
    # GaussianMixture also has predict (cluster labels): the field must come from score_samples
    from sklearn.mixture import GaussianMixture

    from skscore._core.fields import as_field

    density = GaussianMixtureDensity([[0.0, 0.0], [3.0, 0.0]], [0.5, 0.2])
    gmm = GaussianMixture(2, random_state=0).fit(density.sample(2000, random_state=0))
    exact = GaussianMixtureDensity(gmm.means_, gmm.covariances_, gmm.weights_)
    X = density.sample(50, random_state=1)
    field = as_field(gmm)
    np.testing.assert_allclose(field.gradient(X), exact.grad_log_density(X), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(field.log_density(X), exact.log_prob(X), rtol=1e-10)


# ---------------------------------------------------------------------------
# moved from the docstring examples (same data, seeds and tolerances)
# ---------------------------------------------------------------------------


def _two_standard_normal_samples():
    rng = np.random.RandomState(0)
    return rng.normal(size=(200, 2)), rng.normal(size=(200, 2))


def test_mmd_example_same_law_is_small_and_a_shift_is_large():
    X, Y = _two_standard_normal_samples()
    assert abs(mmd(X, Y)) < 0.02
    assert mmd(X, Y + 2.0) > 0.2


def test_energy_distance_example_same_law_is_small_and_a_shift_is_large():
    X, Y = _two_standard_normal_samples()
    assert energy_distance(X, Y) < 0.05
    assert energy_distance(X, Y + 2.0) > 1.0


def test_parzen_example_selected_bandwidth_and_likelihood_are_plausible_and_reusable():
    rng = np.random.RandomState(0)
    samples, X_valid, X = (rng.normal(size=(n, 2)) for n in (1000, 200, 200))
    ll, h = parzen_log_likelihood(samples, X, X_valid=X_valid, return_bandwidth=True)
    assert -3.2 < ll < -2.6
    assert 0.05 < h < 1.0
    assert round(parzen_log_likelihood(samples, X, bandwidth=h), 6) == round(ll, 6)
