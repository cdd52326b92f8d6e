"""Importance-sampling SGD (thesis chapter 7): norms, variance, training speed, Dask workers.

1. Per-example gradient norms against a naive loop over single examples (one backward pass
   each): exactness, and cost as a ratio to one forward+backward pass of the same batch, for
   the digits MLP (Proposition 3, ``torch.func``) and a small CNN (``torch.func``).
2. ISSGD against uniform SGD at the same learning rate on permutation-invariant digits with
   10% of the training labels flipped (a tail of hard examples), MLP 64-256-256-10, batch 32:
   training steps and CPU-seconds to reach given training losses, final test error, and the
   variance of the minibatch gradient for the uniform, ideal and stale proposals
   (``sqrt(Tr Sigma)``, eq. 7.6-7.9) along training. Medians and quartiles over seeds.
3. Weights from Dask workers (a ``LocalCluster`` on loopback, 1 and 2 worker processes):
   staleness of the weights, and the master's throughput against uniform SGD in the same
   process.

Run with one thread: ``OMP_NUM_THREADS=1 python benchmarks/bench_importance.py`` (about 15
minutes; ``--quick`` for a smoke run). Writes ``benchmarks/results/importance.md``.
"""

import functools
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback
from torch import nn

from skscore.importance import ImportanceSampling, per_example_gradient_norms
from skscore.importance._norms import PerExampleLoss, squared_norms

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import Stopwatch, argument_parser, log, timed, write_report  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "importance.md"


# -- task ----------------------------------------------------------------------------------
def digits_task(flip=0.1, seed=0):
    """Digits scaled to [0, 1], 80/20 split, a fraction ``flip`` of training labels changed to
    another class at random. Returns float32/int64 tensors (X_train, y_train, X_test, y_test)
    and the mask of flipped rows."""
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, random_state=0, stratify=y
    )
    rng = np.random.RandomState(seed)
    flipped = rng.rand(len(y_train)) < flip
    y_train = y_train.copy()
    y_train[flipped] = (y_train[flipped] + rng.randint(1, 10, flipped.sum())) % 10
    t = torch.tensor
    return t(X_train), t(y_train), t(X_test), t(y_test), flipped


def digits_mlp(seed):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Sequential(
            nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)
        )


def digits_cnn(seed=0):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Sequential(
            nn.Unflatten(1, (1, 8, 8)),
            nn.Conv2d(1, 16, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(32 * 16, 10),
        )


# -- 1. norms --------------------------------------------------------------------------------
def loop_norms(module, X, y):
    params = list(module.parameters())
    out = []
    for i in range(len(X)):
        loss = nn.functional.cross_entropy(module(X[i : i + 1]), y[i : i + 1])
        grads = torch.autograd.grad(loss, params)
        out.append(torch.sqrt(sum((g.double() ** 2).sum() for g in grads)).item())
    return np.array(out)


def forward_backward(module, X, y):
    module.zero_grad()
    nn.functional.cross_entropy(module(X), y).backward()


def alternating_medians(fns, repeats):
    """Median CPU time of each function, called in turn (process CPU time: on a machine
    shared with other jobs, wall-clock medians of millisecond calls jumped between modes)."""
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            times[name].append(timed(fn).cpu)
    return {name: float(np.median(t)) for name, t in times.items()}


def norms_section(quick):
    X, y, *_ = digits_task()
    X, y = X[:256], y[:256]
    loss = PerExampleLoss(nn.CrossEntropyLoss())
    rows = []
    for name, module in [
        ("MLP 64-256-256-10", digits_mlp(0)),
        ("CNN 2 conv + linear", digits_cnn()),
    ]:
        methods = ["linear", "vmap"] if name.startswith("MLP") else ["vmap"]
        exact = loop_norms(module.double(), X.double(), y)
        errors = {}
        for dtype in (torch.float64, torch.float32):
            module.to(dtype)
            for method in methods:
                got = per_example_gradient_norms(
                    module, nn.CrossEntropyLoss(), X.to(dtype), y, method=method
                )
                errors[method, dtype] = np.max(np.abs(got - exact) / exact)
        fns = {"fwd+bwd": functools.partial(forward_backward, module, X, y)}
        for method in methods:
            fns[method] = functools.partial(
                squared_norms, module, loss, X, y, method=method, batch_size=256
            )
        times = alternating_medians(fns, 5 if quick else 21)
        loop = functools.partial(squared_norms, module, loss, X, y, method="loop", batch_size=256)
        times["loop"] = alternating_medians({"loop": loop}, 1 if quick else 3)["loop"]
        labels = {"linear": "Proposition 3", "vmap": "torch.func vmap", "loop": "per-example loop"}
        for method in methods + ["loop"]:
            rows.append(
                {
                    "model": name,
                    "method": labels[method],
                    "err64": errors.get((method, torch.float64)),
                    "err32": errors.get((method, torch.float32)),
                    "fb_ms": times["fwd+bwd"] * 1e3,
                    "ms": times[method] * 1e3,
                    "ratio": times[method] / times["fwd+bwd"],
                }
            )
    return rows


# -- 2. ISSGD against SGD --------------------------------------------------------------------
class ShuffledBatches:
    """Uniform SGD baseline: shuffled tensor slices, the same batching cost as ISSGD's."""

    def __init__(self, dataset, batch_size=32, generator=None, **kwargs):
        self.X, self.y, self.batch_size, self.generator = (
            dataset.X,
            dataset.y,
            batch_size,
            generator,
        )

    def __len__(self):
        return -(-len(self.X) // self.batch_size)

    def __iter__(self):
        order = torch.randperm(len(self.X), generator=self.generator)
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            yield self.X[rows], self.y[rows]


class Curve(Callback):
    """Full training loss (on the noisy labels being fitted) and test error every
    ``every`` steps, and the master's CPU time spent training (evaluation excluded)."""

    def __init__(self, data, every):
        self.data, self.every = data, every

    def initialize(self):
        self.steps, self.loss, self.test_error, self.cpu = [], [], [], []
        self.step, self.own, self.start = 0, 0.0, time.process_time()
        return self

    def evaluate(self, net):
        begin = time.process_time()
        X, y, X_test, y_test = self.data
        with torch.no_grad():
            loss = nn.functional.cross_entropy(net.module_(X), y).item()
            error = (net.module_(X_test).argmax(1) != y_test).double().mean().item()
        self.steps.append(self.step)
        self.loss.append(loss)
        self.test_error.append(error)
        self.cpu.append(begin - self.start - self.own)
        self.own += time.process_time() - begin

    def on_train_begin(self, net, **kwargs):
        self.start = time.process_time()
        self.evaluate(net)

    def on_batch_end(self, net, training=None, **kwargs):
        if training:
            self.step += 1
            if self.step % self.every == 0:
                self.evaluate(net)


class TimedImportanceSampling(ImportanceSampling):
    """Times the master's weight bookkeeping before each step (poll, publish, refresh)."""

    def initialize(self):
        super().initialize()
        self.update_times, self.update_cpu = [], []
        return self

    def _update_weights(self):
        start, cpu = time.perf_counter(), time.thread_time()
        super()._update_weights()
        self.update_times.append(time.perf_counter() - start)
        self.update_cpu.append(time.thread_time() - cpu)


def train(
    method,
    seed,
    lr,
    epochs,
    *,
    smoothing=0.1,
    monitor_every=None,
    client=None,
    publish_every=20,
    eval_every=15,
    timed=False,
    batch_size=32,
):
    """One run. method: "sgd" (shuffled), "issgd", "uniform-replacement". ``timed``: time the
    master's weight bookkeeping before each step."""
    X, y, X_test, y_test, _ = digits_task()
    curve = Curve((X, y, X_test, y_test), eval_every)
    callbacks = [curve]
    issgd = None
    if method != "sgd":
        issgd = (TimedImportanceSampling if timed else ImportanceSampling)(
            smoothing=1e12 if method == "uniform-replacement" else smoothing,
            refresh_every=10**9 if method == "uniform-replacement" else None,
            monitor_every=monitor_every,
            client=client,
            publish_every=publish_every,
            random_state=seed,
        )
        callbacks.append(issgd)
    net = NeuralNetClassifier(
        digits_mlp(seed),
        criterion=nn.CrossEntropyLoss,
        optimizer=torch.optim.SGD,
        lr=lr,
        batch_size=batch_size,
        max_epochs=epochs,
        train_split=None,
        iterator_train=ShuffledBatches,
        iterator_train__generator=torch.Generator().manual_seed(seed),
        callbacks=callbacks,
        verbose=0,
    )
    wall = time.perf_counter()
    net.fit(X, y)
    wall = time.perf_counter() - wall - curve.own  # evaluation excluded (its CPU ~ its wall)
    if curve.steps[-1] != curve.step:
        curve.evaluate(net)
    out = {k: np.array(getattr(curve, k)) for k in ("steps", "loss", "test_error", "cpu")}
    out["wall"] = wall
    out["table"] = ImportanceSampling.history_table(net.history) if issgd else None
    out["issgd"] = issgd
    return out


def first_reach(run, target, key="steps"):
    hit = np.flatnonzero(run["loss"] <= target)
    return run[key][hit[0]] if len(hit) else np.nan


def quartiles(values):
    values = np.asarray(values, dtype=float)
    if np.all(np.isnan(values)):
        return np.nan, np.nan, np.nan
    return tuple(np.nanpercentile(values, [25, 50, 75]))


def fmt_q(values, digits=0, scale=1.0):
    q1, med, q3 = (scale * v for v in quartiles(values))
    if np.isnan(med):
        return "not reached"
    return f"{med:.{digits}f} [{q1:.{digits}f}, {q3:.{digits}f}]"


def training_section(quick):
    seeds = range(2) if quick else range(5)
    epochs = 6 if quick else 60
    settings = [0.05] if quick else [0.05, 0.2]
    results = {}
    for lr in settings:
        for method in ("sgd", "issgd", "uniform-replacement"):
            results[lr, method] = [train(method, seed, lr, epochs) for seed in seeds]
        # control: uniform SGD with 2.5x the batch has about the variance of ISSGD's
        # mid-training proposal (0.63^2 = 0.4x), for the same number of steps
        results[lr, "sgd-b80"] = [
            train("sgd", seed, lr, epochs * 45 // 18, batch_size=80) for seed in seeds
        ]
        for method in ("sgd", "issgd", "uniform-replacement", "sgd-b80"):
            final = [round(r["loss"][-1], 3) for r in results[lr, method]]
            log(f"lr {lr} {method}: final loss {final}")
    variance = {}
    for smoothing in (0.1, 1.0):
        variance[smoothing] = [
            train("issgd", seed, 0.05, epochs, smoothing=smoothing, monitor_every=45)
            for seed in (seeds if not quick else range(1))
        ]
    return results, variance, epochs


# -- 3. Dask -----------------------------------------------------------------------------------
def dask_section(quick):
    from distributed import Client, LocalCluster

    epochs = 3 if quick else 20
    reps = 1 if quick else 3
    rows = []

    def pairs(client, publish_every):
        # alternate with uniform SGD runs so that both see the same machine load
        out = []
        for rep in range(reps):
            sgd = train("sgd", rep, 0.05, epochs, eval_every=10**9)
            issgd = train(
                "issgd",
                rep,
                0.05,
                epochs,
                client=client,
                publish_every=publish_every,
                eval_every=10**9,
                timed=True,
            )
            out.append((sgd, issgd))
        return out

    rows.append(dask_row("in-process, refresh every epoch", pairs(None, 20), epochs))
    for n_workers, settings in ((1, (20,)), (2, (20, 100))):
        cluster = LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
        client = Client(cluster)
        client.run(lambda: __import__("skscore.importance"))  # workers import torch once
        try:
            for every in settings:
                label = f"Dask, {n_workers} worker(s), publish every {every}"
                rows.append(dask_row(label, pairs(client, every), epochs))
        finally:
            client.close()
            cluster.close()
    return rows, epochs * 45


def first_known_step(table):
    # first step whose proposal is no longer uniform (some weights have arrived)
    moved = np.flatnonzero(table["ess"] < 1 - 1e-12)
    return int(table["step"][moved[0]]) if len(moved) else -1


def dask_row(label, pairs, epochs):
    steps = epochs * 45
    runs = [issgd for _, issgd in pairs]
    tables = [r["table"] for r in runs]
    late = slice(steps // 10, None)
    return {
        "label": label,
        "throughput": np.median([sgd["wall"] / issgd["wall"] for sgd, issgd in pairs]),
        "cpu_ratio": np.median([issgd["cpu"][-1] / sgd["cpu"][-1] for sgd, issgd in pairs]),
        "staleness_median": np.median([np.median(t["staleness"][late]) for t in tables]),
        "staleness_p90": np.median([np.percentile(t["staleness"][late], 90) for t in tables]),
        "updates": np.median([r["issgd"].n_weight_updates_ for r in runs]),
        "first": np.median([first_known_step(t) for t in tables]),
        "update_median_ms": np.median([np.median(r["issgd"].update_times) * 1e3 for r in runs]),
        "update_p99_ms": np.median(
            [np.percentile(r["issgd"].update_times, 99) * 1e3 for r in runs]
        ),
        "update_cpu_max_ms": np.median([np.max(r["issgd"].update_cpu) * 1e3 for r in runs]),
        "loss": np.median([r["loss"][-1] for r in runs]),
        "sgd_loss": np.median([sgd["loss"][-1] for sgd, _ in pairs]),
    }


# -- report ------------------------------------------------------------------------------------
def main():
    parser = argument_parser(__doc__, "smoke run (minutes)")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask section")
    args = parser.parse_args()
    torch.set_num_threads(1)
    clock = Stopwatch()
    norm_rows = norms_section(args.quick)
    clock.log("norms done")
    results, variance, epochs = training_section(args.quick)
    clock.log("training done")
    dask = None if args.no_dask else dask_section(args.quick)
    clock.log("dask done")
    write_results(norm_rows, results, variance, epochs, dask, args.quick, clock.seconds)


def write_results(norm_rows, results, variance, epochs, dask, quick, elapsed):
    lines = [
        "# Importance-sampling SGD: norms, variance, training speed, Dask workers",
        "",
        f"`python benchmarks/bench_importance.py{' --quick' if quick else ''}` — torch "
        f"{torch.__version__}, {torch.get_num_threads()} thread(s), {platform.machine()}, "
        f"Python {platform.python_version()}, {elapsed / 60:.0f} min. Timings are medians of "
        "alternating repeats in one process on a shared 2-core machine, so only ratios matter.",
        "",
        "## 1. Per-example gradient norms against a loop over single examples",
        "",
        "256 digits rows, cross-entropy. Error: largest relative difference to a loop of one "
        "backward pass per example in float64. Cost: ratio to one forward+backward pass of the "
        "same batch (targets: <= 1e-5 relative; Proposition 3 <= 2x).",
        "",
        "| model | method | max rel. error, float64 | max rel. error, float32 | fwd+bwd (ms) "
        "| norms (ms) | cost / fwd+bwd |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in norm_rows:
        err64 = "reference" if r["method"] == "per-example loop" else f"{r['err64']:.1e}"
        err32 = "" if r["method"] == "per-example loop" else f"{r['err32']:.1e}"
        lines.append(
            f"| {r['model']} | {r['method']} | {err64} | {err32} | {r['fb_ms']:.2f} | "
            f"{r['ms']:.2f} | **{r['ratio']:.2f}x** |"
        )
    lines += training_report(results, variance, epochs)
    if dask is not None:
        lines += dask_report(*dask)
    write_report(lines, RESULTS)
    print("\n".join(lines))


def training_report(results, variance, epochs):
    n_seeds = len(next(iter(results.values())))
    lines = [
        "",
        "## 2. ISSGD against uniform SGD at the same learning rate",
        "",
        f"Digits, 10% of the 1437 training labels flipped, MLP 64-256-256-10 (ReLU), SGD, batch "
        f"32 (45 steps per epoch), {epochs} epochs, seeds 0-{n_seeds - 1} "
        "(median [quartiles]). SGD: shuffled epochs. ISSGD: `ImportanceSampling(smoothing=0.1)`, "
        "weights refreshed in-process once per epoch (stale by 0-44 steps). Uniform with "
        "replacement: the same sampler with an infinite smoothing (isolates the proposal from "
        "sampling with replacement). Training loss: mean cross-entropy on all training rows "
        "(noisy labels, the objective being minimised), evaluated every 15 steps. Targets: the "
        "median SGD loss at 25/50/75/100% of its run. CPU: the training process's CPU seconds, "
        "evaluation excluded, ISSGD's norm refreshes included.",
        "",
    ]
    for lr in sorted({lr for lr, _ in results}):
        sgd = results[lr, "sgd"]
        issgd = results[lr, "issgd"]
        repl = results[lr, "uniform-replacement"]
        median_curve = np.median([r["loss"] for r in sgd], axis=0)
        n_eval = len(median_curve)
        lines += [
            f"**learning rate {lr}**",
            "",
            "| target loss (SGD at) | SGD steps | ISSGD steps | uniform w/ repl. steps | "
            "ISSGD / SGD steps | SGD batch 80 / SGD steps | SGD CPU s | ISSGD CPU s | "
            "ISSGD / SGD CPU |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for frac in (0.25, 0.5, 0.75, 1.0):
            index = max(1, int(round(frac * (n_eval - 1))))
            target = median_curve[index]
            s_steps = [first_reach(r, target) for r in sgd]
            i_steps = [first_reach(r, target) for r in issgd]
            r_steps = [first_reach(r, target) for r in repl]
            b_steps = [first_reach(r, target) for r in results[lr, "sgd-b80"]]
            big_ratio = np.nanmedian(b_steps) / np.nanmedian(s_steps)
            s_cpu = [first_reach(r, target, "cpu") for r in sgd]
            i_cpu = [first_reach(r, target, "cpu") for r in issgd]
            step_ratio = np.nanmedian(i_steps) / np.nanmedian(s_steps)
            cpu_ratio = np.nanmedian(i_cpu) / np.nanmedian(s_cpu)
            lines.append(
                f"| {target:.3f} ({int(frac * 100)}%) | {fmt_q(s_steps)} | {fmt_q(i_steps)} | "
                f"{fmt_q(r_steps)} | **{step_ratio:.2f}x** | {big_ratio:.2f}x | "
                f"{fmt_q(s_cpu, 1)} | {fmt_q(i_cpu, 1)} | {cpu_ratio:.2f}x |"
            )
        tail = max(1, n_eval // 10)
        lines += [
            "",
            "| method | final training loss | test error, mean of last 10% of evaluations (%) "
            "| CPU s for the run |",
            "|---|---:|---:|---:|",
        ]
        for label, runs in (
            ("SGD", sgd),
            ("ISSGD", issgd),
            ("uniform w/ repl.", repl),
            ("SGD, batch 80 (same steps)", results[lr, "sgd-b80"]),
        ):
            lines.append(
                f"| {label} | {fmt_q([r['loss'][-1] for r in runs], 3)} | "
                f"{fmt_q([r['test_error'][-tail:].mean() for r in runs], 2, 100)} | "
                f"{fmt_q([r['cpu'][-1] for r in runs], 1)} |"
            )
        lines.append("")
    lines += [
        "**Variance of the minibatch gradient** (learning rate 0.05, measured once per epoch "
        "during ISSGD training with the current parameters: eq. 7.6-7.9, one draw; ratios to "
        "uniform, median [quartiles] over seeds; noise / signal: Tr Sigma of a uniform "
        "minibatch of 32 over the squared norm of the full gradient):",
        "",
        "| epoch | ideal / uniform | stale / uniform, smoothing 0.1 | stale / uniform, "
        "smoothing 1.0 | ESS per draw, smoothing 0.1 | sqrt Tr Sigma uniform | "
        "norm of the full gradient | minibatch noise / signal |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    tables = {s: [r["table"] for r in runs] for s, runs in variance.items()}
    n_mon = int(np.isfinite(tables[0.1][0]["sqrt_trace_uniform"]).sum())
    for epoch in sorted({e for e in (1, 3, 5, 10, 20, 30, 40, 50, 60) if e <= n_mon}):

        def ratio(t, key, e=epoch):
            m = np.isfinite(t["sqrt_trace_uniform"])
            return t[key][m][e - 1] / t["sqrt_trace_uniform"][m][e - 1]

        def at(t, key, e=epoch):
            m = np.isfinite(t["sqrt_trace_uniform"])
            return t[key][m][e - 1]

        def noise(t):
            # Tr Sigma of a uniform minibatch of 32 over the squared norm of its mean
            return at(t, "sqrt_trace_uniform") ** 2 / 32 / at(t, "true_gradient_norm") ** 2

        lines.append(
            f"| {epoch} | {fmt_q([ratio(t, 'sqrt_trace_ideal') for t in tables[0.1]], 2)} | "
            f"{fmt_q([ratio(t, 'sqrt_trace_stale') for t in tables[0.1]], 2)} | "
            f"{fmt_q([ratio(t, 'sqrt_trace_stale') for t in tables[1.0]], 2)} | "
            f"{fmt_q([at(t, 'ess') for t in tables[0.1]], 2)} | "
            f"{fmt_q([at(t, 'sqrt_trace_uniform') for t in tables[0.1]], 2)} | "
            f"{fmt_q([at(t, 'true_gradient_norm') for t in tables[0.1]], 3)} | "
            f"{fmt_q([noise(t) for t in tables[0.1]], 0)} |"
        )
    return lines


def dask_report(rows, steps):
    lines = [
        "",
        "## 3. Weights from Dask workers",
        "",
        f"Same task, learning rate 0.05, {steps} steps, shards = 2 per worker, workers on a "
        "`LocalCluster(processes=True, threads_per_worker=1, host='127.0.0.1')` on the same 2 "
        "cores as the master (the scheduler runs in the master's process). Throughput: "
        "wall-clock time of uniform SGD divided by the run's, each run alternated with an SGD "
        "run (median of 3 pairs). Master CPU: the training process's CPU seconds (its Dask "
        "client and the scheduler included) over SGD's. Bookkeeping: the master's time per "
        "step in taking the norms that have arrived and publishing parameters, its only "
        "contact with the workers (in-process: the refresh itself), as wall-clock median and "
        "99th percentile and as the largest CPU time of its thread (wall-clock spikes are the "
        "thread waiting for a core or for the GIL held by the client's IO thread, not for a "
        "worker). Staleness: steps since the parameters behind a row's weight were current, "
        "mean over rows, from step 10% on.",
        "",
        "| weights from | master throughput / SGD | master CPU / SGD | staleness median | "
        "staleness 90th pct | weight updates | first step with weights | bookkeeping ms per "
        "step: median / p99 wall, max CPU | final training loss (SGD) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['label']} | {r['throughput']:.2f}x | {r['cpu_ratio']:.2f}x | "
            f"{r['staleness_median']:.1f} | {r['staleness_p90']:.1f} | {r['updates']:.0f} | "
            f"{r['first']:.0f} | {r['update_median_ms']:.2f} / {r['update_p99_ms']:.1f}, "
            f"{r['update_cpu_max_ms']:.1f} | "
            f"{r['loss']:.3f} ({r['sgd_loss']:.3f}) |"
        )
    return lines


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
