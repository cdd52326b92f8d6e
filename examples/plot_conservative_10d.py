"""
=====================================================
Recovering a gradient field hidden under a rotation
=====================================================

Im, Belghazi & Memisevic propose learning the conservative part of a high-dimensional
vector field. Here is a 10-D test with a known answer:

``F(x) = grad phi(x) + A x``,   ``x ~ N(0, I)``,   ``A = -A^T``.

``phi`` is a sum of random cosine ridges plus ``-||x||^2 / 8``, and the rotation is as
strong as the gradient (``E||Ax||^2 = E||grad phi||^2``). Under ``N(0, I)`` the rotation is
orthogonal to *every* gradient field: by Gaussian integration by parts,
``E[grad psi . A x] = E[psi (x . A x - div A x)] = 0``. So the least-squares conservative
part is exactly ``grad phi``.

Each parametrization of :class:`~skscore.ConservativeFieldRegressor` is compared with the
symmetrised linear fit. That fit is the conservative part of the best *linear* field, and it
is all that "drop the antisymmetric part of the Jacobian" can do without a model. The right
panel shows the Jacobian symmetricity of each learned field
(:func:`skscore.metrics.jacobian_symmetricity`). It is 1 by construction for the two
conservative parametrizations. The untied auto-encoder learns ``F`` itself, rotation
included.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.linear_model import LinearRegression
from skorch.callbacks import LRScheduler

from skscore import ConservativeFieldRegressor
from skscore.metrics import jacobian_symmetricity

D = 10
rng = np.random.RandomState(0)
U = rng.normal(size=(8, D)) * 1.5 / np.sqrt(D)
b = rng.uniform(0, 2 * np.pi, 8)
M = rng.normal(size=(D, D))
A = M - M.T


def grad_phi(X):
    return -np.sin(X @ U.T + b) @ U - 0.25 * X


X_ref = rng.normal(size=(20_000, D))
A *= np.sqrt(np.sum(grad_phi(X_ref) ** 2) / np.sum((X_ref @ A.T) ** 2))


def field(X):
    return grad_phi(X) + X @ A.T


X_train = rng.normal(size=(10_000, D))
X_test = rng.normal(size=(2_000, D))
G_test = grad_phi(X_test)


def relative_error(P):
    return np.sqrt(np.sum((P - G_test) ** 2) / np.sum(G_test**2))


# %%
# Fits
# ----
# A small network is better here: with 10,000 samples the rotation is only orthogonal to
# gradients *on average*, and a large potential network also fits part of it. The error
# falls with more data (benchmarks/bench_fields.py: 0.19 at n = 10,000 with 64-64 units,
# 0.10 at n = 50,000).
EPOCHS = 20
settings = {
    "gradient": dict(hidden_layer_sizes=(64, 64)),
    "tied_ae": dict(hidden_layer_sizes=(256,)),
    "untied_ae": dict(hidden_layer_sizes=(256,)),
}
errors, symmetricity = {}, {}
for name, params in settings.items():
    reg = ConservativeFieldRegressor(
        name,
        max_epochs=EPOCHS,
        lr=3e-3,
        callbacks=[LRScheduler(torch.optim.lr_scheduler.CosineAnnealingLR, T_max=EPOCHS)],
        random_state=0,
        **params,
    ).fit(X_train, field(X_train))
    errors[name] = relative_error(reg.predict(X_test))
    symmetricity[name] = jacobian_symmetricity(reg, X_test[:200])

linear = LinearRegression().fit(X_train, field(X_train))
S = 0.5 * (linear.coef_ + linear.coef_.T)
errors["symmetrised\nlinear fit"] = relative_error(X_test @ S.T + linear.intercept_)
errors["F itself"] = relative_error(field(X_test))
for name, err in errors.items():
    print(f"{name.replace(chr(10), ' '):>24}: relative error vs grad phi {err:.3f}")

# %%
# Figure
# ------
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
names = list(errors)
colors = ["C0", "C1", "C2", "0.5", "0.75"]
ax1.bar(range(len(names)), [errors[n] for n in names], color=colors)
ax1.set_xticks(range(len(names)), names)
ax1.axhline(1.0, color="k", lw=0.8, ls=":")
ax1.set_ylabel("||prediction - grad phi|| / ||grad phi||")
ax1.set_title("Recovery error of the conservative part (10-D, held out)")
ax1.set_ylim(0, 1.15)
for i, n in enumerate(names):
    ax1.text(i, errors[n] + 0.02, f"{errors[n]:.2f}", ha="center")
ax2.boxplot([symmetricity[n] for n in settings], tick_labels=list(settings))
ax2.set_ylim(0, 1.05)
ax2.set_ylabel("symmetricity of the Jacobian")
ax2.set_title("Conservativeness of the learned field (200 points)")
fig.savefig("conservative_10d.png", dpi=80)
