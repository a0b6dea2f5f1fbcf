"""Time units of the customer-lifetime models (part of :mod:`analytics.clv`).

* **Time.** Dates are stored as days. The models run in one explicit unit, ``days``, ``weeks``
  (7 days) or ``months`` (30.4375 days = 365.25 / 12); :func:`to_days` and :func:`from_days` are
  the only conversion. Purchase rates are per unit and the BG/NBD scale ``alpha`` is measured
  in the unit; ``r``, ``a``, ``b`` and the Gamma-Gamma parameters do not depend on it.
"""

from __future__ import annotations

from typing import Any

UNITS: dict[str, float] = {"days": 1.0, "weeks": 7.0, "months": 30.4375}
DEFAULT_UNIT = "weeks"


def unit_days(unit: str) -> float:
    try:
        return UNITS[unit]
    except KeyError:
        raise ValueError(f"unknown time unit {unit!r}; use one of {', '.join(UNITS)}") from None


def to_days(value: Any, unit: str) -> Any:
    """``value`` expressed in ``unit`` (days, weeks = 7 days, months = 30.4375 days) as days.

    Works on numbers, numpy arrays and pandas Series alike.
    """
    return value * unit_days(unit)


def from_days(days: Any, unit: str) -> Any:
    """``days`` expressed in ``unit`` (the inverse of :func:`to_days`)."""
    return days / unit_days(unit)


def convert(value: Any, unit_from: str, unit_to: str) -> Any:
    """A duration in ``unit_from`` expressed in ``unit_to``."""
    return from_days(to_days(value, unit_from), unit_to)
