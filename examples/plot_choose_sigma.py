"""
==============================================
Choosing the noise level sigma by GridSearchCV
==============================================

A denoising auto-encoder trained at noise level ``sigma`` estimates the score of the data
density smoothed by ``N(0, sigma^2 I)``. Too small a sigma and the training signal drowns in
noise (the network barely learns in a fixed budget); too large and the estimate is the score of
a blurred density. :meth:`DenoisingAEScoreEstimator.score` is minus the held-out Hyvärinen
score-matching loss, which equals the Fisher divergence to the data's score up to a constant,
so :class:`~sklearn.model_selection.GridSearchCV` can pick sigma with no custom scorer.

On a 2-D ring (a Gaussian mixture whose score is known exactly) we check that the
cross-validated score ranks sigma the same way as the *true* relative Fisher divergence to the
score of ``p``, computed on the same held-out folds.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import spearmanr
from sklearn.model_selection import GridSearchCV

from skscore import DenoisingAEScoreEstimator
from skscore.datasets import GaussianMixtureDensity
from skscore.metrics import fisher_divergence
from skscore.plotting import plot_vector_field

angles = np.linspace(0.0, 2.0 * np.pi, 40, endpoint=False)
density = GaussianMixtureDensity(np.column_stack([np.cos(angles), np.sin(angles)]), 0.15**2)
X = density.sample(2_000, random_state=0)
sigmas = [0.02, 0.05, 0.1, 0.2, 0.4]


# %%
# Grid search with the default score, plus the true error on the same folds
# --------------------------------------------------------------------------
# ``refit="score"`` selects with the estimator's own ``score`` (held-out Hyvärinen); the
# other two scorers only *report* the exact relative Fisher divergence on each held-out fold,
# against the score of p and of the smoothed p_sigma that a DAE at that sigma targets.
def hyvarinen(est, X_fold, y=None):
    return est.score(X_fold)


def neg_fisher_p(est, X_fold, y=None):
    return -fisher_divergence(density.grad_log_density(X_fold), est.grad_log_density(X_fold))


def neg_fisher_p_sigma(est, X_fold, y=None):
    target = density.smoothed(est.sigma).grad_log_density(X_fold)
    return -fisher_divergence(target, est.grad_log_density(X_fold))


dae = DenoisingAEScoreEstimator(
    hidden_layer_sizes=(64, 64), batch_size=128, max_epochs=50, random_state=0
)
search = GridSearchCV(
    dae,
    {"sigma": sigmas},
    cv=3,
    scoring={"score": hyvarinen, "fisher_p": neg_fisher_p, "fisher_p_sigma": neg_fisher_p_sigma},
    refit="score",
).fit(X)

res = search.cv_results_
cv_score, cv_std = res["mean_test_score"], res["std_test_score"]
rel_p, rel_p_sigma = -res["mean_test_fisher_p"], -res["mean_test_fisher_p_sigma"]
print(f"{'sigma':>6} {'CV score':>10} {'relF vs p':>10} {'relF vs p_sigma':>16}")
for s, a, b, c in zip(sigmas, cv_score, rel_p, rel_p_sigma, strict=True):
    print(f"{s:6.2f} {a:10.2f} {b:10.3f} {c:16.3f}")
rho = spearmanr(cv_score, -rel_p).statistic
print(
    f"GridSearchCV picks sigma={search.best_params_['sigma']}; the true Fisher divergence "
    f"is lowest at sigma={sigmas[int(np.argmin(rel_p))]}; rank correlation {rho:.2f}"
)

# %%
# The plot
# --------
fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
best = search.best_params_["sigma"]
ax = axes[0]
ax.errorbar(
    sigmas,
    cv_score,
    yerr=cv_std,
    marker="o",
    capsize=3,
    color="C0",
    label="mean and std over 3 folds",
)
ax.set_ylabel("CV score (minus held-out Hyvärinen loss)\nhigher is better")
ax.set_title("what GridSearchCV sees")
ax = axes[1]
ax.plot(sigmas, rel_p, marker="o", color="C3", label=r"vs score of $p$ (the truth)")
ax.plot(
    sigmas,
    rel_p_sigma,
    marker="s",
    ls=":",
    color="C7",
    label=r"vs score of $p_\sigma$ (the DAE's target)",
)
ax.set_ylabel("relative Fisher divergence, lower is better")
ax.set_ylim(0, None)
ax.set_title("the true error, on the same held-out folds")
for ax in axes[:2]:
    ax.set_xscale("log")
    ax.set_xlabel(r"$\sigma$")
    ax.axvline(best, color="k", ls="--", lw=1, label="selected by GridSearchCV")
    ax.set_xticks(sigmas, [str(s) for s in sigmas])
    ax.minorticks_off()
    ax.legend(fontsize="small", loc="lower center" if ax is axes[0] else "lower left")
plot_vector_field(
    search.best_estimator_, X, ax=axes[2], grid_size=21, scatter_kws={"s": 2, "c": "0.7"}
)
axes[2].set_title(f"selected DAE (sigma={best}): score field")
fig.suptitle(
    f"Choosing sigma on a 2-D ring (width 0.15): the CV score and the true Fisher "
    f"divergence rank sigma alike (Spearman {rho:.2f})"
)
fig.tight_layout()
fig.savefig("plot_choose_sigma.png", dpi=100)
print("figure written to plot_choose_sigma.png")
