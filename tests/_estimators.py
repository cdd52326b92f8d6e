"""The one table of every estimator at tiny settings, shared by the test files.

Test files import it as a plain module (``tests/`` is on ``sys.path``: pytest's default
``prepend`` import mode puts it there for the test files, and ``conftest.py`` makes sure of it
for the other import modes)::

    from _estimators import CASES, estimators, factories, fit, fitted

A :class:`Case` is one estimator variant: an id (``"dae-residual"``, ``"field-tied"``, ...),
the class, the parameters that make the variant, and the *profiles* it belongs to. A profile
is one test file's tiny settings (:data:`PROFILES`): ``"check"`` for scikit-learn's
``check_estimator`` (enough epochs for its fit-quality checks), ``"fuzz"`` and ``"io"`` (two
epochs, narrower nets) and ``"memory"``. A case built for a profile gets, in this order
(later wins): :data:`BASE` (CPU, seed 0), the profile's network settings when the case trains
a network of the package's own (``net=True``; the probes' networks are the probes' own
business), the variant's parameters, then the case's overrides for that profile.
"""

import functools
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from skscore import (
    RCAE,
    ConservativeFieldRegressor,
    DenoisingAEScoreEstimator,
    GSNSampler,
    LinearProbeTransformer,
    NoiseConditionalScoreEstimator,
)
from skscore.probes import make_mlp

#: Every case: the CPU and a fixed seed.
BASE = {"device": "cpu", "random_state": 0}

#: Each profile's network settings (applied to cases with ``net=True``; ``n_estimator_samples``
#: only where the class has it).
PROFILES = {
    # scikit-learn's check_estimator: a few epochs, enough for its fit-quality checks
    "check": {"hidden_layer_sizes": (8,), "max_epochs": 5, "n_estimator_samples": 50},
    # property-based fuzzing (tests/test_fuzz.py): many fits, each as small as it gets
    "fuzz": {
        "hidden_layer_sizes": (4,),
        "max_epochs": 2,
        "batch_size": 8,
        "n_estimator_samples": 10,
    },
    # save/load round trips (tests/test_io.py)
    "io": {"hidden_layer_sizes": (6,), "max_epochs": 2, "n_estimator_samples": 20},
    # peak-memory ceilings of inference (tests/test_memory.py): one epoch, the model is a prop
    "memory": {"hidden_layer_sizes": (8,), "max_epochs": 1},
}

#: Inference families: which methods an estimator has (the test files dispatch on this).
FAMILIES = ("score", "gsn", "ncse", "field", "probes")


@dataclass(frozen=True)
class Case:
    """One estimator variant.

    ``profiles`` maps each profile the case is in to its overrides there (``{}``: the profile
    as it is). ``family`` names the inference methods (:data:`FAMILIES`); ``net`` whether the
    profile's network settings apply.
    """

    id: str
    cls: type
    family: str
    params: Mapping[str, Any] = field(default_factory=dict)
    profiles: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    net: bool = True

    def settings(self, profile: str) -> dict[str, Any]:
        """The keyword arguments of this case in ``profile``."""
        if profile not in self.profiles:
            raise KeyError(f"case {self.id!r} is not in profile {profile!r}")
        out = dict(BASE)
        if self.net:
            accepted = self.cls().get_params()
            out.update({k: v for k, v in PROFILES[profile].items() if k in accepted})
        return {**out, **self.params, **self.profiles[profile]}

    def make(self, profile: str):
        """A fresh, unfitted estimator of this case in ``profile``."""
        return self.cls(**self.settings(profile))


_ALL = {"check": {}, "fuzz": {}, "io": {}}
_CHECK_IO = {"check": {}, "io": {}}

_TABLE = [
    Case(
        "dae-residual",
        DenoisingAEScoreEstimator,
        "score",
        {"parametrization": "residual"},
        {**_ALL, "memory": {}},
    ),
    Case(
        "dae-autoencoder-tied",
        DenoisingAEScoreEstimator,
        "score",
        {"parametrization": "autoencoder", "tied_weights": True},
        _CHECK_IO,
    ),
    Case(
        "dae-residual-tied",
        DenoisingAEScoreEstimator,
        "score",
        {"parametrization": "residual", "tied_weights": True},
        {"fuzz": {}, "io": {}},
    ),
    Case(
        "dae-energy", DenoisingAEScoreEstimator, "score", {"parametrization": "energy"}, _CHECK_IO
    ),
    Case("rcae-residual", RCAE, "score", {"parametrization": "residual"}, {"check": {}}),
    Case(
        "rcae-autoencoder-exact",
        RCAE,
        "score",
        {"jacobian_penalty": "exact", "parametrization": "autoencoder"},
        {"check": {}},
    ),
    Case(
        "rcae-residual-exact",
        RCAE,
        "score",
        {"jacobian_penalty": "exact", "parametrization": "residual"},
        {"io": {"hidden_layer_sizes": (5, 4)}},
    ),
    Case("rcae-autoencoder", RCAE, "score", {"parametrization": "autoencoder"}, {"io": {}}),
    Case("rcae-energy", RCAE, "score", {"parametrization": "energy"}, {"fuzz": {}, "io": {}}),
    Case("gsn-gaussian", GSNSampler, "gsn", profiles=_ALL),
    # latent GSN (two layers, hidden noise) with learned walkback scaling factors
    Case(
        "gsn-latent",
        GSNSampler,
        "gsn",
        {"hidden_noise": 1.0, "learn_scaling": True},
        {"check": {"hidden_layer_sizes": (8, 8)}, "io": {"hidden_layer_sizes": (5, 4)}},
    ),
    Case("ncse-energy", NoiseConditionalScoreEstimator, "ncse", profiles=_ALL),
    Case(
        "ncse-residual",
        NoiseConditionalScoreEstimator,
        "ncse",
        {"parametrization": "residual"},
        _CHECK_IO,
    ),
    # check: batch 32 and lr 1e-2, enough steps for check_regressors_train's R^2 > 0.5 (1-D y
    # is the potential-target mode)
    Case(
        "field-gradient",
        ConservativeFieldRegressor,
        "field",
        profiles={**_ALL, "check": {"max_epochs": 20, "lr": 1e-2, "batch_size": 32}},
    ),
    Case(
        "field-tied",
        ConservativeFieldRegressor,
        "field",
        {"parametrization": "tied_ae"},
        {
            "check": {"hidden_layer_sizes": (32,), "max_epochs": 10, "lr": 1e-2, "batch_size": 32},
            "io": {},
        },
    ),
    Case(
        "field-untied",
        ConservativeFieldRegressor,
        "field",
        {"parametrization": "untied_ae"},
        {"io": {}},
    ),
    # the defaults: a small MLP trained on (X, y) at fit, then probed
    Case("probes-default", LinearProbeTransformer, "probes", profiles=_ALL, net=False),
    # a module factory called as model(n_features): the checks vary n_features (pitfall P12)
    Case(
        "probes-make_mlp-3-outputs",
        LinearProbeTransformer,
        "probes",
        {
            "model": functools.partial(
                make_mlp, hidden_layer_sizes=(8,), n_outputs=3, activation="tanh"
            )
        },
        {"check": {}},
        net=False,
    ),
    # a module factory and a probe of its own, as saved and loaded
    Case(
        "probes-make_mlp",
        LinearProbeTransformer,
        "probes",
        {
            "model": functools.partial(make_mlp, hidden_layer_sizes=(4,), activation="tanh"),
            "probe": LogisticRegression(C=0.5),
        },
        {"io": {}},
        net=False,
    ),
]

#: Every case by id.
CASES: dict[str, Case] = {case.id: case for case in _TABLE}
assert len(CASES) == len(_TABLE), "case ids must be unique"
assert all(case.family in FAMILIES for case in _TABLE)
assert all(set(case.profiles) <= set(PROFILES) for case in _TABLE)


def cases(profile: str) -> list[Case]:
    """The cases in ``profile``, in table order."""
    return [case for case in _TABLE if profile in case.profiles]


def estimators(profile: str) -> dict[str, Any]:
    """A fresh estimator of every case in ``profile``, by id."""
    return {case.id: case.make(profile) for case in cases(profile)}


def factories(profile: str) -> dict[str, Callable[[], Any]]:
    """A zero-argument factory of a fresh estimator for every case in ``profile``, by id."""
    return {case.id: functools.partial(case.make, profile) for case in cases(profile)}


def family(estimator_or_id) -> str:
    """The inference family of a case id or of an estimator (by its class)."""
    if isinstance(estimator_or_id, str):
        return CASES[estimator_or_id].family
    for case in _TABLE:
        if isinstance(estimator_or_id, case.cls):
            return case.family
    raise TypeError(f"no case of class {type(estimator_or_id).__name__}")


def fit_args(estimator, X) -> tuple:
    """The fit arguments the table's clean targets give: a field's ``Y = -X`` (the score of
    a standard normal), a probe's labels ``X[:, 0] > 0``, nothing else for the others."""
    kind = family(estimator)
    if kind == "field":
        return (X, -X)
    if kind == "probes":
        return (X, (X[:, 0] > 0).astype(int))
    return (X,)


def fit(estimator, X):
    """``estimator`` fitted on ``X`` (and :func:`fit_args`' targets), warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimator.fit(*fit_args(estimator, X))


def fitted(profile: str, X) -> dict[str, Any]:
    """Every case of ``profile`` fitted on ``X`` (see :func:`fit`), by id."""
    return {case.id: fit(case.make(profile), X) for case in cases(profile)}


def clean_data(n: int = 40, d: int = 2, seed: int = 0) -> np.ndarray:
    """Standard normal rows: clean data that every case fits."""
    return np.random.RandomState(seed).randn(n, d)
