"""The Improvement plans page in Chromium, in both languages: open a saved plan in the builder, add a
lever with the builder's widgets, see the projection (curves, bridge, figures), compare two saved plans
side by side; screenshots in artifacts/screenshots/plans_*.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from analytics import scenario as sc
from analytics.store import db
from i18n import Translator
from tests.browser import driver
from tests.browser.driver import SHOTS
from tests.helpers import refreshed

pytestmark = pytest.mark.browser
PLANS = {
    "Remote support first": (
        sc.ChannelMigration(from_activity="onsite_support", to_activity="support_call", share=0.4, units_per_unit=3),
        sc.ActivityPricing(activity="rush_order", fee=200, allowance=3, behaviour_share=0.5,
                           customers=sc.Selector.loss_makers())),
    "合作伙伴接手亏损的大众客户": (
        sc.RelationshipTransition(mode="partner", margin_share=0.1,
                                  customers=sc.Selector("segment", ("Mass",), loss_makers_only=True)),),
}
TIMEOUT = 120_000


def prepare(db_path: Path) -> None:
    """Two saved plans (the second saved last: the saved-plans list shows it first)."""
    con = db.connect(db_path)
    for name, levers in PLANS.items():
        sc.plans.save(con, name, levers, author="finance", description="browser test")
    con.close()
    refreshed(db_path)  # plans and stories change no data: the stored fits are carried over (a second)


@pytest.fixture(scope="module")
def app_url(demo_refreshed_path: Path, tmp_path_factory: pytest.TempPathFactory):
    with driver.app_on_copy(demo_refreshed_path, tmp_path_factory.mktemp("browser_plans"), prepare=prepare) as url:
        yield url


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_open_a_plan_add_a_lever_and_compare(app_url, browser, lang):
    t = Translator(lang, "CNY")
    first, second = PLANS
    # Streamlit scrolls inside its main block: a full-page screenshot shows only the viewport's height.
    page = browser.new_page(viewport={"width": 1500, "height": 5600})
    try:
        driver.open_page(page, app_url, "plans", f"lang={lang}")
        expect(page.locator("h1").first).to_have_text(t("plans.title"), timeout=TIMEOUT)
        expect(page.get_by_text(t("plans.levers.none"))).to_be_visible(timeout=TIMEOUT)

        # Saved plans: open the first plan in the builder.
        page.get_by_role("tab", name=t("plans.tab.saved")).click()
        pick = page.locator('[data-testid="stSelectbox"]').filter(has_text=t("plans.saved.pick"))
        expect(pick).to_be_visible(timeout=TIMEOUT)
        pick.click()
        page.get_by_role("option", name=first).click()  # may be the choice already shown: then no run
        expect(pick.get_by_role("combobox")).to_have_value(first)
        driver.rerun(page, page.get_by_role("button", name=t("plans.saved.load")).click)
        expect(page.get_by_text(t("plans.saved.loaded", name=first))).to_be_visible(timeout=TIMEOUT)

        # Build: its two levers, then a third from the builder (its defaults: deliveries 10 % cheaper).
        page.get_by_role("tab", name=t("plans.tab.build")).click()
        expect(page.get_by_text(t("plans.levers.title"))).to_be_visible(timeout=TIMEOUT)
        driver.rerun(page, page.get_by_role("button", name=t("plans.add.button")).click)
        added = page.get_by_text(t("plans.add.added", n=3, lever="|").split("|")[0], exact=False)
        expect(added.first).to_be_visible(timeout=TIMEOUT)
        panel = page.locator('[data-testid="stTabPanel"]:visible')  # the open tab's content
        expect(panel.locator(".js-plotly-plot").first).to_be_visible(timeout=TIMEOUT)
        assert panel.locator(".js-plotly-plot").count() == 3  # the whale curves, where profit moves, the bridge
        assert panel.locator(".js-plotly-plot").first.locator(".scatterlayer .trace").count() >= 2
        assert panel.get_by_text(t("plans.card", figure=t.metric("profit"))).count() >= 1
        for rule in ("scope.effective_from", "migration.moved_at_target_rate", "pricing.rest_pay_fee"):
            assert panel.get_by_text(t(f"scenario.rule.{rule}"), exact=False).count() >= 1
        assert driver.exceptions(page) == []
        page.screenshot(path=SHOTS / f"plans_build_{lang}.png", full_page=True)

        # Compare: both saved plans, side by side.
        page.get_by_role("tab", name=t("plans.tab.compare")).click()
        choose = page.locator('[data-testid="stMultiSelect"]').filter(has_text=t("plans.cmp.pick"))
        expect(choose).to_be_visible(timeout=TIMEOUT)
        for name in (first, second):
            choose.click()
            driver.rerun(page, page.get_by_role("option", name=name).click)
        panel = page.locator('[data-testid="stTabPanel"]:visible')
        expect(panel.get_by_text(t("plans.cmp.table"))).to_be_visible(timeout=TIMEOUT)
        expect(panel.locator(".js-plotly-plot").first).to_be_visible(timeout=TIMEOUT)
        page.keyboard.press("Escape")  # closes the list: no run
        legend = panel.locator(".js-plotly-plot").first.locator(".legendtext").evaluate_all(
            "els => els.map(e => e.textContent)")
        assert legend == [t("plans.curve.baseline"), t("plans.card", figure=first), t("plans.card", figure=second)]
        assert driver.exceptions(page) == []
        page.screenshot(path=SHOTS / f"plans_compare_{lang}.png", full_page=True)
    finally:
        page.close()
