"""Tests of skscore.datasets against closed forms and scipy."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from skscore.datasets import (
    GaussianMixtureDensity,
    load_binary_digits,
    make_manifold,
    make_spiral,
    manifold_density,
    random_mixture_density,
    spiral_density,
)


def _random_spd(rng, d, k):
    A = rng.normal(size=(k, d, d))
    return A @ np.swapaxes(A, 1, 2) / d + 0.3 * np.eye(d)


def _mixture(cov_kind, rng=None):
    """A 3-component mixture in 3-D with covariances given in the requested format."""
    rng = np.random.RandomState(0) if rng is None else rng
    k, d = 3, 3
    means = 1.5 * rng.normal(size=(k, d))
    covs = {
        "scalar": 0.7,
        "isotropic": np.array([0.4, 0.9, 1.6]),
        "diagonal": rng.uniform(0.3, 1.5, size=(k, d)),
        "full": _random_spd(rng, d, k),
    }[cov_kind]
    weights = np.array([0.2, 0.5, 0.3])
    return GaussianMixtureDensity(means, covs, weights), means, covs, weights


def _full(covs, k, d):
    covs = np.asarray(covs, dtype=float)
    if covs.ndim == 0:
        return np.broadcast_to(covs * np.eye(d), (k, d, d))
    if covs.ndim == 1:
        return covs[:, None, None] * np.eye(d)
    if covs.ndim == 2:
        return np.stack([np.diag(c) for c in covs])
    return covs


COV_KINDS = ["scalar", "isotropic", "diagonal", "full"]


# ---------------------------------------------------------------------------
# generators
# ---------------------------------------------------------------------------


def test_make_spiral_lies_on_the_corrected_curve():
    X = make_spiral(500, random_state=0)
    assert X.shape == (500, 2) and X.dtype == np.float64
    t = np.linalg.norm(X, axis=1) / 0.04
    assert t.min() >= 3.0 and t.max() <= 12.0
    assert_allclose(X, np.column_stack([0.04 * t * np.sin(t), 0.04 * t * np.cos(t)]), atol=1e-12)
    # t ~ U(3, 12)
    assert abs(t.mean() - 7.5) < 0.3


def test_make_spiral_noise_and_seed():
    clean = make_spiral(4000, random_state=1)
    noisy = make_spiral(4000, noise=0.05, random_state=1)
    assert_array_equal(make_spiral(10, noise=0.1, random_state=3), make_spiral(10, 0.1, 3))
    residual = noisy - clean  # same t, noise added on top
    assert abs(residual.std() - 0.05) < 0.003
    assert abs(residual.mean()) < 0.003


def test_make_manifold_is_one_fixed_curve():
    X = make_manifold(300, n_features=10, noise=0.0, random_state=0)
    assert X.shape == (300, 10)
    assert 1.3 < np.abs(X).max() <= 1.401
    # a different seed draws other points of the same curve
    Y = make_manifold(300, n_features=10, noise=0.0, random_state=1)
    curve = manifold_density(n_features=10, width=0.05, n_components=4000).means
    dist = np.sqrt(((Y[:, None] - curve[None]) ** 2).sum(-1)).min(axis=1)
    assert dist.max() < 0.01
    dist = np.sqrt(((X[:, None] - curve[None]) ** 2).sum(-1)).min(axis=1)
    assert dist.max() < 0.01
    # lower-dimensional curves are the leading coordinates of higher ones
    Z = make_manifold(50, n_features=20, noise=0.0, random_state=0)
    assert_allclose(Z[:, :10], X[:50])


def test_make_manifold_is_curved_in_pairwise_projections():
    X = make_manifold(2000, n_features=10, noise=0.0, random_state=0)
    for k in range(9):
        eig = np.linalg.eigvalsh(np.cov(X[:, k : k + 2].T))
        # an open loop, not a segment: both principal variances are substantial
        assert eig[0] / eig[1] > 0.1
        # and not an ellipse through the centre: a straight fit leaves large residuals
        P = X[:, k : k + 2]
        coef, res, *_ = np.linalg.lstsq(np.c_[P[:, :1], np.ones(len(P))], P[:, 1], rcond=None)
        assert res[0] / len(P) > 0.05


def test_make_manifold_noise():
    clean = make_manifold(3000, n_features=5, noise=0.0, random_state=2)
    noisy = make_manifold(3000, n_features=5, noise=0.1, random_state=2)
    assert abs((noisy - clean).std() - 0.1) < 0.005


def test_load_binary_digits():
    bunch = load_binary_digits()
    assert bunch.data.shape == (1797, 64) and bunch.data.dtype == np.float64
    assert set(np.unique(bunch.data)) == {0.0, 1.0}
    assert_array_equal(bunch.images.reshape(-1, 64), bunch.data)
    from sklearn.datasets import load_digits

    raw = load_digits()
    assert_array_equal(bunch.target, raw.target)
    assert_array_equal(bunch.data, (raw.data >= 8).astype(float))
    assert "Binarised" in bunch.DESCR
    X, y = load_binary_digits(return_X_y=True)
    assert_array_equal(X, bunch.data)
    assert_array_equal(y, bunch.target)


@pytest.mark.parametrize(
    "call",
    [
        lambda: make_spiral(0),
        lambda: make_spiral(10.5),
        lambda: make_spiral(10, noise=-1.0),
        lambda: make_spiral(10, noise=np.nan),
        lambda: make_manifold(10, n_features=1),
        lambda: make_manifold(10, noise=-0.1),
        lambda: load_binary_digits(return_X_y="yes"),
        lambda: spiral_density(width=0.0),
        lambda: spiral_density(n_components=0),
        lambda: manifold_density(n_features=1),
        lambda: random_mixture_density(rank=-1),
    ],
)
def test_generators_reject_bad_arguments(call):
    with pytest.raises(ValueError):
        call()


# ---------------------------------------------------------------------------
# GaussianMixtureDensity
# ---------------------------------------------------------------------------


def test_single_component_matches_scipy():
    rng = np.random.RandomState(0)
    mean = rng.normal(size=4)
    cov = _random_spd(rng, 4, 1)[0]
    density = GaussianMixtureDensity(mean[None], cov[None])
    X = rng.normal(size=(50, 4)) * 2
    assert_allclose(density.log_prob(X), multivariate_normal(mean, cov).logpdf(X), rtol=1e-10)
    assert_allclose(density.grad_log_density(X), -np.linalg.solve(cov, (X - mean).T).T, rtol=1e-9)


@pytest.mark.parametrize("cov_kind", COV_KINDS)
def test_log_prob_matches_manual_sum(cov_kind):
    density, means, covs, weights = _mixture(cov_kind)
    full = _full(covs, 3, 3)
    assert_allclose(density.covariances, full)
    X = np.random.RandomState(1).normal(size=(40, 3)) * 2
    comps = [multivariate_normal(m, c).logpdf(X) for m, c in zip(means, full, strict=True)]
    expected = logsumexp(np.log(weights)[:, None] + np.array(comps), axis=0)
    assert_allclose(density.log_prob(X), expected, rtol=1e-10)


def test_log_prob_integrates_to_one():
    density = GaussianMixtureDensity(
        [[0.0, 0.0], [2.0, 1.0]], [[[0.5, 0.2], [0.2, 0.3]], [[0.2, 0.0], [0.0, 0.6]]], [1, 3]
    )
    grid = np.linspace(-5, 7, 401)
    xx, yy = np.meshgrid(grid, grid)
    p = np.exp(density.log_prob(np.c_[xx.ravel(), yy.ravel()]))
    assert_allclose(p.sum() * (grid[1] - grid[0]) ** 2, 1.0, rtol=1e-6)


@pytest.mark.parametrize("cov_kind", COV_KINDS)
def test_score_is_gradient_of_log_prob(cov_kind):
    density = _mixture(cov_kind)[0]
    X = np.random.RandomState(2).normal(size=(30, 3)) * 1.5
    h = 1e-5
    fd = np.empty_like(X)
    for j in range(3):
        e = np.zeros(3)
        e[j] = h
        fd[:, j] = (density.log_prob(X + e) - density.log_prob(X - e)) / (2 * h)
    assert_allclose(density.grad_log_density(X), fd, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cov_kind", ["isotropic", "full"])
def test_far_points_stay_finite(cov_kind):
    density = _mixture(cov_kind)[0]
    X = np.array([[300.0, -200.0, 100.0], [1e4, 0.0, 0.0]])
    log_p, score = density.log_prob(X), density.grad_log_density(X)
    assert np.all(np.isfinite(log_p)) and np.all(np.isfinite(score))
    assert np.all(log_p < -1e3)
    # far away the score points back toward the mixture
    assert np.all(np.einsum("ij,ij->i", score, X) < 0)


def test_isotropic_fast_path_agrees_with_general_path():
    rng = np.random.RandomState(3)
    means = rng.normal(size=(20, 5))
    var = rng.uniform(0.1, 1.0, size=20)
    iso = GaussianMixtureDensity(means, var)
    # a tiny off-diagonal entry disables the fast path without changing the density
    full = var[:, None, None] * np.eye(5)
    full[:, 0, 1] = full[:, 1, 0] = 1e-13
    general = GaussianMixtureDensity(means, full)
    assert iso._iso_var is not None and general._iso_var is None
    X = rng.normal(size=(100, 5)) * 2
    assert_allclose(iso.log_prob(X), general.log_prob(X), rtol=1e-9)
    assert_allclose(iso.grad_log_density(X), general.grad_log_density(X), rtol=1e-7, atol=1e-9)


def test_smoothed_adds_variance_and_is_the_convolution():
    density = _mixture("full")[0]
    sigma = 0.6
    smooth = density.smoothed(sigma)
    assert_allclose(smooth.covariances, density.covariances + sigma**2 * np.eye(3))
    assert_allclose(smooth.weights, density.weights)
    assert_allclose(
        density.smoothed(0.0).log_prob(np.ones((1, 3))), density.log_prob(np.ones((1, 3)))
    )
    # Monte-Carlo convolution: p_sigma(x) = E_{y ~ p} N(x; y, sigma^2 I)
    Y = density.sample(40000, random_state=0)
    X = np.array([[0.0, 0.0, 0.0], [1.0, -0.5, 0.5], [2.0, 1.0, -1.0]])
    sq = ((X[:, None] - Y[None]) ** 2).sum(-1)
    mc = np.exp(-sq / (2 * sigma**2)).mean(axis=1) / (2 * np.pi * sigma**2) ** 1.5
    assert_allclose(np.exp(smooth.log_prob(X)), mc, rtol=0.05)


def test_smoothed_score_gives_tweedie_denoiser():
    # E[x | x + sigma eps = x_t] = x_t + sigma^2 grad log p_sigma(x_t) (Tweedie)
    density = GaussianMixtureDensity([[-1.0], [1.0]], 0.1)
    sigma = 0.5
    rng = np.random.RandomState(0)
    X = density.sample(200000, random_state=rng)
    X_t = X + sigma * rng.normal(size=X.shape)
    near = np.abs(X_t[:, 0] - 0.3) < 0.01
    expected = 0.3 + sigma**2 * density.smoothed(sigma).grad_log_density([[0.3]])[0, 0]
    assert abs(X[near, 0].mean() - expected) < 0.03


def test_sample_moments():
    rng = np.random.RandomState(0)
    mean = np.array([1.0, -2.0, 0.5])
    cov = _random_spd(rng, 3, 1)[0]
    X = GaussianMixtureDensity(mean[None], cov[None]).sample(20000, random_state=0)
    assert X.shape == (20000, 3)
    assert_allclose(X.mean(axis=0), mean, atol=0.03)
    assert_allclose(np.cov(X.T), cov, atol=0.05)

    density, means, covs, weights = _mixture("diagonal")
    X = density.sample(30000, random_state=1)
    assert_allclose(X.mean(axis=0), weights @ means, atol=0.05)
    full = _full(covs, 3, 3)
    centred = means - weights @ means
    total_cov = np.einsum("k,kij->ij", weights, full) + np.einsum(
        "k,ki,kj->ij", weights, centred, centred
    )
    assert_allclose(np.cov(X.T), total_cov, atol=0.1)


def test_sample_is_reproducible_and_shuffled():
    density = _mixture("scalar")[0]
    assert_array_equal(density.sample(50, random_state=4), density.sample(50, random_state=4))
    X = density.sample(300, random_state=5)
    # rows are not grouped by component: the nearest mean changes often along the rows
    labels = np.argmin(((X[:, None] - density.means[None]) ** 2).sum(-1), axis=1)
    assert np.count_nonzero(np.diff(labels)) > 100


def test_properties_and_read_only():
    density = _mixture("full")[0]
    assert density.n_components == 3 and density.n_features == 3
    assert_allclose(density.weights.sum(), 1.0)
    assert "n_components=3" in repr(density)
    with pytest.raises(ValueError):
        density.means[0, 0] = 1.0


def test_weights_are_normalised():
    a = GaussianMixtureDensity([[0.0], [1.0]], 1.0, weights=[1.0, 3.0])
    b = GaussianMixtureDensity([[0.0], [1.0]], 1.0, weights=[0.25, 0.75])
    assert_allclose(a.weights, [0.25, 0.75])
    assert_allclose(a.log_prob([[0.3]]), b.log_prob([[0.3]]))


@pytest.mark.parametrize(
    "means, covariances, weights, match",
    [
        ([0.0, 1.0], 1.0, None, "2-D"),
        ([[0.0, np.nan]], 1.0, None, "finite"),
        ([[0.0, 0.0]], -1.0, None, "> 0"),
        ([[0.0, 0.0], [1.0, 1.0]], [1.0, 1.0, 1.0], None, "n_components"),
        ([[0.0, 0.0]], [1.0, 1.0], None, "diagonal"),
        ([[0.0, 0.0]], [[1.0, -1.0]], None, "> 0"),
        ([[0.0, 0.0]], [[[1.0, 0.5], [0.0, 1.0]]], None, "symmetric"),
        ([[0.0, 0.0]], [[[1.0, 2.0], [2.0, 1.0]]], None, "positive definite"),
        ([[0.0, 0.0]], np.ones((1, 3, 3)), None, "3-D"),
        ([[0.0, 0.0]], np.ones((1, 2, 2, 2)), None, "ndim"),
        ([[0.0], [1.0]], 1.0, [1.0], "weights"),
        ([[0.0], [1.0]], 1.0, [1.0, -1.0], "weights"),
        ([[0.0], [1.0]], 1.0, [1.0, 0.0], "weights"),
        ([["a"]], 1.0, None, "numeric"),
    ],
)
def test_invalid_mixture_parameters(means, covariances, weights, match):
    with pytest.raises(ValueError, match=match):
        GaussianMixtureDensity(means, covariances, weights)


def test_invalid_evaluation_input():
    density = _mixture("full")[0]
    for method in (density.log_prob, density.grad_log_density):
        with pytest.raises(ValueError, match="features"):
            method(np.zeros((2, 4)))
        with pytest.raises(ValueError):
            method(np.zeros(3))
        with pytest.raises(ValueError):
            method([[0.0, np.nan, 0.0]])
        with pytest.raises(ValueError):
            method(np.zeros((0, 3)))
    with pytest.raises(ValueError):
        density.sample(0)
    with pytest.raises(ValueError):
        density.smoothed(-0.1)


# ---------------------------------------------------------------------------
# stand-in densities
# ---------------------------------------------------------------------------


def test_spiral_density_matches_make_spiral():
    density = spiral_density(width=0.02)
    t = np.linalg.norm(density.means, axis=1) / 0.04
    assert_allclose(t, np.linspace(3, 12, density.n_components))
    # consecutive means at most 1.5 widths apart: smooth along the curve
    assert np.linalg.norm(np.diff(density.means, axis=0), axis=1).max() <= 1.5 * 0.02
    data = make_spiral(3000, noise=0.02, random_state=0)
    own = density.sample(3000, random_state=0)
    assert abs(density.log_prob(data).mean() - density.log_prob(own).mean()) < 0.15
    assert_allclose(data.mean(axis=0), own.mean(axis=0), atol=0.02)
    assert_allclose(np.cov(data.T), np.cov(own.T), atol=0.005)
    assert spiral_density(n_components=100).n_components == 100


def test_manifold_density_matches_make_manifold():
    density = manifold_density(n_features=10, width=0.05)
    assert density.n_features == 10
    gaps = np.linalg.norm(np.diff(density.means, axis=0, append=density.means[:1]), axis=1)
    assert gaps.max() <= 1.5 * 0.05  # closed curve, smooth along it
    data = make_manifold(2000, n_features=10, noise=0.05, random_state=0)
    own = density.sample(2000, random_state=0)
    assert abs(density.log_prob(data).mean() - density.log_prob(own).mean()) < 0.3
    assert manifold_density(n_features=3, n_components=50).n_components == 50


def test_random_mixture_density_structure():
    density = random_mixture_density(n_features=20, n_components=4, rank=2, width=0.1)
    assert density.n_components == 4 and density.n_features == 20
    eig = np.linalg.eigvalsh(density.covariances)
    # U U^T + width^2 I: d - rank eigenvalues equal width^2, rank of them larger
    assert_allclose(eig[:, :-2], 0.01, rtol=1e-8)
    assert np.all(eig[:, -2:] > 0.05)
    gaps = np.linalg.norm(density.means[:, None] - density.means[None], axis=-1)
    assert gaps[np.triu_indices(4, 1)].min() > 4 * np.sqrt(eig.max())
    again = random_mixture_density(n_features=20, n_components=4, rank=2, width=0.1)
    assert_array_equal(density.means, again.means)
    other = random_mixture_density(n_features=20, n_components=4, random_state=1)
    assert not np.allclose(density.means, other.means)


def test_score_is_a_deprecated_alias_of_grad_log_density():
    density = _mixture("full")[0]
    X = density.sample(3, random_state=0)
    with pytest.warns(FutureWarning, match="grad_log_density"):
        np.testing.assert_array_equal(density.score(X), density.grad_log_density(X))


# ---------------------------------------------------------------------------
# moved from the docstring examples (same data, seeds and tolerances)
# ---------------------------------------------------------------------------

_TWO = [[0.0, 0.0], [4.0, 0.0]]


def test_make_manifold_default_noise_stays_near_the_curve():
    X = make_manifold(n_samples=200, n_features=10, random_state=0)
    assert abs(X).max() < 1.7


def test_means_are_read_only_and_sizes_match_the_samples():
    density = GaussianMixtureDensity(means=_TWO, covariances=1.0)
    assert_array_equal(density.means, [[0.0, 0.0], [4.0, 0.0]])
    assert not density.means.flags.writeable
    assert density.n_components == 2
    assert density.n_features == 2
    assert density.sample(5, random_state=0).shape[1] == density.n_features


def test_log_prob_of_standard_normal_at_its_mean_riemann_sum_and_far_points():
    standard = GaussianMixtureDensity(means=[[0.0, 0.0]], covariances=1.0)
    assert np.isclose(standard.log_prob([[0.0, 0.0]])[0], -np.log(2 * np.pi))
    density = GaussianMixtureDensity(_TWO, covariances=[1.0, 0.5])
    h = 0.05
    u, v = np.meshgrid(np.arange(-8, 12, h), np.arange(-8, 8, h))
    grid = np.column_stack([u.ravel(), v.ravel()])
    assert round(float(np.exp(density.log_prob(grid)).sum() * h**2), 4) == 1.0
    assert np.isfinite(density.log_prob([[1e3, 1e3]])).all()


def test_grad_log_density_matches_central_differences_and_a_single_component():
    density = GaussianMixtureDensity(_TWO, covariances=[1.0, 0.5])
    X = density.sample(5, random_state=0)
    h = 1e-5
    finite_diff = np.column_stack(
        [(density.log_prob(X + h * e) - density.log_prob(X - h * e)) / (2 * h) for e in np.eye(2)]
    )
    assert np.allclose(density.grad_log_density(X), finite_diff, atol=1e-6)
    S = density.grad_log_density([[4.5, 0.0]])
    assert np.allclose(S, [[-(4.5 - 4.0) / 0.5, 0.0]], atol=0.01)


def test_deprecated_score_returns_the_gradient():
    density = GaussianMixtureDensity([[0.0, 0.0]], covariances=1.0)
    with pytest.warns(FutureWarning, match="grad_log_density"):
        assert_array_equal(density.score([[1.0, 2.0]]), [[-1.0, -2.0]])


def test_sample_follows_the_weights_and_the_seed():
    density = GaussianMixtureDensity(_TWO, 0.25, weights=[1, 3])
    X = density.sample(2000, random_state=0)
    assert X.shape == (2000, 2)
    assert abs((X[:, 0] > 2).mean() - 0.75) < 0.05
    assert np.array_equal(density.sample(3, random_state=1), density.sample(3, random_state=1))


def test_smoothed_adds_sigma_squared_and_matches_noisy_samples():
    density = GaussianMixtureDensity(_TWO, covariances=[1.0, 0.5])
    noisy = density.smoothed(0.5)
    assert np.allclose(noisy.covariances - density.covariances, 0.25 * np.eye(2))
    assert np.array_equal(noisy.means, density.means)
    assert np.array_equal(noisy.weights, density.weights)
    rng = np.random.RandomState(0)
    X = density.sample(20000, random_state=0)
    x_noisy = X + 0.5 * rng.standard_normal(X.shape)
    assert abs(x_noisy[:, 1].var() - 1.0) < 0.05
    assert float(noisy.weights @ noisy.covariances[:, 1, 1]) == 1.0
