"""The Overview leads with the 20/80/30 rule in words (issue 19: the executive's five seconds)."""

from __future__ import annotations

import pytest

from analytics import concentration, profit
from analytics.filters import Filters
from analytics.store import db
from charts import overview as ov_charts
from i18n import Translator
from tests.ui.apptest import assert_ok, plotly_specs, start


def page_filter(at) -> Filters:
    """The period the page showed: the app mirrors its filter into the URL (``from``, ``to``)."""
    def one(key: str) -> str:
        value = at.query_params[key]
        return value[0] if isinstance(value, list) else value
    return Filters(one("from"), one("to"))


def _walk(node: object) -> list[str]:
    """The page's element types in the order they are drawn (depth first)."""
    children = getattr(node, "children", None)
    if not children:
        return [node.type]
    return [k for _, child in sorted(children.items()) for k in _walk(child)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview_leads_with_the_rule_in_words(refreshed_app_db, lang):
    at = start(lang)
    assert_ok(at)
    con = db.connect(refreshed_app_db)  # the app holds it read-write in this process; a second handle must match
    try:
        with con.cursor() as cur:
            fig = concentration.figures(profit.customer_pnl(cur, page_filter(at)))
    finally:
        con.close()
    t = Translator(lang, "CNY")
    assert fig.top20_profit_share > 1  # the demo's top 20 % make more than the total: the sentence says why
    assert at.info[0].value == ov_charts.lead(fig, t)
    assert t("overview.lead.over").strip(" —") in at.info[0].value
    # Above every card: the sentence is the first thing read.
    kinds = _walk(at.main)
    assert kinds.index("info") < kinds.index("metric")
    monthly = next(s for s in plotly_specs(at) if s["data"][0]["type"] == "bar" and s["data"][1]["type"] == "scatter")
    assert "yaxis2" not in monthly["layout"] and "CNY" not in monthly["layout"]["yaxis"]["title"]["text"]


def test_customer_counts_of_one_filter_say_why_they_differ(refreshed_app_db):
    """Overview counts the customers active in the period (3,309 on the demo), Customer value everyone who has
    bought up to its valuation date (4,034): each card is named and explained so, not both "Customers"."""
    t = Translator("en")
    ov = start("en")
    assert_ok(ov)
    ov_card = next(c for c in ov.metric if c.label == t.metric("customers"))
    assert ov_card.help.endswith(t("overview.customers_note"))
    cv = start("en", page="views/customer_value.py")
    assert_ok(cv)
    assert t.metric("customers") not in {c.label for c in cv.metric}
    cv_card = next(c for c in cv.metric if c.label == t.metric("valued_customers"))
    assert "Overview's Customers counts only those with a transaction or a service activity" in cv_card.help
    assert int(cv_card.value.replace(",", "")) > int(ov_card.value.replace(",", ""))  # 4,034 > 3,309


@pytest.mark.parametrize("page", ["views/overview.py", "views/delivered_value.py", "views/customer.py"])
def test_the_chinese_ui_names_no_currency_code(refreshed_app_db, page):
    """Axis titles and captions say 元 (金额（元）, 利润单位：元), never the ISO code a Chinese reader does not say."""
    at = start("zh", page=None if page == "views/overview.py" else page,
               **({"customer": "C002194"} if page == "views/customer.py" else {}))
    assert_ok(at)
    texts = [c.value for c in at.caption]
    for spec in plotly_specs(at):
        for name, axis in spec["layout"].items():
            if name.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
                texts.append(str(axis.get("title", {}).get("text", "")))
    assert texts and not [x for x in texts if "CNY" in x], page


class _Computing(Exception):
    pass


_STOPPED: list[int] = []


def _stopped_while_computing(*args: object, **kwargs: object) -> None:
    _STOPPED.append(1)
    raise _Computing("stopped where the Overview computes its figures")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_computing_placeholder_is_styled_before_the_page_computes(refreshed_app_db, lang, monkeypatch):
    """The Overview computes its figures before it draws its title. The placeholder that says so while a run goes on
    (a style on the running app, which tests/browser/test_responsive.py watches in Chromium) is sent by the frame
    before any page computes: a run stopped where the Overview computes has sent it, and no title yet."""
    from analytics import overview

    monkeypatch.setattr(overview, "overview", _stopped_while_computing)
    _STOPPED.clear()
    at = start(lang)
    assert _STOPPED and len(at.exception) == 1  # (its message is redacted: client.showErrorDetails)
    styles = [h.proto.body for h in at.get("html")]
    assert any('data-test-script-state="running"' in s and f'"{Translator(lang)("common.computing")}"' in s
               for s in styles)
    assert len(at.title) == 0
