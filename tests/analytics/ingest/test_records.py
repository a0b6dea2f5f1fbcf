"""Single records by hand: validated like uploads, audited old → new, aggregates and costs follow."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import profit
from analytics.filters import Filters
from analytics.ingest import records
from analytics.store import aggregates, db, schema
from tests.helpers import D, build_store, customer


@pytest.fixture
def store():
    """Customers C001–C003; visit costs 100 from 2024-01-01 and 150 from 2024-07-01; one sale of C001 in March."""
    con = build_store(
        customers=[customer(f"C00{i}") for i in range(1, 4)],
        activity_rates=[{"activity": "visit", "unit_cost": 100, "valid_from": D("2024-01-01"), "unit": "visit"},
                        {"activity": "visit", "unit_cost": 150, "valid_from": D("2024-07-01"), "unit": "visit"}],
        transactions=[{"transaction_id": "T001", "customer_id": "C001", "tx_date": D("2024-03-10"), "product": "P",
                       "quantity": 1, "revenue": 1000, "cogs": 600}],
    )
    yield con
    con.close()


def audit_rows(con, key: str) -> list[tuple]:
    return con.execute("SELECT action, column_name, old_value, new_value FROM audit_log WHERE record_key = ? "
                       "ORDER BY audit_id", [key]).fetchall()


def test_add_a_customer_with_chinese_labels_is_audited(store):
    res = records.add(store, "customers", {"customer_id": " C004 ", "name": "华联商厦", "customer_type": "企业",
                                           "region": "华东", "acquired_on": dt.date(2024, 2, 1), "acquisition_cost": 1200},
                      user="analyst")
    assert res.ok and res.key == "C004"
    row = records.get(store, "customers", "C004")
    assert (row["name"], row["customer_type"], row["region"], row["acquisition_cost"]) == (
        "华联商厦", "enterprise", "East", Decimal("1200.00"))
    assert store.execute("SELECT load_id FROM customers WHERE customer_id = 'C004'").fetchone() == (None,)
    assert audit_rows(store, "C004") == [
        ("insert", "customer_id", None, "C004"), ("insert", "name", None, "华联商厦"),
        ("insert", "customer_type", None, "enterprise"), ("insert", "region", None, "East"),
        ("insert", "acquired_on", None, "2024-02-01"), ("insert", "acquisition_cost", None, "1200.00")]
    assert store.execute("SELECT DISTINCT user_name FROM audit_log").fetchall() == [("analyst",)]


def test_invalid_records_are_refused_with_the_upload_reasons_and_change_nothing(store):
    before, version = db.fingerprint(store), db.data_version(store)
    res = records.add(store, "transactions", {"transaction_id": "T001", "customer_id": "C999", "tx_date": dt.date(
        2024, 4, 1), "product": None, "quantity": 1, "revenue": 5, "cogs": 1})
    assert not res.ok
    assert {(i.column, i.code) for i in res.issues} == {
        ("transaction_id", "duplicate_in_table"), ("customer_id", "unknown_reference"), ("product", "required")}
    assert "'C999' is not in customers" in [i.message for i in res.issues]
    res = records.add(store, "assessments", {"assessment_id": "S1", "customer_id": "C001", "assessed_on": dt.date(
        2024, 4, 1), "product_value": -1, "service_value": 5, "personnel_value": 5, "image_value": 5, "money_cost": 5,
        "time_cost": 5, "energy_cost": 5, "psychic_cost": 5})
    assert [(i.column, i.code, i.a) for i in res.issues] == [("product_value", "below_min", "0")]
    res = records.add(store, "feedback", {"feedback_id": "F1", "customer_id": "C001", "feedback_date": dt.date(
        2024, 4, 1), "kind": "投诉", "nps_score": 11})
    assert [(i.column, i.code) for i in res.issues] == [("nps_score", "above_max")]
    assert db.fingerprint(store) == before and db.data_version(store) == version


def test_a_new_transaction_moves_the_monthly_aggregates_and_profit(store):
    f = Filters(date_from=D("2024-03-01"), date_to=D("2024-03-31"))
    before = profit.customer_pnl(store, f).customers.set_index("customer_id").loc["C001", "profit"]
    assert records.add(store, "transactions", {"transaction_id": "T002", "customer_id": "C001", "tx_date": dt.date(
        2024, 3, 20), "product": "P", "quantity": 2, "revenue": 250.5, "cogs": 100}).ok
    assert aggregates.is_fresh(store)
    assert store.execute("SELECT revenue, cogs, tx_count FROM agg_customer_month WHERE customer_id = 'C001'").fetchone() == (
        Decimal("1250.50"), Decimal("700.00"), 2)
    after = profit.customer_pnl(store, f).customers.set_index("customer_id").loc["C001", "profit"]
    assert after - before == pytest.approx(150.5)


def test_activity_cost_uses_the_rate_valid_on_its_date(store):
    assert records.rate_on(store, "visit", dt.date(2023, 12, 31)) is None
    assert records.rate_on(store, "visit", dt.date(2024, 6, 30)).unit_cost == 100
    r = records.rate_on(store, "visit", dt.date(2024, 7, 1))
    assert (r.unit_cost, r.unit, r.valid_from) == (150, "visit", dt.date(2024, 7, 1))
    assert records.activity_cost(store, "visit", dt.date(2024, 7, 2), 2) == 300
    assert records.activity_cost(store, "visit", dt.date(2023, 7, 2), 2) is None
    assert records.add(store, "activities", {"activity_id": "A1", "customer_id": "C002", "activity_date": dt.date(
        2024, 7, 2), "activity": "visit", "quantity": 2}).ok
    assert store.execute("SELECT cost FROM agg_activity_month WHERE customer_id = 'C002'").fetchone() == (300.0,)
    res = records.add(store, "activities", {"activity_id": "A2", "customer_id": "C002", "activity_date": dt.date(
        2024, 7, 2), "activity": "call", "quantity": 1})
    assert [(i.column, i.code, i.a) for i in res.issues] == [("activity", "unknown_reference", "activity_rates")]


def test_correcting_moves_both_months_and_audits_old_and_new(store):
    version = db.data_version(store)
    res = records.correct(store, "transactions", "T001", {"tx_date": dt.date(2024, 5, 1), "revenue": 1200}, user="a")
    assert res.ok and res.changes == {"tx_date": (D("2024-03-10"), D("2024-05-01")),
                                      "revenue": (Decimal("1000.00"), Decimal("1200.00"))}
    assert db.data_version(store) == version + 1
    assert store.execute("SELECT month, revenue FROM agg_customer_month ORDER BY month").fetchall() == [
        (D("2024-05-01"), Decimal("1200.00"))]
    assert audit_rows(store, "T001") == [("update", "tx_date", "2024-03-10", "2024-05-01"),
                                         ("update", "revenue", "1000.00", "1200.00")]
    same = records.correct(store, "transactions", "T001", {"revenue": "1,200.00"})
    assert same.ok and same.changes == {} and db.data_version(store) == version + 1
    bad = records.correct(store, "transactions", "T001", {"quantity": "many"})
    assert [(i.column, i.code) for i in bad.issues] == [("quantity", "not_number")]
    with pytest.raises(ValueError):
        records.correct(store, "transactions", "T404", {"revenue": 1})
    with pytest.raises(ValueError):
        records.correct(store, "transactions", "T001", {"transaction_id": "T999"})
    with pytest.raises(ValueError):
        records.add(store, "activity_rates", {"activity": "x"})


def test_next_id_and_distinct_values(store):
    assert records.next_id(store, "customers") == "C004"
    assert records.next_id(store, "transactions") == "T002"
    assert records.next_id(store, "feedback") == "F000001"
    assert records.distinct_values(store, "customers", "segment") == ["S1"]
    assert records.activities_with_rates(store) == ["visit"]


money = st.decimals(min_value=Decimal("-1000000"), max_value=Decimal("1000000"), places=2, allow_nan=False,
                    allow_infinity=False)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(revenue=money, cogs=money, qty=st.floats(min_value=-1000, max_value=1000, allow_nan=False).map(lambda x: round(x, 3)),
       day=st.dates(min_value=dt.date(1990, 1, 1), max_value=schema.latest_date()))  # later: refused (test_ingest_refusals.py)
def test_what_is_entered_is_what_is_stored(store, revenue, cogs, qty, day):
    key = records.next_id(store, "transactions")
    res = records.add(store, "transactions", {"transaction_id": key, "customer_id": "C002", "tx_date": day,
                                              "product": "P", "quantity": qty, "revenue": revenue, "cogs": cogs})
    assert res.ok, res.issues
    row = records.get(store, "transactions", key)
    assert (row["tx_date"], row["quantity"], row["revenue"], row["cogs"]) == (day, qty, revenue, cogs)
