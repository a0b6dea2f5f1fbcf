"""Schema version 5 (issue 16): only what the analytics need is required. A version 4 store is
upgraded in place — cost of goods becomes nullable, ``'unknown'`` becomes a customer type, the
monthly aggregates carry the revenue whose cost of goods is unknown — with every row kept, also
above DuckDB's 122,880-row group size, read back in the same process.
"""

from __future__ import annotations

import duckdb
import pytest

from analytics.store import aggregates, db, schema
from tests.helpers import build_store, customer, insert
from tests.legacy import as_version_4

N_TX = 130_000  # above one DuckDB row group (122,880): the size where a rebuilt table can read back empty
N_CUST = 125_000


def _content(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, str]:
    return con.execute(f"SELECT count(*), coalesce(sum(hash(r)), 0)::VARCHAR FROM (SELECT * FROM {table}) r").fetchone()


@pytest.fixture
def v4_path(tmp_path):
    path = tmp_path / "v4.duckdb"
    con = build_store(path, customers=[customer("A"), customer("B", customer_type="individual")])
    con.execute(f"""INSERT INTO customers (customer_id, name, customer_type)
                    SELECT 'K' || i, 'Customer ' || i, 'enterprise' FROM range({N_CUST}) t(i)""")
    con.execute(f"""INSERT INTO transactions (transaction_id, customer_id, tx_date, product, quantity, revenue, cogs)
                    SELECT 'T' || i, CASE WHEN i % 2 = 0 THEN 'A' ELSE 'B' END, DATE '2024-01-01' + CAST(i % 300 AS INT),
                           'P', 1, 100 + i % 7, 40 + i % 3 FROM range({N_TX}) t(i)""")
    con.close()
    con = db.connect(path)
    with db.write(con) as cur:
        aggregates.refresh(cur)
    as_version_4(con)
    con.close()
    return path


def test_a_version_4_store_is_upgraded_with_every_row_in_the_same_process(v4_path):
    raw = duckdb.connect(str(v4_path))
    assert raw.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("4",)
    with pytest.raises(duckdb.ConstraintException):
        raw.execute("INSERT INTO transactions VALUES ('x', 'A', DATE '2024-01-01', 'P', 1, 5, NULL, NULL)")
    before = {t: _content(raw, t) for t in (schema.TRANSACTIONS, schema.CUSTOMERS)}
    agg_before = raw.execute("SELECT count(*), sum(revenue), sum(cogs) FROM agg_customer_month").fetchone()
    raw.close()

    con = db.connect(v4_path)  # upgrades 4 -> 5 (and on to the current version)
    assert db.get_meta(con, "schema_version") == str(schema.SCHEMA_VERSION)
    # Every row, read back in the process that rebuilt the customers table.
    assert {t: _content(con, t) for t in before} == before
    assert before[schema.CUSTOMERS][0] == N_CUST + 2 and before[schema.TRANSACTIONS][0] == N_TX
    assert con.execute("SELECT count(*), count(name) FROM customers WHERE customer_id LIKE 'K%'").fetchone() == (
        N_CUST, N_CUST)
    # The aggregates kept their rows; the new column says 0 revenue with unknown cost of goods.
    assert con.execute("SELECT count(*), sum(revenue), sum(cogs), sum(cogs_unknown_revenue) FROM agg_customer_month"
                       ).fetchone() == (*agg_before, 0)
    # What version 5 allows: unknown cost of goods, an 'unknown' customer type; still not a made-up type.
    with db.write(con) as cur:
        insert(cur, schema.CUSTOMERS, [customer("U", customer_type="unknown")])
        insert(cur, schema.TRANSACTIONS, [{"transaction_id": "x", "customer_id": "U", "tx_date": schema.latest_date(),
                                           "product": "P", "quantity": 1, "revenue": 5, "cogs": None}])
    assert con.execute("SELECT cogs FROM transactions WHERE transaction_id = 'x'").fetchone() == (None,)
    with pytest.raises(duckdb.ConstraintException):
        insert(con, schema.CUSTOMERS, [customer("V", customer_type="vip")])
    with pytest.raises(duckdb.ConstraintException):  # the primary key survived the rebuild
        insert(con, schema.CUSTOMERS, [customer("A")])
    con.close()
    con = db.connect(v4_path)  # and after reopening
    assert _content(con, schema.TRANSACTIONS)[0] == N_TX + 1
    assert _content(con, schema.CUSTOMERS)[0] == N_CUST + 3


def test_a_new_store_has_the_version_5_contract():
    con = build_store()
    cols = {r[0]: r[2] for r in con.execute("DESCRIBE transactions").fetchall()}
    assert cols["cogs"] == "YES" and cols["product"] == "NO" and cols["quantity"] == "NO"
    assert "cogs_unknown_revenue" in {r[0] for r in con.execute("DESCRIBE agg_customer_month").fetchall()}
    tx = schema.TABLES[schema.TRANSACTIONS]
    assert [c.name for c in tx.columns if c.needs_source] == ["customer_id", "tx_date", "revenue"]
    cu = schema.TABLES[schema.CUSTOMERS]
    assert [c.name for c in cu.columns if c.needs_source] == ["customer_id"]
    assert (tx.column("product").default, tx.column("quantity").default) == (schema.UNSPECIFIED_PRODUCT, "1")
    assert (cu.column("customer_type").default, cu.column("name").default_from) == ("unknown", "customer_id")
