"""
===========================================================
GSN chain on grey digits: consecutive states and completion
===========================================================

A ``GSNSampler`` on grey 8x8 digits (scikit-learn's digits scaled to [0, 1], as the thesis
used grey MNIST). On such pixel data ``corruption="auto"`` and ``reconstruction="auto"`` give
salt-and-pepper corruption and a Bernoulli reconstruction (a Gaussian chain drifts into pixel
noise on grey images), and the grey training images enter the chain as bits drawn from their
intensities.

Top rows: consecutive states of three chains (the mean-field states, i.e. the pixel
probabilities each state is drawn from), as in thesis figure 5.6: the chain stays on digits
and moves from one to another. Bottom rows: the right half of held-out digits is clamped and the
chain fills in the left half (section 5.3.6). The model trains for 60 epochs here to keep the
example short; ``benchmarks/bench_gsn_images.py`` runs the defaults on 28x28 digits.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from skscore import GSNSampler
from skscore.plotting import plot_digit_grid

X, _ = load_digits(return_X_y=True)
X = X[np.random.RandomState(0).permutation(len(X))] / 16.0
X_train, X_test = X[:1500], X[1500:]

gsn = GSNSampler((128,), max_epochs=60, random_state=0).fit(X_train)
print(gsn.corruption_, gsn.reconstruction_)

# three chains, 12 consecutive states each (one step apart), after a burn-in of 20 steps
chains = gsn.sample(36, n_chains=3, burn_in=20, mean_field=True, random_state=0)

# clamped completion: left half of each test digit missing, right half observed
X_half = X_test[:12].copy()
left = np.tile(np.arange(8) < 4, 8)
X_half[:, left] = np.nan
completed = gsn.impute(X_half, n_steps=40, random_state=0)

rows = [(f"chain {i + 1}: consecutive states", chains[12 * i : 12 * (i + 1)]) for i in range(3)]
rows += [
    ("held-out digits", X_test[:12]),
    ("right half clamped", np.where(np.isnan(X_half), 0.0, X_half)),
    ("left half filled by the chain", completed),
]
fig, axes = plt.subplots(len(rows), 1, figsize=(9, 7.5))
for ax, (title, images) in zip(axes, rows, strict=True):
    plot_digit_grid(images, n_cols=12, ax=ax, title=title)
fig.tight_layout()
fig.savefig("plot_gsn_mnist.png", dpi=100)
