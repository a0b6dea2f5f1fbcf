"""``python -m analytics report``: the figures of every view under one filter, as one JSON object.

Each view contributes a section: a function ``(cursor, filters) -> dict`` named in
:data:`SECTIONS`. Keys are documented in README.md; sections must not reuse another's keys
unless the value is the same figure.
"""

from __future__ import annotations

import importlib
import math
from typing import Any

import duckdb

from analytics.filters import Filters

SECTIONS: list[str] = [
    "analytics.overview:report_section",
    "analytics.concentration:report_section",
]


def _clean(value: Any) -> Any:
    """JSON-safe values: NaN and infinities become null, numpy scalars plain numbers."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def build(cur: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, Any]:
    """Run every section for ``f`` and merge their keys (a later section may not overwrite a key)."""
    out: dict[str, Any] = {}
    for spec in SECTIONS:
        module, func = spec.split(":")
        section = getattr(importlib.import_module(module), func)(cur, f)
        for key, value in section.items():
            if key in out and out[key] != value:
                raise RuntimeError(f"report key {key!r} given twice with different values ({spec})")
            out[key] = value
    return _clean(out)
