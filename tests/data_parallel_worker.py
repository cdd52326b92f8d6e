"""One process of the data-parallel test (launched by tests/test_distributed.py with torchrun):
fits each estimator kind inside a gloo process group and saves what the test compares."""

import os
import pickle
import sys

import numpy as np
import torch
import torch.distributed as dist

from skscore import ConservativeFieldRegressor, DenoisingAEScoreEstimator, GSNSampler
from skscore.datasets import spiral_density


def main(out_dir):
    torch.set_num_threads(1)
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    X = spiral_density(width=0.05).sample(1000, random_state=0)
    dae = DenoisingAEScoreEstimator(
        sigma=0.1, hidden_layer_sizes=(64, 64), max_epochs=30, batch_size=64, lr=3e-3
    ).fit(X)  # random_state=None: rank 0's seed is shared
    dae.partial_fit(X)
    gsn = GSNSampler(
        hidden_layer_sizes=(16, 16),
        walkback="geometric",
        learn_scaling=True,
        hidden_noise=1.0,
        max_epochs=3,
        random_state=0,
    ).fit(X)
    field = ConservativeFieldRegressor(hidden_layer_sizes=(16,), max_epochs=5, random_state=0)
    field.fit(X, -X)
    net = dae.net_
    local_draw = torch.randn(3, generator=net.noise_generator_)
    shared_draw = torch.randn(3, generator=net.iterator_train__generator)
    result = {
        "rank": rank,
        "models": {"dae": dae, "gsn": gsn, "field": field},
        "n_epochs": len(dae.history_),
        "local_draw": local_draw,
        "shared_draw": shared_draw,
    }
    with open(os.path.join(out_dir, f"rank{rank}.pkl"), "wb") as f:
        pickle.dump(result, f)
    dist.destroy_process_group()


if __name__ == "__main__":
    np.seterr(all="raise")
    main(sys.argv[1])
