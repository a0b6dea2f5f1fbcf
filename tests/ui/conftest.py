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
