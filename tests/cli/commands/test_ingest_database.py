"""``ingest URL --query SQL`` against a real PostgreSQL server (tests/postgres.py; no mock): a table
loads through the same validation, log and undo as a file, ``--since-last`` pulls only new rows,
errors name the source with the password masked and leave the store unchanged, and the password
appears in no output and nowhere in the store's bytes."""

from __future__ import annotations

import datetime as dt
import json
import socket
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest

import cli
from analytics.store import db
from tests.postgres import ANALYST_PASSWORD, SHOP_CUSTOMERS, Shop, shop_transactions

PERIOD = ["--from", "2024-01-01", "--to", "2026-12-31"]


def run(*args: object) -> int:
    return cli.main([*map(str, args), "--quiet"] if args[0] == "ingest" else list(map(str, args)))


def fingerprint(path: Path) -> str:
    con = db.connect(path)
    try:
        return db.fingerprint(con)
    finally:
        con.close()


def report(store: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert cli.main(["report", "--json", "--db", str(store), *PERIOD]) == 0
    return json.loads(capsys.readouterr().out)


def sums(rows: list[tuple]) -> tuple[Decimal, Decimal, int]:
    return sum(r[5] for r in rows), sum(r[6] for r in rows), len({r[1] for r in rows})


def assert_no_password(*texts: str, store: Path | None = None) -> None:
    forms = {ANALYST_PASSWORD, quote(ANALYST_PASSWORD, safe="")}
    for text in texts:
        for f in forms:
            assert f not in text
    if store is not None:
        for p in store.parent.glob(store.name + "*"):  # the store and its write-ahead log
            data = p.read_bytes()
            for f in forms:
                assert f.encode() not in data, p


@pytest.fixture
def loaded(pg_shop: Shop, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A new store with the shop's customers, loaded from PostgreSQL."""
    store = tmp_path / "s.duckdb"
    assert run("ingest", pg_shop.url(), "--query", "select * from customers", "--table", "customers",
               "--db", store) == 0
    return store


def test_a_postgresql_table_loads_and_report_agrees_with_independent_sums(pg_shop, loaded, capsys):
    out0 = capsys.readouterr()
    assert run("ingest", pg_shop.url(), "--query", "select * from transactions;", "--table", "transactions",
               "--db", loaded) == 0
    out = capsys.readouterr()
    assert "loaded 300 rows into transactions as load #2" in out.out
    rep = report(loaded, capsys)
    revenue, cogs, customers = sums(shop_transactions(1, 300))
    assert rep["revenue"] == pytest.approx(float(revenue), abs=0.005)
    assert rep["cost_of_goods"] == pytest.approx(float(cogs), abs=0.005)
    assert rep["customers"] == customers == 20
    assert rep["profit"] == pytest.approx(float(revenue - cogs), abs=0.005)  # no activities: no cost to serve
    # The log names the source by URL without password and the query
    capsys.readouterr()
    assert cli.main(["loads", "--json", "--db", str(loaded)]) == 0
    logged = json.loads(capsys.readouterr().out)
    # the password taken out of the URL; the trailing ';' dropped
    assert logged[0]["file_name"] == f"{pg_shop.url(password=None)} | select * from transactions"
    assert_no_password(out0.out, out0.err, out.out, out.err, json.dumps(logged), store=loaded)


def test_customer_rows_match_postgresql(pg_shop, loaded):
    con = db.connect(loaded, read_only=True)
    try:
        got = con.execute("SELECT customer_id, name, customer_type, segment, region FROM customers ORDER BY 1").fetchall()
    finally:
        con.close()
    assert got == sorted(SHOP_CUSTOMERS)


def test_since_last_pulls_only_new_rows_and_remembers_the_column(pg_shop, loaded, capsys):
    args = ["--query", "select * from transactions", "--table", "transactions", "--db", loaded, "--since-last"]
    # the first incremental run needs the column and pulls everything
    assert run("ingest", pg_shop.url(), *args) == 2
    assert "needs the incremental column" in capsys.readouterr().err
    assert run("ingest", pg_shop.url(), *args, "--incremental-column", "transaction_id") == 0
    assert "loaded 300 rows" in capsys.readouterr().out
    new = shop_transactions(301, 45)
    pg_shop.add_transactions(new)
    assert run("ingest", pg_shop.url(), *args) == 0  # the column is remembered for this source and query
    assert "loaded 45 rows into transactions" in capsys.readouterr().out
    revenue, cogs, _ = sums(shop_transactions(1, 345))
    rep = report(loaded, capsys)
    assert (rep["revenue"], rep["cost_of_goods"]) == pytest.approx((float(revenue), float(cogs)), abs=0.005)
    before = fingerprint(loaded)
    assert run("ingest", pg_shop.url(), *args) == 0
    assert "no new rows since the last load; nothing was loaded" in capsys.readouterr().out
    assert fingerprint(loaded) == before
    # undoing the last pull forgets its high-water mark: the next run pulls those rows again
    assert cli.main(["undo-load", "--db", str(loaded)]) == 0
    assert run("ingest", pg_shop.url(), *args) == 0
    assert "loaded 45 rows into transactions" in capsys.readouterr().out


def test_since_last_by_date_column(pg_shop, loaded, capsys):
    args = ["--query", "select * from transactions", "--table", "transactions", "--db", loaded, "--since-last",
            "--incremental-column", "tx_date"]
    assert run("ingest", pg_shop.url(), *args) == 0
    later = [(f"N{i}", "C001", dt.date(2025, 6, 1) + dt.timedelta(days=i), "P1", 1, Decimal("10.50"), Decimal("4.00"))
             for i in range(3)]
    pg_shop.add_transactions(later)
    capsys.readouterr()
    assert run("ingest", pg_shop.url(), *args, "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["rows"], out["written"]) == (3, 3)
    assert (out["source"]["rows"], out["source"]["after"], out["source"]["high_water"]) == (3, "2025-04-13", "2025-06-03")
    assert out["source"]["url"] == pg_shop.url(password=None)
    con = db.connect(loaded, read_only=True)
    try:
        meta = json.loads(con.execute("SELECT mapping FROM ingest_log ORDER BY load_id DESC LIMIT 1").fetchone()[0])
    finally:
        con.close()
    assert meta["source"]["incremental_column"] == "tx_date"
    assert (meta["source"]["after"], meta["source"]["high_water"]) == ("2025-04-13", "2025-06-03")


def test_undo_of_a_database_load(pg_shop, loaded, capsys):
    before = fingerprint(loaded)
    assert run("ingest", pg_shop.url(), "--query", "select * from transactions", "--table", "transactions",
               "--db", loaded) == 0
    assert fingerprint(loaded) != before
    assert cli.main(["undo-load", "--db", str(loaded)]) == 0
    assert fingerprint(loaded) == before
    # the same query again is a new load (the undone one does not block it)
    assert run("ingest", pg_shop.url(), "--query", "select * from transactions", "--table", "transactions",
               "--db", loaded) == 0


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once closed


@pytest.mark.parametrize("case", ["bad_query", "unknown_table", "unreachable", "wrong_password", "rejected_rows",
                                  "no_incremental_column"])
def test_errors_name_the_source_mask_the_password_and_change_nothing(pg_shop, loaded, capsys, case):
    url, query, extra = pg_shop.url(), "select * from transactions", []
    if case == "bad_query":
        query = "select * form transactions"
    elif case == "unknown_table":
        query = "select * from no_such_table"
    elif case == "unreachable":
        url = pg_shop.url().replace(f":{pg_shop.server.port}/", f":{_closed_port()}/")
    elif case == "wrong_password":
        url = pg_shop.url(password=ANALYST_PASSWORD + "x")
    elif case == "rejected_rows":
        query = "select transaction_id, 'C999' as customer_id, tx_date, product, quantity, revenue, cogs from transactions"
    elif case == "no_incremental_column":
        extra = ["--since-last", "--incremental-column", "updated_at"]
    before = fingerprint(loaded)
    capsys.readouterr()
    code = run("ingest", url, "--query", query, "--table", "transactions", "--db", loaded, *extra)
    out = capsys.readouterr()
    assert fingerprint(loaded) == before
    masked = "postgresql://analyst@127.0.0.1:"  # the source, its password taken out
    expected = {
        "bad_query": (2, 'the query failed: syntax error at or near "form" (at character 10 of the query)'),
        "unknown_table": (2, 'the query failed: relation "no_such_table" does not exist'),
        "unreachable": (2, "cannot connect to "),
        "wrong_password": (2, 'password authentication failed for user "analyst"'),
        "rejected_rows": (1, "300 of 300 rows were rejected; nothing was loaded"),
        "no_incremental_column": (2, "the query has no column 'updated_at' to pull new rows by"),
    }[case]
    assert code == expected[0]
    assert expected[1] in out.err, out.err
    if case == "rejected_rows":
        assert "line 1: customer_id: 'C999' is not in customers" in out.out  # the query's row 1
    else:
        assert masked in out.err
    assert_no_password(out.out, out.err, store=loaded)


def test_saved_connection_reads_the_password_from_the_environment(pg_shop, loaded, capsys, monkeypatch, tmp_path):
    bare = pg_shop.url(password=None)
    # a URL with a password is not saved: it would be in the store in clear text
    assert cli.main(["connection", "add", "shop", pg_shop.url(), "--db", str(loaded)]) == 2
    err = capsys.readouterr().err
    assert "carries a password" in err and "analyst:***@" in err
    assert cli.main(["connection", "add", "shop", bare, "--password-env", "SHOP_PW", "--db", str(loaded)]) == 0
    monkeypatch.setenv("SHOP_PW", ANALYST_PASSWORD)
    assert run("ingest", "shop", "--query", "select * from transactions", "--table", "transactions",
               "--db", loaded) == 0
    assert cli.main(["connection", "list", "--json", "--db", str(loaded)]) == 0
    out = capsys.readouterr()
    listed = json.loads(out.out[out.out.index("["):])
    assert listed == [{"name": "shop", "url": bare, "password": "env:SHOP_PW"}]
    # the environment variable unset: said plainly, nothing loaded
    monkeypatch.delenv("SHOP_PW")
    before = fingerprint(loaded)
    assert run("ingest", "shop", "--query", "select * from customers", "--table", "customers", "--mode", "update",
               "--db", loaded) == 2
    assert "the environment variable SHOP_PW holding the password is not set" in capsys.readouterr().err
    assert fingerprint(loaded) == before
    assert_no_password(out.out, out.err, store=loaded)


def test_password_file_must_be_private(pg_shop, loaded, capsys, tmp_path):
    pw = tmp_path / "pw"
    pw.write_text(ANALYST_PASSWORD + "\n")
    pw.chmod(0o644)
    args = ["--query", "select * from transactions", "--table", "transactions", "--db", loaded]
    assert run("ingest", pg_shop.url(password=None), *args, "--password-file", pw) == 2
    assert "must belong to you and be readable by you only (chmod 600; it is 644)" in capsys.readouterr().err
    pw.chmod(0o600)
    assert run("ingest", pg_shop.url(password=None), *args, "--password-file", pw) == 0


def test_transactions_alone_into_a_new_store_bring_their_customers(pg_shop, tmp_path, capsys):
    """The issue's "no flags" case: a new store, one command, the rows' customers created (name = id)."""
    store = tmp_path / "new.duckdb"
    assert run("ingest", pg_shop.url(), "--query", "select * from transactions", "--table", "transactions",
               "--db", store) == 0
    assert "loaded 300 rows into transactions" in capsys.readouterr().out
    rep = report(store, capsys)
    revenue, cogs, customers = sums(shop_transactions(1, 300))
    assert (rep["revenue"], rep["cost_of_goods"]) == pytest.approx((float(revenue), float(cogs)), abs=0.005)
    assert rep["customers"] == customers == 20
