"""Running a read-layer expression on what the analytics were given: a DuckDB cursor or an Engine."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd


class Engine:
    """A backend other than the store's DuckDB connection (see :mod:`analytics.query.spark`).

    Passed where analytics take a cursor. It runs read-layer expressions (:meth:`df`) and answers
    the store's ``meta`` values (:meth:`meta`: currency, data version, aggregate version); results
    stored in the DuckDB store (model fits) are not read from it: they are computed from the data
    the engine pulls back.
    """

    name = "engine"
    read_engine = True  # how the store's modules, which cannot import this package, tell an engine from a cursor

    def df(self, expr: ir.Table) -> pd.DataFrame:  # pragma: no cover - interface
        raise NotImplementedError

    def meta(self, key: str) -> str | None:  # pragma: no cover - interface
        raise NotImplementedError


def backend_name(cur: Any) -> str:
    """``duckdb`` for a DuckDB cursor, else the engine's name (``pyspark``)."""
    return cur.name if isinstance(cur, Engine) else "duckdb"


def to_sql(expr: ir.Expr, dialect: str = "duckdb") -> str:
    """The SQL an expression compiles to (for DuckDB unless ``dialect`` says otherwise).

    Compiled once per distinct expression: a page asks the same questions on every rerun, and Ibis'
    compiler costs more than DuckDB's answer on a small store. Expressions are keyed by their operation
    graph, which compares by structure (the same relation rebuilt for the same filter is the same key).
    """
    return _compiled(expr.op(), dialect)


@lru_cache(maxsize=512)  # its keys hold expression graphs alive: sized with relations.MEMO_SIZE (~8 queries a filter)
def _compiled(op: Any, dialect: str) -> str:
    return str(ibis.to_sql(op.to_expr(), dialect=dialect))


def df(cur: Any, expr: ir.Table) -> pd.DataFrame:
    """The rows of ``expr`` as a DataFrame, run on ``cur`` (a DuckDB cursor or an :class:`Engine`).

    On DuckDB the compiled SQL runs on the cursor itself (``.df()``: the same frame types as a
    hand-written query); an engine converts its result to the same types (dates as datetime64).
    """
    if isinstance(cur, Engine):
        return cur.df(expr)
    return cur.execute(to_sql(expr)).df()


def row(cur: Any, expr: ir.Table) -> tuple[Any, ...] | None:
    """The first row of ``expr`` as a tuple (None when it has none)."""
    if isinstance(cur, Engine):
        out = cur.df(expr.limit(1))
        if out.empty:
            return None
        return tuple(None if _missing(v) else _plain(v) for v in out.iloc[0].tolist())
    return cur.execute(to_sql(expr)).fetchone()


def scalar(cur: Any, expr: ir.Scalar) -> Any:
    """The value of a scalar expression (a count, a sum, a date)."""
    got = row(cur, expr.name("value").as_table())
    return None if got is None else got[0]


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v) or v is pd.NaT


def _plain(v: Any) -> Any:
    if isinstance(v, pd.Timestamp):
        return v.date() if v == v.normalize() else v.to_pydatetime()
    return v.item() if hasattr(v, "item") else v


def date_value(value: Any) -> dt.date | None:
    """A DATE as read from any engine (a date, a datetime or a pandas Timestamp) as a date; None for a
    missing value."""
    if _missing(value):
        return None
    if isinstance(value, dt.datetime):  # pd.Timestamp too
        return value.date()
    return value
