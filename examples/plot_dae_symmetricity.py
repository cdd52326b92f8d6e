"""
=====================================================================
Untied denoising auto-encoders become conservative during training
=====================================================================

Im, Belghazi & Memisevic (Table 1 and figure 2) measure how symmetric the Jacobian
``dr/dx`` of an untied auto-encoder is while it trains. They use

``sym(A) = ||(A + A^T) / 2||_F^2 / ||A||_F^2``

which is 1 for a symmetric matrix, 0 for an antisymmetric one and about 0.5 for a random
one. A field is a gradient field exactly when its Jacobian is symmetric everywhere
(their Proposition 1). Denoising training makes ``r(x) - x`` approximate
``sigma^2 grad log p`` (thesis eq. 3.10), which is a gradient, so the Jacobian should become
symmetric even though nothing in the architecture forces it.

Here the experiment runs at CPU scale: sklearn's 8x8 digits, a 64-256-64 untied DAE
(``parametrization="autoencoder"``, sigmoid units), trained one epoch at a time with
``partial_fit``. The symmetricity is computed by
:func:`skscore.metrics.jacobian_symmetricity`, which differentiates ``reconstruct``
numerically. It is reported next to the reconstruction error: the identity map is perfectly
symmetric and reconstructs perfectly, so symmetricity alone says nothing.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skscore import DenoisingAEScoreEstimator
from skscore.metrics import jacobian_symmetricity, symmetricity

X = load_digits().data / 16.0
X_train, X_test = train_test_split(X, test_size=300, random_state=0)
X_eval = X_test[:100]
N_EPOCHS = 30

params = dict(
    sigma=0.2,
    parametrization="autoencoder",
    hidden_layer_sizes=(256,),
    activation="sigmoid",
    standardize=False,  # pixels already in [0, 1]; a per-pixel scale would skew dr/dx
    batch_size=64,
    random_state=0,
)


def measure(dae):
    R = dae.reconstruct(X_eval)
    return (
        float(np.mean(jacobian_symmetricity(dae, X_eval))),
        float(np.mean(np.sum((R - X_eval) ** 2, axis=1))),
    )


# %%
# Training curve
# --------------
# The first ``partial_fit`` call already trains one epoch. To measure the untrained network,
# fit a copy with the same seed (so the same initial weights) using SGD at a learning rate too
# small to change any float32 weight.
init = DenoisingAEScoreEstimator(**{**params, "optimizer": "sgd", "lr": 1e-30, "max_epochs": 1})
history = [measure(init.fit(X_train))]
dae = DenoisingAEScoreEstimator(**params)
for _ in range(N_EPOCHS):
    dae.partial_fit(X_train)
    history.append(measure(dae))
sym, err = np.array(history).T
for epoch in (0, 1, 5, 10, 25, N_EPOCHS):
    print(f"epoch {epoch:2d}: symmetricity {sym[epoch]:.3f}, reconstruction error {err[epoch]:.3f}")

# %%
# Figure
# ------
# A random 64 x 64 matrix has symmetricity about 0.5 (grey line). The denoising network is
# not the identity: with sigma = 0.2 it must remove noise, and its reconstruction error stays
# well above zero.
random_level = symmetricity(np.random.RandomState(0).normal(size=(64, 64)))
epochs = np.arange(N_EPOCHS + 1)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
ax1.plot(epochs, sym, "o-", ms=3)
ax1.axhline(random_level, color="0.6", ls="--", label=f"random matrix ({random_level:.2f})")
ax1.axhline(1.0, color="0.3", ls=":", label="symmetric (conservative)")
ax1.set(xlabel="epoch", ylabel="mean symmetricity of dr/dx", ylim=(0.4, 1.02))
ax1.set_title("Jacobian symmetricity on held-out digits")
ax1.legend(loc="lower right")
ax2.plot(epochs, err, "o-", ms=3, color="C1")
mean_image_error = np.mean(np.sum((X_eval - X_train.mean(axis=0)) ** 2, axis=1))
ax2.axhline(mean_image_error, color="0.6", ls="--", label="predicting the mean digit")
ax2.legend()
ax2.set(xlabel="epoch", ylabel="mean ||r(x) - x||^2", yscale="log")
ax2.set_title("reconstruction error on the same digits")
fig.savefig("dae_symmetricity.png", dpi=80)
