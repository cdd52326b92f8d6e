"""The auto-encoders' torch module: the reconstruction field (residual or energy)."""

import torch

from skscore._core.autodiff import input_gradient
from skscore._core.nn import (
    ScalarNetwork,
    StandardizedInput,
    TiedAutoEncoder,
    make_mlp,
    seeded_generator,
)


class ReconstructionField(StandardizedInput):
    """The auto-encoder's reconstruction displacement ``u(x) = (r(x) - x) / sigma``.

    Inputs and outputs are in the user's data units. The score estimate is ``u(x) / sigma``
    (thesis eq. 3.10).

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
    parametrization : {"residual", "autoencoder", "energy"}
        ``"residual"``: ``r(x) = x + sigma * f(z)`` with ``f`` zero-initialised, so ``u = f(z)``
        (thesis 3.3.7). ``"autoencoder"``: ``r(x) = mean + scale * g(z)``, the paper's plain
        auto-encoder (section 3.3.4). ``"energy"``: a scalar network ``psi`` with energy
        ``E(x) = c psi(z) / sigma`` (``c`` the mean scale) and ``u = -sigma grad_x E``, so the
        score ``-grad_x E`` is exactly conservative and ``log p = -E + const``.
    tied_weights : bool
        One hidden layer with ``f(z) = W^T h(W z + b) + c`` (:class:`TiedAutoEncoder`). Needs an
        isotropic ``scale`` to stay conservative in data units.
    mean, scale : array-like of shape (n_features,)
        Standardisation of the inputs.
    seed : int, default=0
        Seed of the initial weights.
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
        seed=0,
    ):
        super().__init__(mean, scale)
        self.sigma = float(sigma)
        self.parametrization = parametrization
        self.tied_weights = tied_weights
        generator = seeded_generator(seed)
        if tied_weights:
            (n_hidden,) = hidden_layer_sizes
            self.tied = TiedAutoEncoder(n_features, n_hidden, activation, generator)
        elif parametrization == "energy":
            self.energy_network = ScalarNetwork(
                n_features, hidden_layer_sizes, activation, generator
            )
            # the output bias only shifts E by a constant, which no loss sees: it stays at zero
            # and out of training (per-example gradient and Hessian tools need every trainable
            # parameter to reach the loss)
            self.energy_network.body[-1].bias.requires_grad_(False)
        else:
            self.body = make_mlp(
                n_features,
                hidden_layer_sizes,
                n_features,
                activation,
                zero_init_output=parametrization == "residual",
                generator=generator,
            )
        self.code_layer = _code_layer_index(hidden_layer_sizes)

    def _energy_scale(self):
        return self.scale.mean()

    def network(self, z):
        """The raw network output in standardised units (f or g above)."""
        if self.tied_weights:
            return self.tied(z)
        return self.body(z)

    def energy(self, x):
        """``E(x) = c psi(z) / sigma`` (energy parametrization only)."""
        return self._energy_scale() * self.energy_network(self.standardize(x)) / self.sigma

    def forward(self, x):
        if self.parametrization == "energy" and not self.tied_weights:
            return -self.sigma * _input_gradient(self.energy, x)
        return self._displacement(x)

    def _displacement(self, x):
        z = self.standardize(x)
        out = self.network(z)
        if self.parametrization == "autoencoder":
            return self.scale * (out - z) / self.sigma
        return out

    def has_log_density(self):
        return self.tied_weights or self.parametrization == "energy"

    def log_density(self, x):
        """Closed-form log p(x) up to a constant (tied weights or energy parametrization)."""
        if not self.tied_weights:
            return -self.energy(x)
        z = self.standardize(x)
        potential = self.tied.potential(z)
        if self.parametrization == "autoencoder":
            # score = scale (g(z) - z) / sigma^2 and dx = scale dz (scale isotropic)
            return self.scale[0] ** 2 * (potential - 0.5 * (z**2).sum(-1)) / self.sigma**2
        # score = f(z) / sigma
        return self.scale[0] * potential / self.sigma

    def encode(self, x):
        """Activations of the first narrowest hidden layer (the code)."""
        z = self.standardize(x)
        if self.tied_weights:
            return self.tied.code(z)
        body = self.energy_network.body if self.parametrization == "energy" else self.body
        # body = [Linear, act] * n_hidden + [Linear]: the code is the output of act number k
        return body[: 2 * self.code_layer + 2](z)


def _input_gradient(scalar_fn, x):
    """``d scalar_fn(x).sum() / dx``: one backward pass, or inside ``torch.func`` transforms
    (per-example gradients, Hessian-vector products of the loss) ``torch.func.grad``, which they
    can differentiate through."""
    if torch._C._are_functorch_transforms_active():
        return torch.func.grad(lambda x: scalar_fn(x).sum())(x)
    return input_gradient(scalar_fn, x)


def _code_layer_index(hidden_layer_sizes):
    sizes = list(hidden_layer_sizes)
    return sizes.index(min(sizes))
