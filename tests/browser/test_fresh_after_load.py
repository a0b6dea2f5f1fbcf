"""Issue 19, "fresh after every load", in Chromium: a week of November uploaded on the Data page leaves the
default period on the last complete months (November 2025 – October 2026) and moves "Data as of" to
7 November — in the uploader's session, in a session that was already open (without a click) and in a
new one; once November is complete, an open session on the default period follows it."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

from tests.browser import driver

pytestmark = pytest.mark.browser
SHOTS = driver.SHOTS
# The Monday load: 1–7 November, headers as a Chinese ERP writes them, in GBK.
WEEK = ("交易编号,客户编号,交易日期,产品,数量,收入,成本\n" + "".join(
    f"NOV-{d},C000001,2026-11-0{d},宽带,1,1000,400\n" for d in range(1, 8))).encode("gbk")
DEFAULT = ("2025-11-01", "2026-10-31")
REST = "交易编号,客户编号,交易日期,产品,数量,收入,成本\nNOV-30,C000001,2026-11-30,宽带,1,1000,400\n".encode("gbk")
FOLLOWED = ("2025-12-01", "2026-11-30")


def period(page: Page) -> tuple[str, str]:
    """The period the session shows, from its address bar (the sidebar writes it there on every run)."""
    q = parse_qs(urlparse(page.url).query)
    return q["from"][0], q["to"][0]


def as_of(page: Page, text: str | re.Pattern[str]):
    """The sidebar's line ``text`` (a whole line when a string)."""
    return page.locator('[data-testid="stSidebar"]').get_by_text(text, exact=isinstance(text, str))


def test_a_week_into_the_next_month_in_the_uploaders_an_open_and_a_new_session(app_url, tmp_path):
    week = tmp_path / "week.csv"
    week.write_bytes(WEEK)
    with driver.browser() as b:
        opened = b.new_page(viewport={"width": 1400, "height": 1000})
        uploader = b.new_page(viewport={"width": 1400, "height": 2400})
        try:
            driver.open_page(opened, app_url, "overview", "lang=en")
            expect(as_of(opened, "Data as of 2026-10-31")).to_be_visible(timeout=30_000)
            assert period(opened) == DEFAULT

            driver.open_page(uploader, app_url, "data", "lang=en")
            uploader.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').first.click()
            driver.rerun(uploader, uploader.get_by_role("option", name="Transactions").click)
            driver.rerun(uploader, lambda: uploader.locator('[data-testid="stFileUploaderDropzoneInput"]')
                         .set_input_files(str(week)))
            driver.rerun(uploader, uploader.get_by_role("button", name="Check the file").click)
            expect(uploader.get_by_text("All 7 rows are valid.")).to_be_visible(timeout=90_000)
            driver.rerun(uploader, uploader.get_by_role("button", name="Load 7 rows").click)
            message = uploader.get_by_text("Loaded 7 rows into")
            expect(message).to_be_visible(timeout=90_000)
            text = message.inner_text()
            assert "The data now run to 2026-11-07; the default period is" in text
            assert "Nov 2026 is not complete, so the default period leaves it out" in text
            assert "Every chart" not in text  # no claim that is not so
            uploader.screenshot(path=SHOTS / "fresh_data_loaded_en.png", full_page=True)

            # The uploader's own session (the link keeps it): the new date, the same complete months.
            driver.rerun(uploader, uploader.get_by_role("link", name="See the Overview").click)
            expect(as_of(uploader, "Data as of 2026-11-07")).to_be_visible(timeout=30_000)
            assert period(uploader) == DEFAULT
            expect(as_of(uploader, re.compile(r"Nov 2026 is not complete yet"))).to_be_visible(timeout=30_000)
            uploader.screenshot(path=SHOTS / "fresh_overview_after_load_en.png", full_page=True)
            assert driver.exceptions(uploader) == []

            # The session opened before the load runs again by itself (its watcher saw the new data version).
            expect(as_of(opened, "Data as of 2026-11-07")).to_be_visible(timeout=60_000)
            assert period(opened) == DEFAULT
            assert driver.exceptions(opened) == []

            # A new session opens on the last complete months, not on a November of one week.
            driver.open_page(opened, app_url, "overview", "lang=zh")
            expect(as_of(opened, "数据截至 2026年11月7日")).to_be_visible(timeout=30_000)
            assert period(opened) == DEFAULT
            opened.screenshot(path=SHOTS / "fresh_overview_after_load_zh.png", full_page=True)
            assert driver.exceptions(opened) == []

            # The rest of November: the open session, still on the default, follows it to November — on
            # screen, and still after the next change of a filter (the browser sends the slider back).
            rest = tmp_path / "rest.csv"
            rest.write_bytes(REST)
            driver.open_page(uploader, app_url, "data", "lang=en")
            uploader.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').first.click()
            driver.rerun(uploader, uploader.get_by_role("option", name="Transactions").click)
            driver.rerun(uploader, lambda: uploader.locator('[data-testid="stFileUploaderDropzoneInput"]')
                         .set_input_files(str(rest)))
            driver.rerun(uploader, uploader.get_by_role("button", name="Check the file").click)
            driver.rerun(uploader, uploader.get_by_role("button", name="Load 1 row").click)
            expect(uploader.get_by_text("Loaded 1 row into")).to_be_visible(timeout=90_000)
            expect(as_of(opened, "数据截至 2026年11月30日")).to_be_visible(timeout=60_000)
            assert period(opened) == FOLLOWED
            slider = opened.locator('[data-testid="stSidebar"] [data-testid="stSlider"]')
            # the end thumb shows November, beside the tick bar's last month
            expect(slider.get_by_text("2026年11月", exact=True)).to_have_count(2, timeout=30_000)
            opened.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first.click()
            driver.rerun(opened, opened.get_by_role("option").first.click)
            assert period(opened) == FOLLOWED
            assert driver.exceptions(opened) == []
        finally:
            opened.close()
            uploader.close()
