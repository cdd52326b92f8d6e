"""The exact non-mixture densities of skscore.datasets against ground truth: finite differences
for the score, grid integration (2-D) and known moments, decompositions and scipy (higher
dimension) for the normalisation, distribution tests for the samplers."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from skscore.datasets import (
    BananaDensity,
    NealFunnelDensity,
    RingDensity,
    RotatedBananasDensity,
    StudentTDensity,
)

DENSITIES = [
    BananaDensity(),
    BananaDensity(spread=1.0, curvature=-1.0, width=0.5),
    RingDensity(),
    RingDensity(radius=0.3, width=0.5),  # more mass near the centre than on a thin ring
    NealFunnelDensity(n_features=10),
    NealFunnelDensity(n_features=3, scale=1.0),
    RotatedBananasDensity(n_bananas=5),
    StudentTDensity(n_features=20),
    StudentTDensity(n_features=3, df=1.5, random_state=1),
]
IDS = [repr(d) + str(i) for i, d in enumerate(DENSITIES)]


def _grid(lo, hi, h):
    axes = [np.arange(a + h / 2, b, h) for a, b in zip(lo, hi, strict=True)]
    mesh = np.meshgrid(*axes, indexing="ij")
    return np.column_stack([m.ravel() for m in mesh])


@pytest.mark.parametrize("density", DENSITIES, ids=IDS)
def test_score_is_the_gradient_of_log_prob(density):
    X = density.sample(50, random_state=0)
    h = 1e-5 * np.maximum(1.0, np.abs(X))
    eye = np.eye(density.n_features)
    finite = np.column_stack(
        [
            (density.log_prob(X + h[:, [j]] * eye[j]) - density.log_prob(X - h[:, [j]] * eye[j]))
            / (2 * h[:, j])
            for j in range(density.n_features)
        ]
    )
    score = density.grad_log_density(X)
    assert_allclose(score, finite, rtol=1e-5, atol=1e-5 * np.abs(score).max())


@pytest.mark.parametrize(
    "density, lo, hi, h",
    [
        (BananaDensity(), (-9.0, -3.0), (9.0, 40.0), 0.02),
        (BananaDensity(spread=1.0, curvature=-1.0, width=0.5), (-7, -40.0), (7.0, 4.0), 0.02),
        (RingDensity(), (-1.8, -1.8), (1.8, 1.8), 0.005),
        (RingDensity(radius=0.3, width=0.5), (-3.0, -3.0), (3.0, 3.0), 0.01),
    ],
)
def test_2d_densities_integrate_to_one(density, lo, hi, h):
    grid = _grid(lo, hi, h)
    total = np.exp(density.log_prob(grid)).sum() * h**2
    assert abs(total - 1.0) < 1e-4


@pytest.mark.parametrize(
    "density",
    [BananaDensity(), NealFunnelDensity(n_features=10), RotatedBananasDensity(), StudentTDensity()],
    ids=lambda d: repr(d),
)
def test_mean_log_prob_of_samples_is_minus_the_entropy(density):
    # the closed-form entropy checks the normalising constant together with the sampler
    values = density.log_prob(density.sample(40_000, random_state=0))
    standard_error = values.std() / math.sqrt(len(values))
    assert abs(values.mean() + density.entropy()) < 4 * standard_error


def test_banana_samples_are_a_sheared_gaussian():
    banana = BananaDensity(spread=1.5, curvature=0.5, width=0.3)
    X = banana.sample(5000, random_state=0)
    residual = X[:, 1] - 0.5 * (X[:, 0] ** 2 - 1.5**2)
    assert stats.kstest(X[:, 0] / 1.5, "norm").pvalue > 0.01
    assert stats.kstest(residual / 0.3, "norm").pvalue > 0.01
    assert abs(X[:, 1].mean()) < 0.1  # E[x1^2 - spread^2] = 0


def test_ring_radii_follow_the_exact_radial_distribution():
    ring = RingDensity(radius=0.5, width=0.3)  # the r dr factor matters near the centre
    X = ring.sample(5000, random_state=0)
    radii = np.linalg.norm(X, axis=1)
    assert stats.kstest(radii, ring._radial_cdf).pvalue > 0.01
    # the radial CDF is the integral of the normalised density over discs
    h = 0.004
    grid = _grid((-2.0, -2.0), (2.0, 2.0), h)
    r_grid = np.linalg.norm(grid, axis=1)
    inside = np.exp(ring.log_prob(grid)) * (r_grid <= 0.6)
    assert abs(inside.sum() * h**2 - ring._radial_cdf(0.6)) < 1e-3
    angles = np.arctan2(X[:, 1], X[:, 0])
    assert stats.kstest((angles + np.pi) / (2 * np.pi), "uniform").pvalue > 0.01


def test_ring_score_points_to_the_crest_and_vanishes_on_it():
    ring = RingDensity(radius=1.0, width=0.1)
    S = ring.grad_log_density([[0.5, 0.0], [1.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    assert S[0, 0] > 0 and S[2, 1] < 0
    assert_allclose(S[1], 0.0, atol=1e-12)
    assert_allclose(S[3], 0.0)  # the centre: a cusp, reported as 0


def test_funnel_conditional_moments():
    funnel = NealFunnelDensity(n_features=6, scale=3.0)
    X = funnel.sample(40_000, random_state=0)
    v, x = X[:, 0], X[:, 1:]
    assert abs(v.mean()) < 0.05 and abs(v.std() - 3.0) < 0.05
    # x_i^2 exp(-v) is chi-squared with one degree of freedom: mean 1, variance 2
    scaled = x**2 * np.exp(-v)[:, None]
    assert abs(scaled.mean() - 1.0) < 4 * math.sqrt(2 / scaled.size)
    # log p at a point, by hand
    point = np.array([[-1.0, 0.5, 0.0, 0.0, 0.0, -0.5]])
    expected = (
        stats.norm(0, 3).logpdf(-1.0) + stats.norm(0, math.exp(-0.5)).logpdf(point[0, 1:]).sum()
    )
    assert_allclose(funnel.log_prob(point), [expected])


def test_rotated_bananas_decompose_into_bananas():
    density = RotatedBananasDensity(n_bananas=3, spread=1.0, curvature=0.7, width=0.2)
    Q = density.rotation
    assert_allclose(Q.T @ Q, np.eye(6), atol=1e-12)  # orthogonal: unit Jacobian
    banana = BananaDensity(spread=1.0, curvature=0.7, width=0.2)
    X = density.sample(200, random_state=0)
    Y = X @ Q
    pairs = [Y[:, 2 * k : 2 * k + 2] for k in range(3)]
    assert_allclose(density.log_prob(X), sum(banana.log_prob(p) for p in pairs))
    grad_y = np.column_stack([banana.grad_log_density(p) for p in pairs])
    assert_allclose(density.grad_log_density(X), grad_y @ Q.T)
    # samples in the bananas' coordinates are bananas
    assert stats.kstest(pairs[1][:, 0], "norm").pvalue > 0.01
    # the rotation is fixed by random_state
    same = RotatedBananasDensity(n_bananas=3, random_state=0).rotation
    other = RotatedBananasDensity(n_bananas=3, random_state=1).rotation
    assert np.array_equal(same, RotatedBananasDensity(n_bananas=3, random_state=0).rotation)
    assert not np.allclose(same, other)


@pytest.mark.parametrize("df", [1.5, 5.0, 30.0])
def test_student_t_matches_scipy(df):
    density = StudentTDensity(n_features=7, df=df, random_state=3)
    X = density.sample(300, random_state=0)
    reference = stats.multivariate_t(loc=np.zeros(7), shape=density.shape, df=df)
    assert_allclose(density.log_prob(X), reference.logpdf(X), rtol=1e-10)
    eigenvalues = np.linalg.eigvalsh(density.shape)
    assert 0.25 - 1e-9 <= eigenvalues.min() and eigenvalues.max() <= 4.0 + 1e-9


def test_student_t_sample_covariance():
    density = StudentTDensity(n_features=5, df=8.0, random_state=0)
    X = density.sample(100_000, random_state=0)
    expected = 8.0 / 6.0 * density.shape
    assert_allclose(np.cov(X, rowvar=False), expected, atol=0.1 * np.abs(expected).max())


@pytest.mark.parametrize("density", DENSITIES, ids=IDS)
def test_sampling_is_reproducible_and_shaped(density):
    a = density.sample(7, random_state=3)
    assert a.shape == (7, density.n_features)
    assert np.array_equal(a, density.sample(7, random_state=3))
    assert not np.array_equal(a, density.sample(7, random_state=4))
    assert density.log_prob(a).shape == (7,)
    assert density.grad_log_density(a).shape == (7, density.n_features)
    assert density.sample().shape == (1, density.n_features)


@pytest.mark.parametrize("density", [BananaDensity(), NealFunnelDensity(n_features=4)])
def test_bad_input_is_rejected(density):
    d = density.n_features
    with pytest.raises(ValueError, match=f"X has {d + 1} features, but .* has {d}"):
        density.log_prob(np.zeros((3, d + 1)))
    with pytest.raises(ValueError, match="NaN"):
        density.grad_log_density(np.full((2, d), np.nan))
    with pytest.raises(ValueError, match="2D array"):
        density.log_prob(np.zeros(d))
    with pytest.raises(ValueError, match="'n_samples' parameter .* range \\[1, inf\\)"):
        density.sample(0)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: BananaDensity(width=0.0), "'width' .* BananaDensity must be a float in .*\\(0"),
        (
            lambda: BananaDensity(curvature=np.inf),
            "'curvature' .* BananaDensity must be a float .*Got inf",
        ),
        (lambda: RingDensity(radius=-1.0), "'radius' .* RingDensity must be a float in .*\\(0"),
        (lambda: RingDensity(width="wide"), "'width' .* RingDensity must be a float"),
        (
            lambda: NealFunnelDensity(n_features=1),
            "'n_features' .* NealFunnelDensity .* range \\[2",
        ),
        (
            lambda: NealFunnelDensity(scale=0),
            "'scale' .* NealFunnelDensity must be a float in .*\\(0",
        ),
        (
            lambda: RotatedBananasDensity(n_bananas=2.5),
            "'n_bananas' .* RotatedBananasDensity must be an int",
        ),
        (lambda: StudentTDensity(df=-1.0), "'df' .* StudentTDensity must be a float in .*\\(0"),
        (
            lambda: StudentTDensity(n_features=True),
            "'n_features' .* StudentTDensity must be an int",
        ),
    ],
)
def test_bad_parameters_are_rejected(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# ---------------------------------------------------------------------------
# moved from the docstring examples (same data, seeds and tolerances)
# ---------------------------------------------------------------------------


def test_n_features_of_the_2d_and_the_nd_densities():
    assert RingDensity().n_features == 2
    assert NealFunnelDensity(n_features=10).n_features == 10


def test_ring_integrates_to_one_on_a_riemann_grid_and_has_a_hole():
    ring = RingDensity(radius=1.0, width=0.1)
    h = 0.01
    u, v = np.meshgrid(np.arange(-1.6, 1.6, h), np.arange(-1.6, 1.6, h))
    grid = np.column_stack([u.ravel(), v.ravel()])
    assert round(float(np.exp(ring.log_prob(grid)).sum() * h**2), 6) == 1.0
    assert ring.log_prob([[1.0, 0.0]])[0] > ring.log_prob([[0.0, 0.0]])[0]


def test_banana_score_matches_central_differences_at_its_samples():
    banana = BananaDensity()
    X = banana.sample(5, random_state=0)
    h = 1e-5
    finite_diff = np.column_stack(
        [(banana.log_prob(X + h * e) - banana.log_prob(X - h * e)) / (2 * h) for e in np.eye(2)]
    )
    assert np.allclose(banana.grad_log_density(X), finite_diff, atol=1e-5)


def test_ring_samples_lie_on_the_ring():
    X = RingDensity(radius=1.0, width=0.1).sample(2000, random_state=0)
    assert X.shape == (2000, 2)
    radii = np.linalg.norm(X, axis=1)
    assert abs(radii.mean() - 1.0) < 0.02
    assert radii.min() > 0.5


def test_banana_samples_have_mean_zero():
    X = BananaDensity(spread=1.5, curvature=0.5, width=0.3).sample(5000, random_state=0)
    assert np.allclose(X.mean(axis=0), 0.0, atol=0.1)


@pytest.mark.parametrize(
    "density, tol",
    [
        (BananaDensity(), 0.01),
        (NealFunnelDensity(n_features=10), 0.05),
        (StudentTDensity(n_features=20, df=5.0), 0.05),
    ],
    ids=lambda p: repr(p) if not isinstance(p, float) else str(p),
)
def test_entropy_matches_100k_sample_mean_of_minus_log_prob(density, tol):
    X = density.sample(100_000, random_state=0)
    assert abs(-density.log_prob(X).mean() - density.entropy()) < tol


def test_funnel_sample_scale_neck_and_mouth():
    X = NealFunnelDensity(n_features=10, scale=3.0).sample(4000, random_state=0)
    assert abs(X[:, 0].std() - 3.0) < 0.1
    neck, mouth = X[X[:, 0] < -4], X[X[:, 0] > 4]
    assert np.abs(neck[:, 1:]).max() < 1.0 < np.abs(mouth[:, 1:]).mean()


def test_rotated_bananas_entropy_is_n_bananas_times_a_banana():
    density = RotatedBananasDensity(n_bananas=5)
    assert abs(density.entropy() - 5 * BananaDensity().entropy()) < 1e-12


def test_student_t_log_prob_matches_scipy_with_its_shape_matrix():
    density = StudentTDensity(n_features=20, df=5.0, random_state=0)
    X = density.sample(5, random_state=0)
    reference = stats.multivariate_t(loc=np.zeros(20), shape=density.shape, df=5.0).logpdf(X)
    assert np.allclose(density.log_prob(X), reference)
