"""The Lifecycle page in Chromium: figures and charts render in both languages, a rule changes the
stages, and a dormant customer's id opens its Customer 360 page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import driver
from tests.browser.driver import SHOTS

pytestmark = pytest.mark.browser


def _metric(page, label: str) -> str:
    card = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return card.locator('[data-testid="stMetricValue"]').inner_text()


def test_lifecycle_in_chinese(app_url, browser):
    page = browser.new_page(viewport={"width": 1500, "height": 3600})
    try:
        driver.open_page(page, app_url, "lifecycle", "lang=zh", until=".js-plotly-plot", count=3)
        assert driver.exceptions(page) == []
        assert page.locator("h1").first.inner_text() == "客户生命周期"
        assert page.locator('[data-testid="stMetric"]').count() >= 10  # six stage cards, four payback cards
        assert _metric(page, "休眠客户").replace(",", "").isdigit()
        assert page.locator("g.sankey").count() == 1  # the transitions diagram was drawn
        assert page.get_by_text("最值得唤醒的休眠客户").count() == 1
        page.screenshot(path=SHOTS / "lifecycle_detail_zh.png", full_page=True)
    finally:
        page.close()


def test_lifecycle_link_and_rules_in_english(app_url, browser):
    page = browser.new_page(viewport={"width": 1500, "height": 3600})
    try:
        driver.open_page(page, app_url, "lifecycle", "lang=en", until=".js-plotly-plot", count=3)
        assert driver.exceptions(page) == []
        assert page.locator("h1").first.inner_text() == "Customer lifecycle"
        assert page.locator("g.sankey").count() == 1
        page.screenshot(path=SHOTS / "lifecycle_detail_en.png", full_page=True)

        # A dormant customer's id in the table opens its Customer 360 page in this tab, with a way back.
        grid = page.locator('[data-testid="stDataFrame"]').first
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        x, y = box["x"] + 70, box["y"] + 35 + 17  # the first row's customer id, after the row marker
        page.mouse.move(x, y)
        page.mouse.click(x, y)
        back = page.get_by_role("link", name="Back to Lifecycle")
        expect(back).to_be_visible(timeout=120_000)
        driver.ready(page, '[data-testid="stMetric"]', 12)
        assert "/customer?customer=C" in page.url and "lang=en" in page.url
        assert len(page.context.pages) == 1
        assert driver.exceptions(page) == []
        name = page.locator("h1").first.inner_text()
        assert name and name != "Customer 360"
        assert _metric(page, "Lifecycle stage") == "Dormant"
        page.screenshot(path=SHOTS / "customer_from_lifecycle_en.png", full_page=True)
        back.click()
        driver.ready(page, "g.sankey")

        # A rule changes the stages.
        before = _metric(page, "Dormant")
        page.get_by_text("Stage rules (adjustable)").click()
        box = page.get_by_role("spinbutton", name="Dormant after (days)")
        box.fill("60")
        driver.rerun(page, lambda: box.press("Enter"))
        page.wait_for_function(
            "() => [...document.querySelectorAll('[data-testid=stCaptionContainer]')]"
            ".some(e => e.innerText.includes('no purchase for 60 days or more'))", timeout=120_000)
        assert _metric(page, "Dormant") != before
        assert driver.exceptions(page) == []
    finally:
        page.close()
