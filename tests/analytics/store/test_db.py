"""The store: schema creation, versioning and upgrades, transactions, fingerprints."""

from __future__ import annotations

import re

import duckdb
import pytest

from analytics.store import db, schema
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


def _state(path):
    """Bytes and modification time of a file and whether DuckDB left a WAL beside it."""
    st = path.stat()
    return path.read_bytes(), st.st_mtime_ns, path.with_name(path.name + ".wal").exists()


def test_not_a_database(tmp_path):
    path = tmp_path / "junk.duckdb"
    path.write_bytes(b"this is not a database" * 100)
    before = _state(path)
    with pytest.raises(db.DatabaseError, match="is not a DuckDB database file; pass a store"):
        db.connect(path)
    assert _state(path) == before


def test_sqlite_file_is_refused_plainly_without_loading_an_extension(tmp_path):
    import sqlite3

    path = tmp_path / "other.db"
    lite = sqlite3.connect(path)
    lite.execute("CREATE TABLE t (a)")
    lite.commit()
    lite.close()
    before = _state(path)
    for read_only in (False, True):  # before the fix: DuckDB tried to download the sqlite scanner
        with pytest.raises(db.DatabaseError, match=r"is not a DuckDB database file \(it is a SQLite database\)"):
            db.connect(path, read_only=read_only)
    assert _state(path) == before


def test_folder_is_refused(tmp_path):
    with pytest.raises(db.DatabaseError, match="is not a file; pass a store"):
        db.connect(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "touched.duckdb"
    path.touch()
    with pytest.raises(db.DatabaseError, match=r"\(it is empty\)"):
        db.connect(path)
    assert path.read_bytes() == b""


def _foreign(path):
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE orders (id INTEGER, amount DOUBLE)")
    con.execute("INSERT INTO orders VALUES (1, 9.5)")
    con.execute("CREATE VIEW big AS SELECT * FROM orders WHERE amount > 5")
    con.close()


@pytest.mark.parametrize("meta", [None, "CREATE TABLE meta (key VARCHAR, value VARCHAR)",
                                  "CREATE TABLE meta (k INTEGER)"])
def test_foreign_duckdb_file_is_refused_and_left_unchanged(tmp_path, meta):
    """Before the fix a DuckDB file of another program silently received the store's 15 tables."""
    path = tmp_path / "theirs.duckdb"
    _foreign(path)
    if meta:
        con = duckdb.connect(str(path))
        con.execute(meta)
        con.close()
    before = _state(path)
    for read_only in (False, True):
        with pytest.raises(db.DatabaseError, match=r"DuckDB file of another program .*big, .*orders"):
            db.connect(path, read_only=read_only)
    assert _state(path) == before
    con = duckdb.connect(str(path), read_only=True)
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    con.close()
    assert tables == {"orders", "big"} | ({"meta"} if meta else set())


def test_empty_duckdb_file_becomes_a_store_but_is_no_store_to_read(tmp_path):
    path = tmp_path / "blank.duckdb"
    duckdb.connect(str(path)).close()
    with pytest.raises(db.DatabaseError, match="empty DuckDB file, not a store"):
        db.connect(path, read_only=True)
    con = db.connect(path)
    assert db.get_meta(con, "schema_version") == str(schema.SCHEMA_VERSION)
    con.close()


def test_missing_file_is_created_only_when_asked(tmp_path):
    path = tmp_path / "typo" / "deeper" / "x.duckdb"
    for kwargs in ({"read_only": True}, {"create": False}):
        with pytest.raises(db.DatabaseError, match=re.escape(f"no store at {path}; run `python -m analytics demo --db {path}`")):
            db.connect(path, **kwargs)
    assert not (tmp_path / "typo").exists()
    db.connect(path).close()  # the app's first start: the file is created with the schema
    assert path.exists()


def test_session_removes_a_store_it_created_when_nothing_was_written(tmp_path):
    path = tmp_path / "new" / "x.duckdb"
    with db.session(path, create=True) as con:
        assert db.data_version(con) == 0
    assert not (tmp_path / "new").exists()
    with pytest.raises(RuntimeError), db.session(path, create=True) as con:
        with db.write(con) as cur:
            db.set_meta(cur, "currency", "EUR")
        raise RuntimeError("the command failed after writing")
    assert not (tmp_path / "new").exists()
    with db.session(path, create=True) as con, db.write(con) as cur:
        db.set_meta(cur, "currency", "EUR")
    with db.session(path) as con:  # an existing store stays, written to or not
        assert db.currency(con) == "EUR"
    assert path.exists()


def test_extensions_are_never_installed_or_loaded_automatically(tmp_path):
    con = db.connect(tmp_path / "x.duckdb")
    settings = con.execute("SELECT current_setting('autoinstall_known_extensions'), "
                           "current_setting('autoload_known_extensions')").fetchone()
    assert settings == (False, False)
    # What the app needs is built in: CSV, Parquet and JSON read without any extension being fetched.
    built_in = dict(con.execute("SELECT extension_name, install_mode FROM duckdb_extensions() "
                                "WHERE extension_name IN ('parquet', 'json', 'icu')").fetchall())
    assert built_in == {"parquet": "STATICALLY_LINKED", "json": "STATICALLY_LINKED", "icu": "STATICALLY_LINKED"}
    pq = tmp_path / "t.parquet"
    con.execute(f"COPY (SELECT 1 AS a) TO '{pq}' (FORMAT parquet)")
    assert con.execute("SELECT a FROM read_parquet(?)", [str(pq)]).fetchall() == [(1,)]
    with pytest.raises(duckdb.Error, match=r"(?i)autoload|not found|install"):
        con.execute("SELECT * FROM read_xlsx('x.xlsx')")  # the excel extension is not fetched
    con.close()


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


def test_many_users_at_once_each_get_their_own_figures(demo_con):
    """One connection per process, a cursor per query: users with different filters querying at the same
    moment from different threads each get exactly the figures a lone user gets."""
    import itertools
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from analytics import overview
    from analytics.filters import Filters

    with db.cursor(demo_con) as cur:
        segments = [r[0] for r in cur.execute("SELECT DISTINCT segment FROM customers ORDER BY 1").fetchall()]
        regions = [r[0] for r in cur.execute("SELECT DISTINCT region FROM customers ORDER BY 1").fetchall()]
    users = [Filters(segments=(s,), regions=(r,)) for s, r in itertools.product(segments, regions)][::3][:6]
    users.append(Filters())
    alone = {}
    for f in users:
        with db.cursor(demo_con) as cur:
            alone[f] = overview.report_section(cur, f)
    assert len({str(v) for v in alone.values()}) == len(users)  # the users really see different figures

    start = threading.Barrier(len(users) * 2)

    def user(f: Filters) -> tuple[Filters, dict]:
        start.wait()
        with db.cursor(demo_con) as cur:
            return f, overview.report_section(cur, f)

    with ThreadPoolExecutor(len(users) * 2) as pool:
        results = list(pool.map(user, users * 2))
    for f, got in results:
        assert same(got, alone[f]), f


def same(a: object, b: object) -> bool:
    """Equal, floats to 1e-12 relative: DuckDB sums doubles in parallel, so the last bit may vary."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-12, abs=1e-9)
    return a == b


def test_readers_see_a_write_whole_or_not_at_all(tmp_path):
    """While a writer moves revenue between two customers in one transaction, readers on their own
    cursors always see the same total: never the write half done."""
    import threading

    from analytics import profit
    from analytics.filters import Filters
    from tests.helpers import D

    con = build_store(tmp_path / "s.duckdb", customers=[customer("A"), customer("B")],
                      transactions=[{"transaction_id": t, "customer_id": c, "tx_date": D("2024-01-02"),
                                     "product": "P", "quantity": 1, "revenue": 500, "cogs": 100}
                                    for t, c in (("T1", "A"), ("T2", "B"))])
    done = threading.Event()

    def writer() -> None:
        for i in range(40):
            with db.write(con) as cur:
                cur.execute("UPDATE transactions SET revenue = revenue + ? WHERE customer_id = 'A'", [i])
                cur.execute("UPDATE transactions SET revenue = revenue - ? WHERE customer_id = 'B'", [i])
        done.set()

    seen: list[float] = []

    def reader() -> None:
        while not done.is_set() or len(seen) < 5:
            with db.cursor(con) as cur:
                c = profit.customer_pnl(cur, Filters(), source="facts").customers
            seen.append(float(c["revenue"].sum()))

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert seen and set(seen) == {1000.0}
    with db.cursor(con) as cur:
        a, b = cur.execute("SELECT revenue FROM transactions ORDER BY customer_id").fetchall()
    assert (float(a[0]), float(b[0])) == (500 + sum(range(40)), 500 - sum(range(40)))
    con.close()


def test_memory_limit_and_threads_come_from_the_environment(tmp_path, monkeypatch):
    """A server that runs the app beside other work caps DuckDB (issue 13: the app within 4 GB at 100M)."""
    monkeypatch.setenv(db.ENV_MEMORY_LIMIT, "1GB")
    monkeypatch.setenv(db.ENV_THREADS, "1")
    con = db.connect(tmp_path / "capped.duckdb")
    try:
        limit, threads = con.execute("SELECT current_setting('memory_limit'), current_setting('threads')").fetchone()
        assert threads == 1 and limit.replace(" ", "").upper() in {"1GB", "953.6MIB", "1000.0MB", "953.6MB"}
    finally:
        con.close()


@pytest.mark.parametrize(("var", "value"), [("CVM_MEMORY_LIMIT", "lots"), ("CVM_THREADS", "0"), ("CVM_THREADS", "two")])
def test_a_malformed_limit_is_refused_by_name(tmp_path, monkeypatch, var, value):
    monkeypatch.setenv(var, value)
    with pytest.raises(db.DatabaseError, match=var):
        db.connect(tmp_path / "x.duckdb")
    assert not (tmp_path / "x.duckdb").exists()
