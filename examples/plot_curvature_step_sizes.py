"""
Best step sizes along the Hessian's eigenvectors
================================================

Thesis figures 11.3-11.4 at CPU scale. At three moments of RMSProp training of a LeNet-style
ReLU network on the 8x8 digits, take the 8 largest and 8 smallest eigenpairs of the Hessian
(LA(8), SA(8)) and search the loss along ``theta - alpha (g^T v) v`` (eq. 11.1) over step
sizes spanning six orders of magnitude. For each eigenpair, plot the best loss decrease and the
best step ``alpha*``.

For a quadratic loss, the best step along an eigenvector with ``lambda > 0`` is
``alpha* = 1 / lambda`` (eq. 11.2, appendix 11.C): the points on the right of the second panel
lie near the diagonal ``1 / alpha* = lambda``. Along negative curvature the quadratic model has
no minimum; the real best steps are large -- ``1 / alpha*`` well below ``|lambda|`` -- and buy a
larger loss decrease than the positive directions do (left panel), as the thesis found on
MNIST. The eigenpairs and the searches use the same fixed 500 rows (appendix 11.D).
"""

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn

from skscore.curvature import hessian_eigenpairs, line_search_along

torch.set_num_threads(1)
X, y = load_digits(return_X_y=True)
X = (X / 16.0).reshape(-1, 1, 8, 8).astype(np.float32)
criterion = nn.CrossEntropyLoss()


def lenet(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(1, 6, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 12, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(48, 32),
        nn.ReLU(),
        nn.Linear(32, 10),
    )


model = lenet()
optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
generator = torch.Generator().manual_seed(1000)
Xt, yt = torch.as_tensor(X), torch.as_tensor(y)

# %%
# Train, stopping at three checkpoints to analyse the Hessian.
checkpoints = [50, 150, 400]
alphas = np.logspace(-3, 3, 37)
found = []  # (step, lambda, best decrease, best alpha)
step = 0
for checkpoint in checkpoints:
    for _ in range(checkpoint - step):
        rows = torch.randint(len(X), (32,), generator=generator)
        optimizer.zero_grad()
        criterion(model(Xt[rows]), yt[rows]).backward()
        optimizer.step()
    step = checkpoint
    values, vectors = hessian_eigenpairs(model, criterion, X, y, k=8, subsample=500)
    for value, vector in zip(values, vectors.T, strict=True):
        result = line_search_along(model, criterion, X, y, vector, alphas, subsample=500)
        best = np.argmin(result.loss)
        found.append((checkpoint, value, result.loss[best] - result.initial_loss, alphas[best]))
    print(f"step {checkpoint}: LA(8) {values[:3].round(2)}..., SA(8) ...{values[-3:].round(3)}")
found = np.array(found)

# %%
# Left: best loss decrease along each eigenvector (lower is better). Right: 1 / alpha*, with
# the diagonal ``1 / alpha* = lambda`` of a quadratic loss.
fig, axes = plt.subplots(1, 2, figsize=(13, 4.8))
colors = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(checkpoints)))
for color, checkpoint in zip(colors, checkpoints, strict=True):
    rows = found[found[:, 0] == checkpoint]
    axes[0].scatter(rows[:, 1], rows[:, 2], color=color, label=f"step {checkpoint}")
    axes[1].scatter(rows[:, 1], 1.0 / rows[:, 3], color=color, label=f"step {checkpoint}")
positive = np.logspace(0, np.log10(found[:, 1].max() * 1.5), 50)
axes[1].plot(positive, positive, "k--", lw=1, label="1/alpha* = lambda")
for ax in axes:
    ax.set_xscale("symlog", linthresh=1.0)
    ax.axvline(0.0, color="0.7", lw=0.8)
    ax.set_xlabel("eigenvalue lambda")
axes[0].set_ylabel("best loss decrease L(alpha*) - L(0)")
axes[1].set_yscale("log")
axes[1].set_ylabel("1 / alpha*")
axes[0].legend()
axes[1].legend()
axes[0].set_title("loss decrease along each eigenvector")
axes[1].set_title("optimal step size: large along negative curvature")
fig.tight_layout()
fig.savefig("plot_curvature_step_sizes.png", dpi=100)

negative, positive_rows = found[found[:, 1] < 0], found[found[:, 1] > 0]
print(
    f"mean best decrease: negative lambda {negative[:, 2].mean():.4f}, positive lambda "
    f"{positive_rows[:, 2].mean():.4f}"
)
print(
    "median alpha* * |lambda|: negative "
    f"{np.median(negative[:, 3] * np.abs(negative[:, 1])):.1f}, positive "
    f"{np.median(positive_rows[:, 3] * positive_rows[:, 1]):.2f} (1 for a quadratic)"
)
