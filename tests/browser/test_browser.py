"""The real app in headless Chromium: every page in both languages, no exception, screenshots saved.

Screenshots go to artifacts/screenshots/ (look at them: a page not looked at is not done).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.browser import driver

pytestmark = pytest.mark.browser
SHOTS = driver.ROOT / "artifacts" / "screenshots"
PAGES = sorted(p.stem for p in (driver.ROOT / "views").glob("*.py"))
DEFAULT_PAGE = "overview"  # served at the root URL (st.Page(default=True))


def page_url(base: str, name: str, query: str) -> str:
    return f"{base}/{'' if name == DEFAULT_PAGE else name}?{query}"


@pytest.fixture(scope="module")
def app_url(demo_path: Path, tmp_path_factory: pytest.TempPathFactory):
    if not Path(driver.CHROMIUM).exists():
        pytest.fail(f"{driver.CHROMIUM} is missing: install Debian's chromium (scripts/test.sh does)")
    work = tmp_path_factory.mktemp("browser")
    db_path = work / "app.duckdb"
    shutil.copy(demo_path, db_path)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with driver.server(db_path, work / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with driver.browser() as b:
        yield b


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page_name", PAGES)
def test_page_in_browser(app_url, browser, page_name, lang):
    page = browser.new_page(viewport={"width": 1500, "height": 2400})
    try:
        page.goto(page_url(app_url, page_name, f"lang={lang}"))
        driver.wait_rendered(page)
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
        page.goto(page_url(app_url, "overview", "lang=en"))
        driver.wait_rendered(page)
        everyone = page.locator('[data-testid="stMetricValue"]').first.inner_text()
        page.goto(page_url(app_url, "overview", "lang=en&segment=Corporate&region=East"))
        driver.wait_rendered(page)
        narrowed = page.locator('[data-testid="stMetricValue"]').first.inner_text()
        assert narrowed != everyone
        assert "segment=Corporate" in page.url and "region=East" in page.url
        # The language switch keeps the filters and rewrites the page.
        page.locator("[data-testid=\"stSidebar\"]").get_by_text("中文", exact=True).click()
        driver.wait_rendered(page)
        assert "lang=zh" in page.url and "segment=Corporate" in page.url
        assert page.locator("h1").first.inner_text() == "客户价值概览"
        assert page.locator('[data-testid="stMetricValue"]').first.inner_text() == narrowed
    finally:
        page.close()
