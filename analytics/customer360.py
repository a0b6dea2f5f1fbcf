"""Everything known about one customer, in one place (DOMAIN.md §5: 客户 360).

One call, :func:`customer360`, returns a :class:`Customer360` of DataFrames: the profile, the
period's P&L and the customer's value, transactions, activities with the rate valid on each
activity's date, the monthly profit trend, feedback, assessments with delivered value, referrals
both ways, the lifecycle stage history and the opportunities. Definitions come from the modules
that own them: profit from :mod:`analytics.profit`, value and P(alive) from
:mod:`analytics.clv.value`, delivered value from :mod:`analytics.delivered_value`, stages
from :mod:`analytics.lifecycle`.

The period: the filter's period gives the P&L figures (revenue, cost of goods, cost to serve,
profit); its end is the *as-of date* for value, P(alive) and stage (as on the other pages). The
customer attributes of the filter are ignored, so a customer opened from any page is shown
whatever the sidebar says, and the valuation (tiers, model) is that of all customers. Lists show
the customer's whole history up to the as-of date, newest first; transactions and activities are
capped at :data:`MAX_ROWS` rows each (the totals say how many there are).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from analytics import delivered_value, filters, lifecycle, profit
from analytics.clv import value as customer_value
from analytics.filters import Allowance, Filters, OutsideAllowance
from analytics.store import aggregates, db, schema

MAX_ROWS = 1000
SEARCH_LIMIT = 20
PROFILE_COLUMNS = schema.TABLES[schema.CUSTOMERS].column_names
KPI_KEYS = ("revenue", "cogs", "gross_profit", "cost_to_serve", "profit", "tx_count", "realized_value",
            "potential_value", "influence_value", "total_value", "p_alive", "expected_purchases", "tier", "stage",
            "referrals")


@dataclass(frozen=True)
class Customer360:
    """One customer's page (see the module docstring for the period rules).

    Attributes
    ----------
    customer_id, name : the customer.
    period : (first day, last day) of the P&L figures; ``as_of`` = the last day.
    currency : ISO code of the money columns.
    profile : one row, every column of the customers table plus ``referrer_name``.
    kpis : :data:`KPI_KEYS` → value: the period's ``revenue, cogs, gross_profit, cost_to_serve,
        profit, tx_count`` (0 without activity in the period); on the as-of date
        ``realized_value, potential_value`` (the discounted CLV over the valuation horizon),
        ``influence_value, total_value, p_alive, expected_purchases, tier, referrals`` (None when the
        customer has no transaction or activity yet; its influence value is then still the realized
        value of the customers it referred) and ``stage`` (lifecycle stage code).
    transactions : ``transaction_id, tx_date, product, quantity, revenue, cogs, gross_profit``.
    activities : ``activity_id, activity_date, activity, quantity, unit_cost`` (the rate valid on
        the date; NaN when none), ``cost`` (quantity × unit_cost, 0 when unpriced), ``unit``.
    activity_totals : ``activity, quantity, cost`` over the period, largest cost first.
    monthly : ``month, revenue, cogs, cost_to_serve, profit, cumulative_profit`` for every month
        from the customer's first month with data to the as-of date (zeros in quiet months).
    feedback : ``feedback_id, feedback_date, kind, nps_score, channel, topic, text`` (text as stored).
    assessments : ``assessment_id, assessed_on``, the eight parts, ``customer_value,
        customer_cost, delivered_value, gap_overall`` (:func:`analytics.delivered_value.score`).
    referrer : 0 or 1 row: ``customer_id, name, segment`` of the customer who referred this one.
    referrals : ``customer_id, name, segment, acquired_on, realized_value`` of those this customer
        referred directly (realized value as in influence value).
    stages : ``date, stage`` at every month's end of the history (the last row is the as-of date).
    stage_periods : :func:`stage_periods` of ``stages`` (newest first).
    opportunities : ``opportunity_id, stage, created_on, closed_on, amount, region, channel``.
    counts : rows per list before capping (``transactions``, ``activities``).
    notes : i18n keys of caveats (lists capped, no valuation, lifecycle model notes).
    cogs_unknown_share : the share of the period's revenue whose cost of goods is unknown
        (:func:`analytics.profit.cogs_unknown_share`; transactions list such a cost and its gross
        profit as empty).
    """

    customer_id: str
    name: str
    period: tuple[dt.date | None, dt.date | None]
    as_of: dt.date | None
    currency: str
    profile: pd.DataFrame
    kpis: dict[str, object]
    transactions: pd.DataFrame
    activities: pd.DataFrame
    activity_totals: pd.DataFrame
    monthly: pd.DataFrame
    feedback: pd.DataFrame
    assessments: pd.DataFrame
    referrer: pd.DataFrame
    referrals: pd.DataFrame
    stages: pd.DataFrame
    stage_periods: pd.DataFrame
    opportunities: pd.DataFrame
    counts: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    cogs_unknown_share: float | None = 0.0


def search(cur: duckdb.DuckDBPyConnection, query: str, limit: int = SEARCH_LIMIT,
           allowance: Allowance | None = None) -> pd.DataFrame:
    """Customers whose id or name contains ``query`` (case-insensitive), best matches first.

    Order: exact id, then ids starting with the query, then names starting with it, then other
    matches; within each, by customer_id. Returns ``customer_id, name, segment, region`` (at most
    ``limit`` rows; empty for a blank query). With ``allowance``, only the customers it permits.
    """
    q = (query or "").strip()
    if not q:
        return pd.DataFrame(columns=["customer_id", "name", "segment", "region"])
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    allowed, params = _allowed_sql(allowance)
    return cur.execute(
        f"""SELECT customer_id, name, segment, region FROM {schema.CUSTOMERS} c
            WHERE (strpos(lower(customer_id), lower($q)) > 0 OR strpos(lower(name), lower($q)) > 0) AND {allowed}
            ORDER BY CASE WHEN lower(customer_id) = lower($q) THEN 0
                          WHEN strpos(lower(customer_id), lower($q)) = 1 THEN 1
                          WHEN strpos(lower(name), lower($q)) = 1 THEN 2 ELSE 3 END, customer_id
            LIMIT $n""",
        {"q": q, "n": int(limit), **params},
    ).df()


def _allowed_sql(allowance: Allowance | None) -> tuple[str, dict[str, object]]:
    """A predicate on ``customers c`` keeping what ``allowance`` permits (the filter's own SQL)."""
    if allowance is None or not allowance.restricted:
        return "TRUE", {}
    return Filters(regions=allowance.regions, segments=allowance.segments).customer_sql("c")


def _period(cur: duckdb.DuckDBPyConnection, f: Filters) -> Filters:
    """The filter's period only (attributes dropped), open ends resolved to the data."""
    return Filters(f.date_from, f.date_to).resolved(filters.data_bounds(cur))


def _one(cur: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]) -> pd.DataFrame:
    return cur.execute(sql, params).df()


def customer360(cur: duckdb.DuckDBPyConnection, customer_id: str, f: Filters,
                allowance: Allowance | None = None) -> Customer360:
    """Everything about ``customer_id`` (see :class:`Customer360`); ValueError for an unknown id, and
    :class:`~analytics.filters.OutsideAllowance` for a customer ``allowance`` does not permit."""
    cid = str(customer_id or "").strip()
    if not cid:
        raise ValueError("no customer id given")
    profile = _one(cur, f"""SELECT c.*, r.name AS referrer_name FROM {schema.CUSTOMERS} c
                            LEFT JOIN {schema.CUSTOMERS} r ON r.customer_id = c.referred_by
                            WHERE c.customer_id = $cid""", {"cid": cid})
    if profile.empty:
        raise ValueError(f"unknown customer id {cid!r}")
    if allowance is not None and not allowance.permits(profile["region"].iloc[0], profile["segment"].iloc[0]):
        raise OutsideAllowance(f"customer {cid!r} is outside what you may see",
                               {k: v for k, v in (("regions", allowance.regions), ("segments", allowance.segments)) if v})
    profile = profile[[*PROFILE_COLUMNS, "referrer_name"]]
    p = _period(cur, f)
    as_of = p.date_to
    p_params = {"cid": cid, "as_of": as_of or dt.date.max}
    notes: list[str] = []

    # The period's P&L, from the one P&L every page uses.
    pnl = profit.customer_pnl(cur, p)
    row = pnl.customers[pnl.customers["customer_id"] == cid]
    kpis: dict[str, object] = dict.fromkeys(KPI_KEYS)
    for key in ("revenue", "cogs", "gross_profit", "cost_to_serve", "profit", "tx_count"):
        kpis[key] = float(row[key].iloc[0]) if len(row) else 0.0
    kpis["tx_count"] = int(kpis["tx_count"] or 0)
    cogs_unknown = profit.cogs_unknown_share(float(kpis["revenue"] or 0.0),
                                             float(row["cogs_unknown_revenue"].iloc[0]) if len(row) else 0.0)
    act_totals = pnl.costs[pnl.costs["customer_id"] == cid][["activity", "quantity", "cost"]]
    act_totals = act_totals.sort_values(["cost", "activity"], ascending=[False, True], ignore_index=True)

    # Value on the as-of date, from the valuation of every customer.
    values = None
    if as_of is not None:
        try:
            values = customer_value.customer_values(cur, Filters(date_to=as_of))
        except ValueError:
            values = None
    if values is None:
        notes.append("c360.note.no_values")
    else:
        v = values.table[values.table["customer_id"] == cid]
        if len(v):
            for key in ("realized_value", "potential_value", "influence_value", "total_value", "p_alive",
                        "expected_purchases"):
                x = float(v[key].iloc[0])
                kpis[key] = None if np.isnan(x) else x  # e.g. P(alive) without a BG/NBD model
            kpis["tier"] = str(v["tier"].iloc[0])
            kpis["referrals"] = int(v["referrals"].iloc[0])

    tx_count = int(cur.execute(f"SELECT count(*) FROM {schema.TRANSACTIONS} WHERE customer_id = $cid "
                               "AND tx_date <= $as_of", p_params).fetchone()[0])
    transactions = _one(cur, f"""
        SELECT transaction_id, tx_date, product, quantity, CAST(revenue AS DOUBLE) AS revenue,
               CAST(cogs AS DOUBLE) AS cogs, CAST(revenue - cogs AS DOUBLE) AS gross_profit
        FROM {schema.TRANSACTIONS} WHERE customer_id = $cid AND tx_date <= $as_of
        ORDER BY tx_date DESC, transaction_id DESC LIMIT {MAX_ROWS}""", p_params)
    act_count = int(cur.execute(f"SELECT count(*) FROM {schema.ACTIVITIES} WHERE customer_id = $cid "
                                "AND activity_date <= $as_of", p_params).fetchone()[0])
    activities = _one(cur, f"""
        WITH rate_periods AS ({aggregates.RATE_PERIODS_SQL})
        SELECT a.activity_id, a.activity_date, a.activity, a.quantity, r.unit_cost,
               coalesce(a.quantity * r.unit_cost, 0) AS cost, u.unit
        FROM {schema.ACTIVITIES} a
        LEFT JOIN rate_periods r ON a.activity = r.activity AND a.activity_date >= r.valid_from
             AND (r.valid_to IS NULL OR a.activity_date < r.valid_to)
        LEFT JOIN (SELECT activity, max(unit) AS unit FROM {schema.ACTIVITY_RATES} GROUP BY 1) u
             ON u.activity = a.activity
        WHERE a.customer_id = $cid AND a.activity_date <= $as_of
        ORDER BY a.activity_date DESC, a.activity_id DESC LIMIT {MAX_ROWS}""", p_params)
    if tx_count > MAX_ROWS or act_count > MAX_ROWS:
        notes.append("c360.note.capped")

    monthly = _monthly(cur, cid, p)
    feedback = _one(cur, f"""SELECT feedback_id, feedback_date, kind, nps_score, channel, topic, text
                             FROM {schema.FEEDBACK} WHERE customer_id = $cid AND feedback_date <= $as_of
                             ORDER BY feedback_date DESC, feedback_id DESC""", p_params)
    assessments = _one(cur, f"""SELECT * EXCLUDE (load_id) FROM {schema.ASSESSMENTS}
                                WHERE customer_id = $cid AND assessed_on <= $as_of
                                ORDER BY assessed_on DESC, assessment_id DESC""", p_params)
    if len(assessments):
        assessments = delivered_value.score(assessments)
    else:
        assessments = assessments.assign(customer_value=[], customer_cost=[], delivered_value=[], gap_overall=[])
    assessments = assessments[["assessment_id", "assessed_on", *schema.VALUE_PARTS, *schema.COST_PARTS,
                               "customer_value", "customer_cost", "delivered_value", "gap_overall"]]

    referrer = _one(cur, f"""SELECT r.customer_id, r.name, r.segment FROM {schema.CUSTOMERS} c
                             JOIN {schema.CUSTOMERS} r ON r.customer_id = c.referred_by
                             WHERE c.customer_id = $cid""", {"cid": cid})
    referrals = _one(cur, f"""SELECT customer_id, name, segment, acquired_on FROM {schema.CUSTOMERS}
                              WHERE referred_by = $cid ORDER BY acquired_on, customer_id""", {"cid": cid})
    realized = (values.table.set_index("customer_id")["realized_value"] if values is not None
                else pd.Series(dtype=float))
    referrals["realized_value"] = referrals["customer_id"].map(realized).astype(float)
    if values is not None and kpis["influence_value"] is None and len(referrals):
        # Not valued itself (no transaction or activity yet), but its referrals are: influence
        # value is still the realized value of those it referred (direct level, as valued).
        kpis["influence_value"] = float(referrals["realized_value"].fillna(0.0).sum())
        kpis["referrals"] = len(referrals)

    opportunities = _one(cur, f"""SELECT opportunity_id, stage, created_on, closed_on,
                                         CAST(amount AS DOUBLE) AS amount, region, channel
                                  FROM {schema.OPPORTUNITIES} WHERE customer_id = $cid
                                  ORDER BY created_on DESC, opportunity_id DESC""", {"cid": cid})
    stages, stage_notes = _stages(cur, cid, profile, p)
    notes.extend(stage_notes)
    kpis["stage"] = stages["stage"].iloc[-1] if len(stages) else None
    return Customer360(
        customer_id=cid, name=str(profile["name"].iloc[0]), period=(p.date_from, p.date_to), as_of=as_of,
        currency=db.currency(cur), profile=profile, kpis=kpis, transactions=transactions, activities=activities,
        activity_totals=act_totals, monthly=monthly, feedback=feedback, assessments=assessments,
        referrer=referrer, referrals=referrals, stages=stages,
        stage_periods=stage_periods(stages).iloc[::-1].reset_index(drop=True), opportunities=opportunities,
        counts={"transactions": tx_count, "activities": act_count}, notes=tuple(notes),
        cogs_unknown_share=cogs_unknown,
    )


def _monthly(cur: duckdb.DuckDBPyConnection, cid: str, p: Filters) -> pd.DataFrame:
    """Monthly P&L of one customer from its first month with data to the as-of date."""
    cols = ["month", "revenue", "cogs", "cost_to_serve", "profit", "cumulative_profit"]
    if p.date_to is None:
        return pd.DataFrame(columns=cols)
    history = Filters(date_to=p.date_to)
    tx, act, params = profit.fact_sql(cur, history)
    df = cur.execute(
        f"""WITH tx AS ({tx}), act AS ({act}),
        t AS (SELECT month, sum(revenue) AS revenue, sum(cogs) AS cogs FROM tx WHERE customer_id = $cid GROUP BY 1),
        a AS (SELECT month, sum(cost) AS cost_to_serve FROM act WHERE customer_id = $cid GROUP BY 1)
        SELECT month, CAST(coalesce(t.revenue, 0) AS DOUBLE) AS revenue, CAST(coalesce(t.cogs, 0) AS DOUBLE) AS cogs,
               CAST(coalesce(a.cost_to_serve, 0) AS DOUBLE) AS cost_to_serve
        FROM t FULL JOIN a USING (month) ORDER BY month""",
        {**params, "cid": cid},
    ).df()
    if df.empty:
        return pd.DataFrame(columns=cols)
    first = pd.Timestamp(df["month"].min()).date()
    months = [m.replace(day=1) for m in lifecycle.month_ends(first, p.date_to)]
    df["month"] = [pd.Timestamp(m).date() for m in df["month"]]
    out = pd.DataFrame({"month": months}).merge(df, on="month", how="left").fillna(0.0)
    out["profit"] = profit.net_profit(out["revenue"], out["cogs"], out["cost_to_serve"])
    out["cumulative_profit"] = out["profit"].cumsum()
    return out[cols]


def _stages(cur: duckdb.DuckDBPyConnection, cid: str, profile: pd.DataFrame,
            p: Filters) -> tuple[pd.DataFrame, list[str]]:
    """The customer's lifecycle stage at each month's end, from the start of its history (or of
    the data, whichever is later) to the as-of date, with the lifecycle's default rules."""
    bounds = filters.data_bounds(cur)
    if bounds is None or p.date_to is None:
        return pd.DataFrame({"date": [], "stage": []}), []
    first = cur.execute(
        f"""SELECT least((SELECT min(tx_date) FROM {schema.TRANSACTIONS} WHERE customer_id = $cid),
                         (SELECT min(created_on) FROM {schema.OPPORTUNITIES} WHERE customer_id = $cid))""",
        {"cid": cid},
    ).fetchone()[0]
    acquired = profile["acquired_on"].iloc[0]
    candidates = [d for d in (first, None if pd.isna(acquired) else pd.Timestamp(acquired).date()) if d is not None]
    start = max(min(candidates), bounds[0]) if candidates else bounds[0]
    if start > p.date_to:
        return pd.DataFrame({"date": [], "stage": []}), []
    alive = lifecycle.alive_model(cur, Filters(date_to=p.date_to))
    grid = lifecycle.stage_grid(cur, Filters(), lifecycle.month_ends(start, p.date_to), model=alive.model,
                                customer_ids=[cid])
    row = grid.stages.iloc[0] if len(grid.stages) else pd.Series(dtype=object)
    stages = pd.DataFrame({"date": list(grid.dates), "stage": [row.get(d.isoformat()) for d in grid.dates]})
    stages = stages[stages["stage"].notna() & (stages["stage"] != lifecycle.OUTSIDE)].reset_index(drop=True)
    return stages, [alive.note] if alive.note else []


def stage_periods(stages: pd.DataFrame) -> pd.DataFrame:
    """Consecutive months in the same stage merged: ``stage, start, end, months`` (oldest first)."""
    if stages.empty:
        return pd.DataFrame(columns=["stage", "start", "end", "months"])
    change = (stages["stage"] != stages["stage"].shift()).cumsum()
    out = stages.groupby(change, sort=True).agg(stage=("stage", "first"), start=("date", "first"),
                                                end=("date", "last"), months=("date", "size"))
    return out.reset_index(drop=True).astype({"months": np.int64})
