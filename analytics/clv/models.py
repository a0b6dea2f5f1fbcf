"""Probabilistic customer-lifetime models: BG/NBD, Gamma-Gamma and discounted value (part of
:mod:`analytics.clv`).

* **BG/NBD** (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while alive a
  customer buys at Poisson rate λ ~ Gamma(r, alpha); after each purchase the customer drops out
  with probability p ~ Beta(a, b). Fitted by maximum likelihood (scipy L-BFGS-B on log
  parameters, log-likelihood written with gammaln/betaln and log-sum-exp, so that customers with
  hundreds of purchases do not overflow). Gives P(alive) and the expected number of purchases in
  the next ``t`` units (with the Gauss hypergeometric function, after Euler's transformation,
  which keeps its arguments small).
* **Gamma-Gamma** (Fader, Hardie & Lee 2005, "RFM and CLV", JMR; Colombo & Jiang 1999): the
  spend per purchase is Gamma(p, ν) with ν ~ Gamma(q, gamma). It only accepts positive spend, so
  it models *gross* spend of customers with at least one repeat purchase and positive
  ``monetary_value``; margin and cost to serve are applied afterwards, separately
  (:mod:`analytics.clv.value`). It assumes spend is independent of frequency; the fit
  reports their correlation so the UI can warn.
* **Discounted CLV** over ``H`` months with annual discount rate ``d``: Σₖ₌₁..H ΔEₖ × m /
  (1 + d)^(k/12), where ΔEₖ = expected purchases in month k (end-of-month cash flows) and m the
  expected value per purchase.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from analytics.clv.units import DEFAULT_UNIT, convert, unit_days


# ---------------------------------------------------------------------------- BG/NBD
@dataclass(frozen=True)
class BgNbd:
    """Fitted BG/NBD parameters (``alpha`` in ``time_unit``), the log-likelihood and the data size.

    ``source`` says which customers the parameters were fitted on: "filter" (the customers being
    valued) or "pooled" (every customer of the store, used when the filter's own fit fails or
    has too few customers).
    """

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    customers: int
    repeat_customers: int
    time_unit: str
    converged: bool = True
    source: str = "filter"
    std_errors: dict[str, float] = field(default_factory=dict)
    # covariance of (ln r, ln alpha, ln a, ln b), the inverse Hessian; () when singular
    log_covariance: tuple[tuple[float, ...], ...] = ()

    def in_unit(self, unit: str) -> BgNbd:
        """The same model in another unit: ``alpha`` has the dimension of time (the mean purchase
        rate is r / alpha per unit), so it scales with the unit's length. The log-likelihood is
        left as fitted (it changes by a constant with the unit); so is the log-parameters' covariance
        (ln alpha moves by a constant)."""
        return BgNbd(self.r, self.alpha * unit_days(self.time_unit) / unit_days(unit), self.a, self.b,
                     self.log_likelihood, self.customers, self.repeat_customers, unit, self.converged,
                     self.source, dict(self.std_errors), self.log_covariance)

    def params(self) -> dict[str, float]:
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b}


def bgnbd_loglik_terms(params: tuple[float, float, float, float], x: np.ndarray, t_x: np.ndarray,
                       T: np.ndarray) -> np.ndarray:
    """Each customer's BG/NBD log-likelihood (Fader, Hardie & Lee 2005, eq. 6), in log space."""
    r, alpha, a, b = params
    x = np.asarray(x, dtype=float)
    t_x = np.asarray(t_x, dtype=float)
    T = np.asarray(T, dtype=float)
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = betaln(a, b + x) - betaln(a, b)
    a3 = -(r + x) * np.log(alpha + T)
    repeat = x > 0
    a4 = np.full_like(x, -np.inf)
    xr = x[repeat]
    a4[repeat] = np.log(a) - np.log(b + xr - 1) - (r + xr) * np.log(alpha + t_x[repeat])
    return a1 + a2 + np.logaddexp(a3, a4)


def bgnbd_loglik_grad(params: tuple[float, float, float, float], x: np.ndarray, t_x: np.ndarray,
                      T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's BG/NBD log-likelihood and its gradient in (r, alpha, a, b), shape (4, n).

    With A3 = −(r+x)·ln(α+T), A4 = ln a − ln(b+x−1) − (r+x)·ln(α+t_x) and the weights
    w3, w4 = softmax(A3, A4) (w4 = 0 without a repeat purchase), ψ the digamma function:
    ∂/∂r = ψ(r+x) − ψ(r) + ln α − w3·ln(α+T) − w4·ln(α+t_x);
    ∂/∂α = r/α − (r+x)·(w3/(α+T) + w4/(α+t_x));
    ∂/∂a = ψ(a+b) − ψ(a+b+x) + w4/a;
    ∂/∂b = ψ(b+x) − ψ(a+b+x) − ψ(b) + ψ(a+b) − w4/(b+x−1).
    """
    r, alpha, a, b = params
    x = np.asarray(x, dtype=float)
    t_x = np.asarray(t_x, dtype=float)
    T = np.asarray(T, dtype=float)
    log_aT, log_at = np.log(alpha + T), np.log(alpha + t_x)
    a3 = -(r + x) * log_aT
    repeat = x > 0
    a4 = np.full_like(x, -np.inf)
    a4[repeat] = np.log(a) - np.log(b + x[repeat] - 1) - (r + x[repeat]) * log_at[repeat]
    tail = np.logaddexp(a3, a4)
    ll = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b) + tail
    w3, w4 = np.exp(a3 - tail), np.exp(a4 - tail)
    inv_b = np.zeros_like(x)
    inv_b[repeat] = w4[repeat] / (b + x[repeat] - 1)
    psi_abx = digamma(a + b + x)
    grad = np.vstack([
        digamma(r + x) - digamma(r) + np.log(alpha) - w3 * log_aT - w4 * log_at,
        r / alpha - (r + x) * (w3 / (alpha + T) + w4 / (alpha + t_x)),
        digamma(a + b) - psi_abx + w4 / a,
        digamma(b + x) - psi_abx - digamma(b) + digamma(a + b) - inv_b,
    ])
    return ll, grad


def bgnbd_loglik(params: tuple[float, float, float, float], x: Any, t_x: Any, T: Any) -> float:
    """Total BG/NBD log-likelihood of the customers (x, t_x, T)."""
    return float(np.sum(bgnbd_loglik_terms(params, x, t_x, T)))


def _compress(*cols: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Unique rows of the columns and their counts (customers with equal histories share a term)."""
    stacked = np.column_stack(cols)
    uniq, counts = np.unique(stacked, axis=0, return_counts=True)
    return [uniq[:, i] for i in range(uniq.shape[1])], counts.astype(float)


class FitError(ValueError):
    """A model could not be fitted: ``kind`` is "few" (too few data) or "failed" (no proper maximum)."""

    def __init__(self, message: str, kind: str = "failed") -> None:
        super().__init__(message)
        self.kind = kind


_LOG_BOUND = 12.0  # parameters are searched in exp([-12, 12]) ≈ [6e-6, 1.6e5]; a fit on the bound failed
_POLISH_GTOL = 1e-6  # mean log-likelihood per customer: a smaller gradient moves no reported digit


def _maximise(nll: Any, starts: list[np.ndarray], n_params: int) -> tuple[np.ndarray, float, bool]:
    """Minimise ``nll`` over log-parameters (``nll(theta) -> (value, gradient)``, analytic):
    L-BFGS-B from the first start, the next start only when that one fails or stops on a bound;
    then a BFGS polish unless L-BFGS-B already stopped with a gradient below ``_POLISH_GTOL``.
    Returns the best log-parameters, value and convergence flag."""
    best_x, best_f, best_ok, best_g = None, math.inf, False, math.inf
    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * n_params
    for start in starts:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = optimize.minimize(nll, start, method="L-BFGS-B", jac=True, bounds=bounds,
                                    options={"maxiter": 3000, "ftol": 1e-13, "gtol": 1e-9})
        if np.isfinite(res.fun) and res.fun < best_f:
            best_x, best_f, best_ok = res.x, float(res.fun), bool(res.success)
            best_g = float(np.max(np.abs(res.jac)))
        if best_ok and np.all(np.abs(best_x) < _LOG_BOUND - 1e-6):
            break
    if best_x is None:
        raise FitError("the likelihood could not be evaluated")
    if best_ok and best_g < _POLISH_GTOL:
        return best_x, best_f, best_ok
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = optimize.minimize(nll, best_x, method="BFGS", jac=True, options={"gtol": 1e-9, "maxiter": 500})
    if np.isfinite(res.fun) and res.fun <= best_f and np.all(np.abs(res.x) <= _LOG_BOUND):
        best_x, best_f = res.x, float(res.fun)
    return best_x, best_f, best_ok


def _log_covariance(nll: Any, theta: np.ndarray) -> np.ndarray | None:
    """Asymptotic covariance of the log-parameters: the inverse of the numerical Hessian of the
    negative log-likelihood in log-parameters (statsmodels' approx_hess3); None where the Hessian
    is singular or the inverse is not a finite, symmetric positive-definite matrix."""
    from statsmodels.tools.numdiff import approx_hess3

    try:
        with np.errstate(all="ignore"):
            cov = np.linalg.inv(approx_hess3(theta, nll))
        cov = (cov + cov.T) / 2
        np.linalg.cholesky(cov)  # positive definite, else LinAlgError
    except (np.linalg.LinAlgError, ValueError):
        return None
    return cov if np.all(np.isfinite(cov)) else None


def _covariance_tuple(cov: np.ndarray | None) -> tuple[tuple[float, ...], ...]:
    """A covariance as nested tuples (frozen dataclasses stay hashable); () when there is none."""
    return () if cov is None else tuple(tuple(float(v) for v in row) for row in cov)


def _std_errors(nll: Any, theta: np.ndarray, names: tuple[str, ...],
                cov: np.ndarray | None = None) -> dict[str, float]:
    """Standard errors of exp(theta) by the delta method from the log-parameters' covariance
    (:func:`_log_covariance`, computed here unless given); NaN where singular."""
    from statsmodels.tools.numdiff import approx_hess3

    try:
        if cov is None:
            with np.errstate(all="ignore"):
                cov = np.linalg.inv(approx_hess3(theta, nll))
        se = np.exp(theta) * np.sqrt(np.clip(np.diag(cov), 0, None))
    except (np.linalg.LinAlgError, ValueError):
        se = np.full(len(names), np.nan)
    return {n: float(s) if np.isfinite(s) else float("nan") for n, s in zip(names, se, strict=True)}


MIN_CUSTOMERS = 30        # fewer customers than this: too few to fit (use pooled parameters)
MIN_REPEAT_CUSTOMERS = 10  # fewer customers with a repeat purchase than this: too few


def fit_inputs(summary: pd.DataFrame, model: str, min_customers: int = MIN_CUSTOMERS,
               min_repeat: int = MIN_REPEAT_CUSTOMERS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, t_x, T) of an RFM summary, checked for every purchase model's fit: ValueError on missing
    columns or impossible values, :class:`FitError` ("few") when too few customers to fit ``model``."""
    for col in ("frequency", "recency", "T"):
        if col not in summary.columns:
            raise ValueError(f"RFM summary lacks column {col!r}")
    x, t_x, T = (summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    if (x < 0).any() or (t_x < 0).any() or (t_x - T > 1e-9).any():
        raise ValueError("RFM summary must have frequency ≥ 0 and 0 ≤ recency ≤ T")
    n, n_rep = len(x), int((x > 0).sum())
    if n < min_customers or n_rep < min_repeat:
        raise FitError(f"too few customers to fit {model} ({n} customers, {n_rep} with a repeat purchase)", "few")
    return x, t_x, T


def fit_bgnbd(summary: pd.DataFrame, time_unit: str = DEFAULT_UNIT, source: str = "filter",
              min_customers: int = MIN_CUSTOMERS, min_repeat: int = MIN_REPEAT_CUSTOMERS) -> BgNbd:
    """Maximum-likelihood BG/NBD on an RFM summary (``frequency, recency, T`` in ``time_unit``).

    Raises :class:`FitError` when there are fewer than ``min_customers`` customers or
    ``min_repeat`` customers with a repeat purchase, or when no interior maximum is found
    (a parameter runs to the search bound, or the likelihood is not finite).
    """
    unit_days(time_unit)
    x, t_x, T = fit_inputs(summary, "BG/NBD", min_customers, min_repeat)
    n, n_rep = len(x), int((x > 0).sum())
    (ux, ut, uT), w = _compress(x, t_x, T)
    total = w.sum()

    def nll(theta: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            ll = float(np.dot(w, bgnbd_loglik_terms(tuple(np.exp(theta)), ux, ut, uT)))
        return -ll / total if np.isfinite(ll) else 1e12

    scale = max(float(np.mean(T)), 1e-6)
    starts = [np.log([1.0, scale, 1.0, 1.0]), np.log([0.5, scale / 5, 0.8, 2.5]), np.log([1.0, 1.0, 1.0, 1.0])]
    theta, f, ok = _maximise(_nll_and_grad(bgnbd_loglik_grad, w, total, ux, ut, uT), starts, 4)
    if not np.isfinite(f) or np.any(np.abs(theta) >= _LOG_BOUND - 1e-6):
        raise FitError("BG/NBD: no interior maximum of the likelihood (a parameter ran to its bound)")
    r, alpha, a, b = (float(v) for v in np.exp(theta))
    ll = bgnbd_loglik((r, alpha, a, b), x, t_x, T)
    cov = _log_covariance(lambda th: nll(th) * total, theta)
    se = _std_errors(lambda th: nll(th) * total, theta, ("r", "alpha", "a", "b"), cov)
    return BgNbd(r, alpha, a, b, ll, n, n_rep, time_unit, ok, source, se, _covariance_tuple(cov))


def p_alive(m: BgNbd, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """P(alive at T | x, t_x, T) under BG/NBD: 1 without a repeat purchase, else
    1 / (1 + a/(b+x−1) · ((alpha+T)/(alpha+t_x))^(r+x)), computed in log space."""
    x = np.asarray(x, dtype=float)
    t_x = np.asarray(t_x, dtype=float)
    T = np.asarray(T, dtype=float)
    out = np.ones_like(x)
    rep = x > 0
    xr = x[rep]
    log_odds = (np.log(m.a) - np.log(m.b + xr - 1)
                + (m.r + xr) * (np.log(m.alpha + T[rep]) - np.log(m.alpha + t_x[rep])))
    out[rep] = expit(-log_odds)
    return out


def expected_purchases(m: BgNbd, t: Any, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """E[purchases in (T, T + t] | x, t_x, T] under BG/NBD (Fader, Hardie & Lee 2005, eq. 10).

    Uses Euler's transformation ((alpha+T)/(alpha+T+t))^(r+x) · ₂F₁(r+x, b+x; a+b+x−1; z)
    = (1−z)^(a−1) · ₂F₁(a+b−1−r, a−1; a+b+x−1; z), z = t/(alpha+T+t), whose arguments do not grow
    with x, so customers with many purchases do not overflow. ``t`` is in the model's unit and
    may be a scalar or broadcast against the customers.
    """
    x = np.asarray(x, dtype=float)
    T = np.asarray(T, dtype=float)
    t = np.asarray(t, dtype=float)
    r, alpha, b = m.r, m.alpha, m.b
    a = m.a if abs(m.a - 1.0) > 1e-7 else 1.0 + 1e-7  # the formula has a − 1 in a denominator
    c = a + b + x - 1
    z = t / (alpha + T + t)
    with np.errstate(all="ignore"):
        g = 1.0 - (1.0 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, c, z)
        e = (c / (a - 1)) * g * p_alive(m, x, t_x, T)
    e = np.where(np.asarray(t) <= 0, 0.0, e)
    if not np.all(np.isfinite(e)):
        raise FitError("BG/NBD: expected purchases are not finite for these parameters")
    return np.maximum(e, 0.0)


# ---------------------------------------------------------------------------- Gamma-Gamma
@dataclass(frozen=True)
class GammaGamma:
    """Fitted Gamma-Gamma spend model (money in the data's currency) and its data size.

    ``frequency_spend_corr`` is the Pearson correlation of frequency and mean spend among the
    customers fitted (the model assumes independence; |corr| above 0.3 is worth a warning).
    With q ≤ 1 (very uneven spend across customers, e.g. a mix of households and key accounts)
    the population's mean spend is infinite: the model still predicts customers with a repeat
    purchase, but not customers without one (:func:`expected_spend` gives NaN for them).
    """

    p: float
    q: float
    gamma: float
    log_likelihood: float
    customers: int
    frequency_spend_corr: float | None
    converged: bool = True
    source: str = "filter"
    std_errors: dict[str, float] = field(default_factory=dict)
    # covariance of (ln p, ln q, ln gamma), the inverse Hessian (ln gamma's variance does not depend
    # on the currency); () when singular
    log_covariance: tuple[tuple[float, ...], ...] = ()

    @property
    def population_mean_spend(self) -> float:
        """E[spend per purchase] of a new customer, p·gamma / (q − 1); infinite when q ≤ 1."""
        return self.p * self.gamma / (self.q - 1) if self.q > 1 else math.inf

    @property
    def finite_mean(self) -> bool:
        return self.q > 1

    def params(self) -> dict[str, float]:
        return {"p": self.p, "q": self.q, "gamma": self.gamma}


def gamma_gamma_loglik_terms(params: tuple[float, float, float], x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Each customer's Gamma-Gamma log-likelihood of mean spend ``m`` over ``x`` purchases."""
    p, q, g = params
    x = np.asarray(x, dtype=float)
    m = np.asarray(m, dtype=float)
    px = p * x
    return (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g) + (px - 1) * np.log(m)
            + px * np.log(x) - (px + q) * np.log(g + x * m))


def gamma_gamma_loglik_grad(params: tuple[float, float, float], x: np.ndarray, m: np.ndarray
                            ) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's Gamma-Gamma log-likelihood and its gradient in (p, q, gamma), shape (3, n):
    ∂/∂p = x·(ψ(px+q) − ψ(px) + ln m + ln x − ln(γ+x·m)); ∂/∂q = ψ(px+q) − ψ(q) + ln γ − ln(γ+x·m);
    ∂/∂γ = q/γ − (px+q)/(γ+x·m)."""
    p, q, g = params
    x = np.asarray(x, dtype=float)
    m = np.asarray(m, dtype=float)
    px = p * x
    log_gxm = np.log(g + x * m)
    psi_pxq = digamma(px + q)
    ll = gamma_gamma_loglik_terms(params, x, m)
    grad = np.vstack([
        x * (psi_pxq - digamma(px) + np.log(m) + np.log(x) - log_gxm),
        psi_pxq - digamma(q) + np.log(g) - log_gxm,
        q / g - (px + q) / (g + x * m),
    ])
    return ll, grad


def _objective(terms_grad: Callable[..., tuple[np.ndarray, np.ndarray]], *cols: np.ndarray
               ) -> tuple[Callable[[np.ndarray], tuple[float, np.ndarray]], float]:
    """:func:`_nll_and_grad` over the distinct rows of ``cols`` (:func:`_compress`), and the number of
    customers it averages over."""
    data, w = _compress(*cols)
    total = float(w.sum())
    return _nll_and_grad(terms_grad, w, total, *data), total


def _nll_and_grad(terms_grad: Callable[..., tuple[np.ndarray, np.ndarray]], w: np.ndarray, total: float,
                  *data: np.ndarray) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """Mean negative log-likelihood over weighted customers and its gradient in log-parameters
    (∂/∂θ = p·∂/∂p for p = exp θ), for the optimiser."""
    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(theta)
        with np.errstate(all="ignore"):
            ll, grad = terms_grad(tuple(params), *data)
            value = float(np.dot(w, ll))
            g = -(grad @ w) * params / total
        if not np.isfinite(value) or not np.all(np.isfinite(g)):
            return 1e12, np.zeros_like(theta)
        return -value / total, g
    return fun


def _spend_sample(summary: pd.DataFrame) -> pd.DataFrame:
    return summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]


def fit_gamma_gamma(summary: pd.DataFrame, source: str = "filter",
                    min_customers: int = MIN_REPEAT_CUSTOMERS) -> GammaGamma:
    """Maximum-likelihood Gamma-Gamma on customers with a repeat purchase and positive mean spend.

    Raises :class:`FitError` with fewer than ``min_customers`` such customers or when no interior
    maximum is found. q ≤ 1 is allowed (see :class:`GammaGamma`).
    """
    for col in ("frequency", "monetary_value"):
        if col not in summary.columns:
            raise ValueError(f"RFM summary lacks column {col!r}")
    s = _spend_sample(summary)
    n = len(s)
    if n < min_customers:
        raise FitError(f"too few repeat customers with positive spend to fit Gamma-Gamma ({n})", "few")
    x = s["frequency"].to_numpy(dtype=float)
    m = s["monetary_value"].to_numpy(dtype=float)
    # Fit in units of the median spend (the likelihood is scale-equivariant: gamma scales with
    # money, p and q do not) so that the optimiser sees numbers near 1 whatever the currency.
    unit = float(np.median(m))
    ms = m / unit
    (ux, um), w = _compress(x, ms)
    total = w.sum()

    def nll(theta: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            ll = float(np.dot(w, gamma_gamma_loglik_terms(tuple(np.exp(theta)), ux, um)))
        return -ll / total if np.isfinite(ll) else 1e12

    starts = [np.log([1.0, 2.0, 1.0]), np.log([5.0, 3.0, 2.0]), np.log([0.5, 1.5, 0.5])]
    theta, f, ok = _maximise(_nll_and_grad(gamma_gamma_loglik_grad, w, total, ux, um), starts, 3)
    if not np.isfinite(f) or np.any(np.abs(theta) >= _LOG_BOUND - 1e-6):
        raise FitError("Gamma-Gamma: no interior maximum of the likelihood (a parameter ran to its bound)")
    p, q, g = (float(v) for v in np.exp(theta))
    g_money = g * unit
    ll = float(np.sum(gamma_gamma_loglik_terms((p, q, g_money), x, m)))
    cov = _log_covariance(lambda th: nll(th) * total, theta)
    se_scaled = _std_errors(lambda th: nll(th) * total, theta, ("p", "q", "gamma"), cov)
    se = {**se_scaled, "gamma": se_scaled["gamma"] * unit}
    corr = float(np.corrcoef(x, m)[0, 1]) if n > 2 and np.std(x) > 0 and np.std(m) > 0 else None
    return GammaGamma(p, q, g_money, ll, n, corr, ok, source, se, _covariance_tuple(cov))


def expected_spend(g: GammaGamma, x: Any, m: Any) -> np.ndarray:
    """E[spend per purchase | x, m] = p(gamma + x·m) / (p·x + q − 1); the population mean when
    x = 0. NaN where the denominator is not positive (x = 0 with q ≤ 1: an infinite mean)."""
    x = np.asarray(x, dtype=float)
    m = np.where(x > 0, np.asarray(m, dtype=float), 0.0)
    den = g.p * x + g.q - 1
    with np.errstate(all="ignore"):
        return np.where(den > 0, g.p * (g.gamma + x * m) / np.where(den > 0, den, 1.0), np.nan)


# ---------------------------------------------------------------------------- discounted value
def monthly_purchases(m: BgNbd | None, summary: pd.DataFrame, horizon_months: int,
                      rates: np.ndarray | None = None) -> np.ndarray:
    """Expected purchases of each customer in each of the next ``horizon_months`` months.

    With a BG/NBD model: differences of :func:`expected_purchases` at 1, 2, … months (converted to
    the model's unit). Without one, ``rates`` (purchases per model unit, constant, no drop-out)
    times the month's length. Returns an array of shape (customers, months).
    """
    if horizon_months < 1:
        raise ValueError("the horizon must be at least one month")
    unit = m.time_unit if m is not None else DEFAULT_UNIT
    ends = convert(np.arange(0, horizon_months + 1, dtype=float), "months", unit)
    if m is None:
        per_month = np.asarray(rates, dtype=float)[:, None] * np.diff(ends)[None, :]
        return per_month
    x = summary["frequency"].to_numpy(dtype=float)[:, None]
    t_x = summary["recency"].to_numpy(dtype=float)[:, None]
    T = summary["T"].to_numpy(dtype=float)[:, None]
    cum = expected_purchases(m, ends[None, :], x, t_x, T)
    return np.diff(cum, axis=1)


def discount_factors(horizon_months: int, annual_discount: float) -> np.ndarray:
    """1 / (1 + d)^(k/12) for months k = 1 … H (cash flows at each month's end)."""
    if not (annual_discount > -1 and math.isfinite(annual_discount)):
        raise ValueError("the annual discount rate must be a number above −100 %")
    k = np.arange(1, horizon_months + 1, dtype=float)
    return (1.0 + annual_discount) ** (-k / 12.0)


def discounted_value(per_month: np.ndarray, value_per_purchase: np.ndarray, annual_discount: float) -> np.ndarray:
    """Σₖ purchasesₖ × value per purchase / (1 + d)^(k/12), per customer."""
    df = discount_factors(per_month.shape[1], annual_discount)
    return (per_month @ df) * np.asarray(value_per_purchase, dtype=float)


def model_dict(m: BgNbd | GammaGamma | None) -> dict[str, Any] | None:
    """A fitted model as a plain dict (for JSON and tables)."""
    return None if m is None else asdict(m)
