"""The one validation path: scikit-learn's parameter constraints, for constructor parameters
(``_parameter_constraints``), public functions (``validate_params``) and method arguments
(:func:`check_arguments`), plus the checks of numeric ranges that training relies on.
"""

import numbers
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    validate_parameter_constraints,
)
from sklearn.utils._param_validation import validate_params as _sklearn_validate_params

_F = TypeVar("_F", bound=Callable[..., Any])


def validate_params(
    parameter_constraints: dict[str, Any], *, prefer_skip_nested_validation: bool
) -> Callable[[_F], _F]:
    """scikit-learn's ``validate_params``, typed: the decorated function keeps its signature
    for type checkers (scikit-learn ships no type information, so it would become ``Any``)."""
    return _sklearn_validate_params(
        parameter_constraints, prefer_skip_nested_validation=prefer_skip_nested_validation
    )


#: Largest magnitude a float32 network accepts without overflowing to infinity.
FLOAT32_MAX = float(np.finfo(np.float32).max)


class NumberInterval(Interval):
    """A scikit-learn ``Interval`` that refuses booleans (``True`` is not a count or a rate)
    and, with ``finite=True``, infinities (its description then says "a finite float")."""

    def __init__(self, type, left, right, *, closed, finite=False):
        super().__init__(type, left, right, closed=closed)
        self.finite = finite

    def is_satisfied_by(self, val):
        if isinstance(val, (bool, np.bool_)):
            return False
        if self.finite and isinstance(val, numbers.Real) and not np.isfinite(val):
            return False
        return super().is_satisfied_by(val)

    def __str__(self):
        text = super().__str__()
        return text.replace("a float", "a finite float", 1) if self.finite else text


# Constraints that several modules share (use them inside a constraint list: ``[POSITIVE_INT]``,
# ``[POSITIVE_INT, None]``).
#: A count: an int >= 1.
POSITIVE_INT = NumberInterval(numbers.Integral, 1, None, closed="left")
#: A finite float > 0 (a learning rate, a scale).
POSITIVE_REAL = NumberInterval(numbers.Real, 0, None, closed="neither", finite=True)
#: A finite float >= 0 (a smoothing constant, a rate that may be switched off).
NON_NEGATIVE_REAL = NumberInterval(numbers.Real, 0, None, closed="left", finite=True)
#: A relative tolerance, in (0, 1).
TOLERANCE = NumberInterval(numbers.Real, 0, 1, closed="neither")
#: A fraction of the rows, in (0, 1].
FRACTION = NumberInterval(numbers.Real, 0, 1, closed="right")
#: A decay or momentum coefficient, in [0, 1).
DECAY = NumberInterval(numbers.Real, 0, 1, closed="left")


def check_arguments(caller, constraints, **values):
    """Validate method arguments against scikit-learn constraints; raise a clear error.

    Parameters
    ----------
    caller : str
        Name shown in the error, e.g. ``"DenoisingAEScoreEstimator.sample"``.
    constraints : dict
        ``{name: [constraint, ...]}`` as in ``_parameter_constraints``.
    **values
        The arguments.
    """
    validate_parameter_constraints(constraints, values, caller_name=caller)
    reject_booleans(constraints, values, caller)


def _takes_numbers(constraints):
    """``"int"`` or ``"number"`` when the constraints take a number (and no boolean)."""
    if not isinstance(constraints, (list, tuple)) or "boolean" in constraints:
        return None
    if any(
        c == "random_state" or (isinstance(c, Interval) and c.type is numbers.Integral)
        for c in constraints
    ):
        return "int"
    if any(isinstance(c, Interval) for c in constraints):
        return "number"
    return None


def reject_booleans(constraints, values, caller):
    """scikit-learn's constraints accept ``True`` as the number 1 (``bool`` is an ``int``);
    a boolean given for a count, a seed, a noise level or a rate is a mistake, so say so."""
    for name, value in values.items():
        if not isinstance(value, (bool, np.bool_)):
            continue
        kind = _takes_numbers(constraints.get(name, []))
        if kind is not None:
            what = "an int" if kind == "int" else "a number (int or float)"
            raise InvalidParameterError(
                f"The {name!r} parameter of {caller} must be {what}, not the boolean {value!r}"
            )


def check_fitted_attributes(estimator, spec):
    """Check the fitted attributes of ``estimator`` against ``spec`` (``{name: kind}``) and
    raise a ValueError naming the first that is missing, unknown or invalid.

    Kinds: ``"features"`` (float64 array of shape ``(n_features_in_,)``), ``"positive
    features"``, ``"rows"`` (float64 ``(n, n_features_in_)``), ``"square"`` (float64 ``(d,
    d)``), ``"vector"`` (float64 1-D), ``"positive"``/``"non-negative"`` (finite real),
    ``"count"`` (int >= 1), ``"str"``, ``"tuple"``, ``"list"``, ``"dict"``, ``"array"`` (any
    ndarray); a kind ending in ``"?"`` is optional; ``("positive", "other_")``: positive and
    smaller than the attribute ``other_``.
    """
    params = estimator.get_params(deep=False)
    state = {k: v for k, v in vars(estimator).items() if k not in params}
    unknown = sorted(set(state) - set(spec))
    if unknown:
        raise ValueError(f"unknown fitted attributes {unknown[:5]}")
    n_features = state.get("n_features_in_")
    for name, kind in spec.items():
        below = None
        if isinstance(kind, tuple):
            kind, below = kind
        optional = kind.endswith("?")
        kind = kind.rstrip("?")
        if name not in state:
            if optional:
                continue
            raise ValueError(f"fitted attribute {name} is missing")
        problem = _fitted_problem(state[name], kind, n_features)
        if problem is None and below is not None and not state[name] < state.get(below, np.inf):
            problem = f"must be smaller than {below} ({state.get(below)!r})"
        if problem is not None:
            value = repr(state[name])
            value = value if len(value) < 80 else value[:77] + "..."
            raise ValueError(f"fitted attribute {name} = {value} {problem}")


def _fitted_problem(value, kind, n_features):
    """What is wrong with one fitted attribute (None if nothing)."""
    real = isinstance(value, (numbers.Real, np.floating, np.integer)) and not isinstance(
        value, (bool, np.bool_)
    )
    if kind == "count":
        ok = isinstance(value, (numbers.Integral, np.integer)) and real and value >= 1
        return None if ok else "must be an int >= 1"
    if kind in ("positive", "non-negative"):
        if not real or not np.isfinite(value):
            return "must be a finite number"
        return None if value > 0 or (kind == "non-negative" and value == 0) else f"must be {kind}"
    simple = {"str": str, "tuple": tuple, "list": list, "dict": dict, "array": np.ndarray}
    if kind in simple:
        ok = isinstance(value, simple[kind])
        return None if ok else f"must be a {simple[kind].__name__}"
    if not isinstance(value, np.ndarray) or value.dtype != np.float64:
        return "must be a float64 ndarray"
    d = n_features
    shapes = {
        "features": lambda s: s == (d,),
        "positive features": lambda s: s == (d,),
        "rows": lambda s: len(s) == 2 and s[1] == d,
        "square": lambda s: s == (d, d),
        "vector": lambda s: len(s) == 1,
    }
    if not shapes[kind](value.shape):
        return f"has shape {value.shape}; {kind} of {d} features expected"
    finite = np.isfinite(value).all()
    if not finite or (kind == "positive features" and not (value > 0).all()):
        return "must hold finite" + (" positive" if kind == "positive features" else "") + " values"
    return None


def check_float32_range(X, name="X"):
    """Raise a ValueError when ``X`` holds values beyond float32's range (training dtype)."""
    magnitudes = np.abs(X[~np.isnan(X)])
    if magnitudes.size == 0:
        return
    largest = float(magnitudes.max())
    if largest > FLOAT32_MAX:
        raise ValueError(
            f"{name} has values up to {largest:.3g} in magnitude, beyond float32's range "
            f"({FLOAT32_MAX:.3g}) in which the network trains; rescale the data"
        )


def check_finite_output(values, what, X):
    """Raise a ValueError when a computed output has NaN or infinite entries."""
    finite = np.isfinite(values)
    if finite.all():
        return values
    bad_rows = int((~finite.reshape(len(values), -1).all(axis=1)).sum())
    largest = float(np.max(np.abs(X))) if np.size(X) else 0.0
    raise ValueError(
        f"{what} is not finite at {bad_rows} of {len(values)} rows (largest input magnitude "
        f"{largest:.3g}): the inputs are probably far outside the data the model was trained "
        "on, or the model diverged"
    )


def check_bounds(bounds):
    """``(xmin, xmax, ymin, ymax)`` as floats, or a ValueError saying what is wrong."""
    try:
        bounds = tuple(float(b) for b in bounds)
    except (TypeError, ValueError):
        bounds = ()
    if (
        len(bounds) != 4
        or not np.all(np.isfinite(bounds))
        or bounds[0] >= bounds[1]
        or bounds[2] >= bounds[3]
    ):
        raise ValueError(
            "bounds must be four finite numbers (xmin, xmax, ymin, ymax) with xmin < xmax "
            f"and ymin < ymax, got {bounds!r}"
        )
    return bounds
