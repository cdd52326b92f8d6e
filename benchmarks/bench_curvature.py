"""Curvature: accuracy and cost of Hessian eigenpairs, and the negative-curvature optimizer.

On a LeNet-style ReLU network (two 3x3 convolutions with max-pooling, two dense layers, 2,618
parameters) on scikit-learn's 8x8 digits, trained with RMSProp (batch 32) as in thesis
section 11.2.1:

1. Accuracy of ``hessian_eigenpairs`` (LA(5), SA(5)) against the dense Hessian from
   ``torch.autograd.functional.hessian`` and ``numpy.linalg.eigh`` (targets: eigenvalues within
   1e-4 relative, eigenvector angles below 1e-2 rad), for the three eigensolvers and both
   precisions, with the number of Hessian-vector products and the time.
2. The largest eigenvalue against PyHessian's power iteration (``pip install pyhessian``; a
   textbook power iteration written the same way stands in when it is missing), time to reach a
   given relative error, both on the full training set in one graph.
3. The smallest eigenvalues (SA(3)) over training checkpoints: products, time and failures of
   each eigensolver (thesis 11.A: SA is much harder than LA), and the fixed-subset estimate of
   appendix 11.D against the full data.
4. ``NegativeCurvatureDescent`` (11.E) against its base optimizer (Adam, RMSProp), several
   seeds: full-data training loss against steps and against CPU time, the cost of a step as a
   ratio to a plain step, how often the curvature step fires, and how well the running vector
   follows the true most negative eigenvector (with how fast that eigenvector turns).

Run with one thread: ``OMP_NUM_THREADS=1 python benchmarks/bench_curvature.py`` (about 15 min;
``--quick`` for a smoke run). Writes ``benchmarks/results/curvature.md`` and
``benchmarks/results/curvature_optimizer.png``.
"""

import argparse
import copy
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.func import functional_call

from skscore.curvature import NegativeCurvatureDescent, hessian_eigenpairs
from skscore.curvature._eigen import eigenpairs
from skscore.curvature._hvp import HessianOperator, make_operator

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import log, timed, write_report  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "curvature.md"
FIGURE = ROOT / "benchmarks" / "results" / "curvature_optimizer.png"
CRITERION = nn.CrossEntropyLoss()


# -- the network and its training -------------------------------------------------------------
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16.0).reshape(-1, 1, 8, 8).astype(np.float32), y.astype(np.int64)


def lenet(seed):
    """LeNet-style ReLU CNN for 1x8x8 inputs: 2,618 parameters."""
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(1, 6, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 12, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(48, 32),
        nn.ReLU(),
        nn.Linear(32, 10),
    )


def train(model, X, y, steps, *, seed=0, optimizer=torch.optim.RMSprop, lr=1e-3):
    """``steps`` mini-batch steps (batch 32, rows drawn with replacement)."""
    generator = torch.Generator().manual_seed(1000 + seed)
    opt = optimizer(model.parameters(), lr=lr)
    X, y = torch.as_tensor(X), torch.as_tensor(y)
    for _ in range(steps):
        rows = torch.randint(len(X), (32,), generator=generator)
        opt.zero_grad()
        CRITERION(model(X[rows]), y[rows]).backward()
        opt.step()
    return model


def dense_hessian(model, X, y, chunk=100):
    """The dense Hessian of the mean loss, from torch.autograd.functional.hessian."""
    model = copy.deepcopy(model).double()
    named = list(model.named_parameters())
    sizes = [p.numel() for _, p in named]
    theta = torch.cat([p.detach().reshape(-1) for _, p in named])
    X, y = torch.as_tensor(X, dtype=torch.float64), torch.as_tensor(y)
    H = torch.zeros(len(theta), len(theta), dtype=torch.float64)
    for start in range(0, len(X), chunk):
        Xb, yb = X[start : start + chunk], y[start : start + chunk]

        def loss(t, Xb=Xb, yb=yb):
            params = {
                n: c.view(p.shape) for (n, p), c in zip(named, torch.split(t, sizes), strict=True)
            }
            return CRITERION(functional_call(model, params, (Xb,)), yb)

        H += len(Xb) / len(X) * torch.autograd.functional.hessian(loss, theta, vectorize=True)
    return H.numpy()


def copy_model(model, seed=0):
    clone = lenet(seed)
    clone.load_state_dict(model.state_dict())
    return clone


def solve(
    model,
    X,
    y,
    *,
    k,
    which,
    method="lanczos",
    tol=1e-6,
    max_iter=500,
    dtype="float64",
    batch_size=1024,
    subsample=None,
):
    """hessian_eigenpairs's two steps, to count the products; returns values, vectors,
    products, seconds and whether the solver warned that it did not converge."""
    start = time.perf_counter()
    operator = make_operator(model, CRITERION, X, y, batch_size, subsample, dtype, 0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        values, vectors = eigenpairs(operator, k, which, tol, method, max_iter, 0)
    seconds = time.perf_counter() - start
    failed = any("did not reach" in str(w.message) for w in caught)
    return values, vectors, operator.n_matvec, seconds, failed


def angles(found, reference):
    cosines = np.abs(np.sum(found * reference, axis=0))
    return np.arccos(np.clip(cosines, 0.0, 1.0))


# -- 1. accuracy against the dense Hessian ----------------------------------------------------
def accuracy(X, y, lines, quick):
    n_rows = 200 if quick else 500
    model = train(lenet(0), X, y, 50)
    Xs, ys = X[:n_rows], y[:n_rows]
    run = timed(dense_hessian, model, Xs, ys)
    H, dense_seconds = run.result, run.wall
    run = timed(np.linalg.eigh, H)
    (values, vectors), eigh_seconds = run.result, run.wall
    d = len(values)
    k = 5
    lines += [
        "## 1. Accuracy against the dense Hessian",
        "",
        f"LeNet (d = {d} parameters) after 50 RMSProp steps, mean cross-entropy over {n_rows} "
        f"rows. Dense Hessian by `torch.autograd.functional.hessian`: {dense_seconds:.0f} s, "
        f"`eigh` {eigh_seconds:.1f} s. Spectrum ends: LA {values[-1]:.3f}, {values[-2]:.3f}, "
        f"...; SA {values[0]:.4f}, {values[1]:.4f}, {values[2]:.4f} (the smallest are "
        "clustered). Default tol = 1e-6. Targets: relative eigenvalue error < 1e-4, angle < "
        "1e-2 rad.",
        "",
        "| method | dtype | which | products | time (s) | max rel. error | max angle (rad) |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    cases = [("lanczos", "float64"), ("lanczos", "float32"), ("arpack", "float64")]
    cases += [("lobpcg", "float64")]
    for method, dtype in cases:
        for which in ("LA", "SA"):
            idx = list(range(d - 1, d - k - 1, -1)) if which == "LA" else list(range(k))[::-1]
            found, vecs, products, seconds, failed = solve(
                model, Xs, ys, k=k, which=which, method=method, dtype=dtype, max_iter=1000
            )
            rel = np.max(np.abs(found - values[idx]) / np.abs(values[idx]))
            ang = np.max(angles(vecs, vectors[:, idx]))
            flag = " (not converged)" if failed else ""
            lines.append(
                f"| {method}{flag} | {dtype} | {which}({k}) | {products} | {seconds:.2f} | "
                f"{rel:.1e} | {ang:.1e} |"
            )
            log(lines[-1])
    for method in ("lanczos", "arpack"):
        idx = list(range(d - 1, d - k - 1, -1)) + list(range(k))[::-1]
        found, vecs, products, seconds, failed = solve(
            model, Xs, ys, k=k, which="both", method=method, max_iter=1000
        )
        rel = np.max(np.abs(found - values[idx]) / np.abs(values[idx]))
        ang = np.max(angles(vecs, vectors[:, idx]))
        lines.append(
            f"| {method} | float64 | both ({k}+{k}) | {products} | {seconds:.2f} | {rel:.1e} "
            f"| {ang:.1e} |"
        )
        log(lines[-1])
    lines.append("")
    return model


# -- 2. the largest eigenvalue against PyHessian -----------------------------------------------
def power_iteration_stand_in(model, X, y, max_iter=100, tol=1e-3):
    """PyHessian's ``hessian(...).eigenvalues(top_n=1)``, written the same way: one graph of
    the gradient kept (create_graph), products by autograd.grad with retain_graph, stop when
    the eigenvalue changes by less than tol relative."""
    params = [p for p in model.parameters() if p.requires_grad]
    loss = CRITERION(model(torch.as_tensor(X)), torch.as_tensor(y))
    grads = torch.autograd.grad(loss, params, create_graph=True)
    v = [torch.randn_like(p) for p in params]
    norm = torch.sqrt(sum((a * a).sum() for a in v))
    v = [a / norm for a in v]
    eigenvalue = None
    for _ in range(max_iter):
        hv = torch.autograd.grad(grads, params, grad_outputs=v, retain_graph=True)
        new = float(sum((a * b).sum() for a, b in zip(hv, v, strict=True)))
        norm = torch.sqrt(sum((a * a).sum() for a in hv))
        v = [a / norm for a in hv]
        if eigenvalue is not None and abs(new - eigenvalue) / (abs(eigenvalue) + 1e-6) < tol:
            return new
        eigenvalue = new
    return eigenvalue


def pyhessian_top(model, X, y, tol, top_n=1):
    with torch.random.fork_rng():
        torch.manual_seed(0)
        try:
            from pyhessian import hessian
        except ImportError:
            return [power_iteration_stand_in(model, X, y, tol=tol)], "stand-in"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            h = hessian(model, CRITERION, data=(torch.as_tensor(X), torch.as_tensor(y)), cuda=False)
            values, _ = h.eigenvalues(maxIter=100, tol=tol, top_n=top_n)
        for p in model.parameters():  # PyHessian leaves gradients with graphs behind
            p.grad = None
        return values, "pyhessian 0.1"


def largest(X, y, lines, quick):
    model = train(lenet(0), X, y, 50)
    reference, _ = hessian_eigenpairs(model, CRITERION, X, y, k=5, which="LA", tol=1e-12)
    top = reference[0]
    repeats = 1 if quick else 3
    rows = []
    for tol in (1e-3, 1e-4, 1e-5, 1e-6):
        times = []
        for _ in range(repeats):
            run = timed(lambda tol=tol: pyhessian_top(copy_model(model), X, y, tol))
            (values, source), seconds = run.result, run.wall
            times.append(seconds)
        rows.append((source, f"tol={tol:g}", abs(values[0] - top) / top, np.median(times)))
    for dtype in ("float32", "float64"):
        for tol in (1e-3, 1e-6):
            times = []
            for _ in range(repeats):
                values, _, products, seconds, _ = solve(
                    model, X, y, k=1, which="LA", tol=tol, dtype=dtype, batch_size=len(X)
                )
                times.append(seconds)
            label = f"hessian_eigenpairs lanczos {dtype}"
            rows.append((label, f"tol={tol:g}, {products} products", abs(values[0] - top) / top,
                         np.median(times)))  # fmt: skip
    lines += [
        "## 2. Largest eigenvalue: Lanczos against PyHessian's power iteration",
        "",
        f"Same network, all {len(X)} rows in one batch: both keep the gradient's graph and "
        "take each product as one backward pass through it. "
        f"Reference lambda_1 = {top:.6f} (Lanczos, float64, tol 1e-12); medians of "
        f"{repeats} runs.",
        "",
        "| solver | setting | rel. error of lambda_1 | time (s) |",
        "|---|---|---:|---:|",
    ]
    for source, setting, error, seconds in rows:
        lines.append(f"| {source} | {setting} | {error:.1e} | {seconds:.2f} |")
        log(lines[-1])
    lines += [
        "",
        "Time to reach a relative error of lambda_1 (fastest setting that reaches it):",
        "",
    ]
    lines += [
        "| error below | PyHessian (s) | hessian_eigenpairs (s) | ratio |",
        "|---|---:|---:|---:|",
    ]
    for target in (1e-3, 1e-4, 1e-5):
        ph = [s for src, _, e, s in rows if not src.startswith("hessian") and e < target]
        ours = [s for src, _, e, s in rows if src.startswith("hessian") and e < target]
        ph_text = f"{min(ph):.2f}" if ph else "not reached"
        ratio = f"{min(ph) / min(ours):.1f}x faster" if ph and ours else "-"
        lines.append(f"| {target:g} | {ph_text} | {min(ours):.2f} | {ratio} |")
    # five eigenpairs: PyHessian deflates one power iteration per eigenpair
    run = timed(lambda: pyhessian_top(copy_model(model), X, y, 1e-4, top_n=5))
    (values5, source), ph5 = run.result, run.wall
    found, _, products, ours5, _ = solve(
        model, X, y, k=5, which="LA", tol=1e-6, dtype="float32", batch_size=len(X)
    )
    if source == "pyhessian 0.1":
        ph_error = np.max(np.abs(np.sort(values5)[::-1] - reference) / reference)
        ours_error = np.max(np.abs(found - reference) / reference)
        lines += [
            "",
            f"LA(5): PyHessian (tol 1e-4, deflation) {ph5:.2f} s, max rel. error "
            f"{ph_error:.1e}; `hessian_eigenpairs` (float32, tol 1e-6) {ours5:.2f} s "
            f"({products} products), max rel. error {ours_error:.1e}: "
            f"{ph5 / 5:.2f} s against {ours5 / 5:.2f} s per eigenpair.",
        ]
    lines.append("")


# -- 3. the smallest eigenvalues over training, and the fixed subset of 11.D -------------------
def smallest(X, y, lines, quick):
    checkpoints = (0, 50, 500) if quick else (0, 50, 500, 2000)
    n_rows = 300 if quick else 500
    Xs, ys = X[:n_rows], y[:n_rows]
    lines += [
        "## 3. Smallest eigenvalues over training",
        "",
        f"SA(3) of the mean loss over {n_rows} rows at RMSProp checkpoints (seed 0), tol 1e-6, "
        "float64; error against Lanczos at tol 1e-11. Products / time / max relative error.",
        "",
        "| step | lambda_min | lambda_max | lanczos | arpack | lobpcg |",
        "|---:|---:|---:|---|---|---|",
    ]
    model = lenet(0)
    done = 0
    totals = {m: [0, 0.0] for m in ("lanczos", "arpack", "lobpcg")}
    for step in checkpoints:
        train(model, X, y, step - done, seed=done)
        done = step
        reference, _ = hessian_eigenpairs(model, CRITERION, Xs, ys, k=3, which="SA", tol=1e-11,
                                          max_iter=1500)  # fmt: skip
        top, _ = hessian_eigenpairs(model, CRITERION, Xs, ys, k=1, which="LA")
        cells = []
        for method in ("lanczos", "arpack", "lobpcg"):
            found, _, products, seconds, failed = solve(
                model, Xs, ys, k=3, which="SA", method=method, max_iter=1000
            )
            error = np.max(np.abs(found - reference) / np.abs(reference))
            cells.append(
                f"{products} / {seconds:.1f} s / {error:.0e}{' (failed)' if failed else ''}"
            )
            totals[method][0] += products
            totals[method][1] += seconds
        lines.append(f"| {step} | {reference[-1]:.4f} | {top[0]:.2f} | " + " | ".join(cells) + " |")
        log(lines[-1])
    lines.append(
        "| total | | | " + " | ".join(f"{p} / {s:.1f} s" for p, s in totals.values()) + " |"
    )
    # appendix 11.D: a fixed subset against all the rows
    model = train(lenet(0), X, y, 50)
    full, full_vectors = hessian_eigenpairs(model, CRITERION, X, y, k=5)
    lines += [
        "",
        f"Fixed subsets (appendix 11.D) at step 50, LA(5) and SA(5) against all {len(X)} rows "
        f"(lambda_1 = {full[0]:.3f}, lambda_d = {full[-1]:.4f}):",
        "",
        "| subset | rows | max rel. diff LA(5) | max rel. diff SA(5) | angle v_1 | angle v_d "
        "| time ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    full_seconds = timed(hessian_eigenpairs, model, CRITERION, X, y, k=5).wall
    for fraction in (0.05, 0.25):
        run = timed(hessian_eigenpairs, model, CRITERION, X, y, k=5, subsample=fraction)
        (sub, sub_vectors), seconds = run.result, run.wall
        rel = np.abs(sub - full) / np.abs(full)
        ang = angles(sub_vectors[:, [0, -1]], full_vectors[:, [0, -1]])
        lines.append(
            f"| {fraction:.0%} | {round(fraction * len(X))} | {rel[:5].max():.2f} | "
            f"{rel[5:].max():.2f} | {ang[0]:.2f} | {ang[1]:.2f} | {seconds / full_seconds:.2f} |"
        )
        log(lines[-1])
    lines.append("")


# -- 4. NegativeCurvatureDescent against its base optimizer ------------------------------------
def run_optimizer(kind, base, seed, steps, X, y, lr=1e-3, record_every=100, **options):
    model = lenet(seed)
    if kind == "base":
        optimizer = base(model.parameters(), lr=lr)
    else:
        optimizer = NegativeCurvatureDescent(
            model.parameters(), lr=lr, base_optimizer=base, **options
        )
    generator = torch.Generator().manual_seed(1000 + seed)
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y)
    curve, clock, elapsed, fired = [], [], 0.0, 0
    for step in range(steps + 1):
        if step % record_every == 0:
            with torch.no_grad():
                curve.append(float(CRITERION(model(Xt), yt)))
            clock.append(elapsed)
        if step == steps:
            break
        rows = torch.randint(len(X), (32,), generator=generator)
        start = time.process_time()
        if kind == "base":
            optimizer.zero_grad()
            CRITERION(model(Xt[rows]), yt[rows]).backward()
            optimizer.step()
        else:
            optimizer.step(lambda rows=rows: CRITERION(model(Xt[rows]), yt[rows]))
            fired += optimizer.eigenvalue < 0
        elapsed += time.process_time() - start
    return np.array(curve), np.array(clock), fired / steps, model, optimizer


def step_costs(X, y, repeats):
    """CPU time per step as a ratio to a plain step, measured back to back."""
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y)
    rows = torch.arange(32)
    timings = {"plain": [], "exact": [], "finite_difference": []}
    for _ in range(repeats):
        for name in timings:
            model = lenet(0)
            if name == "plain":
                opt = torch.optim.Adam(model.parameters(), lr=1e-3)
            else:
                opt = NegativeCurvatureDescent(model.parameters(), lr=1e-3, hvp=name)

            def closure(name=name, model=model, opt=opt):
                opt.zero_grad()
                loss = CRITERION(model(Xt[rows]), yt[rows])
                if name != "exact":
                    loss.backward()
                return loss

            start = time.process_time()
            for _ in range(200):
                if name == "plain":
                    closure()
                    opt.step()
                else:
                    opt.step(closure)
            timings[name].append((time.process_time() - start) / 200)
    plain = np.median(timings["plain"])
    return {name: np.median(t) / plain for name, t in timings.items()}, plain


def tracking(X, y, steps):
    """Overlap of the running vector with the true most negative eigenvector (one seed), and
    how fast that eigenvector turns under Adam."""
    model = lenet(0)
    optimizer = NegativeCurvatureDescent(model.parameters(), lr=1e-3, curvature_lr=0.0)
    generator = torch.Generator().manual_seed(1000)
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y)
    rows_fixed = slice(0, 500)
    out = []
    for step in range(steps + 1):
        if step and step % (steps // 4) == 0:
            values, vectors = hessian_eigenpairs(model, CRITERION, X[rows_fixed], y[rows_fixed],
                                                 k=1, which="SA")  # fmt: skip
            v = optimizer.eigenvector.double().numpy()
            operator = HessianOperator(model, CRITERION, X[rows_fixed], y[rows_fixed])
            rayleigh = float(v @ operator.matvec(torch.as_tensor(v)).numpy())
            out.append((step, values[0], rayleigh, abs(v @ vectors[:, 0]), optimizer.eigenvalue))
        if step == steps:
            break
        rows = torch.randint(len(X), (32,), generator=generator)
        optimizer.step(lambda rows=rows: CRITERION(model(Xt[rows]), yt[rows]))
    # drift of the true eigenvector under plain Adam from step 200
    model = train(lenet(0), X, y, 200, optimizer=torch.optim.Adam)
    _, reference = hessian_eigenpairs(model, CRITERION, X[rows_fixed], y[rows_fixed], k=1,
                                      which="SA")  # fmt: skip
    drift, done = [], 0
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(7)
    for later in (1, 5, 10, 50, 200):
        for _ in range(later - done):
            rows = torch.randint(len(X), (32,), generator=generator)
            optimizer.zero_grad()
            CRITERION(model(Xt[rows]), yt[rows]).backward()
            optimizer.step()
        done = later
        _, vector = hessian_eigenpairs(model, CRITERION, X[rows_fixed], y[rows_fixed], k=1,
                                       which="SA")  # fmt: skip
        drift.append((later, abs(float(vector[:, 0] @ reference[:, 0]))))
    return out, drift


def optimizers(X, y, lines, quick):
    seeds = range(2 if quick else 5)
    steps = 300 if quick else 1000
    configs = [
        ("base", 1e-3, {}),
        ("ncd", 1e-3, {"curvature_lr": 1.0}),
        ("base", 3e-3, {}),
        ("ncd", 3e-3, {"curvature_lr": 1.0}),
    ]
    bases = {"Adam": torch.optim.Adam, "RMSProp": torch.optim.RMSprop}
    results, long_base = {}, {}
    for base_name, base in bases.items():
        for kind, lr, options in configs:
            label = f"{base_name} lr={lr:g}"
            if kind == "ncd":
                label = f"NCD({label}), curvature_lr={options['curvature_lr']:g}"
            runs = [run_optimizer(kind, base, s, steps, X, y, lr=lr, **options)[:3] for s in seeds]
            curves = np.array([r[0] for r in runs])
            clocks = np.array([r[1] for r in runs])
            fired = np.mean([r[2] for r in runs])
            results[label] = (curves, clocks, fired)
            log(f"{label} {np.round(curves.mean(axis=0), 4)}")
            if kind == "base":  # long enough to compare with NCD at equal CPU time
                runs = [run_optimizer(kind, base, s, 3 * steps, X, y, lr=lr)[:2] for s in seeds]
                long_base[label] = (np.array([r[0] for r in runs]), np.array([r[1] for r in runs]))
    ratios, plain = step_costs(X, y, 1 if quick else 3)
    lines += [
        "## 4. NegativeCurvatureDescent (11.E) against its base optimizer",
        "",
        f"{steps} steps of batch 32, {len(seeds)} seeds (initialisation and batch "
        "order); full-data training loss, mean ± standard deviation over seeds. NCD: exact "
        "products, `eigen_lr='auto'`, momentum 0.9, one product per step. *Fired*: fraction "
        "of steps taken with a negative running eigenvalue (when the curvature step applies). "
        "*At equal CPU time*: the base optimizer's loss after as much CPU time as the NCD run "
        "used for all its steps. The base learning rate 3e-3 is the control: does NCD do more "
        "than a larger step would?",
        "",
        f"| optimizer | loss @ {steps // 4} | loss @ {steps // 2} | loss @ {steps} | "
        "CPU s / run | fired | base at equal CPU time |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, (curves, clocks, fired) in results.items():
        q = [curves[:, len(curves[0]) * f // 4 if f < 4 else -1] for f in (1, 2, 4)]
        cells = [f"{c.mean():.4f} ± {c.std():.4f}" for c in q]
        equal = ""
        if label.startswith("NCD"):
            base_curves, base_clocks = long_base[label[4 : label.index(")")]]
            budget = clocks[:, -1]
            at = [
                np.interp(b, bc, cv)
                for b, bc, cv in zip(budget, base_clocks, base_curves, strict=True)
            ]
            equal = f"{np.mean(at):.4f} ± {np.std(at):.4f}"
        lines.append(
            f"| {label} | {' | '.join(cells)} | {clocks[:, -1].mean():.1f} | "
            f"{fired:.2f} | {equal} |"
        )
    lines += [
        "",
        f"CPU time per step, as a ratio to a plain Adam step ({plain * 1e3:.1f} ms), "
        "200 steps back to back, median of repeats: NCD with exact products "
        f"**{ratios['exact']:.2f}x**, with finite differences "
        f"**{ratios['finite_difference']:.2f}x**"
        " (one more forward-backward pass).",
        "",
    ]
    out, drift = tracking(X, y, 400 if quick else 1000)
    lines += [
        "Does the running vector find the most negative eigenvector while training? (Adam, "
        "curvature_lr = 0 so the path is Adam's; Hessian over 500 rows.)",
        "",
        "| step | true lambda_min | v^T H v (running v) | running estimate "
        "| overlap abs(v . v_d) |",
        "|---:|---:|---:|---:|---:|",
    ]
    for step, true, rayleigh, overlap, running in out:
        lines.append(f"| {step} | {true:.3f} | {rayleigh:.3f} | {running:.3f} | {overlap:.3f} |")
    lines += [
        "",
        "How fast the true most negative eigenvector turns under Adam (overlap with the one at "
        "step 200): " + ", ".join(f"{s} steps later {o:.2f}" for s, o in drift) + ".",
        "",
    ]
    figure(results)


def figure(results, record_every=100):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    palette = {}
    for label, (curves, clocks, _) in results.items():
        base_label = label[4 : label.index(")")] if label.startswith("NCD") else label
        color = palette.setdefault(base_label, plt.get_cmap("tab10")(len(palette)))
        style = "--" if label.startswith("NCD") else "-"
        steps = np.arange(curves.shape[1]) * record_every
        mean, std = curves.mean(axis=0), curves.std(axis=0)
        for ax, x in ((axes[0], steps), (axes[1], clocks.mean(axis=0))):
            ax.plot(x, mean, color=color, linestyle=style, label=label)
            ax.fill_between(x, mean - std, mean + std, color=color, alpha=0.12)
    for ax in axes:
        ax.set_yscale("log")
        ax.set_ylabel("full-data training loss")
    axes[0].set_xlabel("step (batch 32)")
    axes[1].set_xlabel("CPU seconds")
    axes[0].legend(fontsize="small")
    axes[0].set_title("loss against steps (mean ± std over seeds; dashed: NCD)")
    axes[1].set_title("loss against CPU time")
    fig.tight_layout()
    fig.savefig(FIGURE, dpi=100)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--sections", default="1234", help="sections to run, e.g. 4")
    args = parser.parse_args()
    torch.set_num_threads(1)
    X, y = digits()
    started = time.perf_counter()
    lines = [
        "# Curvature: Hessian eigenpairs and the negative-curvature optimizer",
        "",
        f"`python benchmarks/bench_curvature.py{' --quick' if args.quick else ''}` -- torch "
        f"{torch.__version__}, {torch.get_num_threads()} thread(s), {platform.machine()}, "
        f"Python {platform.python_version()}. Times are wall-clock (CPU time for the "
        "optimizer runs) on a shared 2-core machine; compare them within a table.",
        "",
    ]
    sections = {"1": accuracy, "2": largest, "3": smallest, "4": optimizers}
    for key in args.sections:
        sections[key](X, y, lines, args.quick)
    lines.append(f"Total run time {time.perf_counter() - started:.0f} s.")
    write_report(lines, RESULTS)


if __name__ == "__main__":
    main()
