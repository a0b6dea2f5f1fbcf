"""The app talks only to its own server: no font, icon or script from the internet (the favicon is shipped).

Every request the browser makes while the Overview loads (page, scripts, fonts, websocket, images) is
recorded; all must go to the app's own host (or be inline ``data:``/``blob:`` URLs).
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.browser import driver

pytestmark = pytest.mark.browser
LOCAL_HOSTS = {"localhost", "127.0.0.1"}


def _local(url: str) -> bool:
    u = urlparse(url)
    return u.scheme in ("data", "blob") or u.hostname in LOCAL_HOSTS


def test_overview_requests_nothing_from_another_host(app_url, browser):
    """Before the fix the ``:material/insights:`` favicon was fetched from fonts.gstatic.com."""
    page = browser.new_page(viewport={"width": 1500, "height": 1800})
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.on("websocket", lambda ws: urls.append(ws.url))
    try:
        driver.open_page(page, app_url, "overview", "lang=en", until='[data-testid="stMetric"]')
        icon = page.locator('link[rel~="icon"]').first
        expect(icon).to_have_attribute("href", re.compile(rf"^{re.escape(app_url)}/media/\w+\.png$"), timeout=30_000)
        served = page.request.get(icon.get_attribute("href"))
        assert served.ok and served.body()[:8] == b"\x89PNG\r\n\x1a\n"  # ui/assets/icon.png, from the app
    finally:
        page.close()
    assert [u for u in urls if not _local(u)] == []
    assert any(u.startswith(app_url) for u in urls) and any(u.startswith("ws://127.0.0.1") for u in urls)
