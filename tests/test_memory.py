"""Memory ceilings: batched inference methods never hold all rows' intermediates at once.

Each method runs on a small and a five times larger X in a fresh process and two peaks are
compared: numpy's (``tracemalloc``) and the process's resident memory (``VmHWM``, reset
before each call, with glibc returning large blocks at once so that freed chunks do not
linger), which also counts torch's CPU allocations. Beyond the output itself, neither may grow
with the number of rows by more than a small multiple of the input: only bounded chunks of
rows (and of path points) are ever in flight.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import skscore

SCRIPT = r"""
import ctypes, json, sys, tracemalloc, warnings
import numpy as np, torch
torch.set_num_threads(1)
from _estimators import CASES  # tests/ is on PYTHONPATH

libc = ctypes.CDLL(None)

def vm(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) * 1024

rng = np.random.RandomState(0)
models = {}
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for d in (10, 40):
        models[d] = CASES["dae-residual"].make("memory")
        models[d].fit(rng.randn(200, d))
calls = {n: (int(n_small), int(d)) for n, n_small, d in (a.split(":") for a in sys.argv[1:])}
result = {}
for name, (n_small, d) in calls.items():
    est = models[d]
    call = {
        "grad_log_density": lambda X, Y: est.grad_log_density(X),
        "hessian_log_density": lambda X, Y: est.hessian_log_density(X),
        "score_samples": lambda X, Y: est.score_samples(X),
        "energy_difference": lambda X, Y: est.energy_difference(X, Y, n_path_points=1000),
    }[name]
    call(rng.randn(10, d), rng.randn(10, d))  # warm up
    for n in (n_small, 5 * n_small):
        X, Y = rng.randn(n, d), rng.randn(n, d)
        libc.malloc_trim(0)
        open("/proc/self/clear_refs", "w").write("5")  # VmHWM := VmRSS
        before = vm("VmRSS")
        tracemalloc.start()
        out = call(X, Y)
        numpy_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        result[f"{name}@{n}"] = {
            "rss": vm("VmHWM") - before, "numpy": numpy_peak,
            "output": out.nbytes, "input": X.nbytes,
        }
        del out, X, Y
print(json.dumps(result))
"""


#: Method, rows of the small run (the large one has five times more) and features. The small
#: run already fills an inference chunk (16384 rows), or two blocks of path points (2**22
#: floats each: 3276 rows of 32 points at d = 40, 104 segments of 1000 points; the previous
#: block's scores are alive while the next is built), so any growth between the runs comes
#: from holding every row at once.
CASES = [
    ("grad_log_density", 20000, 10),
    ("hessian_log_density", 20000, 10),
    ("score_samples", 8000, 40),
    ("energy_difference", 250, 40),  # 1000 path points per segment
]


@pytest.fixture(scope="module")
def peaks():
    if not Path("/proc/self/clear_refs").exists():
        pytest.skip("needs Linux's /proc/self/clear_refs to reset the peak resident memory")
    root = str(Path(skscore.__file__).resolve().parents[1])
    tests = str(Path(__file__).resolve().parent)  # the shared table, tests/_estimators.py
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [root, tests, os.environ.get("PYTHONPATH")])),
        "OMP_NUM_THREADS": "1",
        # large blocks are mapped and unmapped at once: freed chunks leave the resident set
        "MALLOC_MMAP_THRESHOLD_": "131072",
    }
    sizes = [f"{method}:{n_small}:{d}" for method, n_small, d in CASES]
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *sizes], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(("method", "n_small", "d"), CASES)
def test_peak_memory_does_not_grow_with_rows(peaks, method, n_small, d):
    small, large = peaks[f"{method}@{n_small}"], peaks[f"{method}@{5 * n_small}"]
    extra = {
        kind: (large[kind] - large["output"]) - (small[kind] - small["output"])
        for kind in ("numpy", "rss")
    }
    # numpy: at most a quarter of the input beyond the output (no (n, ...) temporaries:
    # outputs written in place, path points made per block)
    assert extra["numpy"] <= 0.25 * large["input"] + 2**20, (extra, large, small)
    # all allocations (torch included): a small multiple of the input, never path points or
    # Jacobians of every row at once
    assert extra["rss"] <= 3 * large["input"] + 8 * 2**20, (extra, large, small)
    # and the bound bites: a copy of the output per chunk would exceed it
    if method == "hessian_log_density":
        assert large["output"] > 3 * large["input"] + 8 * 2**20
