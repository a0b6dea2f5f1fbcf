"""What a restricted analyst may change: only rows of the customers their allowance lets them see.

An analyst limited to regions or segments (:class:`analytics.filters.Allowance`) loads, enters,
corrects and undoes rows of those customers only. Every write path checks it inside its own
transaction, on the rows as validated (the ``ingest_typed`` table of
:func:`analytics.ingest.validate.validate_staged`), so that a widget left open, a replayed click or
a file of mixed regions cannot change another region's rows:

* a row belongs to a customer (``customer_id``): that customer must be one the allowance permits; a
  customer row is judged by its own region and segment as they will be stored (a new customer
  without them is outside), and the stored row it replaces must be permitted too;
* an opportunity without a customer, and a service-quality row, belong to their region: permitted
  only for an allowance of regions alone that names it;
* activity rates, replace-mode loads (which remove rows of every customer) and the activity rates'
  undo are company-wide: refused with :class:`IngestError` ``whole_store``.

A refused file raises ``outside_allowance`` naming the file, the first such line and column and how
many rows are outside; a refused form ``record_outside_allowance``; a refused undo
``undo_outside_allowance``. Nothing is written in each case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from analytics.filters import Allowance
from analytics.ingest.read.types import IngestError, Staged
from analytics.ingest.validate import ISSUES, TYPED
from analytics.store import schema

# Tables whose every row names a customer (a required customer_id).
_BY_CUSTOMER = tuple(name for name, tbl in schema.TABLES.items()
                     if name != schema.CUSTOMERS and "customer_id" in tbl.column_names
                     and tbl.column("customer_id").required)
# Company-wide tables: no row of them belongs to a customer or a region.
COMPANY_WIDE = (schema.ACTIVITY_RATES,)


@dataclass(frozen=True)
class Outside:
    """The first row outside the allowance (file order) and how many there are."""

    ord: int
    field: str  # the table's column that places the row outside (customer_id, region, segment or the key)
    value: str | None
    rows: int


def restricted(allowance: Allowance | None) -> bool:
    """Whether ``allowance`` limits what its user may change."""
    return allowance is not None and allowance.restricted


def allowed_text(allowance: Allowance) -> str:
    """'regions East, North; segments SMB' (English, for messages of the command line and logs)."""
    parts = [f"{name} {', '.join(values)}" for name, values in (("regions", allowance.regions),
                                                                 ("segments", allowance.segments)) if values]
    return "; ".join(parts)


def whole_store(allowance: Allowance | None, what: str) -> None:
    """IngestError ``whole_store`` when a restricted user attempts a company-wide change ``what``."""
    if restricted(allowance):
        raise IngestError("whole_store", f"{what} changes rows of every customer: only an admin, or an analyst "
                          f"not limited to regions or segments, can do it (you may change {allowed_text(allowance)})",
                          what=what, allowed=allowed_text(allowance))


def _list(values: tuple[str, ...]) -> str:
    """A SQL list literal of ``values`` (quotes doubled): the allowed values are written into the SQL, as a
    check may use one list, both or neither, which bound parameters would each have to match."""
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]::VARCHAR[]"


def _attrs_ok(allowance: Allowance, region: str, segment: str) -> str:
    """SQL: the region and segment expressions are within the allowance (NULL is outside a limit)."""
    parts = []
    if allowance.regions:
        parts.append(f"coalesce(list_contains({_list(allowance.regions)}, {region}), false)")
    if allowance.segments:
        parts.append(f"coalesce(list_contains({_list(allowance.segments)}, {segment}), false)")
    return " AND ".join(parts) or "true"


def _region_only_ok(allowance: Allowance, region: str) -> str:
    """SQL for a row that belongs to a region but to no customer: permitted only when the allowance limits
    regions alone (a segment limit cannot be judged on such a row)."""
    if allowance.segments or not allowance.regions:
        return "false"
    return f"coalesce(list_contains({_list(allowance.regions)}, {region}), false)"


def row_ok(table: str, allowance: Allowance, alias: str) -> str:
    """SQL: the row ``alias`` of ``table`` (its contract's column names) is one the allowance permits."""
    customers = f"(SELECT c.customer_id FROM {schema.CUSTOMERS} c WHERE {_attrs_ok(allowance, 'c.region', 'c.segment')})"
    if table == schema.CUSTOMERS:
        return _attrs_ok(allowance, f"{alias}.region", f"{alias}.segment")
    if table in _BY_CUSTOMER:
        return f"coalesce({alias}.customer_id IN {customers}, false)"
    if table == schema.OPPORTUNITIES:
        return (f"CASE WHEN {alias}.customer_id IS NOT NULL THEN coalesce({alias}.customer_id IN {customers}, false) "
                f"ELSE {_region_only_ok(allowance, f'{alias}.region')} END")
    if table == schema.SERVICE_QUALITY:
        return _region_only_ok(allowance, f"{alias}.region")
    return "false"


def _why(table: str, allowance: Allowance, alias: str) -> str:
    """SQL: which column places a refused row outside (``customer_id``, ``region`` or ``segment``)."""
    if table == schema.CUSTOMERS:
        if allowance.regions:
            return (f"CASE WHEN NOT {_attrs_ok(Allowance(regions=allowance.regions), f'{alias}.region', 'NULL')} "
                    f"THEN 'region' ELSE 'segment' END")
        return "'segment'"
    if table == schema.SERVICE_QUALITY:
        return "'region'"
    if table == schema.OPPORTUNITIES:
        return f"CASE WHEN {alias}.customer_id IS NULL THEN 'region' ELSE 'customer_id' END"
    return "'customer_id'"


def outside_rows(cur: duckdb.DuckDBPyConnection, table: schema.Table, allowance: Allowance) -> Outside | None:
    """The first validated row (of ``ingest_typed``, rows already rejected left out) that the allowance does
    not permit, as it would be stored or by the stored row of the same key it would replace; None when
    every row is permitted."""
    typed_cols = {r[0] for r in cur.execute(f"SELECT * FROM {TYPED} LIMIT 0").description}

    def v(col: str, fallback: str = "NULL") -> str:
        return f"t.v_{col}" if f"v_{col}" in typed_cols else fallback

    valid = f"t._ord NOT IN (SELECT _ord FROM {ISSUES} WHERE _ord IS NOT NULL)"
    if table.name == schema.CUSTOMERS:
        # A column the file does not carry keeps the stored value (update), or is empty (a new customer).
        rows = (f"SELECT t._ord, {v('customer_id')} AS customer_id, {v('region', 'c.region')} AS region, "
                f"{v('segment', 'c.segment')} AS segment FROM {TYPED} t LEFT JOIN {schema.CUSTOMERS} c "
                f"ON c.customer_id = {v('customer_id')} WHERE {valid}")
    else:
        rows = (f"SELECT t._ord, CAST({v('customer_id')} AS VARCHAR) AS customer_id, "
                f"CAST({v('region')} AS VARCHAR) AS region FROM {TYPED} t WHERE {valid}")
    value = "CASE r.why WHEN 'region' THEN r.region WHEN 'segment' THEN r.segment ELSE r.customer_id END" \
        if table.name == schema.CUSTOMERS else \
        "CASE r.why WHEN 'region' THEN r.region ELSE r.customer_id END"
    checks = [f"SELECT r._ord, r.why, {value} AS value FROM (SELECT x.*, {_why(table.name, allowance, 'x')} AS why "
              f"FROM ({rows}) x WHERE NOT ({row_ok(table.name, allowance, 'x')})) r"]
    key = table.key[0]
    if len(table.key) == 1 and f"v_{key}" in typed_cols:  # the stored row a row of the same key replaces
        checks.append(f"SELECT t._ord, '{key}', CAST(t.v_{key} AS VARCHAR) FROM {TYPED} t JOIN {table.name} s "
                      f"ON s.{key} = t.v_{key} WHERE {valid} AND NOT ({row_ok(table.name, allowance, 's')})")
    found = cur.execute(f"SELECT min_by(why, _ord), min_by(value, _ord), min(_ord), count(DISTINCT _ord) "
                        f"FROM ({' UNION ALL '.join(checks)}) o(_ord, why, value)").fetchone()
    if found is None or not found[3]:
        return None
    return Outside(ord=int(found[2]), field=str(found[0]), value=None if found[1] is None else str(found[1]),
                   rows=int(found[3]))


def check_file(cur: duckdb.DuckDBPyConnection, table: schema.Table, staged: Staged, file_name: str,
               sources: dict[str, str | None], allowance: Allowance | None) -> None:
    """IngestError ``outside_allowance`` when a row of the validated file is outside ``allowance``, naming
    the file, the line and the file's column (``sources``: the table's column -> the file's column)."""
    if not restricted(allowance):
        return
    if table.name in COMPANY_WIDE:
        whole_store(allowance, f"loading {table.name}")
    out = outside_rows(cur, table, allowance)
    if out is None:
        return
    line = cur.execute(f"SELECT {staged.line_sql(str(out.ord))}").fetchone()[0]
    column = sources.get(out.field) or out.field
    raise IngestError("outside_allowance", f"{file_name}, line {line}, column {column}: {out.field} {out.value} is "
                      f"outside the customers you may change ({allowed_text(allowance)}); {out.rows:,} row(s) of the "
                      "file are; nothing was loaded", file=file_name, line=int(line), column=column, field=out.field,
                      value=out.value or "", rows=out.rows, allowed=allowed_text(allowance))


def check_record(cur: duckdb.DuckDBPyConnection, table: schema.Table, allowance: Allowance | None) -> None:
    """IngestError ``record_outside_allowance`` when the validated form row is outside ``allowance``."""
    if not restricted(allowance):
        return
    if table.name in COMPANY_WIDE:
        whole_store(allowance, f"changing {table.name}")
    out = outside_rows(cur, table, allowance)
    if out is not None:
        raise IngestError("record_outside_allowance", f"{out.field} {out.value}: this record is outside the customers "
                          f"you may change ({allowed_text(allowance)}); nothing was saved", field=out.field,
                          value=out.value or "", allowed=allowed_text(allowance))


def check_undo(cur: duckdb.DuckDBPyConnection, load_id: int, table: str, shadow: str,
               allowance: Allowance | None) -> None:
    """IngestError ``undo_outside_allowance`` when load ``load_id`` wrote or replaced a row outside
    ``allowance`` (customers it created have no region or segment: outside any limit)."""
    if not restricted(allowance):
        return
    if table in COMPANY_WIDE:
        whole_store(allowance, f"undoing a load of {table}")
    sources = [(table, f"SELECT * FROM {table} WHERE load_id = {int(load_id)}"),
               (table, f"SELECT * FROM {shadow} WHERE replaced_by = {int(load_id)}")]
    if table != schema.CUSTOMERS:
        sources.append((schema.CUSTOMERS, f"SELECT * FROM {schema.CUSTOMERS} WHERE load_id = {int(load_id)}"))
    n = sum(cur.execute(f"SELECT count(*) FROM ({sql}) x WHERE NOT ({row_ok(name, allowance, 'x')})").fetchone()[0]
            for name, sql in sources)
    if n:
        raise IngestError("undo_outside_allowance", f"load #{load_id} wrote or replaced {n:,} row(s) outside the "
                          f"customers you may change ({allowed_text(allowance)}): only an admin, or an analyst not "
                          "limited to regions or segments, can undo it; nothing was changed",
                          load_id=int(load_id), rows=n, allowed=allowed_text(allowance))


def record_permitted(cur: duckdb.DuckDBPyConnection, table: str, key: str, allowance: Allowance | None) -> bool:
    """Whether the stored record ``key`` of ``table`` (one key column) is one ``allowance`` lets its user see
    and change (True for an absent record: there is nothing to show)."""
    if not restricted(allowance):
        return True
    tbl = schema.TABLES[table]
    row = cur.execute(f"SELECT {row_ok(table, allowance, 'x')} FROM {table} x WHERE x.{tbl.key[0]} = $key",
                      {"key": key}).fetchone()
    return row is None or bool(row[0])


def customers_sql(allowance: Allowance | None) -> tuple[str, dict[str, Any]]:
    """SQL condition on the customers table's own columns (no alias) and its parameters: the customers
    ``allowance`` permits (every customer without one)."""
    if not restricted(allowance):
        return "true", {}
    return _attrs_ok(allowance, "region", "segment"), {}


def undo_refusal(cur: duckdb.DuckDBPyConnection, load_id: int, table: str,
                 allowance: Allowance | None) -> tuple[str, dict[str, Any]] | None:
    """Why :func:`check_undo` would refuse ``allowance``'s user the undo of load ``load_id`` (its code and
    params, for a page to say so before the button), or None."""
    try:
        check_undo(cur, load_id, table, schema.shadow_name(table), allowance)
    except IngestError as exc:
        return exc.code, dict(exc.params)
    return None
