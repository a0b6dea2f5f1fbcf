"""Saved views (ui/saved_views.py): a page's filter and own choices saved under a name, listed, opened
and deleted, through the store's saved_views table."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.store import db
from analytics.store import saved as store
from tests.ui.apptest import assert_ok, start
from ui import saved_views

CONC = "views/concentration.py"


def test_a_view_round_trips_through_the_store(tmp_path):
    con = db.connect(tmp_path / "s.duckdb")
    try:
        view = saved_views.save(con, "  East by region ", "concentration",
                                {"lang": "zh", "region": "East", "compare_by": "region", "back": "x"}, user="ana")
        assert view.name == "East by region" and view.params == {"region": "East", "compare_by": "region"}
        saved_views.save(con, "Lifecycle all", "lifecycle", {"show_lost": "1"})
        with db.cursor(con) as cur:
            assert [v.name for v in saved_views.listed(cur, "concentration")] == ["East by region"]
            assert {v.name for v in saved_views.listed(cur)} == {"East by region", "Lifecycle all"}
            opened = saved_views.listed(cur, "concentration")[0]
            assert opened.params == view.params and opened.page == "concentration"
            # A payload that is not a view is left out of the list, not an error.
            with db.write(con, data=False) as w:
                store.put(w, "broken", saved_views.KIND, "{not json", dt.datetime(2026, 1, 1))
        with db.cursor(con) as cur:
            assert "broken" not in {v.name for v in saved_views.listed(cur)}
        saved_views.delete(con, "East by region")
        with db.cursor(con) as cur:
            assert [v.name for v in saved_views.listed(cur, "concentration")] == []
        with pytest.raises(ValueError, match="no saved view"):
            saved_views.delete(con, "East by region")
    finally:
        con.close()


def test_bad_names_pages_and_clashes_are_refused(tmp_path):
    con = db.connect(tmp_path / "s.duckdb")
    try:
        with pytest.raises(ValueError, match="needs a name"):
            saved_views.save(con, "  ", "concentration", {})
        with pytest.raises(ValueError, match="unknown page"):
            saved_views.save(con, "x", "customer", {})  # one customer's page is not an analysis view
        with db.write(con, data=False) as w:
            store.put(w, "Board", "story", "{}", dt.datetime(2026, 1, 1))
        with pytest.raises(ValueError, match="already used by a saved story"):
            saved_views.save(con, "Board", "overview", {})
        with pytest.raises(ValueError, match="not a valid view"):
            saved_views.parse("v", '{"page": "overview", "params": {"from": "2025-13-01"}}')
    finally:
        con.close()


def test_save_open_and_delete_a_view_in_the_app(app_db):
    at = start("en", page=CONC, region="East", compare_by="region")
    assert_ok(at)
    at.text_input(key="views_name").input("East by region").run()
    at.button(key="views_save").click().run()
    assert_ok(at)
    assert any("East by region" in s.value for s in at.success)
    # The view shown changes: another region and another comparison.
    at.multiselect(key="flt_regions").set_value(["West"]).run()
    at.button_group(key="conc_dim").set_value("channel").run()
    assert at.query_params["compare_by"] == "channel"
    at.selectbox(key="views_pick").set_value("East by region").run()
    at.button(key="views_open").click().run()
    assert_ok(at)
    assert at.multiselect(key="flt_regions").value == ["East"]
    assert at.button_group(key="conc_dim").value == "region"
    assert at.query_params["compare_by"] == "region" and at.query_params["region"] == "East"
    at.button(key="views_delete").click().run()
    assert_ok(at)
    assert any("Deleted" in s.value for s in at.success)
    con = db.connect(app_db)  # the app holds it read-write in this process; a second handle must match
    try:
        with db.cursor(con) as cur:
            assert [v.name for v in saved_views.listed(cur, "concentration")] == []
    finally:
        con.close()
