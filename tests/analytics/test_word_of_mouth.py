"""NPS on hand-made scores."""

from __future__ import annotations

from analytics import db, word_of_mouth
from analytics.filters import Filters
from tests.helpers import D, build_store, customer


def test_nps_from_counts():
    r = word_of_mouth.nps_from_counts(promoters=6, passives=2, detractors=2)
    assert r.nps == 40 and r.responses == 10
    assert word_of_mouth.nps_from_counts(0, 0, 0).nps is None


def test_nps_boundaries_and_filters():
    scores = [10, 9, 8, 7, 6, 0, None]
    con = build_store(
        customers=[customer("A"), customer("B", segment="S2")],
        feedback=[{"feedback_id": str(i), "customer_id": "A" if i < 6 else "B", "feedback_date": D("2024-01-01"),
                   "kind": "other", "nps_score": s} for i, s in enumerate(scores)]
        + [{"feedback_id": "late", "customer_id": "B", "feedback_date": D("2024-03-01"), "kind": "other", "nps_score": 0}],
    )
    with db.cursor(con) as cur:
        r = word_of_mouth.nps(cur, Filters("2024-01-01", "2024-01-31"))
        s2 = word_of_mouth.nps(cur, Filters(segments=("S2",)))
    # 2 promoters (10, 9), 2 passives (8, 7), 2 detractors (6, 0); the empty score is not a response
    assert (r.promoters, r.passives, r.detractors, r.responses) == (2, 2, 2, 6) and r.nps == 0
    assert s2.responses == 1 and s2.nps == -100
