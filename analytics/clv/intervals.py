"""How sure the CLV figures are: intervals on P(alive), expected purchases and potential value (CLV),
per customer and in aggregate (part of :mod:`analytics.clv`; issue 17).

**Method: a parametric bootstrap on the log scale** (Krinsky & Robb 1986's simulation from the
estimates' asymptotic distribution, not a refit on resampled customers). The fits maximise the
likelihood over log-parameters and their covariance is the inverse Hessian there
(:func:`analytics.clv.models._log_covariance`). ``draws`` parameter vectors are drawn as
θ̂ · exp(δ), δ ~ N(0, Σ_log), with a fixed ``seed``; every figure is recomputed with each drawn
vector exactly as the point estimate is computed, and the interval is the draws' central
``level`` percentile band. Why this and not the delta method:

* the log scale keeps every draw positive, as the parameters must be, and it is the scale on which
  the likelihood was maximised and looks most normal;
* P(alive) lies in [0, 1] and purchases and CLV are skewed: the delta method's symmetric
  intervals can leave [0, 1] or go below zero, percentiles of the draws cannot;
* the aggregate is a distribution over draws — each draw's sum over customers — so the customers'
  shared parameters are accounted for. A sum of per-customer bounds would not be an interval of
  anything (it assumes every customer is at its bound at once).

**Outside the parameter space**: a draw with a log-parameter beyond the fits' search bound
(|ln θ| > 12) is rejected and drawn again; a draw whose figures are not finite for a customer (the
hypergeometric function failing far in the tail) is left out of that customer's percentiles and
of the aggregate. A drawn Gamma-Gamma with q ≤ 1 (an infinite population mean) values customers
without a repeat purchase at their own mean spend, as the point estimate does.

**Spend**: Gamma-Gamma is drawn independently of the purchase model (they are separate
likelihoods, and Gamma-Gamma assumes spend independent of the purchase process), so CLV's
interval carries both models' uncertainty. Margin and cost-to-serve rates are the customer's own
history, not estimates of a model, and stay fixed. Each bound is widened to contain the point
estimate, which a percentile band of a strongly non-linear function can miss with a wide
covariance, so that no page shows a value outside its own range.

**Any purchase model** with ``params()`` (a dict of positive parameters named as its dataclass
fields), ``log_covariance`` (the covariance of their logarithms, in that order) and ``time_unit``
plugs in: :func:`register` its vectorised ``p_alive(model, x, t_x, T)`` and
``expected_purchases(model, t, x, t_x, T)``. BG/NBD, Pareto/NBD (both variants) and MBG/NBD are
registered here: the values' ranges vary the purchase model the values use (the holdout comparison's
choice unless another is named), each from its own covariance.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from analytics.clv import comparison, models, rfm
from analytics.clv import value as cv
from analytics.clv.mbg_nbd import MbgNbd
from analytics.clv.models import BgNbd, FitError, GammaGamma
from analytics.clv.pareto_nbd import ParetoNbd, ParetoNbdLimit
from analytics.clv.units import convert
from analytics.filters import Filters
from analytics.store import derived

DEFAULT_LEVEL = 0.90
DEFAULT_DRAWS = 300   # the 5th and 95th percentiles rest on 15 draws each
DEFAULT_SEED = 17     # fixed: the same data give the same intervals
LOG_BOUND = 12.0      # the fits search ln θ in [−12, 12]; a draw beyond it is outside their space
_CHUNK = 2_000        # customers per block (3 × draws × block floats, and draws × block × months, at a time)
_THREADS = 8          # blocks computed at once at most
CUSTOMER_COLUMNS = ("customer_id", "p_alive_lower", "p_alive_upper", "expected_purchases_lower",
                    "expected_purchases_upper", "potential_value_lower", "potential_value_upper")


class PurchaseModel(Protocol):
    """What a purchase model needs to have its uncertainty propagated."""

    time_unit: str
    log_covariance: tuple[tuple[float, ...], ...]

    def params(self) -> dict[str, float]: ...


@dataclass(frozen=True)
class PurchaseFunctions:
    """A purchase model's vectorised functions: ``p_alive(model, x, t_x, T)`` and
    ``expected_purchases(model, t, x, t_x, T)`` (purchases in (T, T + t], broadcasting)."""

    p_alive: Callable[..., np.ndarray]
    expected_purchases: Callable[..., np.ndarray]


FUNCTIONS: dict[type, PurchaseFunctions] = {
    BgNbd: PurchaseFunctions(models.p_alive, models.expected_purchases),
    **{kind: PurchaseFunctions(comparison.p_alive, comparison.expected_purchases)
       for kind in (ParetoNbd, ParetoNbdLimit, MbgNbd)},
}


def register(model_type: type, p_alive: Callable[..., np.ndarray],
             expected_purchases: Callable[..., np.ndarray]) -> None:
    """Let :func:`bootstrap` vary another purchase model (Pareto/NBD, MBG/NBD …)."""
    FUNCTIONS[model_type] = PurchaseFunctions(p_alive, expected_purchases)


def check_level(level: Any) -> float:
    """The interval's coverage as a fraction strictly between 0 and 1; ValueError otherwise."""
    try:
        v = float(level)
    except (TypeError, ValueError):
        raise ValueError(f"interval level must be a number between 0 and 1 (0.9 = 90 %), got {level!r}") from None
    if not (math.isfinite(v) and 0 < v < 1) or isinstance(level, bool):
        raise ValueError(f"interval level must be strictly between 0 and 1 (0.9 = 90 %), got {level!r}")
    return v


def has_covariance(model: Any) -> bool:
    """True when ``model`` carries a covariance of the right size for its parameters."""
    cov = getattr(model, "log_covariance", ())
    return bool(cov) and np.shape(cov) == (len(model.params()),) * 2


def draw_parameters(model: Any, draws: int, seed: int) -> list[Any]:
    """``draws`` copies of ``model`` with parameters θ̂ · exp(δ), δ ~ N(0, Σ_log) (see the module
    docstring); draws beyond the search bound are rejected and drawn again. A zero covariance gives
    copies equal to ``model``'s parameters exactly."""
    if draws < 1:
        raise ValueError(f"draws must be at least 1, got {draws!r}")
    if not has_covariance(model):
        raise ValueError(f"{type(model).__name__} has no covariance of its parameters to draw from")
    names = list(model.params())
    point = np.array([model.params()[n] for n in names], dtype=float)
    cov = np.asarray(model.log_covariance, dtype=float)
    w, v = np.linalg.eigh((cov + cov.T) / 2)  # a square root that also takes a singular (zero) covariance
    root = v * np.sqrt(np.clip(w, 0.0, None))
    rng = np.random.default_rng(seed)
    kept: list[np.ndarray] = []
    for _ in range(100):  # each round keeps the draws inside the bound; far tails need few rounds
        delta = rng.standard_normal((draws, len(names))) @ root.T
        ok = np.all(np.abs(np.log(point) + delta) <= LOG_BOUND, axis=1)
        kept.extend(delta[ok])
        if len(kept) >= draws:
            break
    else:
        raise ValueError(f"{type(model).__name__}: the covariance puts almost every draw outside the parameter space")
    return [dataclasses.replace(model, **dict(zip(names, point * np.exp(d), strict=True))) for d in kept[:draws]]


@dataclass(frozen=True, eq=False)
class Intervals:
    """Intervals at ``level`` from ``draws`` parameter draws (``seed``).

    Attributes
    ----------
    customers : DataFrame
        :data:`CUSTOMER_COLUMNS`, one row per customer given, in their order: the lower and upper
        ends of P(alive) (NaN where the customer has none), expected purchases over the horizon and
        potential value (CLV). Callers may add columns (value tiers).
    aggregate : dict
        ``expected_purchases`` and ``potential_value``: each ``{"value", "lower", "upper"}``, the
        point (the sum of the customers' points) and the band of the per-draw sums.
    draw_purchases, draw_potential : the per-draw sums over customers (NaN for a draw not finite
        for some customer).
    varied : the models drawn ("purchases", "spend"): a model without a covariance stays fixed.
    """

    level: float
    draws: int
    seed: int
    customers: pd.DataFrame
    aggregate: dict[str, dict[str, float]]
    draw_purchases: np.ndarray
    draw_potential: np.ndarray
    varied: tuple[str, ...]
    rejected: int = 0  # draws left out of the aggregate (not finite for some customer)

    def summary(self) -> dict[str, Any]:
        """The aggregate as plain values: ``level``, ``potential_value``, ``lower``, ``upper`` (of the
        potential value), ``expected_purchases`` with its ``expected_purchases_lower/upper``, ``draws``."""
        pv, ep = self.aggregate["potential_value"], self.aggregate["expected_purchases"]
        return {"level": self.level, "potential_value": pv["value"], "lower": pv["lower"], "upper": pv["upper"],
                "expected_purchases": ep["value"], "expected_purchases_lower": ep["lower"],
                "expected_purchases_upper": ep["upper"], "draws": self.draws - self.rejected,
                "method": "parametric bootstrap, log-normal parameters", "varied": list(self.varied)}


def _band(samples: np.ndarray, point: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Central percentile band of ``samples`` (draws × customers; NaN left out), widened to ``point``;
    a customer without a finite draw gets its point."""
    q = ((1 - level) / 2, (1 + level) / 2)
    if not np.isnan(samples).any():
        lo, hi = np.quantile(samples, q, axis=0)  # nanquantile loops over the customers in Python
    else:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # "All-NaN slice": such a customer gets its point
            lo, hi = np.nanquantile(samples, q, axis=0)
    lo = np.where(np.isnan(lo), point, np.fmin(lo, point))
    hi = np.where(np.isnan(hi), point, np.fmax(hi, point))
    return lo, hi


def purchase_bands(purchase: Any, t: float, x: Any, t_x: Any, T: Any, level: float = DEFAULT_LEVEL,
                   draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """P(alive) and expected purchases in the next ``t`` units (the model's) for customers
    (x, t_x, T), with their bands at ``level`` and the band of their sum, by the same draws as
    :func:`bootstrap`: ``p_alive``, ``expected_purchases`` (point arrays), ``*_lower``, ``*_upper`` and
    ``total`` = (point, lower, upper) of the summed expected purchases."""
    level = check_level(level)
    fns = _functions(purchase)
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    pa = np.full((draws, x.size), np.nan)
    ep = np.full((draws, x.size), np.nan)
    for k, pm in enumerate(draw_parameters(purchase, draws, seed)):
        with np.errstate(all="ignore"):
            try:
                ep[k] = fns.expected_purchases(pm, t, x, t_x, T)
            except FitError:
                continue
            pa[k] = fns.p_alive(pm, x, t_x, T)
    point_pa, point_ep = fns.p_alive(purchase, x, t_x, T), fns.expected_purchases(purchase, t, x, t_x, T)
    out: dict[str, Any] = {"p_alive": point_pa, "expected_purchases": point_ep}
    for name, samples, point in (("p_alive", pa, point_pa), ("expected_purchases", ep, point_ep)):
        out[f"{name}_lower"], out[f"{name}_upper"] = _band(samples, point, level)
    total = float(point_ep.sum())
    lo, hi = _band(ep.sum(axis=1)[:, None], np.array([total]), level)
    out["total"] = (total, float(lo[0]), float(hi[0]))
    return out


def _functions(purchase: Any) -> PurchaseFunctions:
    fns = FUNCTIONS.get(type(purchase))
    if fns is None:
        raise ValueError(f"no P(alive) and expected-purchase functions registered for {type(purchase).__name__}")
    return fns


def bootstrap(purchase: Any, spend: GammaGamma | None, customers: pd.DataFrame, horizon_months: int,
              annual_discount: float, level: float = DEFAULT_LEVEL, draws: int = DEFAULT_DRAWS,
              seed: int = DEFAULT_SEED) -> Intervals:
    """Intervals on each customer's P(alive), expected purchases over ``horizon_months`` and potential
    value, and on their sums, by the parametric bootstrap of the module docstring.

    ``customers`` has ``customer_id, frequency, recency, T`` (in ``purchase.time_unit``),
    ``monetary_value``, ``own_spend`` (the spend per purchase used where the spend model gives none:
    no Gamma-Gamma, or q ≤ 1 without a repeat purchase), ``profit_rate`` (gross-margin rate −
    cost-to-serve rate) and the point estimates ``p_alive, expected_purchases, potential_value``
    (as :func:`analytics.clv.value.customer_values` computes them; every bound contains them).
    ``purchase`` needs a covariance (:func:`has_covariance`) and registered functions; ``spend``
    is drawn when it has one, else held at its estimate.
    """
    level = check_level(level)
    fns = _functions(purchase)
    p_draws = draw_parameters(purchase, draws, seed)
    varied = ["purchases"]
    if spend is not None and has_covariance(spend):
        s_draws: list[GammaGamma | None] = draw_parameters(spend, draws, seed + 1)
        varied.append("spend")
    else:
        s_draws = [spend] * draws
    n = len(customers)
    ends = convert(np.arange(0, horizon_months + 1, dtype=float), "months", purchase.time_unit)
    discount = models.discount_factors(horizon_months, annual_discount)
    point = {c: customers[c].to_numpy(dtype=float) for c in ("p_alive", "expected_purchases", "potential_value")}

    def block(start: int) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], np.ndarray, np.ndarray]:
        """The bands of customers start … start + _CHUNK and their per-draw sums."""
        rows = customers.iloc[start:start + _CHUNK]
        x, t_x, T = (rows[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
        m, own, rate = (rows[c].to_numpy(dtype=float) for c in ("monetary_value", "own_spend", "profit_rate"))
        pa, ep, pv = (np.full((draws, len(rows)), np.nan) for _ in range(3))
        for k, (pm, sm) in enumerate(zip(p_draws, s_draws, strict=True)):
            with np.errstate(all="ignore"):
                try:
                    cum = fns.expected_purchases(pm, ends[None, :], x[:, None], t_x[:, None], T[:, None])
                except FitError:
                    continue  # not finite for this block: left out (NaN)
                per_month = np.diff(cum, axis=1)
                pa[k] = fns.p_alive(pm, x, t_x, T)
                spend_k = own if sm is None else models.expected_spend(sm, x, m)
                spend_k = np.where(np.isfinite(spend_k), spend_k, own)
                ep[k] = per_month.sum(axis=1)
                pv[k] = (per_month @ discount) * (spend_k * rate)
        bands = {name: _band(samples, point[name][start:start + _CHUNK], level)
                 for name, samples in (("p_alive", pa), ("expected_purchases", ep), ("potential_value", pv))}
        return bands, ep.sum(axis=1), pv.sum(axis=1)  # NaN for a draw not finite for some customer

    # Blocks run on threads: SciPy's special functions release the GIL, so a store of many customers uses
    # every core; the sums are added in block order, so the result does not depend on the threads.
    starts = list(range(0, n, _CHUNK))
    workers = max(1, min(len(starts), os.cpu_count() or 1, _THREADS))
    with ThreadPoolExecutor(workers) as pool:
        done = list(pool.map(block, starts))
    bounds = {c: (np.empty(n), np.empty(n)) for c in point}
    sum_ep, sum_pv = np.zeros(draws), np.zeros(draws)
    for start, (bands, ep_sums, pv_sums) in zip(starts, done, strict=True):
        for name, (lo, hi) in bands.items():
            bounds[name][0][start:start + _CHUNK], bounds[name][1][start:start + _CHUNK] = lo, hi
        sum_ep += ep_sums
        sum_pv += pv_sums
    out = pd.DataFrame({"customer_id": customers["customer_id"].to_numpy()})
    for name, (lo, hi) in bounds.items():
        out[f"{name}_lower"], out[f"{name}_upper"] = lo, hi
    out.loc[np.isnan(point["p_alive"]), ["p_alive_lower", "p_alive_upper"]] = np.nan
    aggregate = {}
    for name, sums in (("expected_purchases", sum_ep), ("potential_value", sum_pv)):
        total = float(point[name].sum())
        lo, hi = _band(sums[:, None], np.array([total]), level)
        aggregate[name] = {"value": total, "lower": float(lo[0]), "upper": float(hi[0])}
    rejected = int(np.isnan(sum_ep).sum())
    return Intervals(level, draws, seed, out, aggregate, sum_ep, sum_pv, tuple(varied), rejected)


# ---------------------------------------------------------------------------- the values' ranges (stored)
INTERVAL_KIND = "clv_interval"


def precompute(cur: Any, f: Filters) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """What :mod:`analytics.precompute` stores for the app's opening view ``f``: the ranges with the
    page's default assumptions (12 months, 10 % a year, terciles, 90 %), from the fit stored just before
    (``clv_fit`` runs first)."""
    when = rfm.valuation_date(cur, f)
    kind = cv.resolve_model(cur, f)  # the comparison stored just before (clv_comparison runs first)
    yield INTERVAL_KIND, interval_params(f, when, model=kind), _intervals(
        cur, f, DEFAULT_LEVEL, cv.DEFAULT_HORIZON_MONTHS, cv.DEFAULT_ANNUAL_DISCOUNT, cv.DEFAULT_CUTS, cv.DEFAULT_UNIT,
        kind)


def report_section(cur: Any, f: Filters) -> dict[str, object]:
    """``report --json``'s ``clv_interval`` (Customer value, with the page's default assumptions)."""
    return {"clv_interval": interval_summary(value_intervals(cur, f))}


def interval_params(f: Filters, when: dt.date, level: float = DEFAULT_LEVEL,
                    horizon_months: int = cv.DEFAULT_HORIZON_MONTHS, annual_discount: float = cv.DEFAULT_ANNUAL_DISCOUNT,
                    cuts: tuple[float, float] = cv.DEFAULT_CUTS, time_unit: str = cv.DEFAULT_UNIT,
                    model: str = "bgnbd") -> dict[str, Any]:
    """The inputs stored ranges are kept under (the fit's, the purchase model varied, the assumptions,
    the level and the draws)."""
    return {**cv.fit_params(f, when, time_unit), "model": model, "level": level, "horizon_months": horizon_months,
            "annual_discount": annual_discount, "cuts": tuple(cuts), "draws": DEFAULT_DRAWS,
            "seed": DEFAULT_SEED, "code": derived.code_version(*cv._FIT_CODE, "analytics.clv.intervals",
                                                                         "analytics.profit", *comparison._CODE)}


def value_intervals(cur: Any, f: Filters, level: float = DEFAULT_LEVEL,
                    horizon_months: int = cv.DEFAULT_HORIZON_MONTHS, annual_discount: float = cv.DEFAULT_ANNUAL_DISCOUNT,
                    cuts: tuple[float, float] = cv.DEFAULT_CUTS, time_unit: str = cv.DEFAULT_UNIT,
                    model: str = comparison.AUTO) -> Intervals | None:
    """Ranges at ``level`` on each customer's P(alive), expected purchases and potential value of
    :func:`customer_values` (same arguments, ``model`` included: the purchase model the values use is
    the one varied) and on their sums; the customers' frame also has ``potential_level_lower/upper``
    and ``spans_tiers`` (the range crosses a potential-value tier cut). Read from the store when
    :func:`precompute` stored them (the default view and assumptions, the holdout's model), else
    computed. None without a fitted purchase model with a covariance (no model, nothing to vary)."""
    level = check_level(level)
    h, d, cuts, _ = cv._check_args(horizon_months, annual_discount, cuts, 0.0)
    kind = cv.resolve_model(cur, f, model, time_unit)
    stored = derived.get(cur, INTERVAL_KIND, interval_params(f, rfm.valuation_date(cur, f), level, h, d, cuts, time_unit,
                                                             kind), (Intervals,))
    # "auto" passed on as such: the values then take the company-wide choice's variant too (a named model
    # takes the filter's comparison's)
    return stored if isinstance(stored, Intervals) else _intervals(cur, f, level, h, d, cuts, time_unit, model)


def _intervals(cur: Any, f: Filters, level: float, h: int, d: float,
               cuts: tuple[float, float], time_unit: str, model: str = comparison.AUTO) -> Intervals | None:
    values = cv.customer_values(cur, f, h, d, cuts, time_unit=time_unit, model=model)
    m = values.fit
    purchase = values.extra.get("purchase_fit")
    if m.purchase_method not in ("bgnbd", "pooled") or purchase is None or not has_covariance(purchase):
        return None
    t = values.table
    bought = t[t["frequency"].notna()].reset_index(drop=True)
    first = cv.fit_models(cur, f, time_unit).summary.set_index("customer_id")["first_spend"]
    own = cv._own_mean_spend(bought.assign(first_spend=bought["customer_id"].map(first)))
    spend = m.gamma_gamma if m.spend_method in ("gamma_gamma", "pooled") else None
    iv = bootstrap(purchase, spend, bought.assign(own_spend=own, profit_rate=bought["margin_rate"]
                                                           - bought["cost_to_serve_rate"]), h, d, level)
    # Customers without a purchase: no P(alive), nothing expected, a zero range.
    c = t[["customer_id", "potential_value"]].merge(iv.customers, on="customer_id", how="left")
    for col in ("expected_purchases", "potential_value"):
        for end in ("lower", "upper"):
            c[f"{col}_{end}"] = c[f"{col}_{end}"].fillna(0.0)
    c["potential_level_lower"] = cv.level_of(c["potential_value_lower"], values.potential_cuts)
    c["potential_level_upper"] = cv.level_of(c["potential_value_upper"], values.potential_cuts)
    c["spans_tiers"] = c["potential_level_lower"] != c["potential_level_upper"]
    return dataclasses.replace(iv, customers=c.drop(columns="potential_value"))


def tier_span_counts(values: cv.CustomerValues, iv: Intervals) -> dict[str, int]:
    """Per tier code (all nine), the customers whose potential-value range spans two tiers or more."""
    spans = values.table[["customer_id", "tier"]].merge(iv.customers[["customer_id", "spans_tiers"]], on="customer_id")
    return {code: int(spans.loc[spans["tier"] == code, "spans_tiers"].sum()) for code in cv.TIERS}


def interval_summary(iv: Intervals | None) -> dict[str, Any] | None:
    """``report --json``'s ``clv_interval``: the aggregate range and the customers spanning two tiers."""
    return None if iv is None else {**iv.summary(), "tier_span_customers": int(iv.customers["spans_tiers"].sum())}
