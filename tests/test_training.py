"""The training plumbing every estimator shares: schedules, early stopping, optimizer
arguments, callbacks, progress output, divergence guards and thread-safe randomness."""

import threading
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from skorch.callbacks import Checkpoint, EarlyStopping, EpochScoring, LRScheduler

from skscore import (
    RCAE,
    ConservativeFieldRegressor,
    DenoisingAEScoreEstimator,
    GSNSampler,
)
from skscore._core.callbacks import EpochLRSchedule
from skscore.datasets import GaussianMixtureDensity
from skscore.exceptions import NonFiniteLossError

FAST = dict(hidden_layer_sizes=(16,), device="cpu", random_state=0)


@pytest.fixture(scope="module")
def X():
    density = GaussianMixtureDensity(means=[[-1.0, 0.0], [1.0, 0.5]], covariances=[0.05, 0.05])
    return density.sample(400, random_state=0)


# -- learning-rate schedules -----------------------------------------------------------------


def test_cosine_schedule_decays_from_lr_to_a_hundredth(X):
    est = DenoisingAEScoreEstimator(max_epochs=5, lr=0.01, **FAST).fit(X)
    rates = est.history_[:, "lr"]
    expected = [0.01 * (0.01 + 0.99 * 0.5 * (1 + np.cos(np.pi * k / 4))) for k in range(5)]
    np.testing.assert_allclose(rates, expected)
    assert est.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(1e-4)


def test_constant_schedule_and_a_skorch_scheduler(X):
    constant = DenoisingAEScoreEstimator(max_epochs=3, lr=0.01, lr_schedule="constant", **FAST)
    assert constant.fit(X).history_[:, "lr"] == [0.01] * 3
    step = LRScheduler(policy=torch.optim.lr_scheduler.StepLR, step_size=1, gamma=0.5)
    est = DenoisingAEScoreEstimator(max_epochs=3, lr=0.01, lr_schedule=step, **FAST).fit(X)
    assert est.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(0.01 * 0.5**3)


def test_partial_fit_continues_the_schedule_and_then_holds_its_final_rate(X):
    est = DenoisingAEScoreEstimator(max_epochs=3, lr=0.01, **FAST)
    for _ in range(5):
        est.partial_fit(X)
    rates = est.history_[:, "lr"]
    schedule = EpochLRSchedule("cosine", 3)
    np.testing.assert_allclose(rates, [0.01 * schedule.factor(k) for k in range(5)])
    assert rates[2] == rates[3] == rates[4] == pytest.approx(1e-4)


# -- early stopping and validation -----------------------------------------------------------


def test_early_stopping_stops_and_keeps_the_best_weights(X):
    # a learning rate too large for SGD: the held-out loss stops improving quickly
    est = DenoisingAEScoreEstimator(
        sigma=0.3,
        max_epochs=200,
        early_stopping=True,
        n_iter_no_change=3,
        lr_schedule="constant",
        **FAST,
    ).fit(X)
    history = est.history_
    assert len(history) < 200
    valid = history[:, "valid_loss"]
    best = int(np.argmin(valid))
    assert len(history) == best + 1 + 3  # stopped n_iter_no_change epochs after the best
    # the kept weights are the best epoch's
    stopper = dict(est.net_.callbacks_)["early_stopping"]
    assert stopper.best_epoch_ == best + 1
    for name, value in est.module_.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), stopper.best_model_weights_[name].double())


def test_validation_loss_uses_the_same_noise_every_epoch(X):
    est = DenoisingAEScoreEstimator(
        max_epochs=3, lr=1e-12, optimizer="sgd", early_stopping=True, **FAST
    ).fit(X)
    valid = est.history_[:, "valid_loss"]
    assert valid[0] == pytest.approx(valid[1], rel=1e-6) == pytest.approx(valid[2], rel=1e-6)


def test_skorch_early_stopping_and_checkpoint_work_on_the_validation_loss(X, tmp_path):
    stop = EarlyStopping(patience=2, threshold=0, sink=lambda *a: None)
    checkpoint = Checkpoint(dirname=str(tmp_path), f_history=None, f_criterion=None)
    est = DenoisingAEScoreEstimator(
        sigma=0.3,
        max_epochs=100,
        lr=0.02,
        lr_schedule="constant",
        early_stopping=True,
        n_iter_no_change=100,
        callbacks=[stop, checkpoint],
        **FAST,
    ).fit(X)
    assert len(est.history_) < 100  # skorch's EarlyStopping (patience 2) stopped it
    assert stop.best_epoch_ == 1 + int(np.argmin(est.history_[:, "valid_loss"]))
    assert (tmp_path / "params.pt").exists()


def test_a_callback_monitoring_validation_needs_early_stopping(X):
    est = DenoisingAEScoreEstimator(max_epochs=2, callbacks=[EarlyStopping()], **FAST)
    with pytest.raises(ValueError, match="early_stopping=True"):
        est.fit(X)


def test_validation_fraction_must_leave_rows_on_both_sides():
    X_small = np.random.RandomState(0).randn(4, 2)
    est = DenoisingAEScoreEstimator(early_stopping=True, validation_fraction=0.05, **FAST)
    with pytest.raises(ValueError, match="validation_fraction"):
        est.fit(X_small)


# -- optimizer arguments -----------------------------------------------------------------------


def test_optimizer_arguments_reach_the_optimizer(X):
    est = DenoisingAEScoreEstimator(max_epochs=1, optimizer="sgd", **FAST)
    est.set_params(optimizer__momentum=0.9, optimizer__nesterov=True)
    assert est.optimizer_params == {"momentum": 0.9, "nesterov": True}
    group = est.fit(X).net_.optimizer_.param_groups[0]
    assert group["momentum"] == 0.9 and group["nesterov"] is True
    adam = DenoisingAEScoreEstimator(max_epochs=1, optimizer_params={"betas": (0.5, 0.9)}, **FAST)
    assert adam.fit(X).net_.optimizer_.param_groups[0]["betas"] == (0.5, 0.9)
    assert clone(est).optimizer_params == {"momentum": 0.9, "nesterov": True}


def test_a_grid_search_over_optimizer_arguments(X):
    est = DenoisingAEScoreEstimator(max_epochs=2, optimizer="sgd", lr=0.01, **FAST)
    search = GridSearchCV(est, {"optimizer__momentum": [0.0, 0.9]}, cv=2).fit(X)
    assert search.best_params_["optimizer__momentum"] in (0.0, 0.9)
    best = search.best_estimator_.net_.optimizer_.param_groups[0]["momentum"]
    assert best == search.best_params_["optimizer__momentum"]


def test_unknown_optimizer_arguments_are_named(X):
    est = DenoisingAEScoreEstimator(optimizer="sgd", optimizer_params={"betas": (0.9, 0.9)})
    with pytest.raises(ValueError, match="SGD takes no argument 'betas'"):
        est.fit(X)
    with pytest.raises(ValueError, match="`lr`"):
        DenoisingAEScoreEstimator(optimizer_params={"lr": 0.1}).fit(X)
    with pytest.raises(ValueError, match="weight_decay"):
        DenoisingAEScoreEstimator(optimizer="lbfgs", weight_decay=0.1).fit(X)


def test_an_optimizer_class_is_accepted(X):
    est = DenoisingAEScoreEstimator(max_epochs=1, optimizer=torch.optim.RMSprop, **FAST).fit(X)
    assert isinstance(est.net_.optimizer_, torch.optim.RMSprop)
    with pytest.raises(ValueError, match="Optimizer subclass"):
        DenoisingAEScoreEstimator(optimizer=dict, **FAST).fit(X)


# -- callbacks and output ----------------------------------------------------------------------


def test_callbacks_are_used_as_given_and_keep_their_state(X):
    cb = EpochScoring(lambda net, X, y: 1.0, name="dummy", on_train=True)
    est = DenoisingAEScoreEstimator(max_epochs=2, callbacks=[cb], **FAST).fit(X)
    assert est.history_[-1, "dummy"] == 1.0
    assert est.callbacks[0] is cb and cb.best_score_ == 1.0
    copy = clone(est)
    assert copy.callbacks[0] is not cb  # clone (and GridSearchCV) copy them


def test_verbose_levels(X, capsys):
    DenoisingAEScoreEstimator(max_epochs=2, verbose=0, **FAST).fit(X)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    DenoisingAEScoreEstimator(max_epochs=20, verbose=1, **FAST).fit(X)
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert captured.out == ""
    assert len(lines) == 10 and lines[-1].startswith("training DenoisingAEScoreEstimator: 20/20")
    assert "\r" not in captured.err and "\x1b" not in captured.err  # plain text in a log
    DenoisingAEScoreEstimator(max_epochs=2, verbose=2, **FAST).fit(X)
    captured = capsys.readouterr()
    assert "train_loss" in captured.out and "\x1b" not in captured.out


def test_sampling_reports_progress_at_verbose_1(X, capsys):
    est = DenoisingAEScoreEstimator(max_epochs=1, **FAST).fit(X)
    est.set_params(verbose=1).sample(5, n_steps=10, burn_in=10, random_state=0)
    assert "sampling: 20/20 steps" in capsys.readouterr().err


# -- nothing silently wrong ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, remedy",
    [
        (lambda: DenoisingAEScoreEstimator(optimizer="sgd", lr=1e12, **FAST), "sigma"),
        (lambda: RCAE(optimizer="sgd", lr=1e12, **FAST), "sigma"),
        (lambda: GSNSampler(optimizer="sgd", lr=1e12, **FAST), "corruption_level"),
    ],
)
def test_divergence_stops_with_an_estimator_specific_remedy(X, make, remedy):
    est = make().set_params(max_epochs=5)
    with pytest.raises(NonFiniteLossError, match=f"epoch .*{remedy}"):
        est.fit(X * 1e3)
    assert not hasattr(est, "net_") and not hasattr(est, "n_features_in_")


def test_a_divergence_in_the_last_step_is_caught():
    # one SGD step of 1e30: the loss before it is finite, the weights after it are ~1e29 (the
    # network saturates and predicts a finite but meaningless field)
    X = np.random.RandomState(0).randn(64, 2)
    reg = ConservativeFieldRegressor(optimizer="sgd", lr=1e30, max_epochs=1, batch_size=64, **FAST)
    with pytest.raises(NonFiniteLossError, match="optimizer='adam'"):
        reg.fit(X, -X)
    gsn = GSNSampler(optimizer="sgd", lr=1e30, max_epochs=1, batch_size=64, **FAST)
    with pytest.raises(NonFiniteLossError, match="corruption_level"):
        gsn.fit(X)


@pytest.mark.parametrize(
    "fit",
    [
        lambda X: DenoisingAEScoreEstimator(max_epochs=1, **FAST).fit(X),
        lambda X: RCAE(max_epochs=1, **FAST).fit(X),
        lambda X: ConservativeFieldRegressor(max_epochs=1, **FAST).fit(X, -X),
        lambda X: GSNSampler(max_epochs=1, **FAST).fit(X),
    ],
)
def test_values_beyond_float32_are_rejected(X, fit):
    X_big = X.copy()
    X_big[0, 0] = 1e39
    with pytest.raises(ValueError, match="float32's range"):
        fit(X_big)


def test_field_targets_beyond_float32_are_rejected(X):
    Y = -X
    Y[0, 0] = -1e39
    with pytest.raises(ValueError, match="Y has values"):
        ConservativeFieldRegressor(max_epochs=1, **FAST).fit(X, Y)


def test_non_finite_outputs_raise_instead_of_returning_nan(X):
    est = DenoisingAEScoreEstimator(max_epochs=1, **FAST).fit(X)
    with torch.no_grad():
        next(est.module_.parameters()).fill_(np.nan)
    with pytest.raises(ValueError, match="not finite"):
        est.grad_log_density(X[:3])


def test_training_that_ends_worse_than_it_started_warns(X):
    # a learning rate that doubles every epoch
    growing = LRScheduler(policy=torch.optim.lr_scheduler.ExponentialLR, gamma=2.0)
    est = DenoisingAEScoreEstimator(
        sigma=0.05, parametrization="residual", lr_schedule=growing, max_epochs=12, **FAST
    )
    with pytest.warns(ConvergenceWarning, match="ended higher"):
        est.fit(X)


def test_normal_training_does_not_warn(X):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        DenoisingAEScoreEstimator(max_epochs=10, **FAST).fit(X)


# -- thread-safe randomness ------------------------------------------------------------------


def _fit_in_threads(X, n_threads, make):
    results = [None] * n_threads

    def work(i):
        results[i] = make().fit(X).grad_log_density(X[:20])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n_threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_fits_with_one_seed_give_one_model(X):
    make = lambda: DenoisingAEScoreEstimator(max_epochs=3, **FAST)  # noqa: E731
    reference = make().fit(X).grad_log_density(X[:20])
    for result in _fit_in_threads(X, 4, make):
        np.testing.assert_array_equal(result, reference)


def test_fits_never_touch_the_global_rng(X):
    # another thread keeps drawing from torch's global RNG while estimators fit
    state = torch.random.get_rng_state()
    torch.manual_seed(123)
    expected = torch.rand(20000)
    torch.manual_seed(123)
    draws = []
    stop = threading.Event()

    def draw():
        while not stop.is_set() and len(draws) < 20000:
            draws.append(float(torch.rand(1)))

    drawer = threading.Thread(target=draw)
    drawer.start()
    _fit_in_threads(X, 2, lambda: RCAE(max_epochs=2, **FAST))
    GSNSampler(max_epochs=2, **FAST).fit(X).sample(5, burn_in=3, random_state=0)
    stop.set()
    drawer.join()
    np.testing.assert_array_equal(draws, expected[: len(draws)].numpy().astype(float))
    torch.random.set_rng_state(state)
