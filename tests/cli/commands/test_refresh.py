"""The command line recomputes the stored model fits after every command that changes the data, and
``python -m analytics refresh`` does it on request."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import cli
from analytics import precompute
from analytics.store import db, derived


@pytest.fixture
def store_path(demo_path: Path, tmp_path: Path) -> Path:
    path = tmp_path / "s.duckdb"
    shutil.copy(demo_path, path)
    return path


def stored(path: Path) -> tuple[bool, set[str], int]:
    con = db.connect(path, read_only=True)
    try:
        with db.cursor(con) as cur:
            return derived.is_current(cur), set(derived.entries(cur)["kind"]), db.data_version(cur)
    finally:
        con.close()


def test_a_write_command_leaves_the_fits_of_its_data_stored(store_path, capsys):
    assert stored(store_path)[0] is False
    assert cli.main(["rates", "--db", str(store_path), "--set", "sales_visit=1234", "--valid-from", "2026-01-01"]) == 0
    current, kinds, version = stored(store_path)
    assert current and kinds == set(precompute.PRODUCERS)
    assert f"for data version {version}" in capsys.readouterr().err


def test_a_command_that_writes_nothing_does_not_refresh(store_path, capsys):
    assert cli.main(["rates", "--db", str(store_path)]) == 0  # lists the rates: a read
    assert stored(store_path)[0] is False
    assert "precomputed" not in capsys.readouterr().err


def test_a_failed_refresh_is_reported_and_the_write_stands(store_path, capsys, monkeypatch):
    def fail(*a: object, **k: object) -> None:
        raise RuntimeError("no memory left")

    monkeypatch.setattr(precompute, "refresh", fail)
    assert cli.main(["rates", "--db", str(store_path), "--set", "sales_visit=1234", "--valid-from", "2026-01-01"]) == 0
    assert "precomputing the model fits failed (RuntimeError: no memory left)" in capsys.readouterr().err
    current, kinds, version = stored(store_path)
    assert not current and not kinds and version > 0


def test_the_refresh_command(store_path, capsys):
    assert cli.main(["refresh", "--db", str(store_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    current, kinds, version = stored(store_path)
    assert current and out["data_version"] == version and set(out["counts"]) == kinds
    assert cli.main(["refresh", "--db", str(store_path.with_name("missing.duckdb"))]) == 2
    assert "no store at" in capsys.readouterr().err
