"""``python -m analytics backup DIR`` and ``restore FILE --yes`` (issue 15)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import cli
from analytics.store import db


@pytest.fixture
def store(demo_path: Path, tmp_path: Path) -> Path:
    path = tmp_path / "s.duckdb"
    shutil.copy(demo_path, path)
    return path


def _state(path: Path) -> tuple[str, int]:
    con = db.connect(path, read_only=True)
    try:
        return db.fingerprint(con), db.data_version(con)
    finally:
        con.close()


def test_backup_then_restore_brings_the_data_back(store, tmp_path, capsys):
    before = _state(store)
    assert cli.main(["backup", str(tmp_path / "copies"), "--db", str(store)]) == 0
    out = capsys.readouterr().out
    (copy,) = (tmp_path / "copies").glob("s-*.duckdb")
    assert f"data version {before[1]}" in out and str(copy) in out and "transactions 200," in out
    assert cli.main(["rates", "--db", str(store), "--set", "sales_visit=999", "--valid-from", "2026-01-01"]) == 0
    changed = _state(store)
    assert changed != before
    capsys.readouterr()
    assert cli.main(["restore", str(copy), "--db", str(store), "--yes"]) == 0
    out = capsys.readouterr().out
    assert f"data version {before[1]}" in out and "s.duckdb.before-restore" in out
    assert _state(store) == before
    assert _state(store.with_name("s.duckdb.before-restore")) == changed


def test_restore_without_yes_changes_nothing(store, tmp_path, capsys):
    assert cli.main(["backup", str(tmp_path), "--db", str(store)]) == 0
    (copy,) = tmp_path.glob("s-*.duckdb")
    before = _state(store)
    assert cli.main(["restore", str(copy), "--db", str(store)]) == 2
    assert "add --yes" in capsys.readouterr().err
    assert _state(store) == before and not store.with_name("s.duckdb.before-restore").exists()


def test_backup_of_a_missing_store_creates_nothing(tmp_path, capsys):
    missing = tmp_path / "typo.duckdb"
    assert cli.main(["backup", str(tmp_path / "b"), "--db", str(missing)]) == 2
    assert "no store at" in capsys.readouterr().err
    assert not missing.exists() and not (tmp_path / "b").exists()


def test_restore_refuses_a_file_that_is_not_a_store(store, tmp_path, capsys):
    bad = tmp_path / "notes.txt"
    bad.write_text("not a store")
    assert cli.main(["restore", str(bad), "--db", str(store), "--yes"]) == 2
    assert "not a DuckDB database file" in capsys.readouterr().err
