"""Constants shared by every family."""

import math

import numpy as np

LOG_2PI = math.log(2.0 * math.pi)
#: Training rows an estimator keeps to start sampling chains from.
MAX_STORED_CHAIN_STARTS = 1000
#: Rows a neighbour distance is computed from (fixed seed), so its cost stays bounded.
NEIGHBOUR_MAX_ROWS = 1000
#: Reference rows compared per block in :func:`neighbour_distance`.
_NEIGHBOUR_BLOCK = 4096


def _fixed_rows(n_rows, max_rows):
    """Indices of at most ``max_rows`` of ``n_rows`` rows, chosen with a fixed seed."""
    if n_rows <= max_rows:
        return np.arange(n_rows)
    return np.sort(np.random.RandomState(0).choice(n_rows, max_rows, replace=False))


def neighbour_distance(X, n_neighbors=1, *, max_rows=NEIGHBOUR_MAX_ROWS, to_all_rows=False):
    """Median distance from a row to its ``n_neighbors``-th nearest distinct row.

    Duplicates are removed first (binary or rounded data), then at most ``max_rows`` distinct
    rows chosen with a fixed seed are the queries, so the value depends on the data only. Their
    neighbours are looked for among the same rows, or among every distinct row with
    ``to_all_rows=True`` (bounded memory: reference rows are compared in blocks). With fewer
    distinct rows than ``n_neighbors + 1`` each row uses its farthest one; all rows identical
    gives 0.0.
    """
    X = np.asarray(X, dtype=np.float64)
    if not to_all_rows and len(X) > 10 * max_rows:  # bounds the cost of finding distinct rows
        X = X[np.random.RandomState(0).choice(len(X), 10 * max_rows, replace=False)]
    X = np.unique(X, axis=0)
    if len(X) < 2:
        return 0.0
    X = X - X.mean(axis=0)  # fewer cancellations in |a|^2 + |b|^2 - 2 a.b
    query_rows = _fixed_rows(len(X), max_rows)
    queries = X[query_rows]
    references, reference_rows = (X, np.arange(len(X))) if to_all_rows else (queries, query_rows)
    k = min(n_neighbors, len(references) - 1)
    q_sq = np.einsum("ij,ij->i", queries, queries)
    nearest = np.full((len(queries), k), np.inf)
    for start in range(0, len(references), _NEIGHBOUR_BLOCK):
        block = references[start : start + _NEIGHBOUR_BLOCK]
        b_sq = np.einsum("ij,ij->i", block, block)
        D = np.maximum(q_sq[:, None] + b_sq[None, :] - 2.0 * queries @ block.T, 0.0)
        block_rows = reference_rows[start : start + _NEIGHBOUR_BLOCK]
        D[query_rows[:, None] == block_rows[None, :]] = np.inf  # the query itself
        D = np.concatenate([nearest, D], axis=1)
        nearest = np.partition(D, k - 1, axis=1)[:, :k]
    kth = np.sqrt(np.sort(nearest, axis=1)[:, k - 1])
    kth = kth[np.isfinite(kth)]
    return float(np.median(kth)) if kth.size else 0.0
