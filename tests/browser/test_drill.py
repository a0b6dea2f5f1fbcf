"""Drill-through in place, in Chromium: a customer clicked in a table opens Customer 360 in the same tab
and session (no new tab), and its back link returns to the page with the same filter and choices."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser import driver
from tests.browser.driver import SHOTS

pytestmark = pytest.mark.browser

TABLE = ".st-key-conc_table_top"
ID_X, FIRST_ROW_Y = 125, 35 + 17  # the customer-id column (after the row marker and the rank); below the header


@pytest.mark.parametrize("lang,back", [("en", "Back to Profit concentration"), ("zh", "返回利润集中度")])
def test_customer_opens_in_the_same_tab_and_back_keeps_the_filter(app_url, browser, lang, back):
    context = browser.new_context(viewport={"width": 1500, "height": 1400})
    try:
        page = context.new_page()
        driver.open_page(page, app_url, "concentration", f"lang={lang}&region=East&compare_by=region", until=TABLE)
        assert driver.exceptions(page) == []
        grid = page.locator(TABLE)
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        page.mouse.move(box["x"] + ID_X, box["y"] + FIRST_ROW_Y)
        page.mouse.click(box["x"] + ID_X, box["y"] + FIRST_ROW_Y)

        # Customer 360 in this tab: no popup, the customer, filter and way back in its address.
        link = page.get_by_role("link", name=back)
        expect(link).to_be_visible(timeout=120_000)
        expect(page.locator('[data-testid="stMetric"]').first).to_be_visible(timeout=120_000)
        assert len(context.pages) == 1
        assert re.search(r"/customer\?customer=C\d+", page.url), page.url
        assert "region=East" in page.url and "back=concentration" in page.url
        assert driver.exceptions(page) == []
        page.screenshot(path=SHOTS / f"drill_customer_{lang}.png")

        # Back: the page of origin with the same filter and its own choice, still in this tab.
        link.click()
        expect(page.locator(TABLE)).to_be_visible(timeout=120_000)
        assert len(context.pages) == 1
        assert "/concentration?" in page.url and "region=East" in page.url and "compare_by=region" in page.url
        tags = page.locator('[data-testid="stSidebar"] [data-tag]')
        expect(tags).to_have_count(1)  # the filter: East, and nothing else
        expect(tags.first).to_contain_text("East" if lang == "en" else "华东")
        chosen = page.locator('.st-key-conc_dim button[aria-checked="true"]')  # "Compare by": still Region
        expect(chosen).to_have_text("Region" if lang == "en" else "区域")
        page.screenshot(path=SHOTS / f"drill_back_{lang}.png")
    finally:
        context.close()


@pytest.mark.parametrize("lang,chip,clear", [("en", "Filtered by Segment:", "Clear"), ("zh", "已按客户细分", "清除")])
def test_a_bar_on_overview_filters_every_page_until_cleared(app_url, browser, lang, chip, clear):
    context = browser.new_context(viewport={"width": 1500, "height": 1400})
    try:
        page = context.new_page()
        driver.open_page(page, app_url, "overview", f"lang={lang}", until=".st-key-ov_segments .js-plotly-plot")
        bar = page.locator(".st-key-ov_segments g.barlayer g.point path").last  # the most profitable segment
        bar.scroll_into_view_if_needed()
        box = bar.bounding_box()  # Plotly's drag layer lies over the bars: click where the bar is drawn
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        driver.rerun(page, lambda: page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2))
        notice = page.get_by_text(chip)
        expect(notice).to_be_visible(timeout=120_000)
        assert "segment=" in page.url
        page.screenshot(path=SHOTS / f"drill_chart_filter_{lang}.png")
        tags = page.locator('[data-testid="stSidebar"] [data-tag]')
        expect(tags).to_have_count(1)  # the sidebar's filter says it too
        # The filter holds on another page, with its chip; Clear there undoes it.
        page.locator('[data-testid="stSidebarNav"] a[href*="concentration"]').click()
        expect(page.get_by_text(chip)).to_be_visible(timeout=120_000)
        button = page.locator(".st-key-drill_chip_clear button")
        expect(button).to_contain_text(clear)
        button.click()
        expect(page.get_by_text(chip)).to_have_count(0, timeout=120_000)
        expect(tags).to_have_count(0)
        assert "segment=" not in page.url
    finally:
        context.close()


def test_clear_filters_clears_what_the_sidebar_shows(app_url, browser):
    """The sidebar's widgets show the filter that applies after Clear filters (and after a chip's Clear or
    an opened saved view, which set the filter the same way): forgetting their values left East shown."""
    context = browser.new_context(viewport={"width": 1500, "height": 1400})
    try:
        page = context.new_page()
        driver.open_page(page, app_url, "overview", "lang=en&region=East&from=2026-01-01&to=2026-03-31",
                         until=".js-plotly-plot")
        tags = page.locator('[data-testid="stSidebar"] [data-tag]')
        expect(tags).to_have_count(1)
        driver.rerun(page, lambda: page.get_by_role("button", name="Clear filters").click())
        expect(tags).to_have_count(0)
        assert "region=" not in page.url and "from=2026-01-01" not in page.url
        slider = page.locator('[data-testid="stSidebar"] [data-testid="stSliderThumbValue"]')
        expect(slider).to_have_count(2)
        expect(slider.first).not_to_have_text("Jan 2026")  # the default period, drawn as such
    finally:
        context.close()
