"""Every gallery example runs to completion and writes its figure, and the data-parallel
example runs under torchrun (slow: run with -m slow)."""

import os
import pickle
import runpy
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("plot_*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_runs_and_saves_a_figure(path, tmp_path, monkeypatch):
    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    import matplotlib.pyplot as plt

    try:
        runpy.run_path(str(path), run_name="__main__")
    finally:
        plt.close("all")  # examples end with plt.show(): their figures stay open
    assert any(name.endswith(".png") for name in os.listdir(tmp_path))


@pytest.mark.slow
def test_data_parallel_example_runs_under_torchrun(tmp_path):
    script = Path(__file__).parent.parent / "examples" / "train_data_parallel.py"
    output = tmp_path / "model.pkl"
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
    command += ["--nproc_per_node", "2", str(script), "--n-samples", "2000", "--epochs", "3"]
    command += ["--output", str(output)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "2 process(es) on cpu" in done.stdout
    with open(output, "rb") as f:
        assert pickle.load(f).grad_log_density(np.zeros((1, 2))).shape == (1, 2)
