"""Named saved views in table ``saved_views``: a JSON payload per name, of one kind (``story``, …).

The store keeps the rows and their audit trail; what a payload means belongs to its kind's owner
(:mod:`presentation.saved` for stories). A name is unique across kinds. :func:`put` and
:func:`remove` write, so they run inside :func:`analytics.store.db.write`, whose transaction
holds the change and its audit row together.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from analytics.store import audit, schema


@dataclass(frozen=True)
class SavedView:
    """One row of ``saved_views``."""

    name: str
    kind: str
    payload: str
    saved_at: dt.datetime | None


def get(cur: duckdb.DuckDBPyConnection, name: str, kind: str) -> SavedView | None:
    """The saved view ``name`` of ``kind``, or None."""
    row = cur.execute(f"SELECT payload, saved_at FROM {schema.SAVED_VIEWS} WHERE name = ? AND kind = ?",
                      [name, kind]).fetchone()
    return None if row is None else SavedView(name, kind, row[0], row[1])


def names(cur: duckdb.DuckDBPyConnection, kind: str) -> list[str]:
    """Names of the saved views of ``kind``, most recently saved first."""
    rows = cur.execute(f"SELECT name FROM {schema.SAVED_VIEWS} WHERE kind = ? ORDER BY saved_at DESC, name",
                       [kind]).fetchall()
    return [r[0] for r in rows]


def listed(cur: duckdb.DuckDBPyConnection, kind: str) -> list[SavedView]:
    """Every saved view of ``kind`` with its payload, most recently saved first (the order of :func:`names`)."""
    rows = cur.execute(f"""SELECT name, payload, saved_at FROM {schema.SAVED_VIEWS} WHERE kind = ?
                           ORDER BY saved_at DESC, name""", [kind]).fetchall()
    return [SavedView(n, kind, p, s) for n, p, s in rows]


def put(cur: duckdb.DuckDBPyConnection, name: str, kind: str, payload: str, saved_at: dt.datetime,
        user: str | None = None) -> None:
    """Save (or replace) ``name`` with an audit row; call inside :func:`analytics.store.db.write`.

    Raises ValueError when the name is used by a saved view of another kind.
    """
    row = cur.execute(f"SELECT kind, payload FROM {schema.SAVED_VIEWS} WHERE name = ?", [name]).fetchone()
    if row is not None and row[0] != kind:
        raise ValueError(f"the name {name!r} is already used by a saved {row[0]}")
    cur.execute(
        f"""INSERT INTO {schema.SAVED_VIEWS} (name, kind, payload, saved_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, payload = excluded.payload,
            saved_at = excluded.saved_at""",
        [name, kind, payload, saved_at])
    audit.record(cur, schema.SAVED_VIEWS, name, "insert" if row is None else "update",
                 {"payload": (row[1] if row else None, payload)}, user=user)


def remove(cur: duckdb.DuckDBPyConnection, name: str, kind: str, user: str | None = None) -> bool:
    """Delete ``name`` of ``kind`` with an audit row (inside :func:`analytics.store.db.write`);
    False when there is no such saved view."""
    row = cur.execute(f"SELECT payload FROM {schema.SAVED_VIEWS} WHERE name = ? AND kind = ?",
                      [name, kind]).fetchone()
    if row is None:
        return False
    cur.execute(f"DELETE FROM {schema.SAVED_VIEWS} WHERE name = ? AND kind = ?", [name, kind])
    audit.record(cur, schema.SAVED_VIEWS, name, "delete", {"payload": (row[0], None)}, user=user)
    return True
