"""The Lifecycle page's summary and the ``report`` keys (part of :mod:`analytics.lifecycle`;
:mod:`analytics.report` lists :func:`report_section`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analytics import filters
from analytics.clv import value as customer_value
from analytics.filters import Filters
from analytics.lifecycle.dormant import rank_dormant
from analytics.lifecycle.history import AT_COLUMNS, count_stages, rows_at, stage_counts
from analytics.lifecycle.stages import STAGES, AliveModel, Rules, alive_model, month_ends, stage_grid


@dataclass(frozen=True)
class Lifecycle:
    """Everything the Lifecycle page shows for one filter and set of rules.

    ``counts``: entities per stage on ``as_of``; ``history``: :func:`stage_history` rows
    (its last date is ``as_of``); ``at``: :func:`stages_at` rows on ``as_of``; ``dormant``:
    :func:`rank_dormant` (all dormant customers, ranked); ``notes``: i18n keys of caveats
    (P(alive) pooled or unavailable, no valuation); ``data_months``: the end of every month
    with data (the dates transitions can compare); ``model_date``: the date P(alive)'s model
    was fitted at (None without a model).
    """

    as_of: dt.date | None
    rules: Rules
    use_p_alive: bool
    counts: dict[str, int]
    history: pd.DataFrame
    at: pd.DataFrame
    dormant: pd.DataFrame
    notes: tuple[str, ...] = ()
    data_months: tuple[dt.date, ...] = ()
    model_date: dt.date | None = None


def _values(cur: Any, f: Filters) -> pd.DataFrame | None:
    """Realized and potential value per customer (None when the valuation cannot be made)."""
    try:
        return customer_value.customer_values(cur, f).table
    except ValueError:
        return None


def summary(cur: Any, f: Filters, rules: Rules | None = None,
            use_p_alive: bool = True) -> Lifecycle:
    """Stages over the period, the counts on its last day, and the dormant customers to wake up."""
    rules = rules or Rules()
    bounds = filters.data_bounds(cur)
    if bounds is None:
        empty = pd.DataFrame(columns=list(AT_COLUMNS))
        return Lifecycle(None, rules, use_p_alive, dict.fromkeys(STAGES, 0),
                         pd.DataFrame({"date": [], "stage": [], "count": []}), empty,
                         rank_dormant(empty, None), ())
    fr = f.resolved(bounds)
    alive = alive_model(cur, f) if use_p_alive else AliveModel(None, fr.date_to)
    grid = stage_grid(cur, f, month_ends(fr.date_from, fr.date_to), rules, alive.model)
    history = pd.DataFrame([{"date": d, "stage": s, "count": c}
                            for d in grid.dates for s, c in count_stages(grid.stages[d.isoformat()]).items()])
    as_of = grid.dates[-1]
    at = rows_at(grid, as_of)
    values = _values(cur, f)
    notes = tuple(n for n in (alive.note, None if values is not None else "lc.note.no_values") if n)
    return Lifecycle(as_of, rules, use_p_alive, count_stages(at["stage"]), history, at, rank_dormant(at, values),
                     notes, tuple(month_ends(bounds[0], filters.month_end(bounds[1]))),
                     alive.as_of if alive.model is not None else None)


def report_section(cur: Any, f: Filters) -> dict[str, object]:
    """``stage_counts``: customers and prospects per lifecycle stage on the period's last day
    (default rules, with P(alive))."""
    if filters.data_bounds(cur) is None:
        return {"stage_counts": dict.fromkeys(STAGES, 0)}
    return {"stage_counts": stage_counts(cur, f.resolved(filters.data_bounds(cur)))}
