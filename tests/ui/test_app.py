"""AppTest smoke tests: every page renders in both languages, filters work and reach the URL.

The pages open on a copy of the demo store with its stored results (refreshed_app_db), as the app leaves it;
what they compute without them is tested in test_precomputed.py and the pages' own files."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from analytics import precompute
from analytics.store import db
from tests.ui.apptest import VIEWS, assert_ok, metrics, plotly_specs, start


def test_every_view_declares_its_page():
    from i18n import catalog
    from ui import pages

    specs = pages.discover()
    assert [s.script for s in sorted(specs, key=lambda s: s.script)] == VIEWS
    assert specs[0].script == "views/overview.py"
    for spec in specs:
        assert spec.title in catalog() and spec.section in catalog(), spec
    assert len({s.order for s in specs}) == len(specs), "two pages share an order"


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", VIEWS)
def test_page_renders(refreshed_app_db, page, lang):
    at = start(lang=lang, page=page)
    assert_ok(at)
    assert at.title, "page has no title"
    if page == "views/overview.py":
        assert len(plotly_specs(at)) == 4


def test_overview_kpis_and_language(refreshed_app_db):
    at = start("en")
    assert_ok(at)
    m = metrics(at)
    assert m["Customers"] == "3,309" and m["Loss-makers"] == "868"
    assert at.title[0].value == "Customer value overview"
    at.get("button_group")[0].set_value("zh").run()
    assert_ok(at)
    assert at.title[0].value == "客户价值概览"
    assert "客户数" in metrics(at)
    assert at.query_params["lang"] == ["zh"] or at.query_params["lang"] == "zh"


def test_filter_changes_figures_and_url(refreshed_app_db):
    at = start("en")
    before = metrics(at)["Customers"]
    at.multiselect(key="flt_segments").set_value(["Corporate"]).run()
    assert_ok(at)
    assert metrics(at)["Customers"] != before
    qp = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert qp["segment"] == "Corporate"
    # the filter survives a page switch
    at.switch_page("views/overview.py").run()
    assert at.multiselect(key="flt_segments").value == ["Corporate"]
    at.button[0].click().run()  # clear filters
    assert metrics(at)["Customers"] == before
    assert "segment" not in at.query_params


def test_link_opens_the_same_view(refreshed_app_db):
    at = start("en", region="East", segment="Corporate", **{"from": "2025-01-01", "to": "2025-06-30"})
    assert_ok(at)
    assert at.multiselect(key="flt_regions").value == ["East"]
    assert at.multiselect(key="flt_segments").value == ["Corporate"]
    start_m, end_m = at.select_slider(key="flt_period").value
    assert (start_m.isoformat(), end_m.isoformat()) == ("2025-01-01", "2025-06-01")


def test_bad_link_is_ignored_with_a_warning(refreshed_app_db):
    at = start("en", **{"from": "not-a-date"})
    assert_ok(at)
    assert any("not valid" in w.value for w in at.warning)
    assert metrics(at)["Customers"] == "3,309"


def test_first_start_creates_the_demo_database(tmp_path, monkeypatch):
    # The app then refreshes the demo's model fits in a background thread: recorded here, not run (30-60 s of
    # CPU that went on beside the worker's next tests); what a refresh stores is tested in
    # tests/analytics/test_precompute.py, the app's background refresh in tests/ui/test_precomputed.py.
    refreshed = threading.Event()
    monkeypatch.setattr(precompute, "refresh", lambda con, progress=None: refreshed.set())
    path = tmp_path / "fresh" / "cvm.duckdb"
    monkeypatch.setenv(db.ENV_DB, str(path))
    at = start("en", timeout=300)
    assert_ok(at)
    assert path.exists()
    assert metrics(at)["Customers"] == "3,309"
    assert [s.label for s in at.status] == ["Demo data created: 5,000 customers, 200,001 transactions"]
    assert refreshed.wait(60), "the first start did not start the refresh of the demo's fits"
    again = start("en")  # a second visitor does not generate it again
    assert not again.status


def test_empty_database_says_what_to_do(tmp_path, monkeypatch):
    path = tmp_path / "empty.duckdb"
    db.connect(path).close()  # exists, so no demo is generated
    monkeypatch.setenv(db.ENV_DB, str(path))
    at = start("en")
    assert_ok(at)
    assert any("no transactions" in i.value for i in at.info)


def test_unopenable_database_shows_error(tmp_path, monkeypatch):
    path: Path = tmp_path / "junk.duckdb"
    path.write_bytes(b"junk" * 1000)
    monkeypatch.setenv(db.ENV_DB, str(path))
    at = start("en")
    assert any("Cannot open the database" in e.value for e in at.error)


def test_foreign_duckdb_file_is_refused_and_left_unchanged(tmp_path, monkeypatch):
    import duckdb

    path: Path = tmp_path / "theirs.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE orders (id INTEGER)")
    con.close()
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    monkeypatch.setenv(db.ENV_DB, str(path))
    at = start("en")
    assert any("DuckDB file of another program" in e.value for e in at.error)
    assert not at.status  # no demo generated into it
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
