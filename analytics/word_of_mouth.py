"""Word of mouth: praise, complaints and NPS over time, and their response to service quality (DOMAIN.md §3).

NPS = % promoters (scores 9–10) − % detractors (scores 0–6), over feedback rows that carry a
score; passives (7–8) count in the denominator only.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from analytics import schema
from analytics.filters import Filters


@dataclass(frozen=True)
class NpsResult:
    """NPS in points (−100 … 100; None without responses) and the counts behind it."""

    nps: float | None
    responses: int
    promoters: int
    passives: int
    detractors: int


def nps_from_counts(promoters: int, passives: int, detractors: int) -> NpsResult:
    """NPS from the three counts; None when there are no responses."""
    n = promoters + passives + detractors
    value = 100.0 * (promoters - detractors) / n if n else None
    return NpsResult(value, n, promoters, passives, detractors)


def feedback_scope_sql(f: Filters) -> tuple[str, dict[str, object]]:
    """Feedback rows of the filter's customers and period, as SQL (alias ``fb``) and parameters."""
    period, params = f.period_sql("fb.feedback_date")
    cust, p2 = f.customer_sql("c")
    params.update(p2)
    sql = (f"SELECT fb.* FROM {schema.FEEDBACK} fb JOIN {schema.CUSTOMERS} c USING (customer_id) "
           f"WHERE {period} AND {cust}")
    return sql, params


def nps(cur: duckdb.DuckDBPyConnection, f: Filters) -> NpsResult:
    """NPS of the feedback in the filter (see module docstring)."""
    scope, params = feedback_scope_sql(f)
    row = cur.execute(
        f"""SELECT count(*) FILTER (WHERE nps_score >= 9), count(*) FILTER (WHERE nps_score BETWEEN 7 AND 8),
                   count(*) FILTER (WHERE nps_score <= 6)
            FROM ({scope}) WHERE nps_score IS NOT NULL""",
        params,
    ).fetchone()
    return nps_from_counts(int(row[0]), int(row[1]), int(row[2]))
