"""The ``python -m skscore demo`` job: fit, measure against the exact density, sample, draw.

The data come from a Gaussian-mixture stand-in of the thesis spiral (or of a closed curve in
10-D) whose log-density and score are exact, so every model is scored against the truth:
held-out log-likelihood in nats (normalised models only) and relative Fisher divergence to the
score of p, beside scikit-learn's KernelDensity (bandwidth by cross-validation) and
GaussianMixture (number of components by BIC).
"""

import time
import warnings

import numpy as np

from skscore import datasets, metrics
from skscore._core.fields import as_field

DENSITIES = {
    "spiral": lambda: datasets.spiral_density(width=0.02),
    "manifold": lambda: datasets.manifold_density(n_features=10, width=0.05),
}
#: Bandwidths tried by the KernelDensity baseline, relative to Scott's rule.
KDE_BANDWIDTH_FACTORS = np.geomspace(1 / 16, 2, 11)
#: Relative tolerance of the KernelDensity tree during the bandwidth search (3x faster on the
#: spiral, the same bandwidth); the chosen model is refitted exact, since its score is taken by
#: finite differences of its log-density.
KDE_SEARCH_RTOL = 1e-4
#: Component counts tried by the GaussianMixture baseline.
GMM_COMPONENTS = (1, 2, 4, 8, 12, 16, 24, 32, 48)
#: Metropolis-Hastings chains of the single-noise-level auto-encoders.
MH_STEPS, MH_BURN_IN, MH_PATH_POINTS = 200, 100, 5
N_HELD_OUT = 2000
#: Grid points per axis of the learned density's contours.
CONTOUR_GRID_SIZE = 60


def _estimator(name, args):
    from skscore import RCAE, DenoisingAEScoreEstimator, NoiseConditionalScoreEstimator

    params = dict(device=args.device, random_state=args.seed, verbose=1)
    if args.epochs is not None:
        params["max_epochs"] = args.epochs
    if name == "ncse":
        if args.sigma is not None:
            params["sigma_min"] = args.sigma
        return NoiseConditionalScoreEstimator(**params)
    if args.sigma is not None:
        params["sigma"] = args.sigma
    return (RCAE if name == "rcae" else DenoisingAEScoreEstimator)(**params)


def _kernel_density(X):
    """scikit-learn's KernelDensity, bandwidth by 5-fold cross-validated likelihood."""
    from sklearn.model_selection import GridSearchCV
    from sklearn.neighbors import KernelDensity

    scott = X.std(axis=0).mean() * len(X) ** (-1.0 / (X.shape[1] + 4))
    grid = {"bandwidth": scott * KDE_BANDWIDTH_FACTORS}
    search = GridSearchCV(KernelDensity(rtol=KDE_SEARCH_RTOL), grid, cv=5).fit(X)
    best = search.best_estimator_.set_params(rtol=0.0).fit(X)
    return best, f"bandwidth {search.best_params_['bandwidth']:.3g}"


def _gaussian_mixture(X, seed):
    """scikit-learn's GaussianMixture (full covariances), components by BIC."""
    from sklearn.mixture import GaussianMixture

    best, best_bic = None, np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings of the larger mixtures
        for k in GMM_COMPONENTS:
            gmm = GaussianMixture(k, random_state=seed).fit(X)
            bic = gmm.bic(X)
            if bic < best_bic:
                best, best_bic = gmm, bic
    return best, f"{best.n_components} components"


def _report_row(label, log_p, true_log_p, score, true_score, seconds, note=""):
    ll = "" if log_p is None else f"{np.mean(log_p):>9.3f}{np.mean(log_p - true_log_p):>9.3f}"
    error = metrics.fisher_divergence(true_score, score)
    print(f"  {label:<36}{ll:>18}{error:>11.3f}{seconds:>7.0f}s  {note}")


def run_demo(args):
    density = DENSITIES[args.dataset]()
    rng = np.random.RandomState(args.seed)
    X_train = density.sample(args.n_samples, random_state=rng)
    X_test = density.sample(N_HELD_OUT, random_state=rng)
    true_log_p, true_score = density.log_prob(X_test), density.grad_log_density(X_test)
    n, d = X_train.shape
    print(f"data: {args.dataset}, {n} x {d}, from a Gaussian-mixture stand-in with exact density")
    print(f"held-out points: {N_HELD_OUT}; the exact log-likelihood is {true_log_p.mean():.3f}")
    print(f"  {'model':<36}{'LL (nats)':>9}{'Δ truth':>9}{'score err':>11}{'time':>8}")

    for label, fit in (
        ("KernelDensity (CV bandwidth)", lambda: _kernel_density(X_train)),
        ("GaussianMixture (BIC)", lambda: _gaussian_mixture(X_train, args.seed)),
    ):
        start = time.perf_counter()
        peer, note = fit()
        score = as_field(peer).gradient(X_test)
        _report_row(
            label,
            peer.score_samples(X_test),
            true_log_p,
            score,
            true_score,
            time.perf_counter() - start,
            note,
        )

    names = ["ncse", "dae", "rcae"] if args.model == "all" else [args.model]
    fitted = {}
    for name in names:
        start = time.perf_counter()
        est = _estimator(name, args).fit(X_train)
        normalised = name == "ncse"
        _report_row(
            type(est).__name__,
            est.score_samples(X_test) if normalised else None,
            true_log_p,
            est.grad_log_density(X_test),
            true_score,
            time.perf_counter() - start,
            _resolved_noise(est),
        )
        fitted[name] = est
    print("  LL: mean held-out log-likelihood; Δ truth: minus the exact one (0 is perfect);")
    print("  score err: relative Fisher divergence E||s_hat - s||^2 / E||s||^2 to the score of p")

    name, est = next(iter(fitted.items()))
    samples = _sample(name, est, args)
    _sample_quality(density, samples, X_test, true_log_p, rng)
    _draw(args, name, est, X_train, samples)
    print(f"figure written to {args.output}")


def _resolved_noise(est):
    if hasattr(est, "sigma_min_"):
        return f"sigma in [{est.sigma_min_:.3g}, {est.sigma_max_:.3g}], {est.n_epochs_} epochs"
    return f"sigma {est.sigma_:.3g}, {len(est.history_)} epochs"


def _sample(name, est, args):
    start = time.perf_counter()
    if name == "ncse":
        samples, acceptance = est.sample(
            args.chains, random_state=args.seed, return_acceptance=True
        )
        how = "annealed Langevin (Metropolis-adjusted) down 20 noise levels"
    else:
        samples, acceptance = est.sample(
            args.chains,
            n_steps=MH_STEPS,
            burn_in=MH_BURN_IN,
            n_path_points=MH_PATH_POINTS,
            random_state=args.seed,
            return_acceptance=True,
        )
        how = f"Metropolis-Hastings, {MH_BURN_IN} + {MH_STEPS} steps"
    print(
        f"{args.chains} samples from {type(est).__name__}: {how}, acceptance {acceptance:.2f}, "
        f"{time.perf_counter() - start:.1f} s"
    )
    return samples


def _sample_quality(density, samples, X_test, true_log_p, rng):
    exact = density.sample(len(samples), random_state=rng)
    _, h = metrics.parzen_log_likelihood(exact, X_test, X_valid=X_test, return_bandwidth=True)
    print("  sample quality (higher Parzen LL of held-out points, lower low-density fraction)")
    for label, S in (("model samples", samples), ("exact samples of p", exact)):
        ll = metrics.parzen_log_likelihood(S, X_test, bandwidth=h)
        low = metrics.low_density_fraction(density.log_prob(S), true_log_p)
        print(f"  {label:<22} Parzen LL {ll:7.3f}   low-density fraction {low:.3f}")


def _draw(args, name, est, X_train, samples):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skscore.plotting import plot_density_contours, plot_pairwise_samples, plot_vector_field

    model = type(est).__name__
    if X_train.shape[1] == 2:
        fig, (ax_model, ax_samples) = plt.subplots(1, 2, figsize=(12, 6), sharex=True, sharey=True)
        low, high = X_train.min(axis=0), X_train.max(axis=0)
        pad = 0.1 * (high - low)
        bounds = (low[0] - pad[0], high[0] + pad[0], low[1] - pad[1], high[1] + pad[1])
        if name == "ncse":
            plot_density_contours(
                est,
                bounds,
                ax=ax_model,
                grid_size=CONTOUR_GRID_SIZE,
                log_scale=True,
                filled=True,
                levels=np.linspace(-12, 0, 13),
            )
            ax_model.set_title(f"{model}: learned log-density (score_samples, 12 nats)")
        else:
            plot_vector_field(est, X_train[:2000], ax=ax_model, normalize=True)
            ax_model.set_title(f"{model}: direction of the learned score")
        ax_samples.scatter(*X_train[:2000].T, s=2, c="0.6", label="training data")
        ax_samples.scatter(*samples.T, s=2, c="C3", label=f"{model} samples")
        ax_samples.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, markerscale=4)
        ax_samples.set_title(f"{len(samples)} samples")
        for ax in (ax_model, ax_samples):
            ax.set_xlabel("$x_1$")
            ax.set_ylabel("$x_2$")
            ax.set_aspect("equal")
    else:
        fig = plot_pairwise_samples(X_train, samples)
        fig.suptitle(f"training data (grey) and {model} samples, pairs of coordinates")
    fig.savefig(args.output, dpi=110, bbox_inches="tight")
    plt.close(fig)
