"""Word of mouth, the response curve (analytics.word_of_mouth.response): threshold, interval and Davies'
test on synthetic data with a planted answer (fixed seeds)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

from analytics.filters import Filters
from analytics.store import db
from analytics.word_of_mouth import response as wom_response
from tests.helpers import build_store, customer


def test_bad_arguments():
    con = build_store(customers=[customer("A")])
    with db.cursor(con) as cur, pytest.raises(ValueError, match="kind"):
        wom_response.response_curve(cur, Filters(), "rumour")
    with db.cursor(con) as cur, pytest.raises(ValueError, match="window"):
        wom_response.response_curve(cur, Filters(), "complaint", "forever")
    con.close()


def planted(kind: str, tau: float, seed: int, n: int = 3000, slope: float = 0.2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    q = rng.uniform(55, 95, n).round(1)
    exposure = rng.integers(1500, 2500, n).astype(float)
    hinge = np.maximum(tau - q, 0) if kind == "complaint" else np.maximum(q - tau, 0)
    rate = 0.5 * np.exp(slope * hinge)  # per 1,000 customer-days
    return pd.DataFrame({"quality": q, "events": rng.poisson(rate * exposure / 1000), "customer_days": exposure})


@pytest.mark.parametrize("kind, tau, seed", [("complaint", 70.0, 1), ("complaint", 74.5, 2), ("praise", 85.0, 3)])
def test_threshold_recovered_within_its_interval(kind, tau, seed):
    c = wom_response.fit_response_curve(planted(kind, tau, seed), kind)
    assert c.status == "ok" and c.p_value < 1e-6
    assert c.low <= tau <= c.high and c.low <= c.threshold <= c.high
    assert abs(c.threshold - tau) < 1.5 and c.high - c.low < 4
    assert c.params[2] == pytest.approx(0.2, abs=0.05)  # the planted steepening
    assert c.steep_effect == pytest.approx(math.exp(0.2) - 1, abs=0.06) and abs(c.flat_effect) < 0.02
    assert c.fitted["lower"].le(c.fitted["rate"]).all() and c.fitted["rate"].le(c.fitted["upper"]).all()


def test_flat_response_has_no_threshold():
    c = wom_response.fit_response_curve(planted("complaint", 70.0, 4, slope=0.0), "complaint")
    assert c.status == "no_threshold" and c.threshold is None and c.low is None
    assert c.p_value > 0.05
    assert c.rate_at(60.0) == pytest.approx(0.5, rel=0.1)  # the log-linear fit is still there


def test_rate_and_expected_change_by_hand():
    c = wom_response.fit_response_curve(planted("complaint", 70.0, 1), "complaint")
    b0, b1, b2 = c.params
    assert c.rate_at(80.0) == pytest.approx(math.exp(b0 + 80 * b1))
    assert c.rate_at(65.0) == pytest.approx(math.exp(b0 + 65 * b1 + b2 * (c.threshold - 65)))
    a, b, ratio = c.expected_change(80.0, 65.0)
    assert ratio == pytest.approx(b / a) and ratio > 2
    assert c.per_month(80.0, customers=1000) == pytest.approx(a * 1000 * 30.4375 / 1000)


def test_too_few_observations():
    few = planted("complaint", 70.0, 1, n=20)
    assert wom_response.fit_response_curve(few, "complaint").status == "too_few"
    narrow = planted("complaint", 70.0, 1).assign(quality=80.0)
    assert wom_response.fit_response_curve(narrow, "complaint").status == "too_few"
    none = pd.DataFrame({"quality": [np.nan], "events": [1], "customer_days": [10.0]})
    assert wom_response.fit_response_curve(none, "complaint").status == "no_quality"


def test_davies_bound_by_hand():
    # M = 4, V = |2 − 0| + |0 − 2| = 4: p = P(χ²₁ > 4) + 4·e^(−2)/√(2π)
    expected = chi2.sf(4, 1) + 4 * math.exp(-2) / math.sqrt(2 * math.pi)
    assert wom_response.davies_p(np.array([0.0, 4.0, 0.0])) == pytest.approx(expected)
    assert wom_response.davies_p(np.array([])) == 1.0
