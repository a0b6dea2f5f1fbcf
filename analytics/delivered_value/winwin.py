"""The win-win map: customers' points, a sample to draw, and how customers moved in and out of the
win-win quadrant since the previous period (part of :mod:`analytics.delivered_value`).

* **Moves** between the previous period (:meth:`Filters.previous`, the same length just before)
  and the current one, for the win-win quadrant: ``entered`` (assessed in both, win-win now and
  not before), ``left`` (win-win before, not now), ``stayed_in``, ``stayed_out``; customers
  assessed in only one of the two periods are ``only_current`` or ``only_previous``.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import numpy as np
import pandas as pd

from analytics import filters
from analytics.delivered_value.scores import MAX_MAP_POINTS, MOVES, QUADRANTS, WIN_WIN, scored_customers
from analytics.filters import Filters


def moves(current: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """Each customer's quadrant in the previous and the current period and the win-win move.

    Both inputs need ``customer_id, name, quadrant``. Returns ``customer_id, name,
    quadrant_previous, quadrant_current`` (None where not assessed in that period) and ``move``
    (one of :data:`MOVES`), sorted by move then customer_id.
    """
    cols = ["customer_id", "name", "quadrant"]
    prev = previous[cols] if previous is not None and len(previous) else pd.DataFrame(columns=cols)
    cur = current[cols] if len(current) else pd.DataFrame(columns=cols)
    m = cur.merge(prev, on="customer_id", how="outer", suffixes=("_current", "_previous"))
    m["name"] = m["name_current"].where(m["name_current"].notna(), m["name_previous"])
    now_q = m["quadrant_current"].astype(object).where(m["quadrant_current"].notna(), None)
    before_q = m["quadrant_previous"].astype(object).where(m["quadrant_previous"].notna(), None)
    before, now = before_q.isna().to_numpy(), now_q.isna().to_numpy()
    was, is_ = (before_q == WIN_WIN).to_numpy(), (now_q == WIN_WIN).to_numpy()
    # the first condition that holds names the move (a loop over 80,000 customers took a tenth of the page)
    move = np.select([before, now, is_ & was, is_, was], ["only_current", "only_previous", "stayed_in", "entered", "left"],
                     default="stayed_out").tolist()
    out = pd.DataFrame({"customer_id": m["customer_id"], "name": m["name"], "quadrant_previous": before_q,
                        "quadrant_current": now_q, "move": move})
    order = {k: i for i, k in enumerate(MOVES)}
    return out.sort_values(["move", "customer_id"], key=lambda s: s.map(order) if s.name == "move" else s,
                           ignore_index=True)


def move_counts(moves_df: pd.DataFrame) -> dict[str, int]:
    """How many customers made each move (every key of :data:`MOVES`, zeros included)."""
    counts = moves_df["move"].value_counts() if len(moves_df) else pd.Series(dtype=int)
    return {m: int(counts.get(m, 0)) for m in MOVES}


def transitions(moves_df: pd.DataFrame) -> pd.DataFrame:
    """Counts of customers from each previous quadrant (rows) to each current one (columns).

    Rows and columns are :data:`QUADRANTS` plus ``not_assessed`` (assessed in one period only).
    """
    labels = [*QUADRANTS, "not_assessed"]
    prev = moves_df["quadrant_previous"].fillna("not_assessed") if len(moves_df) else pd.Series(dtype=object)
    now = moves_df["quadrant_current"].fillna("not_assessed") if len(moves_df) else pd.Series(dtype=object)
    table = pd.crosstab(pd.Categorical(prev, categories=labels), pd.Categorical(now, categories=labels),
                        dropna=False)
    table = table.reindex(index=labels, columns=labels, fill_value=0).astype(int)
    table.index.name, table.columns.name = "previous", "current"
    return table


def winwin_points(cur: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """The assessed customers of ``f`` placed on the win-win map.

    Returns ``customer_id, name, segment, region, customer_type, delivered_value, profit, revenue,
    quadrant, active`` (one row per assessed customer, by id).
    """
    f = f.resolved(filters.data_bounds(cur))
    customers, _ = scored_customers(cur, f, products=False)
    return customers[["customer_id", "name", "segment", "region", "customer_type", "delivered_value",
                      "profit", "revenue", "quadrant", "active"]]


def map_sample(points: pd.DataFrame, max_points: int = MAX_MAP_POINTS, seed: int = 0) -> pd.DataFrame:
    """At most ``max_points`` rows of a map: the largest revenues (a quarter), each quadrant's
    extremes and a seeded sample of the rest.

    Keeps the biggest circles, which carry most of the revenue; in each quadrant the customers
    with the highest and lowest delivered value and profit (where ``quadrant``, ``delivered_value``
    and ``profit`` are given), so that no outlier disappears; and a uniform sample of the others
    so that the density of the cloud stays true. Returns the rows in their original order.
    """
    if max_points < 10:
        raise ValueError("max_points must be at least 10")
    if len(points) <= max_points:
        return points
    top = points["revenue"].abs().sort_values(ascending=False, kind="stable").index[: max_points // 4]
    keep = set(top)
    if "quadrant" in points.columns:
        for _, g in points.groupby("quadrant", sort=True):
            for col in ("delivered_value", "profit"):
                if col in g.columns and g[col].notna().any():
                    keep.update((g[col].idxmin(), g[col].idxmax()))
    rest = points.index.difference(list(keep))
    rng = np.random.default_rng(seed)
    pick = rng.choice(np.asarray(rest), size=max(0, max_points - len(keep)), replace=False)
    keep.update(pick.tolist())
    return points.loc[[i for i in points.index if i in keep]]


def selected_customers(points: pd.DataFrame, ids: Iterable[object]) -> pd.DataFrame:
    """The rows of ``points`` whose ``customer_id`` is in ``ids`` (a chart selection), by profit."""
    wanted = {str(i) for i in ids if i is not None}
    out = points.loc[points["customer_id"].astype(str).isin(wanted)]
    return out.sort_values(["profit", "customer_id"], ascending=[False, True], ignore_index=True)
