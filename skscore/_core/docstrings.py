"""The one way docstrings share text: ``{name}`` placeholders filled by :func:`fill_doc`."""

from collections.abc import Callable
from typing import Any, TypeVar

_F = TypeVar("_F", bound=Callable[..., Any])

#: Entries of the parameters every neural estimator shares, in constructor order.
SHARED_PARAMETERS = {
    "hidden_layer_sizes": """\
hidden_layer_sizes : tuple of int, default=(256, 256)
    Widths of the hidden layers of the network.""",
    "activation": """\
activation : {"tanh", "sigmoid", "relu", "silu", "softplus"}, default="tanh"
    Hidden-unit non-linearity.""",
    "standardize": """\
standardize : bool, default=True
    Centre and scale each feature inside the estimator. Never changes the estimand: sigma,
    step sizes and every output are in the units of the data.""",
    "max_epochs": """\
max_epochs : int, default=100
    Number of passes over the training data in ``fit`` (fewer with ``early_stopping``).""",
    "batch_size": """\
batch_size : int, default=256
    Mini-batch size for training and for batched inference.""",
    "lr": """\
lr : float, default=1e-3
    Learning rate (the initial one with a schedule).""",
    "lr_schedule": """\
lr_schedule : {"cosine", "constant"} or skorch LRScheduler, default="cosine"
    Learning rate over the epochs. "cosine" decays from ``lr`` to ``lr / 100`` over
    ``max_epochs`` epochs; "constant" keeps ``lr``; a ``skorch.callbacks.LRScheduler`` is used
    as given. ``partial_fit`` continues the schedule where training stopped (epoch k of all
    training uses the rate of epoch k); after ``max_epochs`` epochs the rate stays at its
    final value. The rate of each epoch is recorded in ``history_`` as "lr".""",
    "optimizer": """\
optimizer : {"adam", "adamw", "sgd", "rmsprop", "lbfgs"} or torch optimizer class, \
default="adam"
    Optimizer.""",
    "optimizer_params": """\
optimizer_params : dict, default=None
    Extra keyword arguments of the optimizer (``{"momentum": 0.9}``, ``{"betas": (0.9,
    0.99)}``). Also settable one by one as ``optimizer__<name>``, e.g.
    ``set_params(optimizer__momentum=0.9)`` or a ``GridSearchCV`` grid over
    ``"optimizer__momentum"``.""",
    "weight_decay": """\
weight_decay : float, default=0.0
    L2 penalty passed to the optimizer.""",
    "early_stopping": """\
early_stopping : bool, default=False
    Hold out ``validation_fraction`` of the training rows, record the estimator's own
    objective on them each epoch as "valid_loss", stop when it has not improved by ``tol``
    for ``n_iter_no_change`` epochs, and keep the best epoch's weights. With it, skorch's
    ``EarlyStopping`` and ``Checkpoint`` callbacks work on "valid_loss". ``partial_fit``
    never holds data out.""",
    "validation_fraction": """\
validation_fraction : float, default=0.1
    Share of the training rows held out with ``early_stopping``.""",
    "n_iter_no_change": """\
n_iter_no_change : int, default=10
    Epochs without improvement before ``early_stopping`` stops.""",
    "tol": """\
tol : float, default=1e-4
    Smallest decrease of "valid_loss" that counts as an improvement.""",
    "device": """\
device : str, default="auto"
    "auto" (CUDA when available, else CPU), "cpu", "cuda", "cuda:N" or "mps". The resolved
    device is ``device_``.""",
    "callbacks": """\
callbacks : list of skorch callbacks, default=None
    Extra skorch callbacks, used as given (as in skorch): after ``fit`` they hold their
    state. ``clone`` and ``GridSearchCV`` give each fit its own copies.""",
    "random_state": """\
random_state : int, RandomState instance or None, default=None
    Controls initialisation, batching and noise, through generators of the estimator's own:
    torch's global RNG is never used, so concurrent fits in threads are reproducible.""",
    "verbose": """\
verbose : int, default=0
    0 silent; 1 a progress report over the epochs (a bar on a terminal, plain lines
    otherwise); 2 or more the per-epoch table too.""",
}


def _indent(text, spaces):
    pad = " " * spaces
    return "\n".join(pad + line if line else line for line in text.splitlines())


def shared_parameter_docs(exclude=(), replace=None):
    """The shared parameters' numpydoc entries, indented for a class docstring.

    ``exclude`` names entries to leave out (documented by the class itself); ``replace`` maps
    names to entries that take the shared ones' places (another default, measured advice).
    """
    replace = replace or {}
    entries = [
        replace.get(name, text) for name, text in SHARED_PARAMETERS.items() if name not in exclude
    ]
    return _indent("\n".join(entries), 4).lstrip()


def fill_doc(**blocks: str) -> Callable[[_F], _F]:
    """Decorator replacing each ``{name}`` placeholder of a docstring by ``blocks[name]``.

    Plain text replacement (no ``str.format``), so literal braces such as ``{"a", "b"}``
    need no escaping.
    """

    def decorate(obj: _F) -> _F:
        doc = obj.__doc__ or ""
        for name, text in blocks.items():
            doc = doc.replace("{" + name + "}", text)
        obj.__doc__ = doc
        return obj

    return decorate
