"""Stored results: model fits and per-customer summaries computed from the data, keyed by data version.

The table ``derived_results`` (:data:`analytics.store.schema.DERIVED_RESULTS`) holds one row per
``kind`` of result (``clv_fit``, ``wom_curve``, …), per inputs (``params``, hashed) and per data
version. :mod:`analytics.precompute` computes and writes them after the data change; the analytics
functions read them with :func:`get`, which answers only for the store's current data version and
for exactly the inputs asked (otherwise None, and the caller computes as it would without a store).
Nothing on a read path writes here.

A result is stored as JSON written by :func:`encode`: numbers exactly (Python writes the shortest
repr that reads back to the same float), dates, tuples, dicts, NumPy arrays (raw bytes), pandas
tables (Parquet, dtypes restored) and frozen dataclasses, which :func:`decode` rebuilds from the
classes its caller names; no pickle, so a store file cannot make the program run code.

The inputs of a kind include :func:`code_version` of the modules that compute it, so a change of the
code (a new optimiser, a fixed formula) makes the stored results miss until the next refresh,
instead of serving what older code computed. A refresh also records which code made it: the hash of
every source file of the package :mod:`analytics` (:func:`analytics_code`, in the refresh's marker row);
no result of a data version whose refresh was made by other code is read (a new release may store
new kinds, or compute an old kind from code outside the modules its key names), and such a store is
refreshed again (:func:`is_current` is False for it).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import importlib.util
import io
import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics.store import db, schema
from analytics.store.memo import Memo

FORMAT = 1  # of the payload; part of every key, so a new format never reads an old payload
MARKER = "refresh"  # the row a finished refresh leaves for its data version (see mark_refreshed)


# ---------------------------------------------------------------------------- encoding
def _frame_bytes(df: pd.DataFrame) -> str:
    buf = io.BytesIO()
    df.to_parquet(buf, engine="pyarrow", compression="zstd")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _enc(v: Any) -> Any:
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v)
    if isinstance(v, dt.datetime):
        return {"$datetime": v.isoformat()}
    if isinstance(v, dt.date):
        return {"$date": v.isoformat()}
    if isinstance(v, tuple):
        return {"$tuple": [_enc(x) for x in v]}
    if isinstance(v, list):
        return [_enc(x) for x in v]
    if isinstance(v, dict):
        if not all(isinstance(k, str) for k in v):
            raise TypeError("only dicts with text keys can be stored")
        return {"$dict": {k: _enc(x) for k, x in v.items()}}
    if isinstance(v, pd.DataFrame):
        return {"$frame": _frame_bytes(v), "dtypes": {str(c): str(t) for c, t in v.dtypes.items()}}
    if isinstance(v, np.ndarray):
        arr = np.ascontiguousarray(v)
        return {"$array": base64.b64encode(arr.tobytes()).decode("ascii"), "dtype": arr.dtype.str,
                "shape": list(arr.shape)}
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return {"$type": type(v).__name__,
                "fields": {f.name: _enc(getattr(v, f.name)) for f in dataclasses.fields(v)}}
    raise TypeError(f"cannot store a {type(v).__name__}")


def encode(value: Any) -> str:
    """``value`` as JSON text that :func:`decode` turns back into an equal value."""
    return json.dumps(_enc(value), allow_nan=True, separators=(",", ":"), sort_keys=True)


def _read_frame(text: str, dtypes: Mapping[str, str]) -> pd.DataFrame:
    df = pd.read_parquet(io.BytesIO(base64.b64decode(text)), engine="pyarrow")
    for col, want in dtypes.items():
        # Parquet keeps values exactly but not every pandas dtype (object text comes back as str)
        if col in df.columns and str(df[col].dtype) != want:
            df[col] = df[col].astype(want)
    return df


def _dec(v: Any, types: Mapping[str, type]) -> Any:
    if isinstance(v, list):
        return [_dec(x, types) for x in v]
    if not isinstance(v, dict):
        return v
    if "$date" in v:
        return dt.date.fromisoformat(v["$date"])
    if "$datetime" in v:
        return dt.datetime.fromisoformat(v["$datetime"])
    if "$tuple" in v:
        return tuple(_dec(x, types) for x in v["$tuple"])
    if "$dict" in v:
        return {k: _dec(x, types) for k, x in v["$dict"].items()}
    if "$frame" in v:
        return _read_frame(v["$frame"], v.get("dtypes", {}))
    if "$array" in v:
        raw = base64.b64decode(v["$array"])
        return np.frombuffer(raw, dtype=np.dtype(v["dtype"])).reshape(v["shape"]).copy()
    if "$type" in v:
        cls = types.get(v["$type"])
        if cls is None:
            raise ValueError(f"stored result of unknown type {v['$type']!r}")
        return cls(**{k: _dec(x, types) for k, x in v["fields"].items()})
    raise ValueError(f"unreadable stored value with keys {sorted(v)}")


def decode(text: str, types: Iterable[type] = ()) -> Any:
    """The value :func:`encode` wrote; dataclasses are rebuilt from ``types`` (matched by name)."""
    return _dec(json.loads(text), {t.__name__: t for t in types})


def canonical(params: Mapping[str, Any]) -> str:
    """The inputs of a result as canonical JSON (sorted keys, dates as ISO text)."""
    return encode({**params, "format": FORMAT})


def params_hash(params: Mapping[str, Any]) -> str:
    """The sha256 of :func:`canonical`: the key a result is stored under."""
    return hashlib.sha256(canonical(params).encode("utf-8")).hexdigest()


@lru_cache(maxsize=64)
def code_version(*modules: str) -> str:
    """A hash of the source files of ``modules`` (dotted names): part of a kind's inputs, so that
    results computed by other code never match."""
    h = hashlib.sha256()
    for name in modules:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise ValueError(f"no source for module {name}")
        with open(spec.origin, "rb") as fh:
            h.update(name.encode() + b"\0" + fh.read() + b"\0")
    return h.hexdigest()[:16]


def source_hash(package: Path) -> str:
    """A hash of the ``.py`` files under the folder ``package``, each named by its path from the folder's
    parent (``analytics/clv/value.py``): equal for equal sources wherever the folder lies."""
    h = hashlib.sha256()
    for p in sorted(package.rglob("*.py")):
        h.update(p.relative_to(package.parent).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:16]


@lru_cache(maxsize=1)
def analytics_code() -> str:
    """The :func:`source_hash` of the package :mod:`analytics` this process runs (about 20 ms, once per
    process): what a refresh records, and what a stored result is read under."""
    return source_hash(Path(__file__).resolve().parent.parent)


def _marker_params() -> dict[str, Any]:
    return {"code": analytics_code()}


# ---------------------------------------------------------------------------- reading
def _has_table(cur: duckdb.DuckDBPyConnection) -> bool:
    """False for a store opened read-only before its upgrade to schema version 4 (no such table):
    it has no stored results, and asking must not fail (a failed statement ends a transaction).
    False for a read-layer engine (Spark): results stored in the store are not read from it."""
    if getattr(cur, "read_engine", False):
        return False
    return bool(cur.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = 'main' "
        "AND table_catalog = current_database()", [schema.DERIVED_RESULTS]).fetchone()[0])


def get(cur: duckdb.DuckDBPyConnection, kind: str, params: Mapping[str, Any], types: Iterable[type] = ()) -> Any:
    """The stored result of ``kind`` for exactly ``params``, computed from the store's current data
    version; None when there is none (not refreshed yet, other inputs, older code or format), or when
    that version's refresh was made by other code (:func:`analytics_code`). A result whose refresh has
    not finished is read: a refresh reads what it stored before, in its own transaction."""
    rows = _current(cur, kind, params_hash(params))
    return decode(rows[0][1], types) if rows else None


def _current(cur: duckdb.DuckDBPyConnection, kind: str, hashed: str | None = None) -> list[tuple[str, str]]:
    """``(params, payload)`` rows of ``kind`` (with params hash ``hashed`` when given) for the store's current
    data version, none when that version's refresh was made by other code (its marker's params differ)."""
    if not _has_table(cur):
        return []
    version = db.data_version(cur)
    return cur.execute(
        f"""SELECT params, payload FROM {schema.DERIVED_RESULTS} WHERE kind = ? AND data_version = ?
            {"AND params_hash = ?" if hashed is not None else ""}
            AND NOT EXISTS (SELECT 1 FROM {schema.DERIVED_RESULTS} WHERE kind = ? AND data_version = ?
                            AND params_hash <> ?)""",
        [kind, version, *([hashed] if hashed is not None else []), MARKER, version,
         params_hash(_marker_params())]).fetchall()


def get_decoded(cur: duckdb.DuckDBPyConnection, kind: str, params: Mapping[str, Any], memo: Memo[Any],
                types: Iterable[type] = ()) -> Any:
    """:func:`get`, decoded once per store file, data version and ``params`` and kept in ``memo``: decoding a
    result of 100,000 customers (JSON, base64, Parquet) takes a fifth of a second, and pages read the same ones on
    every visit. The result is shared between callers: they copy what they change."""
    content = db.content_key(cur)
    key = None if content is None else (*content, params_hash(params))
    if key is not None and (hit := memo.get(key)) is not None:
        return hit
    stored = get(cur, kind, params, types)
    if stored is not None and key is not None:
        memo.put(key, stored)
    return stored


def get_all(cur: duckdb.DuckDBPyConnection, kind: str, types: Iterable[type] = ()) -> list[tuple[Any, Any]]:
    """Every stored result of ``kind`` for the store's current data version, as ``(params, result)`` pairs
    (``params`` decoded from :func:`canonical`), under the same conditions as :func:`get`. One query for a kind
    stored under many inputs: each :func:`get` scans every stored payload of the table (about 25 ms at
    100,000 customers), however small the one it returns."""
    return [(decode(params, types), decode(payload, types)) for params, payload in _current(cur, kind)]


def refreshed_version(cur: duckdb.DuckDBPyConnection) -> int | None:
    """The data version of the latest finished refresh (None when there was none)."""
    if not _has_table(cur):
        return None
    row = cur.execute(f"SELECT max(data_version) FROM {schema.DERIVED_RESULTS} WHERE kind = ?", [MARKER]).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def last_refresh(cur: duckdb.DuckDBPyConnection) -> tuple[int, dict[str, Any]] | None:
    """(data version, what it recorded) of the latest finished refresh; None when there was none."""
    version = refreshed_version(cur)
    if version is None:
        return None
    row = cur.execute(f"SELECT payload FROM {schema.DERIVED_RESULTS} WHERE kind = ? AND data_version = ?",
                      [MARKER, version]).fetchone()
    summary = decode(row[0]) if row else {}
    return version, summary if isinstance(summary, dict) else {}


def is_current(cur: duckdb.DuckDBPyConnection) -> bool:
    """True when a refresh by this code (:func:`analytics_code`) finished for the store's current data version."""
    if not _has_table(cur):
        return False
    return cur.execute(
        f"SELECT count(*) FROM {schema.DERIVED_RESULTS} WHERE kind = ? AND params_hash = ? AND data_version = ?",
        [MARKER, params_hash(_marker_params()), db.data_version(cur)]).fetchone()[0] > 0


def entries(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """What is stored for the current data version: ``kind, params, bytes, seconds, created_at``."""
    if not _has_table(cur):
        return pd.DataFrame(columns=["kind", "params", "bytes", "seconds", "created_at"])
    return cur.execute(
        f"""SELECT kind, params, strlen(payload) AS bytes, seconds, created_at FROM {schema.DERIVED_RESULTS}
            WHERE data_version = ? AND kind <> ? ORDER BY kind, params""",
        [db.data_version(cur), MARKER]).df()


# ---------------------------------------------------------------------------- writing (inside db.write(con, data=False))
def put(cur: duckdb.DuckDBPyConnection, kind: str, params: Mapping[str, Any], value: Any, version: int,
        seconds: float | None = None) -> None:
    """Store ``value`` as the result of ``kind`` for ``params`` at data ``version``; call inside
    :func:`analytics.store.db.write` with ``data=False`` (storing a result does not change the data)."""
    cur.execute(f"INSERT OR REPLACE INTO {schema.DERIVED_RESULTS} VALUES (?, ?, ?, ?, ?, ?, ?)",
                [kind, params_hash(params), int(version), canonical(params), encode(value), seconds,
                 dt.datetime.now().replace(microsecond=0)])


def mark_refreshed(cur: duckdb.DuckDBPyConnection, version: int, summary: Mapping[str, Any]) -> None:
    """Record that a refresh by this code finished for ``version`` (even one that had nothing to store);
    the summary keeps the code under ``"code"``."""
    put(cur, MARKER, _marker_params(), {**summary, **_marker_params()}, version)


def carry(cur: duckdb.DuckDBPyConnection, old: int, new: int) -> None:
    """Move the results of data version ``old`` to ``new``: for a write that changed no data (a saved
    story bumps the version too), whose results are therefore the same."""
    cur.execute(f"DELETE FROM {schema.DERIVED_RESULTS} WHERE data_version = ?", [int(new)])
    cur.execute(f"UPDATE {schema.DERIVED_RESULTS} SET data_version = ? WHERE data_version = ?", [int(new), int(old)])


def prune(cur: duckdb.DuckDBPyConnection, keep: int | None) -> None:
    """Remove the results of every data version but ``keep`` (of all when None): they can never match again."""
    if keep is None:
        cur.execute(f"DELETE FROM {schema.DERIVED_RESULTS}")
        return
    cur.execute(f"DELETE FROM {schema.DERIVED_RESULTS} WHERE data_version <> ?", [int(keep)])
