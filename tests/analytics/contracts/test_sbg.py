"""The shifted-beta-geometric model against Fader & Hardie's published example, and its invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.clv.models import FitError
from analytics.contracts import sbg

# Fader & Hardie (2007), "How to project customer retention", Table 1: customers still active of
# 1,000 at the start, years 0 … 12. The model is fitted on years 0 … 7; years 8 … 12 are the holdout.
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]


@pytest.mark.parametrize(("survivors", "alpha", "beta", "ll"), [
    (REGULAR, 0.704, 1.182, -1680.27),   # the paper: α = 0.704, β = 1.182
    (HIGH_END, 0.668, 3.806, -1611.16),  # the paper: α = 0.668, β = 3.806
])
def test_published_fits_are_reproduced(survivors: list[int], alpha: float, beta: float, ll: float) -> None:
    m = sbg.fit_survivors(survivors[:8])
    assert round(m.alpha, 3) == alpha and round(m.beta, 3) == beta
    assert round(m.log_likelihood, 2) == ll
    assert m.customers == 1000 and m.cancelled == 1000 - survivors[7] and m.periods == 7
    # the standard errors are finite and of the size a 1,000-customer cohort gives
    assert 0 < m.std_errors["alpha"] < 0.2 * m.alpha and 0 < m.std_errors["beta"] < 0.3 * m.beta


def test_the_likelihood_at_the_papers_starting_point() -> None:
    """The paper's spreadsheet starts the search at α = β = 1, where the high-end cohort's
    log-likelihood is −2115.5 (−2.115 per customer)."""
    assert sbg.loglik(1.0, 1.0, *sbg.survivors_to_histories(HIGH_END[:8])) == pytest.approx(-2115.5455, abs=1e-3)


def test_projection_tracks_the_holdout_years_8_to_12() -> None:
    """Fitted on seven years, the sBG projects years 8–12 close to what happened (the paper's
    Figure 5): within 2 % for the regular and 4.1 % for the high-end cohort, always slightly low."""
    for survivors, tol in ((REGULAR, 0.02), (HIGH_END, 0.041)):
        m = sbg.fit_survivors(survivors[:8])
        projected = 1000 * m.survival(np.arange(8, 13))
        actual = np.array(survivors[8:], dtype=float)
        assert np.all(np.abs(projected / actual - 1) < tol)
        assert np.all(projected < actual)
    m = sbg.fit_survivors(REGULAR[:8])
    assert np.round(1000 * m.survival(np.arange(8, 13)), 1).tolist() == [220.1, 204.4, 191.2, 179.9, 170.0]


def test_curves_by_hand() -> None:
    a, b = 1.0, 1.0  # θ ~ Uniform(0, 1): S(t) = 1 / (t + 1), r_t = t / (t + 1), P(T = t) = 1 / (t (t + 1))
    t = np.arange(1, 6)
    assert np.allclose(sbg.survival(a, b, t), 1 / (t + 1))
    assert np.allclose(sbg.retention_rate(a, b, t), t / (t + 1))
    assert np.allclose(sbg.churn_probability(a, b, t), 1 / (t * (t + 1)))
    assert sbg.survival(a, b, 0) == pytest.approx(1.0)


def test_derl_equals_the_discounted_sum_and_the_homogeneous_limit() -> None:
    m = sbg.fit_survivors(HIGH_END[:8])
    t = np.arange(0, 4000)
    s = m.survival(t)
    for n in (1, 2, 5):
        direct = float(np.sum(s[n:] / s[n - 1] * 1.1 ** -(t[n:] - n)))
        assert m.derl(n - 1, 0.1) == pytest.approx(direct, rel=1e-10)
    # Nearly homogeneous churn θ = 0.2 (α, β large): DERL = (1 − θ)(1 + d) / (d + θ).
    theta, d = 0.2, 0.1
    big = 1e7
    assert sbg.derl(big * theta, big * (1 - theta), 3, d) == pytest.approx((1 - theta) * (1 + d) / (d + theta), rel=1e-5)
    # a customer who has renewed more is worth more (heterogeneity: the survivors are the loyal)
    assert np.all(np.diff(m.derl(np.arange(10), 0.1)) > 0)


def test_period_discount() -> None:
    assert sbg.period_discount(0.10, 12) == pytest.approx(0.10)
    assert sbg.period_discount(0.10, 6) == pytest.approx(math.sqrt(1.1) - 1)
    with pytest.raises(ValueError, match="annual discount"):
        sbg.period_discount(0.0, 12)
    with pytest.raises(ValueError, match="positive"):
        sbg.derl(1.0, 1.0, 0, 0.0)


def test_individual_histories_give_the_cohort_fit() -> None:
    periods, active, weights = sbg.survivors_to_histories(REGULAR[:8])
    expanded = sbg.fit(np.repeat(periods, weights.astype(int)), np.repeat(active, weights.astype(int)))
    grouped = sbg.fit(periods, active, weights)
    assert expanded.alpha == pytest.approx(grouped.alpha, rel=1e-6)
    assert expanded.beta == pytest.approx(grouped.beta, rel=1e-6)
    assert expanded.log_likelihood == pytest.approx(grouped.log_likelihood, rel=1e-9)


def test_bad_input_and_too_few_data() -> None:
    with pytest.raises(ValueError, match="cannot rise"):
        sbg.fit_survivors([100, 90, 95])
    with pytest.raises(ValueError, match="cancelled customer"):
        sbg.fit([0, 1], [False, True])
    with pytest.raises(ValueError, match="whole numbers"):
        sbg.fit([1.5, 2], [False, True])
    with pytest.raises(FitError) as exc:
        sbg.fit([1, 2, 3], [True, True, False])
    assert exc.value.kind == "few"


@settings(max_examples=60, deadline=None)
@given(st.floats(0.05, 20.0), st.floats(0.05, 50.0))
def test_survival_falls_and_retention_rises(alpha: float, beta: float) -> None:
    t = np.arange(0, 30)
    s = sbg.survival(alpha, beta, t)
    assert s[0] == pytest.approx(1.0) and np.all(np.diff(s) < 0) and np.all(s > 0)
    r = sbg.retention_rate(alpha, beta, t[1:])
    assert np.all(np.diff(r) > 0) and np.all((r > 0) & (r < 1))  # heterogeneity: the loyal remain
    assert np.allclose(s[1:] / s[:-1], r)
    # the probabilities of cancelling at t and of staying beyond sum to 1
    assert np.sum(sbg.churn_probability(alpha, beta, t[1:])) + s[-1] == pytest.approx(1.0)


@settings(max_examples=25, deadline=None)
@given(st.floats(0.3, 5.0), st.floats(0.5, 10.0), st.integers(0, 2**32 - 1))
def test_fit_recovers_simulated_parameters(alpha: float, beta: float, seed: int) -> None:
    """20,000 simulated customers observed for 8 periods: the fit finds α and β within 5 standard errors."""
    rng = np.random.default_rng(seed)
    theta = rng.beta(alpha, beta, 20_000)
    life = rng.geometric(np.clip(theta, 1e-12, 1.0))
    horizon = 8
    active = life > horizon
    periods = np.where(active, horizon, life)
    m = sbg.fit(periods, active)
    assert abs(m.alpha - alpha) < 5 * m.std_errors["alpha"] + 1e-3
    assert abs(m.beta - beta) < 5 * m.std_errors["beta"] + 1e-3


def test_a_homogeneous_cohort_gives_the_geometric_limit() -> None:
    """Every customer cancels with θ = 0.25 per period: the likelihood rises towards α, β → ∞; the
    fit returns that limit (θ = cancellations ÷ renewal decisions) instead of failing."""
    survivors = [4096, 3072, 2304, 1728, 1296]  # exactly 3/4 renew each period
    m = sbg.fit_survivors(survivors)
    assert m.homogeneous and m.mean_churn == pytest.approx(0.25, abs=1e-9)
    assert np.allclose(m.survival(np.arange(5)), 0.75 ** np.arange(5), rtol=1e-4)
    # the geometric log-likelihood: Σ lost_t ln(θ (1−θ)^(t−1)) + last · ln (1−θ)^k
    lost = -np.diff(survivors)
    geo = sum(n * (math.log(0.25) + (t - 1) * math.log(0.75)) for t, n in enumerate(lost, 1)) + 1296 * 4 * math.log(0.75)
    assert m.log_likelihood == pytest.approx(geo, abs=1e-3)
    assert m.derl(2, 0.1) == pytest.approx(0.75 * 1.1 / (0.1 + 0.25), rel=1e-4)


def test_standard_errors_equal_an_independent_numerical_hessian() -> None:
    """The standard errors (central differences of the analytic gradient) agree with statsmodels'
    Hessian of the log-likelihood itself, on the published high-end cohort."""
    from statsmodels.tools.numdiff import approx_hess3

    periods, active, weights = sbg.survivors_to_histories(HIGH_END[:8])
    m = sbg.fit(periods, active, weights)
    hess = approx_hess3(np.array([m.alpha, m.beta]), lambda p: -sbg.loglik(p[0], p[1], periods, active, weights))
    se = np.sqrt(np.diag(np.linalg.inv(hess)))
    assert m.std_errors["alpha"] == pytest.approx(se[0], rel=1e-4)
    assert m.std_errors["beta"] == pytest.approx(se[1], rel=1e-4)
