"""The docstring rule of skscore's public API.

- Every public class and every public function has a numpydoc docstring with an Examples
  section holding at least one doctest; ``--doctest-modules`` runs it.
- Every public method and property that skscore defines has a numpydoc docstring: a summary
  line, a Parameters section when it takes parameters (beyond ``self``/``cls``) and a
  Returns (or Yields) section when it returns a value. An Examples section is optional: a
  method gets one only where it teaches something the class example does not (no repeated
  fits, no accuracy assertions: those belong in the test suite); if present it holds a
  doctest, which ``--doctest-modules`` runs.
"""

import ast
import doctest
import importlib
import inspect

import pytest

PUBLIC_MODULES = [
    "skscore",
    "skscore.curvature",
    "skscore.datasets",
    "skscore.exceptions",
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
            yield name, target, isinstance(static, property)


def _public_api():
    """name -> (object, kind), kind one of "class", "function", "method", "property"."""
    seen = set()
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if id(obj) in seen or not _defined_here(obj):
                continue
            seen.add(id(obj))
            if inspect.isclass(obj):
                yield f"{module_name}.{name}", (obj, "class")
                for member_name, member, is_property in _public_members(obj):
                    kind = "property" if is_property else "method"
                    yield f"{module_name}.{name}.{member_name}", (member, kind)
            else:
                yield f"{module_name}.{name}", (obj, "function")


# ---------------------------------------------------------------------------
# the checks
# ---------------------------------------------------------------------------


def _sections(doc):
    """Numpydoc section titles of a docstring (a line underlined by dashes)."""
    lines = doc.splitlines()
    return {
        lines[i].strip()
        for i in range(len(lines) - 1)
        if lines[i].strip()
        and set(lines[i + 1].strip()) == {"-"}
        and len(lines[i + 1].strip()) == len(lines[i].strip())
    }


def _takes_parameters(func):
    params = list(inspect.signature(inspect.unwrap(func)).parameters.values())
    if params and params[0].name in ("self", "cls"):
        params = params[1:]
    return bool(params)


def _returns_a_value(func):
    """Whether the function's own body (not nested functions) has ``return <value>``/yield."""
    func = inspect.unwrap(func)
    try:
        module_source = inspect.getsource(inspect.getmodule(func))
    except (OSError, TypeError):
        return False
    # Parse the whole module (a docstring line at column 0 defeats dedenting one method).
    line = func.__code__.co_firstlineno
    tree = next(
        node
        for node in ast.walk(ast.parse(module_source))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and (node.decorator_list[0].lineno if node.decorator_list else node.lineno) == line
    )

    def walk(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            if isinstance(child, ast.Return) and child.value is not None:
                if not (isinstance(child.value, ast.Constant) and child.value.value is None):
                    return True
            if isinstance(child, (ast.Yield, ast.YieldFrom)):
                return True
            if walk(child):
                return True
        return False

    return walk(tree)


def _has_doctest(doc):
    examples = doc.split("\nExamples\n--------\n", 1)[1]
    examples = examples.split("\n\n\n", 1)[0]
    return bool(doctest.DocTestParser().get_examples(examples))


def docstring_problems(obj, kind):
    """The ways the docstring of ``obj`` (of the given kind) breaks the rule; [] if none."""
    doc = inspect.getdoc(obj) or ""
    if not doc.strip():
        return ["no docstring"]
    problems = []
    if not doc.splitlines()[0].strip():
        problems.append("no summary line")
    sections = _sections(doc)
    if kind in ("class", "function"):
        if "Examples" not in sections:
            problems.append("no Examples section")
        elif not _has_doctest(doc):
            problems.append("an Examples section without a doctest")
    elif "Examples" in sections and not _has_doctest(doc):
        problems.append("an Examples section without a doctest")
    if kind in ("function", "method"):
        if _takes_parameters(obj) and "Parameters" not in sections:
            problems.append("parameters but no Parameters section")
        if _returns_a_value(obj) and not sections & {"Returns", "Yields"}:
            problems.append("a return value but no Returns section")
    return problems


PUBLIC_API = dict(_public_api())


def test_the_public_api_is_found():
    assert PUBLIC_API["skscore.DenoisingAEScoreEstimator"][1] == "class"
    assert PUBLIC_API["skscore.DenoisingAEScoreEstimator.grad_log_density"][1] == "method"
    assert PUBLIC_API["skscore.datasets.GaussianMixtureDensity.means"][1] == "property"
    assert PUBLIC_API["skscore.sampling.mala"][1] == "function"
    assert PUBLIC_API["skscore.exceptions.NonFiniteLossError"][1] == "class"
    assert len(PUBLIC_API) > 80


@pytest.mark.parametrize("name", sorted(PUBLIC_API))
def test_public_docstring_follows_the_rule(name):
    obj, kind = PUBLIC_API[name]
    assert not docstring_problems(obj, kind), f"{name} ({kind}): {docstring_problems(obj, kind)}"


# ---------------------------------------------------------------------------
# the checks can fail
# ---------------------------------------------------------------------------


class _Fake:
    """A fake public class.

    Parameters
    ----------
    a : int
        Anything.
    """

    def documented(self, x):
        """Double ``x``.

        Parameters
        ----------
        x : float
            The input.

        Returns
        -------
        y : float
            ``2 * x``.
        """
        return 2 * x

    def no_parameters_section(self, x):
        """Double ``x``.

        Returns
        -------
        y : float
            ``2 * x``.
        """
        return 2 * x

    def no_returns_section(self, x):
        """Double ``x``.

        Parameters
        ----------
        x : float
            The input.
        """
        return 2 * x

    def returns_nothing(self):
        """Do nothing."""
        return None

    def undocumented(self):
        pass

    def empty_examples(self):
        """Do nothing.

        Examples
        --------
        Nothing to run here.
        """


def _fake_function(x):
    """Double ``x``.

    Parameters
    ----------
    x : float
        The input.

    Returns
    -------
    y : float
        ``2 * x``.

    Examples
    --------
    >>> _fake_function(1.0)
    2.0
    """
    return 2 * x


def test_a_public_class_without_examples_is_caught():
    assert docstring_problems(_Fake, "class") == ["no Examples section"]


def test_a_public_function_with_examples_passes_and_without_is_caught():
    assert docstring_problems(_fake_function, "function") == []

    def bare(x):
        """Double ``x``.

        Parameters
        ----------
        x : float
            The input.

        Returns
        -------
        y : float
            ``2 * x``.
        """
        return 2 * x

    assert docstring_problems(bare, "function") == ["no Examples section"]


def test_a_method_needs_no_examples_but_its_parameters_and_returns():
    assert docstring_problems(_Fake.documented, "method") == []
    assert docstring_problems(_Fake.returns_nothing, "method") == []
    assert docstring_problems(_Fake.no_parameters_section, "method") == [
        "parameters but no Parameters section"
    ]
    assert docstring_problems(_Fake.no_returns_section, "method") == [
        "a return value but no Returns section"
    ]
    assert docstring_problems(_Fake.undocumented, "method") == ["no docstring"]
    assert docstring_problems(_Fake.empty_examples, "method") == [
        "an Examples section without a doctest"
    ]
