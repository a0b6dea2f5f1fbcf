"""Word of mouth: praise, complaints and NPS over time, and their response to service quality (DOMAIN.md §3).

The package is split by concept; each module states its definitions:

* :mod:`~analytics.word_of_mouth.data`: NPS, the feedback in scope, exposure, daily region data and
  the series per day, week or month;
* :mod:`~analytics.word_of_mouth.response`: the threshold response curve (its model and test);
* :mod:`~analytics.word_of_mouth.turning`: turning points and their drivers;
* :mod:`~analytics.word_of_mouth.trend`: trend and forecast of the series;
* :mod:`~analytics.word_of_mouth.headline`: the headline :func:`summary`, the alerts, the ``report``
  keys and the ``word-of-mouth`` command.

This module re-exports only what other packages (pages, charts, presentation, the Overview) use;
everything else is imported from its module.
"""

from analytics.word_of_mouth.data import (
    DEFAULT_NPS_POPULATION,
    DIMENSIONS,
    GRANULARITIES,
    NPS_POPULATIONS,
    PER,
    SERIES,
    NpsResult,
    check_nps_population,
    feedback_customers,
    nps,
    region_days,
    series,
    topic_channel,
)
from analytics.word_of_mouth.headline import NEAR_THRESHOLD, Summary, alerts, build_alerts, summary
from analytics.word_of_mouth.response import (
    CURVE_KINDS,
    CURVE_WINDOWS,
    MIN_CURVE_DAYS,
    MIN_CURVE_EVENTS,
    ResponseCurve,
    response_curves,
)
from analytics.word_of_mouth.trend import TrendFit, trends
from analytics.word_of_mouth.turning import BREAK_ALPHA, BREAK_DRAWS

__all__ = ["BREAK_ALPHA", "BREAK_DRAWS", "CURVE_KINDS", "CURVE_WINDOWS", "DEFAULT_NPS_POPULATION", "DIMENSIONS",
           "GRANULARITIES", "MIN_CURVE_DAYS", "MIN_CURVE_EVENTS", "NEAR_THRESHOLD", "NPS_POPULATIONS", "PER", "SERIES",
           "NpsResult", "ResponseCurve", "Summary", "TrendFit", "alerts", "build_alerts", "check_nps_population",
           "feedback_customers", "nps", "region_days",
           "response_curves", "series", "summary", "topic_channel", "trends"]
