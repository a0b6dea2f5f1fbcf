"""The shifted-beta-geometric (sBG) model of contract renewal (part of :mod:`analytics.contracts`).

Fader & Hardie (2007), "How to project customer retention", *Journal of Interactive Marketing*
21(1): at the end of each contract period an active customer cancels with probability θ, constant
for that customer; θ varies across customers as Beta(α, β). With T the number of periods a
customer stays (the period at whose end the customer cancels), for t = 1, 2, …:

* P(T = t) = B(α + 1, β + t − 1) / B(α, β);
* survival S(t) = P(T > t) = B(α, β + t) / B(α, β), S(0) = 1;
* retention rate r_t = S(t) / S(t − 1) = (β + t − 1) / (α + β + t − 1), which rises with t in
  any heterogeneous cohort: the customers likely to cancel leave first.

Discounted expected residual lifetime (Fader & Hardie 2010, "Customer-base valuation in a
contractual setting: the perils of ignoring heterogeneity", *Marketing Science* 29(1)): for an
active customer who has renewed n − 1 times, just before the n-th renewal decision, with discount
rate d per period, DERL = Σ_{t ≥ n} S(t) / S(n − 1) · (1 + d)^−(t − n)
= (β + n − 1) / (α + β + n − 1) · ₂F₁(1, β + n; α + β + n; 1 / (1 + d)): the expected number of
future payments, each discounted, the first (the imminent renewal) undiscounted. A customer's
contractual CLV is the margin per period × DERL.

Everything here is plain NumPy/SciPy: the fit takes each customer's number of periods and whether
the customer is still active, or a cohort's survivor counts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize
from scipy.special import betaln, digamma, hyp2f1

from analytics.clv.models import FitError

MIN_CUSTOMERS = 20  # fewer customers than this: too few to fit
MIN_CANCELLED = 3   # fewer cancellations than this: the churn distribution is not identified
_LOG_BOUND = 12.0   # α, β are searched in exp([-12, 12]); a fit on the bound failed
HOMOGENEOUS_SCALE = 1e6  # α + β of the homogeneous limit (Beta(θK, (1−θ)K) is θ to within 1e-3·√θ)


@dataclass(frozen=True)
class Sbg:
    """A fitted sBG: the Beta(α, β) of the per-period cancellation probability, the
    log-likelihood, the data size and the standard errors of α and β (NaN where undefined)."""

    alpha: float
    beta: float
    log_likelihood: float
    customers: int
    cancelled: int
    periods: int  # the longest history observed, in periods
    converged: bool = True
    std_errors: dict[str, float] = field(default_factory=dict)
    homogeneous: bool = False  # no heterogeneity found: every customer cancels with α / (α + β)

    def params(self) -> dict[str, float]:
        return {"alpha": self.alpha, "beta": self.beta}

    @property
    def mean_churn(self) -> float:
        """E[θ] = α / (α + β): the share of a new cohort that cancels at the first renewal."""
        return self.alpha / (self.alpha + self.beta)

    def survival(self, t: Any) -> np.ndarray:
        return survival(self.alpha, self.beta, t)

    def retention(self, t: Any) -> np.ndarray:
        return retention_rate(self.alpha, self.beta, t)

    def derl(self, renewals: Any, discount: float) -> np.ndarray:
        return derl(self.alpha, self.beta, renewals, discount)


def _t(t: Any, low: int) -> np.ndarray:
    arr = np.asarray(t, dtype=float)
    if np.any(arr < low) or np.any(arr != np.floor(arr)):
        raise ValueError(f"periods must be whole numbers ≥ {low}")
    return arr


def survival(alpha: float, beta: float, t: Any) -> np.ndarray:
    """S(t) = B(α, β + t) / B(α, β): the share of a cohort still active after t periods (t ≥ 0)."""
    return np.exp(betaln(alpha, beta + _t(t, 0)) - betaln(alpha, beta))


def churn_probability(alpha: float, beta: float, t: Any) -> np.ndarray:
    """P(T = t) = B(α + 1, β + t − 1) / B(α, β): the share cancelling at the end of period t ≥ 1."""
    return np.exp(betaln(alpha + 1, beta + _t(t, 1) - 1) - betaln(alpha, beta))


def retention_rate(alpha: float, beta: float, t: Any) -> np.ndarray:
    """r_t = (β + t − 1) / (α + β + t − 1): the share of those active in period t who renew (t ≥ 1)."""
    tt = _t(t, 1)
    return (beta + tt - 1) / (alpha + beta + tt - 1)


def derl(alpha: float, beta: float, renewals: Any, discount: float) -> np.ndarray:
    """Discounted expected residual lifetime of an active customer with ``renewals`` (= n − 1 ≥ 0)
    renewals so far, just before the next renewal decision, at ``discount`` per period (> 0)
    (Fader & Hardie 2010, eq. 6; see the module docstring)."""
    if not (discount > 0 and math.isfinite(discount)):
        raise ValueError("the discount rate per period must be a positive number")
    n = _t(renewals, 0) + 1
    with np.errstate(all="ignore"):
        out = np.asarray((beta + n - 1) / (alpha + beta + n - 1)
                         * hyp2f1(1.0, beta + n, alpha + beta + n, 1.0 / (1.0 + discount)), dtype=float)
    bad = ~np.isfinite(out)
    if np.any(bad):  # SciPy's ₂F₁ gives NaN for very large α, β (a nearly homogeneous cohort): sum the series
        out = np.array(out, dtype=float, ndmin=1)
        for value in np.unique(np.atleast_1d(n)[np.atleast_1d(bad)]):
            out[np.atleast_1d(n) == value] = _derl_series(alpha, beta, float(value), discount)
        out = out.reshape(np.shape(n))
    return out


def _derl_series(alpha: float, beta: float, n: float, discount: float) -> float:
    """Σ_{k ≥ 0} (1 + d)^−k · Π_{j=n}^{n+k} r_j, summed in log space until the terms are below 1e-17."""
    k_max = int(min(math.ceil(math.log(1e-17) / -math.log1p(discount)) + 1, 2_000_000))
    j = n + np.arange(k_max, dtype=float)
    log_terms = np.cumsum(np.log(beta + j - 1) - np.log(alpha + beta + j - 1)) - np.arange(k_max) * math.log1p(discount)
    return float(np.sum(np.exp(log_terms)))


def period_discount(annual_discount: float, months: float) -> float:
    """The discount rate of one period of ``months`` months from an annual rate: (1 + d)^(m/12) − 1."""
    if not (annual_discount > 0 and math.isfinite(annual_discount)):
        raise ValueError("the annual discount rate must be a positive number")
    if not months > 0:
        raise ValueError("a contract period must last more than zero months")
    return (1.0 + annual_discount) ** (months / 12.0) - 1.0


# ---------------------------------------------------------------------------- likelihood and fit
def loglik_terms(alpha: float, beta: float, periods: Any, active: Any) -> np.ndarray:
    """Each customer's sBG log-likelihood: ln P(T = t) for a customer who cancelled at the end of
    period t = ``periods`` (≥ 1), ln S(t) for one still active after t = ``periods`` renewals (≥ 0)."""
    t = np.asarray(periods, dtype=float)
    act = np.asarray(active, dtype=bool)
    base = betaln(alpha, beta)
    with np.errstate(all="ignore"):
        churned = betaln(alpha + 1, beta + t - 1) - base
        alive = betaln(alpha, beta + t) - base
    return np.where(act, alive, churned)


def _loglik_grad(alpha: float, beta: float, t: np.ndarray, act: np.ndarray) -> np.ndarray:
    """The gradient of each customer's log-likelihood in (α, β), shape (2, n), from
    ∂ ln B(a, b)/∂a = ψ(a) − ψ(a + b)."""
    ab = digamma(alpha + beta)
    d_alpha = np.where(act, digamma(alpha) - digamma(alpha + beta + t),
                       digamma(alpha + 1) - digamma(alpha + beta + t)) - (digamma(alpha) - ab)
    d_beta = np.where(act, digamma(beta + t), digamma(beta + t - 1)) - digamma(alpha + beta + t) - (digamma(beta) - ab)
    return np.vstack([d_alpha, d_beta])


def loglik(alpha: float, beta: float, periods: Any, active: Any, weights: Any = None) -> float:
    """The total sBG log-likelihood (``weights``: how many customers each row stands for)."""
    terms = loglik_terms(alpha, beta, periods, active)
    w = np.ones_like(terms) if weights is None else np.asarray(weights, dtype=float)
    return float(np.dot(w, terms))


def _check(periods: Any, active: Any, weights: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = np.asarray(periods, dtype=float).ravel()
    act = np.asarray(active, dtype=bool).ravel()
    w = np.ones_like(t) if weights is None else np.asarray(weights, dtype=float).ravel()
    if not (len(t) == len(act) == len(w)):
        raise ValueError("periods, active and weights must have the same length")
    if np.any(~np.isfinite(t)) or np.any(t != np.floor(t)):
        raise ValueError("periods must be whole numbers")
    if np.any(t[~act] < 1):
        raise ValueError("a cancelled customer stayed at least one period (periods ≥ 1)")
    if np.any(t[act] < 0):
        raise ValueError("an active customer has renewed zero or more times (periods ≥ 0)")
    if np.any(~np.isfinite(w)) or np.any(w < 0):
        raise ValueError("weights must be finite and non-negative")
    return t, act, w


def fit(periods: Any, active: Any, weights: Any = None, min_customers: int = MIN_CUSTOMERS,
        min_cancelled: int = MIN_CANCELLED) -> Sbg:
    """Maximum-likelihood sBG on individual histories (see :func:`loglik_terms` for what
    ``periods`` means for a cancelled and for an active customer).

    Raises :class:`~analytics.clv.models.FitError` ("few") with fewer than ``min_customers``
    customers or ``min_cancelled`` cancellations, or nobody who renewed; ("failed") when no
    interior maximum exists (a parameter runs to its search bound). Bad input raises ValueError.
    """
    t, act, w = _check(periods, active, weights)
    n, n_cancel = float(w.sum()), float(w[~act].sum())
    renewed = float(w[act & (t > 0)].sum() + w[~act & (t > 1)].sum())
    if n < min_customers or n_cancel < min_cancelled or renewed == 0:
        raise FitError(f"too few contracts to fit the sBG ({n:g} customers, {n_cancel:g} cancelled)", "few")
    # Customers with the same history share one term.
    key = np.column_stack([t, act.astype(float)])
    uniq, inverse = np.unique(key, axis=0, return_inverse=True)
    uw = np.bincount(inverse.ravel(), weights=w)
    ut, ua = uniq[:, 0], uniq[:, 1].astype(bool)

    def nll(theta: np.ndarray) -> tuple[float, np.ndarray]:
        a, b = np.exp(theta)
        with np.errstate(all="ignore"):
            value = float(np.dot(uw, loglik_terms(a, b, ut, ua)))
            g = -(_loglik_grad(a, b, ut, ua) @ uw) * np.array([a, b]) / n
        if not np.isfinite(value) or not np.all(np.isfinite(g)):
            return 1e12, np.zeros(2)
        return -value / n, g

    best = None
    # BFGS on log-parameters (unbounded; a run to infinity is caught below): for two parameters it
    # takes a few milliseconds where SciPy's L-BFGS-B took hundreds
    for start in (np.zeros(2), np.log([0.5, 2.0]), np.log([2.0, 10.0])):
        with np.errstate(all="ignore"):
            res = optimize.minimize(nll, start, method="BFGS", jac=True, options={"maxiter": 500, "gtol": 1e-10})
        if best is None or res.fun < best.fun:
            best = res
        if best.success and np.all(np.abs(best.x) < 8.0):
            break  # an interior maximum from this start: the others would find the same
    assert best is not None
    # The homogeneous limit (α, β → ∞, θ = cancellations ÷ renewal decisions: the geometric model).
    # When it fits at least as well, or α and β ran far up, there is no sign that the customers
    # likely to cancel leave first, which small or short histories often show; the likelihood then
    # rises towards the limit without a maximum, and the limit is the answer.
    theta = float(uw[~ua].sum()) / float(np.dot(uw, ut))
    a_h, b_h = theta * HOMOGENEOUS_SCALE, (1 - theta) * HOMOGENEOUS_SCALE
    ll_h = loglik(a_h, b_h, ut, ua, uw)
    if 0 < theta < 1 and (ll_h >= -best.fun * n - 1e-9 or np.all(best.x > 8.0)):
        return Sbg(a_h, b_h, ll_h, round(n), round(n_cancel), int(t.max()), True,
                   {"alpha": float("nan"), "beta": float("nan")}, homogeneous=True)
    if not np.isfinite(best.fun) or best.fun >= 1e12 or np.any(np.abs(best.x) >= _LOG_BOUND - 1e-6):
        raise FitError("sBG: no interior maximum of the likelihood (a parameter ran to its bound)")
    a, b = (float(v) for v in np.exp(best.x))
    ll = loglik(a, b, ut, ua, uw)
    converged = bool(best.success) or float(np.max(np.abs(best.jac))) < 1e-7
    return Sbg(a, b, ll, round(n), round(n_cancel), int(t.max()), converged,
               _std_errors(a, b, ut, ua, uw))


def _std_errors(a: float, b: float, t: np.ndarray, act: np.ndarray, w: np.ndarray) -> dict[str, float]:
    """Standard errors of α and β from the inverse of the observed information (the numerical
    Hessian of the negative log-likelihood, central differences of the analytic gradient)."""
    def grad(p: np.ndarray) -> np.ndarray:
        return -(_loglik_grad(p[0], p[1], t, act) @ w)

    p0 = np.array([a, b])
    hess = np.empty((2, 2))
    for i in range(2):
        h = 1e-5 * max(p0[i], 1e-3)
        up, down = p0.copy(), p0.copy()
        up[i] += h
        down[i] -= h
        hess[:, i] = (grad(up) - grad(down)) / (2 * h)
    hess = (hess + hess.T) / 2
    try:
        se = np.sqrt(np.clip(np.diag(np.linalg.inv(hess)), 0, None))
    except np.linalg.LinAlgError:
        se = np.full(2, np.nan)
    return {k: float(s) if np.isfinite(s) else float("nan") for k, s in zip(("alpha", "beta"), se, strict=True)}


def survivors_to_histories(survivors: Sequence[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A cohort's survivor counts at the start and after periods 1 … k (``[1000, 631, 468, …]``) as
    (periods, active, weights): those lost in period t cancelled at t; the last count is active
    after k renewals."""
    s = np.asarray(survivors, dtype=float)
    if s.ndim != 1 or len(s) < 2 or np.any(~np.isfinite(s)) or np.any(s < 0):
        raise ValueError("survivors must be at least two finite counts ≥ 0")
    lost = -np.diff(s)
    if np.any(lost < 0):
        raise ValueError("survivor counts cannot rise: a cohort only loses customers")
    k = len(s) - 1
    periods = np.append(np.arange(1, k + 1, dtype=float), k)
    active = np.append(np.zeros(k, dtype=bool), True)
    return periods, active, np.append(lost, s[-1])


def fit_survivors(survivors: Sequence[float], **kwargs: Any) -> Sbg:
    """Maximum-likelihood sBG on one cohort's survivor counts (:func:`survivors_to_histories`)."""
    return fit(*survivors_to_histories(survivors), **kwargs)
