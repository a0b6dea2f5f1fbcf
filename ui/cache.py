"""The process's DuckDB connection and cached analytics results.

One connection per process (``st.cache_resource``); every call runs on a cursor of its own, so
concurrent sessions never read each other's results. Results are cached in memory up to
``$CVM_CACHE_MB`` megabytes (least recently used first out), keyed by the function, the filter,
its arguments and the store's data version, so that any write (an upload, a rate change) refreshes
every view at once, in every session. Figures built from those results are cached by their
arguments (:func:`figure`).
"""

from __future__ import annotations

import hashlib
import importlib
import os
import pickle
import sys
import threading
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.store import db
from analytics.store.memo import Memo

T = TypeVar("T")
_first_start = threading.Lock()


@st.cache_resource(show_spinner=False)
def _connection(path: str) -> tuple[duckdb.DuckDBPyConnection, bool]:
    _memo()  # a malformed $CVM_CACHE_MB is said at the start, with the store's other settings
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


ENV_CACHE_MB = "CVM_CACHE_MB"  # the results cache's size in MB (default DEFAULT_CACHE_MB)
DEFAULT_CACHE_MB = 1024


def cache_budget() -> int:
    """The bytes the results cache may hold: ``$CVM_CACHE_MB`` megabytes, else :data:`DEFAULT_CACHE_MB`.
    A malformed value raises :class:`~analytics.store.db.DatabaseError` naming the variable (the app says so)."""
    raw = os.environ.get(ENV_CACHE_MB, "").strip()
    if not raw:
        return DEFAULT_CACHE_MB * 2**20
    if not raw.isdigit() or int(raw) < 1:
        raise db.DatabaseError(f"{ENV_CACHE_MB}={raw!r} is not a positive whole number of megabytes, e.g. 512")
    return int(raw) * 2**20


# Results, pickled, kept by bytes rather than by count: a page's results of 100,000 customers weigh about 25 times
# those of the demo's 4,000, and 1,024 entries of them (st.cache_data's limit before) could hold gigabytes. Every
# reader gets its own copy (unpickled), as st.cache_data gave, so a page that changes a frame changes only its own.
_results: Memo[bytes] | None = None  # made on first use, with the budget of that moment
_computing: dict[Hashable, threading.Lock] = {}  # one computation per key at a time; the others wait for it
_computing_lock = threading.Lock()


def _memo() -> Memo[bytes]:
    global _results
    with _computing_lock:
        if _results is None:
            _results = Memo(100_000, weigh=len, budget=cache_budget())
        return _results


def _key(path: str, version: int, target: str, args: tuple[Any, ...], kwargs: tuple[tuple[str, Any], ...]) -> Hashable:
    try:
        key = (path, version, target, args, kwargs)
        hash(key)
        return key
    except TypeError:  # an argument Python cannot hash (a frame of what-if rates): its pickle identifies it
        digest = hashlib.sha256(pickle.dumps((args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)).hexdigest()
        return (path, version, target, digest)


def _run(path: str, version: int, target: str, args: tuple[Any, ...], kwargs: tuple[tuple[str, Any], ...]) -> Any:
    key, results = _key(path, version, target, args, kwargs), _memo()
    if (blob := results.get(key)) is not None:
        return pickle.loads(blob)
    with _computing_lock:
        lock = _computing.setdefault(key, threading.Lock())
    with lock:
        try:
            if (blob := results.get(key)) is not None:  # computed by the session it waited for
                return pickle.loads(blob)
            module, name = target.split(":")
            fn = getattr(importlib.import_module(module), name)
            with db.cursor(_connection(path)[0]) as cur:
                value = fn(cur, *(_thaw(a) for a in args), **{k: _thaw(v) for k, v in kwargs})
            results.put(key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
            return value
        finally:
            with _computing_lock:
                _computing.pop(key, None)


def results_bytes() -> int:
    """What the results cache holds, in bytes (pickled)."""
    return _memo().weight


_versions: dict[str, int] = {}  # store -> the data version its cached results were last computed for
_versions_lock = threading.Lock()


def _forget_older(path: str, version: int) -> None:
    """On the first call after a write, drop every cached result and figure: they belong to the data before
    it and are never read again (every key holds the data version), yet would stay in memory for the cache's
    6 hours. With 20 sessions each write left a full set of results of the old data behind (bench.load)."""
    with _versions_lock:
        seen = _versions.get(path)
        _versions[path] = version
    if seen is not None and seen != version:
        clear()


def run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(cursor, *args, **kwargs)`` for an analytics function, cached per data version.

    Arguments must be hashable (a :class:`analytics.filters.Filters`, strings, numbers, dates,
    tuples) or dicts and lists (frozen for the key, passed back as they were).
    """
    target = f"{fn.__module__}:{fn.__qualname__}"
    frozen = tuple(sorted((k, _freeze(v)) for k, v in kwargs.items()))
    path, version = db_path(), data_version()
    _forget_older(path, version)
    return _run(path, version, target, tuple(_freeze(a) for a in args), frozen)


def clear() -> None:
    """Drop every cached result and figure (after a write that bypassed the data version, e.g. in tests)."""
    _memo().clear()
    _built.clear()


def _frame_digest(obj: pd.DataFrame | pd.Series) -> bytes:
    """Every row of a frame, its index, columns and types. Streamlit's own hash samples frames of
    50,000 rows and more: two large maps differing only in rows left out would share a figure."""
    try:
        rows = pd.util.hash_pandas_object(obj, index=True).to_numpy().tobytes()
    except TypeError:  # cells pandas cannot hash (lists): their pickle
        rows = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    shape = repr(list(obj.dtypes.items())) if isinstance(obj, pd.DataFrame) else repr((obj.name, obj.dtype))
    return hashlib.sha256(shape.encode() + rows).digest()


@st.cache_data(show_spinner=False, max_entries=256, ttl=6 * 3600,
               hash_funcs={pd.DataFrame: _frame_digest, pd.Series: _frame_digest})
def _built(target: str, args: tuple[Any, ...], kwargs: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    module, name = target.split(":")
    builder = getattr(importlib.import_module(module), name)
    return builder(*args, **dict(kwargs)).to_plotly_json()  # its validated properties; the cache keeps a copy


def figure(builder: Callable[..., go.Figure], *args: Any, **kwargs: Any) -> go.Figure:
    """``builder(*args, **kwargs)`` (a :mod:`charts` function), built once per distinct arguments.

    Plotly validates every property as a figure is built: 0.1-0.2 s a chart on 2 cores, most of a
    warm page switch once the results are cached. The builders are pure functions of their
    arguments (results of :func:`run`, the translator, labels), so the figure is cached by their
    content: new data give new results and a new figure. The caller gets a fresh figure made from
    the stored, already validated spec without validating it again (a few ms); it may change it
    (title fitting, the partial-month mark) without touching the cache. Its numeric arrays are in
    Plotly's validated form (``{"dtype", "bdata"}``, as sent to the browser), not numpy arrays.
    """
    module = sys.modules.get(builder.__module__)
    if getattr(module, builder.__qualname__, None) is not builder:  # not a module's own function (wrapped, local)
        return builder(*args, **kwargs)  # it cannot be named in a cache key: built each time
    target = f"{builder.__module__}:{builder.__qualname__}"
    spec = _built(target, args, tuple(sorted(kwargs.items())))
    return go.Figure(spec, _validate=False)
