"""The Present page in AppTest: setting up, presenting step by step, saved improvement plans after the
story (their slides, the deck), saving and reopening by link."""

from __future__ import annotations

import io
import json

import pytest

from analytics import filters, report
from analytics import scenario as sc
from analytics.filters import Filters
from analytics.store import audit, db, schema
from i18n import Translator
from i18n.markdown import escape, html_text
from presentation import plan as plan_slides
from presentation import saved, story
from tests.ui.apptest import assert_ok, metrics, plotly_specs, start

PAGE = "views/present.py"
# Two plans as the Improvement plans page saves them (tests/ui/test_plans.py builds the same levers).
PLANS = {
    "Cut delivery cost + support fees": (
        sc.ProcessImprovement(activity="delivery", cut=0.15, customers=sc.Selector.loss_makers()),
        sc.ActivityPricing(activity="support_call", fee=30, allowance=12, behaviour_share=0.5)),
    "最低订单 ¥200": (sc.MinimumOrder(minimum=200, consolidate_share=0.3, order_activities=("delivery",)),),
}


def _truth(demo_con, lang: str, key: str, **kw: tuple[str, ...]) -> tuple[dict, story.Slide]:
    """``report --json`` figures and the step's slide on the demo store (app_db is a copy of it) for
    the app's default period and filters ``kw``."""
    with db.cursor(demo_con) as cur:
        f = Filters(*filters.latest_period(cur), **kw)
        return report.build(cur, f), story.slide(cur, f, Translator(lang, db.currency(cur)), key)


def _app_connection():
    """The app's own connection (AppTest runs in this process; DuckDB allows one configuration per file)."""
    from ui import cache

    return cache.connection()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_setup_shows_the_first_step_with_its_figures(app_db, demo_con, lang):
    at = start(lang, page=PAGE)
    assert_ok(at)
    t = Translator(lang, "CNY")
    assert at.title[0].value == t("pres.title")
    assert at.multiselect(key="pres_steps").value == list(story.default_story())
    rep, slide = _truth(demo_con, lang, "concentration")
    m = metrics(at)
    # Headline values are shown as text (one may be a name from the data): Markdown-escaped.
    assert m[t.metric("top20_profit_share")] == escape(t.pct(rep["top20_profit_share"], 0))
    assert m[t.metric("customers")] == escape(t.num(rep["customers"]))
    assert len(plotly_specs(at)) == 1
    assert any(html_text(slide.takeaway) in md.value for md in at.markdown)
    assert at.get("download_button"), "deck, PDF and image downloads are offered"


def test_presenting_steps_forward_and_back_and_exits(app_db):
    at = start("en", page=PAGE)
    at.multiselect(key="pres_steps").set_value(["concentration", "loss_makers", "profit_bridge"]).run()
    at.button(key="pres_start").click().run()
    assert_ok(at)
    assert at.title[0].value == "Profit concentration: the whale curve"
    assert at.query_params["show"] in ("1", ["1"])
    styles = [h.proto.body for h in at.get("html")]
    assert any('[data-testid="stSidebar"]' in s and "display: none" in s for s in styles)
    spec = plotly_specs(at)[0]
    assert spec["layout"]["font"]["size"] == 20  # projector text (house 13 px × 1.5)
    at.button(key="pres_next").click().run()
    assert at.title[0].value == "Loss-makers: gains and losses by segment"
    assert any(p.value == "2 / 3" or "2 / 3" in p.value for p in at.markdown)
    at.button(key="pres_next").click().run()
    assert at.title[0].value == "From revenue to customer profit"
    assert at.button(key="pres_next").disabled and not at.button(key="pres_prev").disabled  # the last step
    at.button(key="pres_prev").click().run()
    assert at.title[0].value == "Loss-makers: gains and losses by segment"
    at.button(key="pres_exit").click().run()
    assert at.title[0].value == "Present and export"
    # the sidebar is shown again: no rule hides it (the house CSS names the sidebar too, for its own padding)
    assert not any('[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"]' in h.proto.body
                   for h in at.get("html"))


def test_dark_theme_restyles_the_chart(app_db):
    at = start("en", page=PAGE, theme="dark", show="1")
    assert_ok(at)
    spec = plotly_specs(at)[0]
    assert spec["layout"]["paper_bgcolor"] == "#0b1220"
    assert any("background: #0b1220" in h.proto.body for h in at.get("html"))


def test_save_then_reopen_by_link(app_db, demo_con, monkeypatch):
    monkeypatch.setenv("CVM_USER", "presenter")
    at = start("zh", page=PAGE, segment="Corporate")
    at.multiselect(key="pres_steps").set_value(["loss_makers", "concentration"]).run()
    at.text_input(key="pres_save_name").input("周例会").run()
    at.button(key="pres_save").click().run()
    assert_ok(at)
    assert any("已保存“周例会”" in s.value for s in at.success)
    con = _app_connection()
    with db.cursor(con) as cur:
        s = saved.load(cur, "周例会")
        payload = json.loads(cur.execute(f"SELECT payload FROM {schema.SAVED_VIEWS}").fetchone()[0])
        history = audit.history(cur, schema.SAVED_VIEWS)
    assert s.steps == ("loss_makers", "concentration") and s.filters.segments == ("Corporate",)
    assert payload["period"] == "latest" and payload["filters"] == {"segment": "Corporate"}
    assert list(history["user_name"]) == ["presenter"]
    assert any(saved.link(s, "zh") in c.value for c in at.code)

    # A new visitor opens the link without any filter in it: the story's filters come with it.
    again = start("en", page=PAGE, story="周例会")
    assert_ok(again)
    assert again.multiselect(key="pres_steps").value == ["loss_makers", "concentration"]
    assert again.multiselect(key="flt_segments").value == ["Corporate"]
    assert again.subheader[-1].value.startswith("1. Loss-makers") or any(
        h.value.startswith("1. Loss-makers") for h in again.subheader)
    rep, _ = _truth(demo_con, "en", "loss_makers", segments=("Corporate",))
    assert metrics(again)["Loss-makers"] == f"{rep['loss_customers']:,}"


def test_missing_story_link_says_so(app_db):
    at = start("en", page=PAGE, story="nobody saved this")
    assert_ok(at)
    assert any("No story named “nobody saved this”" in w.value for w in at.warning)
    assert at.multiselect(key="pres_steps").value == list(story.default_story())


def test_bad_name_is_refused(app_db):
    at = start("en", page=PAGE)
    at.button(key="pres_save").click().run()
    assert any("a story needs a name" in e.value for e in at.error)


def test_open_a_saved_story_from_the_list(app_db):
    con = _app_connection()
    saved.save(con, "regions", ["profit_bridge", "monthly"], Filters(regions=("East",)), theme="dark")
    at = start("en", page=PAGE)
    at.selectbox(key="pres_open_name").set_value("regions").run()
    at.button(key="pres_load").click().run()
    assert_ok(at)
    assert at.multiselect(key="pres_steps").value == ["profit_bridge", "monthly"]
    assert at.multiselect(key="flt_regions").value == ["East"]
    assert at.query_params["story"] in ("regions", ["regions"])
    assert any(h.value.startswith("1. From revenue to customer profit") for h in at.subheader)


def test_without_chromium_the_page_says_so_and_keeps_tables(app_db, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    at = start("en", page=PAGE)
    assert_ok(at)
    assert any("cannot make images, decks or PDFs" in w.value for w in at.warning)
    buttons = {b.proto.label: b for b in at.get("download_button")}
    assert buttons["PowerPoint"].proto.disabled and buttons["Image PNG"].proto.disabled
    assert not buttons["Excel tables"].proto.disabled


def _save_plans() -> list[str]:
    """The two plans saved in the app's store."""
    con = _app_connection()
    for name, levers in PLANS.items():
        sc.plans.save(con, name, levers, author="finance", description="present test")
    return list(PLANS)


def _deferred_downloads(monkeypatch) -> dict[str, object]:
    """The page's deferred downloads by file name, kept as the page registers them (AppTest's media manager
    lives for one run only, and a deferred file is built when its button is clicked in a browser)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    found: dict[str, object] = {}
    register = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        found[file_name] = data_callable
        return register(self, data_callable, mimetype, coordinates, file_name=file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_saved_plans_follow_the_story_marked_as_projections(app_db, monkeypatch, lang):
    first, second = _save_plans()
    files = _deferred_downloads(monkeypatch)
    t = Translator(lang, "CNY")
    at = start(lang, page=PAGE)
    assert_ok(at)
    picker = at.multiselect(key="pres_plans")
    assert sorted(picker.options) == sorted(PLANS) and picker.value == []  # every saved plan, none chosen
    at.multiselect(key="pres_steps").set_value(["concentration"])
    picker.set_value([first, second]).run()
    assert_ok(at)
    titles = [t(story.REGISTRY["concentration"].title), *plan_slides.titles(first, t), *plan_slides.titles(second, t)]
    marker = "（预测）" if lang == "zh" else "(projection)"
    assert all(marker in title for title in titles[1:]) and marker not in titles[0]
    assert any(t("pres.sequence", steps=" → ".join(f"{i}. {x}" for i, x in enumerate(titles, 1))) in c.value
               for c in at.caption)

    # The slides the deck builds, on the app's store and filters.
    con = _app_connection()
    with db.cursor(con) as cur:
        f = Filters(*filters.latest_period(cur))
        expected = {n: plan_slides.named_slides(cur, f, t, n) for n in (first, second)}

    at.button(key="pres_start").click().run()
    assert_ok(at)
    assert at.title[0].value == titles[0]
    for i, name in enumerate((first, first, second, second)):
        at.button(key="pres_next").click().run()
        assert_ok(at)
        slide = expected[name][i % 2]
        assert at.title[0].value == titles[i + 1] == slide.title
        assert any(f"{i + 2} / 5" in m.value for m in at.markdown)
        shown = metrics(at)
        # every headline figure as the deck writes it, named "(projected)"
        assert {h.label: escape(h.value) for h in slide.headlines}.items() <= shown.items()
        assert all(label.endswith(t("plans.card", figure="")) for label in shown)
        assert any(html_text(slide.takeaway) in m.value for m in at.markdown)
        # the caveat and each lever with its assumptions on the screen: above the chart, or beside it when long
        assert slide.notes[0] == t("scenario.deck.note")
        for note in slide.notes:
            assert any(escape(note) in c.value for c in at.caption) or any(html_text(note) in m.value for m in at.markdown)
        assert len(plotly_specs(at)) == 1
    assert at.button(key="pres_next").disabled
    at.button(key="pres_prev").click().run()
    assert at.title[0].value == titles[3]
    at.button(key="pres_exit").click().run()
    assert_ok(at)

    # The page's deck holds the story's slide, then each plan's two, then the appendix tables.
    from pptx import Presentation

    deck = Presentation(io.BytesIO(files[f"{t('pres.file_stem')}.pptx"]()))
    heads = [next(sh.text_frame.text for sh in page.shapes if sh.has_text_frame) for page in deck.slides]
    assert heads[1:6] == titles
    assert t("pres.appendix.title", title=t("scenario.deck.figures", name=second)) in heads


def test_a_saved_story_reopens_with_its_plans(app_db):
    _, second = _save_plans()
    at = start("zh", page=PAGE)
    at.multiselect(key="pres_steps").set_value(["concentration"])
    at.multiselect(key="pres_plans").set_value([second])
    at.text_input(key="pres_save_name").input("董事会").run()
    at.button(key="pres_save").click().run()
    assert_ok(at)
    with db.cursor(_app_connection()) as cur:
        assert saved.load(cur, "董事会").plans == (second,)

    again = start("en", page=PAGE, story="董事会")
    assert_ok(again)
    assert again.multiselect(key="pres_plans").value == [second]
    assert any(f"2. {plan_slides.titles(second, Translator('en'))[0]}" in c.value for c in again.caption)

    # A plan deleted since leaves the story, which says so.
    sc.plans.delete(_app_connection(), second)
    third = start("en", page=PAGE, story="董事会")
    assert_ok(third)
    assert third.multiselect(key="pres_plans").value == []
    assert any(f"These plans were deleted and were left out: {escape(second)}" in w.value for w in third.warning)
