"""Torch modules of every estimator: the one home of skscore's networks.

Every module is an importable top-level class, so fitted estimators pickle (and unpickle in a
fresh process) without surprises. Weights are drawn from an explicit ``torch.Generator``
(:func:`linear`), never from torch's global RNG: a fit in one thread cannot change, or be
changed by, draws made elsewhere.

Modules whose output is a vector field in data units (``ReconstructionField``,
``PotentialField``) see standardised inputs ``z = (x - mean) / scale`` and provide two entry
points: ``forward(x)`` on a batch (differentiable in the parameters) and ``field_row(x)`` on one
row, composable with ``torch.func`` transforms (Jacobians, Hessians).
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

from ._autodiff import input_gradient

LOG_2PI = math.log(2.0 * math.pi)

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
    >>> from skscore._nn import make_mlp
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


class ScalarNetwork(nn.Module):
    """A scalar MLP ``psi(z)`` (zero-initialised output) and its input gradient."""

    def __init__(self, n_features, hidden_layer_sizes, activation, generator=None, zero_init=True):
        super().__init__()
        self.body = make_mlp(
            n_features, hidden_layer_sizes, 1, activation, zero_init, generator=generator
        )

    def forward(self, z):
        return self.body(z).squeeze(-1)


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
            return -self.sigma * input_gradient(self.energy, x)
        return self._displacement(x)

    def field_row(self, x):
        """``u`` at one row, composable with ``torch.func`` transforms."""
        if self.parametrization == "energy" and not self.tied_weights:
            return -self.sigma * torch.func.grad(self.energy)(x)
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


def _code_layer_index(hidden_layer_sizes):
    sizes = list(hidden_layer_sizes)
    return sizes.index(min(sizes))


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

    def field_row(self, x):
        """``G(x)`` for one row x of shape (d,), composable with ``torch.func``."""
        if self.parametrization == "gradient":
            return torch.func.grad(self.potential)(x)
        return self._closed_form_field(x)

    def _closed_form_field(self, x):
        z = self.standardize(x)
        out = self.tied(z) if self.parametrization == "tied_ae" else self.body(z)
        return self.amplitude * (out - z) / self.scale

    def forward(self, x):
        """``G(x)`` for x of shape (n, d) (differentiable in training mode)."""
        if self.parametrization != "gradient":
            return self._closed_form_field(x)
        return input_gradient(self.potential, x)


class NoiseConditionalField(StandardizedInput):
    """Score of ``p_sigma``, the data density smoothed by ``N(0, sigma^2 I)``, for every sigma.

    Inputs, noise levels and outputs are in data units. The network sees the standardised
    input ``z = (x - mean) / scale`` divided by ``sqrt(1 + sigma_z^2)`` (unit variance at
    every noise level, ``sigma_z`` the noise in standardised units) and the normalised log
    noise level ``c = (log sigma - mid) / half`` (in [-1, 1] on the training range).

    A Gaussian term carries the large-noise limit exactly: with ``m`` and ``C`` the data's mean
    and covariance, ``p_sigma -> N(m, C + sigma^2 I)`` as sigma grows, whose energy is
    ``G(x, sigma) = (x - m)^T (C + sigma^2 I)^{-1} (x - m) / 2``. The network learns the
    difference:

    - ``"energy"``: ``E(x, sigma) = phi(z, c) / sigma_z + G(x, sigma)``, phi a scalar MLP,
      and the score is ``-grad_x E`` (automatic differentiation, double backward in
      training): an exactly conservative field, ``-E`` is ``log p_sigma`` up to a constant.
    - ``"residual"``: the score is ``-grad_x G + f(z, c) / (sigma_z scale)``, f an MLP with d
      outputs (one forward pass, not constrained to be a gradient).

    The output layer starts at zero, so an untrained model is the Gaussian ``N(m, C + sigma^2
    I)`` at every level.

    Parameters
    ----------
    n_features : int
        Dimension d.
    hidden_layer_sizes : tuple of int
        Hidden widths of the MLP.
    activation : str
        Key of :data:`ACTIVATIONS` (smooth ones for "energy": its score is a derivative and
        training differentiates it again).
    parametrization : {"energy", "residual"}
        See above.
    mean, scale : array-like of shape (n_features,)
        Standardisation of the network's input.
    data_mean : array-like of shape (n_features,)
        Mean ``m`` of the Gaussian limit.
    basis, variances : array-like of shape (n_features, n_features) and (n_features,)
        Eigenvectors and eigenvalues of the data covariance ``C``.
    sigma_min, sigma_max : float
        Training range of the noise level (sets ``mid`` and ``half``).
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
        data_mean,
        basis,
        variances,
        sigma_min,
        sigma_max,
        seed=0,
    ):
        super().__init__(mean, scale)
        self.parametrization = parametrization
        f32 = torch.float32
        self.register_buffer("data_mean", torch.as_tensor(data_mean, dtype=f32).clone())
        self.register_buffer("basis", torch.as_tensor(basis, dtype=f32).clone())
        self.register_buffer("variances", torch.as_tensor(variances, dtype=f32).clone())
        log_min, log_max = math.log(sigma_min), math.log(sigma_max)
        self.register_buffer("log_sigma_mid", torch.tensor(0.5 * (log_min + log_max)))
        self.register_buffer("log_sigma_half", torch.tensor(max(0.5 * (log_max - log_min), 0.5)))
        # sigma in standardised units: sigma / (geometric mean of the scales)
        self.register_buffer("log_reference_scale", torch.log(self.scale).mean())
        n_outputs = 1 if parametrization == "energy" else n_features
        self.body = make_mlp(
            n_features + 1,
            hidden_layer_sizes,
            n_outputs,
            activation,
            zero_init_output=True,
            generator=seeded_generator(seed),
        )

    def noise_levels(self, x, sigma):
        """``sigma`` (a float or a tensor of shape (n,) or ()) as a tensor of shape (n,)."""
        if not torch.is_tensor(sigma):
            sigma = torch.tensor(float(sigma), dtype=x.dtype, device=x.device)
        return sigma.to(dtype=x.dtype, device=x.device).expand(x.shape[0])

    def _standardised_sigma(self, sigma):
        return sigma * torch.exp(-self.log_reference_scale)

    def _network(self, x, sigma):
        sigma_z = self._standardised_sigma(sigma)[:, None]
        z = self.standardize(x) / torch.sqrt(1.0 + sigma_z**2)
        c = (torch.log(sigma) - self.log_sigma_mid) / self.log_sigma_half
        return self.body(torch.cat([z, c[:, None]], dim=1))

    def _gaussian_coordinates(self, x, sigma):
        y = (x - self.data_mean) @ self.basis
        return y, self.variances + sigma[:, None] ** 2

    def gaussian_log_prob(self, x, sigma):
        """Exact ``log N(x; m, C + sigma^2 I)``, the large-noise limit of ``log p_sigma``."""
        sigma = self.noise_levels(x, sigma)
        y, var = self._gaussian_coordinates(x, sigma)
        return -0.5 * ((y**2 / var).sum(1) + torch.log(var).sum(1) + x.shape[1] * LOG_2PI)

    def gaussian_sample(self, n, sigma, generator):
        """``n`` draws from the Gaussian limit ``N(m, C + sigma^2 I)``."""
        std = torch.sqrt(self.variances + sigma**2)
        eps = torch.randn(
            (n, len(std)), generator=generator, device=std.device, dtype=self.basis.dtype
        )
        return self.data_mean + (eps * std) @ self.basis.T

    def energy(self, x, sigma):
        """``E(x, sigma) = -log p_sigma(x) + const(sigma)``, shape (n,); "energy" only."""
        if self.parametrization != "energy":
            raise ValueError("the residual parametrization has no energy network")
        sigma = self.noise_levels(x, sigma)
        y, var = self._gaussian_coordinates(x, sigma)
        phi = self._network(x, sigma)[:, 0]
        return phi / self._standardised_sigma(sigma) + 0.5 * (y**2 / var).sum(1)

    def score(self, x, sigma, create_graph=False):
        """``grad_x log p_sigma(x)``, shape (n, d); differentiable in x when ``create_graph``."""
        sigma = self.noise_levels(x, sigma)
        if self.parametrization == "residual":
            y, var = self._gaussian_coordinates(x, sigma)
            f = self._network(x, sigma)
            sigma_z = self._standardised_sigma(sigma)[:, None]
            return -(y / var) @ self.basis.T + f / (sigma_z * self.scale)
        _, score = self.energy_and_score(x, sigma, create_graph=create_graph)
        return score

    def energy_and_score(self, x, sigma, create_graph=False):
        """``(E, -grad_x E)`` from one forward and one backward pass ("energy" only)."""
        with torch.enable_grad():
            if not x.requires_grad:
                x = x.detach().requires_grad_(True)
            energy = self.energy(x, sigma)
            (grad,) = torch.autograd.grad(energy.sum(), x, create_graph=create_graph)
        if not create_graph:
            energy = energy.detach()
        return energy, -grad

    def forward(self, x, sigma):
        """``sigma * score(x, sigma)``: minus the noise a denoiser would predict, O(1) at every
        noise level; differentiable in the parameters while grad mode is on."""
        sigma = self.noise_levels(x, sigma)
        score = self.score(x, sigma, create_graph=torch.is_grad_enabled())
        return sigma[:, None] * score


def _uniform(shape, like, generator):
    return torch.rand(shape, generator=generator, device=like.device, dtype=like.dtype)


def _normal(shape, like, generator):
    return torch.randn(shape, generator=generator, device=like.device, dtype=like.dtype)


class GSNModule(StandardizedInput):
    """Transition operator of a (latent-state) generative stochastic network.

    The state of the chain is a visible ``x`` (data units) and hidden layers ``h_1..h_K``.
    One step (thesis section 5.5.2, figure 5.5): corrupt ``x`` (salt-and-pepper or Gaussian),
    update the odd hidden layers from their neighbours, then the even layers, the visible
    layer (layer 0) being a reconstruction distribution ``P(x | h_1)`` from which the next
    ``x`` is drawn. Downward weights between hidden layers are the transposes of the upward
    ones; the visible reconstruction has its own decoder matrix. With ``K = 1`` this is a
    denoising auto-encoder chain (section 5.3.1). The Gaussian reconstruction mean is residual
    (``z~ + decoder(h_1)``, zero-initialised decoder), the identity at initialisation.

    Every random draw takes an explicit ``generator``.

    Parameters
    ----------
    n_features : int
        Visible dimension d.
    hidden_layer_sizes : tuple of int
        Widths of ``h_1..h_K``.
    activation : str
        Hidden non-linearity (key of :data:`ACTIVATIONS`).
    corruption : {"salt_and_pepper", "gaussian"}
        Visible corruption ``C(x~ | x)``.
    corruption_level : float
        Probability of replacing a bit, or Gaussian std in data units.
    reconstruction : {"bernoulli", "gaussian"}
        Factorised reconstruction distribution; the Gaussian one has a learned per-feature
        variance.
    hidden_noise : float
        Std of the Gaussian noise added before and after the non-linearity of the hidden
        layers above the first (of the single layer when there is one).
    n_alphas : int
        Number of walkback scaling factors alpha_k (section 5.3.3).
    learn_scaling : bool
        Learn the alpha_k (else all equal 1).
    mean, scale : array-like of shape (n_features,)
        Standardisation of the network's visible input (and of the Gaussian reconstruction).
    fill_values : array-like of shape (n_features,), default=None
        Where the chain starts missing entries (data units): the column means of the observed
        training entries. None: ``mean``.
    seed : int, default=0
        Seed of the initial weights.
    """

    def __init__(
        self,
        n_features,
        hidden_layer_sizes,
        activation,
        corruption,
        corruption_level,
        reconstruction,
        hidden_noise,
        n_alphas,
        learn_scaling,
        mean,
        scale,
        fill_values=None,
        seed=0,
    ):
        super().__init__(mean, scale)
        fill = mean if fill_values is None else fill_values
        self.register_buffer("fill_values", torch.as_tensor(fill, dtype=torch.float32).clone())
        generator = seeded_generator(seed)
        sizes = [n_features, *hidden_layer_sizes]
        self.n_layers = len(hidden_layer_sizes)
        self.corruption = corruption
        self.corruption_level = float(corruption_level)
        self.reconstruction = reconstruction
        self.hidden_noise = float(hidden_noise)
        self.layers = nn.ModuleList(
            linear(sizes[i], sizes[i + 1], generator) for i in range(self.n_layers)
        )
        self.act = ACTIVATIONS[activation]()
        decoder_init = "zeros" if reconstruction == "gaussian" else "default"
        self.decoder = linear(sizes[1], n_features, generator, bias=False, init=decoder_init)
        self.visible_bias = nn.Parameter(torch.zeros(n_features))
        if reconstruction == "gaussian":
            self.log_std = nn.Parameter(torch.zeros(n_features))
        self.learn_scaling = learn_scaling
        if learn_scaling:
            self.log_alpha = nn.Parameter(torch.zeros(n_alphas))
        else:
            self.register_buffer("log_alpha", torch.zeros(n_alphas))

    # -- pieces of one chain step ------------------------------------------------------------
    def corrupt(self, x, generator):
        """Sample ``x~ ~ C(x~ | x)`` in data units."""
        if self.corruption == "gaussian":
            return x + self.corruption_level * _normal(x.shape, x, generator)
        # one uniform per entry: u < level replaces it, by a 1 when u < level / 2
        u = _uniform(x.shape, x, generator)
        bits = (u < 0.5 * self.corruption_level).to(x.dtype)
        return torch.where(u < self.corruption_level, bits, x)

    def init_hidden(self, n, like):
        return [like.new_zeros((n, layer.out_features)) for layer in self.layers]

    def fill_missing(self, x, observed):
        """``x`` with the entries where ``observed`` is False set to ``fill_values``."""
        return torch.where(observed, x, self.fill_values.expand_as(x))

    def _hidden_update(self, i, v, hidden, noisy, generator):
        # layer i (1-based) from the layer below (visible input for i = 1) and, tied, above
        below = v if i == 1 else hidden[i - 2]
        pre = self.layers[i - 1](below)
        if i < self.n_layers:
            pre = pre + hidden[i] @ self.layers[i].weight
        noisy = noisy and self.hidden_noise > 0 and (i > 1 or self.n_layers == 1)
        if noisy:
            pre = pre + self.hidden_noise * _normal(pre.shape, pre, generator)
        h = self.act(pre)
        if noisy:
            h = h + self.hidden_noise * _normal(h.shape, h, generator)
        return h

    def step(self, x_corrupt, hidden, generator, noisy=True):
        """Odd then even layer updates from a corrupted visible ``x_corrupt``.

        Returns the visible reconstruction's pre-activation (Bernoulli logits, or the
        standardised Gaussian mean) and the new hidden state.
        """
        v = self.standardize(x_corrupt)
        hidden = list(hidden)
        for i in range(1, self.n_layers + 1, 2):
            hidden[i - 1] = self._hidden_update(i, v, hidden, noisy, generator)
        out = self.decoder(hidden[0]) + self.visible_bias
        if self.reconstruction == "gaussian":
            out = out + v  # residual: the identity at initialisation
        for i in range(2, self.n_layers + 1, 2):
            hidden[i - 1] = self._hidden_update(i, v, hidden, noisy, generator)
        return out, hidden

    def alpha(self, k):
        """Scaling factor of walkback step ``k`` (0-based), 1 without ``learn_scaling``."""
        return torch.exp(self.log_alpha[min(k, self.log_alpha.numel() - 1)])

    # -- reconstruction distribution ---------------------------------------------------------
    def recon_mean(self, out, k=0):
        """Mean of ``P(x | h)`` in data units."""
        if self.reconstruction == "bernoulli":
            return torch.sigmoid(self.alpha(k) * out)
        return self.mean + self.scale * out

    def recon_std(self, k=0):
        """Per-feature std of the Gaussian reconstruction, data units."""
        return self.scale * torch.exp(self.log_std) * torch.sqrt(self.alpha(k))

    def recon_sample(self, out, generator, k=0):
        if self.reconstruction == "bernoulli":
            p = torch.sigmoid(self.alpha(k) * out)
            return (_uniform(p.shape, p, generator) < p).to(p.dtype)
        return self.recon_mean(out, k) + self.recon_std(k) * _normal(out.shape, out, generator)

    def recon_nll(self, x, out, k=0, observed=None):
        """Per-row ``-log P(x | h)`` up to the data-independent log-Jacobian of scaling.

        With a boolean ``observed`` mask only the observed entries count (missing values).
        """
        if self.reconstruction == "bernoulli":
            logits = self.alpha(k) * out
            per_entry = F.binary_cross_entropy_with_logits(logits, x, reduction="none")
        else:
            z = self.standardize(x)
            log_var = 2.0 * self.log_std + self.log_alpha[min(k, self.log_alpha.numel() - 1)]
            per_entry = 0.5 * (((z - out) ** 2) * torch.exp(-log_var) + log_var + LOG_2PI)
        if observed is not None:
            per_entry = torch.where(observed, per_entry, torch.zeros_like(per_entry))
        return per_entry.sum(-1)

    def forward(self, x):
        """Mean-field top hidden layer of clean ``x`` (noise-free updates, x clamped)."""
        hidden = self.init_hidden(len(x), x)
        for _ in range(self.n_layers):
            _, hidden = self.step(x, hidden, None, noisy=False)
        return hidden[-1]
