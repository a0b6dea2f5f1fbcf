"""The benchmark harness's own bookkeeping (issue 13): row labels of the report sections, and whether a
store's model fits are ones the pages read."""

from __future__ import annotations

import json
from pathlib import Path

from analytics import precompute, report
from analytics.store import db, derived
from bench import harness


def test_every_report_section_is_labelled_by_its_page():
    modules = report.sections()
    labels = harness.section_labels(modules)
    assert set(labels) == set(modules)
    assert len(set(labels.values())) == len(modules)  # the three Customer value sections told apart
    for m, label in labels.items():
        assert label.startswith(harness.page_title(harness.page_of(m))), (m, label)
        assert not label.lower().startswith("analytics"), (m, label)
    assert labels["analytics.overview"] == "Overview"
    assert labels["analytics.clv.value"].startswith("Customer value (")
    assert labels["analytics.clv.intervals"].startswith("Customer value (")


def _refreshed_store(path: Path) -> Path:
    """An empty store whose refresh marker is that of its current data version."""
    con = db.connect(path)
    try:
        with db.write(con, data=False) as cur:
            derived.mark_refreshed(cur, db.data_version(cur), {})
    finally:
        con.close()
    return path


def test_fits_refreshed_by_other_code_are_not_counted_as_stored(tmp_path: Path):
    store = _refreshed_store(tmp_path / "store.duckdb")
    note = tmp_path / "store.json"
    assert harness.stored_fits(store)  # no note (a --db store): the refresh marker is all there is to go by

    note.write_text(json.dumps({"customers": 1, "fits_code": "0123456789abcdef"}))
    assert not harness.stored_fits(store)  # refreshed by other sources: every page would miss and fit
    note.write_text(json.dumps({"customers": 1}))
    assert not harness.stored_fits(store)  # cached by an older harness, which did not say
    note.write_text(json.dumps({"customers": 1, "fits_code": harness.code_hash()}))
    assert harness.stored_fits(store)


def test_the_code_hash_follows_the_analytics_sources():
    assert harness.code_hash() == harness.code_hash()
    assert len(harness.code_hash()) == 16
    assert harness.code_hash() == precompute.code_version()  # the app's fingerprint, not a second copy
