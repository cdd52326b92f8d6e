"""GSN chains on binarised digits: sample quality, inpainting and chain speed.

Fixed split of ``load_binary_digits`` (permutation seed 0): 1097 train / 300 valid / 400 test.

1. Parzen test log-likelihood (nats) from 10,000 consecutive chain states (10 chains x 1000
   after 100 burn-in steps), bandwidth chosen on the validation set, with binary centres (the
   sampled states) and mean-field centres (the reconstruction means they were drawn from), for
   sklearn's BernoulliRBM (Gibbs), a plain DAE chain, a walkback DAE, a latent (2-layer) GSN,
   and the training set itself as centres.
2. Inpainting: left half of each test image missing, right half clamped; pixel accuracy of the
   fill thresholded at 0.5, beside KNNImputer, IterativeImputer and a clamped RBM chain.
3. Chain steps per second at 1,000 parallel chains, beside BernoulliRBM.gibbs.

Run ``python benchmarks/bench_gsn.py`` (about 10 minutes on 1 CPU thread) or ``--quick``.
Writes ``benchmarks/results/gsn.md``.
"""

import argparse
import os
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.experimental import enable_iterative_imputer  # noqa: E402, F401
from sklearn.impute import IterativeImputer, KNNImputer  # noqa: E402
from sklearn.neural_network import BernoulliRBM  # noqa: E402
from skorch.callbacks import LRScheduler  # noqa: E402
from torch.optim.lr_scheduler import CosineAnnealingLR  # noqa: E402

from skscore import GSNSampler  # noqa: E402
from skscore.datasets import load_binary_digits  # noqa: E402
from skscore.metrics import parzen_log_likelihood  # noqa: E402

torch.set_num_threads(1)
RESULTS = Path(__file__).parent / "results" / "gsn.md"

TRAINING = dict(batch_size=100, lr=3e-3, device="cpu", random_state=0)
MODELS = {
    "DAE chain (walkback=0)": dict(hidden_layer_sizes=(256,), walkback=0),
    "walkback DAE (geometric, learned scaling)": dict(
        hidden_layer_sizes=(256,), walkback="geometric", learn_scaling=True
    ),
    "latent GSN (256-256, hidden_noise=2, learned scaling)": dict(
        hidden_layer_sizes=(256, 256), hidden_noise=2.0, learn_scaling=True
    ),
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
    """Best of ``repeats`` timings (the least disturbed by other processes)."""
    step_fn(2)  # warm-up
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        step_fn(n_steps)
        best = min(best, time.perf_counter() - start)
    return n_steps / best


def main(quick=False):
    X_train, X_valid, X_test = split_digits()
    n_chains, per_chain, burn_in = (10, 200, 50) if quick else (10, 1000, 100)
    epochs = 20 if quick else 200
    speed_steps = 20 if quick else 100
    left = np.tile(np.arange(8) < 4, 8)  # left half of every 8x8 image
    mask = np.broadcast_to(left, X_test.shape)
    X_missing = np.where(mask, np.nan, X_test)
    starts = X_train[np.random.RandomState(1).randint(len(X_train), size=n_chains)]
    rows = []

    # training set as centres
    ll_bin, _ = parzen_pair(X_train, X_train, X_valid, X_test)
    rows.append(("training set as centres", ll_bin, None, None, None, None))

    # BernoulliRBM
    start = time.perf_counter()
    rbm = BernoulliRBM(
        n_components=100,
        learning_rate=0.01,
        batch_size=10,
        n_iter=50 if quick else 200,
        random_state=0,
    ).fit(X_train)
    fit_s = time.perf_counter() - start
    rng = np.random.RandomState(0)
    states, means = rbm_chain(rbm, starts, per_chain, burn_in, rng)
    ll_bin, ll_mf = parzen_pair(states.reshape(-1, 64), means.reshape(-1, 64), X_valid, X_test)
    acc = inpainting_accuracy(rbm_impute(rbm, X_missing, 50, rng), X_test, mask)
    V = X_train[np.random.RandomState(2).randint(len(X_train), size=1000)]

    def rbm_steps(n):
        v = V
        for _ in range(n):
            v = rbm.gibbs(v)

    speed = steps_per_second(rbm_steps, speed_steps)
    rbm_name = "BernoulliRBM-100 (PCD, lr 0.01; Gibbs)"
    rows.append((rbm_name, ll_bin, ll_mf, acc, speed, fit_s))
    print(rows[-1], flush=True)

    # GSN family
    for name, params in MODELS.items():
        start = time.perf_counter()
        cosine = LRScheduler(policy=CosineAnnealingLR, T_max=epochs)
        gsn = GSNSampler(**params, max_epochs=epochs, callbacks=[cosine], **TRAINING)
        gsn.fit(X_train)
        fit_s = time.perf_counter() - start
        n = n_chains * per_chain
        kwargs = dict(n_chains=n_chains, burn_in=burn_in, X_init=starts, random_state=0)
        states = gsn.sample(n, **kwargs)
        means = gsn.sample(n, mean_field=True, **kwargs)
        ll_bin, ll_mf = parzen_pair(states, means, X_valid, X_test)
        acc = inpainting_accuracy(gsn.impute(X_missing, random_state=0), X_test, mask)
        speed = steps_per_second(
            lambda k, gsn=gsn: gsn.sample(1000, burn_in=k - 1, X_init=V, random_state=0),
            speed_steps,
        )
        rows.append((name, ll_bin, ll_mf, acc, speed, fit_s))
        print(rows[-1], flush=True)

    # imputation baselines
    X_obs = np.where(mask, np.nan, X_test)
    knn = KNNImputer().fit(X_train).transform(X_obs)
    iterative = IterativeImputer(random_state=0, max_iter=10).fit(X_train).transform(X_obs)
    rows.append(("KNNImputer", None, None, inpainting_accuracy(knn, X_test, mask), None, None))
    rows.append(
        (
            "IterativeImputer",
            None,
            None,
            inpainting_accuracy(iterative, X_test, mask),
            None,
            None,
        )
    )
    write_table(rows, quick, epochs, n_chains, per_chain, burn_in)


def _fmt(value, spec):
    return "" if value is None else format(value, spec)


def write_table(rows, quick, epochs, n_chains, per_chain, burn_in):
    lines = [
        "# GSN chains on binarised digits",
        "",
        f"Produced by `python benchmarks/bench_gsn.py{' --quick' if quick else ''}` "
        "(1 CPU thread; timings are noisy on a shared machine). Split: "
        "`load_binary_digits` permuted with seed 0, 1097 train / 300 valid / 400 test. "
        f"GSNs: {epochs} epochs, Adam lr 3e-3 with cosine decay, batch 100.",
        "",
        f"Parzen: test log-likelihood (nats, higher is better) from {n_chains * per_chain:,} "
        f"consecutive chain states ({n_chains} chains x {per_chain} after {burn_in} burn-in "
        "steps, started at training rows), bandwidth chosen on the validation set; binary "
        "centres are the sampled states, mean-field centres the reconstruction means they were "
        "drawn from. Inpainting: left half of each test image missing, right half clamped "
        "(10 chains per row for the GSNs and the RBM, 50 steps, fill = mean reconstruction over "
        "the last 25, thresholded at 0.5). "
        "Speed: chain steps per second with 1,000 parallel chains (best of 3 timings).",
        "",
        "| model | Parzen LL, binary centres | Parzen LL, mean-field centres "
        "| inpainting pixel accuracy | chain steps/s (1,000 chains) | fit (s) |",
        "|---|---|---|---|---|---|",
    ]
    for name, ll_bin, ll_mf, acc, speed, fit_s in rows:
        lines.append(
            f"| {name} | {_fmt(ll_bin, '.2f')} | {_fmt(ll_mf, '.2f')} | {_fmt(acc, '.3f')} "
            f"| {_fmt(speed, '.0f')} | {_fmt(fit_s, '.0f')} |"
        )
    print("\n".join(lines))
    if not quick:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few epochs and samples")
    main(quick=parser.parse_args().quick)
