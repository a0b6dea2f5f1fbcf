"""Customer profit after activity-based cost to serve (DOMAIN.md §1).

    profit = revenue − cost of goods − cost to serve
    cost to serve = Σ over activities (quantity × unit rate valid on the activity's date)

Cost of goods may be unknown (NULL: the file did not provide it, schema version 5). Sums count only
the known costs, so profit over such transactions is revenue − known cost of goods − cost to
serve: an upper bound, never a guess. Every P&L carries ``cogs_unknown_revenue`` (the revenue whose
cost of goods is unknown) and :func:`cogs_unknown_share` turns it into the share of revenue that
every page and export showing profit states ("cost of goods not provided for N % of revenue").

Every figure of the concentration, value and lifecycle views starts from :func:`customer_pnl`.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analytics import query
from analytics.filters import Filters
from analytics.query import relations
from analytics.store import aggregates, db, derived, schema
from analytics.store.memo import Memo

CUSTOMER_COLUMNS = ("customer_id", "name", "customer_type", "segment", "region", "industry", "channel", "plan")
PNL_COLUMNS = (*CUSTOMER_COLUMNS, "revenue", "cogs", "gross_profit", "cost_to_serve", "profit", "tx_count",
               "cogs_unknown_revenue")
MONEY_COLUMNS = ("revenue", "cogs", "gross_profit", "cost_to_serve", "profit", "cogs_unknown_revenue")
MONEY_DECIMALS = 6
"""Money computed in doubles is rounded to this many decimals before anyone compares or ranks it: a
customer whose revenue, cost of goods and cost to serve cancel is at break-even, not at −2.8e-17
(a loss-maker), and two equal profits stay tied whatever order DuckDB's threads added them in."""


@dataclass(frozen=True)
class CustomerPnL:
    """Profit and loss per customer for one filter.

    Attributes
    ----------
    customers : DataFrame
        One row per customer of the filter with any transaction or activity in the period:
        ``customer_id, name, customer_type, segment, region, industry, channel, plan, revenue,
        cogs, gross_profit, cost_to_serve, profit, tx_count, cogs_unknown_revenue``; sorted by profit
        descending, then customer_id (a deterministic order for ties). ``cogs`` sums the known costs
        of goods; ``cogs_unknown_revenue`` is the revenue whose cost of goods is unknown.
    costs : DataFrame
        Cost to serve in long form: ``customer_id, activity, quantity, cost``.
    unpriced : DataFrame
        ``activity, quantity`` of activities that had no valid rate on their date (costed at 0).
    currency : str
        ISO code of the money columns.
    rates_override : dict
        What-if unit costs applied to the whole period (empty when the saved rates were used).
    """

    customers: pd.DataFrame
    costs: pd.DataFrame
    unpriced: pd.DataFrame
    currency: str
    rates_override: dict[str, float] = field(default_factory=dict)

    @property
    def activity_totals(self) -> pd.DataFrame:
        """``activity, quantity, cost`` summed over customers, largest cost first."""
        if self.costs.empty:
            return pd.DataFrame({"activity": [], "quantity": [], "cost": []})
        out = self.costs.groupby("activity", as_index=False)[["quantity", "cost"]].sum()
        return out.sort_values(["cost", "activity"], ascending=[False, True], ignore_index=True)

    def cost_matrix(self) -> pd.DataFrame:
        """Cost per customer (rows, by customer_id) and activity (columns); zeros where none."""
        if self.costs.empty:
            return pd.DataFrame(index=pd.Index([], name="customer_id"))
        return self.costs.pivot_table(index="customer_id", columns="activity", values="cost",
                                      aggfunc="sum", fill_value=0.0)


SOURCES = ("auto", "aggregates", "facts")


def facts(cur: Any, f: Filters, source: str = "auto") -> tuple[ir.Table, ir.Table]:
    """The two monthly relations for the filter as read-layer expressions (:mod:`analytics.query`):
    ``tx`` (customer_id, month, revenue, cogs, quantity, tx_count, cogs_unknown_revenue) and ``act``
    (customer_id, month, activity, quantity, cost, unpriced_quantity). With ``source="auto"``,
    whole-month periods read the aggregates when they are current and other periods read the facts;
    ``"facts"`` forces the fact tables (benchmarks, checks)."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}")
    use_agg = f.month_aligned and aggregates.is_fresh(cur)
    if source == "aggregates" and not use_agg:
        raise ValueError("the aggregates cannot answer this filter (period not whole months, or not refreshed)")
    return relations.monthly_facts(f, source != "facts" and use_agg)


@relations.memo  # the same expressions for the same facts and filter: a warm page skips Ibis' building
def pnl_relations(tx: ir.Table, act: ir.Table, f: Filters) -> tuple[ir.Table, ir.Table]:
    """The two relations behind :func:`customer_pnl`: per-customer totals and per-activity costs."""
    c = relations.customers(f)
    t = tx.group_by(t_cid=tx.customer_id).aggregate(
        revenue=tx.revenue.sum(), cogs=tx.cogs.sum(), tx_count=tx.tx_count.sum(),
        cogs_unknown_revenue=tx.cogs_unknown_revenue.sum())
    a = act.group_by(a_cid=act.customer_id).aggregate(cost_to_serve=act.cost.sum())
    j = c.left_join(t, c.customer_id == t.t_cid).left_join(a, c.customer_id == a.a_cid)
    totals = j.filter(j.t_cid.notnull() | j.a_cid.notnull()).select(
        *CUSTOMER_COLUMNS,
        revenue=relations.money(j.revenue), cogs=relations.money(j.cogs),
        cost_to_serve=relations.money(j.cost_to_serve), tx_count=j.tx_count.fill_null(0).cast("int64"),
        cogs_unknown_revenue=relations.money(j.cogs_unknown_revenue))
    ac = act.filter(act.customer_id.isin(c.customer_id))
    costs = ac.group_by("customer_id", "activity").aggregate(
        quantity=ac.quantity.sum(), cost=ac.cost.sum().cast("float64"),
        unpriced_quantity=ac.unpriced_quantity.sum()).order_by("customer_id", "activity")
    return totals, costs


# Stored by the refresh (:mod:`analytics.precompute`) for the opening view, its previous period and the
# history up to its end (Customer value's): every page starts from one of these, and each is two
# aggregations over a million monthly rows grouped by customer text ids at 10 million transactions.
PNL_KIND = "pnl"
_PNL_CODE = ("analytics.profit", "analytics.query.relations", "analytics.filters", "analytics.store.aggregates")


def pnl_params(f: Filters, use_aggregates: bool) -> dict[str, Any]:
    """The inputs stored P&L frames are kept under: the filter, whether the aggregates answered, the code."""
    return {"filter": f, "aggregates": bool(use_aggregates), "code": derived.code_version(*_PNL_CODE)}


def pnl_frames(cur: Any, f: Filters, source: str = "auto") -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of :func:`pnl_relations` for ``f``: ``(totals, costs)`` as the query returns them; with
    ``source="auto"`` read from the store when the refresh stored them for ``f`` and the current data."""
    if source != "auto":
        totals_q, costs_q = pnl_relations(*facts(cur, f, source), f)
        return query.df(cur, totals_q), query.df(cur, costs_q)
    use_agg = f.month_aligned and aggregates.is_fresh(cur)
    stored = derived.get_decoded(cur, PNL_KIND, pnl_params(f, use_agg), _DECODED)
    if isinstance(stored, dict):
        return stored["totals"].copy(), stored["costs"].copy()  # callers change their frames (what-if rates)
    totals_q, costs_q = pnl_relations(*relations.monthly_facts(f, use_agg), f)
    return query.df(cur, totals_q), query.df(cur, costs_q)


# The stored rows decoded, per store file, data version and inputs: decoding a P&L of 100,000 customers
# (JSON, base64, Parquet) took a quarter of a second at load 4, and the Overview, Profit concentration,
# Delivered value and Customer value read the same ones (every write bumps the version).
_DECODED: Memo[dict[str, pd.DataFrame]] = Memo(8)


def precompute(cur: Any, f: Filters) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """What :mod:`analytics.precompute` stores for the opening view ``f``: the P&L frames of its period,
    of the period before it and of all history up to its end, computed afresh."""
    for g in dict.fromkeys(x for x in (f, f.previous(), f.with_period(None, f.date_to)) if x is not None):
        use_agg = g.month_aligned and aggregates.is_fresh(cur)
        totals_q, costs_q = pnl_relations(*relations.monthly_facts(g, use_agg), g)
        yield PNL_KIND, pnl_params(g, use_agg), {"totals": query.df(cur, totals_q), "costs": query.df(cur, costs_q)}


def _validate_rates(rates: Mapping[str, float] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for activity, rate in (rates or {}).items():
        try:
            value = float(rate)
        except (TypeError, ValueError):
            raise ValueError(f"rate for {activity!r} is not a number: {rate!r}") from None
        if not value >= 0:  # also rejects NaN
            raise ValueError(f"rate for {activity!r} must be zero or more, got {rate!r}")
        out[str(activity)] = value
    return out


def customer_pnl(
    cur: Any, f: Filters, rates: Mapping[str, float] | None = None, source: str = "auto"
) -> CustomerPnL:
    """Profit and loss of every customer in the filter (see :class:`CustomerPnL`).

    Parameters
    ----------
    cur : a DuckDB cursor on the store, or a read-layer engine (:mod:`analytics.query`).
    f : the filter; customers must match its attributes and have a transaction or an activity
        in its period.
    rates : optional what-if unit costs ``{activity: cost}`` that replace the saved rates for
        the whole period, without saving them.
    source : where the monthly figures come from (see :func:`facts`).
    """
    override = _validate_rates(rates)
    memo = _SHARED.get()
    key = None if memo is None else (db.content_key(cur), f, source, tuple(sorted(override.items())))
    if memo is not None and key is not None and key[0] is not None:
        if key not in memo:
            memo[key] = _customer_pnl(cur, f, override, source)
        return _copy(memo[key])
    return _customer_pnl(cur, f, override, source)


# The report's sections ask for the same P&L several times (the Overview, concentration, Delivered value):
# within shared() each is computed once. Only there: the app caches whole results per page already.
_SHARED: ContextVar[dict[tuple[Any, ...], CustomerPnL] | None] = ContextVar("pnl_shared", default=None)


@contextlib.contextmanager
def shared() -> Iterator[None]:
    """Inside the block, :func:`customer_pnl` computes each filter's P&L once per store and data version
    (callers get their own copies of the frames); nothing is kept after it."""
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def _copy(p: CustomerPnL) -> CustomerPnL:
    return dataclasses.replace(p, customers=p.customers.copy(), costs=p.costs.copy(), unpriced=p.unpriced.copy(),
                               rates_override=dict(p.rates_override))


def _customer_pnl(cur: Any, f: Filters, override: dict[str, float], source: str) -> CustomerPnL:
    totals, costs = pnl_frames(cur, f, source)
    if override:
        hit = costs["activity"].isin(list(override))
        costs.loc[hit, "cost"] = costs.loc[hit, "quantity"] * costs.loc[hit, "activity"].map(override)
        costs.loc[hit, "unpriced_quantity"] = 0.0
        new_cts = costs.groupby("customer_id")["cost"].sum()
        totals["cost_to_serve"] = totals["customer_id"].map(new_cts).fillna(0.0).astype(float)
    unpriced = (
        costs.loc[costs["unpriced_quantity"] > 0].groupby("activity", as_index=False)["unpriced_quantity"].sum()
        .rename(columns={"unpriced_quantity": "quantity"})
    )
    totals["profit"] = net_profit(totals["revenue"], totals["cogs"], totals["cost_to_serve"])
    totals["gross_profit"] = totals["revenue"] - totals["cogs"]
    for col in MONEY_COLUMNS:
        totals[col] = settle(totals[col])
    totals = totals.sort_values(["profit", "customer_id"], ascending=[False, True], ignore_index=True)
    return CustomerPnL(
        customers=totals[list(PNL_COLUMNS)],
        costs=costs[["customer_id", "activity", "quantity", "cost"]],
        unpriced=unpriced,
        currency=db.currency(cur),
        rates_override=override,
    )


def settle(values: Any) -> Any:
    """Money rounded to :data:`MONEY_DECIMALS` (a float, Series or array), with −0.0 made 0.0."""
    return np.round(values, MONEY_DECIMALS) + 0.0


def net_profit(revenue: Any, cogs: Any, cost_to_serve: Any) -> Any:
    """Profit after cost to serve, settled (:func:`settle`): the one formula every view uses."""
    return settle(revenue - cogs - cost_to_serve)


def cogs_unknown_share(revenue: float, unknown_revenue: float) -> float | None:
    """The share of revenue whose cost of goods is unknown (metric ``cogs_unknown_revenue_share``):
    0 when every cost is known; None when some is unknown but revenue is not positive (a share of
    nothing); otherwise ``unknown_revenue ÷ revenue``, capped at 1 (returns can make the net revenue
    smaller than the part without costs)."""
    if not unknown_revenue:
        return 0.0
    if not revenue or revenue <= 0:
        return None
    return float(min(1.0, max(0.0, unknown_revenue / revenue)))


def pnl_cogs_unknown_share(pnl: CustomerPnL) -> float | None:
    """:func:`cogs_unknown_share` over a P&L's customers."""
    c = pnl.customers
    return cogs_unknown_share(float(c["revenue"].sum()), float(c["cogs_unknown_revenue"].sum()))


def cogs_unknown_for(cur: Any, f: Filters, customer_id: str | None = None) -> float | None:
    """:func:`cogs_unknown_share` of the filter's transactions (of one customer's, when given), for the
    pages that show profit without a P&L of their own at hand."""
    tx, _ = facts(cur, f)
    tx = tx.filter(tx.customer_id.isin(relations.customers(f).customer_id))
    if customer_id is not None:
        tx = tx.filter(tx.customer_id == customer_id)
    got = query.row(cur, tx.aggregate(revenue=relations.money(tx.revenue.sum()),
                                      unknown=relations.money(tx.cogs_unknown_revenue.sum())))
    revenue, unknown = (got or (0.0, 0.0))
    return cogs_unknown_share(float(settle(revenue or 0.0)), float(settle(unknown or 0.0)))


def monthly_pnl(cur: Any, f: Filters) -> pd.DataFrame:
    """Totals per calendar month: ``month, revenue, cogs, cost_to_serve, profit, customers,
    cogs_unknown_revenue``.

    ``customers`` counts customers with a transaction in the month. Months with no data are absent.
    """
    out = query.df(cur, _monthly_relation(*facts(cur, f), f))
    money = ["revenue", "cogs", "cost_to_serve", "profit", "cogs_unknown_revenue"]
    out[money] = settle(out[money])
    return out


@relations.memo
def _monthly_relation(tx: ir.Table, act: ir.Table, f: Filters) -> ir.Table:
    scope = relations.customers(f).customer_id
    tx, act = tx.filter(tx.customer_id.isin(scope)), act.filter(act.customer_id.isin(scope))
    t = tx.group_by(t_month=tx.month).aggregate(
        revenue=tx.revenue.sum(), cogs=tx.cogs.sum(), customers=tx.customer_id.nunique(),
        cogs_unknown_revenue=tx.cogs_unknown_revenue.sum())
    a = act.group_by(a_month=act.month).aggregate(cost_to_serve=act.cost.sum())
    j = t.outer_join(a, t.t_month == a.a_month)
    revenue, cogs, cts = (relations.money(j.revenue), relations.money(j.cogs), relations.money(j.cost_to_serve))
    return j.select(
        month=j.t_month.fill_null(j.a_month), revenue=revenue, cogs=cogs, cost_to_serve=cts,
        profit=revenue - cogs - cts, customers=j.customers.fill_null(0).cast("int64"),
        cogs_unknown_revenue=relations.money(j.cogs_unknown_revenue)).order_by("month")


def rates(cur: Any) -> pd.DataFrame:
    """The activity rate table: ``activity, unit_cost, valid_from, valid_to, unit`` (valid_to exclusive)."""
    r = query.table(schema.ACTIVITY_RATES)
    p = relations.rate_periods()
    j = p.join(r, [p.activity == r.activity, p.valid_from == r.valid_from])
    return query.df(cur, j.select(p.activity, p.unit_cost, p.valid_from, p.valid_to, r.unit)
                    .order_by("activity", "valid_from"))


def current_rates(cur: Any) -> dict[str, float]:
    """The latest unit cost of each activity."""
    df = rates(cur)
    if df.empty:
        return {}
    latest = df[df["valid_to"].isna()]
    return dict(zip(latest["activity"], latest["unit_cost"].astype(float), strict=True))
