"""Torch modules shared by the estimators.

Every module here is an importable top-level class so that fitted estimators pickle (and unpickle
in a fresh process) without surprises.
"""

import math

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


def make_mlp(n_inputs, hidden_layer_sizes, n_outputs, activation, zero_init_output=False):
    """A plain MLP: ``Linear -> activation`` per hidden layer, then a linear output layer."""
    layers = []
    width = n_inputs
    for size in hidden_layer_sizes:
        layers += [nn.Linear(width, size), ACTIVATIONS[activation]()]
        width = size
    output = nn.Linear(width, n_outputs)
    if zero_init_output:
        nn.init.zeros_(output.weight)
        nn.init.zeros_(output.bias)
    layers.append(output)
    return nn.Sequential(*layers)


class ReconstructionField(nn.Module):
    """The auto-encoder's reconstruction displacement ``u(x) = (r(x) - x) / sigma``.

    Inputs and outputs are in the user's data units; the network itself sees standardised inputs
    ``z = (x - mean) / scale``. The score estimate is ``u(x) / sigma`` (thesis eq. 3.10).

    Parameters
    ----------
    n_features : int
        Input (and output) dimension d.
    hidden_layer_sizes : tuple of int
        Hidden widths of the MLP (one layer when ``tied_weights``).
    activation : str
        Key of :data:`ACTIVATIONS`.
    sigma : float
        Noise level in data units.
    parametrization : {"residual", "autoencoder"}
        ``"residual"``: ``r(x) = x + sigma * f(z)`` with ``f`` zero-initialised, so ``u = f(z)``
        (thesis 3.3.7, well conditioned at every sigma). ``"autoencoder"``: ``r(x) = mean +
        scale * g(z)``, the paper's plain auto-encoder (section 3.3.4).
    tied_weights : bool
        One hidden layer with ``f(z) = W^T h(W z + b) + c``: a gradient field with a closed-form
        potential (thesis 3.3.6). Needs an isotropic ``scale`` to stay conservative in data units.
    mean, scale : array-like of shape (n_features,)
        Standardisation of the inputs.
    """

    def __init__(
        self,
        n_features,
        hidden_layer_sizes,
        activation,
        sigma,
        parametrization,
        tied_weights,
        mean,
        scale,
    ):
        super().__init__()
        self.sigma = float(sigma)
        self.parametrization = parametrization
        self.tied_weights = tied_weights
        self.activation = activation
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32).clone())
        self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float32).clone())
        zero_init = parametrization == "residual"
        if tied_weights:
            (n_hidden,) = hidden_layer_sizes
            encoder = nn.Linear(n_features, n_hidden)
            self.encoder = encoder
            self.output_bias = nn.Parameter(torch.zeros(n_features))
            self.nonlinearity = ACTIVATIONS[activation]()
        else:
            self.body = make_mlp(
                n_features, hidden_layer_sizes, n_features, activation, zero_init_output=zero_init
            )
        self.code_layer = _code_layer_index(hidden_layer_sizes)

    def standardize(self, x):
        return (x - self.mean) / self.scale

    def network(self, z):
        """The raw network output in standardised units (f or g above)."""
        if self.tied_weights:
            h = self.nonlinearity(self.encoder(z))
            return h @ self.encoder.weight + self.output_bias
        return self.body(z)

    def forward(self, x):
        z = self.standardize(x)
        out = self.network(z)
        if self.parametrization == "residual":
            return out
        return self.scale * (out - z) / self.sigma

    def log_density(self, x):
        """Closed-form log p(x) up to a constant; tied weights only (integral of u / sigma)."""
        z = self.standardize(x)
        pre = self.encoder(z)
        potential = ANTIDERIVATIVES[self.activation](pre).sum(-1) + z @ self.output_bias
        if self.parametrization == "residual":
            # score = f(z) / sigma and dx = scale dz (scale isotropic)
            return self.scale[0] * potential / self.sigma
        # score = scale (g(z) - z) / sigma^2
        return self.scale[0] ** 2 * (potential - 0.5 * (z**2).sum(-1)) / self.sigma**2

    def encode(self, x):
        """Activations of the first narrowest hidden layer (the code)."""
        z = self.standardize(x)
        if self.tied_weights:
            return self.nonlinearity(self.encoder(z))
        # body = [Linear, act] * n_hidden + [Linear]: the code is the output of act number k
        return self.body[: 2 * self.code_layer + 2](z)


def _code_layer_index(hidden_layer_sizes):
    sizes = list(hidden_layer_sizes)
    return sizes.index(min(sizes))
