"""The potential network whose gradient is the conservative field."""

import torch
from torch import nn

from skscore._core.autodiff import input_gradient
from skscore._core.nn import (
    ScalarNetwork,
    StandardizedInput,
    TiedAutoEncoder,
    make_mlp,
    seeded_generator,
)


class PotentialField(StandardizedInput):
    """A field ``G(x)`` in data units, the gradient of a potential ``Phi`` when conservative.

    ``Phi(x) = offset + amplitude * psi(z)``, so ``G = grad_x Phi = amplitude * grad_z psi /
    scale`` (chain rule): the field and the potential are in the user's units whatever the
    standardisation.

    Parameters
    ----------
    n_features : int
        Input dimension d.
    hidden_layer_sizes : tuple of int
        Hidden widths (one layer for ``"tied_ae"``).
    activation : str
        Key of :data:`ACTIVATIONS`.
    parametrization : {"gradient", "tied_ae", "untied_ae"}
        ``"gradient"``: ``psi`` is a scalar MLP (:class:`ScalarNetwork`) and ``G`` its gradient
        by automatic differentiation. ``"tied_ae"``: ``psi(z) = sum_k H(W z + b)_k + c.z -
        ||z||^2 / 2 + c0``, whose gradient is the tied auto-encoder's field ``r(z) - z``
        (paper Eq. 3-4). ``"untied_ae"``: the field ``u(z) - z`` of an untied auto-encoder ``u``
        (an MLP); not a gradient in general and without a potential.
    mean, scale : array-like of shape (n_features,)
        Standardisation of the inputs.
    amplitude : float
        Scale of the potential (target scaling).
    offset : float
        Constant added to the potential.
    seed : int, default=0
        Seed of the initial weights.
    """

    def __init__(
        self,
        n_features,
        hidden_layer_sizes,
        activation,
        parametrization,
        mean,
        scale,
        amplitude,
        offset,
        seed=0,
    ):
        super().__init__(mean, scale)
        self.parametrization = parametrization
        self.register_buffer("amplitude", torch.tensor(float(amplitude)))
        self.register_buffer("offset", torch.tensor(float(offset)))
        generator = seeded_generator(seed)
        if parametrization == "gradient":
            self.potential_network = ScalarNetwork(
                n_features, hidden_layer_sizes, activation, generator, zero_init=False
            )
        elif parametrization == "tied_ae":
            (n_hidden,) = hidden_layer_sizes
            # E[W^T W] = I: the field W^T h(Wz + b) + c - z starts near zero (the default
            # init makes it ~n_hidden / (3 n_features) times too large)
            self.tied = TiedAutoEncoder(
                n_features, n_hidden, activation, generator, weight_std=n_hidden**-0.5
            )
            self.constant = nn.Parameter(torch.zeros(()))
        else:
            self.body = make_mlp(
                n_features, hidden_layer_sizes, n_features, activation, generator=generator
            )

    def has_potential(self):
        return self.parametrization != "untied_ae"

    def potential(self, x):
        """``Phi(x)`` for x of shape (..., d); not defined for ``"untied_ae"``."""
        z = self.standardize(x)
        if self.parametrization == "gradient":
            psi = self.potential_network(z)
        elif self.parametrization == "tied_ae":
            psi = self.tied.potential(z) - 0.5 * (z * z).sum(-1) + self.constant
        else:
            raise ValueError("an untied auto-encoder has no potential")
        return self.offset + self.amplitude * psi

    def _closed_form_field(self, x):
        z = self.standardize(x)
        out = self.tied(z) if self.parametrization == "tied_ae" else self.body(z)
        return self.amplitude * (out - z) / self.scale

    def forward(self, x):
        """``G(x)`` for x of shape (n, d) (differentiable in training mode)."""
        if self.parametrization != "gradient":
            return self._closed_form_field(x)
        return input_gradient(self.potential, x)
