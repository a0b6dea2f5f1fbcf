"""Saved views (ui/saved_views.py): a page's filter and own choices saved under a name, listed, opened
and deleted, through the store's saved_views table."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.store import aggregates, db
from analytics.store import saved as store
from i18n import Translator
from tests.ui.apptest import assert_ok, start
from ui import saved_views

CONC = "views/concentration.py"
OVERVIEW = "views/overview.py"
D = dt.date.fromisoformat


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


def test_a_view_that_follows_the_latest_data_keeps_no_period(tmp_path):
    con = db.connect(tmp_path / "s.duckdb")
    try:
        shown = {"from": "2025-11-01", "to": "2026-10-31", "region": "East", "lang": "en"}
        following = saved_views.save(con, "Latest East", "overview", shown, follow_latest=True)
        fixed = saved_views.save(con, "FY East", "overview", shown)
        assert following.params == {"region": "East"} and following.follows_latest
        assert fixed.params == {"from": "2025-11-01", "to": "2026-10-31", "region": "East"} and not fixed.follows_latest
        with db.cursor(con) as cur:
            kept = {v.name: v for v in saved_views.listed(cur, "overview")}
        assert kept["Latest East"].follows_latest and not kept["FY East"].follows_latest
        assert saved_views.period_text(kept["Latest East"], Translator("zh")) == "跟随最新数据"
        assert saved_views.period_text(kept["FY East"], Translator("en")) == "2025-11-01 – 2026-10-31"
    finally:
        con.close()


def _complete_november() -> None:
    """A sale on 2026-11-30 in the app's store (written as a load writes): the demo's November is complete, and the
    default period moves from Nov 2025 – Oct 2026 to Dec 2025 – Nov 2026."""
    from ui import cache  # the app's own connection: AppTest runs in this process

    with db.write(cache.connection()) as cur:
        cid = cur.execute("SELECT min(customer_id) FROM customers").fetchone()[0]
        cur.execute("INSERT INTO transactions VALUES ('views-follow-1', ?, DATE '2026-11-30', 'Broadband', 1, 100, 40, NULL)",
                    [cid])
        aggregates.refresh(cur, [D("2026-11-01")])


def _follow_box(at):
    boxes = [c for c in at.sidebar.checkbox if c.label == Translator(at.query_params["lang"])("views.follow")]
    assert len(boxes) == 1, [c.label for c in at.sidebar.checkbox]
    return boxes[0]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_view_saved_on_the_default_period_follows_the_data_and_a_chosen_period_stays(app_db, lang):
    t = Translator(lang)
    at = start(lang, page=OVERVIEW)
    assert_ok(at)
    assert at.select_slider(key="flt_period").value == (D("2025-11-01"), D("2026-10-01"))  # the default period
    assert _follow_box(at).value is True  # on by default on the default period
    at.text_input(key="views_name").input("Latest").run()
    at.button(key="views_save").click().run()
    # A chosen period: off by default, and the view keeps it.
    at.select_slider(key="flt_period").set_value((D("2026-01-01"), D("2026-06-01"))).run()
    assert _follow_box(at).value is False
    at.text_input(key="views_name").input("First half").run()
    at.button(key="views_save").click().run()
    assert_ok(at)
    # The list says which view follows the data and which keeps its period.
    assert set(at.selectbox(key="views_pick").options) == {
        f"Latest · {t('views.follows')}", f"First half · {t.period(D('2026-01-01'), D('2026-06-30'))}"}

    _complete_november()

    later = start(lang, page=OVERVIEW)
    assert_ok(later)
    later.selectbox(key="views_pick").set_value("First half").run()
    later.button(key="views_open").click().run()
    assert_ok(later)
    assert later.select_slider(key="flt_period").value == (D("2026-01-01"), D("2026-06-01"))
    later.selectbox(key="views_pick").set_value("Latest").run()
    later.button(key="views_open").click().run()
    assert_ok(later)
    assert later.select_slider(key="flt_period").value == (D("2025-12-01"), D("2026-11-01"))  # the new last months
    assert (later.query_params["from"], later.query_params["to"]) == ("2025-12-01", "2026-11-30")
