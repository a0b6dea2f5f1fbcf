"""report.build merges every module's section: shared keys must agree, values come out JSON-safe."""

from __future__ import annotations

import importlib
import math
import pkgutil
import sys
import types

import numpy as np
import pytest

from analytics import report
from analytics.filters import Filters


def with_sections(monkeypatch, *sections: dict) -> None:
    names = []
    for i, section in enumerate(sections):
        name = f"fake_section_{i}"
        monkeypatch.setitem(sys.modules, name, types.SimpleNamespace(report_section=lambda cur, f, s=section: s))
        names.append(name)
    monkeypatch.setattr(report, "sections", lambda: names)


def test_sections_merge_and_values_are_json_safe(monkeypatch):
    with_sections(monkeypatch, {"a": 1, "share": np.float64(0.5)}, {"b": [float("nan"), np.int64(3)], "a": 1})
    assert report.build(None, Filters()) == {"a": 1, "share": 0.5, "b": [None, 3]}


def test_a_key_given_twice_must_agree(monkeypatch):
    with_sections(monkeypatch, {"total_profit": 100.0}, {"total_profit": 101.0})
    with pytest.raises(RuntimeError, match="total_profit"):
        report.build(None, Filters())


def test_a_key_given_twice_may_differ_in_the_last_bit(monkeypatch):
    # Two sections summing the same doubles on DuckDB's threads may disagree in the last bit.
    x = 1.8939507588005307
    with_sections(monkeypatch, {"top20_profit_share": x}, {"top20_profit_share": math.nextafter(x, 2)})
    assert report.build(None, Filters())["top20_profit_share"] == x


def modules_defining(hook: str) -> set[str]:
    """The analytics modules that define ``hook`` themselves (a package re-exporting it does not count)."""
    import analytics

    found = set()
    for m in pkgutil.walk_packages(analytics.__path__, "analytics."):
        if m.name == "analytics.__main__":  # the entry point runs the command line when imported
            continue
        fn = getattr(importlib.import_module(m.name), hook, None)
        if callable(fn) and getattr(fn, "__module__", None) == m.name:
            found.add(m.name)
    return found


def test_every_report_section_is_listed():
    # a module given a report_section but left out of report.SECTIONS would add no keys
    assert set(report.sections()) == modules_defining("report_section")


def test_sections_keep_the_order_of_their_pages():
    # `report` prints keys in this order: the Overview first (its values stand for shared keys), then
    # the pages as before the list was explicit (it was found by page name: concentration, customer_value …)
    assert report.sections() == [
        "analytics.overview", "analytics.concentration.figures", "analytics.clv.value", "analytics.clv.intervals",
        "analytics.contracts.retention", "analytics.delivered_value.headline", "analytics.lifecycle.headline",
        "analytics.word_of_mouth.headline"]
