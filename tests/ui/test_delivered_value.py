"""The Delivered value page under AppTest: same numbers as ``report --json``, every chart, the
page's own widgets, and a clear message instead of a crash when there are no assessments."""

from __future__ import annotations

import json

import pytest

import cli
from analytics import delivered_value as dv
from analytics.store import db
from charts.delivered_value import score
from i18n import Translator
from tests.helpers import D, build_store, customer
from tests.ui.apptest import assert_ok, metrics, plotly_specs, start

PAGE = "views/delivered_value.py"


def report_json(demo_path, capsys, *args: str) -> dict:
    assert cli.main(["report", "--db", str(demo_path), "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def expected_metrics(out: dict, lang: str) -> dict[str, str]:
    t = Translator(lang)
    return {
        t.metric("delivered_value_mean"): score(out["delivered_value_mean"], t),
        t.metric("customer_value_mean"): score(out["customer_value_mean"], t),
        t.metric("customer_cost_mean"): score(out["customer_cost_mean"], t),
        t.metric("value_cost_ratio"): score(out["value_cost_ratio"], t),
        t.metric("satisfaction_gap_mean"): score(out["satisfaction_gap_mean"], t, signed=True),
        t.metric("share_below_expectation"): t.pct(out["share_below_expectation"]),
        t.metric("winwin_share"): t.pct(out["winwin_share"]),
        t.metric("assessed_customers"): t.num(out["assessed_customers"]),
    }


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_page_shows_the_report_numbers_under_filters(refreshed_app_db, demo_path, capsys, lang):
    out = report_json(demo_path, capsys, "--segment", "Corporate,SMB", "--region", "East")
    at = start(lang, page=PAGE, segment="Corporate,SMB", region="East")
    assert_ok(at)
    t = Translator(lang)
    assert at.title[0].value == t("dv.title")
    shown = metrics(at)
    for label, value in expected_metrics(out, lang).items():
        assert shown[label] == value, label
    assert out["assessed_customers"] > 0 and out["unassessed_customers"] > 0
    assert any(f"{out['unassessed_customers']:,}" in w.value for w in at.warning)
    # Entered / left the win-win zone, as in the report.
    assert shown[t.metric("winwin_entered")] == t.num(out["winwin_entered"])
    assert shown[t.metric("winwin_left")] == t.num(out["winwin_left"])


def test_page_without_filters_matches_report_and_draws_every_chart(refreshed_app_db, demo_path, capsys):
    out = report_json(demo_path, capsys)
    at = start("en", page=PAGE)
    assert_ok(at)
    shown = metrics(at)
    for label, value in expected_metrics(out, "en").items():
        assert shown[label] == value, label
    specs = plotly_specs(at)
    kinds = [{tr["type"] for tr in s["data"]} for s in specs]
    # waterfall, comparison, trend, dumbbell, win-win map, quadrant shares by period
    assert kinds[0] == {"waterfall"} and kinds[1] == {"waterfall"} and len(specs[1]["data"]) == 2
    assert kinds[2] == {"scatter"} and kinds[3] == {"scatter"}
    assert kinds[4] == {"scattergl"} and kinds[5] == {"bar"}
    win_map = specs[4]
    # A click must select one point (Streamlit's frontend turns click selection off under a select or lasso dragmode)
    assert win_map["layout"].get("dragmode") not in ("select", "lasso")
    assert len(win_map["layout"]["shapes"]) >= 4  # the four shaded quadrants
    labels = {a["text"] for a in win_map["layout"]["annotations"]}
    assert "<b>Win-win</b>" in labels and "<b>Neither gains</b>" in labels
    # one point per assessed customer, each carrying its customer_id first, for selections
    ids = [c[0] for tr in win_map["data"] for c in tr["customdata"]]
    assert len(ids) == len(set(ids)) == out["assessed_customers"] and all(i.startswith("C") for i in ids)
    map_proto = at.get("plotly_chart")[4].proto
    assert list(map_proto.selection_mode) == [0, 1, 2]  # points, box, lasso: selecting lists the customers


def test_page_widgets(refreshed_app_db):
    at = start("zh", page=PAGE)
    assert_ok(at)
    at.selectbox(key="dv_group_by").set_value("product").run()
    assert_ok(at)
    t = Translator("zh")
    groups = next(el.value for el in at.dataframe if "分组" in el.value.columns)
    assert t("dv.group.none") in set(groups["分组"]) and t.value("product", "Mobile plan") in set(groups["分组"])
    assert at.selectbox(key="dv_cmp_a_product").value is not None
    at.segmented_control(key="dv_scope").set_value("customer").run()
    assert_ok(at)
    first = at.selectbox(key="dv_scope_customer").options[0]
    assert first.startswith("C")
    at.segmented_control(key="dv_scope").set_value("group").run()
    assert_ok(at)
    at.segmented_control(key="dv_freq").set_value("quarter").run()
    assert_ok(at)
    slider = at.select_slider(key="dv_step_quarter")
    # the whole period, then Nov–Dec 2025 (part of Q4), four … and October 2026 (part of Q4)
    assert slider.options == [t("dv.winwin.whole"), "2025年Q4", "2026年Q1", "2026年Q2", "2026年Q3", "2026年Q4"]
    slider.set_value(len(slider.options) - 1).run()
    assert_ok(at)
    title = plotly_specs(at)[4]["layout"]["title"]["text"]
    assert "2026年Q4" in title and "2026年10月1日" in title  # the step is clipped to the period
    at.segmented_control(key="dv_map_scale").set_value("linear").run()
    assert_ok(at)
    assert "对称对数" not in plotly_specs(at)[4]["layout"]["yaxis"]["title"]["text"]


def test_no_assessments_gives_a_clear_message(tmp_path, monkeypatch):
    path = tmp_path / "noassess.duckdb"
    build_store(path, customers=[customer("A"), customer("B")], transactions=[
        {"transaction_id": "1", "customer_id": "A", "tx_date": D("2024-01-15"), "product": "p", "quantity": 1,
         "revenue": 100, "cogs": 50},
        # the 29th: February complete, so the default period (the last complete months) holds both customers
        {"transaction_id": "2", "customer_id": "B", "tx_date": D("2024-02-29"), "product": "p", "quantity": 1,
         "revenue": 80, "cogs": 50}]).close()
    monkeypatch.setenv(db.ENV_DB, str(path))
    for lang in ("en", "zh"):
        at = start(lang, page=PAGE)
        assert_ok(at)
        t = Translator(lang)
        assert any(t("dv.no_assessments", n="2") == i.value for i in at.info)
        assert not plotly_specs(at) and not metrics(at)


def test_every_code_the_page_names_has_both_languages():
    from analytics.metrics import DIMENSIONS
    from i18n import catalog

    keys = [*(f"dv.part.{p}" for p in dv.PARTS), *(f"dv.short.{p}" for p in dv.PARTS),
            *(f"dv.level.{lvl}" for lvl in dv.LEVELS), *(f"dv.quadrant.{q}" for q in (*dv.QUADRANTS, "not_assessed")),
            *(f"dv.move.{m}" for m in dv.MOVES), "dv.main_product",
            *(f"dv.freq.{k}" for k in dv.FREQS), "nav.delivered_value"]
    missing = [k for k in keys if k not in catalog()]
    assert not missing, missing
    # The other group dimensions are customer attributes, named by the registry (one label each).
    assert set(dv.DIMENSIONS) - {"product"} <= set(DIMENSIONS)
    assert catalog()["nav.delivered_value"] == ("客户让渡价值", "Delivered value")


def test_charts_from_hand_made_results():
    import numpy as np
    import pandas as pd

    from charts import delivered_value as dvc

    t = Translator("en")
    parts = dict(zip(dv.PARTS, (6, 6, 6, 6, 2, 2, 2, 2), strict=True))
    wf = dvc.waterfall(parts, t).data[0]
    assert list(wf.measure) == ["relative"] * 4 + ["total"] + ["relative"] * 4 + ["total"]
    assert list(wf.y)[:5] == [6, 6, 6, 6, 24] and list(wf.y)[5:9] == [-2, -2, -2, -2] and wf.y[-1] == 16
    cmp = dvc.compare(parts, {**parts, "money_cost": 20}, "A", "B", t)
    # one score axis for both groups, low enough for B's delivered value of 24 − 26 = −2
    assert cmp.layout.yaxis2.matches == "y" and cmp.layout.yaxis.range[0] < 0 < cmp.layout.yaxis.range[1]
    assert [a.text for a in cmp.layout.annotations][:2] == ["A", "B"]
    # the symmetric log axis keeps 0 at 0 and every sign
    assert list(dvc.symlog([-1000, 0, 1000], 100)) == pytest.approx([-np.log10(11), 0, np.log10(11)])
    assert dvc.symlog_base([5, -300, 250, 0]) == 100
    assert dvc.round_money(1e6, t) == "¥1M" and dvc.round_money(1e5, Translator("zh")) == "¥10万"
    pts = pd.DataFrame({"customer_id": ["a", "b", "c"], "name": ["A", "B", "C"], "delivered_value": [3.0, -1.0, 0.0],
                        "profit": [500.0, 200.0, -50.0], "revenue": [1000.0, 10.0, 0.0],
                        "quadrant": ["win_win", "company_only", "lose_lose"]})
    for scale in ("symlog", "linear"):
        fig = dvc.winwin_map(pts, t, scale=scale)
        assert {tr.type for tr in fig.data} == {"scattergl"} and len(fig.layout.shapes) >= 4
        assert [[row[0] for row in tr.customdata] for tr in fig.data] == [["a"], ["b"], ["c"]]
        sizes = [tr.marker.size[0] for tr in fig.data]
        assert sizes[0] > sizes[1] > sizes[2] == 5  # area grows with revenue; no revenue, smallest point
        # each point's hover: the trace's template filled from its customdata
        assert [_hover(tr.hovertemplate, tr.customdata[0]) for tr in fig.data] == [
            t("dv.map.hover", name=n, id=i, dv=score(v, t), profit=t.money(pr, compact=True),
              revenue=t.money(r, compact=True))
            for i, n, v, pr, r in zip(pts["customer_id"], pts["name"], pts["delivered_value"], pts["profit"],
                                      pts["revenue"], strict=True)]
    with pytest.raises(ValueError):
        dvc.winwin_map(pts, t, scale="log")


def _hover(template: str, row: list[str]) -> str:
    """A hover template as Plotly fills it from a point's customdata."""
    out = template.removesuffix("<extra></extra>")
    for k, v in enumerate(row):
        out = out.replace(f"%{{customdata[{k}]}}", v)
    return out


def test_a_sampled_map_shades_every_customer_and_counts_each_quadrant():
    """Above the map's point budget the drawn points are a sample; a density layer of every
    customer lies under them, in cells that never straddle a quadrant line, and the quadrant
    labels give the exact counts of all customers."""
    import numpy as np
    import pandas as pd

    from charts import delivered_value as dvc

    t = Translator("en")
    rng = np.random.default_rng(3)
    dv_, profit = rng.normal(2, 3, 400).round(1), rng.normal(100, 400, 400).round(2)
    dv_[:3], profit[:3] = 0.0, 0.0  # on the lines: not a gain
    pts = pd.DataFrame({"customer_id": [f"c{i}" for i in range(400)], "name": "n", "delivered_value": dv_,
                        "profit": profit, "revenue": rng.gamma(2, 100, 400)})
    pts["quadrant"] = dv.quadrant(pts["delivered_value"], pts["profit"])
    shown = dv.map_sample(pts, 50)
    for scale in ("symlog", "linear"):
        fig = dvc.winwin_map(shown, t, scale=scale, everyone=pts)
        heat = [tr for tr in fig.data if tr.type == "heatmap"]
        assert len(heat) == 1 and fig.data[0].type == "heatmap"  # drawn first: under the points
        counts = [int(c.replace(",", "")) for row in heat[0].text for c in row if c]
        assert sum(counts) == 400
        x, y = np.asarray(heat[0].x, dtype=float), np.asarray(heat[0].y, dtype=float)
        for centres in (x, y):  # an edge at 0: the centres either side of 0 are half a cell from it
            width = centres[1] - centres[0]
            assert np.isclose(np.abs(centres).min(), width / 2, rtol=1e-4)
        n = pts["quadrant"].value_counts()
        labels = {a.text for a in fig.layout.annotations}
        # each quadrant's name (on two lines where it has a comma) and its exact count under it
        assert {"<br>".join(f"<b>{line}</b>" for line in [*dvc.quadrant_label_lines(t(f"dv.quadrant.{q}")),
                                                          t("dv.map.quadrant_count", n=f"{n.get(q, 0):,}")])
                for q in dv.QUADRANTS} == labels
        drawn = [row[0] for tr in fig.data if tr.type == "scattergl" for row in tr.customdata]
        assert sorted(drawn) == sorted(shown["customer_id"])
    assert {tr.type for tr in dvc.winwin_map(pts, t, everyone=pts).data} == {"scattergl"}  # nothing left out
