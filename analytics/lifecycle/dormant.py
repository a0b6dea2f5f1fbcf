"""Dormant customers worth waking up, ranked by what they are worth (part of :mod:`analytics.lifecycle`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics import profit

WAKE_COLUMNS = ("customer_id", "name", "segment", "last_purchase", "recency_days", "p_alive", "potential_value",
                "realized_value")


@dataclass(frozen=True)
class DormantValue:
    """What the dormant customers are worth (``potential_value`` of :func:`rank_dormant` rows).

    ``worth_waking`` customers have a positive potential value (sum ``worth_value``); ``losing`` ones a
    negative one (sum ``losing_value``): they are expected to cost more to serve than they bring; the
    rest have none (zero or no valuation). ``net_value`` sums all, None when none has a valuation.
    """

    customers: int
    worth_waking: int
    worth_value: float
    losing: int
    losing_value: float
    net_value: float | None


def dormant_value(dormant: pd.DataFrame) -> DormantValue:
    """Potential value of the dormant customers: all, the positive and the negative (money settled)."""
    if "potential_value" not in dormant.columns:
        raise ValueError("dormant customers need a potential_value column (see rank_dormant)")
    v = profit.settle(dormant["potential_value"].astype(float))
    pos, neg = v[v > 0], v[v < 0]
    return DormantValue(customers=len(dormant), worth_waking=int(pos.size), worth_value=float(pos.sum()),
                        losing=int(neg.size), losing_value=float(neg.sum()),
                        net_value=float(profit.settle(v.sum())) if v.notna().any() else None)


def rank_dormant(at: pd.DataFrame, values: pd.DataFrame | None, limit: int | None = None) -> pd.DataFrame:
    """Dormant customers, the most worth waking up first.

    Parameters
    ----------
    at : :func:`stages_at` rows (``customer_id, name, segment, stage, last_purchase,
        recency_days, p_alive``).
    values : ``customer_id, potential_value, realized_value`` (from
        :func:`analytics.clv.value.customer_values`), or None when no valuation is available.
    limit : keep the first ``limit`` rows.

    Returns :data:`WAKE_COLUMNS`, ranked by potential value (highest first), then P(alive)
    (highest first), then recency (most recent first) and customer_id, so ties are deterministic.
    Without values the value columns are NaN and the ranking starts at P(alive).
    """
    d = at.loc[at["stage"] == "dormant", ["customer_id", "name", "segment", "last_purchase", "recency_days",
                                          "p_alive"]].copy()
    if values is not None and len(values):
        v = values.set_index(values["customer_id"].astype(str))
        d["potential_value"] = d["customer_id"].map(v["potential_value"]).astype(float)
        d["realized_value"] = d["customer_id"].map(v["realized_value"]).astype(float)
    else:
        d["potential_value"] = np.nan
        d["realized_value"] = np.nan
    d = d.sort_values(["potential_value", "p_alive", "recency_days", "customer_id"],
                      ascending=[False, False, True, True], na_position="last", ignore_index=True)
    return (d.head(limit) if limit is not None else d)[list(WAKE_COLUMNS)]
