"""Values no analysis can use are refused on ingest and in forms, each with its line, column and value.

NaN and infinities (issue 12, item 3) in every numeric column of every table, from CSV, Excel and
Parquet files; dates of events later than today + ``schema.FUTURE_DAYS`` (item 4), while a rate
taking effect later and an expected closing date may lie ahead. Before the fix the slow number
path turned ``nan``/``inf``/``Infinity``/``1e400`` into NaN or ±infinity and stored them, and any
date up to 2100 was accepted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest

from analytics import ingest
from analytics.store import db, schema
from tests.helpers import D, build_store, customer

# How NaN and the infinities come in files: spreadsheets, pandas/NumPy exports, Java, overflow.
NON_FINITE = ["NaN", "nan", "inf", "-inf", "Infinity", "-Infinity", " NaN ", "1e400", "+INF"]

# A valid row of every table; each test spoils one value.
GOOD: dict[str, dict[str, str]] = {
    schema.CUSTOMERS: {"customer_id": "C009", "name": "X", "customer_type": "enterprise", "acquired_on": "2024-01-02",
                       "acquisition_cost": "1"},
    schema.TRANSACTIONS: {"transaction_id": "T1", "customer_id": "C001", "tx_date": "2024-01-02", "product": "P",
                          "quantity": "1", "revenue": "10", "cogs": "5"},
    schema.ACTIVITIES: {"activity_id": "A1", "customer_id": "C001", "activity_date": "2024-01-02", "activity": "visit",
                        "quantity": "1"},
    schema.ACTIVITY_RATES: {"activity": "call", "unit_cost": "1.5", "valid_from": "2024-01-01", "unit": "call"},
    schema.FEEDBACK: {"feedback_id": "F1", "customer_id": "C001", "feedback_date": "2024-01-02", "kind": "praise",
                      "nps_score": "9"},
    schema.ASSESSMENTS: {"assessment_id": "S1", "customer_id": "C001", "assessed_on": "2024-01-02",
                         **{c: "5" for c in schema.finite_columns(schema.TABLES[schema.ASSESSMENTS])}},
    schema.SERVICE_QUALITY: {"quality_date": "2024-01-02", "region": "East", "quality_index": "80"},
    schema.OPPORTUNITIES: {"opportunity_id": "O1", "customer_id": "C001", "stage": "prospect",
                           "created_on": "2024-01-02", "amount": "100"},
}
NUMERIC = [(t, c.name) for t in GOOD for c in schema.TABLES[t].columns if c.kind in ("money", "number", "integer")]
DATES = [(t, c.name) for t in GOOD for c in schema.TABLES[t].columns if c.kind == "date"]


@pytest.fixture
def store():
    con = build_store(customers=[customer("C001"), customer("C002")],
                      activity_rates=[{"activity": "visit", "unit_cost": 100, "valid_from": D("2024-01-01")}])
    yield con
    con.close()


def csv_file(tmp_path: Path, table: str, rows: list[dict[str, str]]) -> Path:
    cols = list(schema.TABLES[table].column_names)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    w.writerows([[r.get(c, "") for c in cols] for r in rows])
    p = tmp_path / f"{table}.csv"
    p.write_text(buf.getvalue(), encoding="utf-8")
    return p


def check(con, path: Path, table: str) -> ingest.Report:
    sn = ingest.sniff(path)
    mapping = ingest.Mapping.of({c: c for c in sn.columns if c in schema.TABLES[table].column_names})
    return ingest.check(con, path, sn, ingest.Options(table, mapping))


def found(rep: ingest.Report) -> list[tuple]:
    return [(r.line, r.column, r.code, r.value) for r in rep.issues.itertuples()]


def keyed(table: str, i: int, **values: str) -> dict[str, str]:
    """The good row of ``table`` with its key made unique by ``i`` and ``values`` put in."""
    row = dict(GOOD[table])
    key = schema.TABLES[table].key[0]
    if schema.TABLES[table].column(key).kind == "date":
        row[key] = (D(row[key]) + dt.timedelta(days=i)).isoformat()
    else:
        row[key] = f"{row[key]}{i}"
    row.update(values)
    return row


# ----------------------------------------------------------------------------- NaN and infinities
@pytest.mark.parametrize("column", ["quantity", "revenue", "cogs"])
def test_every_spelling_of_nan_and_infinity_in_a_csv_is_refused_with_line_and_column(tmp_path, store, column):
    rows = [keyed(schema.TRANSACTIONS, i, **{column: v}) for i, v in enumerate(NON_FINITE)]
    rows.append(keyed(schema.TRANSACTIONS, 99))
    rep = check(store, csv_file(tmp_path, schema.TRANSACTIONS, rows), schema.TRANSACTIONS)
    assert found(rep) == [(i + 2, column, "not_finite", v.strip()) for i, v in enumerate(NON_FINITE)]
    assert (rep.valid, rep.rejected) == (1, len(NON_FINITE))
    assert rep.issues["message"][0] == "'NaN' is not a finite number (NaN and infinity are not allowed)"


@pytest.mark.parametrize(("table", "column"), NUMERIC)
def test_nan_and_infinity_are_refused_in_every_numeric_column_of_every_table(tmp_path, store, table, column):
    bad = ["nan", "-Infinity", "inf%", "1e400"]  # '%' and '万' go through the slow path's scaling too
    rows = [keyed(table, i, **{column: v}) for i, v in enumerate(bad)]
    rep = check(store, csv_file(tmp_path, table, rows), table)
    codes = [(line, col, code) for line, col, code, _ in found(rep)]
    assert codes == [(2, column, "not_finite"), (3, column, "not_finite"), (4, column, "not_number"),
                     (5, column, "not_finite")], rep.issues
    assert rep.valid == 0


def test_an_excel_sheet_with_nan_and_infinity_text_is_refused_with_sheet_row_numbers(tmp_path, store):
    from tests.fixtures.ingest.make_fixtures import workbook_bytes

    header = list(schema.TABLES[schema.TRANSACTIONS].column_names)
    body = [["X1", "C001", dt.date(2024, 3, 5), "P", "NaN", 10, 5],
            ["X2", "C001", dt.date(2024, 3, 5), "P", 1, "Infinity", 5],
            ["X3", "C001", dt.date(2024, 3, 5), "P", "-inf", 10, "inf"],
            ["X4", "C001", dt.date(2024, 3, 5), "P", 2.5, 10, 5]]
    p = tmp_path / "t.xlsx"
    p.write_bytes(workbook_bytes([header, *body], title="March"))
    rep = check(store, p, schema.TRANSACTIONS)
    # Title on row 1, empty row 2, header on row 3: data from row 4.
    assert found(rep) == [(4, "quantity", "not_finite", "NaN"), (5, "revenue", "not_finite", "Infinity"),
                          (6, "cogs", "not_finite", "inf"), (6, "quantity", "not_finite", "-inf")]
    assert rep.valid == 1


def test_a_parquet_file_with_nan_and_infinite_doubles_is_refused_with_row_numbers(tmp_path, store):
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = tmp_path / "t.parquet"
    pq.write_table(pa.table({
        "transaction_id": ["P1", "P2", "P3", "P4"], "customer_id": ["C001"] * 4,
        "tx_date": pa.array([dt.date(2024, 4, 1)] * 4), "product": ["A"] * 4,
        "quantity": [float("nan"), float("inf"), 1.0, 2.0],
        "revenue": [10.0, 10.0, float("-inf"), 10.0], "cogs": ["5", "5", "5", "NaN"]}), p)
    rep = check(store, p, schema.TRANSACTIONS)
    assert found(rep) == [(1, "quantity", "not_finite", "nan"), (2, "quantity", "not_finite", "inf"),
                          (3, "revenue", "not_finite", "-inf"), (4, "cogs", "not_finite", "NaN")]
    assert rep.valid == 0


def test_assessment_scores_from_parquet_and_a_skipping_load_store_only_finite_values(tmp_path, store):
    import pyarrow as pa
    import pyarrow.parquet as pq

    scores = schema.finite_columns(schema.TABLES[schema.ASSESSMENTS])
    cols = {"assessment_id": ["S1", "S2", "S3"], "customer_id": ["C001"] * 3,
            "assessed_on": pa.array([dt.date(2024, 4, 1)] * 3)}
    cols.update({c: [5.0, 5.0, 5.0] for c in scores})
    cols["service_value"] = [float("nan"), 5.0, 5.0]
    cols["expectation_social"] = [5.0, float("inf"), None]  # optional: empty is fine, infinity is not
    p = tmp_path / "a.parquet"
    pq.write_table(pa.table(cols), p)
    rep = check(store, p, schema.ASSESSMENTS)
    assert found(rep) == [(1, "service_value", "not_finite", "nan"), (2, "expectation_social", "not_finite", "inf")]
    sn = ingest.sniff(p)
    done = ingest.load(store, p, sn, ingest.Options(schema.ASSESSMENTS, ingest.Mapping.of({c: c for c in sn.columns}),
                                                    on_reject="skip"))
    assert done.written == 1
    assert store.execute("SELECT assessment_id, expectation_social FROM assessments").fetchall() == [("S3", None)]


def test_a_file_with_nan_is_refused_whole_and_the_store_is_unchanged(tmp_path, store):
    p = csv_file(tmp_path, schema.ACTIVITIES, [keyed(schema.ACTIVITIES, 1), keyed(schema.ACTIVITIES, 2, quantity="NaN")])
    before, version = db.fingerprint(store), db.data_version(store)
    sn = ingest.sniff(p)
    with pytest.raises(ingest.IngestError) as info:
        ingest.load(store, p, sn, ingest.Options(schema.ACTIVITIES, ingest.auto_map(schema.ACTIVITIES, sn.columns)))
    assert "NaN" in set(info.value.report.issues["value"])
    assert (db.fingerprint(store), db.data_version(store)) == (before, version)


# ----------------------------------------------------------------------------- future dates
def test_a_transaction_dated_2099_is_refused_with_the_latest_date_allowed(tmp_path, store):
    latest = schema.latest_date()
    rows = [keyed(schema.TRANSACTIONS, 1, tx_date="2099-01-02"),
            keyed(schema.TRANSACTIONS, 2, tx_date=latest.isoformat()),
            keyed(schema.TRANSACTIONS, 3, tx_date=(latest + dt.timedelta(days=1)).isoformat()),
            keyed(schema.TRANSACTIONS, 4, tx_date=dt.date.today().isoformat())]
    rep = check(store, csv_file(tmp_path, schema.TRANSACTIONS, rows), schema.TRANSACTIONS)
    assert found(rep) == [(2, "tx_date", "future_date", "2099-01-02"),
                          (4, "tx_date", "future_date", (latest + dt.timedelta(days=1)).isoformat())]
    assert rep.issues["message"][0] == (f"2099-01-02 is later than {latest} (today + {schema.FUTURE_DAYS} days): "
                                        "a date in the future is probably a typing error")
    assert rep.valid == 2
    assert latest == dt.date.today() + dt.timedelta(days=31)


@pytest.mark.parametrize(("table", "column"), DATES)
def test_dates_of_events_beyond_the_tolerance_are_refused_and_planned_dates_are_not(tmp_path, store, table, column):
    rep = check(store, csv_file(tmp_path, table, [keyed(table, 1, **{column: "2099-01-02"})]), table)
    if (table, column) in schema.FUTURE_ALLOWED:  # a rate from next year, an expected closing date
        assert found(rep) == [] and rep.valid == 1
    else:
        assert found(rep) == [(2, column, "future_date", "2099-01-02")]


def test_dates_past_2100_stay_out_of_range_rather_than_in_the_future(tmp_path, store):
    rep = check(store, csv_file(tmp_path, schema.TRANSACTIONS, [keyed(schema.TRANSACTIONS, 1, tx_date="2101-01-01")]),
                schema.TRANSACTIONS)
    assert [r[2] for r in found(rep)] == ["date_out_of_range"]


# ----------------------------------------------------------------------------- forms
def test_a_form_refuses_nan_and_infinity_by_name_and_changes_nothing(store):
    from analytics.ingest import records

    before, version = db.fingerprint(store), db.data_version(store)
    base = {"activity_id": "A9", "customer_id": "C001", "activity_date": dt.date(2024, 3, 1), "activity": "visit"}
    for bad in (float("nan"), float("inf"), float("-inf"), Decimal("NaN"), "Infinity"):
        res = records.add(store, schema.ACTIVITIES, {**base, "quantity": bad})
        assert not res.ok
        assert [(i.column, i.code) for i in res.issues] == [("quantity", "not_finite")], bad
    # An optional score typed as NaN was stored as NULL before: now it is refused too.
    scores = {c: 5.0 for c in schema.finite_columns(schema.TABLES[schema.ASSESSMENTS])}
    res = records.add(store, schema.ASSESSMENTS, {"assessment_id": "S9", "customer_id": "C001",
                                                  "assessed_on": dt.date(2024, 3, 1),
                                                  **scores, "perception_social": float("nan")})
    assert [(i.column, i.code, i.value) for i in res.issues] == [("perception_social", "not_finite", "nan")]
    assert res.issues[0].message == "'nan' is not a finite number (NaN and infinity are not allowed)"
    assert (db.fingerprint(store), db.data_version(store)) == (before, version)


def test_a_form_refuses_a_date_far_in_the_future_and_a_correction_cannot_move_a_record_there(store):
    from analytics.ingest import records

    row = {"transaction_id": "T9", "customer_id": "C001", "tx_date": dt.date(2099, 3, 1), "product": "P",
           "quantity": 1, "revenue": 10, "cogs": 5}
    res = records.add(store, schema.TRANSACTIONS, row)
    assert [(i.column, i.code, i.a, i.b) for i in res.issues] == [
        ("tx_date", "future_date", schema.latest_date().isoformat(), str(schema.FUTURE_DAYS))]
    assert records.add(store, schema.TRANSACTIONS, {**row, "tx_date": dt.date(2024, 3, 1)}).ok
    res = records.correct(store, schema.TRANSACTIONS, "T9", {"tx_date": dt.date(2099, 3, 1)})
    assert not res.ok and res.issues[0].code == "future_date"
    assert records.get(store, schema.TRANSACTIONS, "T9")["tx_date"] == dt.date(2024, 3, 1)
