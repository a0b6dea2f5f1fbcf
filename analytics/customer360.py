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
import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analytics import delivered_value, filters, lifecycle, profit, query
from analytics.clv import intervals
from analytics.clv import value as customer_value
from analytics.filters import Allowance, Filters, OutsideAllowance
from analytics.query import relations
from analytics.store import db, schema

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
    model_used : the purchase model behind P(alive), expected purchases, potential value and their
        ranges (:func:`analytics.clv.value.model_used`: the holdout comparison's choice, as on Customer
        value and Lifecycle); None without a valuation.
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
    model_used: dict[str, object] | None = None


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
    c = _allowed(allowance)
    ql = q.lower()
    cid, name = c.customer_id.lower(), c.name.lower()
    rank = ibis.cases((cid == ql, 0), (cid.startswith(ql), 1), (name.startswith(ql), 2), else_=3)
    hits = c.filter(cid.contains(ql) | name.contains(ql))
    return _read(cur, hits.select("customer_id", "name", "segment", "region", rank=rank)
                    .order_by("rank", "customer_id").limit(int(limit)).drop("rank"))


_read = query.df  # search() takes a parameter named query


def _allowed(allowance: Allowance | None) -> ir.Table:
    """The customers ``allowance`` permits (every customer without one)."""
    if allowance is None or not allowance.restricted:
        return query.table(schema.CUSTOMERS)
    return relations.customers(Filters(regions=allowance.regions, segments=allowance.segments))


def _period(cur: duckdb.DuckDBPyConnection, f: Filters) -> Filters:
    """The filter's period only (attributes dropped), open ends resolved to the data."""
    return Filters(f.date_from, f.date_to).resolved(filters.data_bounds(cur))


def _of(name: str, cid: str, as_of: dt.date | None = None, date_column: str | None = None) -> ir.Table:
    """The rows of table ``name`` about customer ``cid`` (dated up to ``as_of`` in ``date_column``)."""
    t = query.table(name)
    t = t.filter(t.customer_id == cid)
    return t.filter(t[date_column] <= as_of) if as_of is not None and date_column else t


def customer360(cur: duckdb.DuckDBPyConnection, customer_id: str, f: Filters,
                allowance: Allowance | None = None) -> Customer360:
    """Everything about ``customer_id`` (see :class:`Customer360`); ValueError for an unknown id, and
    :class:`~analytics.filters.OutsideAllowance` for a customer ``allowance`` does not permit."""
    cid = str(customer_id or "").strip()
    if not cid:
        raise ValueError("no customer id given")
    c = query.table(schema.CUSTOMERS)
    r = c.view().select(r_id="customer_id", referrer_name="name")
    one = c.filter(c.customer_id == cid)
    profile = query.df(cur, one.left_join(r, one.referred_by == r.r_id).drop("r_id"))
    if profile.empty:
        raise ValueError(f"unknown customer id {cid!r}")
    if allowance is not None and not allowance.permits(profile["region"].iloc[0], profile["segment"].iloc[0]):
        raise OutsideAllowance(f"customer {cid!r} is outside what you may see",
                               {k: v for k, v in (("regions", allowance.regions), ("segments", allowance.segments)) if v})
    profile = profile[[*PROFILE_COLUMNS, "referrer_name"]]
    p = _period(cur, f)
    as_of = p.date_to
    upto = as_of or dt.date.max
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
            # the period's start only picks the holdout split whose chosen purchase model values everyone,
            # as on the Customer value page for this period (valuations use no other part of it)
            values = customer_value.customer_values(cur, Filters(date_from=p.date_from, date_to=as_of))
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
                kpis[key] = None if np.isnan(x) else x  # e.g. P(alive) without a purchase model
            kpis["tier"] = str(v["tier"].iloc[0])
            kpis["referrals"] = int(v["referrals"].iloc[0])

    t = _of(schema.TRANSACTIONS, cid, upto, "tx_date")
    tx_count = int(query.scalar(cur, t.count()) or 0)
    transactions = query.df(cur, t.select(
        "transaction_id", "tx_date", "product", "quantity", revenue=t.revenue.cast("float64"),
        cogs=t.cogs.cast("float64"), gross_profit=(t.revenue - t.cogs).cast("float64"),
    ).order_by([ibis.desc("tx_date"), ibis.desc("transaction_id")]).limit(MAX_ROWS))
    a = _of(schema.ACTIVITIES, cid, upto, "activity_date")
    act_count = int(query.scalar(cur, a.count()) or 0)
    rp = relations.rate_periods().rename(r_activity="activity")
    rt = query.table(schema.ACTIVITY_RATES)
    units = rt.group_by(u_activity=rt.activity).aggregate(unit=rt.unit.max())
    j = a.left_join(rp, [a.activity == rp.r_activity, a.activity_date >= rp.valid_from,
                         rp.valid_to.isnull() | (a.activity_date < rp.valid_to)])
    j = j.left_join(units, j.activity == units.u_activity)
    activities = query.df(cur, j.select(
        "activity_id", "activity_date", "activity", "quantity", "unit_cost",
        cost=(j.quantity * j.unit_cost).fill_null(0.0), unit=j.unit,
    ).order_by([ibis.desc("activity_date"), ibis.desc("activity_id")]).limit(MAX_ROWS))
    if tx_count > MAX_ROWS or act_count > MAX_ROWS:
        notes.append("c360.note.capped")

    monthly = _monthly(cur, cid, p)
    feedback = query.df(cur, _of(schema.FEEDBACK, cid, upto, "feedback_date").select(
        "feedback_id", "feedback_date", "kind", "nps_score", "channel", "topic", "text",
    ).order_by([ibis.desc("feedback_date"), ibis.desc("feedback_id")]))
    assessments = query.df(cur, _of(schema.ASSESSMENTS, cid, upto, "assessed_on").drop("load_id")
                           .order_by([ibis.desc("assessed_on"), ibis.desc("assessment_id")]))
    if len(assessments):
        assessments = delivered_value.score(assessments)
    else:
        assessments = assessments.assign(customer_value=[], customer_cost=[], delivered_value=[], gap_overall=[])
    assessments = assessments[["assessment_id", "assessed_on", *schema.VALUE_PARTS, *schema.COST_PARTS,
                               "customer_value", "customer_cost", "delivered_value", "gap_overall"]]

    by = c.view()
    referrer = query.df(cur, by.filter(by.customer_id.isin(one.referred_by)).select("customer_id", "name", "segment"))
    referrals = query.df(cur, c.filter(c.referred_by == cid).select("customer_id", "name", "segment", "acquired_on")
                         .order_by("acquired_on", "customer_id"))
    realized = (values.table.set_index("customer_id")["realized_value"] if values is not None
                else pd.Series(dtype=float))
    referrals["realized_value"] = referrals["customer_id"].map(realized).astype(float)
    if values is not None and kpis["influence_value"] is None and len(referrals):
        # Not valued itself (no transaction or activity yet), but its referrals are: influence
        # value is still the realized value of those it referred (direct level, as valued).
        kpis["influence_value"] = float(referrals["realized_value"].fillna(0.0).sum())
        kpis["referrals"] = len(referrals)

    o = _of(schema.OPPORTUNITIES, cid)
    opportunities = query.df(cur, o.select(
        "opportunity_id", "stage", "created_on", "closed_on", "region", "channel", amount=o.amount.cast("float64"),
    ).relocate("amount", after="closed_on").order_by([ibis.desc("created_on"), ibis.desc("opportunity_id")]))
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
        model_used=None if values is None else customer_value.model_used(values.extra.get("purchase_fit"),
                                                                          values.extra.get("purchase_model", "none")),
    )


def value_ranges(cur: duckdb.DuckDBPyConnection, as_of: dt.date | None,
                 date_from: dt.date | None = None) -> intervals.Intervals | None:
    """The ranges of the valuation :func:`customer360`'s value figures come from (every customer on
    ``as_of``, the default assumptions, the purchase model the holdout comparison chose for the period
    from ``date_from``): :func:`analytics.clv.intervals.value_intervals`, read from the store when precomputed. None without an as-of date, data or a purchase model with a covariance.
    Separate from :func:`customer360` so that a caller caches it once for every customer."""
    if as_of is None:
        return None
    try:
        return intervals.value_intervals(cur, Filters(date_from=date_from, date_to=as_of))
    except ValueError:  # no customers to value on that date
        return None


def customer_ranges(ranges: intervals.Intervals | None, customer_id: str) -> dict[str, object] | None:
    """One customer's row of :func:`value_ranges`: ``level``, ``draws``, ``(lower, upper)`` of ``p_alive``
    (None without a purchase), ``expected_purchases`` and ``potential_value``, ``spans_tiers`` and the
    potential-value ``levels`` (low/mid/high) of both ends. None when the customer is not valued."""
    if ranges is None:
        return None
    row = ranges.customers[ranges.customers["customer_id"] == customer_id]
    if row.empty:
        return None
    r = row.iloc[0]
    pa = (float(r["p_alive_lower"]), float(r["p_alive_upper"]))
    return {"level": ranges.level, "draws": ranges.draws - ranges.rejected,
            "p_alive": None if any(np.isnan(pa)) else pa,
            "expected_purchases": (float(r["expected_purchases_lower"]), float(r["expected_purchases_upper"])),
            "potential_value": (float(r["potential_value_lower"]), float(r["potential_value_upper"])),
            "spans_tiers": bool(r["spans_tiers"]),
            "levels": (str(r["potential_level_lower"]), str(r["potential_level_upper"]))}


def _monthly(cur: duckdb.DuckDBPyConnection, cid: str, p: Filters) -> pd.DataFrame:
    """Monthly P&L of one customer from its first month with data to the as-of date."""
    cols = ["month", "revenue", "cogs", "cost_to_serve", "profit", "cumulative_profit"]
    if p.date_to is None:
        return pd.DataFrame(columns=cols)
    tx, act = profit.facts(cur, Filters(date_to=p.date_to))
    tx, act = tx.filter(tx.customer_id == cid), act.filter(act.customer_id == cid)
    t = tx.group_by(t_month=tx.month).aggregate(revenue=tx.revenue.sum(), cogs=tx.cogs.sum())
    a = act.group_by(a_month=act.month).aggregate(cost_to_serve=act.cost.sum())
    j = t.outer_join(a, t.t_month == a.a_month)
    df = query.df(cur, j.select(
        month=j.t_month.fill_null(j.a_month), revenue=relations.money(j.revenue), cogs=relations.money(j.cogs),
        cost_to_serve=relations.money(j.cost_to_serve)).order_by("month"))
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
    firsts = [query.date_value(query.scalar(cur, _of(schema.TRANSACTIONS, cid).tx_date.min())),
              query.date_value(query.scalar(cur, _of(schema.OPPORTUNITIES, cid).created_on.min()))]
    first = min((d for d in firsts if d is not None), default=None)
    acquired = profile["acquired_on"].iloc[0]
    candidates = [d for d in (first, None if pd.isna(acquired) else pd.Timestamp(acquired).date()) if d is not None]
    start = max(min(candidates), bounds[0]) if candidates else bounds[0]
    if start > p.date_to:
        return pd.DataFrame({"date": [], "stage": []}), []
    alive = lifecycle.alive_model(cur, Filters(date_from=p.date_from, date_to=p.date_to))
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
