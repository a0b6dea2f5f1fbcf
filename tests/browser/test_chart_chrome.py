"""Issue 19's rough edges around the charts, in Chromium:

- the chip a chart click's filter draws ("Filtered by Segment: SMB", "✕ Clear") sits at the top of the sidebar: with
  it shown, every analysis page's whole key chart is still on a 1366x768 laptop's first screen, it covers neither the
  title nor the pages' links, and Clear is one click;
- Plotly's toolbar, shown while the mouse is over a chart, covers no chart's title;
- a click on Profit concentration's whale curve selects its point (the tables narrow to that rank), and a click on
  a group's bar focuses the loss drivers on it.

Screenshots go to artifacts/screenshots/chrome_*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from i18n import Translator
from tests.browser import driver
from tests.browser.test_responsive import ANALYSIS_PAGES, LAPTOP, key_chart_box, on_first_screen

pytestmark = pytest.mark.browser
SHOTS = driver.SHOTS
WAIT = 120_000
CHIP = ".st-key-drill_chip"

# Boxes of each chart's toolbar and title text that overlap (none expected); the toolbar is in the page while
# hidden (opacity 0) too, so its box is where it shows on hover.
TOOLBAR_OVER_TITLE = """() => {
  const out = [];
  for (const chart of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
    const bar = chart.querySelector('.modebar'), title = chart.querySelector('.gtitle');
    if (!bar || !title) continue;
    const a = bar.getBoundingClientRect(), b = title.getBoundingClientRect();
    if (a.width && b.width && a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom)
      out.push(`${title.textContent}: toolbar ${[a.left, a.top, a.right, a.bottom].map(Math.round)}`
               + ` over title ${[b.left, b.top, b.right, b.bottom].map(Math.round)}`);
  }
  return out;
}"""
# What the chip covers of the page title's text, the pages' links and section names and the sidebar's close button.
CHIP_COVERS = """(sel) => {
  const chip = document.querySelector(sel).getBoundingClientRect();
  const over = (b) => chip.left < b.right && b.left < chip.right && chip.top < b.bottom && b.top < chip.bottom;
  const out = [];
  const h1 = document.querySelector('[data-testid="stMain"] h1');
  const range = document.createRange(); range.selectNodeContents(h1);
  if ([...range.getClientRects()].some(over)) out.push('title');
  for (const el of document.querySelectorAll('[data-testid="stSidebarNav"] a, [data-testid="stSidebarNav"] header,'
                                             + ' [data-testid="stNavSectionHeader"], [data-testid="stSidebarCollapseButton"]'))
    if (over(el.getBoundingClientRect())) out.push(el.innerText || el.dataset.testid);
  return out;
}"""


def _click_middle(page: Page, selector: str) -> None:
    """Click where the element is drawn (Plotly's drag layer lies over the marks), waiting for the run it causes."""
    mark = page.locator(selector)
    mark.scroll_into_view_if_needed()
    box = mark.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    driver.rerun(page, lambda: page.mouse.click(x, y))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_chart_filter_chip_leaves_every_key_chart_on_a_laptops_first_screen(app_url, browser, lang):
    t = Translator(lang)
    page = browser.new_page(viewport={"width": LAPTOP[0], "height": LAPTOP[1]})
    try:
        driver.open_page(page, app_url, "overview", f"lang={lang}", until=".st-key-ov_segments .js-plotly-plot")
        _click_middle(page, ".st-key-ov_segments g.barlayer g.point path >> nth=-1")  # the most profitable segment
        segment = re.search(r"segment=([^&]+)", page.url)
        assert segment, page.url
        chip = page.locator(CHIP)
        text = t("drill.chip", dimension=t.dimension("segment"), value=t.value("segment", segment.group(1).replace("+", " ")))
        boxes = {}
        for name in ANALYSIS_PAGES:  # through the navigation: the same session, the chip's filter kept
            if name != "overview":
                link = page.locator(f'[data-testid="stSidebarNav"] a[href*="/{name}"]')
                driver.rerun(page, link.click)
            expect(page.locator('[data-testid="stPlotlyChart"]').first).to_be_visible(timeout=WAIT)
            expect(chip).to_be_in_viewport(ratio=1, timeout=WAIT)
            expect(chip).to_contain_text(text)
            assert page.evaluate(CHIP_COVERS, CHIP) == [], name
            boxes[name] = key_chart_box(page)
            page.screenshot(path=SHOTS / f"chrome_chip_{name}_{lang}.png")
            assert driver.exceptions(page) == [], name
        assert all(on_first_screen(box, LAPTOP[1]) for box in boxes.values()), boxes
        driver.rerun(page, page.locator(".st-key-drill_chip_clear button").click)  # one click clears it
        expect(chip).to_have_count(0, timeout=WAIT)
        assert "segment=" not in page.url
    finally:
        page.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_chart_toolbar_covers_no_chart_title(app_url, browser, lang):
    page = browser.new_page(viewport={"width": LAPTOP[0], "height": LAPTOP[1]})
    try:
        found = {}
        for name in ANALYSIS_PAGES:
            driver.open_page(page, app_url, name, f"lang={lang}", until='[data-testid="stPlotlyChart"]')
            charts = page.locator('[data-testid="stPlotlyChart"]')
            for i in range(charts.count()):
                chart = charts.nth(i)
                chart.scroll_into_view_if_needed()
                chart.hover()
                bar = chart.locator(".modebar")
                if bar.count():  # shown while the mouse is over the chart
                    expect(bar).to_have_css("opacity", "1", timeout=WAIT)
            found[name] = page.evaluate(TOOLBAR_OVER_TITLE)
            if name == "delivered_value":
                page.locator(".st-key-dv_map_month_0, [class*='st-key-dv_map']").first.hover()
                page.screenshot(path=SHOTS / f"chrome_toolbar_{name}_{lang}.png")
        assert {k: v for k, v in found.items() if v} == {}
    finally:
        page.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_click_on_the_whale_curve_or_a_group_bar_picks_it(app_url, browser, lang):
    """The curve sets no dragmode 'select' (under it Streamlit's frontend turns click selection off): a click on a
    point narrows the customer tables to its rank. A click on a group's bar focuses the loss drivers on that group."""
    t = Translator(lang)
    page = browser.new_page(viewport={"width": 1500, "height": 1400})
    try:
        driver.open_page(page, app_url, "concentration", f"lang={lang}", until=".st-key-conc_curve .js-plotly-plot")
        points = page.locator(".st-key-conc_curve g.trace.scatter path.point")
        i = points.count() // 3
        # The points lie about a pixel apart: Plotly picks the one nearest the mouse, this one or a neighbour.
        near = page.evaluate("(i) => document.querySelector('.st-key-conc_curve .js-plotly-plot').data[0]"
                             ".customdata.slice(i - 3, i + 4).map(c => Number(c[0]))", i)
        _click_middle(page, f".st-key-conc_curve g.trace.scatter path.point >> nth={i}")
        pattern = re.escape(t("conc.tables.ranks", first="FIRST", last="LAST", lo="LO", hi="HI"))
        pattern = pattern.replace("FIRST", r"([\d,]+)").replace("LAST", r"([\d,]+)").replace("LO", ".*").replace("HI", ".*")
        note = page.get_by_text(re.compile(pattern))
        expect(note).to_be_visible(timeout=WAIT)
        first, last = (int(v.replace(",", "")) for v in re.search(pattern, note.inner_text()).groups())
        assert first == last and first in near, (first, last, near)  # one customer: the clicked point's rank
        page.screenshot(path=SHOTS / f"chrome_curve_click_{lang}.png")

        _click_middle(page, ".st-key-conc_groups g.barlayer g.point path >> nth=0")  # the first group's gains
        expect(page).to_have_url(re.compile(r"[?&]group=[^&]+"), timeout=WAIT)
        group = re.search(r"[?&]group=([^&]+)", page.url).group(1).replace("+", " ")
        expect(page.get_by_text(t("conc.tables.group", dim=t.dimension("segment"), group=t.value("segment", group))
                                .rstrip("。."))).to_be_visible(timeout=WAIT)
        assert driver.exceptions(page) == []
    finally:
        page.close()
