"""Plain language first (issue 19): each analysis page leads with one sentence an executive understands,
with the page's key numbers (those of ``report --json``), and no text outside a "how this was computed"
expander carries a test statistic, a model's code or an infinity."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1.element_tree import Block, Expander

import cli
from i18n import Translator
from tests.ui.apptest import assert_ok, start

# what an executive should never have to read on the page itself
JARGON = ("p =", "p=", "sup-F", "ETS(", "infinite", "无穷", "Davies", "GLM", "a month per month")


def visible_texts(node: object) -> list[str]:
    """Every text of the page outside expanders: titles, markdown, captions, alerts, metric labels and values."""
    if isinstance(node, Expander):
        return []
    if isinstance(node, Block):
        return [x for child in node.children.values() for x in visible_texts(child)]
    out = []
    for attr in ("value", "label", "body"):
        try:
            v = getattr(node, attr)
        except Exception:  # an element without that field
            continue
        if isinstance(v, str):
            out.append(v)
    return out


def expander_texts(at: object) -> str:
    return " ".join(x for e in at.expander for child in e.children.values() for x in visible_texts(child))


@pytest.fixture(scope="module")
def report(demo_path) -> dict:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["report", "--db", str(demo_path), "--json"]) == 0
    return json.loads(out.getvalue())


def lead_of(at: object) -> str:
    """The page's first sentence: its first info box, which comes before any chart or card."""
    assert at.info, "no lead sentence"
    return at.info[0].value


def expected_figures(page: str, out: dict, t: Translator) -> list[str]:
    m = lambda v: t.money(v, compact=True)  # noqa: E731
    if page == "concentration":
        return [t.pct(out["top20_profit_share"], 0), t.pct(out["whale_peak_share"], 0),
                t.pct(out["whale_peak_customer_share"], 0), t.num(out["loss_customers"]), m(-out["loss_profit"]),
                m(out["total_profit"])]  # the total: why 179 % is possible
    if page == "word_of_mouth":
        return [t.num(out["nps"], 1), t.num(out["praise"]), t.num(out["complaints"]),
                t.num(out["quality_threshold"], 1)]
    if page == "customer_value":
        core = out["tier_counts"]["high/high"]
        return [m(out["realized_value"]), m(out["potential_value"]), t.num(core),
                m(out["realized_value"] + out["potential_value"])]
    if page == "delivered_value":
        return [t.pct(out["winwin_share"], 0), t.pct(out["share_below_expectation"], 0),
                t.num(out["delivered_value_mean"], 2)]
    if page == "lifecycle":
        c = out["stage_counts"]
        return [t.num(c["new"] + c["active"] + c["reactivated"]), t.num(c["dormant"]), t.num(c["lost"])]
    raise AssertionError(page)


PAGES = ("concentration", "word_of_mouth", "customer_value", "delivered_value", "lifecycle")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("page", PAGES)
def test_page_leads_with_a_plain_sentence_and_keeps_statistics_in_expanders(refreshed_app_db, report, page, lang):
    t = Translator(lang)
    at = start(lang, page=f"views/{page}.py", timeout=300)
    assert_ok(at)
    lead = lead_of(at)
    for figure in expected_figures(page, report, t):
        assert figure in lead, (figure, lead)
    texts = visible_texts(at.main)
    # the lead comes first: right after the title and its caption lines, before any card
    first_metric = next(i for i, x in enumerate(texts) if any(x == mt.label for mt in at.metric))
    assert texts.index(lead) < first_metric
    for text in texts:
        assert not any(j in text for j in JARGON), text
    if page == "word_of_mouth":  # the statistics are still on the page, in the expanders
        hidden = expander_texts(at)
        assert "Davies" in hidden and ("ETS(" in hidden or "STL" in hidden)
    if page == "customer_value":  # shares above 100 % said in words beside the tier grid
        assert any(t("cv.cell.stats", n="x", share="y").split("y")[-1] in x for x in texts)
        assert any(x.startswith(t("lead.tier_shares", total="", gains="", losses="", over="")[:12]) for x in texts)
