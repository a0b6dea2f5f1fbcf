"""The Lifecycle page in AppTest: both languages, the report's stage counts, rules, transitions, payback."""

from __future__ import annotations

import pytest

from analytics import filters, lifecycle, report
from analytics.filters import Filters
from analytics.store import db
from i18n import Translator
from tests.helpers import D
from tests.ui.apptest import assert_ok, metrics, plotly_specs, start

PAGE = "views/lifecycle.py"


def _default_filter(cur) -> Filters:
    return Filters(*filters.latest_period(cur))


def _figures(path, rules: lifecycle.Rules | None = None) -> tuple[dict[str, int], lifecycle.Lifecycle]:
    con = db.connect(path)  # the app holds it read-write in this process; a second handle must match
    try:
        with con.cursor() as cur:
            f = _default_filter(cur)
            counts = report.build(cur, f)["stage_counts"] if rules is None else None
            return counts, lifecycle.summary(cur, f, rules)
    finally:
        con.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_page_shows_the_reports_stage_counts(refreshed_app_db, lang):
    at = start(lang, page=PAGE)
    assert_ok(at)
    t = Translator(lang)
    assert at.title[0].value == t("lc.title")
    counts, _ = _figures(refreshed_app_db)
    m = metrics(at)
    for stage in lifecycle.CUSTOMER_STAGES:
        assert m[t.value("lifecycle_stage", stage)] == t.num(counts[stage]), stage
    assert m[t.metric("pipeline")] == t.num(sum(counts[k] for k in lifecycle.PIPELINE_STAGES))
    specs = plotly_specs(at)
    assert len(specs) == 3  # stage history, transitions, payback
    history, sankey, payback = specs
    assert {tr["type"] for tr in history["data"]} == {"bar"}
    # Lost customers are hidden from the history by default (they swamp the other stages).
    assert t.value("lifecycle_stage", "lost") not in {tr["name"] for tr in history["data"]}
    assert sankey["data"][0]["type"] == "sankey"
    assert sum(sankey["data"][0]["link"]["value"]) > 0
    # the first cohort and the latest three stand out, the others are faint under one legend entry (issue 19)
    named = [tr["name"] for tr in payback["data"] if tr["name"] != t("lc.payback.others")]
    assert len(named) == 4 and len(payback["data"]) > 4
    assert any(t("lc.quarter", y=2024, q=1) in tr["hovertemplate"] for tr in payback["data"])
    # The dormant customers, most potential value first, by id (a click opens their page in place).
    table = at.dataframe[0].value
    assert len(table) == min(50, counts["dormant"])
    assert table["customer_id"].str.fullmatch(r"C\d+").all()
    assert table["potential_value"].is_monotonic_decreasing
    # Their worth: the positive potential value, and the ones expected to lose money, as the analytics say.
    _, s = _figures(refreshed_app_db)
    w = lifecycle.dormant_value(s.dormant)
    assert w.worth_waking and w.losing  # the demo has both
    expected = t("lc.wake.total", n=t.num(w.customers), worth=t.num(w.worth_waking),
                 value=t.money(w.worth_value, compact=True)) + t(
        "lc.wake.losing", losing=t.num(w.losing), loss=t.money(w.losing_value, compact=True),
        net=t.money(w.net_value, compact=True))
    assert any(c.value == expected for c in at.caption), expected
    # The rules are stated on the page.
    assert any(t("lc.rules.text", new=90, dormant=90, lost=365, react=90, p="5%") == c.value for c in at.caption)


def test_rules_change_the_stages(refreshed_app_db):
    at = start("en", page=PAGE)
    before = metrics(at)["Dormant"]
    at.number_input(key="lc_dormant_days").set_value(60).run()
    assert_ok(at)
    _, s = _figures(refreshed_app_db, lifecycle.Rules(dormant_days=60))
    assert metrics(at)["Dormant"] == f"{s.counts['dormant']:,}" != before
    # A contradictory rule (dormant after lost) is refused with a message; defaults apply.
    at.number_input(key="lc_dormant_days").set_value(400).run()
    assert_ok(at)
    assert any("must be less than lost_days" in w.value for w in at.warning)
    assert metrics(at)["Dormant"] == before


def test_controls(refreshed_app_db):
    at = start("en", page=PAGE)
    at.toggle(key="lc_show_lost").set_value(True).run()
    assert_ok(at)
    assert "Lost" in {tr["name"] for tr in plotly_specs(at)[0]["data"]}
    quarters = len(plotly_specs(at)[2]["data"])
    grain = next(b for b in at.get("button_group") if b.key == "lc_grain")
    grain.set_value("month").run()
    assert_ok(at)
    assert len(plotly_specs(at)[2]["data"]) > quarters
    # Transitions between two other month ends.
    at.select_slider(key="lc_sankey").set_value((D("2024-06-30"), D("2025-06-30"))).run()
    assert_ok(at)
    sankey = plotly_specs(at)[1]
    assert sankey["data"][0]["type"] == "sankey"
    assert sankey["layout"]["title"]["text"] == "Stage transitions: 2024-06-30 → 2025-06-30"


def test_filters_reach_the_page(refreshed_app_db):
    at = start("en", page=PAGE, segment="Key account")
    assert_ok(at)
    con = db.connect(refreshed_app_db)
    try:
        with con.cursor() as cur:
            f = _default_filter(cur)
            counts = lifecycle.stage_counts(cur, Filters(f.date_from, f.date_to, segments=("Key account",)))
    finally:
        con.close()
    assert metrics(at)["Active"] == f"{counts['active']:,}"
    assert metrics(at)["Pipeline"] == "0"  # prospects have no segment
