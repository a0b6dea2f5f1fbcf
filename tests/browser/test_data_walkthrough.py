"""A first-time user's load in headless Chromium (issue 16): an empty store, a real export dropped on
the Data page, what was recognised and assumed, the customers created, the load, and the link to the
Overview — in English (Online Retail) and Chinese (CDNOW, no header). Screenshots in artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from analytics.store import db
from tests.browser import driver

pytestmark = pytest.mark.browser
SHOTS = driver.SHOTS
FIX = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="module")
def empty_url(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("walk")
    store = work / "empty.duckdb"
    db.connect(store).close()
    with driver.app_on_copy(store, work) as url:
        yield url


def load(page, url: str, lang: str, file: Path, texts: dict[str, str], shot: str) -> None:
    driver.open_page(page, url, "data", f"lang={lang}")
    page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').first.click()
    driver.rerun(page, page.get_by_role("option", name=texts["table"]).click)
    driver.rerun(page, lambda: page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(file)))
    expect(page.get_by_text(texts["recognised"], exact=True)).to_be_visible(timeout=90_000)
    expect(page.get_by_text(texts["assumed"], exact=True)).to_be_visible(timeout=90_000)
    page.get_by_text(texts["recognised"], exact=True).scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / f"data_walkthrough_{shot}_{lang}.png", full_page=True)
    driver.rerun(page, page.get_by_text(texts["create"]).click)
    driver.rerun(page, page.get_by_role("button", name=texts["check"]).click)
    try:
        expect(page.get_by_text(texts["new"])).to_be_visible(timeout=90_000)
    except AssertionError:
        page.screenshot(path=SHOTS / f"data_walkthrough_{shot}_failed_{lang}.png", full_page=True)
        raise
    driver.rerun(page, page.get_by_role("button", name=texts["load"]).click)
    expect(page.get_by_text(texts["loaded"])).to_be_visible(timeout=90_000)
    link = page.get_by_role("link", name=texts["overview"])
    expect(link).to_be_visible(timeout=90_000)
    page.screenshot(path=SHOTS / f"data_walkthrough_{shot}_loaded_{lang}.png", full_page=True)
    assert driver.exceptions(page) == []
    driver.rerun(page, link.click)
    expect(page.locator('[data-testid="stMetricValue"]').first).to_be_visible(timeout=90_000)


def test_first_load_walkthrough_en_and_zh(empty_url):
    with driver.browser() as b:
        page = b.new_page(viewport={"width": 1500, "height": 2200})
        try:
            load(page, empty_url, "en", FIX / "ingest" / "online_retail_cancellations.csv", {
                "table": "Transactions", "recognised": "What was recognised", "assumed": "What was assumed",
                "create": "Create the customers the store does not have yet", "check": "Check the file",
                "new": "6 customers named in the file are not in the store yet.", "load": "Load 12 rows",
                "loaded": "Loaded 12 rows into", "overview": "See the Overview"}, "retail")
            page.screenshot(path=SHOTS / "data_walkthrough_overview_en.png", full_page=True)
            # CDNOW's 2,357 customer ids include one of Online Retail's, loaded just before.
            load(page, empty_url, "zh", FIX / "cdnow" / "CDNOW_sample.txt", {
                "table": "交易", "recognised": "识别结果", "assumed": "所作假设", "create": "创建库中还没有的客户",
                "check": "检查文件", "new": "文件中有 2356 个客户尚不在库中。", "load": "确认导入 6,919 行",
                "loaded": "已导入 6,919 行", "overview": "查看概览"}, "cdnow")
        finally:
            page.close()
