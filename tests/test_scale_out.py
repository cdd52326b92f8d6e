"""Scale-out paths: GridSearchCV on a Dask cluster, and every estimator on CUDA when present
(tests marked ``gpu``; their CPU variants run everywhere)."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV

from skscore import (
    RCAE,
    ConservativeFieldRegressor,
    DenoisingAEScoreEstimator,
    GSNSampler,
    LinearProbeTransformer,
)
from skscore._core.nn import make_mlp
from skscore.datasets import GaussianMixtureDensity, load_binary_digits

FAST = dict(hidden_layer_sizes=(16,), max_epochs=5, random_state=0)


@pytest.fixture(scope="module")
def X():
    density = GaussianMixtureDensity(means=[[-1.0, 0.0], [1.0, 0.5]], covariances=[0.05, 0.05])
    return density.sample(300, random_state=0)


def test_gridsearch_on_a_dask_cluster_matches_a_serial_search(X):
    distributed = pytest.importorskip("distributed")
    import joblib

    grid = {"sigma": [0.05, 0.3], "hidden_layer_sizes": [(8,), (16,)]}
    estimator = DenoisingAEScoreEstimator(device="cpu", **{**FAST, "hidden_layer_sizes": (8,)})
    serial = GridSearchCV(estimator, grid, cv=2).fit(X)
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster),
        joblib.parallel_backend("dask"),
    ):
        on_dask = GridSearchCV(estimator, grid, cv=2, n_jobs=-1).fit(X)
    np.testing.assert_allclose(
        on_dask.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
    )
    assert on_dask.best_params_ == serial.best_params_


cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.mark.gpu
@cuda
@pytest.mark.parametrize("estimator_class", [DenoisingAEScoreEstimator, RCAE])
def test_estimators_train_and_sample_on_cuda(estimator_class, X):
    est = estimator_class(device="cuda", **FAST).fit(X)
    assert est.device_.startswith("cuda")
    assert next(est.module_.parameters()).is_cuda
    S = est.grad_log_density(X)
    assert S.shape == X.shape and np.isfinite(S).all()
    assert est.sample(10, n_steps=5, burn_in=5, random_state=0).shape == (10, 2)
    cpu = estimator_class(device="cpu", **FAST).fit(X)
    # same seed, same data: CPU and GPU agree to float32 training accuracy
    assert np.abs(S - cpu.grad_log_density(X)).max() < 1e-2 * np.abs(S).max()


# the CPU variants run everywhere and keep the CUDA variants' code honest
DEVICES = ["cpu", pytest.param("cuda", marks=[pytest.mark.gpu, cuda])]


def _on_device(estimator, device):
    parameters = [p for _, p in estimator.module_.named_parameters()]
    return all(p.device.type == device for p in parameters)


@pytest.mark.parametrize("device", DEVICES)
def test_gsn_trains_samples_and_imputes_on_the_device(device):
    X = load_binary_digits(return_X_y=True)[0][:200]
    gsn = GSNSampler(hidden_layer_sizes=(32,), max_epochs=3, device=device, random_state=0)
    gsn.fit(X)
    assert _on_device(gsn, device)
    samples = gsn.sample(4, burn_in=2, random_state=0)
    assert samples.shape == (4, 64) and set(np.unique(samples)) <= {0.0, 1.0}
    X_missing = X[:5].copy()
    X_missing[:, :20] = np.nan
    filled = gsn.impute(X_missing, n_steps=4, random_state=0)
    assert not np.isnan(filled).any() and np.array_equal(filled[:, 20:], X[:5, 20:])
    assert np.isfinite(gsn.score_samples(X[:5])).all()


@pytest.mark.parametrize("device", DEVICES)
def test_field_regressor_on_the_device_matches_the_cpu(device, X):
    params = dict(hidden_layer_sizes=(16,), max_epochs=5, random_state=0)
    field = ConservativeFieldRegressor(device=device, **params).fit(X, -X)
    assert _on_device(field, device)
    cpu = ConservativeFieldRegressor(device="cpu", **params).fit(X, -X)
    G = field.predict(X)
    np.testing.assert_allclose(G, cpu.predict(X), atol=1e-3 * np.abs(G).max())
    assert np.isfinite(field.potential(X)).all()


@pytest.mark.parametrize("device", DEVICES)
def test_probes_run_the_model_on_the_device(device, X):
    y = (X[:, 0] > 0).astype(int)
    model = make_mlp(2, (8, 8), 2, "tanh")
    probes = LinearProbeTransformer(model, device=device, random_state=0).fit(X, y)
    assert next(probes.model_.parameters()).device.type == device
    cpu = LinearProbeTransformer(model, device="cpu", random_state=0).fit(X, y)
    np.testing.assert_allclose(probes.transform(X), cpu.transform(X), rtol=1e-4, atol=1e-5)
    assert list(probes.score_layers(X, y)) == probes.layer_names_


@pytest.mark.gpu
@cuda
def test_cuda_model_unpickles_on_cpu(X, monkeypatch):
    est = DenoisingAEScoreEstimator(device="cuda", **FAST).fit(X)
    payload = pickle.dumps(est)
    expected = est.grad_log_density(X)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.warns(Warning):
        restored = pickle.loads(payload)
    np.testing.assert_allclose(restored.grad_log_density(X), expected, rtol=1e-6)


def test_model_saved_as_cuda_unpickles_on_a_cpu_only_machine(X):
    # simulate a CUDA fit: the net and the estimator both say "cuda" when pickled
    est = DenoisingAEScoreEstimator(device="cpu", **FAST).fit(X)
    expected = est.grad_log_density(X)
    est.device_ = "cuda"
    est.net_.device = "cuda"
    with pytest.warns(Warning, match="CUDA|cuda"):
        restored = pickle.loads(pickle.dumps(est))
    assert restored.device_ == "cpu"
    np.testing.assert_array_equal(restored.grad_log_density(X), expected)
