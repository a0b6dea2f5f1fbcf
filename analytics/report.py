"""``python -m analytics report``: the figures of every view under one filter, as one JSON object.

Each view's module contributes a section, a function ``report_section(cursor, filters) -> dict``;
:data:`SECTIONS` lists them in the order of their keys: the Overview first, then the pages. Keys are
documented in README.md; a section may repeat another's key only with the same value. A new
section is added to :data:`SECTIONS` (``tests/analytics/test_report.py`` finds one that is not).
"""

from __future__ import annotations

import importlib
import math
from typing import Any

import duckdb

from analytics import profit
from analytics.filters import Filters

# The modules with a report_section, in the report's order (the Overview's values stand for shared keys).
SECTIONS: tuple[str, ...] = (
    "analytics.overview",
    "analytics.concentration.figures",
    "analytics.clv.value",  # Customer value
    "analytics.clv.intervals",  # Customer value: the range of the potential value (clv_interval)
    "analytics.contracts.retention",  # Customer value: contract customers
    "analytics.delivered_value.headline",
    "analytics.lifecycle.headline",
    "analytics.word_of_mouth.headline",
)


def sections() -> list[str]:
    """The modules of :data:`SECTIONS`, by name, in the report's order."""
    return list(SECTIONS)


def json_safe(value: Any) -> Any:
    """JSON-safe values: NaN and infinities become null, numpy scalars plain numbers."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _same(a: Any, b: Any) -> bool:
    """Equal, floats to 1e-9 relative: two sections that sum the same doubles on DuckDB's threads may
    differ in the last bit."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def build(cur: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, Any]:
    """Run every section for ``f`` and merge their keys (a later section may not overwrite a key)."""
    out: dict[str, Any] = {}
    with profit.shared():  # one P&L per filter for every section
        for spec in sections():
            _merge(out, spec, importlib.import_module(spec).report_section(cur, f))
    return json_safe(out)


def _merge(out: dict[str, Any], spec: str, section: dict[str, Any]) -> None:
    for key, value in section.items():
        if key in out:
            if not _same(out[key], value):
                raise RuntimeError(f"report key {key!r} given twice with different values ({spec})")
            continue  # the first section's value stands (the Overview's, for shared headline keys)
        out[key] = value
