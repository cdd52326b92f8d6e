"""make_mlp: a multi-layer perceptron to probe (a model factory)."""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import torch
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from skscore._core import nn as _nn


@validate_params(
    {
        "n_features": [Interval(numbers.Integral, 1, None, closed="left")],
        "hidden_layer_sizes": ["array-like"],
        "n_outputs": [Interval(numbers.Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(_nn.ACTIVATIONS))],
        "generator": "no_validation",
    },
    prefer_skip_nested_validation=True,
)
def make_mlp(
    n_features: int,
    hidden_layer_sizes: Sequence[int] = (64, 64),
    n_outputs: int = 2,
    activation: str = "relu",
    *,
    generator: torch.Generator | None = None,
) -> torch.nn.Sequential:
    """A multi-layer perceptron to probe: ``Linear -> activation`` per hidden layer, then a
    linear output layer.

    A model factory for :class:`LinearProbeTransformer`: pass ``model=make_mlp`` (or
    ``functools.partial(make_mlp, hidden_layer_sizes=..., n_outputs=...)``) and it is called
    as ``make_mlp(n_features, generator=...)`` at ``fit``, its weights drawn from a generator
    seeded by the transformer's ``random_state``. Such a transformer can be cloned, used in
    cross-validation and saved with :func:`skscore.io.save`. The network is not trained:
    its probes measure what random features of this shape separate (train it yourself, or
    leave ``model=None`` to probe a network trained on ``(X, y)``).

    Parameters
    ----------
    n_features : int
        Input width.
    hidden_layer_sizes : sequence of int, default=(64, 64)
        Widths of the hidden layers.
    n_outputs : int, default=2
        Output width (e.g. the number of classes).
    activation : {"tanh", "sigmoid", "relu", "silu", "softplus"}, default="relu"
        Hidden non-linearity.
    generator : torch.Generator or None, default=None
        Source of the initial weights (torch's default initialisation of ``nn.Linear``);
        None draws from torch's global random number generator.

    Returns
    -------
    mlp : torch.nn.Sequential
        Modules named "0", "1", ...: a linear layer and its activation per hidden layer, then
        the output layer.

    Examples
    --------
    >>> import torch
    >>> from skscore.probes import make_mlp
    >>> mlp = make_mlp(4, (8, 8), 3, generator=torch.Generator().manual_seed(0))
    >>> [type(layer).__name__ for layer in mlp]
    ['Linear', 'ReLU', 'Linear', 'ReLU', 'Linear']
    >>> mlp(torch.zeros(2, 4)).shape
    torch.Size([2, 3])

    As the model of a probe transformer (seeded by ``random_state``):

    >>> import numpy as np
    >>> from skscore.probes import LinearProbeTransformer
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(200, 2)
    >>> y = (X[:, 0] * X[:, 1] > 0).astype(int)
    >>> probes = LinearProbeTransformer(make_mlp, random_state=0).fit(X, y)
    >>> probes.layer_names_
    ['0', '1', '2', '3', '4']
    """
    sizes = tuple(hidden_layer_sizes)
    if not sizes or any(
        not isinstance(s, numbers.Integral) or isinstance(s, bool) or s < 1 for s in sizes
    ):
        raise ValueError(
            f"hidden_layer_sizes must be a non-empty sequence of positive ints, got "
            f"{hidden_layer_sizes!r}"
        )
    return _nn.make_mlp(n_features, sizes, n_outputs, activation, generator=generator)
