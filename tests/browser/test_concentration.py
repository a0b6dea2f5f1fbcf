"""The Profit concentration page in Chromium: curve and tables render, a what-if rate moves the total
profit card, and Plotly selections on the curve and on the group bars narrow the customer tables."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import driver

pytestmark = pytest.mark.browser
SHOTS = driver.SHOTS
REBATE_ROW = 3  # editor rows are sorted by activity: delivery, onsite_support, payment_terms, rebate, …
NEW_COST_COLUMN = 4  # name, unit, current cost, valid from, new cost, new valid-from


@pytest.fixture(scope="module")
def page(app_url, browser):
    p = browser.new_page(viewport={"width": 1500, "height": 1800})
    p.set_default_timeout(60_000)
    driver.open_page(p, app_url, "concentration", "lang=en")
    yield p
    p.close()


def _total_profit(page) -> str:
    return page.locator('[data-testid="stMetricValue"]').first.inner_text()


def _wait_changed(page, before: str, runs: int) -> str:
    """The total profit card once it differs from ``before`` and the run after ``runs`` has completed."""
    page.wait_for_function(
        "b => { const e = document.querySelector('[data-testid=\"stMetricValue\"]'); return e && e.innerText !== b; }",
        arg=before)
    driver.wait_run(page, runs)
    return _total_profit(page)


def test_curve_cards_and_tables_render(page):
    assert driver.exceptions(page) == []
    plots = page.locator(".js-plotly-plot")
    assert plots.count() == 4
    assert plots.first.locator(".scatterlayer .trace").count() >= 2  # the curve and its peak
    assert page.get_by_text("Peak 183% (first 74% of customers)").count() == 1
    assert page.locator('[data-testid="stMetric"]').count() == 12
    for title in ("Most profitable customers", "Most loss-making customers"):
        assert page.get_by_text(title, exact=True).count() == 1
    assert page.locator('[data-testid="stDataFrame"]').count() >= 5
    page.screenshot(path=SHOTS / "concentration_detail_en.png", full_page=True)


def test_selecting_a_range_of_the_curve_narrows_the_tables(page):
    curve = page.locator(".js-plotly-plot").first
    area = curve.locator(".nsewdrag").first
    area.scroll_into_view_if_needed()
    driver.box_select_tool(curve)  # a drag pans; a range is the toolbar's box tool (a click picks one point)
    box = area.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.10, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.30, y + 10, steps=8)
    driver.rerun(page, page.mouse.up)
    note = page.get_by_text("Narrowed to ranks")
    expect(note).to_be_visible(timeout=60_000)
    assert "of customers" in note.inner_text()
    assert driver.exceptions(page) == []


def test_clicking_a_group_bar_focuses_the_group(page):
    bars = page.locator(".js-plotly-plot").nth(2)
    bars.scroll_into_view_if_needed()
    driver.rerun(page, lambda: bars.locator(".bars .point").nth(2).click(force=True))  # third segment from the top: SMB
    expect(page.get_by_text("Narrowed to Segment: SMB.")).to_be_visible(timeout=60_000)
    assert page.get_by_text("What drives the losses in SMB", exact=False).count() == 1


def test_table_downloads_with_the_filters_in_its_header(page):
    """After the selections above (before the what-if redraws the charts and clears them), the CSV
    names the period and the narrowing before the table. Ranks 10–30 % hold no loss-maker, so the
    last CSV button is the most profitable customers' one."""
    button = page.locator('[data-testid="stDownloadButton"]').filter(has_text="Download CSV").last
    button.scroll_into_view_if_needed()
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "concentration_top_customers.csv"
    lines = Path(download.path()).read_text(encoding="utf-8-sig").splitlines()
    # One describe_filters for pages and exports: no attribute filter reads "All customers".
    assert lines[0] == "# 2025-11-01 – 2026-10-31 · All customers"
    assert lines[1].startswith("# Narrowed to ranks") and lines[2] == "# Narrowed to Segment: SMB."
    header = lines[3].split(",")
    assert header[:3] == ["Rank", "Customer ID", "Name"] and "Discounts and rebates cost" in header
    assert len(lines) > 4


def _open_rebate_cost_editor(page, grid) -> None:
    """Keyboard to the rebate row's new unit cost and open its cell editor (the value 1 is unique there).

    The grid is a canvas: a click can land while it is still laying out, so the editor's appearance
    with the expected value is the signal, and the navigation is tried again (at most three times).
    """
    editor = page.locator("input.gdg-input")
    for _ in range(3):
        canvas = grid.locator("canvas").first.bounding_box()
        page.mouse.click(canvas["x"] + 40, canvas["y"] + 35 + 17)  # first body row, first column
        for _ in range(REBATE_ROW):
            page.keyboard.press("ArrowDown")
        for _ in range(NEW_COST_COLUMN):
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        try:
            expect(editor).to_have_value("1", timeout=5_000)
            return
        except AssertionError:
            page.keyboard.press("Escape")
    raise AssertionError("the rate editor's cell did not open")


def test_a_what_if_rate_moves_the_total_profit_card(page):
    before = _total_profit(page)
    page.get_by_text("Activity rates: what-if or save new rates (analysts)").click()
    grid = page.locator('[data-testid="stDataFrame"]').first
    expect(grid.locator('[id="glide-cell-4-3"]')).to_have_text("1")  # the editor's grid is drawn
    grid.scroll_into_view_if_needed()
    _open_rebate_cost_editor(page, grid)
    page.locator("input.gdg-input").fill("0.5")
    runs = driver.runs(page)
    page.keyboard.press("Enter")
    after = _wait_changed(page, before, runs)
    assert after != before
    assert page.get_by_text("What-if (not saved): the whole page is recomputed", exact=False).count() == 1
    page.screenshot(path=SHOTS / "concentration_whatif_en.png", full_page=True)
    runs = driver.runs(page)
    page.get_by_text("Discard the what-if, back to saved rates").click()
    assert _wait_changed(page, after, runs) == before
    assert driver.exceptions(page) == []
