"""Data-parallel training in a torch.distributed process group (two gloo processes on CPU)."""

import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.distributed as dist

import skscore._core.base
import skscore._core.training
from skscore import ConservativeFieldRegressor, DenoisingAEScoreEstimator
from skscore._core.distributed import rank_rows
from skscore._core.training import TensorBatchIterator
from skscore.datasets import spiral_density
from skscore.metrics import fisher_divergence

WORKER = Path(__file__).parent / "data_parallel_worker.py"


class _Dataset:
    def __init__(self, X, y=None):
        self.X, self.y = X, y


def _iterate_as(monkeypatch, rank, world_size, n=10, batch_size=4):
    monkeypatch.setattr(skscore._core.training, "process_group", lambda: (rank, world_size))
    X = torch.arange(n, dtype=torch.float32)[:, None]
    iterator = TensorBatchIterator(_Dataset(X, -X), batch_size=batch_size, shuffle=False)
    batches = [(Xb[:, 0].int().tolist(), yb[:, 0].int().tolist()) for Xb, yb in iterator]
    return batches, len(iterator)


def test_rank_rows_split_a_batch_into_equal_disjoint_shares():
    rows = torch.arange(7)
    shares = [rank_rows(rows, rank, 3).tolist() for rank in range(3)]
    assert shares == [[0, 1], [2, 3], [4, 5]]
    assert rank_rows(torch.arange(2), 2, 3).tolist() == []


def test_each_process_gets_its_share_of_every_global_batch(monkeypatch):
    (batches0, len0), (batches1, len1) = (_iterate_as(monkeypatch, r, 2) for r in (0, 1))
    assert batches0 == [([0, 1], [0, -1]), ([4, 5], [-4, -5]), ([8], [-8])]
    assert batches1 == [([2, 3], [-2, -3]), ([6, 7], [-6, -7]), ([9], [-9])]
    assert len0 == len1 == 3


def test_a_last_batch_smaller_than_the_group_is_skipped_by_every_process(monkeypatch):
    for rank in range(3):
        batches, length = _iterate_as(monkeypatch, rank, 3, n=9, batch_size=4)
        assert [len(x) for x, _ in batches] == [1, 1] and length == 2


def test_lbfgs_is_refused_in_a_process_group(monkeypatch):
    monkeypatch.setattr(skscore._core.base, "process_group", lambda: (0, 2))
    X = np.random.default_rng(0).normal(size=(20, 2))
    with pytest.raises(ValueError, match="lbfgs.*data-parallel"):
        DenoisingAEScoreEstimator(optimizer="lbfgs", max_epochs=1).fit(X)


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    if not (dist.is_available() and dist.is_gloo_available()):
        pytest.skip("torch.distributed with the gloo backend is not available")
    out = tmp_path_factory.mktemp("data_parallel")
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
    command += ["--nproc_per_node", "2", str(WORKER), str(out)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return [pickle.loads((out / f"rank{rank}.pkl").read_bytes()) for rank in (0, 1)]


@pytest.fixture(scope="module")
def X():
    return spiral_density(width=0.05).sample(1000, random_state=0)


@pytest.mark.parametrize("name", ["dae", "gsn", "field"])
def test_every_process_ends_with_identical_parameters(ranks, name):
    state0, state1 = (r["models"][name].module_.state_dict() for r in ranks)
    assert state0.keys() == state1.keys()
    for key in state0:
        torch.testing.assert_close(state0[key], state1[key], rtol=0, atol=0)


def test_two_processes_reproduce_a_single_process_fit(ranks, X):
    # no noise in field regression: averaging the two half-batch gradients is the full-batch
    # gradient, and the shuffling order is the single process's
    single = ConservativeFieldRegressor(hidden_layer_sizes=(16,), max_epochs=5, random_state=0)
    single.fit(X, -X)
    parallel = ranks[0]["models"]["field"]
    np.testing.assert_allclose(parallel.predict(X), single.predict(X), rtol=1e-4, atol=1e-6)
    assert not np.allclose(single.predict(X), 0.0, atol=1e-3)


def test_noise_is_independent_between_processes_and_the_shuffling_stays_in_step(ranks):
    assert not torch.equal(ranks[0]["local_draw"], ranks[1]["local_draw"])
    assert torch.equal(ranks[0]["shared_draw"], ranks[1]["shared_draw"])


def test_a_data_parallel_dae_estimates_the_smoothed_score(ranks):
    dae = ranks[0]["models"]["dae"]
    assert ranks[0]["n_epochs"] == 31  # fit + partial_fit in the group
    density = spiral_density(width=0.05)
    X_test = density.sample(2000, random_state=1)
    exact = density.smoothed(0.1).grad_log_density(X_test)
    error = fisher_divergence(exact, dae.grad_log_density(X_test))
    # single-process fits with this recipe: 0.33-0.47 over three seeds; untrained: about 1
    assert error < 0.7


def test_a_model_fitted_in_a_group_trains_on_in_a_single_process(ranks, X):
    dae = ranks[0]["models"]["dae"]
    dae.partial_fit(X)
    assert len(dae.history_) == 32
    assert np.isfinite(dae.grad_log_density(X[:10])).all()
