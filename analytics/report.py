"""``python -m analytics report``: the figures of every view under one filter, as one JSON object.

Each analytics module (in a subpackage too) may contribute a section: a function
``report_section(cursor, filters) -> dict``, found by :func:`sections` (the Overview first, then
the others by section name: a page's name such as ``customer_value``). Keys are documented in README.md; a section may repeat another's key
only with the same value.
"""

from __future__ import annotations

import importlib
import math
import pkgutil
from typing import Any

import duckdb

from analytics.filters import Filters

FIRST = "analytics.overview"


def analytics_modules() -> list[str]:
    """Every module of the analytics package and its subpackages (except the entry points), by name."""
    import analytics

    return sorted(m.name for m in pkgutil.walk_packages(analytics.__path__, "analytics.")
                  if m.name not in ("analytics.__main__", "analytics.cli"))


def modules_with(hook: str) -> list[str]:
    """The analytics modules that define a function ``hook`` themselves, by name (a package that
    re-exports a submodule's function does not count twice)."""
    found = []
    for name in analytics_modules():
        fn = getattr(importlib.import_module(name), hook, None)
        if callable(fn) and getattr(fn, "__module__", None) == name:
            found.append(name)
    return found


def section_name(module: str) -> str:
    """Where a module's section goes in the report: its ``SECTION`` (the page it belongs to, as in
    :data:`analytics.metrics.SECTIONS`) for a module inside a package, else its own name."""
    return getattr(importlib.import_module(module), "SECTION", module.removeprefix("analytics."))


def sections() -> list[str]:
    """``module:report_section`` of every module that defines one: the Overview first, then by
    :func:`section_name` (so the keys keep their order when a module moves into a package)."""
    return sorted(modules_with("report_section"), key=lambda m: (m != FIRST, section_name(m)))


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
    for spec in sections():
        section = importlib.import_module(spec).report_section(cur, f)
        for key, value in section.items():
            if key in out:
                if not _same(out[key], value):
                    raise RuntimeError(f"report key {key!r} given twice with different values ({spec})")
                continue  # the first section's value stands (the Overview's, for shared headline keys)
            out[key] = value
    return json_safe(out)
