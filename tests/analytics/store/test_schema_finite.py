"""The store refuses NaN and infinities itself (schema version 3), and an older store holding them
is upgraded without them: each such row is set aside whole in the audit log, the aggregates of its
months are recomputed, and every figure comes out as if it had never been loaded (issue 12, item 3).

Before the fix one activity with quantity NaN made ``report`` fail ("customer profit contains
missing values") and an infinite one made profit, cost to serve and CLV null.
"""

from __future__ import annotations

import json

import duckdb
import pytest

from analytics import concentration, overview, profit, report
from analytics.filters import Filters
from analytics.store import aggregates, db, schema
from tests.helpers import D, build_store, customer, insert
from tests.legacy import as_version_2

YEAR = Filters(D("2024-01-01"), D("2024-12-31"))
RATES = [{"activity": "visit", "unit_cost": 100, "valid_from": D("2024-01-01"), "unit": "visit"}]


def tx(tid: str, cid: str, day: str, revenue: float, cogs: float, quantity: float = 1) -> dict:
    return {"transaction_id": tid, "customer_id": cid, "tx_date": D(day), "product": "P", "quantity": quantity,
            "revenue": revenue, "cogs": cogs}


def act(aid: str, cid: str, day: str, quantity: float) -> dict:
    return {"activity_id": aid, "customer_id": cid, "activity_date": D(day), "activity": "visit", "quantity": quantity}


def assessment(aid: str, **scores: float) -> dict:
    row = {"assessment_id": aid, "customer_id": "A", "assessed_on": D("2024-05-01")}
    row.update({c: 5.0 for c in schema.finite_columns(schema.TABLES[schema.ASSESSMENTS])})
    row.update(scores)
    return row


@pytest.mark.parametrize(("table", "row"), [
    (schema.TRANSACTIONS, tx("t9", "A", "2024-03-10", 1, 1)),
    (schema.ACTIVITIES, act("a9", "A", "2024-03-10", 1)),
    (schema.ASSESSMENTS, assessment("s9")),
])
def test_a_new_store_refuses_nan_and_infinity_in_every_double_column(table, row):
    con = build_store(customers=[customer("A")], activity_rates=RATES)
    for column in schema.finite_columns(schema.TABLES[table]):
        for bad in (float("nan"), float("inf"), float("-inf")):
            with pytest.raises(duckdb.ConstraintException, match="isfinite"):
                insert(con, table, [{**row, column: bad}])
    insert(con, table, [row])
    with pytest.raises(duckdb.ConstraintException, match="isfinite"):
        con.execute(f"UPDATE {table} SET {schema.finite_columns(schema.TABLES[table])[0]} = 'nan'::DOUBLE")
    assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 1


def test_the_issue_s_store_cannot_be_made_any_more():
    """The reproduction of the issue: one activity with quantity NaN; the write itself is refused."""
    with pytest.raises(duckdb.ConstraintException):
        build_store(customers=[customer("A")], activity_rates=RATES, activities=[act("a1", "A", "2024-03-11", float("nan"))])


@pytest.fixture
def legacy_path(tmp_path):
    """A version 2 store with NaN and infinite values, its aggregates computed over them (as v2 did).

    Clean rows: A bought for 1000 (cogs 600) and had 2 visits at 100; B bought for 500 (cogs 200).
    Poisoned: B's second sale with quantity +inf, A's visit with quantity NaN, B's visit with −inf,
    an assessment with a NaN score.
    """
    path = tmp_path / "v2.duckdb"
    con = build_store(path, customers=[customer("A"), customer("B")], activity_rates=RATES,
                      transactions=[tx("t1", "A", "2024-03-10", 1000, 600), tx("t2", "B", "2024-03-10", 500, 200)],
                      activities=[act("a1", "A", "2024-03-11", 2)], assessments=[assessment("s1")])
    as_version_2(con)
    with db.write(con) as cur:
        insert(cur, schema.TRANSACTIONS, [tx("t3", "B", "2024-03-20", 300, 100, quantity=float("inf"))])
        insert(cur, schema.ACTIVITIES, [act("a2", "A", "2024-03-12", float("nan")), act("a3", "B", "2024-04-01", float("-inf"))])
        insert(cur, schema.ASSESSMENTS, [assessment("s2", money_cost=float("nan"))])
        aggregates.refresh(cur)
    poisoned = con.execute("SELECT count(*) FROM agg_activity_month WHERE NOT isfinite(cost)").fetchone()[0]
    con.close()
    assert poisoned == 2  # the bug as version 2 left it
    return path


def test_an_older_store_is_upgraded_and_its_poisoned_rows_set_aside_in_the_audit_log(legacy_path):
    con = db.connect(legacy_path)
    assert db.get_meta(con, "schema_version") == str(schema.SCHEMA_VERSION)  # through version 3 and on
    assert con.execute("SELECT transaction_id FROM transactions ORDER BY 1").fetchall() == [("t1",), ("t2",)]
    assert con.execute("SELECT activity_id FROM activities").fetchall() == [("a1",)]
    assert con.execute("SELECT assessment_id FROM assessments").fetchall() == [("s1",)]
    log = con.execute("""SELECT table_name, record_key, action, column_name, old_value, user_name FROM audit_log
                         ORDER BY table_name, record_key""").fetchall()
    assert [r[:4] for r in log] == [("activities", "a2", "set_aside", "quantity"),
                                    ("activities", "a3", "set_aside", "quantity"),
                                    ("assessments", "s2", "set_aside", "money_cost"),
                                    ("transactions", "t3", "set_aside", "quantity")]
    assert {r[5] for r in log} == {"schema upgrade"}
    # The whole row is kept, readable (JSON with NaN/Infinity tokens, as Python's json reads them).
    assert json.loads(log[3][4]) == {"transaction_id": "t3", "customer_id": "B", "tx_date": "2024-03-20",
                                     "product": "P", "quantity": float("inf"), "revenue": 300.0, "cogs": 100.0,
                                     "load_id": None}
    # Aggregates: recomputed for the months touched, current, and equal to a full rebuild.
    assert aggregates.is_fresh(con)
    agg = "SELECT * FROM {} ORDER BY ALL"
    before = [con.execute(agg.format(t)).fetchall() for t in (schema.AGG_CUSTOMER_MONTH, schema.AGG_ACTIVITY_MONTH)]
    aggregates.rebuild(con)
    assert before == [con.execute(agg.format(t)).fetchall() for t in (schema.AGG_CUSTOMER_MONTH, schema.AGG_ACTIVITY_MONTH)]
    # And the store now refuses them.
    with pytest.raises(duckdb.ConstraintException):
        insert(con, schema.ACTIVITIES, [act("a4", "A", "2024-03-12", float("nan"))])
    con.close()


def test_every_figure_of_an_upgraded_store_is_finite_and_hand_computed(legacy_path):
    con = db.connect(legacy_path)
    out = report.build(con, YEAR)
    # A: 1000 − 600 − 2 × 100 = 200; B: 500 − 200 = 300 (the set-aside sale and visits count for nothing).
    assert (out["customers"], out["revenue"], out["cost_of_goods"], out["cost_to_serve"], out["profit"]) == (
        2, 1500, 800, 200, 500)
    ov = overview.overview(con, YEAR)
    assert ov is not None
    pnl = profit.customer_pnl(con, YEAR).customers.set_index("customer_id")["profit"].to_dict()
    assert pnl == {"A": 200, "B": 300}
    fig = concentration.summary(con, YEAR).figures
    assert (fig.total_profit, fig.loss_customers) == (500, 0)
    con.close()


def test_an_upgrade_across_a_row_group_is_read_back_in_the_same_process(tmp_path):
    """The rebuilt tables are created by DDL and filled in the upgrade's transaction: with more than
    122,880 rows their rows must be visible at once, without reopening (DuckDB 2.0.0 hides the rows
    of a table created as SELECT and filled in one transaction)."""
    n = 122_880 + 1_000
    path = tmp_path / "big.duckdb"
    con = build_store(path, customers=[customer("A")], activity_rates=RATES)
    as_version_2(con)
    con.execute(f"""INSERT INTO activities SELECT 'a' || i, 'A', DATE '2024-01-01' + CAST(i % 300 AS INTEGER), 'visit',
                    1, NULL FROM range({n}) r(i)""")
    con.execute("INSERT INTO activities VALUES ('bad', 'A', DATE '2024-02-01', 'visit', 'nan'::DOUBLE, NULL)")
    con.close()
    con = db.connect(path)
    assert con.execute("SELECT count(*), sum(quantity) FROM activities").fetchone() == (n, n)
    assert con.cursor().execute("SELECT count(*) FROM activities WHERE activity_id = 'a0'").fetchone() == (1,)
    assert con.execute("SELECT record_key FROM audit_log WHERE action = 'set_aside'").fetchall() == [("bad",)]
    con.close()
    con = db.connect(path)
    assert con.execute("SELECT count(*) FROM activities").fetchone() == (n,)
    con.close()


def test_a_clean_older_store_is_upgraded_without_any_audit_row(tmp_path):
    path = tmp_path / "clean.duckdb"
    con = build_store(path, customers=[customer("A")], activity_rates=RATES,
                      transactions=[tx("t1", "A", "2024-03-10", 1000, 600)], activities=[act("a1", "A", "2024-03-11", 2)])
    as_version_2(con)
    fingerprint, version = db.fingerprint(con), db.data_version(con)
    con.close()
    con = db.connect(path)
    assert db.get_meta(con, "schema_version") == str(schema.SCHEMA_VERSION)
    assert (db.fingerprint(con), db.data_version(con)) == (fingerprint, version)
    assert con.execute("SELECT count(*) FROM audit_log").fetchone() == (0,)
    con.close()
