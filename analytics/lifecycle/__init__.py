"""Lifecycle stages of customers and prospects, stage transitions, and acquisition payback (DOMAIN.md §4).

* :mod:`~analytics.lifecycle.stages`: the stage rules, the stage grid over dates, P(alive)'s model;
* :mod:`~analytics.lifecycle.history`: counts per stage, the monthly history, transitions, stages on a date;
* :mod:`~analytics.lifecycle.dormant`: dormant customers worth waking up;
* :mod:`~analytics.lifecycle.headline`: the page's summary and the ``report`` keys;
* :mod:`~analytics.lifecycle.acquisition`: acquisition payback by cohort.

This module re-exports the names used outside the package.
"""

from analytics.lifecycle.acquisition import GRAINS, Payback, payback
from analytics.lifecycle.dormant import WAKE_COLUMNS, DormantValue, dormant_value, rank_dormant
from analytics.lifecycle.headline import Lifecycle, summary
from analytics.lifecycle.history import count_stages, stage_counts, stage_history, stages_at, transitions
from analytics.lifecycle.stages import (
    CUSTOMER_STAGES,
    NO_PURCHASE,
    OUTSIDE,
    PIPELINE_STAGES,
    STAGES,
    AliveModel,
    Rules,
    StageGrid,
    alive_model,
    as_of_date,
    classify,
    month_ends,
    stage_grid,
)

__all__ = ["CUSTOMER_STAGES", "GRAINS", "NO_PURCHASE", "OUTSIDE", "PIPELINE_STAGES", "STAGES", "WAKE_COLUMNS", "AliveModel",
           "DormantValue", "Lifecycle", "Payback", "Rules", "StageGrid", "alive_model", "as_of_date", "classify",
           "count_stages", "dormant_value", "month_ends", "payback", "rank_dormant", "stage_counts", "stage_grid",
           "stage_history", "stages_at", "summary", "transitions"]
