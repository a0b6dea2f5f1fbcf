"""Copies of the store and restoring one (analytics.store.backup; issue 15, "Keep working, lose nothing")."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from analytics import demo
from analytics.store import backup, db, schema

BIG = 130_000  # above DuckDB's 122,880-row group: a table filled in one transaction of this process


def _fp(path: Path) -> tuple[str, int]:
    con = db.connect(path, read_only=True)
    try:
        return db.fingerprint(con), db.data_version(con)
    finally:
        con.close()


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory):
    """A store whose transactions were written in this process, in one transaction, above 122,880 rows;
    the connection stays open (its WAL not checkpointed), as in the app."""
    path = tmp_path_factory.mktemp("big") / "cvm.duckdb"
    con = db.connect(path)
    demo.generate(con, customers=500, transactions=BIG, seed=3)
    yield path, con
    con.close()


def test_a_copy_of_a_large_store_reads_back_whole_in_this_process_and_reopened(big, tmp_path):
    _, con = big
    with db.cursor(con) as cur:
        want = db.fingerprint(cur), db.data_version(cur), db.table_counts(cur)
    assert want[2][schema.TRANSACTIONS] >= 122_880
    made = backup.backup(con, tmp_path / "copies")
    assert made.path.parent == tmp_path / "copies" and made.path.name.startswith("cvm-")
    assert made.path.name.endswith(f"-v{want[1]}.duckdb")
    assert made.counts == want[2] and made.data_version == want[1]
    assert not made.path.with_name(made.path.name + ".wal").exists()  # one self-contained file
    # Read in this process (a second connection to the copy), then again after the store is reopened.
    assert _fp(made.path) == want[:2]
    scan = duckdb.connect(str(made.path), read_only=True)
    assert scan.execute("SELECT count(*), sum(revenue) IS NOT NULL FROM (SELECT * FROM transactions "
                        "WHERE revenue = revenue) t").fetchone() == (want[2][schema.TRANSACTIONS], True)
    scan.close()
    with db.cursor(con) as cur:
        assert db.fingerprint(cur) == want[0]  # the store itself is untouched


def test_a_copy_taken_with_changes_still_in_the_wal_holds_them(tmp_path):
    path = tmp_path / "s.duckdb"
    con = db.connect(path)
    demo.generate(con, customers=50, transactions=500, seed=1)
    con.execute("CHECKPOINT")
    with db.write(con) as cur:
        cur.execute("UPDATE customers SET name = 'after the checkpoint' WHERE customer_id = "
                    "(SELECT min(customer_id) FROM customers)")
    wal = path.with_name(path.name + ".wal")
    assert wal.exists() and wal.stat().st_size > 0
    version, fp = db.data_version(con), db.fingerprint(con)
    made = backup.backup(con, tmp_path / "b")
    con.close()
    assert _fp(made.path) == (fp, version)


def test_restore_checks_the_copy_keeps_the_current_store_and_says_what_it_restored(big, tmp_path):
    _, con = big
    made = backup.backup(con, tmp_path / "copies")
    want = _fp(made.path)
    store = tmp_path / "live.duckdb"
    live = db.connect(store)
    demo.generate(live, customers=20, transactions=100, seed=9)
    live.close()
    before = _fp(store)
    done = backup.restore(made.path, store)
    assert done.kept == store.with_name("live.duckdb.before-restore")
    assert _fp(done.kept) == before
    assert _fp(store) == want
    assert done.copy.data_version == want[1] and done.copy.counts[schema.TRANSACTIONS] >= 122_880


def test_restore_into_a_missing_store_creates_it(big, tmp_path):
    made = backup.backup(big[1], tmp_path / "c")
    done = backup.restore(made.path, tmp_path / "new" / "s.duckdb")
    assert done.kept is None and _fp(done.store) == _fp(made.path)


def _other_duckdb(p: Path) -> Path:
    c = duckdb.connect(str(p))
    c.execute("CREATE TABLE things (x INT)")
    c.close()
    return p


@pytest.mark.parametrize("make, says", [
    (lambda p: p.write_text("hello") and p, "is not a DuckDB database file"),
    (_other_duckdb, "of another program"),
])
def test_restore_refuses_a_file_that_is_not_a_store_and_changes_nothing(tmp_path, make, says):
    store = tmp_path / "s.duckdb"
    con = db.connect(store)
    demo.generate(con, customers=20, transactions=100, seed=2)
    con.close()
    before = _fp(store)
    bad = make(tmp_path / "bad.duckdb")
    with pytest.raises(db.DatabaseError, match=says):
        backup.restore(bad, store)
    assert _fp(store) == before and not store.with_name("s.duckdb.before-restore").exists()


def test_restore_refuses_a_copy_of_a_newer_schema(tmp_path):
    newer = tmp_path / "newer.duckdb"
    con = db.connect(newer)
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(schema.SCHEMA_VERSION + 1)])
    con.close()
    store = tmp_path / "s.duckdb"
    db.connect(store).close()
    with pytest.raises(db.DatabaseError, match="newer than this program"):
        backup.restore(newer, store)
    assert not store.with_name("s.duckdb.before-restore").exists()


def test_automatic_copies_keep_the_latest_five(tmp_path):
    store = tmp_path / "s.duckdb"
    con = db.connect(store)
    made = []
    for i in range(7):
        with db.write(con) as cur:
            db.set_meta(cur, "note", str(i))
        made.append(backup.auto_backup(con).path)
    con.close()
    left = sorted((tmp_path / backup.BACKUP_DIR).glob("*.duckdb"))
    assert left == sorted(made[2:])
    assert [p.name.endswith(f"-v{i + 1}.duckdb") for i, p in enumerate(made)] == [True] * 7


def test_an_in_memory_store_has_no_automatic_copy():
    con = db.connect(":memory:")
    assert backup.auto_backup(con) is None
    with pytest.raises(db.DatabaseError, match="in-memory"):
        backup.backup(con, "x")


def test_a_store_created_and_filled_in_one_transaction_copies_whole(tmp_path):
    """DuckDB 2.0.0: a table created and filled with >= 122,880 rows in one transaction counts its rows
    but a scan in the same process may return none until reopened; the copy must hold every row."""
    path = tmp_path / "one_tx.duckdb"
    con = duckdb.connect(str(path), config=db.CONFIG)
    con.execute("BEGIN")
    for stmt in schema.create_statements():
        con.execute(stmt)
    db.set_meta(con, "schema_version", str(schema.SCHEMA_VERSION))
    db.set_meta(con, "data_version", "1")
    con.execute("INSERT INTO customers (customer_id, name, customer_type) SELECT 'C' || i, 'C' || i, 'enterprise' "
                "FROM range(10) t(i)")
    con.execute(f"""INSERT INTO transactions (transaction_id, customer_id, tx_date, product, quantity, revenue, cogs)
                    SELECT 'T' || i, 'C' || (i % 10), DATE '2024-01-01' + CAST(i % 300 AS INTEGER), 'P', 1,
                           (i % 97) + 0.5, 1 FROM range({BIG}) t(i)""")
    con.execute("COMMIT")
    made = backup.backup(con, tmp_path / "b")
    con.close()
    scan = duckdb.connect(str(made.path), read_only=True)
    try:
        assert scan.execute("SELECT count(*), sum(hash(transaction_id)) IS NOT NULL FROM (SELECT * FROM transactions "
                            "WHERE revenue > 0) t").fetchone() == (BIG, True)
    finally:
        scan.close()
    assert made.counts[schema.TRANSACTIONS] == BIG


def test_restore_refuses_a_store_held_by_another_process(big, tmp_path):
    import subprocess
    import sys

    made = backup.backup(big[1], tmp_path / "c")
    store = tmp_path / "held.duckdb"
    db.connect(store).close()
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb,sys; c=duckdb.connect({str(store)!r}); "
                               "print('ok', flush=True); sys.stdin.read()"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        with pytest.raises(db.StoreInUse):
            backup.restore(made.path, store)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert not store.with_name("held.duckdb.before-restore").exists()
    assert _fp(store)[1] == 0  # still the empty store it was
