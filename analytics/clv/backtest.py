"""A calibration/holdout test of the BG/NBD purchase predictions (part of :mod:`analytics.clv`).

* **Backtest**: fit on purchases up to a calibration date, predict each customer's purchases in
  the holdout (calibration date, holdout end], compare with what happened: mean absolute error
  per customer, aggregate % error ((predicted − actual) / actual) and, per calibration frequency,
  mean predicted vs actual holdout purchases.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analytics import filters, query
from analytics.clv.models import BgNbd, FitError, GammaGamma, expected_purchases, fit_bgnbd, fit_gamma_gamma
from analytics.clv.rfm import FRAME_LINES, frame_connection, store_lines, summarize, valuation_date
from analytics.clv.units import DEFAULT_UNIT, from_days
from analytics.filters import Filters, as_date
from analytics.store import db, derived


def holdout_relation(lines: ir.Table, cal_end: dt.date, hold_end: dt.date) -> ir.Table:
    """``customer_id, holdout_purchases``: purchase days in (``cal_end``, ``hold_end``] per customer."""
    kept = lines.filter(lines.amount >= 0, lines.d > cal_end, lines.d <= hold_end)
    return kept.group_by("customer_id").aggregate(holdout_purchases=kept.d.nunique().cast("int64"))


FREQUENCY_BUCKETS = 7  # calibration frequencies 0 … 6 and "7+"


@dataclass(frozen=True)
class Backtest:
    """A calibration/holdout test of the BG/NBD purchase predictions.

    ``customers`` lists ``customer_id, frequency, recency, T, predicted, actual`` (holdout
    purchases); ``by_frequency`` has ``bucket`` (0 … 6, "7+"), ``customers``, ``predicted``,
    ``actual`` (means per customer). ``mae`` = mean |predicted − actual| per customer;
    ``aggregate_error`` = (Σ predicted − Σ actual) / Σ actual (None when nothing was bought).
    ``model`` is None when no BG/NBD could be fitted on the calibration data (``reason`` says why).
    """

    calibration_end: dt.date
    holdout_end: dt.date
    time_unit: str
    holdout_length: float
    model: BgNbd | None
    spend: GammaGamma | None
    customers: pd.DataFrame
    by_frequency: pd.DataFrame
    predicted_total: float
    actual_total: int
    mae: float | None
    rmse: float | None
    aggregate_error: float | None
    reason: str | None = None

    def figures(self) -> dict[str, Any]:
        """The backtest figures as plain values (for JSON)."""
        return {
            "calibration_end": self.calibration_end.isoformat(),
            "holdout_end": self.holdout_end.isoformat(),
            "holdout_length": self.holdout_length,
            "customers": len(self.customers),
            "predicted_purchases": self.predicted_total,
            "actual_purchases": self.actual_total,
            "mae": self.mae,
            "rmse": self.rmse,
            "aggregate_error": self.aggregate_error,
            "by_frequency": self.by_frequency.to_dict(orient="records"),
            "reason": self.reason,
        }


def _bucket(freq: pd.Series) -> pd.Series:
    top = FREQUENCY_BUCKETS
    return freq.clip(upper=top).map(lambda v: f"{top}+" if v >= top else str(int(v)))


def _fit_or(fit: Callable[[pd.DataFrame], Any], summary: pd.DataFrame,
            everyone: Callable[[], pd.DataFrame] | None) -> tuple[Any, str | None]:
    """``fit`` on ``summary``, else on every customer's summary; (model or None, why it failed)."""
    try:
        return fit(summary), None
    except FitError as exc:
        if everyone is not None:
            try:
                return fit(everyone()), None
            except FitError:
                pass
        return None, str(exc)


def _backtest(cur: Any, lines: ir.Table, cal_end: dt.date, hold_end: dt.date, time_unit: str,
              everyone: Callable[[], pd.DataFrame] | None = None) -> Backtest:
    if hold_end <= cal_end:
        raise ValueError(f"the holdout must end after the calibration end ({hold_end} ≤ {cal_end})")
    summary = summarize(cur, lines, cal_end, time_unit)
    if summary.empty:
        raise ValueError(f"no purchases on or before the calibration end {cal_end}")
    hold = query.df(cur, holdout_relation(lines, cal_end, hold_end))
    actual = summary["customer_id"].map(dict(zip(hold["customer_id"].astype(str), hold["holdout_purchases"],
                                                 strict=True))).fillna(0).astype("int64")
    length = from_days(float((hold_end - cal_end).days), time_unit)
    model, reason = _fit_or(lambda d: fit_bgnbd(d, time_unit, source="pooled" if d is not summary else "filter"),
                            summary, everyone)
    spend, _ = _fit_or(lambda d: fit_gamma_gamma(d, source="pooled" if d is not summary else "filter"),
                       summary, everyone)
    out = summary[["customer_id", "frequency", "recency", "T"]].copy()
    out["actual"] = actual.to_numpy()
    if model is None:
        out["predicted"] = np.nan
        by = pd.DataFrame(columns=["bucket", "customers", "predicted", "actual"])
        return Backtest(cal_end, hold_end, time_unit, length, None, spend, out, by, float("nan"),
                        int(actual.sum()), None, None, None, reason)
    out["predicted"] = expected_purchases(model, length, out["frequency"], out["recency"], out["T"])
    err = out["predicted"] - out["actual"]
    act_total = int(out["actual"].sum())
    pred_total = float(out["predicted"].sum())
    out["bucket"] = _bucket(out["frequency"])
    by = (out.groupby("bucket", sort=False).agg(customers=("customer_id", "size"), predicted=("predicted", "mean"),
                                                actual=("actual", "mean"))
          .reset_index())
    order = {str(i): i for i in range(FREQUENCY_BUCKETS)} | {f"{FREQUENCY_BUCKETS}+": FREQUENCY_BUCKETS}
    by = by.sort_values("bucket", key=lambda s: s.map(order), ignore_index=True)
    return Backtest(
        calibration_end=cal_end, holdout_end=hold_end, time_unit=time_unit, holdout_length=length,
        model=model, spend=spend, customers=out.drop(columns="bucket"), by_frequency=by,
        predicted_total=pred_total, actual_total=act_total,
        mae=float(err.abs().mean()), rmse=float(np.sqrt((err ** 2).mean())),
        aggregate_error=(pred_total - act_total) / act_total if act_total else None,
        reason=None,
    )


def default_calibration_end(first: dt.date, f: Filters, holdout_end: dt.date) -> dt.date:
    """Where the page's backtest splits the data: the day before the period starts (the period
    is the holdout) when that leaves at least as much history before it as 30 days; otherwise the
    midpoint between the first purchase and the holdout end."""
    if f.date_from is not None:
        cut = f.date_from - dt.timedelta(days=1)
        if (cut - first).days >= 30 and cut < holdout_end:
            return cut
    return first + dt.timedelta(days=(holdout_end - first).days // 2)


BACKTEST_KIND = "clv_backtest"
_STORED_TYPES = (Backtest, BgNbd, GammaGamma)
_CODE = ("analytics.clv.backtest", "analytics.clv.models", "analytics.clv.rfm", "analytics.clv.units",
         "analytics.filters")


def _dates(cur: Any, f: Filters, calibration_end: Any, holdout_end: Any) -> tuple[dt.date, dt.date]:
    """(calibration end, holdout end) of a backtest (see :func:`backtest`)."""
    hold_end = as_date(holdout_end, "holdout end") or valuation_date(cur, f)
    first = _first_purchase(cur, f)
    if first is None:
        raise ValueError("no purchases for these filters")
    return as_date(calibration_end, "calibration end") or default_calibration_end(first, f, hold_end), hold_end


# The first purchase of a filter's customers: every backtest, comparison and valuation fit asks (several
# times per report), each a scan of every transaction line. Kept per store file and data version.
_FIRST: dict[tuple[Any, ...], dt.date | None] = {}
_FIRST_SIZE = 32


def _first_purchase(cur: Any, f: Filters) -> dt.date | None:
    key = (db.content_key(cur), f.without_period())
    if key[0] is not None and key in _FIRST:
        return _FIRST[key]
    lines = store_lines(f)
    first = query.date_value(query.scalar(cur, lines.filter(lines.amount >= 0).d.min()))
    if key[0] is not None:
        while len(_FIRST) >= _FIRST_SIZE:
            _FIRST.pop(next(iter(_FIRST)))
        _FIRST[key] = first
    return first


def backtest_params(f: Filters, cal_end: dt.date, hold_end: dt.date, time_unit: str = DEFAULT_UNIT) -> dict[str, Any]:
    """The inputs a backtest is stored under: the customers, both dates, the unit and the code."""
    return {"customers": f.without_period(), "calibration_end": cal_end, "holdout_end": hold_end,
            "time_unit": time_unit, "code": derived.code_version(*_CODE)}


def backtest(cur: Any, f: Filters, calibration_end: Any = None, holdout_end: Any = None,
             time_unit: str = DEFAULT_UNIT) -> Backtest:
    """Fit BG/NBD on the filter's purchases up to ``calibration_end`` and test it on the holdout.

    ``holdout_end`` defaults to the filter's period end (else the last transaction date);
    ``calibration_end`` to :func:`default_calibration_end`. When the filter's customers are too
    few to fit (or the fit fails), the parameters fitted on every customer at the same
    calibration date are used (``model.source == "pooled"``), for BG/NBD and Gamma-Gamma alike.
    The result stored by :mod:`analytics.precompute` for these inputs and the current data is
    returned when there is one (:func:`precompute`).
    """
    cal_end, hold_end = _dates(cur, f, calibration_end, holdout_end)
    stored = derived.get(cur, BACKTEST_KIND, backtest_params(f, cal_end, hold_end, time_unit), _STORED_TYPES)
    if isinstance(stored, Backtest):
        return stored
    return _compute(cur, f, cal_end, hold_end, time_unit)


def precompute(cur: Any, f: Filters) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """What :mod:`analytics.precompute` stores for the filter ``f`` (the app's opening view): the
    page's backtest with its default dates, computed afresh."""
    cal_end, hold_end = _dates(cur, f, None, None)
    yield BACKTEST_KIND, backtest_params(f, cal_end, hold_end), _compute(cur, f, cal_end, hold_end, DEFAULT_UNIT)


def _compute(cur: Any, f: Filters, cal_end: dt.date, hold_end: dt.date,
             time_unit: str) -> Backtest:
    everyone = None
    if any(getattr(f, n) for n, _ in filters.ATTRIBUTES):  # too few in the filter: every customer's fit
        cache: list[pd.DataFrame] = []

        def everyone() -> pd.DataFrame:
            if not cache:
                cache.append(summarize(cur, store_lines(Filters()), cal_end, time_unit))
            return cache[0]

    return _backtest(cur, store_lines(f), cal_end, hold_end, time_unit, everyone)


def backtest_transactions(tx: pd.DataFrame, calibration_end: Any, holdout_end: Any = None,
                          time_unit: str = DEFAULT_UNIT) -> Backtest:
    """:func:`backtest` for a transaction table ``customer_id, date, amount``."""
    con = frame_connection(tx)
    try:
        cal_end = as_date(calibration_end, "calibration end")
        if cal_end is None:
            raise ValueError("a calibration end date is needed")
        hold_end = as_date(holdout_end, "holdout end") or pd.to_datetime(tx["date"]).max().date()
        return _backtest(con, FRAME_LINES, cal_end, hold_end, time_unit)
    finally:
        con.close()
