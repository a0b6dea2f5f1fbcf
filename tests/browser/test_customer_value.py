"""The Customer value page in headless Chromium: the tier grid lists a cell's customers, in both languages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser import driver
from tests.browser.driver import SHOTS

pytestmark = pytest.mark.browser


def test_tier_cell_lists_its_customers_in_both_languages(app_url):
    with driver.browser() as b:
        page = b.new_page(viewport={"width": 1500, "height": 2400})
        try:
            driver.open_page(page, app_url, "customer_value", "lang=en")
            assert driver.exceptions(page) == []
            assert page.locator(".js-plotly-plot").count() == 9  # as tests/ui/test_customer_value.py counts them
            assert page.get_by_text("Click “List customers” in a cell above").count() == 1
            tables = page.locator('[data-testid="stDataFrame"]').count()  # every customer, the model comparison, contracts …
            driver.rerun(page, page.locator(".st-key-cv_cell_high_high button").click)
            heading = page.get_by_text(re.compile(r"^Core customers \(realized High · potential High\): [\d,]+ customers$"))
            assert heading.count() == 1
            assert page.locator('[data-testid="stDataFrame"]').count() == tables  # the cell's customers replace every customer
            page.screenshot(path=SHOTS / "customer_value_cell_en.png", full_page=True)
            # The language switch keeps the chosen cell and rewrites its strategy in Chinese.
            driver.rerun(page, page.locator('[data-testid="stSidebar"]').get_by_text("中文", exact=True).click)
            assert "lang=zh" in page.url
            assert page.get_by_text(re.compile(r"^核心客户（既成高 · 潜在高）：[\d,]+ 位客户$")).count() == 1
            assert page.get_by_text("专属客户经理、优先服务和最好的产品", exact=False).count() >= 2  # card and list
            page.screenshot(path=SHOTS / "customer_value_cell_zh.png", full_page=True)
            # Back to every customer.
            # the button's st.rerun() makes a second run: wait for the element it draws, not for one run
            driver.rerun(page, page.locator(".st-key-cv_cell_all button").click)
            expect(page.get_by_text("点击上方格子里的“查看客户”")).to_be_visible(timeout=120_000)
            assert page.get_by_text("点击上方格子里的“查看客户”").count() == 1
            assert driver.exceptions(page) == []
        finally:
            page.close()
