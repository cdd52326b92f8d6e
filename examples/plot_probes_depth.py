"""
Linear probes: separability grows with depth
============================================

A linear classifier probe (thesis chapter 9) is a logistic regression fitted on the frozen
features of one layer. Its error measures how linearly separable the classes are at that
depth, without touching the network.

Two interleaved spirals cannot be separated by a line. After training, a narrow six-layer MLP
separates them, and the probes show where this happens: their error falls layer after layer
(thesis section 9.4, figure 9.3). The same probes on the untrained network stay near the
error of a linear classifier on the raw input.
"""

import copy
from collections import OrderedDict

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from skscore.plotting import plot_probe_errors
from skscore.probes import LinearProbeTransformer


def make_spirals(n_samples, turns=1.5, noise=0.05, random_state=0):
    """Two interleaved spiral arms, one per class."""
    rng = np.random.RandomState(random_state)
    y = rng.randint(2, size=n_samples)
    radius = np.sqrt(rng.uniform(0.02, 1.0, size=n_samples))
    angle = 2 * np.pi * turns * radius + np.pi * y
    X = radius[:, None] * np.c_[np.cos(angle), np.sin(angle)] + noise * rng.randn(n_samples, 2)
    return X.astype(np.float32), y


X_train, y_train = make_spirals(3000, random_state=0)
X_test, y_test = make_spirals(2000, random_state=1)

# %%
# A narrow MLP: six hidden layers of 8 tanh units. An identity layer named "input" lets the
# probes see the raw input too.
torch.manual_seed(0)
WIDTH, DEPTH = 8, 6
layers = [("input", nn.Identity())]
for k in range(1, DEPTH + 1):
    layers += [(f"fc{k}", nn.Linear(2 if k == 1 else WIDTH, WIDTH)), (f"tanh{k}", nn.Tanh())]
model = nn.Sequential(OrderedDict(layers + [("logits", nn.Linear(WIDTH, 2))]))
untrained = copy.deepcopy(model)

optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
X_t, y_t = torch.from_numpy(X_train), torch.from_numpy(y_train)
for _ in range(50):
    order = torch.randperm(len(X_t))
    for start in range(0, len(X_t), 128):
        rows = order[start : start + 128]
        loss = nn.functional.cross_entropy(model(X_t[rows]), y_t[rows])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
model.eval()
with torch.no_grad():
    test_error = float((model(torch.from_numpy(X_test)).argmax(1).numpy() != y_test).mean())
print(f"network test error: {100 * test_error:.1f}%")

# %%
# Probes on the input and on every hidden layer, fitted on held-out data (80% to fit the
# probes, 20% to measure their error), before and after training.
probed = ["input"] + [f"tanh{k}" for k in range(1, DEPTH + 1)]
before = LinearProbeTransformer(untrained, layers=probed, random_state=0).fit(X_test, y_test)
after = LinearProbeTransformer(model, layers=probed, random_state=0).fit(X_test, y_test)

results = {
    "test_error": test_error,
    "before": {k: v["validation_error"] for k, v in before.probe_report_.items()},
    "after": {k: v["validation_error"] for k, v in after.probe_report_.items()},
}
print(f"{'layer':>8} {'untrained':>10} {'trained':>8}")
for name in probed:
    print(f"{name:>8} {100 * results['before'][name]:9.1f}% {100 * results['after'][name]:7.1f}%")

# %%
# Left: the test data and the trained network's decision regions. Middle and right: probe
# error per layer (bars: held-out error, ticks: the probes' training error).
fig, axes = plt.subplots(1, 3, figsize=(15, 4.4), gridspec_kw={"width_ratios": [1, 1.3, 1.3]})
grid = np.linspace(-1.25, 1.25, 250, dtype=np.float32)
GX, GY = np.meshgrid(grid, grid)
with torch.no_grad():
    logits = model(torch.from_numpy(np.c_[GX.ravel(), GY.ravel()]))
region = logits.argmax(1).numpy().reshape(GX.shape)
axes[0].contourf(GX, GY, region, levels=[-0.5, 0.5, 1.5], colors=["#c6dbef", "#fdd0a2"])
axes[0].scatter(*X_test.T, c=np.where(y_test, "C1", "C0"), s=3)
axes[0].set_aspect("equal")
axes[0].set_title(f"interleaved spirals, network test error {100 * test_error:.1f}%")
plot_probe_errors(before, ax=axes[1], vmax=0.5)
axes[1].set_title("probes before training")
plot_probe_errors(after, ax=axes[2], vmax=0.5)
axes[2].set_title("probes after training")
axes[2].set_ylim(axes[1].get_ylim())
fig.tight_layout()
fig.savefig("plot_probes_depth.png", dpi=100)
