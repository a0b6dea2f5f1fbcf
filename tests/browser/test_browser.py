"""The real app in headless Chromium: every page in both languages, no exception, screenshots saved.

Screenshots go to artifacts/screenshots/ (look at them: a page not looked at is not done).
"""

from __future__ import annotations

import pytest

from tests.browser import driver

pytestmark = pytest.mark.browser
SHOTS = driver.SHOTS
PAGES = sorted(p.stem for p in (driver.ROOT / "views").glob("*.py"))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page_name", PAGES)
def test_page_in_browser(app_url, browser, page_name, lang):
    page = browser.new_page(viewport={"width": 1500, "height": 2400})
    try:
        driver.open_page(page, app_url, page_name, f"lang={lang}")
        page.screenshot(path=SHOTS / f"{page_name}_{lang}.png", full_page=True)
        assert driver.exceptions(page) == []
        assert not page.get_by_text("Page not found").count()
        title = page.locator("h1").first.inner_text()
        if lang == "zh":
            assert any("\u4e00" <= ch <= "\u9fff" for ch in title), title
        else:
            assert title.isascii(), title
    finally:
        page.close()


def test_filters_follow_the_link_and_the_widgets(app_url, browser):
    page = browser.new_page(viewport={"width": 1500, "height": 1800})
    try:
        driver.open_page(page, app_url, "overview", "lang=en")
        everyone = page.locator('[data-testid="stMetricValue"]').first.inner_text()
        driver.open_page(page, app_url, "overview", "lang=en&segment=Corporate&region=East")
        narrowed = page.locator('[data-testid="stMetricValue"]').first.inner_text()
        assert narrowed != everyone
        assert "segment=Corporate" in page.url and "region=East" in page.url
        # The language switch keeps the filters and rewrites the page.
        driver.rerun(page, page.locator("[data-testid=\"stSidebar\"]").get_by_text("中文", exact=True).click)
        assert "lang=zh" in page.url and "segment=Corporate" in page.url
        assert page.locator("h1").first.inner_text() == "客户价值概览"
        assert page.locator('[data-testid="stMetricValue"]').first.inner_text() == narrowed
    finally:
        page.close()
