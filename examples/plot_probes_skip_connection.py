"""
Linear probes diagnose a dead segment behind a skip connection
==============================================================

Thesis section 9.5.1: a pathologically deep, narrow MLP gets a long skip connection that
bypasses its whole first half. The loss trains fine, but the probes show that the skipped
half stays useless: "the skip connection left a dead segment and skipped over it".

Here two deep tanh MLPs (16 hidden layers of 32 units, on two interleaved spirals) reach the
same, near-zero test error with and without a skip connection from the first hidden layer to
the middle of the network. Without the skip, the probes become perfect after two or three
layers. With it, they get *worse* along the first half -- the signal it carries dies out --
and everything is done by the second half, fed by the skip.

The thesis used 128 layers of 128 units on MNIST. This example is scaled down to 16 layers
of 32 units so that it trains in well under a minute on one CPU thread. At this depth the
outcome depends on the initialisation: of the four seeds we tried, three left the skipped
half dead (one of them with a worse final error), one did not. At 20 layers the skipped
half was dead for all four seeds, but then the network without the skip did not train at
all within the budget -- the situation the thesis describes.
"""

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from skscore.plotting import plot_probe_errors
from skscore.probes import LinearProbeTransformer


def make_spirals(n_samples, turns=1.0, noise=0.05, random_state=0):
    """Two interleaved spiral arms, one per class."""
    rng = np.random.RandomState(random_state)
    y = rng.randint(2, size=n_samples)
    radius = np.sqrt(rng.uniform(0.02, 1.0, size=n_samples))
    angle = 2 * np.pi * turns * radius + np.pi * y
    X = radius[:, None] * np.c_[np.cos(angle), np.sin(angle)] + noise * rng.randn(n_samples, 2)
    return X.astype(np.float32), y


def tanh_stack(first, last, width):
    """Hidden layers ``first..last`` as Linear -> Tanh pairs named fc<k>, tanh<k>."""
    layers = nn.Sequential()
    for k in range(first, last + 1):
        layers.add_module(f"fc{k}", nn.Linear(width, width))
        layers.add_module(f"tanh{k}", nn.Tanh())
    return layers


class DeepMLP(nn.Module):
    """``depth`` tanh layers; with ``skip``, layer 1's output is added to layer depth/2's."""

    def __init__(self, depth=16, width=32, skip=False):
        super().__init__()
        self.skip = skip
        self.stem = nn.Sequential(nn.Linear(2, width), nn.Tanh())
        self.first = tanh_stack(2, depth // 2, width)
        self.second = tanh_stack(depth // 2 + 1, depth, width)
        self.logits = nn.Linear(width, 2)

    def forward(self, x):
        h = self.stem(x)
        middle = self.first(h)
        if self.skip:
            middle = middle + h
        return self.logits(self.second(middle))


def train(model, X, y, epochs=30, lr=3e-3, batch_size=128):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    X, y = torch.from_numpy(X), torch.from_numpy(y)
    for _ in range(epochs):
        order = torch.randperm(len(X))
        for start in range(0, len(X), batch_size):
            rows = order[start : start + batch_size]
            loss = nn.functional.cross_entropy(model(X[rows]), y[rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()


X_train, y_train = make_spirals(3000, random_state=0)
X_test, y_test = make_spirals(2000, random_state=1)
DEPTH = 16
probed = ["stem.1"] + [f"first.tanh{k}" for k in range(2, DEPTH // 2 + 1)]
probed += [f"second.tanh{k}" for k in range(DEPTH // 2 + 1, DEPTH + 1)]
labels = [str(k) for k in range(1, DEPTH + 1)]

results = {}
for skip in (False, True):
    torch.manual_seed(3)
    model = train(DeepMLP(DEPTH, skip=skip), X_train, y_train)
    with torch.no_grad():
        predicted = model(torch.from_numpy(X_test)).argmax(1).numpy()
    probes = LinearProbeTransformer(model, layers=probed, random_state=0).fit(X_test, y_test)
    results["skip" if skip else "plain"] = {
        "test_error": float((predicted != y_test).mean()),
        "probe_errors": {
            label: report["validation_error"]
            for label, report in zip(labels, probes.probe_report_.values(), strict=True)
        },
    }

for name, res in results.items():
    errors = " ".join(f"{100 * e:4.1f}" for e in res["probe_errors"].values())
    print(f"{name:>5}: test error {100 * res['test_error']:.2f}%; probe errors (%) by layer")
    print(f"       {errors}")

# %%
# Probe error at each hidden layer. The shaded layers are those the skip connection
# bypasses (in the plain network they are an ordinary part of the path).
fig, axes = plt.subplots(1, 2, figsize=(13, 4.2), sharey=True)
for ax, (name, res) in zip(axes, results.items(), strict=True):
    plot_probe_errors(res["probe_errors"], ax=ax, vmax=0.25)
    ax.axvspan(0.5, DEPTH // 2 - 0.5, color="0.85", zorder=0)
    title = "with a skip connection over layers 2-8" if name == "skip" else "no skip connection"
    ax.set_title(f"{title} (test error {100 * res['test_error']:.2f}%)")
    ax.set_xlabel("hidden layer")
fig.tight_layout()
fig.savefig("plot_probes_skip_connection.png", dpi=100)
