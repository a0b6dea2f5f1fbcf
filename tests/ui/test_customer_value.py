"""The Customer value page in AppTest: both languages, same figures as the report, tier grid, controls, fallbacks."""

from __future__ import annotations

import pytest

from analytics import filters
from analytics.clv import value as cv
from analytics.filters import Filters
from analytics.store import db
from i18n import Translator
from tests.ui.apptest import assert_ok, metrics, plotly_specs, start

PAGE = "views/customer_value.py"


def _report(path, **kw) -> cv.CustomerValues:
    con = db.connect(path)  # the app holds it read-write in this process; a second handle must match
    try:
        with con.cursor() as cur:
            start_d, end_d = filters.latest_period(cur)
            return cv.customer_values(cur, Filters(start_d, end_d, **kw))
    finally:
        con.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_page_renders_with_the_reports_figures(refreshed_app_db, lang):
    at = start(lang, page=PAGE)
    assert_ok(at)
    t = Translator(lang)
    assert at.title[0].value == t("cv.title")
    specs = plotly_specs(at)
    # composition, P(alive), potential value, backtest, tracking (weekly, cumulative), conditional
    # expectations, P(alive) matrix, contract retention
    assert len(specs) == 9
    v = _report(refreshed_app_db)
    m = metrics(at)
    assert m[t.metric("realized_value")] == t.money(v.summary()["realized_value"], compact=True)
    assert m[t.metric("potential_value")] == t.money(v.summary()["potential_value"], compact=True)
    assert m[t.metric("influence_value")] == t.money(v.summary()["influence_value"], compact=True)
    assert m[t.metric("valued_customers")] == t.num(len(v.table))  # not "Customers": everyone who has bought
    # every tier cell shows its count, the same as the report's tier_counts
    captions = " ".join(c.value for c in at.caption)
    for cell in v.tiers.itertuples():
        share = t.pct(cell.value_share, 1 if abs(cell.value_share) < 0.1 else 0)
        assert t("cv.cell.stats", n=t.num(cell.customers), share=share) in captions, cell.tier
    # the notes about the models speak the page's language
    boxes = " ".join(i.value for i in at.info)
    assert v.notes and all(t(k, **p) in boxes for k, p in v.notes)
    assert len([b for b in at.button if b.key and b.key.startswith("cv_cell_")]) == 9


def test_a_cell_lists_its_customers_with_links(refreshed_app_db):
    at = start("en", page=PAGE)
    v = _report(refreshed_app_db)
    n = cv.tier_counts(v)["high/high"]
    at.button(key="cv_cell_high_high").click().run()
    assert_ok(at)
    df = at.dataframe[0].value
    assert len(df) == min(n, 500)
    assert df["customer_id"].str.fullmatch(r"C\d+").all()  # plain ids: a click opens Customer 360 in place
    assert set(df["tier"]) == {"Core customers"}
    assert any(f"{n:,} customers" in md.value for md in at.markdown)
    at.button(key="cv_cell_all").click().run()
    assert len(at.dataframe[0].value) == min(len(v.table), 500)


def test_controls_change_the_values(refreshed_app_db):
    at = start("en", page=PAGE)
    before = metrics(at)["Potential value"]
    at.select_slider(key="cv_horizon").set_value(36).run()
    assert_ok(at)
    assert metrics(at)["Potential value"] != before
    at.number_input(key="cv_discount").set_value(0).run()
    con = db.connect(refreshed_app_db)
    try:
        with con.cursor() as cur:
            s, e = filters.latest_period(cur)
            expected = cv.customer_values(cur, Filters(s, e), horizon_months=36, annual_discount=0.0,
                                          cuts=(0.5, 0.9))
    finally:
        con.close()
    at.select_slider(key="cv_cuts").set_value((0.5, 0.9)).run()
    assert_ok(at)
    t = Translator("en")
    assert metrics(at)["Potential value"] == t.money(expected.summary()["potential_value"], compact=True)
    assert any("percentiles 50% and 90%" in c.value for c in at.caption)
    at.select_slider(key="cv_weight").set_value(0.5).run()
    assert_ok(at)
    at.segmented_control(key="cv_group").set_value("region").run()
    assert_ok(at)
    assert plotly_specs(at)[0]["layout"]["title"]["text"] == "Realized, potential and influence value by region"


def test_a_small_filter_says_which_fallback_it_used(refreshed_app_db):
    at = start("zh", page=PAGE, segment="Key account", region="West")
    assert_ok(at)
    t = Translator("zh")
    v = _report(refreshed_app_db, segments=("Key account",), regions=("West",))
    assert v.fit.purchase_method == "pooled"
    texts = [i.value for i in at.info] + [w.value for w in at.warning]
    assert any(t("cv.note.bgnbd_pooled_few", **v.notes[0][1]) in x for x in texts)
    assert any(t("cv.share_undefined") == c.value for c in at.caption)  # their own value is negative
