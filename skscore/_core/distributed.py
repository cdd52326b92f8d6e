"""Data-parallel training over an initialised ``torch.distributed`` process group.

When ``fit`` runs in every process of a group (``torchrun``; docs: user_guide/scale_out), each
process holds the full training set and draws the same shuffling order; every global mini-batch
of ``batch_size`` rows is split between the processes, their gradients are averaged before each
optimizer step, and the corruption noise differs between processes. The result matches a
single-process fit with the same ``batch_size`` in distribution, and every process ends with
identical parameters. Each process draws its corruption noise from its own generator
(the shared seed plus its rank); the shuffling and validation generators are shared.
"""

import torch
import torch.distributed as dist


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


def shared_seeds(seeds):
    """Rank 0's ``seeds`` (a list of ints) on every process (unchanged without a group)."""
    if process_group()[1] == 1:
        return [int(seed) for seed in seeds]
    values = torch.tensor(list(seeds), dtype=torch.int64, device=_collective_device())
    dist.broadcast(values, src=0)
    return [int(v) for v in values.tolist()]


def rank_rows(rows, rank, world_size):
    """This process's equal share of a global batch's row indices (empty when the batch has
    fewer rows than processes: every process then skips it)."""
    per_rank = len(rows) // world_size
    return rows[rank * per_rank : (rank + 1) * per_rank]


def broadcast_from_main(tensor):
    """Overwrite ``tensor`` in place with rank 0's values."""
    device_tensor = tensor.to(_collective_device())
    dist.broadcast(device_tensor, src=0)
    tensor.copy_(device_tensor)


def all_reduce_mean(tensor):
    """The mean of ``tensor`` over the processes of the group."""
    reduced = tensor.to(_collective_device())
    dist.all_reduce(reduced, op=dist.ReduceOp.SUM)
    return reduced.to(tensor.device) / dist.get_world_size()
