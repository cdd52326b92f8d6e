"""The typing rule of skscore's public API (the package ships ``py.typed``).

Every parameter of a public function, and of every public method (``__init__`` included) that
skscore defines on a public class, has an annotation (``self``/``cls``, ``*args`` and
``**kwargs`` excepted); every one, and every public property, has a return annotation; and
``typing.get_type_hints`` resolves them all, through the decorators too (``validate_params``,
``fill_doc``, ``_fit_context``).
"""

import importlib
import inspect
import typing

import pytest

PUBLIC_MODULES = [
    "skscore",
    "skscore.curvature",
    "skscore.datasets",
    "skscore.importance",
    "skscore.io",
    "skscore.metrics",
    "skscore.nonparametric",
    "skscore.plotting",
    "skscore.probes",
    "skscore.sampling",
]
UNANNOTATED_KINDS = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def _type_checking_names():
    """Names that skscore.plotting imports under ``TYPE_CHECKING`` only (matplotlib is
    imported lazily), so that ``get_type_hints`` can resolve them as a type checker would."""
    axes = pytest.importorskip("matplotlib.axes")
    colors = pytest.importorskip("matplotlib.colors")
    figure = pytest.importorskip("matplotlib.figure")
    return {"Axes": axes.Axes, "Colormap": colors.Colormap, "Figure": figure.Figure}


def _defined_here(function):
    return (getattr(function, "__module__", None) or "").startswith("skscore")


def _public_methods(cls):
    """(name, function) of ``__init__``, the public methods and the getters of the public
    properties that skscore defines on cls."""
    for name in dir(cls):
        if name.startswith("_") and name != "__init__":
            continue
        member = inspect.getattr_static(cls, name)
        if isinstance(member, (staticmethod, classmethod)):
            member = member.__func__
        elif isinstance(member, property):
            member = member.fget
        if inspect.isfunction(member) and _defined_here(member):
            yield name, member


def _public_callables():
    """(qualified name, function) of every public function and method, each once."""
    seen = set()
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj):
                members = [(f"{name}.{method}", f) for method, f in _public_methods(obj)]
            else:
                members = [(name, obj)]
            for qualified, function in members:
                if inspect.unwrap(function) not in seen:
                    seen.add(inspect.unwrap(function))
                    yield f"{module_name}.{qualified}", function


CALLABLES = sorted(_public_callables(), key=lambda pair: pair[0])


def _unannotated(function):
    signature = inspect.signature(function)
    missing = [
        name
        for name, parameter in signature.parameters.items()
        if name not in ("self", "cls")
        and parameter.kind not in UNANNOTATED_KINDS
        and parameter.annotation is inspect.Parameter.empty
    ]
    if signature.return_annotation is inspect.Signature.empty:
        missing.append("return")
    return missing


def test_the_public_api_is_collected():
    names = {name for name, _ in CALLABLES}
    assert "skscore.NoiseConditionalScoreEstimator.__init__" in names
    assert "skscore.DenoisingAEScoreEstimator.fit" in names
    assert "skscore.io.load" in names
    assert "skscore.curvature.NegativeCurvatureDescent.eigenvalue" in names  # a property
    assert len(CALLABLES) > 100


@pytest.mark.parametrize("function", [f for _, f in CALLABLES], ids=[n for n, _ in CALLABLES])
def test_public_signature_is_annotated(function):
    assert _unannotated(function) == []


@pytest.mark.parametrize("function", [f for _, f in CALLABLES], ids=[n for n, _ in CALLABLES])
def test_annotations_resolve(function):
    hints = typing.get_type_hints(function, localns=_type_checking_names())
    expected = {
        name
        for name, parameter in inspect.signature(function).parameters.items()
        if name not in ("self", "cls") and parameter.kind not in UNANNOTATED_KINDS
    }
    assert expected | {"return"} <= set(hints)


def test_unannotated_signature_is_reported():
    def untyped(X, *args, y: int = 0, **kwargs):
        return X

    assert _unannotated(untyped) == ["X", "return"]
