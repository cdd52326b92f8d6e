"""GSNSampler against ground truth, persistence, determinism and bad input."""

import io
import itertools
import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone

from skscore import GSNSampler
from skscore._gsn.nn import GSNModule
from skscore._gsn.objective import GSNLoss
from skscore.datasets import load_binary_digits, make_spiral

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


@pytest.fixture(scope="module")
def digits_gsn():
    """The model of the method docstrings: 10 epochs on 300 binary digits."""
    X, _ = load_binary_digits(return_X_y=True)
    gsn = GSNSampler(
        hidden_layer_sizes=(64,),
        walkback=0,
        max_epochs=10,
        batch_size=32,
        lr=1e-2,
        n_estimator_samples=200,
        random_state=0,
    )
    return gsn.fit(X[:300]), X


def test_digits_gsn_samples_are_mostly_the_likely_pixel_value(digits_gsn):
    gsn, _ = digits_gsn
    S = gsn.sample(6, n_chains=2, burn_in=10, thin=5, random_state=0)
    P = gsn.sample(6, n_chains=2, burn_in=10, thin=5, mean_field=True, random_state=0)
    assert np.mean(S == (P > 0.5)) > 0.75


def test_digits_gsn_imputes_better_than_pixel_means(digits_gsn):
    gsn, X = digits_gsn
    X_test = X[300:400]
    missing = np.random.RandomState(0).uniform(size=X_test.shape) < 0.3
    filled = gsn.impute(np.where(missing, np.nan, X_test), n_steps=20, random_state=0)
    gsn_accuracy = np.mean((filled[missing] > 0.5) == X_test[missing])
    pixel_means = np.broadcast_to(X[:300].mean(axis=0), X_test.shape)
    assert gsn_accuracy > np.mean((pixel_means[missing] > 0.5) == X_test[missing])


def test_digits_gsn_likelihood_beats_noise_and_independent_pixels(digits_gsn):
    gsn, X = digits_gsn
    X_test = X[300:400]
    noise = np.random.RandomState(0).randint(2, size=(100, 64)).astype(float)
    # every held-out digit is more likely than every image of random bits
    assert gsn.score_samples(X_test).min() > gsn.score_samples(noise).max()
    assert gsn.score(X_test) > gsn.score(noise)
    # a model of independent pixels ignores how pixels co-occur
    p = X[:300].mean(axis=0).clip(0.01, 0.99)
    independent = np.mean(X_test @ np.log(p) + (1 - X_test) @ np.log(1 - p))
    assert gsn.score(X_test) > independent


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


@pytest.mark.slow
def test_auto_corruption_follows_a_thin_curve():
    # corruption_level="auto" scales the Gaussian corruption with the data's spread (0.2 x
    # the RMS feature std, 0.044 here): the chain's samples stay near the spiral's arms,
    # where a fixed level of 0.2 (about the data's std) blurs them across. Held-out score
    # measured 0.42 against 0.15 (0.62 against 0.15 with the default 600 epochs).
    X = make_spiral(2500, noise=0.03, random_state=0)
    X_train, X_test = X[:2000], X[2000:]
    params = dict(max_epochs=200, n_estimator_samples=500, **FAST)
    auto = GSNSampler(**params).fit(X_train)
    rms_std = np.sqrt(np.mean(X_train.std(axis=0) ** 2))
    assert auto.corruption_level_ == pytest.approx(0.2 * rms_std)
    np.testing.assert_allclose(auto.scale_, np.sqrt(X_train.var(axis=0) + 0.04 * rms_std**2))
    fixed = GSNSampler(corruption_level=0.2, **params).fit(X_train)
    assert auto.score(X_test) > fixed.score(X_test) + 0.15


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


# -- missing values: learning from incomplete rows, imputing, pipelines -----------------------


def _hide(X, rate, seed):
    """X with a fraction ``rate`` of its entries set to NaN completely at random, and the mask."""
    mask = np.random.RandomState(seed).uniform(size=X.shape) < rate
    return np.where(mask, np.nan, X), mask


def _correlated_gaussian(n, seed=0):
    rng = np.random.RandomState(seed)
    t = rng.normal(size=(n, 1))
    return np.hstack([t, -t, 0.5 * t]) + 0.1 * rng.normal(size=(n, 3))


def test_objective_starts_missing_entries_at_column_means_and_clamps_observed_ones():
    fill = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    module = GSNModule(
        6, (8,), "tanh", "gaussian", 0.3, "gaussian", 0.0, 3, False,
        mean=np.zeros(6), scale=np.ones(6), fill_values=fill,
    )  # fmt: skip
    X = torch.randn(5, 6, generator=torch.Generator().manual_seed(0))
    X[:, :2] = float("nan")  # columns 0 and 1 never observed
    X[0, 4] = float("nan")
    observed = ~torch.isnan(X)
    seen = []  # the visible state entering each walkback step
    corrupt = module.corrupt
    module.corrupt = lambda x, generator: corrupt(seen.append(x.detach().clone()) or x, generator)
    loss = GSNLoss(walkback=3).per_example(module, X, generator=torch.Generator().manual_seed(1))
    assert len(seen) == 3 and torch.isfinite(loss).all()
    for x in seen:  # observed entries clamped to the example at every step
        torch.testing.assert_close(x[observed], X[observed])
    start = torch.as_tensor(fill, dtype=X.dtype).expand_as(X)
    torch.testing.assert_close(seen[0][~observed], start[~observed])  # column means first
    assert (seen[1][~observed] != start[~observed]).all()  # then resampled by the chain
    # missing entries are not in the loss: the decoder rows and variances of the never
    # observed columns get no gradient, those of the observed columns do
    loss.sum().backward()
    for grad in (module.decoder.weight.grad, module.visible_bias.grad, module.log_std.grad):
        assert (grad[:2] == 0).all() and (grad[2:].abs().sum(-1) > 0).all()


def test_objective_returns_each_row_its_own_walkback_loss():
    # rows are processed sorted by walkback length; the loss must come back in row order
    module = GSNModule(
        8, (8,), "tanh", "salt_and_pepper", 0.2, "bernoulli", 0.0, 10, False,
        mean=np.zeros(8), scale=np.ones(8),
    )  # fmt: skip
    X = torch.zeros(400, 8)
    objective = GSNLoss("geometric", 0.5, 10)
    lengths = objective.lengths(400, X, torch.Generator().manual_seed(3))  # the first draw
    with torch.no_grad():
        loss = objective.per_example(module, X, generator=torch.Generator().manual_seed(3))
    per_step = loss / lengths
    # identical rows: every step costs about the same, so the loss is proportional to the length
    assert lengths.min() == 1 and lengths.max() >= 4
    assert per_step.std() < 0.1 * per_step.mean()


def test_fit_on_incomplete_rows_learns_gaussian():
    X = _correlated_gaussian(1500)
    X_train, _ = _hide(X[:1000], 0.3, seed=1)
    params = dict(hidden_layer_sizes=(32,), corruption_level=0.2, walkback=0, max_epochs=30)
    gsn = GSNSampler(**params, batch_size=200, lr=1e-2, n_estimator_samples=100, **FAST)
    gsn.fit(X_train)
    np.testing.assert_allclose(gsn.column_means_, np.nanmean(X_train, axis=0))
    assert np.isfinite(gsn.chain_starts_).all()
    X_test = X[1000:].copy()
    X_missing = X_test.copy()
    X_missing[:, 1] = np.nan
    filled = gsn.transform(X_missing)
    np.testing.assert_array_equal(filled[:, [0, 2]], X_test[:, [0, 2]])
    mse_gsn = np.mean((filled[:, 1] - X_test[:, 1]) ** 2)
    mse_mean = np.mean((gsn.column_means_[1] - X_test[:, 1]) ** 2)
    assert mse_gsn < 0.1 * mse_mean  # measured 0.054 vs 0.94 (0.018 trained on complete rows)


def test_fit_on_incomplete_rows_learns_bits(patterns):
    X_train, _ = _hide(patterns[:400], 0.4, seed=1)
    gsn = GSNSampler(
        hidden_layer_sizes=(32,), walkback=0, max_epochs=30, batch_size=64, lr=1e-2,
        n_estimator_samples=50, **FAST,
    ).fit(X_train)  # fmt: skip
    assert (gsn.corruption_, gsn.reconstruction_) == ("salt_and_pepper", "bernoulli")
    X_test = patterns[400:]
    X_missing, mask = _hide(X_test, 0.5, seed=2)
    filled = gsn.transform(X_missing)
    gsn_accuracy = np.mean((filled[mask] > 0.5) == X_test[mask])
    means = np.broadcast_to(gsn.column_means_, X_test.shape)
    mean_accuracy = np.mean((means[mask] > 0.5) == X_test[mask])
    assert gsn_accuracy > 0.85 and gsn_accuracy > mean_accuracy + 0.2  # measured 0.95, 0.51


def test_transform_is_impute_with_a_fixed_seed(pattern_gsn, patterns):
    X_missing, mask = _hide(patterns[:40], 0.3, seed=0)
    X_missing[:5] = patterns[:5]  # complete rows pass through
    filled = pattern_gsn.transform(X_missing)
    np.testing.assert_array_equal(filled, pattern_gsn.impute(X_missing, random_state=0))
    np.testing.assert_array_equal(filled, pattern_gsn.transform(X_missing))
    np.testing.assert_array_equal(filled[~mask], patterns[:40][~mask])
    assert not np.isnan(filled).any()
    assert pattern_gsn.transform(X_missing.astype(np.float32)).dtype == np.float32
    assert list(pattern_gsn.get_feature_names_out()[:2]) == ["x0", "x1"]
    # fit_transform is fit then transform (imputing the training rows)
    gsn = GSNSampler(hidden_layer_sizes=(8,), max_epochs=2, n_estimator_samples=20, **FAST)
    np.testing.assert_array_equal(
        gsn.fit_transform(X_missing), clone(gsn).fit(X_missing).transform(X_missing)
    )


@pytest.mark.parametrize("marker", [-1, -1.5])
def test_missing_values_marker_other_than_nan(marker):
    X = _correlated_gaussian(300)
    X_nan, mask = _hide(X, 0.2, seed=0)
    X_marked = np.where(mask, marker, X)
    params = dict(hidden_layer_sizes=(16,), max_epochs=3, n_estimator_samples=20, **FAST)
    by_nan = GSNSampler(**params).fit(X_nan)
    by_marker = GSNSampler(missing_values=marker, **params).fit(X_marked)
    np.testing.assert_array_equal(by_marker.column_means_, by_nan.column_means_)
    filled = by_marker.transform(X_marked)
    np.testing.assert_array_equal(filled, by_nan.transform(X_nan))
    assert not np.isin(filled[mask], marker).any()
    np.testing.assert_array_equal(X_marked[mask], marker)  # the input is not modified


def test_imputing_pipeline(patterns):
    pd = pytest.importorskip("pandas")
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    y = (patterns[:, 0] + patterns[:, 2] + patterns[:, 4] > 1.5).astype(int)  # the pattern
    X_missing, _ = _hide(patterns, 0.5, seed=3)
    columns = [f"pixel{i}" for i in range(16)]
    frame = pd.DataFrame(X_missing, columns=columns)
    gsn = GSNSampler(
        hidden_layer_sizes=(32,), walkback=0, max_epochs=30, batch_size=64, lr=1e-2,
        n_estimator_samples=50, **FAST,
    )  # fmt: skip
    model = make_pipeline(gsn, LogisticRegression()).fit(frame[:400], y[:400])
    assert model.score(frame[400:], y[400:]) > 0.95
    assert list(model[0].get_feature_names_out()) == columns
    model[0].set_output(transform="pandas")
    assert list(model[0].transform(frame[400:]).columns) == columns


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
    assert gsn.encode(patterns[:4]).shape == (4, gsn.hidden_layer_sizes[-1])
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


def test_encode_is_deterministic_top_layer(patterns):
    gsn = GSNSampler(hidden_layer_sizes=(12, 6), hidden_noise=1.0, max_epochs=2, **FAST)
    H = gsn.fit(patterns[:50]).encode(patterns[:50])
    assert H.shape == (50, 6)
    np.testing.assert_array_equal(H, gsn.encode(patterns[:50]))
    np.testing.assert_allclose(gsn.encode(patterns[:5]), H[:5], rtol=1e-12)
    assert gsn.encode(patterns[:5].astype(np.float32)).dtype == np.float32


# -- persistence and determinism -------------------------------------------------------------


def test_pickle_round_trip_identical(pattern_gsn, patterns):
    restored = pickle.loads(pickle.dumps(pattern_gsn))
    X = patterns[:30]
    X_missing = X.copy()
    X_missing[:, :8] = np.nan
    for a, b in ((pattern_gsn, restored),):
        np.testing.assert_array_equal(a.score_samples(X), b.score_samples(X))
        np.testing.assert_array_equal(a.encode(X), b.encode(X))
        np.testing.assert_array_equal(a.transform(X_missing), b.transform(X_missing))
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


def test_nan_only_where_it_marks_missing_values(pattern_gsn, patterns):
    X_nan = patterns[:5].copy()
    X_nan[0, 0] = np.nan
    assert np.isfinite(pattern_gsn.impute(X_nan, n_steps=4, random_state=0)).all()
    assert np.isfinite(pattern_gsn.transform(X_nan)).all()
    for method in ("encode", "score_samples", "score"):
        with pytest.raises(ValueError, match="NaN.*complete rows"):
            getattr(pattern_gsn, method)(X_nan)
    with pytest.raises(ValueError, match="NaN.*complete rows"):
        pattern_gsn.sample(5, X_init=X_nan)
    X_inf = patterns[:5].copy()
    X_inf[0, 0] = np.inf
    for method in ("impute", "transform", "encode", "score_samples"):
        with pytest.raises(ValueError, match="infinity"):
            getattr(pattern_gsn, method)(X_inf)
    with pytest.raises(ValueError, match="infinity"):
        clone(pattern_gsn).fit(X_inf)
    with pytest.raises(ValueError, match="features"):
        pattern_gsn.impute(np.full((2, 3), np.nan))
    with pytest.raises(ValueError, match="every entry of X is missing"):
        clone(pattern_gsn).fit(np.full((4, 3), np.nan))
    # with another marker NaN is an error, not a missing value
    marked = clone(pattern_gsn).set_params(missing_values=-1, max_epochs=1)
    with pytest.raises(ValueError, match=r"NaN but missing_values=-1"):
        marked.fit(X_nan)
    assert pattern_gsn.__sklearn_tags__().input_tags.allow_nan
    assert not marked.__sklearn_tags__().input_tags.allow_nan


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


def test_hidden_noise_auto_and_the_warning_for_an_explicit_zero(patterns):
    params = dict(max_epochs=1, n_estimator_samples=10, **FAST)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        latent = GSNSampler(hidden_layer_sizes=(8, 8), **params).fit(patterns)
        single = GSNSampler(hidden_layer_sizes=(8,), hidden_noise=0, **params).fit(patterns)
    assert (latent.hidden_noise_, single.hidden_noise_) == (2.0, 0.0)
    assert latent.module_.hidden_noise == 2.0
    assert GSNSampler(hidden_layer_sizes=(8,), **params).fit(patterns).hidden_noise_ == 0.0
    with pytest.warns(UserWarning, match="hidden_noise"):
        GSNSampler(hidden_layer_sizes=(8, 8), hidden_noise=0.0, **params).fit(patterns)


def test_one_layer_encode_is_the_encoder(pattern_gsn, patterns):
    layer = pattern_gsn.module_.layers[0]
    W, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    np.testing.assert_allclose(pattern_gsn.encode(patterns), np.tanh(patterns @ W.T + b))


# -- "auto" rules for grey images and the step budget ----------------------------------------


def test_auto_resolution_grey_pixels_and_continuous_unit_data():
    # grey images (intensities in [0, 1], most pixels at 0): salt-and-pepper and Bernoulli,
    # as the thesis did on MNIST; bits enter the network unstandardised
    rng = np.random.RandomState(0)
    grey = np.where(rng.uniform(size=(200, 16)) < 0.6, 0.0, rng.uniform(size=(200, 16)))
    params = dict(hidden_layer_sizes=(8,), max_epochs=1, n_estimator_samples=20, **FAST)
    gsn = GSNSampler(**params).fit(grey)
    assert (gsn.corruption_, gsn.reconstruction_) == ("salt_and_pepper", "bernoulli")
    assert gsn.corruption_level_ == pytest.approx(0.2)
    np.testing.assert_array_equal(gsn.scale_, 1.0)
    # continuous data in [0, 1] that never hits the bounds stays Gaussian
    uniform = rng.uniform(0.01, 0.99, size=(200, 4))
    gsn = GSNSampler(**params).fit(uniform)
    assert (gsn.corruption_, gsn.reconstruction_) == ("gaussian", "gaussian")
    # so does data outside [0, 1], however many zeros it has
    gsn = GSNSampler(**params).fit(np.where(grey > 0, 2.0 * grey, 0.0))
    assert (gsn.corruption_, gsn.reconstruction_) == ("gaussian", "gaussian")


def test_max_epochs_auto_is_a_step_budget(monkeypatch, patterns):
    from skscore._gsn import estimator

    params = dict(hidden_layer_sizes=(8,), n_estimator_samples=20, batch_size=100, **FAST)
    monkeypatch.setattr(estimator, "AUTO_MAX_STEPS", 12)
    gsn = GSNSampler(**params).fit(patterns)  # 600 rows: 6 batches, 12 steps = 2 epochs
    assert gsn.n_epochs_ == 2 and len(gsn.history_) == 2
    monkeypatch.setattr(estimator, "AUTO_EPOCHS", 1)
    assert GSNSampler(**params).fit(patterns).n_epochs_ == 1  # never more than AUTO_EPOCHS
    assert GSNSampler(max_epochs=3, **params).fit(patterns).n_epochs_ == 3
    # the unpatched rule keeps 600 epochs on 1,097 binarised digits (11 batches)
    monkeypatch.undo()
    assert min(estimator.AUTO_EPOCHS, estimator.AUTO_MAX_STEPS // 11) == 600


def test_grey_training_inputs_are_drawn_as_bits():
    from skscore._gsn.objective import binarize_grey

    module = GSNModule(4, (8,), "tanh", "salt_and_pepper", 0.2, "bernoulli", 0.0, 1, False,
                       mean=np.zeros(4), scale=np.ones(4))  # fmt: skip
    bits = torch.tensor([[0.0, 1.0, 1.0, 0.0]])
    generator = torch.Generator().manual_seed(0)
    state = generator.get_state()
    # bits pass unchanged and draw nothing: binary data train exactly as before
    assert torch.equal(binarize_grey(module, bits, generator), bits)
    assert torch.equal(generator.get_state(), state)
    grey = torch.tensor([[0.0, 0.25, 0.75, 1.0]]).repeat(20000, 1)
    drawn = binarize_grey(module, grey, generator)
    assert set(drawn.unique().tolist()) <= {0.0, 1.0}
    np.testing.assert_allclose(drawn.mean(0).numpy(), [0.0, 0.25, 0.75, 1.0], atol=0.01)
