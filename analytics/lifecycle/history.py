"""What the stage grid says over time: entities per stage, the monthly history, transitions between
two dates and every entity's stage on one date (part of :mod:`analytics.lifecycle`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd

from analytics import filters
from analytics.filters import Filters, as_date
from analytics.lifecycle.stages import (
    OUTSIDE,
    STAGES,
    Rules,
    StageGrid,
    as_of_date,
    month_ends,
    p_alive_model,
    stage_grid,
)


def count_stages(stages: pd.Series) -> dict[str, int]:
    """Entities per stage (every stage listed, zeros included; ``none`` left out)."""
    counts = stages.value_counts()
    return {s: int(counts.get(s, 0)) for s in STAGES}


def stage_history(
    cur: Any, f: Filters, rules: Rules | None = None, use_p_alive: bool = True,
    customer_ids: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Entities per stage at the end of every month of the period (the last point is the as-of date).

    Returns ``date, stage, count`` (every stage of :data:`STAGES` for every date, zeros included).
    The period is the filter's, open ends resolved to the data; empty when there are no data.
    ``use_p_alive``: apply the BG/NBD P(alive) rule (:func:`alive_model`).
    """
    bounds = filters.data_bounds(cur)
    if bounds is None:
        return pd.DataFrame({"date": [], "stage": [], "count": []})
    fr = f.resolved(bounds)
    grid = stage_grid(cur, f, month_ends(fr.date_from, fr.date_to), rules, p_alive_model(cur, f, use_p_alive),
                      customer_ids)
    rows = [{"date": d, "stage": s, "count": c}
            for d in grid.dates for s, c in count_stages(grid.stages[d.isoformat()]).items()]
    return pd.DataFrame(rows)


def transitions(
    cur: Any, f: Filters, date_from: dt.date, date_to: dt.date, rules: Rules | None = None,
    use_p_alive: bool = True,
) -> pd.DataFrame:
    """How many entities moved from each stage on ``date_from`` to each stage on ``date_to``.

    Returns ``from_stage, to_stage, count`` (pairs with a count only; ``none`` = outside the
    lifecycle on that date: not yet known on the left, out of the pipeline on the right), in
    stage order. Entities outside on both dates are left out.
    """
    a, b = as_date(date_from, "first date"), as_date(date_to, "second date")
    if a is None or b is None or a >= b:
        raise ValueError(f"transitions need a first date before the second (got {a} and {b})")
    grid = stage_grid(cur, f, [a, b], rules, p_alive_model(cur, f, use_p_alive))
    pairs = pd.DataFrame({"from_stage": grid.stages[a.isoformat()], "to_stage": grid.stages[b.isoformat()]})
    pairs = pairs[(pairs["from_stage"] != OUTSIDE) | (pairs["to_stage"] != OUTSIDE)]
    out = pairs.groupby(["from_stage", "to_stage"], as_index=False).size().rename(columns={"size": "count"})
    order = {s: i for i, s in enumerate((OUTSIDE, *STAGES))}
    out["_a"], out["_b"] = out["from_stage"].map(order), out["to_stage"].map(order)
    return out.sort_values(["_a", "_b"], ignore_index=True).drop(columns=["_a", "_b"])


def stages_at(
    cur: Any, f: Filters, on: dt.date | None = None, rules: Rules | None = None,
    use_p_alive: bool = True,
) -> pd.DataFrame:
    """Every entity in the lifecycle on ``on`` (default: the as-of date) with its stage.

    Returns :data:`AT_COLUMNS` (purchase columns empty for prospects; p_alive NaN where
    unknown), by entity_id.
    """
    on = as_date(on, "date") or as_of_date(cur, f)
    if on is None:
        return pd.DataFrame(columns=list(AT_COLUMNS))
    return rows_at(stage_grid(cur, f, [on], rules, p_alive_model(cur, f, use_p_alive)), on)


AT_COLUMNS = ("entity_id", "customer_id", "name", "segment", "kind", "stage", "acquired_on", "first_purchase",
              "last_purchase", "recency_days", "p_alive")


def rows_at(grid: StageGrid, on: dt.date) -> pd.DataFrame:
    """The grid's entities in the lifecycle on ``on`` (one of its dates) as :data:`AT_COLUMNS` rows."""
    out = grid.entities.assign(stage=grid.stages[on.isoformat()].to_numpy())
    out = out.merge(grid.state.drop(columns="acquired_on"), on="customer_id", how="left")
    out["acquired_on"] = out["customer_id"].map(dict(zip(grid.state["customer_id"], grid.state["acquired_on"],
                                                         strict=True)))
    out = out[out["stage"] != OUTSIDE].sort_values("entity_id", ignore_index=True)
    return out[list(AT_COLUMNS)]


def stage_counts(cur: Any, f: Filters, rules: Rules | None = None,
                 use_p_alive: bool = True) -> dict[str, int]:
    """Entities per stage on the as-of date (every stage of :data:`STAGES`, zeros included)."""
    on = as_of_date(cur, f)
    if on is None:
        return dict.fromkeys(STAGES, 0)
    # The grid's stages counted as they are: :func:`rows_at`'s table (a merge over every customer) only
    # leaves out those outside the lifecycle, which count_stages does not count either.
    return count_stages(stage_grid(cur, f, [on], rules, p_alive_model(cur, f, use_p_alive)).stages[on.isoformat()])
