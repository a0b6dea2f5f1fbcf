"""analytics.ingest.database: URLs and passwords (no server), and pulls from a real PostgreSQL
server (tests/postgres.py): text columns, batches, read-only, incremental pulls, saved connections."""

from __future__ import annotations

import json
import os

import pyarrow.parquet as pq
import pytest

from analytics.ingest import IngestError
from analytics.ingest import database as dbs
from analytics.store import db
from tests.postgres import ANALYST_PASSWORD, Shop


# ----------------------------------------------------------------------------- no server
@pytest.mark.parametrize("url, clean, password, masked", [
    ("postgresql://u:p%40ss@h:5432/d", "postgresql://u@h:5432/d", "p@ss", "postgresql://u:***@h:5432/d"),
    ("postgres://u:a:b@c@h/d?sslmode=require", "postgres://u@h/d?sslmode=require", "a:b@c",
     "postgres://u:***@h/d?sslmode=require"),
    ("postgresql://u@h/d?password=s3&sslmode=disable", "postgresql://u@h/d?sslmode=disable", "s3",
     "postgresql://u@h/d?password=***&sslmode=disable"),
    ("postgresql://h/d", "postgresql://h/d", None, "postgresql://h/d"),
])
def test_split_and_mask(url, clean, password, masked):
    assert dbs.split_password(url) == (clean, password)
    assert dbs.mask(url) == masked


def test_not_a_url_is_refused_with_the_password_masked():
    with pytest.raises(IngestError) as e:
        dbs.split_password("mysql://u:secret@h/d")
    assert e.value.code == "db_url" and "secret" not in str(e.value) and "u:***@h" in str(e.value)


def test_source_keeps_the_password_out_of_repr_label_and_key():
    s = dbs.Source.of("postgresql://u:topsecret@h/d", "select 1;;  ")
    assert s.url == "postgresql://u@h/d" and s.query == "select 1" and s.password == "topsecret"
    assert "topsecret" not in repr(s) and "topsecret" not in s.label
    assert s.key == dbs.Source.of("postgresql://u:other@h/d", "select   1").key  # password and spacing ignored
    assert s.key != dbs.Source.of("postgresql://u@h/d", "select 2").key


def test_password_file_must_be_private_and_absolute(tmp_path):
    p = tmp_path / "pw"
    p.write_text("hunter2\nignored\n")
    p.chmod(0o640)
    with pytest.raises(IngestError, match="readable by you only"):
        dbs.PasswordSource("file", str(p)).read()
    p.chmod(0o600)
    assert dbs.PasswordSource.parse(f"file:{p}").read() == "hunter2"
    with pytest.raises(IngestError, match="absolute path"):
        dbs.PasswordSource("file", "pw")
    with pytest.raises(IngestError, match="does not exist"):
        dbs.PasswordSource("file", str(tmp_path / "none")).read()


def test_password_from_environment(monkeypatch):
    ps = dbs.PasswordSource.parse("env:CVM_TEST_PW")
    monkeypatch.delenv("CVM_TEST_PW", raising=False)
    with pytest.raises(IngestError, match="CVM_TEST_PW holding the password is not set"):
        ps.read()
    monkeypatch.setenv("CVM_TEST_PW", "pw")
    assert ps.read() == "pw" and str(ps) == "env:CVM_TEST_PW"
    with pytest.raises(IngestError):
        dbs.PasswordSource("env", "not a name")
    assert dbs.PasswordSource.parse(None).read() is None  # libpq's PGPASSWORD / ~/.pgpass


def test_saved_connection_stores_no_password(tmp_path):
    con = db.connect(tmp_path / "s.duckdb")
    try:
        with pytest.raises(IngestError) as e:
            dbs.save_connection(con, "erp", "postgresql://u:hunter2@h/d")
        assert e.value.code == "db_password_in_url" and "hunter2" not in str(e.value)
        dbs.save_connection(con, "erp", "postgresql://u@h/d", dbs.PasswordSource("env", "ERP_PW"))
        with db.cursor(con) as cur:
            assert dbs.connections(cur) == [dbs.Connection("erp", "postgresql://u@h/d", dbs.PasswordSource("env", "ERP_PW"))]
            assert dbs.connection(cur, "erp").source("select 1").password_source.ref == "ERP_PW"
        with pytest.raises(IngestError, match="connection name"):
            dbs.save_connection(con, "bad name!", "postgresql://u@h/d")
        assert dbs.remove_connection(con, "erp") and not dbs.remove_connection(con, "erp")
    finally:
        con.close()


# ----------------------------------------------------------------------------- a real server
def test_fetch_streams_text_columns_in_batches(pg_shop: Shop, tmp_path):
    src = dbs.Source.of(pg_shop.url(), "select transaction_id, tx_date, revenue, quantity, "
                        "tx_date::timestamptz as at, transaction_id as transaction_id from transactions "
                        "where product like 'P%' order by transaction_id")
    got = dbs.fetch(src, tmp_path / "q.parquet", batch_rows=7)
    f = pq.ParquetFile(got.path)
    assert got.rows == f.metadata.num_rows == 300
    assert f.metadata.num_row_groups == 43  # one per batch of 7: memory bounded by the batch
    assert got.columns == ("transaction_id", "tx_date", "revenue", "quantity", "at", "transaction_id (2)")
    first = f.read().to_pylist()[0]
    assert first == {"transaction_id": "T00001", "tx_date": "2025-01-03", "revenue": "137.01", "quantity": "2",
                     "at": "2025-01-03 00:00:00", "transaction_id (2)": "T00001"}


def test_queries_run_read_only(pg_shop: Shop, tmp_path):
    src = dbs.Source.of(pg_shop.url(), "delete from transactions returning *")
    with pytest.raises(IngestError) as e:
        dbs.fetch(src, tmp_path / "q.parquet")
    assert e.value.code == "db_query"
    assert pg_shop.server.rows(pg_shop.name, "select count(*) from transactions") == [(300,)]


def test_since_reads_rows_after_the_value_with_a_percent_in_the_query(pg_shop: Shop, tmp_path):
    src = dbs.Source.of(pg_shop.url(), "select * from transactions where product like 'P%'")
    got = dbs.fetch(src, tmp_path / "a.parquet", since=dbs.Since("transaction_id", "T00290"))
    assert (got.rows, got.high_water) == (10, "T00300")
    assert got.source_meta["after"] == "T00290" and got.source_meta["high_water"] == "T00300"
    none = dbs.fetch(src, tmp_path / "b.parquet", since=dbs.Since("transaction_id", "T00300"))
    assert none.rows == 0 and none.source_meta["high_water"] == "T00300"


def test_last_high_water_ignores_undone_loads_and_other_sources(tmp_path):
    con = db.connect(tmp_path / "s.duckdb")
    src = dbs.Source.of("postgresql://u@h/d", "select * from t")
    other = dbs.Source.of("postgresql://u@h/d", "select * from t2")
    try:
        with db.write(con) as cur:
            for lid, s, hw, undone in ((1, src, "5", False), (2, other, "9", False), (3, src, "7", True)):
                meta = {"source": {"key": s.key, "incremental_column": "id", "high_water": hw}}
                cur.execute("INSERT INTO ingest_log VALUES (?, 'transactions', 'x', 'sha', 1, 'append', 'u', "
                            "now()::TIMESTAMP, ?, NULL, NULL, ?)", [lid, json.dumps(meta),
                                                                     "2025-01-01" if undone else None])
        with db.cursor(con) as cur:
            assert dbs.last_high_water(cur, src) == ("id", "5")
            assert dbs.since_for(cur, src, None) == dbs.Since("id", "5")
            assert dbs.since_for(cur, src, "tx_date") == dbs.Since("tx_date", None)  # another column: from the start
            with pytest.raises(IngestError, match="first incremental load needs"):
                dbs.since_for(cur, dbs.Source.of("postgresql://u@h/d", "select 3"), None)
    finally:
        con.close()


def test_preview_and_errors_never_show_the_password(pg_shop: Shop):
    src = dbs.Source.of(pg_shop.url(), "select * from customers order by customer_id")
    df = dbs.preview(src, rows=3)
    assert list(df["customer_id"]) == ["C001", "C002", "C003"]
    bad = dbs.Source.of(pg_shop.url(password=ANALYST_PASSWORD + "-wrong"), "select 1")
    with pytest.raises(IngestError) as e:
        dbs.preview(bad)
    assert e.value.code == "db_auth"
    assert ANALYST_PASSWORD not in str(e.value) and ANALYST_PASSWORD not in repr(e.value.params)
    assert os.environ.get("PGPASSWORD") is None  # nothing leaked into the environment
