"""Stored results (analytics.precompute, analytics.store.derived): what is stored equals a
recomputation after every kind of change, a stale result is never served, and the payload format
gives back exactly what was stored."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from analytics import demo, ingest, precompute, profit, rates
from analytics.clv import backtest, comparison, intervals, tracking, value
from analytics.clv.models import BgNbd, GammaGamma
from analytics.contracts import retention, sbg
from analytics.delivered_value import headline as dv_headline
from analytics.delivered_value import scores as dv_scores
from analytics.ingest import records
from analytics.lifecycle import headline as lc_headline
from analytics.lifecycle import stages
from analytics.store import db, derived, schema
from analytics.word_of_mouth import data as wom_data
from analytics.word_of_mouth import headline as wom_headline
from analytics.word_of_mouth import response, turning
from analytics.word_of_mouth import trend as wom_trend

PARAMS = {"r", "alpha", "a", "b", "p", "q", "gamma"}


# ---------------------------------------------------------------------------- the payload format
def test_a_payload_reads_back_exactly():
    frame = pd.DataFrame({"id": pd.Series(["a", "b"], dtype="str"), "n": [1, 2], "x": [0.1, float("nan")],
                          "d": [dt.date(2024, 1, 2), None], "o": pd.Series(["7+", "1"], dtype=object)})
    bg = BgNbd(0.1 + 0.2, 1e-300, 3.0, float("inf"), -1234.5678901234567, 10, 3, "weeks",
               std_errors={"r": float("nan")})
    value_in = {"model": bg, "when": dt.date(2026, 10, 31), "pair": ("k", {"n": "1"}), "frame": frame,
                "empty": pd.DataFrame(), "draws": np.array([[1.5, -0.0], [2.0, 3.25]]), "none": None}
    back = derived.decode(derived.encode(value_in), (BgNbd,))
    assert back["model"].r == 0.1 + 0.2 and back["model"].alpha == 1e-300 and math.isinf(back["model"].b)
    assert math.isnan(back["model"].std_errors["r"]) and back["model"].log_likelihood == -1234.5678901234567
    assert back["when"] == dt.date(2026, 10, 31) and back["pair"] == ("k", {"n": "1"}) and back["none"] is None
    pd.testing.assert_frame_equal(back["frame"], frame, check_exact=True)
    assert back["empty"].empty and back["draws"].dtype == np.float64
    assert np.array_equal(back["draws"], value_in["draws"]) and math.copysign(1, back["draws"][0, 1]) == -1


def test_a_payload_of_an_unknown_type_is_refused():
    text = derived.encode(GammaGamma(1.0, 2.0, 3.0, 0.0, 10, None))
    with pytest.raises(ValueError, match="unknown type 'GammaGamma'"):
        derived.decode(text, (BgNbd,))
    with pytest.raises(TypeError, match="cannot store a set"):
        derived.encode({"s": {1, 2}})


# ---------------------------------------------------------------------------- stores
@pytest.fixture(scope="module")
def small_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("precompute") / "small.duckdb"
    con = db.connect(path)
    demo.generate(con, customers=400, transactions=12_000, seed=3)
    con.close()
    return path


@pytest.fixture(scope="module")
def refreshed_path(small_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``small_path`` refreshed once (the tests that begin with a refresh of the store copy it instead of each
    refreshing its own copy of the same data: about 4 s each)."""
    path = tmp_path_factory.mktemp("precompute") / "refreshed.duckdb"
    shutil.copy(small_path, path)
    con = db.connect(path)
    try:
        precompute.refresh(con)
    finally:
        con.close()
    return path


def _open_copy(source: Path, tmp_path: Path):
    path = tmp_path / "store.duckdb"
    shutil.copy(source, path)
    con = db.connect(path)
    yield con
    con.close()


@pytest.fixture
def store(small_path: Path, tmp_path: Path):
    """A copy of the small store, not refreshed."""
    yield from _open_copy(small_path, tmp_path)


@pytest.fixture
def refreshed_store(refreshed_path: Path, tmp_path: Path):
    """A copy of the small store with its results stored, as a refresh leaves it."""
    yield from _open_copy(refreshed_path, tmp_path)


def stored_items(con, version: int | None = None) -> dict[tuple[str, str], Any]:
    """Every stored result of a data version (default: the current one), decoded, by (kind, params)."""
    types = (value._Fitted, value.ValueModels, BgNbd, GammaGamma, backtest.Backtest, response.ResponseCurve,
             intervals.Intervals, retention.ContractValues, sbg.Sbg, *comparison.STORED_TYPES, tracking.Tracking)
    with db.cursor(con) as cur:
        version = db.data_version(cur) if version is None else version
        rows = cur.execute(f"SELECT kind, params, payload FROM {schema.DERIVED_RESULTS} "
                           "WHERE data_version = ? AND kind <> ?", [version, derived.MARKER]).fetchall()
    return {(k, p): derived.decode(payload, types) for k, p, payload in rows}


def recomputed(con) -> dict[tuple[str, str], Any]:
    """Every result of every producer for the default view, computed afresh now."""
    out = {}
    with db.cursor(con) as cur:
        f = precompute.default_filter(cur)
        for producer in precompute.PRODUCERS.values():
            for kind, params, result, _ in precompute.produce(cur, f, producer):
                out[(kind, derived.canonical(params))] = result
    return out


def assert_same(a: Any, b: Any, where: str = "") -> None:
    """Equal values: model parameters to 1e-12 (relative), everything else exactly."""
    if dataclasses.is_dataclass(a):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            x, y = getattr(a, f.name), getattr(b, f.name)
            if f.name in PARAMS:
                assert math.isclose(x, y, rel_tol=1e-12, abs_tol=0), (where, f.name, x, y)
            else:
                assert_same(x, y, f"{where}.{f.name}")
    elif isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=where)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True), where
    elif isinstance(a, (tuple, list)):
        assert type(a) is type(b) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            assert_same(a[k], b[k], f"{where}[{k}]")
    elif isinstance(a, float) and math.isnan(a):
        assert isinstance(b, float) and math.isnan(b), where
    else:
        assert a == b and type(a) is type(b), (where, a, b)


SECTIONS = (value.report_section, lc_headline.report_section, wom_headline.report_section, dv_headline.report_section)


def figures(con) -> str:
    """What the Customer value, Lifecycle, Word of mouth and Delivered value pages report for the default view,
    as JSON."""
    value._MEMO.clear()  # the in-process memo would answer before the store does
    profit._DECODED.clear()
    dv_scores._DECODED.clear()
    stages._DECODED.clear()
    comparison._COMPARISON_MEMO.clear()
    turning._LOADED.clear()
    wom_data._COVER_MEMO.clear()
    with db.cursor(con) as cur:
        f = precompute.default_filter(cur)
        return json.dumps([s(cur, f) for s in SECTIONS], default=str)


def figures_without_store(con, monkeypatch: pytest.MonkeyPatch) -> str:
    with monkeypatch.context() as m:
        m.setattr(derived, "get", lambda *a, **k: None)
        m.setattr(derived, "get_all", lambda *a, **k: [])
        return figures(con)


def tx_csv(path: Path, con) -> Path:
    """A file of 40 new transactions of existing customers, dated in the data's last month."""
    last = con.execute("SELECT max(tx_date) FROM transactions").fetchone()[0]
    ids = [r[0] for r in con.execute("SELECT customer_id FROM customers ORDER BY customer_id LIMIT 40").fetchall()]
    rows = [{"transaction_id": f"NEW{i}", "customer_id": c, "tx_date": (last - dt.timedelta(days=i % 20)).isoformat(),
             "product": "Broadband", "quantity": 1, "revenue": 900 + 37 * i, "cogs": 300} for i, c in enumerate(ids)]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def load(con, path: Path) -> ingest.Report:
    sn = ingest.sniff(path)
    return ingest.load(con, path, sn, ingest.Options("transactions", ingest.auto_map("transactions", sn.columns)))


def change_load(con, tmp: Path) -> None:
    assert load(con, tx_csv(tmp / "new.csv", con)).written == 40


def change_edit(con, tmp: Path) -> None:
    tid, rev = con.execute("SELECT transaction_id, revenue FROM transactions ORDER BY revenue DESC LIMIT 1").fetchone()
    assert records.correct(con, "transactions", tid, {"revenue": float(rev) * 3}).changes


def change_rate(con, tmp: Path) -> None:
    activity, cost = con.execute("SELECT activity, unit_cost FROM activity_rates ORDER BY unit_cost DESC LIMIT 1").fetchone()
    start = con.execute("SELECT min(activity_date) FROM activities").fetchone()[0]
    assert rates.save(con, [{"activity": activity, "unit_cost": float(cost) * 2, "valid_from": start}]).changed


def change_undo(con, tmp: Path) -> None:
    change_load(con, tmp)
    precompute.refresh(con)
    ingest.undo_last(con)


def change_demo(con, tmp: Path) -> None:
    # above DuckDB's 122,880-row group, written and read back in the same process
    demo.generate(con, customers=1500, transactions=130_000, seed=11)


CHANGES = {"load": change_load, "edit": change_edit, "rate": change_rate, "undo": change_undo, "demo": change_demo}


@pytest.mark.parametrize("change", list(CHANGES))
def test_what_is_stored_equals_a_recomputation_after_each_kind_of_change(refreshed_store, tmp_path, change, monkeypatch):
    store = refreshed_store
    before_version = db.data_version(store)
    before = stored_items(store)
    assert {k for k, _ in before} == {"pnl", "dv_scores", "clv_fit", "clv_interval", "clv_backtest", "clv_comparison", "clv_tracking",
                                         "contract_fit", "lc_buckets", "wom_cover", "wom_slopes",
                                         "wom_curve", "wom_null"}
    before_figures = figures(store)

    CHANGES[change](store, tmp_path)
    assert db.data_version(store) > before_version
    with db.cursor(store) as cur:  # the results of the old data are never served for the new
        assert not derived.is_current(cur)
        f = precompute.default_filter(cur)
        assert derived.get(cur, "clv_fit", value.fit_params(f, value.rfm.valuation_date(cur, f)),
                           value._STORED_TYPES) is None

    done = precompute.refresh(store)
    assert done.data_version == db.data_version(store)
    after = stored_items(store)
    fresh = recomputed(store)
    assert after.keys() == fresh.keys()
    for key, result in fresh.items():
        assert_same(after[key], result, f"{change}: {key[0]}")
    # the ranges are stored under the purchase model they vary: the stored comparison's choice (issue 17)
    with db.cursor(store) as cur:
        chosen = value.resolve_model(cur, precompute.default_filter(cur))
    (interval_params,) = [p for k, p in after if k == "clv_interval"]
    assert json.loads(interval_params)["$dict"]["model"] == chosen
    with db.cursor(store) as cur:  # only the current version's results remain
        versions = cur.execute(f"SELECT DISTINCT data_version FROM {schema.DERIVED_RESULTS}").fetchall()
    assert versions == [(db.data_version(store),)]

    # the pages' figures from the stored results are those computed without them
    after_figures = figures(store)
    assert after_figures == figures_without_store(store, monkeypatch)
    if change == "undo":  # the data are those before the load again: so are the results and figures
        assert after_figures == before_figures
        for key, result in after.items():
            if key[0] == "pnl":  # DOUBLE quantities and costs re-summed for the months undone: equal to the last bits
                for name, frame in result.items():
                    pd.testing.assert_frame_equal(frame, before[key][name], rtol=1e-12, atol=0, obj=f"undo: pnl {name}")
                continue
            assert_same(result, before[key], f"undo: {key[0]}")
    else:
        assert after_figures != before_figures


def test_a_write_during_a_refresh_leaves_the_results_of_the_snapshot_it_read(store, refreshed_path, tmp_path):
    con = db.connect(refreshed_path, read_only=True)  # the same data, refreshed without the write: what must be stored
    expected = stored_items(con)
    con.close()

    version = db.data_version(store)
    steps = []

    def write_midway(fraction: float, step: str) -> None:
        steps.append(step)
        if step == "clv_fit":  # the refresh has begun reading; every result is computed after this write
            change_edit(store, tmp_path)

    done = precompute.refresh(store, write_midway)
    assert "clv_fit" in steps and done.data_version == version and db.data_version(store) == version + 1
    with db.cursor(store) as cur:
        assert not derived.is_current(cur)
    got = stored_items(store, version)
    assert got.keys() == expected.keys()
    for key, result in expected.items():
        assert_same(got[key], result, f"snapshot: {key[0]}")
    precompute.refresh(store)  # the next refresh stores the new data's results, and only those
    after = stored_items(store)
    assert_same(after, recomputed(store), "after")
    fit = next(v for (k, _), v in after.items() if k == "clv_fit")
    old = next(v for (k, _), v in expected.items() if k == "clv_fit")
    assert fit.models.gamma_gamma.p != old.models.gamma_gamma.p  # the write moved the fit: the test can tell


def test_a_write_that_changes_no_data_keeps_the_results_without_computing_them(store, monkeypatch):
    first = precompute.refresh(store)
    before = stored_items(store)
    with db.write(store) as cur:  # what saving a story or a plan does to the data version
        db.set_meta(cur, "note", "a write of bookkeeping only")
    assert db.data_version(store) == first.data_version + 1

    def boom(*a: object, **k: object) -> None:
        raise AssertionError("computed although no data changed")

    with monkeypatch.context() as m:
        m.setattr(precompute, "produce", boom)
        kept = precompute.refresh(store)
    assert kept.carried_from == first.data_version and kept.counts == first.counts
    with db.cursor(store) as cur:
        assert derived.is_current(cur)
    after = stored_items(store)
    assert after.keys() == before.keys()
    for key, result in before.items():
        assert_same(after[key], result, f"kept: {key[0]}")
    assert_same(after, recomputed(store), "kept vs recomputed")
    change_edit(store, Path())  # a data change is computed again
    assert precompute.refresh(store).carried_from is None


def test_reads_use_the_stored_results_and_nothing_is_stored_by_a_read(refreshed_store, monkeypatch):
    store = refreshed_store
    with db.cursor(store) as cur:
        rows = cur.execute(f"SELECT count(*) FROM {schema.DERIVED_RESULTS}").fetchone()[0]
    expected = figures(store)

    def boom(*a, **k):
        raise AssertionError("fitted on a read although the fit is stored")

    for target, name in ((value, "_fit"), (backtest, "_backtest"), (response, "fit_response_curve"),
                         (turning, "_null_sup_f"), (wom_data, "_cover_counts"), (stages, "_buckets"),
                         (wom_trend, "fit_trend"), (dv_scores, "latest_assessments"), (dv_scores, "main_products"),
                         (stages, "_customers"), (stages, "_opportunities")):
        monkeypatch.setattr(target, name, boom)
    assert figures(store) == expected
    with db.cursor(store) as cur:
        assert backtest.backtest(cur, precompute.default_filter(cur)).model is not None
        assert cur.execute(f"SELECT count(*) FROM {schema.DERIVED_RESULTS}").fetchone()[0] == rows

    # another view (a segment) is not stored: it is computed, and still not written
    monkeypatch.undo()
    with db.cursor(store) as cur:
        f = precompute.default_filter(cur)
        seg = cur.execute("SELECT min(segment) FROM customers").fetchone()[0]
        value.customer_values(cur, dataclasses.replace(f, segments=(seg,)))
        assert cur.execute(f"SELECT count(*) FROM {schema.DERIVED_RESULTS}").fetchone()[0] == rows


def test_a_store_without_stored_results_computes_as_before(store, monkeypatch):
    with db.cursor(store) as cur:
        assert derived.refreshed_version(cur) is None and derived.entries(cur).empty
    assert figures(store) == figures_without_store(store, monkeypatch)


def test_results_computed_by_other_code_are_not_served(refreshed_store, monkeypatch):
    store = refreshed_store
    with db.cursor(store) as cur:
        f = precompute.default_filter(cur)
        when = value.rfm.valuation_date(cur, f)
        assert derived.get(cur, "clv_fit", value.fit_params(f, when), value._STORED_TYPES) is not None
        monkeypatch.setattr(value, "_FIT_CODE", (*value._FIT_CODE, "analytics.profit"))
        assert derived.get(cur, "clv_fit", value.fit_params(f, when), value._STORED_TYPES) is None


def test_storing_results_does_not_change_the_data_version(store):
    version, fingerprint = db.data_version(store), db.fingerprint(store)
    with db.write(store, data=False) as cur:
        derived.put(cur, "x", {"a": 1}, (1.5, "y"), version)
    assert db.data_version(store) == version and db.fingerprint(store) == fingerprint
    with db.cursor(store) as cur:
        assert derived.get(cur, "x", {"a": 1}) == (1.5, "y")
        assert derived.get(cur, "x", {"a": 2}) is None


def test_an_older_store_opened_read_only_has_no_stored_results(refreshed_store, tmp_path):
    store = refreshed_store
    store.execute(f"DROP TABLE {schema.DERIVED_RESULTS}")
    store.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    path = Path(store.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()")
                .fetchone()[0])
    store.close()
    con = db.connect(path, read_only=True)
    try:
        with db.cursor(con) as cur:
            f = precompute.default_filter(cur)
            assert derived.refreshed_version(cur) is None
            assert value.customer_values(cur, f).fit.bgnbd is not None  # computed, as before version 4
    finally:
        con.close()
    con = db.connect(path)  # upgraded: the table is back, empty
    try:
        assert db.get_meta(con, "schema_version") == str(schema.SCHEMA_VERSION)
        assert con.execute(f"SELECT count(*) FROM {schema.DERIVED_RESULTS}").fetchone() == (0,)
    finally:
        con.close()


def test_an_empty_store_refreshes_to_nothing():
    con = db.connect(":memory:")
    done = precompute.refresh(con)
    assert done.counts == {} and done.data_version == 0
    with db.cursor(con) as cur:
        assert derived.is_current(cur)
    con.close()
