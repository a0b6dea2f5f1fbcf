"""Adding and correcting single records by hand, validated exactly like uploads, with an audit trail.

The Data page's forms (a customer, a transaction, an activity with its cost, an assessment of
delivered value, a feedback entry) call :func:`add` and :func:`correct`. Each call turns the
entered values into a one-row staging table and runs the upload engine's validation on it
(:func:`analytics.ingest.validate.validate_staged`: the same types, ranges, fixed lists, unknown
customers or activities, duplicate keys), then writes in one transaction with the audit rows (who, when,
column, old → new) and, for transactions and activities, the monthly aggregates of the months
touched. A record's key cannot change; enter a new record instead. A row written by a form has
``load_id`` NULL, so undoing a load never removes it; a row of a load corrected by hand keeps its
``load_id``, and that load can then no longer be undone (:func:`analytics.ingest.undo_check` reads
the audit rows written here to find such later changes).

Cost of an activity = quantity × the unit rate valid on its date (:func:`rate_on`), the same rule
as :mod:`analytics.store.aggregates`; the form shows it before saving.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import duckdb
import pandas as pd

from analytics.filters import Allowance
from analytics.ingest import scope
from analytics.ingest.engine import writing
from analytics.ingest.mapping import Mapping, Options
from analytics.ingest.read.types import Sniff, Staged
from analytics.ingest.validate import ISSUES, TYPED, reason, validate_staged
from analytics.store import aggregates, audit, schema

FORM_TABLES = (schema.CUSTOMERS, schema.TRANSACTIONS, schema.ACTIVITIES, schema.ASSESSMENTS, schema.FEEDBACK,
               schema.CONTRACTS)
_STAGE = "form_stage"


@dataclass(frozen=True)
class FieldIssue:
    column: str | None
    code: str
    value: str | None
    a: str | None = None
    b: str | None = None

    @property
    def message(self) -> str:
        return reason(self.code, self.value, self.a, self.b)


@dataclass(frozen=True)
class RecordResult:
    """``ok`` with the stored ``key`` and the ``changes`` made (column → (old, new)), or the issues."""

    ok: bool
    table: str
    key: str | None = None
    issues: tuple[FieldIssue, ...] = ()
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


class _Rejected(Exception):
    def __init__(self, issues: tuple[FieldIssue, ...]) -> None:
        super().__init__("rejected")
        self.issues = issues


class _NoChange(Exception):
    pass


def _check(table: str) -> schema.Table:
    if table not in FORM_TABLES:
        raise ValueError(f"records of {table!r} cannot be entered by hand; use one of {', '.join(FORM_TABLES)}")
    return schema.TABLES[table]


def _text(v: Any) -> str | None:
    """A widget value as the text an upload would hold (the engine parses it back).

    A float NaN or infinity becomes its text (``nan``, ``inf``) so that validation refuses it by
    name, as in an upload, rather than reading NaN as "no value" and storing NULL."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (dt.datetime, pd.Timestamp)):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (int, Decimal)):
        return str(v)
    return str(v)


def _key_column(table: schema.Table) -> str:
    return table.key[0]


def get(cur: duckdb.DuckDBPyConnection, table: str, key: str) -> dict[str, Any] | None:
    """One record by its key, as a dict of the contract's columns (None when absent)."""
    tbl = _check(table)
    row = cur.execute(f"SELECT {', '.join(tbl.column_names)} FROM {table} WHERE {_key_column(tbl)} = ?",
                      [key]).fetchone()
    return None if row is None else dict(zip(tbl.column_names, row, strict=True))


def _stage_row(cur: duckdb.DuckDBPyConnection, tbl: schema.Table, values: dict[str, Any]) -> tuple[Staged, Sniff]:
    cols = tbl.column_names
    cur.execute(f"DROP TABLE IF EXISTS {_STAGE}")
    cur.execute(f"CREATE TEMP TABLE {_STAGE} ({', '.join(f'c{i} VARCHAR' for i in range(len(cols)))})")
    cur.execute(f"INSERT INTO {_STAGE} VALUES ({', '.join('?' * len(cols))})", [_text(values.get(c)) for c in cols])
    base = cur.execute(f"SELECT min(rowid) FROM {_STAGE}").fetchone()[0]
    staged = Staged(table=_STAGE, kind="form", columns=cols, records=1, sha256="form", size=0, first_line=1,
                    base=int(base))
    return staged, Sniff(kind="form", file_name="form", size=0, columns=cols)


def _run_validation(cur: duckdb.DuckDBPyConnection, tbl: schema.Table, values: dict[str, Any], *,
                    updating: bool) -> dict[str, Any]:
    """Validate one record like an upload; returns its typed values or raises :class:`_Rejected`."""
    staged, sn = _stage_row(cur, tbl, values)
    mapping = Mapping.of({c: c for c in tbl.column_names})
    opts = Options(tbl.name, mapping, date_formats=(("*", ("iso",)),))
    try:
        validate_staged(cur, staged, sn, opts, key_check=not updating)
    except ValueError as exc:  # a required column without a value at all
        code = getattr(exc, "code", "required")
        cols = str(getattr(exc, "params", {}).get("columns", "")).split(", ")
        raise _Rejected(tuple(FieldIssue(c or None, "required" if code == "required_unmapped" else code, None)
                              for c in cols)) from None
    rows = cur.execute(f"SELECT col, code, value, a, b FROM {ISSUES} ORDER BY col, code").fetchall()
    if rows:
        raise _Rejected(tuple(FieldIssue(*r) for r in rows))
    res = cur.execute(f"SELECT * FROM {TYPED}")
    names = [d[0] for d in res.description]
    typed = dict(zip(names, res.fetchone(), strict=True))
    return {c: typed.get(f"v_{c}") for c in tbl.column_names}


def _refresh(cur: duckdb.DuckDBPyConnection, tbl: schema.Table, *dates: Any) -> None:
    if tbl.name in (schema.TRANSACTIONS, schema.ACTIVITIES):
        aggregates.refresh(cur, [d for d in dates if d is not None])


def _cleanup(cur: duckdb.DuckDBPyConnection) -> None:
    for t in (TYPED, ISSUES, _STAGE):
        cur.execute(f"DROP TABLE IF EXISTS {t}")


def add(con: duckdb.DuckDBPyConnection, table: str, values: dict[str, Any], user: str | None = None,
        allowance: Allowance | None = None) -> RecordResult:
    """Validate and insert one record; audit action ``insert`` with every non-empty value. With a restricted
    ``allowance``, a record of a customer outside it raises :class:`IngestError` ``record_outside_allowance``
    (:mod:`analytics.ingest.scope`; nothing written)."""
    tbl = _check(table)
    try:
        with writing(con) as cur:
            row = _run_validation(cur, tbl, values, updating=False)
            scope.check_record(cur, tbl, allowance)
            cols = list(tbl.column_names)
            cur.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                        [row[c] for c in cols])
            changes = {c: (None, row[c]) for c in cols if row[c] is not None}
            key = str(row[_key_column(tbl)])
            audit.record(cur, table, key, "insert", changes, user=user)
            _refresh(cur, tbl, row.get(tbl.date_column))
            _cleanup(cur)
    except _Rejected as exc:
        return RecordResult(False, table, issues=exc.issues)
    return RecordResult(True, table, key=key, changes=changes)


def correct(con: duckdb.DuckDBPyConnection, table: str, key: str, values: dict[str, Any],
            user: str | None = None, allowance: Allowance | None = None) -> RecordResult:
    """Validate and update one record's changed columns; audit action ``update`` with old → new. With a
    restricted ``allowance``, the record as stored and as corrected must both be permitted (as in :func:`add`)."""
    tbl = _check(table)
    kc = _key_column(tbl)
    if kc in values and values[kc] not in (None, key):
        raise ValueError(f"the key {kc} cannot be changed; enter a new record instead")
    try:
        with writing(con) as cur:
            old = get(cur, table, key)
            if old is None:
                raise ValueError(f"{table} has no record {key!r}")
            merged = {**old, **{k: v for k, v in values.items() if k in tbl.column_names}, kc: key}
            row = _run_validation(cur, tbl, merged, updating=True)
            scope.check_record(cur, tbl, allowance)
            changes = {c: (old[c], row[c]) for c in tbl.column_names if c != kc and not _same(old[c], row[c])}
            if not changes:
                raise _NoChange
            sets = ", ".join(f"{c} = ?" for c in changes)
            cur.execute(f"UPDATE {table} SET {sets} WHERE {kc} = ?", [row[c] for c in changes] + [key])
            audit.record(cur, table, key, "update", changes, user=user)
            d = tbl.date_column
            _refresh(cur, tbl, old.get(d), row.get(d))
            _cleanup(cur)
    except _Rejected as exc:
        return RecordResult(False, table, key=key, issues=exc.issues)
    except _NoChange:
        return RecordResult(True, table, key=key, changes={})
    return RecordResult(True, table, key=key, changes=changes)


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (int, float, Decimal)) and isinstance(b, (int, float, Decimal)):
        return math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-9)
    if isinstance(a, dt.datetime):
        a = a.date()
    if isinstance(b, dt.datetime):
        b = b.date()
    return a == b


@dataclass(frozen=True)
class Rate:
    activity: str
    unit_cost: float
    unit: str | None
    valid_from: dt.date


def rate_on(cur: duckdb.DuckDBPyConnection, activity: str, on: dt.date) -> Rate | None:
    """The unit rate of ``activity`` valid on ``on`` (the latest ``valid_from`` not after it)."""
    row = cur.execute(
        f"""SELECT activity, CAST(unit_cost AS DOUBLE), unit, valid_from FROM {schema.ACTIVITY_RATES}
            WHERE activity = ? AND valid_from <= ? ORDER BY valid_from DESC LIMIT 1""", [activity, on]).fetchone()
    return Rate(*row) if row else None


def activity_cost(cur: duckdb.DuckDBPyConnection, activity: str, on: dt.date, quantity: float) -> float | None:
    """quantity × the rate valid on ``on``; None when no rate applies (the activity is unpriced)."""
    r = rate_on(cur, activity, on)
    return None if r is None else quantity * r.unit_cost


def next_id(cur: duckdb.DuckDBPyConnection, table: str) -> str:
    """A suggested new key: the most common prefix of the table's ids with the next number, same width."""
    tbl = _check(table)
    kc = _key_column(tbl)
    row = cur.execute(
        f"""SELECT regexp_extract({kc}, '^(.*?)([0-9]+)$', 1) AS p, max(CAST(regexp_extract({kc}, '([0-9]+)$', 1) AS HUGEINT)),
                   max(length(regexp_extract({kc}, '([0-9]+)$', 1))), count(*) AS n
            FROM {table} WHERE regexp_full_match({kc}, '.*?[0-9]+') GROUP BY p ORDER BY n DESC LIMIT 1""").fetchone()
    if row is None:
        prefix = {"customers": "C", "transactions": "T", "activities": "A", "assessments": "S", "feedback": "F",
                  "contracts": "K"}[table]
        return f"{prefix}{1:06d}"
    prefix, top, width, _ = row
    return f"{prefix}{int(top) + 1:0{int(width)}d}"


def distinct_values(cur: duckdb.DuckDBPyConnection, table: str, column: str, limit: int = 300) -> list[str]:
    """Values already used in an open category column (for a pick list that also accepts new ones)."""
    tbl = _check(table) if table in FORM_TABLES else schema.TABLES[table]
    tbl.column(column)
    return [r[0] for r in cur.execute(
        f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT {int(limit)}"
    ).fetchall()]


def customer_count(cur: duckdb.DuckDBPyConnection, allowance: Allowance | None = None) -> int:
    """How many customers the store holds (whether a form can offer them all in one list); with ``allowance``,
    those it permits."""
    where, params = scope.customers_sql(allowance)
    return int(cur.execute(f"SELECT count(*) FROM {schema.CUSTOMERS} WHERE {where}", params or None).fetchone()[0])


def customers_matching(cur: duckdb.DuckDBPyConnection, text: str | None = None, limit: int = 5000,
                       allowance: Allowance | None = None) -> list[tuple[str, str]]:
    """Customers as (id, name) for a form's customer picker, in id order: all (up to ``limit``), or those whose
    id or name contains ``text`` (case-insensitive; ``%`` and ``_`` in it are plain characters); with
    ``allowance``, only those it permits (a restricted analyst picks among their own customers)."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    where, params = scope.customers_sql(allowance)
    if text and text.strip():
        where += " AND (contains(lower(customer_id), $text) OR contains(lower(name), $text))"
        params = {**params, "text": text.strip().lower()}
    rows = cur.execute(f"SELECT customer_id, name FROM {schema.CUSTOMERS} WHERE {where} ORDER BY customer_id "
                       f"LIMIT {int(limit)}", params or None).fetchall()
    return [(str(i), "" if n is None else str(n)) for i, n in rows]


def activities_with_rates(cur: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in cur.execute(
        f"SELECT DISTINCT activity FROM {schema.ACTIVITY_RATES} ORDER BY activity").fetchall()]


def history(cur: duckdb.DuckDBPyConnection, limit: int = 300) -> pd.DataFrame:
    """The audit log, newest first (see :func:`analytics.store.audit.history`)."""
    return audit.history(cur, limit=limit)


