"""``clv --json`` carries ``pareto_nbd``, ``mbg_nbd``, ``model_comparison``, ``chosen_model`` and
``tracking`` (issue 17); ``--model`` picks the valuation's purchase model."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import cli
from analytics.clv import comparison, tracking
from analytics.filters import Filters
from analytics.store import db

CDNOW = Path(__file__).resolve().parents[2] / "fixtures" / "cdnow"


def test_clv_json_on_cdnow_has_the_three_models_and_the_tracking(tmp_path, capsys):
    raw = pd.read_csv(CDNOW / "CDNOW_sample.txt", sep=r"\s+", header=None,
                      names=["master_id", "customer_id", "date", "cds", "amount"], dtype={"date": str})
    csv = tmp_path / "cdnow.csv"
    pd.DataFrame({"customer_id": raw["customer_id"], "date": raw["date"], "amount": raw["amount"]}).to_csv(csv, index=False)
    assert cli.main(["clv", "--csv", str(csv), "--calibration-end", "1997-09-30", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    p = out["pareto_nbd"]
    assert round(p["r"], 4) == 0.5533 and round(p["log_likelihood"], 2) == -9594.98 and set(p) >= {"s", "beta"}
    m = out["mbg_nbd"]
    assert (round(m["r"], 3), round(m["alpha"], 3), round(m["a"], 3), round(m["b"], 3)) == (0.525, 6.183, 0.891, 1.614)
    rows = {r["model"]: r for r in out["model_comparison"]}
    assert list(rows) == ["bgnbd", "pareto_nbd", "mbg_nbd"]
    assert rows["bgnbd"]["log_likelihood"] == pytest.approx(out["bgnbd"]["log_likelihood"], abs=1e-4)
    assert all(r["actual"] == 1882 and r["n_params"] == 4 and r["bic"] > 0 for r in rows.values())
    assert out["chosen_model"] == "pareto_nbd" and rows["pareto_nbd"]["chosen"]
    weeks = out["tracking"]
    assert len(weeks) == 78 and weeks[0]["week"] == 1 and weeks[-1]["week_end"] == "1998-06-30"
    assert sum(w["actual"] for w in weeks) == weeks[-1]["actual_cumulative"]
    assert sum(w["expected"] for w in weeks) == pytest.approx(weeks[-1]["expected_cumulative"])
    assert {w["period"] for w in weeks} == {"calibration", "holdout"}


def test_clv_on_the_store_values_with_the_model_asked(demo_path, capsys):
    """The holdout's choice by default (issue 17), named in ``model_used`` and behind ``clv_interval``;
    ``--model`` another."""
    assert cli.main(["clv", "--db", str(demo_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["valuation"]["purchase_model"] == out["chosen_model"] == out["model_used"]["model"] == "pareto_nbd"
    assert out["model_used"]["variant"] == out["pareto_nbd"]["variant"] == "homogeneous_dropout"
    assert set(out["model_used"]["params"]) == {"r", "alpha", "mu"}
    assert out["clv_interval"]["potential_value"] == pytest.approx(out["valuation"]["potential_value"])
    assert cli.main(["clv", "--db", str(demo_path), "--json", "--model", "bgnbd"]) == 0
    bg = json.loads(capsys.readouterr().out)
    assert bg["model_used"]["model"] == "bgnbd" and bg["model_used"]["params"] == pytest.approx(
        {k: bg["valuation"]["bgnbd"][k] for k in ("r", "alpha", "a", "b")})
    assert bg["clv_interval"]["potential_value"] == pytest.approx(bg["valuation"]["potential_value"])
    assert bg["valuation"]["potential_value"] != pytest.approx(out["valuation"]["potential_value"])
    con = db.connect(demo_path, read_only=True)
    with db.cursor(con) as cur:
        f = Filters(out["period_from"], out["period_to"])
        comp = comparison.comparison(cur, f)
        rows = tracking.tracking(cur, f, comp).rows()
    con.close()
    assert out["chosen_model"] == comp.chosen and out["tracking"] == rows
    with pytest.raises(SystemExit) as e:
        cli.main(["clv", "--db", str(demo_path), "--model", "weibull"])
    assert e.value.code == 2 and "invalid choice: 'weibull'" in capsys.readouterr().err
