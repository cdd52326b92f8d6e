"""Every public object and every public method or property that skscore defines has a numpydoc
docstring with an Examples section; ``--doctest-modules`` runs those examples."""

import importlib
import inspect

import pytest

PUBLIC_MODULES = [
    "skscore",
    "skscore.curvature",
    "skscore.datasets",
    "skscore.importance",
    "skscore.metrics",
    "skscore.nonparametric",
    "skscore.plotting",
    "skscore.probes",
    "skscore.sampling",
]


def _defined_here(obj):
    return (getattr(obj, "__module__", None) or "").startswith("skscore")


def _public_members(cls):
    """(name, object) of the public functions and properties that skscore defines on cls."""
    for name in dir(cls):
        if name.startswith("_"):
            continue
        static = inspect.getattr_static(cls, name)
        target = static.fget if isinstance(static, property) else static
        if isinstance(target, (staticmethod, classmethod)):
            target = target.__func__
        if inspect.isfunction(target) and _defined_here(target):
            yield name, target


def _public_api():
    seen = set()
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if id(obj) in seen or not _defined_here(obj):
                continue
            seen.add(id(obj))
            yield f"{module_name}.{name}", obj
            if inspect.isclass(obj):
                for member_name, member in _public_members(obj):
                    yield f"{module_name}.{name}.{member_name}", member


PUBLIC_API = dict(_public_api())


def test_the_public_api_is_found():
    assert "skscore.DenoisingAEScoreEstimator.grad_log_density" in PUBLIC_API
    assert "skscore.datasets.GaussianMixtureDensity.score" in PUBLIC_API
    assert len(PUBLIC_API) > 80


@pytest.mark.parametrize("name", sorted(PUBLIC_API))
def test_public_docstring_has_runnable_examples(name):
    doc = inspect.getdoc(PUBLIC_API[name]) or ""
    assert doc, f"{name} has no docstring"
    assert "\nExamples\n--------\n" in doc, f"{name} has no Examples section"
    examples = doc.split("\nExamples\n--------\n", 1)[1]
    assert ">>> " in examples, f"{name}'s Examples section has no doctest"
