"""Word of mouth, the data (analytics.word_of_mouth.data): NPS, exposure, series and the customers behind the
feedback on hand-made stores."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.filters import Filters
from analytics.store import aggregates, db
from analytics.word_of_mouth import data as wom_data
from tests.helpers import D, build_store, customer, insert


def fb(fid: str, cid: str, day: str, kind: str = "other", score: int | None = None, channel: str = "App",
       topic: str | None = None, text: str | None = None) -> dict[str, object]:
    return {"feedback_id": fid, "customer_id": cid, "feedback_date": D(day), "kind": kind, "nps_score": score,
            "channel": channel, "topic": topic, "text": text}


def tx(tid: str, cid: str, day: str) -> dict[str, object]:
    return {"transaction_id": tid, "customer_id": cid, "tx_date": D(day), "product": "P", "quantity": 1,
            "revenue": 100, "cogs": 50}


# ------------------------------------------------------------------------------------ NPS
def test_nps_from_counts():
    r = wom_data.nps_from_counts(promoters=6, passives=2, detractors=2)
    assert r.nps == 40 and r.responses == 10
    assert wom_data.nps_from_counts(0, 0, 0).nps is None


def test_nps_boundaries_and_filters():
    scores = [10, 9, 8, 7, 6, 0, None]
    con = build_store(
        customers=[customer("A"), customer("B", segment="S2")],
        feedback=[{"feedback_id": str(i), "customer_id": "A" if i < 6 else "B", "feedback_date": D("2024-01-01"),
                   "kind": "other", "nps_score": s} for i, s in enumerate(scores)]
        + [{"feedback_id": "late", "customer_id": "B", "feedback_date": D("2024-03-01"), "kind": "other", "nps_score": 0}],
    )
    with db.cursor(con) as cur:
        r = wom_data.nps(cur, Filters("2024-01-01", "2024-01-31"))
        s2 = wom_data.nps(cur, Filters(segments=("S2",)))
    # 2 promoters (10, 9), 2 passives (8, 7), 2 detractors (6, 0); the empty score is not a response
    assert (r.promoters, r.passives, r.detractors, r.responses) == (2, 2, 2, 6) and r.nps == 0
    assert s2.responses == 1 and s2.nps == -100


def _population_store():
    # Survey answers (kind other): 10, 9, 7, 3 -> 2 promoters, 1 passive, 1 detractor: NPS (2 - 1) / 4 = +25.
    # Scores given with complaints (2, 5) and a praise (10), and an unscored complaint.
    # Every scored response: 3 promoters (10, 9, 10), 1 passive (7), 3 detractors (3, 2, 5) of 7: NPS 0.
    return build_store(customers=[customer("A"), customer("B")], feedback=[
        fb("s1", "A", "2024-01-02", "other", 10, channel="Survey"), fb("s2", "B", "2024-01-03", "other", 9, channel="问卷"),
        fb("s3", "A", "2024-01-09", "other", 7), fb("s4", "B", "2024-01-10", "other", 3),
        fb("c1", "A", "2024-01-04", "complaint", 2), fb("c2", "B", "2024-01-11", "complaint", 5, channel="Survey"),
        fb("p1", "A", "2024-01-12", "praise", 10), fb("c3", "B", "2024-01-12", "complaint"),
        fb("o1", "A", "2024-01-13", "other")])


def test_nps_populations_hand_computed():
    con = _population_store()
    jan = Filters("2024-01-01", "2024-01-31")
    with db.cursor(con) as cur:
        survey, every, default = (wom_data.nps(cur, jan, "survey"), wom_data.nps(cur, jan, "all"),
                                  wom_data.nps(cur, jan))
        weeks = {p: wom_data.series(cur, jan, "week", nps_population=p) for p in wom_data.NPS_POPULATIONS}
    assert (survey.promoters, survey.passives, survey.detractors, survey.responses) == (2, 1, 1, 4)
    assert survey.nps == pytest.approx(25.0)
    assert (every.promoters, every.passives, every.detractors, every.responses) == (3, 1, 3, 7) and every.nps == 0
    assert default == survey and wom_data.DEFAULT_NPS_POPULATION == "survey"
    # By week (Mondays 1, 8 Jan): survey 10, 9 | 7, 3; every response adds 2 | 5, 10.
    s, a = weeks["survey"].set_index("period"), weeks["all"].set_index("period")
    assert s.loc["2024-01-01", ["promoters", "passives", "detractors"]].tolist() == [2, 0, 0]
    assert s.loc["2024-01-08", "nps"] == pytest.approx(-50.0)  # a passive (7) and a detractor (3): (0 - 1) / 2
    assert a.loc["2024-01-01", "nps"] == pytest.approx(100 * (2 - 1) / 3)
    assert a.loc["2024-01-08", "nps"] == pytest.approx(100 * (1 - 2) / 4)
    # counts of feedback do not depend on the population
    assert (s[["praise", "complaints", "other"]] == a[["praise", "complaints", "other"]]).all().all()


def test_nps_population_is_validated():
    con = _population_store()
    with db.cursor(con) as cur:
        for bad in ("surveys", "", "ALL"):
            with pytest.raises(ValueError, match="unknown NPS population"):
                wom_data.nps(cur, Filters(), bad)
        with pytest.raises(ValueError, match="unknown NPS population"):
            wom_data.series(cur, Filters(), "week", nps_population="every")


def test_nps_without_responses():
    con = build_store(customers=[customer("A")],
                      feedback=[fb("1", "A", "2024-01-05", "complaint"), fb("2", "A", "2024-01-06", "praise")])
    with db.cursor(con) as cur:
        r = wom_data.nps(cur, Filters("2024-01-01", "2024-01-31"))
        s = wom_data.series(cur, Filters("2024-01-01", "2024-01-31"), "month")
    assert r.nps is None and r.responses == 0
    assert len(s) == 1 and math.isnan(s["nps"].iloc[0]) and s["responses"].iloc[0] == 0
    assert (s["praise"].iloc[0], s["complaints"].iloc[0]) == (1, 1)


def test_nps_values_vectorised():
    out = wom_data.nps_values([3, 0, 0], [1, 0, 2], [5, 0, 2])
    assert out[0] == pytest.approx(40.0) and math.isnan(out[1]) and out[2] == -100


# ---------------------------------------------------------------- exposure and series
@pytest.fixture
def small_store():
    """A (North) buys on 2024-01-10 and 2024-01-20; B (South) on 2023-03-01; C (North) never buys.

    January 2024: A is at risk from the 10th (22 days, counted once although two purchases
    overlap), B all month (its purchase covers 2023-03-01 … 2024-02-28): 53 customer-days.
    """
    con = build_store(
        customers=[customer("A", region="North"), customer("B", region="South", segment="S2"),
                   customer("C", region="North")],
        transactions=[tx("t1", "A", "2024-01-10"), tx("t2", "A", "2024-01-20"), tx("t3", "B", "2023-03-01")],
        feedback=[fb("f1", "A", "2024-01-10", "complaint", 3, "Hotline", "Billing", "wrong bill"),
                  fb("f2", "A", "2024-01-11", "complaint", None, "App", "Network", "no signal"),
                  fb("f3", "B", "2024-01-15", "praise", 10, "App", "Service", "great"),
                  fb("f4", "C", "2024-01-16", "other", 8, "Survey", "Survey"),
                  fb("f5", "A", "2024-02-01", "complaint", None, "Hotline", "Billing", "again")],
    )
    yield con
    con.close()


def test_exposure_by_hand(small_store):
    with db.cursor(small_store) as cur:
        e = wom_data.exposure(cur, Filters("2024-01-01", "2024-01-31"))
        r = wom_data.exposure(cur, Filters("2024-01-01", "2024-01-31"), "region")
        late = wom_data.exposure(cur, Filters("2024-02-27", "2024-03-01"))
    assert len(e) == 31 and e["customers"].sum() == 53
    assert e.loc[e["day"] == "2024-01-09", "customers"].item() == 1
    assert e.loc[e["day"] == "2024-01-10", "customers"].item() == 2
    assert r.groupby("group")["customers"].sum().to_dict() == {"North": 22, "South": 31}
    # B's cover ends after 2024-02-28 (365 days from 2023-03-01 in a leap year)
    assert late["customers"].tolist() == [2, 2, 1, 1]
    # the store's first transaction is 2023-03-01: windows are complete from 2024-02-28
    assert late["full_window"].tolist() == [False, True, True, True]
    assert not e["full_window"].any()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 900)), min_size=1, max_size=25))
def test_exposure_matches_brute_force(purchases):
    start = dt.date(2022, 1, 1)
    rows = [tx(f"t{i}", "ABC"[c], (start + dt.timedelta(days=d)).isoformat()) for i, (c, d) in enumerate(purchases)]
    con = build_store(customers=[customer(c) for c in "ABC"], transactions=rows)
    f = Filters("2023-06-01", "2024-03-31")
    with db.cursor(con) as cur:
        got = wom_data.exposure(cur, f).set_index("day")["customers"]
    con.close()
    days = {(c, start + dt.timedelta(days=d)) for c, d in purchases}
    for day in pd.date_range("2023-06-01", "2024-03-31", freq="17D"):
        d = day.date()
        expected = len({c for c, when in days if d - dt.timedelta(days=365) < when <= d})
        assert got[day] == expected, d


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 800)), min_size=1, max_size=40),
       st.integers(0, 700), st.integers(0, 120))
def test_exposure_by_region_matches_brute_force_every_day(purchases, start_day, length):
    """Several purchases in one month, spans that end inside later months, a customer without a region:
    every day's count per region equals the customers with a purchase in the 365 days up to it."""
    start = dt.date(2022, 1, 1)
    regions = {"A": "North", "B": "South", "C": "North", "D": None}
    rows = [tx(f"t{i}", "ABCD"[c], (start + dt.timedelta(days=d)).isoformat()) for i, (c, d) in enumerate(purchases)]
    con = build_store(customers=[customer(c, region=r) for c, r in regions.items()], transactions=rows)
    lo = start + dt.timedelta(days=start_day)
    f = Filters(lo, lo + dt.timedelta(days=length))
    with db.cursor(con) as cur:
        total = wom_data.exposure(cur, f).set_index("day")["customers"]
        split = wom_data.exposure(cur, f, "region")
    con.close()
    bought = {(c, start + dt.timedelta(days=d)) for c, d in purchases}
    got = {(r.day.date(), r.group): r.customers for r in split.itertuples()}
    for day in pd.date_range(f.date_from, f.date_to):
        d = day.date()
        at_risk = {c for c, when in bought if d - dt.timedelta(days=365) < when <= d}
        assert total[day] == len(at_risk), d
        for region in {r for c, r in regions.items() if any(c == b for b, _ in bought)}:
            assert got.get((d, region), 0) == len({c for c in at_risk if regions[c] == region}), (d, region)


def _count_exposure_reads(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """A list that gets one entry per exposure query run (the read layer's cover events)."""
    runs: list[object] = []
    real = wom_data.cover_events

    def counting(*args: object, **kwargs: object) -> object:
        runs.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(wom_data, "cover_events", counting)
    return runs


def test_the_page_summary_reads_exposure_once_per_store_version(tmp_path, monkeypatch):
    """The summary asks for exposure four times (trend, turning points overall and by region, the
    response curve's history): one query answers them, until a write changes the data version."""
    from analytics.word_of_mouth import headline

    path = tmp_path / "wom.duckdb"
    con = build_store(path, customers=[customer("A", region="North"), customer("B", region="South")],
                      transactions=[tx("t1", "A", "2024-01-10"), tx("t2", "B", "2022-12-01")],
                      feedback=[fb("f1", "A", "2024-01-10", "complaint", 3), fb("f2", "B", "2024-01-15", "praise", 10)])
    f = Filters("2024-01-01", "2024-03-31")
    runs = _count_exposure_reads(monkeypatch)
    with db.cursor(con) as cur:
        first = headline.summary(cur, f)
        assert len(runs) == 1
        before = wom_data.exposure(cur, f, "region")
        assert headline.summary(cur, f).praise_curve.customers_now == first.praise_curve.customers_now
        assert len(runs) == 1  # the same data version: nothing read again
    with db.write(con) as w:  # a new purchase bumps the data version
        insert(w, "transactions", [tx("t3", "B", "2024-02-01")])
        aggregates.refresh(w)
    with db.cursor(con) as cur:
        after = wom_data.exposure(cur, f, "region")
        assert len(runs) == 2
    con.close()
    south = (after["group"] == "South") & (after["day"] >= "2024-02-01")
    assert (after.loc[south, "customers"] == 1).all() and (before.loc[south, "customers"] == 0).all()
    assert after.loc[~south, "customers"].tolist() == before.loc[~south, "customers"].tolist()


def test_series_by_week_and_month(small_store):
    with db.cursor(small_store) as cur:
        w = wom_data.series(cur, Filters("2024-01-01", "2024-01-31"), "week")
        m = wom_data.series(cur, Filters("2024-01-01", "2024-01-31"), "month")
        by_topic = wom_data.series(cur, Filters("2024-01-01", "2024-01-31"), "month", "topic")
        by_region = wom_data.series(cur, Filters("2024-01-01", "2024-01-31"), "month", "region")
    # 2024-01-01 is a Monday: weeks of Jan 1, 8, 15, 22 and a partial one of Jan 29 (3 days)
    assert w["period"].dt.strftime("%m-%d").tolist() == ["01-01", "01-08", "01-15", "01-22", "01-29"]
    assert w["partial"].tolist() == [False, False, False, False, True] and w["days"].iloc[-1] == 3
    assert w["complaints"].tolist() == [0, 2, 0, 0, 0] and w["praise"].tolist() == [0, 0, 1, 0, 0]
    row = m.iloc[0]
    # NPS counts survey answers by default: f4 (kind other, 8) is the month's only one, a passive
    assert (row["praise"], row["complaints"], row["other"], row["responses"]) == (1, 2, 1, 1)
    assert row["nps"] == pytest.approx(0.0)
    with db.cursor(small_store) as cur:
        every = wom_data.series(cur, Filters("2024-01-01", "2024-01-31"), "month", nps_population="all").iloc[0]
    assert every["responses"] == 3 and every["nps"] == pytest.approx(0.0)  # 1 promoter (10), 1 passive (8), 1 detractor (3)
    assert row["customer_days"] == 53 and row["complaint_rate"] == pytest.approx(2000 / 53)
    assert dict(zip(by_topic["group"], by_topic["complaints"], strict=True)) == {
        "Billing": 1, "Network": 1, "Service": 0, "Survey": 0}
    assert set(by_topic["customer_days"]) == {53}  # a topic has no customers of its own: the filter's exposure
    reg = by_region.set_index("group")
    assert reg.loc["North", "customer_days"] == 22 and reg.loc["South", "customer_days"] == 31
    assert reg.loc["North", "complaints"] == 2 and reg.loc["South", "praise"] == 1


def test_series_days_in_period(small_store):
    with db.cursor(small_store) as cur:
        d = wom_data.series(cur, Filters("2024-01-30", "2024-02-02"), "day")
    assert len(d) == 4 and not d["partial"].any() and d["complaints"].tolist() == [0, 0, 1, 0]


def test_bad_arguments(small_store):
    with db.cursor(small_store) as cur, pytest.raises(ValueError, match="granularity"):
        wom_data.series(cur, Filters(), "year")
    with db.cursor(small_store) as cur, pytest.raises(ValueError, match="breakdown"):
        wom_data.series(cur, Filters(), "week", "colour")


def test_customers_behind_the_complaints(small_store):
    with db.cursor(small_store) as cur:
        c = wom_data.feedback_customers(cur, Filters("2024-01-01", "2024-02-29"))
        since = wom_data.feedback_customers(cur, Filters("2024-01-01", "2024-02-29"), since=D("2024-01-11"))
        praise = wom_data.feedback_customers(cur, Filters("2024-01-01", "2024-02-29"), kind="praise")
        tc = wom_data.topic_channel(cur, Filters("2024-01-01", "2024-02-29"))
    a = c.iloc[0]
    assert c["customer_id"].tolist() == ["A"]
    assert (a["complaints"], a["praise"], a["topics"], a["last_text"]) == (3, 0, "Billing, Network", "again")
    assert str(a["first_date"])[:10] == "2024-01-10" and str(a["last_date"])[:10] == "2024-02-01"
    assert since.iloc[0]["complaints"] == 2
    assert praise["customer_id"].tolist() == ["B"]
    assert tc.to_dict("records") == [{"topic": "Billing", "feedback_channel": "Hotline", "count": 2},
                                     {"topic": "Network", "feedback_channel": "App", "count": 1}]
