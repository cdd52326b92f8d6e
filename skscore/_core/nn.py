"""Generic torch blocks: activations, seeded layers and MLPs, standardisation, tied AE."""

import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

ACTIVATIONS = {
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "relu": nn.ReLU,
    "silu": nn.SiLU,
    "softplus": nn.Softplus,
}


def _log_cosh(a):
    # log cosh a = |a| + log(1 + exp(-2|a|)) - log 2, stable for large |a|
    return a.abs() + F.softplus(-2.0 * a.abs()) - math.log(2.0)


def _half_relu_squared(a):
    return 0.5 * F.relu(a) ** 2


#: Antiderivatives H with H' = activation, for the closed-form energy of tied auto-encoders.
ANTIDERIVATIVES = {"tanh": _log_cosh, "sigmoid": F.softplus, "relu": _half_relu_squared}


def linear(n_inputs, n_outputs, generator=None, *, bias=True, init="default"):
    """An ``nn.Linear`` whose weights come from ``generator`` (torch's global RNG untouched).

    Parameters
    ----------
    n_inputs, n_outputs : int
        Layer sizes.
    generator : torch.Generator or None
        Source of the initial weights; None draws from torch's global RNG (plain PyTorch).
    bias : bool, default=True
        Whether the layer has a bias.
    init : {"default", "zeros"} or float, default="default"
        "default": torch's own ``nn.Linear`` initialisation, ``U(-1/sqrt(n_inputs),
        1/sqrt(n_inputs))`` for weights and bias; "zeros": all zero; a float: weights
        ``N(0, init^2)`` and a zero bias.
    """
    layer = nn.Linear(n_inputs, n_outputs, bias=bias, device="meta").to_empty(device="cpu")
    with torch.no_grad():
        if init == "zeros":
            layer.weight.zero_()
        elif init == "default":
            bound = 1.0 / math.sqrt(n_inputs) if n_inputs else 0.0
            layer.weight.uniform_(-bound, bound, generator=generator)
        else:
            layer.weight.normal_(0.0, float(init), generator=generator)
        if bias:
            if init == "default":
                layer.bias.uniform_(-bound, bound, generator=generator)
            else:
                layer.bias.zero_()
    return layer


def make_mlp(
    n_inputs, hidden_layer_sizes, n_outputs, activation, zero_init_output=False, generator=None
):
    """A plain MLP: ``Linear -> activation`` per hidden layer, then a linear output layer.

    Parameters
    ----------
    n_inputs : int
        Input width.
    hidden_layer_sizes : sequence of int
        Hidden widths.
    n_outputs : int
        Output width.
    activation : str
        Key of :data:`ACTIVATIONS`.
    zero_init_output : bool, default=False
        Start the output layer at zero (the network then outputs 0 everywhere).
    generator : torch.Generator or None, default=None
        Source of the initial weights (None: torch's global RNG).

    Returns
    -------
    mlp : torch.nn.Sequential

    Examples
    --------
    >>> import torch
    >>> from skscore._core.nn import make_mlp
    >>> mlp = make_mlp(4, (8, 8), 3, "tanh", generator=torch.Generator().manual_seed(0))
    >>> mlp(torch.zeros(2, 4)).shape
    torch.Size([2, 3])
    """
    layers = []
    width = n_inputs
    for size in hidden_layer_sizes:
        layers += [linear(width, size, generator), ACTIVATIONS[activation]()]
        width = size
    layers.append(
        linear(width, n_outputs, generator, init="zeros" if zero_init_output else "default")
    )
    return nn.Sequential(*layers)


def reinitialize_(module, generator):
    """Redraw the weights of every linear and convolution layer of ``module`` from
    ``generator``, with torch's default initialisation (``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``
    for weights and biases). Other parameters are left as they are. Returns ``module``."""
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, (nn.Linear, nn.modules.conv._ConvNd)):
                fan_in = layer.weight[0].numel()
                bound = 1.0 / math.sqrt(fan_in) if fan_in else 0.0
                layer.weight.uniform_(-bound, bound, generator=generator)
                if layer.bias is not None:
                    layer.bias.uniform_(-bound, bound, generator=generator)
    return module


def standardization(X):
    """Per-feature mean and scale of the 2-D array ``X``, NaN ignored (float64 arrays).

    A feature that is constant (scale below ``1e-12`` times the largest mean magnitude, at
    least 1) or all-NaN gets scale 1 (and mean 0 when all-NaN), so that
    ``(X - mean) / scale`` is always finite.
    """
    mean = np.nanmean(X, axis=0, dtype=np.float64)
    scale = np.nanstd(X, axis=0, dtype=np.float64)
    mean = np.where(np.isfinite(mean), mean, 0.0)
    bad = ~np.isfinite(scale) | (scale < 1e-12 * max(1.0, np.abs(mean).max()))
    scale[bad] = 1.0
    return mean, scale


def seeded_generator(seed):
    """A CPU ``torch.Generator`` seeded with ``seed`` (module initialisation happens on CPU)."""
    return torch.Generator().manual_seed(int(seed))


class StandardizedInput(nn.Module):
    """Base of the modules that see standardised inputs ``z = (x - mean) / scale``."""

    def __init__(self, mean, scale):
        super().__init__()
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32).clone())
        self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float32).clone())

    def standardize(self, x):
        return (x - self.mean) / self.scale


class ScalarNetwork(nn.Module):
    """A scalar MLP ``psi(z)`` (zero-initialised output) and its input gradient."""

    def __init__(self, n_features, hidden_layer_sizes, activation, generator=None, zero_init=True):
        super().__init__()
        self.body = make_mlp(
            n_features, hidden_layer_sizes, 1, activation, zero_init, generator=generator
        )

    def forward(self, z):
        return self.body(z).squeeze(-1)


class TiedAutoEncoder(nn.Module):
    """``f(z) = W^T h(W z + b) + c``: a gradient field with the closed-form potential
    ``psi(z) = sum_k H(W z + b)_k + c.z``, ``H' = h`` (thesis 3.3.6; Im et al., Eq. 3-4).

    Shared by the tied score auto-encoders and the tied conservative-field regressor.
    """

    def __init__(self, n_features, n_hidden, activation, generator=None, weight_std=None):
        super().__init__()
        init = "default" if weight_std is None else weight_std
        self.encoder = linear(n_features, n_hidden, generator, init=init)
        self.output_bias = nn.Parameter(torch.zeros(n_features))
        self.nonlinearity = ACTIVATIONS[activation]()
        self.activation = activation

    def code(self, z):
        return self.nonlinearity(self.encoder(z))

    def forward(self, z):
        return self.code(z) @ self.encoder.weight + self.output_bias

    def potential(self, z):
        return ANTIDERIVATIVES[self.activation](self.encoder(z)).sum(-1) + z @ self.output_bias
