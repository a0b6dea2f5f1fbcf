"""The deck's purchase-model slide (issue 17): the cumulative tracking plot and the comparison, with
analytics' figures."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from analytics import filters
from analytics.clv import comparison, tracking
from analytics.filters import Filters
from analytics.store import db
from i18n import Translator
from presentation import story


def _array(values: object) -> list[float]:
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_model_slide_shows_the_tracking_and_the_comparison(demo_con, lang):
    t = Translator(lang, db.currency(demo_con))
    with db.cursor(demo_con) as cur:
        f = Filters(*filters.latest_period(cur))
        s = story.slide(cur, f, t, "model_fit")
        comp, tr = tracking.diagnostics(cur, f)
    assert "model_fit" in story.step_keys() and s.page == "customer_value"
    # a model is named as fitted: Pareto/NBD's homogeneous-dropout limit by its own name (the demo's case)
    name = {k: t(f"cv.model.name.{k}_limit" if comparison.variant_of(comp.fits.get(k)) == "homogeneous_dropout"
                 else f"cv.model.name.{k}") for k in comparison.KINDS}
    rows = comp.rows.set_index("model")
    assert {h.label: h.value for h in s.headlines} == {
        name[k]: (t.pct(rows.loc[k, "aggregate_error"], 1, signed=True) if k in comp.fits else t("cv.compare.unfitted"))
        for k in comparison.KINDS}
    assert name[comp.chosen] in s.takeaway and t.num(rows.loc[comp.chosen, "actual"]) in s.takeaway
    spec = s.figure.to_plotly_json()
    assert _array(spec["data"][0]["y"])[-1] == int(tr.weeks["actual_cumulative"].iloc[-1])
    # the tracking chart's legend names each model as fitted too: the limit, never "Pareto/NBD" alone (issue 17)
    chosen = next(d for d in spec["data"] if d["name"] == f"{name[comp.chosen]} · {t('cv.compare.chosen_tag')}")
    assert _array(chosen["y"])[-1] == pytest.approx(tr.weeks["expected_cumulative"].iloc[-1])
    assert [d["name"].split(" · ")[0] for d in spec["data"][1:]] == [name[k] for k in comparison.KINDS if k in comp.fits]
    assert name["pareto_nbd"] == t("cv.model.name.pareto_nbd_limit")
    frame = s.appendix.frame
    assert list(frame[t("cv.compare.col.model")]) == [name[k] for k in comparison.KINDS]
    assert list(frame[t("cv.compare.col.actual")]) == list(comp.rows["actual"])


def test_without_purchases_the_slide_says_so(demo_con):
    t = Translator("zh", db.currency(demo_con))
    with db.cursor(demo_con) as cur:
        s = story.slide(cur, Filters("2025-11-01", "2026-10-31", segments=("Nobody",)), t, "model_fit")
    assert s.takeaway == t("pres.take.no_customers") and not s.figure.data
