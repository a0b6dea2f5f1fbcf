"""The Present page in Chromium: no sidebar while presenting, arrow keys (and a remote's Page Up/Down)
step, Esc exits, the deck downloads.

Screenshots go to artifacts/screenshots/present_*.png.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from i18n import Translator
from presentation import story
from tests.browser import driver

pytestmark = pytest.mark.browser
SHOTS = driver.SHOTS


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
            driver.wait_rendered(page)  # a key pressed while the page still runs could be taken for the old one
            page.keyboard.press(key)
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
        page.keyboard.press("Escape")
        expect(page.locator("h1").first).to_have_text("Present and export", timeout=60_000)
        driver.wait_rendered(page)
        with page.expect_download(timeout=120_000) as info:
            page.get_by_role("button", name="PowerPoint").click()
        path = tmp_path / "story.pptx"
        info.value.save_as(path)
        deck = Presentation(str(path))
        assert len(deck.slides) >= 1 + len(story.default_story())
        assert any(sh.shape_type == 13 for sh in deck.slides[1].shapes)  # the chart picture
    finally:
        page.close()
