"""A regional analyst in headless Chromium (issue 15): an upload naming another region's customer and the undo of
an admin's load across regions are refused, in en and zh, with nothing written. Screenshots of both refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from analytics import ingest, users
from analytics.store import db
from tests.browser import driver

pytestmark = pytest.mark.browser
SHOTS = driver.SHOTS
PW = "pass-word-1"
TX = "transaction_id,customer_id,tx_date,product,quantity,revenue,cogs\n"
IDS: dict[str, str] = {}


def _prepare(path: Path) -> None:
    con = db.connect(path)
    try:
        users.add_user(con, "boss", PW, "admin")
        users.add_user(con, "east", PW, "analyst", regions=["East"])
        for region in ("East", "West"):
            IDS[region] = con.execute("SELECT min(customer_id) FROM customers WHERE region = ?", [region]).fetchone()[0]
        mixed = path.parent / "mixed.csv"
        mixed.write_text(TX + f"MX-1,{IDS['East']},2026-06-15,Broadband,1,90,10\n"
                              f"MX-2,{IDS['West']},2026-06-15,Broadband,1,90,10\n", encoding="utf-8")
        sn = ingest.sniff(mixed)
        ingest.load(con, mixed, sn, ingest.Options("transactions", ingest.auto_map("transactions", sn.columns)),
                    user="boss")
    finally:
        con.close()


@pytest.fixture(scope="module")
def regional_url(demo_path: Path, tmp_path_factory: pytest.TempPathFactory):
    with driver.app_on_copy(demo_path, tmp_path_factory.mktemp("regional"), prepare=_prepare) as url:
        yield url


TEXT = {
    "en": {"user": "User name", "password": "Password", "sign_in": "Sign in", "table": "Transactions",
           "check": "Check the file", "outside": "is outside the customers you may change",
           "log": "Loads and audit log", "undo": "Undo load",
           "undo_refused": "only an admin, or an analyst not limited to regions or segments, can undo it"},
    "zh": {"user": "用户名", "password": "密码", "sign_in": "登录", "table": "交易",
           "check": "检查文件", "outside": "不在您可修改的客户范围内",
           "log": "导入记录与审计", "undo": "撤销导入",
           "undo_refused": "只有管理员或不受区域、客户细分限制的分析师才能撤销它"},
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_regional_analysts_refusals(regional_url, browser, tmp_path, lang):
    x = TEXT[lang]
    week = tmp_path / "week.csv"
    week.write_text(TX + f"RA-1,{IDS['East']},2026-06-15,Broadband,1,90,10\n"
                         f"RA-2,{IDS['West']},2026-06-16,Broadband,1,90,10\n", encoding="utf-8")
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    try:
        driver.open_page(page, regional_url, "data", f"lang={lang}")
        page.get_by_role("textbox", name=x["user"]).fill("east")
        page.get_by_role("textbox", name=x["password"]).fill(PW)
        driver.rerun(page, page.get_by_role("button", name=x["sign_in"]).click)
        expect(page.locator('[data-testid="stFileUploaderDropzoneInput"]')).to_be_attached(timeout=120_000)
        page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').first.click()
        driver.rerun(page, page.get_by_role("option", name=x["table"], exact=True).click)
        driver.rerun(page, lambda: page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(week)))
        driver.rerun(page, page.get_by_role("button", name=x["check"]).click)
        refusal = page.locator('[data-testid="stAlertContentError"]', has_text=x["outside"])
        expect(refusal).to_be_visible(timeout=120_000)
        assert "week.csv" in refusal.inner_text() and IDS["West"] in refusal.inner_text()
        refusal.scroll_into_view_if_needed()
        page.screenshot(path=SHOTS / f"regional_upload_refused_{lang}.png")
        # The undo of the admin's load across regions: refused before any button.
        page.get_by_role("tab", name=x["log"]).click()  # tabs switch in the browser: no run
        refusal = page.locator('[data-testid="stAlertContentError"]', has_text=x["undo_refused"])
        expect(refusal).to_be_visible(timeout=120_000)
        refusal.scroll_into_view_if_needed()
        page.screenshot(path=SHOTS / f"regional_undo_refused_{lang}.png")
        assert page.get_by_role("button", name=x["undo"]).count() == 0
        assert driver.exceptions(page) == []
    finally:
        page.close()
