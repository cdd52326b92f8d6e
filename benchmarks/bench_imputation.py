"""GSNSampler as an imputer on digits with entries missing completely at random.

Data: scikit-learn's 8x8 digits, scaled to [0, 1] (pixel / 16, "grey") and binarised
(``load_binary_digits``, "bits"). Every entry of every row (training and test alike) is hidden
independently with probability 20% or 50% (mask seed 0). Split: stratified, 1,257 training /
540 test rows (seed 0). Imputers, all fitted on the incomplete training rows:
``SimpleImputer(strategy="mean")``, ``KNNImputer()``, ``IterativeImputer(random_state=0)``
(BayesianRidge, 10 rounds), ``GSNSampler()`` with its defaults (``random_state=0``) and a
cheaper GSN (a plain DAE chain trained for a third of the epochs).

1. Imputation error on the hidden entries of the test rows: RMSE (pixel units, [0, 1]) and,
   for bits, the accuracy of the fill thresholded at 0.5.
2. Downstream accuracy: ``make_pipeline(imputer, LogisticRegression(max_iter=2000))`` fitted on
   the incomplete training rows, accuracy on the incomplete test rows (the classifier on
   complete data is the ceiling).
3. CPU time of the imputer's ``fit`` + ``transform`` of the training and test rows (as in the
   pipeline), and its ratio to ``KNNImputer``'s in the same run.

Run ``OMP_NUM_THREADS=1 python benchmarks/bench_imputation.py`` (about 15 minutes on one
thread) or ``--quick`` (20% missing, grey digits only, few epochs). Writes
``benchmarks/results/imputation.md``.
"""

import os
import sys
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.experimental import enable_iterative_imputer  # noqa: E402, F401
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from skscore import GSNSampler  # noqa: E402
from skscore.datasets import load_binary_digits  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import argument_parser, log, timed, write_report  # noqa: E402

torch.set_num_threads(1)
RESULTS = Path(__file__).parent / "results" / "imputation.md"

#: A cheaper GSN beside the defaults: a plain DAE chain (no walkback), a third of the epochs.
CHEAP = dict(walkback=0, max_epochs=200)


def imputers(quick):
    gsn_quick = dict(max_epochs=10) if quick else {}
    return {
        "SimpleImputer (mean)": SimpleImputer(strategy="mean"),
        "KNNImputer": KNNImputer(),
        "IterativeImputer": IterativeImputer(max_iter=10, random_state=0),
        "GSNSampler() defaults": GSNSampler(random_state=0, **gsn_quick),
        "GSNSampler(walkback=0, max_epochs=200)": GSNSampler(
            random_state=0, **{**CHEAP, **gsn_quick}
        ),
    }


def datasets():
    X_grey, y = load_digits(return_X_y=True)
    X_bits, y_bits = load_binary_digits(return_X_y=True)
    assert (y == y_bits).all()
    return {"grey (pixel / 16)": X_grey / 16.0, "bits": X_bits}, y


def classifier():
    return LogisticRegression(max_iter=2000)


def evaluate(imputer, X_train, X_test, y_train, y_test, X_test_true, mask_test, bits):
    """Fit the imputer and the classifier as ``make_pipeline(imputer, classifier)`` would."""
    imputer = clone(imputer)
    run = timed(lambda: (imputer.fit_transform(X_train), imputer.transform(X_test)))
    (filled_train, filled_test), seconds = run.result, run.cpu
    error = filled_test[mask_test] - X_test_true[mask_test]
    row = {
        "rmse": float(np.sqrt(np.mean(error**2))),
        "bit_accuracy": (
            float(np.mean((filled_test[mask_test] > 0.5) == X_test_true[mask_test]))
            if bits
            else None
        ),
        "accuracy": classifier().fit(filled_train, y_train).score(filled_test, y_test),
        "seconds": seconds,
    }
    return row


def main(quick=False):
    data, y = datasets()
    rates = (0.2,) if quick else (0.2, 0.5)
    if quick:
        data = {k: v for k, v in data.items() if k.startswith("grey")}
    sections = []
    for name, X in data.items():
        train, test = train_test_split(np.arange(len(X)), test_size=540, stratify=y, random_state=0)
        ceiling = classifier().fit(X[train], y[train]).score(X[test], y[test])
        for rate in rates:
            mask = np.random.RandomState(0).uniform(size=X.shape) < rate
            X_missing = np.where(mask, np.nan, X)
            rows = {}
            for imputer_name, imputer in imputers(quick).items():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    rows[imputer_name] = evaluate(
                        imputer,
                        X_missing[train],
                        X_missing[test],
                        y[train],
                        y[test],
                        X[test],
                        mask[test],
                        bits=name == "bits",
                    )
                log(f"{name} {rate} {imputer_name} {rows[imputer_name]}")
            sections.append((name, rate, ceiling, rows))
    write_table(sections, quick)


def _fmt(value, spec):
    return "" if value is None else format(value, spec)


def write_table(sections, quick):
    lines = [
        "# Imputation of digits with entries missing completely at random",
        "",
        f"Produced by `python benchmarks/bench_imputation.py{' --quick' if quick else ''}` "
        "(1 CPU thread; times are CPU seconds of the process). Every entry hidden "
        "independently (mask seed 0) in training and test rows; stratified split 1,257 train "
        "/ 540 test (seed 0). Each imputer is fitted on the incomplete training rows. RMSE "
        "(pixel units, [0, 1]) and bit accuracy (fill thresholded at 0.5) on the hidden test "
        "entries; downstream: `make_pipeline(imputer, LogisticRegression(max_iter=2000))` "
        "fitted on the incomplete training rows, accuracy on the incomplete test rows (the "
        "ceiling is the classifier on complete data). Time: CPU seconds of fit + transform of "
        "the training and test rows, and the ratio to KNNImputer's.",
    ]
    for name, rate, ceiling, rows in sections:
        knn_seconds = rows["KNNImputer"]["seconds"]
        bits = name == "bits"
        lines += [
            "",
            f"## {name}, {rate:.0%} missing (complete-data accuracy {ceiling:.3f})",
            "",
            "| imputer | RMSE | "
            + ("bit accuracy | " if bits else "")
            + "pipeline accuracy | time (CPU s) | time / KNNImputer |",
            "|---|---|" + ("---|" if bits else "") + "---|---|---|",
        ]
        for imputer_name, row in rows.items():
            lines.append(
                f"| {imputer_name} | {row['rmse']:.4f} | "
                + (f"{_fmt(row['bit_accuracy'], '.3f')} | " if bits else "")
                + f"{row['accuracy']:.3f} | {row['seconds']:.1f} | "
                f"{row['seconds'] / knn_seconds:.2g}x |"
            )
    print("\n".join(lines))
    if not quick:
        write_report(lines, RESULTS)


if __name__ == "__main__":
    main(quick=argument_parser(__doc__, "one setting, few epochs").parse_args().quick)
