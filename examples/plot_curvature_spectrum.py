"""
The extreme eigenvalues of the Hessian during training
======================================================

Thesis figure 11.5 at CPU scale: :class:`skscore.curvature.HessianSpectrum` is a skorch
callback that computes the largest and smallest eigenvalues of the loss Hessian (LA(5),
SA(5)) every few mini-batches and records them in the net's history;
:func:`skscore.plotting.plot_hessian_spectrum` draws ``|lambda|`` on a log scale with the loss
(dotted, right axis).

A LeNet-style ReLU network on the 8x8 digits, RMSProp with batch 32 as in the thesis. The
largest eigenvalues grow by two orders of magnitude, fast during the first two epochs and then
more slowly while the loss keeps falling (the thesis saw them settle after about one epoch of
MNIST); the negative eigenvalues stay of order one, far smaller in magnitude than the largest
ones, and there are negative eigenvalues all along (appendix 11.B). Each record uses a fixed
subset of 300 rows (appendix 11.D) and float32 products to keep the example fast.
"""

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from skorch import NeuralNetClassifier
from torch import nn

from skscore.curvature import HessianSpectrum
from skscore.plotting import plot_hessian_spectrum

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


# %%
# Record LA(5) and SA(5) every 8 training batches (57 batches per epoch) for 4 epochs.
spectrum = HessianSpectrum(k=5, on="batch", every=8, subsample=300, dtype="float32")
torch.manual_seed(0)
net = NeuralNetClassifier(
    lenet(),
    criterion=nn.CrossEntropyLoss,
    optimizer=torch.optim.RMSprop,
    lr=1e-3,
    batch_size=32,
    max_epochs=4,
    iterator_train__shuffle=True,
    train_split=None,
    callbacks=[spectrum],
    verbose=0,
)
net.fit(X, y)
records = [b for row in net.history for b in row["batches"] if "hessian_LA" in b]
print(f"{len(records)} records")
for i in (0, len(records) // 4, -1):
    r = records[i]
    print(
        f"LA {np.round(r['hessian_LA'][:2], 2)}, SA {np.round(r['hessian_SA'][-2:], 3)}, "
        f"loss {r['hessian_loss']:.3f}"
    )

# %%
fig, ax = plt.subplots(figsize=(8, 4.5))
plot_hessian_spectrum(net, ax=ax)
ax.set_title("|eigenvalues| of the loss Hessian during training (LA(5) blue-green, SA(5) red)")
fig.tight_layout()
fig.savefig("plot_curvature_spectrum.png", dpi=100)
