"""Fixtures and comparisons of the read-layer tests (tests/analytics/query, tests/cli): one small demo store,
its Parquet export and one local Spark session, shared by every test of a worker; frames and reports
compared across engines."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from analytics.store import db, parquet
from tests.helpers import demo_store


@pytest.fixture(scope="session")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 600-customer demo store (generated once; tests must not modify it)."""
    return demo_store(tmp_path_factory.mktemp("read_layer") / "store.duckdb", customers=600, seed=11)


@pytest.fixture(scope="session")
def duck(small_store: Path):
    con = db.connect(small_store, read_only=True)
    yield con.cursor()
    con.close()


@pytest.fixture(scope="session")
def spark_engine(small_store: Path, tmp_path_factory: pytest.TempPathFactory):
    """A Spark local-mode engine (2 threads) over the store's Parquet export."""
    pytest.importorskip("pyspark", reason="pyspark is pinned in requirements-dev.txt")
    from analytics.query import spark

    out = tmp_path_factory.mktemp("parquet")
    with db.session(small_store, read_only=True) as con:
        parquet.export(con.cursor(), out)
    engine = spark.connect(parquet_dir=out)
    yield engine
    engine.close()


def same_frames(a: pd.DataFrame, b: pd.DataFrame, key: list[str] | None = None) -> None:
    assert list(a.columns) == list(b.columns)
    if key:
        a, b = a.sort_values(key, ignore_index=True), b.sort_values(key, ignore_index=True)
    assert len(a) == len(b)
    for col in a.columns:
        x, y = a[col], b[col]
        if pd.api.types.is_float_dtype(x) or pd.api.types.is_float_dtype(y):
            assert ((x - y).abs() <= 1e-6 * y.abs().clip(lower=1.0)).all() or (x.isna() & y.isna()).any(), col
        else:
            assert x.astype(str).tolist() == y.astype(str).tolist(), col


def same_values(a: object, b: object, where: str = "") -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            same_values(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same_values(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, (int, float)):
        assert math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9) or (math.isnan(a) and math.isnan(b)), (where, a, b)
    else:
        assert a == b, (where, a, b)
