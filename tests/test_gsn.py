"""GSNSampler against ground truth, persistence, determinism and bad input."""

import io
import itertools
import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone

from skscore import GSNSampler

FAST = dict(device="cpu", random_state=0)

# A distribution over {0, 1}^3 with exact probabilities (stationary-distribution test).
STATES = np.array(list(itertools.product([0.0, 1.0], repeat=3)))
PROBS = np.array([0.30, 0.04, 0.06, 0.10, 0.05, 0.10, 0.05, 0.30])


def _tv(p, q):
    return 0.5 * np.abs(np.asarray(p) - np.asarray(q)).sum()


def _histogram(samples):
    codes = samples @ np.array([4.0, 2.0, 1.0])
    return np.bincount(codes.astype(int), minlength=8) / len(samples)


@pytest.fixture(scope="module")
def discrete_data():
    rng = np.random.RandomState(0)
    return STATES[rng.choice(8, size=2000, p=PROBS)]


@pytest.fixture(scope="module")
def discrete_gsn(discrete_data):
    return GSNSampler(
        hidden_layer_sizes=(32,),
        corruption_level=0.2,
        walkback=0,
        max_epochs=20,
        batch_size=100,
        lr=3e-3,
        n_estimator_samples=2000,
        **FAST,
    ).fit(discrete_data)


@pytest.fixture(scope="module")
def patterns():
    """Two complementary 16-bit patterns with 5% flipped bits: strong pixel correlations."""
    rng = np.random.RandomState(0)
    base = np.tile([1.0, 0.0], 8)
    proto = np.vstack([base, 1.0 - base])
    X = proto[rng.randint(2, size=600)]
    flip = rng.uniform(size=X.shape) < 0.05
    return np.where(flip, 1.0 - X, X)


@pytest.fixture(scope="module")
def pattern_gsn(patterns):
    return GSNSampler(
        hidden_layer_sizes=(32,),
        walkback=0,
        max_epochs=30,
        batch_size=64,
        lr=1e-2,
        n_estimator_samples=200,
        **FAST,
    ).fit(patterns)


# -- ground truth ----------------------------------------------------------------------------


def test_auto_resolution(discrete_gsn):
    assert discrete_gsn.corruption_ == "salt_and_pepper"
    assert discrete_gsn.reconstruction_ == "bernoulli"
    # bits enter the network as they are
    np.testing.assert_array_equal(discrete_gsn.mean_, 0.0)
    np.testing.assert_array_equal(discrete_gsn.scale_, 1.0)


def test_chain_stationary_distribution_matches_data(discrete_gsn):
    # Proposition 1: the chain alternating C(x~|x) and P(x|x~) samples the data distribution.
    # The residual error (measured TV 0.074) is the factorised Bernoulli P(x|x~), which can
    # only approximate the true, correlated posterior.
    samples = discrete_gsn.sample(20000, n_chains=200, burn_in=50, thin=2, random_state=0)
    assert set(np.unique(samples)) <= {0.0, 1.0}
    hist = _histogram(samples)
    assert _tv(hist, PROBS) < 0.12
    # far closer than the product of the marginals (no pixel correlations)
    marg = STATES.T @ PROBS
    independent = np.prod(np.where(STATES == 1, marg, 1 - marg), axis=1)
    assert _tv(hist, PROBS) < 0.5 * _tv(independent, PROBS)


def test_score_samples_is_a_normalised_distribution(discrete_gsn):
    # p_hat(x) = mean_j P(x | h_j) is a mixture of factorised Bernoullis: it sums to 1.
    p_hat = np.exp(discrete_gsn.score_samples(STATES))
    assert p_hat.sum() == pytest.approx(1.0, abs=1e-9)
    assert _tv(p_hat, PROBS) < 0.12
    assert discrete_gsn.score(STATES) == pytest.approx(discrete_gsn.score_samples(STATES).mean())


def test_gaussian_chain_matches_mixture():
    rng = np.random.RandomState(0)
    X = np.concatenate([rng.normal(-2.0, 0.4, 1000), rng.normal(2.0, 0.4, 1000)])[:, None]
    gsn = GSNSampler(
        hidden_layer_sizes=(32,),
        corruption_level=0.5,
        walkback=0,
        max_epochs=30,
        batch_size=200,
        lr=1e-2,
        n_estimator_samples=500,
        **FAST,
    ).fit(X)
    assert (gsn.corruption_, gsn.reconstruction_) == ("gaussian", "gaussian")
    S = gsn.sample(4000, n_chains=400, burn_in=50, thin=2, random_state=0)[:, 0]
    # both modes visited in about equal proportions, each with about the right spread
    assert abs(np.mean(S > 0) - 0.5) < 0.1
    for sign in (-1, 1):
        mode = S[np.sign(S) == sign]
        assert abs(mode.mean() - 2.0 * sign) < 0.25
        assert 0.25 < mode.std() < 0.7
    # the model's own density estimate prefers the modes to the gap between them
    logp = gsn.score_samples(np.array([[-2.0], [0.0], [2.0]]))
    assert logp[0] > logp[1] + 1.0 and logp[2] > logp[1] + 1.0


def test_impute_fills_correlated_bits(pattern_gsn, patterns):
    X = patterns[:200].copy()
    rng = np.random.RandomState(1)
    mask = np.zeros(X.shape, dtype=bool)
    for row in mask:
        row[rng.choice(16, size=8, replace=False)] = True
    X_missing = np.where(mask, np.nan, X)
    X_missing[:20] = X[:20]  # complete rows come back unchanged
    mask[:20] = False
    filled = pattern_gsn.impute(X_missing, random_state=0)
    assert not np.isnan(filled).any()
    np.testing.assert_array_equal(filled[~mask], X[~mask])
    assert ((filled >= 0) & (filled <= 1)).all()
    gsn_accuracy = np.mean((filled[mask] > 0.5) == X[mask])
    column_means = np.nanmean(np.where(mask, np.nan, X), axis=0)
    mean_accuracy = np.mean((np.broadcast_to(column_means, X.shape)[mask] > 0.5) == X[mask])
    assert gsn_accuracy > 0.85
    assert gsn_accuracy > mean_accuracy + 0.2


def test_impute_gaussian_beats_column_means():
    rng = np.random.RandomState(0)
    t = rng.normal(size=(1500, 1))
    X = np.hstack([t, -t, 0.5 * t]) + 0.1 * rng.normal(size=(1500, 3))
    gsn = GSNSampler(
        hidden_layer_sizes=(32,),
        corruption_level=0.2,
        walkback=0,
        max_epochs=30,
        batch_size=200,
        lr=1e-2,
        n_estimator_samples=100,
        **FAST,
    ).fit(X[:1000])
    X_test = X[1000:]
    X_missing = X_test.copy()
    X_missing[:, 1] = np.nan
    filled = gsn.impute(X_missing, random_state=0)
    np.testing.assert_array_equal(filled[:, [0, 2]], X_test[:, [0, 2]])
    mse_gsn = np.mean((filled[:, 1] - X_test[:, 1]) ** 2)
    mse_mean = np.mean((X[:1000, 1].mean() - X_test[:, 1]) ** 2)
    assert mse_gsn < 0.1 * mse_mean  # measured 0.019 vs 0.94


# -- options ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"walkback": 0},
        {"walkback": 3},
        {"walkback": "geometric", "learn_scaling": True},
        {"hidden_layer_sizes": (16, 16), "hidden_noise": 0.5},
        {"hidden_layer_sizes": (16, 16, 8), "hidden_noise": 0.5, "learn_scaling": True},
        {"corruption": "gaussian", "reconstruction": "gaussian", "corruption_level": 0.3},
    ],
)
def test_options_train_and_sample(params, patterns):
    params = {"hidden_layer_sizes": (16,), "max_epochs": 3, "n_estimator_samples": 50, **params}
    gsn = GSNSampler(**params, **FAST).fit(patterns)
    S = gsn.sample(6, n_chains=3, burn_in=5, random_state=0)
    assert S.shape == (6, 16) and np.isfinite(S).all()
    assert gsn.transform(patterns[:4]).shape == (4, gsn.hidden_layer_sizes[-1])
    assert np.isfinite(gsn.score_samples(patterns[:4])).all()
    n_alphas = {0: 1, 3: 3}.get(gsn.walkback, 10)
    assert gsn.scaling_factors_.shape == (n_alphas,)
    if not gsn.learn_scaling:
        np.testing.assert_array_equal(gsn.scaling_factors_, 1.0)


def test_learned_scaling_factors_decrease_with_walkback_step(patterns):
    # binary data: later walkback steps are more uncertain, so alpha_k decreases (fig. 5.9);
    # measured [1.54, 1.12, 0.77, 0.49, ...]
    gsn = GSNSampler(
        hidden_layer_sizes=(32,),
        corruption_level=0.6,
        learn_scaling=True,
        max_epochs=20,
        batch_size=64,
        lr=1e-2,
        n_estimator_samples=50,
        **FAST,
    ).fit(patterns)
    alphas = gsn.scaling_factors_
    assert alphas[0] > 1.2
    assert alphas[0] > alphas[1] > alphas[3]


def test_sample_layout_and_mean_field(pattern_gsn):
    S = pattern_gsn.sample(10, n_chains=2, burn_in=3, random_state=0)
    assert S.shape == (10, 16)
    assert set(np.unique(S)) <= {0.0, 1.0}
    # chain-major: the first 5 rows are consecutive states of chain 0 (same as one chain)
    M = pattern_gsn.sample(7, n_chains=3, mean_field=True, random_state=0)
    assert M.shape == (7, 16) and ((M > 0) & (M < 1)).all()
    X_init = np.zeros((2, 16))
    S0 = pattern_gsn.sample(4, n_chains=2, burn_in=0, X_init=X_init, random_state=0)
    assert S0.shape == (4, 16)


def test_transform_is_deterministic_top_layer(patterns):
    gsn = GSNSampler(hidden_layer_sizes=(12, 6), hidden_noise=1.0, max_epochs=2, **FAST)
    H = gsn.fit_transform(patterns[:50])
    assert H.shape == (50, 6)
    np.testing.assert_array_equal(H, gsn.transform(patterns[:50]))
    np.testing.assert_allclose(gsn.transform(patterns[:5]), H[:5], rtol=1e-12)
    assert gsn.transform(patterns[:5].astype(np.float32)).dtype == np.float32
    assert list(gsn.get_feature_names_out())[:2] == ["gsnsampler0", "gsnsampler1"]


# -- persistence and determinism -------------------------------------------------------------


def test_pickle_round_trip_identical(pattern_gsn, patterns):
    restored = pickle.loads(pickle.dumps(pattern_gsn))
    X = patterns[:30]
    X_missing = X.copy()
    X_missing[:, :8] = np.nan
    for a, b in ((pattern_gsn, restored),):
        np.testing.assert_array_equal(a.score_samples(X), b.score_samples(X))
        np.testing.assert_array_equal(a.transform(X), b.transform(X))
        np.testing.assert_array_equal(
            a.sample(20, n_chains=4, random_state=3), b.sample(20, n_chains=4, random_state=3)
        )
        np.testing.assert_array_equal(
            a.impute(X_missing, random_state=3), b.impute(X_missing, random_state=3)
        )
    buffer = io.BytesIO()
    torch.save(pattern_gsn.module_.state_dict(), buffer)
    assert buffer.tell() > 0


def test_same_seed_same_result_and_global_rng_untouched(patterns):
    state = torch.random.get_rng_state()
    params = dict(hidden_layer_sizes=(8, 8), hidden_noise=0.5, max_epochs=2, **FAST)
    a = GSNSampler(**params).fit(patterns)
    b = clone(a).fit(patterns)
    X_missing = patterns[:10].copy()
    X_missing[:, ::2] = np.nan
    np.testing.assert_array_equal(a.sample(8, random_state=0), b.sample(8, random_state=0))
    np.testing.assert_array_equal(
        a.impute(X_missing, random_state=0), b.impute(X_missing, random_state=0)
    )
    np.testing.assert_array_equal(a.score_samples(patterns), b.score_samples(patterns))
    assert not np.array_equal(a.sample(50, random_state=0), a.sample(50, random_state=1))
    assert torch.equal(torch.random.get_rng_state(), state)


# -- bad input ------------------------------------------------------------------------------


def test_impute_is_the_only_method_accepting_nan(pattern_gsn, patterns):
    X_nan = patterns[:5].copy()
    X_nan[0, 0] = np.nan
    assert np.isfinite(pattern_gsn.impute(X_nan, n_steps=4, random_state=0)).all()
    for method in ("transform", "score_samples", "score"):
        with pytest.raises(ValueError, match="NaN"):
            getattr(pattern_gsn, method)(X_nan)
    with pytest.raises(ValueError, match="NaN"):
        pattern_gsn.sample(5, X_init=X_nan)
    with pytest.raises(ValueError, match="NaN"):
        clone(pattern_gsn).fit(X_nan)
    X_inf = patterns[:5].copy()
    X_inf[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        pattern_gsn.impute(X_inf)
    with pytest.raises(ValueError, match="features"):
        pattern_gsn.impute(np.full((2, 3), np.nan))


@pytest.mark.parametrize(
    "params, X, match",
    [
        ({"corruption": "salt_and_pepper"}, [[0.0, 2.0], [1.0, 0.5]], r"\[0, 1\]"),
        ({"reconstruction": "bernoulli"}, [[0.0, -1.0], [1.0, 0.5]], r"\[0, 1\]"),
        ({"corruption_level": 1.5}, [[0.0, 1.0], [1.0, 0.0]], "probability"),
        ({"hidden_layer_sizes": ()}, [[0.0, 1.0], [1.0, 0.0]], "hidden_layer_sizes"),
    ],
)
def test_bad_fit_input(params, X, match):
    with pytest.raises(ValueError, match=match):
        GSNSampler(max_epochs=1, **params, **FAST).fit(np.array(X))


def test_bad_method_arguments(pattern_gsn, patterns):
    with pytest.raises(ValueError, match="n_chains"):
        pattern_gsn.sample(2, n_chains=3)
    with pytest.raises(ValueError, match="n_samples"):
        pattern_gsn.sample(0)
    with pytest.raises(ValueError, match="thin"):
        pattern_gsn.sample(2, thin=0)
    with pytest.raises(ValueError, match="X_init"):
        pattern_gsn.sample(4, n_chains=2, X_init=patterns[:3])
    with pytest.raises(ValueError, match="n_steps"):
        pattern_gsn.impute(patterns[:2], n_steps=0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        pattern_gsn.score_samples(patterns[:2] * 2)


def test_latent_gsn_without_hidden_noise_warns(patterns):
    with pytest.warns(UserWarning, match="hidden_noise"):
        GSNSampler(hidden_layer_sizes=(8, 8), max_epochs=1, n_estimator_samples=10, **FAST).fit(
            patterns
        )


def test_one_layer_transform_is_the_encoder(pattern_gsn, patterns):
    layer = pattern_gsn.module_.layers[0]
    W, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    np.testing.assert_allclose(pattern_gsn.transform(patterns), np.tanh(patterns @ W.T + b))
