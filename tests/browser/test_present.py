"""The Present page in Chromium: no sidebar while presenting, arrow keys (and a remote's Page Up/Down)
step, Esc exits, the deck downloads, a saved story's improvement plans follow its steps.

Screenshots go to artifacts/screenshots/present_*.png.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from analytics import filters
from analytics import scenario as sc
from analytics.filters import Filters
from analytics.store import db
from i18n import Translator
from presentation import plan as plan_slides
from presentation import saved, story
from tests.browser import driver
from tests.helpers import refreshed

pytestmark = pytest.mark.browser
SHOTS = driver.SHOTS
STORY = "董事会 · plans"
PLANS = {
    "Remote support first": (
        sc.ChannelMigration(from_activity="onsite_support", to_activity="support_call", share=0.4, units_per_unit=3),
        sc.ActivityPricing(activity="rush_order", fee=200, allowance=3, behaviour_share=0.5,
                           customers=sc.Selector.loss_makers())),
    "合作伙伴接手亏损的大众客户": (
        sc.RelationshipTransition(mode="partner", margin_share=0.1,
                                  customers=sc.Selector("segment", ("Mass",), loss_makers_only=True)),),
}


def prepare(db_path: Path) -> None:
    """Two saved plans and a story of one chart followed by both plans."""
    con = db.connect(db_path)
    for name, levers in PLANS.items():
        sc.plans.save(con, name, levers, author="finance")
    with db.cursor(con) as cur:
        latest = Filters(*filters.latest_period(cur))
    saved.save(con, STORY, ["concentration"], latest, plans=list(PLANS))
    con.close()
    refreshed(db_path)  # plans and stories change no data: the stored fits are carried over (a second)


@pytest.fixture(scope="module")
def app_url(demo_refreshed_path: Path, tmp_path_factory: pytest.TempPathFactory):
    with driver.app_on_copy(demo_refreshed_path, tmp_path_factory.mktemp("browser_present"), prepare=prepare) as url:
        yield url


def test_keyboard_steps_through_the_story(app_url, browser):
    zh = Translator("zh")
    titles = [zh(story.REGISTRY[k].title) for k in story.default_story()]
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    try:
        driver.open_page(page, app_url, "present", "lang=zh&show=1")
        heading = page.locator("h1").first
        expect(heading).to_have_text(titles[0], timeout=60_000)
        assert not page.locator('[data-testid="stSidebar"]').is_visible()
        assert page.locator(".js-plotly-plot").count() == 1
        page.screenshot(path=SHOTS / "present_show_zh.png")
        steps = (("ArrowRight", titles[1]), ("ArrowLeft", titles[0]), ("PageDown", titles[1]),  # a presenter remote
                 ("PageUp", titles[0]), ("Escape", zh("pres.title")))
        for key, title in steps:
            # each key waits for the run of the one before: a key pressed during a run could be taken for the old slide
            driver.rerun(page, lambda key=key: page.keyboard.press(key))
            expect(heading).to_have_text(title, timeout=60_000)
        assert driver.exceptions(page) == []
        expect(page.locator('[data-testid="stSidebar"]')).to_be_visible()
    finally:
        page.close()


def test_dark_theme_and_the_deck_download(app_url, browser, tmp_path):
    from pptx import Presentation

    page = browser.new_page(viewport={"width": 1500, "height": 1600}, accept_downloads=True)
    try:
        driver.open_page(page, app_url, "present", "lang=en&theme=dark&show=1")
        page.screenshot(path=SHOTS / "present_show_dark_en.png")
        background = page.evaluate("getComputedStyle(document.querySelector('.stApp')).backgroundColor")
        assert background == "rgb(11, 18, 32)"
        driver.rerun(page, lambda: page.keyboard.press("Escape"))
        expect(page.locator("h1").first).to_have_text("Present and export", timeout=60_000)
        with page.expect_download(timeout=120_000) as info:
            page.get_by_role("button", name="PowerPoint").click()
        path = tmp_path / "story.pptx"
        info.value.save_as(path)
        deck = Presentation(str(path))
        assert len(deck.slides) >= 1 + len(story.default_story())
        en = Translator("en")
        first = deck.slides[1]
        assert first.shapes.title.text == en(story.REGISTRY[story.default_story()[0]].title)  # the title placeholder
        chart = next(sh for sh in first.shapes if sh.has_chart).chart  # native, editable (issue 19)
        series = chart.plots[0].series  # carrying the data: the whale curve's points
        assert series[0].name and len(list(series[0].values)) > 1
        with page.expect_download(timeout=120_000) as info:
            page.get_by_role("button", name="PDF").click()
        pdf = tmp_path / "story.pdf"
        info.value.save_as(pdf)
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60).stdout
        flat = " ".join(text.split())
        for k in story.default_story():  # the PDF's text holds every slide title (real text, not pictures)
            assert en(story.REGISTRY[k].title) in flat
    finally:
        page.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_arrow_keys_step_into_the_plans_slides(app_url, browser, lang):
    t = Translator(lang, "CNY")
    first, second = PLANS
    titles = [t(story.REGISTRY["concentration"].title), *plan_slides.titles(first, t), *plan_slides.titles(second, t)]
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    try:
        query = urlencode({"lang": lang, "story": STORY, "show": "1"})
        driver.open_page(page, app_url, "present", query, until=".js-plotly-plot")
        heading = page.locator("h1").first
        expect(heading).to_have_text(titles[0], timeout=60_000)
        for i, shot in ((1, "plan"), (2, "plan_levers")):
            driver.rerun(page, lambda: page.keyboard.press("ArrowRight"))
            expect(heading).to_have_text(titles[i], timeout=120_000)
            expect(page.get_by_text(f"{i + 1} / 5", exact=True)).to_be_visible(timeout=60_000)
            expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=120_000)
            expect(page.get_by_text(t("scenario.deck.note"), exact=False).first).to_be_visible(timeout=60_000)
            assert not page.locator('[data-testid="stSidebar"]').is_visible()
            assert page.locator(".js-plotly-plot").count() == 1
            page.screenshot(path=SHOTS / f"present_{shot}_{lang}.png")
        # the headline figures say they are projected
        expect(page.get_by_text(t("plans.card", figure=t("plans.cmp.total_change"))).first).to_be_visible()
        driver.rerun(page, lambda: page.keyboard.press("ArrowRight"))
        expect(heading).to_have_text(titles[3], timeout=120_000)
        # Setting up again: the plans beside the charts, and the current slide in the preview.
        driver.rerun(page, lambda: page.keyboard.press("Escape"))
        expect(heading).to_have_text(t("pres.title"), timeout=60_000)
        expect(page.get_by_role("heading", name=f"4. {titles[3]}")).to_be_visible(timeout=120_000)
        picked = page.locator(".st-key-pres_plans")
        for name in PLANS:
            expect(picked.get_by_text(name)).to_be_visible()
        page.set_viewport_size({"width": 1500, "height": 1500})
        page.screenshot(path=SHOTS / f"present_plans_setup_{lang}.png")
        assert driver.exceptions(page) == []
    finally:
        page.close()
