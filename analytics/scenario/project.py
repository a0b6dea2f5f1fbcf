"""A plan's projection: per customer profit before and after, the 20/80/30 figures, per-lever effects.

How it is computed (and what the page and the command line say about it):

* **Baseline** = :func:`analytics.profit.customer_pnl` of the filter, unchanged: the store's own
  per-customer revenue, cost of goods, cost to serve and profit.
* **Levers apply in order** to a working copy of the period's rows (:mod:`analytics.scenario.ledger`);
  a customer's projected revenue, cost of goods and cost to serve are the baseline plus what the
  levers changed, and profit is :func:`analytics.profit.net_profit` of them. Customers no lever
  changed keep their baseline profit to the last digit.
* **Per-lever effect** = total profit after the lever − total profit before it (after the levers
  before it): a marginal effect that depends on the order; the effects add up to the total change.
* **Figures** before and after come from :func:`analytics.concentration.figures`, the function
  behind the report's figures. A customer let go for the whole period has no transaction or
  activity left and leaves the ranking, as they would leave the store's P&L.
* **Win-win exits**: assessed customers (:func:`analytics.delivered_value.winwin_points`) placed
  by delivered value and profit before and after; the levers move the company's side (profit)
  only: assessments are surveys, and no lever changes what customers said.
* Nothing is written to the store.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics import concentration, delivered_value, filters, profit, query, rates
from analytics.clv import value as customer_value
from analytics.concentration import ConcentrationFigures
from analytics.filters import Filters
from analytics.scenario import ledger as ledger_mod
from analytics.scenario import levers as lv
from analytics.scenario.apply import apply, per_row
from analytics.store import schema
from analytics.word_of_mouth import data as wom_data

MONEY = ("revenue", "cogs", "cost_to_serve")  # the per-customer columns (profit.customer_pnl's names)
# The figures before and after, under report --json's keys (one name per figure, analytics/metrics.py's): the
# peak profit is breakeven_profit there.
FIGURE_KEYS = ("customers", "revenue", "cost_of_goods", "cost_to_serve", "total_profit", "top20_profit_share",
               "whale_peak_share", "whale_peak_customer_share", "loss_customers", "loss_profit",
               "bottom30_profit", "bottom30_share_of_peak", "breakeven_profit", "gini")
REPORT_NAMES = {"cogs": "cost_of_goods"}  # a per-customer column whose figure the report names otherwise
STATUSES = ("gains", "loses", "unchanged", "leaves")
_SELECTOR_FIELDS = {"segment": "segments", "region": "regions", "channel": "channels", "plan": "plans",
                    "customer_type": "customer_types"}


@dataclass(frozen=True)
class LeverEffect:
    """One lever's marginal effect (after the levers before it) and its own figures.

    ``selected``: customers of the period the selection reaches; ``changed``: customers whose
    profit it changed; money fields: the change of the totals; ``details``: the lever's own
    figures (units removed, orders removed, word of mouth at risk …).
    """

    index: int
    lever: lv.Lever
    selected: int
    changed: int
    revenue: float
    cogs: float
    cost_to_serve: float
    profit: float
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "kind": self.lever.KIND, "assumptions": self.lever.assumptions(),
                "rules": [{"key": k, "text": lv.RULE_TEXT[k]} for k in self.lever.rules],
                "selected_customers": self.selected, "changed_customers": self.changed,
                "revenue_change": self.revenue, "cost_of_goods_change": self.cogs,
                "cost_to_serve_change": self.cost_to_serve, "profit_change": self.profit, **self.details}


@dataclass(frozen=True)
class Projection:
    """The result of :func:`project`.

    ``customers``: one row per baseline customer: ``customer_id, name, customer_type, segment,
    region, channel, plan``, ``revenue/cogs/cost_to_serve/profit`` with ``_before`` and ``_after``,
    ``change`` (profit), ``status`` (one of :data:`STATUSES`; ``leaves`` = nothing left in the
    period), and ``lever_<i>`` (each lever's marginal change of the customer's profit); baseline
    order (profit descending, then id). ``baseline``/``scenario``: the figures before and after.
    ``winwin``: assessed customers with ``delivered_value, profit_before, profit_after,
    quadrant_before, quadrant_after, move`` (``left``, ``entered``, ``stayed_in``, ``stayed_out``);
    None when not asked for.
    """

    filters: Filters
    levers: tuple[lv.Lever, ...]
    currency: str
    customers: pd.DataFrame
    baseline: ConcentrationFigures
    scenario: ConcentrationFigures
    effects: tuple[LeverEffect, ...]
    winwin: pd.DataFrame | None = None

    @property
    def total_change(self) -> float:
        """Scenario total profit − baseline total profit."""
        return self.scenario.total_profit - self.baseline.total_profit

    @property
    def gainers(self) -> pd.DataFrame:
        """Customers whose profit rises, largest gain first."""
        c = self.customers
        return c[c["change"] > 0].sort_values(["change", "customer_id"], ascending=[False, True], ignore_index=True)

    @property
    def losers(self) -> pd.DataFrame:
        """Customers whose profit falls (those let go included), largest fall first."""
        c = self.customers
        return c[c["change"] < 0].sort_values(["change", "customer_id"], ignore_index=True)

    @property
    def winwin_exits(self) -> pd.DataFrame:
        """Assessed customers who leave the win-win zone under the plan."""
        if self.winwin is None:
            return pd.DataFrame()
        return self.winwin[self.winwin["move"] == "left"].reset_index(drop=True)

    def figures(self, which: str = "scenario") -> dict[str, Any]:
        """:data:`FIGURE_KEYS` of the baseline or the scenario as plain values."""
        if which not in ("baseline", "scenario"):
            raise ValueError(f"which must be 'baseline' or 'scenario', got {which!r}")
        fig = self.baseline if which == "baseline" else self.scenario
        c = self.customers if which == "baseline" else self.customers[self.customers["status"] != "leaves"]
        suffix = "_before" if which == "baseline" else "_after"
        out: dict[str, Any] = {REPORT_NAMES.get(k, k): float(c[f"{k}{suffix}"].sum()) for k in MONEY}
        out.update(fig.to_dict())
        return {k: out[k] for k in FIGURE_KEYS}

    def figures_table(self) -> pd.DataFrame:
        """``figure, baseline, scenario, change`` (change None where either side is undefined)."""
        b, s = self.figures("baseline"), self.figures("scenario")
        rows = [{"figure": k, "baseline": b[k], "scenario": s[k],
                 "change": None if b[k] is None or s[k] is None else s[k] - b[k]} for k in FIGURE_KEYS]
        return pd.DataFrame(rows)

    def curves(self, max_points: int = 2000) -> pd.DataFrame:
        """Both whale curves, downsampled, with ``which`` = ``baseline`` or ``scenario``."""
        before = self.customers.rename(columns={"profit_before": "profit"})[["customer_id", "profit"]]
        after = self.customers[self.customers["status"] != "leaves"].rename(columns={"profit_after": "profit"})
        return pd.concat([
            concentration.downsample(concentration.whale_curve(before), max_points).assign(which="baseline"),
            concentration.downsample(concentration.whale_curve(after[["customer_id", "profit"]]), max_points)
            .assign(which="scenario"),
        ], ignore_index=True)

    def to_dict(self) -> dict[str, Any]:
        """What ``scenario run --json`` prints: ``baseline`` and ``scenario`` figures, per-lever effects."""
        effects = [e.to_dict() for e in self.effects]
        return {
            "projection": True,
            "period_from": self.filters.date_from.isoformat() if self.filters.date_from else None,
            "period_to": self.filters.date_to.isoformat() if self.filters.date_to else None,
            "currency": self.currency,
            "baseline": self.figures("baseline"),
            "scenario": self.figures("scenario"),
            "total_profit_change": self.total_change,
            "effect_method": "marginal, in lever order: each lever's change after the levers before it",
            "levers": effects,
            "customers_gaining": int((self.customers["status"] == "gains").sum()),
            "customers_losing": int((self.customers["status"] == "loses").sum()),
            "customers_leaving": int((self.customers["status"] == "leaves").sum()),
            "winwin_exits": None if self.winwin is None else len(self.winwin_exits),
        }


# ----------------------------------------------------------------------------- checks
def check_levers(cur: duckdb.DuckDBPyConnection, levers: Sequence[lv.Lever]) -> tuple[lv.Lever, ...]:
    """The levers, after checking every name they use against the store (ValueError naming the lever)."""
    out = tuple(levers)
    if not out:
        return out
    known = set(rates.known_activities(cur))
    priced = set(profit.rates(cur)["activity"])
    t = query.table(schema.TRANSACTIONS)
    products = set(query.df(cur, t.select("product").distinct())["product"])
    options = filters.options(cur)
    for i, lever in enumerate(out, 1):
        if not isinstance(lever, lv.Lever):
            raise ValueError(f"lever {i} is not a lever: {lever!r}")
        where = f"lever {i} ({lever.KIND})"
        for name in lv.activities_named(lever):
            if name not in known:
                raise ValueError(f"{where}: unknown activity {name!r}; known: {', '.join(sorted(known))}")
        if isinstance(lever, lv.ChannelMigration) and lever.to_activity not in priced:
            raise ValueError(f"{where}: activity {lever.to_activity!r} has no rate to cost the moved units at")
        product = getattr(lever, "product", None)
        if product is not None and product not in products:
            raise ValueError(f"{where}: unknown product {product!r}; known: {', '.join(sorted(products))}")
        sel = lever.customers
        if sel.kind in _SELECTOR_FIELDS:
            allowed = set(options[_SELECTOR_FIELDS[sel.kind]])
            bad = [v for v in sel.values if v not in allowed]
            if bad:
                raise ValueError(f"{where}: unknown {sel.kind} {bad[0]!r}; known: {', '.join(sorted(allowed))}")
        elif sel.kind == "ids" and sel.values:
            c = query.table(schema.CUSTOMERS)
            found = set(query.df(cur, c.filter(c.customer_id.isin(list(sel.values))).select("customer_id"))["customer_id"])
            missing = [v for v in sel.values if v not in found]
            if missing:
                raise ValueError(f"{where}: unknown customer id(s) {', '.join(missing[:5])}")
    return out


def select(selector: lv.Selector, base: pd.DataFrame, tiers: pd.Series | None = None) -> pd.Index:
    """The ids of the baseline customers a selection reaches (``tiers``: tier per customer id)."""
    c = base
    kind = selector.kind
    if kind == "everyone":
        mask = pd.Series(True, index=c.index)
    elif kind == "loss_makers":
        mask = c["profit"] < 0
    elif kind == "ids":
        mask = c["customer_id"].isin(selector.values)
    elif kind == "tier":
        if tiers is None:
            raise ValueError("a tier selection needs the customers' value tiers")
        mask = c["customer_id"].map(tiers).isin(selector.values)
    else:
        mask = c[kind].isin(selector.values)
    if selector.loss_makers_only:
        mask &= c["profit"] < 0
    return pd.Index(c.loc[mask, "customer_id"], name="customer_id")


def word_of_mouth(cur: duckdb.DuckDBPyConnection, f: Filters, ids: pd.Index,
                  nps_population: str = wom_data.DEFAULT_NPS_POPULATION) -> dict[str, Any]:
    """Feedback of the customers ``ids`` in the period: complaints, praise, NPS answers and NPS (over
    ``nps_population``, as everywhere NPS is shown)."""
    counts = (0, 0, 0, 0, 0, 0)
    if len(ids):
        fb = wom_data.feedback_scope(f)
        fb = fb.filter(fb.customer_id.isin([str(i) for i in ids]))
        kinds, nps = wom_data.kind_counts(fb), wom_data.nps_counts(fb, nps_population)
        counts = query.row(cur, fb.aggregate(
            customers=fb.customer_id.nunique(), complaints=kinds["complaints"], praise=kinds["praise"], **nps))
        counts = tuple(int(v or 0) for v in counts)
    n = wom_data.nps_from_counts(int(counts[3]), int(counts[4]), int(counts[5]))
    return {"customers_with_feedback": int(counts[0]), "complaints": int(counts[1]), "praise": int(counts[2]),
            "nps_responses": n.responses, "promoters": n.promoters, "detractors": n.detractors, "nps": n.nps}


# ----------------------------------------------------------------------------- projection
def _state(base: pd.DataFrame, start: pd.DataFrame, now: pd.DataFrame, present: set[str]) -> pd.DataFrame:
    """Baseline + (ledger now − ledger at start) per customer, in baseline order."""
    ids = base["customer_id"]
    s = start.reindex(ids).fillna(0.0)
    n = now.reindex(ids).fillna(0.0)
    out = pd.DataFrame({"customer_id": ids.to_numpy()})
    touched = np.zeros(len(base), dtype=bool)
    for col in MONEY:
        delta = n[col].to_numpy() - s[col].to_numpy()
        touched |= delta != 0
        out[col] = np.where(delta != 0, profit.settle(base[col].to_numpy() + delta), base[col].to_numpy())
    out["present"] = ids.isin(present).to_numpy() | ~ids.isin(start.index).to_numpy()
    gone = ~out["present"].to_numpy()
    out.loc[gone, list(MONEY)] = 0.0  # nothing left: not rounding noise of baseline − ledger
    touched |= gone
    out["profit"] = np.where(touched, profit.net_profit(out["revenue"], out["cogs"], out["cost_to_serve"]),
                             base["profit"].to_numpy())
    return out


def _check_consistent(base: pd.DataFrame, start: pd.DataFrame) -> None:
    """The ledger must hold what the store's P&L holds, or the deltas would be measured on other data."""
    ledger_money = start.reindex(base["customer_id"]).fillna(0.0)
    for col in MONEY:
        ok = np.isclose(ledger_money[col].to_numpy(), base[col].to_numpy(), rtol=1e-9, atol=1e-6)
        if not ok.all():
            cid = base["customer_id"].to_numpy()[~ok][0]
            raise RuntimeError(f"the projection's rows disagree with the store's P&L on {col} of customer {cid!r} "
                               "(did the data change while it ran? run it again)")


def project(cur: duckdb.DuckDBPyConnection, f: Filters, levers: Sequence[lv.Lever] = (),
            winwin: bool = True) -> Projection:
    """Apply ``levers`` in order to the period and customers of ``f``, without writing anything.

    Raises ValueError for a lever that names an unknown activity, product, attribute value or
    customer. See the module docstring for the method and :class:`Projection` for the result.
    """
    chosen = check_levers(cur, levers)
    pnl = profit.customer_pnl(cur, f)
    base = pnl.customers.reset_index(drop=True)
    tiers = None
    if any(lever.customers.kind == "tier" for lever in chosen):
        table = customer_value.customer_values(cur, f).table
        tiers = table.set_index("customer_id")["tier"]
    book = ledger_mod.load(cur, f, [lever.effective_from for lever in chosen],
                           [lever.minimum for lever in chosen if isinstance(lever, lv.MinimumOrder)])
    start = book.totals()
    _check_consistent(base, start)

    def present() -> set[str]:
        return set(book.tx["customer_id"]) | set(book.act["customer_id"])

    states = [_state(base, start, start, present())]
    effects: list[LeverEffect] = []
    for i, lever in enumerate(chosen, 1):
        ids = select(lever.customers, base, tiers)
        details = apply(book, lever, ids, book.first_part(lever.effective_from))
        if isinstance(lever, lv.RelationshipTransition):
            details["word_of_mouth"] = word_of_mouth(cur, f, ids)
        now = _state(base, start, book.totals(), present())
        before = states[-1]
        effects.append(LeverEffect(
            index=i, lever=lever, selected=len(ids),
            changed=int((now["profit"].to_numpy() != before["profit"].to_numpy()).sum()),
            **{col: math.fsum(now[col]) - math.fsum(before[col]) for col in (*MONEY, "profit")},
            details=details))
        states.append(now)
    final = states[-1]
    table = _customer_table(base, final, states)
    after = table.loc[table["status"] != "leaves", ["customer_id", "profit_after"]]
    return Projection(
        filters=f, levers=chosen, currency=pnl.currency, customers=table,
        baseline=concentration.figures(base), scenario=concentration.figures(after.rename(columns={"profit_after": "profit"})),
        effects=tuple(effects), winwin=_winwin(cur, f, table) if winwin else None)


def _customer_table(base: pd.DataFrame, final: pd.DataFrame, states: list[pd.DataFrame]) -> pd.DataFrame:
    out = base[["customer_id", "name", "customer_type", "segment", "region", "channel", "plan"]].copy()
    for col in (*MONEY, "profit"):
        out[f"{col}_before"] = base[col].to_numpy()
        out[f"{col}_after"] = final[col].to_numpy()
    out["change"] = profit.settle(out["profit_after"] - out["profit_before"])
    status = np.select([~final["present"].to_numpy(), out["change"] > 0, out["change"] < 0],
                       ["leaves", "gains", "loses"], default="unchanged")
    out["status"] = status.astype(object)
    for i in range(1, len(states)):
        out[f"lever_{i}"] = profit.settle(states[i]["profit"].to_numpy() - states[i - 1]["profit"].to_numpy())
    return out


def _winwin(cur: duckdb.DuckDBPyConnection, f: Filters, table: pd.DataFrame) -> pd.DataFrame:
    points = delivered_value.winwin_points(cur, f)
    money = table.set_index("customer_id")
    before = per_row(points["customer_id"], money["profit_before"], 0.0)
    after = per_row(points["customer_id"], money["profit_after"], 0.0)
    q_before = delivered_value.quadrant(points["delivered_value"], before) if len(points) else np.array([])
    q_after = delivered_value.quadrant(points["delivered_value"], after) if len(points) else np.array([])
    was, now = q_before == delivered_value.WIN_WIN, q_after == delivered_value.WIN_WIN
    move = np.select([was & ~now, ~was & now, was & now], ["left", "entered", "stayed_in"], default="stayed_out")
    return pd.DataFrame({
        "customer_id": points["customer_id"].to_numpy(), "name": points["name"].to_numpy(),
        "segment": points["segment"].to_numpy(), "delivered_value": points["delivered_value"].to_numpy(dtype=float),
        "profit_before": before.to_numpy(), "profit_after": after.to_numpy(),
        "quadrant_before": q_before, "quadrant_after": q_after, "move": move.astype(object) if len(points) else [],
    })


def compare(projections: Mapping[str, Projection]) -> pd.DataFrame:
    """Plans side by side: ``figure``, ``baseline`` and one column of scenario figures per plan name.

    The plans must share the filter (the baseline column is theirs); ValueError otherwise.
    """
    if not projections:
        raise ValueError("nothing to compare: give at least one projection")
    clash = {"figure", "baseline"} & set(projections)
    if clash:
        raise ValueError(f"a plan compared cannot be named {sorted(clash)[0]!r}")
    first = next(iter(projections.values()))
    if any(p.filters != first.filters for p in projections.values()):
        raise ValueError("plans compared side by side must be projected over the same filter")
    out = pd.DataFrame({"figure": list(FIGURE_KEYS), "baseline": list(first.figures("baseline").values())})
    for name, p in projections.items():
        out[name] = list(p.figures("scenario").values())
    return out
