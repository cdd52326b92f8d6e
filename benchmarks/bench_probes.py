"""Linear probes: cost of feature extraction and of probe fitting, and the examples' errors.

1. Feature extraction (``LinearProbeTransformer.transform``, every leaf layer, hooks) as a
   ratio to a plain batched forward pass of the same model on the same data, measured back to
   back in this process (target: <= 1.25x).
2. Probe fitting time per layer on the trained networks of the examples, against the time to
   extract their features.
3. Per-layer probe errors of the three ``examples/plot_probes_*.py`` scripts (run here, in a
   temporary directory, so their figures do not land in the repository).

Run with one thread: ``OMP_NUM_THREADS=1 python benchmarks/bench_probes.py``. Writes
``benchmarks/results/probes.md``.
"""

import os
import platform
import runpy
import sys
import tempfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch
from sklearn.base import clone
from torch import nn

from skscore.probes import LinearProbeTransformer
from skscore.probes._transformer import default_probe

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import log, timed, write_report  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "probes.md"
REPEATS = 9


def mlp(n_inputs, width, depth, n_outputs):
    layers, n = [], n_inputs
    for _ in range(depth):
        layers += [nn.Linear(n, width), nn.Tanh()]
        n = width
    return nn.Sequential(*layers, nn.Linear(n, n_outputs))


def digits_cnn():
    """The CNN of examples/plot_probes_monitor.py."""
    return nn.Sequential(
        OrderedDict(
            unflatten=nn.Unflatten(1, (1, 8, 8)),
            conv1=nn.Conv2d(1, 16, 3, padding=1),
            relu1=nn.ReLU(),
            conv2=nn.Conv2d(16, 32, 3, padding=1),
            relu2=nn.ReLU(),
            pool=nn.MaxPool2d(2),
            conv3=nn.Conv2d(32, 64, 3, padding=1),
            relu3=nn.ReLU(),
            gap=nn.AdaptiveAvgPool2d(1),
            flatten=nn.Flatten(),
            logits=nn.Linear(64, 10),
        )
    )


def cifar_cnn():
    """A VGG-style CNN on 3x32x32 images."""
    layers, c = [], 3
    for width in (32, 64, 128):
        layers += [nn.Conv2d(c, width, 3, padding=1), nn.ReLU(inplace=True)]
        layers += [nn.Conv2d(width, width, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2)]
        c = width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 10)]
    return nn.Sequential(*layers)


def plain_forward(model, X, batch_size):
    """The baseline: batched inference of the model's output, as a numpy array."""
    outputs = []
    with torch.no_grad():
        for start in range(0, len(X), batch_size):
            outputs.append(model(torch.tensor(X[start : start + batch_size])))
    return torch.cat(outputs).numpy()


def time_pair(fn_a, fn_b, repeats=REPEATS):
    """Median times of a and b and the median of the per-repeat ratios b / a (alternating)."""
    a, b = [], []
    for r in range(repeats):
        for fn, sink in ((fn_a, a), (fn_b, b)) if r % 2 else ((fn_b, b), (fn_a, a)):
            sink.append(timed(fn).wall)
    a, b = np.array(a), np.array(b)
    return np.median(a), np.median(b), np.median(b / a)


def bench_extraction():
    rng = np.random.RandomState(0)
    cases = [
        ("MLP 2-8x6 (depth example)", mlp(2, 8, 6, 2), rng.randn(20000, 2), 256),
        ("MLP 2-8x6, batch_size=4096", mlp(2, 8, 6, 2), rng.randn(20000, 2), 4096),
        ("MLP 784-512x3", mlp(784, 512, 3, 10), rng.rand(10000, 784), 256),
        ("CNN digits 1x8x8 (monitor example)", digits_cnn(), rng.rand(10000, 64), 256),
        ("CNN 3x32x32, 6 conv layers", cifar_cnn(), rng.rand(2000, 3, 32, 32), 256),
    ]
    rows = []
    for name, model, X, batch_size in cases:
        X = X.astype(np.float32)
        y = np.arange(len(X)) % 3
        probes = LinearProbeTransformer(model, batch_size=batch_size, device="cpu")
        probes.fit(X[:300], y[:300])
        frozen = probes.model_
        plain, hooked, ratio = time_pair(
            lambda frozen=frozen, X=X, bs=batch_size: plain_forward(frozen, X, bs),
            lambda probes=probes, X=X: probes.transform(X),
        )
        width = probes.transform(X[:1]).shape[1]
        rows.append((name, len(probes.layer_names_), width, len(X), plain, hooked, ratio))
        log(
            f"{name:38s} {len(probes.layer_names_):3d} layers  plain {plain:7.3f}s  "
            f"transform {hooked:7.3f}s  ratio {ratio:5.2f}x"
        )
    return rows


def run_example(name):
    """Run examples/<name>.py in a temporary directory; its globals and wall time."""
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            with torch.random.fork_rng():
                script = str(ROOT / "examples" / f"{name}.py")
                run = timed(runpy.run_path, script, run_name="__main__")
            namespace, seconds = run.result, run.wall
        finally:
            os.chdir(here)
    return namespace, seconds


def bench_probe_fitting(model, X, y, layers):
    """Seconds to fit the default probe on each layer's features, and to extract them all."""
    probes = LinearProbeTransformer(model, layers=layers, random_state=0, device="cpu").fit(X, y)
    run = timed(probes.transform, X)
    Z, extract = run.result, run.wall
    names = probes.get_feature_names_out()
    rows = []
    for layer in probes.layer_names_:
        F = Z[:, [str(n).rsplit("__", 1)[0] == layer for n in names]]
        rows.append((layer, F.shape[1], timed(clone(default_probe()).fit, F, y).wall))
    return rows, extract


def main():
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    lines = [
        "# Linear probes: cost and per-layer errors",
        "",
        f"`python benchmarks/bench_probes.py` — torch {torch.__version__}, "
        f"{torch.get_num_threads()} thread(s), {platform.machine()}, Python "
        f"{sys.version.split()[0]}. Timings are medians of {REPEATS} alternating repeats in one "
        "process on a shared 2-core machine (other jobs running), so only the ratios matter.",
        "",
        "## Feature extraction vs a plain forward pass",
        "",
        '`transform` with `layers="all"` (forward hooks on every leaf module, reductions, one '
        "output array) against batched inference of the same frozen float32 model on the same "
        "rows. Target: <= 1.25x.",
        "",
        "| model | probed layers | features | rows | plain forward (s) | transform (s) | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, n_layers, width, n, plain, hooked, ratio in bench_extraction():
        lines.append(
            f"| {name} | {n_layers} | {width} | {n} | {plain:.3f} | {hooked:.3f} | "
            f"**{ratio:.2f}x** |"
        )

    examples = {}
    for name in ("plot_probes_depth", "plot_probes_skip_connection", "plot_probes_monitor"):
        log(f"running examples/{name}.py ...")
        examples[name] = run_example(name)

    lines += [
        "",
        "## Probe fitting time per layer (trained example networks)",
        "",
        "Default probe (StandardScaler + LogisticRegression) fitted on all rows given to the "
        "transformer; extraction = `transform` of the same rows, all probed layers at once.",
        "",
    ]
    depth_ns, _ = examples["plot_probes_depth"]
    monitor_ns, _ = examples["plot_probes_monitor"]
    fitting_cases = [
        (
            "depth example (MLP 2-8x6, 2000 rows)",
            depth_ns["model"],
            depth_ns["X_test"],
            depth_ns["y_test"],
            depth_ns["probed"],
        ),
        (
            "monitor example (CNN on digits, 594 rows)",
            monitor_ns["net"].module_,
            monitor_ns["X_valid"],
            monitor_ns["y_valid"],
            monitor_ns["layers"],
        ),
    ]
    for title, model, X, y, layers in fitting_cases:
        rows, extract = bench_probe_fitting(model, X, y, layers)
        total = sum(seconds for _, _, seconds in rows)
        lines += [
            f"**{title}**: probes {total:.2f} s in all vs extraction {extract:.3f} s "
            f"({total / extract:.0f}x).",
            "",
            "| layer | features | probe fit (s) |",
            "|---|---:|---:|",
            *(f"| {layer} | {width} | {seconds:.3f} |" for layer, width, seconds in rows),
            "",
        ]
        log(f"{title}: probe fitting {total:.2f}s, extraction {extract:.3f}s")

    lines += ["## Per-layer probe errors of the examples (held-out, %)", ""]
    res = depth_ns["results"]
    lines += [
        f"**plot_probes_depth.py** ({examples['plot_probes_depth'][1]:.0f} s; network test "
        f"error {100 * res['test_error']:.1f}%; calibration: 28.6 -> 19.6 -> 2.6 -> 1.9 -> "
        "0.4 -> 0.3)",
        "",
        "| layer | " + " | ".join(res["after"]) + " |",
        "|---|" + "---:|" * len(res["after"]),
        "| untrained | " + " | ".join(f"{100 * v:.1f}" for v in res["before"].values()) + " |",
        "| trained | " + " | ".join(f"{100 * v:.1f}" for v in res["after"].values()) + " |",
        "",
    ]
    res = examples["plot_probes_skip_connection"][0]["results"]
    layers = list(res["plain"]["probe_errors"])
    lines += [
        f"**plot_probes_skip_connection.py** "
        f"({examples['plot_probes_skip_connection'][1]:.0f} s; 16 hidden layers x 32 units, "
        "the skip bypasses layers 2-8)",
        "",
        "| network | test error | " + " | ".join(layers) + " |",
        "|---|---:|" + "---:|" * len(layers),
    ]
    for name, r in res.items():
        errors = " | ".join(f"{100 * v:.1f}" for v in r["probe_errors"].values())
        lines.append(f"| {name} | {100 * r['test_error']:.2f} | {errors} |")
    res = monitor_ns["results"]
    lines += [
        "",
        f"**plot_probes_monitor.py** ({examples['plot_probes_monitor'][1]:.0f} s; network "
        f"validation error {100 * res['valid_error']:.1f}%; conv maps average-pooled)",
        "",
        "| epoch | " + " | ".join(res["last_epoch"]) + " |",
        "|---|" + "---:|" * len(res["last_epoch"]),
        "| 1 | " + " | ".join(f"{100 * v:.1f}" for v in res["first_epoch"].values()) + " |",
        "| 12 | " + " | ".join(f"{100 * v:.1f}" for v in res["last_epoch"].values()) + " |",
        "",
    ]
    write_report(lines, RESULTS)


if __name__ == "__main__":
    main()
