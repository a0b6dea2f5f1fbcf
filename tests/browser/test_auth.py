"""Sign-in in headless Chromium: a viewer signs in, has no Data page in the navigation, is refused its URL,
stays signed in across a reload (the session cookie) and signs out; an admin's Users page. Screenshots of the
sign-in page and the Users page in zh and en."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from analytics import users
from analytics.store import db
from tests.browser import driver

pytestmark = pytest.mark.browser
SHOTS = driver.SHOTS
PW = "pass-word-1"


def _accounts(path: Path) -> None:
    con = db.connect(path)
    try:
        users.add_user(con, "boss", PW, "admin")
        users.add_user(con, "vera", PW, "viewer", regions=["East"])
    finally:
        con.close()


@pytest.fixture(scope="module")
def auth_url(demo_refreshed_path: Path, tmp_path_factory: pytest.TempPathFactory):
    # accounts are no data: the copy keeps its stored fits current
    with driver.app_on_copy(demo_refreshed_path, tmp_path_factory.mktemp("auth"), prepare=_accounts) as url:
        yield url


def sign_in(page, name: str, labels: tuple[str, str, str]) -> None:
    user, password, button = labels
    page.get_by_role("textbox", name=user).fill(name)
    page.get_by_role("textbox", name=password).fill(PW)
    driver.rerun(page, page.get_by_role("button", name=button).click)


def nav_links(page) -> list[str]:
    """The navigation's page titles (each link's last line: the icon's ligature comes first)."""
    return [x.strip().splitlines()[-1] for x in page.locator('[data-testid="stSidebarNavLink"]').all_inner_texts()]


def test_a_viewer_signs_in_sees_no_data_page_and_signs_out(auth_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        driver.open_page(page, auth_url, "overview", "lang=en")
        expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=60_000)
        assert page.locator('[data-testid="stMetricValue"]').count() == 0  # nothing before signing in
        page.screenshot(path=SHOTS / "auth_sign_in_en.png")
        sign_in(page, "vera", ("User name", "Password", "Sign in"))
        expect(page.get_by_text("Signed in as vera (viewer)")).to_be_visible(timeout=90_000)
        expect(page.locator('[data-testid="stMetricValue"]').first).to_be_visible(timeout=90_000)
        links = nav_links(page)
        assert "Overview" in links and "Present" in links
        assert "Data" not in links and "Users" not in links
        # the Data page's URL: a refusal (a new page load: the cookie keeps the sign-in)
        driver.open_page(page, auth_url, "data", "lang=en")
        expect(page.get_by_text("Not allowed: the Data page needs the analyst role.")).to_be_visible(timeout=90_000)
        assert page.locator('[data-testid="stFileUploader"]').count() == 0
        driver.rerun(page, page.get_by_role("button", name="Sign out").click)
        expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=60_000)
        assert driver.exceptions(page) == []
    finally:
        page.close()


@pytest.mark.parametrize(("lang", "labels"), [("en", ("User name", "Password", "Sign in")),
                                               ("zh", ("用户名", "密码", "登录"))])
def test_the_users_page_for_an_admin(auth_url, browser, lang, labels):
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    try:
        driver.open_page(page, auth_url, "users", f"lang={lang}")
        expect(page.get_by_role("button", name=labels[2])).to_be_visible(timeout=60_000)
        if lang == "zh":
            page.screenshot(path=SHOTS / "auth_sign_in_zh.png")
        sign_in(page, "boss", labels)
        expect(page.get_by_role("heading", name="用户与权限" if lang == "zh" else "Users and roles")).to_be_visible(
            timeout=90_000)
        expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible(timeout=90_000)  # the accounts
        page.screenshot(path=SHOTS / f"auth_users_{lang}.png", full_page=True)
        log = page.locator('[data-testid="stDataFrame"]').last  # the accounts' audit rows, below the forms
        log.scroll_into_view_if_needed()
        log.screenshot(path=SHOTS / f"auth_users_log_{lang}.png")
        assert driver.exceptions(page) == []
    finally:
        page.close()
