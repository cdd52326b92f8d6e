"""The noise-conditional score network around its exact Gaussian limit."""

import math

import torch

from skscore._core.autodiff import (
    hutchinson_generator,
    is_plain_mlp,
    jacobian_trace_and_frobenius,
    mlp_jet,
    trace_projections,
)
from skscore._core.nn import StandardizedInput, make_mlp, seeded_generator
from skscore._core.numerics import LOG_2PI


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

    def _network_input(self, x, sigma):
        sigma_z = self._standardised_sigma(sigma)[:, None]
        z = self.standardize(x) / torch.sqrt(1.0 + sigma_z**2)
        c = (torch.log(sigma) - self.log_sigma_mid) / self.log_sigma_half
        return torch.cat([z, c[:, None]], dim=1)

    def _network(self, x, sigma):
        return self.body(self._network_input(x, sigma))

    def _gaussian_coordinates(self, x, sigma):
        y = (x - self.data_mean) @ self.basis
        return y, self.variances + sigma[:, None] ** 2

    def gaussian_score(self, x, sigma):
        """Score ``-(C + sigma^2 I)^{-1} (x - m)`` of the Gaussian limit, shape (n, d)."""
        y, var = self._gaussian_coordinates(x, self.noise_levels(x, sigma))
        return -(y / var) @ self.basis.T

    def gaussian_divergence(self, x, sigma):
        """Divergence ``-tr (C + sigma^2 I)^{-1}`` of the Gaussian limit's score, shape (n,)."""
        _, var = self._gaussian_coordinates(x, self.noise_levels(x, sigma))
        return -(1.0 / var).sum(1)

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

    def network_score_and_divergence(self, x, sigma):
        """The network's part of the score, ``s_N = s - (score of the Gaussian limit)``, and
        its divergence ``div s_N``, at one noise level ``sigma`` (a float); shapes (n, d), (n,).

        For the plain MLP up to 64 features both come exactly from one forward pass that
        carries the derivatives along (:func:`skscore._core.autodiff.mlp_jet`, about d + 1
        forward passes' worth of matrix products and no backward pass); otherwise from
        automatic differentiation under the trace policy of
        :func:`skscore._core.autodiff.trace_projections`.
        """
        d = x.shape[1]
        if not is_plain_mlp(self.body) or trace_projections(d) is not None:
            return self._network_score_and_divergence_by_autograd(x, sigma)
        sigma = self.noise_levels(x, sigma)
        sigma_z = self._standardised_sigma(sigma[:1])
        # dz/dx = diag(1 / (scale sqrt(1 + sigma_z^2))); the noise-level input is constant in x
        dz_dx = torch.diag(1.0 / (self.scale * torch.sqrt(1.0 + sigma_z**2)))
        input_jacobian = torch.cat([dz_dx, torch.zeros_like(dz_dx[:1])])
        with torch.no_grad():
            out, jac, lap = mlp_jet(self.body, self._network_input(x, sigma), input_jacobian)
        if self.parametrization == "energy":  # E_N = phi / sigma_z, s_N = -grad E_N
            return -jac[:, 0] / sigma_z, -lap[:, 0] / sigma_z
        output_scale = sigma_z * self.scale  # s_N = f / (sigma_z scale)
        return out / output_scale, (jac.diagonal(dim1=1, dim2=2) / output_scale).sum(1)

    def _network_score_and_divergence_by_autograd(self, x, sigma):
        # the trace of the network's part only: a Hutchinson estimate's variance then comes
        # from the (small) network term alone, the Gaussian limit's trace being exact
        score, divergence, _ = jacobian_trace_and_frobenius(
            lambda z: self.score(z, sigma, create_graph=True) - self.gaussian_score(z, sigma),
            x,
            trace_projections(x.shape[1]),
            generator=hutchinson_generator(x.device),
        )
        return score.detach(), divergence.detach()

    def forward(self, x, sigma):
        """``sigma * score(x, sigma)``: minus the noise a denoiser would predict, O(1) at every
        noise level; differentiable in the parameters while grad mode is on."""
        sigma = self.noise_levels(x, sigma)
        score = self.score(x, sigma, create_graph=torch.is_grad_enabled())
        return sigma[:, None] * score
