"""Shared fixtures: hand-made stores and one demo store per test session."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# One BLAS thread per process, set before SciPy loads its OpenBLAS: the suite runs two pytest-xdist workers on two
# cores, and OpenBLAS's own threads then wait on each other on every small call (a BG/NBD fit's L-BFGS-B took
# 0.39 s instead of 0.008 s at load 4.5). Inherited by the app and command-line processes the tests start;
# scripts/test.sh sets it before NumPy loads too.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analytics.store import db  # noqa: E402
from tests.helpers import D, build_store, built_once, customer, demo_store, refreshed  # noqa: E402
from tests.postgres import pg_shop, postgres  # noqa: E402, F401  (fixtures: a real PostgreSQL server)
from tests.read_layer import duck, small_store, spark_engine  # noqa: E402, F401  (fixtures: Spark local mode)


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A default-size demo store on disk (generated once per session; tests must not modify it)."""
    return demo_store(tmp_path_factory.mktemp("demo") / "demo.duckdb", customers=5000, seed=7)


@pytest.fixture(scope="session")
def demo_refreshed_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same demo store with its stored results (the model fits a refresh computes), as the app and
    ``python -m analytics demo`` leave it: for page tests, which then read the fits instead of spending
    20-100 s fitting them on a private copy each. Built once per run: the pytest-xdist workers share one
    (their temporary folders' parent); tests must not modify it. Tests of what the pages and analytics
    compute without stored results use :func:`demo_path`."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # also without pytest-xdist
    return built_once(shared / "demo_refreshed.duckdb",
                      lambda part: refreshed(demo_store(part, customers=5000, seed=7)))


@pytest.fixture(scope="session")
def demo_con(demo_path: Path):
    con = db.connect(demo_path, read_only=True)
    yield con
    con.close()


@pytest.fixture
def abc_store():
    """Four customers in 2024 with rate changes, priced and unpriced activities (see test_profit.py)."""
    con = build_store(
        customers=[customer("A", segment="S1"), customer("B", segment="S2", region="South"),
                   customer("C", segment="S1", customer_type="individual"), customer("D", segment="S2")],
        activity_rates=[
            {"activity": "visit", "unit_cost": 100, "valid_from": D("2024-01-01"), "unit": "visit"},
            {"activity": "visit", "unit_cost": 150, "valid_from": D("2024-07-01"), "unit": "visit"},
            {"activity": "call", "unit_cost": 10, "valid_from": D("2024-01-01"), "unit": "call"},
        ],
        transactions=[
            {"transaction_id": "t1", "customer_id": "A", "tx_date": D("2024-03-10"), "product": "P1", "quantity": 1, "revenue": 1000, "cogs": 600},
            {"transaction_id": "t2", "customer_id": "A", "tx_date": D("2024-08-01"), "product": "P2", "quantity": 1, "revenue": 500, "cogs": 300},
            {"transaction_id": "t3", "customer_id": "B", "tx_date": D("2024-05-05"), "product": "P1", "quantity": 2, "revenue": 300, "cogs": 100},
            {"transaction_id": "t4", "customer_id": "C", "tx_date": D("2024-09-09"), "product": "P2", "quantity": 1, "revenue": 200, "cogs": 150},
        ],
        activities=[
            {"activity_id": "a1", "customer_id": "A", "activity_date": D("2024-06-30"), "activity": "visit", "quantity": 2},
            {"activity_id": "a2", "customer_id": "A", "activity_date": D("2024-07-01"), "activity": "visit", "quantity": 1},
            {"activity_id": "a3", "customer_id": "A", "activity_date": D("2024-02-01"), "activity": "call", "quantity": 5},
            {"activity_id": "a4", "customer_id": "B", "activity_date": D("2024-05-06"), "activity": "call", "quantity": 30},
            {"activity_id": "a5", "customer_id": "D", "activity_date": D("2024-10-01"), "activity": "visit", "quantity": 1},
            {"activity_id": "a6", "customer_id": "A", "activity_date": D("2023-12-31"), "activity": "call", "quantity": 3},
        ],
    )
    yield con
    con.close()
