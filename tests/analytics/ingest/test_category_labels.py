"""Chinese names of stored category codes are read back as the codes on ingest (``后付费`` → ``Postpaid``)."""

from __future__ import annotations

import duckdb

from analytics.ingest import normalize


def test_a_name_shared_by_two_spellings_of_a_code_maps_to_the_code_that_is_its_own_english_name():
    """``后付费`` names the demo's ``Postpaid`` and an ERP's ``postpaid``: it was dropped as ambiguous, so a
    customer file saying 后付费 stored a plan that no page groups with the demo's Postpaid."""
    plans = normalize.label_map("plan")
    assert plans["后付费"] == "Postpaid" and plans["预付费"] == "Prepaid" and plans["年度合同"] == "Annual contract"
    assert "门店" not in normalize.label_map("channel")  # "Store" and "Retail store": still ambiguous, kept as written


def test_the_sql_of_an_open_category_writes_the_code():
    col = next(c for c in normalize.schema.TABLES["customers"].columns if c.name == "plan")
    sql = normalize.category_sql("v", col)
    got = duckdb.sql(f"SELECT {sql} FROM (VALUES ('后付费'), ('预付费'), ('Metered')) AS t(v)").fetchall()
    assert [r[0] for r in got] == ["Postpaid", "Prepaid", "Metered"]
