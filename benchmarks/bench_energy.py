"""The energy parametrization of the score auto-encoders against the residual one, on a ring.

A ring (a 2-D density with a hole) is where integrating a learned field along straight lines
goes wrong: segments between opposite sides cross the hole, where no training point lies. With
``parametrization="energy"`` the score is minus the gradient of a scalar network, so energy
differences are exact and path-independent. For DenoisingAEScoreEstimator and RCAE with each
parametrization (defaults otherwise) this reports, in one run:

- the correlation of ``energy_difference`` with the exact log-density difference on pairs of
  points that cross the hole and leave the ring;
- the Spearman correlation of ``score_samples`` with the exact log-density;
- the relative Fisher divergence to the exact score on held-out points;
- the fit time and the cost of one training step as a ratio to the residual DAE's step.

The exact target of the DAE is the ring smoothed by its noise (Tweedie), estimated here on a
fine quadrature of the convolution; the RCAE targets the ring itself.

Run: ``OMP_NUM_THREADS=1 python benchmarks/bench_energy.py`` (about 15 min on 2 cores;
``--quick`` for a smoke run). Writes ``benchmarks/results/energy.md``.
"""

import platform
import sys
from pathlib import Path

import numpy as np
import torch
from scipy.stats import spearmanr

from skscore import RCAE, DenoisingAEScoreEstimator
from skscore.datasets import RingDensity, spiral_density
from skscore.metrics import fisher_divergence

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import argument_parser, log, timed, write_report  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "energy.md"


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
    """Seconds per training step (one epoch of a fixed number of steps, best of repeats)."""
    times = []
    for _ in range(repeats):
        est = estimator_class(
            sigma=sigma, parametrization=parametrization, max_epochs=1, random_state=0
        )
        seconds = timed(est.fit, X).cpu
        times.append(seconds / len(est.history_[-1, "batches"]))
    return min(times)


def densities():
    """Densities with holes or gaps, each with its exact log-density and smoothed targets."""
    ring = RingDensity(radius=1.0, width=0.1)
    spiral = spiral_density(width=0.02)
    return {
        "ring": (ring, lambda sigma: SmoothedRing(ring, sigma), 1.5),
        "spiral": (spiral, spiral.smoothed, 0.6),
    }


def main(quick, sigma):
    torch.set_num_threads(1)
    n_train = 2000 if quick else 10000
    rows = []
    for data, (density, smoothed, half_width) in densities().items():
        X = density.sample(n_train, random_state=0)
        held_out = density.sample(2000, random_state=1)
        rng = np.random.RandomState(2)
        far = rng.uniform(-half_width, half_width, size=(2000, 2))  # in the hole, off the data
        X_from = np.vstack([held_out, far])
        X_to = np.vstack([far, held_out[::-1]])  # every pair leaves the data or crosses a gap
        baseline_step = step_cost(DenoisingAEScoreEstimator, "residual", X[:2560], sigma)
        for name, cls in (("DAE", DenoisingAEScoreEstimator), ("RCAE", RCAE)):
            for parametrization in ("residual", "energy"):
                params = {"max_epochs": 5} if quick else {}
                est = cls(sigma=sigma, parametrization=parametrization, random_state=0, **params)
                fit_time = timed(est.fit, X).wall
                # the DAE's target is the density smoothed by its noise (Tweedie)
                target = smoothed(est.sigma_) if name == "DAE" else density
                exact_diff = target.log_prob(X_from) - target.log_prob(X_to)
                dE = est.energy_difference(X_from, X_to)
                row = {
                    "data": data,
                    "model": name,
                    "parametrization": parametrization,
                    "sigma": est.sigma_,
                    "energy_corr": float(np.corrcoef(dE, exact_diff)[0, 1]),
                    "rank_corr": float(
                        spearmanr(est.score_samples(X_from), target.log_prob(X_from)).statistic
                    ),
                    "fisher": fisher_divergence(
                        target.grad_log_density(held_out), est.grad_log_density(held_out)
                    ),
                    "fit_time": fit_time,
                    "step_ratio": step_cost(cls, parametrization, X[:2560], sigma) / baseline_step,
                }
                rows.append(row)
                log(
                    f"{data:6s} {name:5s} {parametrization:9s} sigma {est.sigma_:.3g}  "
                    f"energy_difference corr {row['energy_corr']:.3f}  score_samples Spearman "
                    f"{row['rank_corr']:.3f}  relF {row['fisher']:.3f}  fit {fit_time:.0f} s  "
                    f"step {row['step_ratio']:.2f}x"
                )
    write(rows, n_train, quick, sigma)


def write(rows, n_train, quick, sigma):
    flags = (" --quick" if quick else "") + ("" if sigma == "auto" else f" --sigma {sigma}")
    lines = [
        "# Energy vs residual parametrization on densities with holes",
        "",
        f"`python benchmarks/bench_energy.py{flags}` on "
        f"{platform.processor() or platform.machine()}, torch {torch.__version__}, one thread. "
        f"A ring of radius 1 and radial width 0.1 and the thesis spiral (width 0.02), {n_train} "
        f"training points, sigma = {sigma} (the column gives the resolved value), every other "
        "parameter at its default. Pairs: 2,000 held-out points against 2,000 uniform points "
        "around the data (in the hole, between the arms, off the data), both ways. Targets: the "
        "density smoothed by the noise for the DAE (Tweedie), the density itself for the RCAE. "
        "Step cost: CPU seconds per training step as a ratio to the residual DAE's on the same "
        "data, measured in this run.",
        "",
        "| data | model | parametrization | sigma_ | energy_difference corr | "
        "score_samples Spearman | relative Fisher divergence | fit (s) | step cost |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['data']} | {r['model']} | {r['parametrization']} | {r['sigma']:.3g} | "
            f"{r['energy_corr']:.3f} | {r['rank_corr']:.3f} | {r['fisher']:.3f} | "
            f"{r['fit_time']:.0f} | {r['step_ratio']:.2f}x |"
        )
    write_report(lines, RESULTS)


if __name__ == "__main__":
    parser = argument_parser(__doc__, "small smoke run")
    parser.add_argument("--sigma", default="auto", help='"auto" (the default) or a float')
    args = parser.parse_args()
    main(args.quick, args.sigma if args.sigma == "auto" else float(args.sigma))
