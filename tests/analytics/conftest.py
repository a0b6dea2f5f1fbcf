"""Fixtures shared by the analytics tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics import demo, precompute
from analytics.store import db


@pytest.fixture(scope="session")
def small_refreshed_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo store (300 customers, 9,000 transactions) with its stored results: never written to (copy it)."""
    path = tmp_path_factory.mktemp("small_refreshed") / "small.duckdb"
    con = db.connect(path)
    demo.generate(con, customers=300, transactions=9_000, seed=5)
    precompute.refresh(con)
    con.close()
    return path
