"""How :class:`~skscore.importance.ImportanceSampling` takes over a skorch net during ``fit``.

The net's ``iterator_train`` is replaced by :class:`ImportanceIterator`, which asks the callback
for each minibatch (rows drawn with replacement from its proposal), and ``criterion_`` is
wrapped in :class:`WeightedCriterion`, which reduces the per-example losses of a training batch
with the importance scales the callback set when it drew the batch (thesis 7.4.1) and behaves
exactly like the wrapped criterion otherwise (validation, prediction). :func:`unpatch` undoes
both.
"""

import functools
import math

from torch import nn

from skscore._core.user_module import UserCriterion
from skscore.importance._norms import rowwise


class ImportanceIterator:
    """Training iterator that draws rows from the callback's proposal (one epoch per pass)."""

    def __init__(self, dataset, *, callback, original=None, batch_size=128, **kwargs):
        self.dataset = dataset
        self.callback = callback
        self.batch_size = len(dataset) if batch_size == -1 else batch_size
        self.collate_fn = kwargs.get("collate_fn")

    def __len__(self):
        return math.ceil(len(self.dataset) / self.batch_size)

    def __iter__(self):
        cb = self.callback
        cb._attach(self.dataset, self.collate_fn, len(self))
        n = len(self.dataset)
        for start in range(0, n, self.batch_size):
            yield cb._draw_batch(min(self.batch_size, n - start))


class WeightedCriterion(nn.Module):
    """The net's criterion, reducing per-example losses with the importance scales of the
    current training batch; a plain call of the wrapped criterion otherwise."""

    def __init__(self, inner, callback):
        super().__init__()
        self.inner = inner
        object.__setattr__(self, "_callback", callback)
        object.__setattr__(self, "_user_criterion", UserCriterion(inner))

    def forward(self, *args, **kwargs):
        scales = self._callback._current_scales
        if scales is None:
            return self.inner(*args, **kwargs)
        if self._user_criterion.is_objective:  # skscore objective: (module, X, ...)
            # called as the net calls its criterion, extra keyword arguments unchanged
            losses = self.inner.per_example(*args, **kwargs)
            n = len(args[1])
        else:  # prediction loss: (y_pred, y_true)
            losses = self._user_criterion.prediction_losses(*args, **kwargs)
            n = len(args[0])
        if n != len(scales):
            raise RuntimeError(
                f"ImportanceSampling drew {len(scales)} rows but the criterion got {n}; a "
                "custom train_step must pass the whole batch to the criterion once"
            )
        losses = rowwise(losses, n)
        return (losses * scales.to(device=losses.device, dtype=losses.dtype)).mean()

    def per_example(self, *args, **kwargs):
        return self.inner.per_example(*args, **kwargs)


def unpatch(net):
    iterator = net.iterator_train
    if isinstance(iterator, functools.partial) and iterator.func is ImportanceIterator:
        net.iterator_train = iterator.keywords["original"]
    if isinstance(getattr(net, "criterion_", None), WeightedCriterion):
        net.criterion_ = net.criterion_.inner
