"""Word of mouth, the turning points: breaks in the weekly praise and complaint series and the
groups that drive them (DOMAIN.md §3).

:func:`detect_breaks` (pure: sup-F test, binary segmentation, exact Monte Carlo null) and
:func:`turning_points` (a filter's weekly series, overall and per region, with the drivers of each
break). The names the pages use are re-exported by :mod:`analytics.word_of_mouth`.

Definitions
-----------
* **Turning points**: on weekly series (rate per 1,000 customer-days when every week has a full
  exposure window, counts otherwise), a sup-F test for a break in level and slope of a linear
  trend (Andrews 1993), each segment at least 15 % of the series and 6 weeks, with a p-value from
  the exact null distribution under i.i.d. normal errors (9,999 seeded Monte Carlo draws), applied by
  binary segmentation at α = 0.01 (Bonferroni-divided by the segments tested in each round), at
  most 5 breaks per series. The driver of a break is, per
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

import duckdb
import numpy as np
import pandas as pd

from analytics.filters import Filters
from analytics.store import derived
from analytics.word_of_mouth.data import DIMENSIONS, NULL_GROUP, feedback_scope_sql, resolve, series

# Turning points.
BREAK_ALPHA = 0.01
BREAK_TRIM = 0.15
BREAK_MIN_SEGMENT = 6
BREAK_MAX = 5
BREAK_DRAWS = 9999  # enough for tail quantiles at α / m (999 draws misjudge the 0.3 % tail by 20 %)
BREAK_QUICK_DRAWS = 999
BREAK_SEED = 20240917
DRIVER_WEEKS = 8


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


def _null_basis(n: int) -> np.ndarray:
    x0 = np.column_stack([np.ones(n), np.arange(n, dtype=float)])
    q0, _ = np.linalg.qr(x0)
    return q0


@lru_cache(maxsize=64)
def _break_bases(n: int, h: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Orthonormal bases: the null (level, slope) and, per candidate break k in [h, n − h], the two
    added columns (level shift, slope change) made orthogonal to the null, stacked (n × 2K)."""
    q0 = _null_basis(n)
    t = np.arange(n, dtype=float)[:, None]
    ks = np.arange(h, n - h + 1)
    level = (t >= ks[None, :]).astype(float)
    slope = np.clip(t - ks[None, :], 0, None)
    level -= q0 @ (q0.T @ level)
    slope -= q0 @ (q0.T @ slope)
    # Gram–Schmidt on each (level, slope) pair, all candidates at once.
    u1 = level / np.linalg.norm(level, axis=0)
    v = slope - u1 * (u1 * slope).sum(axis=0)
    u2 = v / np.linalg.norm(v, axis=0)
    qall = np.empty((n, 2 * len(ks)))
    qall[:, 0::2], qall[:, 1::2] = u1, u2
    return q0, ks, qall


def _sup_f(r0: np.ndarray, qall: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """F statistics per candidate (rows) for residual columns ``r0`` (n × R)."""
    ssr0 = (r0 ** 2).sum(axis=0)
    z = qall.T @ r0
    gain = (z[0::2] ** 2 + z[1::2] ** 2)
    ssr1 = np.maximum(ssr0[None, :] - gain, 1e-300)
    return (gain / 2.0) / (ssr1 / (n - 4)), gain


@lru_cache(maxsize=128)
def _null_sup_f(n: int, h: int, draws: int = 9999) -> np.ndarray:
    """Sorted sup-F draws under the null (linear trend + i.i.d. normal noise), fixed seed.

    The statistic does not depend on the trend's parameters or the noise variance, so these draws
    are its exact finite-sample null distribution for this n and trimming.
    """
    q0, _, qall = _break_bases(n, h)
    rng = np.random.default_rng([BREAK_SEED, n, h, draws])
    out = np.empty(draws)
    for i in range(0, draws, 2000):  # in chunks: memory stays small for long series
        m = min(2000, draws - i)
        e = rng.standard_normal((n, m))
        f, _ = _sup_f(e - q0 @ (q0.T @ e), qall, n)
        out[i:i + m] = f.max(axis=0)
    return np.sort(out)


def _min_segment(n: int, min_segment: int, trim: float) -> int:
    return max(min_segment, math.ceil(trim * n))


NullDraws = Callable[[int, int, int], np.ndarray]  # (n, h, draws) -> sorted sup-F draws, as _null_sup_f


def _p_value(stat: float, null: np.ndarray) -> float:
    return (1 + (len(null) - np.searchsorted(null, stat, side="left"))) / (len(null) + 1)


def _sup_f_test(y: np.ndarray, min_segment: int, trim: float, level: float = BREAK_ALPHA,
                null: NullDraws = _null_sup_f) -> tuple[int, float, float] | None:
    """(break index, sup F, p-value) for one segment, or None when it is too short to test.

    A quick null of :data:`BREAK_QUICK_DRAWS` draws settles clear cases; when its p-value is
    within 5 × ``level``, the p-value comes from the full :data:`BREAK_DRAWS` draws.
    """
    n = len(y)
    h = _min_segment(n, min_segment, trim)
    if n - 2 * h < 0 or n < 8:
        return None
    q0, ks, qall = _break_bases(n, h)
    r0 = (y - q0 @ (q0.T @ y))[:, None]
    if float((r0 ** 2).sum()) <= 1e-12 * max(1.0, float((y ** 2).sum())):
        return None  # a perfect line: nothing to test
    f, _ = _sup_f(r0, qall, n)
    i = int(np.argmax(f[:, 0]))
    stat = float(f[i, 0])
    p = _p_value(stat, null(n, h, BREAK_QUICK_DRAWS))
    if p <= 5 * level:
        p = _p_value(stat, null(n, h, BREAK_DRAWS))
    return int(ks[i]), stat, float(p)


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
        of "no break at all" and later splits stay as strict.
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
        for lo, hi in pending:
            r = _sup_f_test(arr[lo:hi], min_segment, trim, level, null)
            if r is not None and r[2] <= level:
                tests.append((r[2], -r[1], lo, hi, r[0]))
        if not tests:
            break
        tests.sort()
        _, neg_f, lo, hi, k = tests[0]
        seg = arr[lo:hi]
        a1, b1, a2, b2 = _segment_lines(seg, k)
        ahead = min(DRIVER_WEEKS, len(seg) - k)
        at = k + ahead - 1
        change = (a2 + b2 * at) - (a1 + b1 * at)
        p_value = next(t[0] for t in tests if t[2] == lo)
        found.append(Break(index=lo + k, f_stat=-neg_f, p_value=p_value, slope_before=b1, slope_after=b2,
                           jump=(a2 + b2 * k) - (a1 + b1 * k), change=change, start=lo, end=hi))
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


def _feedback_cube(cur: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Praise and complaints per week (Monday) and region, segment, feedback channel and topic."""
    scope, params = feedback_scope_sql(f, "fb.feedback_date, fb.kind, fb.channel, fb.topic, c.region, c.segment")
    df = cur.execute(f"""
        SELECT CAST(date_trunc('week', feedback_date) AS DATE) AS period, region, segment,
               channel AS feedback_channel, topic,
               count(*) FILTER (WHERE kind = 'praise') AS praise, count(*) FILTER (WHERE kind = 'complaint') AS complaints
        FROM ({scope}) s WHERE kind IN ('praise', 'complaint') GROUP BY ALL""", params).df()
    df["period"] = pd.to_datetime(df["period"])
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


def null_params(n: int, h: int, draws: int) -> dict[str, Any]:
    """The inputs a null distribution is stored under (it depends on nothing else: not on the data)."""
    return {"n": n, "h": h, "draws": draws, "seed": BREAK_SEED,
            "code": derived.code_version("analytics.word_of_mouth.turning")}


_LOADED: dict[tuple[int, int, int], np.ndarray] = {}  # read from a store; the same for every store and data
_LOADED_MAX = 128


def _stored_nulls(cur: duckdb.DuckDBPyConnection) -> NullDraws:
    """Null draws from the store when :mod:`analytics.precompute` stored them, else simulated."""
    missing: set[tuple[int, int, int]] = set()

    def null(n: int, h: int, draws: int) -> np.ndarray:
        key = (n, h, draws)
        if key in _LOADED:
            return _LOADED[key]
        if key not in missing:
            hit = derived.get(cur, NULL_KIND, null_params(n, h, draws))
            if isinstance(hit, np.ndarray):
                if len(_LOADED) < _LOADED_MAX:
                    _LOADED[key] = hit
                return hit
            missing.add(key)
        return _null_sup_f(n, h, draws)
    return null


def precompute(cur: duckdb.DuckDBPyConnection, f: Filters) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """What :mod:`analytics.precompute` stores for the filter ``f`` (the app's opening view): the null
    distributions its turning-point tests draw on (one per series length and trimming)."""
    used: dict[tuple[int, int, int], np.ndarray] = {}

    def null(n: int, h: int, draws: int) -> np.ndarray:
        used[(n, h, draws)] = _null_sup_f(n, h, draws)
        return used[(n, h, draws)]

    turning_points(cur, f, null)
    for (n, h, draws), values in sorted(used.items()):
        yield NULL_KIND, null_params(n, h, draws), values


def turning_points(cur: duckdb.DuckDBPyConnection, f: Filters, null: NullDraws | None = None) -> TurningPoints:
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
