"""Exceptions skscore raises that users may want to catch."""

__all__ = ["NonFiniteLossError"]


class NonFiniteLossError(FloatingPointError):
    """Raised when training produces a NaN or infinite loss or parameter.

    ``fit`` and ``partial_fit`` of the neural estimators raise it, with a suggested remedy,
    instead of returning a model with non-finite weights. It is a :class:`FloatingPointError`,
    so code that already catches that keeps working.

    Examples
    --------
    >>> from skscore.exceptions import NonFiniteLossError
    >>> issubclass(NonFiniteLossError, FloatingPointError)
    True
    """
