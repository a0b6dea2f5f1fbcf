"""The ingest engine: check and load a staged file in one transaction, the load log, undo of the
last load, and saved column mappings (see :mod:`analytics.ingest` for the whole flow).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from analytics.filters import Allowance
from analytics.ingest import scope
from analytics.ingest.mapping import CUSTOMER_ATTRIBUTES, UPLOAD_TABLES, Mapping, Options, check_table
from analytics.ingest.read import LIMITS, IngestError, Limits, Progress, Sniff, Staged, drop, stage
from analytics.ingest.read.common import run_with_progress
from analytics.ingest.validate import ISSUES, TYPED, Report, update_condition, validate_staged
from analytics.store import aggregates, audit, backup, db, schema

KEEP_REPLACED_LOADS = 10
REPLACE_MODES = ("replace_period", "replace_table")
DATED_TABLES = (schema.TRANSACTIONS, schema.ACTIVITIES, schema.ACTIVITY_RATES)


# ----------------------------------------------------------------------------- check and load
def _drop_work(cur: duckdb.DuckDBPyConnection, staged: Staged | None) -> None:
    for t in (TYPED, ISSUES):
        cur.execute(f"DROP TABLE IF EXISTS {t}")
    if staged is not None:
        drop(cur, staged)


def check(con: duckdb.DuckDBPyConnection, path: str | Path, sniffed: Sniff, opts: Options,
          progress: Progress | None = None, limits: Limits = LIMITS, *, create_customers: bool = False,
          allowance: Allowance | None = None) -> Report:
    """Read and validate the whole file without writing anything (a dry run); ``create_customers`` and
    ``allowance`` as in :func:`load`."""
    _whole_store_mode(opts, allowance)
    with db.cursor(con) as cur:
        staged = None
        try:
            staged = stage(cur, path, sniffed, progress=progress, limits=limits)
            rep = validate_staged(cur, staged, sniffed, opts, progress, create_customers=create_customers)
            scope.check_file(cur, schema.TABLES[opts.table], staged, sniffed.file_name, _sources(opts), allowance)
            return rep
        finally:
            _drop_work(cur, staged)


def _whole_store_mode(opts: Options, allowance: Allowance | None) -> None:
    """A replacing load removes rows of every customer: refused for a restricted user."""
    if opts.mode in REPLACE_MODES:
        scope.whole_store(allowance, "a load that replaces rows")


def _sources(opts: Options) -> dict[str, str | None]:
    """The table's columns -> the file's columns they are read from (for messages naming the column)."""
    return dict(opts.mapping.columns)


@contextmanager
def writing(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """:func:`analytics.store.db.write`, reporting a write conflict (another session changing the same rows at
    the same moment; DuckDB aborts one of them) as :class:`IngestError` ``busy`` — nothing was written."""
    try:
        with db.write(con) as cur:
            yield cur
    except duckdb.TransactionException as exc:
        raise IngestError("busy", "another change was being saved at the same moment; nothing was written, "
                          "try again") from exc


def _shadow(table: str) -> str:
    return schema.shadow_name(table)


def _row_cols(table: schema.Table) -> str:
    """A row's stored content: the contract's columns and the ``load_id`` that wrote it."""
    return ", ".join((*table.column_names, "load_id"))


def _content(cur: duckdb.DuckDBPyConnection, table: schema.Table, source: str, where: str = "TRUE",
             params: Any = None) -> tuple[int, int]:
    """Row count and order-independent content hash (sum of row hashes) of ``source``'s rows.

    Both come from one scan of every column, so rows that the engine counts but does not return
    show up as a difference (``count(*)`` alone may be answered from metadata).
    """
    n, h = cur.execute(f"SELECT count(*), coalesce(sum(hash({_row_cols(table)})), 0)::VARCHAR "
                       f"FROM {source} WHERE {where}", params).fetchone()
    return int(n), int(h)


def _record_key_sql(table: schema.Table) -> str:
    """A row's key as the audit log writes it (``C001``; ``visit@2024-01-01`` for two-column keys)."""
    parts = [f"CAST({k} AS VARCHAR)" for k in table.key]
    return parts[0] if len(parts) == 1 else f"concat_ws('@', {', '.join(parts)})"


def _months(cur: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> set[dt.date]:
    return {r[0] for r in cur.execute(sql, params).fetchall() if r[0] is not None}


def load(con: duckdb.DuckDBPyConnection, path: str | Path, sniffed: Sniff, opts: Options, *,
         user: str | None = None, progress: Progress | None = None, limits: Limits = LIMITS,
         origin: dict[str, Any] | None = None, create_customers: bool = False,
         allowance: Allowance | None = None) -> Report:
    """Read, validate and write the file in one transaction (all valid rows or nothing).

    ``origin`` describes where the file came from (a database query, see
    :mod:`analytics.ingest.database`); it is kept in the load log's JSON as ``source``.

    ``create_customers``: customers the rows name that the store lacks are created in the same
    transaction (name = id, type ``unknown``, no segment or region, ``load_id`` this load's) instead
    of rejecting those rows; the report counts them (``customers_created``) and undoing the load
    removes them again. A later customer file (mode ``update``) fills in what they lack.

    A replace-mode load first copies the store into ``backups/`` beside it
    (:func:`analytics.store.backup.auto_backup`, the latest five kept); when the copy fails the load is
    refused (``copy_failed``) before anything is written.

    Refuses (:class:`IngestError` carrying the report) when the file was already loaded, a date
    column is ambiguous, no row is valid, or rows were rejected and ``opts.on_reject`` is
    ``refuse``. Returns the report with ``load_id`` and ``written`` set.

    ``allowance``: the signed-in user's (:mod:`analytics.ingest.scope`): a row of a customer outside it,
    a replacing load or a load of activity rates is refused (nothing written) for a restricted user.
    """
    t0 = time.perf_counter()
    table = schema.TABLES[opts.table]
    who = user or audit.current_user()
    _whole_store_mode(opts, allowance)
    if opts.mode in REPLACE_MODES:
        _copy_before_replacing(con)
    with writing(con) as cur:
        staged = stage(cur, path, sniffed, progress=progress, limits=limits)
        rep = validate_staged(cur, staged, sniffed, opts, progress, create_customers=create_customers)
        scope.check_file(cur, table, staged, sniffed.file_name, _sources(opts), allowance)
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
        replaced = replaced_hash = 0
        if opts.mode != "append":
            if opts.mode == "update":
                cond, cparams = update_condition(table), None
            elif opts.mode == "replace_table":
                cond, cparams = "TRUE", None
            else:
                cond, cparams = f"{d} BETWEEN $a AND $b", {"a": opts.period[0], "b": opts.period[1]}
            # Backup rows left by loads the log no longer knows (``demo`` empties the log and load ids
            # start again at 1) would be restored with this load's: drop them first.
            _purge_orphan_shadows(cur)
            row_cols = _row_cols(table)
            cur.execute(f"INSERT INTO {_shadow(table.name)} ({row_cols}, replaced_by) "
                        f"SELECT {row_cols}, {int(load_id)} FROM {table.name} WHERE {cond}", cparams)
            if table.name in DATED_TABLES:
                months |= _months(cur, f"SELECT DISTINCT date_trunc('month', {d}) FROM {table.name} WHERE {cond}", cparams)
            replaced = cur.execute(f"DELETE FROM {table.name} WHERE {cond}", cparams).fetchone()[0]
            # What undo must give back, read from the backup itself: undo compares it with what it restores.
            kept, replaced_hash = _content(cur, table, _shadow(table.name), f"replaced_by = {int(load_id)}")
            if kept != replaced:
                raise IngestError("backup_failed", f"the {replaced:,} rows being replaced could not be kept for undo "
                                  f"(kept {kept:,}); nothing was loaded", report=rep, replaced=replaced, kept=kept)
            _trim_shadows(cur)
        if progress:
            progress("write", 0.2)
        names = [c for c in table.column_names if c in rep.columns]
        # Rejected rows are left out (an anti-join only when there are any).
        keep = f"WHERE t._ord NOT IN (SELECT _ord FROM {ISSUES} WHERE _ord IS NOT NULL)" if rep.rejected else ""
        others = [c for c in table.column_names if c not in rep.columns]
        defaulted = {c for c, _ in rep.assumed}
        if opts.mode == "update" and (others or defaulted) and replaced:
            # Updating by key: columns the file does not carry keep the replaced row's values (a default
            # such as customer type 'unknown' only fills a row that is new).
            on = " AND ".join(f"o.{k} = t.v_{k}" for k in table.key)
            given = [f"coalesce(o.{c}, t.v_{c})" if c in defaulted else f"t.v_{c}" for c in names]
            insert = (f"INSERT INTO {table.name} ({', '.join(names + others)}, load_id) "
                      f"SELECT {', '.join(given + [f'o.{c}' for c in others])}, {int(load_id)} "
                      f"FROM {TYPED} t LEFT JOIN (SELECT * FROM {_shadow(table.name)} WHERE replaced_by = {int(load_id)}) o "
                      f"ON {on} {keep}")
        else:
            insert = (f"INSERT INTO {table.name} ({', '.join(names)}, load_id) "
                      f"SELECT {', '.join(f't.v_{c}' for c in names)}, {int(load_id)} FROM {TYPED} t {keep}")
        try:
            run_with_progress(cur, insert, None, progress, "write", 0.2, 0.8)
        except duckdb.ConstraintException as exc:
            raise IngestError("constraint", f"the store refused the rows: {str(exc).splitlines()[0]}",
                              report=rep) from None
        written = cur.execute(f"SELECT count(*) FROM {table.name} WHERE load_id = ?", [load_id]).fetchone()[0]
        created = _create_customers(cur, table, int(load_id), keep) if create_customers and rep.new_customers else 0
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
                "replaced": replaced, "replaced_hash": str(replaced_hash) if opts.mode != "append" else None,
                "on_reject": opts.on_reject, "kind": staged.kind, "customers_created": created}
        if origin:
            meta["source"] = origin
        p_from, p_to = (opts.period if opts.mode == "replace_period" else rep.period)
        cur.execute(f"INSERT INTO {schema.INGEST_LOG} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                    [load_id, opts.table, sniffed.file_name, staged.sha256, written, opts.mode, who,
                     dt.datetime.now().replace(microsecond=0), json.dumps(meta, ensure_ascii=False, default=str),
                     p_from, p_to])
        audit.record(cur, opts.table, f"load {load_id}", "load",
                     {"rows": (replaced if opts.mode != "append" else None, written), "file": (None, sniffed.file_name)},
                     user=who)
        if created:
            audit.record(cur, schema.CUSTOMERS, f"load {load_id}", "load", {"rows": (None, created)}, user=who)
        _drop_work(cur, staged)
    if progress:
        progress("write", 1.0)
    return replace(rep, load_id=load_id, written=written, customers_created=created,
                   seconds=time.perf_counter() - t0)


def _copy_before_replacing(con: duckdb.DuckDBPyConnection) -> None:
    """The automatic copy before a load that replaces rows; refuses the load when it fails."""
    try:
        backup.auto_backup(con)
    except (db.DatabaseError, OSError) as exc:
        where = backup.store_path(con)
        folder = where.parent / backup.BACKUP_DIR if where else backup.BACKUP_DIR
        raise IngestError("copy_failed", f"the copy of the store taken before a replacing load failed ({exc}); "
                          "nothing was loaded (free disk space or fix the folder's permissions, then try again)",
                          folder=str(folder), reason=str(exc)) from exc


def _create_customers(cur: duckdb.DuckDBPyConnection, table: schema.Table, load_id: int, keep: str) -> int:
    """Create the customers that load ``load_id``'s valid rows name and the store lacks: name = id,
    type ``unknown`` (the contract's defaults), every other attribute unknown — except the name and
    region a transactions file gives (``mapping.CUSTOMER_ATTRIBUTES``: 客户名称, Country), the
    smallest value where a customer's rows differ. Returns how many."""
    col = next(c.name for c in table.columns if c.references == f"{schema.CUSTOMERS}.customer_id")
    where = f"{keep} {'AND' if keep else 'WHERE'} t.v_{col} IS NOT NULL"
    cust = schema.TABLES[schema.CUSTOMERS]
    typed = {d[0] for d in cur.execute(f"SELECT * FROM {TYPED} LIMIT 0").description}
    given = {attr: f"min(t.v_{target})" for target, attr in CUSTOMER_ATTRIBUTES.items() if f"v_{target}" in typed}
    name = f"coalesce({given.pop('name')}, t.v_{col})" if "name" in given else f"t.v_{col}"
    extra = "".join(f", {attr}" for attr in given)
    return cur.execute(
        f"""INSERT INTO {schema.CUSTOMERS} (customer_id, name, customer_type{extra}, load_id)
            SELECT t.v_{col}, {name}, {_lit(cust.column('customer_type').default)}{''.join(f', {v}' for v in given.values())},
                   {load_id}
            FROM {TYPED} t {where} AND t.v_{col} NOT IN (SELECT customer_id FROM {schema.CUSTOMERS})
            GROUP BY t.v_{col}""").fetchone()[0]


def _lit(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


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
        cur.execute(f"DELETE FROM {_shadow(t)} WHERE replaced_by < ?", [keep])


def _purge_orphan_shadows(cur: duckdb.DuckDBPyConnection) -> None:
    """Drop backup rows of loads that are not in the log, or were undone (their rows are back)."""
    for t in UPLOAD_TABLES:
        cur.execute(f"""DELETE FROM {_shadow(t)} WHERE replaced_by NOT IN (
                          SELECT load_id FROM {schema.INGEST_LOG} WHERE undone_at IS NULL)""")


def _table_exists(cur: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(cur.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary",
                            [name]).fetchone()[0])


# ----------------------------------------------------------------------------- log and undo
def loads(cur: duckdb.DuckDBPyConnection, limit: int = 100) -> pd.DataFrame:
    """The latest loads, newest first: ``load_id, table_name, file_name, rows, mode, user_name,
    loaded_at, period_from, period_to, undone_at, rejected, replaced, sha256``, and whether each can
    be undone now: ``undoable`` (bool), ``undo_code`` (None, or the :class:`UndoCheck` code saying
    why not), ``undo_note`` (that reason in English) and ``undo_params`` (its details)."""
    df = cur.execute(
        f"""SELECT load_id, table_name, file_name, rows, mode, user_name, loaded_at, period_from, period_to,
                   undone_at, mapping, sha256 FROM {schema.INGEST_LOG} ORDER BY load_id DESC LIMIT {int(limit)}""").df()
    meta = [json.loads(m) if isinstance(m, str) and m else {} for m in df["mapping"]]
    df["rejected"] = [m.get("rejected", 0) for m in meta]
    df["replaced"] = [m.get("replaced", 0) for m in meta]
    df = df.drop(columns=["mapping"])
    last = last_load(cur)
    kept = {t: _kept_counts(cur, t) for t in set(df["table_name"])}
    checks = [_undo_check(cur, r, last, kept[r["table_name"]]) for r in df.to_dict("records")]
    df["undoable"] = [c.ok for c in checks]
    df["undo_code"] = pd.Series([c.code for c in checks], index=df.index, dtype=object)  # None stays None
    df["undo_note"] = [c.message for c in checks]
    df["undo_params"] = pd.Series([c.params for c in checks], index=df.index, dtype=object)
    return df


def last_load(cur: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The most recent load not yet undone (the one :func:`undo_last` would undo)."""
    row = cur.execute(
        f"""SELECT load_id, table_name, file_name, rows, mode, user_name, loaded_at, undone_at, mapping
            FROM {schema.INGEST_LOG} WHERE undone_at IS NULL ORDER BY load_id DESC LIMIT 1""").fetchone()
    if row is None:
        return None
    out = dict(zip(("load_id", "table_name", "file_name", "rows", "mode", "user_name", "loaded_at", "undone_at"),
                   row[:8], strict=True))
    meta = json.loads(row[8]) if row[8] else {}
    out["replaced"] = meta.get("replaced", 0)
    return out


@dataclass(frozen=True)
class UndoCheck:
    """Whether a load can be undone now and, when not, why.

    ``code`` (None when ``ok``) is one of ``undone`` (already undone), ``later_load`` (later loads
    stand; undo is newest first), ``undo_unavailable`` (the rows it replaced are no longer kept),
    ``later_changes`` (a form or the rate editor changed rows of the load, or rows it replaced,
    after it: undoing would discard that work). ``message`` says it in English; ``params`` carry
    the details (``load_id``, ``later``, ``table``, ``record``, ``action``, ``user``, ``when``, ``n``,
    ``replaced``, ``kept``).
    """

    load_id: int
    ok: bool
    code: str | None = None
    message: str = ""
    params: dict[str, Any] = field(default_factory=dict)


def undo_check(cur: duckdb.DuckDBPyConnection, load_id: int | None = None) -> UndoCheck | None:
    """Whether load ``load_id`` (default: the latest one standing) can be undone now; None when
    there is no such load."""
    where, params = ("load_id = ?", [load_id]) if load_id is not None else ("undone_at IS NULL", [])
    row = cur.execute(f"SELECT load_id, table_name, mode, loaded_at, undone_at, mapping FROM {schema.INGEST_LOG} "
                      f"WHERE {where} ORDER BY load_id DESC LIMIT 1", params).fetchone()
    if row is None:
        return None
    meta = json.loads(row[5]) if row[5] else {}
    rec = dict(zip(("load_id", "table_name", "mode", "loaded_at", "undone_at"), row[:5], strict=True))
    rec["replaced"] = meta.get("replaced", 0)
    return _undo_check(cur, rec, last_load(cur), _kept_counts(cur, rec["table_name"]))


def _kept_counts(cur: duckdb.DuckDBPyConnection, table: str) -> dict[int, int]:
    """Backup rows kept per replacing load of ``table`` (empty when a read-only older store has no shadow)."""
    if not _table_exists(cur, _shadow(table)):
        return {}
    return dict(cur.execute(f"SELECT replaced_by, count(*) FROM {_shadow(table)} GROUP BY 1").fetchall())


def _undo_check(cur: duckdb.DuckDBPyConnection, rec: dict[str, Any], last: dict[str, Any] | None,
                kept: dict[int, int]) -> UndoCheck:
    lid = int(rec["load_id"])
    undone = rec.get("undone_at")
    if undone is not None and not pd.isna(undone):
        return UndoCheck(lid, False, "undone", f"undone on {undone}", {"load_id": lid, "when": str(undone)})
    replaced = int(rec.get("replaced") or 0)
    if rec["mode"] != "append" and kept.get(lid, 0) != replaced:
        n = kept.get(lid, 0)
        why = (f"the {replaced:,} rows it replaced are no longer kept (only the latest {KEEP_REPLACED_LOADS} "
               "replacing loads keep theirs)" if n == 0 else f"only {n:,} of the {replaced:,} rows it replaced are kept")
        return UndoCheck(lid, False, "undo_unavailable", why, {"load_id": lid, "replaced": replaced, "kept": n})
    if last is not None and int(last["load_id"]) != lid:
        later = int(last["load_id"])
        return UndoCheck(lid, False, "later_load", f"load #{later} came after it: undo the later loads first, "
                         "newest first", {"load_id": lid, "later": later})
    edited = rec["table_name"]
    edit = _later_changes(cur, schema.TABLES[edited], lid, rec.get("loaded_at"))
    if edit is None and edited != schema.CUSTOMERS and _customers_created(cur, lid):
        # Customers the load created and a form corrected since: undoing would discard that correction.
        edited = schema.CUSTOMERS
        edit = _later_changes(cur, schema.TABLES[edited], lid, rec.get("loaded_at"))
    if edit is not None:
        key, action, when, user, n = edit
        what = {"insert": "added", "update": "corrected", "delete": "deleted", "set_aside": "set aside"}.get(
            action, action)
        more = f" ({n:,} records changed since)" if n > 1 else ""
        return UndoCheck(lid, False, "later_changes",
                         f"{edited} {key} was {what} by {user} on {when}, after load #{lid}{more}; "
                         "undoing the load would discard that change, so it can no longer be undone: correct "
                         "the rows by hand or load a corrected file instead",
                         {"load_id": lid, "table": edited, "record": key, "action": action,
                          "user": user, "when": str(when), "n": n})
    return UndoCheck(lid, True, None, "can be undone", {"load_id": lid})


def _later_changes(cur: duckdb.DuckDBPyConnection, table: schema.Table, lid: int,
                   loaded_at: Any) -> tuple[str, str, Any, str, int] | None:
    """The first change by a form or the rate editor, made after load ``lid``, to a row the load
    wrote or replaced: ``(key, action, when, user, records changed)``; None when there is none.

    Every such writer audits the record's key inside its own transaction (:mod:`analytics.store.audit`),
    so the audit log after the load's own ``load`` row is the complete list of later changes.
    """
    since = cur.execute(f"SELECT max(audit_id) FROM {schema.AUDIT_LOG} WHERE action = 'load' AND record_key = ?",
                        [f"load {lid}"]).fetchone()[0]
    after, param = ("audit_id > $since", since) if since is not None else ("changed_at >= $since", loaded_at)
    edits = (f"SELECT audit_id, record_key, action, changed_at, user_name FROM {schema.AUDIT_LOG} "
             f"WHERE table_name = $t AND action NOT IN ('load', 'undo') AND {after}")
    if not cur.execute(f"SELECT count(*) FROM ({edits})", {"t": table.name, "since": param}).fetchone()[0]:
        return None  # the usual case: no key set to build
    key = _record_key_sql(table)
    replaced = (f" UNION ALL SELECT {key} FROM {_shadow(table.name)} WHERE replaced_by = $lid"
                if _table_exists(cur, _shadow(table.name)) else "")  # an older store opened read-only
    rows = cur.execute(
        f"""WITH e AS ({edits}),
                 hit AS (SELECT * FROM e WHERE record_key IN (
                     SELECT {key} FROM {table.name} WHERE load_id = $lid{replaced}))
            SELECT record_key, action, changed_at, user_name, (SELECT count(DISTINCT record_key) FROM hit)
            FROM hit ORDER BY audit_id LIMIT 1""", {"t": table.name, "since": param, "lid": lid}).fetchone()
    return None if rows is None else (rows[0], rows[1], rows[2], rows[3], int(rows[4]))


@dataclass(frozen=True)
class UndoResult:
    load_id: int
    table: str
    file_name: str
    removed: int
    restored: int
    customers_removed: int = 0  # customers the load had created (create_customers)


def undo_last(con: duckdb.DuckDBPyConnection, user: str | None = None,
              allowance: Allowance | None = None) -> UndoResult:
    """Undo the most recent load in one transaction: delete its rows and restore the rows it replaced.

    Refused (:class:`IngestError`, nothing changed) when :func:`undo_check` says the load cannot be
    undone (code ``later_changes`` or ``undo_unavailable``), or when what would be restored is not,
    row for row, what the load replaced (``undo_unavailable`` when the kept rows differ from the
    count and content hash logged at load time; ``undo_unverified`` when the table after the
    restore does not hold them), or when customers still referred to would go (``orphans``), or, for a
    restricted ``allowance``, when the load wrote or replaced rows outside it (``undo_outside_allowance``).
    """
    with writing(con) as cur:
        last = last_load(cur)
        if last is None:
            raise IngestError("nothing_to_undo", "there is no load to undo")
        lid, tname = int(last["load_id"]), last["table_name"]
        scope.check_undo(cur, lid, tname, _shadow(tname), allowance)
        check = _undo_check(cur, last, last, _kept_counts(cur, tname))
        if not check.ok:
            raise IngestError(check.code or "undo_unavailable", f"load #{lid} cannot be undone: {check.message}",
                              **check.params)
        table = schema.TABLES[tname]
        d = table.date_column
        restoring = last["mode"] != "append"
        months: set[dt.date] = set()
        if tname in (schema.TRANSACTIONS, schema.ACTIVITIES):
            months |= _months(cur, f"SELECT DISTINCT date_trunc('month', {d}) FROM {tname} WHERE load_id = ?", [lid])
        if restoring:
            # The table's content before, and the load's own rows, so that the restored rows can be
            # measured in the table afterwards (hashes are sums: they subtract).
            n0, h0 = _content(cur, table, tname)
            n_own, h_own = _content(cur, table, tname, f"load_id = {lid}")
        removed = cur.execute(f"DELETE FROM {tname} WHERE load_id = ?", [lid]).fetchone()[0]
        restored = 0
        if restoring:
            meta = json.loads(cur.execute(f"SELECT mapping FROM {schema.INGEST_LOG} WHERE load_id = ?",
                                          [lid]).fetchone()[0] or "{}")
            kept_n, kept_h = _content(cur, table, _shadow(tname), f"replaced_by = {lid}")
            want_n = int(meta.get("replaced", 0))
            # Loads logged before the hash was recorded are checked by count (and below, by content).
            want_h = int(meta["replaced_hash"]) if meta.get("replaced_hash") is not None else kept_h
            if (kept_n, kept_h) != (want_n, want_h):
                raise IngestError("undo_unavailable", f"the rows replaced by load #{lid} cannot be read back as they "
                                  f"were ({kept_n:,} of {want_n:,} rows, or their content differs); nothing was "
                                  "changed", load_id=lid, kept=kept_n, replaced=want_n)
            cols = _row_cols(table)
            try:
                cur.execute(f"INSERT INTO {tname} ({cols}) SELECT {cols} FROM {_shadow(tname)} WHERE replaced_by = ?",
                            [lid])
            except duckdb.ConstraintException as exc:  # e.g. kept rows a later schema's checks refuse
                raise IngestError("undo_unavailable", f"the store refuses the rows load #{lid} replaced "
                                  f"({str(exc).splitlines()[0]}); nothing was changed", load_id=lid,
                                  kept=kept_n, replaced=want_n) from None
            n1, h1 = _content(cur, table, tname)
            got_n, got_h = n1 - (n0 - n_own), h1 - (h0 - h_own)
            if (removed, got_n, got_h) != (n_own, want_n, want_h):
                raise IngestError("undo_unverified", f"undoing load #{lid} would not give back exactly the rows it "
                                  f"replaced ({got_n:,} of {want_n:,} rows, or their content differs); nothing was "
                                  "changed", load_id=lid, restored=got_n, replaced=want_n)
            restored = got_n
            if tname in (schema.TRANSACTIONS, schema.ACTIVITIES):
                months |= _months(cur, f"SELECT DISTINCT date_trunc('month', {d}) FROM {_shadow(tname)} "
                                  "WHERE replaced_by = ?", [lid])
            cur.execute(f"DELETE FROM {_shadow(tname)} WHERE replaced_by = ?", [lid])
        created = _remove_created_customers(cur, lid, tname)
        if tname == schema.CUSTOMERS or created:
            _check_orphans(cur)
        if tname in (schema.TRANSACTIONS, schema.ACTIVITIES):
            aggregates.refresh(cur, months)
        elif tname == schema.ACTIVITY_RATES:
            aggregates.refresh(cur)
        cur.execute(f"UPDATE {schema.INGEST_LOG} SET undone_at = ? WHERE load_id = ?",
                    [dt.datetime.now().replace(microsecond=0), lid])
        audit.record(cur, tname, f"load {lid}", "undo", {"rows": (removed, restored)}, user=user)
        if created:
            audit.record(cur, schema.CUSTOMERS, f"load {lid}", "undo", {"rows": (created, 0)}, user=user)
    return UndoResult(lid, tname, last["file_name"], removed, restored, created)


def _customers_created(cur: duckdb.DuckDBPyConnection, lid: int) -> int:
    """How many customers load ``lid`` created (``create_customers``), from its log entry."""
    row = cur.execute(f"SELECT mapping FROM {schema.INGEST_LOG} WHERE load_id = ?", [lid]).fetchone()
    meta = json.loads(row[0]) if row and row[0] else {}
    return int(meta.get("customers_created") or 0)


def _remove_created_customers(cur: duckdb.DuckDBPyConnection, lid: int, tname: str) -> int:
    """Undo's part for the customers a load of another table created: remove exactly them, or refuse.

    Rows of other loads or forms that still name them are found by the orphan check that follows.
    """
    want = _customers_created(cur, lid) if tname != schema.CUSTOMERS else 0
    if not want:
        return 0
    removed = cur.execute(f"DELETE FROM {schema.CUSTOMERS} WHERE load_id = ?", [lid]).fetchone()[0]
    if removed != want:
        raise IngestError("undo_unverified", f"load #{lid} created {want:,} customers but {removed:,} are there to "
                          "remove; nothing was changed", load_id=lid, restored=removed, replaced=want)
    return int(removed)


# ----------------------------------------------------------------------------- saved mappings
def save_mapping(con: duckdb.DuckDBPyConnection, name: str, table: str, mapping: Mapping) -> None:
    """Save (or overwrite) a named mapping for a table."""
    check_table(table)
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
