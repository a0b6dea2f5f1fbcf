"""Word of mouth, the response curve: praise or complaints per 1,000 customer-days against the
service-quality index, with a threshold where the curve turns steep (DOMAIN.md §3).

:class:`ResponseCurve` and its fit (:func:`fit_response_curve`, pure), Davies' test
(:func:`davies_p`), the region-day observations of a filter (:func:`response_curve`,
:func:`response_curves`) and the recent quality and calibration that the what-if and the alerts
use. The names the pages use are re-exported by :mod:`analytics.word_of_mouth`.

Definitions
-----------
* **Response curve**: daily region-level observations (events, customer-days, that day's quality
  index of the region) fitted with a Poisson GLM with offset log(customer-days / 1,000) and a
  hinge at threshold τ: log rate = β0 + β1·q + β2·max(τ − q, 0) for complaints (steep below τ),
  β2·max(q − τ, 0) for praise (steep above τ). τ is chosen by profile likelihood on a grid between
  the 1st and 99th exposure-weighted percentiles of quality; its 95 % interval is the set of τ whose
  profile deviance is within χ²₁(0.95) = 3.84 × φ of the minimum, φ = max(1, Pearson χ²/df)
  (quasi-Poisson scaling for overdispersion). Whether a threshold exists at all is tested against
  the log-linear curve (β2 = 0) with Davies' (1987) bound for a parameter absent under the null
  (the method of R's ``segmented::davies.test``); p > 0.05 means "no threshold".
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analytics.filters import Filters
from analytics.store import derived
from analytics.word_of_mouth.data import MONTH_DAYS, PER, region_days, resolve

CURVE_KINDS = ("complaint", "praise")
CURVE_WINDOWS = ("history", "period")
# Response curve.
CURVE_LEVEL_CHI2 = 3.841458820694124  # χ²₁ 95 % quantile
CURVE_ALPHA = 0.05
MIN_CURVE_DAYS = 30
MIN_CURVE_EVENTS = 20
MIN_CURVE_RANGE = 5.0
CURVE_QUANTILES = (0.01, 0.99)
MIN_SIDE_DAYS = 10  # region-days on each side of every threshold tried
RECENT_QUALITY_DAYS = 14
RECENT_WINDOW_DAYS = 28


# ------------------------------------------------------------------------ response curve
@dataclass(frozen=True)
class ResponseCurve:
    """Praise or complaints per 1,000 customer-days against the service-quality index.

    ``status``: ``"ok"`` (a threshold, significant by Davies' test), ``"no_threshold"`` (the
    hinge does not improve on a log-linear curve: p > 0.05 or the slope turns the wrong way; the
    fitted curve is then log-linear), ``"too_few"`` (fewer than :data:`MIN_CURVE_DAYS` region-days,
    :data:`MIN_CURVE_EVENTS` events or :data:`MIN_CURVE_RANGE` points of quality range) or
    ``"no_quality"`` (no days with both a quality index and exposure).

    ``threshold, low, high``: τ̂ and its 95 % profile-likelihood interval (None unless ok);
    ``open_low``/``open_high``: the interval reaches the edge of the searched range.
    ``params``: (β0, β1, β2) on the log scale, rate per 1,000 customer-days (β2 = 0 when log-linear).
    ``steep_effect`` / ``flat_effect``: relative change of the rate per quality point moved towards
    the steep side (down for complaints, up for praise), beyond and before the threshold.
    ``observed``: ``quality`` (1-point bin, left edge), ``events``, ``customer_days``, ``days``,
    ``rate``. ``fitted``: ``quality, rate, lower, upper`` (95 % confidence band given τ̂).
    ``profile``: ``threshold, deviance, lr`` (lr = LR statistic against log-linear, scaled by φ).
    ``recent``: per region the recent quality (:data:`RECENT_COLUMNS`, see :func:`_recent_quality`);
    ``customers_now``: customers at risk on the window's last day; ``calibration``: actual ÷
    fitted events over the last 28 days (used by :meth:`per_month_shift`).
    """

    kind: str
    status: str
    window: tuple[dt.date | None, dt.date | None]
    threshold: float | None
    low: float | None
    high: float | None
    open_low: bool
    open_high: bool
    params: tuple[float, float, float] | None
    cov: tuple[tuple[float, ...], ...] | None
    dispersion: float | None
    lr: float | None
    p_value: float | None
    n_days: int
    events: int
    customer_days: float
    steep_effect: float | None
    flat_effect: float | None
    observed: pd.DataFrame
    fitted: pd.DataFrame
    profile: pd.DataFrame
    recent: pd.DataFrame = field(default_factory=pd.DataFrame)
    customers_now: int = 0
    calibration: float = 1.0

    @property
    def direction(self) -> int:
        """−1 when the rate turns steep below the threshold (complaints), +1 above it (praise)."""
        return -1 if self.kind == "complaint" else 1

    def rate_at(self, quality: float | np.ndarray) -> np.ndarray | float:
        """Fitted events per 1,000 customer-days at a quality level (NaN without a fit)."""
        q = np.asarray(quality, dtype=float)
        if self.params is None:
            return np.full_like(q, np.nan) if q.ndim else float("nan")
        b0, b1, b2 = self.params
        tau = self.threshold if self.threshold is not None else 0.0
        out = np.exp(b0 + b1 * q + b2 * _hinge(q, tau, self.direction))
        return out if q.ndim else float(out)

    def expected_change(self, q_from: float, q_to: float) -> tuple[float, float, float]:
        """(rate at ``q_from``, rate at ``q_to``, ratio) per 1,000 customer-days."""
        a, b = float(self.rate_at(q_from)), float(self.rate_at(q_to))
        return a, b, (b / a if a > 0 else float("nan"))

    def per_month(self, quality: float, customers: float | None = None) -> float:
        """Expected events per month at ``quality`` for ``customers`` at risk (default: today's)."""
        n = self.customers_now if customers is None else customers
        return float(self.rate_at(quality)) * n * MONTH_DAYS / PER

    def per_month_shift(self, delta: float = 0.0) -> float | None:
        """Expected events per month if every region's recent quality moved by ``delta`` points.

        Σ over regions of rate(recent quality + delta) × customers at risk × 30.4375 / 1,000,
        times :attr:`calibration` (actual ÷ fitted events over the last 28 days), so that
        ``delta = 0`` reproduces the recent level and the curve supplies the change.
        None without a fit or without recent quality.
        """
        r = self.recent
        if self.params is None or r.empty or not r["customers"].sum():
            return None
        rates = np.asarray(self.rate_at(r["quality"].to_numpy(dtype=float) + delta), dtype=float)
        return float((rates * r["customers"].to_numpy(dtype=float)).sum() * MONTH_DAYS / PER * self.calibration)

    @property
    def recent_quality(self) -> float | None:
        """Exposure-weighted quality of the recent days over the regions (None without data)."""
        r = self.recent
        if r.empty or not r["customers"].sum():
            return None if r.empty else float(r["quality"].mean())
        return float(np.average(r["quality"], weights=r["customers"]))


def _hinge(q: np.ndarray, tau: float, direction: int) -> np.ndarray:
    return np.maximum(tau - q, 0.0) if direction < 0 else np.maximum(q - tau, 0.0)


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cw = np.cumsum(w) / w.sum()
    return [float(v[min(np.searchsorted(cw, q), len(v) - 1)]) for q in qs]


def davies_p(lr: np.ndarray) -> float:
    """Davies (1987) upper bound of the p-value of sup LR over a grid (1 df), as in R's segmented."""
    lr = np.clip(np.asarray(lr, dtype=float), 0, None)
    if lr.size == 0:
        return 1.0
    from scipy.stats import chi2

    m = float(lr.max())
    v = float(np.abs(np.diff(np.sqrt(lr))).sum())
    return float(min(1.0, chi2.sf(m, 1) + v * math.exp(-m / 2) / math.sqrt(2 * math.pi)))


def _empty_curve(kind: str, status: str, window: tuple, obs: pd.DataFrame | None = None, **kw: object) -> ResponseCurve:
    e = pd.DataFrame({"quality": [], "events": [], "customer_days": [], "days": [], "rate": []}) if obs is None else obs
    return ResponseCurve(
        kind=kind, status=status, window=window, threshold=None, low=None, high=None, open_low=False,
        open_high=False, params=None, cov=None, dispersion=None, lr=None, p_value=None,
        n_days=int(kw.pop("n_days", 0)), events=int(kw.pop("events", 0)), customer_days=float(kw.pop("customer_days", 0.0)),
        steep_effect=None, flat_effect=None, observed=e,
        fitted=pd.DataFrame({"quality": [], "rate": [], "lower": [], "upper": []}),
        profile=pd.DataFrame({"threshold": [], "deviance": [], "lr": []}), **kw)


def _observed_bins(obs: pd.DataFrame) -> pd.DataFrame:
    b = obs.assign(quality=np.floor(obs["quality"].to_numpy(dtype=float)))
    out = b.groupby("quality", as_index=False).agg(events=("events", "sum"), customer_days=("customer_days", "sum"),
                                                   days=("events", "size"))
    out["rate"] = PER * out["events"] / out["customer_days"]
    return out


def fit_response_curve(obs: pd.DataFrame, kind: str = "complaint", window: tuple = (None, None),
                       grid_step: float | None = None) -> ResponseCurve:
    """Fit the hinge Poisson GLM of events on quality with a profile-likelihood threshold (pure).

    Parameters
    ----------
    obs : one row per region-day with ``quality`` (0–100), ``events`` (count) and
        ``customer_days`` (exposure, > 0; rows without exposure or quality are dropped).
    kind : ``"complaint"`` (steep below the threshold) or ``"praise"`` (steep above it).
    window : the dates the observations cover, stored in the result.
    grid_step : threshold grid step in quality points (default 0.25, coarser for wide ranges).

    See the module docstring and :class:`ResponseCurve` for the model and the returned fields.
    """
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    if kind not in CURVE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(CURVE_KINDS)}, got {kind!r}")
    missing = {"quality", "events", "customer_days"} - set(obs.columns)
    if missing:
        raise ValueError(f"observations lack column(s): {', '.join(sorted(missing))}")
    o = obs.loc[(obs["customer_days"] > 0) & obs["quality"].notna(), ["quality", "events", "customer_days"]]
    o = o.astype(float)
    if (o["events"] < 0).any():
        raise ValueError("event counts must not be negative")
    if o.empty:
        return _empty_curve(kind, "no_quality", window)
    observed = _observed_bins(o)
    stats = dict(n_days=len(o), events=int(o["events"].sum()), customer_days=float(o["customer_days"].sum()))
    q_all = o["quality"].to_numpy()
    if (len(o) < MIN_CURVE_DAYS or stats["events"] < MIN_CURVE_EVENTS
            or q_all.max() - q_all.min() < MIN_CURVE_RANGE):
        return _empty_curve(kind, "too_few", window, observed, **stats)
    # Cells of equal quality (to 0.1) have the same covariates: summing them leaves the Poisson
    # likelihood of the parameters unchanged and makes each fit a few hundred rows.
    cells = o.assign(quality=o["quality"].round(1)).groupby("quality", as_index=False).sum()
    q, y = cells["quality"].to_numpy(), cells["events"].to_numpy()
    offset = np.log(cells["customer_days"].to_numpy() / PER)
    direction = -1 if kind == "complaint" else 1
    lo, hi = _weighted_quantile(q_all, o["customer_days"].to_numpy(), CURVE_QUANTILES)
    ordered = np.sort(q_all)
    lo, hi = max(lo, float(ordered[MIN_SIDE_DAYS])), min(hi, float(ordered[-MIN_SIDE_DAYS - 1]))
    if hi - lo < 1.0:
        return _empty_curve(kind, "too_few", window, observed, **stats)
    step = grid_step or max(0.25, round((hi - lo) / 160, 2))
    grid = np.arange(lo, hi + step / 2, step)
    family = sm.families.Poisson()

    def glm(x: np.ndarray, start: np.ndarray | None = None, scale: float | None = None):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PerfectSeparationWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            return sm.GLM(y, x, family=family, offset=offset).fit(start_params=start, scale=scale)

    x0 = np.column_stack([np.ones_like(q), q])
    null = glm(x0)
    rows, start = [], None
    for tau in grid:
        x = np.column_stack([x0, _hinge(q, tau, direction)])
        try:
            res = glm(x, start)
        except (ValueError, np.linalg.LinAlgError):
            try:  # a warm start from the neighbouring threshold can diverge; start afresh
                res = glm(x)
            except (ValueError, np.linalg.LinAlgError):
                continue
        if not np.isfinite(res.deviance):
            continue
        start = res.params
        rows.append((float(tau), float(res.deviance), float(res.params[2]), float(res.pearson_chi2), res.df_resid))
    if not rows:
        return _empty_curve(kind, "too_few", window, observed, **stats)
    prof = pd.DataFrame(rows, columns=["threshold", "deviance", "b2", "pearson", "df"])
    best_i = int(prof["deviance"].idxmin())
    best = prof.iloc[best_i]
    phi = max(1.0, float(best["pearson"] / best["df"])) if best["df"] > 0 else 1.0
    # One-sided: a hinge that bends the wrong way (flatter on the steep side) is no threshold.
    lr = np.where(prof["b2"] > 0, np.clip(null.deviance - prof["deviance"], 0, None) / phi, 0.0)
    prof["lr"] = lr
    p = davies_p(lr)
    tau = float(best["threshold"])
    significant = best["b2"] > 0 and p <= CURVE_ALPHA
    qs = np.linspace(q_all.min(), q_all.max(), 121)
    if significant:
        final = glm(np.column_stack([x0, _hinge(q, tau, direction)]), None, phi)
        params = np.asarray(final.params, dtype=float)
        cov = np.asarray(final.cov_params(), dtype=float)
        xs = np.column_stack([np.ones_like(qs), qs, _hinge(qs, tau, direction)])
    else:
        final = glm(x0, None, phi)
        params = np.append(np.asarray(final.params, dtype=float), 0.0)
        cov = np.zeros((3, 3))
        cov[:2, :2] = np.asarray(final.cov_params(), dtype=float)
        xs = np.column_stack([np.ones_like(qs), qs, np.zeros_like(qs)])
    eta = xs @ params
    se = np.sqrt(np.einsum("ij,jk,ik->i", xs, cov, xs))
    fitted = pd.DataFrame({"quality": qs, "rate": np.exp(eta), "lower": np.exp(eta - 1.959964 * se),
                           "upper": np.exp(eta + 1.959964 * se)})
    b1, b2 = params[1], params[2]
    # Effects per quality point moved towards the steep side (down for complaints, up for praise).
    flat = math.exp(direction * b1) - 1
    steep = math.exp(direction * b1 + b2) - 1
    low = high = None
    open_low = open_high = False
    if significant:
        within = ((prof["deviance"] - best["deviance"]) / phi <= CURVE_LEVEL_CHI2).to_numpy()
        i = best_i
        while i > 0 and within[i - 1]:
            i -= 1
        j = best_i
        while j < len(within) - 1 and within[j + 1]:
            j += 1
        crit = best["deviance"] + CURVE_LEVEL_CHI2 * phi
        dev, thr = prof["deviance"].to_numpy(), prof["threshold"].to_numpy()
        open_low, open_high = i == 0, j == len(within) - 1
        low = float(thr[i]) if open_low else float(np.interp(crit, [dev[i], dev[i - 1]], [thr[i], thr[i - 1]]))
        high = float(thr[j]) if open_high else float(np.interp(crit, [dev[j], dev[j + 1]], [thr[j], thr[j + 1]]))
    return ResponseCurve(
        kind=kind, status="ok" if significant else "no_threshold", window=window,
        threshold=tau if significant else None, low=low, high=high, open_low=open_low, open_high=open_high,
        params=(float(params[0]), float(b1), float(b2)), cov=tuple(tuple(float(v) for v in r) for r in cov),
        dispersion=phi, lr=float(lr.max()) if len(lr) else 0.0, p_value=p,
        steep_effect=steep if significant else None, flat_effect=flat, observed=observed, fitted=fitted,
        profile=prof[["threshold", "deviance", "lr"]], **stats)


def response_curves(cur: Any, f: Filters, window: str = "history") -> dict[str, ResponseCurve]:
    """:func:`response_curve` of complaints and praise (keys :data:`CURVE_KINDS`), reading the data once."""
    if window not in CURVE_WINDOWS:
        raise ValueError(f"window must be one of {', '.join(CURVE_WINDOWS)}, got {window!r}")
    scope = _scope(cur, f, window)
    rd = region_days(cur, scope)
    return {kind: _curve_from(rd, kind, scope, _stored(cur, scope, kind)) for kind in CURVE_KINDS}


# ------------------------------------------------------------------------ stored fits
CURVE_KIND = "wom_curve"
_CODE = ("analytics.word_of_mouth.response", "analytics.word_of_mouth.data", "analytics.filters")


def curve_params(scope: Filters, kind: str) -> dict[str, Any]:
    """The inputs a fitted curve is stored under: the observations' filter (resolved: customers and
    dates), the kind and the code that reads and fits them."""
    return {"scope": scope, "kind": kind, "code": derived.code_version(*_CODE)}


def _stored(cur: Any, scope: Filters, kind: str) -> ResponseCurve | None:
    """The fit :mod:`analytics.precompute` stored for these observations and the current data, if any."""
    hit = derived.get(cur, CURVE_KIND, curve_params(scope, kind), (ResponseCurve,))
    return hit if isinstance(hit, ResponseCurve) else None


def precompute(cur: Any, f: Filters) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """What :mod:`analytics.precompute` stores for the filter ``f`` (the app's opening view): the
    complaint and praise curves fitted on its history window (the page's default), computed afresh;
    the recent quality and calibration are not stored (they are read with the observations)."""
    scope = _scope(cur, f, "history")
    rd = region_days(cur, scope)
    for kind in CURVE_KINDS:
        yield CURVE_KIND, curve_params(scope, kind), fit_response_curve(_observations(rd, kind), kind,
                                                                        (scope.date_from, scope.date_to))


def _scope(cur: Any, f: Filters, window: str) -> Filters:
    """The filter whose region-days a curve is fitted on: the period, or the history up to its end."""
    fr = resolve(cur, f)
    return fr if window == "period" else resolve(cur, fr.with_period(None, fr.date_to))


def _observations(rd: pd.DataFrame, kind: str) -> pd.DataFrame:
    col = "complaints" if kind == "complaint" else "praise"
    return rd.loc[rd["full_window"], ["quality"]].assign(events=rd[col], customer_days=rd["customers"])


def _curve_from(rd: pd.DataFrame, kind: str, scope: Filters, stored: ResponseCurve | None = None) -> ResponseCurve:
    """The curve of ``kind`` on the region-days ``rd`` of ``scope``: the ``stored`` fit when given
    (fitted on these same observations), else fitted here; recent quality and calibration from ``rd``."""
    col = "complaints" if kind == "complaint" else "praise"
    curve = stored or fit_response_curve(_observations(rd, kind), kind, (scope.date_from, scope.date_to))
    recent = _recent_quality(rd, curve.threshold, curve.direction)
    now = int(rd.loc[rd["day"] == rd["day"].max(), "customers"].sum()) if not rd.empty else 0
    return _with(curve, recent=recent, customers_now=now, calibration=_calibration(curve, rd, col))


def response_curve(cur: Any, f: Filters, kind: str = "complaint",
                   window: str = "history") -> ResponseCurve:
    """The response curve of complaints or praise for the filter's customers.

    Parameters
    ----------
    kind : ``"complaint"`` or ``"praise"``.
    window : ``"history"`` (default: every day of data up to the period's end, so that past
        incidents inform the threshold) or ``"period"`` (the filter's period only).

    Observations are region-days with a full exposure window, exposure > 0 and a quality index;
    events are the filter's customers' complaints (or praise) that day, exposure their customers at risk.
    """
    if kind not in CURVE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(CURVE_KINDS)}, got {kind!r}")
    if window not in CURVE_WINDOWS:
        raise ValueError(f"window must be one of {', '.join(CURVE_WINDOWS)}, got {window!r}")
    scope = _scope(cur, f, window)
    return _curve_from(region_days(cur, scope), kind, scope, _stored(cur, scope, kind))


def _calibration(curve: ResponseCurve, rd: pd.DataFrame, col: str) -> float:
    """Actual ÷ fitted events over the last :data:`RECENT_WINDOW_DAYS` days (1 when undefined)."""
    if curve.params is None or rd.empty:
        return 1.0
    last = rd.loc[rd["day"] > rd["day"].max() - pd.Timedelta(days=RECENT_WINDOW_DAYS)].dropna(subset=["quality"])
    fitted = float((np.asarray(curve.rate_at(last["quality"].to_numpy(dtype=float))) * last["customers"]).sum() / PER)
    actual = float(last[col].sum())
    return actual / fitted if fitted > 0 and actual > 0 else 1.0


def _with(curve: ResponseCurve, **changes: object) -> ResponseCurve:
    from dataclasses import replace

    return replace(curve, **changes)


RECENT_COLUMNS = ("region", "quality", "low", "high", "days_beyond", "customers")


def _recent_quality(rd: pd.DataFrame, threshold: float | None, direction: int) -> pd.DataFrame:
    """Per region: exposure-weighted quality over the last :data:`RECENT_QUALITY_DAYS` days with
    data, its lowest and highest daily value and the days beyond the threshold (below it for
    complaints, above it for praise; 0 without a threshold) over the last
    :data:`RECENT_WINDOW_DAYS` days, and the customers at risk on the last day."""
    d = rd.dropna(subset=["quality"])
    if d.empty:
        return pd.DataFrame({c: [] for c in RECENT_COLUMNS})
    last = d["day"].max()
    d = d.loc[d["day"] > last - pd.Timedelta(days=RECENT_WINDOW_DAYS)]
    rows = []
    for region, g in d.groupby("region", sort=True):
        near = g.loc[g["day"] > last - pd.Timedelta(days=RECENT_QUALITY_DAYS)]
        w = near["customers"].to_numpy(dtype=float)
        qv = float(np.average(near["quality"], weights=w)) if w.sum() > 0 else float(near["quality"].mean())
        beyond = 0 if threshold is None else int(((g["quality"] < threshold) if direction < 0
                                                  else (g["quality"] >= threshold)).sum())
        rows.append((region, qv, float(g["quality"].min()), float(g["quality"].max()), beyond,
                     int(g.loc[g["day"] == g["day"].max(), "customers"].sum())))
    return pd.DataFrame(rows, columns=list(RECENT_COLUMNS))
