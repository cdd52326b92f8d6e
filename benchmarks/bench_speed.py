"""Speed and accuracy of NoiseConditionalScoreEstimator.score_samples, old route against new.

The new route (``score_samples`` since the whitened-coordinates solver): the Gaussian limit's
part of the probability-flow ODE integrated exactly, the network's score and exact divergence
from one forward jet, 8 RK4 steps in log sigma. The old route, re-implemented here as the
baseline: RK4 with 16 steps in ``u = log sigma`` on x itself, ``dx/du = -sigma^2 s(x, sigma)``,
``d log p / du = sigma^2 div s`` with the exact divergence from d vector-Jacobian products of
the score (double backward), result ``log N(x(sigma_max); m, C + sigma_max^2 I) - integral``.

Three parts, all in one run, one torch thread, times in CPU seconds of this process (wall
seconds beside them; the machine may be shared):

1. likelihood cost per 1,000 held-out points (digits: per 360) of both routes, of a neural
   spline flow's ``log_prob`` (fitted as in ``bench_density.py``), GaussianMixture and
   KernelDensity; accuracy of each route against a 64-step solve of the same network;
2. normalisation: ``exp(score_samples)`` summed on a 2-D grid, and ``E_q[p / q]`` by
   importance sampling from a GaussianMixture proposal in 10-D and 20-D;
3. fit time against held-out log-likelihood at step budgets 2000, 4000 and 12000 on 10,000
   spiral points (the demo's data) and 10,000 ring points.

Run from the repository root (about 40 minutes on a shared 2-core machine)::

    OMP_NUM_THREADS=1 python benchmarks/bench_speed.py           # writes results/speed.md
    OMP_NUM_THREADS=1 python benchmarks/bench_speed.py --quick   # smoke run, prints only

Needs zuko (the ``density-bench`` extra).
"""

import datetime
import math
import platform
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
import torch
from sklearn.datasets import load_digits
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KernelDensity
from sklearn.preprocessing import StandardScaler

from skscore import NoiseConditionalScoreEstimator
from skscore._core.autodiff import jacobian_trace_and_frobenius
from skscore._noise_conditional.likelihood import (
    LIKELIHOOD_ODE_STEPS,
    _rk4_step,
    flow_log_likelihood,
)
from skscore.datasets import RingDensity, RotatedBananasDensity, StudentTDensity, spiral_density

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import Stopwatch, Timing, argument_parser, best_of, table, timed, write_report  # noqa: E402
from bench_density import fit_flow  # noqa: E402

#: Steps of the old route (``LIKELIHOOD_ODE_STEPS`` before the whitened solver).
OLD_ROUTE_STEPS = 16
#: Steps of the reference solve both routes are measured against.
REFERENCE_STEPS = 64
#: The issue's targets: CPU seconds per evaluation unit, ratio to the flow, error in nats.
TARGET_FLOW_RATIO = 20.0
TARGET_ERROR = 0.02
TARGET_NORMALISATION = {"grid": 0.01, "importance": 0.02}

DATASETS = {
    "ring": ("ring, 2-D", lambda: RingDensity(radius=1.0, width=0.1), 0.5),
    "bananas": ("rotated bananas, 10-D", lambda: RotatedBananasDensity(n_bananas=5), 2.0),
    "student": ("Student-t (df 5), 20-D", lambda: StudentTDensity(n_features=20, df=5.0), 5.0),
    "digits": ("digits, dequantised, standardised, 64-D", None, 10.0),
}
#: The importance-sampling checks of part 2.
IMPORTANCE_DATA = ("bananas", "student")
PARTS = ("likelihood", "normalisation", "budgets")
BUDGET_DATA = {
    "spiral": ("spiral (width 0.02), the demo's data", lambda: spiral_density(width=0.02)),
    "ring": ("ring (radius 1, width 0.1)", lambda: RingDensity(radius=1.0, width=0.1)),
}

FULL = {
    "n_train": 3_000,
    "n_test": 1_000,
    "unit": 1_000,
    "ncse": {},
    "fit_steps": 1_920,
    "flow_epochs": 200,
    "gmm_components": 10,
    "accuracy_steps": (4, 6, 8, 12),
    "confirm_rows": 100,
    "repeats": 2,
    "grid_points": 160,
    "proposal_draws": 20_000,
    "budget_train": 10_000,
    "budget_test": 2_000,
    "budgets": (2_000, 4_000, 12_000),
}
QUICK = {
    **FULL,
    "n_train": 400,
    "n_test": 60,
    "ncse": {"hidden_layer_sizes": (32, 32)},
    "fit_steps": 30,
    "flow_epochs": 2,
    "gmm_components": 3,
    "confirm_rows": 20,
    "repeats": 1,
    "grid_points": 30,
    "proposal_draws": 500,
    "budget_train": 500,
    "budget_test": 100,
    "budgets": (20, 40),
}


# =========================================================================================
# The two likelihood routes on one fitted estimator
# =========================================================================================


def old_route_log_likelihood(module, x, sigma_min, sigma_max, n_steps=OLD_ROUTE_STEPS):
    """The old ``flow_log_likelihood``: RK4 in log sigma on x itself, exact divergence from
    d vector-Jacobian products of the score (the baseline)."""
    u0, u1 = math.log(sigma_min), math.log(sigma_max)
    h = (u1 - u0) / n_steps

    def rhs(x_u, u):
        sigma = math.exp(u)
        score, divergence, _ = jacobian_trace_and_frobenius(
            lambda z: module.score(z, sigma, create_graph=True), x_u, None
        )
        return -(sigma**2) * score.detach(), sigma**2 * divergence.detach()

    integral = torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)
    for step in range(n_steps):
        x, increment = _rk4_step(rhs, x, u0 + step * h, h)
        integral = integral + increment
    return module.gaussian_log_prob(x, sigma_max) - integral


def log_likelihood(est, X, route, n_steps):
    """``log p_sigma_min(X)`` of a fitted estimator by ``route`` ("new" or "old") with
    ``n_steps`` RK4 steps, in the estimator's own chunks of rows."""
    module = est.net_.module_
    solver = flow_log_likelihood if route == "new" else old_route_log_likelihood

    def chunk(x):
        return solver(module, x, est.sigma_min_, est.sigma_max_, n_steps)

    X = np.asarray(X, dtype=np.float64)
    return est._apply_batched(chunk, X, row_cost=est._derivative_cost(X.shape[1] + 1))


# =========================================================================================
# Data and models
# =========================================================================================


def epochs_for(steps, n_rows, batch_size=128):
    """``max_epochs`` that gives about ``steps`` optimizer steps on ``n_rows`` rows."""
    return math.ceil(steps / math.ceil(n_rows / batch_size))


def density_split(name, cfg):
    """Training and held-out rows of a dataset (and its exact density, None for digits)."""
    if name == "digits":
        digits = load_digits().data
        dequantised = digits + np.random.RandomState(0).uniform(size=digits.shape)
        X, X_test = train_test_split(dequantised, test_size=0.2, random_state=0)
        scaler = StandardScaler().fit(X)
        X, X_test = scaler.transform(X), scaler.transform(X_test)
        if cfg is QUICK:
            X, X_test = X[:200], X_test[:40]
        return None, X, X_test
    density = DATASETS[name][1]()
    return (
        density,
        density.sample(cfg["n_train"], random_state=0),
        density.sample(cfg["n_test"], random_state=1),
    )


def fit_estimator(X, steps, cfg):
    """The default NoiseConditionalScoreEstimator with about ``steps`` optimizer steps; the
    fitted estimator and the fit's Timing."""
    est = NoiseConditionalScoreEstimator(
        max_epochs=epochs_for(steps, len(X)), random_state=0, device="cpu", **cfg["ncse"]
    )
    return est, timed(est.fit, X)


def fit_references(X, cfg):
    """A full-covariance GaussianMixture and a Gaussian KernelDensity (Scott's bandwidth on
    standardised data), both callables X -> log-density in data units."""
    gmm = GaussianMixture(cfg["gmm_components"], covariance_type="full", random_state=0).fit(X)
    scaler = StandardScaler().fit(X)
    kde = KernelDensity(bandwidth=len(X) ** (-1.0 / (X.shape[1] + 4))).fit(scaler.transform(X))
    log_jacobian = -float(np.log(scaler.scale_).sum())
    return gmm, lambda Z: kde.score_samples(scaler.transform(Z)) + log_jacobian


# =========================================================================================
# 1. Likelihood cost and accuracy
# =========================================================================================


def per_unit(timing, n_rows, unit):
    return {"cpu": timing.cpu * unit / n_rows, "wall": timing.wall * unit / n_rows}


@dataclass
class Models:
    """The models fitted to one dataset's training rows."""

    est: NoiseConditionalScoreEstimator
    fit: Timing
    flow: Any  # bench_density.Fitted
    gmm: GaussianMixture
    kde: Callable[[np.ndarray], np.ndarray]


def fit_models(name, X, cfg, clock):
    """The estimator (about ``fit_steps`` steps), the flow and the two references."""
    clock.log(f"[{name}] fit the estimator ({len(X)} rows)")
    est, fit = fit_estimator(X, cfg["fit_steps"], cfg)
    clock.log(f"[{name}] fit {fit.cpu:.0f} CPU s; the flow")
    flow = fit_flow(X, {"flow_epochs": cfg["flow_epochs"]})
    return Models(est, fit, flow, *fit_references(X, cfg))


def bench_likelihood(name, X, X_test, models, cfg, clock):
    """Cost and accuracy of both routes on one dataset, with the references' costs."""
    label, _, target = DATASETS[name]
    est, fit, flow, gmm, kde = (getattr(models, f.name) for f in fields(Models))
    unit = 360 if name == "digits" else cfg["unit"]
    n = len(X_test)
    out = {"label": label, "d": X.shape[1], "unit": unit, "target": target, "n_train": len(X)}
    out.update(n_epochs=est.n_epochs_, steps=est.n_epochs_ * math.ceil(len(X) / 128))
    out.update(fit_cpu=fit.cpu, flow_fit_cpu=flow.fit_time, flow_info=flow.info)
    out["sigma"] = (est.sigma_min_, est.sigma_max_)
    clock.log(f"[{name}] time the routes")
    new = best_of(lambda: est.score_samples(X_test), cfg["repeats"])
    old = timed(log_likelihood, est, X_test, "old", OLD_ROUTE_STEPS)
    out["new"], out["old"] = per_unit(new, n, unit), per_unit(old, n, unit)
    out["flow"] = per_unit(best_of(lambda: flow.log_prob(X_test), cfg["repeats"]), n, unit)
    out["gmm"] = per_unit(best_of(lambda: gmm.score_samples(X_test), cfg["repeats"]), n, unit)
    out["kde"] = per_unit(best_of(lambda: kde(X_test), cfg["repeats"]), n, unit)
    clock.log(f"[{name}] accuracy against {REFERENCE_STEPS} steps")
    reference = log_likelihood(est, X_test, "new", REFERENCE_STEPS)
    out["new_err"] = float(np.mean(np.abs(new.result - reference)))
    out["old_err"] = float(np.mean(np.abs(old.result - reference)))
    out["steps_err"] = {
        k: float(np.mean(np.abs(log_likelihood(est, X_test, "new", k) - reference)))
        for k in cfg["accuracy_steps"]
    }
    rows = slice(0, cfg["confirm_rows"])
    old_reference = log_likelihood(est, X_test[rows], "old", REFERENCE_STEPS)
    out["reference_agreement"] = float(np.mean(np.abs(old_reference - reference[rows])))
    out["confirm_rows"] = len(old_reference)
    out["ll"] = {
        "new": float(np.mean(new.result)),
        "flow": float(np.mean(flow.log_prob(X_test))),
        "gmm": float(np.mean(gmm.score_samples(X_test))),
    }
    clock.log(f"[{name}] {out}")
    return out


# =========================================================================================
# 2. Normalisation
# =========================================================================================


def grid_integral(est, X, cfg):
    """``sum exp(score_samples) h^2`` on a square grid covering the data with a margin."""
    low, high = X.min(0) - 1.0, X.max(0) + 1.0
    axes = [np.linspace(a, b, cfg["grid_points"]) for a, b in zip(low, high, strict=True)]
    u, v = np.meshgrid(*axes)
    grid = np.column_stack([u.ravel(), v.ravel()])
    cell = (axes[0][1] - axes[0][0]) * (axes[1][1] - axes[1][0])
    run = timed(est.score_samples, grid)
    return {
        "total": float(np.exp(run.result).sum() * cell),
        "box": (low, high),
        "points": len(grid),
        "cpu": run.cpu,
    }


def proposals(models, cfg):
    """Draws from the two proposals, the GaussianMixture and the flow, with their exact
    log-densities: ``{name: (draws, log_q)}``."""
    n = cfg["proposal_draws"]
    gmm_draws, _ = models.gmm.sample(n)
    flow_draws = models.flow.sample(n, 0)
    return {
        f"GaussianMixture ({models.gmm.n_components} components)": (
            gmm_draws,
            models.gmm.score_samples(gmm_draws),
        ),
        "neural spline flow": (flow_draws, models.flow.log_prob(flow_draws)),
    }


def importance_integral(est, draws, log_q):
    """``E_q[p / q]`` from draws of a proposal q and their ``log q``: the estimate, its
    standard error and the effective sample size of the weights."""
    run = timed(est.score_samples, draws)
    w = np.exp(run.result - log_q)
    return {
        "total": float(w.mean()),
        "se": float(w.std(ddof=1) / math.sqrt(len(w))),
        "ess": float(w.sum() ** 2 / (w**2).sum()),
        "draws": len(w),
        "cpu": run.cpu,
    }


# =========================================================================================
# 3. Fit time against held-out log-likelihood
# =========================================================================================


def bench_budgets(name, cfg, clock):
    label, make = BUDGET_DATA[name]
    density = make()
    X = density.sample(cfg["budget_train"], random_state=0)
    X_test = density.sample(cfg["budget_test"], random_state=1)
    exact = float(np.mean(density.log_prob(X_test)))
    rows = []
    for steps in cfg["budgets"]:
        clock.log(f"[budget {name}] {steps} steps")
        est, fit = fit_estimator(X, steps, cfg)
        ll = float(np.mean(est.score_samples(X_test)))
        done = est.n_epochs_ * math.ceil(len(X) / 128)
        rows.append(
            {"steps": steps, "epochs": est.n_epochs_, "done": done, "cpu": fit.cpu}
            | {"wall": fit.wall, "ll": ll, "delta": ll - exact}
        )
        clock.log(f"[budget {name}] {rows[-1]}")
    return {"label": label, "exact": exact, "rows": rows, "n": len(X), "n_test": len(X_test)}


# =========================================================================================
# Report
# =========================================================================================


def fmt(x, digits=3):
    if x == 0 or not np.isfinite(x):
        return str(x)
    return f"{x:.{digits}g}" if abs(x) < 1e-2 else f"{x:.{digits}f}".rstrip("0").rstrip(".")


def verdict(ok):
    return "met" if ok else "**not met**"


def estimate_verdict(estimate, standard_error, tolerance):
    """Whether ``|estimate - 1| <= tolerance`` holds (or fails) at two standard errors."""
    miss = abs(estimate - 1)
    if miss + 2 * standard_error <= tolerance:
        return "met"
    if miss - 2 * standard_error > tolerance:
        return "**not met**"
    return "inconclusive"


def likelihood_section(results):
    out = [
        "## 1. Likelihood cost and accuracy",
        "",
        "CPU seconds per 1,000 held-out points (digits: per 360, the held-out split), one "
        "thread; `speed-up` = old / new, `new/flow` = new / the flow's `log_prob`. `|err|`: mean "
        f"absolute difference per point (nats) from a {REFERENCE_STEPS}-step solve of the same "
        f"network by the new route. New route: `score_samples` ({LIKELIHOOD_ODE_STEPS} steps); "
        f"old route: {OLD_ROUTE_STEPS} steps on x with vector-Jacobian products.",
        "",
    ]
    header = ["data", "d", "new s/unit", "old s/unit", "speed-up", "flow s/unit", "new/flow"]
    header += ["new \\|err\\|", "old \\|err\\|"]
    rows = []
    for r in results:
        ratio = r["new"]["cpu"] / r["flow"]["cpu"]
        rows.append(
            [r["label"], r["d"], fmt(r["new"]["cpu"]), fmt(r["old"]["cpu"])]
            + [f"{r['old']['cpu'] / r['new']['cpu']:.1f}x", fmt(r["flow"]["cpu"])]
            + [f"{ratio:.1f}x", fmt(r["new_err"]), fmt(r["old_err"])]
        )
    out += [table(header, rows), ""]
    out += ["Against the issue's targets:", ""]
    header = ["data", "new s/unit", "target", "", "new/flow", "target", "", "new \\|err\\|"]
    header += ["target", ""]
    rows = []
    for r in results:
        ratio = r["new"]["cpu"] / r["flow"]["cpu"]
        rows.append(
            [r["label"], fmt(r["new"]["cpu"]), f"<= {r['target']:g} s"]
            + [verdict(r["new"]["cpu"] <= r["target"]), f"{ratio:.1f}x"]
            + [f"<= {TARGET_FLOW_RATIO:g}x", verdict(ratio <= TARGET_FLOW_RATIO)]
            + [fmt(r["new_err"]), f"<= {TARGET_ERROR:g}", verdict(r["new_err"] <= TARGET_ERROR)]
        )
    out += [table(header, rows), ""]
    out += ["Wall-clock seconds per unit (the machine is shared: noisier than CPU time):", ""]
    header = ["data", "new", "old", "flow", "GaussianMixture", "KernelDensity"]
    rows = [
        [r["label"]] + [fmt(r[k]["wall"]) for k in ("new", "old", "flow", "gmm", "kde")]
        for r in results
    ]
    out += [table(header, rows), ""]
    out += ["References, CPU seconds per unit, and the fits:", ""]
    header = ["data", "GaussianMixture", "KernelDensity", "training rows", "estimator fit"]
    header += ["flow fit", "sigma range", "held-out LL: new / flow / GMM"]
    rows = [
        [r["label"], fmt(r["gmm"]["cpu"]), fmt(r["kde"]["cpu"]), r["n_train"]]
        + [f"{r['steps']} steps ({r['n_epochs']} epochs), {r['fit_cpu']:.0f} s"]
        + [f"{r['flow_info']}, {r['flow_fit_cpu']:.0f} s"]
        + [f"[{fmt(r['sigma'][0])}, {fmt(r['sigma'][1])}]"]
        + [" / ".join(fmt(r["ll"][k]) for k in ("new", "flow", "gmm"))]
        for r in results
    ]
    out += [table(header, rows), ""]
    steps = list(results[0]["steps_err"])
    out += [
        f"Mean \\|error\\| of the new route by step count (against {REFERENCE_STEPS} steps), and "
        f"the check that the reference is the ODE's solution: mean \\|difference\\| of the old "
        f"route at {REFERENCE_STEPS} steps from the new route at {REFERENCE_STEPS} steps "
        "(first rows of the held-out set):",
        "",
    ]
    header = [
        "data",
        *[f"{k} steps" for k in steps],
        f"old {REFERENCE_STEPS} vs new {REFERENCE_STEPS}",
    ]
    rows = [
        [r["label"], *[fmt(r["steps_err"][k]) for k in steps]]
        + [f"{fmt(r['reference_agreement'])} ({r['confirm_rows']} rows)"]
        for r in results
    ]
    return out + [table(header, rows), ""]


def normalisation_section(grid, importance):
    out = ["## 2. Normalisation", ""]
    if grid is not None:
        low, high = grid["box"]
        box = " x ".join(f"[{a:.2f}, {b:.2f}]" for a, b in zip(low, high, strict=True))
        ok = abs(grid["total"] - 1) <= TARGET_NORMALISATION["grid"]
        out += [
            f"2-D ring model: `exp(score_samples)` summed on a {grid['points']}-point grid over "
            f"{box} (the data's box plus 1 on each side): **{grid['total']:.4f}** (target 1 +- "
            f"{TARGET_NORMALISATION['grid']:g}: {verdict(ok)}; {grid['cpu']:.0f} CPU s).",
            "",
        ]
    if importance:
        out += [
            "Importance sampling, `E_q[p / q]` with p = `exp(score_samples)` and q a model "
            "fitted to the same training rows (the references of part 1), standard error "
            "`std(p / q) / sqrt(draws)`, effective sample size `(sum w)^2 / sum w^2`; "
            "`met` / `not met` only where the estimate +- 2 standard errors lies inside / "
            "outside the target band, else `inconclusive`:",
            "",
        ]
        header = ["data", "proposal", "draws", "estimate", "standard error", "ESS", "target", ""]
        rows = []
        for (label, proposal), r in importance.items():
            rows.append(
                [label, proposal, r["draws"], f"{r['total']:.4f}", f"{r['se']:.4f}"]
                + [f"{r['ess']:.0f}", f"1 +- {TARGET_NORMALISATION['importance']:g}"]
                + [estimate_verdict(r["total"], r["se"], TARGET_NORMALISATION["importance"])]
            )
        out += [table(header, rows), ""]
    return out


def budget_section(budgets):
    out = [
        "## 3. Fit time against held-out log-likelihood",
        "",
        "Default estimator, `max_epochs = ceil(steps / ceil(n / batch_size))`; the default rule "
        "(`max_epochs='auto'`: 2 steps per row clipped to [2000, 12000]) gives 12000 steps at "
        "10,000 rows. CPU seconds of the fit, held-out mean log-likelihood (nats) and its "
        "difference from the exact mean log-density of the same rows.",
        "",
    ]
    for b in budgets.values():
        out += [
            f"{b['label']}: {b['n']} training rows, {b['n_test']} held out, exact mean "
            f"log-density {b['exact']:.3f}.",
            "",
        ]
        header = ["step budget", "epochs", "steps run", "fit CPU s", "fit wall s"]
        header += ["held-out LL", "LL - exact"]
        rows = [
            [r["steps"], r["epochs"], r["done"], f"{r['cpu']:.0f}", f"{r['wall']:.0f}"]
            + [f"{r['ll']:.3f}", f"{r['delta']:.3f}"]
            for r in b["rows"]
        ]
        out += [table(header, rows), ""]
    return out


def report(likelihood, grid, importance, budgets, args, elapsed):
    when = datetime.date.today().isoformat()
    command = shlex.join(["python", "benchmarks/bench_speed.py", *args.argv])
    out = [
        "# Likelihood speed of NoiseConditionalScoreEstimator: old route against new",
        "",
        f"Generated {when} by `{command}` in {elapsed / 60:.0f} min ({platform.machine()}, "
        f"shared CPUs, torch {torch.__version__}, scikit-learn {sklearn.__version__}, one torch "
        "thread). Times are CPU seconds of this process (the stable measure on a shared "
        "machine: ratios use them), wall seconds where said.",
        "",
    ]
    if likelihood:
        out += likelihood_section(likelihood)
    if grid is not None or importance:
        out += normalisation_section(grid, importance)
    if budgets:
        out += budget_section(budgets)
    return "\n".join(out)


def main(argv=None):
    parser = argument_parser(__doc__)
    parser.add_argument("--only-spiral", action="store_true", help="part 3 on the spiral only")
    parser.add_argument(
        "--parts", nargs="+", choices=PARTS, default=list(PARTS), help="parts to run (all)"
    )
    parser.add_argument("--report", type=Path, help="where to write (results/speed.md)")
    args = parser.parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else list(argv)
    cfg = QUICK if args.quick else FULL
    torch.set_num_threads(1)
    clock = Stopwatch()
    likelihood, models, importance, budgets, grid = [], {}, {}, {}, None

    def save(final=False):
        text = report(likelihood, grid, importance, budgets, args, clock.seconds)
        if not args.quick:
            write_report(text, args.report or "speed")
        elif final:
            print(text)

    normalised = ("ring", *IMPORTANCE_DATA) if "normalisation" in args.parts else ()
    for name in DATASETS if "likelihood" in args.parts else normalised:
        _, X, X_test = density_split(name, cfg)
        models[name] = fit_models(name, X, cfg, clock)
        if "likelihood" in args.parts:
            likelihood.append(bench_likelihood(name, X, X_test, models[name], cfg, clock))
            save()
    if normalised:
        clock.log("[normalisation] grid")
        grid = grid_integral(models["ring"].est, density_split("ring", cfg)[1], cfg)
        for name in IMPORTANCE_DATA:
            for proposal, (draws, log_q) in proposals(models[name], cfg).items():
                clock.log(f"[normalisation] importance sampling, {name}, {proposal}")
                result = importance_integral(models[name].est, draws, log_q)
                importance[DATASETS[name][0], proposal] = result
                clock.log(f"[normalisation] {result}")
        save()
    budget_data = ["spiral"] if args.only_spiral else list(BUDGET_DATA)
    for name in budget_data if "budgets" in args.parts else []:
        budgets[name] = bench_budgets(name, cfg, clock)
        save()
    save(final=True)
    clock.log("done")


if __name__ == "__main__":
    main()
