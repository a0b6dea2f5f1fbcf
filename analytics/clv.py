"""Probabilistic customer-lifetime models: BG/NBD, Gamma-Gamma, discounted CLV and a backtest.

Definitions (DOMAIN.md §4; every figure on the Customer value page and in ``python -m analytics clv``):

* **Time.** Dates are stored as days. The models run in one explicit unit, ``days``, ``weeks``
  (7 days) or ``months`` (30.4375 days = 365.25 / 12); :func:`to_days` and :func:`from_days` are
  the only conversion. Purchase rates are per unit and the BG/NBD scale ``alpha`` is measured
  in the unit; ``r``, ``a``, ``b`` and the Gamma-Gamma parameters do not depend on it.
* **Purchase.** A customer's purchase is a *day* with at least one transaction line of revenue
  ≥ 0; several lines on one day are one purchase (as in Fader, Hardie & Lee's CDNOW data).
  Returns (lines with negative revenue) are not purchases and do not count as spend.
* **RFM summary** at a calibration end date ``E``, from the customer's first purchase on or
  before ``E``: ``frequency`` = repeat purchases (purchase days after the first, up to ``E``);
  ``recency`` = last purchase − first purchase; ``T`` = ``E`` − first purchase (both in the unit);
  ``monetary_value`` = mean gross spend of the repeat purchases, where a purchase's gross spend is
  the sum of its positive revenue lines (0 when the customer has no repeat purchase).
* **BG/NBD** (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while alive a
  customer buys at Poisson rate λ ~ Gamma(r, alpha); after each purchase the customer drops out
  with probability p ~ Beta(a, b). Fitted by maximum likelihood (scipy L-BFGS-B on log
  parameters, log-likelihood written with gammaln/betaln and log-sum-exp, so that customers with
  hundreds of purchases do not overflow). Gives P(alive) and the expected number of purchases in
  the next ``t`` units (with the Gauss hypergeometric function, after Euler's transformation,
  which keeps its arguments small).
* **Gamma-Gamma** (Fader, Hardie & Lee 2005, "RFM and CLV", JMR; Colombo & Jiang 1999): the
  spend per purchase is Gamma(p, ν) with ν ~ Gamma(q, gamma). It only accepts positive spend, so
  it models *gross* spend of customers with at least one repeat purchase and positive
  ``monetary_value``; margin and cost to serve are applied afterwards, separately
  (:mod:`analytics.customer_value`). It assumes spend is independent of frequency; the fit
  reports their correlation so the UI can warn.
* **Discounted CLV** over ``H`` months with annual discount rate ``d``: Σₖ₌₁..H ΔEₖ × m /
  (1 + d)^(k/12), where ΔEₖ = expected purchases in month k (end-of-month cash flows) and m the
  expected value per purchase.
* **Backtest**: fit on purchases up to a calibration date, predict each customer's purchases in
  the holdout (calibration date, holdout end], compare with what happened: mean absolute error
  per customer, aggregate % error ((predicted − actual) / actual) and, per calibration frequency,
  mean predicted vs actual holdout purchases.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from scipy import optimize
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from analytics import filters
from analytics.filters import Filters
from analytics.filters import _as_date as _as_date  # the one date parser of user input
from analytics.store import schema

# ---------------------------------------------------------------------------- time units
UNITS: dict[str, float] = {"days": 1.0, "weeks": 7.0, "months": 30.4375}
DEFAULT_UNIT = "weeks"


def _unit_days(unit: str) -> float:
    try:
        return UNITS[unit]
    except KeyError:
        raise ValueError(f"unknown time unit {unit!r}; use one of {', '.join(UNITS)}") from None


def to_days(value: Any, unit: str) -> Any:
    """``value`` expressed in ``unit`` (days, weeks = 7 days, months = 30.4375 days) as days.

    Works on numbers, numpy arrays and pandas Series alike.
    """
    return value * _unit_days(unit)


def from_days(days: Any, unit: str) -> Any:
    """``days`` expressed in ``unit`` (the inverse of :func:`to_days`)."""
    return days / _unit_days(unit)


def convert(value: Any, unit_from: str, unit_to: str) -> Any:
    """A duration in ``unit_from`` expressed in ``unit_to``."""
    return from_days(to_days(value, unit_from), unit_to)


# ---------------------------------------------------------------------------- RFM summary
RFM_COLUMNS = ("customer_id", "frequency", "recency", "T", "monetary_value", "first_purchase",
               "last_purchase", "first_spend")

# Purchases per customer from a relation ``lines(customer_id, d, amount)`` (d a DATE): a purchase
# is a day with a line of amount >= 0; its gross spend sums the positive lines.
_SUMMARY_SQL = """
WITH lines AS ({lines}),
days AS (
    SELECT customer_id, d, sum(CASE WHEN amount > 0 THEN amount ELSE 0 END) AS gross
    FROM lines WHERE amount >= 0 AND d <= $cal_end GROUP BY customer_id, d
),
ranked AS (
    SELECT customer_id, d, gross, row_number() OVER (PARTITION BY customer_id ORDER BY d) AS k FROM days
)
SELECT customer_id, min(d) AS first_purchase, max(d) AS last_purchase,
       CAST(count(*) - 1 AS BIGINT) AS frequency,
       CAST(coalesce(sum(gross) FILTER (WHERE k > 1), 0) AS DOUBLE) AS repeat_gross,
       CAST(max(gross) FILTER (WHERE k = 1) AS DOUBLE) AS first_spend
FROM ranked GROUP BY customer_id ORDER BY customer_id
"""

_HOLDOUT_SQL = """
WITH lines AS ({lines})
SELECT customer_id, CAST(count(DISTINCT d) AS BIGINT) AS holdout_purchases
FROM lines WHERE amount >= 0 AND d > $cal_end AND d <= $hold_end GROUP BY customer_id
"""


def _store_lines_sql(f: Filters) -> tuple[str, dict[str, Any]]:
    """Transaction lines of the filter's customers (all history: the period's start is not used)."""
    cust, params = f.customer_sql("c")
    # revenue stays DECIMAL: exact sums, so the same data always give the same fit (float sums
    # in parallel aggregation vary in their last bits, which moves a flat likelihood's optimum)
    sql = (f"SELECT t.customer_id, t.tx_date AS d, t.revenue AS amount "
           f"FROM {schema.TRANSACTIONS} t JOIN {schema.CUSTOMERS} c USING (customer_id) WHERE {cust}")
    return sql, params


def _summarize(cur: duckdb.DuckDBPyConnection, lines: str, params: dict[str, Any], cal_end: dt.date,
               time_unit: str) -> pd.DataFrame:
    unit = _unit_days(time_unit)
    df = cur.execute(_SUMMARY_SQL.format(lines=lines), {**params, "cal_end": cal_end}).df()
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in RFM_COLUMNS}).astype(
            {"customer_id": object, "frequency": "int64"})
    first = pd.to_datetime(df["first_purchase"])
    last = pd.to_datetime(df["last_purchase"])
    end = pd.Timestamp(cal_end)
    freq = df["frequency"].astype("int64")
    out = pd.DataFrame({
        "customer_id": df["customer_id"].astype(str),
        "frequency": freq,
        "recency": (last - first).dt.days.astype(float) / unit,
        "T": (end - first).dt.days.astype(float) / unit,
        "monetary_value": np.where(freq > 0, df["repeat_gross"] / freq.where(freq > 0, 1), 0.0),
        "first_purchase": first.dt.date,
        "last_purchase": last.dt.date,
        "first_spend": df["first_spend"].astype(float),
    })
    return out


def _data_end(cur: duckdb.DuckDBPyConnection) -> dt.date:
    bounds = filters.data_bounds(cur)
    if bounds is None:
        raise ValueError("the database has no transactions yet (load data or run: python -m analytics demo)")
    return bounds[1]


def valuation_date(cur: duckdb.DuckDBPyConnection, f: Filters) -> dt.date:
    """The date values are measured at: the filter's period end, else the last transaction date."""
    return f.date_to or _data_end(cur)


def rfm(cur: duckdb.DuckDBPyConnection, f: Filters, calibration_end: Any = None,
        time_unit: str = DEFAULT_UNIT) -> pd.DataFrame:
    """The RFM summary of every customer of the filter with a purchase on or before ``calibration_end``.

    Parameters
    ----------
    cur : a cursor on the store.
    f : the filter; its customer attributes select customers. History runs from the beginning
        of the data (the period's start is not used: a customer's first purchase may be older).
    calibration_end : the date the summary is taken at (default: :func:`valuation_date`).
    time_unit : "days", "weeks" or "months" for ``recency`` and ``T``.

    Returns
    -------
    DataFrame with ``customer_id, frequency`` (repeat purchases), ``recency, T`` (in the unit),
    ``monetary_value`` (mean gross spend of repeat purchases; positive lines only; 0 without a
    repeat purchase), ``first_purchase, last_purchase`` (dates) and ``first_spend``; sorted by
    customer_id. See the module docstring for the definitions.
    """
    end = _as_date(calibration_end, "calibration end") or valuation_date(cur, f)
    lines, params = _store_lines_sql(f)
    return _summarize(cur, lines, params, end, time_unit)


# ---------------------------------------------------------------------------- transactions from CSV
def read_transactions_csv(path: str | Path) -> pd.DataFrame:
    """Transactions from a CSV file with columns ``customer_id, date, amount`` (header required).

    Returns a DataFrame with ``customer_id`` (text), ``date`` (datetime64) and ``amount`` (float).
    Dates may be ``YYYY-MM-DD`` or ``YYYYMMDD``.
    """
    p = Path(path)
    if not p.exists():
        raise ValueError(f"transactions file {p} does not exist")
    try:
        df = pd.read_csv(p, dtype={"customer_id": str, "date": str})
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise ValueError(f"cannot read {p}: {str(exc).splitlines()[0]}") from None
    missing = [c for c in ("customer_id", "date", "amount") if c not in df.columns]
    if missing:
        raise ValueError(f"{p} lacks column(s) {', '.join(missing)} (need customer_id,date,amount)")
    raw = df["date"].astype(str).str.strip()
    dates = pd.to_datetime(raw, format="%Y%m%d", errors="coerce")
    iso = pd.to_datetime(raw, format="%Y-%m-%d", errors="coerce")
    dates = dates.fillna(iso)
    if dates.isna().any():
        bad = raw[dates.isna()].iloc[0]
        raise ValueError(f"{p}: {bad!r} is not a date (use YYYY-MM-DD or YYYYMMDD)")
    amount = pd.to_numeric(df["amount"], errors="coerce")
    if amount.isna().any():
        raise ValueError(f"{p}: amount {df['amount'][amount.isna()].iloc[0]!r} is not a number")
    return pd.DataFrame({"customer_id": df["customer_id"].astype(str), "date": dates, "amount": amount.astype(float)})


def _frame_connection(tx: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    for col in ("customer_id", "date", "amount"):
        if col not in tx.columns:
            raise ValueError(f"transactions lack column {col!r} (need customer_id, date, amount)")
    con = duckdb.connect(":memory:")
    frame = pd.DataFrame({"customer_id": tx["customer_id"].astype(str),
                          "d": pd.to_datetime(tx["date"]).dt.date,
                          "amount": tx["amount"].astype(float)})
    con.register("frame_lines", frame)
    return con


_FRAME_LINES = "SELECT customer_id, CAST(d AS DATE) AS d, CAST(amount AS DECIMAL(38, 6)) AS amount FROM frame_lines"


def rfm_from_transactions(tx: pd.DataFrame, calibration_end: Any = None,
                          time_unit: str = DEFAULT_UNIT) -> pd.DataFrame:
    """:func:`rfm` for a transaction table ``customer_id, date, amount`` (same definitions).

    ``calibration_end`` defaults to the last date in ``tx``.
    """
    con = _frame_connection(tx)
    try:
        end = _as_date(calibration_end, "calibration end") or pd.to_datetime(tx["date"]).max().date()
        return _summarize(con, _FRAME_LINES, {}, end, time_unit)
    finally:
        con.close()


# ---------------------------------------------------------------------------- BG/NBD
@dataclass(frozen=True)
class BgNbd:
    """Fitted BG/NBD parameters (``alpha`` in ``time_unit``), the log-likelihood and the data size.

    ``source`` says which customers the parameters were fitted on: "filter" (the customers being
    valued) or "pooled" (every customer of the store, used when the filter's own fit fails or
    has too few customers).
    """

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    customers: int
    repeat_customers: int
    time_unit: str
    converged: bool = True
    source: str = "filter"
    std_errors: dict[str, float] = field(default_factory=dict)

    def in_unit(self, unit: str) -> BgNbd:
        """The same model in another unit: ``alpha`` has the dimension of time (the mean purchase
        rate is r / alpha per unit), so it scales with the unit's length. The log-likelihood is
        left as fitted (it changes by a constant with the unit)."""
        return BgNbd(self.r, self.alpha * _unit_days(self.time_unit) / _unit_days(unit), self.a, self.b,
                     self.log_likelihood, self.customers, self.repeat_customers, unit, self.converged,
                     self.source, dict(self.std_errors))

    def params(self) -> dict[str, float]:
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b}


def bgnbd_loglik_terms(params: tuple[float, float, float, float], x: np.ndarray, t_x: np.ndarray,
                       T: np.ndarray) -> np.ndarray:
    """Each customer's BG/NBD log-likelihood (Fader, Hardie & Lee 2005, eq. 6), in log space."""
    r, alpha, a, b = params
    x = np.asarray(x, dtype=float)
    t_x = np.asarray(t_x, dtype=float)
    T = np.asarray(T, dtype=float)
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = betaln(a, b + x) - betaln(a, b)
    a3 = -(r + x) * np.log(alpha + T)
    repeat = x > 0
    a4 = np.full_like(x, -np.inf)
    xr = x[repeat]
    a4[repeat] = np.log(a) - np.log(b + xr - 1) - (r + xr) * np.log(alpha + t_x[repeat])
    return a1 + a2 + np.logaddexp(a3, a4)


def bgnbd_loglik_grad(params: tuple[float, float, float, float], x: np.ndarray, t_x: np.ndarray,
                      T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's BG/NBD log-likelihood and its gradient in (r, alpha, a, b), shape (4, n).

    With A3 = −(r+x)·ln(α+T), A4 = ln a − ln(b+x−1) − (r+x)·ln(α+t_x) and the weights
    w3, w4 = softmax(A3, A4) (w4 = 0 without a repeat purchase), ψ the digamma function:
    ∂/∂r = ψ(r+x) − ψ(r) + ln α − w3·ln(α+T) − w4·ln(α+t_x);
    ∂/∂α = r/α − (r+x)·(w3/(α+T) + w4/(α+t_x));
    ∂/∂a = ψ(a+b) − ψ(a+b+x) + w4/a;
    ∂/∂b = ψ(b+x) − ψ(a+b+x) − ψ(b) + ψ(a+b) − w4/(b+x−1).
    """
    r, alpha, a, b = params
    x = np.asarray(x, dtype=float)
    t_x = np.asarray(t_x, dtype=float)
    T = np.asarray(T, dtype=float)
    log_aT, log_at = np.log(alpha + T), np.log(alpha + t_x)
    a3 = -(r + x) * log_aT
    repeat = x > 0
    a4 = np.full_like(x, -np.inf)
    a4[repeat] = np.log(a) - np.log(b + x[repeat] - 1) - (r + x[repeat]) * log_at[repeat]
    tail = np.logaddexp(a3, a4)
    ll = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b) + tail
    w3, w4 = np.exp(a3 - tail), np.exp(a4 - tail)
    inv_b = np.zeros_like(x)
    inv_b[repeat] = w4[repeat] / (b + x[repeat] - 1)
    psi_abx = digamma(a + b + x)
    grad = np.vstack([
        digamma(r + x) - digamma(r) + np.log(alpha) - w3 * log_aT - w4 * log_at,
        r / alpha - (r + x) * (w3 / (alpha + T) + w4 / (alpha + t_x)),
        digamma(a + b) - psi_abx + w4 / a,
        digamma(b + x) - psi_abx - digamma(b) + digamma(a + b) - inv_b,
    ])
    return ll, grad


def bgnbd_loglik(params: tuple[float, float, float, float], x: Any, t_x: Any, T: Any) -> float:
    """Total BG/NBD log-likelihood of the customers (x, t_x, T)."""
    return float(np.sum(bgnbd_loglik_terms(params, x, t_x, T)))


def _compress(*cols: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Unique rows of the columns and their counts (customers with equal histories share a term)."""
    stacked = np.column_stack(cols)
    uniq, counts = np.unique(stacked, axis=0, return_counts=True)
    return [uniq[:, i] for i in range(uniq.shape[1])], counts.astype(float)


class FitError(ValueError):
    """A model could not be fitted: ``kind`` is "few" (too few data) or "failed" (no proper maximum)."""

    def __init__(self, message: str, kind: str = "failed") -> None:
        super().__init__(message)
        self.kind = kind


_LOG_BOUND = 12.0  # parameters are searched in exp([-12, 12]) ≈ [6e-6, 1.6e5]; a fit on the bound failed


_POLISH_GTOL = 1e-6  # mean log-likelihood per customer: a smaller gradient moves no reported digit


def _maximise(nll: Any, starts: list[np.ndarray], n_params: int) -> tuple[np.ndarray, float, bool]:
    """Minimise ``nll`` over log-parameters (``nll(theta) -> (value, gradient)``, analytic):
    L-BFGS-B from the first start, the next start only when that one fails or stops on a bound;
    then a BFGS polish unless L-BFGS-B already stopped with a gradient below ``_POLISH_GTOL``.
    Returns the best log-parameters, value and convergence flag."""
    best_x, best_f, best_ok, best_g = None, math.inf, False, math.inf
    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * n_params
    for start in starts:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = optimize.minimize(nll, start, method="L-BFGS-B", jac=True, bounds=bounds,
                                    options={"maxiter": 3000, "ftol": 1e-13, "gtol": 1e-9})
        if np.isfinite(res.fun) and res.fun < best_f:
            best_x, best_f, best_ok = res.x, float(res.fun), bool(res.success)
            best_g = float(np.max(np.abs(res.jac)))
        if best_ok and np.all(np.abs(best_x) < _LOG_BOUND - 1e-6):
            break
    if best_x is None:
        raise FitError("the likelihood could not be evaluated")
    if best_ok and best_g < _POLISH_GTOL:
        return best_x, best_f, best_ok
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = optimize.minimize(nll, best_x, method="BFGS", jac=True, options={"gtol": 1e-9, "maxiter": 500})
    if np.isfinite(res.fun) and res.fun <= best_f and np.all(np.abs(res.x) <= _LOG_BOUND):
        best_x, best_f = res.x, float(res.fun)
    return best_x, best_f, best_ok


def _std_errors(nll: Any, theta: np.ndarray, names: tuple[str, ...]) -> dict[str, float]:
    """Standard errors of exp(theta) from the numerical Hessian of the negative log-likelihood
    in log-parameters (statsmodels' approx_hess3), by the delta method; NaN where singular."""
    from statsmodels.tools.numdiff import approx_hess3

    try:
        with np.errstate(all="ignore"):
            cov = np.linalg.inv(approx_hess3(theta, nll))
        se = np.exp(theta) * np.sqrt(np.clip(np.diag(cov), 0, None))
    except (np.linalg.LinAlgError, ValueError):
        se = np.full(len(names), np.nan)
    return {n: float(s) if np.isfinite(s) else float("nan") for n, s in zip(names, se, strict=True)}


MIN_CUSTOMERS = 30        # fewer customers than this: too few to fit (use pooled parameters)
MIN_REPEAT_CUSTOMERS = 10  # fewer customers with a repeat purchase than this: too few


def fit_bgnbd(summary: pd.DataFrame, time_unit: str = DEFAULT_UNIT, source: str = "filter",
              min_customers: int = MIN_CUSTOMERS, min_repeat: int = MIN_REPEAT_CUSTOMERS) -> BgNbd:
    """Maximum-likelihood BG/NBD on an RFM summary (``frequency, recency, T`` in ``time_unit``).

    Raises :class:`FitError` when there are fewer than ``min_customers`` customers or
    ``min_repeat`` customers with a repeat purchase, or when no interior maximum is found
    (a parameter runs to the search bound, or the likelihood is not finite).
    """
    _unit_days(time_unit)
    for col in ("frequency", "recency", "T"):
        if col not in summary.columns:
            raise ValueError(f"RFM summary lacks column {col!r}")
    x = summary["frequency"].to_numpy(dtype=float)
    t_x = summary["recency"].to_numpy(dtype=float)
    T = summary["T"].to_numpy(dtype=float)
    if (x < 0).any() or (t_x < 0).any() or (t_x - T > 1e-9).any():
        raise ValueError("RFM summary must have frequency ≥ 0 and 0 ≤ recency ≤ T")
    n, n_rep = len(x), int((x > 0).sum())
    if n < min_customers or n_rep < min_repeat:
        raise FitError(f"too few customers to fit BG/NBD ({n} customers, {n_rep} with a repeat purchase)", "few")
    (ux, ut, uT), w = _compress(x, t_x, T)
    total = w.sum()

    def nll(theta: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            ll = float(np.dot(w, bgnbd_loglik_terms(tuple(np.exp(theta)), ux, ut, uT)))
        return -ll / total if np.isfinite(ll) else 1e12

    scale = max(float(np.mean(T)), 1e-6)
    starts = [np.log([1.0, scale, 1.0, 1.0]), np.log([0.5, scale / 5, 0.8, 2.5]), np.log([1.0, 1.0, 1.0, 1.0])]
    theta, f, ok = _maximise(_nll_and_grad(bgnbd_loglik_grad, w, total, ux, ut, uT), starts, 4)
    if not np.isfinite(f) or np.any(np.abs(theta) >= _LOG_BOUND - 1e-6):
        raise FitError("BG/NBD: no interior maximum of the likelihood (a parameter ran to its bound)")
    r, alpha, a, b = (float(v) for v in np.exp(theta))
    ll = bgnbd_loglik((r, alpha, a, b), x, t_x, T)
    se = _std_errors(lambda th: nll(th) * total, theta, ("r", "alpha", "a", "b"))
    return BgNbd(r, alpha, a, b, ll, n, n_rep, time_unit, ok, source, se)


def p_alive(m: BgNbd, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """P(alive at T | x, t_x, T) under BG/NBD: 1 without a repeat purchase, else
    1 / (1 + a/(b+x−1) · ((alpha+T)/(alpha+t_x))^(r+x)), computed in log space."""
    x = np.asarray(x, dtype=float)
    t_x = np.asarray(t_x, dtype=float)
    T = np.asarray(T, dtype=float)
    out = np.ones_like(x)
    rep = x > 0
    xr = x[rep]
    log_odds = (np.log(m.a) - np.log(m.b + xr - 1)
                + (m.r + xr) * (np.log(m.alpha + T[rep]) - np.log(m.alpha + t_x[rep])))
    out[rep] = expit(-log_odds)
    return out


def expected_purchases(m: BgNbd, t: Any, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """E[purchases in (T, T + t] | x, t_x, T] under BG/NBD (Fader, Hardie & Lee 2005, eq. 10).

    Uses Euler's transformation ((alpha+T)/(alpha+T+t))^(r+x) · ₂F₁(r+x, b+x; a+b+x−1; z)
    = (1−z)^(a−1) · ₂F₁(a+b−1−r, a−1; a+b+x−1; z), z = t/(alpha+T+t), whose arguments do not grow
    with x, so customers with many purchases do not overflow. ``t`` is in the model's unit and
    may be a scalar or broadcast against the customers.
    """
    x = np.asarray(x, dtype=float)
    T = np.asarray(T, dtype=float)
    t = np.asarray(t, dtype=float)
    r, alpha, b = m.r, m.alpha, m.b
    a = m.a if abs(m.a - 1.0) > 1e-7 else 1.0 + 1e-7  # the formula has a − 1 in a denominator
    c = a + b + x - 1
    z = t / (alpha + T + t)
    with np.errstate(all="ignore"):
        g = 1.0 - (1.0 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, c, z)
        e = (c / (a - 1)) * g * p_alive(m, x, t_x, T)
    e = np.where(np.asarray(t) <= 0, 0.0, e)
    if not np.all(np.isfinite(e)):
        raise FitError("BG/NBD: expected purchases are not finite for these parameters")
    return np.maximum(e, 0.0)


# ---------------------------------------------------------------------------- Gamma-Gamma
@dataclass(frozen=True)
class GammaGamma:
    """Fitted Gamma-Gamma spend model (money in the data's currency) and its data size.

    ``frequency_spend_corr`` is the Pearson correlation of frequency and mean spend among the
    customers fitted (the model assumes independence; |corr| above 0.3 is worth a warning).
    With q ≤ 1 (very uneven spend across customers, e.g. a mix of households and key accounts)
    the population's mean spend is infinite: the model still predicts customers with a repeat
    purchase, but not customers without one (:func:`expected_spend` gives NaN for them).
    """

    p: float
    q: float
    gamma: float
    log_likelihood: float
    customers: int
    frequency_spend_corr: float | None
    converged: bool = True
    source: str = "filter"
    std_errors: dict[str, float] = field(default_factory=dict)

    @property
    def population_mean_spend(self) -> float:
        """E[spend per purchase] of a new customer, p·gamma / (q − 1); infinite when q ≤ 1."""
        return self.p * self.gamma / (self.q - 1) if self.q > 1 else math.inf

    @property
    def finite_mean(self) -> bool:
        return self.q > 1

    def params(self) -> dict[str, float]:
        return {"p": self.p, "q": self.q, "gamma": self.gamma}


def gamma_gamma_loglik_terms(params: tuple[float, float, float], x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Each customer's Gamma-Gamma log-likelihood of mean spend ``m`` over ``x`` purchases."""
    p, q, g = params
    x = np.asarray(x, dtype=float)
    m = np.asarray(m, dtype=float)
    px = p * x
    return (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g) + (px - 1) * np.log(m)
            + px * np.log(x) - (px + q) * np.log(g + x * m))


def gamma_gamma_loglik_grad(params: tuple[float, float, float], x: np.ndarray, m: np.ndarray
                            ) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's Gamma-Gamma log-likelihood and its gradient in (p, q, gamma), shape (3, n):
    ∂/∂p = x·(ψ(px+q) − ψ(px) + ln m + ln x − ln(γ+x·m)); ∂/∂q = ψ(px+q) − ψ(q) + ln γ − ln(γ+x·m);
    ∂/∂γ = q/γ − (px+q)/(γ+x·m)."""
    p, q, g = params
    x = np.asarray(x, dtype=float)
    m = np.asarray(m, dtype=float)
    px = p * x
    log_gxm = np.log(g + x * m)
    psi_pxq = digamma(px + q)
    ll = gamma_gamma_loglik_terms(params, x, m)
    grad = np.vstack([
        x * (psi_pxq - digamma(px) + np.log(m) + np.log(x) - log_gxm),
        psi_pxq - digamma(q) + np.log(g) - log_gxm,
        q / g - (px + q) / (g + x * m),
    ])
    return ll, grad


def _nll_and_grad(terms_grad: Callable[..., tuple[np.ndarray, np.ndarray]], w: np.ndarray, total: float,
                  *data: np.ndarray) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """Mean negative log-likelihood over weighted customers and its gradient in log-parameters
    (∂/∂θ = p·∂/∂p for p = exp θ), for the optimiser."""
    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(theta)
        with np.errstate(all="ignore"):
            ll, grad = terms_grad(tuple(params), *data)
            value = float(np.dot(w, ll))
            g = -(grad @ w) * params / total
        if not np.isfinite(value) or not np.all(np.isfinite(g)):
            return 1e12, np.zeros_like(theta)
        return -value / total, g
    return fun


def _spend_sample(summary: pd.DataFrame) -> pd.DataFrame:
    return summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]


def fit_gamma_gamma(summary: pd.DataFrame, source: str = "filter",
                    min_customers: int = MIN_REPEAT_CUSTOMERS) -> GammaGamma:
    """Maximum-likelihood Gamma-Gamma on customers with a repeat purchase and positive mean spend.

    Raises :class:`FitError` with fewer than ``min_customers`` such customers or when no interior
    maximum is found. q ≤ 1 is allowed (see :class:`GammaGamma`).
    """
    for col in ("frequency", "monetary_value"):
        if col not in summary.columns:
            raise ValueError(f"RFM summary lacks column {col!r}")
    s = _spend_sample(summary)
    n = len(s)
    if n < min_customers:
        raise FitError(f"too few repeat customers with positive spend to fit Gamma-Gamma ({n})", "few")
    x = s["frequency"].to_numpy(dtype=float)
    m = s["monetary_value"].to_numpy(dtype=float)
    # Fit in units of the median spend (the likelihood is scale-equivariant: gamma scales with
    # money, p and q do not) so that the optimiser sees numbers near 1 whatever the currency.
    unit = float(np.median(m))
    ms = m / unit
    (ux, um), w = _compress(x, ms)
    total = w.sum()

    def nll(theta: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            ll = float(np.dot(w, gamma_gamma_loglik_terms(tuple(np.exp(theta)), ux, um)))
        return -ll / total if np.isfinite(ll) else 1e12

    starts = [np.log([1.0, 2.0, 1.0]), np.log([5.0, 3.0, 2.0]), np.log([0.5, 1.5, 0.5])]
    theta, f, ok = _maximise(_nll_and_grad(gamma_gamma_loglik_grad, w, total, ux, um), starts, 3)
    if not np.isfinite(f) or np.any(np.abs(theta) >= _LOG_BOUND - 1e-6):
        raise FitError("Gamma-Gamma: no interior maximum of the likelihood (a parameter ran to its bound)")
    p, q, g = (float(v) for v in np.exp(theta))
    g_money = g * unit
    ll = float(np.sum(gamma_gamma_loglik_terms((p, q, g_money), x, m)))
    se_scaled = _std_errors(lambda th: nll(th) * total, theta, ("p", "q", "gamma"))
    se = {**se_scaled, "gamma": se_scaled["gamma"] * unit}
    corr = float(np.corrcoef(x, m)[0, 1]) if n > 2 and np.std(x) > 0 and np.std(m) > 0 else None
    return GammaGamma(p, q, g_money, ll, n, corr, ok, source, se)


def expected_spend(g: GammaGamma, x: Any, m: Any) -> np.ndarray:
    """E[spend per purchase | x, m] = p(gamma + x·m) / (p·x + q − 1); the population mean when
    x = 0. NaN where the denominator is not positive (x = 0 with q ≤ 1: an infinite mean)."""
    x = np.asarray(x, dtype=float)
    m = np.where(x > 0, np.asarray(m, dtype=float), 0.0)
    den = g.p * x + g.q - 1
    with np.errstate(all="ignore"):
        return np.where(den > 0, g.p * (g.gamma + x * m) / np.where(den > 0, den, 1.0), np.nan)


# ---------------------------------------------------------------------------- discounted value
def monthly_purchases(m: BgNbd | None, summary: pd.DataFrame, horizon_months: int,
                      rates: np.ndarray | None = None) -> np.ndarray:
    """Expected purchases of each customer in each of the next ``horizon_months`` months.

    With a BG/NBD model: differences of :func:`expected_purchases` at 1, 2, … months (converted to
    the model's unit). Without one, ``rates`` (purchases per model unit, constant, no drop-out)
    times the month's length. Returns an array of shape (customers, months).
    """
    if horizon_months < 1:
        raise ValueError("the horizon must be at least one month")
    unit = m.time_unit if m is not None else DEFAULT_UNIT
    ends = convert(np.arange(0, horizon_months + 1, dtype=float), "months", unit)
    if m is None:
        per_month = np.asarray(rates, dtype=float)[:, None] * np.diff(ends)[None, :]
        return per_month
    x = summary["frequency"].to_numpy(dtype=float)[:, None]
    t_x = summary["recency"].to_numpy(dtype=float)[:, None]
    T = summary["T"].to_numpy(dtype=float)[:, None]
    cum = expected_purchases(m, ends[None, :], x, t_x, T)
    return np.diff(cum, axis=1)


def discount_factors(horizon_months: int, annual_discount: float) -> np.ndarray:
    """1 / (1 + d)^(k/12) for months k = 1 … H (cash flows at each month's end)."""
    if not (annual_discount > -1 and math.isfinite(annual_discount)):
        raise ValueError("the annual discount rate must be a number above −100 %")
    k = np.arange(1, horizon_months + 1, dtype=float)
    return (1.0 + annual_discount) ** (-k / 12.0)


def discounted_value(per_month: np.ndarray, value_per_purchase: np.ndarray, annual_discount: float) -> np.ndarray:
    """Σₖ purchasesₖ × value per purchase / (1 + d)^(k/12), per customer."""
    df = discount_factors(per_month.shape[1], annual_discount)
    return (per_month @ df) * np.asarray(value_per_purchase, dtype=float)


# ---------------------------------------------------------------------------- backtest
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


def _backtest(cur: duckdb.DuckDBPyConnection, lines: str, params: dict[str, Any], cal_end: dt.date,
              hold_end: dt.date, time_unit: str, everyone: Callable[[], pd.DataFrame] | None = None) -> Backtest:
    if hold_end <= cal_end:
        raise ValueError(f"the holdout must end after the calibration end ({hold_end} ≤ {cal_end})")
    summary = _summarize(cur, lines, params, cal_end, time_unit)
    if summary.empty:
        raise ValueError(f"no purchases on or before the calibration end {cal_end}")
    hold = cur.execute(_HOLDOUT_SQL.format(lines=lines), {**params, "cal_end": cal_end, "hold_end": hold_end}).df()
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


def backtest(cur: duckdb.DuckDBPyConnection, f: Filters, calibration_end: Any = None, holdout_end: Any = None,
             time_unit: str = DEFAULT_UNIT) -> Backtest:
    """Fit BG/NBD on the filter's purchases up to ``calibration_end`` and test it on the holdout.

    ``holdout_end`` defaults to the filter's period end (else the last transaction date);
    ``calibration_end`` to :func:`default_calibration_end`. When the filter's customers are too
    few to fit (or the fit fails), the parameters fitted on every customer at the same
    calibration date are used (``model.source == "pooled"``), for BG/NBD and Gamma-Gamma alike.
    """
    hold_end = _as_date(holdout_end, "holdout end") or valuation_date(cur, f)
    lines, params = _store_lines_sql(f)
    first = cur.execute(f"WITH lines AS ({lines}) SELECT min(d) FROM lines WHERE amount >= 0", params).fetchone()[0]
    if first is None:
        raise ValueError("no purchases for these filters")
    cal_end = _as_date(calibration_end, "calibration end") or default_calibration_end(first, f, hold_end)
    everyone = None
    if any(getattr(f, n) for n, _ in filters.ATTRIBUTES):  # too few in the filter: every customer's fit
        all_lines, all_params = _store_lines_sql(Filters())
        cache: list[pd.DataFrame] = []

        def everyone() -> pd.DataFrame:
            if not cache:
                cache.append(_summarize(cur, all_lines, all_params, cal_end, time_unit))
            return cache[0]

    return _backtest(cur, lines, params, cal_end, hold_end, time_unit, everyone)


def backtest_transactions(tx: pd.DataFrame, calibration_end: Any, holdout_end: Any = None,
                          time_unit: str = DEFAULT_UNIT) -> Backtest:
    """:func:`backtest` for a transaction table ``customer_id, date, amount``."""
    con = _frame_connection(tx)
    try:
        cal_end = _as_date(calibration_end, "calibration end")
        if cal_end is None:
            raise ValueError("a calibration end date is needed")
        hold_end = _as_date(holdout_end, "holdout end") or pd.to_datetime(tx["date"]).max().date()
        return _backtest(con, _FRAME_LINES, {}, cal_end, hold_end, time_unit)
    finally:
        con.close()


# ---------------------------------------------------------------------------- command line
def _rounded(d: dict[str, float], digits: int = 6) -> dict[str, float]:
    return {k: (round(v, digits) if isinstance(v, float) and math.isfinite(v) else v) for k, v in d.items()}


def _model_json(bt: Backtest, summary_counts: dict[str, int]) -> dict[str, Any]:
    m, g = bt.model, bt.spend
    return {
        "time_unit": bt.time_unit,
        "calibration_end": bt.calibration_end.isoformat(),
        "holdout_end": bt.holdout_end.isoformat(),
        "bgnbd": None if m is None else {**_rounded(m.params()), "log_likelihood": round(m.log_likelihood, 4),
                                         "source": m.source, "converged": m.converged,
                                         "std_errors": _rounded(m.std_errors)},
        "gamma_gamma": None if g is None else {**_rounded(g.params()), "log_likelihood": round(g.log_likelihood, 4),
                                               "customers": g.customers, "source": g.source,
                                               "frequency_spend_corr": g.frequency_spend_corr,
                                               "std_errors": _rounded(g.std_errors)},
        "counts": summary_counts,
        "backtest": bt.figures(),
    }


def _counts(bt: Backtest) -> dict[str, int]:
    c = bt.customers
    return {
        "customers": len(c),
        "repeat_customers": int((c["frequency"] > 0).sum()),
        "calibration_repeat_purchases": int(c["frequency"].sum()),
        "holdout_purchases": int(c["actual"].sum()),
        # customers the spend model was fitted on, when fitted on these customers (not pooled)
        "gamma_gamma_customers": bt.spend.customers if bt.spend and bt.spend.source == "filter" else 0,
    }


def _clv_command(args: argparse.Namespace) -> int:
    from analytics import cli
    from analytics.store import db
    from i18n import Translator

    unit = args.time_unit
    if args.csv is not None:
        tx = read_transactions_csv(args.csv)
        if tx.empty:
            raise ValueError(f"{args.csv} has no transactions")
        cal = _as_date(args.calibration_end, "calibration end")
        if cal is None:  # the midpoint of the data, like Fader et al.'s 39 + 39 weeks
            lo, hi = pd.to_datetime(tx["date"]).min().date(), pd.to_datetime(tx["date"]).max().date()
            cal = lo + dt.timedelta(days=(hi - lo).days // 2)
        bt = backtest_transactions(tx, cal, args.holdout_end, unit)
        out = {"source": str(args.csv), **_model_json(bt, _counts(bt))}
    else:
        from analytics import customer_value

        con = db.connect(args.db, read_only=True)
        try:
            with db.cursor(con) as cur:
                _data_end(cur)
                f = cli.filters_from_args(args, cur)
                bt = backtest(cur, f, args.calibration_end, args.holdout_end, unit)
                values = customer_value.customer_values(cur, f, horizon_months=args.horizon_months,
                                                        annual_discount=args.annual_discount, time_unit=unit)
        finally:
            con.close()
        t = Translator("en", values.currency)
        out = {"period_from": f.date_from.isoformat() if f.date_from else None,
               "period_to": f.date_to.isoformat() if f.date_to else None,
               **_model_json(bt, _counts(bt)),
               "valuation": values.summary(),
               "notes": [t(k, **p) for k, p in values.notes]}
    if args.json:
        cli.print_json(out)
    else:
        _print_text(out)
    return 0


def _fmt(v: Any) -> str:
    """One value for the text output: money-sized numbers with separators, small ones to 6 digits."""
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 1e4 else f"{v:.6g}"
    if isinstance(v, dict):
        return ", ".join(f"{k}={_fmt(x)}" for k, x in v.items())
    if isinstance(v, list) and not any(isinstance(x, dict) for x in v):
        return ", ".join(_fmt(x) for x in v)
    return str(v)


def _print_text(out: dict[str, Any]) -> None:
    """The command's result as indented ``key  value`` lines (tables as one line per row)."""
    def lines(d: dict[str, Any], indent: int) -> None:
        for key, value in d.items():
            pad = " " * indent
            if isinstance(value, dict) and indent == 0:
                print(f"{key}:")
                lines(value, indent + 2)
            elif isinstance(value, list) and (indent == 0 or any(isinstance(x, dict) for x in value)):
                print(f"{pad}{key}:")
                for row in value:
                    print(f"{pad}  - {_fmt(row)}")
            else:
                print(f"{pad}{key:<{30 - indent}}  {_fmt(value)}")

    lines(out, 0)


def register_cli(subparsers: argparse._SubParsersAction) -> None:
    """``python -m analytics clv``: BG/NBD and Gamma-Gamma fits, the backtest, and values."""
    from analytics import cli

    p = subparsers.add_parser(
        "clv", help="fit BG/NBD and Gamma-Gamma, backtest them, and summarise customer value",
        description="Fits BG/NBD (purchases, P(alive)) and Gamma-Gamma (spend per purchase) on purchases up to "
                    "--calibration-end, predicts each customer's purchases up to --holdout-end and reports the "
                    "error; on a store it also values the customers at the period's end. Parameters are in "
                    "--time-unit (recency, T and alpha are measured in it).")
    cli.add_db_arg(p)
    cli.add_filter_args(p)
    p.add_argument("--csv", type=Path, default=None, metavar="PATH",
                   help="run on a CSV of transactions (columns customer_id,date,amount) instead of the store")
    p.add_argument("--calibration-end", metavar="DATE", default=None,
                   help="last day of the calibration data (default: the day before the period starts; "
                        "with --csv the middle of the data)")
    p.add_argument("--holdout-end", metavar="DATE", default=None,
                   help="last day of the holdout (default: the period's end, or the data's last day)")
    p.add_argument("--time-unit", choices=tuple(UNITS), default=DEFAULT_UNIT,
                   help="unit of recency, T and alpha (default weeks)")
    p.add_argument("--horizon-months", type=int, default=12, help="CLV horizon in months (default 12)")
    p.add_argument("--annual-discount", type=float, default=0.10,
                   help="annual discount rate as a fraction (default 0.10)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=_clv_command)


def model_dict(m: BgNbd | GammaGamma | None) -> dict[str, Any] | None:
    """A fitted model as a plain dict (for JSON and tables)."""
    return None if m is None else asdict(m)
