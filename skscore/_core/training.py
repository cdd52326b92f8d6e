"""The skorch net every estimator trains with, and the batches it is fed.

``ObjectiveNet`` is a skorch ``NeuralNet`` whose criterion is an objective of the module and the
raw batch (:mod:`skscore._core.objective`). It owns the training's random generators: one for the
shuffling order, one for the noise of the objective, and a validation generator re-seeded every
epoch so that the held-out loss of successive epochs is measured with the same noise. None of
them is torch's global RNG.
"""

import inspect

import torch
from skorch import NeuralNet
from skorch.callbacks import EpochTimer, PassthroughScoring

from skscore._core.callbacks import PlainPrintLog
from skscore._core.distributed import process_group, rank_rows

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
    "lbfgs": torch.optim.LBFGS,
}


def resolve_optimizer(optimizer, optimizer_params):
    """The optimizer class and its keyword arguments, checked against its signature."""
    cls = OPTIMIZERS[optimizer] if isinstance(optimizer, str) else optimizer
    params = dict(optimizer_params or {})
    accepted = inspect.signature(cls.__init__).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in accepted.values()):
        unknown = sorted(set(params) - set(accepted) - {"self"})
        if unknown:
            valid = sorted(set(accepted) - {"self", "params", "lr"})
            raise ValueError(
                f"optimizer {cls.__name__} takes no argument {', '.join(map(repr, unknown))}; "
                f"its arguments are {valid}"
            )
    if "lr" in params:
        raise ValueError("set the learning rate with `lr`, not in optimizer_params")
    return cls, params


def make_generator(device, seed):
    return torch.Generator(device=torch.device(device)).manual_seed(int(seed))


class TensorBatchIterator:
    """Mini-batches sliced from tensors (no per-sample collation).

    skorch instantiates it as ``iterator(dataset, batch_size=..., shuffle=...)``; batches are
    ``(X_batch, y_batch)`` with ``y_batch`` None for unsupervised data. The shuffling order is
    drawn from ``generator``. In data-parallel training (an initialised process group) each
    global batch is split between the processes unless ``split_across_processes=False``.
    """

    def __init__(
        self, dataset, batch_size=256, shuffle=False, generator=None, split_across_processes=True
    ):
        self.X = dataset.X
        self.y = dataset.y
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator
        rank, world_size = process_group()
        self.rank, self.world_size = (rank, world_size) if split_across_processes else (0, 1)

    def __len__(self):
        n_full, remainder = divmod(len(self.X), self.batch_size)
        return n_full + (remainder >= self.world_size)

    def __iter__(self):
        n = len(self.X)
        if self.shuffle:
            order = torch.randperm(n, generator=self.generator, device=self.generator.device)
            order = order.to(self.X.device)
        else:
            order = torch.arange(n, device=self.X.device)
        for start in range(0, n, self.batch_size):
            rows = rank_rows(order[start : start + self.batch_size], self.rank, self.world_size)
            if len(rows):
                yield self.X[rows], (None if self.y is None else self.y[rows])


class ObjectiveNet(NeuralNet):
    """A skorch net whose criterion is an objective ``criterion(module, X, y=None, *,
    generator)`` (see :mod:`skscore._core.objective`).

    Parameters
    ----------
    *args, **kwargs
        As for ``skorch.NeuralNet``.
    noise_seed : int, default=0
        Seed of the objective's noise during training (plus the process rank in a group).
    validation_seed : int, default=1
        Seed of the objective's noise on the validation set, the same every epoch.
    """

    def __init__(self, *args, noise_seed=0, validation_seed=1, **kwargs):
        self.noise_seed = noise_seed
        self.validation_seed = validation_seed
        super().__init__(*args, **kwargs)

    @property
    def _default_callbacks(self):
        return [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
            ("valid_loss", PassthroughScoring(name="valid_loss")),
            ("print_log", PlainPrintLog()),
        ]

    def initialize(self):
        super().initialize()
        rank = process_group()[0]
        self.noise_generator_ = make_generator(self.device, self.noise_seed + rank)
        return self

    def _tensors(self, batch):
        return [t.to(self.device) for t in batch if t is not None]

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        loss = self.criterion_(self.module_, *self._tensors(batch), generator=self.noise_generator_)
        loss.backward()
        return {"loss": loss, "y_pred": None}

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        if not training:
            self.validation_generator_ = make_generator(self.device, self.validation_seed)
        return super().run_single_epoch(iterator, training, prefix, step_fn, **fit_params)

    def validation_step(self, batch, **fit_params):
        self._set_training(False)
        with torch.no_grad():
            loss = self.criterion_(
                self.module_, *self._tensors(batch), generator=self.validation_generator_
            )
        return {"loss": loss.detach(), "y_pred": None}

    def objective(self, X, y=None, *, generator=None, per_example=False):
        """The training objective of the current module on tensors ``X`` (and ``y``).

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, n_features)
            Batch, on the net's device and in the module's dtype.
        y : torch.Tensor or None, default=None
            Targets of supervised objectives.
        generator : torch.Generator or None, default=None
            Source of the objective's noise (None: a fixed seed, a deterministic loss).
        per_example : bool, default=False
            Return the loss of every row (shape (n,)) instead of their mean.
        """
        if generator is None:
            generator = make_generator(X.device, self.validation_seed)
        fn = self.criterion_.per_example if per_example else self.criterion_
        return fn(self.module_, X, y, generator=generator)
