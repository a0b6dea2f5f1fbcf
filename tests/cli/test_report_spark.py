"""``report --json --backend pyspark`` prints the same report as DuckDB: every key, numbers to 1e-6
relative (Spark local mode over the store's Parquet export, made beside the store on first use)."""

from __future__ import annotations

import json
import shutil

import pytest

from cli import main
from tests.read_layer import same_values


def _report(capsys, *args: str) -> dict:
    assert main(["report", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_report_on_spark_equals_duckdbs(small_store, spark_engine, tmp_path, capsys):
    store = tmp_path / "store.duckdb"
    shutil.copy(small_store, store)
    duck = _report(capsys, "--db", str(store))
    spark = _report(capsys, "--db", str(store), "--backend", "pyspark")
    assert (tmp_path / "store.duckdb.parquet" / "tables.txt").is_file()  # exported beside the store
    assert len(duck) > 40 and duck["customers"] > 100
    same_values(spark, duck, "report")
    filtered = ("--region", "North", "--from", "2025-03-01", "--to", "2025-08-31")
    same_values(_report(capsys, "--db", str(store), "--backend", "pyspark", *filtered),
                _report(capsys, "--db", str(store), *filtered), "report, filtered")


def test_an_unknown_backend_is_refused_by_name(small_store, monkeypatch, capsys):
    monkeypatch.setenv("CVM_BACKEND", "oracle")
    assert main(["report", "--json", "--db", str(small_store)]) == 2
    assert "unknown backend 'oracle'" in capsys.readouterr().err


def test_export_parquet_writes_every_data_table_and_no_accounts(small_store, tmp_path, capsys):
    pq = pytest.importorskip("pyarrow.parquet")
    assert main(["export-parquet", str(tmp_path / "out"), "--db", str(small_store)]) == 0
    assert "wrote" in capsys.readouterr().out
    names = (tmp_path / "out" / "tables.txt").read_text().split()
    assert {"customers", "transactions", "activities", "activity_rates", "meta", "agg_customer_month"} <= set(names)
    assert "users" not in names and "audit_log" not in names
    assert pq.read_table(tmp_path / "out" / "transactions.parquet").num_rows > 1000
