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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit, gammaln, hyp2f1

from analytics.clv.models import (
    _LOG_BOUND,
    MIN_CUSTOMERS,
    MIN_REPEAT_CUSTOMERS,
    FitError,
    _compress,
    _maximise,
    _nll_and_grad,
    _std_errors,
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

    kind = "pareto_nbd"

    def in_unit(self, unit: str) -> ParetoNbd:
        """The same model in another unit (alpha and beta have the dimension of time)."""
        k = unit_days(self.time_unit) / unit_days(unit)
        return ParetoNbd(self.r, self.alpha * k, self.s, self.beta * k, self.log_likelihood, self.customers,
                         self.repeat_customers, unit, self.converged, self.source, dict(self.std_errors))

    def params(self) -> dict[str, float]:
        return {"r": self.r, "alpha": self.alpha, "s": self.s, "beta": self.beta}


def log_hyp2f1_a_a1(a: np.ndarray, b: np.ndarray, z: np.ndarray) -> np.ndarray:
    """ln ₂F₁(a, b; a+1; z) for a, b > 0 and 0 ≤ z < 1, finite where the value itself overflows."""
    a, b, z = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float), np.asarray(z, float))
    out = np.empty(a.shape)
    euler = b > 1
    with np.errstate(all="ignore"):
        out[~euler] = np.log(hyp2f1(a[~euler], b[~euler], a[~euler] + 1, z[~euler]))
        ae, be, ze = a[euler], b[euler], z[euler]
        out[euler] = (1 - be) * np.log1p(-ze) + np.log(hyp2f1(1.0, ae + 1 - be, ae + 1, ze))
    return out


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
        min_customers: int = MIN_CUSTOMERS, min_repeat: int = MIN_REPEAT_CUSTOMERS) -> ParetoNbd:
    """Maximum-likelihood Pareto/NBD on an RFM summary (``frequency, recency, T`` in ``time_unit``).

    Raises :class:`~analytics.clv.models.FitError` as :func:`~analytics.clv.models.fit_bgnbd` does.
    """
    x, t_x, T = _columns(summary)
    n, n_rep = len(x), int((x > 0).sum())
    if n < min_customers or n_rep < min_repeat:
        raise FitError(f"too few customers to fit Pareto/NBD ({n} customers, {n_rep} with a repeat purchase)", "few")
    (ux, ut, uT), w = _compress(x, t_x, T)
    total = w.sum()
    fun = _nll_and_grad(loglik_grad, w, total, ux, ut, uT)
    scale = max(float(np.mean(T)), 1e-6)
    starts = [np.log([1.0, scale, 1.0, scale]), np.log([0.5, scale / 4, 0.5, scale]), np.log([1.0, 1.0, 1.0, 1.0])]
    theta, f, ok = _maximise(fun, starts, 4)
    if not np.isfinite(f) or np.any(np.abs(theta) >= _LOG_BOUND - 1e-6):
        raise FitError("Pareto/NBD: no interior maximum of the likelihood (a parameter ran to its bound)")
    r, alpha, s, beta = (float(v) for v in np.exp(theta))
    se = _std_errors(lambda th: fun(th)[0] * total, theta, PARAMS)
    return ParetoNbd(r, alpha, s, beta, loglik((r, alpha, s, beta), x, t_x, T), n, n_rep, time_unit, ok, source, se)


def _columns(summary: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, t_x, T) of an RFM summary, checked."""
    for col in ("frequency", "recency", "T"):
        if col not in summary.columns:
            raise ValueError(f"RFM summary lacks column {col!r}")
    x, t_x, T = (summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    if (x < 0).any() or (t_x < 0).any() or (t_x - T > 1e-9).any():
        raise ValueError("RFM summary must have frequency ≥ 0 and 0 ≤ recency ≤ T")
    return x, t_x, T


def p_alive(m: ParetoNbd, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """P(alive at T | x, t_x, T) under Pareto/NBD (below 1 for one-time buyers too)."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(x, t_x, T))
    params = (m.r, m.alpha, m.s, m.beta)
    log_odds = (np.log(m.s) - np.log(m.r + m.s + x) + (m.r + x) * np.log(m.alpha + T)
                + m.s * np.log(m.beta + T) + _log_a0(params, x, t_x, T))
    return expit(-log_odds)


def expected_purchases(m: ParetoNbd, t: Any, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """E[purchases in (T, T + t] | x, t_x, T] under Pareto/NBD; ``t`` broadcasts against the customers."""
    t, x, t_x, T = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(t, x, t_x, T))
    length = np.log1p(np.maximum(t, 0.0) / (m.beta + T))
    sm1 = m.s - 1.0
    share = length if abs(sm1) < 1e-9 else -np.expm1(-sm1 * length) / sm1
    e = (m.r + x) * (m.beta + T) / (m.alpha + T) * share * p_alive(m, x, t_x, T)
    if not np.all(np.isfinite(e)):
        raise FitError("Pareto/NBD: expected purchases are not finite for these parameters")
    return np.where(t <= 0, 0.0, e)
