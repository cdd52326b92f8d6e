"""The GSN's torch module: corruption, hidden-state updates and the reconstruction distribution."""

import torch
from torch import nn
from torch.nn import functional as F

from skscore._core.nn import ACTIVATIONS, StandardizedInput, linear, seeded_generator
from skscore._core.numerics import LOG_2PI


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
