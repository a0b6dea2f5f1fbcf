"""Pages open on the stored model fits (analytics.precompute) without fitting anything, show the same
figures as without them, and the app's writes recompute them in the background (ui.refresh)."""

from __future__ import annotations

import re
import threading

import duckdb
import pytest

from analytics import precompute
from analytics.clv import backtest, intervals, models
from analytics.clv import value as cv
from analytics.contracts import retention, sbg
from analytics.store import db, derived
from analytics.word_of_mouth import response, turning
from tests.ui.apptest import assert_ok, metrics, start
from ui import refresh as ui_refresh

PAGES = ("views/customer_value.py", "views/lifecycle.py", "views/word_of_mouth.py", "views/overview.py")


def no_fitting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every model fit the pages' first visit used to pay for raises (and nothing is memoised);
    the names of the fitters called are listed in the list returned."""
    calls: list[str] = []

    def fitter(name: str):
        def boom(*a: object, **k: object) -> None:
            calls.append(name)
            raise AssertionError(f"a page called {name} although its result is stored")
        return boom

    for target, name in ((models, "fit_bgnbd"), (models, "fit_gamma_gamma"), (backtest, "fit_bgnbd"),
                         (backtest, "fit_gamma_gamma"), (response, "fit_response_curve"), (turning, "_null_sup_f"),
                         (intervals, "bootstrap"), (sbg, "fit")):
        monkeypatch.setattr(target, name, fitter(f"{target.__name__}.{name}"))
    cv._MEMO.clear()
    retention._MEMO.clear()
    turning._LOADED.clear()
    return calls


@pytest.mark.parametrize("page", PAGES)
def test_a_page_opened_after_the_refresh_does_not_fit(refreshed_app_db, monkeypatch, page):
    """On a copy of the demo store refreshed (once per run, by this code) before the app opens it."""
    calls = no_fitting(monkeypatch)
    at = start("en", page=page)
    assert_ok(at)
    assert calls == []


def test_without_stored_fits_the_same_page_fits(app_db, monkeypatch):
    """The control of the test above: with nothing stored, opening the page calls the fitters."""
    calls = no_fitting(monkeypatch)
    at = start("en", page="views/customer_value.py")
    assert at.exception and calls and calls[0] == "analytics.clv.models.fit_bgnbd"


def test_the_stored_fits_give_the_figures_computed_without_them(app_db, demo_refreshed_path, tmp_path, monkeypatch):
    plain = metrics(start("en", page="views/customer_value.py"))
    copy = tmp_path / "refreshed.duckdb"  # the same demo store, refreshed
    copy.write_bytes(demo_refreshed_path.read_bytes())
    monkeypatch.setenv(db.ENV_DB, str(copy))
    calls = no_fitting(monkeypatch)
    assert metrics(start("en", page="views/customer_value.py")) == plain
    assert calls == []


def test_a_rate_saved_in_the_app_is_followed_by_a_refresh_in_the_background(app_db):
    at = start("en", page="views/concentration.py")
    at.radio(key="conc_rate_mode").set_value("save").run()
    at.session_state["conc_rates"] = {"edited_rows": {3: {"new_cost": 1.5, "new_from": "2026-01-01"}},
                                      "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="conc_rates_save").click().run()
    assert_ok(at)
    worker = ui_refresh.refresher()
    worker.join(300)
    state = worker.state()
    assert not state.running and state.error is None and state.result is not None
    con = db.connect(app_db)
    try:
        with db.cursor(con) as cur:
            assert derived.is_current(cur) and state.result.data_version == db.data_version(cur)
            assert set(derived.entries(cur)["kind"]) == set(precompute.PRODUCERS)  # every kind, for the new version
    finally:
        con.close()
    at.run()  # the sidebar tells of the finished refresh once, then draws nothing more
    assert_ok(at)
    assert [t.value for t in at.toast] and "precomputed" in at.toast[0].value
    at.run()
    assert not at.toast


class _Running:
    """A refresher whose refresh another session started: running, then ended."""

    def __init__(self) -> None:
        self.now = ui_refresh.State(running=True, fraction=0.4, step="clv_fit")

    def state(self) -> ui_refresh.State:
        return self.now


def test_a_session_that_did_not_write_shows_the_refresh_without_polling_and_no_toast(refreshed_app_db, monkeypatch):
    """Only the session that wrote follows the refresh live (a fragment every two seconds) and hears when it ends:
    20 sessions polling during a refresh of minutes made ten fragment runs a second (bench.load)."""
    worker = _Running()
    monkeypatch.setattr(ui_refresh, "refresher", lambda: worker)
    monkeypatch.setattr(ui_refresh, "_behind", lambda: None)
    at = start("en")
    assert_ok(at)
    shown = [c.value for c in at.sidebar.caption]
    assert any(v.startswith("Precomputing the models for the new data") for v in shown)
    assert not at.get("progress")  # a caption as of this run, not the live bar
    worker.now = ui_refresh.State(finished=1, result=None)
    at.run()
    assert_ok(at)
    assert not at.toast
    assert not any(c.value.startswith("Precomputing") for c in at.sidebar.caption)


def test_the_data_page_says_what_is_stored(app_db):
    at = start("en", page="views/data.py")
    assert_ok(at)
    assert any("No precomputed models for the current data" in i.value for i in at.info)
    at.button(key="refresh_now").click().run()
    ui_refresh.refresher().join(300)
    at.run()
    assert_ok(at)
    assert any(re.match(r"The models for the current data are precomputed: \d+ results", s.value) for s in at.success)


def test_the_refresher_runs_again_after_writes_made_while_it_ran_and_reports_a_failure(monkeypatch):
    calls: list[int] = []
    entered, gate = threading.Event(), threading.Event()

    def fake_refresh(con: object, progress: precompute.Progress) -> precompute.Refreshed:
        calls.append(1)
        progress(0.5, "clv_fit")
        if len(calls) == 1:
            entered.set()
            assert gate.wait(60)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return precompute.Refreshed(len(calls), {}, {}, 0.0)

    monkeypatch.setattr(precompute, "refresh", fake_refresh)
    worker = ui_refresh.Refresher(None)  # type: ignore[arg-type]
    worker.start()
    assert entered.wait(60)
    worker.start()  # two writes while the first refresh runs: one more refresh, after it
    worker.start()
    state = worker.state()
    assert state.running and state.step == "clv_fit" and state.fraction == 0.5
    gate.set()
    worker.join(60)
    state = worker.state()
    assert len(calls) == 2 and not state.running and state.finished == 2 and state.result.data_version == 2
    worker.start()
    worker.join(60)
    state = worker.state()
    assert len(calls) == 3 and state.finished == 3 and state.error == "RuntimeError: disk full"


def test_a_store_behind_its_data_after_another_write_is_refreshed_by_the_next_page_run(refreshed_app_db):
    app_db = refreshed_app_db
    at = start("en")
    assert_ok(at)
    con = db.connect(app_db)  # a saved story moves the data version without changing the data
    try:
        with db.write(con) as cur:
            db.set_meta(cur, "note", "bookkeeping")
    finally:
        con.close()
    at.run()
    worker = ui_refresh.refresher()
    worker.join(300)
    state = worker.state()
    assert state.error is None and state.result is not None and state.result.carried_from is not None
    con = db.connect(app_db)
    try:
        with db.cursor(con) as cur:
            assert derived.is_current(cur)
    finally:
        con.close()


@pytest.mark.parametrize("refreshed_by", ["other code", "this code", "nobody"])
def test_a_store_refreshed_by_other_code_is_refreshed_once_at_the_first_page_run(app_db, monkeypatch, refreshed_by):
    """After an upgrade the stored results are not read (other code made them): the first page run starts
    one background refresh; a store refreshed by this code, or never refreshed, starts none (as before)."""
    con = db.connect(app_db)
    try:
        with monkeypatch.context() as m, db.write(con, data=False) as cur:
            if refreshed_by == "other code":
                m.setattr(derived, "analytics_code", lambda: "0123456789abcdef")
            if refreshed_by != "nobody":
                derived.mark_refreshed(cur, db.data_version(cur), {})
        version = db.data_version(con)
    finally:
        con.close()
    calls: list[int] = []

    def fake_refresh(con: duckdb.DuckDBPyConnection, progress: precompute.Progress) -> precompute.Refreshed:
        calls.append(db.data_version(con))
        return precompute.Refreshed(db.data_version(con), {}, {}, 0.0)  # stores nothing: the store stays behind

    monkeypatch.setattr(precompute, "refresh", fake_refresh)
    at = start("en")
    assert_ok(at)
    ui_refresh.refresher().join(60)
    for page in ("views/data.py", "views/overview.py"):
        at.switch_page(page)
        at.run()
        assert_ok(at)
        ui_refresh.refresher().join(60)
    assert calls == ([version] if refreshed_by == "other code" else [])
