"""The 1-D non-parametric DAE and RCAE optima (thesis section 3.3.3, figures 3.3-3.4)."""

import numpy as np
import pytest

from skscore.nonparametric import (
    dae_optimal_reconstruction,
    example_density_1d,
    rcae_optimal_reconstruction,
    score_from_reconstruction,
)


@pytest.fixture(scope="module")
def grid():
    density = example_density_1d()
    x = np.linspace(-1.5, 1.5, 1000)
    p = np.exp(density.log_prob(x[:, None]))
    return x, p, density.grad_log_density(x[:, None])[:, 0]


def _relative_error(a, b, p, inner):
    w = p[inner]
    return np.sqrt(np.sum(w * (a[inner] - b[inner]) ** 2) / np.sum(w * b[inner] ** 2))


def test_nonparametric_scores_converge_to_the_true_score_and_to_each_other(grid):
    x, p, true_score = grid
    inner = np.abs(x) < 1.3  # the grid truncates the density near its ends
    dae_errors, rcae_errors, gaps = [], [], []
    for sigma in (1.0, 0.31, 0.16, 0.06, 0.03):
        dae = score_from_reconstruction(x, dae_optimal_reconstruction(x, p, sigma), sigma)
        rcae = score_from_reconstruction(x, rcae_optimal_reconstruction(x, p, sigma), sigma)
        dae_errors.append(_relative_error(dae, true_score, p, inner))
        rcae_errors.append(_relative_error(rcae, true_score, p, inner))
        gaps.append(_relative_error(dae, rcae, p, inner) * np.sqrt(np.sum(p[inner])))
    assert np.all(np.diff(dae_errors) < 0) and np.all(np.diff(rcae_errors) < 0)
    assert dae_errors[-1] < 0.05 and rcae_errors[-1] < 0.05
    # Proposition 1: the two optima agree better and better at small sigma
    assert gaps[-1] < gaps[-2] < gaps[-3]


@pytest.mark.parametrize("solver", [dae_optimal_reconstruction, rcae_optimal_reconstruction])
def test_both_optima_are_exact_for_a_gaussian(solver):
    # for p = N(0, 1) both losses are minimised by r(x) = x / (1 + sigma^2)
    x = np.linspace(-6, 6, 2401)
    r = solver(x, np.exp(-(x**2) / 2), 0.5)
    inner = np.abs(x) < 2
    np.testing.assert_allclose(r[inner], x[inner] / 1.25, atol=2e-3)


def test_nonparametric_bad_input():
    x = np.linspace(-1, 1, 10)
    with pytest.raises(ValueError, match="evenly spaced"):
        dae_optimal_reconstruction(x**3, np.ones(10), 0.1)
    with pytest.raises(ValueError, match="same length"):
        rcae_optimal_reconstruction(x, np.ones(9), 0.1)
    with pytest.raises(ValueError, match="sigma"):
        rcae_optimal_reconstruction(x, np.ones(10), 0.0)
    with pytest.raises(ValueError, match="non-negative"):
        dae_optimal_reconstruction(x, -np.ones(10), 0.1)
