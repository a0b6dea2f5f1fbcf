"""Customer 360 in Chromium: opened by URL and by search, both languages, an unknown id, and
hostile feedback text and a customer named with Markdown that must stay text (no script runs,
no markup, link or image is made)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from analytics.store import db
from tests.browser import driver
from tests.browser.driver import SHOTS
from tests.helpers import customer, insert
from tests.ui.test_customer import add_feedback

pytestmark = pytest.mark.browser
CID = "C002194"
HOSTILE = "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\"> **bold** =1+1"
EVIL_ID = "C-EVIL"
EVIL_NAME = "[click](https://evil.example) ![x](http://127.0.0.1:9/x.png) <b>bold</b> $x$ a -> b :smile:"


def prepare(db_path: Path) -> None:
    """The hostile feedback text for :data:`CID`, and a customer named with Markdown."""
    add_feedback(db_path, CID, HOSTILE)
    con = db.connect(db_path)
    with db.write(con) as cur:
        insert(cur, "customers", [customer(EVIL_ID, name=EVIL_NAME)])
    con.close()


@pytest.fixture(scope="module")
def app_url(demo_path: Path, tmp_path_factory: pytest.TempPathFactory):
    """The app on a copy of the demo store with one hostile feedback text for :data:`CID`."""
    with driver.app_on_copy(demo_path, tmp_path_factory.mktemp("browser_customer"),
                            prepare=prepare) as url:
        yield url


@pytest.mark.parametrize(("lang", "stage_label", "feedback_tab"), [("zh", "生命周期阶段", "反馈"),
                                                                    ("en", "Lifecycle stage", "Feedback")])
def test_link_opens_the_customer_and_text_stays_text(app_url, browser, lang, stage_label, feedback_tab):
    page = browser.new_page(viewport={"width": 1500, "height": 3000})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        driver.open_page(page, app_url, "customer", f"lang={lang}&customer={CID}", until='[data-testid="stMetric"]', count=12)
        assert driver.exceptions(page) == []
        assert page.locator("h1").first.inner_text() == "北京恒通医疗器械有限公司"
        assert page.locator('[data-testid="stMetric"]').filter(has_text=stage_label).count() == 1
        assert page.locator(".js-plotly-plot").count() >= 2  # profit trend and stage strip
        page.get_by_role("tab", name=feedback_tab).click()  # tabs switch in the browser: no run
        expect(page.get_by_role("tab", name=feedback_tab)).to_have_attribute("aria-selected", "true")
        page.screenshot(path=SHOTS / f"customer_detail_{lang}.png", full_page=True)
        # The hostile text is in the store and on the page's feedback list, but it made nothing.
        assert page.evaluate("() => window.__pwned") is None
        assert dialogs == []
        assert page.locator("img[src='x']").count() == 0
        assert all("__pwned" not in s for s in page.locator("script").evaluate_all("els => els.map(e => e.text)"))
        assert page.locator("strong", has_text="bold").count() == 0
    finally:
        page.close()


def test_search_opens_a_customer(app_url, browser):
    page = browser.new_page(viewport={"width": 1500, "height": 2000})
    try:
        driver.open_page(page, app_url, "customer", "lang=en", until='[data-testid="stTextInput"]')
        assert page.locator("h1").first.inner_text() == "Customer 360"
        box = page.get_by_role("textbox", name="Find a customer (id or name)")
        box.fill("C00219")
        driver.rerun(page, lambda: box.press("Enter"))
        page.locator('[data-testid="stSelectbox"]').click()
        driver.rerun(page, page.get_by_role("option", name=f"{CID} ·").first.click)
        expect(page.locator('[data-testid="stMetric"]')).to_have_count(12, timeout=120_000)
        assert f"customer={CID}" in page.url
        assert page.locator("h1").first.inner_text() == "北京恒通医疗器械有限公司"
        assert driver.exceptions(page) == []
    finally:
        page.close()


def test_unknown_id(app_url, browser):
    page = browser.new_page(viewport={"width": 1500, "height": 1200})
    try:
        driver.open_page(page, app_url, "customer", "lang=zh&customer=NOPE-1", until='[data-testid="stAlert"]')
        assert "找不到客户编号“NOPE-1”" in page.locator('[data-testid="stAlert"]').first.inner_text()
        assert driver.exceptions(page) == []
    finally:
        page.close()


def test_a_customer_named_with_markdown_makes_no_link_and_fetches_nothing(app_url, browser):
    page = browser.new_page(viewport={"width": 1500, "height": 1500})
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if "127.0.0.1:9" in r.url or "evil" in r.url else None)
    try:
        driver.open_page(page, app_url, "customer", f"lang=en&customer={EVIL_ID}", until='[data-testid="stMetric"]', count=12)
        assert driver.exceptions(page) == []
        # The title shows exactly the name's characters (a word joiner keeps " -> " from becoming an arrow).
        assert page.locator("h1").first.inner_text().replace("\u2060", "") == EVIL_NAME
        # No link to the name's URLs (the heading's own anchor is "#click-https-evil-…"), no image.
        assert page.locator('a[href*="evil"]:not([href^="#"]), a[href*="127.0.0.1:9"]').count() == 0
        assert page.locator('img[src*="127.0.0.1"]').count() == 0
        assert page.locator("h1 b, h1 strong, h1 .katex").count() == 0
        assert fetched == []
    finally:
        page.close()


# What Streamlit's own number formatter (the one its tables draw cells with) writes for a column spec.
_STREAMLIT_FORMAT = """async ([values, format, decimals]) => {
    const url = performance.getEntriesByType('resource').map(e => e.name).find(n => n.includes('/formatNumber.'));
    const m = await import(url);
    return values.map(v => m.n(v, format, decimals));
}"""


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_table_cells_write_money_and_shares_as_the_cards_do(app_url, browser, locale):
    """The starting tables' money cells, drawn by Streamlit in the browser from :mod:`ui.columns`' specs,
    read exactly as :mod:`i18n.fmt` writes the same values on cards and in sentences (a printf format
    wrote ¥-5,739,947; the percent preset 67.33% beside 75.7%)."""
    from i18n import fmt
    from ui import columns

    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale=locale)
    page = context.new_page()
    try:
        driver.open_page(page, app_url, "customer", "lang=zh", until='[data-testid="stDataFrame"]', count=2)
        amounts = [-5_739_946.6, -984_912.2, 7_012_345.5, 0.0]
        for cents in (False, True):
            spec = columns.money_spec("CNY", cents)
            decimals = 2 if cents else 0
            cells = page.evaluate(_STREAMLIT_FORMAT, [amounts, spec["format"], decimals])
            expected = [f"{'-' if v < 0 else ''}¥{abs(v):,.{decimals}f}" for v in amounts]
            assert cells == expected
            if not cents:
                assert cells == [fmt.money(v, "CNY") for v in amounts]  # "-¥5,739,947", as the cards
        shares = [0.757, 0.67333, 1.79, -0.4502]
        spec = columns.share_spec()
        cells = page.evaluate(_STREAMLIT_FORMAT, [shares, spec["format"], 3])  # decimals of the step 0.001
        assert cells == [fmt.percent(v) for v in shares] == ["75.7%", "67.3%", "179.0%", "-45.0%"]
    finally:
        context.close()
