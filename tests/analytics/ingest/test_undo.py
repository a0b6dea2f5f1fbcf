"""Undo of a load is the identity on the store, at every size and mode, or it refuses and changes nothing.

DuckDB 2.0.0 does not return, in the same process, the rows of a table created (as SELECT) and
filled with ≥ 122,880 rows (one row group) in one transaction once it commits; the undo backup
tables used to be made that way, so undo "restored" nothing and emptied the table. Every test here
loads and undoes in one process, at sizes on both sides of that boundary, and compares an ordered
fingerprint (row count and a hash of every row, in order) of every table and aggregate.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from analytics import demo, ingest, rates
from analytics.ingest import engine, records
from analytics.store import aggregates, db, schema
from tests.helpers import D, build_store, customer

SIZES = (10, 122_879, 122_881, 130_000)
CUSTOMERS = 50
TX_HEADER = "transaction_id,customer_id,tx_date,product,quantity,revenue,cogs\n"
YEAR = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
_seq = itertools.count()


def fingerprint(con) -> dict[str, tuple[int, str]]:
    """Row count and an md5 of every row in order, for every data table and both aggregates."""
    out = {}
    for t in (*schema.DATA_TABLES, schema.AGG_CUSTOMER_MONTH, schema.AGG_ACTIVITY_MONTH):
        n, digest = con.execute(
            f"""SELECT count(*), md5(coalesce(string_agg(CAST(r AS VARCHAR), chr(10) ORDER BY CAST(r AS VARCHAR)), ''))
                FROM {t} r""").fetchone()
        out[t] = (n, digest)
    return out


def scanned(con, table: str) -> int:
    """Rows a scan of every transaction id returns (``count(*)`` alone may come from metadata)."""
    return con.execute(f"SELECT count(*), sum(hash(transaction_id)) FROM {table}").fetchone()[0]


def tx_rows(con, n: int, prefix: str = "T") -> None:
    """``n`` transactions dated over 2024 (whole quantities: aggregates re-sum exactly), plus three in
    2023 that a 2024 period replace keeps."""
    with db.write(con) as cur:
        cur.execute(f"""INSERT INTO transactions
            SELECT '{prefix}' || i, 'C' || lpad(CAST(i % {CUSTOMERS} AS VARCHAR), 3, '0'),
                   CASE WHEN i < 3 THEN DATE '2023-06-01' + CAST(i AS INTEGER)
                        ELSE DATE '2024-01-01' + CAST(i % 366 AS INTEGER) END,
                   'P' || (i % 7), (i % 5) + 1, round((i % 997) * 1.37, 2), round((i % 613) * 0.71, 2), NULL
            FROM range({n}) t(i)""")
        aggregates.refresh(cur)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> dict[int, Path]:
    """One stored file per size: 50 customers, two rates, one activity, ``size`` transactions."""
    work = tmp_path_factory.mktemp("undo")
    out = {}
    for size in SIZES:
        p = work / f"pristine_{size}.duckdb"
        con = build_store(p, customers=[customer(f"C{i:03d}") for i in range(CUSTOMERS)],
                          activity_rates=[{"activity": "visit", "unit_cost": 100, "valid_from": D("2024-01-01"),
                                           "unit": "visit"}],
                          activities=[{"activity_id": "A1", "customer_id": "C001", "activity_date": D("2024-03-03"),
                                       "activity": "visit", "quantity": 2}])
        tx_rows(con, size)
        con.close()
        out[size] = p
    return out


def fresh_copy(pristine: Path) -> tuple[object, Path]:
    target = pristine.with_name(f"run{next(_seq)}.duckdb")
    shutil.copy(pristine, target)
    return db.connect(target), target


def write_file(con, path: Path, mode: str, size: int, new_rows: int) -> None:
    """The file a load of ``mode`` reads: ``size`` rows (so that what it writes and what it replaces
    both straddle the row-group boundary) plus ``new_rows`` new keys."""
    if mode == "update":  # every existing key with new values, and some new keys
        keys = f"SELECT 'T' || i AS k, i FROM range({size}) t(i) UNION ALL SELECT 'U' || i, i FROM range({new_rows}) t(i)"
    else:  # append adds new keys; a replace writes new keys in place of the old rows
        keys = f"SELECT 'N' || i AS k, i FROM range({size + new_rows}) t(i)"
    con.execute(f"""COPY (SELECT k AS transaction_id, 'C' || lpad(CAST(i % {CUSTOMERS} AS VARCHAR), 3, '0') AS customer_id,
                                 DATE '2024-01-01' + CAST((i * 7) % 366 AS INTEGER) AS tx_date, 'Q' AS product,
                                 (i % 3) + 1 AS quantity, round((i % 101) * 2.5, 2) AS revenue, 1.25 AS cogs
                          FROM ({keys})) TO '{path}' (HEADER)""")


def load(con, path: Path, table: str = "transactions", **opts) -> ingest.Report:
    sn = ingest.sniff(path)
    return ingest.load(con, path, sn, ingest.Options(table, ingest.auto_map(table, sn.columns), **opts))


def refused(con, fn, code: str) -> ingest.IngestError:
    """``fn()`` raises IngestError ``code`` and leaves every table, the log and the data version as they were."""
    before, version = fingerprint(con), db.data_version(con)
    log = con.execute("SELECT * FROM ingest_log ORDER BY load_id").fetchall()
    with pytest.raises(ingest.IngestError) as info:
        fn()
    assert info.value.code == code, (info.value.code, str(info.value))
    assert fingerprint(con) == before
    assert db.data_version(con) == version
    assert con.execute("SELECT * FROM ingest_log ORDER BY load_id").fetchall() == log
    return info.value


# ----------------------------------------------------------------------------- load then undo = identity
@pytest.mark.parametrize("mode", ingest.MODES)
@settings(max_examples=2, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(size=st.sampled_from(SIZES), new_rows=st.integers(0, 40))
@example(size=10, new_rows=0)
@example(size=122_879, new_rows=1)
@example(size=122_881, new_rows=0)
@example(size=130_000, new_rows=5)
def test_load_then_undo_returns_the_store_exactly(pristine, mode, size, new_rows):
    con, target = fresh_copy(pristine[size])
    try:
        before = fingerprint(con)
        path = target.with_suffix(".csv")
        write_file(con, path, mode, size, new_rows)
        opts = {"mode": mode, "period": YEAR} if mode == "replace_period" else {"mode": mode}
        rep = load(con, path, **opts)
        assert rep.written == size + new_rows
        replaced = {"append": 0, "update": size, "replace_period": size - 3, "replace_table": size}[mode]
        assert con.execute("SELECT replaced FROM (SELECT json_extract(mapping, '$.replaced')::BIGINT AS replaced "
                           "FROM ingest_log)").fetchone()[0] == replaced
        assert fingerprint(con) != before
        res = ingest.undo_last(con)
        assert (res.removed, res.restored) == (size + new_rows, replaced)
        assert fingerprint(con) == before  # in the same process
        assert aggregates.is_fresh(con)
        con.close()
        con = db.connect(target)
        assert fingerprint(con) == before  # and after reopening
    finally:
        con.close()
        for p in (target, target.with_name(target.name + ".wal"), target.with_suffix(".csv")):
            p.unlink(missing_ok=True)


def test_undo_of_a_one_row_table_replace_on_the_demo_store_restores_every_row(tmp_path):
    """The reported case: demo (200,001 transactions with the extra row), replace the table by one row, undo."""
    con = db.connect(tmp_path / "demo.duckdb")
    demo.generate(con)
    before = fingerprint(con)
    n = before[schema.TRANSACTIONS][0]
    assert n > 122_880
    p = tmp_path / "one.csv"
    p.write_text(TX_HEADER + "Z1,C000001,2024-05-05,P,1,5,1\n")
    load(con, p, mode="replace_table")
    assert con.execute("SELECT count(*) FROM transactions").fetchone()[0] == 1
    res = ingest.undo_last(con)
    assert (res.removed, res.restored) == (1, n)
    assert scanned(con, "transactions") == n
    assert fingerprint(con) == before
    assert con.execute("SELECT count(*) FROM ingest_replaced_transactions").fetchone()[0] == 0
    con.close()


# ----------------------------------------------------------------------------- undo verifies what it restores
def test_backup_tables_exist_before_any_load_and_older_stores_get_them(tmp_path):
    shadows = {schema.shadow_name(t) for t in schema.DATA_TABLES}
    con = db.connect(tmp_path / "new.duckdb")
    names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert shadows <= names
    # A version-1 store (no shadows yet) is upgraded: the shadows are made outside any load.
    for s in shadows:
        con.execute(f"DROP TABLE {s}")
    con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    con.close()
    con = db.connect(tmp_path / "new.duckdb")
    names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert shadows <= names and db.get_meta(con, "schema_version") == str(schema.SCHEMA_VERSION)
    cols = [r[0] for r in con.execute(f"DESCRIBE {schema.shadow_name('customers')}").fetchall()]
    assert cols == [*schema.TABLES["customers"].column_names, "load_id", "replaced_by"]
    con.close()


def test_a_backup_made_the_old_way_stops_the_load(pristine, monkeypatch):
    """The old design (backup table created inside the load's transaction) does not return its
    130,000 rows even before the commit: the load notices and writes nothing."""
    con, target = fresh_copy(pristine[130_000])
    shadow = schema.shadow_name("transactions")

    def old_design(cur):
        cur.execute(f"DROP TABLE {shadow}")
        cur.execute(f"CREATE TABLE {shadow} AS SELECT *, CAST(NULL AS BIGINT) AS replaced_by FROM transactions WHERE false")

    monkeypatch.setattr(engine, "_purge_orphan_shadows", old_design)
    p = target.with_suffix(".csv")
    p.write_text(TX_HEADER + "Z1,C001,2024-05-05,P,1,5,1\n")
    err = refused(con, lambda: load(con, p, mode="replace_table"), "backup_failed")
    assert (err.params["replaced"], err.params["kept"]) == (130_000, 0)
    con.close()


def _hide_rows_until_reopen(con, table: str) -> None:
    """Rewrite ``table`` so that this process counts its rows but scans none (the engine's behaviour
    for a table created as SELECT and filled with ≥ 122,880 rows in one transaction)."""
    con.execute(f"CREATE TABLE hold AS SELECT * FROM {table}")
    con.execute("BEGIN")
    con.execute(f"DROP TABLE {table}")
    con.execute(f"CREATE TABLE {table} AS SELECT * FROM hold WHERE false")
    con.execute(f"INSERT INTO {table} SELECT * FROM hold")
    con.execute("COMMIT")
    con.execute("DROP TABLE hold")


def test_undo_refuses_when_the_backup_cannot_be_read_back(pristine):
    """Undo checks the kept rows by a real scan before it changes anything, instead of emptying the table."""
    con, target = fresh_copy(pristine[130_000])
    before = fingerprint(con)
    shadow = schema.shadow_name("transactions")
    p = target.with_suffix(".csv")
    p.write_text(TX_HEADER + "Z1,C001,2024-05-05,P,1,5,1\n")
    load(con, p, mode="replace_table")
    _hide_rows_until_reopen(con, shadow)
    assert con.execute(f"SELECT count(*) FROM {shadow}").fetchone()[0] == 130_000
    assert scanned(con, shadow) == 0
    assert ingest.undo_check(con).code == "undo_unavailable"
    err = refused(con, lambda: ingest.undo_last(con), "undo_unavailable")
    assert (err.params["replaced"], err.params["kept"]) == (130_000, 0)
    assert con.execute("SELECT count(*) FROM transactions").fetchone()[0] == 1
    con.close()
    # Reopened, the rows are readable again and the undo completes exactly.
    con = db.connect(target)
    assert ingest.undo_last(con).restored == 130_000
    assert fingerprint(con) == before
    con.close()


def test_undo_refuses_when_the_kept_rows_differ_from_what_was_replaced(pristine):
    con, target = fresh_copy(pristine[10])
    before = fingerprint(con)
    p = target.with_suffix(".csv")
    p.write_text(TX_HEADER + "Z1,C001,2024-05-05,P,1,5,1\n")
    load(con, p, mode="replace_table")
    meta = json.loads(con.execute("SELECT mapping FROM ingest_log").fetchone()[0])
    assert meta["replaced"] == 10 and int(meta["replaced_hash"]) != 0
    # Same count, one value changed behind the engine's back: the content hash tells.
    con.execute(f"UPDATE {schema.shadow_name('transactions')} SET revenue = revenue + 1 WHERE transaction_id = 'T4'")
    refused(con, lambda: ingest.undo_last(con), "undo_unavailable")
    con.execute(f"UPDATE {schema.shadow_name('transactions')} SET revenue = revenue - 1 WHERE transaction_id = 'T4'")
    ingest.undo_last(con)
    assert fingerprint(con) == before
    con.close()


def test_a_load_logged_without_a_content_hash_is_still_undone(pristine):
    """Loads made before the hash was logged are checked by count and by what the table then holds."""
    con, target = fresh_copy(pristine[10])
    before = fingerprint(con)
    p = target.with_suffix(".csv")
    p.write_text(TX_HEADER + "Z1,C001,2024-05-05,P,1,5,1\n")
    load(con, p, mode="replace_table")
    con.execute("UPDATE ingest_log SET mapping = json_object('replaced', 10)")
    assert ingest.undo_last(con).restored == 10
    assert fingerprint(con) == before
    con.close()


# ----------------------------------------------------------------------------- later work is not discarded
@pytest.fixture
def small():
    con = build_store(customers=[customer(f"C00{i}") for i in range(1, 6)],
                      activity_rates=[{"activity": "visit", "unit_cost": 100, "valid_from": D("2024-01-01"),
                                       "unit": "visit"}],
                      transactions=[{"transaction_id": f"T{i}", "customer_id": "C001", "tx_date": D("2024-01-02"),
                                     "product": "P", "quantity": 1, "revenue": 50, "cogs": 20} for i in range(3)])
    yield con
    con.close()


def test_a_form_correction_after_an_update_load_blocks_its_undo(tmp_path, small):
    p = tmp_path / "week.csv"
    p.write_text("customer_id,name,customer_type,segment\nC002,Two renamed,enterprise,Key account\nC006,Six,individual,Mass\n")
    rep = load(small, p, "customers", mode="update")
    assert records.correct(small, "customers", "C002", {"segment": "SMB"}, user="alice").ok
    err = refused(small, lambda: ingest.undo_last(small), "later_changes")
    assert err.params["record"] == "C002" and err.params["user"] == "alice" and err.params["load_id"] == rep.load_id
    assert f"after load #{rep.load_id}" in str(err) and "C002" in str(err)
    assert records.get(small, "customers", "C002")["segment"] == "SMB"  # the correction stands
    row = ingest.loads(small).iloc[0]
    assert (bool(row["undoable"]), row["undo_code"]) == (False, "later_changes") and "C002" in row["undo_note"]


def test_a_form_edit_of_another_row_does_not_block_undo(tmp_path, small):
    p = tmp_path / "tx.csv"
    p.write_text(TX_HEADER + "T1,C002,2024-02-03,P,2,80,20\n")
    load(small, p, mode="update")
    assert records.add(small, "transactions", {"transaction_id": "H1", "customer_id": "C003", "tx_date": D("2024-03-01"),
                                               "product": "P", "quantity": 1, "revenue": 9, "cogs": 1}).ok
    assert ingest.undo_check(small).ok
    assert ingest.undo_last(small).restored == 1
    assert records.get(small, "transactions", "H1") is not None  # kept
    assert small.execute("SELECT customer_id, revenue FROM transactions WHERE transaction_id = 'T1'").fetchone() == (
        "C001", 50)


def test_re_adding_a_replaced_key_by_hand_blocks_undo(tmp_path, small):
    """A replace removed T1; a form entered T1 again: restoring the old T1 would duplicate it."""
    p = tmp_path / "all.csv"
    p.write_text(TX_HEADER + "N1,C005,2024-05-05,P,1,5,1\n")
    load(small, p, mode="replace_table")
    assert records.add(small, "transactions", {"transaction_id": "T1", "customer_id": "C004", "tx_date": D("2024-04-01"),
                                               "product": "P", "quantity": 1, "revenue": 7, "cogs": 1}).ok
    err = refused(small, lambda: ingest.undo_last(small), "later_changes")
    assert err.params["record"] == "T1" and err.params["action"] == "insert"


def test_a_rate_saved_over_a_loaded_rate_blocks_undo(tmp_path, small):
    p = tmp_path / "rates.csv"
    p.write_text("activity,unit_cost,valid_from,unit\ncall,10,2024-01-01,call\n")
    load(small, p, "activity_rates")
    rates.save(small, [{"activity": "call", "unit_cost": 12, "valid_from": dt.date(2024, 1, 1)}])
    err = refused(small, lambda: ingest.undo_last(small), "later_changes")
    assert err.params["record"] == "call@2024-01-01"


def test_after_demo_a_later_replace_load_can_be_undone(tmp_path):
    """``demo`` empties the load log, so load ids start again at 1, but it left the backup rows of the
    earlier load #1: the new load #1's undo counted both and refused."""
    con = db.connect(tmp_path / "d.duckdb")
    demo.generate(con, customers=100, transactions=1000)
    p = tmp_path / "a.csv"
    p.write_text(TX_HEADER + "Z1,C000001,2024-05-05,P,1,5,1\n")
    assert load(con, p, mode="replace_table").load_id == 1
    demo.generate(con, customers=100, transactions=1000)
    before = fingerprint(con)
    p2 = tmp_path / "b.csv"
    p2.write_text(TX_HEADER + "Z2,C000002,2024-05-06,P,1,5,1\n")
    assert load(con, p2, mode="replace_table").load_id == 1
    assert ingest.undo_check(con).ok
    res = ingest.undo_last(con)
    assert res.restored == before[schema.TRANSACTIONS][0]
    assert fingerprint(con) == before
    con.close()


def test_the_load_list_says_which_loads_can_be_undone_and_why_not(tmp_path, small, monkeypatch):
    monkeypatch.setattr(engine, "KEEP_REPLACED_LOADS", 2)
    files = {}
    for name, line in (("a", "A1,C002,2024-02-01,P,1,1,1"), ("b", "B1,C002,2024-02-02,P,1,1,1"),
                       ("c", "C1,C002,2024-02-03,P,1,1,1"), ("d", "D1,C002,2024-02-04,P,1,1,1")):
        files[name] = tmp_path / f"{name}.csv"
        files[name].write_text(TX_HEADER + line + "\n")
    load(small, files["a"], mode="replace_table")   # 1: its backup is dropped once 2 later replaces keep theirs
    load(small, files["b"])                          # 2: append
    load(small, files["c"], mode="replace_period", period=YEAR)  # 3
    load(small, files["d"], mode="replace_period", period=YEAR)  # 4
    ingest.undo_last(small)                          # 4 undone
    df = ingest.loads(small).set_index("load_id")
    assert df.loc[4, "undo_code"] == "undone" and not df.loc[4, "undoable"]
    assert df.loc[3, "undoable"] and df.loc[3, "undo_code"] is None
    assert df.loc[2, "undo_code"] == "later_load" and "#3" in df.loc[2, "undo_note"]
    assert df.loc[1, "undo_code"] == "undo_unavailable" and "no longer kept" in df.loc[1, "undo_note"]
    assert ingest.undo_check(small, 1).code == "undo_unavailable"


def test_the_command_line_lists_why_a_load_cannot_be_undone_and_refuses_it(tmp_path, capsys):
    import cli

    path = tmp_path / "s.duckdb"
    build_store(path, customers=[customer("C001"), customer("C002")]).close()
    p = tmp_path / "c.csv"
    p.write_text("customer_id,name,customer_type\nC002,Two renamed,enterprise\n")
    assert cli.main(["ingest", str(p), "--table", "customers", "--mode", "update", "--db", str(path), "--quiet"]) == 0
    con = db.connect(path)
    assert records.correct(con, "customers", "C002", {"name": "Two by hand"}, user="bob").ok
    con.close()
    capsys.readouterr()
    assert cli.main(["loads", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert "undoable" in out and "load #1 cannot be undone: customers C002 was corrected by bob" in out
    assert cli.main(["undo-load", "--db", str(path)]) == 2
    err = capsys.readouterr().err
    assert "C002" in err and "after load #1" in err
    con = db.connect(path)
    assert records.get(con, "customers", "C002")["name"] == "Two by hand"
    con.close()
