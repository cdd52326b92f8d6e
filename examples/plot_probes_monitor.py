"""
Monitoring a CNN's layers with probes during training
=====================================================

:class:`skscore.probes.ProbeMonitor` is a skorch callback: at the end of every epoch it fits
a linear probe on each selected layer of the network being trained, using held-out data, and
records the probe errors in the net's history. The heatmap over epochs and layers is thesis
figure 9.9 in miniature (there: Inception v3 on ImageNet; here: a small CNN on scikit-learn's
8x8 digits).

Convolutional feature maps ``(n, C, H, W)`` are reduced by averaging over space to one
feature per channel (thesis section 9.3.4, as for ResNet-50), so a conv layer's probe only
sees *which* features are present, not *where*. The network ends with global average
pooling, which forces the last conv layer to encode the class in exactly such channel
averages: its probe improves as training proceeds, the first layer's stays poor. (Digits are
almost linearly separable at the raw pixels -- 2.7% probe error -- so pooling is also what
makes the depth trend visible here.)
"""

from collections import OrderedDict

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from skorch import NeuralNetClassifier
from torch import nn

from skscore.plotting import plot_probe_errors
from skscore.probes import ProbeMonitor

X, y = load_digits(return_X_y=True)
X = (X / 16.0).astype(np.float32)
X_train, X_valid, y_train, y_valid = train_test_split(
    X, y, test_size=0.33, stratify=y, random_state=0
)


def small_cnn():
    """Flat 64-pixel rows -> (1, 8, 8) images -> three conv layers -> global pooling."""
    return nn.Sequential(
        OrderedDict(
            unflatten=nn.Unflatten(1, (1, 8, 8)),
            conv1=nn.Conv2d(1, 16, 3, padding=1),
            relu1=nn.ReLU(),
            conv2=nn.Conv2d(16, 32, 3, padding=1),
            relu2=nn.ReLU(),
            pool=nn.MaxPool2d(2),
            conv3=nn.Conv2d(32, 64, 3, padding=1),
            relu3=nn.ReLU(),
            gap=nn.AdaptiveAvgPool2d(1),
            flatten=nn.Flatten(),
            logits=nn.Linear(64, 10),
        )
    )


# %%
# Probes at every layer that transforms the features, refitted on the held-out third of the
# digits after each of 12 epochs (half of it fits the probes, half measures their error).
layers = ["conv1", "relu1", "conv2", "relu2", "pool", "conv3", "relu3", "logits"]
monitor = ProbeMonitor(layers, X_valid, y_valid, validation_fraction=0.5)
torch.manual_seed(0)
net = NeuralNetClassifier(
    small_cnn(),
    criterion=nn.CrossEntropyLoss,
    optimizer=torch.optim.Adam,
    lr=3e-3,
    max_epochs=12,
    batch_size=64,
    iterator_train__shuffle=True,
    train_split=None,
    callbacks=[monitor],
    verbose=0,
)
net.fit(X_train, y_train)
valid_error = float((net.predict(X_valid) != y_valid).mean())
print(f"network validation error after {len(net.history)} epochs: {100 * valid_error:.1f}%")

results = {
    "valid_error": valid_error,
    "first_epoch": {name: net.history[0, f"probe_error__{name}"] for name in layers},
    "last_epoch": {name: net.history[-1, f"probe_error__{name}"] for name in layers},
}
print(f"{'layer':>7} {'epoch 1':>8} {'epoch 12':>9}")
for name in layers:
    first, last = results["first_epoch"][name], results["last_epoch"][name]
    print(f"{name:>7} {100 * first:7.1f}% {100 * last:8.1f}%")

# %%
# Left: the history as a heatmap, one row per epoch (red is bad). Right: the last epoch.
fig, axes = plt.subplots(1, 2, figsize=(13, 4.8), gridspec_kw={"width_ratios": [1.4, 1]})
plot_probe_errors(net.history, ax=axes[0])
axes[0].set_title("probe error during training (ProbeMonitor)")
plot_probe_errors(net.history, kind="bars", ax=axes[1])
axes[1].set_title(f"after epoch {len(net.history)} (network error {100 * valid_error:.1f}%)")
fig.tight_layout()
fig.savefig("plot_probes_monitor.png", dpi=100)
