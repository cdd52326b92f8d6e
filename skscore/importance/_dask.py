"""Importance weights computed by Dask workers while the master trains (thesis section 7.4.2).

The thesis's master / database / workers design on an existing engine: Dask's scheduler and
futures replace the hand-built database.

- At start the master scatters the module's architecture, the criterion and the training set
  cut into shards to the workers (once).
- Every ``publish_every`` steps it submits its current parameters as a task (``client.submit``
  returns at once; the state is serialised and shipped by the client's IO thread), and every
  idle shard gets a task computing its per-example gradient norms from those parameters.
- Finished tasks are gathered in the background by ``distributed.as_completed`` (with results);
  the master drains what has arrived with ``next_batch(block=False)`` before each step and
  resubmits the shards that came back whenever newer parameters exist. It never blocks on a
  worker: a step uses whatever weights it has, each tagged with the step at which its
  parameters were published (its staleness is the difference).
"""

import copy
import itertools
import pickle

import numpy as np
import torch

from skscore.importance._norms import PerExampleLoss, squared_norms


def _published(state):
    """Identity task holding the published parameters on a worker."""
    return state


def shard_norms(module, state, criterion, data, method, batch_size, seed):
    """Per-example gradient norms of one shard, run on a worker.

    Parameters
    ----------
    module : bytes
        The pickled architecture (pickled by the master: Dask's own serialisation of torch
        modules does not keep the hook dictionaries that forward hooks need).
    state : dict of str to ndarray
        ``state_dict`` published by the master, as numpy arrays.
    criterion : bytes
        The pickled criterion (torch loss or skscore objective).
    data : tuple of (X, y)
        The shard's rows, X in the module's dtype (y may be None).
    method : {"linear", "vmap", "loop"}
        Resolved norm method.
    batch_size : int
        Rows per pass.
    seed : int
        Seeds the generator handed to an objective (its noise).

    Returns
    -------
    norms : ndarray of shape (n_rows,)
    """
    module = pickle.loads(module)
    module.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    X, y = data
    loss_fn = PerExampleLoss(pickle.loads(criterion), torch.Generator().manual_seed(seed))
    sq = squared_norms(module, loss_fn, X, y, method=method, batch_size=batch_size)
    return sq.clamp_min(0).sqrt().numpy().astype(np.float64)


class DaskWeights:
    """Master-side bookkeeping of the shard tasks (see module docstring)."""

    def __init__(self, client, module, criterion, X, y, *, n_shards, method, batch_size, seed):
        import cloudpickle
        from distributed import as_completed

        self.client = client
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        n_shards = min(len(X), n_shards or 2 * n_workers)
        self.shards = np.array_split(np.arange(len(X)), n_shards)
        template = cloudpickle.dumps(copy.deepcopy(module).cpu())
        self.module_future = client.scatter(template, broadcast=True, hash=False)
        self.criterion_future = client.scatter(
            cloudpickle.dumps(criterion), broadcast=True, hash=False
        )
        X = X.cpu()
        y = None if y is None else y.cpu()
        self.data_futures = [
            client.scatter((X[rows], None if y is None else y[rows]), hash=False)
            for rows in self.shards
        ]
        self.method = method
        self.batch_size = batch_size
        self.seeds = itertools.count(seed)
        self.completed = as_completed(loop=client.loop, with_results=True, raise_errors=False)
        self.pending = {}  # future key -> (future, shard, version)
        self.busy = np.zeros(n_shards, dtype=bool)
        self.shard_version = np.full(n_shards, -1)
        self.params_future = None
        self.version = -1
        self.n_results = 0

    def publish(self, module, step):
        """Ship the current parameters (non-blocking) and put idle shards to work."""
        # numpy copies: a snapshot that pickles as plain buffers (cheaper than torch tensors)
        state = {k: v.detach().cpu().numpy().copy() for k, v in module.state_dict().items()}
        self.params_future = self.client.submit(_published, state, pure=False)
        self.version = step
        self._submit_idle()

    def poll(self):
        """``[(rows, norms, version), ...]`` of every shard result that has arrived."""
        results = []
        for future, result in self.completed.next_batch(block=False):
            _, shard, version = self.pending.pop(future.key)
            self.busy[shard] = False
            if future.status == "error":
                _, exc, _ = result
                self.close()
                raise RuntimeError(
                    f"computing gradient norms on a Dask worker failed: {exc!r}"
                ) from exc
            if future.status != "finished":  # cancelled: just resubmit later
                continue
            self.shard_version[shard] = version
            self.n_results += 1
            results.append((self.shards[shard], result, version))
        self._submit_idle()
        return results

    def _submit_idle(self):
        if self.params_future is None:
            return
        for shard in np.flatnonzero(~self.busy & (self.shard_version < self.version)):
            future = self.client.submit(
                shard_norms,
                self.module_future,
                self.params_future,
                self.criterion_future,
                self.data_futures[shard],
                self.method,
                self.batch_size,
                next(self.seeds),
                pure=False,
            )
            self.pending[future.key] = (future, int(shard), self.version)
            self.busy[shard] = True
            self.completed.add(future)

    def close(self):
        """Cancel what is still running and release the scattered data."""
        futures = [f for f, _, _ in self.pending.values()]
        self.pending.clear()
        self.completed.clear()
        if futures:
            self.client.cancel(futures)
        self.params_future = None
        self.data_futures = []
