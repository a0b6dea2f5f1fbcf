"""Ingest of the ``contracts`` table (schema version 6): Chinese headers and statuses recognised,
an active contract's end date may lie ahead, unknown customers and statuses refused, undo exact."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from analytics import ingest
from analytics.ingest import records
from analytics.store import db, schema
from tests.helpers import build_store, customer


@pytest.fixture
def store():
    con = build_store(customers=[customer("C001"), customer("C002"), customer("C003")])
    yield con
    con.close()


def _run(con, path: Path, write: bool):
    sn = ingest.sniff(path)
    m = ingest.auto_map(schema.CONTRACTS, sn.columns, sn.preview)
    o = ingest.Options(schema.CONTRACTS, m)
    return (ingest.load if write else ingest.check)(con, path, sn, o), m


def test_a_chinese_contracts_file_is_mapped_and_loaded(store, tmp_path):
    ahead = (dt.date.today() + dt.timedelta(days=200)).isoformat()  # an active term ends in the future
    text = ("合同编号,客户编号,套餐,开始日期,结束日期,状态\n"
            "K1,C001,年度合同,2024-01-01,2025-01-01,已续约\n"
            f"K2,C001,年度合同,2025-01-01,{ahead},生效中\n"
            "K3,C002,Postpaid,2024-06-01,2024-12-01,已取消\n"
            "K4,C003,Postpaid,2024-06-01,,active\n")
    path = tmp_path / "合同.csv"
    path.write_text(text, encoding="gbk")
    rep, m = _run(store, path, write=False)
    assert [m.source(c) for c in ("contract_id", "customer_id", "plan", "start_date", "end_date", "status")] == [
        "合同编号", "客户编号", "套餐", "开始日期", "结束日期", "状态"]
    assert rep.rejected == 0, rep
    rep, _ = _run(store, path, write=True)
    assert rep.written == 4
    got = store.execute("SELECT contract_id, customer_id, plan, start_date, end_date, status FROM contracts "
                        "ORDER BY contract_id").fetchall()
    assert got == [
        ("K1", "C001", "Annual contract", dt.date(2024, 1, 1), dt.date(2025, 1, 1), "renewed"),
        ("K2", "C001", "Annual contract", dt.date(2025, 1, 1), dt.date.fromisoformat(ahead), "active"),
        ("K3", "C002", "Postpaid", dt.date(2024, 6, 1), dt.date(2024, 12, 1), "cancelled"),
        ("K4", "C003", "Postpaid", dt.date(2024, 6, 1), None, "active"),
    ]
    ingest.undo_last(store)
    assert store.execute("SELECT count(*) FROM contracts").fetchone() == (0,)


def test_unknown_customers_and_statuses_are_refused(store, tmp_path):
    path = tmp_path / "contracts.csv"
    path.write_text("contract_id,customer_id,plan,start_date,end_date,status\n"
                    "K1,C009,Postpaid,2024-01-01,2024-07-01,renewed\n"
                    "K2,C001,Postpaid,2024-01-01,2024-07-01,paused\n"
                    "K3,C001,Postpaid,2099-01-01,,active\n", encoding="utf-8")
    before = db.fingerprint(store)
    rep, _ = _run(store, path, write=False)
    reasons = set(rep.issues[["line", "column", "code"]].itertuples(index=False, name=None))
    assert (2, "customer_id", "unknown_reference") in reasons
    assert (3, "status", "not_choice") in reasons
    assert (4, "start_date", "future_date") in reasons  # a start is something that happened
    assert db.fingerprint(store) == before


def test_contracts_can_be_entered_in_a_form(store):
    assert schema.CONTRACTS in records.FORM_TABLES
    with db.cursor(store) as cur:
        assert records.next_id(cur, schema.CONTRACTS) == "K000001"
    res = records.add(store, schema.CONTRACTS, {"contract_id": "K000001", "customer_id": "C001", "plan": "Postpaid",
                                                "start_date": "2024-01-01", "end_date": "", "status": "生效中"})
    assert res.ok, res.issues
    assert store.execute("SELECT status, end_date FROM contracts").fetchall() == [("active", None)]


@pytest.mark.parametrize(("spelling", "code"), [("在约", "active"), ("续签", "renewed"), ("解约", "cancelled"),
                                                ("Canceled", "cancelled"), ("已取消", "cancelled"), ("Renewed", "renewed")])
def test_status_spellings(store, tmp_path, spelling, code):
    path = tmp_path / "k.csv"
    path.write_text(f"合同编号,客户编号,套餐,开始日期,结束日期,状态\nK1,C001,Postpaid,2024-01-01,2024-07-01,{spelling}\n",
                    encoding="utf-8")
    rep, _ = _run(store, path, write=True)
    assert rep.written == 1
    assert store.execute("SELECT status FROM contracts").fetchone() == (code,)
