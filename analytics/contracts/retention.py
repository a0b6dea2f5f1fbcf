"""Contract customers: renewal histories from the ``contracts`` table, sBG retention curves per plan
and start cohort, and contractual CLV (part of :mod:`analytics.contracts`; DOMAIN.md §4).

Definitions (``when`` is the valuation date: the filter's period end, else the data's last day, as
for the other customer values; the filter's customer attributes select the customers):

* **History as of ``when``**: contracts that started on or before ``when``. A contract whose
  ``end_date`` is after ``when`` (or empty) is active at ``when``, whatever its stored status says
  later; one that ended by then is ``renewed`` or ``cancelled`` as stored (``active`` past its end
  date: still running, e.g. rolled over). A customer's **spell** is their contracts in order of
  start up to the first cancellation; a later contract (a win-back) starts a new relationship and
  is left out of the fit.
* **Periods** are contract terms: a plan's term is the median length of its ended contracts, in
  whole months (12 when none has an end date). The spell's plan and **cohort** (start year) are
  those of its first contract.
* **sBG** (:mod:`analytics.contracts.sbg`) per plan, all cohorts pooled, and per plan × cohort: a
  customer who cancelled at the end of term t contributes P(T = t); one still active after r
  renewals contributes S(r).
* **Actual retention**: at the t-th renewal, the share of customers whose t-th term has ended who
  renewed (customers still in an earlier term are not counted: the discrete Kaplan–Meier
  estimator); actual survival is the product of those shares.
* **Contractual CLV** of a customer with an active contract = margin per term × DERL(renewals so
  far, discount per term), valued just before the next renewal decision (Fader & Hardie 2010).
  Margin per term = the customer's profit after cost to serve over the twelve months to ``when``
  (:func:`analytics.profit.customer_pnl`) ÷ the months of it the spell covers (1–12) × the term's
  months. The current term's margin is in realized value already; contractual CLV counts the
  renewals to come. BG/NBD and Gamma-Gamma (:mod:`analytics.clv.value`) value the customers without
  an active contract (prepaid and one-off buyers), whose lifetimes are not observed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb
import ibis
import numpy as np
import pandas as pd

from analytics import filters as flt
from analytics import profit, query
from analytics.clv import rfm
from analytics.clv.models import FitError
from analytics.contracts import sbg
from analytics.filters import Filters
from analytics.query import relations
from analytics.store import db, derived, schema
from analytics.store.memo import Memo

DEFAULT_ANNUAL_DISCOUNT = 0.10  # as on the rest of the Customer value page
DEFAULT_TERM_MONTHS = 12
PROJECT_MONTHS = 60  # curves are drawn to five years from the first contract's start at least
PROJECT_AHEAD_MONTHS = 36  # and three years past the longest history observed
MIN_AT_RISK = 10  # an actual retention point needs this many customers whose term had ended
MONTH_DAYS = 30.4375
PLAN_COLUMNS = ("plan", "term_months", "customers", "active", "cancelled", "alpha", "beta", "alpha_se", "beta_se",
                "log_likelihood", "first_renewal", "contract_clv", "mean_derl", "fit")
COHORT_COLUMNS = ("plan", "cohort", "customers", "active", "cancelled", "alpha", "beta", "log_likelihood",
                  "first_renewal_actual", "first_renewal", "fit")
CURVE_COLUMNS = ("plan", "period", "months", "at_risk", "renewed", "retention_actual", "survival_actual",
                 "retention_fitted", "survival_fitted", "projected")
CUSTOMER_COLUMNS = ("customer_id", "name", "plan", "cohort", "renewals", "margin_per_term", "derl", "contract_clv")


@dataclass(frozen=True)
class ContractValues:
    """Retention fits and contractual CLV of the filter's contract customers at ``as_of``.

    ``plans``: one row per plan (:data:`PLAN_COLUMNS`; ``fit`` is "ok", "homogeneous" (the
    geometric limit: no heterogeneity found, see :func:`analytics.contracts.sbg.fit`), "few" or
    "failed", the sBG columns NaN without a fit; ``first_renewal`` is the fitted share renewing at the first renewal,
    ``contract_clv`` the sum over the plan's active customers). ``cohorts``: per plan and start
    year (:data:`COHORT_COLUMNS`). ``curves``: per plan and period (:data:`CURVE_COLUMNS`; actual
    values NaN where fewer than :data:`MIN_AT_RISK` customers were at risk or beyond the data,
    ``projected`` past the longest observed history). ``customers``: one row per customer with an
    active contract, largest contractual CLV first (:data:`CUSTOMER_COLUMNS`; NaN CLV where the
    plan has no fit). ``cohort_curves``: the same curves per plan and start year (column ``cohort``),
    each from that cohort's own fit.
    """

    as_of: dt.date
    annual_discount: float
    plans: pd.DataFrame
    cohorts: pd.DataFrame
    curves: pd.DataFrame
    customers: pd.DataFrame
    fits: dict[str, sbg.Sbg] = field(default_factory=dict)
    cohort_curves: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def empty(self) -> bool:
        return self.plans.empty

    def summary(self) -> dict[str, Any]:
        """Per plan: α, β, log-likelihood, fitted retention by renewal, customers and contractual CLV."""
        out: dict[str, Any] = {}
        for row in self.plans.itertuples(index=False):
            curve = self.curves[self.curves["plan"] == row.plan]
            fitted = curve[curve["period"] >= 1]
            out[row.plan] = {
                "term_months": int(row.term_months), "customers": int(row.customers), "active": int(row.active),
                "cancelled": int(row.cancelled), "fit": row.fit,
                "alpha": _num(row.alpha), "beta": _num(row.beta),
                "std_errors": {"alpha": _num(row.alpha_se), "beta": _num(row.beta_se)},
                "log_likelihood": _num(row.log_likelihood),
                "retention": [_num(v) for v in fitted["retention_fitted"]],
                "retention_actual": [_num(v) for v in fitted["retention_actual"]],
                "contract_clv": _num(row.contract_clv), "mean_derl": _num(row.mean_derl),
                "cohorts": [{"cohort": int(c.cohort), "customers": int(c.customers), "fit": c.fit, "alpha": _num(c.alpha),
                             "beta": _num(c.beta), "log_likelihood": _num(c.log_likelihood)}
                            for c in self.cohorts[self.cohorts["plan"] == row.plan].itertuples(index=False)],
            }
        return out

    @property
    def total_clv(self) -> float:
        return float(self.customers["contract_clv"].sum(min_count=1)) if len(self.customers) else 0.0


def _num(v: Any) -> float | None:
    return None if v is None or not np.isfinite(v) else float(v)


# ---------------------------------------------------------------------------- histories
def contracts_as_of(cur: Any, f: Filters, when: dt.date) -> pd.DataFrame:
    """The filter's customers' contracts started by ``when`` with their status at ``when``
    (``effective``), in order of customer and start."""
    if not _has_contracts(cur):
        return pd.DataFrame(columns=["contract_id", "customer_id", "name", "plan", "start_date", "end_date", "status",
                                     "effective"])
    k = query.table(schema.CONTRACTS)
    k = k.filter(k.start_date <= when)
    c = relations.customers(f)
    c = c.select(c_cid=c.customer_id, name=c.name)
    j = k.join(c, k.customer_id == c.c_cid)
    ended = j.end_date.notnull() & (j.end_date <= when) & (j.status != "active")
    return query.df(cur, j.select(
        "contract_id", "customer_id", "name", "plan", "start_date", "end_date", "status",
        effective=ibis.ifelse(ended, j.status, "active"),
    ).order_by("customer_id", "start_date", "contract_id"))


def _has_contracts(cur: Any) -> bool:
    """False for a store opened read-only before its upgrade to schema version 6 (no contracts table);
    an engine's export always has one."""
    if isinstance(cur, query.Engine):
        return True
    return bool(cur.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                            [schema.CONTRACTS]).fetchone()[0])


def term_months(contracts: pd.DataFrame) -> dict[str, int]:
    """Each plan's term: the median length of its ended contracts in whole months (at least 1)."""
    out: dict[str, int] = {}
    for plan, rows in contracts.groupby("plan", sort=True):
        ended = rows.dropna(subset=["end_date"])
        days = (pd.to_datetime(ended["end_date"]) - pd.to_datetime(ended["start_date"])).dt.days
        days = days[days > 0]
        out[str(plan)] = max(1, round(float(days.median()) / MONTH_DAYS)) if len(days) else DEFAULT_TERM_MONTHS
    return out


def spells(contracts: pd.DataFrame) -> pd.DataFrame:
    """One row per customer: ``customer_id, name, plan, start, cohort, periods, renewals, cancelled``
    (see the module's docstring: the contracts up to the first cancellation)."""
    if contracts.empty:
        return pd.DataFrame(columns=["customer_id", "name", "plan", "start", "cohort", "periods", "renewals",
                                     "cancelled"])
    df = contracts.copy()
    df["cancel"] = (df["effective"] == "cancelled").astype(int)
    before = df.groupby("customer_id", sort=False)["cancel"].cumsum() - df["cancel"]
    df = df[before == 0]
    g = df.groupby("customer_id", sort=True)
    out = pd.DataFrame({
        "name": g["name"].first(), "plan": g["plan"].first(), "start": g["start_date"].first(),
        "periods": g.size(), "cancelled": g["cancel"].max().astype(bool), "last": g["effective"].last(),
    }).reset_index()
    # renewals so far: the terms before the running (or cancelled) one; a last 'renewed' term ended
    # with a renewal whose next contract is missing: it counts.
    out["renewals"] = np.where(out["last"] == "renewed", out["periods"], out["periods"] - 1).astype(int)
    out["cohort"] = pd.to_datetime(out["start"]).dt.year.astype(int)
    return out[["customer_id", "name", "plan", "start", "cohort", "periods", "renewals", "cancelled"]]


def curve(plan: str, s: pd.DataFrame, m: sbg.Sbg | None, term: int) -> pd.DataFrame:
    """The curve of :data:`CURVE_COLUMNS` for the spells ``s`` (a plan, or one of its start cohorts)
    and their fit ``m`` (None: fitted columns NaN): to :data:`PROJECT_MONTHS` and at least
    :data:`PROJECT_AHEAD_MONTHS` past the latest renewal decision seen, projected beyond it."""
    # the latest renewal decision seen: a renewal, or a cancellation at the end of the next term
    observed = int(max((s["renewals"] + s["cancelled"].astype(int)).max(), 1))
    horizon = max(observed + int(np.ceil(PROJECT_AHEAD_MONTHS / term)), int(np.ceil(PROJECT_MONTHS / term)))
    act = actual_retention(s, horizon)
    act.loc[act["period"] > observed, ["retention_actual", "survival_actual"]] = np.nan
    t = np.arange(0, horizon + 1)
    out = pd.DataFrame({"plan": plan, "period": t, "months": t * term}).merge(act, on="period", how="left")
    out.loc[out["period"] == 0, ["survival_actual"]] = 1.0
    out["retention_fitted"] = np.where(t >= 1, m.retention(np.maximum(t, 1)), np.nan) if m else np.nan
    out["survival_fitted"] = m.survival(t) if m else np.nan
    out["projected"] = t > observed
    return out[list(CURVE_COLUMNS)]


def _sbg_data(s: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    active = ~s["cancelled"].to_numpy(dtype=bool)
    periods = np.where(active, s["renewals"].to_numpy(), s["periods"].to_numpy())
    return periods.astype(float), active


def _fit(s: pd.DataFrame) -> tuple[sbg.Sbg | None, str]:
    try:
        m = sbg.fit(*_sbg_data(s))
        return m, "homogeneous" if m.homogeneous else "ok"
    except FitError as exc:
        return None, exc.kind


def actual_retention(s: pd.DataFrame, periods: int) -> pd.DataFrame:
    """At renewals 1 … ``periods``: customers whose term had ended (``at_risk``), those who renewed,
    their share and the product of the shares (discrete Kaplan–Meier; NaN below :data:`MIN_AT_RISK`)."""
    renewals = s["renewals"].to_numpy()
    cancelled = s["cancelled"].to_numpy(dtype=bool)
    rows = []
    surv = 1.0
    for t in range(1, periods + 1):
        renewed = int((renewals >= t).sum())
        at_risk = renewed + int((cancelled & (renewals == t - 1)).sum())
        share = renewed / at_risk if at_risk >= MIN_AT_RISK else np.nan
        surv = surv * share if np.isfinite(surv) else np.nan
        rows.append((t, at_risk, renewed, share, surv))
    return pd.DataFrame(rows, columns=["period", "at_risk", "renewed", "retention_actual", "survival_actual"])


# ---------------------------------------------------------------------------- values
def compute(cur: Any, f: Filters, annual_discount: float = DEFAULT_ANNUAL_DISCOUNT) -> ContractValues:
    """Fits, curves and contractual CLV for the filter's contract customers (see the module's docstring)."""
    when = rfm.valuation_date(cur, f)
    contracts = contracts_as_of(cur, f, when)
    terms = term_months(contracts)
    sp = spells(contracts)
    plans, cohorts, curves, cohort_curves, custs, fits = [], [], [], [], [], {}
    margins = _margins(cur, f, when) if len(sp) else pd.Series(dtype=float)
    for plan, s in sp.groupby("plan", sort=True):
        plan = str(plan)
        term = terms.get(plan, DEFAULT_TERM_MONTHS)
        m, status = _fit(s)
        if m is not None:
            fits[plan] = m
        curves.append(curve(plan, s, m, term))
        # contractual CLV of the plan's active customers
        live = s[~s["cancelled"]].copy()
        months_in = ((pd.Timestamp(when) - pd.to_datetime(live["start"])).dt.days / MONTH_DAYS).clip(1, 12)
        # as floats: with nobody under contract the mapped column is empty text, which does not divide
        margin = pd.to_numeric(live["customer_id"].map(margins), errors="coerce").fillna(0.0).to_numpy(float)
        live["margin_per_term"] = margin / months_in.to_numpy(float) * term
        # no discount, no finite DERL (with α ≤ 1 the expected lifetime is infinite): no value then
        disc = sbg.period_discount(annual_discount, term) if annual_discount > 0 else None
        live["derl"] = m.derl(live["renewals"].to_numpy(), disc) if m and disc else np.nan
        live["contract_clv"] = profit.settle(live["margin_per_term"] * live["derl"])
        custs.append(live)
        plans.append({
            "plan": plan, "term_months": term, "customers": len(s), "active": len(live),
            "cancelled": int(s["cancelled"].sum()),
            "alpha": m.alpha if m else np.nan, "beta": m.beta if m else np.nan,
            "alpha_se": m.std_errors.get("alpha", np.nan) if m else np.nan,
            "beta_se": m.std_errors.get("beta", np.nan) if m else np.nan,
            "log_likelihood": m.log_likelihood if m else np.nan,
            "first_renewal": float(m.retention(1)) if m else np.nan,
            "contract_clv": float(live["contract_clv"].sum(min_count=1)) if m else np.nan,
            "mean_derl": float(live["derl"].mean()) if m and len(live) else np.nan,
            "fit": status,
        })
        for year, c in s.groupby("cohort", sort=True):
            cm, cstatus = _fit(c)
            cohort_curves.append(curve(plan, c, cm, term).assign(cohort=int(year)))
            first = actual_retention(c, 1)["retention_actual"].iloc[0]
            cohorts.append({"plan": plan, "cohort": int(year), "customers": len(c), "active": int((~c["cancelled"]).sum()),
                            "cancelled": int(c["cancelled"].sum()),
                            "alpha": cm.alpha if cm else np.nan, "beta": cm.beta if cm else np.nan,
                            "log_likelihood": cm.log_likelihood if cm else np.nan,
                            "first_renewal_actual": first, "first_renewal": float(cm.retention(1)) if cm else np.nan,
                            "fit": cstatus})
    cust = pd.concat(custs, ignore_index=True) if custs else pd.DataFrame(columns=list(CUSTOMER_COLUMNS))
    cust = cust.sort_values(["contract_clv", "customer_id"], ascending=[False, True], na_position="last",
                            ignore_index=True)
    return ContractValues(
        as_of=when, annual_discount=annual_discount,
        plans=pd.DataFrame(plans, columns=list(PLAN_COLUMNS)),
        cohorts=pd.DataFrame(cohorts, columns=list(COHORT_COLUMNS)),
        curves=pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(columns=list(CURVE_COLUMNS)),
        customers=cust[list(CUSTOMER_COLUMNS)].reset_index(drop=True),
        fits=fits,
        cohort_curves=(pd.concat(cohort_curves, ignore_index=True) if cohort_curves
                       else pd.DataFrame(columns=[*CURVE_COLUMNS, "cohort"])),
    )


def _margins(cur: Any, f: Filters, when: dt.date) -> pd.Series:
    """Each customer's profit after cost to serve over the twelve months to ``when``."""
    start = flt.add_months(when, -12) + dt.timedelta(days=1)
    pnl = profit.customer_pnl(cur, replace(f, date_from=start, date_to=when)).customers
    return pnl.set_index("customer_id")["profit"].astype(float)


# ---------------------------------------------------------------------------- stored and memoised
FIT_KIND = "contract_fit"
_STORED_TYPES = (ContractValues, sbg.Sbg)
_CODE = ("analytics.contracts.retention", "analytics.contracts.sbg", "analytics.profit")
_MEMO: Memo[ContractValues] = Memo(8)


def fit_params(f: Filters, when: dt.date, annual_discount: float) -> dict[str, Any]:
    return {"filter": f.to_params(), "when": when.isoformat(), "discount": annual_discount,
            "code": derived.code_version(*_CODE)}


def contract_values(cur: Any, f: Filters,
                    annual_discount: float = DEFAULT_ANNUAL_DISCOUNT) -> ContractValues:
    """:func:`compute`, memoised per store file and data version, read from the store when
    :mod:`analytics.precompute` stored it for the current data."""
    when = rfm.valuation_date(cur, f)
    key_db = db.content_key(cur)
    key = None if key_db is None else (*key_db, f, annual_discount)
    if key is not None and (hit := _MEMO.get(key)) is not None:
        return hit
    got = derived.get(cur, FIT_KIND, fit_params(f, when, annual_discount), _STORED_TYPES)
    if not isinstance(got, ContractValues):
        got = compute(cur, f, annual_discount)
    if key is not None:
        _MEMO.put(key, got)
    return got


def precompute(cur: duckdb.DuckDBPyConnection, f: Filters) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """What :mod:`analytics.precompute` stores for the app's opening view: the contract fits and values."""
    when = rfm.valuation_date(cur, f)
    yield FIT_KIND, fit_params(f, when, DEFAULT_ANNUAL_DISCOUNT), compute(cur, f, DEFAULT_ANNUAL_DISCOUNT)


def report_section(cur: Any, f: Filters) -> dict[str, object]:
    """``report --json``: customers with an active contract and their summed contractual CLV."""
    v = contract_values(cur, f)
    return {"contract_customers": len(v.customers), "contractual_clv": v.total_clv if len(v.customers) else None}
