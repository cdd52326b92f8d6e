"""Benchmark of NoiseConditionalScoreEstimator against the density estimators users pick today.

Ground truth: five densities that are not Gaussian mixtures, with exact log-density and score
(:mod:`skscore.datasets`): a 2-D banana, a 2-D ring with a hole, Neal's funnel in 10-D, a rotated
product of five bananas in 10-D and a Student-t (5 degrees of freedom) in 20-D; 10,000 training
and 1,000 held-out points each. Plus scikit-learn's digits (64-D) with uniform dequantisation
noise (pixel + U(0, 1)), 80 / 20 split, where only the held-out log-likelihood is known.

Peers, all fitted on standardised data and reported in data units:

- ``KernelDensity`` (Gaussian), bandwidth by 5-fold cross-validated log-likelihood (the
  log-density is evaluated exactly, by a log-sum-exp over the training points);
- ``GaussianMixture`` (full covariances), number of components by BIC;
- a neural spline flow (``zuko.flows.NSF``: 5 autoregressive rational-quadratic spline
  transforms, 2 x 128 hidden units), maximum likelihood with Adam and early stopping on 10 % of
  the training data (patience 20 epochs, best epoch kept).

Metrics: held-out log-likelihood (nats; ``Δ truth`` = model minus exact, at most 0 in
expectation for a normalised model), relative Fisher divergence ``E||s_hat - s||^2 / E||s||^2``
of the model's score to the exact score on the held-out points, Spearman correlation of the
model's log-density with the exact one on those points, low-density fraction of 1,000 samples
(share below the 1 % quantile of the exact log-density of data; exact sampling: about 0.01),
and fit and sample time (CPU seconds of this process, one thread: barely affected by other
jobs on a shared machine). For the noise-conditional model also the heat-equation route to
the log-likelihood (same network, log p integrated at fixed x), to show why score_samples
uses the probability-flow ODE.

Speed: the path-integral Metropolis–Hastings kernel of :mod:`skscore.sampling` (1,000 chains,
d = 10, one thread) against a plain PyTorch loop doing the same forward passes, and the
default ``sample(500)`` on the demo data (the thesis spiral, 10,000 points).

Run from the repository root (takes a few hours on 2 shared CPU cores)::

    OMP_NUM_THREADS=1 python benchmarks/bench_density.py           # writes results/density.md
    OMP_NUM_THREADS=1 python benchmarks/bench_density.py --quick   # smoke run, prints only

Needs the benchmark extra (``pip install -e ".[density-bench]"``: zuko).
"""

import argparse
import datetime
import os
import platform
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import sklearn
import torch
from scipy.stats import spearmanr
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split

from skscore import DenoisingAEScoreEstimator, NoiseConditionalScoreEstimator
from skscore._noise_conditional.likelihood import heat_log_likelihood
from skscore.datasets import (
    BananaDensity,
    NealFunnelDensity,
    RingDensity,
    RotatedBananasDensity,
    StudentTDensity,
    make_manifold,
    spiral_density,
)
from skscore.metrics import fisher_divergence, low_density_fraction
from skscore.sampling import metropolis_hastings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import best_of, log, table, timed, write_report  # noqa: E402
from _peers import Fitted, fit_flow, fit_gmm, fit_kde, fit_ncse  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "density.md"

DENSITIES = {
    "banana": ("banana, 2-D", BananaDensity),
    "ring": ("ring, 2-D", RingDensity),
    "funnel": ("Neal's funnel, 10-D", lambda: NealFunnelDensity(n_features=10)),
    "bananas": ("rotated bananas, 10-D", lambda: RotatedBananasDensity(n_bananas=5)),
    "student": ("Student-t (df 5), 20-D", lambda: StudentTDensity(n_features=20, df=5.0)),
}

#: The tuned rows: what a user would try next, with the reason.
TUNED = {
    "density": (
        {"hidden_layer_sizes": (512, 512, 512, 512)},
        "4 x 512 hidden units (twice the width; about 3x the training cost)",
    ),
    "digits": (
        {"sigma_min": [0.1, 0.3, 1.0]},
        "sigma_min by 3-fold GridSearchCV on the held-out log-likelihood (`score`)",
    ),
}

FULL = {
    "n_train": 10_000,
    "n_test": 1_000,
    "n_samples": 1_000,
    "ncse": {},
    "flow_epochs": 400,
    "gmm_components": (1, 2, 3, 5, 8, 12, 16, 24, 32, 48, 64, 96),
    "kde_grid": 13,
    "heat_levels": 64,
    "mh_chains": 1_000,
    "mh_steps": 50,
    "repeats": 3,
}
QUICK = {
    **FULL,
    "n_train": 1_000,
    "n_test": 200,
    "n_samples": 200,
    "ncse": {"hidden_layer_sizes": (32, 32), "max_epochs": 5},
    "flow_epochs": 3,
    "gmm_components": (1, 2, 3),
    "kde_grid": 3,
    "heat_levels": 8,
    "mh_chains": 100,
    "mh_steps": 5,
    "repeats": 1,
}


# =========================================================================================
# Tuned noise-conditional model (the peers are in _peers.py)
# =========================================================================================


def fit_ncse_search(X, grid, base_params, seed=0):
    """GridSearchCV over sigma_min by held-out log-likelihood (the estimator's `score`)."""
    est = NoiseConditionalScoreEstimator(random_state=seed, device="cpu", **base_params)
    search = GridSearchCV(est, {"sigma_min": grid}, cv=3)
    fit_time = timed(search.fit, X).cpu
    best = search.best_estimator_
    return Fitted(
        best.score_samples,
        best.grad_log_density,
        lambda n, s: best.sample(n, random_state=s),
        fit_time,
        f"sigma_min {search.best_params_['sigma_min']:g} selected, {best.n_epochs_} epochs",
        {"estimator": best},
    )


# =========================================================================================
# Quality
# =========================================================================================


def evaluate(fitted, density, X_test, log_p_test, log_p_data, cfg):
    out = {"fit_time": fitted.fit_time, "info": fitted.info}
    run = timed(fitted.log_prob, X_test)
    ll, ll_time = run.result, run.cpu
    out["ll"] = float(np.mean(ll))
    out["ll_time"] = ll_time
    if density is None:
        return out
    out["delta"] = out["ll"] - float(np.mean(log_p_test))
    out["relF"] = fisher_divergence(
        density.grad_log_density(X_test), fitted.grad_log_density(X_test)
    )
    out["spearman"] = float(spearmanr(ll, log_p_test)[0])
    # log-density differences between random pairs of held-out points
    half = len(X_test) // 2
    exact_diff = log_p_test[:half] - log_p_test[half : 2 * half]
    out["pair_corr"] = float(np.corrcoef(ll[:half] - ll[half : 2 * half], exact_diff)[0, 1])
    run = timed(fitted.sample, cfg["n_samples"], 0)
    samples, out["sample_time"] = run.result, run.cpu
    out["low"] = low_density_fraction(density.log_prob(samples), log_p_data)
    est = fitted.extra.get("estimator")
    if est is not None:
        module = est.net_.module_

        def heat(x):
            return heat_log_likelihood(
                module, x, est.sigma_min_, est.sigma_max_, cfg["heat_levels"]
            )

        energy = est.energy_difference(X_test[:half], X_test[half : 2 * half], method="energy")
        out["energy_corr"] = float(np.corrcoef(energy, exact_diff)[0, 1])
        lh = est._apply_batched(
            heat, np.asarray(X_test, dtype=np.float64), row_cost=est._derivative_cost(3)
        )
        out["heat_delta"] = float(np.mean(lh) - np.mean(log_p_test))
        out["heat_spearman"] = float(spearmanr(lh, log_p_test)[0])
    return out


METHODS = ["ncse", "ncse_tuned", "kde", "gmm", "flow"]
LABELS = {
    "ncse": "NoiseConditionalScoreEstimator (defaults)",
    "ncse_tuned": "NoiseConditionalScoreEstimator (tuned)",
    "kde": "KernelDensity (CV bandwidth)",
    "gmm": "GaussianMixture (BIC)",
    "flow": "neural spline flow (zuko)",
}


def bench_density(name, cfg):
    label, factory = DENSITIES[name]
    density = factory()
    X = density.sample(cfg["n_train"], random_state=0)
    X_test = density.sample(cfg["n_test"], random_state=1)
    log_p_test = density.log_prob(X_test)
    log_p_data = density.log_prob(density.sample(10_000, random_state=2))
    fitters = {
        "ncse": lambda: fit_ncse(X, cfg["ncse"]),
        "ncse_tuned": lambda: fit_ncse(X, {**cfg["ncse"], **TUNED["density"][0]}),
        "kde": lambda: fit_kde(X, cfg),
        "gmm": lambda: fit_gmm(X, cfg),
        "flow": lambda: fit_flow(X, cfg),
    }
    results = {"label": label, "d": density.n_features, "truth": float(np.mean(log_p_test))}
    for method in cfg["methods"]:
        log(f"[{name}] {method} ...")
        fitted = fitters[method]()
        results[method] = evaluate(fitted, density, X_test, log_p_test, log_p_data, cfg)
        log(f"[{name}] {method}: {results[method]}")
    return results


def bench_digits(cfg):
    digits = load_digits().data
    rng = np.random.RandomState(0)
    X_all = digits + rng.uniform(size=digits.shape)
    X, X_test = train_test_split(X_all, test_size=0.2, random_state=0)
    if cfg["n_train"] < FULL["n_train"]:  # --quick
        X, X_test = X[:300], X_test[:100]
    fitters = {
        "ncse": lambda: fit_ncse(X, cfg["ncse"]),
        "ncse_tuned": lambda: fit_ncse_search(X, TUNED["digits"][0]["sigma_min"], cfg["ncse"]),
        "kde": lambda: fit_kde(X, cfg),
        "gmm": lambda: fit_gmm(X, cfg),
        "flow": lambda: fit_flow(X, cfg),
    }
    results = {"label": "digits, dequantised, 64-D", "d": 64, "n_train": len(X)}
    for method in cfg["methods"]:
        log(f"[digits] {method} ...")
        results[method] = evaluate(fitters[method](), None, X_test, None, None, cfg)
        log(f"[digits] {method}: {results[method]}")
    return results


# =========================================================================================
# Speed
# =========================================================================================


def bench_mh_kernel(cfg):
    """Chain-steps/s of skscore.sampling.metropolis_hastings driven by a DAE's float32 score,
    against a plain PyTorch loop doing the same forward passes and the same MH arithmetic."""
    X = make_manifold(2000, n_features=10, noise=0.05, random_state=0)
    dae = DenoisingAEScoreEstimator(sigma=0.1, max_epochs=1, random_state=0, device="cpu").fit(X)
    n, steps, reps = cfg["mh_chains"], cfg["mh_steps"], cfg["repeats"]
    X_init = X[:n]
    score_fn = dae._float32_score_function()
    module = dae._float32_module()
    rows = []
    for n_points in (10, 5):

        def library(n_points=n_points):
            metropolis_hastings(
                score_fn,
                X_init,
                n_steps=steps,
                burn_in=0,
                step_size=0.05,
                n_path_points=n_points,
                random_state=0,
            )

        nodes, weights = np.polynomial.legendre.leggauss(n_points)
        t = torch.tensor((nodes + 1) / 2, dtype=torch.float32)
        w = torch.tensor(weights / 2, dtype=torch.float32)

        def plain(t=t, w=w):
            gen = torch.Generator().manual_seed(0)
            x = torch.tensor(X_init, dtype=torch.float32)
            with torch.no_grad():
                for _ in range(steps):
                    delta = 0.05 * torch.randn(x.shape, generator=gen)
                    path = (x[None] + t[:, None, None] * delta[None]).reshape(-1, x.shape[1])
                    s = module(path).reshape(len(t), n, -1) / dae.sigma
                    log_ratio = torch.einsum("k,knd,nd->n", w, s, delta)
                    accept = torch.log(torch.rand(n, generator=gen)) < log_ratio
                    x = torch.where(accept[:, None], x + delta, x)

        lib_time = best_of(library, reps).cpu
        plain_time = best_of(plain, reps).cpu
        rows.append(
            {
                "n_points": n_points,
                "library": n * steps / lib_time,
                "plain": n * steps / plain_time,
                "ratio": plain_time / lib_time,
            }
        )
    return rows


def bench_demo_sampling(cfg):
    """Default sample(500) of a default model fitted on the demo data (10,000 spiral points)."""
    density = spiral_density(width=0.02)
    X = density.sample(cfg["n_train"], random_state=0)
    est = NoiseConditionalScoreEstimator(random_state=0, device="cpu", **cfg["ncse"])
    fit_time = timed(est.fit, X).cpu
    sample_time = best_of(lambda: est.sample(500, random_state=0), cfg["repeats"]).cpu
    samples = est.sample(500, random_state=0)
    log_p_data = density.log_prob(density.sample(10_000, random_state=2))
    low = low_density_fraction(density.log_prob(samples), log_p_data)
    return {"fit_time": fit_time, "sample_time": sample_time, "low": low}


# =========================================================================================
# Report
# =========================================================================================


def fmt(x, digits=3):
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "–"
    if isinstance(x, str):
        return x
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.{digits}g}" if abs(x) < 1e-3 else f"{x:.{digits}f}".rstrip("0").rstrip(".")


def report(densities, digits, mh, demo, cfg, args, elapsed):
    out = ["# Density estimation: noise-conditional score model vs KDE, GMM and a flow", ""]
    out.append(
        f"Generated {datetime.date.today().isoformat()} by `python benchmarks/bench_density.py"
        f"{' ' + shlex.join(args) if args else ''}` in {elapsed / 60:.0f} min "
        f"({platform.machine()}, {os.cpu_count()} CPUs shared with other jobs, torch "
        f"{torch.__version__}, scikit-learn {sklearn.__version__}, one torch thread). Times are "
        "CPU seconds of this process."
    )
    out += ["", __doc__.split("\n\n", 1)[1].split("Run from the repository root")[0].strip(), ""]
    out += [
        f"Tuned row (densities): {TUNED['density'][1]}. Tuned row (digits): {TUNED['digits'][1]}.",
        "",
    ]
    header = [
        "model",
        "held-out LL",
        "Δ truth",
        "rel. Fisher div.",
        "Spearman",
        "low-density frac.",
        "fit s",
        "LL s",
        "sample s",
        "notes",
    ]
    for res in densities.values():
        out += [f"## {res['label']} (exact held-out LL {fmt(res['truth'])} nats)", ""]
        rows = []
        for method in cfg["methods"]:
            r = res[method]
            rows.append(
                [
                    LABELS[method],
                    fmt(r["ll"]),
                    fmt(r["delta"]),
                    fmt(r["relF"]),
                    fmt(r["spearman"], 4),
                    fmt(r["low"]),
                    fmt(r["fit_time"]),
                    fmt(r["ll_time"]),
                    fmt(r["sample_time"]),
                    r["info"],
                ]
            )
        out += [table(header, rows), ""]
        r = res["ncse"]
        out += [
            "Heat-equation route with the default model's network (not used by "
            f"`score_samples`): Δ truth {fmt(r['heat_delta'])} nats, Spearman "
            f"{fmt(r['heat_spearman'], 4)}; probability-flow ODE (used): Δ truth "
            f"{fmt(r['delta'])}, Spearman {fmt(r['spearman'], 4)}. Correlation with the exact "
            "log-density difference between random pairs of held-out points: the energy "
            f'network (`energy_difference(method="energy")`) {fmt(r["energy_corr"], 4)}; '
            "differences of the models' log-densities (for the noise-conditional model "
            "`energy_difference`'s default, the probability-flow likelihoods) "
            + ", ".join(f"{m} {fmt(res[m]['pair_corr'], 4)}" for m in cfg["methods"])
            + ".",
            "",
        ]
    out += [f"## {digits['label']} ({digits['n_train']} training rows)", ""]
    rows = [
        [LABELS[m], fmt(digits[m]["ll"]), fmt(digits[m]["fit_time"]), digits[m]["info"]]
        for m in cfg["methods"]
    ]
    out += [table(["model", "held-out LL (nats)", "fit s", "notes"], rows), ""]
    out += ["## Summary against the targets", ""]
    rows = []
    for res in [*densities.values(), digits]:
        ll = {m: res[m]["ll"] for m in cfg["methods"]}
        d = res["d"]
        rows.append(
            [
                res["label"],
                fmt(ll["ncse"] - ll["gmm"]),
                fmt(ll["ncse"] - ll["kde"]),
                fmt((ll["ncse"] - ll["flow"]) / d, 4),
                fmt(ll["ncse_tuned"] - ll["flow"]) if "ncse_tuned" in ll else "not run",
                fmt(res["ncse"].get("relF")),
                fmt(res["kde"].get("relF")),
                fmt(res["flow"].get("relF")),
            ]
        )
    out += [
        table(
            [
                "data",
                "LL − GMM",
                "LL − KDE",
                "(LL − flow) / d",
                "tuned LL − flow",
                "relF (defaults)",
                "relF KDE",
                "relF flow",
            ],
            rows,
        ),
        "",
        "LL differences in nats (defaults unless marked tuned); positive means the "
        "noise-conditional model is better.",
        "",
    ]
    out += ["## Speed", ""]
    out.append(
        f"Path-integral Metropolis–Hastings of `skscore.sampling` with a DAE's float32 score "
        f"(256-256 tanh), {cfg['mh_chains']} chains, d = 10, {cfg['mh_steps']} steps, best of "
        f"{cfg['repeats']}; the plain loop does the same forward passes and MH arithmetic in "
        "PyTorch:"
    )
    out.append("")
    rows = [
        [
            r["n_points"],
            f"{r['library'] / 1000:.1f}k",
            f"{r['plain'] / 1000:.1f}k",
            f"{r['ratio']:.2f}",
        ]
        for r in mh
    ]
    out += [
        table(["path points", "skscore chain-steps/s", "plain loop chain-steps/s", "ratio"], rows),
        "",
    ]
    out.append(
        f"Default `sample(500)` on the demo data (spiral, width 0.02, {cfg['n_train']} points, "
        f"default model, fit {demo['fit_time']:.0f} s): {demo['sample_time']:.2f} s CPU (best of "
        f"{cfg['repeats']}); low-density fraction {demo['low']:.3f}."
    )
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run; prints only")
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument("--only", nargs="*", default=None, help="subset of the densities")
    parser.add_argument(
        "--methods", nargs="*", default=METHODS, choices=METHODS, help="subset of the models"
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    cfg = {**(QUICK if args.quick else FULL), "methods": args.methods}
    start = time.perf_counter()
    names = args.only if args.only is not None else list(DENSITIES)
    densities = {name: bench_density(name, cfg) for name in names}
    digits = bench_digits(cfg)
    log("speed ...")
    mh = bench_mh_kernel(cfg)
    demo = bench_demo_sampling(cfg)
    shown = [a for a in (argv or sys.argv[1:]) if a != "--output" and a != str(args.output)]
    text = report(densities, digits, mh, demo, cfg, shown, time.perf_counter() - start)
    print(text)
    output = args.output if args.output is not None else (None if args.quick else RESULTS)
    if output is not None:
        write_report(text, output)


if __name__ == "__main__":
    main()
