"""
Optimal auto-encoders in 1-D approach the true score (thesis figures 3.3–3.4)
==============================================================================

With infinite capacity every value ``r(x_i)`` on a grid of [-1.5, 1.5] is a free parameter. The
denoising auto-encoder's optimum is the exact formula of Theorem 1; the reconstruction contractive
auto-encoder's optimum solves the linear system of its discretised loss (eq. 3.11). For decreasing
sigma both score approximations ``(r(x) - x) / sigma^2`` converge to the true score, and to each
other (Proposition 1).
"""

import matplotlib.pyplot as plt
import numpy as np

from skscore.nonparametric import (
    dae_optimal_reconstruction,
    example_density_1d,
    rcae_optimal_reconstruction,
    score_from_reconstruction,
)

density = example_density_1d()
x = np.linspace(-1.5, 1.5, 1000)
p = np.exp(density.log_prob(x[:, None]))
true_score = density.grad_log_density(x[:, None])[:, 0]
weights = p / p.sum()

fig, axes = plt.subplots(2, 3, figsize=(13, 7))
axes[0, 0].plot(x, p, color="k")
axes[0, 0].set_title("density p(x) (fig. 3.3, left)")
axes[0, 1].plot(x, true_score, color="tab:green")
axes[0, 1].set_title("score d log p / dx (fig. 3.3, right)")
axes[0, 2].axis("off")

panels = [axes[0, 2], axes[1, 0], axes[1, 1], axes[1, 2]]
panels[0].axis("on")
for ax, sigma in zip(panels, [1.00, 0.31, 0.16, 0.06], strict=True):
    dae = score_from_reconstruction(x, dae_optimal_reconstruction(x, p, sigma), sigma)
    rcae = score_from_reconstruction(x, rcae_optimal_reconstruction(x, p, sigma), sigma)
    error = {
        name: np.sqrt(np.sum(weights * (s - true_score) ** 2) / np.sum(weights * true_score**2))
        for name, s in (("DAE", dae), ("RCAE", rcae))
    }
    print(f"sigma = {sigma:.2f}: relative error DAE {error['DAE']:.3f}, RCAE {error['RCAE']:.3f}")
    ax.plot(x, true_score, color="tab:green", lw=3, alpha=0.5, label="true score")
    ax.plot(x, dae, color="tab:purple", label="DAE (Theorem 1)")
    ax.plot(x, rcae, color="tab:orange", ls="--", label="RCAE (eq. 3.11)")
    ax.set_ylim(true_score.min() * 1.2, true_score.max() * 1.2)
    ax.set_title(f"sigma = {sigma:.2f}")
axes[1, 0].legend(loc="lower left", fontsize=8)
fig.suptitle("Score approximations of optimal auto-encoders (thesis fig. 3.4)")
fig.tight_layout()
fig.savefig("nonparametric_1d.png", dpi=100)
