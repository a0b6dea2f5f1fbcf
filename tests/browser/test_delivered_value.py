"""The Delivered value page in headless Chromium: selecting points on the win-win map lists the
customers (with links to the customer page), the period slider steps the map, both languages.

Screenshots go to artifacts/screenshots/ (delivered_value_selection.png, delivered_value_step_zh.png).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser import driver
from tests.browser.driver import SHOTS

pytestmark = pytest.mark.browser


def _map(page, title: str):
    return page.locator(f'.js-plotly-plot:has-text("{title}")')


def test_box_selection_lists_the_customers(app_url, browser):
    page = browser.new_page(viewport={"width": 1500, "height": 2400})
    try:
        driver.open_page(page, app_url, "delivered_value", "lang=en")
        assert driver.exceptions(page) == []
        assert page.locator("h1").first.inner_text() == "Customer delivered value"
        win_map = _map(page, "Win-win map")
        drag_layer = win_map.locator(".nsewdrag").first
        drag_layer.wait_for(state="visible", timeout=120_000)
        assert page.locator(".js-plotly-plot").count() == 6
        assert page.get_by_text("Select points on the win-win map").count() == 1
        win_map.scroll_into_view_if_needed()
        driver.box_select_tool(win_map)  # a drag pans; many customers are the toolbar's box tool
        box = drag_layer.bounding_box()
        # A box over the upper right of the plot: the win-win quadrant (delivered value > 0, profit > 0).
        x0, y0 = box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.08
        x1, y1 = box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.4
        page.mouse.move(x0, y0)
        page.mouse.down()
        page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=5)
        page.mouse.move(x1, y1, steps=5)
        driver.rerun(page, page.mouse.up, timeout_s=240)  # slow when the machine is busy
        heading = page.get_by_text(re.compile(r"^Selected customers \(\d[\d,]*\)$"))
        expect(heading).to_be_visible(timeout=60_000)
        n = int(re.sub(r"\D", "", heading.inner_text()))
        assert n > 0
        assert page.get_by_text("Select points on the win-win map").count() == 0
        assert driver.exceptions(page) == []
        page.screenshot(path=SHOTS / "delivered_value_selection.png", full_page=True)
    finally:
        page.close()


def test_period_slider_steps_the_map_in_chinese(app_url, browser):
    page = browser.new_page(viewport={"width": 1500, "height": 2400})
    try:
        driver.open_page(page, app_url, "delivered_value", "lang=zh&segment=Corporate")
        assert page.locator("h1").first.inner_text() == "客户让渡价值"
        title = _map(page, "双赢图").locator(".gtitle")
        assert "2025年11月1日 – 2026年10月31日" in title.text_content()
        page.locator('[data-testid="stSlider"]:has-text("显示期间") input[type=range]').focus()
        driver.rerun(page, lambda: page.keyboard.press("ArrowRight"))
        assert "2025年11月1日 – 2025年11月30日" in title.text_content()
        assert driver.exceptions(page) == []
        assert "segment=Corporate" in page.url
        page.screenshot(path=SHOTS / "delivered_value_step_zh.png", full_page=True)
    finally:
        page.close()
