"""UI tests run app.py in-process on a private copy of the demo store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analytics.store import db


@pytest.fixture
def app_db(demo_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of the demo store, made the app's database through $CVM_DB."""
    path = tmp_path / "app.duckdb"
    shutil.copy(demo_path, path)
    monkeypatch.setenv(db.ENV_DB, str(path))
    return path


@pytest.fixture
def refreshed_app_db(demo_refreshed_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Like :func:`app_db`, on a copy of the demo store with its stored results (as the app leaves it): the
    pages read the model fits instead of fitting them. For tests of what a page shows on the default data;
    a test that writes to the store before the app opens it, or that needs the fits computed, uses app_db
    (a write moves the data version, and the app would refresh the stale results in the background)."""
    path = tmp_path / "app.duckdb"
    shutil.copy(demo_refreshed_path, path)
    monkeypatch.setenv(db.ENV_DB, str(path))
    return path
