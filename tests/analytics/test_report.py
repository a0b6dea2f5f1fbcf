"""report.build merges every module's section: shared keys must agree, values come out JSON-safe."""

from __future__ import annotations

import math
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


def test_every_section_is_found_overview_first():
    found = report.sections()
    assert found[0] == "analytics.overview"
    assert {"analytics.concentration.figures", "analytics.delivered_value.headline", "analytics.word_of_mouth.headline",
            "analytics.clv.value", "analytics.lifecycle.headline"} <= set(found)


def test_sections_keep_the_order_of_their_pages_wherever_their_modules_live():
    # `report` prints keys in section order: a module moved into a package (analytics.clv.value sorts
    # before analytics.concentration) keeps its place through its SECTION
    assert [report.section_name(m) for m in report.sections()] == [
        "overview", "concentration", "customer_value", "delivered_value", "lifecycle", "word_of_mouth"]
