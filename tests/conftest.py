"""Test configuration: one torch thread (tiny nets run several times faster), CPU only."""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import torch  # noqa: E402

torch.set_num_threads(1)

# tests/_estimators.py (the shared estimator table) is imported as a plain module: pytest's
# default "prepend" import mode puts this folder on sys.path, other import modes do not
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))
