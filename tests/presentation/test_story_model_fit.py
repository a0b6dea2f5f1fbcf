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
    assert [d["name"].split(" · ")[0] for d in _listed(spec)[1:]] == [name[k] for k in comparison.KINDS if k in comp.fits]
    assert name["pareto_nbd"] == t("cv.model.name.pareto_nbd_limit")
    frame = s.appendix.frame
    assert list(frame[t("cv.compare.col.model")]) == [name[k] for k in comparison.KINDS]
    assert list(frame[t("cv.compare.col.actual")]) == list(comp.rows["actual"])


def test_without_purchases_the_slide_says_so(demo_con):
    t = Translator("zh", db.currency(demo_con))
    with db.cursor(demo_con) as cur:
        s = story.slide(cur, Filters("2025-11-01", "2026-10-31", segments=("Nobody",)), t, "model_fit")
    assert s.takeaway == t("pres.take.no_customers") and not s.figure.data


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_diagnostics_slide_shows_conditional_expectations_and_the_p_alive_matrix(demo_con, lang):
    """The deck's other diagnostics (issue 17: "on the Customer value page and in the deck"): conditional
    expectations by calibration repeat purchases as the chart, the chosen model's P(alive) matrix as the
    appendix, each model named as fitted; a step to add, not in the default story."""
    t = Translator(lang, db.currency(demo_con))
    with db.cursor(demo_con) as cur:
        f = Filters(*filters.latest_period(cur))
        s = story.slide(cur, f, t, "model_diagnostics")
        comp, tr = tracking.diagnostics(cur, f)
    assert "model_diagnostics" in story.step_keys() and "model_diagnostics" not in story.default_story()
    name = {k: t("cv.model.name.pareto_nbd_limit") if k == "pareto_nbd" else t(f"cv.model.name.{k}")
            for k in comparison.KINDS}  # the demo's Pareto/NBD is its homogeneous drop-out limit
    assert comparison.variant_of(comp.model("pareto_nbd")) == "homogeneous_dropout" and comp.chosen == "pareto_nbd"
    spec = s.figure.to_plotly_json()
    assert [d["name"] for d in _listed(spec)] == [t("cv.series.actual"), *(name[k] for k in comparison.KINDS)]
    by = tr.by_frequency.set_index("bucket")
    assert _array(spec["data"][0]["y"]) == pytest.approx(list(by["actual"]))
    assert [h.value for h in s.headlines] == [t.num(by.loc["0", "actual"], 2), t.num(by.loc["7+", "actual"], 2)]
    assert s.headlines[0].note == t("pres.head.conditional_note", model=name["pareto_nbd"],
                                    value=t.num(by.loc["0", "expected_pareto_nbd"], 2))
    frame = s.appendix.frame
    assert list(frame.iloc[:, 0]) == [0, 1, 2, 3, 5, 10, 20]
    # the first recency column (0) and the last (the cohort's age) as the page's matrix has them
    assert list(frame.iloc[1:, 1]) == pytest.approx(list(tr.p_alive.loc[[1, 2, 3, 5, 10, 20]].iloc[:, 0]))
    assert list(frame.iloc[:, -1])[1:] == pytest.approx(list(tr.p_alive.loc[[1, 2, 3, 5, 10, 20]].iloc[:, -1]))
    assert name["pareto_nbd"] in s.appendix.title and name["pareto_nbd"] in s.takeaway


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_weekly_tracking_slide_shows_each_week_and_the_holdout_means(demo_con, lang):
    """The deck's weekly (incremental) tracking plot (issue 17), each model named as fitted; headlines: the
    holdout's mean repeat purchases a week, actual and the chosen model's; not in the default story."""
    t = Translator(lang, db.currency(demo_con))
    with db.cursor(demo_con) as cur:
        f = Filters(*filters.latest_period(cur))
        s = story.slide(cur, f, t, "model_tracking")
        _, tr = tracking.diagnostics(cur, f)
    assert "model_tracking" in story.step_keys() and "model_tracking" not in story.default_story()
    limit = t("cv.model.name.pareto_nbd_limit")
    spec = s.figure.to_plotly_json()
    assert [d["name"].split(" · ")[0] for d in _listed(spec)] == [
        t("cv.series.actual"), t("cv.model.name.bgnbd"), limit, t("cv.model.name.mbg_nbd")]
    w = tr.weeks
    whole = w.iloc[:-1] if (w["week_end"].iloc[-1] - w["week_end"].iloc[-2]).days < 7 else w
    assert _array(spec["data"][0]["y"]) == [int(v) for v in whole["actual"]]  # incremental, not cumulative
    hold = whole[whole["period"] == "holdout"]
    assert [h.value for h in s.headlines] == [t.num(hold["actual"].mean(), 0), t.num(hold["expected"].mean(), 0)]
    assert limit in s.headlines[1].label and limit in s.takeaway


def _listed(spec: dict) -> list[dict]:
    """The traces in the legend's order (Plotly's legendrank, 1000 by default; the chosen model is drawn last)."""
    return sorted(spec["data"], key=lambda d: d.get("legendrank", 1000))
