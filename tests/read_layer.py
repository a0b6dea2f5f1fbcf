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


# Spark settings for the tests' small stores, read by the Spark session analytics.query.spark.local_session starts
# (as spark-defaults.conf: its own settings stay as they are; a session already running is taken as it is, by the
# `report --backend pyspark` runs in the same process too). Each test runs many one-off queries of a few hundred
# rows, where the JVM's optimising JIT compiler (C2), whole-stage code generation and adaptive re-planning cost
# more than they save, and Arrow hands the rows to pandas faster than row-by-row pickling. Nothing here changes
# what a query returns. A `report --backend pyspark` run, 600 customers, load 9.5-10: first 121 s -> 49 s.
FAST_LOCAL_SPARK = {
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}


@pytest.fixture(scope="session")
def spark_engine(small_store: Path, tmp_path_factory: pytest.TempPathFactory):
    """A Spark local-mode engine (2 threads) over the store's Parquet export: one session per worker, shared by
    every Spark test and by the command line's ``--backend pyspark`` runs in the same process."""
    pytest.importorskip("pyspark", reason="pyspark is pinned in requirements-dev.txt")
    from analytics.query import spark

    conf = tmp_path_factory.mktemp("spark_conf")
    (conf / "spark-defaults.conf").write_text("".join(f"{k} {v}\n" for k, v in FAST_LOCAL_SPARK.items()))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SPARK_CONF_DIR", str(conf))  # read when the JVM starts
        session = spark.local_session()
    out = tmp_path_factory.mktemp("parquet")
    with db.session(small_store, read_only=True) as con:
        parquet.export(con.cursor(), out)
    engine = spark.connect(parquet_dir=out)  # takes the running session
    yield engine
    engine.close()
    session.stop()


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
