"""Demo activity rates, transactions and activities, generated inside DuckDB from the customers'
traits with a seeded hash as the random source (part of :mod:`analytics.demo`).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from analytics.demo.business import DAYS, HUNTER_MARGIN, HUNTER_REBATE, PRODUCTS, RATES, START
from analytics.store import schema


def insert_rates(cur: duckdb.DuckDBPyConnection) -> None:
    """The activity rates of :data:`~analytics.demo.business.RATES`."""
    rows = [(a, cost, frm, unit) for a, unit, hist in RATES for frm, cost in hist]
    cur.executemany(f"INSERT INTO {schema.ACTIVITY_RATES} VALUES (?, ?, ?, ?, NULL)", rows)


def _product_case(kind: str) -> str:
    """A CASE mapping a uniform u to a product of the customer type (cumulative weights)."""
    items = [p for p in PRODUCTS if p[1] == kind]
    total = sum(p[2] for p in items)
    acc, whens = 0.0, []
    for name, _, w, _, _ in items[:-1]:
        acc += w / total
        whens.append(f"WHEN u_prod < {acc:.6f} THEN '{name}'")
    return f"CASE {' '.join(whens)} ELSE '{items[-1][0]}' END"


def insert_transactions(cur: duckdb.DuckDBPyConnection) -> None:
    """Transactions of the customers registered as ``gen_cust``, generated in SQL."""
    margin = {(p[0], p[1]): p[3] for p in PRODUCTS}
    margin_case = " ".join(
        f"WHEN product = '{name}' AND customer_type = '{kind}' THEN {m}" for (name, kind), m in margin.items()
    )
    start = START.isoformat()
    cur.execute(f"""
    CREATE TEMP TABLE gen_tx AS
    WITH ev AS (
        SELECT c.idx, c.customer_id, c.customer_type, c.ticket, c.heavy, c.hunter, c.key,
               unnest(range(c.n_tx)) AS seq, c.new_in_window, c.first_day, c.active_days, c.gap_start, c.gap_len
        FROM gen_cust c WHERE c.n_tx > 0
    ), placed AS (
        SELECT *, rnd(idx, seq, 1) AS u_prod,
               -- the first purchase is on the acquisition date when that lies in the window
               CASE WHEN seq = 0 AND new_in_window THEN first_day ELSE first_day + floor(rnd(idx, seq, 2) * active_days)::BIGINT END AS d0
        FROM ev
    ), dated AS (
        SELECT *, CASE WHEN d0 >= gap_start AND gap_len > 0 THEN d0 + gap_len ELSE d0 END AS day
        FROM placed
    ), priced AS (
        SELECT idx, customer_id, customer_type, heavy, hunter, key, seq,
               day,
               CASE WHEN customer_type = 'individual' THEN {_product_case('individual')}
                    ELSE {_product_case('enterprise')} END AS product,
               ticket * exp(0.35 * rnorm(idx, seq, 3)) AS gross,
               rnd(idx, seq, 4) < CASE WHEN heavy THEN 0.07 ELSE 0.012 END AS is_return
        FROM dated
    )
    SELECT idx, customer_id, customer_type, seq, DATE '{start}' + CAST(day AS INTEGER) AS tx_date, product,
           heavy, hunter, key,
           CASE WHEN is_return THEN -1 ELSE 1 END
             * CASE WHEN product = 'Devices' THEN 1 + floor(rnd(idx, seq, 5) * 3) ELSE 1 END AS quantity,
           round(CASE WHEN is_return THEN -0.8 ELSE 1 END * gross, 2) AS revenue,
           round(CASE WHEN is_return THEN -0.8 ELSE 1 END * gross
                 * (1 - (CASE {margin_case} ELSE 0.3 END) * (CASE WHEN hunter THEN {HUNTER_MARGIN} ELSE 1 END)
                      * exp(0.12 * rnorm(idx, seq, 6))), 2) AS cogs,
           is_return
    FROM priced
    """)
    cur.execute(f"""
    INSERT INTO {schema.TRANSACTIONS}
    SELECT printf('T%010d', row_number() OVER (ORDER BY tx_date, idx, seq)), customer_id, tx_date, product,
           quantity, revenue, cogs, NULL
    FROM gen_tx
    """)


def insert_activities(cur: duckdb.DuckDBPyConnection, cust: pd.DataFrame, rng: np.random.Generator) -> None:
    """Service activities: those tied to purchases (deliveries, returns, rebates …) and the others."""
    physical = ", ".join(sorted({f"'{p[0]}'" for p in PRODUCTS if p[4]}))
    # Per-customer counts of activities that are not tied to a purchase.
    m = cust["months_active"].to_numpy() * (cust["n_tx"].to_numpy() > 0)
    ent, key, heavy = cust["is_ent"].to_numpy(), cust["key"].to_numpy(), cust["heavy"].to_numpy()
    calls = rng.poisson(m * np.where(heavy, np.where(ent, 3.0, 0.9), np.where(ent, 0.35, 0.05)))
    visits = rng.poisson(m * np.where(key, np.where(heavy, 2.6, 1.3), np.where(ent, np.where(heavy, 0.45, 0.18), 0.0)))
    onsite = rng.poisson(m * np.where(ent & heavy, np.where(key, 1.4, 0.22), 0.0))
    counts = pd.DataFrame({"idx": cust["idx"], "calls": calls, "visits": visits, "onsite": onsite})
    cur.register("gen_act_counts", counts)
    start = START.isoformat()
    cur.execute(f"""
    CREATE TEMP TABLE gen_act AS
    -- activities caused by purchases
    SELECT customer_id, tx_date AS activity_date, 'delivery' AS activity, 1.0 AS quantity, idx, seq, 1 AS k
    FROM gen_tx WHERE product IN ({physical}) AND NOT is_return
      AND (product = 'Devices' OR (customer_type = 'enterprise' AND rnd(idx, seq, 19) < 0.35))
    UNION ALL
    SELECT customer_id, tx_date, 'rush_order', 1.0, idx, seq, 2
    FROM gen_tx WHERE NOT is_return AND (customer_type = 'enterprise' OR product = 'Devices')
      AND rnd(idx, seq, 20) < CASE WHEN heavy THEN 0.30 WHEN key THEN 0.10 ELSE 0.025 END
    UNION ALL
    SELECT customer_id, tx_date, 'return', 1.0, idx, seq, 3 FROM gen_tx WHERE is_return
    UNION ALL
    SELECT customer_id, tx_date, 'rebate',
           round(revenue * CASE WHEN hunter THEN {HUNTER_REBATE} * (0.6 + 0.8 * rnd(idx, seq, 21)) ELSE 0.04 END, 2), idx, seq, 4
    FROM gen_tx WHERE NOT is_return AND (hunter OR rnd(idx, seq, 22) < 0.06)
    UNION ALL
    SELECT t.customer_id, t.tx_date, 'payment_terms',
           round(t.revenue * CASE WHEN t.key THEN 2.5 ELSE 1.0 END * (0.5 + rnd(t.idx, t.seq, 23)), 2), t.idx, t.seq, 5
    FROM gen_tx t JOIN gen_cust c USING (idx) WHERE c.postpaid AND NOT t.is_return AND c.is_ent
    UNION ALL
    -- activities spread over the customer's active months
    SELECT c.customer_id,
           DATE '{start}' + CAST(least(s.d0 + CASE WHEN s.d0 >= c.gap_start AND c.gap_len > 0 THEN c.gap_len ELSE 0 END,
                                       {DAYS - 1}) AS INTEGER),
           s.activity, 1.0, c.idx, s.i, s.k
    FROM (SELECT x.*, g.first_day + floor(rnd(x.idx, x.i, 30 + x.k) * g.active_days)::BIGINT AS d0
          FROM (SELECT idx, unnest(range(calls)) AS i, 'support_call' AS activity, 6 AS k FROM gen_act_counts
                UNION ALL SELECT idx, unnest(range(visits)), 'sales_visit', 7 FROM gen_act_counts
                UNION ALL SELECT idx, unnest(range(onsite)), 'onsite_support', 8 FROM gen_act_counts) x
          JOIN gen_cust g USING (idx)) s
    JOIN gen_cust c USING (idx)
    """)
    cur.execute(f"""
    INSERT INTO {schema.ACTIVITIES}
    SELECT printf('A%010d', row_number() OVER (ORDER BY activity_date, idx, k, seq)), customer_id, activity_date,
           activity, quantity, NULL
    FROM gen_act
    """)
    cur.unregister("gen_act_counts")
    cur.execute("DROP TABLE gen_act")
    cur.execute("DROP TABLE gen_tx")
