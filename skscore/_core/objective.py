"""The objective protocol: ``per_example(module, X, y=None, *, generator)``; forward = mean."""

from torch import nn


class Objective(nn.Module):
    """Base class: the loss is the mean of :meth:`per_example`."""

    def per_example(self, module, X, y=None, *, generator=None):
        """Loss of each row of the batch, shape (n,)."""
        raise TypeError(f"{type(self).__name__} must define per_example")

    def forward(self, module, X, y=None, *, generator=None):
        return self.per_example(module, X, y, generator=generator).mean()
