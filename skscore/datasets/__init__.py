"""Toy data sets and exact ground-truth densities.

The generators reproduce the data of Alain & Bengio's experiments (the spiral of
thesis section 3.3.4 and a closed curve in 10-D) and load the binarised digits used
for the GSN experiments. :class:`GaussianMixtureDensity` gives the exact
log-density, score and smoothed density of a Gaussian mixture, the ground truth
against which score estimators, samplers and metrics are tested. :class:`BananaDensity`,
:class:`RingDensity`, :class:`NealFunnelDensity`, :class:`RotatedBananasDensity` and
:class:`StudentTDensity` are exact densities that are *not* Gaussian mixtures, for comparing
density estimators fairly.
"""

from skscore.datasets._densities import (
    BananaDensity,
    NealFunnelDensity,
    RingDensity,
    RotatedBananasDensity,
    StudentTDensity,
)
from skscore.datasets._mixtures import (
    GaussianMixtureDensity,
    load_binary_digits,
    make_manifold,
    make_spiral,
    manifold_density,
    random_mixture_density,
    spiral_density,
)

__all__ = [
    "BananaDensity",
    "GaussianMixtureDensity",
    "NealFunnelDensity",
    "RingDensity",
    "RotatedBananasDensity",
    "StudentTDensity",
    "load_binary_digits",
    "make_manifold",
    "make_spiral",
    "manifold_density",
    "random_mixture_density",
    "spiral_density",
]
