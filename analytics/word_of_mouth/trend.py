"""Word of mouth, trend and forecast of the series (part of :mod:`analytics.word_of_mouth`).

Definitions (the page's "method" box and docs/word_of_mouth.md repeat them):

* **Trend**: LOWESS (statsmodels, one robustness iteration) over about a quarter of a year
  (13 weeks, 5 months); daily series use STL (period 7, robust) so that a weekday pattern does not
  leak into the trend. Partial periods at the ends of the filter (a week cut by the period) are
  shown but left out of every fit.
* **Forecast**: exponential smoothing (statsmodels ``ETSModel``: additive errors, damped additive
  trend; a daily series whose detrended values differ by weekday — one-way ANOVA, p < 0.01 — is
  forecast without its STL weekday pattern, which is added back), with a 90 % prediction interval
  (statsmodels' interval widened for the estimated parameters: σ² on n − 5 degrees of freedom and
  Student-t quantiles, see :func:`_ets_forecast`). Counts are modelled on
  the log(1 + count) scale and transformed back (the band's centre is then the median), so bands
  stay positive and exponential growth is followed; NPS on its own scale, clipped to ±100. NPS
  carries sampling noise of known variance (:func:`nps_sampling_variance`, from each period's
  answers): the band's σ² is split into process variance (ETS's σ² minus the history's mean
  sampling variance) plus the sampling variance of the latest periods, so a growing number of
  answers narrows the band instead of the early, noisier periods widening it.
"""

from __future__ import annotations

import math
import warnings
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analytics.filters import Filters
from analytics.word_of_mouth.data import DEFAULT_NPS_POPULATION, MONTH_DAYS, SERIES, check_granularity, series

PERIOD_DAYS = {"day": 1.0, "week": 7.0, "month": MONTH_DAYS}
# Trend and forecast: minimum complete periods, forecast horizon, LOWESS span in periods.
MIN_TREND = {"day": 28, "week": 8, "month": 6}
MIN_FORECAST = {"day": 56, "week": 16, "month": 12}
HORIZON = {"day": 28, "week": 8, "month": 3}
TREND_SPAN = {"day": 61, "week": 13, "month": 5}
FORECAST_LEVEL = 0.90
ETS_PARAMETERS = 5  # α, β, φ and the initial level and trend of ETS(A,Ad,N)
SLOPE_DAYS = 91  # the trend slope is read over the last three months
# The band's calibration (aci_multiplier): the step of its adaptive level, and the scores it draws its
# quantile from — those observed in the last ACI_WINDOW periods, so that a surge's errors stop widening
# the band half a year of weeks after it. Chosen on bench.alerts' backtests (docs/word_of_mouth.md).
ACI_GAMMA = 0.03
ACI_WINDOW = 26


# ------------------------------------------------------------------- trend and forecast
@dataclass(frozen=True)
class TrendFit:
    """Trend and forecast of one series at one granularity.

    ``status``: ``"ok"``, ``"too_short"`` (fewer than ``min_trend`` complete periods) or
    ``"no_data"``; ``forecast_status`` likewise against ``min_forecast`` (``"failed"`` if the
    estimation did not converge to a usable model). ``history``: ``period, value, trend`` over the
    complete periods (trend NaN when not fitted). ``forecast``: ``period, forecast, lower, upper``
    (empty when not fitted). ``slope_per_month``: OLS slope of the trend over its last three months,
    in the series' monthly volume per month for counts (complaints per month, change per month) and
    in the value's units per month otherwise (points for NPS); None when not fitted.
    ``trend_method``: ``"lowess"`` or ``"stl"`` (window ``trend_window`` periods);
    ``forecast_method``: ``"ets"`` (ETS(A,Ad,N)) or ``"stl_ets"`` (ETS on the STL-adjusted series).
    ``band_scale``: the adaptive-conformal multiplier of the ETS band's half-width
    (:func:`aci_multiplier`; 1 = ETS's own width, and when there is no forecast).
    """

    name: str
    granularity: str
    status: str
    forecast_status: str
    n: int
    min_trend: int
    min_forecast: int
    horizon: int
    level: float
    history: pd.DataFrame
    forecast: pd.DataFrame
    slope_per_month: float | None
    trend_method: str
    forecast_method: str
    trend_window: int = 0
    band_scale: float = 1.0


def _lowess(values: np.ndarray, span: int) -> np.ndarray:
    from statsmodels.nonparametric.smoothers_lowess import lowess

    n = len(values)
    frac = min(1.0, max(span / n, 3.0 / n))
    return lowess(values, np.arange(n, dtype=float), frac=frac, it=1, return_sorted=False)


def _trend(values: np.ndarray, granularity: str) -> tuple[np.ndarray, np.ndarray | None, str, int]:
    """(trend, weekday component or None, method code, window in periods) of a regular series."""
    span = TREND_SPAN[granularity]
    if granularity == "day" and len(values) >= 2 * 7 + 1:
        from statsmodels.tsa.seasonal import STL

        window = min(span, len(values) - (1 - len(values) % 2))  # odd, not longer than the series
        window = max(window if window % 2 else window - 1, 9)
        res = STL(values, period=7, trend=window, robust=True).fit()
        return np.asarray(res.trend, dtype=float), np.asarray(res.seasonal, dtype=float), "stl", window
    return _lowess(values, span), None, "lowess", min(span, len(values))


WEEKDAY_ALPHA = 0.01


def _has_weekday_pattern(detrended: np.ndarray) -> bool:
    """One-way ANOVA F test of the detrended daily values by weekday, at :data:`WEEKDAY_ALPHA`."""
    from scipy.stats import f as f_dist

    x = np.asarray(detrended, dtype=float)
    n = len(x)
    if n < 14:
        return False
    weekday = np.arange(n) % 7
    means = np.array([x[weekday == i].mean() for i in range(7)])
    between = float(sum((weekday == i).sum() * (means[i] - x.mean()) ** 2 for i in range(7)))
    within = float(((x - means[weekday]) ** 2).sum())
    if between <= 1e-12 * max(1.0, float((x ** 2).sum())):
        return False
    if within <= 1e-12 * between:  # an exact pattern (no noise at all)
        return True
    return bool(f_dist.sf((between / 6) / (within / (n - 7)), 6, n - 7) < WEEKDAY_ALPHA)


def _future_periods(last: pd.Timestamp, granularity: str, horizon: int) -> pd.DatetimeIndex:
    if granularity == "day":
        return pd.date_range(last + pd.Timedelta(days=1), periods=horizon, freq="D")
    if granularity == "week":
        return pd.date_range(last + pd.Timedelta(days=7), periods=horizon, freq="7D")
    return pd.date_range(last + pd.offsets.MonthBegin(1), periods=horizon, freq="MS")


def conformal_quantile(scores: np.ndarray, alpha_t: float) -> float:
    """Split-conformal quantile of past scores at level 1 − ``alpha_t``: the ⌈(n + 1)(1 − α_t)⌉-th
    smallest of the n scores. Where that exceeds n (too few scores, or α_t ≤ 0: the conformal band
    would be unbounded), the ETS band's own width (1) or the largest score if larger; α_t ≥ 1 gives
    the smallest score."""
    s = np.sort(np.asarray(scores, dtype=float))
    n = len(s)
    k = math.ceil((n + 1) * (1 - alpha_t)) if alpha_t > 0 else n + 1
    if k > n:
        return max(1.0, float(s[-1])) if n else 1.0
    return float(s[max(k, 1) - 1])


def aci_path(scores: np.ndarray, level: float = FORECAST_LEVEL, gamma: float | None = None,
             window: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Adaptive conformal inference (Gibbs & Candès 2021) over the rolling origins of a history.

    ``scores`` (m × h): row i is the i-th of m consecutive past origins, column j its horizon j + 1;
    a score is |actual − forecast| ÷ the ETS band's half-width, NaN where not observed before the
    last origin (row i's horizon j + 1 is observed from origin i + j + 1 on; origin m is the one
    being forecast). At each origin the band's multiplier is :func:`conformal_quantile` of the
    scores observed before it (those observed at the last ``window`` origins, default
    :data:`ACI_WINDOW`) at level 1 − α_t; when the targets of period t are observed,
    α_{t+1} = α_t + γ (α − err_t), err_t the share of the forecasts of that period outside their
    band, α = 1 − ``level``, α_0 = α and γ = ``gamma`` (default :data:`ACI_GAMMA`). Returns the
    multiplier and α_t at each origin 0..m."""
    gamma = ACI_GAMMA if gamma is None else gamma
    window = ACI_WINDOW if window is None else window
    s = np.asarray(scores, dtype=float)
    m, h = s.shape if s.ndim == 2 else (0, 0)
    alpha = alpha_t = 1 - level
    used, alphas = np.empty(m + 1), np.empty(m + 1)
    observed: deque[np.ndarray] = deque(maxlen=max(int(window), 1))  # scores observed at the last origins
    horizons = np.arange(1, h + 1)
    for i in range(m + 1):
        # forecasts (origin i − j, horizon j) target the period just before origin i: observed now
        rows = i - horizons
        keep = (rows >= 0) & (rows < m)
        rows, cols = rows[keep], horizons[keep] - 1
        new = s[rows, cols]
        seen = np.isfinite(new)
        new, rows = new[seen], rows[seen]
        if len(new):
            alpha_t += gamma * (alpha - float(np.mean(new > used[rows])))
        observed.append(new)
        used[i] = conformal_quantile(np.concatenate(observed), alpha_t)
        alphas[i] = alpha_t
    return used, alphas


def aci_multiplier(scores: np.ndarray, level: float = FORECAST_LEVEL, gamma: float | None = None,
                   window: int | None = None) -> tuple[float, float]:
    """The band's multiplier and α_m at the last origin of :func:`aci_path`."""
    used, alphas = aci_path(scores, level, gamma, window)
    return float(used[-1]), float(alphas[-1])


def _ets_forecast(values: np.ndarray, horizon: int, level: float,
                  sampling: np.ndarray | None = None,
                  first_origin: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """ETS(A,Ad,N) point forecast (mean), prediction interval and the band's conformal multiplier.

    ``sampling``: the known sampling variance of each value (NaN where unknown), e.g. NPS from few
    answers; the band's variance is then re-split into process and sampling parts (see below).
    ``first_origin``: the first past origin of the band's calibration (:func:`aci_multiplier`);
    default ``horizon``.
    """
    from scipy.stats import norm, t
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter; a failed fit raises and is reported
        res = ETSModel(pd.Series(values), error="add", trend="add", damped_trend=True).fit(disp=False)
        sf = res.get_prediction(start=len(values), end=len(values) + horizon - 1).summary_frame(alpha=1 - level)
    mean = sf["mean"].to_numpy()
    # statsmodels' band treats the fitted parameters and σ² (the mean squared one-step error, no
    # degrees-of-freedom correction) as known, with normal quantiles: in backtests it covered 85–88 %
    # for a stated 90 % at 1–2 years of weeks. Widen it for the estimated parameters: σ² on n − k
    # degrees of freedom and Student-t quantiles (bench.alerts measures the coverage).
    n, k = len(values), ETS_PARAMETERS
    widen = t.ppf(0.5 + level / 2, n - k) / norm.ppf(0.5 + level / 2) * np.sqrt(n / (n - k))
    sigma2 = float(np.mean(np.asarray(res.resid, dtype=float) ** 2))
    band_var = np.full(n + 1, sigma2)  # σ² of a band drawn at each origin 0..n
    if sampling is not None and np.isfinite(sampling).any():
        # A value measured from few answers carries sampling noise of known variance s_t² (NPS: the
        # multinomial variance over the week's answers). ETS's σ² is the mean one-step error variance
        # over the history = process variance + the history's mean s_t²; when the number of answers
        # grows (the demo: 15 → 50 a week) the history's noise overstates the next periods'. The
        # band's σ² becomes σ² − mean(s_t²) + s_f², s_f² the sampling variance of the last
        # ``horizon`` periods (what the next ones will carry), the process part kept ≥ 0.
        past = float(np.nanmean(sampling))
        process = max(sigma2 - past, 0.0)
        for o in range(1, n + 1):
            recent = sampling[max(o - horizon, 0):o]
            band_var[o] = process + (float(np.nanmean(recent)) if np.isfinite(recent).any() else past)
        if sigma2 > 0:
            widen = widen * np.sqrt(band_var[n] / sigma2)
    # Calibration (issue 17): a band sized on calm periods misses a surge or an acceleration, and
    # nothing in ETS's σ² learns from its own misses. Rolling origins over the history — the fitted
    # model's forecasts from its state at each past origin, horizons 1..h, errors the state had not
    # seen — are scored as multiples of the band's half-width there (normal quantile and σ² as
    # estimated: the parameters were fitted on those values, which the widening above answers for,
    # so it stays on top); adaptive conformal inference scales the band by their quantile, its level
    # moved online by the running miss rate, so that the miss rate tends to 1 − level even under
    # shifts. One fit, no refit per origin (a refit each would cost the page ~0.1 s per origin).
    a, b, phi = (float(res.params.iloc[i]) for i in range(3))
    states = np.asarray(res.states, dtype=float)  # level and trend after each value
    damp = np.cumsum(phi ** np.arange(1, horizon + 1))
    factor = 1 + np.concatenate([[0.0], np.cumsum((a + b * damp[:-1]) ** 2)])  # h-step variance ÷ σ²
    z = norm.ppf(0.5 + level / 2)
    first = horizon if first_origin is None else max(int(first_origin), 1)
    origins = np.arange(first, n)[:, None]  # origin o: the values before o are known
    target = origins + np.arange(horizon)[None, :]  # the value forecast at horizon j + 1
    fc = states[origins - 1, 0] + damp[None, :] * states[origins - 1, 1]
    half = z * np.sqrt(band_var[origins] * factor[None, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.abs(values[np.minimum(target, n - 1)] - fc) / half
    scores[(target >= n) | ~(half > 0)] = np.nan
    scale, _ = aci_multiplier(scores, level)
    widen = widen * scale
    out = (mean, mean - widen * (mean - sf["pi_lower"].to_numpy()), mean + widen * (sf["pi_upper"].to_numpy() - mean))
    if not all(np.isfinite(a).all() for a in out):
        raise ValueError("forecast is not finite")
    return (*out, scale)


def nps_sampling_variance(promoters: np.ndarray | pd.Series, detractors: np.ndarray | pd.Series,
                          responses: np.ndarray | pd.Series) -> np.ndarray:
    """Sampling variance (points²) of each period's NPS from its answers: NPS is 100 × the mean of
    scores +1 (promoter), 0, −1 (detractor) over n answers, so its variance is
    100² × ((p + d) − (p − d)²) / n with shares p and d; estimated unbiasedly, 100² × ((p + d) −
    (p − d)²) / (n − 1). NaN with fewer than two answers."""
    pr, de, n = (np.asarray(a, dtype=float) for a in (promoters, detractors, responses))
    with np.errstate(divide="ignore", invalid="ignore"):
        p, d = pr / n, de / n
        v = 1e4 * ((p + d) - (p - d) ** 2) / (n - 1)
    return np.where(n >= 2, v, np.nan)


def _slope_per_month(periods: pd.Series, trend: np.ndarray, granularity: str, count: bool) -> float | None:
    """OLS slope of the trend over its last :data:`SLOPE_DAYS` days, per month (see :class:`TrendFit`)."""
    if len(trend) < 2 or not np.isfinite(trend).all():
        return None
    x = (pd.to_datetime(periods) - pd.to_datetime(periods).iloc[-1]).dt.days.to_numpy(dtype=float)
    keep = x >= -SLOPE_DAYS
    if keep.sum() < 2:
        keep[-2:] = True
    y = trend * (MONTH_DAYS / PERIOD_DAYS[granularity]) if count and granularity != "month" else trend
    slope_per_day = np.polyfit(x[keep], y[keep], 1)[0]
    return float(slope_per_day * MONTH_DAYS)


def fit_trend(history: pd.DataFrame, granularity: str, name: str = "complaints", count: bool | None = None,
              level: float = FORECAST_LEVEL, forecast: bool = True) -> TrendFit:
    """Trend and forecast of one series (pure; see the module docstring for the methods).

    Parameters
    ----------
    history : ``period`` (first day of each period, consecutive), ``value`` (NaN allowed for NPS:
        interpolated for the fit), optional ``partial`` (True rows are left out), optional
        ``sampling_var`` (each value's sampling variance, NaN where unknown; used for non-count
        series, see :func:`_ets_forecast`).
    granularity : ``"day"``, ``"week"`` or ``"month"``.
    name : series name, stored in the result.
    count : whether values are counts (log scale, non-negative); default: every name but ``nps``.
    level : coverage of the prediction interval.
    forecast : False skips the forecast (``forecast_status`` ``"skipped"``), for the headline slope.
    """
    check_granularity(granularity)
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    count = name != "nps" if count is None else count
    h = history.copy()
    if "partial" in h.columns:
        h = h.loc[~h["partial"].astype(bool)]
    keep_cols = ["period", "value"] + (["sampling_var"] if "sampling_var" in h.columns else [])
    h = h[keep_cols].sort_values("period", ignore_index=True)
    h["period"] = pd.to_datetime(h["period"])
    # Leading and trailing periods without a value (NPS without responses) cannot be fitted.
    valid = h["value"].notna().to_numpy()
    if valid.any():
        first, last = int(np.argmax(valid)), len(valid) - int(np.argmax(valid[::-1]))
        h = h.iloc[first:last].reset_index(drop=True)
    else:
        h = h.iloc[0:0]
    h["trend"] = np.nan
    n = int(h["value"].notna().sum())
    horizon = HORIZON[granularity]
    empty_fc = pd.DataFrame({"period": pd.Series(dtype="datetime64[ns]"), "forecast": [], "lower": [], "upper": []})
    base = dict(name=name, granularity=granularity, n=n, min_trend=MIN_TREND[granularity],
                min_forecast=MIN_FORECAST[granularity], horizon=horizon, level=level)
    if n == 0:
        return TrendFit(status="no_data", forecast_status="no_data", history=h, forecast=empty_fc,
                        slope_per_month=None, trend_method="", forecast_method="", **base)
    if n < MIN_TREND[granularity]:
        return TrendFit(status="too_short", forecast_status="too_short", history=h, forecast=empty_fc,
                        slope_per_month=None, trend_method="", forecast_method="", **base)
    values = h["value"].astype(float).interpolate(limit_direction="both").to_numpy()
    sampling = None if count or "sampling_var" not in h.columns else h["sampling_var"].astype(float).to_numpy()
    scaled = np.log1p(np.clip(values, 0, None)) if count else values
    trend_scaled, seasonal, trend_method, window = _trend(scaled, granularity)
    trend = np.expm1(trend_scaled) if count else trend_scaled
    if count:
        trend = np.clip(trend, 0, None)
    h["trend"] = trend
    slope = _slope_per_month(h["period"], trend, granularity, count)
    fc, fc_status, fc_method, band_scale = empty_fc, "too_short", "", 1.0
    if not forecast:
        fc_status = "skipped"
    elif n >= MIN_FORECAST[granularity]:
        # Daily series with a real weekday pattern: ETS on the STL-adjusted series, the last week's
        # pattern added back. Without one, STL's seasonal part is noise and would zigzag the band.
        if seasonal is not None and not _has_weekday_pattern(scaled - trend_scaled):
            seasonal = None
        adjusted = scaled - seasonal if seasonal is not None else scaled
        try:
            mean, lo, hi, band_scale = _ets_forecast(adjusted, horizon, level, sampling, MIN_TREND[granularity])
        except (ValueError, np.linalg.LinAlgError):
            fc_status = "failed"
        else:
            if seasonal is not None:
                pattern = seasonal[len(seasonal) - 7 + np.arange(horizon) % 7]
                mean, lo, hi = mean + pattern, lo + pattern, hi + pattern
                fc_method = "stl_ets"
            else:
                fc_method = "ets"
            if count:
                mean, lo, hi = (np.clip(np.expm1(a), 0, None) for a in (mean, lo, hi))
            elif name == "nps":
                mean, lo, hi = (np.clip(a, -100, 100) for a in (mean, lo, hi))
            fc = pd.DataFrame({"period": _future_periods(h["period"].iloc[-1], granularity, horizon),
                                     "forecast": mean, "lower": lo, "upper": hi})
            fc_status = "ok"
    return TrendFit(status="ok", forecast_status=fc_status, history=h, forecast=fc, slope_per_month=slope,
                    trend_method=trend_method, trend_window=window, forecast_method=fc_method,
                    band_scale=band_scale, **base)


def trends(cur: Any, f: Filters, granularity: str = "week",
           forecast: bool = True, nps_population: str = DEFAULT_NPS_POPULATION) -> dict[str, TrendFit]:
    """:func:`fit_trend` of praise, complaints, other feedback and NPS (over ``nps_population``) for
    the filter (keys :data:`SERIES`)."""
    s = series(cur, f, granularity, nps_population=nps_population)
    out: dict[str, TrendFit] = {}
    for name in SERIES:
        hist = pd.DataFrame({"period": s["period"], "value": s[name].astype(float), "partial": s["partial"]})
        if name == "nps":
            hist["sampling_var"] = nps_sampling_variance(s["promoters"], s["detractors"], s["responses"])
        out[name] = fit_trend(hist, granularity, name, forecast=forecast)
    return out
