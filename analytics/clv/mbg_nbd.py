"""The MBG/NBD model of purchases (Batislam, Denizel & Filiztekin 2007; part of :mod:`analytics.clv`).

As BG/NBD (λ ~ Gamma(r, alpha), drop-out probability p ~ Beta(a, b)), except that a customer may
also drop out right after the *first* purchase: with x repeat purchases there were x + 1
occasions to leave, so a one-time buyer is no longer alive for sure (plain BG/NBD gives every
one-time buyer P(alive) = 1).

* Likelihood: L = Γ(r+x) α^r / Γ(r) · B(a, b+x+1) / B(a, b) · (α+T)^−(r+x) ·
  [1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x)], in logs; analytic gradient (:func:`loglik_grad`).
* P(alive) = 1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x)), for every x ≥ 0.
* E[purchases in (T, T+t] | x, t_x, T] = (a+b+x)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ·
  ₂F₁(r+x, b+x+1; a+b+x; z)] · P(alive), z = t/(α+T+t); with Euler's transformation the product
  is (1−z)^(a−1) · ₂F₁(a+b−r, a−1; a+b+x; z), whose arguments do not grow with x. With
  x = t_x = T = 0 it is a new customer's expected repeat purchases, b/(a−1) · [1 − …].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

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

PARAMS = ("r", "alpha", "a", "b")


@dataclass(frozen=True)
class MbgNbd:
    """Fitted MBG/NBD parameters (``alpha`` in ``time_unit``), log-likelihood and data size."""

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

    kind = "mbg_nbd"

    def in_unit(self, unit: str) -> MbgNbd:
        """The same model in another unit (alpha has the dimension of time)."""
        k = unit_days(self.time_unit) / unit_days(unit)
        return MbgNbd(self.r, self.alpha * k, self.a, self.b, self.log_likelihood, self.customers,
                      self.repeat_customers, unit, self.converged, self.source, dict(self.std_errors),
                      self.log_covariance)

    def params(self) -> dict[str, float]:
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b}


def loglik_grad(params: tuple[float, float, float, float], x: Any, t_x: Any, T: Any) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's MBG/NBD log-likelihood and its gradient in (r, alpha, a, b), shape (4, n).

    With A3 = −(r+x)·ln(α+T), A4 = ln a − ln(b+x) − (r+x)·ln(α+t_x), (w3, w4) = softmax(A3, A4):
    ∂/∂r = ψ(r+x) − ψ(r) + ln α − w3·ln(α+T) − w4·ln(α+t_x);
    ∂/∂α = r/α − (r+x)·(w3/(α+T) + w4/(α+t_x));
    ∂/∂a = ψ(a+b) − ψ(a+b+x+1) + w4/a;
    ∂/∂b = ψ(b+x+1) − ψ(a+b+x+1) − ψ(b) + ψ(a+b) − w4/(b+x).
    """
    r, alpha, a, b = (float(v) for v in params)
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    log_aT, log_at = np.log(alpha + T), np.log(alpha + t_x)
    a3 = -(r + x) * log_aT
    a4 = np.log(a) - np.log(b + x) - (r + x) * log_at
    tail = np.logaddexp(a3, a4)
    ll = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x + 1) - betaln(a, b) + tail
    w3, w4 = np.exp(a3 - tail), np.exp(a4 - tail)
    psi_all = digamma(a + b + x + 1)
    grad = np.vstack([
        digamma(r + x) - digamma(r) + np.log(alpha) - w3 * log_aT - w4 * log_at,
        r / alpha - (r + x) * (w3 / (alpha + T) + w4 / (alpha + t_x)),
        digamma(a + b) - psi_all + w4 / a,
        digamma(b + x + 1) - psi_all - digamma(b) + digamma(a + b) - w4 / (b + x),
    ])
    return ll, grad


def loglik_terms(params: tuple[float, float, float, float], x: Any, t_x: Any, T: Any) -> np.ndarray:
    """Each customer's MBG/NBD log-likelihood."""
    return loglik_grad(params, x, t_x, T)[0]


def loglik(params: tuple[float, float, float, float], x: Any, t_x: Any, T: Any) -> float:
    """Total MBG/NBD log-likelihood of the customers (x, t_x, T)."""
    return float(np.sum(loglik_terms(params, x, t_x, T)))


def fit(summary: pd.DataFrame, time_unit: str = DEFAULT_UNIT, source: str = "filter",
        min_customers: int = MIN_CUSTOMERS, min_repeat: int = MIN_REPEAT_CUSTOMERS) -> MbgNbd:
    """Maximum-likelihood MBG/NBD on an RFM summary (``frequency, recency, T`` in ``time_unit``).

    Raises :class:`~analytics.clv.models.FitError` as :func:`~analytics.clv.models.fit_bgnbd` does.
    """
    x, t_x, T = fit_inputs(summary, "MBG/NBD", min_customers, min_repeat)
    n, n_rep = len(x), int((x > 0).sum())
    fun, total = _objective(loglik_grad, x, t_x, T)
    scale = max(float(np.mean(T)), 1e-6)
    starts = [np.log([1.0, scale, 1.0, 1.0]), np.log([0.5, scale / 5, 0.8, 2.5]), np.log([1.0, 1.0, 1.0, 1.0])]
    theta, f, ok = _maximise(fun, starts, 4)
    if not np.isfinite(f) or np.any(np.abs(theta) >= _LOG_BOUND - 1e-6):
        raise FitError("MBG/NBD: no interior maximum of the likelihood (a parameter ran to its bound)")
    r, alpha, a, b = (float(v) for v in np.exp(theta))
    cov = _log_covariance(lambda th: fun(th)[0] * total, theta)
    se = _std_errors(lambda th: fun(th)[0] * total, theta, PARAMS, cov)
    return MbgNbd(r, alpha, a, b, loglik((r, alpha, a, b), x, t_x, T), n, n_rep, time_unit, ok, source, se,
                  _covariance_tuple(cov))


def p_alive(m: MbgNbd, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """P(alive at T | x, t_x, T) under MBG/NBD, in log space (below 1 for one-time buyers too)."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(x, t_x, T))
    log_odds = np.log(m.a) - np.log(m.b + x) + (m.r + x) * (np.log(m.alpha + T) - np.log(m.alpha + t_x))
    return expit(-log_odds)


def expected_purchases(m: MbgNbd, t: Any, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """E[purchases in (T, T + t] | x, t_x, T] under MBG/NBD; ``t`` broadcasts against the customers."""
    t, x, t_x, T = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(t, x, t_x, T))
    a = m.a if abs(m.a - 1.0) > 1e-7 else 1.0 + 1e-7  # the formula has a − 1 in a denominator
    c = a + m.b + x
    z = np.maximum(t, 0.0) / (m.alpha + T + np.maximum(t, 0.0))
    with np.errstate(all="ignore"):
        g = 1.0 - (1.0 - z) ** (a - 1) * hyp2f1(a + m.b - m.r, a - 1, c, z)
        e = c / (a - 1) * g * p_alive(m, x, t_x, T)
    if not np.all(np.isfinite(e)):
        raise FitError("MBG/NBD: expected purchases are not finite for these parameters")
    return np.where(t <= 0, 0.0, np.maximum(e, 0.0))
