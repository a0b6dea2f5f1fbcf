"""Links that reopen the same view: page choices in the URL, invalid link values named, the way back
from a drill-through (ui/links.py, ui/drill.py)."""

from __future__ import annotations

import pandas as pd

from tests.ui.apptest import assert_ok, start
from ui import drill, links

CONC = "views/concentration.py"
CUSTOMER = "views/customer.py"


def _warnings(at) -> list[str]:
    """The warnings' text (values from the link are escaped for Markdown)."""
    return [w.value.replace("\\", "") for w in at.warning]


def test_a_page_choice_round_trips_through_the_url(app_db):
    at = start("en", page=CONC, compare_by="region")
    assert_ok(at)
    assert at.button_group(key="conc_dim").value == "region"  # the link's choice is shown
    assert at.query_params["compare_by"] == "region"
    assert not _warnings(at) or all("region" not in w for w in _warnings(at))
    at.button_group(key="conc_dim").set_value("channel").run()
    assert_ok(at)
    assert at.query_params["compare_by"] == "channel"  # every change is written back
    at.button_group(key="conc_dim").set_value("segment").run()
    assert "compare_by" not in at.query_params  # the default is left out of the link
    # A reopened link shows the same choices.
    again = start("en", page=CONC, compare_by="channel", rows="50")
    assert_ok(again)
    assert again.button_group(key="conc_dim").value == "channel"
    assert again.selectbox(key="conc_rows").value == 50


def test_an_invalid_choice_is_named_and_the_default_shown(app_db):
    at = start("en", page=CONC, compare_by="planet")
    assert_ok(at)
    assert at.button_group(key="conc_dim").value == "segment"
    named = [w for w in _warnings(at) if "planet" in w]
    assert named and "Compare by" in named[0] and "Segment" in named[0], _warnings(at)
    assert "compare_by" not in at.query_params
    # The notice stays on the page until dismissed.
    at.run()
    assert any("planet" in w for w in _warnings(at))
    at.button(key="links_dismiss").click().run()
    assert not any("planet" in w for w in _warnings(at))


def test_unknown_filter_values_and_bad_dates_are_named(app_db):
    at = start("en", region="Atlantis,East")
    assert_ok(at)
    assert any("Atlantis" in w and "Region" in w for w in _warnings(at)), _warnings(at)
    assert at.multiselect(key="flt_regions").value == ["East"]  # the valid value is kept
    bad = start("zh", **{"from": "2025-13-01"})
    assert_ok(bad)
    assert any("2025-13-01" in w for w in _warnings(bad)), _warnings(bad)
    early = start("en", **{"from": "2001-01-01", "to": "2026-06-30"})
    assert_ok(early)
    assert any("outside the data" in w for w in _warnings(early)), _warnings(early)
    lang = start("fr")
    assert any("“fr”" in w for w in _warnings(lang)), _warnings(lang)


def test_unknown_customer_is_named(app_db):
    at = start("en", page=CUSTOMER, customer="NO-SUCH-1")
    assert_ok(at)
    assert any("NO-SUCH-1" in e.value.replace("\\", "") for e in at.error)


def test_customer_page_opened_by_drill_links_back_with_the_choices(app_db):
    at = start("en", page=CUSTOMER, customer="C000141", back="concentration?compare_by=region", region="East")
    assert_ok(at)
    back = [el for el in at.get("page_link")]
    assert back, "no way back"
    proto = back[0].proto
    assert proto.label == "Back to Profit concentration"
    assert "compare_by=region" in proto.query_string and "region=East" in proto.query_string
    wrong = start("en", page=CUSTOMER, customer="C000141", back="nowhere")
    assert_ok(wrong)
    assert any("nowhere" in w for w in _warnings(wrong))


def test_customer_params_keep_filter_and_origin():
    params = {"lang": "zh", "region": "East", "from": "2025-01-01", "compare_by": "region", "rows": "50"}
    out = drill.customer_params("C1", params, "concentration")
    assert out["customer"] == "C1" and out["lang"] == "zh" and out["region"] == "East"
    assert "compare_by" not in out
    spec, own = drill.parse_back(out["back"])
    assert spec.url_path == "concentration" and own == {"compare_by": "region", "rows": "50"}
    # From one customer to another, the way back stays the first page's.
    again = drill.customer_params("C2", {**out, "customer": "C1"}, "customer")
    assert again["back"] == out["back"] and again["customer"] == "C2"


def test_selected_customer_from_row_or_cell():
    df = pd.DataFrame({"customer_id": ["A", "B"], "name": ["a", "b"]})
    assert drill.selected_customer({"rows": [1], "cells": []}, df) == "B"
    assert drill.selected_customer({"rows": [], "cells": [(0, "name")]}, df) == "A"
    assert drill.selected_customer({"rows": [], "cells": []}, df) is None
    assert drill.selected_customer({"rows": [], "cells": [(1, "profit")]}, df) is None  # a figure: no drill


def test_choice_values_encode_and_decode():
    import datetime as dt

    months = [dt.date(2025, 1, 1), dt.date(2025, 2, 1)]
    assert links.decode(links.encode(tuple(months)), months, pair=True) == tuple(months)
    assert links.decode("50", [25, 50]) == 50
    assert links.decode("1", None, boolean=True) is True


def test_a_chart_point_names_its_stored_value():
    labels = {"Key account": "Key account", "中小企业": "SMB"}
    assert drill.picked_value([{"y": "中小企业", "x": -3.2}], labels) == "SMB"  # horizontal bars: y
    assert drill.picked_value([{"x": "Key account", "y": 5}], labels) == "Key account"
    assert drill.picked_value([{"x": 0.5, "y": 0.7}], labels) is None  # not a bar of the dimension


def test_the_nps_population_round_trips_through_the_url(app_db):
    at = start("en", page="views/word_of_mouth.py", nps="all")
    assert_ok(at)
    assert at.button_group(key="wom_nps_population").value == "all"
    assert at.session_state["nps_population"] == "all"  # the session's setting: Overview counts the same
    assert at.query_params["nps"] == "all"
    at.button_group(key="wom_nps_population").set_value("survey").run()
    assert "nps" not in at.query_params  # the default is left out of the link
