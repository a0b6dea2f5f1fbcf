"""Profit concentration: the whale curve and the 20/80/30 figures (DOMAIN.md §1).

Customers are ranked by profit, most profitable first; ties are broken by ``customer_id``
ascending so that every figure is deterministic. With N customers in the ranking:

* top 20 % = the first ⌈0.2·N⌉ customers; bottom 30 % = the last ⌈0.3·N⌉ customers.
* whale curve: x = k/N (share of customers), y = cumulative profit of the first k customers
  divided by total profit; starts at (0, 0) and ends at (1, 100 %) when total profit > 0.
* peak: the highest point of the curve, reached at the smallest such k. Its height in money is
  the sum of all positive profits, which is also the total profit if every loss-maker were
  brought to break-even ("potential profit").
* Gini: the normalised Gini coefficient of Raffinetti, Siletti & Vernizzi (2015) for variables
  with negative values, Σᵢ Σⱼ |xᵢ − xⱼ| / (2 N Σᵢ |xᵢ|), which stays within [0, 1] when some
  customers lose money (the classic Gini does not).

Shares of total profit are undefined when total profit is zero or negative; they are then
``None`` and the UI says so instead of printing a meaningless percentage.

Groups to compare (:func:`compare`) are customer attributes (segment, region, channel, customer
type, plan), products and periods. A customer counts once in each attribute group. For products,
a customer's cost to serve is allocated to the products they bought in proportion to each
product's positive revenue (:func:`allocate_to_products`); for periods (quarters or years inside
the filter), each period is a filter of its own, so a customer appears in every period in which
they had a transaction or an activity, with that period's profit.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

import duckdb
import numpy as np
import pandas as pd

from analytics import filters, profit
from analytics.filters import Filters
from analytics.metrics import GROUP_DIMENSIONS
from analytics.profit import CustomerPnL
from analytics.store import schema

TOP_SHARE = 0.20
BOTTOM_SHARE = 0.30


def top_count(n: int, share: float = TOP_SHARE) -> int:
    """⌈share·n⌉, computed without floating-point surprises (⌈0.2·10⌉ is 2, not 3)."""
    return min(n, math.ceil(round(share * n, 9)))


@dataclass(frozen=True)
class ConcentrationFigures:
    """The 20/80/30 figures of one group of customers (money in the data's currency).

    ``top20_profit_share`` = profit of the top ⌈20 %⌉ / total profit;
    ``whale_peak_share`` = peak cumulative profit / total profit;
    ``whale_peak_customer_share`` = share of customers at the peak;
    ``loss_profit`` = summed profit of loss-making customers (≤ 0);
    ``bottom30_profit`` = summed profit of the bottom ⌈30 %⌉;
    ``bottom30_share_of_peak`` = bottom30_profit / peak profit (−0.5 means they erase half of the
    potential profit); ``breakeven_profit`` = total profit with loss-makers at zero = peak profit.
    Shares are fractions; None where the denominator is zero or negative.
    """

    customers: int
    total_profit: float
    top20_customers: int
    top20_profit: float
    top20_profit_share: float | None
    peak_profit: float
    whale_peak_share: float | None
    whale_peak_customers: int
    whale_peak_customer_share: float | None
    loss_customers: int
    loss_customer_share: float | None
    loss_profit: float
    bottom30_customers: int
    bottom30_profit: float
    bottom30_share_of_peak: float | None
    breakeven_profit: float
    gini: float | None

    @property
    def shares_defined(self) -> bool:
        """Whether shares of total profit mean anything (total profit > 0)."""
        return self.total_profit > 0

    def to_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def rank(customers: pd.DataFrame) -> pd.DataFrame:
    """Customers sorted by profit descending (rounded to :data:`analytics.profit.MONEY_DECIMALS`, so
    that profits equal but for float noise tie), then customer_id ascending: the ranking used
    everywhere, the same on every run."""
    _require(customers, ("customer_id", "profit"))
    key = "__rank_profit"
    return (customers.assign(**{key: profit.settle(customers["profit"].astype(float))})
            .sort_values([key, "customer_id"], ascending=[False, True], ignore_index=True)
            .drop(columns=key))


def _require(df: pd.DataFrame, cols: tuple[str, ...]) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"customer table lacks column(s): {', '.join(missing)}")
    if "profit" in cols and df["profit"].isna().any():
        raise ValueError("customer profit contains missing values")


def gini(values: np.ndarray) -> float | None:
    """Normalised Gini (Raffinetti et al. 2015) of values that may be negative; None if all are zero."""
    x = np.sort(np.asarray(values, dtype=float))
    n = x.size
    denom = np.abs(x).sum()
    if n == 0 or denom == 0:
        return None
    i = np.arange(1, n + 1)
    pair_sum = 2.0 * np.sum((2 * i - n - 1) * x)  # Σᵢ Σⱼ |xᵢ − xⱼ|
    return float(pair_sum / (2.0 * n * denom))


def figures(customers: pd.DataFrame | CustomerPnL) -> ConcentrationFigures:
    """The 20/80/30 figures of a customer table with ``customer_id`` and ``profit`` columns."""
    df = rank(customers.customers if isinstance(customers, CustomerPnL) else customers)
    p = df["profit"].to_numpy(dtype=float)
    n = p.size
    total = float(p.sum())
    cum = np.concatenate([[0.0], np.cumsum(p)])
    peak_k = int(np.argmax(cum))  # first k reaching the maximum (k = 0 when nobody makes money)
    peak = float(cum[peak_k])
    k20, k30 = top_count(n, TOP_SHARE), top_count(n, BOTTOM_SHARE)
    top20 = float(p[:k20].sum())
    bottom30 = float(p[n - k30:].sum()) if k30 else 0.0
    loss_mask = p < 0
    loss = float(p[loss_mask].sum())
    pos = total > 0
    return ConcentrationFigures(
        customers=n,
        total_profit=total,
        top20_customers=k20,
        top20_profit=top20,
        top20_profit_share=top20 / total if pos else None,
        peak_profit=peak,
        whale_peak_share=peak / total if pos else None,
        whale_peak_customers=peak_k,
        whale_peak_customer_share=peak_k / n if n else None,
        loss_customers=int(loss_mask.sum()),
        loss_customer_share=float(loss_mask.mean()) if n else None,
        loss_profit=loss,
        bottom30_customers=k30,
        bottom30_profit=bottom30,
        bottom30_share_of_peak=bottom30 / peak if peak > 0 else None,
        breakeven_profit=total - loss,
        gini=gini(p),
    )


def whale_curve(customers: pd.DataFrame | CustomerPnL) -> pd.DataFrame:
    """Every point of the whale curve, from (0, 0).

    Columns: ``rank`` (0 … N), ``customer_id`` (missing at rank 0), ``profit``, ``cum_profit``,
    ``customer_share`` (rank/N) and ``profit_share`` (cum_profit / total; NaN when total ≤ 0).
    """
    df = rank(customers.customers if isinstance(customers, CustomerPnL) else customers)
    n = len(df)
    p = df["profit"].to_numpy(dtype=float)
    cum = np.concatenate([[0.0], np.cumsum(p)])
    total = cum[-1]
    share = cum / total if total > 0 else np.full(n + 1, np.nan)
    return pd.DataFrame({
        "rank": np.arange(n + 1),
        "customer_id": [None, *df["customer_id"].tolist()],
        "profit": np.concatenate([[0.0], p]),
        "cum_profit": cum,
        "customer_share": np.arange(n + 1) / n if n else np.zeros(1),
        "profit_share": share,
    })


def downsample(curve: pd.DataFrame, max_points: int = 2000) -> pd.DataFrame:
    """At most about ``max_points`` rows of a whale curve that keep its shape and its exact peak.

    Keeps evenly spaced ranks plus the first and last points, the peak, and the top-20 % and
    bottom-30 % boundaries, so every annotated point is a real customer rank.
    """
    if max_points < 10:
        raise ValueError("max_points must be at least 10")
    n = len(curve) - 1
    if len(curve) <= max_points:
        return curve.reset_index(drop=True)
    keep = set(np.linspace(0, n, max_points - 4).round().astype(int).tolist())
    keep.add(int(np.argmax(curve["cum_profit"].to_numpy())))
    keep.add(top_count(n, TOP_SHARE))
    keep.add(n - top_count(n, BOTTOM_SHARE))
    keep.update((0, n))
    return curve.iloc[sorted(keep)].reset_index(drop=True)


GROUP_COLUMNS = GROUP_DIMENSIONS  # the customer attributes to group by: analytics.metrics
NO_GROUP = "—"  # customers with no value for the grouping column (or, for products, no positive revenue)


def by_group(customers: pd.DataFrame | CustomerPnL, by: str) -> pd.DataFrame:
    """The figures of each group of a customer attribute, one row per group (largest profit first).

    Columns: the group value (``group``; missing values grouped as "—") and every field of
    :class:`ConcentrationFigures`, plus ``revenue``, ``cogs`` and ``cost_to_serve`` when present.
    """
    df = customers.customers if isinstance(customers, CustomerPnL) else customers
    if by not in df.columns:
        raise ValueError(f"cannot group customers by {by!r}; use one of {', '.join(GROUP_COLUMNS)}")
    rows = []
    for value, g in df.groupby(df[by].fillna(NO_GROUP), sort=True):
        row: dict[str, object] = {"group": value, **figures(g).to_dict()}
        for col in ("revenue", "cogs", "cost_to_serve"):
            if col in g.columns:
                row[col] = float(g[col].sum())
        rows.append(row)
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    return out.sort_values(["total_profit", "group"], ascending=[False, True], ignore_index=True)


# ----------------------------------------------------------------------------- the page's results
DIMENSIONS = ("segment", "region", "channel", "customer_type", "plan", "product", "period")
ATTRIBUTE_DIMENSIONS = GROUP_DIMENSIONS
PERIOD_UNITS = ("quarter", "year")
UNIT_COLUMNS = ("group", "customer_id", "name", "customer_type", "segment", "region", "channel", "plan",
                "revenue", "cogs", "cost_to_serve", "profit")
_ATTRS = ("name", "customer_type", "segment", "region", "channel", "plan")
RateMap = Mapping[str, float] | None


@dataclass(frozen=True)
class Summary:
    """Everything the page's headline needs for one filter (and optional what-if rates).

    ``curve`` is the whale curve downsampled to at most ``max_points`` rows (exact peak kept);
    ``activities`` is ``activity, quantity, cost`` summed over customers, largest cost first;
    ``unpriced`` is ``activity, quantity`` of activities with no valid rate (costed at 0);
    ``rates_override`` the what-if unit costs applied (empty for the saved rates).
    """

    figures: ConcentrationFigures
    curve: pd.DataFrame
    currency: str
    revenue: float
    cogs: float
    cost_to_serve: float
    activities: pd.DataFrame
    unpriced: pd.DataFrame
    rates_override: dict[str, float] = field(default_factory=dict)


def summary(cur: duckdb.DuckDBPyConnection, f: Filters, rates: RateMap = None, max_points: int = 2000) -> Summary:
    """The figures, the downsampled whale curve and the totals of the filter (see :class:`Summary`)."""
    pnl = profit.customer_pnl(cur, f, rates)
    c = pnl.customers
    return Summary(
        figures=figures(pnl),
        curve=downsample(whale_curve(pnl), max_points),
        currency=pnl.currency,
        revenue=float(c["revenue"].sum()),
        cogs=float(c["cogs"].sum()),
        cost_to_serve=float(c["cost_to_serve"].sum()),
        activities=pnl.activity_totals,
        unpriced=pnl.unpriced,
        rates_override=dict(pnl.rates_override),
    )


@dataclass(frozen=True)
class Units:
    """The P&L units of one comparison dimension.

    ``pnl`` has :data:`UNIT_COLUMNS`: one row per group and customer (``group`` is the attribute
    value, the product, or the period label). ``costs`` is ``group, customer_id, activity, cost``.
    Summed over groups, revenue, cost of goods, cost to serve and profit equal the customer P&L of
    the whole filter (up to floating-point rounding for allocated product costs).
    """

    dimension: str
    pnl: pd.DataFrame
    costs: pd.DataFrame


def _customer_units(pnl: CustomerPnL, column: str | None) -> Units:
    c = pnl.customers
    group = c[column].fillna(NO_GROUP) if column else pd.Series("", index=c.index)
    units_pnl = c.assign(group=group.astype(str))[list(UNIT_COLUMNS)]
    costs = pnl.costs.merge(units_pnl[["customer_id", "group"]], on="customer_id", how="inner")
    return Units(column or "all", units_pnl.reset_index(drop=True),
                 costs[["group", "customer_id", "activity", "cost"]].reset_index(drop=True))


def product_sales(cur: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Revenue and cost of goods per customer and product in the filter: ``customer_id, product, revenue, cogs``."""
    period, params = f.period_sql("t.tx_date")
    cust_sql, p2 = f.customer_sql("c")
    params.update(p2)
    return cur.execute(
        f"""SELECT t.customer_id, t.product, CAST(sum(t.revenue) AS DOUBLE) AS revenue,
                   CAST(sum(t.cogs) AS DOUBLE) AS cogs
            FROM {schema.TRANSACTIONS} t JOIN {schema.CUSTOMERS} c USING (customer_id)
            WHERE {period} AND {cust_sql}
            GROUP BY ALL ORDER BY 1, 2""",
        params,
    ).df()


def allocate_to_products(pnl: CustomerPnL, sales: pd.DataFrame) -> Units:
    """Customer P&L split by product; cost to serve allocated in proportion to revenue.

    Each customer's revenue and cost of goods are the product's own. The customer's cost to serve
    (every activity) is shared among the products they bought in proportion to each product's
    positive revenue: weight = max(revenue_p, 0) / Σ max(revenue_q, 0). Products whose revenue is
    zero or negative (returns) get no cost to serve. A customer with no positive revenue at all
    (activities only, or only returns) keeps the whole cost to serve in the group ``"—"``
    (:data:`NO_GROUP`), so that the groups still add up to the whole filter.

    Parameters
    ----------
    pnl : :func:`analytics.profit.customer_pnl` of the filter.
    sales : ``customer_id, product, revenue, cogs`` of the same filter (:func:`product_sales`).
    """
    missing = [col for col in ("customer_id", "product", "revenue", "cogs") if col not in sales.columns]
    if missing:
        raise ValueError(f"product sales lack column(s): {', '.join(missing)}")
    # Integer codes and numpy throughout: at 100,000 customers, Python-level work on text ids is slow.
    c = pnl.customers.reset_index(drop=True)
    ids = pd.Index(c["customer_id"])
    n = len(c)
    s = sales.assign(cust=ids.get_indexer(sales["customer_id"]))
    s = s[s["cust"] >= 0]
    cust = s["cust"].to_numpy()
    products = s["product"].fillna(NO_GROUP).astype(str).to_numpy(dtype=object)
    revenue = s["revenue"].to_numpy(dtype=float)
    cogs = s["cogs"].to_numpy(dtype=float)
    positive = np.clip(revenue, 0.0, None)
    base = np.bincount(cust, weights=positive, minlength=n)
    weight = np.divide(positive, base[cust], out=np.zeros(len(s)), where=base[cust] > 0)
    cts = c["cost_to_serve"].to_numpy(dtype=float)
    # Customers none of whose products can carry cost keep it unallocated (and those with neither
    # sales nor cost keep a row, so that every customer of the P&L is somewhere).
    has_sales = np.bincount(cust, minlength=n) > 0
    rest = np.flatnonzero((base <= 0) & ((cts != 0) | ~has_sales))
    unit_cust = np.concatenate([cust, rest])
    unit_group = np.concatenate([products, np.full(len(rest), NO_GROUP, dtype=object)])
    unit_weight = np.concatenate([weight, np.ones(len(rest))])
    # Final order (group, then customer_id) computed on integer ranks, then applied once to arrays.
    id_text = c["customer_id"].to_numpy(dtype=object)
    id_rank = np.empty(n, dtype=np.int64)
    id_rank[np.argsort(id_text, kind="stable")] = np.arange(n)
    group_codes, _ = pd.factorize(unit_group, sort=True)
    order = np.lexsort((id_rank[unit_cust], group_codes))
    unit_cust, unit_group, unit_weight = unit_cust[order], unit_group[order], unit_weight[order]
    unit_cost = np.concatenate([cts[cust] * weight, cts[rest]])[order]
    # Text stays in object arrays: converting 100,000s of values to Arrow strings costs more than the rest.
    u = pd.DataFrame({
        "group": pd.Series(unit_group, dtype=object),
        "customer_id": pd.Series(id_text[unit_cust], dtype=object),
        **{col: pd.Series(c[col].to_numpy(dtype=object)[unit_cust], dtype=object) for col in _ATTRS},
        "revenue": np.concatenate([revenue, np.zeros(len(rest))])[order],
        "cogs": np.concatenate([cogs, np.zeros(len(rest))])[order],
        "cost_to_serve": unit_cost,
    })
    collide = u.duplicated(["group", "customer_id"]).any()  # a product literally named "—" meets an unallocated row
    if collide:
        u = u.groupby(["group", "customer_id", *_ATTRS], as_index=False, dropna=False)[
            ["revenue", "cogs", "cost_to_serve"]].sum()
    u["profit"] = profit.net_profit(u["revenue"], u["cogs"], u["cost_to_serve"])
    u = u[list(UNIT_COLUMNS)]
    w = pd.DataFrame({"cust": unit_cust, "group": pd.Series(unit_group, dtype=object), "weight": unit_weight})
    k = pnl.costs.assign(cust=ids.get_indexer(pnl.costs["customer_id"]))
    costs = k[k["cust"] >= 0].merge(w[w["weight"] > 0], on="cust", how="inner")
    costs["cost"] = costs["cost"] * costs["weight"]
    costs = costs[["group", "customer_id", "activity", "cost"]]
    if collide:  # pnl.costs has one row per customer and activity, so only a collision repeats a key
        costs = costs.groupby(["group", "customer_id", "activity"], as_index=False, sort=False)["cost"].sum()
    return Units("product", u, costs)


def data_span(cur: duckdb.DuckDBPyConnection) -> tuple[dt.date, dt.date] | None:
    """First and last date of any transaction or activity (None for an empty store)."""
    row = cur.execute(
        f"""SELECT min(d), max(d) FROM (SELECT tx_date AS d FROM {schema.TRANSACTIONS}
            UNION ALL SELECT activity_date FROM {schema.ACTIVITIES})"""
    ).fetchone()
    return None if row is None or row[0] is None else (row[0], row[1])


def periods(f: Filters, span: tuple[dt.date, dt.date] | None, unit: str = "quarter") -> list[tuple[str, dt.date, dt.date]]:
    """The calendar quarters or years that meet the filter's period, clipped to it.

    Open ends of the filter are taken from ``span`` (the data's first and last dates). Labels are
    ``"2025-Q1"`` or ``"2025"`` (they sort chronologically). Returns ``(label, first, last)``.
    """
    if unit not in PERIOD_UNITS:
        raise ValueError(f"unknown period unit {unit!r}; use one of {', '.join(PERIOD_UNITS)}")
    start = f.date_from or (span[0] if span else None)
    end = f.date_to or (span[1] if span else None)
    if start is None or end is None:
        return []
    months = 3 if unit == "quarter" else 12
    first = dt.date(start.year, 1 if unit == "year" else 3 * ((start.month - 1) // 3) + 1, 1)
    out = []
    while first <= end:
        nxt = filters.add_months(first, months)
        label = f"{first.year}-Q{(first.month - 1) // 3 + 1}" if unit == "quarter" else str(first.year)
        out.append((label, max(first, start), min(nxt - dt.timedelta(days=1), end)))
        first = nxt
    return out


def _period_units(cur: duckdb.DuckDBPyConnection, f: Filters, unit: str, rates: RateMap) -> Units:
    spans = periods(f, data_span(cur), unit)
    parts = [_customer_units(profit.customer_pnl(cur, f.with_period(a, b), rates), None) for _, a, b in spans]
    labels = [label for label, _, _ in spans]
    if not parts:
        return Units("period", pd.DataFrame(columns=list(UNIT_COLUMNS)),
                     pd.DataFrame(columns=["group", "customer_id", "activity", "cost"]))
    return Units("period",
                 pd.concat([u.pnl.assign(group=g) for g, u in zip(labels, parts, strict=True)], ignore_index=True),
                 pd.concat([u.costs.assign(group=g) for g, u in zip(labels, parts, strict=True)], ignore_index=True))


def units(cur: duckdb.DuckDBPyConnection, f: Filters, dimension: str, rates: RateMap = None,
          period_unit: str = "quarter") -> Units:
    """The P&L units of ``dimension`` (one of :data:`DIMENSIONS` or ``industry``); see :class:`Units`."""
    if dimension == "product":
        return allocate_to_products(profit.customer_pnl(cur, f, rates), product_sales(cur, f))
    if dimension == "period":
        return _period_units(cur, f, period_unit, rates)
    if dimension not in ATTRIBUTE_DIMENSIONS:
        raise ValueError(f"cannot compare by {dimension!r}; use one of {', '.join(DIMENSIONS)}")
    return _customer_units(profit.customer_pnl(cur, f, rates), dimension)


def compare(cur: duckdb.DuckDBPyConnection, f: Filters, dimension: str = "segment", rates: RateMap = None,
            period_unit: str = "quarter") -> pd.DataFrame:
    """The 20/80/30 figures of every group of ``dimension`` (:func:`by_group` over :func:`units`).

    One row per group: ``group``, every :class:`ConcentrationFigures` field, ``revenue``, ``cogs``,
    ``cost_to_serve``. Attribute and product groups are sorted by total profit (largest first, then
    name); periods chronologically. Product groups use revenue-proportional cost allocation
    (:func:`allocate_to_products`).
    """
    u = units(cur, f, dimension, rates, period_unit)
    out = by_group(u.pnl, "group")
    if dimension == "period" and not out.empty:
        out = out.sort_values("group", ignore_index=True)
    return out


@dataclass(frozen=True)
class LossDrivers:
    """Which activities drive the losses of a group of customers.

    ``activities`` has one row per activity: ``activity``; ``loss_cost`` (its cost summed over the
    group's loss-makers, profit < 0); ``loss_cost_share`` (÷ the loss-makers' whole cost to
    serve); ``loss_cost_per_customer`` and ``other_cost_per_customer`` (per loss-maker, and per
    other customer of the group, profit ≥ 0); ``loss_cost_per_revenue`` and
    ``other_cost_per_revenue`` (÷ the revenue of each side; NaN where that revenue is ≤ 0).
    Sorted by ``loss_cost`` descending, then activity.
    """

    group: str | None
    customers: int
    loss_customers: int
    loss_profit: float
    loss_revenue: float
    loss_cost_to_serve: float
    activities: pd.DataFrame


def activity_drivers(u: Units, group: str | None = None) -> LossDrivers:
    """:class:`LossDrivers` of the units of one group (all units when ``group`` is None)."""
    pnl = u.pnl if group is None else u.pnl[u.pnl["group"] == group]
    costs = u.costs if group is None else u.costs[u.costs["group"] == group]
    loss = pnl[pnl["profit"] < 0]
    other = pnl[pnl["profit"] >= 0]
    key = ["group", "customer_id"]
    loss_keys = pd.MultiIndex.from_frame(loss[key])
    in_loss = pd.MultiIndex.from_frame(costs[key]).isin(loss_keys)
    per = pd.DataFrame({
        "loss_cost": costs[in_loss].groupby("activity")["cost"].sum(),
        "other_cost": costs[~in_loss].groupby("activity")["cost"].sum(),
    }).fillna(0.0)
    per.index.name = "activity"
    per = per.reset_index()
    n_loss, n_other = len(loss), len(other)
    loss_rev, other_rev = float(loss["revenue"].sum()), float(other["revenue"].sum())
    loss_cts = float(loss["cost_to_serve"].sum())
    per["loss_cost_share"] = per["loss_cost"] / loss_cts if loss_cts > 0 else np.nan
    per["loss_cost_per_customer"] = per["loss_cost"] / n_loss if n_loss else np.nan
    per["other_cost_per_customer"] = per["other_cost"] / n_other if n_other else np.nan
    per["loss_cost_per_revenue"] = per["loss_cost"] / loss_rev if loss_rev > 0 else np.nan
    per["other_cost_per_revenue"] = per["other_cost"] / other_rev if other_rev > 0 else np.nan
    per = per.sort_values(["loss_cost", "activity"], ascending=[False, True], ignore_index=True)
    return LossDrivers(group=group, customers=len(pnl), loss_customers=n_loss, loss_profit=float(loss["profit"].sum()),
                       loss_revenue=loss_rev, loss_cost_to_serve=loss_cts,
                       activities=per.drop(columns="other_cost"))


def loss_drivers(cur: duckdb.DuckDBPyConnection, f: Filters, dimension: str | None = None, group: str | None = None,
                 rates: RateMap = None, period_unit: str = "quarter") -> LossDrivers:
    """Which activities drive the losses: of the whole filter, or of one group of ``dimension``."""
    if dimension is None or group is None:
        return activity_drivers(_customer_units(profit.customer_pnl(cur, f, rates), None))
    return activity_drivers(units(cur, f, dimension, rates, period_unit), group)


def rank_range(n: int, share_range: tuple[float, float]) -> tuple[int, int]:
    """The customer ranks (1-based, inclusive) whose whale-curve points lie in a range of customer shares.

    Rank k sits at x = k/n; the range ``(lo, hi)`` (fractions, in either order, clipped to [0, 1])
    keeps ranks ⌈lo·n⌉ … ⌊hi·n⌋, at least rank 1. An empty range gives ``(first, first − 1)``.
    """
    try:
        lo, hi = sorted(min(max(float(v), 0.0), 1.0) for v in share_range)
    except (TypeError, ValueError):
        raise ValueError(f"a share range is two numbers, got {share_range!r}") from None
    first = max(1, math.ceil(round(lo * n, 9)))
    last = min(n, math.floor(round(hi * n, 9)))
    return first, max(last, first - 1)


@dataclass(frozen=True)
class CustomerTable:
    """A table of customers with what drives their cost.

    ``frame`` columns: ``rank`` (in the whole filter's ranking, 1 = most profitable),
    ``customer_id, name, segment, region, channel, customer_type, plan, revenue, cogs,
    cost_to_serve, profit``, ``main_driver`` (the activity with the largest cost; None without
    activities), ``main_driver_share`` (its cost ÷ cost to serve) and one ``cost:<activity>``
    column per activity in ``activities`` (largest total cost first). ``matched`` counts the rows
    before the cut to ``n``; ``ranks`` is the rank range applied (None when none).
    """

    frame: pd.DataFrame
    activities: tuple[str, ...]
    matched: int
    ranks: tuple[int, int] | None


TABLE_KINDS = ("top", "loss")


def customer_table(cur: duckdb.DuckDBPyConnection, f: Filters, kind: str = "top", n: int = 20, rates: RateMap = None,
                   share_range: tuple[float, float] | None = None, dimension: str | None = None,
                   group: str | None = None, period_unit: str = "quarter") -> CustomerTable:
    """The most profitable (``kind="top"``: profit > 0, largest first) or the most loss-making
    (``"loss"``: profit < 0, largest loss first) customers, ties broken by customer_id.

    ``share_range`` keeps customers whose point on the whole filter's whale curve lies in that
    range of customer shares (:func:`rank_range`). With ``dimension`` and ``group``, rows are that
    group's units (:func:`units`): for products, the customer's P&L on the product with allocated
    cost to serve; for periods, the customer's P&L in the period.
    """
    if kind not in TABLE_KINDS:
        raise ValueError(f"unknown table {kind!r}; use one of {', '.join(TABLE_KINDS)}")
    if n < 1:
        raise ValueError("a table needs at least one row")
    pnl = profit.customer_pnl(cur, f, rates)
    ranking = pnl.customers["customer_id"]  # customer_pnl sorts by profit desc, then customer_id
    ranks = pd.Series(np.arange(1, len(ranking) + 1), index=ranking.to_numpy())
    u = _customer_units(pnl, None) if dimension is None or group is None else units(cur, f, dimension, rates, period_unit)
    rows = u.pnl if dimension is None or group is None else u.pnl[u.pnl["group"] == group]
    costs = u.costs if dimension is None or group is None else u.costs[u.costs["group"] == group]
    rows = rows.assign(rank=rows["customer_id"].map(ranks).astype(int))
    applied = None
    if share_range is not None:
        applied = rank_range(len(ranking), share_range)
        rows = rows[rows["rank"].between(*applied)]
    rows = rows[rows["profit"] > 0] if kind == "top" else rows[rows["profit"] < 0]
    rows = rows.sort_values(["profit", "customer_id"], ascending=[kind == "loss", True], ignore_index=True)
    matched = len(rows)
    rows = rows.head(n)
    activities = tuple(pnl.activity_totals["activity"])
    matrix = (costs[costs["customer_id"].isin(rows["customer_id"])]
              .pivot_table(index="customer_id", columns="activity", values="cost", aggfunc="sum", fill_value=0.0)
              .reindex(index=rows["customer_id"], columns=list(activities), fill_value=0.0).fillna(0.0))
    top_cost = matrix.max(axis=1) if activities else pd.Series(0.0, index=matrix.index)
    driver = matrix.idxmax(axis=1).where(top_cost > 0) if activities else pd.Series(None, index=matrix.index)
    out = rows[["rank", "customer_id", *_ATTRS, "revenue", "cogs", "cost_to_serve", "profit"]].copy()
    out["main_driver"] = pd.Series([d if isinstance(d, str) else None for d in driver], index=out.index, dtype=object)
    cts = out["cost_to_serve"].to_numpy()
    out["main_driver_share"] = np.divide(top_cost.to_numpy(), cts, out=np.full(len(out), np.nan), where=cts > 0)
    for a in activities:
        out[f"cost:{a}"] = matrix[a].to_numpy()
    return CustomerTable(out, activities, matched, applied)


@dataclass(frozen=True)
class Bridge:
    """From revenue to profit for a scope: ``costs`` is ``activity, cost`` (largest first)."""

    revenue: float
    cogs: float
    cost_to_serve: float
    profit: float
    customers: int
    costs: pd.DataFrame


def bridge(cur: duckdb.DuckDBPyConnection, f: Filters, rates: RateMap = None, column: str | None = None,
           value: str | None = None, customer_id: str | None = None) -> Bridge:
    """Revenue, cost of goods, each activity's cost and profit of the whole filter, of the customers
    whose ``column`` equals ``value`` ("—" for missing), or of one customer.

    Raises ValueError for an unknown column or a customer with no transaction or activity in the filter.
    """
    pnl = profit.customer_pnl(cur, f, rates)
    c = pnl.customers
    if customer_id is not None:
        sel = c[c["customer_id"] == str(customer_id)]
        if sel.empty:
            raise ValueError(f"customer {customer_id!r} has no transaction or activity in this selection")
    elif column is not None:
        if column not in ATTRIBUTE_DIMENSIONS:
            raise ValueError(f"cannot select customers by {column!r}; use one of {', '.join(ATTRIBUTE_DIMENSIONS)}")
        sel = c[c[column].fillna(NO_GROUP).astype(str) == str(value)]
    else:
        sel = c
    costs = pnl.costs[pnl.costs["customer_id"].isin(sel["customer_id"])]
    per = costs.groupby("activity", as_index=False)["cost"].sum()
    per = per.sort_values(["cost", "activity"], ascending=[False, True], ignore_index=True)
    return Bridge(revenue=float(sel["revenue"].sum()), cogs=float(sel["cogs"].sum()),
                  cost_to_serve=float(sel["cost_to_serve"].sum()), profit=float(sel["profit"].sum()),
                  customers=len(sel), costs=per)


def search_customers(cur: duckdb.DuckDBPyConnection, f: Filters, query: str, limit: int = 20) -> pd.DataFrame:
    """Customers of the filter whose id or name contains ``query`` (case-insensitive).

    Columns ``customer_id, name, segment, profit``; an exact id first, then ids that start with the
    query, then the rest, each by customer_id; at most ``limit`` rows; empty for a blank query.
    """
    cols = ["customer_id", "name", "segment", "profit"]
    q = (query or "").strip().casefold()
    c = profit.customer_pnl(cur, f).customers
    if not q:
        return c[cols].iloc[:0]
    ids = c["customer_id"].astype(str).str.casefold()
    names = c["name"].fillna("").astype(str).str.casefold()
    hit = c[ids.str.contains(q, regex=False) | names.str.contains(q, regex=False)].copy()
    hid = hit["customer_id"].astype(str).str.casefold()
    hit["_order"] = np.where(hid == q, 0, np.where(hid.str.startswith(q), 1, 2))
    return hit.sort_values(["_order", "customer_id"], ignore_index=True)[cols].head(limit)


REPORT_KEYS = ("total_profit", "top20_profit_share", "whale_peak_share", "whale_peak_customer_share",
               "loss_customers", "loss_profit", "bottom30_profit", "bottom30_share_of_peak", "breakeven_profit")


def report_section(cur: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, object]:
    """The concentration figures for ``python -m analytics report`` (shares as fractions, money in the data's unit)."""
    fig = figures(profit.customer_pnl(cur, f))
    out: dict[str, object] = {k: getattr(fig, k) for k in REPORT_KEYS}
    out["loss_customer_share"] = fig.loss_customer_share
    out["gini"] = fig.gini
    return out
