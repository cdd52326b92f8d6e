"""Data-parallel training over an initialised ``torch.distributed`` process group.

When ``fit`` runs in every process of a group (``torchrun``; docs: user_guide/scale_out), each
process holds the full training set and draws the same shuffling order; every global mini-batch
of ``batch_size`` rows is split between the processes, their gradients are averaged before each
optimizer step, and the corruption noise differs between processes. The result matches a
single-process fit with the same ``batch_size`` in distribution, and every process ends with
identical parameters.
"""

from contextlib import contextmanager

import torch
import torch.distributed as dist
from skorch.callbacks import Callback


def process_group():
    """``(rank, world_size)`` of the initialised default process group, else ``(0, 1)``."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def _collective_device():
    """NCCL reduces CUDA tensors only; gloo reduces CPU tensors."""
    if dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def shared_seed(seed):
    """Rank 0's ``seed`` on every process (a no-op without a process group)."""
    if process_group()[1] == 1:
        return seed
    value = torch.tensor([seed], dtype=torch.int64, device=_collective_device())
    dist.broadcast(value, src=0)
    return int(value.item())


def rank_rows(rows, rank, world_size):
    """This process's equal share of a global batch's row indices (empty when the batch has
    fewer rows than processes: every process then skips it)."""
    per_rank = len(rows) // world_size
    return rows[rank * per_rank : (rank + 1) * per_rank]


@contextmanager
def rank_local_rng(device, rank):
    """Inside the block torch's RNG is seeded differently on each process (independent noise);
    afterwards the shared state is as before the block, so the processes' shuffling orders stay
    in step. (With a noise-free objective they are also a single process's orders.)"""
    devices = []
    if device.type == "cuda":
        devices = [device.index if device.index is not None else torch.cuda.current_device()]
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(int(torch.randint(2**62, (1,))) + rank)
        yield


class GradientAveraging(Callback):
    """Start every process from rank 0's parameters and average the gradients over the
    process group before each optimizer step (what DistributedDataParallel does, without
    wrapping the module: the objectives call module methods other than ``forward``).
    A no-op outside a process group, so a fitted model trains on anywhere."""

    def on_train_begin(self, net, **kwargs):
        if process_group()[1] == 1:
            return
        with torch.no_grad():
            for _, param in net.get_all_learnable_params():
                dist.broadcast(param.data, src=0)

    def on_grad_computed(self, net, named_parameters, **kwargs):
        if process_group()[1] == 1:
            return
        params = [param for _, param in named_parameters]
        # one flat all-reduce; the trailing flags say whether any process has each gradient
        grads = [torch.zeros_like(p) if p.grad is None else p.grad for p in params]
        flags = torch.tensor([p.grad is not None for p in params]).to(grads[0])
        flat = torch.cat([g.reshape(-1) for g in grads] + [flags])
        mean = _all_reduce_mean(flat)
        grad_means = mean[: -len(params)].split([p.numel() for p in params])
        for param, grad_mean, used in zip(
            params, grad_means, mean[-len(params) :] > 0, strict=True
        ):
            if used:
                param.grad = grad_mean.view_as(param)


def _all_reduce_mean(tensor):
    reduced = tensor.to(_collective_device())
    dist.all_reduce(reduced, op=dist.ReduceOp.SUM)
    return reduced.to(tensor.device) / dist.get_world_size()
