"""Cross-filtering on Delivered value and Word of mouth (issue 19): a click on a chart narrows the page's other
charts and tables, says so in a chip with Clear, and lives in the link (ui.drill.chart_pick / chart_filter)."""

from __future__ import annotations

import base64

import numpy as np
import pandas as pd
import pytest

from i18n import Translator
from tests.ui.apptest import assert_ok, chart_titled, metrics, plotly_specs, select, start
from ui import drill

DV = "views/delivered_value.py"
WOM = "views/word_of_mouth.py"


def _frame(at, key: str) -> pd.DataFrame:
    """The value of the table drawn under ``key``."""
    found = [df for df in at.dataframe if str(df.proto.id).endswith(f"-{key}")]
    assert found, f"no table keyed {key!r}"
    return found[0].value


def _chips(at) -> list[str]:
    """The chips that say what a chart click filters (drawn with the filter icon)."""
    return [i.value.replace("\\", "") for i in at.info if i.icon == ":material/filter_alt:"]


def _map_quadrants(at, t: Translator) -> set[str]:
    """The quadrants whose customers the win-win map draws (one trace per quadrant)."""
    spec = next(s for s in plotly_specs(at) if any(tr.get("type") == "scattergl" for tr in s["data"]))
    return {tr["name"] for tr in spec["data"] if tr.get("type") == "scattergl"}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_quadrant_bar_narrows_the_map_and_the_customer_tables_until_cleared(app_db, lang):
    t = Translator(lang)
    at = start(lang, page=DV)
    assert_ok(at)
    everyone = _frame(at, "dv_customers")
    quadrants = set(everyone["quadrant"])
    assert _map_quadrants(at, t) == quadrants and len(quadrants) >= 3

    # A click on a bar of the quadrant steps: its quadrant (Plotly hands back the bar's customdata).
    select(at, "dv_steps", [{"x": "x", "y": 40.0, "curve_number": 1, "point_index": 0, "customdata": "customer_only"}])
    assert_ok(at)
    picked = t("dv.quadrant.customer_only")
    assert at.query_params["quadrant"] == "customer_only"  # in the link, like the page's other choices
    assert _chips(at) == [t("drill.pick_chip", dimension=t("dv.col.quadrant"), value=picked)]
    assert _map_quadrants(at, t) == {picked}
    listed = _frame(at, "dv_selected")  # the quadrant's customers, though nothing is selected on the map
    assert len(listed) and set(listed["quadrant"]) == {picked}
    narrowed = _frame(at, "dv_customers")
    assert set(narrowed["quadrant"]) == {picked}
    assert len(narrowed) == len(listed) < len(everyone)  # every customer of the quadrant (the tables show 1,000 at most)

    at.button(key="dv_pick_clear").click().run()
    assert_ok(at)
    assert "quadrant" not in at.query_params and not _chips(at)
    assert len(_frame(at, "dv_customers")) == len(everyone)
    assert _map_quadrants(at, t) == quadrants
    assert not [df for df in at.dataframe if str(df.proto.id).endswith("-dv_selected")]


def test_a_quadrant_in_a_shared_link_is_kept_and_an_invalid_one_named(app_db):
    at = start("en", page=DV, quadrant="win_win")
    assert_ok(at)
    assert _chips(at) == ["Filtered by Quadrant: Win-win (from a chart click), on this page."]
    assert set(_frame(at, "dv_customers")["quadrant"]) == {"Win-win"}
    bad = start("en", page=DV, quadrant="nowhere")
    assert_ok(bad)
    named = [w for w in (w.value.replace("\\", "") for w in bad.warning) if "nowhere" in w]
    assert named and "Quadrant" in named[0] and "All customers" in named[0], [w.value for w in bad.warning]
    assert "quadrant" not in bad.query_params and not _chips(bad)
    assert len(set(_frame(bad, "dv_customers")["quadrant"])) >= 3


def test_a_group_dot_on_the_gap_chart_filters_every_page_by_it(app_db):
    at = start("en", page=DV)
    assert_ok(at)
    before = metrics(at)["Assessed customers"]
    gap = chart_titled(at, Translator("en")("dv.chart.gap"))
    labels = {tr["y"][0] for tr in gap["data"] if tr.get("y")}
    smb = next(label for label in labels if "SMB" in label)  # drawn bold and red when the group falls short
    select(at, "dv_gap", [{"x": 7.2, "y": smb, "curve_number": 5, "point_index": 0}])
    assert_ok(at)
    assert at.query_params["segment"] == "SMB"
    assert any("Filtered by Segment: SMB" in m.value for m in at.markdown)  # the chip (ui.drill.filter_chip)
    assert metrics(at)["Assessed customers"] != before
    assert set(_frame(at, "dv_customers")["segment"]) == {"SMB"}


def test_a_group_drawn_bold_and_red_is_still_picked_by_its_name():
    """The gap chart writes a group that falls short as <b><span style=…>name</span></b>: a click on it names it."""
    labels = {"SMB": "SMB", "中小企业": "SMB"}
    assert drill.picked_value([{"x": 7.0, "y": "<b><span style='color:#c0392b'>SMB</span></b>"}], labels) == "SMB"
    assert drill.picked_value([{"x": 7.0, "y": "<b>中小企业</b>"}], labels) == "SMB"
    assert drill.picked_value([{"x": 7.0, "y": "<b>All customers</b>"}], labels) is None
    assert drill.point_values([{"customdata": ["C1", "name"]}, {"customdata": "win_win"}, {}]) == ["C1", "win_win", None]


def test_a_customer_point_on_the_map_opens_customer_360_in_this_tab(app_db):
    at = start("en", page=DV)
    assert_ok(at)
    key = next(str(el.proto.id).rsplit("-", 1)[-1] for el in at.get("plotly_chart") if "-dv_map_" in str(el.proto.id))
    cid = _frame(at, "dv_customers")["customer_id"].iloc[0]
    select(at, key, [{"x": 1.0, "y": 2.0, "curve_number": 0, "point_index": 3, "customdata": [cid, "name"]}])
    assert_ok(at)
    assert at.query_params["customer"] == cid and at.query_params["back"] == "delivered_value"
    assert at.get("page_link")[0].proto.label == "Back to Delivered value"


def _heat_total(at, t: Translator) -> float:
    """The sum of the topic × channel heatmap's cells (Plotly writes them as a typed array)."""
    z = chart_titled(at, t("wom.chart.heatmap", series=t("wom.series.complaints")))["data"][0]["z"]
    cells = np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"]) if isinstance(z, dict) else np.array(z, dtype=float)
    return float(np.nansum(cells))


def _volumes(at, t: Translator) -> dict:
    return chart_titled(at, t("wom.chart.volumes"))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_week_clicked_on_the_volumes_narrows_the_customers_and_the_breakdown(app_db, lang):
    t = Translator(lang)
    at = start(lang, page=WOM)
    assert_ok(at)
    series = _volumes(at, t)["data"][0]
    weeks = pd.to_datetime(pd.Series(series["x"]))
    week = weeks.iloc[-8]  # a whole week of the period
    people = _frame(at, "wom_people")
    heat = _heat_total(at, t)

    select(at, "wom_volumes", [{"x": week.strftime("%Y-%m-%d"), "y": 30, "curve_number": 0, "point_index": len(weeks) - 8}])
    assert_ok(at)
    assert at.query_params["period"] == week.date().isoformat()
    name = t("wom.week_of", date=t.date(week.date()))
    assert _chips(at) == [t("drill.pick_chip", dimension=t("wom.pick.dimension"), value=name)]
    # The customers behind that week's complaints, and the breakdown of that week by day.
    assert any(m.value == f"**{t('wom.customers.title_period', period=name)}**" for m in at.markdown)
    narrowed = _frame(at, "wom_people")
    assert len(narrowed) and narrowed["last_date"].map(pd.Timestamp).between(week, week + pd.Timedelta(days=6)).all()
    assert len(narrowed) < len(people)
    dim = t("wom.dim.topic").lower()
    bars = chart_titled(at, t("wom.chart.breakdown_period", series=t("wom.series.complaints"), dim=dim, period=name))
    days = {pd.Timestamp(x) for tr in bars["data"] for x in tr["x"]}
    assert days and all(week <= d <= week + pd.Timedelta(days=6) for d in days)
    assert 0 < _heat_total(at, t) < heat

    at.button(key="wom_pick_clear").click().run()
    assert_ok(at)
    assert "period" not in at.query_params and not _chips(at)
    assert len(_frame(at, "wom_people")) == len(people)
    chart_titled(at, t("wom.chart.breakdown", series=t("wom.series.complaints"), dim=dim))


def test_a_period_in_a_link_outside_the_data_is_named(app_db):
    at = start("en", page=WOM, period="2001-01-01")
    assert_ok(at)
    named = [w for w in (w.value.replace("\\", "") for w in at.warning) if "2001-01-01" in w]
    assert named and "“Period”" in named[0] and "the whole period" in named[0], named
    assert "period" not in at.query_params and not _chips(at)
