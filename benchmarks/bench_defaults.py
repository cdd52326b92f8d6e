"""Every estimator with its defaults, against tuned settings and the peer a user would pick.

A new user writes ``Estimator().fit(X)``. This benchmark runs exactly that (plus
``random_state=0``) on each task of the other benchmarks, and beside it, in the same run, the
best settings found by tuning and the scikit-learn peer a user would otherwise reach for:

- score estimation (:class:`~skscore.DenoisingAEScoreEstimator`, :class:`~skscore.RCAE`): the
  ground-truth densities of ``bench_score.py`` (spiral 2-D, closed curve 10-D, random mixture
  50-D; 10,000 training rows), relative Fisher divergence to the exact score of p; tuned = the
  best sigma of a grid (listed in the report); peers KernelDensity (bandwidth by validation
  likelihood) and GaussianMixture (n_components by BIC);
- conservative fields (:class:`~skscore.ConservativeFieldRegressor`): the 2-D sink on a
  100 x 100 grid and the 10-D field of ``bench_fields.py`` (10,000 rows), relative error to the
  exact conservative part; peers a symmetrised linear fit and scikit-learn's MLPRegressor
  fitted to the field;
- GSN chains (:class:`~skscore.GSNSampler`) on binarised digits as in ``bench_gsn.py``: Parzen
  log-likelihood of 10,000 chain states (binary centres); peer BernoulliRBM;
- threads: the README tour's fit with 1 and 2 torch threads, alternated, with the machine's
  load at each measurement.

Run from the repository root (about 40 minutes on 2 shared CPU cores)::

    OMP_NUM_THREADS=1 python benchmarks/bench_defaults.py            # writes results/defaults.md
    OMP_NUM_THREADS=1 python benchmarks/bench_defaults.py --quick    # smoke run, prints only
    OMP_NUM_THREADS=1 python benchmarks/bench_defaults.py --only threads
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import sklearn
import skorch
import torch
from sklearn.neural_network import BernoulliRBM, MLPRegressor

from skscore import RCAE, ConservativeFieldRegressor, DenoisingAEScoreEstimator, GSNSampler
from skscore._autoencoders.base import _neighbour_scale
from skscore._core.numerics import neighbour_distance
from skscore.datasets import load_binary_digits, manifold_density, spiral_density
from skscore.metrics import fisher_divergence, parzen_log_likelihood

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import Stopwatch, log, timed, write_report  # noqa: E402
from bench_fields import (  # noqa: E402
    make_field_10d,
    relative_error,
    symmetrised_linear,
    task_sink_2d,
)
from bench_score import DATASETS, fit_gmm, fit_kde  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "defaults.md"
SWEEP_RESULTS = RESULTS.with_name("defaults_sigma.md")

#: Tuned settings per estimator and task: (label, parameters, budget), fitted beside the
#: defaults. "same": the defaults' number of epochs and network; "more": more epochs, a larger
#: network or another optimizer (more fit time). Each is the best found in a sweep on the same
#: data (sigma grids of 0.5-2x the "auto" value and of 1/16-2x the local width, lr 1e-3 / 3e-3 /
#: 1e-2, 50 / 100 / 200 epochs, 64 to 256 units). Where no "same" entry is listed, the
#: defaults were the best found at their budget.
TUNED = {
    "DenoisingAEScoreEstimator": {
        name: [("tuned: 200 epochs", {"max_epochs": 200}, "more")]
        for name in ("spiral", "manifold", "mixture50")
    },
    "RCAE": {
        "spiral": [
            ("tuned: lr 3e-3", {"lr": 3e-3}, "same"),
            ("tuned: lr 3e-3, 200 epochs", {"lr": 3e-3, "max_epochs": 200}, "more"),
        ],
        "manifold": [
            ("tuned: lr 1e-2", {"lr": 1e-2}, "same"),
            ("tuned: lr 1e-2, 200 epochs", {"lr": 1e-2, "max_epochs": 200}, "more"),
        ],
        "mixture50": [
            ("tuned: sigma=0.0015625", {"sigma": 0.0015625}, "same"),
            ("tuned: sigma=0.0015625, 200 epochs", {"sigma": 0.0015625, "max_epochs": 200}, "more"),
        ],
    },
    "GSNSampler": {
        "digits": [
            (
                "tuned: 1000 epochs (the best of bench_gsn.py)",
                {"max_epochs": 1000},
                "more",
            )
        ]
    },
    "ConservativeFieldRegressor": {
        "sink": [
            ("tuned: (256, 256), lr 1e-2", {"hidden_layer_sizes": (256, 256), "lr": 1e-2}, "more"),
            (
                "tuned: full-batch L-BFGS, 20 epochs",
                {
                    "optimizer": "lbfgs",
                    "lr": 1.0,
                    "lr_schedule": "constant",
                    "max_epochs": 20,
                    "batch_size": 10_000,  # the whole grid: one batch
                },
                "more",
            ),
        ],
        "10-D": [("tuned: 200 epochs", {"max_epochs": 200}, "more")],
    },
}
FULL = {
    "n_train": 10_000,
    "datasets": ("spiral", "manifold", "mixture50"),
    "sweep_datasets": ("spiral", "manifold", "mixture50", "manifold50"),
    "n_10d": 10_000,
    "grid": 100,
    "gsn_chains": (10, 1000, 100),  # chains, states per chain, burn-in
    "rbm_iter": 200,
    "thread_repeats": 5,
    "thread_epochs": 10,
    "scale": 1,
}
QUICK = {
    "n_train": 1_000,
    "datasets": ("spiral",),
    "sweep_datasets": ("spiral",),
    "n_10d": 1_000,
    "grid": 30,
    "gsn_chains": (10, 100, 20),
    "rbm_iter": 10,
    "thread_repeats": 2,
    "thread_epochs": 1,
    "scale": 0,  # quick: every fit limited to 2 epochs
}


def quick_params(cfg, params):
    return params if cfg["scale"] else {**params, "max_epochs": 2}


# -- score estimation ----------------------------------------------------------------------
def fit_settings(cls, task, key, fit, evaluate, cfg):
    """Rows for the defaults and the tuned settings of ``cls`` on a task: ``fit(estimator)``
    fits, ``evaluate(estimator)`` returns (result, note)."""
    rows = []
    settings = [("defaults", {}, "defaults")] + TUNED[cls.__name__].get(key, [])
    for setting, params, budget in settings:
        params = quick_params(cfg, {**params, "random_state": 0})
        run = timed(fit, cls(**params))
        est, seconds = run.result, run.wall
        result, note = evaluate(est)
        rows.append((cls.__name__, task, setting, result, seconds, note, budget))
        log(f"  {rows[-1]}")
    return rows


def bench_score_task(name, cfg):
    label, make_density, _, gmm_range = DATASETS[name]
    density = make_density()
    rng = np.random.RandomState(0)  # the same draws as bench_score.py
    X_train = density.sample(cfg["n_train"], random_state=rng)
    X_valid = density.sample(2000, random_state=rng)
    X_test = density.sample(2000, random_state=rng)
    s_true = density.grad_log_density(X_test)

    def evaluate(est):
        error = fisher_divergence(s_true, est.grad_log_density(X_test))
        return error, f"sigma_={est.sigma_:.3g}"

    rows = []
    for cls in (DenoisingAEScoreEstimator, RCAE):
        rows += fit_settings(cls, label, name, lambda est: est.fit(X_train), evaluate, cfg)
    run = timed(fit_kde, X_train, X_valid, X_test)
    (_, mixture, h, _), seconds = run.result, run.wall
    err = fisher_divergence(s_true, mixture.grad_log_density(X_test))
    rows.append(
        ("peer", label, "KernelDensity (bandwidth by validation)", err, seconds, f"h={h:.3g}", "")
    )
    run = timed(fit_gmm, X_train, gmm_range)
    (_, mixture, k), seconds = run.result, run.wall
    err = fisher_divergence(s_true, mixture.grad_log_density(X_test))
    rows.append(("peer", label, "GaussianMixture (BIC)", err, seconds, f"k={k}", ""))
    log(f"  {rows[-2:]}")
    return rows


# -- conservative fields -------------------------------------------------------------------
def bench_field_tasks(cfg):
    grad_phi, A = make_field_10d()
    rng = np.random.RandomState(1)  # the same draws as bench_fields.py
    X_test = rng.normal(size=(5000, 10))
    X = rng.normal(size=(cfg["n_10d"], 10))
    tasks = {
        f"sink 2-D, {cfg['grid']}x{cfg['grid']} grid": ("sink", *task_sink_2d(cfg["grid"])),
        f"10-D, {cfg['n_10d']} rows": ("10-D", X, grad_phi(X) + X @ A.T, X_test, grad_phi(X_test)),
    }
    rows = []
    for label, (key, X, Y, X_eval, G) in tasks.items():
        rows += fit_settings(
            ConservativeFieldRegressor,
            label,
            key,
            lambda reg, X=X, Y=Y: reg.fit(X, Y),
            lambda reg, X_eval=X_eval, G=G: (relative_error(reg.predict(X_eval), G), ""),
            cfg,
        )
        run = timed(symmetrised_linear, X, Y, X_eval)
        P, seconds = run.result, run.wall
        rows.append(
            ("peer", label, "symmetrised linear fit", relative_error(P, G), seconds, "", "")
        )
        mlp = MLPRegressor(max_iter=200 if cfg["scale"] else 5, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning of the quick run
            run = timed(mlp.fit, X, Y)
            mlp, seconds = run.result, run.wall
        error = relative_error(mlp.predict(X_eval), G)
        rows.append(("peer", label, "MLPRegressor() on the field", error, seconds, "", ""))
        log(f"  {rows[-2:]}")
    return rows


# -- GSN -----------------------------------------------------------------------------------
def split_digits():
    """bench_gsn.py's split: 1097 train / 300 valid / 400 test (permutation seed 0)."""
    X, _ = load_binary_digits(return_X_y=True)
    X = X[np.random.RandomState(0).permutation(len(X))]
    return X[:1097], X[1097:1397], X[1397:]


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def rbm_states(rbm, v, n_keep, burn_in, rng):
    """Gibbs chain states of a BernoulliRBM, from a local RNG (as bench_gsn.py)."""
    states = []
    for t in range(burn_in + n_keep):
        h = rng.uniform(size=(len(v), rbm.n_components)) < _sigmoid(
            v @ rbm.components_.T + rbm.intercept_hidden_
        )
        v = (
            rng.uniform(size=v.shape) < _sigmoid(h @ rbm.components_ + rbm.intercept_visible_)
        ) * 1.0
        if t >= burn_in:
            states.append(v)
    return np.stack(states, 1).reshape(-1, v.shape[1])


def parzen(states, X_valid, X_test):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # bandwidth at the grid's edge
        return parzen_log_likelihood(states, X_test, X_valid=X_valid)


def bench_gsn_task(cfg):
    X_train, X_valid, X_test = split_digits()
    n_chains, per_chain, burn_in = cfg["gsn_chains"]
    starts = X_train[np.random.RandomState(1).randint(len(X_train), size=n_chains)]
    label = "binarised digits (1,097 rows)"

    def evaluate(gsn):
        n = n_chains * per_chain
        states = gsn.sample(n, n_chains=n_chains, burn_in=burn_in, X_init=starts, random_state=0)
        return parzen(states, X_valid, X_test), ""

    rows = fit_settings(GSNSampler, label, "digits", lambda gsn: gsn.fit(X_train), evaluate, cfg)
    rbm = BernoulliRBM(
        n_components=100, learning_rate=0.01, batch_size=10, n_iter=cfg["rbm_iter"], random_state=0
    )
    run = timed(rbm.fit, X_train)
    rbm, seconds = run.result, run.wall
    states = rbm_states(rbm, starts, per_chain, burn_in, np.random.RandomState(0))
    ll = parzen(states, X_valid, X_test)
    rows.append(("peer", label, "BernoulliRBM (100 units, Gibbs)", ll, seconds, "", ""))
    log(f"  {rows[-1]}")
    return rows


# -- sigma="auto": the rule against sigma grids ---------------------------------------------
#: sigma = factor x the "auto" value, everything else at the defaults
SWEEP_FACTORS = (0.25, 0.5, 1.0, 2.0, 4.0)
#: bench_score.py's densities and the closed curve in 50-D (same width as in 10-D)
SWEEP_DENSITIES = {
    **DATASETS,
    "manifold50": (
        "closed curve, 50-D",
        lambda: manifold_density(n_features=50, width=0.05),
        0.05,
        None,
    ),
}


def candidate_scales(X):
    """Data scales a sigma rule could start from (data units)."""
    d = X.shape[1]
    l1 = neighbour_distance(X, 1) / np.sqrt(2 * d)
    l10 = _neighbour_scale(X)
    return {
        "l1 (1st neighbour / sqrt(2d))": l1,
        "l (10th neighbour / sqrt(2d))": l10,
        "l / sqrt(d)": l10 / np.sqrt(d),
        "l / d": l10 / d,
    }


def sigma_sweep(cfg):
    """The error to the score of p over a sigma grid around the "auto" value, per density."""
    out = []
    for name in cfg["sweep_datasets"]:
        label, make_density, width, _ = SWEEP_DENSITIES[name]
        density = make_density()
        rng = np.random.RandomState(0)  # the same draws as bench_score.py
        X_train = density.sample(cfg["n_train"], random_state=rng)
        density.sample(2000, random_state=rng)  # the validation draw of bench_score.py
        X_test = density.sample(2000, random_state=rng)
        s_true = density.grad_log_density(X_test)
        result = {"label": label, "width": width, "scales": candidate_scales(X_train)}
        for cls in (DenoisingAEScoreEstimator, RCAE):
            auto = cls()._resolve_sigma(X_train)
            grid = []
            for factor in SWEEP_FACTORS:
                params = quick_params(cfg, {"sigma": factor * auto, "random_state": 0})
                est = cls(**params).fit(X_train)
                grid.append(
                    (factor * auto, fisher_divergence(s_true, est.grad_log_density(X_test)))
                )
                log(f"  sweep {name} {cls.__name__} sigma={factor * auto:.4g}: {grid[-1][1]:.4f}")
            result[cls.__name__] = (auto, grid)
        out.append(result)
    return out


def sweep_report(results):
    lines = [
        '## sigma="auto" against sigma grids',
        "",
        "Relative Fisher divergence to the score of p with the defaults and sigma = factor x "
        'the "auto" value (bold: the best of the grid; the grid step is 2x).',
        "",
        "| data | estimator | "
        + " | ".join(f"{f:g} x auto" for f in SWEEP_FACTORS)
        + " | auto / best |",
        "|---|---|" + "---|" * len(SWEEP_FACTORS) + "---|",
    ]
    best_sigma = {}
    for r in results:
        for key in ("DenoisingAEScoreEstimator", "RCAE"):
            auto, grid = r[key]
            best = min(grid, key=lambda g: g[1])
            best_sigma[(r["label"], key)] = best[0]
            cells = [
                f"{'**' if g is best else ''}{g[1]:.3f}{'**' if g is best else ''} "
                f"(sigma {g[0]:.3g})"
                for g in grid
            ]
            auto_error = dict(grid)[auto] if auto in dict(grid) else float("nan")
            lines.append(
                f"| {r['label']} | {key} | "
                + " | ".join(cells)
                + f" | {auto_error / best[1]:.2f}x |"
            )
    lines += [
        "",
        "Which data scale tracks the best sigma: for each rule form, the best sigma of the grid "
        "divided by the scale, per density. A form whose ratio is the same on every density "
        "needs one constant; with a spread s (largest over smallest ratio) a single constant "
        "misses the best sigma by a factor of at least sqrt(s) somewhere. For the RCAE the "
        "error is nearly flat below its best sigma in 10 and 50 dimensions, so there its "
        "best-of-grid sigma (and the spread) means little: the last column of the table above "
        "is what counts.",
        "",
        "| estimator | scale | " + " | ".join(r["label"] for r in results) + " | spread |",
        "|---|---|" + "---|" * len(results) + "---|",
    ]
    for key in ("DenoisingAEScoreEstimator", "RCAE"):
        for scale in results[0]["scales"]:
            ratios = [best_sigma[(r["label"], key)] / r["scales"][scale] for r in results]
            lines.append(
                f"| {key} | {scale} | "
                + " | ".join(f"{x:.3g}" for x in ratios)
                + f" | {max(ratios) / min(ratios):.1f} |"
            )
    return lines + [""]


# -- threads -------------------------------------------------------------------------------
def machine_load():
    """1-minute load average and the number of runnable processes (Linux), else None."""
    try:
        fields = Path("/proc/loadavg").read_text().split()
        return float(fields[0]), int(fields[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return os.getloadavg()[0], None


THREAD_SETTINGS = {
    "README tour: 256-256 net, batch 256": {"sigma": 0.03},
    "wide: 1024-1024 net, batch 1024": {
        "sigma": 0.03,
        "hidden_layer_sizes": (1024, 1024),
        "batch_size": 1024,
        "max_epochs": 1,
    },
}
#: OpenMP reads its wait policy when it starts: that row runs in a fresh process
PASSIVE = "README tour, OMP_WAIT_POLICY=PASSIVE"


def thread_pairs(params, repeats):
    """Fit times with 1 and 2 torch threads, back to back in each pair (the order alternating,
    so a change of the machine's load hits both), with the load measured before each pair."""
    X = spiral_density(width=0.02).sample(10_000, random_state=0)
    threads_before = torch.get_num_threads()
    pairs = []
    try:
        torch.set_num_threads(1)
        DenoisingAEScoreEstimator(**{**params, "max_epochs": 1}).fit(X[:1000])  # warm-up
        for rep in range(repeats):
            pair = {}
            load = machine_load()
            for n_threads in (1, 2) if rep % 2 == 0 else (2, 1):
                torch.set_num_threads(n_threads)
                run = timed(DenoisingAEScoreEstimator(**params).fit, X)
                pair[n_threads] = (run.wall, run.cpu)
            pairs.append((load, pair))
            log(f"  threads: load {load}, {pair}")
    finally:
        torch.set_num_threads(threads_before)
    return pairs


def bench_threads(cfg):
    """The README tour's DAE and a wide one with 1 and 2 torch threads; the tour again in a
    fresh process with OpenMP's passive wait policy (threads sleep instead of spinning)."""
    results = {}
    for label, params in THREAD_SETTINGS.items():
        params = {"max_epochs": cfg["thread_epochs"], "random_state": 0, **params}
        results[label] = thread_pairs(params, cfg["thread_repeats"])
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    args = [sys.executable, __file__, "--threads-child", json.dumps(cfg)]
    child = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
    pairs = json.loads(child.stdout.splitlines()[-1])
    results[PASSIVE] = [(tuple(load), {int(k): v for k, v in pair.items()}) for load, pair in pairs]
    return results


def threads_child(cfg):
    """Run in a fresh process: the README tour's pairs, printed as JSON."""
    torch.set_num_threads(1)
    params = {"max_epochs": cfg["thread_epochs"], "random_state": 0, "sigma": 0.03}
    print(json.dumps(thread_pairs(params, cfg["thread_repeats"])))


# -- report --------------------------------------------------------------------------------
def fmt(value):
    if isinstance(value, str):
        return value
    return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"


def compare(default, tuned, higher_is_better):
    """How the defaults stand against a tuned result: a ratio of errors, or nats."""
    if higher_is_better:
        return f"{default - tuned:+.2f} nats"
    return f"{default / tuned:.2f}x"


def summary_rows(rows, higher_is_better=False):
    """One line per estimator and task: defaults, the best tuned result at the same budget
    and with more budget, and the peers."""
    best = max if higher_is_better else min
    out = []
    for estimator in dict.fromkeys(r[0] for r in rows if r[0] != "peer"):
        for task in dict.fromkeys(r[1] for r in rows if r[0] == estimator):
            mine = [r for r in rows if r[0] == estimator and r[1] == task]
            default = next(r for r in mine if r[6] == "defaults")
            cells = []
            for budget in ("same", "more"):
                tuned = [r for r in mine if r[6] == budget]
                if not tuned:
                    cells.append("the defaults" if budget == "same" else "–")
                    continue
                top = best(tuned, key=lambda r: r[3])
                cells.append(
                    f"{fmt(top[3])} ({top[2].removeprefix('tuned: ')}; {top[4]:.0f} s) "
                    f"→ defaults {compare(default[3], top[3], higher_is_better)}"
                )
            peers = "; ".join(
                f"{r[2].split(' (')[0]} {fmt(r[3])}"
                for r in rows
                if r[0] == "peer" and r[1] == task
            )
            out.append(
                f"| {estimator} | {task} | **{fmt(default[3])}** ({default[4]:.0f} s) | "
                f"{cells[0]} | {cells[1]} | {peers} |"
            )
    return out


def rows_table(rows, value="error"):
    lines = [
        f"| estimator | task | setting | {value} | fit (s) | resolved |",
        "|---|---|---|---|---|---|",
    ]
    for estimator, task, setting, result, seconds, note, _ in rows:
        lines.append(
            f"| {estimator} | {task} | {setting} | {fmt(result)} | {seconds:.1f} | {note} |"
        )
    return lines


def threads_table(results):
    lines = [
        "| fit | pairs | load average before each pair (runnable processes) | 1 thread: wall s "
        "(CPU s) | 2 threads: wall s (CPU s) | speed-up of 2 threads per pair: median "
        "(min–max) |",
        "|---|---|---|---|---|---|",
    ]
    for label, pairs in results.items():
        one, two = ([p[n] for _, p in pairs] for n in (1, 2))
        ratios = [p[1][0] / p[2][0] for _, p in pairs]
        loads = ", ".join(f"{a:.1f} ({b})" for (a, b), _ in pairs)
        lines.append(
            f"| {label} | {len(pairs)} | {loads} | {np.median([w for w, _ in one]):.2f} "
            f"({np.median([c for _, c in one]):.2f}) | {np.median([w for w, _ in two]):.2f} "
            f"({np.median([c for _, c in two]):.2f}) | **{np.median(ratios):.2f}x** "
            f"({min(ratios):.2f}–{max(ratios):.2f}) |"
        )
    return lines


def report(sections, cfg, elapsed, load_start, load_end):
    lines = [
        "# Defaults against tuned settings and peers (`benchmarks/bench_defaults.py`)",
        "",
        f"- date: {datetime.date.today().isoformat()}; total {elapsed / 60:.1f} min; load "
        f"average {load_start[0]:.1f} at start, {load_end[0]:.1f} at the end (2 CPU cores "
        "shared with other jobs: fit times are indicative only)",
        f"- machine: {platform.platform()}, torch {torch.__version__} "
        f"({torch.get_num_threads()} thread), skorch {skorch.__version__}, "
        f"scikit-learn {sklearn.__version__}; no GPU used",
        "- defaults: `Estimator(random_state=0).fit(X)`, nothing else set; tuned: the best "
        "settings found in sweeps on the same data (bench_defaults.py's `TUNED`: sigma grids, "
        "lr 1e-3 / 3e-3 / 1e-2, 50 to 200 epochs, 32 to 256 units; the GSN and L-BFGS settings "
        "of bench_gsn.py and bench_fields.py); every row is fitted in this run with "
        "`random_state=0`",
        "",
    ]
    summary = []
    for key, higher in (("score", False), ("fields", False), ("gsn", True)):
        if key in sections:
            summary += summary_rows(sections[key], higher_is_better=higher)
    if summary:
        lines += [
            "## Summary: defaults against tuned",
            "",
            "Errors (lower is better; for GSNSampler a log-likelihood in nats, higher is "
            "better) with fit times. Tuned at the same budget: the defaults' epochs and "
            "network; with more budget: more epochs, a larger network or another optimizer. "
            "`→ defaults 1.20x`: the defaults' error is 1.20 times the tuned one.",
            "",
            "| estimator | task | defaults | tuned, same budget | tuned, more budget | peers |",
            "|---|---|---|---|---|---|",
            *summary,
            "",
        ]
    if "score" in sections:
        lines += [
            "## Score estimation: relative Fisher divergence to the score of p (lower is better)",
            "",
            f"{cfg['n_train']:,} training rows of the ground-truth densities of bench_score.py, "
            "2,000 test rows; `E||s_hat - s||^2 / E||s||^2` (1 = predicting zero).",
            "",
            *rows_table(sections["score"]),
            "",
        ]
    if "fields" in sections:
        lines += [
            "## Conservative fields: relative error to the exact conservative part "
            "(lower is better)",
            "",
            *rows_table(sections["fields"]),
            "",
            "MLPRegressor learns the whole field (it cannot separate the rotation), so its error "
            "is about the size of the rotational part.",
            "",
        ]
    if "gsn" in sections:
        n_chains, per_chain, burn_in = cfg["gsn_chains"]
        lines += [
            "## GSN chains on binarised digits (higher is better)",
            "",
            f"Split and measure of bench_gsn.py: {n_chains} chains x {per_chain:,} states after "
            f"{burn_in} burn-in steps from random training rows; Parzen log-likelihood of the "
            "test rows with the states as centres (binary), bandwidth chosen on the validation "
            "rows.",
            "",
            *rows_table(sections["gsn"], value="log-likelihood (nats)"),
            "",
        ]
    if "threads" in sections:
        lines += [
            "## Threads: fit time with 1 and 2 torch threads",
            "",
            "The README tour's `DenoisingAEScoreEstimator(sigma=0.03)` on 10,000 spiral rows "
            f"({cfg['thread_epochs']} epoch(s)), and a wide net (1 epoch); 1 and 2 threads "
            "back to back in each pair, the order alternating. Speed-up > 1: 2 threads faster. "
            "The machine's 2 cores are shared with other jobs throughout (an idle machine "
            "could not be had); the load is measured before each pair. The last row runs the "
            "tour in a fresh process with `OMP_WAIT_POLICY=PASSIVE`: OpenMP threads that wait "
            "for a busy core then sleep instead of spinning (spinning shows as CPU time far "
            "above the 1-thread fit's).",
            "",
            *threads_table(sections["threads"]),
            "",
        ]
    if "sweep" in sections:
        lines += sweep_report(sections["sweep"])
    return "\n".join(lines) + "\n"


SECTIONS = ("score", "fields", "gsn", "threads", "sweep")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=SECTIONS,
        default=list(SECTIONS[:-1]),
        help="sections to run (default: all but sweep, which writes results/defaults_sigma.md)",
    )
    parser.add_argument("--output", type=Path, default=None, help="markdown file to write")
    parser.add_argument("--threads-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.threads_child:
        return threads_child(json.loads(args.threads_child))
    cfg = QUICK if args.quick else FULL
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    load_start = os.getloadavg()
    clock = Stopwatch()
    sections = {}
    if "score" in args.only:
        sections["score"] = []
        for name in cfg["datasets"]:
            clock.log(f"score: {name}")
            sections["score"] += bench_score_task(name, cfg)
    if "fields" in args.only:
        clock.log("fields")
        sections["fields"] = bench_field_tasks(cfg)
    if "gsn" in args.only:
        clock.log("gsn")
        sections["gsn"] = bench_gsn_task(cfg)
    if "threads" in args.only:
        clock.log("threads")
        sections["threads"] = bench_threads(cfg)
    if "sweep" in args.only:
        clock.log("sigma sweep")
        sections["sweep"] = sigma_sweep(cfg)
    text = report(sections, cfg, clock.seconds, load_start, os.getloadavg())
    print(text)
    default_output = SWEEP_RESULTS if args.only == ["sweep"] else RESULTS
    output = args.output or (None if args.quick else default_output)
    if output is not None:
        write_report(text, output)


if __name__ == "__main__":
    main()
