"""Benchmark of NoiseConditionalScoreEstimator on real data sets and learning curves.

Real data: every data set bundled with scikit-learn whose features are continuous, or can be
made so below their recording resolution:

- iris (150 x 4), plus uniform jitter U(-0.05, 0.05) cm (the measurements are rounded to
  0.1 cm);
- wine (178 x 13), as is;
- breast cancer (569 x 30), ``log1p`` of the features;
- diabetes (442 x 9), the unscaled features without ``sex`` (binary: a continuous density on
  two values grows without bound), every other feature dequantised with U(-r/2, r/2) at its
  recording resolution r (age, bp, s1, s3, s6: 1; bmi, s2: 0.1; s4: 0.01; s5: 1e-4);
- digits (1797 x 64), pixel + U(0, 1).

Not used: linnerud (20 rows: 4 held-out rows per split, and 2 validation rows for the flow's
early stopping; a held-out mean over 4 rows cannot separate the models).

Protocol: splits 0 to 4; jitter drawn with ``RandomState(split)``; an 80 / 20
``train_test_split(random_state=split)``; ``StandardScaler`` fitted on the training rows. Every
model is fitted on the standardised training rows and evaluated on the standardised held-out
rows, so all log-likelihoods (nats per row) are in the same space and comparable. Reported: the
mean over splits of the held-out mean log-likelihood with its standard error (standard deviation
over splits / sqrt(splits)), the 1st percentile and the minimum of the per-point held-out
log-densities pooled over splits (outliers given absurdly low densities show there), and CPU
seconds of this process (one thread) to fit and to evaluate the held-out rows.

Models (the same seed as the split):

- ``NoiseConditionalScoreEstimator(random_state=split)`` with its defaults, and optionally a
  tuned row (``--ncse-params``, a JSON object of overrides);
- ``GaussianMixture``: 1 to 10 components, full and diagonal covariances, lowest BIC on the
  training rows (at least 2 rows per component; ``reg_covar`` 1e-6);
- ``KernelDensity`` (Gaussian): bandwidth by 5-fold cross-validated log-likelihood over 13
  log-spaced values from 1/16 to 4 times Scott's factor (exact log-sum-exp);
- a neural spline flow (``zuko.flows.NSF``: 5 transforms, 2 x 128 hidden units), maximum
  likelihood with Adam, early stopping on 10 % of the training rows (patience 20 epochs, at
  most 400, best epoch kept).

Learning curves: the five exact densities of ``bench_density.py`` (:mod:`skscore.datasets`),
nested subsamples of one draw (the first n rows) for n = 100, 300, 1,000, 3,000, 10,000, 2,000
fresh held-out rows, standardised on the training rows; reported is the held-out
log-likelihood minus the mean exact log-density of the held-out rows (the same space), so 0 is
perfect, one fit per model and n (seed 0).

Run from the repository root::

    OMP_NUM_THREADS=1 python benchmarks/bench_real.py            # writes results/real.md
    OMP_NUM_THREADS=1 python benchmarks/bench_real.py --quick    # smoke run, prints only

and the figure ``results/real_learning_curves.png``. Needs zuko (the ``density-bench`` extra).
"""

import argparse
import datetime
import json
import os
import platform
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import sklearn
import torch
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    load_wine,
)
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import RESULTS_DIR, Stopwatch, table, timed, write_report  # noqa: E402
from _peers import fit_flow, fit_gmm, fit_kde, fit_ncse  # noqa: E402
from bench_density import DENSITIES  # noqa: E402

RESULTS = RESULTS_DIR / "real.md"
FIGURE = RESULTS_DIR / "real_learning_curves.png"
REPOSITORY = Path(__file__).resolve().parent.parent

# =========================================================================================
# Data
# =========================================================================================

#: Recording resolution of the diabetes features kept (sex is dropped).
DIABETES_RESOLUTION = {
    "age": 1.0,
    "bmi": 0.1,
    "bp": 1.0,
    "s1": 1.0,
    "s2": 0.1,
    "s3": 1.0,
    "s4": 0.01,
    "s5": 1e-4,
    "s6": 1.0,
}


def iris_jittered(rng):
    """Iris plus U(-0.05, 0.05) cm, below its 0.1 cm rounding."""
    X = load_iris().data
    return X + rng.uniform(-0.05, 0.05, X.shape)


def wine_as_is(rng):
    """Wine, unchanged."""
    return load_wine().data


def breast_cancer_log(rng):
    """log1p of the breast-cancer features (all positive, right-skewed)."""
    return np.log1p(load_breast_cancer().data)


def diabetes_dequantised(rng):
    """Unscaled diabetes features without sex, each plus U(-r/2, r/2) at its resolution r."""
    data = load_diabetes(scaled=False)
    columns = [data.feature_names.index(name) for name in DIABETES_RESOLUTION]
    resolution = np.array(list(DIABETES_RESOLUTION.values()))
    X = data.data[:, columns]
    return X + rng.uniform(-0.5, 0.5, X.shape) * resolution


def digits_dequantised(rng):
    """Digits pixels plus U(0, 1)."""
    X = load_digits().data
    return X + rng.uniform(size=X.shape)


DATASETS = {
    "iris": ("iris, jittered", iris_jittered),
    "wine": ("wine", wine_as_is),
    "breast_cancer": ("breast cancer, log1p", breast_cancer_log),
    "diabetes": ("diabetes, no sex, dequantised", diabetes_dequantised),
    "digits": ("digits, dequantised", digits_dequantised),
}


def standardised_split(X, split):
    """80 / 20 split by ``train_test_split(random_state=split)``, standardised on the
    training rows; also the fitted scaler."""
    X_train, X_test = train_test_split(X, test_size=0.2, random_state=split)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), scaler


# =========================================================================================
# Models
# =========================================================================================

MODELS = ["ncse", "gmm", "kde", "flow"]
PEERS = ["gmm", "kde", "flow"]
LABELS = {
    "ncse": "NoiseConditionalScoreEstimator (defaults)",
    "ncse_tuned": "NoiseConditionalScoreEstimator (tuned)",
    "gmm": "GaussianMixture (BIC)",
    "kde": "KernelDensity (CV bandwidth)",
    "flow": "neural spline flow (zuko)",
}

#: Figure legend and colours.
SHORT = {
    "ncse": "NCSE (defaults)",
    "ncse_tuned": "NCSE (tuned)",
    "gmm": "GaussianMixture",
    "kde": "KernelDensity",
    "flow": "spline flow",
}
COLOURS = {"ncse": "C0", "ncse_tuned": "C4", "gmm": "C1", "kde": "C2", "flow": "C3"}

FULL = {
    "splits": 5,
    "datasets": list(DATASETS),
    "ncse": {},
    "gmm_components": tuple(range(1, 11)),
    "gmm_covariance_types": ("full", "diag"),
    "gmm_rows_per_component": 2,
    "kde_grid": 13,
    "kde_span": (1 / 16, 4),
    "flow_epochs": 400,
    "densities": list(DENSITIES),
    "curve_sizes": (100, 300, 1_000, 3_000, 10_000),
    "curve_test": 2_000,
}
QUICK = {
    **FULL,
    "splits": 2,
    "datasets": ["iris", "wine"],
    "ncse": {"hidden_layer_sizes": (32, 32), "max_epochs": 5},
    "gmm_components": (1, 2, 3),
    "kde_grid": 5,
    "flow_epochs": 3,
    "densities": ["banana", "ring"],
    "curve_sizes": (100, 300, 1_000),
    "curve_test": 500,
}


def fit_model(model, cfg, Z_train, seed):
    """Fit the model named ``model`` (a key of ``LABELS``) on standardised rows."""
    if model == "ncse":
        return fit_ncse(Z_train, cfg["ncse"], seed)
    if model == "ncse_tuned":
        return fit_ncse(Z_train, {**cfg["ncse"], **cfg["ncse_tuned"]}, seed)
    return {"gmm": fit_gmm, "kde": fit_kde, "flow": fit_flow}[model](Z_train, cfg, seed)


def fit_and_score(model, cfg, Z_train, Z_test, seed):
    """Fit one model; its per-point held-out log-densities, fit and evaluation CPU seconds."""
    fitted = fit_model(model, cfg, Z_train, seed)
    run = timed(fitted.log_prob, Z_test)
    return {
        "points": np.asarray(run.result, dtype=float),
        "fit": fitted.fit_time,
        "eval": run.cpu,
        "info": fitted.info,
    }


def standard_error(values):
    """Standard deviation over the values (ddof 1) / sqrt(count); nan for one value."""
    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        return float("nan")
    return float(values.std(ddof=1) / np.sqrt(len(values)))


# =========================================================================================
# Real data
# =========================================================================================


def bench_dataset(name, cfg, models, clock):
    """Every model on every split of one data set: the per-split records of each model."""
    label, load = DATASETS[name]
    runs = {model: [] for model in models}
    for split in range(cfg["splits"]):
        X = load(np.random.RandomState(split))
        Z_train, Z_test, _ = standardised_split(X, split)
        for model in models:
            record = fit_and_score(model, cfg, Z_train, Z_test, split)
            runs[model].append(record)
            clock.log(
                f"[{name} split {split}] {model}: LL {record['points'].mean():.3f}, fit "
                f"{record['fit']:.1f} s, eval {record['eval']:.1f} s, {record['info']}"
            )
    return {"label": label, "shape": X.shape, "runs": runs}


def distinct(values, most=2):
    """The distinct values in order of appearance, at most ``most`` of them, joined."""
    seen = list(dict.fromkeys(values))
    return " / ".join(seen[:most]) + (" / …" if len(seen) > most else "")


def summarise(records):
    """Mean held-out LL over splits with its standard error, tails of the pooled per-point
    log-densities, mean fit and evaluation seconds."""
    ll = np.array([r["points"].mean() for r in records])
    pooled = np.concatenate([r["points"] for r in records])
    return {
        "ll": ll,
        "mean": float(ll.mean()),
        "se": standard_error(ll),
        "p1": float(np.percentile(pooled, 1)),
        "min": float(pooled.min()),
        "fit": float(np.mean([r["fit"] for r in records])),
        "eval": float(np.mean([r["eval"] for r in records])),
        "info": distinct(r["info"] for r in records),
    }


def against_best_peer(summary, model):
    """``model`` against the peer with the highest mean LL: paired per-split difference,
    the splits on which ``model`` beats every peer, and time ratios."""
    peers = [p for p in PEERS if p in summary]
    best = max(peers, key=lambda p: summary[p]["mean"])
    diff = summary[model]["ll"] - summary[best]["ll"]
    every_peer = np.max([summary[p]["ll"] for p in peers], axis=0)
    return {
        "peer": best,
        "diff": float(diff.mean()),
        "se": standard_error(diff),
        "wins": int(np.sum(summary[model]["ll"] > every_peer)),
        "splits": len(diff),
        "fit_ratio": summary[model]["fit"] / summary[best]["fit"],
        "eval_ratio": summary[model]["eval"] / max(summary[best]["eval"], 1e-9),
    }


def comparison_line(name, result, model):
    """One printed line: ``model`` against the best peer on a data set."""
    summary = {m: summarise(r) for m, r in result["runs"].items()}
    c = against_best_peer(summary, model)
    d = result["shape"][1]
    return (
        f"[{name}] {model} - best peer ({c['peer']}): {c['diff']:+.3f} ± {c['se']:.3f} "
        f"nats/row ({c['diff'] / d:+.4f} per dimension); best on {c['wins']} of "
        f"{c['splits']} splits; fit time {c['fit_ratio']:.1f}x, eval time "
        f"{c['eval_ratio']:.1f}x the peer's"
    )


# =========================================================================================
# Learning curves
# =========================================================================================


def learning_curve(name, cfg, models, clock):
    """Held-out LL minus the exact mean log-density, against the number of training rows."""
    label, factory = DENSITIES[name]
    density = factory()
    sizes = cfg["curve_sizes"]
    X_all = density.sample(max(sizes), random_state=0)
    X_test = density.sample(cfg["curve_test"], random_state=1)
    log_p_test = density.log_prob(X_test)
    gaps = {model: [] for model in models}
    fits = {model: [] for model in models}
    for n in sizes:
        scaler = StandardScaler().fit(X_all[:n])
        # the exact log-density in the standardised space
        reference = float(log_p_test.mean() + np.log(scaler.scale_).sum())
        Z_train, Z_test = scaler.transform(X_all[:n]), scaler.transform(X_test)
        for model in models:
            record = fit_and_score(model, cfg, Z_train, Z_test, 0)
            gaps[model].append(float(record["points"].mean() - reference))
            fits[model].append(record["fit"])
            clock.log(
                f"[{name} n={n}] {model}: LL - exact {gaps[model][-1]:+.3f}, fit "
                f"{record['fit']:.1f} s, {record['info']}"
            )
    return {"label": label, "sizes": list(sizes), "gaps": gaps, "fit": fits}


def plot_curves(curves, path):
    """One panel per density: held-out LL minus exact against n (log x, symlog y)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(curves), figsize=(3.6 * len(curves), 3.8), squeeze=False)
    for ax, curve in zip(axes[0], curves.values(), strict=True):
        for model, gaps in curve["gaps"].items():
            ax.plot(curve["sizes"], gaps, marker="o", color=COLOURS[model], label=SHORT[model])
        ax.axhline(0.0, color="black", linewidth=0.8)
        ax.set_xscale("log")
        ax.set_yscale("symlog", linthresh=0.1)
        top = max(max(g) for g in curve["gaps"].values())
        ax.set_ylim(top=max(0.05, 2 * top))
        ax.set_title(curve["label"])
        ax.set_xlabel("training rows n")
    axes[0, 0].set_ylabel("held-out LL − exact (nats, symlog)")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels))
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


# =========================================================================================
# Report
# =========================================================================================


def seconds(x):
    """CPU seconds, 3 significant digits below 100."""
    return f"{x:.0f}" if x >= 100 else f"{x:.3g}"


def skscore_commit():
    """The repository's commit, marked when skscore/ has uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "-C", str(REPOSITORY), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPOSITORY), "status", "--porcelain", "--", "skscore"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" with uncommitted changes to skscore/" if dirty else "")


def missing_parts(cfg, models, skip_curves):
    """What this run leaves out of the full benchmark, as phrases."""
    parts = [f"data set {name}" for name in FULL["datasets"] if name not in cfg["datasets"]]
    parts += [f"model {m}" for m in MODELS if m not in models]
    if cfg["splits"] < FULL["splits"]:
        parts.append(f"splits {cfg['splits']} to {FULL['splits'] - 1}")
    if skip_curves:
        parts.append("the learning curves")
    else:
        parts += [
            f"the {name} learning curve"
            for name in FULL["densities"]
            if name not in cfg["densities"]
        ]
        parts += [f"n = {n:,}" for n in FULL["curve_sizes"] if n not in cfg["curve_sizes"]]
    return parts


def dataset_rows(name, result):
    """Table rows of one data set: one per model, the best mean LL marked."""
    summary = {m: summarise(r) for m, r in result["runs"].items()}
    best = max(summary, key=lambda m: summary[m]["mean"])
    n, d = result["shape"]
    rows = []
    for i, (model, s) in enumerate(summary.items()):
        ll = f"{s['mean']:.3f} ± {s['se']:.3f}"
        rows.append(
            [
                result["label"] if i == 0 else "",
                f"{n} x {d}" if i == 0 else "",
                LABELS[model],
                f"**{ll}**" if model == best else ll,
                "best" if model == best else "",
                f"{s['p1']:.2f}",
                f"{s['min']:.2f}",
                seconds(s["fit"]),
                seconds(s["eval"]),
                s["info"],
            ]
        )
    return rows


def comparison_rows(name, result):
    """Rows of the NCSE-against-best-peer table for one data set."""
    summary = {m: summarise(r) for m, r in result["runs"].items()}
    if not any(p in summary for p in PEERS):
        return []
    d = result["shape"][1]
    rows = []
    for model in ("ncse", "ncse_tuned"):
        if model not in summary:
            continue
        c = against_best_peer(summary, model)
        rows.append(
            [
                result["label"],
                LABELS[model],
                LABELS[c["peer"]],
                f"{c['diff']:+.3f} ± {c['se']:.3f}",
                f"{c['diff'] / d:+.4f}",
                f"NCSE best on {c['wins']} of {c['splits']} splits",
                f"{c['fit_ratio']:.1f}x",
                f"{c['eval_ratio']:.1f}x",
            ]
        )
    return rows


def curve_table(curve):
    """Rows n, columns models: held-out LL minus exact, the best per n in bold."""
    models = list(curve["gaps"])
    rows = []
    for i, n in enumerate(curve["sizes"]):
        gaps = {m: curve["gaps"][m][i] for m in models}
        best = max(gaps, key=gaps.get)
        cells = [f"**{g:+.3f}**" if m == best else f"{g:+.3f}" for m, g in gaps.items()]
        rows.append([f"{n:,}", *cells, LABELS[best]])
    return table(["n", *(LABELS[m] for m in models), "best"], rows)


def report(results, curves, cfg, models, run):
    """The markdown report of what has run so far."""
    out = ["# Real data: noise-conditional score model vs GaussianMixture, KDE and a flow", ""]
    out.append(
        f"Generated {datetime.date.today().isoformat()} by `python benchmarks/bench_real.py"
        f"{' ' + shlex.join(run['argv']) if run['argv'] else ''}` in "
        f"{run['clock'].seconds / 60:.0f} min ({platform.machine()}, {os.cpu_count()} CPUs "
        f"shared with other jobs, torch {torch.__version__}, scikit-learn "
        f"{sklearn.__version__}, one torch thread) at skscore commit {run['commit']}. Times "
        "are CPU seconds of this process."
    )
    out.append("")
    missing = missing_parts(cfg, models, run["skip_curves"])
    if not run["finished"]:
        out += ["**Run in progress: the sections below hold what has finished.**", ""]
    if missing or run["quick"]:
        out += [
            "**Partial run**"
            + (" (`--quick` settings)" if run["quick"] else "")
            + ": "
            + ("without " + ", ".join(missing) if missing else "all parts")
            + ".",
            "",
        ]
    if "ncse_tuned" in models:
        out += [f"Tuned row: `{json.dumps(cfg['ncse_tuned'])}` over the defaults.", ""]
    out += [__doc__.split("\n\n", 1)[1].split("Run from the repository root")[0].strip(), ""]
    if results:
        out += ["## Held-out log-likelihood (nats per row, standardised space)", ""]
        header = [
            "data",
            "n x d",
            "model",
            f"held-out LL ± s.e. ({cfg['splits']} splits)",
            "best",
            "1st pct.",
            "min",
            "fit s",
            "eval s",
            "notes",
        ]
        rows = [row for name, result in results.items() for row in dataset_rows(name, result)]
        out += [table(header, rows), ""]
        out += [
            "1st pct. and min: the 1st percentile and the minimum of the per-point held-out "
            "log-densities, pooled over the splits. Fit and eval s: mean over the splits.",
            "",
        ]
        rows = [row for name, result in results.items() for row in comparison_rows(name, result)]
        if rows:
            out += ["## Against the best peer", ""]
            header = [
                "data",
                "model",
                "best peer (highest mean LL)",
                "LL − peer (nats/row, paired s.e.)",
                "per dimension",
                "wins",
                "fit time / peer's",
                "eval time / peer's",
            ]
            out += [table(header, rows), ""]
            out += [
                "Wins: the splits on which the model's held-out LL is above every peer's.",
                "",
            ]
    if curves:
        out += ["## Learning curves (held-out LL − exact, nats per row; 0 is perfect)", ""]
        if run["figure"] is not None:
            out += [f"![learning curves]({run['figure'].name})", ""]
        for curve in curves.values():
            out += [f"### {curve['label']}", "", curve_table(curve), ""]
    return "\n".join(out)


# =========================================================================================
# Main
# =========================================================================================


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run; prints only")
    parser.add_argument("--skip-curves", action="store_true", help="real data only")
    parser.add_argument("--datasets", nargs="*", choices=list(DATASETS), default=None)
    parser.add_argument("--models", nargs="*", choices=MODELS, default=MODELS)
    parser.add_argument("--densities", nargs="*", choices=list(DENSITIES), default=None)
    parser.add_argument("--curve-sizes", nargs="*", type=int, default=None)
    parser.add_argument("--splits", type=int, default=None)
    parser.add_argument(
        "--ncse-params",
        type=json.loads,
        default=None,
        help="JSON overrides for a tuned NCSE row, e.g. '{\"sigma_min\": 0.3}'",
    )
    parser.add_argument("--output", type=Path, default=None, help="report path")
    parser.add_argument("--figure", type=Path, default=None, help="learning-curve figure path")
    return parser.parse_args(argv)


def configure(args):
    """The run's settings and model list from the parsed arguments."""
    cfg = dict(QUICK if args.quick else FULL)
    for key in ("datasets", "densities", "splits"):
        if getattr(args, key) is not None:
            cfg[key] = getattr(args, key)
    if args.curve_sizes is not None:
        cfg["curve_sizes"] = tuple(args.curve_sizes)
    models = list(args.models)
    if args.ncse_params is not None:
        cfg["ncse_tuned"] = args.ncse_params
        models.insert(models.index("ncse") + 1 if "ncse" in models else 0, "ncse_tuned")
    return cfg, models


def without_paths(argv):
    """The command-line arguments without ``--output`` and ``--figure`` and their values."""
    shown, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--output", "--figure"):
            skip = True
        elif not arg.startswith(("--output=", "--figure=")):
            shown.append(arg)
    return shown


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    torch.set_num_threads(1)
    cfg, models = configure(args)
    output = args.output if args.output is not None else (None if args.quick else RESULTS)
    figure = args.figure if args.figure is not None else (None if args.quick else FIGURE)
    run = {
        "argv": without_paths(argv),
        "clock": Stopwatch(),
        "commit": skscore_commit(),
        "quick": args.quick,
        "skip_curves": args.skip_curves,
        "figure": figure,
        "finished": False,
    }
    results, curves = {}, {}

    def save():
        if output is not None:
            write_report(report(results, curves, cfg, models, run), output)

    for name in cfg["datasets"]:
        results[name] = bench_dataset(name, cfg, models, run["clock"])
        for model in ("ncse", "ncse_tuned"):
            if model in models and any(p in models for p in PEERS):
                run["clock"].log(comparison_line(name, results[name], model))
        save()
    if not args.skip_curves:
        for name in cfg["densities"]:
            curves[name] = learning_curve(name, cfg, models, run["clock"])
            if figure is not None:
                plot_curves(curves, figure)
            save()
    run["finished"] = True
    print(report(results, curves, cfg, models, run))
    save()


if __name__ == "__main__":
    main()
