"""The Data page in headless Chromium: upload a file through the browser's file input, check it, load it,
and see the Overview's figures change; then undo and see them come back."""

from __future__ import annotations

import pytest

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
            page.goto(f"{app_url}/?lang=en")
            driver.wait_rendered(page)
            before = revenue(page)
            page.goto(f"{app_url}/data?lang=en")
            driver.wait_rendered(page)
            page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').first.click()
            page.get_by_role("option", name="Transactions").click()
            driver.wait_rendered(page)
            page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(sale))
            driver.wait_rendered(page)
            assert "GB18030" in page.get_by_text("Detected:").first.inner_text()
            page.get_by_role("button", name="Check the file").click()
            driver.wait_rendered(page)
            assert page.get_by_text("The only row is valid.").count() == 1
            page.get_by_role("button", name="Load 1 row").click()
            driver.wait_rendered(page)
            assert page.get_by_text("Loaded 1 row into").count() == 1
            page.screenshot(path=SHOTS / "data_loaded_en.png", full_page=True)
            assert driver.exceptions(page) == []

            page.goto(f"{app_url}/?lang=en")
            driver.wait_rendered(page)
            after = revenue(page)
            assert after != before

            page.goto(f"{app_url}/data?lang=zh")
            driver.wait_rendered(page)
            page.get_by_role("tab", name="导入记录与审计").click()
            driver.wait_rendered(page)
            page.get_by_text("我确认撤销这次导入").click()
            driver.wait_rendered(page)
            page.get_by_role("button", name="撤销导入").click()
            driver.wait_rendered(page)
            assert page.get_by_text("已撤销第 1 次导入").count() == 1
            page.screenshot(path=SHOTS / "data_undone_zh.png", full_page=True)

            page.goto(f"{app_url}/?lang=en")
            driver.wait_rendered(page)
            assert revenue(page) == before
        finally:
            page.close()
