"""Data-parallel training: wall time of a fit in N gloo processes (torchrun) against one process.

Runs ``examples/train_data_parallel.py`` (DAE, 256-256 units, 20,000 spiral rows) once in a
single process with one thread, once in one process with all cores' threads, and once under
``torchrun`` with ``--nproc`` processes of one thread each, for each global batch size, and
reports the fit times (the script's own timer, excluding start-up) and their ratios to the
single-process, single-thread baseline measured in the same run. Also reports the relative
Fisher divergence to the smoothed score, to show that the fits are comparable.

Run: ``python benchmarks/bench_data_parallel.py`` (about 3 min on 2 cores; ``--quick`` for a
smoke run). Writes ``benchmarks/results/data_parallel.md``.
"""

import os
import platform
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import argument_parser, log, write_report  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "train_data_parallel.py"
RESULTS = ROOT / "benchmarks" / "results" / "data_parallel.md"
LINE = re.compile(r"fit ([0-9.]+) s, relative Fisher divergence to the smoothed score ([0-9.]+)")


def run_fit(launcher, threads, epochs, batch_size):
    """Fit time (s) and Fisher divergence printed by the example under ``launcher``."""
    with tempfile.TemporaryDirectory() as tmp:
        args = ["--epochs", str(epochs), "--batch-size", str(batch_size)]
        args += ["--output", str(Path(tmp) / "model.pkl")]
        env = {**os.environ, "OMP_NUM_THREADS": str(threads), "TQDM_DISABLE": "1"}
        done = subprocess.run(
            [*launcher, str(EXAMPLE), *args], env=env, capture_output=True, text=True, check=True
        )
    fit_time, error = LINE.search(done.stdout).groups()
    return float(fit_time), float(error)


def main(quick):
    n_cores = os.cpu_count()
    n_processes = min(2, n_cores)
    settings = [(256, 3 if quick else 50), (2048, 2 if quick else 10)]
    rows = []
    for batch_size, epochs in settings:
        baseline = run_fit([sys.executable], 1, epochs, batch_size)
        threads = run_fit([sys.executable], n_cores, epochs, batch_size)
        torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
        parallel = run_fit([*torchrun, "--nproc_per_node", str(n_processes)], 1, epochs, batch_size)
        for name, (fit_time, error) in [
            ("1 process, 1 thread (baseline)", baseline),
            (f"1 process, {n_cores} threads", threads),
            (f"{n_processes} gloo processes, 1 thread each", parallel),
        ]:
            rows.append((batch_size, epochs, name, fit_time, fit_time / baseline[0], error))
            log(
                f"batch {batch_size:5d}, {epochs:3d} epochs, {name:38s} fit {fit_time:6.1f} s "
                f"({fit_time / baseline[0]:.2f}x baseline), Fisher {error:.3f}"
            )
    write_results(rows, quick)


def write_results(rows, quick):
    lines = [
        "# Data-parallel training (`bench_data_parallel.py`)",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"torch {torch.__version__}, no GPU. {'Quick smoke run. ' if quick else ''}"
        "DAE 256-256 on 20,000 spiral rows (`examples/train_data_parallel.py`); "
        "time = the fit alone; ratio = time / single-process single-thread time at the same "
        "batch size, measured in the same run (below 1 is faster).",
        "",
        "| global batch | epochs | setup | fit (s) | ratio | relative Fisher to p_sigma |",
        "|---|---|---|---|---|---|",
    ]
    for batch_size, epochs, name, fit_time, ratio, error in rows:
        lines.append(
            f"| {batch_size} | {epochs} | {name} | {fit_time:.1f} | {ratio:.2f}x | {error:.3f} |"
        )
    write_report(lines, RESULTS)


if __name__ == "__main__":
    main(argument_parser(__doc__, "a few epochs: a smoke run").parse_args().quick)
