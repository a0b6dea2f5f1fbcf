"""How well the purchase models track: the diagnostics of Fader, Hardie & Lee (2005) (part of
:mod:`analytics.clv`).

* **Tracking** (:func:`weekly`): the cohort is every customer whose first purchase is on or before
  the calibration end. Week k covers days (s₀ + 7(k−1), s₀ + 7k] after the cohort's first purchase
  day s₀, the last week ending at the holdout end. *Actual*: the cohort's repeat purchases (purchase
  days after each customer's first) in the week. *Expected*: Σ over customers of E[X(t)], a new
  customer's expected repeat purchases in the t it has had by the week's end (t = 0 before its
  first purchase), from the model fitted on the calibration data — so calibration weeks are in
  sample and holdout weeks a forecast. Cumulative columns add the weeks up.
* **Conditional expectations** (:func:`by_frequency`): customers grouped by calibration repeat
  purchases (0 … 6, 7+); mean actual holdout purchases and each model's mean prediction.
* **P(alive) matrix** (:func:`p_alive_matrix`): P(alive) at age T (the cohort's longest) for
  repeat purchases × recency; a customer without repeat purchases has recency 0 only.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analytics import query
from analytics.clv import backtest as bt_mod
from analytics.clv import comparison as cmp
from analytics.clv.comparison import Comparison, PurchaseModel
from analytics.clv.rfm import FRAME_LINES, frame_connection, store_lines
from analytics.clv.units import from_days
from analytics.filters import Filters
from analytics.store import derived

MATRIX_MAX_FREQUENCY = 20
MATRIX_COLUMNS = 27  # recency columns from 0 to T


@dataclass(frozen=True)
class Tracking:
    """The diagnostics of one comparison (see the module docstring).

    ``weeks``: ``week`` (1 …), ``week_end`` (date), ``period`` ("calibration" for weeks ending on or
    before the calibration end, else "holdout"), ``actual``, ``expected`` (the chosen model),
    ``actual_cumulative``, ``expected_cumulative`` and ``expected_<model>`` for every fitted model.
    ``calibration_weeks``: the calibration end in weeks after ``start``. ``by_frequency``:
    ``bucket, customers, actual`` and ``expected_<model>`` (means per customer). ``p_alive``:
    rows = repeat purchases 0 … , columns = recency (model unit), at age ``matrix_T``. ``labels``: the
    code of each fitted model's name as readers see it (:func:`analytics.clv.comparison.label`: Pareto/NBD's
    homogeneous drop-out limit is not named "Pareto/NBD").
    """

    model: str | None
    start: dt.date | None
    calibration_end: dt.date
    holdout_end: dt.date
    calibration_weeks: float
    weeks: pd.DataFrame
    by_frequency: pd.DataFrame
    p_alive: pd.DataFrame
    matrix_T: float
    time_unit: str
    labels: dict[str, str] = field(default_factory=dict)

    def label(self, kind: str | None = None) -> str:
        """The code of the name of the model ``kind`` (the chosen one by default) for i18n's ``t.model``."""
        kind = kind or self.model or "bgnbd"
        return (self.labels or {}).get(kind, kind)

    def rows(self) -> list[dict[str, Any]]:
        """``weeks`` as plain dicts (for JSON): week, week_end, period, actual, expected and cumulative."""
        cols = ["week", "week_end", "period", "actual", "expected", "actual_cumulative", "expected_cumulative"]
        out = []
        for r in self.weeks[cols].to_dict(orient="records"):
            out.append({**r, "week": int(r["week"]), "actual": int(r["actual"]),
                        "actual_cumulative": int(r["actual_cumulative"]), "week_end": r["week_end"].isoformat(),
                        "expected": _num(r["expected"]), "expected_cumulative": _num(r["expected_cumulative"])})
        return out


def _num(v: Any) -> float | None:
    return float(v) if v is not None and math.isfinite(float(v)) else None


def weekly(days: pd.DataFrame, cal_end: dt.date, hold_end: dt.date, fits: dict[str, PurchaseModel],
           chosen: str | None) -> tuple[pd.DataFrame, dt.date | None, float]:
    """The tracking table from purchase days ``d, repeats, firsts`` (the cohort's repeat purchases
    and first purchases per day): (weeks, s₀, calibration end in weeks after s₀)."""
    firsts = days[days["firsts"] > 0]
    if firsts.empty:
        return pd.DataFrame(columns=["week", "week_end", "period", "actual", "expected", "actual_cumulative",
                                     "expected_cumulative"]), None, 0.0
    start = pd.Timestamp(firsts["d"].min())
    last = (pd.Timestamp(hold_end) - start).days
    n_weeks = max(1, math.ceil(last / 7))
    ends = np.minimum(7 * np.arange(1, n_weeks + 1), last)  # day offsets of the week ends
    offsets = (pd.to_datetime(days["d"]) - start).dt.days.to_numpy()
    week_of = np.maximum(np.ceil(offsets / 7).astype(int), 1)
    actual = np.bincount(week_of, weights=days["repeats"].to_numpy(dtype=float), minlength=n_weeks + 1)[1:n_weeks + 1]
    f_off = (pd.to_datetime(firsts["d"]) - start).dt.days.to_numpy()
    f_n = firsts["firsts"].to_numpy(dtype=float)
    out = pd.DataFrame({"week": np.arange(1, n_weeks + 1),
                        "week_end": [(start + pd.Timedelta(days=int(e))).date() for e in ends],
                        "actual": actual.astype("int64")})
    cal = (pd.Timestamp(cal_end) - start).days
    out["period"] = np.where(ends <= cal, "calibration", "holdout")
    for kind, m in fits.items():
        age = np.maximum(ends[:, None] - f_off[None, :], 0).astype(float)  # days each cohort day has had
        e = cmp.expected_purchases(m, from_days(age, m.time_unit), 0.0, 0.0, 0.0)
        out[f"expected_{kind}"] = np.diff(np.concatenate([[0.0], e @ f_n]))
    out["expected"] = out[f"expected_{chosen}"] if chosen in fits else np.nan
    out["actual_cumulative"] = out["actual"].cumsum()
    out["expected_cumulative"] = out["expected"].cumsum()
    return out[["week", "week_end", "period", "actual", "expected", "actual_cumulative", "expected_cumulative",
                *[f"expected_{k}" for k in fits]]], start.date(), cal / 7


def by_frequency(comp: Comparison) -> pd.DataFrame:
    """Mean holdout purchases per calibration-frequency bucket, actual and per fitted model."""
    c = comp.customers.assign(bucket=bt_mod._bucket(comp.customers["frequency"]))
    aggs: dict[str, Any] = {"customers": ("customer_id", "size"), "actual": ("actual", "mean")}
    aggs |= {f"expected_{k}": (f"predicted_{k}", "mean") for k in comp.fits}
    by = c.groupby("bucket", sort=False).agg(**aggs).reset_index()
    top = bt_mod.FREQUENCY_BUCKETS
    order = {str(i): i for i in range(top)} | {f"{top}+": top}
    return by.sort_values("bucket", key=lambda s: s.map(order), ignore_index=True)


def p_alive_matrix(m: PurchaseModel, T: float, max_frequency: int = MATRIX_MAX_FREQUENCY,
                   columns: int = MATRIX_COLUMNS) -> pd.DataFrame:
    """P(alive) at age ``T`` for repeat purchases 0 … ``max_frequency`` (rows) and recency from 0 to T
    (columns, model unit); NaN where the history is impossible (no repeat purchase, recency > 0)."""
    rec = np.linspace(0.0, T, columns)
    x = np.arange(max_frequency + 1, dtype=float)
    xx, rr = np.meshgrid(x, rec, indexing="ij")
    p = cmp.p_alive(m, xx.ravel(), rr.ravel(), np.full(xx.size, T)).reshape(xx.shape)
    p[0, 1:] = np.nan
    return pd.DataFrame(p, index=pd.Index(x.astype(int), name="frequency"), columns=[f"{v:.4g}" for v in rec])


def tracking_of(days: pd.DataFrame, comp: Comparison) -> Tracking:
    """The diagnostics of a comparison, given the cohort's purchase days (see :func:`weekly`)."""
    weeks, start, cal_weeks = weekly(days, comp.calibration_end, comp.holdout_end, comp.fits, comp.chosen)
    m = comp.model(comp.chosen) if comp.chosen else None
    T = float(comp.customers["T"].max()) if len(comp.customers) else 0.0
    top = int(min(MATRIX_MAX_FREQUENCY, comp.customers["frequency"].max())) if len(comp.customers) else 0
    matrix = p_alive_matrix(m, T, max(top, 1)) if m is not None and T > 0 else pd.DataFrame()
    return Tracking(comp.chosen, start, comp.calibration_end, comp.holdout_end, cal_weeks, weeks,
                    by_frequency(comp), matrix, T, comp.time_unit, {k: comp.label(k) for k in comp.fits})


def days_relation(lines: ir.Table, cal_end: dt.date, hold_end: dt.date) -> ir.Table:
    """Per day up to ``hold_end``: the repeat and first purchases (``d, repeats, firsts``) of the
    cohort, the customers whose first purchase is on or before ``cal_end``."""
    kept = lines.filter(lines.amount >= 0, lines.d <= hold_end)
    days = kept.select("customer_id", "d").distinct()
    firsts = days.group_by(f_cid=days.customer_id).aggregate(f=days.d.min())
    firsts = firsts.filter(firsts.f <= cal_end)
    j = days.join(firsts, days.customer_id == firsts.f_cid)
    return j.group_by("d").aggregate(repeats=ibis.ifelse(j.d > j.f, 1, 0).sum().cast("int64"),
                                     firsts=ibis.ifelse(j.d == j.f, 1, 0).sum().cast("int64")).order_by("d")


def purchase_days(cur: Any, lines: ir.Table, cal_end: dt.date, hold_end: dt.date) -> pd.DataFrame:
    """Per day up to ``hold_end``: the cohort's repeat purchases and first purchases (``d, repeats, firsts``)."""
    return query.df(cur, days_relation(lines, cal_end, hold_end))


TRACKING_KIND = "clv_tracking"


def tracking(cur: Any, f: Filters, comp: Comparison) -> Tracking:
    """The diagnostics of the filter's comparison; the stored ones when :mod:`analytics.precompute`
    made them for these inputs and data."""
    params = cmp.comparison_params(f, comp.calibration_end, comp.holdout_end, comp.time_unit)
    stored = derived.get(cur, TRACKING_KIND, params, (Tracking,))
    if isinstance(stored, Tracking) and stored.model == comp.chosen:
        return stored
    return tracking_of(purchase_days(cur, store_lines(f), comp.calibration_end, comp.holdout_end), comp)


def precompute(cur: Any, f: Filters) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """What :mod:`analytics.precompute` stores for the opening view: the diagnostics of its model
    comparison (read from the store: the comparison is refreshed before)."""
    comp = cmp.comparison(cur, f)
    days = purchase_days(cur, store_lines(f), comp.calibration_end, comp.holdout_end)
    yield (TRACKING_KIND, cmp.comparison_params(f, comp.calibration_end, comp.holdout_end, comp.time_unit),
           tracking_of(days, comp))


def tracking_transactions(tx: pd.DataFrame, comp: Comparison) -> Tracking:
    """:func:`tracking` for a transaction table ``customer_id, date, amount`` (the ``clv --csv`` path)."""
    con = frame_connection(tx)
    try:
        return tracking_of(purchase_days(con, FRAME_LINES, comp.calibration_end, comp.holdout_end), comp)
    finally:
        con.close()


def diagnostics(cur: Any, f: Filters) -> tuple[Comparison, Tracking]:
    """The filter's model comparison and its diagnostics, with the page's default dates (stored by
    the refresh for the opening view)."""
    comp = cmp.comparison(cur, f)
    return comp, tracking(cur, f, comp)
