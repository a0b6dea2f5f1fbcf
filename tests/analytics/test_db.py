"""The store: schema creation, versioning and upgrades, transactions, fingerprints."""

from __future__ import annotations

import duckdb
import pytest

from analytics import db, schema
from tests.helpers import build_store, customer


def test_new_store_has_every_table_and_version(tmp_path):
    con = db.connect(tmp_path / "x.duckdb")
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert set(schema.DATA_TABLES) <= tables
    assert {schema.META, schema.INGEST_LOG, schema.AUDIT_LOG, schema.AGG_CUSTOMER_MONTH} <= tables
    assert db.get_meta(con, "schema_version") == str(schema.SCHEMA_VERSION)
    assert db.data_version(con) == 0
    cols = [r[0] for r in con.execute("DESCRIBE customers").fetchall()]
    assert cols == [*schema.TABLES[schema.CUSTOMERS].column_names, "load_id"]


def test_reopening_keeps_data(tmp_path):
    path = tmp_path / "x.duckdb"
    con = build_store(path, customers=[customer("A")])
    con.close()
    con = db.connect(path)
    assert con.execute("SELECT count(*) FROM customers").fetchone()[0] == 1


def test_older_file_is_upgraded_in_steps(tmp_path, monkeypatch):
    path = tmp_path / "old.duckdb"
    con = build_store(path, customers=[customer("A")])
    con.close()
    monkeypatch.setattr(schema, "SCHEMA_VERSION", schema.SCHEMA_VERSION + 1)
    monkeypatch.setitem(schema.MIGRATIONS, schema.SCHEMA_VERSION,
                        ["ALTER TABLE customers ADD COLUMN vip BOOLEAN DEFAULT FALSE"])
    con = db.connect(path)
    assert db.get_meta(con, "schema_version") == str(schema.SCHEMA_VERSION)
    assert con.execute("SELECT vip FROM customers").fetchall() == [(False,)]


def test_failed_upgrade_leaves_file_at_old_version(tmp_path, monkeypatch):
    path = tmp_path / "old.duckdb"
    build_store(path, customers=[customer("A")]).close()
    old = schema.SCHEMA_VERSION
    monkeypatch.setattr(schema, "SCHEMA_VERSION", old + 1)
    monkeypatch.setitem(schema.MIGRATIONS, old + 1, ["ALTER TABLE customers ADD COLUMN x INT", "SELECT * FROM nope"])
    with pytest.raises(db.DatabaseError, match="upgrading"):
        db.connect(path)
    monkeypatch.setattr(schema, "SCHEMA_VERSION", old)
    con = db.connect(path)
    assert db.get_meta(con, "schema_version") == str(old)
    assert "x" not in [r[0] for r in con.execute("DESCRIBE customers").fetchall()]


def test_newer_file_is_refused(tmp_path):
    path = tmp_path / "new.duckdb"
    con = db.connect(path)
    con.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(db.DatabaseError, match="newer"):
        db.connect(path)


def test_file_held_by_another_process_gives_a_clear_message(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "held.duckdb"
    db.connect(path).close()
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb,sys; c=duckdb.connect({str(path)!r}); "
                               "print('ok', flush=True); sys.stdin.read()"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        with pytest.raises(db.DatabaseError, match="in use by another process"):
            db.connect(path)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def test_not_a_database(tmp_path):
    path = tmp_path / "junk.duckdb"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(db.DatabaseError, match="cannot open"):
        db.connect(path)


def test_write_is_all_or_nothing_and_bumps_version():
    con = build_store(customers=[customer("A")])
    v = db.data_version(con)
    before = db.fingerprint(con)
    with pytest.raises(duckdb.ConstraintException), db.write(con) as cur:
        cur.execute("INSERT INTO customers (customer_id, name, customer_type) VALUES ('B', 'b', 'enterprise')")
        cur.execute("INSERT INTO customers (customer_id, name, customer_type) VALUES ('C', 'c', 'alien')")
    assert db.fingerprint(con) == before and db.data_version(con) == v
    with db.write(con) as cur:
        cur.execute("INSERT INTO customers (customer_id, name, customer_type) VALUES ('B', 'b', 'enterprise')")
    assert db.data_version(con) == v + 1 and db.fingerprint(con) != before


def test_constraints_enforced():
    con = build_store()
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO feedback (feedback_id, customer_id, feedback_date, kind, nps_score) "
                    "VALUES ('f', 'A', DATE '2024-01-01', 'praise', 11)")
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO activity_rates VALUES ('x', -1, DATE '2024-01-01', NULL, NULL)")


def test_fingerprint_ignores_row_order_but_not_content():
    a = build_store(customers=[customer("A"), customer("B")])
    b = build_store(customers=[customer("B"), customer("A")])
    c = build_store(customers=[customer("A"), customer("B", name="changed")])
    assert db.fingerprint(a) == db.fingerprint(b) != db.fingerprint(c)


def test_default_path_respects_env(monkeypatch, tmp_path):
    monkeypatch.setenv(db.ENV_DB, str(tmp_path / "env.duckdb"))
    assert db.default_db_path() == tmp_path / "env.duckdb"
    monkeypatch.delenv(db.ENV_DB)
    assert db.default_db_path().name == "cvm.duckdb"
