"""Which purchase model: BG/NBD, Pareto/NBD and MBG/NBD side by side on the calibration/holdout split
(part of :mod:`analytics.clv`).

* The three models share one interface here (:func:`fit`, :func:`p_alive`, :func:`expected_purchases`,
  :func:`monthly_purchases`), dispatched on the fitted model's type.
* :func:`compare` fits each on the backtest's calibration summary (:mod:`analytics.clv.backtest`;
  BG/NBD is the backtest's own fit, unchanged) and reports per model: parameters (4 each; 3 for
  Pareto/NBD's homogeneous drop-out limit, fitted when the data show no spread of drop-out rates:
  ``variant`` "homogeneous_dropout", :class:`analytics.clv.pareto_nbd.ParetoNbdLimit`),
  log-likelihood, BIC = −2·LL + k·ln(n) with the model's own k, holdout purchases predicted and
  actual, the aggregate error (predicted − actual) / actual and the mean absolute error per customer.
* **The choice** (:data:`AUTO`): the model with the smallest |aggregate error| in the holdout —
  what a plan built on the forecast gets wrong in total; when two are within
  :data:`TIE` of each other, the smaller per-customer error decides. Any model can be named
  instead (``model="bgnbd" | "pareto_nbd" | "mbg_nbd"``), through to customer values
  (:func:`analytics.clv.value.customer_values`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analytics.clv import backtest as bt_mod
from analytics.clv import mbg_nbd, models, pareto_nbd
from analytics.clv.backtest import Backtest
from analytics.clv.mbg_nbd import MbgNbd
from analytics.clv.models import BgNbd, FitError
from analytics.clv.pareto_nbd import ParetoNbd, ParetoNbdLimit
from analytics.clv.rfm import rfm, valuation_date
from analytics.clv.units import DEFAULT_UNIT, convert
from analytics.filters import Filters, latest_period
from analytics.store import db, derived
from analytics.store.memo import Memo

KINDS = ("bgnbd", "pareto_nbd", "mbg_nbd")
AUTO = "auto"
CHOICES = (AUTO, *KINDS)
N_PARAMS = 4  # r, alpha and two drop-out parameters (one, mu, in Pareto/NBD's homogeneous drop-out limit)
TIE = 0.005  # aggregate errors closer than half a percentage point: the per-customer error decides
PurchaseModel = BgNbd | ParetoNbd | ParetoNbdLimit | MbgNbd


def kind_of(m: PurchaseModel) -> str:
    """"bgnbd", "pareto_nbd" (either variant) or "mbg_nbd"."""
    return m.kind if isinstance(m, (ParetoNbd, ParetoNbdLimit, MbgNbd)) else "bgnbd"


def variant_of(m: PurchaseModel | None) -> str | None:
    """"homogeneous_dropout" for Pareto/NBD's limit, "general" for the other models, None without one."""
    return None if m is None else getattr(m, "variant", "general")


# The codes of the purchase models' names as users read them (i18n ``cv.model.name.<code>``, zh and en):
# Pareto/NBD's homogeneous drop-out limit is a model of its own to a reader, not "Pareto/NBD".
LABELS = ("bgnbd", "pareto_nbd", "pareto_nbd_limit", "mbg_nbd")


def label(kind: str, variant: str | None = None) -> str:
    """The code of the name a reader sees for a model of ``kind`` fitted in ``variant`` (:func:`variant_of`):
    "pareto_nbd_limit" for Pareto/NBD's homogeneous drop-out limit, else ``kind``. The one rule every page,
    chart, note, deck and PDF names a model by."""
    return "pareto_nbd_limit" if kind == "pareto_nbd" and variant == "homogeneous_dropout" else kind


class ModelName(str):
    """A model's name code (:data:`LABELS`) inside a note's parameters: the translator writes it as the
    model's label (it reads :attr:`i18n_key`), so a note never shows a raw code such as ``pareto_nbd``."""

    @property
    def i18n_key(self) -> str:
        """The key of the model's name in :mod:`i18n.strings.customer_value`."""
        return f"cv.model.name.{self}"


def n_params(m: PurchaseModel) -> int:
    """The model's number of free parameters (BIC's k)."""
    return int(getattr(m, "n_params", N_PARAMS))


def check_choice(model: str) -> str:
    """``model`` if it is one of :data:`CHOICES`, else ValueError."""
    if model not in CHOICES:
        raise ValueError(f"unknown purchase model {model!r}; use one of {', '.join(CHOICES)}")
    return model


def fit(kind: str, summary: pd.DataFrame, time_unit: str = DEFAULT_UNIT, source: str = "filter",
        variant: str | None = None) -> PurchaseModel:
    """Fit one purchase model on an RFM summary (raises :class:`~analytics.clv.models.FitError`);
    ``variant="homogeneous_dropout"`` fits Pareto/NBD's limit directly (the comparison's variant refitted)."""
    if kind == "pareto_nbd" and variant == "homogeneous_dropout":
        return pareto_nbd.fit_limit(summary, time_unit, source=source)
    if kind == "bgnbd":
        return models.fit_bgnbd(summary, time_unit, source=source)
    if kind == "pareto_nbd":
        return pareto_nbd.fit(summary, time_unit, source=source)
    if kind == "mbg_nbd":
        return mbg_nbd.fit(summary, time_unit, source=source)
    raise ValueError(f"unknown purchase model {kind!r}; use one of {', '.join(KINDS)}")


def p_alive(m: PurchaseModel, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """P(alive at T | x, t_x, T) under the fitted model."""
    if isinstance(m, (ParetoNbd, ParetoNbdLimit)):
        return pareto_nbd.p_alive(m, x, t_x, T)
    if isinstance(m, MbgNbd):
        return mbg_nbd.p_alive(m, x, t_x, T)
    return models.p_alive(m, x, t_x, T)


def expected_purchases(m: PurchaseModel, t: Any, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """E[purchases in (T, T + t] | x, t_x, T]; with x = t_x = T = 0 a new customer's repeat purchases in t."""
    if isinstance(m, (ParetoNbd, ParetoNbdLimit)):
        return pareto_nbd.expected_purchases(m, t, x, t_x, T)
    if isinstance(m, MbgNbd):
        return mbg_nbd.expected_purchases(m, t, x, t_x, T)
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    return models.expected_purchases(m, t, x, t_x, T)


def monthly_purchases(m: PurchaseModel, summary: pd.DataFrame, horizon_months: int) -> np.ndarray:
    """Expected purchases of each customer in each of the next ``horizon_months`` months, shape
    (customers, months): as :func:`analytics.clv.models.monthly_purchases` for any of the models."""
    if isinstance(m, BgNbd):
        return models.monthly_purchases(m, summary, horizon_months)
    ends = convert(np.arange(0, horizon_months + 1, dtype=float), "months", m.time_unit)
    cols = [summary[c].to_numpy(dtype=float)[:, None] for c in ("frequency", "recency", "T")]
    return np.diff(expected_purchases(m, ends[None, :], *cols), axis=1)


# ---------------------------------------------------------------------------- the comparison
@dataclass(frozen=True)
class Comparison:
    """The three models on one calibration/holdout split.

    ``rows``: one per model in :data:`KINDS` order: ``model, variant, n_params, log_likelihood, bic,
    predicted, actual, aggregate_error, mae, converged, reason`` (NaN and the reason where the model
    could not be fitted). ``chosen``: the model :data:`AUTO` picks (None when none was fitted);
    ``runner_up`` the next best. ``customers``: ``customer_id, frequency, recency, T, actual`` and
    ``predicted_<model>`` per fitted model.
    """

    calibration_end: dt.date
    holdout_end: dt.date
    time_unit: str
    holdout_length: float
    rows: pd.DataFrame
    chosen: str | None
    runner_up: str | None
    customers: pd.DataFrame
    fits: dict[str, Any] = field(default_factory=dict)
    valuation_date: dt.date | None = None  # the chosen model refitted on the data up to this date
    valuation_fit: Any = None              # (stored by the refresh when the choice is not BG/NBD)

    def model(self, kind: str) -> PurchaseModel | None:
        """The fitted model of that kind, or None."""
        return self.fits.get(kind)

    def label(self, kind: str) -> str:
        """The code of the name a reader sees for the model of that kind as fitted here (:func:`label`)."""
        return label(kind, variant_of(self.model(kind)))

    def figures(self) -> list[dict[str, Any]]:
        """One plain dict per model (for JSON), with its parameters and whether it is the choice."""
        out = []
        for row in self.rows.to_dict(orient="records"):
            m = self.fits.get(row["model"])
            clean = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}
            out.append({**clean, "params": None if m is None else m.params(), "chosen": row["model"] == self.chosen})
        return out


def compare(bt: Backtest) -> Comparison:
    """Fit Pareto/NBD and MBG/NBD on the backtest's calibration summary beside its BG/NBD and score
    all three on the holdout (see the module docstring)."""
    cust = bt.customers[["customer_id", "frequency", "recency", "T", "actual"]].copy()
    n = len(cust)
    fits: dict[str, Any] = {}
    rows = []
    for kind in KINDS:
        reason = None
        m: PurchaseModel | None = bt.model if kind == "bgnbd" else None
        if kind == "bgnbd" and m is None:
            reason = bt.reason
        elif kind != "bgnbd":
            try:
                m = fit(kind, cust, bt.time_unit)
            except FitError as exc:
                reason = str(exc)
        row: dict[str, Any] = {"model": kind, "variant": None, "n_params": N_PARAMS, "log_likelihood": math.nan,
                               "bic": math.nan, "predicted": math.nan, "actual": int(cust["actual"].sum()),
                               "aggregate_error": math.nan, "mae": math.nan, "converged": False, "reason": reason}
        if m is not None:
            pred = (bt.customers["predicted"].to_numpy(dtype=float) if kind == "bgnbd" else
                    expected_purchases(m, bt.holdout_length, cust["frequency"], cust["recency"], cust["T"]))
            cust[f"predicted_{kind}"] = pred
            fits[kind] = m
            total, act = float(pred.sum()), row["actual"]
            row.update(variant=variant_of(m), n_params=n_params(m), log_likelihood=m.log_likelihood,
                       bic=-2 * m.log_likelihood + n_params(m) * math.log(m.customers),
                       predicted=total, aggregate_error=(total - act) / act if act else math.nan,
                       mae=float(np.abs(pred - cust["actual"].to_numpy()).mean()) if n else math.nan,
                       converged=bool(m.converged))
        rows.append(row)
    table = pd.DataFrame(rows)
    ranked = _ranked(table)
    return Comparison(bt.calibration_end, bt.holdout_end, bt.time_unit, bt.holdout_length, table,
                      ranked[0] if ranked else None, ranked[1] if len(ranked) > 1 else None, cust, fits)


def _ranked(rows: pd.DataFrame) -> list[str]:
    """Fitted models, best first: smallest |aggregate error|; within :data:`TIE`, smaller MAE."""
    ok = rows[rows["aggregate_error"].notna() | rows["mae"].notna()]
    if ok.empty:
        return []
    err = ok["aggregate_error"].abs().fillna(math.inf).to_numpy()
    best = err.min()
    key = [(0 if e - best <= TIE else 1, e if e - best > TIE else 0.0, mae)
           for e, mae in zip(err, ok["mae"].fillna(math.inf), strict=True)]
    order = sorted(range(len(ok)), key=lambda i: key[i])
    return [str(ok["model"].iloc[i]) for i in order]


def resolve(model: str, comparison: Comparison | None) -> str:
    """The model to use for ``model`` ("auto" → the comparison's choice, BG/NBD without one)."""
    check_choice(model)
    if model != AUTO:
        return model
    return comparison.chosen if comparison is not None and comparison.chosen else "bgnbd"


# ---------------------------------------------------------------------------- stored
COMPARISON_KIND = "clv_comparison"
_CODE = ("analytics.clv.comparison", "analytics.clv.pareto_nbd", "analytics.clv.mbg_nbd", "analytics.clv.tracking")
STORED_TYPES = (Comparison, BgNbd, ParetoNbd, ParetoNbdLimit, MbgNbd)


def comparison_params(f: Filters, cal_end: dt.date, hold_end: dt.date, time_unit: str = DEFAULT_UNIT) -> dict[str, Any]:
    """The inputs a comparison is stored under: the backtest's and this code's version."""
    return {**bt_mod.backtest_params(f, cal_end, hold_end, time_unit), "comparison_code": derived.code_version(*_CODE)}


def comparison(cur: Any, f: Filters, calibration_end: Any = None, holdout_end: Any = None,
               time_unit: str = DEFAULT_UNIT) -> Comparison:
    """The comparison on the backtest of the filter (same dates and defaults as
    :func:`analytics.clv.backtest.backtest`); the stored one when :mod:`analytics.precompute` made it."""
    cal_end, hold_end = bt_mod._dates(cur, f, calibration_end, holdout_end)
    # Memoised per data version, the stored one too (decoding it takes a while at 100,000 customers): the values'
    # "auto" model, their ranges, Lifecycle's P(alive) and the page's section all ask.
    key = (db.content_key(cur), f.without_period(), cal_end, hold_end, time_unit)
    if key[0] is not None and (hit := _COMPARISON_MEMO.get(key)) is not None:
        return hit
    stored = derived.get(cur, COMPARISON_KIND, comparison_params(f, cal_end, hold_end, time_unit), STORED_TYPES)
    comp = stored if isinstance(stored, Comparison) else compare(bt_mod.backtest(cur, f, cal_end, hold_end, time_unit))
    if key[0] is not None:
        _COMPARISON_MEMO.put(key, comp)
    return comp


def company_filter(cur: Any) -> Filters | None:
    """The view whose holdout comparison chooses the purchase model of every view: every customer over the
    default period (the app's opening view, whose comparison the refresh stores:
    :func:`analytics.precompute.default_filter`); None without data."""
    start, end = latest_period(cur)
    return None if start is None else Filters(date_from=start, date_to=end)


def company_comparison(cur: Any, time_unit: str = DEFAULT_UNIT) -> Comparison | None:
    """The comparison on every customer's holdout (:func:`company_filter`), by which :data:`AUTO` resolves for
    every view, filtered or not: a segment, region or period never fits the three models again (the refresh's
    stored comparison, else computed once per data version). None without data; ValueError without a holdout."""
    f = company_filter(cur)
    return None if f is None else comparison(cur, f, time_unit=time_unit)


_VALUE_MEMO: dict[tuple[Any, ...], PurchaseModel | None] = {}
_VALUE_MEMO_SIZE = 16
_COMPARISON_MEMO: Memo[Comparison] = Memo(_VALUE_MEMO_SIZE)


def value_model(cur: Any, f: Filters, kind: str, summary: pd.DataFrame, when: dt.date,
                time_unit: str = DEFAULT_UNIT, compared: Comparison | None = None) -> PurchaseModel | None:
    """``kind`` fitted on the valuation-date RFM ``summary`` of the filter's customers (None when it
    cannot be fitted): the stored comparison's ``valuation_fit`` when the refresh made it for this
    model and date, else fitted here (memoised per data version) in the variant the comparison fitted
    (Pareto/NBD's homogeneous drop-out limit where the calibration data had no spread of drop-out rates):
    ``compared`` (the comparison that chose ``kind``: :func:`company_comparison`), else the filter's."""
    try:
        cal_end, hold_end = bt_mod._dates(cur, f, None, None)
    except ValueError:
        cal_end = hold_end = None
    if cal_end is not None:
        # through comparison()'s memo: decoding the stored comparison took 0.1-0.2 s at 100,000 customers
        ckey = (db.content_key(cur), f.without_period(), cal_end, hold_end, time_unit)
        stored = _COMPARISON_MEMO.get(ckey) if ckey[0] is not None else None
        if stored is None:
            stored = derived.get(cur, COMPARISON_KIND, comparison_params(f, cal_end, hold_end, time_unit), STORED_TYPES)
            if isinstance(stored, Comparison) and ckey[0] is not None:
                _COMPARISON_MEMO.put(ckey, stored)
        if (isinstance(stored, Comparison) and stored.valuation_date == when and stored.valuation_fit is not None
                and kind_of(stored.valuation_fit) == kind):
            return stored.valuation_fit
    key = (db.content_key(cur), f.without_period(), when, kind, time_unit, compared is None)
    if key[0] is not None and key in _VALUE_MEMO:
        return _VALUE_MEMO[key]
    variant = None
    if compared is not None:
        variant = variant_of(compared.model(kind))
    elif kind == "pareto_nbd" and cal_end is not None:
        try:
            variant = variant_of(comparison(cur, f, time_unit=time_unit).model(kind))
        except ValueError:  # no comparison on these data: the general fit decides alone
            variant = None
    try:
        m: PurchaseModel | None = fit(kind, summary, time_unit, variant=variant)
    except FitError:
        m = None
    if key[0] is not None:
        while len(_VALUE_MEMO) >= _VALUE_MEMO_SIZE:
            _VALUE_MEMO.pop(next(iter(_VALUE_MEMO)))
        _VALUE_MEMO[key] = m
    return m


def precompute(cur: Any, f: Filters) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """What :mod:`analytics.precompute` stores for the opening view: the comparison on the page's
    backtest (read from the store: the backtest is refreshed before), with the chosen model refitted
    at the valuation date, in the variant compared, when it is not BG/NBD (BG/NBD's is ``clv_fit``)."""
    cal_end, hold_end = bt_mod._dates(cur, f, None, None)
    comp = compare(bt_mod.backtest(cur, f, cal_end, hold_end))
    if comp.chosen not in (None, "bgnbd"):
        when = valuation_date(cur, f)
        try:
            m = fit(comp.chosen, rfm(cur, f, when, DEFAULT_UNIT), variant=variant_of(comp.model(comp.chosen)))
            comp = dataclasses.replace(comp, valuation_date=when, valuation_fit=m)
        except FitError:
            pass
    yield COMPARISON_KIND, comparison_params(f, cal_end, hold_end), comp
