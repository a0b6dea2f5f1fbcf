"""The Pareto/NBD model of purchases (Schmittlein, Morrison & Colombo 1987; part of :mod:`analytics.clv`).

While alive a customer buys at Poisson rate λ ~ Gamma(r, alpha); the lifetime is exponential with
rate μ ~ Gamma(s, beta), so a customer can drop out at any moment (BG/NBD only after a purchase).

**Likelihood** (Fader, Hardie & Lee 2005, "A Note on Implementing the Pareto/NBD Model in MATLAB"):

L = Γ(r+x) α^r β^s / Γ(r) · [ 1 / ((α+T)^(r+x) (β+T)^s) + s / (r+s+x) · A₀ ],

A₀ = F(t_x) − F(T), F(y) = ₂F₁(r+s+x, b; r+s+x+1; |α−β| / (max(α,β)+y)) / (max(α,β)+y)^(r+s+x)

with b = s+1 when α ≥ β and b = r+x when α < β. Everything is computed in logs. ₂F₁ is SciPy's
``hyp2f1`` where it is accurate: for b ≤ 1 the series' terms are positive and the value at most
(1−z)^(−b); for b > 1 Euler's transformation ₂F₁(a, b; a+1; z) = (1−z)^(1−b) ₂F₁(1, a+1−b; a+1; z)
keeps the value finite as z → 1 (the direct value overflows for heavy buyers: e^1713 at
x = 300). Checked against mpmath to 1e-12 in ``tests/analytics/clv/test_pareto_nbd.py``.

**Gradient**: ₂F₁ has no closed-form derivative in its parameters, so the gradient is a central
difference of each customer's log-likelihood in log-parameters (step 1e-5: truncation error
~1e-10, rounding ~1e-11 relative), checked against mpmath's high-precision derivative of the
likelihood written as an integral over the drop-out time (independent of ₂F₁).

**P(alive)** = 1 / (1 + s/(r+s+x) · (α+T)^(r+x) (β+T)^s · A₀).

**Expected purchases** in (T, T+t]: (r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)] ·
P(alive); the bracket over s−1 tends to ln((β+T+t)/(β+T)) as s → 1. With x = t_x = T = 0 it is
the expected number of repeat purchases of a new customer in its first t units.

**The homogeneous drop-out limit** (:class:`ParetoNbdLimit`): when the data show no spread of drop-out
rates, the likelihood has no interior maximum — it rises as s, beta → ∞ with s/beta = mu fixed (the
Gamma of drop-out rates narrowing to the single rate mu). That limit is itself a proper model with
three parameters (r, alpha, mu): :func:`fit` fits and returns it when s runs to its cap, so the
comparison reports Pareto/NBD (homogeneous drop-out limit) instead of "not fitted".
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.special import digamma, expit, gammaln, hyp2f1

from analytics.clv.models import (
    _LOG_BOUND,
    MIN_CUSTOMERS,
    MIN_REPEAT_CUSTOMERS,
    FitError,
    _covariance_tuple,
    _log_covariance,
    _maximise,
    _objective,
    _std_errors,
    fit_inputs,
)
from analytics.clv.units import DEFAULT_UNIT, unit_days

PARAMS = ("r", "alpha", "s", "beta")
_STEP = 1e-5  # central-difference step in log-parameters


@dataclass(frozen=True)
class ParetoNbd:
    """Fitted Pareto/NBD parameters (``alpha`` and ``beta`` in ``time_unit``), log-likelihood, data size.

    ``source`` is "filter" or "pooled" as for :class:`analytics.clv.models.BgNbd`.
    """

    r: float
    alpha: float
    s: float
    beta: float
    log_likelihood: float
    customers: int
    repeat_customers: int
    time_unit: str
    converged: bool = True
    source: str = "filter"
    std_errors: dict[str, float] = field(default_factory=dict)
    # covariance of (ln r, ln alpha, ln s, ln beta), the inverse Hessian; () when singular
    log_covariance: tuple[tuple[float, ...], ...] = ()

    kind = "pareto_nbd"
    variant = "general"
    n_params = 4

    def in_unit(self, unit: str) -> ParetoNbd:
        """The same model in another unit (alpha and beta have the dimension of time)."""
        k = unit_days(self.time_unit) / unit_days(unit)
        return ParetoNbd(self.r, self.alpha * k, self.s, self.beta * k, self.log_likelihood, self.customers,
                         self.repeat_customers, unit, self.converged, self.source, dict(self.std_errors),
                         self.log_covariance)

    def params(self) -> dict[str, float]:
        return {"r": self.r, "alpha": self.alpha, "s": self.s, "beta": self.beta}


def log_hyp2f1_a_a1(a: np.ndarray, b: np.ndarray, z: np.ndarray) -> np.ndarray:
    """ln ₂F₁(a, b; a+1; z) for a, b > 0 and 0 ≤ z < 1, finite where the value itself overflows.
    SciPy's value where it is fast and right (z ≤ 0.9 or a ≤ 60, b not within 1e-4 of 1); elsewhere (large a
    with z near 1, where SciPy takes 0.25 ms a value and gives NaN, or b ≈ 1 with z near 1) the integral a·∫₀¹ t^(a−1) (1−zt)^(−b) dt by
    :func:`_log_integral`."""
    a, b, z = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float), np.asarray(z, float))
    out = np.full(a.shape, np.nan)
    # ... and where c − a − b = 1 − b is nearly 0 with z near 1: SciPy's value (and the Euler form's) loses
    # up to 1e-3 of the log to cancellation there (|1 − b| ≤ 1e-8, z ≥ 0.998), found by hypothesis.
    quad = ((z > 0.9) & (a > 60)) | ((np.abs(b - 1) < 1e-4) & (z > 0.95))
    if quad.any():
        out[quad] = _log_integral(a[quad], b[quad], z[quad])
    euler = (b > 1) & ~quad
    with np.errstate(all="ignore"):
        plain = (b <= 1) & ~quad
        out[plain] = np.log(hyp2f1(a[plain], b[plain], a[plain] + 1, z[plain]))
        ae, be, ze = a[euler], b[euler], z[euler]
        out[euler] = (1 - be) * np.log1p(-ze) + np.log(hyp2f1(1.0, ae + 1 - be, ae + 1, ze))
    bad = ~np.isfinite(out)
    if bad.any():
        out[bad] = _log_integral(a[bad], b[bad], z[bad])
    return out


_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(12)
_PANELS, _GROWTH = 160, 1.4  # graded panels: the n-th is 1.4^n times the first, past any mass


def _log_integral(a: np.ndarray, b: np.ndarray, z: np.ndarray) -> np.ndarray:
    """ln a·∫₀¹ t^(a−1) (1−zt)^(−b) dt in log space, with t = e^(−v), v from 0 to ∞: a·∫ e^(φ(v)) dv,
    φ(v) = −a·v − b·ln(1 − z·e^(−v)), convex and decreasing. 12-point Gauss-Legendre on panels that
    start at a quarter of the decay length 1/|φ'(0)| and grow by 1.4 each, so the log-integrand
    changes by little within a panel where the mass is, and the panels reach far past it."""
    a, b, z = (v[:, None] for v in (a, b, z))
    slope = a + b * z / (1 - z)  # |φ'(0)|, the steepest decay
    h0 = 0.25 / slope
    # Past v = 50/a the integrand is below e^−50 of its value at 0 (φ ≤ −a·v): enough panels to reach it.
    reach = float(np.max(np.log1p(50 * (_GROWTH - 1) * slope / (0.25 * a)) / np.log(_GROWTH)))
    k = np.arange(min(_PANELS, math.ceil(reach) + 2))[None, :]
    lo = h0 * (_GROWTH ** k - 1) / (_GROWTH - 1)
    width = h0 * _GROWTH ** k
    v = lo[..., None] + width[..., None] * (_GL_NODES + 1) / 2  # rows × panels × nodes
    phi = -a[..., None] * v - b[..., None] * np.log1p(-z[..., None] * np.exp(-v))
    logw = np.log(width[..., None] / 2 * _GL_WEIGHTS)
    terms = (phi + logw).reshape(len(a), -1)
    top = terms.max(axis=1, keepdims=True)
    return (np.log(a[:, 0]) + top[:, 0] + np.log(np.exp(terms - top).sum(axis=1)))


def _log_a0(params: tuple[float, float, float, float], x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """ln A₀ (−inf where t_x = T: no time to have died unseen)."""
    r, alpha, s, beta = params
    hi, lo = max(alpha, beta), min(alpha, beta)
    b = np.full_like(x, s + 1.0) if alpha >= beta else r + x
    rsx = r + s + x

    def log_f(y: np.ndarray) -> np.ndarray:
        return log_hyp2f1_a_a1(rsx, b, (hi - lo) / (hi + y)) - rsx * np.log(hi + y)

    l1, l2 = log_f(t_x), log_f(T)
    with np.errstate(all="ignore"):
        # F(t_x) ≥ F(T) (A₀ is an integral of a positive function); rounding may cross where equal
        return np.where(l2 < l1, l1 + np.log1p(-np.exp(l2 - l1)), -np.inf)


def loglik_terms(params: tuple[float, float, float, float], x: Any, t_x: Any, T: Any) -> np.ndarray:
    """Each customer's Pareto/NBD log-likelihood (see the module docstring)."""
    r, alpha, s, beta = (float(v) for v in params)
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    died = np.log(s) - np.log(r + s + x) + _log_a0((r, alpha, s, beta), x, t_x, T)
    return head + np.logaddexp(alive, died)


def loglik_grad(params: tuple[float, float, float, float], x: Any, t_x: Any, T: Any) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's log-likelihood and its gradient in (r, alpha, s, beta), shape (4, n): central
    differences in log-parameters, ∂ℓ/∂p = (ℓ(p·e^h) − ℓ(p·e^−h)) / (2h·p)."""
    p = np.asarray(params, dtype=float)
    ll = loglik_terms(p, x, t_x, T)
    grad = []
    for i in range(4):
        up, down = p.copy(), p.copy()
        up[i] *= np.exp(_STEP)
        down[i] *= np.exp(-_STEP)
        grad.append((loglik_terms(up, x, t_x, T) - loglik_terms(down, x, t_x, T)) / (2 * _STEP * p[i]))
    return ll, np.vstack(grad)


def loglik(params: tuple[float, float, float, float], x: Any, t_x: Any, T: Any) -> float:
    """Total Pareto/NBD log-likelihood of the customers (x, t_x, T)."""
    return float(np.sum(loglik_terms(params, x, t_x, T)))


def fit(summary: pd.DataFrame, time_unit: str = DEFAULT_UNIT, source: str = "filter",
        min_customers: int = MIN_CUSTOMERS, min_repeat: int = MIN_REPEAT_CUSTOMERS) -> ParetoNbd | ParetoNbdLimit:
    """Maximum-likelihood Pareto/NBD on an RFM summary (``frequency, recency, T`` in ``time_unit``).

    When s runs to its cap (no spread of drop-out rates: the likelihood rises as s, beta → ∞ with
    s/beta fixed), the boundary model is fitted instead and returned: Pareto/NBD with one drop-out
    rate mu for everyone (:class:`ParetoNbdLimit`, :func:`fit_limit`). Raises
    :class:`~analytics.clv.models.FitError` as :func:`~analytics.clv.models.fit_bgnbd` does, and
    when the boundary model has no interior maximum either (mu → 0: nobody drops out).
    """
    x, t_x, T = fit_inputs(summary, "Pareto/NBD", min_customers, min_repeat)
    n, n_rep = len(x), int((x > 0).sum())
    fun, total = _objective(loglik_grad, x, t_x, T)
    scale = max(float(np.mean(T)), 1e-6)
    starts = [np.log([1.0, scale, 1.0, scale]), np.log([0.5, scale / 4, 0.5, scale]), np.log([1.0, 1.0, 1.0, 1.0])]
    theta, f, ok = _maximise_capped(fun, starts[:2])
    if np.isfinite(f) and theta[2] >= _LOG_S_CAP - 1e-6:
        try:
            return fit_limit(summary, time_unit, source, min_customers, min_repeat)
        except FitError as exc:
            raise FitError("Pareto/NBD: drop-out rates do not differ between customers (s runs past "
                           f"{math.exp(_LOG_S_CAP):.0f}), and the homogeneous drop-out limit has no interior "
                           f"maximum either ({exc})") from exc
    if not np.isfinite(f) or np.any(np.abs(theta) >= _LOG_BOUND - 1e-6):
        raise FitError("Pareto/NBD: no interior maximum of the likelihood (a parameter ran to its bound)")
    r, alpha, s, beta = (float(v) for v in np.exp(theta))
    cov = _log_covariance(lambda th: fun(th)[0] * total, theta)
    se = _std_errors(lambda th: fun(th)[0] * total, theta, PARAMS, cov)
    return ParetoNbd(r, alpha, s, beta, loglik((r, alpha, s, beta), x, t_x, T), n, n_rep, time_unit, ok, source, se,
                     _covariance_tuple(cov))


_LOG_S_CAP = 4.0  # s ≤ e^4 ≈ 55: beyond, drop-out rates vary by under 14 % (CV 1/√s) across customers


def _maximise_capped(fun: Any, starts: list[np.ndarray]) -> tuple[np.ndarray, float, bool]:
    """L-BFGS-B over log-parameters with ln s ≤ :data:`_LOG_S_CAP`: as s → ∞ (with s/beta fixed) the
    Gamma mixing of drop-out rates degenerates to one rate, the likelihood creeps up without end and
    each evaluation slows (r+s+x grows), so the fit stops at the cap and is refused."""
    bounds = [(-_LOG_BOUND, _LOG_BOUND), (-_LOG_BOUND, _LOG_BOUND), (-_LOG_BOUND, _LOG_S_CAP),
              (-_LOG_BOUND, _LOG_BOUND)]
    best: tuple[np.ndarray, float, bool] | None = None
    for start in starts:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = optimize.minimize(fun, start, method="L-BFGS-B", jac=True, bounds=bounds,
                                    options={"maxiter": 500, "ftol": 1e-13, "gtol": 1e-9})
        if np.isfinite(res.fun) and (best is None or res.fun < best[1]):
            best = (res.x, float(res.fun), bool(res.success))
        # a converged start that stopped inside, or on the s cap (where every start goes: the data have
        # no spread of drop-out rates), is the answer; another start only after a failure
        if best is not None and best[2] and np.all(np.abs(best[0]) < _LOG_BOUND - 1e-6):
            break
    if best is None:
        raise FitError("the likelihood could not be evaluated")
    return best


def p_alive(m: ParetoNbd | ParetoNbdLimit, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """P(alive at T | x, t_x, T) under Pareto/NBD (below 1 for one-time buyers too)."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(x, t_x, T))
    if isinstance(m, ParetoNbdLimit):
        return _limit_p_alive(m, x, t_x, T)
    params = (m.r, m.alpha, m.s, m.beta)
    log_odds = (np.log(m.s) - np.log(m.r + m.s + x) + (m.r + x) * np.log(m.alpha + T)
                + m.s * np.log(m.beta + T) + _log_a0(params, x, t_x, T))
    return expit(-log_odds)


def expected_purchases(m: ParetoNbd | ParetoNbdLimit, t: Any, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """E[purchases in (T, T + t] | x, t_x, T] under Pareto/NBD; ``t`` broadcasts against the customers."""
    if isinstance(m, ParetoNbdLimit):
        return _limit_expected_purchases(m, t, x, t_x, T)
    t, x, t_x, T = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(t, x, t_x, T))
    length = np.log1p(np.maximum(t, 0.0) / (m.beta + T))
    sm1 = m.s - 1.0
    share = length if abs(sm1) < 1e-9 else -np.expm1(-sm1 * length) / sm1
    e = (m.r + x) * (m.beta + T) / (m.alpha + T) * share * p_alive(m, x, t_x, T)
    if not np.all(np.isfinite(e)):
        raise FitError("Pareto/NBD: expected purchases are not finite for these parameters")
    return np.where(t <= 0, 0.0, e)


# ---------------------------------------------------------------------------- the homogeneous drop-out limit
LIMIT_PARAMS = ("r", "alpha", "mu")


@dataclass(frozen=True)
class ParetoNbdLimit:
    """Pareto/NBD in its limit s, beta → ∞ with s/beta = ``mu``: purchase rates λ ~ Gamma(r, alpha) as
    before, one exponential drop-out rate ``mu`` (per ``time_unit``) for every customer. Three parameters;
    fields and ``source`` as :class:`ParetoNbd`."""

    r: float
    alpha: float
    mu: float
    log_likelihood: float
    customers: int
    repeat_customers: int
    time_unit: str
    converged: bool = True
    source: str = "filter"
    std_errors: dict[str, float] = field(default_factory=dict)
    log_covariance: tuple[tuple[float, ...], ...] = ()  # of (ln r, ln alpha, ln mu)

    kind = "pareto_nbd"
    variant = "homogeneous_dropout"
    n_params = 3

    def in_unit(self, unit: str) -> ParetoNbdLimit:
        """The same model in another unit (alpha is a time, mu a rate per time)."""
        k = unit_days(self.time_unit) / unit_days(unit)
        return ParetoNbdLimit(self.r, self.alpha * k, self.mu / k, self.log_likelihood, self.customers,
                              self.repeat_customers, unit, self.converged, self.source, dict(self.std_errors),
                              self.log_covariance)

    def params(self) -> dict[str, float]:
        return {"r": self.r, "alpha": self.alpha, "mu": self.mu}


_LIMIT_NODES = 12  # Gauss-Legendre nodes per panel of the drop-out-time integral


def _limit_integral(k: np.ndarray, alpha: float, mu: float, t_x: np.ndarray, T: np.ndarray,
                    moments: bool = True) -> tuple[np.ndarray, ...]:
    """ln I, I = ∫ from t_x to T of e^(−μτ) (α+τ)^(−k) dτ (−inf where t_x = T), and with ``moments`` the
    integrand-weighted means of ln(α+τ), 1/(α+τ) and τ over it (for the gradient). The log-integrand is
    convex and falls fastest at τ = t_x: graded Gauss-Legendre panels as :func:`_log_integral`'s, from
    t_x, the first a quarter of the decay length there, each 1.4 times the last, cut at T (or where the
    integrand has fallen by e^−50). Rows are computed in groups of equal panel counts (most need a few,
    heavy buyers and long silences up to ~20)."""
    slope = mu + k / (alpha + t_x)
    h0 = 0.25 / slope
    # Past D the integrand is below e^−50 of its value at t_x: the drop μD + k·ln(1 + D/(α+t_x)) exceeds
    # each of its two terms. Integrating to min(T, t_x + D) keeps the panels few for heavy buyers.
    reach = np.minimum(50 / mu, (alpha + t_x) * np.expm1(np.minimum(50 / k, 700.0)))
    length = np.minimum(T - t_x, reach)
    need = np.log1p((_GROWTH - 1) * length / h0) / np.log(_GROWTH)  # panels to reach the end
    panels = np.clip(np.ceil(need) + 1, 1, _PANELS).astype(int)
    out = [np.empty(len(k)) for _ in range(4 if moments else 1)]
    for n in np.unique(panels):
        rows = panels == n
        for o, v in zip(out, _panels(int(n), k[rows], alpha, mu, t_x[rows], h0[rows], length[rows], moments),
                        strict=True):
            o[rows] = v
    return tuple(out)


def _panels(n: int, k: np.ndarray, alpha: float, mu: float, t_x: np.ndarray, h0: np.ndarray, length: np.ndarray,
            moments: bool) -> list[np.ndarray]:
    """:func:`_limit_integral` on ``n`` panels for every row given."""
    j = np.arange(n)[None, :]
    lo = np.minimum(h0[:, None] * (_GROWTH ** j - 1) / (_GROWTH - 1), length[:, None])
    hi = np.minimum(lo + h0[:, None] * _GROWTH ** j, length[:, None])
    width = hi - lo
    tau = t_x[:, None, None] + lo[..., None] + width[..., None] * (_GL_NODES + 1) / 2  # rows × panels × nodes
    with np.errstate(divide="ignore"):
        logw = np.log(width[..., None] / 2 * _GL_WEIGHTS)  # −inf for a panel past the end
    log_at = np.log(alpha + tau)
    terms = (-mu * tau - k[:, None, None] * log_at + logw).reshape(len(k), -1)
    top = np.max(terms, axis=1, keepdims=True)
    safe = np.where(np.isfinite(top), top, 0.0)
    p = np.exp(terms - safe)
    total = p.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_i = np.where(total > 0, safe[:, 0] + np.log(total), -np.inf)
        if not moments:
            return [log_i]
        wts = p / np.where(total > 0, total, 1.0)[:, None]
    flat = (v.reshape(len(k), -1) for v in (log_at, 1 / (alpha + tau), tau))
    return [log_i, *(np.sum(wts * v, axis=1) for v in flat)]


def limit_loglik_grad(params: tuple[float, float, float], x: Any, t_x: Any, T: Any
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's log-likelihood under :class:`ParetoNbdLimit` and its gradient in (r, alpha, mu).

    Given λ and μ, L = λ^x e^(−(λ+μ)T) + μ λ^x ∫ from t_x to T of e^(−(λ+μ)τ) dτ (alive at T, or died
    unseen at τ after the last purchase); over λ ~ Gamma(r, α):
    L = Γ(r+x) α^r / Γ(r) · [e^(−μT) (α+T)^(−(r+x)) + μ·I], I = ∫ e^(−μτ) (α+τ)^(−(r+x)) dτ over (t_x, T),
    the general likelihood's limit as s, β → ∞ with s/β = μ. The gradient is exact given the quadrature:
    the derivatives under the integral sign are integrand-weighted means of −ln(α+τ), −k/(α+τ) and −τ.
    """
    r, alpha, mu = (float(v) for v in params)
    x, t_x, T = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(x, t_x, T))
    k = r + x
    log_i, m_log, m_inv, m_tau = _limit_integral(k, alpha, mu, t_x, T)
    alive = -mu * T - k * np.log(alpha + T)
    died = np.log(mu) + log_i
    tail = np.logaddexp(alive, died)
    ll = gammaln(k) - gammaln(r) + r * np.log(alpha) + tail
    with np.errstate(invalid="ignore"):
        wa, wd = np.exp(alive - tail), np.exp(died - tail)
    grad = np.vstack([
        digamma(k) - digamma(r) + np.log(alpha) - wa * np.log(alpha + T) - wd * m_log,
        r / alpha - k * (wa / (alpha + T) + wd * m_inv),
        -wa * T + wd * (1 / mu - m_tau),
    ])
    return ll, grad


def limit_loglik(params: tuple[float, float, float], x: Any, t_x: Any, T: Any) -> float:
    """Total log-likelihood of the customers (x, t_x, T) under :class:`ParetoNbdLimit`."""
    return float(np.sum(limit_loglik_grad(params, x, t_x, T)[0]))


def fit_limit(summary: pd.DataFrame, time_unit: str = DEFAULT_UNIT, source: str = "filter",
              min_customers: int = MIN_CUSTOMERS, min_repeat: int = MIN_REPEAT_CUSTOMERS) -> ParetoNbdLimit:
    """Maximum-likelihood :class:`ParetoNbdLimit` (r, alpha, mu); :class:`~analytics.clv.models.FitError`
    when too few customers or when mu runs to 0 (nobody seems to drop out) or another bound."""
    x, t_x, T = fit_inputs(summary, "Pareto/NBD", min_customers, min_repeat)
    n, n_rep = len(x), int((x > 0).sum())
    fun, total = _objective(limit_loglik_grad, x, t_x, T)
    scale = max(float(np.mean(T)), 1e-6)
    starts = [np.log([1.0, scale, 1.0 / scale]), np.log([0.5, scale / 4, 0.1 / scale]), np.log([1.0, 1.0, 0.01])]
    theta, f, ok = _maximise(fun, starts, 3)
    if not np.isfinite(f) or np.any(np.abs(theta) >= _LOG_BOUND - 1e-6):
        raise FitError("Pareto/NBD (homogeneous drop-out limit): no interior maximum of the likelihood "
                       "(a parameter ran to its bound)")
    r, alpha, mu = (float(v) for v in np.exp(theta))
    cov = _log_covariance(lambda th: fun(th)[0] * total, theta)
    se = _std_errors(lambda th: fun(th)[0] * total, theta, LIMIT_PARAMS, cov)
    return ParetoNbdLimit(r, alpha, mu, limit_loglik((r, alpha, mu), x, t_x, T), n, n_rep, time_unit, ok, source,
                          se, _covariance_tuple(cov))


def _limit_p_alive(m: ParetoNbdLimit, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """P(alive at T) = alive term / (alive term + μ·I), the two parts of the likelihood."""
    shape = x.shape
    x, t_x, T = (v.ravel() for v in (x, t_x, T))
    log_i = _limit_integral(m.r + x, m.alpha, m.mu, t_x, T, moments=False)[0]
    alive = -m.mu * T - (m.r + x) * np.log(m.alpha + T)
    return expit(alive - np.log(m.mu) - log_i).reshape(shape)


def _limit_expected_purchases(m: ParetoNbdLimit, t: Any, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """(r+x)/(α+T) · (1 − e^(−μt))/μ · P(alive): the alive customer's posterior mean rate times its
    expected time alive within t (the general formula's limit). P(alive) is computed once per customer,
    before ``t`` broadcasts against them (a horizon's months share it)."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(x, t_x, T))
    t = np.asarray(t, dtype=float)
    rate = (m.r + x) / (m.alpha + T) * _limit_p_alive(m, x, t_x, T)
    e = rate * (-np.expm1(-m.mu * np.maximum(t, 0.0)) / m.mu)
    if not np.all(np.isfinite(e)):
        raise FitError("Pareto/NBD: expected purchases are not finite for these parameters")
    return np.where(t <= 0, 0.0, e)
