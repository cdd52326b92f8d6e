"""GSN chains on binarised digits: sample quality with the defaults and tuned, inpainting,
chain speed.

Fixed split of ``load_binary_digits`` (permutation seed 0): 1097 train / 300 valid / 400 test.

1. Parzen test log-likelihood (nats) from 10,000 consecutive chain states (10 chains x 1000
   after 100 burn-in steps), bandwidth chosen on the validation set, with binary centres (the
   sampled states) and mean-field centres (the reconstruction means they were drawn from), for
   ``GSNSampler()`` with its defaults (a walkback DAE with learned scaling, 600 epochs), the
   previous defaults, tuned GSNs (a plain DAE chain; the defaults' model trained 200, 400 and
   1000 epochs; a latent GSN trained 200 and 600 epochs), sklearn's BernoulliRBM (Gibbs) and
   the training set itself as centres. Every model is fitted with three seeds
   (``random_state`` 0, 1, 2; the chains use the same seed); the table gives the mean and
   the per-seed values.
2. Inpainting: left half of each test image missing, right half clamped; pixel accuracy of the
   fill thresholded at 0.5, beside KNNImputer, IterativeImputer and a clamped RBM chain.
3. Chain steps per second at 1,000 parallel chains, beside BernoulliRBM.gibbs (seed 0 models).

Run ``OMP_NUM_THREADS=1 python benchmarks/bench_gsn.py`` (about 30 minutes on 1 CPU thread) or
``--quick`` (one seed, 20 epochs). Writes ``benchmarks/results/gsn.md``.
"""

import os
import sys
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.experimental import enable_iterative_imputer  # noqa: E402, F401
from sklearn.impute import IterativeImputer, KNNImputer  # noqa: E402
from sklearn.neural_network import BernoulliRBM  # noqa: E402

from skscore import GSNSampler  # noqa: E402
from skscore.datasets import load_binary_digits  # noqa: E402
from skscore.metrics import parzen_log_likelihood  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import argument_parser, best_of, log, timed, write_report  # noqa: E402

torch.set_num_threads(1)
RESULTS = Path(__file__).parent / "results" / "gsn.md"

SEEDS = (0, 1, 2)
#: Every GSN row: the defaults, the defaults before they were retuned, and tuned models.
MODELS = {
    "GSNSampler() defaults": {},
    "previous defaults (256 units, no learned scaling, 100 epochs, batch 256, lr 1e-3)": dict(
        hidden_layer_sizes=(256,),
        learn_scaling=False,
        max_epochs=100,
        batch_size=256,
        lr=1e-3,
    ),
    "tuned: DAE chain (256 units, walkback=0, 200 epochs)": dict(
        hidden_layer_sizes=(256,),
        walkback=0,
        learn_scaling=False,
        max_epochs=200,
        batch_size=100,
        lr=3e-3,
    ),
    **{
        f"tuned: walkback DAE (256 units, learned scaling, {epochs} epochs)": dict(
            hidden_layer_sizes=(256,),
            learn_scaling=True,
            max_epochs=epochs,
            batch_size=100,
            lr=3e-3,
        )
        for epochs in (200, 400, 1000)
    },
    **{
        f"tuned: latent GSN (256-256, hidden noise 2, learned scaling, {epochs} epochs)": dict(
            hidden_layer_sizes=(256, 256),
            hidden_noise=2.0,
            learn_scaling=True,
            max_epochs=epochs,
            batch_size=100,
            lr=3e-3,
        )
        for epochs in (200, 600)
    },
}


def split_digits():
    X, _ = load_binary_digits(return_X_y=True)
    X = X[np.random.RandomState(0).permutation(len(X))]
    return X[:1097], X[1097:1397], X[1397:]


# -- BernoulliRBM baseline: Gibbs chains with a local RNG (same statistics as rbm.gibbs) --------


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def rbm_chain(rbm, v, n_keep, burn_in, rng, clamp=None):
    """Gibbs chain; returns sampled visibles and the means P(v | h) they were drawn from."""
    states, means = [], []
    for t in range(burn_in + n_keep):
        h = rng.uniform(size=(len(v), rbm.n_components)) < _sigmoid(
            v @ rbm.components_.T + rbm.intercept_hidden_
        )
        p = _sigmoid(h @ rbm.components_ + rbm.intercept_visible_)
        v = (rng.uniform(size=p.shape) < p).astype(np.float64)
        if clamp is not None:
            v = np.where(clamp[0], clamp[1], v)
        if t >= burn_in:
            states.append(v)
            means.append(p)
    return np.stack(states, 1), np.stack(means, 1)


def rbm_impute(rbm, X_missing, n_steps, rng, n_chains=10):
    """Clamped Gibbs chains, ``n_chains`` per row as in ``GSNSampler.impute``."""
    X_rep = np.repeat(X_missing, n_chains, axis=0)
    mask = np.isnan(X_rep)
    v = np.where(mask, rng.uniform(size=mask.shape) < 0.5, X_rep).astype(np.float64)
    _, means = rbm_chain(rbm, v, n_steps - n_steps // 2, n_steps // 2, rng, clamp=(~mask, v))
    fill = means.mean(1).reshape(len(X_missing), n_chains, -1).mean(1)
    return np.where(np.isnan(X_missing), fill, X_missing)


# -- measurements -----------------------------------------------------------------------------


def parzen_pair(states, means, X_valid, X_test):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return (
            parzen_log_likelihood(states, X_test, X_valid=X_valid),
            parzen_log_likelihood(means, X_test, X_valid=X_valid),
        )


def inpainting_accuracy(filled, X_test, mask):
    return float(np.mean((filled[mask] > 0.5) == (X_test[mask] > 0.5)))


def steps_per_second(step_fn, n_steps, repeats=3):
    """Steps per CPU second, best of ``repeats`` timings."""
    step_fn(2)  # warm-up
    return n_steps / best_of(lambda: step_fn(n_steps), repeats).cpu


def gsn_row(params, seeds, data, quick):
    """Parzen pairs and inpainting accuracy of one GSN configuration over ``seeds``."""
    X_train, X_valid, X_test, starts, X_missing, mask, n_chains, per_chain, burn_in = data
    results, fitted = [], None
    for seed in seeds:
        quick_params = {"max_epochs": 20} if quick else {}
        gsn = GSNSampler(**{**params, **quick_params}, device="cpu", random_state=seed)
        fit_s = timed(gsn.fit, X_train).cpu
        kwargs = dict(n_chains=n_chains, burn_in=burn_in, X_init=starts, random_state=seed)
        states = gsn.sample(n_chains * per_chain, **kwargs)
        means = gsn.sample(n_chains * per_chain, mean_field=True, **kwargs)
        ll_bin, ll_mf = parzen_pair(states, means, X_valid, X_test)
        acc = inpainting_accuracy(gsn.impute(X_missing, random_state=seed), X_test, mask)
        results.append((ll_bin, ll_mf, acc, fit_s))
        fitted = fitted or gsn
    return np.array(results), fitted


def main(quick=False):
    X_train, X_valid, X_test = split_digits()
    n_chains, per_chain, burn_in = (10, 200, 50) if quick else (10, 1000, 100)
    seeds = SEEDS[:1] if quick else SEEDS
    speed_steps = 20 if quick else 100
    left = np.tile(np.arange(8) < 4, 8)  # left half of every 8x8 image
    mask = np.broadcast_to(left, X_test.shape)
    X_missing = np.where(mask, np.nan, X_test)
    starts = X_train[np.random.RandomState(1).randint(len(X_train), size=n_chains)]
    data = (X_train, X_valid, X_test, starts, X_missing, mask, n_chains, per_chain, burn_in)
    V = X_train[np.random.RandomState(2).randint(len(X_train), size=1000)]
    rows = []

    # training set as centres
    ll_bin, _ = parzen_pair(X_train, X_train, X_valid, X_test)
    rows.append(("training set as centres", np.array([[ll_bin, np.nan, np.nan, np.nan]]), None))

    # BernoulliRBM
    results = []
    for seed in seeds:
        rbm = BernoulliRBM(
            n_components=100,
            learning_rate=0.01,
            batch_size=10,
            n_iter=50 if quick else 200,
            random_state=seed,
        )
        fit_s = timed(rbm.fit, X_train).cpu
        rng = np.random.RandomState(seed)
        states, means = rbm_chain(rbm, starts, per_chain, burn_in, rng)
        ll_bin, ll_mf = parzen_pair(states.reshape(-1, 64), means.reshape(-1, 64), X_valid, X_test)
        acc = inpainting_accuracy(rbm_impute(rbm, X_missing, 50, rng), X_test, mask)
        results.append((ll_bin, ll_mf, acc, fit_s))
        if seed == seeds[0]:
            first_rbm = rbm

    def rbm_steps(n):
        v = V
        for _ in range(n):
            v = first_rbm.gibbs(v)

    rows.append(
        (
            "BernoulliRBM-100 (PCD, lr 0.01, 200 epochs; Gibbs)",
            np.array(results),
            steps_per_second(rbm_steps, speed_steps),
        )
    )
    log(rows[-1])

    # GSN family
    for name, params in MODELS.items():
        results, gsn = gsn_row(params, seeds, data, quick)
        speed = steps_per_second(
            lambda k, gsn=gsn: gsn.sample(1000, burn_in=k - 1, X_init=V, random_state=0),
            speed_steps,
        )
        rows.append((name, results, speed))
        log(rows[-1])

    # imputation baselines
    knn = KNNImputer().fit(X_train).transform(X_missing)
    iterative = IterativeImputer(random_state=0, max_iter=10).fit(X_train).transform(X_missing)
    for name, filled in (("KNNImputer", knn), ("IterativeImputer", iterative)):
        acc = inpainting_accuracy(filled, X_test, mask)
        rows.append((name, np.array([[np.nan, np.nan, acc, np.nan]]), None))
    write_table(rows, quick, seeds, n_chains, per_chain, burn_in)


def _cell(values, spec, with_seeds=False):
    values = np.asarray(values, dtype=float)
    if np.isnan(values).all():
        return ""
    text = format(values.mean(), spec)
    if with_seeds and len(values) > 1:
        text += " (" + " / ".join(format(v, spec) for v in values) + ")"
    return text


def write_table(rows, quick, seeds, n_chains, per_chain, burn_in):
    by_name = {name: results for name, results, _ in rows}
    defaults = by_name["GSNSampler() defaults"][:, 0].mean()
    tuned = max(results[:, 0].mean() for name, results in by_name.items() if "tuned" in name)
    rbm = next(results for name, results in by_name.items() if "RBM" in name)[:, 0].mean()
    fit_defaults = by_name["GSNSampler() defaults"][:, 3].mean()
    lines = [
        "# GSN chains on binarised digits",
        "",
        f"Produced by `python benchmarks/bench_gsn.py{' --quick' if quick else ''}` "
        "(1 CPU thread; times are CPU seconds of the process, which on a shared machine "
        "stand for the wall time of an idle core). Split: "
        "`load_binary_digits` permuted with seed 0, 1097 train / 300 valid / 400 test. "
        f"Every model fitted with random_state {', '.join(map(str, seeds))}: mean, and the "
        "per-seed values in brackets. GSNs use the cosine learning-rate schedule (the "
        "default); rows other than the defaults give their settings.",
        "",
        f"Parzen: test log-likelihood (nats, higher is better) from {n_chains * per_chain:,} "
        f"consecutive chain states ({n_chains} chains x {per_chain} after {burn_in} burn-in "
        "steps, started at training rows), bandwidth chosen on the validation set; binary "
        "centres are the sampled states, mean-field centres the reconstruction means they were "
        "drawn from. Inpainting: left half of each test image missing, right half clamped "
        "(10 chains per row for the GSNs and the RBM, 50 steps, fill = mean reconstruction over "
        "the last 25, thresholded at 0.5). "
        "Speed: chain steps per CPU second with 1,000 parallel chains (best of 3 timings).",
        "",
        f"Defaults against the best tuned row (binary centres): {defaults:.2f} vs {tuned:.2f} "
        f"nats ({defaults - tuned:+.2f}); against BernoulliRBM {rbm:.2f} "
        f"({defaults - rbm:+.2f}). A default fit takes {fit_defaults:.0f} CPU seconds.",
        "",
        "| model | Parzen LL, binary centres | Parzen LL, mean-field centres "
        "| inpainting pixel accuracy | chain steps/s (1,000 chains) | fit (CPU s) |",
        "|---|---|---|---|---|---|",
    ]
    for name, results, speed in rows:
        cells = [
            _cell(results[:, 0], ".2f", True),
            _cell(results[:, 1], ".2f", True),
            _cell(results[:, 2], ".3f"),
            _cell([np.nan if speed is None else speed], ".0f"),
            _cell(results[:, 3], ".0f"),
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    print("\n".join(lines))
    if not quick:
        write_report(lines, RESULTS)


if __name__ == "__main__":
    main(quick=argument_parser(__doc__, "few epochs and samples").parse_args().quick)
