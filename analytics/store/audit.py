"""The audit log: who changed what, when, from which value to which.

Every write made by a person (a form, the rate editor, an upload, an undo) records one row per
changed column inside the same transaction as the change, so the log and the data never disagree.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from collections.abc import Mapping

import duckdb
import pandas as pd

from analytics.store import schema


def current_user() -> str:
    """The acting user when nobody signed in (the command line, the app in single-user mode):
    ``$CVM_USER``, else the operating-system account. The app passes the signed-in user's name."""
    try:
        return os.environ.get("CVM_USER") or getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        return "unknown"


def _text(v: object) -> str | None:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return str(v)


def record(
    cur: duckdb.DuckDBPyConnection,
    table: str,
    record_key: str,
    action: str,
    changes: Mapping[str, tuple[object, object]] | None = None,
    user: str | None = None,
) -> int:
    """Append audit rows for one record; call inside :func:`analytics.store.db.write`.

    ``action`` is ``insert``, ``update``, ``delete``, ``load``, ``undo`` …; ``changes`` maps a
    column to ``(old, new)`` (a single row with no column when empty). Returns rows written.
    """
    if table not in schema.TABLES and table not in (schema.INGEST_LOG, schema.SAVED_VIEWS, schema.USERS):
        raise ValueError(f"unknown table {table!r}")
    who = user or current_user()
    now = dt.datetime.now().replace(microsecond=0)
    items = list((changes or {}).items()) or [(None, (None, None))]
    start = cur.execute(f"SELECT coalesce(max(audit_id), 0) FROM {schema.AUDIT_LOG}").fetchone()[0]
    rows = [(start + i + 1, table, record_key, action, col, _text(old), _text(new), who, now)
            for i, (col, (old, new)) in enumerate(items)]
    cur.executemany(f"INSERT INTO {schema.AUDIT_LOG} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


def history(cur: duckdb.DuckDBPyConnection, table: str | None = None, limit: int | None = 500,
            user: str | None = None) -> pd.DataFrame:
    """The latest audit rows, newest first: ``changed_at, user_name, table_name, record_key, action,
    column_name, old_value, new_value``; of one table and/or one user when given; every row when
    ``limit`` is None."""
    parts, params = [], []
    if table:
        parts.append("table_name = ?")
        params.append(table)
    if user:
        parts.append("user_name = ?")
        params.append(user)
    where = f"WHERE {' AND '.join(parts)}" if parts else ""
    top = "" if limit is None else f"LIMIT {int(limit)}"
    return cur.execute(
        f"""SELECT changed_at, user_name, table_name, record_key, action, column_name, old_value, new_value
            FROM {schema.AUDIT_LOG} {where} ORDER BY audit_id DESC {top}""",
        params,
    ).df()


def user_names(cur: duckdb.DuckDBPyConnection) -> list[str]:
    """Every user name in the audit log, sorted (the choices of its user filter)."""
    rows = cur.execute(f"SELECT DISTINCT user_name FROM {schema.AUDIT_LOG} WHERE user_name IS NOT NULL ORDER BY 1")
    return [r[0] for r in rows.fetchall()]
