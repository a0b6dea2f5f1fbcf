"""Analysts' files into the store: column mapping, validation before any write, one-transaction
loads, the load log, undo, saved mappings, templates and ``python -m analytics ingest``.

The same engine serves the Data page and the command line:

1. :func:`sniff` (from :mod:`analytics.ingest_read`) detects the file's kind, encoding, delimiter
   and header and returns a preview; the analyst confirms or overrides them.
2. :func:`auto_map` matches the file's columns to the table's by name, Chinese or English
   synonym (brackets such as ``金额(元)`` ignored) and, for a single unmatched date column, by
   type. The mapping is editable, can be saved under a name (``column_maps``) and reused.
   Besides file columns a target may take a constant (``customer_type = enterprise``) or, for an
   id, ``@line``: an id made of the file's SHA-256 prefix and the line number, for exports with no
   line id (the same file then yields the same ids). A transactions file with a unit price and no
   amount gets revenue = quantity × unit price (rounded to cents).
3. :func:`check` stages the whole file into a temporary table and validates every row in SQL
   (:mod:`analytics.ingest_normalize` for the value rules): required values, types, ranges
   (negative quantities and amounts are allowed in transactions and activities — returns and
   credits — because the contract sets no minimum there), fixed lists, text length, unknown
   customers (or activities without a rate), duplicate keys within the file and against the
   table, dates outside a period being replaced. Every rejected row is listed with its line,
   column and reason. Nothing is written.
4. :func:`load` repeats the reading and validation inside one transaction (the store may have
   changed since the check) and writes only if the analyst's rule allows: ``refuse`` (the
   default: any rejected row stops the load) or ``skip`` (load the valid rows; the rejected ones
   are listed and counted in the log). Append adds rows (a key already in the table is rejected);
   ``update`` replaces the rows whose key is in the file (columns the file does not carry keep
   their values) and adds the others (the weekly customer master, corrected transactions); ``replace_period`` removes the table's rows dated inside the
   period first (the file's rows must all fall inside it); ``replace_table`` removes all rows. Replaced rows are kept (``ingest_replaced_<table>``) so
   that :func:`undo_last` can restore them. The same file (SHA-256) already loaded into the same
   table, and not undone, is refused. The monthly aggregates are rebuilt for the months touched,
   the data version bumps (every cached view refreshes), and the load is recorded in
   ``ingest_log`` (file name, SHA-256, rows, user, time, mapping as JSON) and in the audit log.

Reading, validation and writing report progress through ``progress(phase, fraction)``.

The engine is split by concern; this module holds checking, loading, undo, the load log and
saved mappings, and is the public API: every name in ``__all__`` can be imported from here,
wherever it is defined.

* :mod:`analytics.ingest_read`: sniffing and staging text files; :mod:`analytics.ingest_binary`:
  Excel and Parquet files, with their bomb checks.
* :mod:`analytics.ingest_normalize`: the value rules as SQL.
* :mod:`analytics.ingest_mapping`: :class:`Mapping`, :func:`auto_map`, :class:`Options`.
* :mod:`analytics.ingest_validate`: the validation SQL, :class:`Report` and :func:`reason`.
* :mod:`analytics.ingest_templates`: empty templates and :func:`columns_table`.
* :mod:`analytics.ingest_cli`: the ``ingest``, ``undo-load``, ``loads`` and ``template`` commands.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from analytics import aggregates, audit, db, schema
from analytics.ingest_mapping import (
    GENERATED_ID,
    MODES,
    ON_REJECT,
    UNIT_PRICE,
    UNIT_PRICE_SYNONYMS,
    UPLOAD_TABLES,
    Mapping,
    Options,
    _check_table,
    auto_map,
    targets,
)
from analytics.ingest_read import (
    LIMITS,
    IngestError,
    Limits,
    Progress,
    Sniff,
    Staged,
    drop,
    sniff,
    stage,
)
from analytics.ingest_templates import columns_table, template_bytes, template_headers
from analytics.ingest_validate import (
    _ISSUES,
    _TYPED,
    MAX_LISTED,
    REASONS,
    Report,
    _validate,
    reason,
    update_condition,
)

__all__ = ["GENERATED_ID", "MAX_LISTED", "MODES", "ON_REJECT", "REASONS", "UNIT_PRICE", "UNIT_PRICE_SYNONYMS",
           "UPLOAD_TABLES", "IngestError", "Limits", "Mapping", "Options", "Report", "Sniff", "UndoResult",
           "auto_map", "check", "columns_table", "last_load", "load", "loads", "reason", "save_mapping",
           "saved_mapping", "saved_mappings", "sniff", "targets", "template_bytes", "template_headers",
           "undo_last", "writing"]

KEEP_REPLACED_LOADS = 10
DATED_TABLES = (schema.TRANSACTIONS, schema.ACTIVITIES, schema.ACTIVITY_RATES)


# ----------------------------------------------------------------------------- check and load
def _drop_work(cur: duckdb.DuckDBPyConnection, staged: Staged | None) -> None:
    for t in (_TYPED, _ISSUES):
        cur.execute(f"DROP TABLE IF EXISTS {t}")
    if staged is not None:
        drop(cur, staged)


def check(con: duckdb.DuckDBPyConnection, path: str | Path, sniffed: Sniff, opts: Options,
          progress: Progress | None = None, limits: Limits = LIMITS) -> Report:
    """Read and validate the whole file without writing anything (a dry run)."""
    with db.cursor(con) as cur:
        staged = None
        try:
            staged = stage(cur, path, sniffed, progress=progress, limits=limits)
            return _validate(cur, staged, sniffed, opts, progress)
        finally:
            _drop_work(cur, staged)


@contextmanager
def writing(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """:func:`analytics.db.write`, reporting a write conflict (another session changing the same rows at
    the same moment; DuckDB aborts one of them) as :class:`IngestError` ``busy`` — nothing was written."""
    try:
        with db.write(con) as cur:
            yield cur
    except duckdb.TransactionException as exc:
        raise IngestError("busy", "another change was being saved at the same moment; nothing was written, "
                          "try again") from exc


def _shadow(table: str) -> str:
    return f"ingest_replaced_{table}"


def _ensure_shadow(cur: duckdb.DuckDBPyConnection, table: str) -> None:
    """The table that keeps rows a replace removed, for undo (created on first use, no constraints)."""
    cur.execute(f"CREATE TABLE IF NOT EXISTS {_shadow(table)} AS SELECT *, CAST(NULL AS BIGINT) AS replaced_by "
                f"FROM {table} WHERE false")


def _months(cur: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> set[dt.date]:
    return {r[0] for r in cur.execute(sql, params).fetchall() if r[0] is not None}


def load(con: duckdb.DuckDBPyConnection, path: str | Path, sniffed: Sniff, opts: Options, *,
         user: str | None = None, progress: Progress | None = None, limits: Limits = LIMITS) -> Report:
    """Read, validate and write the file in one transaction (all valid rows or nothing).

    Refuses (:class:`IngestError` carrying the report) when the file was already loaded, a date
    column is ambiguous, no row is valid, or rows were rejected and ``opts.on_reject`` is
    ``refuse``. Returns the report with ``load_id`` and ``written`` set.
    """
    t0 = time.perf_counter()
    table = schema.TABLES[opts.table]
    who = user or audit.current_user()
    with writing(con) as cur:
        staged = stage(cur, path, sniffed, progress=progress, limits=limits)
        rep = _validate(cur, staged, sniffed, opts, progress)
        if rep.already_loaded:
            a = dict(rep.already_loaded)
            raise IngestError("already_loaded", f"this file was already loaded into {opts.table} as load "
                              f"#{a['load_id']} on {a['loaded_at']} by {a['user']}; undo that load first",
                              report=rep, **a)
        if rep.ambiguous:
            cols = ", ".join(d.column for d in rep.ambiguous)
            raise IngestError("ambiguous_dates", f"dates in {cols} read both day-first and month-first; "
                              "choose the format (--date-format)", report=rep, columns=cols)
        if rep.rejected and opts.on_reject != "skip":
            raise IngestError("rejected_rows", f"{rep.rejected:,} of {rep.rows:,} rows were rejected; nothing was "
                              "loaded", report=rep, rejected=rep.rejected, rows=rep.rows)
        if rep.valid == 0:
            raise IngestError("nothing_valid", "no row of the file is valid; nothing was loaded", report=rep)
        if progress:
            progress("write", 0.05)
        load_id = cur.execute(f"SELECT coalesce(max(load_id), 0) + 1 FROM {schema.INGEST_LOG}").fetchone()[0]
        d = table.date_column
        months: set[dt.date] = set()
        replaced = 0
        if opts.mode != "append":
            if opts.mode == "update":
                cond, cparams = update_condition(table), None
            elif opts.mode == "replace_table":
                cond, cparams = "TRUE", None
            else:
                cond, cparams = f"{d} BETWEEN $a AND $b", {"a": opts.period[0], "b": opts.period[1]}
            _ensure_shadow(cur, table.name)
            cur.execute(f"INSERT INTO {_shadow(table.name)} SELECT *, {int(load_id)} FROM {table.name} WHERE {cond}",
                        cparams)
            if table.name in DATED_TABLES:
                months |= _months(cur, f"SELECT DISTINCT date_trunc('month', {d}) FROM {table.name} WHERE {cond}", cparams)
            replaced = cur.execute(f"DELETE FROM {table.name} WHERE {cond}", cparams).fetchone()[0]
            _trim_shadows(cur)
        if progress:
            progress("write", 0.2)
        names = [c for c in table.column_names if c in rep.columns]
        # Rejected rows are left out (an anti-join only when there are any).
        keep = f"WHERE t._ord NOT IN (SELECT _ord FROM {_ISSUES} WHERE _ord IS NOT NULL)" if rep.rejected else ""
        others = [c for c in table.column_names if c not in rep.columns]
        if opts.mode == "update" and others and replaced:
            # Updating by key: columns the file does not carry keep the replaced row's values.
            on = " AND ".join(f"o.{k} = t.v_{k}" for k in table.key)
            insert = (f"INSERT INTO {table.name} ({', '.join(names + others)}, load_id) "
                      f"SELECT {', '.join([f't.v_{c}' for c in names] + [f'o.{c}' for c in others])}, {int(load_id)} "
                      f"FROM {_TYPED} t LEFT JOIN (SELECT * FROM {_shadow(table.name)} WHERE replaced_by = {int(load_id)}) o "
                      f"ON {on} {keep}")
        else:
            insert = (f"INSERT INTO {table.name} ({', '.join(names)}, load_id) "
                      f"SELECT {', '.join(f't.v_{c}' for c in names)}, {int(load_id)} FROM {_TYPED} t {keep}")
        try:
            from analytics.ingest_read import _run_with_progress

            _run_with_progress(cur, insert, None, progress, "write", 0.2, 0.8)
        except duckdb.ConstraintException as exc:
            raise IngestError("constraint", f"the store refused the rows: {str(exc).splitlines()[0]}",
                              report=rep) from None
        written = cur.execute(f"SELECT count(*) FROM {table.name} WHERE load_id = ?", [load_id]).fetchone()[0]
        if table.name == schema.CUSTOMERS and opts.mode != "append":
            _check_orphans(cur, rep)
        if table.name in (schema.TRANSACTIONS, schema.ACTIVITIES):
            months |= _months(cur, f"SELECT DISTINCT date_trunc('month', {d}) FROM {table.name} WHERE load_id = ?",
                              [load_id])
            aggregates.refresh(cur, months)
        elif table.name == schema.ACTIVITY_RATES:
            aggregates.refresh(cur)
        if progress:
            progress("write", 0.9)
        meta = {"mapping": json.loads(opts.mapping.to_json()), "encoding": staged.encoding,
                "delimiter": staged.delimiter, "sheet": staged.sheet, "header_line": staged.header_row + 1,
                "date_formats": {c.column: list(c.formats) for c in rep.dates}, "rejected": rep.rejected,
                "replaced": replaced, "on_reject": opts.on_reject, "kind": staged.kind}
        p_from, p_to = (opts.period if opts.mode == "replace_period" else rep.period)
        cur.execute(f"INSERT INTO {schema.INGEST_LOG} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                    [load_id, opts.table, sniffed.file_name, staged.sha256, written, opts.mode, who,
                     dt.datetime.now().replace(microsecond=0), json.dumps(meta, ensure_ascii=False, default=str),
                     p_from, p_to])
        audit.record(cur, opts.table, f"load {load_id}", "load",
                     {"rows": (replaced if opts.mode != "append" else None, written), "file": (None, sniffed.file_name)},
                     user=who)
        _drop_work(cur, staged)
    if progress:
        progress("write", 1.0)
    return replace(rep, load_id=load_id, written=written, seconds=time.perf_counter() - t0)


def _check_orphans(cur: duckdb.DuckDBPyConnection, rep: Report | None = None) -> None:
    """Refuse a change that leaves rows referring to customers that no longer exist."""
    for tname, tbl in schema.TABLES.items():
        for col in tbl.columns:
            if col.references == f"{schema.CUSTOMERS}.customer_id":
                row = cur.execute(
                    f"""SELECT count(*), min({col.name}) FROM {tname}
                        WHERE {col.name} IS NOT NULL AND {col.name} NOT IN (SELECT customer_id FROM {schema.CUSTOMERS})"""
                ).fetchone()
                if row[0]:
                    raise IngestError("orphans", f"{row[0]:,} rows of {tname} would refer to customers that no longer "
                                      f"exist (e.g. {row[1]}); nothing was changed", report=rep, n=row[0],
                                      table=tname, example=row[1])


def _trim_shadows(cur: duckdb.DuckDBPyConnection) -> None:
    """Keep replaced rows for the latest :data:`KEEP_REPLACED_LOADS` replacing loads only."""
    keep = cur.execute(
        f"""SELECT min(load_id) FROM (SELECT load_id FROM {schema.INGEST_LOG} WHERE mode <> 'append'
            ORDER BY load_id DESC LIMIT {KEEP_REPLACED_LOADS - 1})""").fetchone()[0]
    if keep is None:
        return
    for t in UPLOAD_TABLES:
        if _table_exists(cur, _shadow(t)):
            cur.execute(f"DELETE FROM {_shadow(t)} WHERE replaced_by < ?", [keep])


def _table_exists(cur: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(cur.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary",
                            [name]).fetchone()[0])


# ----------------------------------------------------------------------------- log and undo
def loads(cur: duckdb.DuckDBPyConnection, limit: int = 100) -> pd.DataFrame:
    """The latest loads, newest first: ``load_id, table_name, file_name, rows, mode, user_name,
    loaded_at, period_from, period_to, undone_at, rejected, replaced, sha256``."""
    df = cur.execute(
        f"""SELECT load_id, table_name, file_name, rows, mode, user_name, loaded_at, period_from, period_to,
                   undone_at, mapping, sha256 FROM {schema.INGEST_LOG} ORDER BY load_id DESC LIMIT {int(limit)}""").df()
    meta = [json.loads(m) if isinstance(m, str) and m else {} for m in df["mapping"]]
    df["rejected"] = [m.get("rejected", 0) for m in meta]
    df["replaced"] = [m.get("replaced", 0) for m in meta]
    return df.drop(columns=["mapping"])


def last_load(cur: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The most recent load not yet undone (the one :func:`undo_last` would undo)."""
    row = cur.execute(
        f"""SELECT load_id, table_name, file_name, rows, mode, user_name, loaded_at FROM {schema.INGEST_LOG}
            WHERE undone_at IS NULL ORDER BY load_id DESC LIMIT 1""").fetchone()
    if row is None:
        return None
    return dict(zip(("load_id", "table_name", "file_name", "rows", "mode", "user_name", "loaded_at"), row, strict=True))


@dataclass(frozen=True)
class UndoResult:
    load_id: int
    table: str
    file_name: str
    removed: int
    restored: int


def undo_last(con: duckdb.DuckDBPyConnection, user: str | None = None) -> UndoResult:
    """Undo the most recent load in one transaction: delete its rows and restore the rows it replaced."""
    with writing(con) as cur:
        last = last_load(cur)
        if last is None:
            raise IngestError("nothing_to_undo", "there is no load to undo")
        lid, tname = int(last["load_id"]), last["table_name"]
        table = schema.TABLES[tname]
        d = table.date_column
        months: set[dt.date] = set()
        if tname in (schema.TRANSACTIONS, schema.ACTIVITIES):
            months |= _months(cur, f"SELECT DISTINCT date_trunc('month', {d}) FROM {tname} WHERE load_id = ?", [lid])
        removed = cur.execute(f"DELETE FROM {tname} WHERE load_id = ?", [lid]).fetchone()[0]
        restored = 0
        if last["mode"] != "append":
            if not _table_exists(cur, _shadow(tname)):
                raise IngestError("undo_unavailable", f"the rows replaced by load #{lid} are no longer kept", load_id=lid)
            kept = cur.execute(f"SELECT count(*) FROM {_shadow(tname)} WHERE replaced_by = ?", [lid]).fetchone()[0]
            log_replaced = json.loads(cur.execute(f"SELECT mapping FROM {schema.INGEST_LOG} WHERE load_id = ?",
                                                  [lid]).fetchone()[0] or "{}").get("replaced", 0)
            if kept != log_replaced:
                raise IngestError("undo_unavailable", f"the rows replaced by load #{lid} are no longer kept",
                                  load_id=lid)
            cols = ", ".join((*table.column_names, "load_id"))
            cur.execute(f"INSERT INTO {tname} ({cols}) SELECT {cols} FROM {_shadow(tname)} WHERE replaced_by = ?", [lid])
            restored = kept
            if tname in (schema.TRANSACTIONS, schema.ACTIVITIES):
                months |= _months(cur, f"SELECT DISTINCT date_trunc('month', {d}) FROM {_shadow(tname)} "
                                  "WHERE replaced_by = ?", [lid])
            cur.execute(f"DELETE FROM {_shadow(tname)} WHERE replaced_by = ?", [lid])
        if tname == schema.CUSTOMERS:
            _check_orphans(cur)
        if tname in (schema.TRANSACTIONS, schema.ACTIVITIES):
            aggregates.refresh(cur, months)
        elif tname == schema.ACTIVITY_RATES:
            aggregates.refresh(cur)
        cur.execute(f"UPDATE {schema.INGEST_LOG} SET undone_at = ? WHERE load_id = ?",
                    [dt.datetime.now().replace(microsecond=0), lid])
        audit.record(cur, tname, f"load {lid}", "undo", {"rows": (removed, restored)}, user=user)
    return UndoResult(lid, tname, last["file_name"], removed, restored)


# ----------------------------------------------------------------------------- saved mappings
def save_mapping(con: duckdb.DuckDBPyConnection, name: str, table: str, mapping: Mapping) -> None:
    """Save (or overwrite) a named mapping for a table."""
    _check_table(table)
    name = (name or "").strip()
    if not name:
        raise IngestError("no_map_name", "give the mapping a name")
    with writing(con) as cur:
        cur.execute(f"""INSERT INTO {schema.COLUMN_MAPS} VALUES (?, ?, ?, ?)
                        ON CONFLICT (name, table_name) DO UPDATE SET mapping = excluded.mapping,
                        saved_at = excluded.saved_at""",
                    [name, table, mapping.to_json(), dt.datetime.now().replace(microsecond=0)])


def saved_mappings(cur: duckdb.DuckDBPyConnection, table: str) -> dict[str, Mapping]:
    """Named mappings saved for ``table``, by name."""
    rows = cur.execute(f"SELECT name, mapping FROM {schema.COLUMN_MAPS} WHERE table_name = ? ORDER BY name",
                       [table]).fetchall()
    return {n: Mapping.from_json(m) for n, m in rows}


def saved_mapping(cur: duckdb.DuckDBPyConnection, table: str, name: str) -> Mapping:
    maps = saved_mappings(cur, table)
    if name not in maps:
        raise IngestError("no_such_map", f"no mapping named {name!r} is saved for {table}", name=name)
    return maps[name]
