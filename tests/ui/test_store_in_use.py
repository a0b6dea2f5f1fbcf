"""A second app process on a store another process holds says so plainly, naming the store (issue 15)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from analytics.store import db
from tests.ui.apptest import start


@pytest.fixture
def held(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A store, the app's through $CVM_DB, held open for writing by another process (as a running app holds it)."""
    path = tmp_path / "held_store.duckdb"
    db.connect(path).close()
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb,sys; c=duckdb.connect({str(path)!r}); "
                               "print('ok', flush=True); sys.stdin.read()"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        monkeypatch.setenv(db.ENV_DB, str(path))
        yield path
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def test_db_connect_names_the_store_held_by_another_process(held):
    with pytest.raises(db.StoreInUse, match="in use by another process") as info:
        db.connect(held)
    assert info.value.path == held and str(held) in str(info.value)


@pytest.mark.parametrize("lang, says", [("en", "is held by another process"), ("zh", "正被另一个进程占用")])
def test_the_app_on_a_held_store_says_another_process_holds_it(held, lang, says):
    at = start(lang)
    assert not at.exception
    (err,) = at.error
    shown = err.value.replace("\\", "")  # the path is shown as text: Markdown escapes taken off
    assert says in shown and str(held) in shown and "CVM_DB" in shown
    assert not at.title  # nothing of the dashboard is drawn past the message
