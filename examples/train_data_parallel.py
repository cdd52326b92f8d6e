"""
Data-parallel training on several processes or GPUs
===================================================

Every skscore estimator trains data-parallel when ``fit`` is called in every process of an
initialised ``torch.distributed`` process group: each global mini-batch of ``batch_size`` rows
is split between the processes, their gradients are averaged before each step, the corruption
noise differs between processes, and all processes end with identical parameters. Launch this
script with PyTorch's launcher (one process per GPU, or several CPU processes)::

    torchrun --standalone --nproc_per_node 2 examples/train_data_parallel.py

or with plain ``python`` for a single process. Rank 0 prints the score error and pickles the
model. This file is not run by the gallery build (it needs a launcher); the test suite runs it
with two CPU processes.
"""

import argparse
import os
import pickle
import time

import torch
import torch.distributed as dist

from skscore import DenoisingAEScoreEstimator
from skscore.datasets import spiral_density
from skscore.metrics import fisher_divergence


def start_process_group():
    """Join the group torchrun describes in the environment; returns (rank, device)."""
    if "RANK" not in os.environ:  # plain `python`: one process, no group
        return 0, "cuda" if torch.cuda.is_available() else "cpu"
    if torch.cuda.is_available():
        local_rank = int(os.environ["LOCAL_RANK"])
        torch.cuda.set_device(local_rank)
        dist.init_process_group("nccl")
        return dist.get_rank(), f"cuda:{local_rank}"
    torch.set_num_threads(1)  # one thread per process on CPU
    dist.init_process_group("gloo")
    return dist.get_rank(), "cpu"


def main(n_samples, epochs, batch_size, output):
    rank, device = start_process_group()
    density = spiral_density(width=0.02)
    X = density.sample(n_samples, random_state=0)  # every process holds the full data set
    dae = DenoisingAEScoreEstimator(
        sigma=0.03, batch_size=batch_size, max_epochs=epochs, device=device, random_state=0
    )
    start = time.perf_counter()
    dae.fit(X)
    elapsed = time.perf_counter() - start
    if rank == 0:
        X_test = density.sample(2000, random_state=1)
        error = fisher_divergence(
            density.smoothed(0.03).grad_log_density(X_test), dae.grad_log_density(X_test)
        )
        n_processes = dist.get_world_size() if dist.is_initialized() else 1
        print(
            f"{n_processes} process(es) on {device}: fit {elapsed:.1f} s, "
            f"relative Fisher divergence to the smoothed score {error:.3f}"
        )
        with open(output, "wb") as f:
            pickle.dump(dae, f)  # loads on a CPU-only machine too
    if dist.is_initialized():
        dist.destroy_process_group()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--n-samples", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=256, help="global mini-batch size")
    parser.add_argument("--output", default="dae-data-parallel.pkl")
    args = parser.parse_args()
    main(args.n_samples, args.epochs, args.batch_size, args.output)
