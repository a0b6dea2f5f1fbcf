"""Customer value to the company: realized, potential and influence value, and value tiers (DOMAIN.md §4).

Definitions (the valuation date is the filter's period end, else the data's last day; history
runs from the beginning of the data, so the period's start is not used):

* **Realized value** (既成价值) = the customer's profit after cost to serve from the beginning of
  the data to the valuation date (:func:`analytics.profit.customer_pnl`: revenue − cost of goods
  − activity-based cost to serve). Customers who were customers before the data begin have only
  the part inside the data.
* **Potential value** (潜在价值) = discounted expected profit over the next ``horizon_months``:
  Σₖ expected purchases in month k × expected profit per purchase / (1 + d)^(k/12).
  Expected purchases and P(alive) come from the purchase model the holdout comparison chose
  (BG/NBD, Pareto/NBD or MBG/NBD, :mod:`analytics.clv.comparison`; any can be named instead);
  expected *gross* spend per purchase from Gamma-Gamma (positive spend only, :mod:`analytics.clv.models`); then, separately,
  profit per purchase = expected spend × (gross-margin rate − cost-to-serve rate), where the
  gross-margin rate = (revenue − cost of goods) / revenue and the cost-to-serve rate = cost to
  serve / revenue of the customer's own history (the filter's pooled rates when the customer's
  revenue is not positive). A loss-making customer therefore has a negative potential value:
  high sales are not high value.
* **Influence value** (影响价值) = realized value of the customers this customer referred
  directly (``customers.referred_by``), whatever their segment, plus ``second_level_weight`` ×
  the realized value of the customers those referred (0 by default: direct referrals only).
  It is also part of the referred customers' own value, so influence values do not add up
  across customers with realized and potential value.
* **Total value** = realized + potential + influence value.
* **Tiers**: realized and potential value are each cut into low / mid / high at quantiles
  ``cuts`` of the customers valued (default terciles 1/3, 2/3): low ≤ first cut < mid ≤ second
  cut < high. The tier code is ``"<realized level>/<potential level>"``, e.g. ``"high/low"``.
  A cell's value share = its customers' realized + potential value ÷ that of all customers
  (influence left out, being counted in the referred customers' own value).

**Fallbacks**, each reported in ``notes`` (i18n keys and parameters) and shown to the user:
purchases — BG/NBD fitted on the filter's customers → BG/NBD parameters fitted on every customer
(when the filter's fit fails or has fewer than 30 customers or 10 repeat buyers) → each
customer's average purchase rate so far (repeat purchases ÷ T, no drop-out, no P(alive)) →
realized value only (potential 0) when nobody bought twice. Spend — Gamma-Gamma on the filter →
on every customer → each customer's mean gross spend per purchase → none. When the fitted q ≤ 1
(spend so uneven that the population's mean is infinite), customers without a repeat purchase
use their own mean spend.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics import profit, query
from analytics.clv import comparison, models, rfm
from analytics.clv.models import BgNbd, FitError, GammaGamma
from analytics.clv.units import DEFAULT_UNIT
from analytics.filters import ATTRIBUTES, Filters
from analytics.metrics import GROUP_DIMENSIONS
from analytics.store import db, derived, schema
from analytics.store.memo import Memo

LEVELS = ("low", "mid", "high")
DEFAULT_CUTS = (1 / 3, 2 / 3)
DEFAULT_HORIZON_MONTHS = 12
DEFAULT_ANNUAL_DISCOUNT = 0.10
CORR_WARNING = 0.3  # |corr(frequency, spend)| above this: Gamma-Gamma's independence is doubtful
GROUP_COLUMNS = GROUP_DIMENSIONS  # the customer attributes to group by: analytics.metrics
TABLE_COLUMNS = (
    "customer_id", "name", "customer_type", "segment", "region", "industry", "channel", "plan",
    "realized_value", "p_alive", "expected_purchases", "potential_value", "influence_value", "total_value",
    "tier", "realized_level", "potential_level", "frequency", "recency", "T", "monetary_value",
    "first_purchase", "last_purchase", "expected_spend", "margin_rate", "cost_to_serve_rate",
    "profit_per_purchase", "revenue", "referrals",
)
Note = tuple[str, dict[str, str]]


def tier_code(realized_level: str, potential_level: str) -> str:
    return f"{realized_level}/{potential_level}"


TIERS = tuple(tier_code(r, p) for r in reversed(LEVELS) for p in LEVELS)  # high realized first


@dataclass(frozen=True)
class ValueModels:
    """The models behind the potential values and how they were obtained.

    ``purchase_method``: "bgnbd" (fitted on the filter's customers), "pooled" (fitted on every
    customer), "average" (each customer's average purchase rate, no drop-out) or "none"
    (realized value only). ``spend_method``: "gamma_gamma", "pooled", "average" or "none".
    ``bgnbd.alpha`` is per ``time_unit``.
    """

    valuation_date: dt.date
    time_unit: str
    purchase_method: str
    spend_method: str
    bgnbd: BgNbd | None
    gamma_gamma: GammaGamma | None
    customers: int
    repeat_customers: int


@dataclass(frozen=True)
class _Fitted:
    models: ValueModels
    summary: pd.DataFrame
    notes: tuple[Note, ...]


@dataclass(frozen=True)
class CustomerValues:
    """Every customer's value and tier for one filter and set of assumptions.

    Attributes
    ----------
    table : DataFrame
        One row per customer of the filter with a transaction or an activity up to the valuation
        date, largest total value first: ``customer_id, name, customer_type, segment, region,
        industry, channel, plan, realized_value, p_alive`` (NaN without a BG/NBD model or
        without a purchase), ``expected_purchases`` (over the horizon), ``potential_value,
        influence_value, total_value, tier, realized_level, potential_level, frequency, recency,
        T`` (model unit), ``monetary_value, first_purchase, last_purchase, expected_spend,
        margin_rate, cost_to_serve_rate, profit_per_purchase, revenue, referrals`` (direct).
    tiers : DataFrame
        The nine cells in :data:`TIERS` order: ``tier, realized_level, potential_level,
        customers, customer_share, realized_value, potential_value, influence_value, value``
        (realized + potential) and ``value_share`` (NaN when the total is not positive).
    notes : tuple of (i18n key, parameters)
        Fallbacks and warnings, in the order they happened.
    fit : ValueModels
    realized_cuts, potential_cuts : the money thresholds of the tier cuts.
    """

    table: pd.DataFrame
    tiers: pd.DataFrame
    notes: tuple[Note, ...]
    fit: ValueModels
    valuation_date: dt.date
    horizon_months: int
    annual_discount: float
    cuts: tuple[float, float]
    realized_cuts: tuple[float, float]
    potential_cuts: tuple[float, float]
    second_level_weight: float
    currency: str
    pooled_margin_rate: float | None = None
    pooled_cost_to_serve_rate: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def p_alive_histogram(self, bins: int = 20) -> Histogram:
        """Customers per P(alive) band of width 1/bins over [0, 1] (customers without one left out)."""
        return histogram(self.table["p_alive"].dropna(), bins, 0.0, 1.0)

    def potential_histogram(self, bins: int = 40) -> Histogram:
        """Customers per potential-value band on a signed log scale (:func:`symlog`): potential
        values run from large losses through about zero to millions, which equal money bands
        would squeeze into one bar."""
        return histogram(self.table["potential_value"], bins, scale="symlog")

    def customers_in(self, tier: str) -> pd.DataFrame:
        """The rows of ``table`` in one tier (largest total value first)."""
        if tier not in TIERS:
            raise ValueError(f"unknown tier {tier!r}; use one of {', '.join(TIERS)}")
        return self.table[self.table["tier"] == tier].reset_index(drop=True)

    def by_group(self, by: str) -> pd.DataFrame:
        """Sums per group of a customer attribute: ``group, customers, realized_value,
        potential_value, influence_value, total_value`` (missing values grouped as "—"),
        largest total first."""
        return value_by_group(self.table, by)

    def summary(self) -> dict[str, Any]:
        """The headline figures as plain values (for the report and the command line)."""
        t = self.table
        m = self.fit
        return {
            "valuation_date": self.valuation_date.isoformat(),
            "horizon_months": self.horizon_months,
            "annual_discount": self.annual_discount,
            "customers": len(t),
            "realized_value": float(t["realized_value"].sum()),
            "potential_value": float(t["potential_value"].sum()),
            "influence_value": float(t["influence_value"].sum()),
            "expected_purchases": float(t["expected_purchases"].sum()),
            "mean_p_alive": float(t["p_alive"].mean()) if t["p_alive"].notna().any() else None,
            "purchase_method": m.purchase_method,
            "purchase_model": self.extra.get("purchase_model", m.purchase_method),
            "model_used": model_used(self.extra.get("purchase_fit"), self.extra.get("purchase_model",
                                                                                     m.purchase_method)),
            "spend_method": m.spend_method,
            "time_unit": m.time_unit,
            "bgnbd": None if m.bgnbd is None else {**m.bgnbd.params(), "log_likelihood": m.bgnbd.log_likelihood},
            "gamma_gamma": None if m.gamma_gamma is None else {**m.gamma_gamma.params(),
                                                               "log_likelihood": m.gamma_gamma.log_likelihood},
            "cuts": list(self.cuts),
            "realized_cuts": list(self.realized_cuts),
            "potential_cuts": list(self.potential_cuts),
            "tier_counts": tier_counts(self),
        }


def symlog(v: Any) -> Any:
    """sign(v) · log10(1 + |v|): a log scale for values of both signs (0 maps to 0)."""
    return np.sign(v) * np.log10(1 + np.abs(v))


def symlog_inverse(s: Any) -> Any:
    """The inverse of :func:`symlog`."""
    return np.sign(s) * (10 ** np.abs(s) - 1)


@dataclass(frozen=True)
class Histogram:
    """Counts per band: ``counts[i]`` values lie in [edges[i], edges[i + 1]) (the last band is
    closed); ``below`` and ``above`` count the values outside [edges[0], edges[-1]]. Edges are in
    the values' own unit; with ``scale="symlog"`` the bands are equal on the :func:`symlog` scale."""

    edges: tuple[float, ...]
    counts: tuple[int, ...]
    below: int
    above: int
    scale: str = "linear"

    @property
    def outside(self) -> int:
        return self.below + self.above


def histogram(values: pd.Series, bins: int, lo: float | None = None, hi: float | None = None,
              scale: str = "linear") -> Histogram:
    """:class:`Histogram` of ``values`` in ``bins`` equal bands over [lo, hi] (default: their range),
    equal on a linear or a signed log scale (``scale="symlog"``)."""
    if scale not in ("linear", "symlog"):
        raise ValueError(f"unknown histogram scale {scale!r}")
    v = values.dropna().to_numpy(dtype=float)
    if v.size == 0:
        return Histogram((), (), 0, 0, scale)
    fwd = symlog if scale == "symlog" else (lambda x: x)
    inv = symlog_inverse if scale == "symlog" else (lambda x: x)
    tv = fwd(v)
    lo_t = float(tv.min()) if lo is None else float(fwd(lo))
    hi_t = float(tv.max()) if hi is None else float(fwd(hi))
    if hi_t <= lo_t:  # all equal: one band around the value
        lo_t, hi_t = lo_t - 0.5, lo_t + 0.5
    counts, edges = np.histogram(tv, bins=bins, range=(lo_t, hi_t))
    return Histogram(tuple(float(e) for e in inv(edges)), tuple(int(c) for c in counts),
                     int((tv < lo_t).sum()), int((tv > hi_t).sum()), scale)


def model_used(fit: Any, kind: str) -> dict[str, Any]:
    """Which purchase model gave the values, for JSON: ``model`` ("bgnbd", "pareto_nbd", "mbg_nbd", or the
    fallback "average" / "none"), ``variant`` (Pareto/NBD's "homogeneous_dropout" limit, else "general"),
    ``source`` ("filter" or "pooled") and ``params``."""
    if fit is None:
        return {"model": kind, "variant": None, "source": None, "params": None}
    return {"model": kind, "variant": comparison.variant_of(fit), "source": fit.source, "params": fit.params()}


def tier_counts(values: CustomerValues) -> dict[str, int]:
    """Customers per tier code, all nine cells (zeros included)."""
    return {row.tier: int(row.customers) for row in values.tiers.itertuples()}


def value_by_group(table: pd.DataFrame, by: str) -> pd.DataFrame:
    """See :meth:`CustomerValues.by_group`."""
    if by not in GROUP_COLUMNS or by not in table.columns:
        raise ValueError(f"cannot group customers by {by!r}; use one of {', '.join(GROUP_COLUMNS)}")
    cols = ["realized_value", "potential_value", "influence_value", "total_value"]
    g = table.assign(group=table[by].fillna("—")).groupby("group", sort=True)
    out = g[cols].sum().join(g.size().rename("customers")).reset_index()
    out = out[["group", "customers", *cols]]
    return out.sort_values(["total_value", "group"], ascending=[False, True], ignore_index=True)


# ---------------------------------------------------------------------------- fitting (memoised)
_MEMO: Memo[_Fitted] = Memo(16)


def _attributes_only(f: Filters) -> Filters:
    return f.with_period(None, None)


def _has_attributes(f: Filters) -> bool:
    return any(getattr(f, name) for name, _ in ATTRIBUTES)


def fit_models(cur: Any, f: Filters, time_unit: str = DEFAULT_UNIT) -> _Fitted:
    """BG/NBD and Gamma-Gamma for the filter's customers at the valuation date, with the stated
    fallbacks. Memoised per store file, data version, customer attributes, valuation date and
    unit, so that changing the horizon, discount rate or tier cuts never refits; read from the
    store when :mod:`analytics.precompute` stored this fit for the current data (:func:`precompute`),
    else fitted here (and not stored: a read never writes)."""
    when = rfm.valuation_date(cur, f)
    key_db = db.content_key(cur)
    key = None if key_db is None else (*key_db, _attributes_only(f), when, time_unit)
    if key is not None and (hit := _MEMO.get(key)) is not None:
        return hit
    fitted = derived.get(cur, FIT_KIND, fit_params(f, when, time_unit), _STORED_TYPES)
    if not isinstance(fitted, _Fitted):
        fitted = _fit(cur, f, when, time_unit)
    if key is not None:
        _MEMO.put(key, fitted)
    return fitted


# ---------------------------------------------------------------------------- stored fits
FIT_KIND = "clv_fit"
_STORED_TYPES = (_Fitted, ValueModels, BgNbd, GammaGamma)
# The code a stored fit depends on: any change to it makes the stored fits miss until the next refresh.
_FIT_CODE = ("analytics.clv.value", "analytics.clv.models", "analytics.clv.rfm", "analytics.clv.units",
             "analytics.filters")


def fit_params(f: Filters, when: dt.date, time_unit: str = DEFAULT_UNIT) -> dict[str, Any]:
    """The inputs a fit is stored under: the customers (the filter's attributes), the valuation date,
    the unit and the code that fits."""
    return {"customers": _attributes_only(f), "valuation_date": when, "time_unit": time_unit,
            "code": derived.code_version(*_FIT_CODE)}


def precompute(cur: duckdb.DuckDBPyConnection, f: Filters) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """What :mod:`analytics.precompute` stores for the filter ``f`` (the app's opening view): the BG/NBD
    and Gamma-Gamma fits, their notes and the RFM summary of its customers at its valuation date,
    computed afresh (never read from the store)."""
    when = rfm.valuation_date(cur, f)
    yield FIT_KIND, fit_params(f, when), _fit(cur, f, when, DEFAULT_UNIT)


def _fit_or_pool(fit: Callable[[pd.DataFrame, str], Any], summary: pd.DataFrame,
                 everyone: Callable[[], pd.DataFrame | None]) -> tuple[Any, str, str | None]:
    """``fit`` on the filter's summary, else on every customer's: (model or None, "filter" /
    "pooled" / "", why the filter's own fit failed: "few" or "failed")."""
    try:
        return fit(summary, "filter"), "filter", None
    except FitError as exc:
        pool = everyone()
        if pool is not None:
            try:
                return fit(pool, "pooled"), "pooled", exc.kind
            except FitError:
                pass
        return None, "", exc.kind


def _fit(cur: Any, f: Filters, when: dt.date, time_unit: str) -> _Fitted:
    summary = rfm.rfm(cur, f, when, time_unit)
    notes: list[Note] = []
    n, n_rep = len(summary), int((summary["frequency"] > 0).sum()) if len(summary) else 0
    pooled_summary: pd.DataFrame | None = None

    def everyone() -> pd.DataFrame | None:
        nonlocal pooled_summary
        if not _has_attributes(f):
            return None  # the filter already holds every customer
        if pooled_summary is None:
            pooled_summary = rfm.rfm(cur, Filters(), when, time_unit)
        return pooled_summary

    # Purchases: BG/NBD on the filter → pooled → average rates → none.
    bg, how, reason = _fit_or_pool(lambda d, src: models.fit_bgnbd(d, time_unit, source=src), summary, everyone)
    counts = {"n": f"{n:,}", "repeat": f"{n_rep:,}"}
    method = {"filter": "bgnbd", "pooled": "pooled"}.get(how, "none")
    if how == "pooled":
        notes.append((f"cv.note.bgnbd_pooled_{reason}", counts))
    elif bg is None and n_rep > 0 and (summary["T"] > 0).any():
        method = "average"
        notes.append((f"cv.note.bgnbd_average_{reason}", counts))
    elif bg is None:
        notes.append(("cv.note.realized_only", {"n": f"{n:,}"}))

    # Spend: Gamma-Gamma on the filter → pooled → each customer's mean spend → none.
    gg: GammaGamma | None = None
    spend_method = "none"
    n_spend = int(((summary["frequency"] > 0) & (summary["monetary_value"] > 0)).sum()) if n else 0
    if method != "none":
        gg, how, reason = _fit_or_pool(lambda d, src: models.fit_gamma_gamma(d, source=src), summary, everyone)
        spend_method = {"filter": "gamma_gamma", "pooled": "pooled"}.get(how, "average")
        if how != "filter":
            notes.append((f"cv.note.gg_{'pooled' if gg else 'average'}_{reason}", {"n": f"{n_spend:,}"}))
        if gg is not None and not gg.finite_mean:
            notes.append(("cv.note.gg_heavy_tail", {"q": f"{gg.q:.2f}"}))
        if gg is not None and gg.frequency_spend_corr is not None and abs(gg.frequency_spend_corr) > CORR_WARNING:
            notes.append(("cv.note.gg_corr", {"corr": f"{gg.frequency_spend_corr:.2f}"}))
    value_models = ValueModels(when, time_unit, method, spend_method, bg, gg, n, n_rep)
    return _Fitted(value_models, summary, tuple(notes))


# ---------------------------------------------------------------------------- values
def _check_args(horizon_months: int, annual_discount: float, cuts: tuple[float, float],
                second_level_weight: float) -> tuple[int, float, tuple[float, float], float]:
    try:
        h = int(horizon_months)
    except (TypeError, ValueError):
        raise ValueError(f"horizon must be a whole number of months, got {horizon_months!r}") from None
    if not 1 <= h <= 240:
        raise ValueError(f"horizon must be 1 to 240 months, got {horizon_months!r}")
    d = float(annual_discount)
    if not 0 <= d < 1:
        raise ValueError(f"annual discount rate must be at least 0 and below 1 (100 %), got {annual_discount!r}")
    if len(cuts) != 2:
        raise ValueError("cuts must be two quantiles, e.g. (1/3, 2/3)")
    lo, hi = float(cuts[0]), float(cuts[1])
    if not 0 < lo < hi < 1:
        raise ValueError(f"cuts must satisfy 0 < low < high < 1, got {cuts!r}")
    w = float(second_level_weight)
    if not 0 <= w <= 1:
        raise ValueError(f"second-level weight must be between 0 and 1, got {second_level_weight!r}")
    return h, d, (lo, hi), w


def levels(values: pd.Series, cuts: tuple[float, float]) -> tuple[pd.Series, tuple[float, float]]:
    """low / mid / high by the quantiles ``cuts`` of ``values`` (low ≤ q1 < mid ≤ q2 < high)."""
    if values.empty:
        return pd.Series([], dtype=object, index=values.index), (float("nan"), float("nan"))
    q1, q2 = (float(v) for v in np.quantile(values.to_numpy(dtype=float), cuts))
    return pd.Series(level_of(values, (q1, q2)), index=values.index, dtype=object), (q1, q2)


def level_of(values: Any, thresholds: tuple[float, float]) -> np.ndarray:
    """low / mid / high of each value against the money thresholds (low ≤ q1 < mid ≤ q2 < high)."""
    q1, q2 = thresholds
    return np.where(np.asarray(values) <= q1, "low", np.where(np.asarray(values) <= q2, "mid", "high"))


def _influence(cur: Any, profit_all: pd.Series, weight: float) -> tuple[pd.Series, pd.Series]:
    """Influence value and number of direct referrals per referrer (see module docstring)."""
    c = query.table(schema.CUSTOMERS)
    # in customer order: the same sums, in the same order, on every engine
    refs = query.df(cur, c.filter(c.referred_by.notnull()).select("customer_id", "referred_by").order_by("customer_id"))
    if refs.empty:
        return pd.Series(dtype=float), pd.Series(dtype="int64")
    refs["profit"] = refs["customer_id"].map(profit_all).fillna(0.0)
    direct = refs.groupby("referred_by")["profit"].sum()
    count = refs.groupby("referred_by").size()
    if weight > 0:
        # Second level: what my referrals' referrals earned, at the stated weight.
        second = refs.assign(top=refs["referred_by"].map(refs.set_index("customer_id")["referred_by"]))
        second = second.dropna(subset=["top"]).groupby("top")["profit"].sum()
        direct = direct.add(weight * second, fill_value=0.0)
    return direct, count


def customer_values(cur: Any, f: Filters, horizon_months: int = DEFAULT_HORIZON_MONTHS,
                    annual_discount: float = DEFAULT_ANNUAL_DISCOUNT,
                    cuts: tuple[float, float] = DEFAULT_CUTS, second_level_weight: float = 0.0,
                    time_unit: str = DEFAULT_UNIT, model: str = "auto") -> CustomerValues:
    """Realized, potential and influence value and the tier of every customer of the filter.

    Parameters
    ----------
    cur : a cursor on the store, or a read-layer engine (:mod:`analytics.query`).
    f : the filter: customer attributes select the customers; the period's end is the
        valuation date (its start is not used).
    horizon_months : months of future profit in potential value (1–240).
    annual_discount : annual discount rate as a fraction (0.10 = 10 %), applied monthly.
    cuts : the two quantiles (0 < low < high < 1) splitting realized and potential value into
        low / mid / high.
    second_level_weight : weight (0–1) of the second referral level in influence value.
    time_unit : the models' unit ("weeks" by default; values do not depend on it).
    model : the purchase model for expected purchases and P(alive): "auto" (default: the one the
        holdout comparison chose, :mod:`analytics.clv.comparison`; BG/NBD when no holdout is possible),
        or "bgnbd", "pareto_nbd", "mbg_nbd"; fitted on the same customers and date; BG/NBD with a
        note when it cannot be fitted (and when BG/NBD itself is pooled or replaced by average rates).
        ``extra["purchase_model"]`` says which model gave the values, ``extra["purchase_fit"]`` is it.

    See the module docstring for every definition and the fallbacks; :class:`CustomerValues`
    for the columns.
    """
    h, d, cuts, w = _check_args(horizon_months, annual_discount, cuts, second_level_weight)
    fitted = fit_models(cur, f, time_unit)
    m = fitted.models
    when = m.valuation_date
    history = f.with_period(None, when)
    pnl = profit.customer_pnl(cur, history)
    c = pnl.customers.copy()
    # Referred customers count whatever their attributes, so influence needs everyone's profit.
    everyone = profit.customer_pnl(cur, Filters(date_to=when)).customers if _has_attributes(f) else c
    profit_all = everyone.set_index("customer_id")["profit"]

    s = fitted.summary.set_index("customer_id")
    c = c.join(s, on="customer_id")
    bought = c["frequency"].notna().to_numpy()
    sub = c.loc[bought, ["frequency", "recency", "T", "monetary_value", "first_spend"]].reset_index(drop=True)

    # Profit per purchase = expected gross spend × (gross-margin rate − cost-to-serve rate).
    rev_total = float(c["revenue"].sum())
    pooled_margin = float(c["gross_profit"].sum()) / rev_total if rev_total > 0 else None
    pooled_cts = float(c["cost_to_serve"].sum()) / rev_total if rev_total > 0 else None
    own = c["revenue"] > 0
    safe_rev = c["revenue"].where(own, 1.0)
    c["margin_rate"] = np.where(own, c["gross_profit"] / safe_rev, pooled_margin if pooled_margin is not None else 0.0)
    c["cost_to_serve_rate"] = np.where(own, c["cost_to_serve"] / safe_rev, pooled_cts if pooled_cts is not None else 0.0)

    n_sub = len(sub)
    p_alive = np.full(n_sub, np.nan)
    per_month = np.zeros((n_sub, h))
    spend = np.zeros(n_sub)
    purchase, kind, notes = _purchase_model(cur, f, fitted, model, time_unit)
    if m.purchase_method in ("bgnbd", "pooled") and purchase is not None and n_sub:
        p_alive = comparison.p_alive(purchase, sub["frequency"], sub["recency"], sub["T"])
        per_month = comparison.monthly_purchases(purchase, sub, h)
    elif m.purchase_method == "average" and n_sub:
        rate = np.where(sub["T"] > 0, sub["frequency"] / sub["T"].where(sub["T"] > 0, 1.0), 0.0)
        per_month = models.monthly_purchases(None, sub, h, rates=rate)
    if m.spend_method in ("gamma_gamma", "pooled") and m.gamma_gamma is not None and n_sub:
        spend = models.expected_spend(m.gamma_gamma, sub["frequency"], sub["monetary_value"])
        missing = ~np.isfinite(spend)  # no repeat purchase while q ≤ 1: no population mean
        spend[missing] = _own_mean_spend(sub)[missing]
    elif m.spend_method == "average" and n_sub:
        spend = _own_mean_spend(sub)

    rates = (c.loc[bought, "margin_rate"] - c.loc[bought, "cost_to_serve_rate"]).to_numpy(dtype=float)
    value_per_purchase = spend * rates
    potential = models.discounted_value(per_month, value_per_purchase, d) if n_sub else np.zeros(0)

    c["p_alive"] = np.nan
    c["expected_purchases"] = 0.0
    c["expected_spend"] = np.nan
    c["profit_per_purchase"] = np.nan
    c["potential_value"] = 0.0
    c.loc[bought, "p_alive"] = p_alive
    c.loc[bought, "expected_purchases"] = per_month.sum(axis=1)
    c.loc[bought, "expected_spend"] = spend
    c.loc[bought, "profit_per_purchase"] = value_per_purchase
    c.loc[bought, "potential_value"] = potential
    c["realized_value"] = c["profit"].astype(float)

    influence, n_refs = _influence(cur, profit_all, w)
    c["influence_value"] = c["customer_id"].map(influence).fillna(0.0).astype(float)
    c["referrals"] = c["customer_id"].map(n_refs).fillna(0).astype("int64")
    c["total_value"] = c["realized_value"] + c["potential_value"] + c["influence_value"]

    c["realized_level"], realized_cuts = levels(c["realized_value"], cuts)
    c["potential_level"], potential_cuts = levels(c["potential_value"], cuts)
    c["tier"] = [tier_code(r, p) for r, p in zip(c["realized_level"], c["potential_level"], strict=True)]
    table = c[list(TABLE_COLUMNS)].sort_values(["total_value", "customer_id"], ascending=[False, True],
                                               ignore_index=True)
    return CustomerValues(
        table=table, tiers=_tier_table(table), notes=notes, fit=m, valuation_date=when,
        horizon_months=h, annual_discount=d, cuts=cuts, realized_cuts=realized_cuts,
        potential_cuts=potential_cuts, second_level_weight=w, currency=pnl.currency,
        pooled_margin_rate=pooled_margin, pooled_cost_to_serve_rate=pooled_cts,
        extra={"purchase_model": kind, "purchase_fit": purchase},
    )


def resolve_model(cur: Any, f: Filters, model: str = comparison.AUTO, time_unit: str = DEFAULT_UNIT) -> str:
    """The purchase model ``model`` names for the filter: itself, or for "auto" the choice of the holdout
    comparison on every customer (:func:`analytics.clv.comparison.company_comparison`, stored by the refresh),
    whatever the filter's segment, region or period; BG/NBD when no holdout is possible."""
    kind = comparison.check_choice(model)
    if kind != comparison.AUTO:
        return kind
    return comparison.resolve(model, _company_comparison(cur, time_unit))


def _company_comparison(cur: Any, time_unit: str) -> comparison.Comparison | None:
    """The company-wide comparison that "auto" follows; None without data or a holdout (then BG/NBD)."""
    try:
        return comparison.company_comparison(cur, time_unit)
    except ValueError:  # no backtest possible (no history before the period)
        return None


def purchase_model(cur: Any, f: Filters, model: str = comparison.AUTO,
                   time_unit: str = DEFAULT_UNIT) -> tuple[Any, str, tuple[Note, ...]]:
    """(the purchase model the values of ``f`` use, its kind, the valuation's notes), as in
    :func:`customer_values`: P(alive) on Lifecycle and Customer 360 comes from the same model."""
    return _purchase_model(cur, f, fit_models(cur, f, time_unit), model, time_unit)


def _purchase_model(cur: Any, f: Filters, fitted: _Fitted, model: str,
                    time_unit: str) -> tuple[Any, str, tuple[Note, ...]]:
    """(the purchase model for the values, its kind, the notes): BG/NBD as fitted, or the named or
    chosen model fitted on the same summary; BG/NBD with a note when that one cannot be fitted."""
    m = fitted.models
    kind = comparison.check_choice(model)
    chosen_by = None  # the company-wide comparison behind "auto": its choice and that model's variant
    if kind == comparison.AUTO and m.bgnbd is not None and m.purchase_method == "bgnbd":
        chosen_by = _company_comparison(cur, time_unit)  # "auto" needs the comparison only then
        kind = comparison.resolve(kind, chosen_by)
    if kind == "bgnbd" or kind == comparison.AUTO or m.bgnbd is None or m.purchase_method != "bgnbd":
        return m.bgnbd, "bgnbd" if m.bgnbd is not None else m.purchase_method, fitted.notes
    alt = comparison.value_model(cur, f, kind, fitted.summary, m.valuation_date, time_unit, compared=chosen_by)
    if alt is None:  # the note names the model as the comparison fitted it (a raw code never reaches a reader)
        try:
            named = (chosen_by or comparison.comparison(cur, f, time_unit=time_unit)).label(kind)
        except ValueError:  # no holdout on these data: the family's name
            named = kind
        return m.bgnbd, "bgnbd", (*fitted.notes, ("cv.note.model_unfitted", {"model": comparison.ModelName(named)}))
    return alt, kind, fitted.notes


def _own_mean_spend(sub: pd.DataFrame) -> np.ndarray:
    """Each customer's mean gross spend per purchase so far (first and repeat purchases); the
    customers' pooled mean where that is not positive."""
    total = sub["first_spend"].fillna(0.0) + sub["frequency"] * sub["monetary_value"]
    purchases = sub["frequency"] + 1
    pooled = float(total.sum() / purchases.sum()) if len(sub) else 0.0
    mean = (total / purchases).to_numpy(dtype=float)
    return np.where(mean > 0, mean, pooled)


def _tier_table(table: pd.DataFrame) -> pd.DataFrame:
    own = table["realized_value"] + table["potential_value"]
    total_own = float(own.sum())
    n = len(table)
    rows = []
    for code in TIERS:
        r_lvl, p_lvl = code.split("/")
        mask = table["tier"] == code
        value = float(own[mask].sum())
        rows.append({
            "tier": code, "realized_level": r_lvl, "potential_level": p_lvl,
            "customers": int(mask.sum()), "customer_share": float(mask.sum()) / n if n else float("nan"),
            "realized_value": float(table.loc[mask, "realized_value"].sum()),
            "potential_value": float(table.loc[mask, "potential_value"].sum()),
            "influence_value": float(table.loc[mask, "influence_value"].sum()),
            "value": value,
            "value_share": value / total_own if total_own > 0 else float("nan"),
        })
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------- report
def report_section(cur: Any, f: Filters) -> dict[str, object]:
    """Customer value for ``python -m analytics report`` with the page's default assumptions
    (12 months, 10 % a year, tercile tiers, direct referrals, the holdout's purchase model): sums over
    the filter's customers, and ``model_used``."""
    v = customer_values(cur, f)
    s = v.summary()
    return {
        "realized_value": s["realized_value"],
        "potential_value": s["potential_value"],
        "influence_value": s["influence_value"],
        "tier_counts": s["tier_counts"],
        "model_used": s["model_used"],
    }
