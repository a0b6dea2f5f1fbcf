"""Stored results are read only under the code that refreshed them (analytics.precompute.code_version):
after an upgrade, the results an older release stored are not served, the next refresh computes them
all again, and the fingerprint follows the analytics sources."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from analytics import demo, precompute
from analytics.store import db, derived, schema
from analytics.word_of_mouth import response

PACKAGE = Path(precompute.__file__).resolve().parent
OLDER = "0123456789abcdef"  # another release's fingerprint
ALTERED_P = 0.987654321  # what the older release's curve fit said: no current fit gives it


# ---------------------------------------------------------------------------- the fingerprint
def test_the_fingerprint_changes_with_a_source_file_and_is_stable_otherwise(tmp_path: Path):
    copy = tmp_path / "analytics"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert derived.source_hash(copy) == derived.source_hash(PACKAGE)  # the same sources anywhere
    assert derived.source_hash(copy) == derived.source_hash(copy)
    before = derived.source_hash(copy)

    source = copy / "clv" / "value.py"
    text = source.read_text()
    source.write_text(text + "# a changed comment\n")
    assert derived.source_hash(copy) != before
    source.write_text(text)
    assert derived.source_hash(copy) == before

    (copy / "clv" / "new_model.py").write_text("X = 1\n")  # a new module is new code too
    assert derived.source_hash(copy) != before
    (copy / "clv" / "new_model.py").unlink()
    (copy / "clv" / "notes.txt").write_text("not code")
    assert derived.source_hash(copy) == before


def test_the_code_version_is_the_analytics_fingerprint_computed_once_per_process(monkeypatch):
    calls: list[Path] = []
    real = derived.source_hash

    def counting(package: Path) -> str:
        calls.append(package)
        return real(package)

    monkeypatch.setattr(derived, "source_hash", counting)
    derived.analytics_code.cache_clear()
    first = precompute.code_version()
    assert precompute.code_version() == first == real(PACKAGE) and len(first) == 16
    assert calls == [PACKAGE]


# ---------------------------------------------------------------------------- stored results
@pytest.fixture(scope="module")
def small_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("code_version") / "small.duckdb"
    con = db.connect(path)
    demo.generate(con, customers=400, transactions=12_000, seed=3)
    con.close()
    return path


@pytest.fixture
def store(small_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "store.duckdb"
    shutil.copy(small_path, path)
    # the word-of-mouth curves stand for every stored kind: one quick producer
    monkeypatch.setattr(precompute, "PRODUCERS", {"wom_curve": "analytics.word_of_mouth.response"})
    con = db.connect(path)
    yield con
    con.close()


def refresh_by_older_code(con, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """A refresh made by an older release whose curve fit gave another p-value (under the same keys:
    the modules each key names had not changed); ``how``: it recorded its fingerprint, or it was made
    before refreshes recorded one."""
    real = response.fit_response_curve

    def older_fit(*a: object, **k: object) -> response.ResponseCurve:
        return dataclasses.replace(real(*a, **k), p_value=ALTERED_P)

    with monkeypatch.context() as m:
        m.setattr(derived, "analytics_code", lambda: OLDER)
        m.setattr(response, "fit_response_curve", older_fit)
        precompute.refresh(con)
    if how == "unrecorded":
        with db.write(con, data=False) as cur:
            summary = {k: v for k, v in derived.last_refresh(cur)[1].items() if k != "code"}
            cur.execute(f"UPDATE {schema.DERIVED_RESULTS} SET params_hash = ?, params = ?, payload = ? WHERE kind = ?",
                        [derived.params_hash({}), derived.canonical({}), derived.encode(summary), derived.MARKER])


def curves(con) -> dict[str, response.ResponseCurve]:
    with db.cursor(con) as cur:
        return response.response_curves(cur, precompute.default_filter(cur))


def computed(con, monkeypatch: pytest.MonkeyPatch) -> dict[str, response.ResponseCurve]:
    """The curves computed by this code without any stored result."""
    with monkeypatch.context() as m:
        m.setattr(derived, "get", lambda *a, **k: None)
        return curves(con)


def same_curves(got: dict[str, response.ResponseCurve], want: dict[str, response.ResponseCurve]) -> bool:
    return all((g.p_value, g.threshold, g.params, g.lr) == (w.p_value, w.threshold, w.params, w.lr)
               for g, w in zip((got[k] for k in sorted(got)), (want[k] for k in sorted(want)), strict=True))


@pytest.mark.parametrize("how", ["recorded", "unrecorded"])
def test_results_stored_by_other_code_are_not_read(store, monkeypatch, how):
    refresh_by_older_code(store, monkeypatch, how)
    if how == "recorded":  # the control: the older release itself reads what it stored
        with monkeypatch.context() as m:
            m.setattr(derived, "analytics_code", lambda: OLDER)
            m.setattr(response, "fit_response_curve", lambda *a, **k: pytest.fail("fitted although stored"))
            assert {c.p_value for c in curves(store).values()} == {ALTERED_P}
    with db.cursor(store) as cur:
        assert derived.refreshed_version(cur) == db.data_version(cur) and not derived.is_current(cur)

    got = curves(store)  # this code computes, as without stored results
    assert ALTERED_P not in {c.p_value for c in got.values()}
    assert same_curves(got, computed(store, monkeypatch))


@pytest.mark.parametrize("write", [False, True], ids=["same data version", "after a write of no data"])
def test_the_next_refresh_computes_again_what_other_code_stored(store, monkeypatch, write):
    refresh_by_older_code(store, monkeypatch, "recorded")
    if write:  # a saved story: the version moves, the data stay (a refresh by this code would carry)
        with db.write(store) as cur:
            db.set_meta(cur, "note", "bookkeeping only")

    done = precompute.refresh(store)
    assert done.carried_from is None and done.counts == {"wom_curve": 2}
    with db.cursor(store) as cur:
        assert derived.is_current(cur) and derived.last_refresh(cur)[1]["code"] == precompute.code_version()
        markers = cur.execute(f"SELECT count(*) FROM {schema.DERIVED_RESULTS} WHERE kind = ?",
                              [derived.MARKER]).fetchone()[0]
    assert markers == 1  # the older release's marker and results are gone
    with monkeypatch.context() as m:  # read from the store, and equal to a recomputation
        m.setattr(response, "fit_response_curve", lambda *a, **k: pytest.fail("fitted although stored"))
        got = curves(store)
    assert same_curves(got, computed(store, monkeypatch))
    assert ALTERED_P not in {c.p_value for c in got.values()}
