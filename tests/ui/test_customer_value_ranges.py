"""The Customer value page's ranges (analytics.clv.intervals) in AppTest: the aggregate range in plain words,
the tier note and per-cell counts, the customers' lower/upper columns — each equal to analytics'."""

from __future__ import annotations

import json

import pytest

from analytics import filters
from analytics.clv import intervals
from analytics.clv import value as cv
from analytics.filters import Filters
from analytics.store import db
from i18n import Translator
from tests.ui.apptest import assert_ok, start

PAGE = "views/customer_value.py"


def _analytics(path) -> tuple[cv.CustomerValues, intervals.Intervals]:
    con = db.connect(path)  # the app holds it read-write in this process; a second handle must match
    try:
        with con.cursor() as cur:
            f = Filters(*filters.latest_period(cur))
            return cv.customer_values(cur, f), intervals.value_intervals(cur, f)
    finally:
        con.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_ranges_shown_are_analytics(refreshed_app_db, lang):
    at = start(lang, page=PAGE)
    assert_ok(at)
    t = Translator(lang)
    values, iv = _analytics(refreshed_app_db)
    r = intervals.interval_summary(iv)
    level = t.pct(0.9, 0)
    expected = t("cv.range.aggregate", level=level, value=t.figure("potential_value", r["potential_value"]),
                 lower=t.figure("potential_value_lower", r["lower"]), upper=t.figure("potential_value_upper", r["upper"]),
                 ep=t.figure("expected_purchases", r["expected_purchases"]),
                 ep_lower=t.figure("expected_purchases_lower", r["expected_purchases_lower"]),
                 ep_upper=t.figure("expected_purchases_upper", r["expected_purchases_upper"]))
    captions = [c.value for c in at.caption]
    assert expected in captions
    assert ("¥" in expected and "–" in expected and "90%" in expected), expected
    # the tier note and each cell's count of customers whose range crosses a cut
    spans = intervals.tier_span_counts(values, iv)
    assert sum(spans.values()) == r["tier_span_customers"] > 0
    p1, p2 = values.potential_cuts
    assert t("cv.tiers.spans", level=level, n=t.num(r["tier_span_customers"]), p1=t.money(p1, compact=True),
             p2=t.money(p2, compact=True)) in captions
    for code, n in spans.items():
        assert (t("cv.cell.spans", n=t.num(n)) in captions) == (n > 0), code


def test_the_customer_table_has_each_customers_range(refreshed_app_db):
    at = start("en", page=PAGE)
    values, iv = _analytics(refreshed_app_db)
    cell = max(intervals.tier_span_counts(values, iv).items(), key=lambda kv: kv[1])[0]  # a cell with spanning ranges
    at.button(key=f"cv_cell_{cell.replace('/', '_')}").click().run()
    assert_ok(at)
    t = Translator("en")
    df = at.dataframe[0].value
    ids = df["customer_id"]  # plain ids: a click on a row opens Customer 360 in the same tab (no link URLs)
    want = iv.customers.set_index("customer_id").loc[ids]
    for key in ("potential_value_lower", "potential_value_upper"):
        assert list(df[key]) == list(want[key].round(0) + 0.0), key  # whole money units, as the table shows
    for key in ("p_alive_lower", "p_alive_upper"):
        assert list(df[key]) == pytest.approx(list(want[key]), rel=1e-12, abs=1e-12)
    assert list(df["spans_tiers"]) == list(want["spans_tiers"]) and df["spans_tiers"].any()
    # every row's range holds its own potential value
    pv = df["potential_value"]
    assert (df["potential_value_lower"] <= pv).all() and (pv <= df["potential_value_upper"]).all()
    # labelled by the registry (analytics.metrics) in the table's column configuration
    config = json.loads(at.dataframe[0].proto.columns)
    assert config["potential_value_lower"]["label"] == t.metric("potential_value_lower")
    assert config["p_alive_upper"]["label"] == t.metric("p_alive_upper")
