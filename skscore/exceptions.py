"""Exceptions skscore raises that users may want to catch."""


class NonFiniteLossError(FloatingPointError):
    """Raised when training produces a NaN or infinite loss or parameter."""
