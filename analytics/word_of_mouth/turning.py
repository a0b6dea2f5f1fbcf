"""Word of mouth, the turning points: breaks in the weekly praise and complaint series and the
groups that drive them (DOMAIN.md §3).

:func:`detect_breaks` (pure: pre-whitened sup-F test, binary segmentation, exact Monte Carlo null) and
:func:`turning_points` (a filter's weekly series, overall and per region, with the drivers of each
break). The names the pages use are re-exported by :mod:`analytics.word_of_mouth`.

Definitions
-----------
* **Turning points**: on weekly series (rate per 1,000 customer-days when every week has a full
  exposure window, counts otherwise), a sup-F test for a break in level and slope of a linear
  trend (Andrews 1993), each segment at least 15 % of the series and 6 weeks, on the series
  pre-whitened for its week-to-week correlation (AR(1), :func:`ar1_coefficient`), with a p-value
  from the exact null distribution of the whitened statistic (9,999 seeded Monte Carlo draws per
  series length and coefficient), applied by binary segmentation at α = 0.01 (Bonferroni-divided by
  the segments tested in each round), at most 5 breaks per series. A break is dated by the best
  continuous kink unless a jump fits significantly better (:func:`_date`). The driver of a break is, per
  dimension (region, feedback channel, topic, segment), the group whose weekly count changed most
  in the direction of the total change between the 8 weeks before and after it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from analytics import query
from analytics.filters import Filters
from analytics.store import derived
from analytics.word_of_mouth.data import (
    CUSTOMER_DIMENSIONS,
    DIMENSIONS,
    FEEDBACK_DIMENSIONS,
    NULL_GROUP,
    feedback_scope,
    resolve,
    series,
)

# Turning points.
BREAK_ALPHA = 0.01
BREAK_TRIM = 0.15
BREAK_MIN_SEGMENT = 6
BREAK_MAX = 5
BREAK_DRAWS = 9999  # enough for tail quantiles at α / m (999 draws misjudge the 0.3 % tail by 20 %)
BREAK_QUICK_DRAWS = 999
BREAK_SEED = 20240917
DRIVER_WEEKS = 8
# Autocorrelation (see :func:`ar1_coefficient`): AR(1) coefficients on a grid of 0.05 up to 0.9.
AR_STEP = 0.05
AR_MAX = 0.9
AR_BIAS_REGRESSORS = 6  # the break model's 4 coefficients + the search over break dates, in the bias correction
AR_MARGIN = 1.5  # standard errors added to the estimate: an upper confidence bound, see ar1_coefficient


# ------------------------------------------------------------------------ turning points
@dataclass(frozen=True)
class Break:
    """One break found by :func:`detect_breaks`: ``index`` is the first point of the new regime."""

    index: int
    f_stat: float
    p_value: float
    slope_before: float
    slope_after: float
    jump: float
    change: float  # fitted after − before-trend extended, :data:`DRIVER_WEEKS` points after the break
    start: int = 0  # the segment [start, end) the break was found in (lines fitted on either side within it)
    end: int = 0
    ar1: float = 0.0  # the AR(1) coefficient the segment was whitened with (:func:`ar1_coefficient`)


def _prais_winsten(x: np.ndarray, phi: float) -> np.ndarray:
    """Columns of ``x`` (n × m) transformed so that AR(1) errors with coefficient ``phi`` become
    i.i.d.: row 0 × √(1 − φ²), row t − φ × row t − 1 after (Prais–Winsten; the identity at φ = 0)."""
    if phi == 0:
        return x
    out = np.empty_like(x)
    out[0] = math.sqrt(1.0 - phi * phi) * x[0]
    out[1:] = x[1:] - phi * x[:-1]
    return out


def _phi(code: int) -> float:
    """The AR(1) coefficient of a grid code (hundredths: 35 → 0.35)."""
    return code / 100.0


def _break_bases(n: int, h: int, ar: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Orthonormal bases of the whitened design (AR(1) coefficient code ``ar``, :func:`_phi`): the
    null (level, slope) and, per candidate break k in [h, n − h], the two added columns (level shift,
    slope change) made orthogonal to the null, stacked (n × 2K)."""
    return _break_design(n, h, ar)[:3]


@lru_cache(maxsize=256)
def _break_design(n: int, h: int, ar: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_break_bases` and, per candidate, the slope-change column alone (orthogonal to the
    null) in the pair's basis: (u1·s, u2·s), K × 2 — the continuous kink :func:`_date` fits."""
    phi = _phi(ar)
    t = np.arange(n, dtype=float)[:, None]
    q0, _ = np.linalg.qr(_prais_winsten(np.column_stack([np.ones(n), t[:, 0]]), phi))
    ks = np.arange(h, n - h + 1)
    level = _prais_winsten((t >= ks[None, :]).astype(float), phi)
    slope = _prais_winsten(np.clip(t - ks[None, :], 0, None), phi)
    level -= q0 @ (q0.T @ level)
    slope -= q0 @ (q0.T @ slope)
    # Gram–Schmidt on each (level, slope) pair, all candidates at once.
    u1 = level / np.linalg.norm(level, axis=0)
    v = slope - u1 * (u1 * slope).sum(axis=0)
    u2 = v / np.linalg.norm(v, axis=0)
    qall = np.empty((n, 2 * len(ks)))
    qall[:, 0::2], qall[:, 1::2] = u1, u2
    kink = np.column_stack([(u1 * slope).sum(axis=0), (u2 * slope).sum(axis=0)])
    return q0, ks, qall, kink


def _sup_f(r0: np.ndarray, qall: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """F statistics per candidate (rows) for residual columns ``r0`` (n × R)."""
    ssr0 = (r0 ** 2).sum(axis=0)
    z = qall.T @ r0
    gain = (z[0::2] ** 2 + z[1::2] ** 2)
    ssr1 = np.maximum(ssr0[None, :] - gain, 1e-300)
    return (gain / 2.0) / (ssr1 / (n - 4)), gain


@lru_cache(maxsize=128)
def _null_sup_f(n: int, h: int, ar: int = 0, draws: int = 9999) -> np.ndarray:
    """Sorted sup-F draws under the null (linear trend + AR(1) noise of coefficient code ``ar``,
    whitened with that coefficient), fixed seed.

    Whitened with the true coefficient, the errors are i.i.d. normal and the statistic depends
    neither on the trend's parameters nor on the noise variance: these draws are its exact
    finite-sample null distribution for this n, trimming and coefficient.
    """
    q0, _, qall = _break_bases(n, h, ar)
    rng = np.random.default_rng([BREAK_SEED, n, h, draws, ar])
    out = np.empty(draws)
    for i in range(0, draws, 2000):  # in chunks: memory stays small for long series
        m = min(2000, draws - i)
        e = rng.standard_normal((n, m))
        f, _ = _sup_f(e - q0 @ (q0.T @ e), qall, n)
        out[i:i + m] = f.max(axis=0)
    return np.sort(out)


def _min_segment(n: int, min_segment: int, trim: float) -> int:
    return max(min_segment, math.ceil(trim * n))


NullDraws = Callable[[int, int, int, int], np.ndarray]  # (n, h, ar, draws) -> sorted sup-F draws, as _null_sup_f


def _p_value(stat: float, null: np.ndarray) -> float:
    return (1 + (len(null) - np.searchsorted(null, stat, side="left"))) / (len(null) + 1)


def ar1_coefficient(y: np.ndarray, h: int) -> int:
    """The AR(1) coefficient the break test whitens ``y`` with, as a grid code (hundredths).

    Why pre-whitening, and why this estimate (issue 17): weekly feedback rates are autocorrelated
    (a backlog, a campaign, a slow drift last several weeks), and a test that assumes independent
    weeks reads such wander as breaks — at a week-to-week correlation of 0.5 the i.i.d. sup-F test
    fired in about a third of series without any change at nominal 1 %. The regression is therefore
    done by feasible GLS (Prais–Winsten with an AR(1) coefficient φ), which keeps the statistic's
    exact simulated null (the whitened errors are i.i.d. for the true φ) and so the stored null
    draws, now one set per φ on a grid. A HAC long-run variance was the other option; at 50–100
    weeks its bandwidth choice dominates the size, and it leaves no exact null to simulate.

    The estimate: the lag-1 autocorrelation of the OLS residuals of the *break* model at the best
    break (the model under the alternative: residuals of the no-break line would read a real break as
    autocorrelation and whiten it away — power fell below 10 % in simulation), corrected for its
    downward bias in a regression with p coefficients, E[r] ≈ φ − (p + (p + 2)φ)/n, with
    p = :data:`AR_BIAS_REGRESSORS` (the 4 coefficients plus the search over dates), then raised by
    :data:`AR_MARGIN` standard errors √((1 − φ²)/n): underestimating φ makes false alarms,
    overestimating it only costs power, and at 50 weeks the estimate's spread (±0.1) is what
    broke the size. The result is clipped to [0, :data:`AR_MAX`] (negative correlation makes the
    i.i.d. test conservative already) and rounded to the :data:`AR_STEP` grid. Figures measured
    with ``python -m bench.alerts`` are in docs/word_of_mouth.md.
    """
    return ar1_of_segments(np.asarray(y, dtype=float), [(0, len(y))], h, 0.0)


def ar1_of_segments(y: np.ndarray, segments: list[tuple[int, int]], min_segment: int, trim: float) -> int:
    """:func:`ar1_coefficient` from the residuals of every segment of ``y`` at once: each segment
    long enough to test is fitted with its best break (level and slope on either side), a shorter one
    with a line; the bias correction counts :data:`AR_BIAS_REGRESSORS` per tested segment and 2 per
    line. Binary segmentation estimates one coefficient per round this way, over the whole series:
    a short segment alone would give an estimate too uncertain to test anything in it."""
    n = len(y)
    num = den = 0.0
    p = 0
    for lo, hi in segments:
        seg = y[lo:hi]
        m = len(seg)
        t = np.arange(m, dtype=float)
        h = _min_segment(m, min_segment, trim)
        if m - 2 * h >= 0 and m >= 8:
            q0, ks, qall = _break_bases(m, h, 0)
            f, _ = _sup_f(seg[:, None] - q0 @ (q0.T @ seg[:, None]), qall, m)
            k = int(ks[int(np.argmax(f[:, 0]))])
            x = np.column_stack([np.ones(m), t, (t >= k).astype(float), np.clip(t - k, 0, None)])
            p += AR_BIAS_REGRESSORS
        else:
            x = np.column_stack([np.ones(m), t])[:, :min(2, m)]
            p += min(2, m)
        e = seg - x @ np.linalg.lstsq(x, seg, rcond=None)[0]
        num += float(e[1:] @ e[:-1])
        den += float(e @ e)
    if den <= 1e-12 * max(1.0, float(y @ y)) or n - p - 2 < 8:
        return 0 if den <= 1e-12 * max(1.0, float(y @ y)) else round(AR_MAX * 100)
    r = num / den
    phi = min((n * r + p) / (n - p - 2), 0.99)
    phi += AR_MARGIN * math.sqrt(max(1.0 - phi * phi, 0.0) / n)
    phi = min(max(phi, 0.0), AR_MAX)
    return int(round(phi / AR_STEP) * round(AR_STEP * 100))


def _sup_f_test(y: np.ndarray, min_segment: int, trim: float, level: float = BREAK_ALPHA,
                null: NullDraws = _null_sup_f, ar: int | None = None) -> tuple[int, float, float, int] | None:
    """(break index, sup F, p-value, AR(1) code) for one segment, or None when it is too short to test.

    The segment is whitened with the AR(1) coefficient code ``ar`` (default: :func:`ar1_coefficient`
    of the segment) before the sup-F test. A quick null of
    :data:`BREAK_QUICK_DRAWS` draws settles clear cases; when its p-value is within 5 × ``level``,
    the p-value comes from the full :data:`BREAK_DRAWS` draws.
    """
    n = len(y)
    h = _min_segment(n, min_segment, trim)
    if n - 2 * h < 0 or n < 8:
        return None
    q0, _, _ = _break_bases(n, h, 0)
    if float(((y - q0 @ (q0.T @ y)) ** 2).sum()) <= 1e-12 * max(1.0, float((y ** 2).sum())):
        return None  # a perfect line: nothing to test
    ar = ar1_coefficient(y, h) if ar is None else ar
    q0, ks, qall, kink = _break_design(n, h, ar)
    yw = _prais_winsten(y[:, None], _phi(ar))[:, 0]
    r0 = (yw - q0 @ (q0.T @ yw))[:, None]
    f, gain = _sup_f(r0, qall, n)
    i = int(np.argmax(f[:, 0]))
    stat = float(f[i, 0])
    p = _p_value(stat, null(n, h, ar, BREAK_QUICK_DRAWS))
    if p <= 5 * level:
        p = _p_value(stat, null(n, h, ar, BREAK_DRAWS))
    return int(ks[_date(r0[:, 0], qall, kink, gain[:, 0], i, n)]), stat, float(p), ar


# A jump this significant makes the break a jump, not a gradual turn. 1 %, not 5 %: the best break is searched
# over every date, so against F(1, n − 4) its gain over the kink is inflated and at 5 % it overruled the kink in
# gentle turns (0.25 σ a week, 104 weeks, ρ 0.5: dated within 2 weeks in 50 % of series at 5 %, 61 % at 1 %,
# 62 % never switching — as the GLS profile likelihood with the true ρ, bench.alerts --oracle), while level
# shifts are dated as before (4 σ: all within 2 weeks; 2 σ: 77 % at 1 % and 5 %, 69 % at 0.1 %).
KINK_ALPHA = 0.01


def _date(r0: np.ndarray, qall: np.ndarray, kink: np.ndarray, gain: np.ndarray, i: int, n: int) -> int:
    """The candidate index that dates the break: the best continuous kink (slope change, no jump),
    unless the best break with a jump fits significantly better (F test with 1 degree of freedom at
    :data:`KINK_ALPHA`), then the best break.

    Why: for a gradual turn the level-and-slope model fits nearly as well over a span of dates (a
    jump trades off against a slope), so its maximum wanders; the kink model has one parameter and
    pins the date (issue 17: such turns were dated a median of 5 weeks late).
    """
    from scipy.stats import f as f_dist

    # The slope-change column lies in the plane of its pair (u1, u2) at (c1, c2): the kink model's
    # gain is the squared projection of the residual on that direction.
    z1, z2 = qall[:, 0::2].T @ r0, qall[:, 1::2].T @ r0
    c1, c2 = kink[:, 0], kink[:, 1]
    gain1 = (c1 * z1 + c2 * z2) ** 2 / (c1 ** 2 + c2 ** 2)
    j = int(np.argmax(gain1))
    ssr2 = max(float(r0 @ r0) - float(gain[i]), 1e-300)
    jump_f = max(float(gain[i]) - float(gain1[j]), 0.0) / (ssr2 / (n - 4))
    return j if f_dist.sf(jump_f, 1, n - 4) > KINK_ALPHA else i


def _segment_lines(y: np.ndarray, k: int) -> tuple[float, float, float, float]:
    t = np.arange(len(y), dtype=float)
    b1, a1 = np.polyfit(t[:k], y[:k], 1) if k >= 2 else (0.0, float(y[:k].mean()))
    b2, a2 = np.polyfit(t[k:], y[k:], 1) if len(y) - k >= 2 else (0.0, float(y[k:].mean()))
    return float(a1), float(b1), float(a2), float(b2)


def detect_breaks(y: np.ndarray | pd.Series, alpha: float = BREAK_ALPHA, min_segment: int = BREAK_MIN_SEGMENT,
                  trim: float = BREAK_TRIM, max_breaks: int = BREAK_MAX, null: NullDraws = _null_sup_f) -> list[Break]:
    """Breaks in level and slope of a linear trend, by binary segmentation with a sup-F test (pure).

    Parameters
    ----------
    y : equally spaced values without gaps.
    alpha : significance level (p-value from the exact Monte Carlo null); a round that tests m
        segments tests each at alpha / m (Bonferroni), so that the first round is an α-level test
        of "no break at all" and later splits stay as strict. Each round whitens every segment
        with one AR(1) coefficient estimated over the whole series (:func:`ar1_of_segments`).
    min_segment, trim : each side of a break has at least max(min_segment, ⌈trim·n⌉) points,
        n being the length of the segment tested.
    max_breaks : at most this many breaks (the most significant segments are split first).
    null : where the null distribution's draws come from (default: simulated, memoised per process).

    Returns the breaks in time order; the slopes and jump are those of separate OLS lines fitted
    on either side within the segment the break was found in.
    """
    arr = np.asarray(y, dtype=float)
    if not np.isfinite(arr).all():
        raise ValueError("the series has missing or infinite values")
    found: list[Break] = []
    pending = [(0, len(arr))]
    while pending and len(found) < max_breaks:
        tests = []
        level = alpha / len(pending)  # Bonferroni over the segments of this round
        ar = ar1_of_segments(arr, pending, min_segment, trim)
        for lo, hi in pending:
            r = _sup_f_test(arr[lo:hi], min_segment, trim, level, null, ar)
            if r is not None and r[2] <= level:
                tests.append((r[2], -r[1], lo, hi, r[0], r[3]))
        if not tests:
            break
        tests.sort()
        _, neg_f, lo, hi, k, ar = tests[0]
        seg = arr[lo:hi]
        a1, b1, a2, b2 = _segment_lines(seg, k)
        ahead = min(DRIVER_WEEKS, len(seg) - k)
        at = k + ahead - 1
        change = (a2 + b2 * at) - (a1 + b1 * at)
        p_value = next(t[0] for t in tests if t[2] == lo)
        found.append(Break(index=lo + k, f_stat=-neg_f, p_value=p_value, slope_before=b1, slope_after=b2,
                           jump=(a2 + b2 * k) - (a1 + b1 * k), change=change, start=lo, end=hi, ar1=_phi(ar)))
        pending = [s for s in pending if s != (lo, hi)] + [(lo, lo + k), (lo + k, hi)]
    return sorted(found, key=lambda b: b.index)


@dataclass(frozen=True)
class TurningPoints:
    """Turning points of the weekly praise and complaint series of a filter, overall and per region.

    ``status``: ``"ok"`` or ``"too_short"`` (fewer than ``min_weeks`` complete weeks). ``basis``:
    ``"rate"`` (per 1,000 customer-days) or ``"count"``. ``points``: one row per break with
    ``scope`` (None for all the filter's customers, else the region whose own series broke),
    ``series`` (praise/complaints), ``date`` (Monday of the first week of the new regime),
    ``direction`` (``"up"``: the series runs above its former trend after the break; ``"down"``),
    ``f_stat, p_value, slope_before, slope_after`` (per week, on the basis), ``jump``, ``change``
    (the gap to the former trend 8 weeks on), and per dimension ``region, segment,
    feedback_channel, topic`` the driving group, its change in weekly counts (``<dim>_change``)
    and its share of the total change (``<dim>_share``); newest first. ``weekly``: the overall
    series tested (``period, praise, complaints`` on the basis).
    """

    status: str
    basis: str
    weeks: int
    min_weeks: int
    points: pd.DataFrame
    weekly: pd.DataFrame

    @property
    def dates(self) -> list[dt.date]:
        """Distinct dates of every turning point, in time order."""
        if self.points.empty:
            return []
        return sorted({pd.Timestamp(d).date() for d in self.points["date"]})


POINT_COLUMNS = ("scope", "series", "date", "direction", "f_stat", "p_value", "slope_before", "slope_after", "jump",
                 "change", *(c for d in DIMENSIONS for c in (d, f"{d}_change", f"{d}_share")))


def _feedback_cube(cur: Any, f: Filters) -> pd.DataFrame:
    """Praise and complaints per week (Monday) and region, segment, feedback channel and topic."""
    s = feedback_scope(f, customer_columns=True)
    s = s.filter(s.kind.isin(["praise", "complaint"]))
    dims = {d: s[c] for d, c in {**CUSTOMER_DIMENSIONS, **FEEDBACK_DIMENSIONS}.items()}
    g = s.group_by(period=s.feedback_date.truncate("W"), **dims).aggregate(
        praise=s.count(where=s.kind == "praise"), complaints=s.count(where=s.kind == "complaint"))
    df = query.df(cur, g)
    # Spark's week is a timestamp at midnight, DuckDB's a date: the same Monday either way.
    df["period"] = pd.to_datetime(df["period"]).dt.normalize()
    for dim in DIMENSIONS:
        df[dim] = df[dim].astype(object).where(df[dim].notna(), NULL_GROUP)
    return df


def _line_weights(t: np.ndarray, at: float) -> np.ndarray:
    """Weights w with w·y = the OLS line through (t, y) evaluated at ``at`` (a linear functional of y)."""
    if len(t) == 1:
        return np.ones(1)
    d = t - t.mean()
    return 1.0 / len(t) + d * (at - t.mean()) / (d ** 2).sum()


def _change_weights(n: int, k: int) -> np.ndarray:
    """Weights giving :attr:`Break.change` of a segment of length n with a break at k, as w·y."""
    t = np.arange(n, dtype=float)
    at = k + min(DRIVER_WEEKS, n - k) - 1
    return np.concatenate([-_line_weights(t[:k], at), _line_weights(t[k:], at)])


def _drivers(cube: pd.DataFrame, col: str, weeks: pd.DatetimeIndex, k: int, lo: int, hi: int) -> dict[str, object]:
    """Per dimension, the group that moved most in the direction of the total change.

    The change of a group is the same statistic as :attr:`Break.change`, on the group's weekly
    counts within the segment [lo, hi) broken at week k; being linear in the counts, the groups'
    changes add up to the change of the total count, so ``<dim>_share`` is a share of it.
    """
    w = _change_weights(hi - lo, k - lo)
    span = weeks[lo:hi]
    out: dict[str, object] = {}
    for dim in DIMENSIONS:
        wide = cube.groupby(["period", dim])[col].sum().unstack(dim, fill_value=0).reindex(span, fill_value=0)
        if wide.shape[1] == 0:
            out.update({dim: None, f"{dim}_change": None, f"{dim}_share": None})
            continue
        change = pd.Series(w @ wide.to_numpy(dtype=float), index=wide.columns)
        total = float(change.sum())
        pick = change.idxmax() if total >= 0 else change.idxmin()
        value = float(change[pick])
        out.update({dim: None if pick == NULL_GROUP else pick, f"{dim}_change": value,
                    f"{dim}_share": value / total if abs(total) > 1e-9 else None})
    return out


def _weekly_basis(w: pd.DataFrame, use_rate: bool) -> pd.DataFrame:
    cols = {"praise": "praise_rate" if use_rate else "praise", "complaints": "complaint_rate" if use_rate else "complaints"}
    return pd.DataFrame({"period": w["period"].to_numpy(), **{k: w[c].astype(float).to_numpy() for k, c in cols.items()}})


def _dedupe(points: pd.DataFrame) -> pd.DataFrame:
    """Drop a region's own turning point when the overall series turned the same way within
    :data:`DRIVER_WEEKS` / 2 weeks and that region drove it: one event, listed once."""
    overall = points.loc[points["scope"].isna()]
    keep = []
    for p in points.itertuples(index=False):
        dup = p.scope is not None and not overall.loc[
            (overall["series"] == p.series) & (overall["direction"] == p.direction) & (overall["region"] == p.scope)
            & ((overall["date"] - p.date).abs() <= pd.Timedelta(weeks=DRIVER_WEEKS // 2))].empty
        keep.append(not dup)
    return points.loc[keep].reset_index(drop=True)


# ------------------------------------------------------------------------ stored null distributions
NULL_KIND = "wom_null"


def null_params(n: int, h: int, ar: int, draws: int) -> dict[str, Any]:
    """The inputs a null distribution is stored under (it depends on nothing else: not on the data);
    ``ar`` is the AR(1) coefficient's grid code (hundredths) the design was whitened with."""
    return {"n": n, "h": h, "ar": ar, "draws": draws, "seed": BREAK_SEED,
            "code": derived.code_version("analytics.word_of_mouth.turning")}


_LOADED: dict[tuple[int, int, int, int], np.ndarray] = {}  # read from a store; the same for every store and data
_LOADED_MAX = 128


def _stored_nulls(cur: Any) -> NullDraws:
    """Null draws from the store when :mod:`analytics.precompute` stored them, else simulated."""
    found: dict[tuple[int, int, int, int], np.ndarray] | None = None  # the store's, once read

    def null(n: int, h: int, ar: int, draws: int) -> np.ndarray:
        nonlocal found
        key = (n, h, ar, draws)
        if key in _LOADED:
            return _LOADED[key]
        if found is None:  # the first miss reads every stored one at once (a report uses about 15)
            found = _load_stored(cur)
        if key in found:
            return found[key]
        return _null_sup_f(n, h, ar, draws)
    return null


def _load_stored(cur: Any) -> dict[tuple[int, int, int, int], np.ndarray]:
    """Every null distribution the store holds for this code (one query), also kept in :data:`_LOADED`."""
    out: dict[tuple[int, int, int, int], np.ndarray] = {}
    for params, values in derived.get_all(cur, NULL_KIND):
        key = tuple(params.get(k) for k in ("n", "h", "ar", "draws")) if isinstance(params, dict) else ()
        if (len(key) == 4 and isinstance(values, np.ndarray) and all(isinstance(k, int) for k in key)
                and derived.canonical(null_params(*key)) == derived.canonical(
                    {k: v for k, v in params.items() if k != "format"})):
            out[key] = values  # type: ignore[index]
            if len(_LOADED) < _LOADED_MAX:
                _LOADED[key] = values  # type: ignore[index]
    return out


def precompute(cur: Any, f: Filters) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """What :mod:`analytics.precompute` stores for the filter ``f`` (the app's opening view): the null
    distributions its turning-point tests draw on (one per series length and trimming)."""
    used: dict[tuple[int, int, int, int], np.ndarray] = {}

    def null(n: int, h: int, ar: int, draws: int) -> np.ndarray:
        used[(n, h, ar, draws)] = _null_sup_f(n, h, ar, draws)
        return used[(n, h, ar, draws)]

    turning_points(cur, f, null)
    for (n, h, ar, draws), values in sorted(used.items()):
        yield NULL_KIND, null_params(n, h, ar, draws), values


def turning_points(cur: Any, f: Filters, null: NullDraws | None = None) -> TurningPoints:
    """Turning points of weekly praise and complaints in the filter's period (see module docstring).

    The series of all the filter's customers and the series of each region are tested (an
    incident in one region can be invisible in the total); each at α = :data:`BREAK_ALPHA`.
    ``null``: where the tests' null draws come from (default: the store, else simulated).
    """
    null = null or _stored_nulls(cur)
    fr = resolve(cur, f)
    w = series(cur, fr, "week")
    w = w.loc[~w["partial"]].reset_index(drop=True)
    min_weeks = 2 * BREAK_MIN_SEGMENT + 2
    use_rate = bool(len(w)) and bool(w["full_window"].all()) and bool((w["customer_days"] > 0).all())
    basis = "rate" if use_rate else "count"
    weekly = _weekly_basis(w, use_rate)
    empty = pd.DataFrame({c: [] for c in POINT_COLUMNS})
    if len(w) < min_weeks:
        return TurningPoints("too_short", basis, len(w), min_weeks, empty, weekly)
    weeks = pd.DatetimeIndex(w["period"])
    scopes: list[tuple[str | None, pd.DataFrame]] = [(None, weekly)]
    by_region = series(cur, fr, "week", "region")
    by_region = by_region.loc[~by_region["partial"] & by_region["group"].notna()]
    for region, g in by_region.groupby("group", sort=True):
        if len(g) == len(weeks) and (not use_rate or (g["customer_days"] > 0).all()):
            scopes.append((str(region), _weekly_basis(g.reset_index(drop=True), use_rate)))
    rows = []
    cube: pd.DataFrame | None = None
    for scope, data in scopes:
        for name in ("complaints", "praise"):
            breaks = detect_breaks(data[name].to_numpy(), null=null)
            if not breaks:
                continue
            if cube is None:
                cube = _feedback_cube(cur, fr)
            part = cube if scope is None else cube.loc[cube["region"] == scope]
            for b in breaks:
                row = {"scope": scope, "series": name, "date": weeks[b.index],
                       "direction": "up" if b.change > 0 else "down", "f_stat": b.f_stat, "p_value": b.p_value,
                       "slope_before": b.slope_before, "slope_after": b.slope_after, "jump": b.jump, "change": b.change}
                row.update(_drivers(part, name, weeks, b.index, b.start, b.end))
                rows.append(row)
    points = _dedupe(pd.DataFrame(rows, columns=list(POINT_COLUMNS))) if rows else empty
    if not points.empty:
        points["scope_order"] = points["scope"].fillna("")
        points = (points.sort_values(["date", "scope_order", "series"], ascending=[False, True, True], ignore_index=True)
                  .drop(columns="scope_order"))
    return TurningPoints("ok", basis, len(w), min_weeks, points, weekly)
