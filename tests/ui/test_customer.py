"""The Customer 360 page in AppTest: opened by link or by search, both languages, unknown ids,
hostile feedback text rendered as text."""

from __future__ import annotations

import pytest

from analytics import customer360, filters
from analytics.filters import Filters
from analytics.store import db
from i18n import Translator
from tests.helpers import D, insert
from tests.ui.apptest import assert_ok, metrics, plotly_specs, start
from ui import components

PAGE = "views/customer.py"
CID = "C002194"  # a key account with an opportunity, a long history and assessments
CARDS = ("revenue", "profit", "cost_to_serve", "transactions", "realized_value", "potential_value", "influence_value",
         "total_value", "p_alive", "expected_purchases", "lifecycle_stage", "value_tier")
HOSTILE = "<script>alert('pwned')</script> **not bold** <img src=x onerror=alert(1)> =1+1"


def _report(path, cid: str = CID) -> customer360.Customer360:
    con = db.connect(path)  # the app holds it read-write in this process; a second handle must match
    try:
        with con.cursor() as cur:
            return customer360.customer360(cur, cid, Filters(*filters.latest_period(cur)))
    finally:
        con.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_link_opens_the_customer(refreshed_app_db, lang):
    at = start(lang, page=PAGE, customer=CID)
    assert_ok(at)
    t = Translator(lang)
    r = _report(refreshed_app_db)
    assert at.title[0].value == r.name
    # The twelve cards are figures of the metric registry: its labels, formats and its help for one customer.
    cards = list(at.metric)
    assert [c.label for c in cards] == [t.metric(key) for key in CARDS]
    m = metrics(at)
    assert m[t.metric("revenue")] == t.money(r.kpis["revenue"], compact=True)
    assert m[t.metric("profit")] == t.money(r.kpis["profit"], compact=True)
    assert m[t.metric("transactions")] == t.num(r.kpis["tx_count"])
    assert m[t.metric("realized_value")] == t.money(r.kpis["realized_value"], compact=True)
    assert m[t.metric("potential_value")] == t.money(r.kpis["potential_value"], compact=True)
    assert m[t.metric("p_alive")] == t.pct(r.kpis["p_alive"], 0)
    assert m[t.metric("expected_purchases")] == t.num(r.kpis["expected_purchases"], 1)
    assert m[t.metric("lifecycle_stage")] == t.value("lifecycle_stage", r.kpis["stage"])
    r_level, p_level = r.kpis["tier"].split("/")
    assert m[t.metric("value_tier")] == t("c360.tier", r=t(f"c360.level.{r_level}"), p=t(f"c360.level.{p_level}"))
    helps = {c.label: c.help for c in cards}
    # Each help ends with the exact value where the card shows compact units (¥1.23M; issue 19).
    exact = {k: components.exact_note(t, k, r.kpis[k]) for k in ("profit", "realized_value", "influence_value")}
    assert exact["profit"]  # this customer's profit is shown rounded
    assert helps[t.metric("realized_value")] == t.metric_help("realized_value", per_customer=True) + exact["realized_value"]
    assert helps[t.metric("realized_value")] != t.metric_help("realized_value")  # one customer, not "the customers"
    assert helps[t.metric("influence_value")] == t.metric_help("influence_value", per_customer=True,
                                                                n=t.num(r.kpis["referrals"] or 0)) + exact["influence_value"]
    assert helps[t.metric("profit")] == t.metric_help("profit") + exact["profit"]  # one definition for one customer and all
    # Profile with translated category values, named as the registry names the dimensions.
    profile = at.dataframe[0].value
    values = dict(zip(profile.iloc[:, 0], profile.iloc[:, 1], strict=True))
    assert values[t.dimension("segment")] == t.value("segment", "Key account")
    assert values[t.dimension("plan")] == t.value("plan", r.profile["plan"].iloc[0])
    assert values[t("common.customer_id")] == CID
    # Trend, stage strip, cost to serve (and the assessments chart when there are two or more).
    kinds = [s["data"][0]["type"] for s in plotly_specs(at)]
    assert kinds[:3] == ["bar", "bar", "bar"]
    assert len(at.tabs) == 7
    assert at.query_params["customer"] in (CID, [CID])


def test_unknown_id_says_so(refreshed_app_db):
    for lang in ("en", "zh"):
        at = start(lang, page=PAGE, customer="NO-SUCH-ID")
        assert_ok(at)
        t = Translator(lang)
        assert at.title[0].value == t("c360.title")
        assert [e.value for e in at.error] == [t.md("c360.unknown", id="NO-SUCH-ID")]  # the id escaped
        assert at.text_input(key="c360_query") is not None


def test_search_with_suggestions_opens_a_customer(refreshed_app_db):
    at = start("en", page=PAGE)
    assert_ok(at)
    assert at.title[0].value == "Customer 360" and not at.metric
    at.text_input(key="c360_query").set_value("C00219").run()
    assert_ok(at)
    pick = at.selectbox(key="c360_pick")
    assert len(pick.options) == 10 and pick.options[0].startswith("C002190 · ")
    pick.set_value(CID).run()
    assert_ok(at)
    assert at.query_params["customer"] in (CID, [CID])
    assert at.title[0].value == _report(refreshed_app_db).name
    # A search that matches nothing says so.
    at2 = start("zh", page=PAGE)
    at2.text_input(key="c360_query").set_value("没有这个客户").run()
    assert any("没有编号或名称包含" in i.value for i in at2.info)


def add_feedback(path, customer_id: str, text: str) -> None:
    """Store one complaint with ``text`` for ``customer_id`` (as an upload would)."""
    con = db.connect(path)
    with db.write(con) as cur:
        insert(cur, "feedback", [{"feedback_id": "HOSTILE1", "customer_id": customer_id,
                                  "feedback_date": D("2026-10-20"), "kind": "complaint", "nps_score": 0,
                                  "channel": "App", "topic": "Billing", "text": text}])
    con.close()


def test_hostile_feedback_is_shown_as_text(app_db):
    add_feedback(app_db, CID, HOSTILE)
    at = start("en", page=PAGE, customer=CID)
    assert_ok(at)
    tables = [df.value for df in at.dataframe]
    feedback = next(df for df in tables if "text" in df.columns)
    assert HOSTILE in feedback["text"].tolist()
    # Nothing renders it as Markdown or HTML.
    for el in (*at.markdown, *at.caption, *at.info, *at.warning, *at.error):
        assert "<script>" not in el.value and "pwned" not in el.value
    # The only raw HTML is the house style sheet (a <style> block), which carries nothing from the data.
    assert all(h.proto.body.startswith("<style>") and "pwned" not in h.proto.body for h in at.get("html"))


def test_customer_links_from_the_lifecycle_page_open_here(refreshed_app_db):
    at = start("en", page="views/lifecycle.py")
    cid = at.dataframe[0].value["customer_id"].iloc[0]  # the id a click opens (ui.drill)
    opened = start("en", page=PAGE, customer=cid, back="lifecycle")
    assert_ok(opened)
    assert opened.title[0].value == _report(refreshed_app_db, cid).name
    assert metrics(opened)["Lifecycle stage"] == "Dormant"
    assert opened.get("page_link")[0].proto.label == "Back to Lifecycle"



def test_without_a_customer_the_page_offers_starting_points(refreshed_app_db, demo_con):
    """No id: the filter's ten most profitable and ten most loss-making customers, as links here."""
    from analytics import profit

    at = start("en", page="views/customer.py")
    assert_ok(at)
    assert [s.value for s in at.main.subheader] == ["Most profitable customers this period",
                                               "Customers losing most this period"]
    top, loss = (df.value for df in at.dataframe)
    with db.cursor(demo_con) as cur:  # the same data as the app's copy
        pnl = profit.customer_pnl(cur, Filters("2025-11-01", "2026-10-31")).customers
    expect_top = pnl.head(10)["customer_id"].tolist()
    expect_loss = pnl.sort_values(["profit", "customer_id"]).head(10)["customer_id"].tolist()
    assert list(top["customer_id"]) == expect_top  # plain ids: a click opens that customer here
    assert list(loss["customer_id"]) == expect_loss
