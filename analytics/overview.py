"""The Overview's headline figures, each against the previous period of the same length."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analytics import concentration, filters, profit, word_of_mouth
from analytics.filters import Filters
from analytics.store import db

KPI_KEYS = ("customers", "revenue", "profit", "top20_profit_share", "loss_customers", "nps")


@dataclass(frozen=True)
class Kpi:
    """One headline figure; ``previous`` is None when the previous period has no data."""

    key: str
    value: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        """Absolute change against the previous period."""
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def change_ratio(self) -> float | None:
        """Relative change (0.1 = +10 %); None when the previous value is zero, negative or missing."""
        if self.change is None or not self.previous or self.previous <= 0:
            return None
        return self.change / self.previous


@dataclass(frozen=True)
class Overview:
    """Headline figures and the data behind the Overview's charts.

    ``monthly`` has ``month, revenue, cogs, cost_to_serve, profit, customers``;
    ``segments`` the concentration figures per segment; ``curve`` the downsampled whale curve;
    ``activities`` the cost to serve per activity (``activity, quantity, cost``);
    ``cogs_unknown_share`` the share of revenue whose cost of goods is unknown (metric
    ``cogs_unknown_revenue_share``: 0 when every cost is known, None when revenue is not positive).
    """

    period: tuple[dt.date | None, dt.date | None]
    previous_period: tuple[dt.date, dt.date] | None
    currency: str
    kpis: dict[str, Kpi]
    figures: concentration.ConcentrationFigures
    nps: word_of_mouth.NpsResult
    monthly: pd.DataFrame
    segments: pd.DataFrame
    curve: pd.DataFrame
    cost_to_serve: float
    cogs: float
    revenue: float
    activities: pd.DataFrame
    cogs_unknown_share: float | None = 0.0


def _headline(cur: Any, f: Filters,
              nps_population: str = word_of_mouth.DEFAULT_NPS_POPULATION
              ) -> tuple[dict[str, float | None], profit.CustomerPnL, concentration.ConcentrationFigures,
                         word_of_mouth.NpsResult]:
    pnl = profit.customer_pnl(cur, f)
    fig = concentration.figures(pnl)
    score = word_of_mouth.nps(cur, f, nps_population)
    c = pnl.customers
    values: dict[str, float | None] = {
        "customers": float(len(c)),
        "revenue": float(c["revenue"].sum()),
        "profit": float(c["profit"].sum()),
        "top20_profit_share": fig.top20_profit_share,
        "loss_customers": float(fig.loss_customers),
        "nps": score.nps,
    }
    return values, pnl, fig, score


def overview(cur: Any, f: Filters,
             nps_population: str = word_of_mouth.DEFAULT_NPS_POPULATION) -> Overview:
    """Everything the Overview page shows for a filter (open period ends are resolved to the data);
    NPS over ``nps_population`` (:data:`analytics.word_of_mouth.NPS_POPULATIONS`)."""
    word_of_mouth.check_nps_population(nps_population)
    f = f.resolved(filters.data_bounds(cur))
    now, pnl, fig, score = _headline(cur, f, nps_population)
    prev_f = f.previous()
    prev: dict[str, float | None] = dict.fromkeys(KPI_KEYS)
    if prev_f is not None:
        bounds = filters.data_bounds(cur)
        if bounds is not None and prev_f.date_to >= bounds[0]:
            prev, *_ = _headline(cur, prev_f, nps_population)
            if not prev["customers"]:
                prev = dict.fromkeys(KPI_KEYS)
    c = pnl.customers
    return Overview(
        period=(f.date_from, f.date_to),
        previous_period=(prev_f.date_from, prev_f.date_to) if prev_f else None,
        currency=db.currency(cur),
        kpis={k: Kpi(k, now[k], prev[k]) for k in KPI_KEYS},
        figures=fig,
        nps=score,
        monthly=profit.monthly_pnl(cur, f),
        segments=concentration.by_group(pnl, "segment"),
        curve=concentration.downsample(concentration.whale_curve(pnl), 1500),
        cost_to_serve=float(c["cost_to_serve"].sum()),
        cogs=float(c["cogs"].sum()),
        revenue=float(c["revenue"].sum()),
        activities=pnl.activity_totals,
        cogs_unknown_share=profit.pnl_cogs_unknown_share(pnl),
    )


def report_section(cur: Any, f: Filters) -> dict[str, object]:
    """The Overview's figures for ``python -m analytics report`` (see README for the keys)."""
    o = overview(cur, f)
    out: dict[str, object] = {
        "period_from": o.period[0].isoformat() if o.period[0] else None,
        "period_to": o.period[1].isoformat() if o.period[1] else None,
        "previous_period_from": o.previous_period[0].isoformat() if o.previous_period else None,
        "previous_period_to": o.previous_period[1].isoformat() if o.previous_period else None,
        "currency": o.currency,
        "customers": int(o.kpis["customers"].value or 0),
        "revenue": o.revenue,
        "cost_of_goods": o.cogs,
        "cost_to_serve": o.cost_to_serve,
        "profit": o.kpis["profit"].value,
        "cogs_unknown_revenue_share": o.cogs_unknown_share,
        "top20_profit_share": o.kpis["top20_profit_share"].value,
        "loss_customers": int(o.kpis["loss_customers"].value or 0),
        "nps": o.nps.nps,
        "nps_responses": o.nps.responses,
        "nps_population": word_of_mouth.DEFAULT_NPS_POPULATION,
    }
    out["previous"] = {k: o.kpis[k].previous for k in KPI_KEYS}
    return out

