"""The command line (:mod:`cli`): demo, report (same figures as the Overview), one-line errors, the
store refused or left alone by every command."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import cli
from analytics import overview
from analytics.filters import Filters
from analytics.store import db

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, env: dict[str, str] | None = None, module: str = "analytics") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=env, stdin=subprocess.DEVNULL)


# The commands of python -m analytics before the command line became cli/ (none may go missing).
COMMANDS = {"clv", "delivered-value", "demo", "export", "ingest", "loads", "rates", "report", "template",
            "undo-load", "word-of-mouth"}


def test_help_lists_every_command_and_each_commands_help_works():
    names = [m.NAME for m in cli.command_modules()]
    assert set(names) >= COMMANDS
    calls = [("analytics", "--help"), ("cli", "--help"), *(("analytics", n, "--help") for n in names)]
    with ThreadPoolExecutor(4) as pool:  # processes, a few at a time
        done = list(pool.map(lambda c: run_cli(*c[1:], module=c[0]), calls))
    top, same, *each = done
    assert top.returncode == 0 and top.stderr == "", top.stderr
    assert re.findall(r"^    (\S+)", top.stdout, re.MULTILINE) == names  # one line per command, in file order
    assert same.stdout == top.stdout  # python -m cli is python -m analytics
    for name, r in zip(names, each, strict=True):
        assert r.returncode == 0 and r.stderr == "", (name, r.stderr)
        assert r.stdout.startswith(f"usage: python -m analytics {name} "), r.stdout


def test_report_json_matches_overview(demo_path, capsys):
    assert cli.main(["report", "--db", str(demo_path), "--json", "--segment", "Corporate,SMB"]) == 0
    out = json.loads(capsys.readouterr().out)
    con = db.connect(demo_path, read_only=True)
    with db.cursor(con) as cur:
        o = overview.overview(cur, Filters("2025-11-01", "2026-10-31", segments=("Corporate", "SMB")))
    con.close()
    assert out["period_from"] == "2025-11-01" and out["period_to"] == "2026-10-31"
    assert out["customers"] == o.kpis["customers"].value
    assert out["revenue"] == pytest.approx(o.revenue)
    assert out["profit"] == pytest.approx(o.kpis["profit"].value)
    assert out["total_profit"] == pytest.approx(out["profit"])
    assert out["top20_profit_share"] == pytest.approx(o.kpis["top20_profit_share"].value)
    assert out["loss_customers"] == o.kpis["loss_customers"].value
    assert out["nps"] == pytest.approx(o.nps.nps) and out["nps_responses"] == o.nps.responses
    assert out["previous"]["profit"] == pytest.approx(o.kpis["profit"].previous)
    for key in ("whale_peak_share", "whale_peak_customer_share", "loss_profit", "bottom30_profit",
                "bottom30_share_of_peak", "breakeven_profit"):
        assert key in out


def test_report_period_and_text_output(demo_path, capsys):
    assert cli.main(["report", "--db", str(demo_path), "--from", "2024-01-01", "--to", "2024-03-31"]) == 0
    text = capsys.readouterr().out
    assert "period_from" in text and "2024-01-01" in text


@pytest.mark.parametrize("args, message", [
    (["report", "--from", "2024-02-30"], "not a date"),
    (["report", "--from", "2024-03-01", "--to", "2024-01-01"], "starts"),
    (["report", "--type", "alien"], "customer type"),
    (["demo", "--customers", "3"], "customers must be"),
])
def test_user_mistakes_are_one_line(demo_path, tmp_path, capsys, args, message):
    target = str(demo_path) if args[0] == "report" else str(tmp_path / "x.duckdb")
    assert cli.main([*args, "--db", target]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_missing_database_and_empty_database(tmp_path, capsys):
    assert cli.main(["report", "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "no store at" in capsys.readouterr().err
    db.connect(tmp_path / "empty.duckdb").close()
    assert cli.main(["report", "--db", str(tmp_path / "empty.duckdb")]) == 2
    assert "no transactions" in capsys.readouterr().err


def test_demo_and_report_as_processes(tmp_path):
    path = tmp_path / "p.duckdb"
    r = run_cli("demo", "--db", str(path), "--customers", "300", "--seed", "2", "--quiet")
    assert r.returncode == 0, r.stderr
    assert "300 customers" in r.stdout
    env = {**__import__("os").environ, "CVM_DB": str(path)}
    r = run_cli("report", "--json", env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["customers"] > 0
    bad = run_cli("report", "--bogus")
    assert bad.returncode == 2 and "unrecognized arguments" in bad.stderr


# Every command that opens a store, with the arguments it needs besides --db.
READERS = {
    "report": ["report"], "loads": ["loads"], "undo-load": ["undo-load"], "rates": ["rates"],
    "rates --set": ["rates", "--set", "visit=1", "--valid-from", "2024-01-01"],
    "clv": ["clv"], "word-of-mouth": ["word-of-mouth"], "delivered-value": ["delivered-value"],
    "export": ["export", "--format", "xlsx", "--out", "OUT"],
}
CREATORS = {"demo": ["demo", "--customers", "50", "--quiet"],
            "ingest": ["ingest", "TX_CSV", "--table", "transactions", "--quiet"]}


def _args(args: list[str], tmp_path: Path) -> list[str]:
    tx = tmp_path / "tx.csv"
    tx.write_text("transaction_id,customer_id,tx_date,product,quantity,revenue,cogs\nT1,C1,2024-01-05,P,1,10,1\n")
    return [str(tmp_path / "out.xlsx") if a == "OUT" else str(tx) if a == "TX_CSV" else a for a in args]


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("name", sorted(READERS))
def test_a_mistyped_path_leaves_nothing_behind(tmp_path, capsys, name):
    """Before the fix, undo-load and rates --set created a store at a mistyped path."""
    path = tmp_path / "typo" / "cvm.duckdb"
    assert cli.main([*_args(READERS[name], tmp_path), "--db", str(path)]) == 2
    err = _one_line_error(capsys)
    assert f"no store at {path}; run `python -m analytics demo --db {path}` or ingest to create one" in err
    assert not (tmp_path / "typo").exists() and not (tmp_path / "out.xlsx").exists()


@pytest.mark.parametrize("name", sorted(READERS | CREATORS))
def test_a_foreign_duckdb_file_is_refused_and_unchanged(tmp_path, capsys, name):
    """Before the fix the file received the store's 15 tables (even when the command was refused) and
    ``report`` ended in a traceback."""
    import duckdb

    path = tmp_path / "theirs.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE orders (id INTEGER)")
    con.close()
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    assert cli.main([*_args({**READERS, **CREATORS}[name], tmp_path), "--db", str(path)]) == 2
    assert "DuckDB file of another program (it holds orders but no store version)" in _one_line_error(capsys)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


@pytest.mark.parametrize("name", ["report", "demo"])
def test_a_sqlite_file_gives_a_clear_message(tmp_path, capsys, name):
    import sqlite3

    path = tmp_path / "other.sqlite"
    sqlite3.connect(path).execute("CREATE TABLE t (a)").connection.commit()
    assert cli.main([*_args({**READERS, **CREATORS}[name], tmp_path), "--db", str(path)]) == 2
    assert "is not a DuckDB database file (it is a SQLite database)" in _one_line_error(capsys)


def test_refused_demo_and_ingest_leave_no_new_store(tmp_path, capsys):
    path = tmp_path / "new" / "cvm.duckdb"
    assert cli.main(["demo", "--customers", "3", "--db", str(path)]) == 2
    assert "customers must be" in _one_line_error(capsys)
    assert not (tmp_path / "new").exists()
    # C1 is no customer and creating it is declined: the only row is rejected, nothing is loaded, and the new
    # store goes again (a new store otherwise creates the customers its first transactions name, issue 16)
    assert cli.main([*_args(CREATORS["ingest"], tmp_path), "--no-create-customers", "--db", str(path)]) == 1
    assert not (tmp_path / "new").exists()
    assert cli.main([*_args(CREATORS["ingest"], tmp_path), "--no-create-customers", "--dry-run", "--db", str(path)]) == 1
    assert not (tmp_path / "new").exists()
    # A dry run that would create the customer writes nothing either: the new store goes again
    assert cli.main([*_args(CREATORS["ingest"], tmp_path), "--dry-run", "--db", str(path)]) == 0
    assert not (tmp_path / "new").exists()
    capsys.readouterr()
    assert cli.main(["demo", "--customers", "50", "--quiet", "--db", str(path)]) == 0
    assert path.exists()
