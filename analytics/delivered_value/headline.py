"""The Delivered value page's result for one filter and the ``report`` keys (part of
:mod:`analytics.delivered_value`; :mod:`analytics.report` lists :func:`report_section`, the
``delivered-value`` command is :mod:`cli.commands.delivered_value`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics import filters
from analytics.delivered_value.groups import Summary, by_group, level_table, quadrant_table, summarize
from analytics.delivered_value.over_time import main_driver, part_changes
from analytics.delivered_value.scores import DIMENSIONS, scored_customers
from analytics.delivered_value.winwin import move_counts, moves, transitions
from analytics.filters import Filters
from analytics.store import db


@dataclass(frozen=True)
class DeliveredValue:
    """Everything the Delivered value page shows for one filter.

    Attributes
    ----------
    period, previous_period : the period (open ends resolved to the data) and the one before it
        (None when unbounded or before the data).
    customers : one row per assessed customer: ``customer_id, name, customer_type, segment,
        region, channel, plan, product, assessment_id, assessed_on``, the parts and scores, the
        columns added by :func:`score`, ``active, revenue, profit, quadrant``; sorted by id.
    unassessed : active customers without an assessment in the period: ``customer_id, name,
        customer_type, segment, region, revenue, profit`` (largest revenue first).
    summary, previous : :class:`Summary` of the period and of the previous one (None without it).
    groups : :func:`by_group` for every dimension of :data:`DIMENSIONS`.
    levels : :func:`level_table`.
    quadrants : :func:`quadrant_table`.
    moves : :func:`moves` between the previous period and this one; ``move_counts`` its counts;
        ``transitions`` the quadrant-to-quadrant table.
    changes : :func:`part_changes` of the mean parts, previous period → this one; ``driver`` the
        part that moved mean delivered value most (None without a previous period).
    """

    period: tuple[dt.date | None, dt.date | None]
    previous_period: tuple[dt.date, dt.date] | None
    currency: str
    customers: pd.DataFrame
    unassessed: pd.DataFrame
    summary: Summary
    previous: Summary | None
    groups: dict[str, pd.DataFrame]
    levels: pd.DataFrame
    quadrants: pd.DataFrame
    moves: pd.DataFrame
    move_counts: dict[str, int]
    transitions: pd.DataFrame
    changes: pd.DataFrame
    driver: str | None = None


def _previous_filter(cur: duckdb.DuckDBPyConnection, f: Filters) -> Filters | None:
    prev = f.previous()
    bounds = filters.data_bounds(cur)
    if prev is None or bounds is None or prev.date_to < bounds[0]:
        return None
    return prev


def delivered_value(cur: duckdb.DuckDBPyConnection, f: Filters) -> DeliveredValue:
    """All figures of the page for ``f`` (open period ends are resolved to the data's dates)."""
    f = f.resolved(filters.data_bounds(cur))
    customers, unassessed = scored_customers(cur, f)
    summary = summarize(customers, unassessed)
    prev_f = _previous_filter(cur, f)
    prev_customers = None
    prev_summary = None
    if prev_f is not None:
        prev_customers, prev_unassessed = scored_customers(cur, prev_f, products=False)
        if len(prev_customers) or len(prev_unassessed):
            prev_summary = summarize(prev_customers, prev_unassessed)
    mv = moves(customers, prev_customers)
    changes = part_changes(prev_summary.part_means, summary.part_means) if prev_summary else part_changes({}, {})
    return DeliveredValue(
        period=(f.date_from, f.date_to),
        previous_period=(prev_f.date_from, prev_f.date_to) if prev_f else None,
        currency=db.currency(cur),
        customers=customers,
        unassessed=unassessed,
        summary=summary,
        previous=prev_summary,
        groups={d: by_group(customers, d) for d in DIMENSIONS},
        levels=level_table(customers),
        quadrants=quadrant_table(customers),
        moves=mv,
        move_counts=move_counts(mv),
        transitions=transitions(mv),
        changes=changes,
        driver=main_driver(changes),
    )


REPORT_KEYS = ("delivered_value_mean", "customer_value_mean", "customer_cost_mean", "value_cost_ratio",
               "satisfaction_gap_mean", "share_below_expectation", "winwin_share", "assessed_customers",
               "unassessed_customers")


def report_fields(result: DeliveredValue) -> dict[str, object]:
    """The report keys (see docs/delivered_value.md) of a computed result; the page shows these."""
    s = result.summary
    out: dict[str, object] = {k: getattr(s, k) for k in REPORT_KEYS}
    out["winwin_entered"] = result.move_counts["entered"] if result.previous is not None else None
    out["winwin_left"] = result.move_counts["left"] if result.previous is not None else None
    return out


def report_section(cur: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, object]:
    """Delivered value, satisfaction and win-win figures for ``python -m analytics report``."""
    return report_fields(delivered_value(cur, f))

