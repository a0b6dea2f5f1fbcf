"""``clv --json`` carries ``clv_interval``: the range of the summed potential value and expected purchases
(analytics.clv.intervals), at the level asked; a bad level is a one-line mistake."""

from __future__ import annotations

import json

import pytest

import cli
from analytics.clv import intervals
from analytics.filters import Filters
from analytics.store import db


def test_clv_json_has_the_interval_of_the_valuation(demo_path, capsys):
    assert cli.main(["clv", "--db", str(demo_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    ci = out["clv_interval"]
    assert ci["level"] == 0.9 and ci["draws"] == intervals.DEFAULT_DRAWS
    assert ci["lower"] < ci["potential_value"] < ci["upper"]
    assert ci["expected_purchases_lower"] < ci["expected_purchases"] < ci["expected_purchases_upper"]
    # the point is the valuation's own sum, the range that of analytics for the same filter
    assert ci["potential_value"] == pytest.approx(out["valuation"]["potential_value"], rel=1e-12)
    assert ci["expected_purchases"] == pytest.approx(out["valuation"]["expected_purchases"], rel=1e-12)
    con = db.connect(demo_path, read_only=True)
    with db.cursor(con) as cur:
        iv = intervals.value_intervals(cur, Filters(out["period_from"], out["period_to"]))
    con.close()
    assert ci == pytest.approx(intervals.interval_summary(iv), rel=1e-12)
    assert ci["tier_span_customers"] == int(iv.customers["spans_tiers"].sum()) > 0

    assert cli.main(["clv", "--db", str(demo_path), "--json", "--interval-level", "0.5"]) == 0
    half = json.loads(capsys.readouterr().out)["clv_interval"]
    assert half["level"] == 0.5 and ci["lower"] < half["lower"] < half["potential_value"] < half["upper"] < ci["upper"]


@pytest.mark.parametrize("level", ["1", "0", "1.5", "-0.2", "nan"])
def test_a_bad_level_is_one_line(demo_path, capsys, level):
    assert cli.main(["clv", "--db", str(demo_path), "--interval-level", level]) == 2
    err = capsys.readouterr().err.strip()
    assert "interval level must be strictly between 0 and 1" in err and len(err.splitlines()) == 1
