"""The Data page's "Load from a database" panel in headless Chromium against a real PostgreSQL server
(tests/postgres.py): URL, password (a password input), query, preview, read, check, load; screenshots
in English and Chinese; the password appears nowhere in the page's text."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import driver
from tests.postgres import ANALYST_PASSWORD, Shop

pytestmark = pytest.mark.browser
SHOTS = driver.SHOTS
TEXT = {"en": {"customers": "Customers", "database": "A database", "url": "Database URL (without password)",
               "password": "Password (this session only)", "query": "Query (SQL)", "preview": "Preview",
               "pull": "Read all rows", "first": "The query's first 20 rows", "read": "Read 20 rows from the database", "check": "Check the file",
               "load": "Load 20 rows", "loaded": "Loaded 20 rows into"},
        "zh": {"customers": "客户", "database": "数据库", "url": "数据库地址（不含密码）", "password": "密码（仅本次使用）",
               "query": "查询（SQL）", "preview": "预览", "pull": "读取全部行", "first": "查询结果的前 20 行", "read": "已从数据库读取 20 行"}}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_load_from_a_database(app_url, browser, pg_shop: Shop, lang):
    w = TEXT[lang]
    page = browser.new_page(viewport={"width": 1400, "height": 2200})
    try:
        driver.open_page(page, app_url, "data", f"lang={lang}")
        main = page.locator('[data-testid="stMain"]')
        main.locator('[data-testid="stSelectbox"]').first.click()
        page.get_by_role("option", name=w["customers"], exact=True).click()
        driver.wait_rendered(page)
        main.get_by_text(w["database"], exact=True).click()
        driver.wait_rendered(page)
        url = page.get_by_role("textbox", name=w["url"], exact=True)
        url.fill(pg_shop.url(password=None))
        url.press("Enter")
        driver.wait_rendered(page)
        pw = page.get_by_role("textbox", name=w["password"], exact=True)
        assert pw.get_attribute("type") == "password"
        pw.fill(ANALYST_PASSWORD)
        pw.press("Enter")
        driver.wait_rendered(page)
        query = page.get_by_role("textbox", name=w["query"], exact=True)
        query.fill("select * from customers order by customer_id")
        query.press("Control+Enter")
        driver.wait_rendered(page)
        page.get_by_role("button", name=w["preview"], exact=True).click()
        driver.wait_rendered(page)
        expect(page.get_by_text(w["first"])).to_be_visible(timeout=60_000)
        page.get_by_role("button", name=w["pull"]).click()
        driver.wait_rendered(page)
        expect(page.get_by_text(w["read"])).to_be_visible(timeout=60_000)
        page.screenshot(path=SHOTS / f"data_database_{lang}.png", full_page=True)
        if lang == "en":
            page.get_by_role("button", name=w["check"]).click()
            driver.wait_rendered(page)
            page.get_by_role("button", name=w["load"]).click()
            driver.wait_rendered(page)
            expect(page.get_by_text(w["loaded"])).to_be_visible(timeout=90_000)
            page.screenshot(path=SHOTS / "data_database_loaded_en.png", full_page=True)
        assert ANALYST_PASSWORD not in page.locator("body").inner_text()
        assert driver.exceptions(page) == []
    finally:
        page.close()
