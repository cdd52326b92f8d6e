"""
===========================================================
Imputing digits with missing pixels: GSN against KNNImputer
===========================================================

Half of the pixels of scikit-learn's 8x8 digits (scaled to [0, 1]) are hidden completely at
random, in the training rows as in the test rows. ``GSNSampler`` learns from the incomplete
training rows: the missing entries start at the column means, the training chains resample
them while the observed pixels stay clamped, and only observed pixels count in the loss.
``transform`` then fills the missing pixels of new rows by running the learned chain with the
observed pixels clamped (thesis section 5.3.6) and averaging its reconstructions, so the GSN
is the imputer step of a pipeline, as ``KNNImputer`` is.

Rows: the true test digits, what is observed (hidden pixels in blue-grey), the GSN's fill and
``KNNImputer``'s fill. The titles give the RMSE on the hidden pixels and the test accuracy of
``make_pipeline(imputer, LogisticRegression())``. The GSN trains for 50 epochs here to keep the
example short (the defaults train 600). On these grey digits the two imputers are close;
on binarised digits the GSN's fills are the better ones (``benchmarks/bench_imputation.py``).
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.impute import KNNImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from skscore import GSNSampler
from skscore.plotting import plot_digit_grid

X, y = load_digits(return_X_y=True)
X = X / 16.0
missing = np.random.RandomState(0).uniform(size=X.shape) < 0.5
X_missing = np.where(missing, np.nan, X)
train, test = train_test_split(np.arange(len(X)), test_size=540, stratify=y, random_state=0)

models = {
    "GSN": make_pipeline(GSNSampler(max_epochs=50, random_state=0), LogisticRegression()),
    "KNNImputer": make_pipeline(KNNImputer(), LogisticRegression()),
}
fills = {}
for name, model in models.items():
    model.fit(X_missing[train], y[train])
    fill = model[0].transform(X_missing[test])
    rmse = np.sqrt(np.mean((fill - X[test])[missing[test]] ** 2))
    accuracy = model.score(X_missing[test], y[test])
    fills[name] = (fill, f"{name} fill: RMSE {rmse:.3f}, pipeline accuracy {accuracy:.3f}")
    print(fills[name][1])

show = slice(0, 12)
rows = [("true digits", X[test][show]), ("observed (50% missing)", X_missing[test][show])]
rows += [(title, fill[show]) for fill, title in fills.values()]
fig, axes = plt.subplots(len(rows), 1, figsize=(9, 5.5))
for ax, (title, images) in zip(axes, rows, strict=True):
    plot_digit_grid(images, n_cols=12, ax=ax, title=title)
fig.tight_layout()
fig.savefig("plot_gsn_imputation.png", dpi=100)
