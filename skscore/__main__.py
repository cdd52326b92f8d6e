"""Command line: ``python -m skscore demo`` trains a score model on the thesis spiral.

The training data are drawn from a stand-in of the spiral (or of a 10-D manifold) whose density
and score are known exactly, so the demo can print how far the learned model is from the truth
(held-out log-likelihood, score error) beside scikit-learn's KernelDensity and
GaussianMixture, then draw samples and write a figure.
"""

import argparse
import os
import sys
import time

MODELS = ("ncse", "dae", "rcae", "all")
DEFAULT = " (default: %(default)s)"


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive finite number, got {text}")
    return value


def _parser():
    parser = argparse.ArgumentParser(prog="python -m skscore", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    demo = commands.add_parser(
        "demo",
        help="fit a score model on the spiral, compare with the exact density, sample, plot",
        description=(
            "Fit a score model on points from the thesis spiral (or a closed curve in 10-D), "
            "print its held-out log-likelihood and score error against the exact density "
            "beside scikit-learn's KernelDensity and GaussianMixture, draw samples and write "
            "a figure."
        ),
    )
    demo.add_argument(
        "--dataset",
        choices=["spiral", "manifold"],
        default="spiral",
        help="the 2-D thesis spiral, or a closed 1-D curve in 10-D" + DEFAULT,
    )
    demo.add_argument(
        "--model",
        choices=MODELS,
        default="ncse",
        help="estimator(s) to fit: the noise-conditional score model (ncse), the denoising "
        "(dae) or contractive (rcae) auto-encoder, or all three (samples from the first)" + DEFAULT,
    )
    demo.add_argument(
        "--n-samples",
        type=_positive_int,
        default=10000,
        help="training points" + DEFAULT,
    )
    demo.add_argument(
        "--epochs",
        type=_positive_int,
        default=None,
        help="training epochs (default: the estimator's max_epochs)",
    )
    demo.add_argument(
        "--sigma",
        type=_positive_float,
        default=None,
        help="noise level in data units: sigma_min of ncse, sigma of dae and rcae "
        "(default: 'auto', derived from the data)",
    )
    demo.add_argument(
        "--chains",
        type=_positive_int,
        default=1000,
        help="samples drawn, one per chain" + DEFAULT,
    )
    demo.add_argument(
        "--output",
        default=None,
        help="figure path, PNG (default: skscore-demo-<dataset>-<model>.png)",
    )
    demo.add_argument(
        "--device",
        default="auto",
        help="'auto', 'cpu', 'cuda' or 'cuda:N', checked before any work" + DEFAULT,
    )
    demo.add_argument(
        "--seed", type=int, default=0, help="seed of the data and the models" + DEFAULT
    )
    return parser, demo


def main(argv=None):
    """Run the command line; returns the exit status (0 success, 2 a usage error)."""
    parser, demo = _parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch

    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    from skscore._core.base import resolve_device

    try:
        args.device = resolve_device(args.device)
    except ValueError as exc:
        demo.error(str(exc))  # exits with status 2 before any work
    if args.output is None:
        args.output = f"skscore-demo-{args.dataset}-{args.model}.png"
    if not os.path.isdir(os.path.dirname(os.path.abspath(args.output))):
        demo.error(f"the folder of --output {args.output!r} does not exist")
    from skscore._demo import run_demo

    start = time.perf_counter()
    run_demo(args)
    print(f"done in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
