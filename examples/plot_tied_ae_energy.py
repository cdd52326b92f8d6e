"""
=====================================================================
Energy of a tied auto-encoder fitted to random-to-conservative fields
=====================================================================

This example redoes Table 2 of Im, Belghazi & Memisevic at CPU scale. A tied auto-encoder
defines an energy in closed form (paper Eq. 3-4), and a tied auto-encoder trained on data
assigns higher potential (unnormalised log-probability) to clean digits than to corrupted
ones. The question is how much of this survives when the field it learns from is only
partly conservative. We follow the paper's Algorithm 1:

1. Train a one-hidden-layer denoising auto-encoder on binarised digits. Its field
   ``r(x) - x`` is conservative for tied weights, or approximately so for untied ones.
2. Draw random, untied weights of the same shape: a non-conservative field with no relation
   to the data.
3. Interpolate the weights, ``beta * trained + (1 - beta) * random``. Here ``beta = 1`` is
   the trained auto-encoder (the paper's text swaps the two ends; its table does not).
4. Evaluate each field ``F_beta`` at points drawn uniformly in the unit hypercube. Fit a
   :class:`~skscore.ConservativeFieldRegressor` with ``parametrization="tied_ae"`` to them.
   It learns the conservative part.
5. Compare its potential at held-out clean digits with its potential at salt-and-pepper
   corrupted copies of the same digits. Report the fraction of pairs in which the clean
   digit scores higher (0.5 is chance).
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch
from skorch.callbacks import LRScheduler

from skscore import ConservativeFieldRegressor, DenoisingAEScoreEstimator
from skscore.datasets import load_binary_digits
from skscore.metrics import jacobian_symmetricity

N_HIDDEN = 128
BETAS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
rng = np.random.RandomState(0)
X, _ = load_binary_digits(return_X_y=True)
X = X[rng.permutation(len(X))]
X_train, X_test = X[:1400], X[1400:]

# salt and pepper: 20% of the pixels replaced by a random bit
flip = rng.uniform(size=X_test.shape) < 0.2
X_corrupt = np.where(flip, rng.randint(2, size=X_test.shape), X_test).astype(float)

# %%
# The trained auto-encoders and their weights
# -------------------------------------------
# ``r(x) = R^T h(W x + b) + c`` with sigmoid units, trained as denoising auto-encoders.
common = dict(
    sigma=0.3,
    parametrization="autoencoder",
    hidden_layer_sizes=(N_HIDDEN,),
    activation="sigmoid",
    standardize=False,
    max_epochs=50,
    lr=3e-3,
    batch_size=64,
    random_state=0,
)
tied = DenoisingAEScoreEstimator(tied_weights=True, **common).fit(X_train)
untied = DenoisingAEScoreEstimator(**common).fit(X_train)


def weights(dae):
    m = dae.module_
    if dae.tied_weights:
        W = m.tied.encoder.weight.detach().numpy()
        return W, W, m.tied.encoder.bias.detach().numpy(), m.tied.output_bias.detach().numpy()
    enc, dec = m.body[0], m.body[2]
    return (
        enc.weight.detach().numpy(),
        dec.weight.detach().numpy().T,
        enc.bias.detach().numpy(),
        dec.bias.detach().numpy(),
    )


class AutoEncoderField:
    """The field ``r(x) - x`` of ``r(x) = R^T sigmoid(W x + b) + c``."""

    def __init__(self, W, R, b, c):
        self.W, self.R, self.b, self.c = W, R, b, c

    def reconstruct(self, Z):
        return (1.0 / (1.0 + np.exp(-(Z @ self.W.T + self.b)))) @ self.R + self.c

    def predict(self, Z):
        return self.reconstruct(Z) - Z


random_weights = [
    rng.normal(scale=s, size=shape)
    for s, shape in [(0.5, (N_HIDDEN, 64)), (0.5, (N_HIDDEN, 64)), (0.5, N_HIDDEN), (0.5, 64)]
]
ref = {
    "tied DAE": np.mean(tied.score_samples(X_test) > tied.score_samples(X_corrupt)),
    "untied DAE": np.mean(untied.score_samples(X_test) > untied.score_samples(X_corrupt)),
}
for name, value in ref.items():
    print(f"{name} trained on digits, its own log-density: clean > corrupted {value:.3f}")
# Chance is not 0.5 for a tied auto-encoder: its potential contains -||x - c||^2 / 2 (Eq. 3),
# and corruption turns on more pixels than it turns off (the digits are mostly 0).
norm_only = np.mean((X_test**2).sum(axis=1) < (X_corrupt**2).sum(axis=1))
print(f"-||x||^2 alone: clean > corrupted {norm_only:.3f}")

# %%
# Learning the conservative part of each interpolated field
# ---------------------------------------------------------
X_field = rng.uniform(size=(3000, 64))
X_sym = X_test[:50]
results = {}
for name, dae in (("tied", tied), ("untied", untied)):
    trained = weights(dae)
    for beta in BETAS:
        F = AutoEncoderField(
            *(beta * t + (1 - beta) * r for t, r in zip(trained, random_weights, strict=True))
        )
        reg = ConservativeFieldRegressor(
            "tied_ae",
            hidden_layer_sizes=(N_HIDDEN,),
            activation="sigmoid",
            max_epochs=30,
            lr=1e-2,
            callbacks=[LRScheduler(torch.optim.lr_scheduler.CosineAnnealingLR, T_max=30)],
            random_state=0,
        ).fit(X_field, F.predict(X_field))
        wins = np.mean(reg.potential(X_test) > reg.potential(X_corrupt))
        sym = np.mean(jacobian_symmetricity(F, X_sym))  # of dr/dx, by finite differences
        results[name, beta] = (wins, sym)
        print(
            f"CVF = {name} AE, beta = {beta:.1f}: clean > corrupted {wins:.3f} "
            f"(symmetricity of dr/dx {sym:.2f})"
        )

# %%
# Figure
# ------
fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
for name, marker in (("tied", "o"), ("untied", "s")):
    ax.plot(BETAS, [results[name, b][0] for b in BETAS], marker + "-", label=f"CVF = {name} AE")
ax.axhline(0.5, color="0.6", ls="--", label="chance")
ax.axhline(norm_only, color="0.3", ls=":", label="-||x||^2 alone")
ax.set(xlabel="beta (0: random weights, 1: trained auto-encoder)", ylim=(0.3, 1.02))
ax.set_ylabel("fraction potential(clean) > potential(corrupted)")
ax.set_title("Tied auto-encoder potential fitted to interpolated fields")
ax.legend(loc="lower right")
fig.savefig("tied_ae_energy.png", dpi=80)
