"""The process's DuckDB connection and cached analytics results.

One connection per process (``st.cache_resource``); every call runs on a cursor of its own, so
concurrent sessions never read each other's results. Results are cached with ``st.cache_data``,
keyed by the function, the filter, its arguments and the store's data version, so that any
write (an upload, a rate change) refreshes every view at once, in every session.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import streamlit as st

from analytics.store import db

T = TypeVar("T")
_first_start = threading.Lock()


@st.cache_resource(show_spinner=False)
def _connection(path: str) -> tuple[duckdb.DuckDBPyConnection, bool]:
    existed = Path(path).exists()
    return db.connect(path), not existed


def db_path() -> str:
    return str(db.default_db_path())


def connection() -> duckdb.DuckDBPyConnection:
    """The shared connection to ``$CVM_DB`` (or data/cvm.duckdb)."""
    return _connection(db_path())[0]


def created_now() -> bool:
    """True when this process created the database file (so it is empty and may get demo data)."""
    return _connection(db_path())[1]


def first_start_lock() -> threading.Lock:
    """Held while the demo database is generated, so two first visitors do not both generate it."""
    return _first_start


def data_version() -> int:
    with db.cursor(connection()) as cur:
        return db.data_version(cur)


class _FrozenDict(tuple):
    """A dict argument in hashable form (for the cache key); turned back into a dict for the call."""


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return _FrozenDict(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, set)):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, _FrozenDict):
        return {k: _thaw(v) for k, v in value}
    if type(value) is tuple:  # lists were frozen into tuples; their items may be frozen dicts
        return tuple(_thaw(v) for v in value)
    return value


@st.cache_data(show_spinner=False, max_entries=1024, ttl=6 * 3600)
def _run(path: str, version: int, target: str, args: tuple[Any, ...], kwargs: tuple[tuple[str, Any], ...]) -> Any:
    module, name = target.split(":")
    fn = getattr(importlib.import_module(module), name)
    with db.cursor(_connection(path)[0]) as cur:
        return fn(cur, *(_thaw(a) for a in args), **{k: _thaw(v) for k, v in kwargs})


def run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(cursor, *args, **kwargs)`` for an analytics function, cached per data version.

    Arguments must be hashable (a :class:`analytics.filters.Filters`, strings, numbers, dates,
    tuples) or dicts and lists (frozen for the key, passed back as they were).
    """
    target = f"{fn.__module__}:{fn.__qualname__}"
    frozen = tuple(sorted((k, _freeze(v)) for k, v in kwargs.items()))
    return _run(db_path(), data_version(), target, tuple(_freeze(a) for a in args), frozen)


def clear() -> None:
    """Drop every cached result (after a write that bypassed the data version, e.g. in tests)."""
    _run.clear()
