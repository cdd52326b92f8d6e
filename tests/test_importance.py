"""Importance-sampling SGD (thesis chapter 7): per-example gradient norms against a loop over
single examples, the variance formulas against exact enumeration, unbiasedness of the
re-weighted minibatch gradient, the skorch callback, skscore estimators and Dask workers."""

import copy
import pickle
import sys
import time

import numpy as np
import pytest
import torch
from skorch import NeuralNet, NeuralNetClassifier, NeuralNetRegressor
from skorch.callbacks import Callback
from skorch.dataset import ValidSplit
from torch import nn
from torch.utils.data import DataLoader

from skscore._core.training import ObjectiveNet
from skscore.importance import ImportanceSampling, per_example_gradient_norms, trace_covariance


# -- ground truth: one backward pass per example ---------------------------------------------
def loop_gradients(module, loss_of_one, X, y=None):
    """Per-example gradients (n, n_params) from one backward pass per example."""
    params = [p for p in module.parameters() if p.requires_grad]
    rows = []
    for i in range(len(X)):
        loss = loss_of_one(module, X[i : i + 1], None if y is None else y[i : i + 1])
        grads = torch.autograd.grad(loss, params, allow_unused=True)
        rows.append(
            torch.cat(
                [
                    (torch.zeros_like(p) if g is None else g).reshape(-1)
                    for p, g in zip(params, grads, strict=True)
                ]
            )
        )
    return torch.stack(rows).detach()


def cross_entropy_one(module, x, y):
    return nn.functional.cross_entropy(module(x), y)


def mse_one(module, x, y):
    return nn.functional.mse_loss(module(x), y)


def mlp(d_in=12, d_out=4, seed=0, dtype=torch.float32):
    torch.manual_seed(seed)
    net = nn.Sequential(
        nn.Linear(d_in, 16), nn.Tanh(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, d_out)
    )
    return net.to(dtype)


def cnn(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(1, 4, 3),
        nn.ReLU(),
        nn.Conv2d(4, 4, 3),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(4 * 4 * 4, 3),
    )


class TiedAutoEncoder(nn.Module):
    """Decoder re-uses the encoder weight: Proposition 3 does not apply."""

    def __init__(self, d=6, k=4):
        super().__init__()
        self.encoder = nn.Linear(d, k)

    def forward(self, x):
        return torch.tanh(self.encoder(x)) @ self.encoder.weight


class ContractiveObjective:
    """Reconstruction plus a Jacobian penalty: differentiates through the network."""

    def __call__(self, module, X, y=None, *, generator=None):
        return self.per_example(module, X, y, generator=generator).mean()

    def per_example(self, module, X, y=None, *, generator=None):
        X = X.detach().requires_grad_(True)
        out = module(X)
        (jac_rows,) = torch.autograd.grad(out.sum(), X, create_graph=True)
        return ((out - X) ** 2).sum(1) + 0.1 * (jac_rows**2).sum(1)


class SquaredReconstruction(nn.Module):
    """A minimal objective following skscore's training-objective contract."""

    def forward(self, module, X, y=None, *, generator=None):
        return self.per_example(module, X, y, generator=generator).mean()

    def per_example(self, module, X, y=None, *, generator=None):
        return ((module(X) - X) ** 2).sum(dim=1)


def _rel_err(a, b):
    return np.max(np.abs(np.asarray(a) - np.asarray(b)) / np.abs(np.asarray(b)))


# -- per-example gradient norms ------------------------------------------------------------------
@pytest.mark.parametrize("method", ["auto", "linear", "vmap"])
def test_mlp_norms_equal_a_per_example_loop(method):
    module = mlp(dtype=torch.float64)
    gen = torch.Generator().manual_seed(0)
    X = torch.randn(50, 12, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 4, (50,), generator=gen)
    exact = loop_gradients(module, cross_entropy_one, X, y).norm(dim=1).numpy()
    norms = per_example_gradient_norms(
        module, nn.CrossEntropyLoss(), X, y, method=method, batch_size=16
    )
    assert norms.dtype == np.float64 and norms.shape == (50,)
    assert _rel_err(norms, exact) < 1e-10


def test_float32_norms_within_1e5_relative_mlp_and_cnn():
    gen = torch.Generator().manual_seed(1)
    X = torch.randn(40, 12, generator=gen)
    y = torch.randint(0, 4, (40,), generator=gen)
    module = mlp()
    exact = loop_gradients(module, cross_entropy_one, X, y).norm(dim=1).numpy()
    assert _rel_err(per_example_gradient_norms(module, nn.CrossEntropyLoss, X, y), exact) < 1e-5
    images = torch.randn(30, 1, 8, 8, generator=gen)
    labels = torch.randint(0, 3, (30,), generator=gen)
    module = cnn()
    exact = loop_gradients(module, cross_entropy_one, images, labels).norm(dim=1).numpy()
    norms = per_example_gradient_norms(module, nn.CrossEntropyLoss(), images, labels)
    assert _rel_err(norms, exact) < 1e-5


def test_regression_loss_is_scaled_per_example_not_per_batch():
    # MSELoss(reduction="mean") averages over rows and outputs: L_n is the row's own mean, so
    # the norms must not depend on the batch size (a batch-mean loss would divide by it)
    module = mlp(d_out=3, dtype=torch.float64)
    gen = torch.Generator().manual_seed(2)
    X = torch.randn(24, 12, generator=gen, dtype=torch.float64)
    Y = torch.randn(24, 3, generator=gen, dtype=torch.float64)
    exact = loop_gradients(module, mse_one, X, Y).norm(dim=1).numpy()
    for batch_size in (1, 7, 24):
        norms = per_example_gradient_norms(module, nn.MSELoss(), X, Y, batch_size=batch_size)
        assert _rel_err(norms, exact) < 1e-10


def test_frozen_parameters_are_left_out():
    module = mlp(dtype=torch.float64)
    module[0].weight.requires_grad_(False)
    gen = torch.Generator().manual_seed(3)
    X = torch.randn(10, 12, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 4, (10,), generator=gen)
    exact = loop_gradients(module, cross_entropy_one, X, y).norm(dim=1).numpy()
    for method in ("linear", "vmap"):
        norms = per_example_gradient_norms(module, nn.CrossEntropyLoss(), X, y, method=method)
        assert _rel_err(norms, exact) < 1e-10


def test_tied_weights_fall_back_to_torch_func_and_stay_exact():
    module = TiedAutoEncoder().double()
    X = torch.randn(20, 6, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    exact = loop_gradients(module, mse_one, X, X).norm(dim=1).numpy()
    assert _rel_err(per_example_gradient_norms(module, nn.MSELoss(), X, X), exact) < 1e-10
    with pytest.raises(ValueError, match="Proposition 3.*does not apply.*other than through"):
        per_example_gradient_norms(module, nn.MSELoss(), X, X, method="linear")


def test_a_layer_called_twice_is_not_handled_by_proposition_3():
    layer = nn.Linear(5, 5).double()
    module = nn.Sequential(layer, nn.Tanh(), layer)
    X = torch.randn(8, 5, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    exact = loop_gradients(module, mse_one, X, X).norm(dim=1).numpy()
    assert _rel_err(per_example_gradient_norms(module, nn.MSELoss(), X, X), exact) < 1e-10
    with pytest.raises(ValueError, match="called twice"):
        per_example_gradient_norms(module, nn.MSELoss(), X, X, method="linear")


def test_objective_differentiating_through_the_network_uses_the_loop():
    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 5)).double()
    X = torch.randn(12, 5, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    objective = ContractiveObjective()

    def one(m, x, y):
        return objective.per_example(m, x)[0]

    exact = loop_gradients(module, one, X).norm(dim=1).numpy()
    norms = per_example_gradient_norms(module, objective, X)
    assert _rel_err(norms, exact) < 1e-10
    with pytest.raises(ValueError, match="does not apply"):
        per_example_gradient_norms(module, objective, X, method="linear")


def test_norms_in_eval_mode_restore_modes_and_leave_grads_alone():
    torch.manual_seed(0)
    module = nn.Sequential(
        nn.Linear(6, 8), nn.BatchNorm1d(8), nn.Dropout(0.5), nn.ReLU(), nn.Linear(8, 3)
    ).double()
    module.train()
    module[2].eval()  # a submodule in its own mode
    X = torch.randn(16, 6, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    y = torch.randint(0, 3, (16,))
    norms = per_example_gradient_norms(module, nn.CrossEntropyLoss(), X, y)
    assert [m.training for m in module] == [True, True, False, True, True]
    assert all(p.grad is None for p in module.parameters())
    module.eval()
    exact = loop_gradients(module, cross_entropy_one, X, y).norm(dim=1).numpy()
    assert _rel_err(norms, exact) < 1e-10


def test_per_example_callable_and_numpy_inputs():
    module = mlp(dtype=torch.float64)
    rng = np.random.RandomState(0)
    X = rng.randn(9, 12)
    y = rng.randint(0, 4, 9)

    def loss(out, target):
        return nn.functional.cross_entropy(out, target, reduction="none")

    exact = loop_gradients(module, cross_entropy_one, torch.tensor(X), torch.tensor(y))
    norms = per_example_gradient_norms(module, loss, X, y)
    assert _rel_err(norms, exact.norm(dim=1).numpy()) < 1e-10


def test_bad_input_to_norms():
    module = mlp()
    X = torch.randn(4, 12)
    y = torch.tensor([0, 1, 2, 3])
    with pytest.raises(ValueError, match="one loss per example"):
        per_example_gradient_norms(module, lambda out, t: out.sum(), X, y)
    with pytest.raises(TypeError, match="torch.nn.Module"):
        per_example_gradient_norms(lambda x: x, nn.CrossEntropyLoss(), X, y)
    with pytest.raises(TypeError, match="criterion"):
        per_example_gradient_norms(module, 3.0, X, y)
    with pytest.raises(ValueError, match="'method' parameter of per_example_gradient_norms must"):
        per_example_gradient_norms(module, nn.CrossEntropyLoss(), X, y, method="fast")
    with pytest.raises(ValueError, match="different lengths"):
        per_example_gradient_norms(module, nn.CrossEntropyLoss(), X, y[:3])
    with pytest.raises(ValueError, match="batch_size"):
        per_example_gradient_norms(module, nn.CrossEntropyLoss(), X, y, batch_size=0)
    with pytest.raises(ValueError, match="'batch_size' parameter .* must be an int"):
        per_example_gradient_norms(module, nn.CrossEntropyLoss(), X, y, batch_size=True)
    with pytest.raises(ValueError, match="needs every trainable parameter|does not apply"):
        per_example_gradient_norms(
            cnn(),
            nn.CrossEntropyLoss(),
            torch.randn(2, 1, 8, 8),
            torch.tensor([0, 1]),
            method="linear",
        )


# -- variance of the importance-sampled gradient -------------------------------------------------
def test_trace_covariance_matches_exact_enumeration_over_draws():
    module = mlp(dtype=torch.float64)
    gen = torch.Generator().manual_seed(8)
    X = torch.randn(30, 12, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 4, (30,), generator=gen)
    G = loop_gradients(module, cross_entropy_one, X, y).numpy()
    norms = np.linalg.norm(G, axis=1)
    g_true = G.mean(0)
    n = len(G)
    stale = norms * np.exp(np.random.RandomState(0).randn(n) * 0.3)  # perturbed weights
    for proposal in (None, norms, stale, stale + 0.5):
        q = np.full(n, 1 / n) if proposal is None else proposal / proposal.sum()
        estimates = G / (n * q[:, None])  # one draw, re-weighted by p / q
        assert np.allclose((q[:, None] * estimates).sum(0), g_true)  # unbiased
        exact = (q * ((estimates - g_true) ** 2).sum(1)).sum()
        got = trace_covariance(norms, proposal, true_gradient_norm=np.linalg.norm(g_true))
        assert got == pytest.approx(exact, rel=1e-10)
    # Theorem 1: the ideal proposal is the minimum
    ideal = trace_covariance(norms, norms)
    assert ideal < trace_covariance(norms, stale) < trace_covariance(norms) * 1.5
    assert ideal < trace_covariance(norms)
    assert trace_covariance(norms, np.r_[0.0, norms[1:]]) == np.inf
    with pytest.raises(ValueError, match="shape"):
        trace_covariance(norms, norms[:3])


# -- the callback ----------------------------------------------------------------------------
def _classification_data(n=120, d=6, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d).astype(np.float32)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(np.int64)
    flip = rng.rand(n) < 0.1
    y[flip] = 1 - y[flip]
    return X, y


def _classifier(callbacks, **kwargs):
    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 2))
    params = dict(
        criterion=nn.CrossEntropyLoss,
        optimizer=torch.optim.SGD,
        lr=0.1,
        batch_size=16,
        max_epochs=4,
        train_split=None,
        callbacks=callbacks,
        verbose=0,
    )
    params.update(kwargs)
    return NeuralNetClassifier(module, **params)


class GradientAverage(Callback):
    """Average of the minibatch gradients over all training steps (learning rate 0)."""

    def initialize(self):
        self.total, self.count = None, 0
        return self

    def on_grad_computed(self, net, named_parameters, **kwargs):
        flat = torch.cat([p.grad.reshape(-1) for _, p in named_parameters]).double()
        self.total = flat.clone() if self.total is None else self.total + flat
        self.count += 1


def test_reweighted_minibatch_gradient_is_unbiased():
    X, y = _classification_data(n=40)
    X[:4] *= 4.0  # a few large-gradient rows make the proposal far from uniform
    average = GradientAverage()
    issgd = ImportanceSampling(smoothing=0.0, refresh_every=10**9, random_state=0)
    net = _classifier([issgd, average], lr=0.0, batch_size=8, max_epochs=250)
    net.fit(X, y)
    module = net.module_
    G = loop_gradients(module, cross_entropy_one, torch.tensor(X), torch.tensor(y)).numpy()
    full = G.mean(0)
    mean = average.total.numpy() / average.count
    # standard error of the average of `count` minibatches of 8 draws from the proposal
    norms = np.linalg.norm(G, axis=1)
    q = norms / norms.sum()
    per_draw = trace_covariance(norms, norms, true_gradient_norm=np.linalg.norm(full))
    stderr = np.sqrt(per_draw / (8 * average.count))
    assert np.linalg.norm(mean - full) < 4 * stderr
    # the test has power: without the re-weighting the average would be far off
    biased = (q[:, None] * G).sum(0)
    assert np.linalg.norm(biased - full) > 10 * stderr
    assert issgd.step_ == average.count == 250 * 5


def test_callback_trains_a_plain_skorch_classifier_and_restores_it():
    X, y = _classification_data()
    issgd = ImportanceSampling(smoothing=0.2, monitor_every=3, random_state=0)
    net = _classifier([issgd], max_epochs=6)
    net.fit(X, y)
    assert net.iterator_train is DataLoader
    assert type(net.criterion_) is nn.CrossEntropyLoss and net.criterion_.reduction == "mean"
    assert issgd.norm_method_ == "linear"
    assert issgd.step_ == 6 * 8  # skorch's epoch length: ceil(120 / 16)
    assert net.history[:, "train_batch_count"] == [8] * 6
    assert (net.predict(X) == y).mean() > 0.8
    table = ImportanceSampling.history_table(net.history)
    assert np.array_equal(table["step"], np.arange(48))
    monitored = np.isfinite(table["sqrt_trace_uniform"])
    assert np.array_equal(np.flatnonzero(monitored), np.arange(0, 48, 3))
    ideal, stale, uniform = (
        table[f"sqrt_trace_{k}"][monitored] for k in ("ideal", "stale", "uniform")
    )
    assert np.all(ideal <= stale * (1 + 1e-9)) and np.all(ideal <= uniform * (1 + 1e-9))
    assert np.all((table["ess"] > 0) & (table["ess"] <= 1 + 1e-12))
    # once per epoch (8 steps), before the epoch's first step
    assert np.array_equal(table["staleness"], np.tile(np.arange(8.0), 6))


def test_fresh_unsmoothed_weights_give_the_ideal_variance():
    X, y = _classification_data()
    issgd = ImportanceSampling(smoothing=0.0, refresh_every=1, monitor_every=1, random_state=0)
    net = _classifier([issgd], max_epochs=2).fit(X, y)
    table = ImportanceSampling.history_table(net.history)
    np.testing.assert_allclose(table["sqrt_trace_stale"], table["sqrt_trace_ideal"], rtol=1e-6)
    assert np.all(table["staleness"] == 0)
    assert np.all(table["sqrt_trace_ideal"] < table["sqrt_trace_uniform"])


def test_huge_smoothing_is_uniform_sampling():
    X, y = _classification_data()
    issgd = ImportanceSampling(smoothing=1e9, monitor_every=4, random_state=0)
    net = _classifier([issgd]).fit(X, y)
    table = ImportanceSampling.history_table(net.history)
    np.testing.assert_allclose(table["ess"], 1.0, atol=1e-9)
    monitored = np.isfinite(table["sqrt_trace_stale"])
    np.testing.assert_allclose(
        table["sqrt_trace_stale"][monitored], table["sqrt_trace_uniform"][monitored], rtol=1e-6
    )


def test_refresh_period_sets_the_staleness():
    X, y = _classification_data()
    issgd = ImportanceSampling(refresh_every=5, random_state=0)
    net = _classifier([issgd], max_epochs=2).fit(X, y)
    table = ImportanceSampling.history_table(net.history)
    assert np.array_equal(table["staleness"], np.arange(16) % 5)
    assert issgd.n_weight_updates_ == 4


def test_same_random_state_same_training():
    X, y = _classification_data()
    losses = []
    for _ in range(2):
        net = _classifier([ImportanceSampling(random_state=3)]).fit(X, y)
        losses.append(net.history[:, "batches", :, "train_loss"])
    assert losses[0] == losses[1]
    other = _classifier([ImportanceSampling(random_state=4)]).fit(X, y)
    assert other.history[:, "batches", :, "train_loss"] != losses[0]


def test_validation_split_and_regressor():
    X, y = _classification_data()
    net = _classifier([ImportanceSampling(random_state=0)], train_split=ValidSplit(4))
    net.fit(X, y)
    assert np.all(np.isfinite(net.history[:, "valid_loss"]))
    assert net.history[:, "train_batch_count"][0] == 6  # 90 training rows
    # a regressor with a two-column target (MSELoss averaged per row)
    rng = np.random.RandomState(0)
    Xr = rng.randn(64, 3).astype(np.float32)
    Yr = np.c_[Xr[:, 0] ** 2, np.sin(Xr[:, 1])].astype(np.float32)
    torch.manual_seed(0)
    reg = NeuralNetRegressor(
        nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 2)),
        batch_size=16,
        max_epochs=30,
        lr=0.1,
        train_split=None,
        verbose=0,
        callbacks=[ImportanceSampling(random_state=0)],
    ).fit(Xr, Yr)
    losses = reg.history[:, "train_loss"]
    assert losses[-1] < 0.5 * losses[0]


def test_interrupted_fit_is_repaired_by_the_next_fit():
    X, y = _classification_data()

    class Boom(Callback):
        def on_batch_end(self, net, training=None, **kwargs):
            if training:
                raise RuntimeError("boom")

    net = _classifier([ImportanceSampling(random_state=0), Boom()])
    with pytest.raises(RuntimeError, match="boom"):
        net.fit(X, y)
    assert net.iterator_train is not DataLoader  # still taken over: on_train_end never ran
    net.set_params(callbacks=[ImportanceSampling(random_state=0)])
    net.fit(X, y)
    assert net.iterator_train is DataLoader
    assert type(net.criterion_) is nn.CrossEntropyLoss


def test_callback_on_an_objective_net():
    # an skscore-style objective net: criterion(module, X), per-example losses from the
    # objective contract, batches (X, None)
    rng = np.random.RandomState(0)
    X = torch.tensor(rng.randn(96, 4).astype(np.float32))
    X[:8] *= 6.0  # a tail of large-gradient rows
    from skscore._core.training import TensorBatchIterator

    torch.manual_seed(0)
    issgd = ImportanceSampling(monitor_every=5, random_state=0)
    net = ObjectiveNet(
        module=nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 4)),
        criterion=SquaredReconstruction,
        optimizer=torch.optim.SGD,
        lr=0.01,
        batch_size=16,
        max_epochs=10,
        iterator_train=TensorBatchIterator,
        train_split=None,
        callbacks=[issgd],
        verbose=0,
    )
    net.fit(X, None)
    assert issgd.norm_method_ == "linear"
    assert isinstance(net.criterion_, SquaredReconstruction)
    table = ImportanceSampling.history_table(net.history)
    monitored = np.isfinite(table["sqrt_trace_ideal"])
    assert monitored.sum() == 12
    # the large rows dominate the uniform variance; the stale proposal removes much of it
    ratio = table["sqrt_trace_stale"][monitored] / table["sqrt_trace_uniform"][monitored]
    assert np.median(ratio) < 0.8
    assert net.history[-1, "train_loss"] < net.history[0, "train_loss"]


def test_bad_parameters_and_criteria():
    for params, message in [
        ({"smoothing": -0.1}, r"'smoothing' .* must be a finite float in the range \[0.0, inf\)"),
        ({"smoothing": np.inf}, r"'smoothing' .* must be a finite float in the range \[0.0, inf\)"),
        ({"smoothing": True}, "'smoothing' .* Got True instead"),
        (
            {"refresh_every": 0},
            r"'refresh_every' .* must be an int in the range \[1, inf\) or None",
        ),
        ({"monitor_every": 2.5}, r"'monitor_every' .* must be an int in the range \[1, inf\)"),
        ({"publish_every": None}, r"'publish_every' .* must be an int in the range \[1, inf\)"),
        ({"norm_batch_size": 0}, "norm_batch_size"),
        ({"method": "exact"}, "'method' parameter of ImportanceSampling must be a str among"),
    ]:
        with pytest.raises(ValueError, match=message):
            ImportanceSampling(**params).initialize()
    with pytest.raises(TypeError, match="dask.distributed.Client"):
        ImportanceSampling(client="tcp://127.0.0.1:8786").initialize()

    def plain_function_loss(y_pred, y_true):
        return nn.functional.cross_entropy(y_pred, y_true)

    X, y = _classification_data()
    net = NeuralNet(
        nn.Sequential(nn.Linear(6, 2)),
        criterion=lambda: plain_function_loss,
        train_split=None,
        verbose=0,
        callbacks=[ImportanceSampling()],
    )
    with pytest.raises(TypeError, match="needs per-example losses"):
        net.fit(X, y)


class FakeClient:
    """Stands for a dask client in the copy/pickle tests (never used for work)."""

    def submit(self, *args, **kwargs):
        raise AssertionError("not used")


def test_clone_and_deepcopy_share_the_client_and_pickle_drops_it():
    from sklearn.base import clone

    client = FakeClient()
    cb = ImportanceSampling(smoothing=0.3, client=client, random_state=1)
    assert cb.get_params() == {
        "smoothing": 0.3,
        "refresh_every": None,
        "monitor_every": None,
        "client": client,
        "publish_every": 20,
        "n_shards": None,
        "norm_batch_size": 256,
        "method": "auto",
        "random_state": 1,
    }
    assert clone(cb).client is client and clone(cb).smoothing == 0.3
    assert copy.deepcopy(cb).client is client
    net = _classifier([cb])
    assert clone(net).callbacks[0].client is client
    restored = pickle.loads(pickle.dumps(cb))
    assert restored.client is None and restored.smoothing == 0.3


def test_fitted_classifier_pickles_and_refits():
    X, y = _classification_data()
    net = _classifier([ImportanceSampling(random_state=0)]).fit(X, y)
    restored = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(restored.predict_proba(X), net.predict_proba(X))
    issgd = dict(restored.callbacks_)["ImportanceSampling"]
    assert issgd.step_ == 32 and issgd.weights_.shape == (120,)
    restored.partial_fit(X, y)  # training goes on where it stopped
    assert issgd.step_ == 64 and restored.iterator_train is DataLoader


# -- skscore estimators ------------------------------------------------------------------------
def _callback_of(estimator):
    return dict(estimator.net_.callbacks_)["ImportanceSampling"]


def test_callback_on_a_denoising_autoencoder():
    from skscore import DenoisingAEScoreEstimator
    from skscore.datasets import make_spiral

    X = make_spiral(400, noise=0.01, random_state=0)
    dae = DenoisingAEScoreEstimator(
        sigma=0.1,
        parametrization="residual",  # its loss is linear in every layer's outputs
        hidden_layer_sizes=(32, 32),
        max_epochs=4,
        batch_size=64,
        callbacks=[ImportanceSampling(monitor_every=3, random_state=0)],
        random_state=0,
    ).fit(X)
    issgd = _callback_of(dae)
    assert issgd.norm_method_ == "linear"
    assert issgd.step_ == 4 * 7
    table = ImportanceSampling.history_table(dae.history_)
    monitored = np.isfinite(table["sqrt_trace_ideal"])
    assert np.all(table["sqrt_trace_ideal"][monitored] <= table["sqrt_trace_uniform"][monitored])
    assert dae.grad_log_density(X[:5]).shape == (5, 2)


def test_callback_on_tied_and_contractive_autoencoders():
    from skscore import RCAE, DenoisingAEScoreEstimator
    from skscore.datasets import make_spiral

    X = make_spiral(200, noise=0.01, random_state=0)
    tied = DenoisingAEScoreEstimator(
        sigma=0.1,
        tied_weights=True,
        hidden_layer_sizes=(16,),
        max_epochs=2,
        callbacks=[ImportanceSampling(random_state=0)],
        random_state=0,
    ).fit(X)
    assert _callback_of(tied).norm_method_ == "vmap"
    rcae = RCAE(
        sigma=0.1,
        hidden_layer_sizes=(16,),
        max_epochs=1,
        callbacks=[ImportanceSampling(random_state=0)],
        random_state=0,
    ).fit(X)
    assert _callback_of(rcae).norm_method_ in ("vmap", "loop")


# -- Dask workers ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    client = distributed.Client(cluster)
    client.run(lambda: __import__("skscore.importance"))  # warm the workers' imports
    yield client
    client.close()
    cluster.close()


def test_worker_norms_equal_local_norms(dask_client):
    from skscore.importance._dask import DaskWeights

    module = mlp()
    gen = torch.Generator().manual_seed(9)
    X = torch.randn(60, 12, generator=gen)
    y = torch.randint(0, 4, (60,), generator=gen)
    weights = DaskWeights(
        dask_client,
        module,
        nn.CrossEntropyLoss(),
        X,
        y,
        n_shards=3,
        method="linear",
        batch_size=16,
        seed=0,
    )
    weights.publish(module, step=7)
    got = np.full(60, np.nan)
    versions = set()
    for _ in range(600):
        for rows, norms, version in weights.poll():
            got[rows] = norms
            versions.add(version)
        if np.isfinite(got).all():
            break
        time.sleep(0.05)
    weights.close()
    assert versions == {7}
    local = per_example_gradient_norms(module, nn.CrossEntropyLoss(), X, y)
    np.testing.assert_allclose(got, local, rtol=1e-6)


def test_dask_workers_feed_the_callback(dask_client):
    X, y = _classification_data(n=400)
    issgd = ImportanceSampling(client=dask_client, publish_every=5, random_state=0)
    net = _classifier([issgd], max_epochs=8, batch_size=32)
    net.fit(X, y)
    assert (net.predict(X) == y).mean() > 0.8
    assert issgd.n_weight_updates_ > 0
    table = ImportanceSampling.history_table(net.history)
    assert np.all(np.diff(table["step"]) == 1)
    # weights are never newer than the master, and arrive while it trains
    assert np.all(table["staleness"] >= 0)
    assert np.isfinite(issgd.weights_.numpy()).any()
    assert (issgd.weights_step_ <= issgd.step_).all()
    assert net.iterator_train is DataLoader


class SlowOnWorkers(nn.CrossEntropyLoss):
    """Cross-entropy that takes seconds per call inside a Dask worker."""

    def forward(self, output, target):
        try:
            from distributed import get_worker

            get_worker()
            time.sleep(3.0)
        except ValueError:
            pass
        return super().forward(output, target)


def test_master_never_waits_for_workers(dask_client):
    import cloudpickle

    this_module = sys.modules[__name__]  # workers cannot import the test module: ship it
    cloudpickle.register_pickle_by_value(this_module)
    try:
        X, y = _classification_data(n=64)
        issgd = ImportanceSampling(client=dask_client, publish_every=1, random_state=0)
        net = _classifier([issgd], criterion=SlowOnWorkers, max_epochs=3)
        net.fit(X, y)
    finally:
        cloudpickle.unregister_pickle_by_value(this_module)
    # every step ran on uniform weights: nothing could have arrived, and nothing was awaited
    table = ImportanceSampling.history_table(net.history)
    assert issgd.n_weight_updates_ == 0
    assert np.array_equal(table["staleness"], np.arange(12.0))
    np.testing.assert_allclose(table["ess"], 1.0)


def test_documented_importance_sampling_run_learns_the_classes():
    # the ImportanceSampling docstring example: 5 epochs of 10 steps, lr 0.1
    rng = np.random.RandomState(0)
    X = rng.randn(300, 5).astype(np.float32)
    y = (X[:, 0] + 0.3 * rng.randn(300) > 0).astype(np.int64)
    module = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 2))
    issgd = ImportanceSampling(smoothing=0.2, monitor_every=10, random_state=0)
    net = NeuralNetClassifier(
        module,
        criterion=nn.CrossEntropyLoss,
        optimizer__lr=0.1,
        batch_size=32,
        max_epochs=5,
        train_split=None,
        callbacks=[issgd],
        verbose=0,
    ).fit(X, y)
    assert (net.predict(X) == y).mean() > 0.8


def test_training_leaves_positive_weights_and_gives_the_iterator_back():
    # once the on_train_end doctest: 2 epochs of 4 batches, no validation split
    X = np.random.RandomState(0).randn(64, 3).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    issgd = ImportanceSampling(random_state=0)
    net = NeuralNetClassifier(
        nn.Linear(3, 2),
        criterion=nn.CrossEntropyLoss,
        batch_size=16,
        max_epochs=2,
        train_split=None,
        verbose=0,
        callbacks=[issgd],
    ).fit(X, y)
    assert net.iterator_train is DataLoader and isinstance(net.criterion_, nn.CrossEntropyLoss)
    assert issgd.weights_.shape == (64,) and bool((issgd.weights_ > 0).all())
    assert issgd.step_ == 2 * 4
