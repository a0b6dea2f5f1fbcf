"""One-line takeaways written from the numbers, in the reader's language.

Each function takes an analytics result and a :class:`i18n.Translator` and returns one sentence
("前20%客户贡献了136%的利润…" / "Top 20 % of customers bring 136 % of profit…"). Where a share
is undefined (total profit zero or negative, no revenue …) the sentence says so instead of printing
a meaningless percentage.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping

import pandas as pd

from analytics.concentration import TOP_SHARE, ConcentrationFigures, LossDrivers
from analytics.delivered_value import Summary as DvSummary
from analytics.word_of_mouth import ResponseCurve
from analytics.word_of_mouth import Summary as WomSummary
from i18n import Translator


def _m(t: Translator, v: float) -> str:
    return t.money(v, compact=True)


def cogs_unknown(share: float | None, t: Translator) -> str | None:
    """The statement every page and export showing profit makes when cost of goods was not provided
    for part of the revenue (metric ``cogs_unknown_revenue_share``); None when every cost is known."""
    if share is not None and share <= 0:
        return None
    if share is None:
        return t("common.cogs_unknown_part")
    shown = t.pct(share, 0 if share >= 0.995 or share == round(share, 2) else 1)
    return t("common.cogs_unknown", share=shown if share >= 0.0005 else "< " + t.pct(0.001, 1))


def concentration(fig: ConcentrationFigures, t: Translator) -> str:
    """The top 20 %'s share of profit and the whale curve's peak; a share above 100 % says why
    (the loss-makers take part of the profit back).

    Undefined case (total profit ≤ 0): the profit of the profitable customers and the losses.
    """
    if not fig.customers:
        return t("pres.take.no_customers")
    if not fig.shares_defined:
        return t("pres.take.conc_undefined", total=_m(t, fig.total_profit), gains=_m(t, fig.breakeven_profit),
                 losses=_m(t, -fig.loss_profit))
    return t("pres.take.conc", top=t.pct(TOP_SHARE, 0), share=t.pct(fig.top20_profit_share, 0),
             peak=t.pct(fig.whale_peak_share, 0), at=t.pct(fig.whale_peak_customer_share, 0)) + _over_total(fig, t)


def _over_total(fig: ConcentrationFigures, t: Translator) -> str:
    """Why a share of total profit can pass 100 % (empty when none does): the total is net of losses."""
    over = [v for v in (fig.top20_profit_share, fig.whale_peak_share) if v is not None and v > 1]
    if not over or not fig.loss_customers:
        return ""
    return t("lead.over_total", total=_m(t, fig.total_profit), losses=_m(t, -fig.loss_profit))


def concentration_lead(fig: ConcentrationFigures, t: Translator) -> str:
    """The Profit concentration page's first sentence: the 20/80/30 rule in words with its numbers
    (top 20 %'s share, the whale curve's peak, what the bottom 30 % erase, the loss-makers), shares
    above 100 % explained; the undefined case says why there are no shares."""
    if not fig.customers:
        return t("pres.take.no_customers")
    if not fig.shares_defined:
        return t("conc.undefined", total=_m(t, fig.total_profit), potential=_m(t, fig.peak_profit),
                 loss=t.num(fig.loss_customers), lossprofit=_m(t, -fig.loss_profit))
    return t("conc.takeaway", top20=t.pct(fig.top20_profit_share, 0), peak=t.pct(fig.whale_peak_share, 0),
             at=t.pct(fig.whale_peak_customer_share, 0), bottom30=t.pct(-(fig.bottom30_share_of_peak or 0), 0),
             potential=_m(t, fig.peak_profit), loss=t.num(fig.loss_customers),
             lossprofit=_m(t, -fig.loss_profit)) + _over_total(fig, t)


def loss_makers(fig: ConcentrationFigures, t: Translator) -> str:
    """How many customers lose money, how much, and the total profit at break-even."""
    if not fig.customers:
        return t("pres.take.no_customers")
    if not fig.loss_customers:
        return t("pres.take.loss_none", total=_m(t, fig.total_profit))
    return t("pres.take.loss", n=t.num(fig.loss_customers), share=t.pct(fig.loss_customer_share, 0),
             losses=_m(t, -fig.loss_profit), total=_m(t, fig.total_profit), breakeven=_m(t, fig.breakeven_profit))


def profit_bridge(revenue: float, cogs: float, cost_to_serve: float, t: Translator) -> str:
    """Cost to serve as a share of gross profit (revenue − cost of goods), and what is left."""
    gross = revenue - cogs
    profit = gross - cost_to_serve
    if gross <= 0:
        return t("pres.take.bridge_undefined", gross=_m(t, gross), cts=_m(t, cost_to_serve), profit=_m(t, profit))
    return t("pres.take.bridge", cts=_m(t, cost_to_serve), share=t.pct(cost_to_serve / gross, 0),
             gross=_m(t, gross), profit=_m(t, profit))


def monthly(monthly_pnl: pd.DataFrame, t: Translator) -> str:
    """Profit over the months shown, the best month, and how many months lost money.

    ``monthly_pnl`` is :func:`analytics.profit.monthly_pnl` (``month, revenue, profit`` …).
    """
    if monthly_pnl.empty:
        return t("pres.take.no_customers")
    m = monthly_pnl.sort_values("month")
    best = m.loc[m["profit"].astype(float).idxmax()]
    losing = int((m["profit"].astype(float) < 0).sum())
    text = t("pres.take.monthly", months=t.num(len(m)), revenue=_m(t, float(m["revenue"].sum())),
             profit=_m(t, float(m["profit"].sum())), best=t.month(pd.Timestamp(best["month"]).date()),
             best_profit=_m(t, float(best["profit"])))
    if losing:
        text += t("pres.take.monthly_losing", n=t.num(losing))
    return text


def loss_drivers(drivers: LossDrivers, t: Translator) -> str:
    """The activity that costs the loss-makers most: its share of their cost to serve, and its cost
    per loss-maker against per other customer."""
    a = drivers.activities
    if not drivers.loss_customers or a.empty or not float(a["loss_cost"].iloc[0]) > 0:
        return t("pres.take.drivers_none")
    top = a.iloc[0]
    share = float(top["loss_cost_share"])
    return t("pres.take.drivers", activity=t.value("activity", top["activity"]),
             share=t.pct(share, 0) if math.isfinite(share) else "—",
             per=_m(t, float(top["loss_cost_per_customer"])),
             other=_m(t, float(top["other_cost_per_customer"])) if math.isfinite(float(top["other_cost_per_customer"]))
             else "—")


def delivered_value(summary: DvSummary, score: Callable[[float | None], str], t: Translator) -> str:
    """Mean delivered value = mean total value − mean total cost, and the share below expectation.

    ``summary`` is :class:`analytics.delivered_value.Summary`; ``score`` writes a score (the
    Delivered value page's format).
    """
    if not summary.assessed_customers:
        return t("pres.take.dv_none")
    text = t("pres.take.dv", dv=score(summary.delivered_value_mean), value=score(summary.customer_value_mean),
             cost=score(summary.customer_cost_mean), n=t.num(summary.assessed_customers))
    if summary.share_below_expectation is not None:
        text += t("pres.take.dv_below", below=t.pct(summary.share_below_expectation, 0))
    return text


def win_win(quadrants: pd.DataFrame, t: Translator) -> str:
    """The win-win quadrant's share of assessed customers and of their revenue, and the share of
    customers who gain value while the company loses money on them.

    ``quadrants`` is :func:`analytics.delivered_value.quadrant_table`.
    """
    q = quadrants.set_index("quadrant")
    total = int(q["customers"].sum())
    if not total:
        return t("pres.take.dv_none")
    win, other = q.loc["win_win"], q.loc["customer_only"]
    return t("pres.take.winwin", share=t.pct(win["customer_share"], 0),
             revenue=t.pct(win["revenue_share"], 0) if pd.notna(win["revenue_share"]) else "—",
             other=t.pct(other["customer_share"], 0))


def word_of_mouth(curve: ResponseCurve, nps: float | None, t: Translator) -> str:
    """Where complaints turn steep (the complaint response curve's threshold) and the NPS.

    Without a threshold (too few data, none in the observed range, no quality data) the sentence
    says which, in the Word of mouth page's words.
    """
    score = t.num(nps, 1) if nps is not None else "—"
    if curve.threshold is None:
        return t("pres.take.wom_none", why=t(f"wom.curve.{curve.status}.short"), nps=score)
    return t("pres.take.wom", threshold=t.num(curve.threshold, 1), steep=t.pct(curve.steep_effect, 0), nps=score)


def word_of_mouth_lead(s: WomSummary, t: Translator) -> str:
    """The Word of mouth page's first sentence: NPS and the period's praise and complaints, where
    complaints turn steep (in quality points, with the effect per point), and whether praise and
    complaints are rising or falling month by month, in words (no test statistics)."""
    text = t("lead.wom", nps=t.num(s.nps.nps, 1) if s.nps.nps is not None else "—", praise=t.num(s.praise),
             complaints=t.num(s.complaints))
    curve = s.complaint_curve
    if curve.threshold is not None and curve.steep_effect is not None:
        text += t("lead.wom_threshold", threshold=t.num(curve.threshold, 1), steep=t.pct(curve.steep_effect, 0))
    else:
        text += (" " if t.lang == "en" else "") + t(f"wom.curve.{curve.status}.short")
    for series, slope in (("praise", s.praise_trend_slope), ("complaints", s.complaint_trend_slope)):
        text += monthly_trend(series, slope, t)
    return text


LEVEL_SLOPE = 0.5  # a change that rounds to none a month, each month, reads as level


def monthly_trend(series: str, slope: float | None, t: Translator) -> str:
    """" Praise is rising: about 14 more each month than the month before." from a trend slope
    (items a month, per month; :attr:`analytics.word_of_mouth.Summary.praise_trend_slope`); empty
    without a trend."""
    if slope is None or not math.isfinite(slope):
        return ""
    way = "level" if abs(slope) < LEVEL_SLOPE else "up" if slope > 0 else "down"
    return t(f"lead.trend.{series}.{way}", n=t.num(abs(slope), 0))


def delivered_value_lead(summary: DvSummary, score: Callable[[float | None], str], t: Translator) -> str:
    """The Delivered value page's first sentence: the mean delivered value as value − cost, the share
    of customers below their expectation and the share in the win-win zone (for the whole period)."""
    if not summary.assessed_customers:
        return t("pres.take.dv_none")
    return t("dv.takeaway", dv=score(summary.delivered_value_mean), value=score(summary.customer_value_mean),
             cost=score(summary.customer_cost_mean), below=t.pct(summary.share_below_expectation, 0),
             winwin=t.pct(summary.winwin_share, 0))


def lifecycle_lead(counts: Mapping[str, int], as_of: dt.date, payback_months: float | None, t: Translator) -> str:
    """The Lifecycle page's first sentence: active, dormant and lost customers on ``as_of`` and how
    many months a new customer takes to pay back its acquisition cost (None: not yet, or no cohort)."""
    if not sum(counts.values()):
        return t("pres.take.no_customers")
    active = sum(counts.get(k, 0) for k in ("new", "active", "reactivated"))
    text = t("lead.lc", date=t.date(as_of), active=t.num(active), dormant=t.num(counts.get("dormant", 0)),
             lost=t.num(counts.get("lost", 0)))
    if payback_months is not None and math.isfinite(payback_months):
        text += t("lead.lc_payback", months=t.num(payback_months, 0))
    return text


def value_tiers(tiers: pd.DataFrame, potential: float, t: Translator) -> str:
    """The high-realized, high-potential tier's customers and share of value, and total potential value.

    ``tiers`` is :attr:`analytics.clv.value.CustomerValues.tiers`.
    """
    # imported here, not at the top: CLV imports SciPy, which the first page never needs
    from analytics.clv.value import tier_code

    top = tiers.set_index("tier").loc[tier_code("high", "high")]
    if not int(tiers["customers"].sum()):
        return t("pres.take.no_customers")
    if pd.isna(top["value_share"]):
        return t("pres.take.tiers_undefined", n=t.num(top["customers"]), potential=_m(t, potential))
    text = t("pres.take.tiers", n=t.num(top["customers"]), share=t.pct(top["customer_share"], 0),
             value=t.pct(top["value_share"], 0), potential=_m(t, potential))
    if top["value_share"] > 1:  # the total is net of the loss-making tiers' negative value
        text += t("lead.tiers_over", total=_m(t, float(tiers["value"].sum())), value=_m(t, float(top["value"])))
    return text


def tier_share_note(tiers: pd.DataFrame, t: Translator) -> str | None:
    """Why a tier's share of value can pass 100 % or fall below 0 (None when every share lies in
    0–100 %): shares are of the net total, which the loss-making tiers' negative value reduces.

    ``tiers`` is :attr:`analytics.clv.value.CustomerValues.tiers` (``value``, ``value_share``).
    """
    shares = tiers["value_share"].astype(float)
    if shares.isna().all() or not ((shares > 1).any() or (shares < 0).any()):
        return None
    value = tiers["value"].astype(float)
    return t("lead.tier_shares", total=_m(t, float(value.sum())), gains=_m(t, float(value[value > 0].sum())),
             losses=_m(t, float(-value[value < 0].sum())), over=t.pct(float(shares[shares > 0].sum()), 0))


def customer_value_lead(summary: Mapping[str, object], tiers: pd.DataFrame, horizon_months: int,
                        t: Translator) -> str:
    """The Customer value page's first sentence: profit so far and expected over the horizon, the
    core tier (high realized and high potential value) in money, and the loss-making value.

    ``summary`` is :meth:`analytics.clv.value.CustomerValues.summary` (``customers``,
    ``realized_value``, ``potential_value``); ``tiers`` its ``tiers``.
    """
    n = int(summary["customers"])  # type: ignore[call-overload]
    if not n:
        return t("pres.take.no_customers")
    text = t("lead.cv", n=t.num(n), realized=_m(t, float(summary["realized_value"])),  # type: ignore[arg-type]
             potential=_m(t, float(summary["potential_value"])), horizon=horizon_months)  # type: ignore[arg-type]
    from analytics.clv.value import tier_code  # see value_tiers

    core = tiers.set_index("tier").loc[tier_code("high", "high")]
    value = tiers["value"].astype(float)
    total, losing = float(value.sum()), value < 0
    words = {"n": t.num(int(core["customers"])), "share": t.pct(float(core["customer_share"]), 0),
             "value": _m(t, float(core["value"])), "total": _m(t, total), "losers": t.num(int(tiers.loc[losing, "customers"].sum())),
             "losses": _m(t, float(-value[losing].sum()))}
    if int(core["customers"]) and losing.any() and float(core["value"]) > total:
        return text + t("lead.cv_core_over", **words)  # more than the whole: said, and why
    if int(core["customers"]):
        text += t("lead.cv_core", **words)
    if losing.any():
        text += t("lead.cv_losses", **words)
    return text


def lifecycle(counts: Mapping[str, int], dormant: pd.DataFrame, t: Translator, top: int = 20) -> str:
    """Active and dormant customers on the last day, and the potential value of the ``top`` dormant
    customers most worth waking up (``dormant`` is ranked, :func:`analytics.lifecycle.rank_dormant`)."""
    if not sum(counts.values()):
        return t("pres.take.no_customers")
    active = sum(counts.get(k, 0) for k in ("new", "active", "reactivated"))
    value = dormant["potential_value"].head(top).astype(float)
    text = t("pres.take.lifecycle", active=t.num(active), dormant=t.num(counts.get("dormant", 0)))
    if len(value) and value.notna().any():
        text += t("pres.take.lifecycle_wake", n=t.num(min(top, len(value))), value=_m(t, float(value.sum())))
    return text
