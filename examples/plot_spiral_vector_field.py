"""
=====================================================
Score field of a denoising auto-encoder on a spiral
=====================================================

Reproduces thesis figure 3.5 (Alain & Bengio, section 3.3.4): a denoising auto-encoder trained
on points near a spiral, drawn as the vector field ``r(x) - x``. By Tweedie's formula
``r(x) - x = sigma^2 * grad log p_sigma(x)``: the arrows point back to the nearest arm, which is a
sink of the field. Halfway between two arms the field changes sign: the arrows point *away* from
a median curve where the reconstruction error ``||r(x) - x||`` is also small, although the
density is at a local *minimum* there (a source of the field). Reconstruction error is the norm
of an approximate score, not an energy.

The data come from :func:`skscore.datasets.spiral_density`, a Gaussian mixture along the
thesis spiral whose score is known exactly, so the script also prints the relative Fisher
divergence of the learned score against the exact score of the smoothed density ``p_sigma``
(what a DAE estimates) and of ``p`` itself.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from skscore import DenoisingAEScoreEstimator
from skscore.datasets import spiral_density
from skscore.metrics import fisher_divergence

SIGMA = 0.03  # about the local width of the data (calibration: best trade-off on this spiral)

density = spiral_density(width=0.02)
rng = np.random.RandomState(0)
X = density.sample(10_000, random_state=rng)
X_test = density.sample(2_000, random_state=rng)

dae = DenoisingAEScoreEstimator(sigma=SIGMA, max_epochs=60, random_state=0).fit(X)

# %%
# How close is the learned score to the exact one?
# ------------------------------------------------
S = dae.grad_log_density(X_test)
rel_smoothed = fisher_divergence(density.smoothed(SIGMA).grad_log_density(X_test), S)
rel_true = fisher_divergence(density.grad_log_density(X_test), S)
print(f"DAE sigma={SIGMA}: relative Fisher divergence on {len(X_test)} held-out points")
print(f"  vs the score of p_sigma (what a DAE estimates): {rel_smoothed:.3f}")
print(f"  vs the score of p itself (smoothing bias added): {rel_true:.3f}")

# %%
# Global view and close-up between two arms
# -----------------------------------------
# The spiral is ``0.04 t (sin t, cos t)``; in every direction that it crosses twice, the
# arms at ``t`` and ``t + 2 pi`` are 0.25 apart and the curve ``0.04 (t + pi) (sin t, cos t)``
# (dashed) runs halfway between them. The close-up is on the negative x axis, between the arms
# at x = -0.19 and x = -0.44.


def displacement(Z):
    return dae.reconstruct(Z) - Z


def exact_displacement(Z):
    return SIGMA**2 * density.smoothed(SIGMA).grad_log_density(Z)


t_mid = np.linspace(3.0, 12.0 - 2 * np.pi, 200)
halfway = 0.04 * (t_mid + np.pi)[:, None] * np.column_stack([np.sin(t_mid), np.cos(t_mid)])


def draw(ax, field, bounds, n_arrows, title, scale=None):
    xmin, xmax, ymin, ymax = bounds
    gx, gy = np.meshgrid(np.linspace(xmin, xmax, 200), np.linspace(ymin, ymax, 200))
    norm = np.linalg.norm(field(np.column_stack([gx.ravel(), gy.ravel()])), axis=1)
    ax.imshow(
        norm.reshape(gx.shape),
        extent=bounds,
        origin="lower",
        cmap="Greys",
        vmin=0,
        vmax=np.quantile(norm, 0.95),
        alpha=0.5,
    )
    inside = (X[:, 0] > xmin) & (X[:, 0] < xmax) & (X[:, 1] > ymin) & (X[:, 1] < ymax)
    ax.scatter(*X[inside][:2000].T, s=1.5, c="C3", alpha=0.6, zorder=2)
    ax.plot(*halfway.T, color="C2", ls="--", lw=1.2, label="halfway between arms")
    qx, qy = np.meshgrid(np.linspace(xmin, xmax, n_arrows), np.linspace(ymin, ymax, n_arrows))
    P = np.column_stack([qx.ravel(), qy.ravel()])
    V = field(P)
    kws = {} if scale is None else {"scale_units": "xy", "scale": scale}
    ax.quiver(*P.T, *V.T, color="C0", angles="xy", width=0.005, zorder=3, **kws)
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    ax.set_title(title, fontsize="medium")


full = (-0.55, 0.55, -0.55, 0.55)
zoom = (-0.49, -0.14, -0.175, 0.175)
n_zoom = 13
# one arrow scale for both close-ups: the 90th percentile of the DAE's arrows spans one cell
cell = (zoom[1] - zoom[0]) / (n_zoom - 1)
zx, zy = np.meshgrid(np.linspace(*zoom[:2], n_zoom), np.linspace(*zoom[2:], n_zoom))
typical = np.quantile(
    np.linalg.norm(displacement(np.column_stack([zx.ravel(), zy.ravel()])), axis=1), 0.9
)

fig, axes = plt.subplots(1, 3, figsize=(16, 5.6))
draw(axes[0], displacement, full, 25, "DAE: r(x) - x, global view")
x0, x1, y0, y1 = zoom
axes[0].add_patch(plt.Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="k", lw=1.5))
draw(axes[1], displacement, zoom, n_zoom, "DAE: close-up between two arms", typical / cell)
draw(
    axes[2],
    exact_displacement,
    zoom,
    n_zoom,
    r"exact $\sigma^2\,\nabla\log p_\sigma(x)$, same close-up and arrow scale",
    typical / cell,
)
axes[1].legend(loc="upper right", fontsize="small")
fig.suptitle(
    "DAE score field on the spiral (thesis fig. 3.5): the arms are sinks, the curve halfway "
    "between them a source.\nGrey background: ||r(x) - x||, small at both"
)
fig.tight_layout()
fig.savefig("plot_spiral_vector_field.png", dpi=100)
print("figure written to plot_spiral_vector_field.png")
