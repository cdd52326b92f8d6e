"""Property-based fuzzing of every estimator's fit and inference methods.

Random shapes, dtypes (floats, ints, booleans, objects, strings) and magnitudes (0, -0.0,
subnormals, values beyond float32's range, 1e300, NaN, inf): whatever the input, an estimator
either raises a ValueError or TypeError (or the documented
:class:`skscore.exceptions.NonFiniteLossError` for a diverging fit) or returns finite outputs.
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skscore import (
    RCAE,
    ConservativeFieldRegressor,
    DenoisingAEScoreEstimator,
    GSNSampler,
    LinearProbeTransformer,
    NoiseConditionalScoreEstimator,
)
from skscore.exceptions import NonFiniteLossError

ALLOWED = (ValueError, TypeError, NonFiniteLossError)
FUZZ = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TINY = {"hidden_layer_sizes": (4,), "max_epochs": 2, "batch_size": 8, "device": "cpu"}

#: Magnitudes that broke estimators before: beyond float32 (1e39), near float64's limit,
#: signed zero, subnormals, non-finite values.
SPECIAL = [0.0, -0.0, 1.0, -1.0, 5e-324, 1e-310, 1e-39, 1e39, -1e39, 1e300, -1e300, 3.4e38]
SPECIAL += [np.nan, np.inf, -np.inf]


@st.composite
def arrays(draw, n_features=None, min_rows=0, max_rows=12, special=True):
    """A 2-D array-like (sometimes 1-D or 3-D, a list, or of a non-float dtype)."""
    n = draw(st.integers(min_rows, max_rows))
    d = n_features if n_features is not None else draw(st.integers(1, 4))
    if n_features is not None and draw(st.integers(0, 9)) == 0:
        d = draw(st.integers(1, 5))  # sometimes the wrong number of features
    values = st.floats(-3, 3, allow_nan=False, width=64)
    if special:
        values = st.one_of(values, values, st.sampled_from(SPECIAL))
    X = np.array(draw(st.lists(values, min_size=n * d, max_size=n * d)), dtype=np.float64)
    X = X.reshape(n, d)
    kind = draw(st.sampled_from(["f64"] * 4 + ["f32", "int", "bool", "object", "str", "nd"]))
    with np.errstate(all="ignore"):
        if kind == "f32":
            return X.astype(np.float32)
        if kind == "int":
            return np.nan_to_num(X).clip(-(2**62), 2**62).astype(np.int64)
        if kind == "bool":
            return X > 0
        if kind == "object":
            return X.astype(object)
        if kind == "str":
            return X.astype(str)
        if kind == "nd":
            return X[..., None] if draw(st.booleans()) else X.ravel()
    return X


def _labels(n, draw):
    return np.array(draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))


def _check_finite(value, what):
    array = np.asarray(value, dtype=np.float64)
    assert np.isfinite(array).all(), f"{what} returned non-finite values: {array}"


def _call(fn, what, *args, **kwargs):
    """Run ``fn``; allowed errors pass, other exceptions fail; outputs must be finite."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            out = fn(*args, **kwargs)
    except ALLOWED:
        return None
    if isinstance(out, dict):
        out = list(out.values())
    if not hasattr(out, "fit"):
        _check_finite(out, what)
    return out


def _clean(n=40, d=2, seed=0):
    return np.random.RandomState(seed).randn(n, d)


FACTORIES = {
    "dae": lambda: DenoisingAEScoreEstimator(random_state=0, **TINY),
    "dae-tied": lambda: DenoisingAEScoreEstimator(tied_weights=True, random_state=0, **TINY),
    "rcae-energy": lambda: RCAE(parametrization="energy", random_state=0, **TINY),
    "gsn": lambda: GSNSampler(n_estimator_samples=10, random_state=0, **TINY),
    "ncse": lambda: NoiseConditionalScoreEstimator(random_state=0, **TINY),
    "field": lambda: ConservativeFieldRegressor(random_state=0, **TINY),
    "probes": lambda: LinearProbeTransformer(random_state=0, device="cpu"),
}


def _fit_args(name, X, draw):
    if name == "field":
        n = len(X) if hasattr(X, "__len__") else 0
        d = X.shape[1] if getattr(X, "ndim", 0) == 2 else 1
        Y = draw(arrays(n_features=d, min_rows=n, max_rows=n))
        return (X, Y if draw(st.booleans()) else (Y[:, 0] if Y.ndim == 2 else Y))
    if name == "probes":
        return (X, _labels(len(X), draw))
    return (X,)


@pytest.mark.parametrize("name", list(FACTORIES))
@FUZZ
@given(data=st.data())
def test_fit_raises_clear_errors_or_gives_a_finite_model(name, data):
    X = data.draw(arrays(), label="X")
    estimator = FACTORIES[name]()
    fitted = _call(estimator.fit, f"{name}.fit", *_fit_args(name, X, data.draw))
    if fitted is not None:  # a model that fitted predicts finite values on its own data
        _inference(name, fitted, X, data.draw)


def _inference(name, est, X, draw):
    if name in ("dae", "dae-tied", "rcae-energy"):
        for method in ("grad_log_density", "hessian_log_density", "score_samples", "score"):
            _call(getattr(est, method), f"{name}.{method}", X)
        _call(est.reconstruct, "reconstruct", X)
        _call(est.transform, "transform", X)
        _call(est.local_mean, "local_mean", X, 0.1)
        _call(est.energy_difference, "energy_difference", X, np.asarray(X)[::-1])
        n = len(X) if getattr(X, "ndim", 0) == 2 and len(X) else 1
        init = X if getattr(X, "ndim", 0) == 2 and len(X) else None
        _call(est.sample, "sample", n, n_steps=2, burn_in=1, X_init=init, random_state=0)
    elif name == "gsn":
        for method in ("transform", "score_samples", "score"):
            _call(getattr(est, method), f"gsn.{method}", X)
        _call(est.impute, "impute", X, n_steps=2, random_state=0)
        n = len(X) if getattr(X, "ndim", 0) == 2 and len(X) else 1
        init = X if getattr(X, "ndim", 0) == 2 and len(X) else None
        _call(est.sample, "sample", n, burn_in=1, X_init=init, random_state=0)
    elif name == "ncse":
        for method in ("grad_log_density", "hessian_log_density", "score_samples", "score"):
            _call(getattr(est, method), f"ncse.{method}", X)
        _call(est.energy_difference, "energy_difference", X, np.asarray(X)[::-1])
        n = len(X) if getattr(X, "ndim", 0) == 2 and len(X) else 1
        _call(est.sample, "sample", n, n_levels=2, n_steps=1, random_state=0)
    elif name == "field":
        for method in ("predict", "gradient", "jacobian"):
            _call(getattr(est, method), f"field.{method}", X)
        if est.parametrization != "untied_ae":
            _call(est.potential, "potential", X)
    else:
        n = len(X) if hasattr(X, "__len__") else 0
        y = _labels(n, draw)
        _call(est.transform, "probes.transform", X)
        _call(est.score_layers, "probes.score_layers", X, y)


@pytest.fixture(scope="module")
def fitted():
    X = _clean()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        models = {}
        for name, factory in FACTORIES.items():
            est = factory()
            if name == "field":
                est.fit(X, -X)
            elif name == "probes":
                est.fit(X, (X[:, 0] > 0).astype(int))
            else:
                est.fit(X)
            models[name] = est
    return models


@pytest.mark.parametrize("name", list(FACTORIES))
@settings(FUZZ, max_examples=40)
@given(data=st.data())
def test_inference_raises_clear_errors_or_returns_finite_values(fitted, name, data):
    X = data.draw(arrays(n_features=2), label="X")
    _inference(name, fitted[name], X, data.draw)


# -- what the fuzzing found (regressions) ---------------------------------------------------------
def test_found_probes_on_huge_inputs_name_the_scale(fitted):
    X = _clean() * 1e300
    y = (X[:, 0] > 0).astype(int)
    with pytest.raises(ValueError, match="beyond float32's range"):  # the default network
        LinearProbeTransformer(random_state=0).fit(X, y)
    model = fitted["probes"].model_
    with pytest.raises(ValueError, match="layer '0' has features up to .*e\\+300"):
        LinearProbeTransformer(model, random_state=0).fit(X, y)


def test_found_gsn_chains_from_beyond_float32(fitted):
    with pytest.raises(ValueError, match="X_init has values up to 1e\\+39"):
        fitted["gsn"].sample(1, burn_in=1, X_init=[[0.0, 1e39]], random_state=0)


def test_found_reversed_views_accepted(fitted):
    X = _clean(10)
    dae = fitted["dae"]
    np.testing.assert_array_equal(
        dae.energy_difference(X, X[::-1]), dae.energy_difference(X, X[::-1].copy())
    )


# -- the reliability battery (issue #22): one test of each class for every estimator ----------
NEURAL = [name for name in ("dae", "rcae-energy", "gsn", "ncse", "field")]
EVERY = [*NEURAL, "probes"]


def _fit(name, est, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name == "field":
            return est.fit(X, -np.asarray(X, dtype=np.float64))
        if name == "probes":
            return est.fit(X, (np.asarray(X)[:, 0] > 0).astype(int))
        return est.fit(X)


def _numeric_parameters(est):
    """Parameters whose constraints take a number and no boolean."""
    from skscore._core.validation import _takes_numbers

    return [
        name
        for name, constraints in est._parameter_constraints.items()
        if _takes_numbers(constraints) is not None
    ]


#: Method arguments that take a number, per estimator: (method, args, kwargs).
BOOLEAN_ARGUMENTS = {
    "dae": [("local_mean", (_clean(5), True), {}), ("sample", (True,), {})],
    "rcae-energy": [("local_mean", (_clean(5), True), {}), ("sample", (True,), {})],
    "gsn": [("sample", (True,), {}), ("impute", (_clean(5),), {"n_steps": True})],
    "ncse": [
        ("grad_log_density", (_clean(5),), {"sigma": True}),
        ("hessian_log_density", (_clean(5),), {"sigma": True}),
        ("energy_difference", (_clean(5), _clean(5)), {"sigma": True}),
        ("sample", (True,), {}),
    ],
    "field": [],
    "probes": [],
}


@pytest.mark.parametrize("name", EVERY)
def test_booleans_refused_where_numbers_are_expected(fitted, name):
    """``True`` is not the number 1: every numeric parameter and method argument refuses it."""
    numeric = _numeric_parameters(FACTORIES[name]())
    assert numeric
    for param in numeric:
        est = FACTORIES[name]().set_params(**{param: True})
        with pytest.raises(ValueError, match=f"'{param}' parameter .*True"):
            _fit(name, est, _clean())
    for method, args, kwargs in BOOLEAN_ARGUMENTS[name]:
        with pytest.raises(ValueError, match="not the boolean True"):
            getattr(fitted[name], method)(*args, **kwargs)


def _inference_outputs(name, est, X):
    if name in ("dae", "rcae-energy"):
        return [est.grad_log_density(X), est.score_samples(X), est.energy_difference(X, X)]
    if name == "gsn":
        return [est.transform(X), est.score_samples(X)]
    if name == "ncse":
        return [
            est.grad_log_density(X),
            est.hessian_log_density(X),
            est.energy_difference(X, X, method="path"),
        ]
    if name == "field":
        return [est.predict(X), est.gradient(X), est.jacobian(X)]
    return [est.transform(X)]


@pytest.mark.parametrize("name", EVERY)
def test_any_numpy_layout_accepted(fitted, name):
    """Reversed one-row views (negative strides that np.ascontiguousarray keeps), reversed
    float32 views and Fortran order: at fit and in every inference method."""
    X = _clean(12)
    for view in (X[:1][::-1], X[::-1], np.asfortranarray(X), X[:, ::-1][:, ::-1]):
        expected = _inference_outputs(name, fitted[name], view.copy())
        for got, want in zip(_inference_outputs(name, fitted[name], view), expected, strict=True):
            np.testing.assert_array_equal(got, want)
    X32 = _clean(40).astype(np.float32)
    a = _fit(name, FACTORIES[name](), X32[::-1])
    b = _fit(name, FACTORIES[name](), X32[::-1].copy())
    for got, want in zip(
        _inference_outputs(name, a, X), _inference_outputs(name, b, X), strict=True
    ):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", EVERY)
def test_unfitted_attributes_raise_not_fitted_error(name):
    from sklearn.exceptions import NotFittedError

    est = FACTORIES[name]()
    attributes = ["module_", "history_"] if name != "probes" else []
    for attribute in attributes:
        with pytest.raises(NotFittedError):
            getattr(est, attribute)
    with pytest.raises(NotFittedError):
        _inference_outputs(name, est, _clean(3))


@pytest.mark.parametrize("name", NEURAL)
def test_optimizer_arguments_checked_before_training(name):
    for params in ({"betas": "x"}, {"eps": -1.0}, {"momentum": 0.9}):
        est = FACTORIES[name]().set_params(optimizer_params=params)
        with pytest.raises(ValueError, match="optimizer"):
            _fit(name, est, _clean())


@pytest.mark.parametrize("name", NEURAL)
def test_callbacks_checked(name):
    for callbacks in ([1], ["early_stopping"], [("name", object())]):
        est = FACTORIES[name]().set_params(callbacks=callbacks)
        with pytest.raises(TypeError, match="callbacks must be a list of skorch Callback"):
            _fit(name, est, _clean())


@pytest.mark.parametrize("name", EVERY)
@pytest.mark.parametrize("scale", [1e-30, 1e30])
def test_scale_problems_named(name, scale):
    """Data at an extreme scale: a model whose outputs are finite, or an error that names the
    scale; a diverging fit never advises to keep standardize=True when it is True."""
    X = _clean() * scale
    try:
        est = _fit(name, FACTORIES[name](), X)
    except NonFiniteLossError as exc:
        assert "keep `standardize=True`" not in str(exc)
        return
    except ValueError as exc:
        assert "scale" in str(exc) or "range" in str(exc), str(exc)
        return
    for output in _inference_outputs(name, est, X):
        assert np.isfinite(output).all()
    if name != "probes":
        assert "keep `standardize=True`" not in est._remedy()
        assert "set `standardize=True`" in est.set_params(standardize=False)._remedy()


@pytest.mark.parametrize(
    "params, message",
    [
        ({"sigma_min": 1e-300}, "sigma_min=1e-300 is outside"),
        ({"sigma_max": 1e300}, "sigma_max=1e\\+300 is outside"),
        ({"sigma_min": 1e-20, "sigma_max": 1.0}, "sigma_min=1e-20 is outside"),
    ],
)
def test_ncse_noise_levels_beyond_float32_named_before_training(params, message):
    est = FACTORIES["ncse"]().set_params(**params)
    with pytest.raises(ValueError, match=message):
        est.fit(_clean())
    assert not hasattr(est, "net_")


def test_ncse_sigma_max_auto_as_documented():
    """``sigma_max="auto"`` is ``max(2 sqrt(trace C), 10 sigma_min_)``."""
    X = _clean(60)
    spread = 2.0 * np.sqrt(np.trace(np.cov(X, rowvar=False, bias=True)))
    small = NoiseConditionalScoreEstimator(sigma_min=0.01, **TINY).fit(X)
    assert small.sigma_max_ == pytest.approx(spread)
    large = NoiseConditionalScoreEstimator(sigma_min=5.0, **TINY).fit(X)
    assert large.sigma_max_ == pytest.approx(50.0)
    assert "10 * sigma_min_" in NoiseConditionalScoreEstimator.__doc__
