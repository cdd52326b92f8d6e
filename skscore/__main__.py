"""Command line: ``python -m skscore demo`` trains a score estimator on the thesis spiral.

The training data are drawn from a Gaussian-mixture stand-in of the spiral (or of the 10-D
manifold) whose score is known exactly, so the demo can print how far the learned score is from
the truth, beside a KernelDensity baseline, then draw Metropolis–Hastings samples and write a
figure.
"""

import argparse
import os
import sys
import time


def _parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m skscore", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="fit on the spiral, report score error, sample")
    demo.add_argument("--dataset", choices=["spiral", "manifold"], default="spiral")
    demo.add_argument(
        "--model",
        choices=["dae", "rcae", "both"],
        default="dae",
        help="estimator(s) to fit (RCAE: the contractive auto-encoder)",
    )
    demo.add_argument("--n-samples", type=int, default=10000, help="training points")
    demo.add_argument("--epochs", type=int, default=80)
    demo.add_argument("--sigma", type=float, default=None, help="noise level (data units)")
    demo.add_argument("--chains", type=int, default=1000, help="MH chains (samples drawn)")
    demo.add_argument("--output", default="skscore-demo.png", help="figure path (PNG)")
    demo.add_argument("--device", default="auto")
    demo.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def main(argv=None):
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch

    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    from ._demo import run_demo

    start = time.perf_counter()
    run_demo(args)
    print(f"done in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
