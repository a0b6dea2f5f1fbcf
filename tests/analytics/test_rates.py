"""Saving activity rates: validation, one transaction, audit rows, aggregates of the affected months.

The ``abc_store`` fixture (tests/conftest.py, hand computations in test_profit.py), for 2024:
visits cost 100 from 2024-01-01 and 150 from 2024-07-01, calls 10; profits A 200, B -100, C 50,
D -150. A has 2 visits on 06-30 and 1 on 07-01, D 1 visit on 10-01, B 30 calls on 05-06.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

import cli
from analytics import profit, rates
from analytics.filters import Filters
from analytics.store import aggregates, audit, db
from tests.helpers import D

Y2024 = Filters("2024-01-01", "2024-12-31")


def _profits(con, f: Filters = Y2024) -> dict[str, float]:
    with db.cursor(con) as cur:
        c = profit.customer_pnl(cur, f).customers
    return dict(zip(c["customer_id"], c["profit"], strict=True))


def _state(con) -> tuple[str, int, int]:
    with db.cursor(con) as cur:
        return db.fingerprint(cur), db.data_version(cur), len(audit.history(cur))


def test_new_rate_from_mid_period_reprices_only_later_activities(abc_store, monkeypatch):
    monkeypatch.setenv("CVM_USER", "analyst.wu")
    result = rates.save(abc_store, [{"activity": "visit", "unit_cost": 120, "valid_from": "2024-06-15"}])
    # A's two visits of 06-30 now cost 120 each; the 07-01 visit keeps the 150 rate (next period).
    assert (result.inserted, result.updated, result.unchanged, result.audit_rows) == (1, 0, 0, 1)
    assert result.months == (D("2024-06-01"),)
    p = _profits(abc_store)
    assert p["A"] == 1500 - 900 - (2 * 120 + 150 + 50) and p["D"] == -150 and p["B"] == -100
    with db.cursor(abc_store) as cur:
        assert aggregates.is_fresh(cur)
        h = audit.history(cur, "activity_rates")
        hist = rates.history(cur)
    assert h[["record_key", "action", "column_name", "new_value", "user_name"]].values.tolist() == [
        ["visit@2024-06-15", "insert", "unit_cost", "120.0", "analyst.wu"]]
    assert pd.isna(h.iloc[0]["old_value"])
    visit = hist[hist["activity"] == "visit"].reset_index(drop=True)
    assert visit["unit_cost"].tolist() == [100, 120, 150]
    assert visit.loc[1, "valid_to"] == pd.Timestamp("2024-07-01") and visit.loc[1, "unit"] == "visit"
    assert visit.loc[1, "changed_by"] == "analyst.wu" and pd.isna(visit.loc[0, "changed_by"])


def test_rate_valid_from_the_middle_of_a_month(abc_store):
    """A rate from 06-30 prices the visits of 06-30; one from 07-02 leaves 07-01 at 150."""
    rates.save(abc_store, [{"activity": "visit", "unit_cost": 110, "valid_from": dt.date(2024, 6, 30)},
                           {"activity": "visit", "unit_cost": 170, "valid_from": dt.date(2024, 7, 2)}])
    # A: 2 × 110 (06-30) + 150 (07-01) + calls 50; D's visit of 10-01 now at 170.
    assert _profits(abc_store)["A"] == 600 - (220 + 150 + 50)
    assert _profits(abc_store)["D"] == -170
    # Whole months (aggregates) and a period cut mid-month (facts) agree.
    assert _profits(abc_store, Filters("2024-06-30", "2024-07-01"))["A"] == -(220 + 150)
    with db.cursor(abc_store) as cur:
        fresh = profit.customer_pnl(cur, Y2024).customers
        with db.write(abc_store) as w:
            aggregates.mark_stale(w)
        raw = profit.customer_pnl(cur, Y2024).customers
    pd.testing.assert_frame_equal(fresh, raw)


def test_updating_a_rate_that_starts_that_day(abc_store):
    before = _state(abc_store)
    result = rates.save(abc_store, [{"activity": "visit", "unit_cost": "160", "valid_from": "2024-07-01"}])
    assert (result.inserted, result.updated) == (0, 1)
    assert result.months == (D("2024-07-01"), D("2024-10-01"))
    p = _profits(abc_store)
    assert p["A"] == 600 - (200 + 160 + 50) and p["D"] == -160
    with db.cursor(abc_store) as cur:
        row = audit.history(cur, "activity_rates").iloc[0]
        assert db.data_version(cur) == before[1] + 1
    assert (row["action"], row["old_value"], row["new_value"]) == ("update", "150.0", "160.0")


def test_saving_what_is_saved_already_writes_nothing(abc_store):
    before = _state(abc_store)
    result = rates.save(abc_store, [{"activity": "call", "unit_cost": 10, "valid_from": "2024-01-01"}])
    assert (result.changed, result.unchanged, result.months) == (0, 1, ())
    assert _state(abc_store) == before


@pytest.mark.parametrize(("change", "code"), [
    ({"activity": "visit", "unit_cost": -5, "valid_from": "2024-03-01"}, "negative"),
    ({"activity": "visit", "unit_cost": "abc", "valid_from": "2024-03-01"}, "not_a_number"),
    ({"activity": "visit", "unit_cost": float("nan"), "valid_from": "2024-03-01"}, "not_a_number"),
    ({"activity": "visit", "unit_cost": None, "valid_from": "2024-03-01"}, "not_a_number"),
    ({"activity": "visit", "unit_cost": float("inf"), "valid_from": "2024-03-01"}, "not_a_number"),
    ({"activity": "visit", "unit_cost": 1e15, "valid_from": "2024-03-01"}, "too_large"),
    ({"activity": "teleport", "unit_cost": 5, "valid_from": "2024-03-01"}, "unknown_activity"),
    ({"activity": "visit", "unit_cost": 5, "valid_from": "2024-13-01"}, "bad_date"),
    ({"activity": "visit", "unit_cost": 5, "valid_from": None}, "bad_date"),
    ({"activity": "visit", "unit_cost": 5, "valid_from": float("nan")}, "bad_date"),
    ({"activity": "visit", "unit_cost": 5, "valid_from": 20240301}, "bad_date"),
])
def test_a_bad_rate_is_refused_and_the_store_is_unchanged(abc_store, change, code):
    before = _state(abc_store)
    good = {"activity": "call", "unit_cost": 12, "valid_from": "2024-03-01"}
    with pytest.raises(rates.RateError) as err:
        rates.save(abc_store, [good, change])  # the good change is not saved either
    assert [(p.row, p.code) for p in err.value.problems] == [(1, code)]
    assert "nothing saved" in str(err.value)
    assert _state(abc_store) == before


def test_every_problem_is_listed(abc_store):
    with db.cursor(abc_store) as cur, pytest.raises(rates.RateError) as err:
        rates.validate(cur, [{"activity": "visit", "unit_cost": 5, "valid_from": "2024-03-01"},
                             {"activity": "visit", "unit_cost": 6, "valid_from": "2024-03-01"},
                             {"activity": "", "unit_cost": -1, "valid_from": "x"}])
    assert [(p.row, p.code) for p in err.value.problems] == [
        (1, "duplicate"), (2, "unknown_activity"), (2, "negative"), (2, "bad_date")]


def test_validate_cleans_values(abc_store):
    with db.cursor(abc_store) as cur:
        clean = rates.validate(cur, [rates.RateChange("call", 12.123456, D("2024-03-01")),
                                     {"activity": " visit ", "unit_cost": "0", "valid_from": pd.Timestamp("2024-05-01")},
                                     # the editor may hand a date as text with a time after it
                                     {"activity": "visit", "unit_cost": 1, "valid_from": "2024-06-01 00:00:00"}])
        assert rates.known_activities(cur) == ["call", "visit"]
    assert clean == [rates.RateChange("call", 12.1235, D("2024-03-01")), rates.RateChange("visit", 0.0, D("2024-05-01")),
                     rates.RateChange("visit", 1.0, D("2024-06-01"))]


def test_stale_aggregates_are_rebuilt_in_full(abc_store):
    with db.write(abc_store) as w:
        aggregates.mark_stale(w)
    rates.save(abc_store, [{"activity": "call", "unit_cost": 20, "valid_from": "2024-01-01"}])
    with db.cursor(abc_store) as cur:
        assert aggregates.is_fresh(cur)
    assert _profits(abc_store)["B"] == 200 - 600


def test_cli_lists_and_saves_rates(tmp_path, capsys):
    from tests.helpers import build_store, customer

    path = tmp_path / "r.duckdb"
    build_store(path, customers=[customer("A")],
                activity_rates=[{"activity": "visit", "unit_cost": 100, "valid_from": D("2024-01-01"), "unit": "visit"}]).close()
    assert cli.main(["rates", "--db", str(path), "--set", "visit=125.5", "--valid-from", "2024-05-01",
                     "--user", "cfo"]) == 0
    assert json.loads(capsys.readouterr().out) == {"inserted": 1, "updated": 0, "unchanged": 0, "months_refreshed": []}
    assert cli.main(["rates", "--db", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(r["unit_cost"], r["valid_from"][:10], r["changed_by"]) for r in out] == [
        (100.0, "2024-01-01", None), (125.5, "2024-05-01", "cfo")]
    assert cli.main(["rates", "--db", str(path)]) == 0
    assert "125.5000  from 2024-05-01  by cfo" in capsys.readouterr().out
    assert cli.main(["rates", "--db", str(path), "--set", "visit=-1", "--valid-from", "2024-06-01"]) == 2
    assert "negative" in capsys.readouterr().err
    assert cli.main(["rates", "--db", str(path), "--set", "visit=1"]) == 2
    assert cli.main(["rates", "--db", str(path), "--set", "visit", "--valid-from", "2024-06-01"]) == 2


def test_latest_rates(abc_store):
    with db.cursor(abc_store) as cur:
        df = rates.latest(cur)
    assert df[["activity", "unit_cost"]].values.tolist() == [["call", 10], ["visit", 150]]
    assert df["valid_from"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-07-01")]
