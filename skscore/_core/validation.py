"""The one validation path: scikit-learn's parameter constraints, for constructor parameters
(``_parameter_constraints``), public functions (``validate_params``) and method arguments
(:func:`check_arguments`), plus the checks of numeric ranges that training relies on.
"""

import numbers

import numpy as np
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    validate_parameter_constraints,
)

#: Largest magnitude a float32 network accepts without overflowing to infinity.
FLOAT32_MAX = float(np.finfo(np.float32).max)


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


def _takes_integers(constraints):
    return any(
        c == "random_state" or (isinstance(c, Interval) and c.type is numbers.Integral)
        for c in constraints
    )


def reject_booleans(constraints, values, caller):
    """scikit-learn's constraints accept ``True`` as the integer 1 (``bool`` is an ``int``);
    a boolean given for a count or a seed is a mistake, so say so."""
    for name, value in values.items():
        if isinstance(value, (bool, np.bool_)) and _takes_integers(constraints.get(name, [])):
            raise InvalidParameterError(
                f"The {name!r} parameter of {caller} must be an int, got {value!r}"
            )


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
