"""Issue 19, Data page forms in Chromium: the customer is found by typing part of its name in the picker,
and after saving, the page stays on the "Enter and correct" tab (it used to jump back to "Upload a file")."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import driver

pytestmark = pytest.mark.browser
SHOTS = driver.SHOTS


def test_pick_a_customer_by_search_save_and_stay_on_the_tab(app_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    try:
        driver.open_page(page, app_url, "data", "lang=en")
        tab = page.get_by_role("tab", name="Enter and correct")
        tab.click()  # tabs switch in the browser: no run
        driver.rerun(page, page.get_by_text("Correct an existing record").click)
        picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="Customer ID of the record to correct")
        picker.click()
        page.keyboard.type("Harbor Trading")  # part of the name: the list narrows to it
        option = page.get_by_role("option", name="C000001 — Harbor Trading Co., Ltd.")
        expect(option).to_be_visible(timeout=30_000)
        driver.rerun(page, option.click)
        name = page.get_by_role("textbox", name="Name *", exact=True)
        expect(name).to_have_value("Harbor Trading Co., Ltd.", timeout=30_000)
        page.screenshot(path=SHOTS / "data_form_picker_en.png", full_page=True)
        driver.rerun(page, lambda: (name.fill("Harbor Trading Group"), name.press("Enter")))
        driver.rerun(page, page.get_by_role("button", name="Save", exact=True).click)
        expect(page.get_by_text("Corrected Customers record C000001: 1 field.")).to_be_visible(timeout=60_000)
        expect(page.get_by_role("tab", name="Enter and correct")).to_have_attribute("aria-selected", "true")
        expect(page.get_by_role("tab", name="Upload a file")).to_have_attribute("aria-selected", "false")
        page.screenshot(path=SHOTS / "data_form_saved_en.png", full_page=True)
        assert driver.exceptions(page) == []
    finally:
        page.close()
