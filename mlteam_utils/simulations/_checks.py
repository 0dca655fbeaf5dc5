"""Parameter checks shared by the simulations.

Every check raises :class:`ValueError` whose message names the parameter and the
range it accepts, so a learner who drags a value too far knows what to change.

>>> check_probability("p_success", 1.5)
Traceback (most recent call last):
...
ValueError: p_success must be between 0 and 1, got 1.5
"""

from __future__ import annotations

import math
from numbers import Integral, Real


def _is_real(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def check_probability(name: str, value: float) -> float:
    """Return ``value`` as a float if it lies in [0, 1]."""
    if not _is_real(value) or not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1, got {value!r}")
    return float(value)


def check_fraction_open(name: str, value: float) -> float:
    """Return ``value`` as a float if it lies in (0, 1]."""
    if not _is_real(value) or not 0.0 < float(value) <= 1.0:
        raise ValueError(f"{name} must be greater than 0 and at most 1, got {value!r}")
    return float(value)


def check_non_negative(name: str, value: float) -> float:
    """Return ``value`` as a float if it is finite and >= 0."""
    if not _is_real(value) or not math.isfinite(float(value)) or float(value) < 0.0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def check_positive(name: str, value: float) -> float:
    """Return ``value`` as a float if it is finite and > 0."""
    if not _is_real(value) or not math.isfinite(float(value)) or float(value) <= 0.0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def check_count(name: str, value: int, minimum: int = 0, maximum: int | None = None) -> int:
    """Return ``value`` if it is a whole number in [minimum, maximum]."""
    allowed = f"a whole number >= {minimum}" if maximum is None else f"a whole number from {minimum} to {maximum}"
    if not isinstance(value, Integral) or isinstance(value, bool):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return int(value)


def check_seed(value: int | None) -> int | None:
    """A seed is ``None`` (fresh randomness) or a whole number >= 0."""
    if value is None:
        return None
    return check_count("seed", value, minimum=0)
