"""The command line: demo, report (same figures as the Overview), one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analytics import cli, db, overview
from analytics.filters import Filters

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "analytics", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=env, stdin=subprocess.DEVNULL)


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
    assert "does not exist" in capsys.readouterr().err
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
