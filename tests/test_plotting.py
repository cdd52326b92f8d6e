"""Tests for skscore.plotting (Agg backend, tiny data)."""

import functools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.quiver import Quiver  # noqa: E402

from skscore import LinearProbeTransformer  # noqa: E402
from skscore._core.nn import make_mlp
from skscore.plotting import (  # noqa: E402
    plot_density_contours,
    plot_digit_grid,
    plot_pairwise_samples,
    plot_probe_errors,
    plot_vector_field,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _quiver(ax):
    (q,) = [c for c in ax.collections if isinstance(c, Quiver)]
    return q


class ScoreEstimator:
    """Stands in for a fitted score estimator (it names its field methods); `predict` must not
    be used."""

    _field_methods = ("grad_log_density", None, None)

    def grad_log_density(self, X):
        return -X

    def predict(self, X):
        raise AssertionError("grad_log_density should be preferred over predict")


class Regressor:
    def predict(self, X):
        return X[:, ::-1] * [1.0, -1.0]


X2 = np.random.default_rng(0).uniform(size=(30, 2))


# ---------------------------------------------------------------------------------------
# plot_vector_field
# ---------------------------------------------------------------------------------------


def test_vector_field_draws_data_and_arrows():
    ax = plot_vector_field(lambda X: -X, X2, grid_size=7)
    assert isinstance(ax, plt.Axes)
    assert len(ax.collections) == 2
    (points,) = [c for c in ax.collections if type(c) is PathCollection]
    assert len(points.get_offsets()) == 30
    q = _quiver(ax)
    assert q.U.size == 49
    # Default bounds: the data box padded by 10% of its size on each side.
    lo, hi = X2.min(axis=0), X2.max(axis=0)
    pad = 0.1 * (hi - lo)
    np.testing.assert_allclose(ax.get_xlim(), [lo[0] - pad[0], hi[0] + pad[0]])
    np.testing.assert_allclose(ax.get_ylim(), [lo[1] - pad[1], hi[1] + pad[1]])
    # The arrows are the field on the grid.
    np.testing.assert_allclose(np.asarray(q.U).ravel(), -np.asarray(q.X).ravel())


@pytest.mark.parametrize("field", [ScoreEstimator(), Regressor()])
def test_vector_field_accepts_estimators(field):
    _, ax = plt.subplots()
    out = plot_vector_field(field, bounds=(-1, 1, -2, 2), ax=ax, grid_size=5)
    assert out is ax
    assert len(ax.collections) == 1  # no data: arrows only
    assert ax.get_xlim() == (-1.0, 1.0) and ax.get_ylim() == (-2.0, 2.0)


def test_vector_field_normalize_gives_unit_arrows():
    ax = plot_vector_field(lambda X: 10 * X, bounds=(0.5, 2, 0.5, 2), grid_size=4, normalize=True)
    q = _quiver(ax)
    np.testing.assert_allclose(np.hypot(q.U, q.V), 1.0)


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((lambda X: X, np.zeros((5, 3))), {}, "2-D fields"),
        ((lambda X: X[:, :1], X2), {}, "same shape"),
        ((lambda X: X,), {}, "Pass X or bounds"),
        ((lambda X: X, X2), {"bounds": (1, 0, 0, 1)}, "bounds"),
        ((lambda X: X, X2), {"grid_size": 1}, "grid_size"),
    ],
)
def test_vector_field_bad_input(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_vector_field(*args, **kwargs)


def test_vector_field_rejects_non_callable():
    with pytest.raises(TypeError, match="field must be a callable"):
        plot_vector_field(object(), X2)


# ---------------------------------------------------------------------------------------
# plot_pairwise_samples
# ---------------------------------------------------------------------------------------


def _data(d, n=40, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.standard_normal((n, d)) + 3


@pytest.mark.parametrize("d, n_panels", [(2, 1), (3, 3), (5, 5), (10, 10)])
def test_pairwise_one_overlay_panel_per_pair(d, n_panels):
    X_data, X_samples = _data(d)
    fig = plot_pairwise_samples(X_data, X_samples)
    assert isinstance(fig, plt.Figure)
    assert len(fig.axes) == n_panels
    for ax in fig.axes:
        assert len(ax.collections) == 2  # data and samples overlaid
    assert fig.axes[0].get_legend() is not None
    # Cycle (0, 1), (1, 2), ..., (d-1, 0): the last panel of d=10 is (x_9, x_0).
    assert fig.axes[-1].get_xlabel() == f"$x_{{{d - 1 if d > 2 else 0}}}$"


def test_pairwise_side_by_side_shares_limits():
    X_data, X_samples = _data(4)
    fig = plot_pairwise_samples(X_data, X_samples, side_by_side=True)
    assert len(fig.axes) == 8
    for left, right in zip(fig.axes[::2], fig.axes[1::2], strict=True):
        assert left.get_title() == "data" and right.get_title() == "samples"
        assert len(left.collections) == len(right.collections) == 1
        assert left.get_xlim() == right.get_xlim() and left.get_ylim() == right.get_ylim()
    # Limits cover both data and samples.
    x0, x1 = fig.axes[0].get_xlim()
    assert x0 < min(X_data[:, 0].min(), X_samples[:, 0].min())
    assert x1 > max(X_data[:, 0].max(), X_samples[:, 0].max())


def test_pairwise_custom_pairs_axes_and_subsampling():
    X_data, X_samples = _data(3, n=100)
    fig, axes = plt.subplots(1, 3)
    out = plot_pairwise_samples(X_data, X_samples, pairs=[(0, 2), (2, 1)], axes=axes, max_points=10)
    assert out is fig
    assert [len(c.get_offsets()) for c in axes[0].collections] == [10, 10]
    assert axes[1].get_xlabel() == "$x_{2}$" and axes[1].get_ylabel() == "$x_{1}$"
    assert len(axes[2].collections) == 0


@pytest.mark.parametrize(
    "X_samples, kwargs, match",
    [
        (np.zeros((5, 3)), {}, "same number of features"),
        (np.zeros((5, 2)), {"pairs": [(0, 5)]}, "feature indices"),
        (np.zeros((5, 2)), {"max_points": 0}, "max_points"),
        (np.zeros((5, 2)), {"axes": []}, "panels are needed"),
    ],
)
def test_pairwise_bad_input(X_samples, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_pairwise_samples(np.zeros((5, 2)), X_samples, **kwargs)


def test_pairwise_needs_two_features():
    with pytest.raises(ValueError, match="at least 2 features"):
        plot_pairwise_samples(np.zeros((5, 1)), np.zeros((5, 1)))


# ---------------------------------------------------------------------------------------
# plot_density_contours
# ---------------------------------------------------------------------------------------


def _log_prob(X):
    return -0.5 * np.sum(X**2, axis=1) + 123.0  # unnormalised


class Density:
    """A density in the field protocol: its log-density method is named."""

    _field_methods = (None, None, "log_prob")

    def log_prob(self, X):
        return _log_prob(X)


@pytest.mark.parametrize("log_prob_fn", [_log_prob, Density()])
def test_density_contours_levels_and_limits(log_prob_fn):
    ax = plot_density_contours(log_prob_fn, (-3, 3, -2, 2), grid_size=30, levels=[0.1, 0.5, 0.9])
    assert isinstance(ax, plt.Axes)
    (cs,) = ax.collections
    np.testing.assert_allclose(cs.levels, [0.1, 0.5, 0.9])
    assert ax.get_xlim() == (-3.0, 3.0) and ax.get_ylim() == (-2.0, 2.0)
    # The 0.5 contour of p / max p is the circle |x|^2 = 2 log 2.
    radius = np.hypot(*cs.allsegs[1][0].T)
    np.testing.assert_allclose(radius, np.sqrt(2 * np.log(2)), rtol=0.02)


def test_density_contours_log_scale_filled():
    _, ax = plt.subplots()
    out = plot_density_contours(
        _log_prob, (-3, 3, -3, 3), ax=ax, grid_size=20, levels=4, log_scale=True, filled=True
    )
    assert out is ax
    (cs,) = ax.collections
    assert cs.filled and cs.levels.max() <= 0


@pytest.mark.parametrize(
    "fn, bounds, match",
    [
        (lambda X: np.zeros((len(X), 2)), (0, 1, 0, 1), r"\(m,\) log-densities"),
        (lambda X: np.full(len(X), -np.inf), (0, 1, 0, 1), "no finite value"),
        (_log_prob, (0, 1, 0), "bounds"),
    ],
)
def test_density_contours_bad_input(fn, bounds, match):
    with pytest.raises(ValueError, match=match):
        plot_density_contours(fn, bounds)


# -- plotting helper --------------------------------------------------------------------------


def test_plot_digit_grid_layout_and_nan():
    images = np.random.default_rng(0).uniform(size=(7, 12))
    images[0, 0] = np.nan  # a missing pixel is drawn as background
    ax = plot_digit_grid(images, n_cols=3, image_shape=(3, 4), padding=2)
    grid = ax.images[0].get_array()
    assert grid.shape == (3 * 3 + 2 * 2, 3 * 4 + 2 * 2)
    np.testing.assert_array_equal(grid[:3, 6:10], images[1].reshape(3, 4))
    assert grid.mask[0, 0] and grid.mask[3, 0]
    with pytest.raises(ValueError, match="perfect square"):
        plot_digit_grid(images)
    with pytest.raises(ValueError, match="n_cols"):
        plot_digit_grid(images, n_cols=0, image_shape=(3, 4))


# -- plot_probe_errors -----------------------------------------------------------------------------


def test_plot_probe_errors_bars():
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1, 2], 40)
    X = rng.normal(size=(120, 4)) + 2.0 * y[:, None]
    model = functools.partial(make_mlp, hidden_layer_sizes=(6, 5), n_outputs=3, activation="tanh")
    probes = LinearProbeTransformer(model, random_state=0).fit(X, y)
    ax = plot_probe_errors(probes)
    heights = [p.get_height() for p in ax.patches]
    expected = [r["validation_error"] for r in probes.probe_report_.values()]
    np.testing.assert_allclose(heights, expected)
    assert [t.get_text() for t in ax.get_xticklabels()] == probes.layer_names_
    assert len(ax.collections) == 1  # train-error ticks
    ax = plot_probe_errors({"a": 0.4, "b": 0.1}, show_train=False, annotate=False)
    assert [p.get_height() for p in ax.patches] == [0.4, 0.1] and not ax.texts


def test_plot_probe_errors_heatmap_and_bad_input():
    history = [
        {"epoch": 1, "train_loss": 1.0},
        {"epoch": 2, "probe_error__a": 0.5, "probe_error__b": 0.3},
        {"epoch": 3, "train_loss": 0.5},
        {"epoch": 4, "probe_error__a": 0.2, "probe_error__b": 0.1},
    ]
    ax = plot_probe_errors(history)
    np.testing.assert_allclose(ax.images[0].get_array(), [[0.5, 0.3], [0.2, 0.1]])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2", "4"]
    ax = plot_probe_errors(history, kind="bars")
    assert [p.get_height() for p in ax.patches] == [0.2, 0.1]
    with pytest.raises(ValueError, match="no 'probe_error__<layer>' entries"):
        plot_probe_errors([{"epoch": 1}])
    with pytest.raises(ValueError, match="kind"):
        plot_probe_errors(history, kind="pie")
    with pytest.raises(ValueError, match="heatmap needs a history"):
        plot_probe_errors({"a": 0.1}, kind="heatmap")
    with pytest.raises(TypeError, match="errors must be"):
        plot_probe_errors(3.0)
