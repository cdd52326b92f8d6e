"""Type aliases shared by the public signatures (PEP 484/604 annotations)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np
import torch
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator
from skorch import NeuralNet
from skorch.callbacks import LRScheduler

__all__ = [
    "ArrayLike",
    "Callbacks",
    "Device",
    "HiddenLayerSizes",
    "LRSchedule",
    "ModuleLike",
    "Optimizer",
    "PathLike",
    "RandomState",
    "TensorLike",
]

#: Seed or generator accepted by ``random_state`` (scikit-learn's convention).
RandomState: TypeAlias = int | np.random.RandomState | None

#: A torch device name such as ``"cpu"``, ``"cuda:0"`` or ``"auto"``.
Device: TypeAlias = str

#: Widths of the hidden layers, or ``"auto"`` where an estimator chooses them.
HiddenLayerSizes: TypeAlias = Sequence[int] | str

#: skorch callbacks (instances or ``(name, callback)`` pairs), or ``None``.
Callbacks: TypeAlias = list[Any] | None

#: A learning-rate schedule by name, or a skorch ``LRScheduler`` callback.
LRSchedule: TypeAlias = str | LRScheduler

#: An optimizer by name, or a ``torch.optim.Optimizer`` subclass.
Optimizer: TypeAlias = str | type[torch.optim.Optimizer]

#: Array-likes or torch tensors (the functions taking a torch module accept both).
TensorLike: TypeAlias = ArrayLike | torch.Tensor

#: A torch module, a fitted skorch net or a fitted skscore estimator holding one.
ModuleLike: TypeAlias = torch.nn.Module | NeuralNet | BaseEstimator

#: A file path.
PathLike: TypeAlias = str | os.PathLike[str]
