"""Cross-filtering in Chromium (issue 19): a bar clicked on Delivered value's quadrant steps narrows the page
to that quadrant, a week clicked on Word of mouth's volumes narrows its customers and breakdown; a chip says
so, the link keeps it, and Clear restores the page. Both languages.

Screenshots: artifacts/screenshots/cross_filter_delivered_value_{en,zh}.png, cross_filter_word_of_mouth_{en,zh}.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from i18n import Translator
from tests.browser import driver
from tests.browser.driver import SHOTS

pytestmark = pytest.mark.browser
WAIT = 120_000  # ms; the machine may be busy


def _pattern(text: str) -> re.Pattern[str]:
    """``text`` with each NUL standing for any value (a count, a date) as a pattern."""
    return re.compile(".+".join(re.escape(part) for part in text.split("\0")))


def _click(page, locator) -> None:
    """Click where ``locator`` (a bar or marker) is drawn: Plotly's drag layer lies over it."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    driver.rerun(page, lambda: page.mouse.click(x, y), timeout_s=240)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_quadrant_bar_narrows_delivered_value_until_cleared(app_url, browser, lang):
    t = Translator(lang)
    context = browser.new_context(viewport={"width": 1500, "height": 1400})
    try:
        page = context.new_page()
        driver.open_page(page, app_url, "delivered_value", f"lang={lang}", until=".st-key-dv_steps .js-plotly-plot",
                         timeout_s=240)
        hint = page.get_by_text(t("dv.selected.hint"))
        expect(hint).to_be_visible(timeout=WAIT)
        win = t("dv.quadrant.win_win")
        # The last step's win-win bar (the first trace of the stacked bars).
        _click(page, page.locator(".st-key-dv_steps g.barlayer g.trace").first.locator("g.point path").last)

        chip = page.get_by_text(t("drill.pick_chip", dimension=t("dv.col.quadrant"), value=win))
        expect(chip).to_be_visible(timeout=WAIT)
        heading = page.get_by_text(_pattern(t("dv.quadrant_customers.title", quadrant=win, n="\0")))
        expect(heading).to_be_visible(timeout=WAIT)  # the quadrant's customers listed: the table changed
        expect(hint).to_have_count(0)
        assert "quadrant=win_win" in page.url
        assert driver.exceptions(page) == []
        chip.scroll_into_view_if_needed()
        page.screenshot(path=SHOTS / f"cross_filter_delivered_value_{lang}.png")

        driver.rerun(page, page.locator(".st-key-dv_pick_clear button").click, timeout_s=240)
        expect(chip).to_have_count(0, timeout=WAIT)
        expect(hint).to_be_visible(timeout=WAIT)  # the table of the pick is gone again
        assert "quadrant=" not in page.url
        assert driver.exceptions(page) == []
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_week_on_the_volumes_narrows_word_of_mouth_until_cleared(app_url, browser, lang):
    t = Translator(lang)
    context = browser.new_context(viewport={"width": 1500, "height": 1400})
    try:
        page = context.new_page()
        driver.open_page(page, app_url, "word_of_mouth", f"lang={lang}", until=".st-key-wom_volumes .js-plotly-plot",
                         timeout_s=240)
        since = page.get_by_text(_pattern(t("wom.customers.title", since="\0")))
        expect(since).to_be_visible(timeout=WAIT)
        # A marker of the complaints series, eight weeks before the end.
        marker = page.locator(".st-key-wom_volumes g.scatterlayer g.trace").first.locator("g.points path").nth(-8)
        _click(page, marker)

        week = t("wom.week_of", date="\0")
        chip = page.get_by_text(_pattern(t("drill.pick_chip", dimension=t("wom.pick.dimension"), value=week)))
        expect(chip).to_be_visible(timeout=WAIT)
        title = page.get_by_text(_pattern(t("wom.customers.title_period", period=week)))
        expect(title).to_be_visible(timeout=WAIT)  # the customers of that week: the table changed
        expect(since).to_have_count(0)
        assert "period=" in page.url
        assert driver.exceptions(page) == []
        chip.scroll_into_view_if_needed()
        page.screenshot(path=SHOTS / f"cross_filter_word_of_mouth_{lang}.png")

        driver.rerun(page, page.locator(".st-key-wom_pick_clear button").click, timeout_s=240)
        expect(chip).to_have_count(0, timeout=WAIT)
        expect(title).to_have_count(0, timeout=WAIT)
        expect(since).to_be_visible(timeout=WAIT)  # the customers since the last upturn again
        assert "period=" not in page.url
        assert driver.exceptions(page) == []
    finally:
        context.close()
