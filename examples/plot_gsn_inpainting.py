"""
==========================================================
Inpainting digits with a clamped GSN chain
==========================================================

The left half of each held-out 8x8 binarised digit is hidden and the right half is kept.
``GSNSampler.impute`` runs the learned Markov chain with the observed pixels clamped (thesis
section 5.3.6): every step resamples only the hidden pixels, conditioned on the clamped
ones, and the fill is the average reconstruction over the second half of the chains, an
estimate of ``P(pixel = 1 | right half)``. Rows: the true digits, the observed right
halves (hidden pixels in blue-grey), the GSN's pixel probabilities, and the fill of
scikit-learn's ``KNNImputer`` for comparison. Pixel accuracies on the hidden halves of 400
test digits are in the titles.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.impute import KNNImputer

from skscore import GSNSampler
from skscore.datasets import load_binary_digits
from skscore.plotting import plot_digit_grid

X, _ = load_binary_digits(return_X_y=True)
X = X[np.random.RandomState(0).permutation(len(X))]
X_train, X_test = X[:1397], X[1397:]

left = np.tile(np.arange(8) < 4, 8)  # pixel (row, col) with col < 4
X_missing = np.where(left, np.nan, X_test)

gsn = GSNSampler((256,), walkback=0, max_epochs=60, batch_size=100, lr=3e-3, random_state=0)
gsn.fit(X_train)
filled = gsn.impute(X_missing, random_state=0)
knn = KNNImputer().fit(X_train).transform(X_missing)


def accuracy(fill):
    return np.mean((fill[:, left] > 0.5) == (X_test[:, left] > 0.5))


show = slice(0, 12)
rows = [
    ("true digits", X_test[show]),
    ("observed right half", X_missing[show]),
    (f"GSN fill (P(pixel = 1)), accuracy {accuracy(filled):.3f}", filled[show]),
    (f"KNNImputer fill, accuracy {accuracy(knn):.3f}", knn[show]),
]
fig, axes = plt.subplots(len(rows), 1, figsize=(9, 5.5))
for ax, (title, images) in zip(axes, rows, strict=True):
    plot_digit_grid(images, n_cols=12, ax=ax, title=title)
fig.tight_layout()
fig.savefig("plot_gsn_inpainting.png", dpi=100)
print(f"pixel accuracy on the hidden halves: GSN {accuracy(filled):.3f}, KNN {accuracy(knn):.3f}")
