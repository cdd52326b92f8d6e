"""The ``python -m skscore demo`` job: fit, measure against the exact score, sample, draw."""

import numpy as np
from tqdm.auto import tqdm

from . import datasets, metrics

#: Per data set: ground-truth density, default noise level, network, sampler settings.
DEMO_SETTINGS = {
    "spiral": {
        "density": lambda: datasets.spiral_density(width=0.02),
        "sigma": 0.03,
        "hidden_layer_sizes": (256, 256),
    },
    "manifold": {
        "density": lambda: datasets.manifold_density(n_features=10, width=0.05),
        "sigma": 0.1,
        "hidden_layer_sizes": (256, 256),
    },
}


def _make_estimator(name, sigma, hidden, args):
    from . import DenoisingAEScoreEstimator

    params = dict(
        sigma=sigma,
        hidden_layer_sizes=hidden,
        max_epochs=args.epochs,
        device=args.device,
        random_state=args.seed,
    )
    if name == "rcae":
        from . import RCAE

        return RCAE(**params)
    return DenoisingAEScoreEstimator(**params)


def _fit_with_progress(estimator, X, epochs, label):
    """One ``partial_fit`` per epoch so the bar moves; same result as ``fit``."""
    bar = tqdm(range(epochs), desc=f"training {label}", unit="epoch", leave=False)
    for _ in bar:
        estimator.partial_fit(X)
        bar.set_postfix(loss=f"{estimator.history_[-1, 'train_loss']:.3f}")
    return estimator


def _kde_baseline(X_train, X_valid):
    """Gaussian KDE with the bandwidth maximising validation likelihood; its score is exact."""
    from sklearn.model_selection import GridSearchCV
    from sklearn.neighbors import KernelDensity

    grid = {"bandwidth": np.geomspace(0.005, 0.5, 15) * X_train.std()}
    search = GridSearchCV(KernelDensity(), grid, cv=3).fit(X_valid)
    h = search.best_params_["bandwidth"]
    return datasets.GaussianMixtureDensity(X_train, np.full(len(X_train), h**2))


def run_demo(args):
    settings = DEMO_SETTINGS[args.dataset]
    density = settings["density"]()
    sigma = args.sigma if args.sigma is not None else settings["sigma"]
    rng = np.random.RandomState(args.seed)
    X_train = density.sample(args.n_samples, random_state=rng)
    X_valid = density.sample(2000, random_state=rng)
    X_test = density.sample(2000, random_state=rng)
    true_score = density.score(X_test)
    smoothed_score = density.smoothed(sigma).score(X_test)
    print(f"data: {args.dataset}, {X_train.shape[0]} x {X_train.shape[1]} from a Gaussian-mixture")
    print(f"      stand-in with exact score; sigma = {sigma}")

    kde = _kde_baseline(X_train, X_valid)
    kde_score = kde.score(X_test)
    print("relative Fisher divergence E||s_hat - s||^2 / E||s||^2 on held-out points")
    print(f"  {'estimator':<28}{'vs score of p':>16}{'vs smoothed p':>16}")
    print(
        f"  {'KernelDensity (CV bandwidth)':<28}"
        f"{metrics.fisher_divergence(true_score, kde_score):>16.3f}{'':>16}"
    )

    names = ["dae", "rcae"] if args.model == "both" else [args.model]
    fitted = {}
    for name in names:
        est = _make_estimator(name, sigma, settings["hidden_layer_sizes"], args)
        fitted[name] = _fit_with_progress(est, X_train, args.epochs, name.upper())
        S = est.grad_log_density(X_test)
        print(
            f"  {name.upper():<28}{metrics.fisher_divergence(true_score, S):>16.3f}"
            f"{metrics.fisher_divergence(smoothed_score, S):>16.3f}"
        )

    est = fitted[names[-1]]
    samples, acceptance = est.sample(
        args.chains, n_steps=300, burn_in=200, random_state=args.seed, return_acceptance=True
    )
    exact = density.sample(args.chains, random_state=rng)
    _, h = metrics.parzen_log_likelihood(exact, X_test, X_valid=X_valid, return_bandwidth=True)
    print(
        f"Metropolis-Hastings with {names[-1].upper()} score: {args.chains} chains, "
        f"300 steps, acceptance {acceptance:.2f}"
    )
    log_p_data = density.log_prob(X_test)
    for label, S in (("MH samples", samples), ("exact samples", exact)):
        ll = metrics.parzen_log_likelihood(S, X_test, bandwidth=h)
        low = metrics.low_density_fraction(density.log_prob(S), log_p_data)
        print(f"  {label:<14} Parzen log-likelihood {ll:8.3f}   low-density fraction {low:.3f}")
    _draw(args, est, X_train, samples)
    print(f"figure written to {args.output}")


def _draw(args, est, X_train, samples):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plotting import plot_pairwise_samples, plot_vector_field

    if X_train.shape[1] == 2:
        fig, (ax_field, ax_samples) = plt.subplots(1, 2, figsize=(12, 6))
        plot_vector_field(est, X_train[:2000], ax=ax_field)
        ax_field.set_title("learned score field (thesis fig. 3.5)")
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
