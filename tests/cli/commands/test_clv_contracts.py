"""``clv --json`` carries the contract customers' sBG fits and contractual CLV; ``report --json`` their sum."""

from __future__ import annotations

import json

import pytest

import cli
from analytics.contracts import retention
from analytics.filters import Filters
from analytics.store import db


def test_clv_json_has_contracts_per_plan(demo_path, capsys):
    assert cli.main(["clv", "--db", str(demo_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    contracts = out["contracts"]
    assert set(contracts) == {"Annual contract", "Postpaid"}
    con = db.connect(demo_path, read_only=True)
    with db.cursor(con) as cur:
        v = retention.contract_values(cur, Filters(out["period_from"], out["period_to"]))
    con.close()
    for plan, row in contracts.items():
        m = v.fits[plan]
        assert row["alpha"] == pytest.approx(m.alpha) and row["beta"] == pytest.approx(m.beta)
        assert row["log_likelihood"] == pytest.approx(m.log_likelihood)
        assert row["retention"][0] == pytest.approx(m.retention(1)) and row["retention"] == sorted(row["retention"])
        assert row["contract_clv"] == pytest.approx(v.customers.loc[v.customers["plan"] == plan, "contract_clv"].sum())
        assert row["std_errors"]["alpha"] > 0 and row["cohorts"]


def test_report_json_has_the_contract_keys(demo_path, capsys):
    assert cli.main(["report", "--db", str(demo_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    con = db.connect(demo_path, read_only=True)
    with db.cursor(con) as cur:
        v = retention.contract_values(cur, Filters(out["period_from"], out["period_to"]))
    con.close()
    assert out["contract_customers"] == len(v.customers) > 1000
    assert out["contractual_clv"] == pytest.approx(v.total_clv) and out["contractual_clv"] > 0
