"""The skorch callbacks training uses: divergence guard, schedules, progress, gradient averaging."""

import math
import sys

import torch
from skorch.callbacks import Callback, PrintLog

from skscore._core.distributed import all_reduce_mean, broadcast_from_main, process_group
from skscore._core.progress import Progress
from skscore.exceptions import NonFiniteLossError

#: Parameters beyond sqrt(float32 max) make the next product overflow: training diverged.
PARAMETER_LIMIT = math.sqrt(torch.finfo(torch.float32).max)


class NonFiniteGuard(Callback):
    """Stop training with a clear error as soon as a batch loss, or (at the end of an epoch)
    a parameter, is not finite, or a parameter is so large that the next product overflows
    float32. The last step of an epoch can only break the parameters, so they are checked
    too.

    Parameters
    ----------
    remedy : str
        What the user can change, appended to the error message.
    """

    def __init__(self, remedy=""):
        self.remedy = remedy

    def _fail(self, what, net):
        raise NonFiniteLossError(
            f"training diverged: {what} at epoch {len(net.history)}; {self.remedy}"
        )

    def on_batch_end(self, net, batch=None, training=None, loss=None, **kwargs):
        if training and loss is not None and not torch.isfinite(loss):
            self._fail(f"the loss became {loss.item()}", net)

    def on_epoch_end(self, net, **kwargs):
        for name, param in net.module_.named_parameters():
            if not torch.isfinite(param).all():
                self._fail(f"parameter {name!r} became non-finite", net)
            largest = float(param.detach().abs().max()) if param.numel() else 0.0
            if largest > PARAMETER_LIMIT:
                self._fail(
                    f"parameter {name!r} reached {largest:.3g} (a product of two such values "
                    "overflows float32)",
                    net,
                )


class EpochLRSchedule(Callback):
    """Set the learning rate of every epoch to ``lr * factor(epoch)`` and record it as "lr".

    The epoch index is the net's epoch count, so ``partial_fit`` continues the schedule where
    the previous call stopped; after ``n_epochs`` the rate stays at its final value.

    Parameters
    ----------
    kind : {"constant", "cosine"}
        "cosine" decays from ``lr`` to ``final_factor * lr`` over ``n_epochs`` epochs
        (half a cosine period).
    n_epochs : int
        Length of the schedule.
    final_factor : float, default=0.01
        Rate at the last epoch, as a fraction of ``lr``.
    """

    def __init__(self, kind, n_epochs, final_factor=0.01):
        self.kind = kind
        self.n_epochs = n_epochs
        self.final_factor = final_factor

    def factor(self, epoch):
        """Multiplier of ``lr`` at 0-based ``epoch``."""
        if self.kind == "constant" or self.n_epochs <= 1:
            return 1.0
        t = min(epoch, self.n_epochs - 1) / (self.n_epochs - 1)
        return self.final_factor + (1.0 - self.final_factor) * 0.5 * (1.0 + math.cos(math.pi * t))

    def on_epoch_begin(self, net, **kwargs):
        lr = net.lr * self.factor(len(net.history) - 1)
        for group in net.optimizer_.param_groups:
            group["lr"] = lr
        net.history.record("lr", lr)


class EpochProgress(Callback):
    """One progress report over the epochs of a training run, with the latest losses."""

    def __init__(self, desc):
        self.desc = desc

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.progress_ = Progress(self._total(net), self.desc, unit="epoch")

    @staticmethod
    def _total(net):
        return getattr(net, "epochs_planned_", net.max_epochs)

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        info = {key: row[key] for key in ("train_loss", "valid_loss") if key in row}
        self.progress_.update(1, **info)

    def on_train_end(self, net, **kwargs):
        self.progress_.close()


class PlainPrintLog(PrintLog):
    """skorch's epoch table, without ANSI colour codes when stdout is not a terminal."""

    def format_row(self, row, key, color):
        isatty = getattr(sys.stdout, "isatty", None)
        if not (callable(isatty) and isatty()):
            color = ""
            formatted = super().format_row(row, key, color)
            return formatted.replace("\x1b[0m", "") if isinstance(formatted, str) else formatted
        return super().format_row(row, key, color)


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
                broadcast_from_main(param.data)

    def on_grad_computed(self, net, named_parameters, **kwargs):
        if process_group()[1] == 1:
            return
        params = [param for _, param in named_parameters]
        # one flat all-reduce; the trailing flags say whether any process has each gradient
        grads = [torch.zeros_like(p) if p.grad is None else p.grad for p in params]
        flags = torch.tensor([p.grad is not None for p in params]).to(grads[0])
        flat = torch.cat([g.reshape(-1) for g in grads] + [flags])
        mean = all_reduce_mean(flat)
        grad_means = mean[: -len(params)].split([p.numel() for p in params])
        for param, grad_mean, used in zip(
            params, grad_means, mean[-len(params) :] > 0, strict=True
        ):
            if used:
                param.grad = grad_mean.view_as(param)
