"""Rows of a skorch training set as tensors.

The :class:`~skscore.importance.ImportanceSampling` callback draws arbitrary rows (with
replacement) instead of iterating over a shuffled order, so it needs the training rows by
index. (Per-example losses of the net's criterion come from
:mod:`skscore._core.user_module`.)
"""

import numpy as np
import torch
from skorch.dataset import Dataset
from torch.utils.data import Subset, default_collate

#: Rows fetched per call when the training set is materialised through ``dataset[i]``.
FETCH_CHUNK = 4096


def _is_array(data):
    return isinstance(data, np.ndarray) or torch.is_tensor(data)


def fetch_rows(dataset, rows, collate_fn=None):
    """``(X_rows, y_rows)`` of a skorch/torch dataset, as a DataLoader would batch them.

    skorch's own ``Dataset`` over arrays or tensors (possibly inside the ``Subset`` that
    ``ValidSplit`` makes) is indexed directly; anything else goes through ``dataset[i]`` and
    ``collate_fn`` (default: torch's ``default_collate``). ``y_rows`` is None when the dataset
    has no target and is a plain skorch ``Dataset`` (skscore's objective nets), else whatever
    the dataset returns (skorch's dummy zeros for a missing target).
    """
    rows = np.asarray(rows)
    if isinstance(dataset, Subset):
        return fetch_rows(dataset.dataset, np.asarray(dataset.indices)[rows], collate_fn)
    direct = (
        collate_fn is None
        and isinstance(dataset, Dataset)
        and type(dataset).transform is Dataset.transform
        and _is_array(dataset.X)
        and (dataset.y is None or _is_array(dataset.y))
    )
    if direct:
        index = torch.as_tensor(rows) if torch.is_tensor(dataset.X) else rows
        X = torch.as_tensor(dataset.X[index])
        if dataset.y is None:
            return X, None
        index = torch.as_tensor(rows) if torch.is_tensor(dataset.y) else rows
        return X, torch.as_tensor(dataset.y[index])
    collate = collate_fn or default_collate
    return collate([dataset[int(i)] for i in rows])


def materialize(dataset, collate_fn=None):
    """All rows of ``dataset`` as ``(X, y)`` tensors (y None when there is no target)."""
    n = len(dataset)
    parts = [
        fetch_rows(dataset, np.arange(start, min(start + FETCH_CHUNK, n)), collate_fn)
        for start in range(0, n, FETCH_CHUNK)
    ]
    if not parts:
        raise ValueError("the training set is empty")
    for X, _ in parts:
        if not torch.is_tensor(X):
            raise TypeError(
                "ImportanceSampling needs the training inputs as one tensor per batch (arrays "
                f"or tensors), got {type(X).__name__}; dict or multi-input data is not supported"
            )
    X = torch.cat([X for X, _ in parts])
    y = None if parts[0][1] is None else torch.cat([y for _, y in parts])
    return X, y
