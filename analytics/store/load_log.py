"""Reads of the load log (table ``ingest_log``) for code outside the ingest engine.

The engine (:mod:`analytics.ingest`) writes the log and lists loads for undo; this module answers
the questions others ask of it, such as when data were last loaded.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from analytics.store import schema


def last_loaded(cur: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    """When the latest load that was not undone ran; None when nothing was loaded (demo data)."""
    row = cur.execute(f"SELECT max(loaded_at) FROM {schema.INGEST_LOG} WHERE undone_at IS NULL").fetchone()
    return row[0] if row and row[0] is not None else None
