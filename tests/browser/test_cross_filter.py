"""Cross-filtering in Chromium (issue 19): a bar clicked on Delivered value's quadrant steps narrows the page
to that quadrant, a group's dot on its satisfaction-gap chart filters it (and every page) to that group, a week
clicked on Word of mouth's volumes narrows its customers and breakdown; a chip says so, the link keeps it, and
Clear restores the page. Both languages. The narrowed cards and tables (read from the page and from its CSV
downloads) are compared with the analytics functions called with that filter, on the store the app runs on.

Screenshots: artifacts/screenshots/cross_filter_delivered_value_{en,zh}.png, cross_filter_dv_group_{en,zh}.png,
cross_filter_word_of_mouth_{en,zh}.png.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from analytics import delivered_value as dv
from analytics import filters as flt
from analytics import word_of_mouth as wom
from analytics.filters import Filters
from analytics.store import db
from i18n import Translator
from tests.browser import driver
from tests.browser.driver import SHOTS

pytestmark = pytest.mark.browser
WAIT = 120_000  # ms; the machine may be busy


@pytest.fixture(scope="module")
def store(demo_refreshed_path: Path):
    """The store the app's copy was made from (read-only): the figures the page must show."""
    con = db.connect(demo_refreshed_path, read_only=True)
    yield con
    con.close()


def _opening_filter(con) -> Filters:
    """The filter a page opens on: every customer over the store's default period."""
    return Filters(*flt.latest_period(con))


def _param(page: Page, name: str) -> str | None:
    return parse_qs(urlparse(page.url).query).get(name, [None])[0]


def _download(page: Page, key: str) -> pd.DataFrame:
    """The CSV of the download button keyed ``key`` (its ``# `` filter lines skipped), as text."""
    button = page.locator(f".st-key-{key} button")
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=WAIT) as info:
        button.click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("# "))
    return pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False)


def _card(page: Page, label: str):
    """The value of the KPI card labelled ``label``."""
    card = page.locator('[data-testid="stMain"] [data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=label))
    return card.locator('[data-testid="stMetricValue"]')


def _pattern(text: str) -> re.Pattern[str]:
    """``text`` with each NUL standing for any value (a count, a date) as a pattern."""
    return re.compile(".+".join(re.escape(part) for part in text.split("\0")))


def _click(page, locator) -> None:
    """Click where ``locator`` (a bar or marker) is drawn: Plotly's drag layer lies over it."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    driver.rerun(page, lambda: page.mouse.click(x, y), timeout_s=240)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_quadrant_bar_narrows_delivered_value_until_cleared(app_url, browser, store, lang):
    t = Translator(lang)
    everyone = dv.delivered_value(store, _opening_filter(store)).customers
    winners = everyone.loc[everyone["quadrant"] == dv.WIN_WIN, "customer_id"]
    context = browser.new_context(viewport={"width": 1500, "height": 1400})
    try:
        page = context.new_page()
        driver.open_page(page, app_url, "delivered_value", f"lang={lang}", until=".st-key-dv_steps .js-plotly-plot",
                         timeout_s=240)
        hint = page.get_by_text(t("dv.selected.hint"))
        expect(hint).to_be_visible(timeout=WAIT)
        win = t("dv.quadrant.win_win")
        # The last step's win-win bar (the first trace of the stacked bars).
        _click(page, page.locator(".st-key-dv_steps g.barlayer g.trace").first.locator("g.point path").last)

        chip = page.get_by_text(t("drill.pick_chip", dimension=t("dv.col.quadrant"), value=win))
        expect(chip).to_be_visible(timeout=WAIT)
        # The quadrant's customers listed: as many as analytics puts in it over the period, and exactly those.
        heading = page.get_by_text(t("dv.quadrant_customers.title", quadrant=win, n=f"{len(winners):,}"), exact=True)
        expect(heading).to_be_visible(timeout=WAIT)
        expect(hint).to_have_count(0)
        assert "quadrant=win_win" in page.url
        listed = _download(page, "dv_selected_csv")
        assert sorted(listed[t("common.customer_id")]) == sorted(winners)
        assert set(listed[t("dv.col.quadrant")]) == {win}
        assert driver.exceptions(page) == []
        chip.scroll_into_view_if_needed()
        page.screenshot(path=SHOTS / f"cross_filter_delivered_value_{lang}.png")

        driver.rerun(page, page.locator(".st-key-dv_pick_clear button").click, timeout_s=240)
        expect(chip).to_have_count(0, timeout=WAIT)
        expect(hint).to_be_visible(timeout=WAIT)  # the table of the pick is gone again
        assert "quadrant=" not in page.url
        assert driver.exceptions(page) == []
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_group_dot_on_the_gap_chart_narrows_delivered_value_to_its_figures_until_cleared(app_url, browser, store, lang):
    """A segment's dot on the satisfaction-gap chart filters the page (and every page) to that segment: the cards and
    the groups table show dv.delivered_value's figures for it; Clear brings back every customer's."""
    t = Translator(lang)
    base = _opening_filter(store)
    everyone = dv.delivered_value(store, base)
    value, assessed = t.metric("delivered_value_mean"), t.metric("assessed_customers")
    context = browser.new_context(viewport={"width": 1500, "height": 1400})
    try:
        page = context.new_page()
        driver.open_page(page, app_url, "delivered_value", f"lang={lang}", until=".st-key-dv_gap .js-plotly-plot",
                         timeout_s=240)
        expect(_card(page, value)).to_have_text(t.figure("delivered_value_mean", everyone.summary.delivered_value_mean))
        expect(_card(page, assessed)).to_have_text(t.figure("assessed_customers", everyone.summary.assessed_customers))
        groups = _download(page, "dv_groups_dl_csv")
        assert list(groups[t.metric("customers")].astype(int)) == list(everyone.groups["segment"]["customers"])
        # The perception dot of the last segment of the first level's panel (the first row is every customer's).
        panel = page.locator(".st-key-dv_gap g.subplot.xy g.scatterlayer g.trace")
        _click(page, panel.last.locator("g.points path").first)

        segment = _param(page, "segment")
        assert segment in set(everyone.groups["segment"]["group"].astype(str)), page.url
        one = dv.delivered_value(store, dataclasses.replace(base, segments=(segment,)))
        assert 0 < one.summary.assessed_customers < everyone.summary.assessed_customers
        chip = page.get_by_text(t("drill.chip", dimension=t.dimension("segment"), value=t.value("segment", segment)))
        expect(chip).to_be_visible(timeout=WAIT)
        expect(_card(page, value)).to_have_text(t.figure("delivered_value_mean", one.summary.delivered_value_mean),
                                                timeout=WAIT)
        expect(_card(page, assessed)).to_have_text(t.figure("assessed_customers", one.summary.assessed_customers))
        narrowed = _download(page, "dv_groups_dl_csv")  # one group left: the segment, with analytics' figures
        assert list(narrowed[t.metric("customers")].astype(int)) == [one.summary.assessed_customers]
        assert float(narrowed[t("dv.col.delivered")].iloc[0]) == pytest.approx(
            float(one.groups["segment"]["delivered_value"].iloc[0]))
        assert driver.exceptions(page) == []
        chip.scroll_into_view_if_needed()
        page.screenshot(path=SHOTS / f"cross_filter_dv_group_{lang}.png")

        driver.rerun(page, page.locator(".st-key-drill_chip_clear button").click, timeout_s=240)
        expect(chip).to_have_count(0, timeout=WAIT)
        assert _param(page, "segment") is None
        expect(_card(page, assessed)).to_have_text(t.figure("assessed_customers", everyone.summary.assessed_customers))
        assert _download(page, "dv_groups_dl_csv").equals(groups)
        assert driver.exceptions(page) == []
    finally:
        context.close()


# The customer point of the win-win map farthest from any other (on screen, px), so that a click there hits it alone.
LONE_POINT = """(sel) => {
  const gd = document.querySelector(sel + ' .js-plotly-plot');
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, box = gd.getBoundingClientRect();
  const pts = [];
  for (const tr of gd._fullData) {
    if (tr.type !== 'scattergl' || !tr.customdata) continue;
    for (let i = 0; i < tr.x.length; i++)
      pts.push({id: tr.customdata[i][0], x: box.left + xa._offset + xa.l2p(tr.x[i]),
                y: box.top + ya._offset + ya.l2p(tr.y[i])});
  }
  let best = null, far = -1;
  for (const p of pts) {
    let near = Infinity;
    for (const q of pts) if (q !== p) near = Math.min(near, Math.hypot(p.x - q.x, p.y - q.y));
    if (near > far) { far = near; best = p; }
  }
  return {...best, far};
}"""


@pytest.mark.parametrize(("lang", "back"), [("en", "Back to Delivered value"), ("zh", "返回客户让渡价值")])
def test_a_customer_point_on_the_win_win_map_opens_customer_360_in_this_tab(app_url, browser, lang, back):
    context = browser.new_context(viewport={"width": 1500, "height": 1400})
    try:
        page = context.new_page()
        driver.open_page(page, app_url, "delivered_value", f"lang={lang}", until=".st-key-dv_map_month_0 .js-plotly-plot",
                         timeout_s=240)
        page.locator(".st-key-dv_map_month_0").scroll_into_view_if_needed()
        point = page.evaluate(LONE_POINT, ".st-key-dv_map_month_0")
        assert point["far"] > 20, point  # a point drawn apart from the others (markers are 5-36 px wide)
        page.mouse.move(point["x"], point["y"])
        page.mouse.click(point["x"], point["y"])

        link = page.get_by_role("link", name=back)  # Customer 360 of that customer, with the way back
        expect(link).to_be_visible(timeout=WAIT)
        assert len(context.pages) == 1  # the same tab
        assert _param(page, "customer") == point["id"] and _param(page, "back") == "delivered_value", page.url
        expect(page.locator('[data-testid="stMetric"]').first).to_be_visible(timeout=WAIT)
        assert driver.exceptions(page) == []
        link.click()
        expect(page.locator(".st-key-dv_map_month_0 .js-plotly-plot")).to_be_visible(timeout=WAIT)
        assert "/delivered_value" in page.url and len(context.pages) == 1
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_week_on_the_volumes_narrows_word_of_mouth_until_cleared(app_url, browser, store, lang):
    t = Translator(lang)
    base = _opening_filter(store)
    context = browser.new_context(viewport={"width": 1500, "height": 1400})
    try:
        page = context.new_page()
        driver.open_page(page, app_url, "word_of_mouth", f"lang={lang}", until=".st-key-wom_volumes .js-plotly-plot",
                         timeout_s=240)
        since = page.get_by_text(_pattern(t("wom.customers.title", since="\0")))
        expect(since).to_be_visible(timeout=WAIT)
        before = _download(page, "wom_customers_csv")
        # A marker of the complaints series, eight weeks before the end.
        marker = page.locator(".st-key-wom_volumes g.scatterlayer g.trace").first.locator("g.points path").nth(-8)
        _click(page, marker)

        week = t("wom.week_of", date="\0")
        chip = page.get_by_text(_pattern(t("drill.pick_chip", dimension=t("wom.pick.dimension"), value=week)))
        expect(chip).to_be_visible(timeout=WAIT)
        title = page.get_by_text(_pattern(t("wom.customers.title_period", period=week)))
        expect(title).to_be_visible(timeout=WAIT)  # the customers of that week: the table changed
        expect(since).to_have_count(0)
        # The customers behind that week's complaints (Monday to Sunday), as analytics counts them.
        start = pd.Timestamp(_param(page, "period")).date()
        assert start.weekday() == 0 and base.date_from <= start <= base.date_to
        week_filter = base.with_period(start, min(start + dt.timedelta(days=6), base.date_to))
        expected = wom.feedback_customers(store, week_filter)
        listed = _download(page, "wom_customers_csv")
        assert len(expected) and list(listed["customer_id"]) == list(expected["customer_id"])
        assert list(listed["complaints"].astype(int)) == list(expected["complaints"])
        assert driver.exceptions(page) == []
        chip.scroll_into_view_if_needed()
        page.screenshot(path=SHOTS / f"cross_filter_word_of_mouth_{lang}.png")

        driver.rerun(page, page.locator(".st-key-wom_pick_clear button").click, timeout_s=240)
        expect(chip).to_have_count(0, timeout=WAIT)
        expect(title).to_have_count(0, timeout=WAIT)
        expect(since).to_be_visible(timeout=WAIT)  # the customers since the last upturn again
        assert "period=" not in page.url
        assert _download(page, "wom_customers_csv").equals(before)
        assert driver.exceptions(page) == []
    finally:
        context.close()
