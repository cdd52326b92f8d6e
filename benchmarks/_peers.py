"""The models the density benchmarks fit: the noise-conditional score model and its peers.

Shared by ``bench_density.py`` and ``bench_real.py`` (import as a plain module, like
``_harness``). Each ``fit_*`` returns a :class:`Fitted`: the exact log-density, its gradient and
a sampler, all in the units of the data it was given, and the CPU seconds the fit took. The
peers standardise internally (training mean and standard deviation) and undo it in the
log-density, so data that are already standardised pass through unchanged.

- :func:`fit_kde`: Gaussian ``KernelDensity``, bandwidth by 5-fold cross-validated
  log-likelihood over a log grid around Scott's factor (exact log-sum-exp);
- :func:`fit_gmm`: ``GaussianMixture``, number of components (and optionally covariance type)
  by BIC on the training data;
- :func:`fit_flow`: zuko's neural spline flow, maximum likelihood, early stopping;
- :func:`fit_ncse`: ``NoiseConditionalScoreEstimator`` with given parameters.
"""

import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import torch
from _harness import timed
from scipy.special import logsumexp
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import KFold
from sklearn.neighbors import KernelDensity

from skscore import NoiseConditionalScoreEstimator


@dataclass
class Fitted:
    """A fitted model: exact log-density, its gradient and a sampler, all in data units."""

    log_prob: callable
    grad_log_density: callable
    sample: callable  # (n, seed) -> (n, d)
    fit_time: float
    info: str = ""
    extra: dict = field(default_factory=dict)


class Standardizer:
    """Standardise with the mean and standard deviation of X; ``log_jacobian`` is the
    log-determinant that turns a log-density of standardised data into one of X."""

    def __init__(self, X):
        self.mean = X.mean(0)
        self.scale = X.std(0)
        self.scale[self.scale == 0] = 1.0
        self.log_jacobian = -float(np.log(self.scale).sum())

    def __call__(self, X):
        return (X - self.mean) / self.scale

    def inverse(self, Z):
        return Z * self.scale + self.mean


def chunked(fn, X, rows=1024):
    """fn applied to blocks of ``rows`` rows of X, concatenated."""
    return np.concatenate([fn(X[i : i + rows]) for i in range(0, len(X), rows)])


def kde_log_density(Z_query, centres, h):
    """Exact log-density of the Gaussian KDE (log-sum-exp over every centre)."""
    d = centres.shape[1]
    c_sq = (centres**2).sum(1)
    const = -math.log(len(centres)) - 0.5 * d * math.log(2 * math.pi * h * h)

    def block(z):
        sq = (z**2).sum(1)[:, None] - 2 * z @ centres.T + c_sq[None, :]
        return logsumexp(-0.5 * np.maximum(sq, 0) / (h * h), axis=1) + const

    return chunked(block, Z_query)


def fit_kde(X, cfg, seed=0):
    """Gaussian KernelDensity on standardised data, bandwidth by 5-fold cross-validated
    log-likelihood (exact log-sum-exp: scikit-learn's tree-based score is not exact in high
    dimension).

    The grid has ``cfg["kde_grid"]`` bandwidths, log-spaced over ``cfg["kde_span"]`` (default
    1/8 to 2) times Scott's factor; a bandwidth at an end of the grid is flagged in the info.
    """
    start = time.process_time()
    st = Standardizer(X)
    Z = st(X)
    scott = len(Z) ** (-1.0 / (Z.shape[1] + 4))
    grid = scott * np.geomspace(*cfg.get("kde_span", (1 / 8, 2)), cfg["kde_grid"])
    folds = KFold(5, shuffle=True, random_state=seed).split(Z)
    cv = np.zeros(len(grid))
    for train, valid in folds:
        cv += [kde_log_density(Z[valid], Z[train], h).mean() for h in grid]
    best = int(np.argmax(cv))
    h = float(grid[best])
    edge = " (end of the grid)" if best in (0, len(grid) - 1) else ""
    kde = KernelDensity(bandwidth=h).fit(Z)
    fit_time = time.process_time() - start

    def grad(X_eval):
        def block(x):
            z = st(x)
            sq = (z**2).sum(1)[:, None] - 2 * z @ Z.T + (Z**2).sum(1)[None, :]
            logw = -0.5 * sq / h**2
            w = np.exp(logw - logsumexp(logw, axis=1, keepdims=True))
            return ((w @ Z - z) / h**2) / st.scale

        return chunked(block, X_eval)

    return Fitted(
        lambda X_eval: kde_log_density(st(X_eval), Z, h) + st.log_jacobian,
        grad,
        lambda n, s: st.inverse(kde.sample(n, random_state=s)),
        fit_time,
        f"bandwidth {h:.3g} (standardised){edge}",
    )


def full_matrices(gmm):
    """Per-component precision and covariance matrices, shape (k, d, d), of a full or diagonal
    GaussianMixture."""
    if gmm.covariance_type == "full":
        return gmm.precisions_, gmm.covariances_
    if gmm.covariance_type == "diag":
        return (
            np.stack([np.diag(p) for p in gmm.precisions_]),
            np.stack([np.diag(c) for c in gmm.covariances_]),
        )
    raise ValueError(f"covariance_type {gmm.covariance_type!r} is not supported")


def fit_gmm(X, cfg, seed=0):
    """GaussianMixture, n_components by BIC on the training data.

    Tries ``cfg["gmm_components"]`` for every covariance type in
    ``cfg["gmm_covariance_types"]`` (default ``("full",)``), skipping mixtures with fewer than
    ``cfg["gmm_rows_per_component"]`` (default 20) training rows per component, and keeps the
    lowest BIC.
    """
    start = time.process_time()
    st = Standardizer(X)
    Z = st(X)
    best, best_bic = None, np.inf
    max_components = len(Z) // cfg.get("gmm_rows_per_component", 20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for covariance_type in cfg.get("gmm_covariance_types", ("full",)):
            for k in cfg["gmm_components"]:
                if k > max_components:
                    break
                gmm = GaussianMixture(k, covariance_type=covariance_type, random_state=seed)
                bic = gmm.fit(Z).bic(Z)
                if bic < best_bic:
                    best, best_bic = gmm, bic
    fit_time = time.process_time() - start
    precisions, covariances = full_matrices(best)

    def grad(X_eval):
        def block(x):
            z = st(x)
            resp = best.predict_proba(z)
            diff = z[:, None, :] - best.means_[None]
            comp = -np.einsum("kde,nke->nkd", precisions, diff)
            return np.einsum("nk,nkd->nd", resp, comp) / st.scale

        return chunked(block, X_eval)

    def sample(n, s):
        rng = np.random.RandomState(s)
        counts = rng.multinomial(n, best.weights_)
        parts = [
            rng.multivariate_normal(best.means_[k], covariances[k], size=c)
            for k, c in enumerate(counts)
        ]
        return st.inverse(np.concatenate(parts)[rng.permutation(n)])

    return Fitted(
        lambda X_eval: best.score_samples(st(X_eval)) + st.log_jacobian,
        grad,
        sample,
        fit_time,
        f"{best.n_components} components, {best.covariance_type} covariances",
    )


def fit_flow(X, cfg, seed=0, patience=20, batch_size=256, lr=1e-3):
    """zuko's neural spline flow, maximum likelihood, early stopping on 10 % of X."""
    import zuko

    start = time.process_time()
    st = Standardizer(X)
    order = np.random.RandomState(seed).permutation(len(X))
    n_valid = max(1, len(X) // 10)
    Z = torch.tensor(st(X), dtype=torch.float32)
    Z_valid, Z_train = Z[order[:n_valid]], Z[order[n_valid:]]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        flow = zuko.flows.NSF(X.shape[1], transforms=5, hidden_features=(128, 128))
        optimizer = torch.optim.Adam(flow.parameters(), lr=lr)
        best_state, best_valid, since_best, epochs = None, -np.inf, 0, 0
        for epoch in range(cfg["flow_epochs"]):
            flow.train()
            perm = torch.randperm(len(Z_train))
            for i in range(0, len(Z_train), batch_size):
                loss = -flow().log_prob(Z_train[perm[i : i + batch_size]]).mean()
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            flow.eval()
            with torch.no_grad():
                valid = float(flow().log_prob(Z_valid).mean())
            epochs = epoch + 1
            if valid > best_valid:
                best_valid, since_best = valid, 0
                best_state = {k: v.clone() for k, v in flow.state_dict().items()}
            else:
                since_best += 1
                if since_best >= patience:
                    break
        flow.load_state_dict(best_state)
    flow = flow.double().eval()
    fit_time = time.process_time() - start

    def log_prob(X_eval):
        def block(x):
            with torch.no_grad():
                return flow().log_prob(torch.tensor(st(x))).numpy()

        return chunked(block, X_eval) + st.log_jacobian

    def grad(X_eval):
        def block(x):
            z = torch.tensor(st(x), requires_grad=True)
            (g,) = torch.autograd.grad(flow().log_prob(z).sum(), z)
            return g.numpy() / st.scale

        return chunked(block, X_eval)

    def sample(n, s):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(s)
            with torch.no_grad():
                return st.inverse(flow().sample((n,)).numpy())

    return Fitted(log_prob, grad, sample, fit_time, f"{epochs} epochs (best kept)")


def fit_ncse(X, params, seed=0):
    """NoiseConditionalScoreEstimator(random_state=seed, device="cpu", **params) fitted on X."""
    est = NoiseConditionalScoreEstimator(random_state=seed, device="cpu", **params)
    fit_time = timed(est.fit, X).cpu
    info = (
        f"sigma in [{est.sigma_min_:.3g}, {est.sigma_max_:.3g}], "
        f"{len(est.history_)} of {est.n_epochs_} epochs"
    )
    return Fitted(
        est.score_samples,
        est.grad_log_density,
        lambda n, s: est.sample(n, random_state=s),
        fit_time,
        info,
        {"estimator": est},
    )
