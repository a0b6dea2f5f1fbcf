"""A replace-mode load first copies the store into backups/ beside it; a failed copy refuses the load (issue 15)."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics import demo, ingest
from analytics.store import backup, db


@pytest.fixture
def store(tmp_path: Path):
    con = db.connect(tmp_path / "cvm.duckdb")
    demo.generate(con, customers=30, transactions=300, seed=4)
    yield con
    con.close()


def _file(tmp_path: Path, cid: str) -> Path:
    p = tmp_path / "tx.csv"
    p.write_text("transaction_id,customer_id,tx_date,product,quantity,revenue,cogs\n"
                 f"N1,{cid},2024-05-05,P,1,5,1\n", encoding="utf-8")
    return p


def _load(con, path: Path, mode: str):
    sn = ingest.sniff(path)
    opts = ingest.Options("transactions", ingest.auto_map("transactions", sn.columns, sn.preview), mode=mode)
    return ingest.load(con, path, sn, opts)


def _cid(con) -> str:
    return con.execute("SELECT min(customer_id) FROM customers").fetchone()[0]


def test_a_replacing_load_is_preceded_by_a_copy_of_the_store_as_it_was(store, tmp_path):
    before, version = db.fingerprint(store), db.data_version(store)
    _load(store, _file(tmp_path, _cid(store)), "replace_table")
    assert db.fingerprint(store) != before
    (copy,) = (tmp_path / backup.BACKUP_DIR).glob("cvm-*.duckdb")
    assert copy.name.endswith(f"-v{version}.duckdb")
    con = db.connect(copy, read_only=True)
    assert db.fingerprint(con) == before
    con.close()


def test_an_appending_load_takes_no_copy(store, tmp_path):
    _load(store, _file(tmp_path, _cid(store)), "append")
    assert not (tmp_path / backup.BACKUP_DIR).exists()


def test_a_failed_copy_refuses_the_load_and_writes_nothing(store, tmp_path):
    (tmp_path / backup.BACKUP_DIR).write_text("a file where the folder should be")
    before, version = db.fingerprint(store), db.data_version(store)
    with pytest.raises(ingest.IngestError) as info:
        _load(store, _file(tmp_path, _cid(store)), "replace_table")
    assert info.value.code == "copy_failed"
    assert "nothing was loaded" in str(info.value) and str(tmp_path / backup.BACKUP_DIR) in str(info.value)
    assert (db.fingerprint(store), db.data_version(store)) == (before, version)
