"""The Data page in headless Chromium: upload a file through the browser's file input, check it, load it,
and see the Overview's figures change; then undo and see them come back."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import driver

pytestmark = pytest.mark.browser
SHOTS = driver.SHOTS
BIG_SALE = ("交易编号,客户编号,交易日期,产品,数量,收入,成本\n"
            "BR-1,C000001,2026年6月15日,宽带,1,\"￥90,000,000.00\",1000\n").encode("gbk")


def revenue(page) -> str:
    return page.locator('[data-testid="stMetricValue"]').nth(1).inner_text()


def test_upload_load_and_undo_move_the_overview(app_url, tmp_path):
    sale = tmp_path / "big_sale.csv"
    sale.write_bytes(BIG_SALE)
    with driver.browser() as b:
        page = b.new_page(viewport={"width": 1500, "height": 3000})
        try:
            driver.open_page(page, app_url, "overview", "lang=en")
            before = revenue(page)
            driver.open_page(page, app_url, "data", "lang=en")
            page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').first.click()
            driver.rerun(page, page.get_by_role("option", name="Transactions").click)
            driver.rerun(page, lambda: page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(sale)))
            assert "GB18030" in page.get_by_text("Detected:").first.inner_text()
            driver.rerun(page, page.get_by_role("button", name="Check the file").click)
            expect(page.get_by_text("The only row is valid.")).to_be_visible(timeout=90_000)
            driver.rerun(page, page.get_by_role("button", name="Load 1 row").click)
            expect(page.get_by_text("Loaded 1 row into")).to_be_visible(timeout=90_000)
            page.screenshot(path=SHOTS / "data_loaded_en.png", full_page=True)
            assert driver.exceptions(page) == []

            driver.open_page(page, app_url, "overview", "lang=en")
            after = revenue(page)
            assert after != before

            driver.open_page(page, app_url, "data", "lang=zh")
            page.get_by_role("tab", name="导入记录与审计").click()  # tabs switch in the browser: no run
            driver.rerun(page, page.get_by_text("我确认撤销这次导入").click)
            driver.rerun(page, page.get_by_role("button", name="撤销导入").click)
            expect(page.get_by_text("已撤销第 1 次导入")).to_be_visible(timeout=90_000)
            page.screenshot(path=SHOTS / "data_undone_zh.png", full_page=True)

            driver.open_page(page, app_url, "overview", "lang=en")
            assert revenue(page) == before
        finally:
            page.close()


def test_the_uploader_speaks_chinese(app_url, browser):
    """Streamlit draws its uploader's button and size line in English; in Chinese the page replaces them."""
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    try:
        driver.open_page(page, app_url, "data", "lang=zh")
        after = """e => getComputedStyle(e, '::after').content"""
        button = page.locator('[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] p').first
        line = page.locator('[data-testid="stFileUploaderDropzoneInstructions"] span').first
        assert button.evaluate(after) == '"上传"'
        assert line.evaluate(after).startswith('"单个文件不超过 2 GB')
        assert button.evaluate("e => getComputedStyle(e).fontSize") == "0px"  # the English is not drawn
        page.locator('[data-testid="stFileUploader"]').first.screenshot(path=SHOTS / "data_uploader_zh.png")
        driver.open_page(page, app_url, "data", "lang=en")
        assert button.evaluate(after) == "none" and button.inner_text() == "Upload"
        assert driver.exceptions(page) == []
    finally:
        page.close()
