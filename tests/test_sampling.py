"""Tests for skscore.sampling against exact Gaussian and Gaussian-mixture densities."""

import numpy as np
import pytest
from scipy.linalg import solve_discrete_lyapunov
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from skscore.sampling import langevin, line_integral, mala, metropolis_hastings

SAMPLERS = [metropolis_hastings, mala, langevin]
TARGETS = {metropolis_hastings: 0.3, mala: 0.574, langevin: 0.95}

MEAN = np.array([1.0, -1.0])
COV = np.array([[1.0, 0.8], [0.8, 1.5]])
PREC = np.linalg.inv(COV)


def gaussian_score(X):
    return -(X - MEAN) @ PREC


class Mixture:
    """Exact log-density and score of a Gaussian mixture (ground truth)."""

    def __init__(self, means, covs, weights):
        self.means = np.asarray(means, dtype=float)
        self.covs = np.asarray(covs, dtype=float)
        self.log_w = np.log(np.asarray(weights, dtype=float))
        self.precs = np.linalg.inv(self.covs)
        self.dists = [multivariate_normal(m, c) for m, c in zip(self.means, self.covs, strict=True)]

    def _log_joint(self, X):
        return np.stack(
            [
                lw + dist.logpdf(X).reshape(-1)
                for lw, dist in zip(self.log_w, self.dists, strict=True)
            ],
            axis=1,
        )

    def log_prob(self, X):
        return logsumexp(self._log_joint(X), axis=1)

    def score(self, X):
        L = self._log_joint(X)
        resp = np.exp(L - logsumexp(L, axis=1, keepdims=True))
        comp = np.stack([-(X - m) @ P for m, P in zip(self.means, self.precs, strict=True)])
        return np.einsum("nk,knd->nd", resp, comp)


class CountingScore:
    def __init__(self, fn):
        self.fn = fn
        self.batch_sizes = []

    def __call__(self, X):
        self.batch_sizes.append(X.shape[0])
        return self.fn(X)


def standard_normal_score(X):
    return -X


# ---------------------------------------------------------------------------------------
# line_integral
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("n_points", [1, 2, 5])
def test_line_integral_gaussian_is_exact(n_points):
    rng = np.random.default_rng(0)
    X_from, X_to = rng.normal(size=(2, 50, 2)) * 2
    expected = multivariate_normal(MEAN, COV).logpdf(X_to) - multivariate_normal(MEAN, COV).logpdf(
        X_from
    )
    result = line_integral(gaussian_score, X_from, X_to, n_path_points=n_points)
    assert result.shape == (50,)
    np.testing.assert_allclose(result, expected, rtol=0, atol=1e-10)


@pytest.mark.parametrize(
    "step, n_points",
    # Proposal-sized segments are integrated to ~1e-8 by 20 nodes; segments spanning the
    # data cross the sharp switch between components and need more (20 nodes: ~2e-2).
    [(1.0, 20), (None, 80)],
)
def test_line_integral_mixture(step, n_points):
    mix = Mixture(
        [[-2.0, 0.0], [2.0, 1.0]], [np.eye(2) * 0.5, [[1.0, 0.3], [0.3, 0.6]]], [0.3, 0.7]
    )
    rng = np.random.default_rng(1)
    X_from = rng.normal(size=(100, 2)) * 2
    if step is None:
        X_to = rng.normal(size=(100, 2)) * 2
    else:
        X_to = X_from + step * rng.normal(size=(100, 2))
    expected = mix.log_prob(X_to) - mix.log_prob(X_from)
    result = line_integral(mix.score, X_from, X_to, n_path_points=n_points)
    np.testing.assert_allclose(result, expected, rtol=0, atol=1e-6)


def test_line_integral_calls_score_once():
    score = CountingScore(standard_normal_score)
    line_integral(score, np.zeros((7, 3)), np.ones((7, 3)), n_path_points=4)
    assert score.batch_sizes == [28]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"X_to": np.ones((4, 2))}, "same shape"),
        ({"n_path_points": 0}, "n_path_points"),
        ({"n_path_points": 1001}, "n_path_points"),
        ({"X_from": np.full((3, 2), np.nan)}, "NaN"),
        ({"score_fn": lambda X: X[:, :1]}, "same shape"),
    ],
)
def test_line_integral_bad_input(kwargs, match):
    params = {
        "score_fn": standard_normal_score,
        "X_from": np.zeros((3, 2)),
        "X_to": np.ones((3, 2)),
    }
    params.update(kwargs)
    with pytest.raises(ValueError, match=match):
        line_integral(**params)


# ---------------------------------------------------------------------------------------
# Samplers against ground truth
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("sampler", [metropolis_hastings, mala])
def test_exact_samplers_match_correlated_gaussian(sampler):
    X_init = np.random.default_rng(0).standard_normal((2000, 2))
    X = sampler(gaussian_score, X_init, n_steps=200, burn_in=150, n_path_points=2, random_state=0)
    assert X.shape == (2000, 2) and X.dtype == np.float64
    np.testing.assert_allclose(X.mean(axis=0), MEAN, atol=0.1)
    np.testing.assert_allclose(np.cov(X.T), COV, atol=0.15)


def test_langevin_matches_its_exact_stationary_covariance():
    # Unadjusted Langevin on a Gaussian is a linear AR(1) chain x' = A x + b + h eps with
    # A = I - h^2/2 Sigma^-1; its stationary covariance C solves C = A C A^T + h^2 I.
    h = 0.6
    A = np.eye(2) - 0.5 * h**2 * PREC
    C = solve_discrete_lyapunov(A, h**2 * np.eye(2))
    assert not np.allclose(C, COV, atol=0.1)  # the O(h^2) bias is visible...
    X_init = np.random.default_rng(0).standard_normal((2000, 2))
    X = langevin(gaussian_score, X_init, n_steps=200, burn_in=0, step_size=h, random_state=0)
    np.testing.assert_allclose(X.mean(axis=0), MEAN, atol=0.1)
    np.testing.assert_allclose(np.cov(X.T), C, atol=0.12)  # ...and reproduced exactly


def test_langevin_auto_is_close_to_target():
    X_init = np.random.default_rng(0).standard_normal((2000, 2))
    X = langevin(gaussian_score, X_init, n_steps=200, burn_in=150, random_state=0)
    np.testing.assert_allclose(X.mean(axis=0), MEAN, atol=0.1)
    np.testing.assert_allclose(np.cov(X.T), COV, rtol=0.3)


@pytest.mark.parametrize("sampler", [metropolis_hastings, mala])
@pytest.mark.parametrize("d", [1, 2])
def test_samplers_keep_mass_at_mixture_modes(sampler, d):
    centre = np.zeros(d)
    centre[0] = 4.0
    mix = Mixture([-centre, centre], [0.25 * np.eye(d)] * 2, [0.5, 0.5])
    X_init = np.repeat([-centre, centre], 200, axis=0)
    X = sampler(mix.score, X_init, n_steps=150, burn_in=50, n_path_points=6, random_state=0)
    dist = np.minimum(np.linalg.norm(X + centre, axis=1), np.linalg.norm(X - centre, axis=1))
    assert np.mean(dist < 2.0) > 0.99
    left = X[:, 0] < 0
    assert 0.4 < left.mean() < 0.6
    # Within each mode the spread is the component's (std 0.5).
    np.testing.assert_allclose(X[left, 0].std(), 0.5, rtol=0.2)
    np.testing.assert_allclose(X[~left, 0].std(), 0.5, rtol=0.2)


# ---------------------------------------------------------------------------------------
# Step-size adaptation
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sampler, target, tol",
    [
        (metropolis_hastings, None, 0.05),
        (mala, None, 0.05),
        (langevin, None, 0.02),  # default 0.95: a too-small step would also give ~1
        (langevin, 0.574, 0.05),
    ],
)
@pytest.mark.parametrize("d", [2, 10])
@pytest.mark.parametrize("factor", [0.01, 100.0])
def test_auto_step_reaches_target_acceptance(sampler, target, tol, d, factor):
    scales = np.linspace(0.5, 2.0, d)
    kwargs = {} if target is None else {"target_acceptance": target}

    def score(X):
        return -X / scales**2

    X_init = np.random.default_rng(0).standard_normal((200, d)) * scales
    _, acceptance = sampler(
        score,
        X_init,
        n_steps=50,
        burn_in=150,
        initial_step_size=factor,
        n_path_points=2,
        random_state=0,
        return_acceptance=True,
        **kwargs,
    )
    assert abs(acceptance - (target or TARGETS[sampler])) < tol


def test_float_step_size_is_not_adapted():
    X_init = np.random.default_rng(0).standard_normal((200, 2))
    _, acceptance = metropolis_hastings(
        standard_normal_score,
        X_init,
        n_steps=50,
        burn_in=50,
        step_size=1e-3,
        random_state=0,
        return_acceptance=True,
    )
    assert acceptance > 0.95


def test_default_initial_step_is_tenth_of_median_std():
    X_init = np.random.default_rng(0).standard_normal((50, 3)) * [1.0, 2.0, 4.0]
    h = 0.1 * np.median(X_init.std(axis=0))
    kwargs = {"n_steps": 5, "burn_in": 0, "random_state": 0}
    auto = metropolis_hastings(standard_normal_score, X_init, **kwargs)
    fixed = metropolis_hastings(standard_normal_score, X_init, step_size=h, **kwargs)
    np.testing.assert_array_equal(auto, fixed)
    # A single chain has no spread: the step falls back to 0.1.
    one = metropolis_hastings(standard_normal_score, X_init[:1], **kwargs)
    np.testing.assert_array_equal(
        one, metropolis_hastings(standard_normal_score, X_init[:1], step_size=0.1, **kwargs)
    )


def test_langevin_acceptance_without_burn_in_is_one():
    _, acceptance = langevin(
        standard_normal_score,
        np.zeros((5, 2)),
        n_steps=3,
        burn_in=0,
        random_state=0,
        return_acceptance=True,
    )
    assert acceptance == 1.0


# ---------------------------------------------------------------------------------------
# Batching, reproducibility, errors
# ---------------------------------------------------------------------------------------


def test_score_calls_are_batched_over_chains():
    n, k, burn_in, n_steps = 6, 3, 4, 5
    kwargs = {"n_steps": n_steps, "burn_in": burn_in, "n_path_points": k, "random_state": 0}
    X_init = np.zeros((n, 2))
    score = CountingScore(standard_normal_score)
    metropolis_hastings(score, X_init, **kwargs)
    assert score.batch_sizes == [n * k] * (burn_in + n_steps)
    score = CountingScore(standard_normal_score)
    mala(score, X_init, **kwargs)
    assert score.batch_sizes == [n] + [n * (k + 1)] * (burn_in + n_steps)
    score = CountingScore(standard_normal_score)
    langevin(score, X_init, **kwargs)
    assert score.batch_sizes == [n] + [n * (k + 1)] * burn_in + [n] * n_steps


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_random_state_reproducible(sampler):
    X_init = np.random.default_rng(0).standard_normal((20, 2))
    kwargs = {"n_steps": 20, "burn_in": 10}
    global_state = np.random.get_state()[1].copy()
    a = sampler(standard_normal_score, X_init, random_state=3, **kwargs)
    b = sampler(standard_normal_score, X_init, random_state=3, **kwargs)
    c = sampler(standard_normal_score, X_init, random_state=np.random.RandomState(3), **kwargs)
    d = sampler(standard_normal_score, X_init, random_state=4, **kwargs)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(a, d)
    np.testing.assert_array_equal(np.random.get_state()[1], global_state)
    np.testing.assert_array_equal(X_init, np.random.default_rng(0).standard_normal((20, 2)))


@pytest.mark.parametrize("sampler", SAMPLERS)
@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"X_init": np.zeros(4)}, "2D array"),
        ({"X_init": np.array([[0.0, np.nan]])}, "NaN"),
        ({"X_init": np.zeros((0, 2))}, "0 sample"),
        ({"n_steps": 0}, "n_steps"),
        ({"burn_in": -1}, "burn_in"),
        ({"step_size": 0.0}, "step_size"),
        ({"step_size": "fast"}, "step_size"),
        ({"initial_step_size": -1.0}, "initial_step_size"),
        ({"target_acceptance": 1.5}, "target_acceptance"),
        ({"n_path_points": 0}, "n_path_points"),
        ({"score_fn": lambda X: X[:, :1]}, "same shape"),
        ({"score_fn": lambda X: np.full_like(X, np.nan)}, "non-finite"),
    ],
)
def test_bad_input_raises(sampler, kwargs, match):
    params = {"score_fn": standard_normal_score, "X_init": np.zeros((3, 2)), "n_steps": 2}
    params.update(kwargs)
    with pytest.raises(ValueError, match=match):
        sampler(**params)


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_a_score_fn_that_is_no_field_is_a_type_error(sampler):
    with pytest.raises(TypeError, match="score_fn must be a callable"):
        sampler("not callable", np.zeros((3, 2)), n_steps=2)


def test_diverging_langevin_names_the_problem():
    with np.errstate(over="ignore", invalid="ignore"):
        with pytest.raises(ValueError, match="left the region"):
            langevin(standard_normal_score, np.ones((4, 2)), n_steps=500, burn_in=0, step_size=5.0)


def test_float32_input_gives_float64_output():
    X_init = np.zeros((4, 2), dtype=np.float32)
    X = mala(lambda X: (-X).astype(np.float32), X_init, n_steps=3, burn_in=2, random_state=0)
    assert X.dtype == np.float64


def test_line_integral_accepts_the_deprecated_n_points():
    with pytest.warns(FutureWarning, match="n_path_points"):
        old = line_integral(standard_normal_score, np.zeros((2, 2)), np.ones((2, 2)), n_points=3)
    new = line_integral(standard_normal_score, np.zeros((2, 2)), np.ones((2, 2)), n_path_points=3)
    np.testing.assert_array_equal(old, new)


# ---------------------------------------------------------------------------------------
# Moved from the docstring examples (same data, seeds and tolerances)
# ---------------------------------------------------------------------------------------


def _standard_normal_score(X):
    return -X


def test_metropolis_hastings_example_reaches_its_target_acceptance():
    X, acc = metropolis_hastings(
        _standard_normal_score,
        np.zeros((500, 2)),
        n_steps=200,
        burn_in=100,
        random_state=0,
        return_acceptance=True,
    )
    assert X.shape == (500, 2)
    assert abs(acc - 0.3) < 0.1


def test_mala_example_samples_a_standard_normal_at_its_target_acceptance():
    X, acc = mala(
        _standard_normal_score,
        np.zeros((1000, 2)),
        n_steps=200,
        burn_in=100,
        random_state=0,
        return_acceptance=True,
    )
    assert np.allclose(X.std(axis=0), 1.0, atol=0.1)
    assert abs(acc - 0.574) < 0.05


def test_langevin_example_samples_a_standard_normal():
    X = langevin(
        _standard_normal_score, np.zeros((1000, 2)), n_steps=200, burn_in=100, random_state=0
    )
    assert np.allclose(X.std(axis=0), 1.0, atol=0.15)
