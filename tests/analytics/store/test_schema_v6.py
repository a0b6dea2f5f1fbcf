"""Schema version 6 (issue 17): the ``contracts`` table. A version 5 store gains it, empty, with its
undo shadow; every other table is kept as it was; the table refuses an unknown status."""

from __future__ import annotations

import duckdb
import pytest

from analytics.store import db, schema
from tests.helpers import D, build_store, customer
from tests.legacy import as_version_5


def _content(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, str]:
    return con.execute(f"SELECT count(*), coalesce(sum(hash(r)), 0)::VARCHAR FROM (SELECT * FROM {table}) r").fetchone()


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def test_a_version_5_store_gains_the_contracts_table(tmp_path):
    path = tmp_path / "v5.duckdb"
    con = build_store(path, customers=[customer("A"), customer("B", customer_type="individual")],
                      transactions=[{"transaction_id": "t1", "customer_id": "A", "tx_date": D("2024-03-01"),
                                     "product": "P", "quantity": 1, "revenue": 100, "cogs": 40}])
    as_version_5(con)
    assert schema.CONTRACTS not in _tables(con)
    before = {t: _content(con, t) for t in (schema.CUSTOMERS, schema.TRANSACTIONS, schema.AGG_CUSTOMER_MONTH)}
    con.close()

    con = db.connect(path)  # upgrades 5 -> 6
    assert db.get_meta(con, "schema_version") == "6" == str(schema.SCHEMA_VERSION)
    assert {schema.CONTRACTS, schema.shadow_name(schema.CONTRACTS)} <= _tables(con)
    assert {t: _content(con, t) for t in before} == before
    assert con.execute("SELECT count(*) FROM contracts").fetchone() == (0,)
    cols = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'contracts' "
                                      "ORDER BY ordinal_position").fetchall()]
    assert cols == [*schema.TABLES[schema.CONTRACTS].column_names, "load_id"]
    with db.write(con) as cur:
        cur.execute("INSERT INTO contracts VALUES ('K1', 'A', 'Annual contract', DATE '2024-01-01', NULL, 'active', NULL)")
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO contracts VALUES ('K2', 'A', 'Annual contract', DATE '2024-01-01', NULL, 'paused', NULL)")
    with pytest.raises(duckdb.ConstraintException):  # the key is unique
        con.execute("INSERT INTO contracts VALUES ('K1', 'B', 'Postpaid', DATE '2024-01-01', NULL, 'active', NULL)")
    con.close()


def test_a_new_store_has_contracts_and_its_end_date_may_lie_ahead():
    con = build_store()
    assert schema.CONTRACTS in _tables(con)
    assert (schema.CONTRACTS, "end_date") in schema.FUTURE_ALLOWED
    assert (schema.CONTRACTS, "start_date") not in schema.FUTURE_ALLOWED
    con.close()


def test_a_read_only_command_upgrades_an_older_store_before_reading_it(tmp_path):
    """`report` opens read-only; a version 4 store used to fail with a binder error on a column that
    version 5 added. Now it is upgraded once (when no one else holds it) and then read."""
    path = tmp_path / "v4.duckdb"
    con = build_store(path, customers=[customer("A")],
                      transactions=[{"transaction_id": "t1", "customer_id": "A", "tx_date": D("2024-03-01"),
                                     "product": "P", "quantity": 1, "revenue": 100, "cogs": 40}])
    from tests.legacy import as_version_4
    as_version_4(con)
    con.close()
    from analytics import profit
    from analytics.filters import Filters
    with db.session(path, read_only=True) as ro:
        assert db.get_meta(ro, "schema_version") == str(schema.SCHEMA_VERSION)
        pnl = profit.customer_pnl(ro.cursor(), Filters())
        assert pnl.customers["revenue"].tolist() == [100.0]


def test_an_older_store_in_use_is_refused_with_what_to_do(tmp_path, monkeypatch):
    path = tmp_path / "v5.duckdb"
    con = build_store(path, customers=[customer("A")])
    as_version_5(con)
    con.close()
    real = duckdb.connect

    def held_elsewhere(database, read_only=False, **kw):  # another process holds the write lock
        if not read_only:
            raise duckdb.IOException('Could not set lock on file "v5.duckdb": Conflicting lock is held')
        return real(database, read_only=read_only, **kw)

    monkeypatch.setattr(db.duckdb, "connect", held_elsewhere)
    with pytest.raises(db.DatabaseError, match=r"older than this program's .* refresh --db"):
        db.connect(path, read_only=True)
