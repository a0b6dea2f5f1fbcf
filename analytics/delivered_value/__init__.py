"""Customer delivered value, satisfaction and the win-win zone (DOMAIN.md §2).

* :mod:`~analytics.delivered_value.scores`: each customer's delivered value, satisfaction gaps and
  quadrant from the latest assessment (the definitions are there);
* :mod:`~analytics.delivered_value.groups`: aggregates per group, level and quadrant, the summary;
* :mod:`~analytics.delivered_value.winwin`: the win-win map and moves since the previous period;
* :mod:`~analytics.delivered_value.over_time`: the trend, what moved it, win-win per bucket;
* :mod:`~analytics.delivered_value.headline`: the page's result, the ``report`` keys and the command.

This module re-exports the names used outside the package.
"""

from analytics.delivered_value.groups import (
    Summary,
    aggregate,
    by_group,
    level_table,
    quadrant_table,
    summarize,
)
from analytics.delivered_value.headline import DeliveredValue, delivered_value, report_fields
from analytics.delivered_value.over_time import Trend, buckets, main_driver, part_changes, trend, winwin_steps
from analytics.delivered_value.scores import (
    COST_PARTS,
    DIMENSIONS,
    DV_DECIMALS,
    FREQS,
    LEVELS,
    MOVES,
    PARTS,
    PROFIT_DECIMALS,
    QUADRANTS,
    SCORE_COLUMNS,
    VALUE_PARTS,
    WIN_WIN,
    latest_assessments,
    quadrant,
    score,
)
from analytics.delivered_value.winwin import (
    map_sample,
    move_counts,
    moves,
    selected_customers,
    transitions,
    winwin_points,
)

__all__ = ["COST_PARTS", "DIMENSIONS", "DV_DECIMALS", "FREQS", "LEVELS", "MOVES", "PARTS", "PROFIT_DECIMALS",
           "QUADRANTS", "SCORE_COLUMNS", "VALUE_PARTS", "WIN_WIN", "DeliveredValue", "Summary", "Trend", "aggregate",
           "buckets", "by_group", "delivered_value", "latest_assessments", "level_table", "main_driver", "map_sample",
           "move_counts", "moves", "part_changes", "quadrant", "quadrant_table", "report_fields", "score",
           "selected_customers", "summarize", "transitions", "trend", "winwin_points", "winwin_steps"]
