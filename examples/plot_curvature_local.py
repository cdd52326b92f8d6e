"""
Negative curvature is only local
================================

Thesis figures 11.1-11.2 at CPU scale: a LeNet-style ReLU network (two 3x3 convolutions with
max-pooling, two dense layers, 2,618 parameters) on scikit-learn's 8x8 digits, after 50
RMSProp steps of batch 32 (the thesis looked at step 50 of LeNet on MNIST).

:func:`skscore.curvature.hessian_eigenpairs` gives the most negative eigenpair
``(lambda_d, v_d)`` of the Hessian of the full-data loss, and
:func:`skscore.curvature.line_search_along` the loss along ``theta - alpha (g^T v) v``
(eq. 11.1) with the quadratic model ``L - alpha (g^T v)^2 + alpha^2 (g^T v)^2 lambda / 2``
beside it. Close to ``alpha = 0`` the two agree (left); a little further the real loss turns
back up while the model, with ``lambda < 0``, keeps falling (middle), and at larger steps the
loss shoots up (right): the negative curvature is a local feature, the loss is bounded below.
The step scales differ from the thesis' ``[-0.1, 0.1]`` and ``[-1, 1]`` because ``g^T v`` is
of another size on this network.
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


def train(model, steps, seed=0):
    """RMSProp, batch 32, rows drawn with replacement."""
    generator = torch.Generator().manual_seed(1000 + seed)
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y)
    for _ in range(steps):
        rows = torch.randint(len(X), (32,), generator=generator)
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(Xt[rows]), yt[rows]).backward()
        optimizer.step()
    return model


model = train(lenet(), steps=50)
criterion = nn.CrossEntropyLoss()

# %%
# The extreme eigenpairs of the full-data Hessian (Lanczos on Hessian-vector products).
values, vectors = hessian_eigenpairs(model, criterion, X, y, k=1, which="both")
lambda_max, lambda_min = values
print(f"lambda_1 = {lambda_max:.3f}, lambda_d = {lambda_min:.4f}")

# %%
# The loss along the most negative eigenvector at three scales of the step.
scales = [0.5, 3.0, 15.0]
fig, axes = plt.subplots(1, 3, figsize=(14, 4))
for ax, scale in zip(axes, scales, strict=True):
    alphas = np.linspace(-scale, scale, 41)
    result = line_search_along(model, criterion, X, y, vectors[:, 1], alphas)
    ax.plot(alphas, result.loss, color="tab:orange", lw=2, label="loss (full data)")
    ax.plot(alphas, result.quadratic, color="tab:green", ls="--", label="quadratic model")
    ax.axvline(0.0, color="0.7", lw=0.8)
    ax.set_xlabel("alpha")
    ax.set_title(f"alpha in [-{scale:g}, {scale:g}]")
    print(
        f"alpha = +-{scale:g}: loss change {result.loss[0] - result.initial_loss:+.4f} / "
        f"{result.loss[-1] - result.initial_loss:+.4f}, model "
        f"{result.quadratic[0] - result.initial_loss:+.4f} / "
        f"{result.quadratic[-1] - result.initial_loss:+.4f}"
    )
axes[0].set_ylabel("mean cross-entropy")
axes[0].legend()
fig.suptitle(
    f"Loss along theta - alpha (g.v) v, v the most negative eigenvector (lambda = "
    f"{lambda_min:.3f}, g.v = {result.gradient_projection:.3f}), step 50"
)
fig.tight_layout()
fig.savefig("plot_curvature_local.png", dpi=100)
