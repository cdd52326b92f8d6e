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
