"""A code deploy under the running app signs nobody out (issue 15).

With Streamlit's file watcher on (``server.fileWatcherType`` "auto"), a changed ``.py`` file of the app
evicts every watched module from ``sys.modules``; the next run of each session imports ``ui.auth`` afresh,
with no signed-in session left, and everyone is sent back to the sign-in form. The served app runs with the
watcher off. The server here runs on a copy of the app's code, so that the change does not touch this checkout.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from analytics import users
from analytics.store import db
from tests.browser import driver

pytestmark = pytest.mark.browser
PW = "pass-word-1"
APP = ("app.py", ".streamlit", "analytics", "charts", "cli", "i18n", "presentation", "ui", "views")


@pytest.fixture(scope="module")
def copy_url(demo_path: Path, tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("watcher")
    root = work / "app"
    root.mkdir()
    for name in APP:
        src = driver.ROOT / name
        if src.is_dir():
            shutil.copytree(src, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src, root / name)
    store = work / "app.duckdb"
    shutil.copy(demo_path, store)
    con = db.connect(store)
    try:
        users.add_user(con, "boss", PW, "admin")
        users.add_user(con, "vera", PW, "viewer", regions=["East"])
    finally:
        con.close()
    with driver.server(store, work / "streamlit.log", root=root) as url:
        yield url, root


def test_a_changed_source_file_keeps_sessions_signed_in(copy_url, browser):
    url, root = copy_url
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        driver.open_page(page, url, "overview", "lang=en")
        page.get_by_role("textbox", name="User name").fill("vera")
        page.get_by_role("textbox", name="Password").fill(PW)
        driver.rerun(page, page.get_by_role("button", name="Sign in").click)
        expect(page.get_by_text("Signed in as vera (viewer)")).to_be_visible(timeout=120_000)
        # A deploy: a module every run imports changes on disk while the session is open.
        module = root / "ui" / "components.py"
        module.write_text(module.read_text(encoding="utf-8") + "\n# deployed\n", encoding="utf-8")
        (root / "views" / "overview.py").write_text((root / "views" / "overview.py").read_text(encoding="utf-8")
                                                    + "\n# deployed\n", encoding="utf-8")
        # The session goes on: a page switch and back, each a run of the app, still signed in, still East only.
        for title in ("Profit concentration", "Overview"):
            driver.rerun(page, page.locator('[data-testid="stSidebarNavLink"]', has_text=title).click)
            expect(page.get_by_text("Signed in as vera (viewer)")).to_be_visible(timeout=120_000)
            expect(page.locator('[data-testid="stMetricValue"]').first).to_be_visible(timeout=120_000)
        assert page.get_by_role("button", name="Sign in").count() == 0
        assert page.get_by_text("Source file changed").count() == 0  # no prompt to rerun either
        assert driver.exceptions(page) == []
    finally:
        page.close()
