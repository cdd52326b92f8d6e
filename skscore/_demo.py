"""The ``python -m skscore demo`` job: fit, measure against the exact score, sample, draw."""

import time

import numpy as np

from . import datasets, metrics

#: Per data set: ground-truth density, default noise level per model, network. The DAE's sigma
#: is about the data's local width (it learns p smoothed by the noise); the RCAE's is smaller,
#: where it learns the score of p itself.
DEMO_SETTINGS = {
    "spiral": {
        "density": lambda: datasets.spiral_density(width=0.02),
        "sigma": {"dae": 0.03, "rcae": 0.01},
        "hidden_layer_sizes": (256, 256),
    },
    "manifold": {
        "density": lambda: datasets.manifold_density(n_features=10, width=0.05),
        "sigma": {"dae": 0.1, "rcae": 0.03},
        "hidden_layer_sizes": (256, 256),
    },
}
MH_STEPS, MH_BURN_IN, MH_PATH_POINTS = 200, 100, 5


def _make_estimator(name, sigma, hidden, args):
    from . import RCAE, DenoisingAEScoreEstimator

    params = dict(
        sigma=sigma,
        hidden_layer_sizes=hidden,
        max_epochs=args.epochs,
        device=args.device,
        random_state=args.seed,
        verbose=1,
    )
    return (RCAE if name == "rcae" else DenoisingAEScoreEstimator)(**params)


def _kde_baseline(X_train, X_valid):
    """Gaussian KDE on the training points, bandwidth maximising the validation likelihood.

    A KDE is a Gaussian mixture centred on its training points, so its score is exact.
    """
    _, h = metrics.parzen_log_likelihood(X_train, X_valid, X_valid=X_valid, return_bandwidth=True)
    return datasets.GaussianMixtureDensity(X_train, np.full(len(X_train), h**2))


def run_demo(args):
    settings = DEMO_SETTINGS[args.dataset]
    density = settings["density"]()
    rng = np.random.RandomState(args.seed)
    X_train = density.sample(args.n_samples, random_state=rng)
    X_valid = density.sample(2000, random_state=rng)
    X_test = density.sample(2000, random_state=rng)
    true_score = density.grad_log_density(X_test)
    n, d = X_train.shape
    print(f"data: {args.dataset}, {n} x {d}, from a Gaussian-mixture stand-in with exact score")

    start = time.perf_counter()
    kde_score = _kde_baseline(X_train, X_valid).grad_log_density(X_test)
    print("relative Fisher divergence E||s_hat - s||^2 / E||s||^2 on held-out points")
    print(f"  {'estimator':<30}{'vs score of p':>14}{'vs p smoothed':>15}{'time':>7}")
    kde_error = metrics.fisher_divergence(true_score, kde_score)
    print(
        f"  {'KernelDensity (CV bandwidth)':<30}{kde_error:>14.3f}{'':>15}"
        f"{time.perf_counter() - start:>6.0f}s"
    )

    names = ["dae", "rcae"] if args.model == "both" else [args.model]
    for name in names:
        sigma = args.sigma if args.sigma is not None else settings["sigma"][name]
        start = time.perf_counter()
        est = _make_estimator(name, sigma, settings["hidden_layer_sizes"], args).fit(X_train)
        S = est.grad_log_density(X_test)
        smoothed_score = density.smoothed(sigma).grad_log_density(X_test)
        label = f"{name.upper()} (sigma={sigma:g})"
        print(
            f"  {label:<30}{metrics.fisher_divergence(true_score, S):>14.3f}"
            f"{metrics.fisher_divergence(smoothed_score, S):>15.3f}"
            f"{time.perf_counter() - start:>6.0f}s"
        )

    start = time.perf_counter()
    samples, acceptance = est.sample(
        args.chains,
        n_steps=MH_STEPS,
        burn_in=MH_BURN_IN,
        n_path_points=MH_PATH_POINTS,
        random_state=args.seed,
        return_acceptance=True,
    )
    print(
        f"Metropolis-Hastings on the {name.upper()} score: {args.chains} chains, "
        f"{MH_BURN_IN} + {MH_STEPS} steps, acceptance {acceptance:.2f}, "
        f"{time.perf_counter() - start:.0f}s"
    )
    exact = density.sample(args.chains, random_state=rng)
    smoothed = density.smoothed(sigma).sample(args.chains, random_state=rng)
    _, h = metrics.parzen_log_likelihood(exact, X_valid, X_valid=X_test, return_bandwidth=True)
    log_p_data = density.log_prob(X_test)
    print("  sample quality on held-out data (higher LL, lower low-density fraction is better)")
    for label, S in (
        ("MH samples", samples),
        ("exact samples of p", exact),
        ("exact samples of p smoothed", smoothed),
    ):
        ll = metrics.parzen_log_likelihood(S, X_test, bandwidth=h)
        low = metrics.low_density_fraction(density.log_prob(S), log_p_data)
        print(f"  {label:<28} Parzen LL {ll:7.3f}   low-density fraction {low:.3f}")
    _draw(args, est, X_train, samples)
    print(f"figure written to {args.output}")


def _draw(args, est, X_train, samples):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plotting import plot_pairwise_samples, plot_vector_field

    if X_train.shape[1] == 2:
        fig, (ax_field, ax_samples) = plt.subplots(1, 2, figsize=(12, 6))
        plot_vector_field(est, X_train[:2000], ax=ax_field, normalize=True)
        ax_field.set_title("direction of the learned score (thesis fig. 3.5)")
        ax_samples.scatter(*X_train[:2000].T, s=2, c="0.6", label="data")
        ax_samples.scatter(*samples.T, s=2, c="C3", label="MH samples")
        ax_samples.set_aspect("equal")
        ax_samples.legend(loc="upper right")
        ax_samples.set_title("Metropolis-Hastings samples")
    else:
        fig = plot_pairwise_samples(X_train, samples)
        fig.suptitle("data (grey) and MH samples (thesis fig. 3.6)")
    fig.savefig(args.output, dpi=110, bbox_inches="tight")
    plt.close(fig)
