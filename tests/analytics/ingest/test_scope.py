"""A restricted analyst changes only the customers they may see: files, forms, undo and rates (issue 15)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from analytics import ingest, rates
from analytics.filters import Allowance
from analytics.ingest import records, scope
from analytics.store import db
from tests.helpers import D, build_store, customer

EAST = Allowance(regions=("East",))
SMB = Allowance(segments=("SMB",))
TX = "交易编号,客户编号,交易日期,产品,数量,金额,成本\n"


@pytest.fixture
def store():
    """E1, E2 (East, SMB), E3 (East, Corporate), W1 (West, SMB); one sale each of E1 and W1; a visit rate."""
    con = build_store(
        customers=[customer("E1", region="East", segment="SMB"), customer("E2", region="East", segment="SMB"),
                   customer("E3", region="East", segment="Corporate"), customer("W1", region="West", segment="SMB")],
        activity_rates=[{"activity": "visit", "unit_cost": 100, "valid_from": D("2024-01-01"), "unit": "visit"}],
        transactions=[
            {"transaction_id": "T1", "customer_id": "E1", "tx_date": D("2024-03-10"), "product": "P", "quantity": 1,
             "revenue": 100, "cogs": 60},
            {"transaction_id": "T2", "customer_id": "W1", "tx_date": D("2024-03-11"), "product": "P", "quantity": 1,
             "revenue": 200, "cogs": 90}],
    )
    yield con
    con.close()


def put(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def opts(path: Path, table: str = "transactions", **kw) -> tuple[ingest.Sniff, ingest.Options]:
    sn = ingest.sniff(path)
    return sn, ingest.Options(table, ingest.auto_map(table, sn.columns), **kw)


def refused(exc: pytest.ExceptionInfo, code: str) -> dict:
    assert exc.value.code == code, str(exc.value)
    return exc.value.params


def test_a_file_with_rows_outside_the_allowance_is_refused_naming_file_line_and_column(store, tmp_path):
    p = put(tmp_path, "east_week.csv", TX + "T3,E1,2024-04-01,P,1,10,5\nT4,E2,2024-04-02,P,1,10,5\n"
                                            "T5,W1,2024-04-03,P,1,10,5\nT6,W1,2024-04-04,P,1,10,5\n")
    before, version = db.fingerprint(store), db.data_version(store)
    for skip in ("refuse", "skip"):  # loading the other rows would be a partial load behind the analyst's back
        sn, o = opts(p, on_reject=skip)
        with pytest.raises(ingest.IngestError) as e:
            ingest.check(store, p, sn, o, allowance=EAST)
        assert refused(e, "outside_allowance") == {
            "file": "east_week.csv", "line": 4, "column": "客户编号", "field": "customer_id", "value": "W1", "rows": 2,
            "allowed": "regions East"}
        with pytest.raises(ingest.IngestError) as e:
            ingest.load(store, p, sn, o, user="ann", allowance=EAST)
        assert "east_week.csv, line 4, column 客户编号: customer_id W1 is outside" in str(e.value)
    assert db.fingerprint(store) == before and db.data_version(store) == version
    # Unrestricted (an admin, or an analyst of the whole store): the same file loads.
    assert ingest.load(store, p, *opts(p), user="boss").written == 4


def test_a_file_of_permitted_customers_loads_and_rejected_rows_keep_their_reasons(store, tmp_path):
    p = put(tmp_path, "east.csv", TX + "T3,E1,2024-04-01,P,1,10,5\nT4,E3,2024-04-02,P,1,10,5\n")
    assert ingest.load(store, p, *opts(p), user="ann", allowance=EAST).written == 2
    # An unknown customer is the usual rejected row (its reason listed), not a refusal for the allowance...
    q = put(tmp_path, "typo.csv", TX + "T7,E9,2024-04-01,P,1,10,5\n")
    rep = ingest.check(store, q, *opts(q), allowance=EAST)
    assert rep.rejected == 1 and set(rep.issues["code"]) == {"unknown_reference"}
    # ... but creating that customer would add a customer without a region: outside the allowance.
    with pytest.raises(ingest.IngestError) as e:
        ingest.check(store, q, *opts(q), create_customers=True, allowance=EAST)
    assert refused(e, "outside_allowance")["value"] == "E9"
    # A segment limit: E3 is Corporate.
    with pytest.raises(ingest.IngestError) as e:
        ingest.check(store, put(tmp_path, "smb.csv", TX + "T8,E3,2024-05-01,P,1,10,5\n"),
                     *opts(tmp_path / "smb.csv"), allowance=SMB)
    assert refused(e, "outside_allowance")["line"] == 2


def test_customer_rows_are_judged_by_their_region_as_stored_and_as_loaded(store, tmp_path):
    head = "客户编号,客户名称,区域,细分\n"
    cases = {  # file -> the refusal's (column, value), or None when it loads
        "E2,Eastern Two,East,SMB\nN1,New East,East,SMB\n": None,
        "E2,Eastern Two,West,SMB\n": ("区域", "West"),  # moved out of the allowance
        "W1,Western One,East,SMB\n": ("客户编号", "W1"),  # another region's customer claimed into it
    }
    for i, (rows, want) in enumerate(cases.items()):
        p = put(tmp_path, f"customers{i}.csv", head + rows)
        sn, o = opts(p, "customers", mode="update")
        if want is None:
            assert ingest.load(store, p, sn, o, user="ann", allowance=EAST).written == 2
            continue
        with pytest.raises(ingest.IngestError) as e:
            ingest.load(store, p, sn, o, user="ann", allowance=EAST)
        params = refused(e, "outside_allowance")
        assert (params["column"], params["value"], params["line"]) == (*want, 2)
    # A new customer whose file has no region: empty region, outside a region limit.
    p = put(tmp_path, "no_region.csv", "客户编号,客户名称\nN2,No region\n")
    with pytest.raises(ingest.IngestError) as e:
        ingest.check(store, p, *opts(p, "customers"), allowance=EAST)
    assert refused(e, "outside_allowance")["field"] == "region"
    assert store.execute("SELECT region FROM customers WHERE customer_id IN ('E2', 'W1') ORDER BY 1").fetchall() == [
        ("East",), ("West",)]


def test_company_wide_loads_are_refused_before_anything_is_written(store, tmp_path):
    p = put(tmp_path, "east.csv", TX + "T3,E1,2024-03-01,P,1,10,5\n")
    before = db.fingerprint(store)
    for mode, period in (("replace_table", None), ("replace_period", (D("2024-03-01"), D("2024-03-31")))):
        sn, o = opts(p, mode=mode, period=period)
        for call, kw in ((ingest.check, {}), (ingest.load, {"user": "ann"})):
            with pytest.raises(ingest.IngestError) as e:
                call(store, p, sn, o, allowance=EAST, **kw)
            assert refused(e, "whole_store")["allowed"] == "regions East"
            assert "only an admin, or an analyst not limited to regions or segments" in str(e.value)
    r = put(tmp_path, "rates.csv", "作业,单位成本,生效日期\nvisit,120,2024-06-01\n")
    with pytest.raises(ingest.IngestError) as e:
        ingest.load(store, r, *opts(r, "activity_rates"), user="ann", allowance=EAST)
    refused(e, "whole_store")
    assert db.fingerprint(store) == before


def test_opportunities_and_service_quality_belong_to_their_region(store, tmp_path):
    opp = put(tmp_path, "opp.csv", "商机编号,客户编号,潜在客户,阶段,创建日期,区域\n"
                                   "O1,E1,,won,2024-01-05,\nO2,,Prospect East,lead,2024-01-06,East\n")
    assert ingest.load(store, opp, *opts(opp, "opportunities"), user="ann", allowance=EAST).written == 2
    west = put(tmp_path, "opp_w.csv", "商机编号,客户编号,潜在客户,阶段,创建日期,区域\nO3,,Prospect West,lead,2024-01-06,West\n")
    with pytest.raises(ingest.IngestError) as e:
        ingest.check(store, west, *opts(west, "opportunities"), allowance=EAST)
    assert (refused(e, "outside_allowance")["column"], e.value.params["value"]) == ("区域", "West")
    sq = put(tmp_path, "sq.csv", "日期,区域,服务质量指数\n2024-01-31,East,80\n")
    assert ingest.load(store, sq, *opts(sq, "service_quality"), user="ann", allowance=EAST).written == 1
    # Under a segment limit a region's row cannot be judged: refused.
    sq2 = put(tmp_path, "sq2.csv", "日期,区域,服务质量指数\n2024-02-29,East,81\n")
    with pytest.raises(ingest.IngestError) as e:
        ingest.check(store, sq2, *opts(sq2, "service_quality"), allowance=SMB)
    refused(e, "outside_allowance")


def test_forms_add_and_correct_only_permitted_records(store):
    before = db.fingerprint(store)
    sale = {"transaction_id": "T9", "customer_id": "W1", "tx_date": dt.date(2024, 4, 1), "product": "P",
            "quantity": 1, "revenue": 5, "cogs": 1}
    with pytest.raises(ingest.IngestError) as e:
        records.add(store, "transactions", sale, user="ann", allowance=EAST)
    assert refused(e, "record_outside_allowance") == {"field": "customer_id", "value": "W1", "allowed": "regions East"}
    with pytest.raises(ingest.IngestError) as e:  # another region's sale, even a field that names no customer
        records.correct(store, "transactions", "T2", {"revenue": 1}, user="ann", allowance=EAST)
    assert refused(e, "record_outside_allowance")["value"] in ("W1", "T2")
    with pytest.raises(ingest.IngestError) as e:  # an own sale handed to another region's customer
        records.correct(store, "transactions", "T1", {"customer_id": "W1"}, user="ann", allowance=EAST)
    refused(e, "record_outside_allowance")
    with pytest.raises(ingest.IngestError) as e:  # an own customer moved out of the allowance
        records.correct(store, "customers", "E1", {"region": "West"}, user="ann", allowance=EAST)
    assert refused(e, "record_outside_allowance") == {"field": "region", "value": "West", "allowed": "regions East"}
    assert db.fingerprint(store) == before
    assert records.add(store, "transactions", {**sale, "customer_id": "E2"}, user="ann", allowance=EAST).ok
    assert records.correct(store, "transactions", "T1", {"revenue": 150}, user="ann", allowance=EAST).changes
    # What the form offers and opens: only permitted customers and records.
    assert [i for i, _ in records.customers_matching(store.cursor(), None, 100, EAST)] == ["E1", "E2", "E3"]
    assert [i for i, _ in records.customers_matching(store.cursor(), "1", 100, EAST)] == ["E1"]
    assert records.customer_count(store.cursor(), SMB) == 3
    assert not scope.record_permitted(store.cursor(), "transactions", "T2", EAST)
    assert scope.record_permitted(store.cursor(), "transactions", "T1", EAST)


def test_undo_of_a_load_touching_other_customers_is_refused(store, tmp_path):
    mixed = put(tmp_path, "mixed.csv", TX + "T3,E1,2024-04-01,P,1,10,5\nT4,W1,2024-04-02,P,1,10,5\n")
    lid = ingest.load(store, mixed, *opts(mixed), user="boss").load_id
    before = db.fingerprint(store)
    assert scope.undo_refusal(store.cursor(), lid, "transactions", EAST) == (
        "undo_outside_allowance", {"load_id": lid, "rows": 1, "allowed": "regions East"})
    assert scope.undo_refusal(store.cursor(), lid, "transactions", None) is None
    with pytest.raises(ingest.IngestError) as e:
        ingest.undo_last(store, user="ann", allowance=EAST)
    assert refused(e, "undo_outside_allowance")["rows"] == 1
    assert "only an admin, or an analyst not limited" in str(e.value)
    assert db.fingerprint(store) == before
    assert ingest.undo_last(store, user="boss").removed == 2
    east = put(tmp_path, "east.csv", TX + "T5,E2,2024-04-01,P,1,10,5\n")
    ingest.load(store, east, *opts(east), user="ann", allowance=EAST)
    assert ingest.undo_last(store, user="ann", allowance=EAST).removed == 1


def test_activity_rates_are_refused_to_a_restricted_user(store):
    change = [{"activity": "visit", "unit_cost": 120, "valid_from": D("2024-06-01")}]
    before = db.fingerprint(store)
    with pytest.raises(rates.Restricted, match="only an admin, or an analyst not limited to regions or segments"):
        rates.save(store, change, user="ann", allowance=EAST)
    assert db.fingerprint(store) == before
    assert rates.save(store, change, user="ann", allowance=Allowance()).changed == 1


def test_a_large_permitted_file_loads_whole_and_is_read_back_in_the_same_process(store, tmp_path):
    # Above one row group (122,880 rows): a restricted analyst's load is an ordinary load, read back at once.
    n = 130_000
    p = tmp_path / "big.csv"
    with p.open("w", encoding="utf-8") as fh:
        fh.write(TX)
        fh.writelines(f"B{i},{'E1' if i % 2 else 'E2'},2024-05-01,P,1,10,5\n" for i in range(n))
    assert ingest.load(store, p, *opts(p), user="ann", allowance=EAST).written == n
    assert store.execute("SELECT count(*), count(DISTINCT transaction_id) FROM transactions "
                         "WHERE transaction_id LIKE 'B%'").fetchone() == (n, n)
    # And the same size with one row of another region at the end is refused, naming its line.
    with p.open("a", encoding="utf-8") as fh:
        fh.write("Z1,W1,2024-05-01,P,1,10,5\n")
    q = tmp_path / "big2.csv"
    q.write_text(p.read_text(encoding="utf-8").replace(",2024-05-01,", ",2024-05-02,").replace("\nB", "\nC"),
                 encoding="utf-8")
    with pytest.raises(ingest.IngestError) as e:
        ingest.load(store, q, *opts(q), user="ann", allowance=EAST)
    assert refused(e, "outside_allowance")["line"] == n + 2
