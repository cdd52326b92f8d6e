"""skscore.curvature against dense Hessians, closed forms and fixed quadratics."""

import copy
import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning
from skorch import NeuralNetClassifier
from skorch.dataset import unpack_data
from torch import nn
from torch.func import functional_call

from skscore.curvature import (
    HessianSpectrum,
    NegativeCurvatureDescent,
    hessian_eigenpairs,
    line_search_along,
)
from skscore.curvature._hvp import HessianOperator
from skscore.plotting import plot_hessian_spectrum


# -- fixtures: a small tanh classifier and its dense Hessian -----------------------------------
def _data(n=60, d=3, n_classes=3, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d)
    y = (np.argmax(X @ rng.randn(d, n_classes), axis=1) + (rng.rand(n) < 0.2)) % n_classes
    return X, y.astype(np.int64)


def _mlp(seed=0, d=3, hidden=6, n_classes=3):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(d, hidden), nn.Tanh(), nn.Linear(hidden, n_classes))


def _flat_loss(module, loss_fn, X, y):
    """``theta -> loss`` on a flat parameter vector, and the current theta (float64)."""
    module = copy.deepcopy(module).double()
    named = list(module.named_parameters())
    sizes = [p.numel() for _, p in named]
    X, y = torch.as_tensor(X, dtype=torch.float64), torch.as_tensor(y)

    def loss(theta):
        chunks = torch.split(theta, sizes)
        params = {n: c.view(p.shape) for (n, p), c in zip(named, chunks, strict=True)}
        return loss_fn(functional_call(module, params, (X,)), y)

    theta = torch.cat([p.detach().reshape(-1) for _, p in named])
    return loss, theta


def _dense(module, loss_fn, X, y):
    loss, theta = _flat_loss(module, loss_fn, X, y)
    H = torch.autograd.functional.hessian(loss, theta).numpy()
    g = torch.func.grad(loss)(theta).numpy()
    return H, g, float(loss(theta))


@pytest.fixture(scope="module")
def problem():
    X, y = _data()
    module = _mlp()
    H, g, loss = _dense(module, nn.CrossEntropyLoss(), X, y)
    values, vectors = np.linalg.eigh(H)
    return {"X": X, "y": y, "module": module, "H": H, "g": g, "loss": loss,
            "values": values, "vectors": vectors}  # fmt: skip


def _angles(found, reference):
    """Angle between matching columns, up to sign."""
    cosines = np.abs(np.sum(found * reference, axis=0))
    return np.arccos(np.clip(cosines, 0.0, 1.0))


# -- hessian_eigenpairs ---------------------------------------------------------------------
@pytest.mark.parametrize("method", ["lanczos", "arpack", "lobpcg"])
@pytest.mark.parametrize("which", ["LA", "SA", "both"])
def test_eigenpairs_match_the_dense_hessian(problem, method, which):
    k = 3
    values, vectors = hessian_eigenpairs(
        problem["module"], nn.CrossEntropyLoss(), problem["X"], problem["y"], k=k, which=which,
        method=method, tol=1e-10, max_iter=200,
    )  # fmt: skip
    order = {"LA": [-1, -2, -3], "SA": [2, 1, 0], "both": [-1, -2, -3, 2, 1, 0]}[which]
    expected = problem["values"][order]
    assert values.shape == (len(order),) and vectors.shape == (len(problem["H"]), len(order))
    np.testing.assert_allclose(values, expected, rtol=1e-6, atol=1e-9)
    assert np.all(np.diff(values) <= 0)  # descending
    assert _angles(vectors, problem["vectors"][:, order]).max() < 1e-4
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=0), 1.0)


def test_the_batch_size_changes_the_memory_not_the_result(problem):
    criterion = nn.CrossEntropyLoss()
    args = (problem["module"], criterion, problem["X"], problem["y"])
    one, _ = hessian_eigenpairs(*args, k=2, batch_size=1000, tol=1e-10)
    many, _ = hessian_eigenpairs(*args, k=2, batch_size=7, tol=1e-10)
    np.testing.assert_allclose(one, many, rtol=1e-9)
    v = torch.randn(len(problem["H"]), dtype=torch.float64)
    hv = HessianOperator(*args, batch_size=7).matvec(v).numpy()
    np.testing.assert_allclose(hv, problem["H"] @ v.numpy(), atol=1e-12)


def test_a_fixed_subset_is_the_same_rows_at_every_call(problem):
    criterion = nn.CrossEntropyLoss()
    args = (problem["module"], criterion, problem["X"], problem["y"])
    everything, _ = hessian_eigenpairs(*args, k=2, subsample=len(problem["X"]))
    np.testing.assert_allclose(everything, problem["values"][[-1, -2, 1, 0]], rtol=1e-6)
    half, _ = hessian_eigenpairs(*args, k=2, subsample=0.5, random_state=3)
    again, _ = hessian_eigenpairs(*args, k=2, subsample=30, random_state=3)
    other, _ = hessian_eigenpairs(*args, k=2, subsample=0.5, random_state=4)
    np.testing.assert_allclose(half, again, rtol=1e-8)  # 0.5 of 60 rows is 30 rows
    assert not np.allclose(half, other, rtol=1e-3)
    operator = HessianOperator(*args, subsample=0.5, random_state=3)
    assert operator.n_samples == 30
    rows = [np.flatnonzero((problem["X"] == x).all(axis=1))[0] for x in operator.batches[0][0]]
    H, _, _ = _dense(problem["module"], criterion, problem["X"][rows], problem["y"][rows])
    np.testing.assert_allclose(half, np.linalg.eigvalsh(H)[[-1, -2, 1, 0]], rtol=1e-6)


def test_the_module_and_the_global_rng_are_left_alone(problem):
    module = nn.Sequential(nn.Linear(3, 6), nn.Dropout(0.3), nn.Tanh(), nn.Linear(6, 3))
    module.train()
    before = [p.detach().clone() for p in module.parameters()]
    state = torch.get_rng_state()
    first, _ = hessian_eigenpairs(module, nn.CrossEntropyLoss(), problem["X"], problem["y"], k=1)
    second, _ = hessian_eigenpairs(module, nn.CrossEntropyLoss(), problem["X"], problem["y"], k=1)
    np.testing.assert_allclose(first, second, rtol=1e-10)  # evaluated in eval mode: no dropout
    assert torch.equal(torch.get_rng_state(), state)
    assert module.training and next(module.parameters()).dtype == torch.float32
    assert all(torch.equal(a, b) for a, b in zip(before, module.parameters(), strict=True))


def test_an_objective_with_a_generator_is_frozen_into_one_symmetric_matrix():
    X, _ = _data(n=40)
    module = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 3))
    calls = []

    def objective(module, X, y=None, *, generator=None):
        calls.append(generator)
        noise = torch.randn(X.shape, generator=generator, dtype=X.dtype)
        return ((module(X + 0.3 * noise) - X) ** 2).sum(dim=1).mean()

    operator = HessianOperator(module, objective, X, batch_size=16)
    dense = torch.stack(
        [operator.matvec(e) for e in torch.eye(operator.n_parameters, dtype=torch.float64)]
    )
    np.testing.assert_allclose(dense, dense.T, atol=1e-10)  # the same noise in every product
    assert all(isinstance(g, torch.Generator) for g in calls)
    values, _ = hessian_eigenpairs(module, objective, X, k=2, batch_size=16, tol=1e-10)
    expected = np.linalg.eigvalsh(dense.numpy())[[-1, -2, 1, 0]]
    np.testing.assert_allclose(values, expected, rtol=1e-7, atol=1e-10)
    other, _ = hessian_eigenpairs(module, objective, X, k=2, batch_size=16, random_state=1)
    assert not np.allclose(values, other, rtol=1e-4)  # another seed, other noise


def test_a_noisy_objective_is_frozen_by_its_generator():
    X, _ = _data(n=30)
    module = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 3))

    def objective(module, X, y=None, *, generator=None):  # noise from the generator it gets
        noise = torch.randn(X.shape, generator=generator, dtype=X.dtype)
        return ((module(X + 0.3 * noise) - X) ** 2).sum(dim=1).mean()

    state = torch.get_rng_state()
    first, _ = hessian_eigenpairs(module, objective, X, k=1)
    second, _ = hessian_eigenpairs(module, objective, X, k=1)
    np.testing.assert_allclose(first, second, rtol=1e-10)
    assert torch.equal(torch.get_rng_state(), state)

    def clean_objective(module, X, y=None):
        return ((module(X) - X) ** 2).sum(dim=1).mean()

    clean, _ = hessian_eigenpairs(module, clean_objective, X, k=1)
    assert not np.allclose(first, clean)  # the noise is there, only frozen


def test_a_loss_without_forward_mode_support_falls_back_to_reverse_mode():
    rng = np.random.RandomState(0)
    X, y = rng.randn(50, 3), rng.randn(50, 1)
    values, _ = hessian_eigenpairs(nn.Linear(3, 1), nn.MSELoss(), X, y, k=2, batch_size=16)
    Z = np.hstack([X, np.ones((50, 1))])  # MSE of a linear model: H = 2 Z^T Z / n
    expected = np.linalg.eigvalsh(2 * Z.T @ Z / 50)[::-1]
    np.testing.assert_allclose(values, expected, rtol=1e-8)


def test_float32_products_are_close_and_too_few_iterations_warn(problem):
    criterion = nn.CrossEntropyLoss()
    args = (problem["module"], criterion, problem["X"], problem["y"])
    values, _ = hessian_eigenpairs(*args, k=1, dtype="float32", tol=1e-5)
    np.testing.assert_allclose(values, problem["values"][[-1, 0]], rtol=1e-3)
    with pytest.warns(ConvergenceWarning, match="did not reach tol"):
        hessian_eigenpairs(*args, k=2, which="SA", max_iter=4)


def test_a_skorch_net_brings_its_own_criterion(problem):
    net = NeuralNetClassifier(
        problem["module"], criterion=nn.CrossEntropyLoss, train_split=None, max_epochs=1
    ).initialize()
    values, _ = hessian_eigenpairs(net, None, problem["X"], problem["y"], k=1, tol=1e-10)
    np.testing.assert_allclose(values, problem["values"][[-1, 0]], rtol=1e-7)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"which": "largest"}, ValueError, "'which' parameter of hessian_eigenpairs must be a str"),
        ({"method": "power"}, ValueError, "'method' parameter of hessian_eigenpairs must be a str"),
        ({"k": 0}, ValueError, r"'k' .* must be an int in the range \[1, inf\)"),
        ({"k": True}, ValueError, r"'k' .* must be an int in the range \[1, inf\)"),
        ({"k": 40}, ValueError, "asks for 80 eigenpairs of a 45-parameter Hessian"),
        ({"k": 45, "which": "LA", "method": "arpack"}, ValueError, "computes at most 44"),
        ({"tol": 0.0}, ValueError, r"'tol' .* must be a float in the range \(0.0, 1.0\)"),
        ({"max_iter": -1}, ValueError, r"'max_iter' .* must be an int in the range \[1, inf\)"),
        ({"batch_size": 0}, ValueError, r"'batch_size' .* must be an int in the range \[1, inf\)"),
        ({"subsample": 0}, ValueError, r"'subsample' .* an int in the range \[1, inf\)"),
        ({"subsample": 1.5}, ValueError, r"'subsample' .* a float in the range \(0.0, 1.0\]"),
        ({"dtype": "float16"}, ValueError, "dtype must be"),
    ],
)
def test_bad_parameters_say_what_to_do(problem, kwargs, error, match):
    with pytest.raises(error, match=match):
        hessian_eigenpairs(
            problem["module"], nn.CrossEntropyLoss(), problem["X"], problem["y"], **kwargs
        )


def test_bad_data_and_criteria_say_what_to_do(problem):
    module, X, y = problem["module"], problem["X"], problem["y"]
    loss = nn.CrossEntropyLoss()
    with pytest.raises(ValueError, match="NaN or infinity"):
        hessian_eigenpairs(module, loss, np.where(X > 1, np.nan, X), y)
    with pytest.raises(ValueError, match="X is empty"):
        hessian_eigenpairs(module, loss, X[:0], y[:0])
    with pytest.raises(ValueError, match="same number of rows"):
        hessian_eigenpairs(module, loss, X, y[:-1])
    with pytest.raises(TypeError, match="X must be numeric"):
        hessian_eigenpairs(module, loss, np.array([["a", "b", "c"]]), y[:1])
    with pytest.raises(ValueError, match="criterion is None"):
        hessian_eigenpairs(module, None, X, y)
    with pytest.raises(TypeError, match="module must be a torch nn.Module"):
        hessian_eigenpairs("net", loss, X, y)
    with pytest.raises(TypeError, match="criterion must be callable"):
        hessian_eigenpairs(module, "cross_entropy", X, y)
    with pytest.raises(ValueError, match="reduction='mean'"):
        hessian_eigenpairs(module, nn.CrossEntropyLoss(reduction="sum"), X, y)
    with pytest.raises(ValueError, match="must return a scalar tensor"):
        hessian_eigenpairs(module, nn.CrossEntropyLoss(reduction="none").forward, X, y)


# -- line_search_along ---------------------------------------------------------------------
def test_line_search_follows_eq_11_1_and_its_quadratic_model(problem):
    v = problem["vectors"][:, 0]  # the most negative eigenvector
    lam = problem["values"][0]
    assert lam < 0
    alphas = np.array([0.25, 0.5, 1.0, 2.0, 4.0])  # steps alpha (g^T v) ~ 0.0025 .. 0.04
    result = line_search_along(
        problem["module"], nn.CrossEntropyLoss(), problem["X"], problem["y"], v, alphas
    )
    slope = problem["g"] @ v
    assert result.initial_loss == pytest.approx(problem["loss"], rel=1e-12)
    assert result.gradient_projection == pytest.approx(slope, rel=1e-8)
    assert result.curvature == pytest.approx(lam, rel=1e-8)
    loss_fn, theta = _flat_loss(
        problem["module"], nn.CrossEntropyLoss(), problem["X"], problem["y"]
    )
    exact = [float(loss_fn(theta - a * slope * torch.as_tensor(v))) for a in alphas]
    np.testing.assert_allclose(result.loss, exact, rtol=1e-12)
    expected_model = problem["loss"] - alphas * slope**2 + 0.5 * alphas**2 * slope**2 * lam
    np.testing.assert_allclose(result.quadratic, expected_model, rtol=1e-12)
    # the model is second order: its error shrinks like alpha^3 (x8 per doubling)
    error = np.abs(result.loss - result.quadratic)
    np.testing.assert_allclose(error[1:] / error[:-1], 8.0, rtol=0.05)
    # the sign of v does not matter, its norm is divided out
    flipped = line_search_along(
        problem["module"], nn.CrossEntropyLoss(), problem["X"], problem["y"], -3.0 * v, alphas
    )
    np.testing.assert_allclose(flipped.loss, result.loss, rtol=1e-12)


def test_line_search_on_a_quadratic_loss_is_minimised_at_one_over_lambda():
    rng = np.random.RandomState(1)
    X, y = rng.randn(40, 3), rng.randn(40)
    model = nn.Linear(3, 1, bias=False)

    def loss(output, target):
        return 0.5 * ((output[:, 0] - target) ** 2).mean()

    values, vectors = hessian_eigenpairs(model, loss, X, y, k=1, which="both")
    for lam, v in zip(values, vectors.T, strict=True):
        alphas = np.linspace(0.0, 2.0 / lam, 21)
        result = line_search_along(model, loss, X, y, v, alphas)
        np.testing.assert_allclose(result.loss, result.quadratic, rtol=1e-10)
        assert result.alphas[np.argmin(result.loss)] * lam == pytest.approx(1.0)  # eq. 11.2


def test_line_search_bad_input(problem):
    args = (problem["module"], nn.CrossEntropyLoss(), problem["X"], problem["y"])
    d = len(problem["H"])
    with pytest.raises(ValueError, match=r"direction must be a flat vector of shape \(45,\)"):
        line_search_along(*args, np.ones(d + 1), [0.1])
    with pytest.raises(ValueError, match="zero vector"):
        line_search_along(*args, np.zeros(d), [0.1])
    with pytest.raises(ValueError, match="direction contains NaN"):
        line_search_along(*args, np.full(d, np.nan), [0.1])
    with pytest.raises(ValueError, match="alphas must be a non-empty array of finite"):
        line_search_along(*args, np.ones(d), [])
    with pytest.raises(ValueError, match="alphas must be a non-empty array of finite"):
        line_search_along(*args, np.ones(d), [0.1, np.inf])


# -- HessianSpectrum -----------------------------------------------------------------------
def _classifier(problem, callbacks, **kwargs):
    params = {"max_epochs": 4, "lr": 0.5, "train_split": None, "verbose": 0, **kwargs}
    return NeuralNetClassifier(
        copy.deepcopy(problem["module"]), criterion=nn.CrossEntropyLoss, callbacks=callbacks,
        **params,
    )  # fmt: skip


def test_the_callback_records_the_spectrum_of_a_plain_skorch_net(problem):
    X, y = problem["X"].astype(np.float32), problem["y"]
    net = _classifier(problem, [HessianSpectrum(k=2, every=2, tol=1e-10)]).fit(X, y)
    assert ["hessian_LA" in row for row in net.history] == [False, True, False, True]
    # the last record is the spectrum of the trained net on the training data
    H, _, loss = _dense(net.module_, nn.CrossEntropyLoss(), X, y)
    expected = np.linalg.eigvalsh(H)
    row = net.history[-1]
    np.testing.assert_allclose(row["hessian_LA"], expected[[-1, -2]], rtol=1e-6)
    np.testing.assert_allclose(row["hessian_SA"], expected[[1, 0]], rtol=1e-6)
    assert row["hessian_loss"] == pytest.approx(loss, rel=1e-6)
    # training moved the spectrum
    assert net.history[1, "hessian_LA"] != row["hessian_LA"]


def test_the_callback_uses_the_nets_own_loss():
    # NeuralNetClassifier feeds log(probabilities) to its default NLLLoss
    X, y = _data(n=40)
    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 3), nn.Softmax(dim=-1))
    net = NeuralNetClassifier(
        module, max_epochs=1, train_split=None, verbose=0,
        callbacks=[HessianSpectrum(k=1, which="LA", tol=1e-10)],
    ).fit(X.astype(np.float32), y)  # fmt: skip
    eps = torch.finfo(torch.float64).eps

    def log_nll(p, t):
        return nn.functional.nll_loss(torch.log(p + eps), t)

    values, _ = hessian_eigenpairs(net.module_, log_nll, X, y, k=1, which="LA", tol=1e-10)
    np.testing.assert_allclose(net.history[-1, "hessian_LA"], values, rtol=1e-6)


def test_the_callback_records_batches_and_the_plot_draws_them(problem):
    X, y = problem["X"].astype(np.float32), problem["y"]
    spectrum = HessianSpectrum(k=2, on="batch", every=2, subsample=30)
    net = _classifier(problem, [spectrum], max_epochs=2, batch_size=20).fit(X, y)
    flags = [["hessian_SA" in b for b in row["batches"]] for row in net.history]
    assert flags == [[False, True, False], [True, False, True]]
    ax = plot_hessian_spectrum(net)
    assert ax.get_xlabel() == "training batch"
    assert len(ax.loss_axis.lines) == 1
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [2, 4, 6])
    largest = [
        b["hessian_LA"][0] for row in net.history for b in row["batches"] if "hessian_LA" in b
    ]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), np.abs(largest))


def test_the_plot_reads_epoch_records_and_a_loss_key():
    history = [
        {"epoch": 1, "train_loss": 2.0},
        {"epoch": 2, "train_loss": 1.0, "hessian_LA": [5.0, 3.0], "hessian_SA": [-0.5, -1.0]},
        {"epoch": 3, "train_loss": 0.5, "hessian_LA": [6.0, 4.0], "hessian_SA": [0.1, -0.2]},
    ]
    ax = plot_hessian_spectrum(history, loss_key="train_loss")
    assert ax.get_xlabel() == "epoch" and ax.get_yscale() == "log"
    # LA(2), SA(2) on |lambda|, and a dashed line where the smallest is positive
    assert len(ax.lines) == 5
    np.testing.assert_allclose(ax.lines[2].get_ydata(), [0.5, np.nan])
    np.testing.assert_allclose(ax.lines[3].get_ydata(), [np.nan, 0.1])
    assert ax.lines[3].get_linestyle() == "--"
    np.testing.assert_allclose(ax.lines[4].get_ydata(), [1.0, 0.2])
    np.testing.assert_allclose(ax.loss_axis.lines[0].get_ydata(), [1.0, 0.5])
    with pytest.raises(ValueError, match="no Hessian spectrum records"):
        plot_hessian_spectrum([{"epoch": 1, "train_loss": 1.0, "batches": []}])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"which": "all"}, "'which' parameter of HessianSpectrum must be a str among"),
        ({"every": 0}, r"'every' parameter of HessianSpectrum must be an int in the range \[1"),
        ({"k": 0}, r"'k' parameter of HessianSpectrum must be an int in the range \[1"),
        ({"on": "step"}, "'on' parameter of HessianSpectrum must be a str among"),
        ({"tol": 2.0}, r"'tol' parameter of HessianSpectrum must be a float in the range \(0"),
    ],
)
def test_the_callback_rejects_bad_parameters_at_initialize(problem, kwargs, match):
    net = _classifier(problem, [HessianSpectrum(**kwargs)])
    with pytest.raises(ValueError, match=match):
        net.initialize()


def test_the_callback_can_use_given_data(problem):
    X, y = problem["X"].astype(np.float32), problem["y"]
    spectrum = HessianSpectrum(X[:20], y[:20], k=1, which="SA", tol=1e-10)
    net = _classifier(problem, [spectrum], max_epochs=1).fit(X, y)
    values, _ = hessian_eigenpairs(net.module_, nn.CrossEntropyLoss(), X[:20], y[:20], k=1,
                                   which="SA", tol=1e-10)  # fmt: skip
    np.testing.assert_allclose(net.history[-1, "hessian_SA"], values, rtol=1e-8)


def _small_dae(callbacks=None):
    from skscore import DenoisingAEScoreEstimator
    from skscore.datasets import make_spiral

    X = make_spiral(200, noise=0.01, random_state=0)
    dae = DenoisingAEScoreEstimator(
        sigma=0.1, hidden_layer_sizes=(8,), max_epochs=3, random_state=0, callbacks=callbacks
    )
    return dae.fit(X), X


def test_an_estimators_objective_gives_a_fixed_symmetric_hessian():
    dae, X = _small_dae()
    first, vectors = hessian_eigenpairs(dae, None, X, k=2, tol=1e-10, batch_size=64)
    second, _ = hessian_eigenpairs(dae, None, X, k=2, tol=1e-10, batch_size=64)
    np.testing.assert_allclose(first, second, rtol=1e-10)
    operator = HessianOperator(dae.module_, dae.net_.criterion_, X, batch_size=64)
    dense = torch.stack(
        [operator.matvec(e) for e in torch.eye(operator.n_parameters, dtype=torch.float64)]
    ).numpy()
    np.testing.assert_allclose(dense, dense.T, atol=1e-8)
    np.testing.assert_allclose(first, np.linalg.eigvalsh(dense)[[-1, -2, 1, 0]], rtol=1e-6)


def test_the_callback_records_an_estimators_spectrum():
    dae, X = _small_dae(callbacks=[HessianSpectrum(k=2, every=3)])
    assert ["hessian_LA" in row for row in dae.history_] == [False, False, True]
    values, _ = hessian_eigenpairs(dae, None, X, k=2)
    # recorded during float32 training, checked after the switch to float64: the same values
    # (float64 products on float32 parameters), the same frozen noise
    np.testing.assert_allclose(dae.history_[-1, "hessian_LA"], values[:2], rtol=1e-7)


def test_an_estimators_objective_gets_a_seeded_generator():
    dae, X = _small_dae()
    criterion = dae.net_.criterion_
    seen = []

    def spy(module, X, y=None, *, generator=None):
        seen.append(generator)
        return criterion(module, X, y, generator=generator)

    spy.per_example = criterion.per_example
    hessian_eigenpairs(dae.module_, spy, X, k=1, which="LA")
    assert seen and all(isinstance(g, torch.Generator) for g in seen)


# -- NegativeCurvatureDescent --------------------------------------------------------------
def _quadratic(d=12, seed=0):
    """``L(theta) = 0.5 theta^T A theta`` with a known spectrum, 2 negative eigenvalues."""
    rng = np.random.RandomState(seed)
    Q, _ = np.linalg.qr(rng.randn(d, d))
    lam = np.concatenate([[-1.0, -0.6], np.linspace(0.5, 10.0, d - 2)])
    A = torch.tensor(Q @ np.diag(lam) @ Q.T, dtype=torch.float64)
    return A, lam, Q


@pytest.mark.parametrize(
    "options",
    [
        {"hvp": "exact"},
        {"hvp": "finite_difference"},
        {"hvp": "exact", "eigen_momentum": 0.0},
        {"hvp": "exact", "eigen_lr": 0.05, "eigen_every": 2},
    ],
)
def test_the_running_eigenvector_converges_on_a_fixed_quadratic(options):
    A, lam, Q = _quadratic()
    theta = nn.Parameter(torch.tensor(np.random.RandomState(1).randn(12)))
    optimizer = NegativeCurvatureDescent([theta], lr=0.0, curvature_lr=0.0, **options)

    def closure():
        optimizer.zero_grad()
        loss = 0.5 * theta @ A @ theta
        if options["hvp"] == "finite_difference":
            loss.backward()
        return loss

    start = theta.detach().clone()
    for _ in range(600):
        optimizer.step(closure)
    assert torch.equal(theta.detach(), start)  # lr=0 and no curvature step: a fixed point
    v = optimizer.eigenvector.numpy()
    assert abs(v @ Q[:, 0]) > 1 - 1e-6
    assert optimizer.eigenvalue == pytest.approx(lam[0], rel=1e-4)
    assert optimizer.curvature_state["n_products"] == 600 // options.get("eigen_every", 1)


def test_the_curvature_step_escapes_a_saddle_that_the_base_step_leaves_slowly():
    def run(curvature_lr, steps):
        w = nn.Parameter(torch.tensor([0.5, 1e-4], dtype=torch.float64))
        optimizer = NegativeCurvatureDescent(
            [w], lr=0.01, curvature_lr=curvature_lr, eigen_lr=0.1, base_optimizer=torch.optim.SGD
        )
        for _ in range(steps):
            optimizer.step(lambda: w[0] ** 2 - w[1] ** 2 + w[1] ** 4)
        return abs(w[1].item()), optimizer

    # along w_1 (curvature -2) each curvature step multiplies w_1 by 1 + 2 * curvature_lr
    escaped, optimizer = run(curvature_lr=0.5, steps=40)
    slow, _ = run(curvature_lr=0.0, steps=40)
    assert escaped > 0.4 and slow < 1e-3
    finished, optimizer = run(curvature_lr=0.5, steps=600)
    assert finished == pytest.approx(np.sqrt(0.5), rel=1e-6)  # a minimum of the quartic
    assert optimizer.eigenvalue > 0  # where the curvature along w_1 is +4: no more steps


def _closure(model, X, y):
    return lambda: nn.functional.cross_entropy(model(X), y)


def test_exact_and_finite_difference_products_agree_on_a_smooth_net():
    X, y = _data(n=80)
    X = torch.tensor(X, dtype=torch.float32)
    y = torch.tensor(y)
    estimates = []
    for hvp in ["exact", "finite_difference"]:
        model = _mlp(seed=2)
        optimizer = NegativeCurvatureDescent(model.parameters(), lr=0.0, curvature_lr=0.0, hvp=hvp)
        for _ in range(150):
            optimizer.step(_closure(model, X, y))
        estimates.append((optimizer.eigenvalue, optimizer.eigenvector))
    assert estimates[0][0] == pytest.approx(estimates[1][0], rel=1e-2)
    assert abs(float(estimates[0][1] @ estimates[1][1])) > 0.99


def test_param_groups_are_shared_with_the_base_optimizer():
    model = _mlp()
    optimizer = NegativeCurvatureDescent(model.parameters(), lr=0.1, betas=(0.8, 0.9))
    assert optimizer.base.param_groups[0]["betas"] == (0.8, 0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    X, y = _data(n=20)
    closure = _closure(model, torch.tensor(X, dtype=torch.float32), torch.tensor(y))
    optimizer.step(closure)
    scheduler.step()
    assert optimizer.base.param_groups[0]["lr"] == pytest.approx(0.05)
    # the state survives a state_dict round trip and a pickle
    clone = NegativeCurvatureDescent(model.parameters(), lr=0.1)
    clone.load_state_dict(optimizer.state_dict())
    assert clone.base.param_groups[0]["lr"] == pytest.approx(0.05)
    assert clone.param_groups is clone.base.param_groups
    assert torch.equal(clone.eigenvector, optimizer.eigenvector)
    restored = pickle.loads(pickle.dumps(optimizer))
    assert restored.param_groups[0] is restored.base.param_groups[0]
    assert restored.curvature_state["step"] == 1


def test_skorch_trains_with_finite_differences_as_is(problem):
    X, y = problem["X"].astype(np.float32), problem["y"]
    net = _classifier(
        problem, None, optimizer=NegativeCurvatureDescent, lr=0.05, max_epochs=5,
        optimizer__hvp="finite_difference", optimizer__base_optimizer=torch.optim.RMSprop,
    ).fit(X, y)  # fmt: skip
    losses = net.history[:, "train_loss"]
    assert losses[-1] < losses[0]
    assert isinstance(net.optimizer_.base, torch.optim.RMSprop)
    assert net.optimizer_.curvature_state["n_products"] == 5  # one batch per epoch


class _ExactCurvatureNet(NeuralNetClassifier):
    """The pattern of the docs: the closure leaves the graph to the optimizer."""

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        y_pred = self.infer(Xi, **fit_params)
        return {"loss": self.get_loss(y_pred, yi, X=Xi, training=True), "y_pred": y_pred}


def test_skorch_trains_with_exact_products_through_a_small_subclass(problem):
    X, y = problem["X"].astype(np.float32), problem["y"]
    net = _ExactCurvatureNet(
        copy.deepcopy(problem["module"]), criterion=nn.CrossEntropyLoss, train_split=None,
        optimizer=NegativeCurvatureDescent, lr=0.05, max_epochs=5, batch_size=20, verbose=0,
    ).fit(X, y)  # fmt: skip
    losses = net.history[:, "train_loss"]
    assert losses[-1] < losses[0]
    assert net.optimizer_.curvature_state["n_products"] == 15
    # and the default closure of skorch is refused with a message saying what to do
    plain = _classifier(problem, None, optimizer=NegativeCurvatureDescent)
    with pytest.raises(RuntimeError, match="without calling backward"):
        plain.fit(X, y)


def test_optimizer_bad_input():
    params = list(_mlp().parameters())
    with pytest.raises(TypeError, match="torch.optim.Optimizer class"):
        NegativeCurvatureDescent(params, base_optimizer="adam")
    with pytest.raises(ValueError, match="LBFGS is not supported"):
        NegativeCurvatureDescent(params, base_optimizer=torch.optim.LBFGS)
    with pytest.raises(ValueError, match="'hvp' parameter of NegativeCurvatureDescent must be"):
        NegativeCurvatureDescent(params, hvp="autograd")
    with pytest.raises(ValueError, match=r"'eigen_lr' .* finite float in the range \(0.0, inf\)"):
        NegativeCurvatureDescent(params, eigen_lr=-1.0)
    with pytest.raises(ValueError, match=r"'curvature_lr' .* finite float in the range \[0.0"):
        NegativeCurvatureDescent(params, curvature_lr=-1.0)
    with pytest.raises(ValueError, match=r"'curvature_lr' .* Got True instead"):
        NegativeCurvatureDescent(params, curvature_lr=True)
    with pytest.raises(ValueError, match=r"'eigen_momentum' .* in the range \[0.0, 1.0\)"):
        NegativeCurvatureDescent(params, eigen_momentum=1.0)
    with pytest.raises(ValueError, match=r"'eigen_every' .* must be an int in the range \[1"):
        NegativeCurvatureDescent(params, eigen_every=0)
    with pytest.raises(ValueError, match=r"'eigenvalue_decay' .* in the range \[0.0, 1.0\)"):
        NegativeCurvatureDescent(params, eigenvalue_decay=1.0)
    optimizer = NegativeCurvatureDescent(params)
    with pytest.raises(TypeError, match="needs a closure"):
        optimizer.step()
    with pytest.raises(RuntimeError, match="without a graph"):
        optimizer.step(lambda: torch.tensor(1.0))
    with pytest.raises(ValueError, match="keys 'base'"):
        optimizer.load_state_dict(torch.optim.Adam(params).state_dict())


def test_no_warning_leaks_from_the_products(problem):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hessian_eigenpairs(
            problem["module"], nn.CrossEntropyLoss(), problem["X"], problem["y"], k=1
        )


def test_a_repeated_eigenvalue_is_returned_as_often_as_asked():
    # H = X^T X / n = I: the Krylov space is invariant after one product
    Q, _ = np.linalg.qr(np.random.RandomState(0).randn(40, 3))
    X, y = Q * np.sqrt(40), np.zeros(40)

    def loss(output, target):
        return 0.5 * ((output[:, 0] - target) ** 2).mean()

    values, vectors = hessian_eigenpairs(nn.Linear(3, 1, bias=False), loss, X, y, k=1)
    np.testing.assert_allclose(values, [1.0, 1.0])
    np.testing.assert_allclose(vectors.T @ vectors, np.eye(2), atol=1e-12)


def test_too_few_iterations_are_refused_or_reported(problem):
    args = (problem["module"], nn.CrossEntropyLoss(), problem["X"], problem["y"])
    with pytest.raises(ValueError, match="max_iter=3 is too small for 6 eigenpairs"):
        hessian_eigenpairs(*args, k=3, max_iter=3)
    with pytest.raises(RuntimeError, match="raise max_iter, loosen tol, or use method='lanczos'"):
        hessian_eigenpairs(*args, k=3, which="SA", method="arpack", max_iter=1, tol=1e-12)


def test_documented_negative_curvature_descent_lowers_the_loss():
    # the NegativeCurvatureDescent docstring example: 20 steps on a small tanh classifier
    torch.manual_seed(0)
    X, y = torch.randn(64, 4), torch.randint(0, 3, (64,))
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 3))
    optimizer = NegativeCurvatureDescent(model.parameters(), lr=1e-2)

    def closure():
        optimizer.zero_grad()
        return nn.functional.cross_entropy(model(X), y)  # no backward()

    first = closure().item()
    for _ in range(20):
        loss = optimizer.step(closure)
    assert loss.item() < first


def test_spectrum_of_a_convex_loss_is_non_negative_every_epoch():
    # once the on_epoch_end doctest: softmax regression has a positive semi-definite Hessian
    rng = np.random.RandomState(0)
    X = rng.randn(100, 2).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    net = NeuralNetClassifier(
        nn.Linear(2, 2),
        criterion=nn.CrossEntropyLoss,
        max_epochs=3,
        train_split=None,
        verbose=0,
        callbacks=[HessianSpectrum(k=1, which="SA")],
    ).fit(X, y)
    assert [len(row["hessian_SA"]) for row in net.history] == [1, 1, 1]
    assert net.history[-1, "hessian_SA"][0] >= -1e-9
