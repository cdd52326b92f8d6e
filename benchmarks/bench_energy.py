"""The energy parametrization of the score auto-encoders against the residual one, on densities
with holes.

Densities with holes are where integrating a learned field along straight lines goes wrong:
segments between opposite sides cross the hole, where no training point lies, and
``score_samples`` integrates from the training mean, which on a ring lies in the hole. With
``parametrization="energy"`` the score is minus the gradient of a scalar network, so energy
differences are exact and path-independent and ``score_samples`` is minus the energy. For
DenoisingAEScoreEstimator and RCAE with each parametrization (defaults otherwise), over several
seeds (training sample and weights), this reports:

- the correlation of ``energy_difference`` with the exact log-density difference on random
  pairs of held-out points (the pairs cross the hole and the gaps) and on pairs of a held-out
  point and a uniform point around the data (in the hole, off the data);
- the correlation (Pearson) of ``score_samples`` with the exact log-density on held-out points,
  and its Spearman correlation on held-out and uniform points together;
- the relative Fisher divergence to the exact score on held-out points;
- the fit time and the cost of one training step as a ratio to the residual DAE's step.

Densities: a ring (radius 1, radial width 0.1) at ``sigma="auto"`` and at sigma 0.1, eight
Gaussian beads on the unit circle (std 0.1: a hole and eight gaps), the thesis spiral (width
0.02), the benchmarks' closed curve in 10-D (width 0.05; a loop around a hole). The exact
target of the DAE is the density smoothed by its noise (Tweedie; for the ring a fine quadrature
of the convolution); the RCAE targets the density itself.

Run: ``OMP_NUM_THREADS=1 python benchmarks/bench_energy.py`` (about 40 min on 2 cores;
``--quick`` for a smoke run). Writes ``benchmarks/results/energy.md``.
"""

import platform
import sys
from pathlib import Path

import numpy as np
import torch
from scipy.stats import spearmanr

from skscore import RCAE, DenoisingAEScoreEstimator
from skscore.datasets import (
    GaussianMixtureDensity,
    RingDensity,
    manifold_density,
    spiral_density,
)
from skscore.metrics import fisher_divergence

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import argument_parser, log, table, timed, write_report  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "energy.md"
MODELS = {"DAE": DenoisingAEScoreEstimator, "RCAE": RCAE}
PARAMETRIZATIONS = ("residual", "energy")
#: (density, sigma) pairs of a full run: the defaults, and the ring at the issue's sigma 0.1
CASES = (
    ("ring", "auto"),
    ("ring", 0.1),
    ("beads", "auto"),
    ("spiral", "auto"),
    ("curve10", "auto"),
)
N_EVALUATION = 2000


class SmoothedRing:
    """The ring convolved with N(0, sigma^2 I), by Gauss-Hermite quadrature of the noise."""

    def __init__(self, ring, sigma, n_nodes=24):
        nodes, weights = np.polynomial.hermite_e.hermegauss(n_nodes)
        grid = np.stack(np.meshgrid(nodes, nodes), -1).reshape(-1, 2)
        self.offsets = sigma * grid
        self.log_w = np.log(np.outer(weights, weights).ravel() / (2 * np.pi))
        self.ring = ring

    def _log_terms(self, X):
        points = X[:, None, :] - self.offsets[None, :, :]
        return self.ring.log_prob(points.reshape(-1, 2)).reshape(len(X), -1) + self.log_w

    def log_prob(self, X):
        terms = self._log_terms(X)
        top = terms.max(axis=1, keepdims=True)
        return (top + np.log(np.exp(terms - top).sum(axis=1, keepdims=True)))[:, 0]

    def grad_log_density(self, X):
        terms = self._log_terms(X)
        weights = np.exp(terms - terms.max(axis=1, keepdims=True))
        weights /= weights.sum(axis=1, keepdims=True)
        points = (X[:, None, :] - self.offsets[None, :, :]).reshape(-1, 2)
        scores = self.ring.grad_log_density(points).reshape(len(X), -1, 2)
        return np.einsum("nk,nkd->nd", weights, scores)


def step_cost(estimator_class, parametrization, X, sigma, repeats=3):
    """CPU seconds per training step (one epoch of a fixed number of steps, best of repeats)."""
    times = []
    for _ in range(repeats):
        est = estimator_class(
            sigma=sigma, parametrization=parametrization, max_epochs=1, random_state=0
        )
        seconds = timed(est.fit, X).cpu
        times.append(seconds / len(est.history_[-1, "batches"]))
    return min(times)


def beads_density(n_beads=8, radius=1.0, width=0.1):
    """Gaussian beads evenly spaced on a circle: a hole in the middle and gaps between beads."""
    angles = 2 * np.pi * np.arange(n_beads) / n_beads
    means = radius * np.column_stack([np.cos(angles), np.sin(angles)])
    return GaussianMixtureDensity(means, width**2)


def densities():
    """Densities with holes or gaps: (density, its smoothing by N(0, sigma^2 I), box half-width)."""
    ring = RingDensity(radius=1.0, width=0.1)
    beads = beads_density()
    spiral = spiral_density(width=0.02)
    curve = manifold_density(n_features=10)
    return {
        "ring": (ring, lambda sigma: SmoothedRing(ring, sigma), 1.5),
        "beads": (beads, beads.smoothed, 1.5),
        "spiral": (spiral, spiral.smoothed, 0.6),
        "curve10": (curve, curve.smoothed, 1.5),
    }


def evaluation_points(density, half_width, seed):
    """Held-out points, uniform points around the data (in the hole, off the data), pairs."""
    held_out = density.sample(N_EVALUATION, random_state=1000 + seed)
    rng = np.random.RandomState(2000 + seed)
    far = rng.uniform(-half_width, half_width, size=(N_EVALUATION, density.n_features))
    partner = held_out[rng.permutation(N_EVALUATION)]  # random held-out pairs cross the hole
    return {
        "held_out": held_out,
        "on_data": (held_out, partner),
        # every pair leaves the data or crosses a gap, both ways
        "off_data": (np.vstack([held_out, far]), np.vstack([far, held_out[::-1]])),
        "all": np.vstack([held_out, far]),
    }


def correlation(a, b):
    return float(np.corrcoef(a, b)[0, 1])


def energy_correlation(est, target, pairs):
    """Correlation of energy_difference with the exact ``log p(X_from) - log p(X_to)``."""
    X_from, X_to = pairs
    exact = target.log_prob(X_from) - target.log_prob(X_to)
    return correlation(est.energy_difference(X_from, X_to), exact)


def accuracy(est, target, points):
    """The measured columns of one fitted estimator against its exact target."""
    held_out = points["held_out"]
    return {
        "ed_on": energy_correlation(est, target, points["on_data"]),
        "ed_off": energy_correlation(est, target, points["off_data"]),
        "ss_pearson": correlation(est.score_samples(held_out), target.log_prob(held_out)),
        "ss_spearman": float(
            spearmanr(est.score_samples(points["all"]), target.log_prob(points["all"])).statistic
        ),
        "fisher": fisher_divergence(
            target.grad_log_density(held_out), est.grad_log_density(held_out)
        ),
    }


def run_case(data, sigma, n_train, seeds, epochs):
    """Rows (one per model and parametrization, averaged over seeds) for one density and sigma."""
    density, smoothed, half_width = densities()[data]
    runs = {}
    for seed in seeds:
        X = density.sample(n_train, random_state=seed)
        points = evaluation_points(density, half_width, seed)
        for name, cls in MODELS.items():
            for parametrization in PARAMETRIZATIONS:
                est = cls(sigma=sigma, parametrization=parametrization, random_state=seed, **epochs)
                fit_time = timed(est.fit, X).wall
                # the DAE's target is the density smoothed by its noise (Tweedie)
                target = smoothed(est.sigma_) if name == "DAE" else density
                measured = {**accuracy(est, target, points), "fit_time": fit_time}
                measured["sigma"] = est.sigma_
                runs.setdefault((name, parametrization), []).append(measured)
                log(
                    f"{data} sigma={sigma} seed {seed} {name} {parametrization}: "
                    + ", ".join(f"{k} {v:.3g}" for k, v in measured.items())
                )
    X = density.sample(2560, random_state=0)
    baseline_step = step_cost(DenoisingAEScoreEstimator, "residual", X, sigma)
    rows = []
    for (name, parametrization), measured in runs.items():
        cost = step_cost(MODELS[name], parametrization, X, sigma) / baseline_step
        rows.append(
            {
                "data": data,
                "sigma_arg": sigma,
                "model": name,
                "parametrization": parametrization,
                "runs": measured,
                "step_ratio": cost,
            }
        )
    return rows


def main(quick, sigma, n_seeds):
    torch.set_num_threads(1)
    n_train = 2000 if quick else 5000
    epochs = {"max_epochs": 5} if quick else {}
    cases = CASES if sigma is None else [(data, sigma) for data in densities()]
    seeds = range(1 if quick else n_seeds)
    rows = [row for data, s in cases for row in run_case(data, s, n_train, seeds, epochs)]
    write(rows, n_train, quick, sigma, len(seeds))


def spread(runs, key, digits=3):
    """Mean over seeds, with the range when there are several."""
    values = np.array([r[key] for r in runs])
    mean = f"{values.mean():.{digits}f}"
    if len(values) == 1:
        return mean
    return f"{mean} ({values.min():.{digits}f}-{values.max():.{digits}f})"


def write(rows, n_train, quick, sigma, n_seeds):
    flags = (" --quick" if quick else "") + ("" if sigma is None else f" --sigma {sigma}")
    header = [
        "data",
        "sigma",
        "model",
        "parametrization",
        "sigma_",
        "energy_difference corr, held-out pairs",
        "energy_difference corr, off-data pairs",
        "score_samples Pearson, held-out",
        "score_samples Spearman, all",
        "relative Fisher divergence",
        "fit (s)",
        "step cost",
    ]
    body = [
        [
            r["data"],
            r["sigma_arg"],
            r["model"],
            r["parametrization"],
            f"{r['runs'][0]['sigma']:.3g}",
            spread(r["runs"], "ed_on"),
            spread(r["runs"], "ed_off"),
            spread(r["runs"], "ss_pearson"),
            spread(r["runs"], "ss_spearman"),
            spread(r["runs"], "fisher"),
            spread(r["runs"], "fit_time", 0),
            f"{r['step_ratio']:.2f}x",
        ]
        for r in rows
    ]
    lines = [
        "# Energy vs residual parametrization on densities with holes",
        "",
        f"`python benchmarks/bench_energy.py{flags}` on "
        f"{platform.processor() or platform.machine()}, torch {torch.__version__}, one thread. "
        f"{n_train} training points, {n_seeds} seed(s) (training sample and weights; each cell "
        "is the mean over seeds, the range in brackets), every parameter but sigma and "
        "parametrization at its default. Densities: a ring of radius 1 and radial width 0.1, "
        "eight Gaussian beads (std 0.1) on the unit circle, the thesis spiral (width 0.02), the "
        "closed curve of the benchmarks in 10-D (width 0.05). "
        "Held-out pairs: 2,000 random pairs of held-out points (many cross the hole or a gap). "
        "Off-data pairs: 2,000 held-out points against 2,000 uniform points around the data "
        "(in the hole, between the arms, off the data), both ways. Spearman: held-out and "
        "uniform points together. Targets: the density smoothed by the noise for the DAE "
        "(Tweedie), the density itself for the RCAE. Step cost: CPU seconds per training step "
        "as a ratio to the residual DAE's on the same data and sigma, measured in this run.",
        "",
        table(header, body),
    ]
    write_report(lines, RESULTS)


def sigma_argument(text):
    return text if text == "auto" else float(text)


if __name__ == "__main__":
    parser = argument_parser(__doc__, "small smoke run")
    parser.add_argument(
        "--sigma",
        type=sigma_argument,
        default=None,
        help='"auto" or a float for every density (default: the cases of a full run)',
    )
    parser.add_argument("--seeds", type=int, default=3, help="seeds of a full run")
    args = parser.parse_args()
    main(args.quick, args.sigma, args.seeds)
