"""Names from the data inside Plotly charts, in Chromium: a customer and a segment named with HTML
that Plotly would render (a link, bold, a styled span) and a template placeholder are drawn as
exactly their characters, and no chart holds a link to their URL (issue 12, item 5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.store import aggregates, db
from tests.browser import driver
from tests.browser.driver import SHOTS
from tests.helpers import D, customer, insert

pytestmark = pytest.mark.browser
EVIL_ID = "C-EVIL-CHART"
EVIL_NAME = '<a href="https://evil.example/x">x</a> <b>b</b> <img src=x> %{x} &amp; 1 < 2'
EVIL_SEGMENT = '<a href="https://evil.example/seg">seg</a><span style="color:red">red</span>'
# Plotly draws a link as an SVG <a xlink:href>: ask for both attributes (a[href] alone misses it).
LINKS = """() => [...document.querySelectorAll('.js-plotly-plot a')].map(a =>
    (a.getAttribute('href') || '') + ' ' + (a.getAttributeNS('http://www.w3.org/1999/xlink', 'href') || ''))"""


def prepare(db_path: Path) -> None:
    """One customer named with HTML, in a segment named with HTML, buying in the default period."""
    con = db.connect(db_path)
    with db.write(con) as cur:
        insert(cur, "customers", [customer(EVIL_ID, name=EVIL_NAME, segment=EVIL_SEGMENT)])
        insert(cur, "transactions", [
            {"transaction_id": f"EVIL-{m}", "customer_id": EVIL_ID, "tx_date": D(f"2026-{m:02d}-10"),
             "product": "Broadband", "quantity": 1, "revenue": 5000, "cogs": 1000} for m in range(3, 9)])
        aggregates.refresh(cur, [D(f"2026-{m:02d}-10") for m in range(3, 9)])
    con.close()


@pytest.fixture(scope="module")
def app_url(demo_path: Path, tmp_path_factory: pytest.TempPathFactory):
    with driver.app_on_copy(demo_path, tmp_path_factory.mktemp("browser_chart_text"), prepare=prepare) as url:
        yield url


def test_names_with_html_are_drawn_as_text_in_charts(app_url, browser):
    page = browser.new_page(viewport={"width": 1500, "height": 2400})
    try:
        driver.open_page(page, app_url, "concentration", "lang=en", until=".js-plotly-plot", count=4)
        # The profit bridge of the customer: its title is "<id> · <name>".
        page.locator('[data-testid="stRadio"]').get_by_text("One customer").click()
        box = page.get_by_role("textbox", name="Search by customer ID or name")
        box.fill(EVIL_ID)
        driver.rerun(page, lambda: box.press("Enter"))
        page.wait_for_function("id => [...document.querySelectorAll('.js-plotly-plot .gtitle')]"
                               ".some(e => e.textContent.startsWith(id))", arg=EVIL_ID, timeout=120_000)
        assert driver.exceptions(page) == []
        page.screenshot(path=SHOTS / "chart_text_en.png", full_page=True)
        # A title too long for its chart is wrapped (charts.titles): its lines, each a tspan, joined by the
        # spaces the breaks replaced.
        titles = page.locator(".js-plotly-plot .gtitle").evaluate_all(
            "els => els.map(e => { const lines = [...e.querySelectorAll('tspan.line')];"
            " return lines.length ? lines.map(l => l.textContent).join(' ') : e.textContent; })")
        assert f"{EVIL_ID} · {EVIL_NAME}" in titles
        # The group comparison by segment: the segment's name is a category label on the y axis.
        ticks = page.locator(".js-plotly-plot .ytick text").evaluate_all("els => els.map(e => e.textContent)")
        assert EVIL_SEGMENT in ticks
        assert all("evil" not in link for link in page.evaluate(LINKS))
        # Nothing of the names became styled text (Plotly's own titles are bold as a whole).
        assert page.locator(".js-plotly-plot tspan[style*='red']").count() == 0
        assert page.locator(".js-plotly-plot tspan[style*='bold']").filter(has_text="b").evaluate_all(
            "els => els.filter(e => e.textContent === 'b')") == []
    finally:
        page.close()
