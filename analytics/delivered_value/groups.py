"""Delivered value, satisfaction and the win-win share aggregated over customers: per group, per
satisfaction level, per quadrant, and the headline :class:`Summary` (part of
:mod:`analytics.delivered_value`; definitions in :mod:`analytics.delivered_value.scores`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.delivered_value.scores import DIMENSIONS, LEVELS, PARTS, QUADRANTS, WIN_WIN


def _mean(s: pd.Series) -> float | None:
    s = s.dropna()
    return float(s.mean()) if len(s) else None


def _share(numer: float, denom: float) -> float | None:
    return float(numer) / float(denom) if denom > 0 else None


def aggregate(customers: pd.DataFrame) -> dict[str, float | int | None]:
    """The figures of one group of scored customers (output of :func:`score` plus ``revenue``,
    ``profit`` and ``quadrant`` when available).

    Keys: ``customers``; the mean of each part, ``customer_value``, ``customer_cost``,
    ``delivered_value``; ``value_cost_ratio`` (mean value ÷ mean cost); ``satisfaction_customers``
    (with an overall gap), ``gap_overall`` (mean), ``share_below``; per level
    ``level_customers_<l>``, ``expectation_<l>``, ``perception_<l>``, ``gap_<l>`` (means over the
    customers with that level) and ``share_below_<l>``; with money columns ``revenue`` and
    ``profit`` (sums); with quadrants ``winwin_customers``, ``winwin_share`` and
    ``winwin_revenue_share``. Means are None for an empty group.
    """
    n = len(customers)
    out: dict[str, float | int | None] = {"customers": n}
    for col in (*PARTS, "customer_value", "customer_cost", "delivered_value"):
        out[col] = _mean(customers[col]) if n else None
    value, cost = out["customer_value"], out["customer_cost"]
    out["value_cost_ratio"] = value / cost if value is not None and cost else None
    sat = customers["gap_overall"].dropna() if n else pd.Series(dtype=float)
    out["satisfaction_customers"] = len(sat)
    out["gap_overall"] = _mean(sat)
    out["share_below"] = float((sat < 0).mean()) if len(sat) else None
    for lvl in LEVELS:
        has = customers[f"gap_{lvl}"].notna() if n else pd.Series(dtype=bool)
        level_cols = [f"expectation_{lvl}", f"perception_{lvl}", f"gap_{lvl}"]
        sub = customers.loc[has, level_cols] if n else customers  # only the columns averaged: no copy of the rest
        out[f"level_customers_{lvl}"] = int(has.sum())
        for col in (f"expectation_{lvl}", f"perception_{lvl}", f"gap_{lvl}"):
            out[col] = _mean(sub[col]) if len(sub) else None
        out[f"share_below_{lvl}"] = float((sub[f"gap_{lvl}"] < 0).mean()) if len(sub) else None
    if "revenue" in customers.columns:
        out["revenue"] = float(customers["revenue"].sum())
        out["profit"] = float(customers["profit"].sum())
    if "quadrant" in customers.columns:
        win = customers["quadrant"] == WIN_WIN
        out["winwin_customers"] = int(win.sum())
        out["winwin_share"] = _share(win.sum(), n)
        if "revenue" in customers.columns:
            out["winwin_revenue_share"] = _share(customers.loc[win, "revenue"].sum(), customers["revenue"].sum())
    return out


# The columns aggregate() reads.
_AGGREGATED = frozenset((*PARTS, "customer_value", "customer_cost", "delivered_value", "gap_overall", "revenue",
                         "profit", "quadrant", *(f"{side}_{lvl}" for lvl in LEVELS
                                                 for side in ("expectation", "perception", "gap"))))


def by_group(customers: pd.DataFrame, by: str) -> pd.DataFrame:
    """:func:`aggregate` per value of ``by`` (one of :data:`DIMENSIONS`), one row per group.

    Columns: ``group`` (None for customers without a value, e.g. no product in the period) and
    every key of :func:`aggregate`, plus ``falls_short`` (mean overall gap < 0) and
    ``falls_short_<level>`` (mean level gap < 0). Sorted by mean delivered value descending,
    then group name.
    """
    if by not in DIMENSIONS:
        raise ValueError(f"cannot group by {by!r}; use one of {', '.join(DIMENSIONS)}")
    if by not in customers.columns:
        raise ValueError(f"customer table lacks column {by!r}")
    # Missing values (no product in the period) form a group of their own, not a dropped one.
    keys = customers[by].astype(object).where(customers[by].notna(), None)
    # Only the columns aggregate() reads are split by group: at 40,000 customers copying every text column
    # into each group took most of the page's time (issue 13).
    used = customers[[c for c in customers.columns if c in _AGGREGATED]]
    groups = {(None if pd.isna(k) else k): g for k, g in used.groupby(keys, dropna=False, sort=False)}
    rows = [{"group": value, **aggregate(groups[value])}
            for value in sorted(groups, key=lambda v: (v is None, str(v)))]
    out = pd.DataFrame(rows)
    if out.empty:
        cols = ["group", *aggregate(customers), "falls_short", *(f"falls_short_{lvl}" for lvl in LEVELS)]
        return pd.DataFrame(columns=cols)
    out["falls_short"] = out["gap_overall"].astype(float) < 0
    for lvl in LEVELS:
        out[f"falls_short_{lvl}"] = out[f"gap_{lvl}"].astype(float) < 0
    order = out.assign(_dv=out["delivered_value"].astype(float).fillna(-np.inf), _g=out["group"].astype(str))
    return out.loc[order.sort_values(["_dv", "_g"], ascending=[False, True]).index].reset_index(drop=True)


def level_table(customers: pd.DataFrame) -> pd.DataFrame:
    """Per satisfaction level: ``level, customers, expectation, perception, gap, share_below``."""
    agg = aggregate(customers)
    return pd.DataFrame([{
        "level": lvl, "customers": agg[f"level_customers_{lvl}"], "expectation": agg[f"expectation_{lvl}"],
        "perception": agg[f"perception_{lvl}"], "gap": agg[f"gap_{lvl}"], "share_below": agg[f"share_below_{lvl}"],
    } for lvl in LEVELS])


def quadrant_table(customers: pd.DataFrame) -> pd.DataFrame:
    """Per quadrant (in :data:`QUADRANTS` order, all four always present): ``quadrant, customers,
    customer_share, revenue, revenue_share, profit, delivered_value`` (mean; None when empty).

    Shares are of the assessed customers (count, revenue); None when the denominator is ≤ 0.
    """
    n = len(customers)
    total_rev = float(customers["revenue"].sum()) if n else 0.0
    rows = []
    for q in QUADRANTS:
        g = customers.loc[customers["quadrant"] == q] if n else customers
        rev = float(g["revenue"].sum()) if len(g) else 0.0
        rows.append({"quadrant": q, "customers": len(g), "customer_share": _share(len(g), n),
                     "revenue": rev, "revenue_share": _share(rev, total_rev),
                     "profit": float(g["profit"].sum()) if len(g) else 0.0,
                     "delivered_value": _mean(g["delivered_value"]) if len(g) else None})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Summary:
    """The headline figures of one period (scores in the assessments' scale; shares as fractions).

    ``assessed_customers`` have an assessment in the period; ``unassessed_customers`` are active
    (transaction or activity) without one; ``inactive_assessed_customers`` are assessed without
    any transaction or activity (profit 0). Means are over assessed customers; satisfaction
    figures over those with an overall gap; ``winwin_share`` = win-win ÷ assessed customers;
    ``unassessed_revenue_share`` = revenue of the not-assessed ÷ revenue of all active customers.
    """

    assessed_customers: int
    unassessed_customers: int
    inactive_assessed_customers: int
    customer_value_mean: float | None
    customer_cost_mean: float | None
    delivered_value_mean: float | None
    value_cost_ratio: float | None
    part_means: dict[str, float | None]
    satisfaction_customers: int
    satisfaction_gap_mean: float | None
    share_below_expectation: float | None
    winwin_customers: int
    winwin_share: float | None
    winwin_revenue_share: float | None
    unassessed_revenue_share: float | None


def summarize(customers: pd.DataFrame, unassessed: pd.DataFrame) -> Summary:
    """:class:`Summary` of the output of the customer step (assessed and not-assessed tables)."""
    agg = aggregate(customers)
    unassessed_rev = float(unassessed["revenue"].sum())
    active = customers["active"].astype(bool) if len(customers) else pd.Series(dtype=bool)
    active_rev = float(customers.loc[active, "revenue"].sum()) + unassessed_rev if len(customers) else unassessed_rev
    return Summary(
        assessed_customers=len(customers),
        unassessed_customers=len(unassessed),
        inactive_assessed_customers=int((~active).sum()),
        customer_value_mean=agg["customer_value"],
        customer_cost_mean=agg["customer_cost"],
        delivered_value_mean=agg["delivered_value"],
        value_cost_ratio=agg["value_cost_ratio"],
        part_means={p: agg[p] for p in PARTS},
        satisfaction_customers=int(agg["satisfaction_customers"] or 0),
        satisfaction_gap_mean=agg["gap_overall"],
        share_below_expectation=agg["share_below"],
        winwin_customers=int(agg.get("winwin_customers") or 0),
        winwin_share=agg.get("winwin_share"),
        winwin_revenue_share=agg.get("winwin_revenue_share"),
        unassessed_revenue_share=_share(unassessed_rev, active_rev),
    )
