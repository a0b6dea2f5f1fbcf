"""A deterministic, believable demo business: a telecom and IT-services company in China.

Three years of history (2023-11 to 2026-10) for enterprise and individual customers in five
regions. The shape is planted, not left to chance:

* profit: key accounts that are very profitable or, when demanding and discounted, very
  unprofitable (Kaplan's observation); heavy cost-to-serve users (support calls, returns, rush
  orders) and discount hunters who lose money; so the whale curve peaks near 150–250 % with about a
  quarter of customers making a loss;
* word of mouth: complaints grow exponentially once a region's service-quality index falls below
  ~72, praise once it rises above ~86 (planted incidents in South and North China);
* purchases follow a buy-till-you-die process (Poisson purchases, exponential lifetimes), with
  dormant spells, reactivations, referrals and a sales pipeline.

Customer-level traits are drawn with NumPy (one vectorised draw per trait); the large tables
(transactions, activities) are generated inside DuckDB from those traits with a seeded hash as
the random source, so 10 million transactions take seconds and the same seed gives the same data.

* :mod:`~analytics.demo.business`: the business's shape (period, regions, products, rates, topics);
* :mod:`~analytics.demo.customers`: customers and the sales pipeline;
* :mod:`~analytics.demo.sales`: rates, transactions and activities (inside DuckDB);
* :mod:`~analytics.demo.feedback`: service quality, praise and complaints, assessments;
* :mod:`~analytics.demo.contracts`: contract terms of contract and postpaid customers, renewed or
  cancelled as the plan and the region's service quality make them (their own random stream);
* this module: :func:`generate`, which writes them all in one transaction.

Memory: the large tables never pass through pandas; DuckDB builds, sorts and writes them under
:func:`memory_limit` (``CVM_MEMORY_LIMIT``, else at most :data:`MEMORY_LIMIT`), spilling to the
store's temporary directory beyond it. Without a limit DuckDB takes 80 % of the machine's memory:
100 million transactions peaked at 20 GiB, 3.8 GB under the default cap (bench/README.md). What
pandas holds grows with the number of customers only (about 1.5 GB at the maximum of 1,000,000),
not with the transactions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import numpy as np

from analytics.demo.business import COMPLAINT_THRESHOLD, END, PRAISE_THRESHOLD, START
from analytics.demo.contracts import draw_contracts
from analytics.demo.customers import draw_customers, draw_opportunities
from analytics.demo.feedback import draw_assessments, draw_feedback, draw_service_quality
from analytics.demo.sales import insert_activities, insert_rates, insert_transactions
from analytics.store import aggregates, db, schema

__all__ = ["COMPLAINT_THRESHOLD", "END", "MEMORY_LIMIT", "PRAISE_THRESHOLD", "START", "DemoSummary", "Progress",
           "generate", "memory_limit"]

MEMORY_LIMIT = "2GB"  # DuckDB's cap while generating when CVM_MEMORY_LIMIT does not set one
_UNITS = {"b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4,
          "kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4, "bytes": 1}


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`generate` wrote."""

    customers: int
    transactions: int
    activities: int
    feedback: int
    assessments: int
    opportunities: int
    seconds: float
    contracts: int = 0


Progress = Callable[[float, str], None]


def _noop(_: float, __: str) -> None:
    pass


def _size_bytes(size: str) -> float:
    """``'2GB'``, ``'18.8 GiB'`` (DuckDB's own spelling) in bytes; ``inf`` for what is not a size."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*", size.lower())
    if m is None or m.group(2) not in _UNITS:
        return float("inf")
    return float(m.group(1)) * _UNITS[m.group(2)]


def memory_limit(con: duckdb.DuckDBPyConnection) -> str:
    """DuckDB's ``memory_limit`` for generating: the one configured for the store (``CVM_MEMORY_LIMIT``,
    or :data:`analytics.store.db.CONFIG`) when set, else :data:`MEMORY_LIMIT` or the connection's own
    limit when that is lower (DuckDB's default: 80 % of a small machine's memory)."""
    configured = db.settings().get("memory_limit")
    if configured:
        return str(configured)
    current = str(con.execute("SELECT current_setting('memory_limit')").fetchone()[0])
    return current if _size_bytes(current) < _size_bytes(MEMORY_LIMIT) else MEMORY_LIMIT


@contextmanager
def _bounded_memory(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run the block under :func:`memory_limit`, then give the connection its own limit back (the app
    goes on using the connection that created its demo). DuckDB spills beyond the limit into its
    ``temp_directory`` (``<store>.tmp`` beside a file store); threads stay as ``CVM_THREADS`` set them."""
    configured = db.settings().get("memory_limit")
    con.execute(f"SET memory_limit = '{memory_limit(con)}'")
    try:
        yield
    finally:
        # the configured limit exactly (DuckDB shows its setting rounded: '18.8 GiB'), else DuckDB's default
        con.execute(f"SET memory_limit = '{configured}'" if configured else "RESET memory_limit")


def generate(
    con: duckdb.DuckDBPyConnection,
    customers: int = 5000,
    transactions: int | None = None,
    seed: int = 7,
    progress: Progress | None = None,
) -> DemoSummary:
    """Replace the store's data with a demo business, in one transaction.

    Parameters
    ----------
    con : a connection from :func:`analytics.store.db.connect`.
    customers : number of customers (10 … 1,000,000).
    transactions : approximate number of transactions; default 40 per customer.
    seed : random seed; the same seed and sizes give the same data.
    progress : optional callback ``(fraction 0–1, step name)``.
    """
    import time

    if not 10 <= customers <= 1_000_000:
        raise ValueError(f"customers must be between 10 and 1,000,000, got {customers}")
    transactions = transactions if transactions is not None else customers * 40
    if not customers <= transactions <= 200_000_000:
        raise ValueError(f"transactions must be between the number of customers and 200,000,000, got {transactions}")
    say = progress or _noop
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    say(0.02, "customers")
    cust = draw_customers(rng, customers, transactions)
    with _bounded_memory(con), db.write(con) as cur:
        for t in (*schema.DATA_TABLES, schema.AGG_CUSTOMER_MONTH, schema.AGG_ACTIVITY_MONTH,
                  schema.INGEST_LOG, schema.AUDIT_LOG):
            cur.execute(f"DELETE FROM {t}")
        cur.execute(
            "CREATE OR REPLACE TEMP MACRO rnd(a, b, k) AS "
            f"(((hash(a, b, k, {int(seed)}) >> 11)::DOUBLE + 0.5) / 9007199254740992.0)"
        )
        cur.execute("CREATE OR REPLACE TEMP MACRO rnorm(a, b, k) AS "
                    "(sqrt(-2 * ln(rnd(a, b, k))) * cos(2 * pi() * rnd(a, b, k + 1000)))")
        cur.register("gen_cust", cust)
        cur.execute(f"""INSERT INTO {schema.CUSTOMERS} SELECT customer_id, name, customer_type, segment, region,
            industry, channel, plan, acquired_on, round(acquisition_cost, 2), referred_by, NULL FROM gen_cust""")
        insert_rates(cur)
        say(0.10, "transactions")
        insert_transactions(cur)
        say(0.40, "activities")
        insert_activities(cur, cust, rng)
        say(0.60, "service quality and word of mouth")
        quality = draw_service_quality(rng)
        cur.register("gen_quality", quality)
        cur.execute(f"INSERT INTO {schema.SERVICE_QUALITY} SELECT quality_date, region, quality_index, NULL FROM gen_quality")
        fb = draw_feedback(rng, cust, quality)
        cur.register("gen_feedback", fb)
        cur.execute(f"INSERT INTO {schema.FEEDBACK} SELECT *, NULL FROM gen_feedback")
        say(0.75, "assessments")
        asm = draw_assessments(rng, cust, quality)
        cur.register("gen_assess", asm)
        cur.execute(f"INSERT INTO {schema.ASSESSMENTS} SELECT *, NULL FROM gen_assess")
        say(0.82, "sales pipeline")
        opp = draw_opportunities(rng, cust)
        cur.register("gen_opp", opp)
        cur.execute(f"INSERT INTO {schema.OPPORTUNITIES} SELECT *, NULL FROM gen_opp")
        say(0.85, "contracts")
        # their own random stream (not rng): every table above stays exactly as without contracts
        cur.register("gen_contracts", draw_contracts(seed, cust, quality))
        cur.execute(f"""INSERT INTO {schema.CONTRACTS} SELECT contract_id, customer_id, plan, CAST(start_date AS DATE),
                        CAST(end_date AS DATE), status, NULL FROM gen_contracts""")
        say(0.88, "aggregates")
        aggregates.refresh(cur)
        for name in ("gen_cust", "gen_quality", "gen_feedback", "gen_assess", "gen_opp", "gen_contracts"):
            cur.unregister(name)
        db.set_meta(cur, "currency", "CNY")
        db.set_meta(cur, "data_as_of", END.isoformat())
        db.set_meta(cur, "demo_seed", str(seed))
        counts = {t: cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in schema.DATA_TABLES}
    say(1.0, "done")
    return DemoSummary(
        customers=counts[schema.CUSTOMERS], transactions=counts[schema.TRANSACTIONS],
        activities=counts[schema.ACTIVITIES], feedback=counts[schema.FEEDBACK],
        assessments=counts[schema.ASSESSMENTS], opportunities=counts[schema.OPPORTUNITIES],
        seconds=time.perf_counter() - t0, contracts=counts[schema.CONTRACTS],
    )
