"""The Customer value page's contract customers: the report's figures, the retention chart per plan
(actual, fitted, projected), the fits in plain words, in both languages; a store without contracts."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from analytics import filters
from analytics.contracts import retention
from analytics.filters import Filters
from analytics.store import db
from i18n import Translator
from tests.ui.apptest import assert_ok, chart_titled, metrics, start

PAGE = "views/customer_value.py"


def _array(values) -> np.ndarray:
    """A Plotly spec's array: a list, or Plotly's typed array ({"dtype", "bdata"})."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return np.asarray(values, dtype=float)


def _values(path) -> retention.ContractValues:
    con = db.connect(path)
    try:
        with con.cursor() as cur:
            return retention.contract_values(cur, Filters(*filters.latest_period(cur)))
    finally:
        con.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_contract_customers_section(refreshed_app_db, lang):
    at = start(lang, page=PAGE)
    assert_ok(at)
    t = Translator(lang)
    v = _values(refreshed_app_db)
    assert t("cv.section.contracts") in [h.value for h in at.subheader]
    m = metrics(at)
    assert m[t.metric("contract_customers")] == t.figure("contract_customers", len(v.customers))
    assert m[t.metric("contractual_clv")] == t.figure("contractual_clv", v.total_clv)
    spec = chart_titled(at, t("cv.contracts.chart"))
    names = [tr["name"] for tr in spec["data"]]
    for plan in ("Annual contract", "Postpaid"):
        label = t.value("plan", plan)
        assert {t(f"cv.contracts.series.{s}", plan=label) for s in ("actual", "fitted", "projected")} <= set(names)
    # the fitted line starts at 100 % under contract; the projection reaches five years
    fitted = next(tr for tr in spec["data"] if tr["name"] == t("cv.contracts.series.fitted", plan=t.value("plan", "Postpaid")))
    assert _array(fitted["y"])[0] == 1.0
    projected = [tr for tr in spec["data"] if tr["name"].endswith(t("cv.contracts.series.projected", plan=""))]
    assert max(_array(tr["x"]).max() for tr in projected) >= retention.PROJECT_MONTHS
    # each plan's fit in plain words, with α and β as fitted
    text = " ".join(md.value for md in at.markdown)
    for p in v.plans.itertuples():
        assert f"α = {t.num(p.alpha, 2)}" in text and f"β = {t.num(p.beta, 2)}" in text
        assert t.value("plan", p.plan) in text
    assert t("cv.contracts.coverage", n=t.num(len(v.customers))) in [c.value for c in at.caption]


def test_a_start_year_shows_that_cohorts_own_curves(refreshed_app_db):
    at = start("en", page=PAGE)
    t = Translator("en")
    v = _values(refreshed_app_db)
    at.selectbox(key="cv_contract_cohort").set_value(2025).run()
    assert_ok(at)
    spec = chart_titled(at, t("cv.contracts.chart.cohort", year=2025))
    cc = v.cohort_curves[(v.cohort_curves["cohort"] == 2025) & (v.cohort_curves["plan"] == "Postpaid")]
    fitted = next(tr for tr in spec["data"] if tr["name"] == t("cv.contracts.series.fitted", plan=t.value("plan", "Postpaid")))
    n = len(_array(fitted["y"]))
    assert np.allclose(_array(fitted["y"]), cc["survival_fitted"].to_numpy()[:n])


def test_without_contracts_the_section_says_how_to_get_them(app_db):
    con = db.connect(app_db)
    with db.write(con) as cur:
        cur.execute("DELETE FROM contracts")
    con.close()
    at = start("en", page=PAGE)
    assert_ok(at)
    t = Translator("en")
    assert t("cv.contracts.none") in [i.value for i in at.info]
    assert t.metric("contract_customers") not in metrics(at)
