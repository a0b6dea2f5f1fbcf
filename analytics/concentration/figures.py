"""Profit concentration: the whale curve and the 20/80/30 figures (part of :mod:`analytics.concentration`;
DOMAIN.md §1).

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
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

import duckdb
import numpy as np
import pandas as pd

from analytics import profit
from analytics.filters import Filters
from analytics.metrics import GROUP_DIMENSIONS
from analytics.profit import CustomerPnL

TOP_SHARE = 0.20
BOTTOM_SHARE = 0.30

RateMap = Mapping[str, float] | None


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


def ranked_profits(customers: pd.DataFrame) -> np.ndarray:
    """The customers' profits in :func:`rank`'s order, without sorting the table: profits already
    settled (as every P&L's are) tie only when exactly equal, so their order among ties cannot change
    any sum; others are ranked as :func:`rank` does."""
    _require(customers, ("customer_id", "profit"))
    p = customers["profit"].to_numpy(dtype=float)
    if np.array_equal(profit.settle(p), p):
        return -np.sort(-p)  # descending
    return rank(customers)["profit"].to_numpy(dtype=float)


def figures(customers: pd.DataFrame | CustomerPnL) -> ConcentrationFigures:
    """The 20/80/30 figures of a customer table with ``customer_id`` and ``profit`` columns."""
    p = ranked_profits(customers.customers if isinstance(customers, CustomerPnL) else customers)
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


# ----------------------------------------------------------------------------- the page's headline
@dataclass(frozen=True)
class Summary:
    """Everything the page's headline needs for one filter (and optional what-if rates).

    ``curve`` is the whale curve downsampled to at most ``max_points`` rows (exact peak kept);
    ``activities`` is ``activity, quantity, cost`` summed over customers, largest cost first;
    ``unpriced`` is ``activity, quantity`` of activities with no valid rate (costed at 0);
    ``rates_override`` the what-if unit costs applied (empty for the saved rates);
    ``cogs_unknown_share`` the share of revenue whose cost of goods is unknown
    (:func:`analytics.profit.cogs_unknown_share`).
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
    cogs_unknown_share: float | None = 0.0


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
        cogs_unknown_share=profit.pnl_cogs_unknown_share(pnl),
    )


REPORT_KEYS = ("total_profit", "top20_profit_share", "whale_peak_share", "whale_peak_customer_share",
               "loss_customers", "loss_profit", "bottom30_profit", "bottom30_share_of_peak", "breakeven_profit")


def report_section(cur: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, object]:
    """The concentration figures for ``python -m analytics report`` (shares as fractions, money in the data's unit)."""
    fig = figures(profit.customer_pnl(cur, f))
    out: dict[str, object] = {k: getattr(fig, k) for k in REPORT_KEYS}
    out["loss_customer_share"] = fig.loss_customer_share
    out["gini"] = fig.gini
    return out
