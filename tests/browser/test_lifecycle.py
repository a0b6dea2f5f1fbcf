"""The Lifecycle page in Chromium: figures and charts render in both languages, a rule changes the
stages, and a dormant customer's id opens its Customer 360 page."""

from __future__ import annotations

import pytest

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

        # A dormant customer's id in the table opens its Customer 360 page (in a new tab).
        grid = page.locator('[data-testid="stDataFrame"]').first
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        x, y = box["x"] + 30, box["y"] + 35 + 17  # the first row's customer id (the header is 35 px)
        page.mouse.move(x, y)
        with page.context.expect_page() as popup:
            page.mouse.click(x, y)
        customer = popup.value
        driver.ready(customer, '[data-testid="stMetric"]', 12)
        assert "/customer?customer=C" in customer.url and "lang=en" in customer.url
        assert driver.exceptions(customer) == []
        name = customer.locator("h1").first.inner_text()
        assert name and name != "Customer 360"
        assert _metric(customer, "Lifecycle stage") == "Dormant"
        customer.screenshot(path=SHOTS / "customer_from_lifecycle_en.png", full_page=True)
        customer.close()

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
