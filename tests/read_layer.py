"""Fixtures of the read-layer tests (tests/analytics/query, tests/cli): one small demo store, its Parquet
export and one local Spark session, shared by every test of a worker."""

from __future__ import annotations

from pathlib import Path

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
