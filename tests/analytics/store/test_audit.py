"""Audit rows are written with the change and read back newest first."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.store import audit, db
from tests.helpers import build_store, customer


def test_record_and_history(monkeypatch):
    monkeypatch.setenv("CVM_USER", "analyst.li")
    con = build_store(customers=[customer("A")])
    with db.write(con) as cur:
        n = audit.record(cur, "activity_rates", "visit@2024-01-01", "update", {"unit_cost": (100, 120.5)})
        audit.record(cur, "customers", "A", "update", {"name": ("Old", "New"), "acquired_on": (None, dt.date(2024, 1, 2))})
    assert n == 1
    h = audit.history(con)
    assert list(h["column_name"]) == ["acquired_on", "name", "unit_cost"]
    assert h.iloc[0]["new_value"] == "2024-01-02" and pd_isna(h.iloc[0]["old_value"])
    assert set(h["user_name"]) == {"analyst.li"}
    assert list(audit.history(con, "activity_rates")["new_value"]) == ["120.5"]


def test_audit_rolls_back_with_the_change():
    con = build_store(customers=[customer("A")])
    with pytest.raises(RuntimeError), db.write(con) as cur:
        audit.record(cur, "customers", "A", "delete")
        raise RuntimeError("boom")
    assert audit.history(con).empty


def test_unknown_table():
    con = build_store()
    with pytest.raises(ValueError, match="unknown table"), db.write(con) as cur:
        audit.record(cur, "nope", "x", "insert")


def pd_isna(v: object) -> bool:
    import pandas as pd

    return bool(pd.isna(v))
