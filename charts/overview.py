"""The Overview's headline charts, and the sentence that leads the page (:func:`lead`)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analytics.concentration import BOTTOM_SHARE, TOP_SHARE, ConcentrationFigures
from charts.text import plain_all
from charts.theme import GAIN, LOSS, MUTED, NEUTRAL, base_layout, money_axis, money_title
from i18n import Translator


def lead(fig: ConcentrationFigures, t: Translator) -> str:
    """The 20/80/30 rule in words with its three numbers, for an executive's first five seconds: the top
    20 %'s share of total profit, how many of the most profitable customers make the whale curve's peak,
    and what the bottom 30 % lose of that potential profit; then the loss-makers' losses where they differ
    from the bottom 30 %'s. The first share above
    100 % says why (the total is net of the losses at the bottom). Total profit zero or negative: no share
    means anything, and the sentence says so."""
    lossprofit = t.money(-fig.loss_profit, compact=True)
    if not fig.shares_defined:
        return t("overview.takeaway_undefined", loss=t.num(fig.loss_customers), lossprofit=lossprofit)
    top, top20 = t.pct(TOP_SHARE, 0), t.pct(fig.top20_profit_share, 0)
    if not fig.loss_customers:
        return t("overview.lead.no_loss", top=top, top20=top20)
    share = fig.bottom30_share_of_peak
    bottom = (t("overview.lead.bottom_loss", share=t.pct(-share, 0), money=t.money(-fig.bottom30_profit, compact=True))
              if share is not None and fig.bottom30_profit < 0
              else t("overview.lead.bottom_gain", money=t.money(fig.bottom30_profit, compact=True)))
    # The loss-makers' sum, unless the bottom 30 % (who hold every loss-maker when they are fewer) said it already.
    lost = t.money(-fig.bottom30_profit, compact=True)
    losses = "" if lost == lossprofit else t("overview.lead.losses", loss=t.num(fig.loss_customers), lossprofit=lossprofit)
    why = t("overview.lead.over")
    first = (fig.top20_profit_share or 0) > 1  # else the peak (above 100 % whenever someone loses money) says it
    return t("overview.lead", top=top, top20=top20, over=why if first else "", at=t.pct(fig.whale_peak_customer_share, 0),
             peak=t.pct(fig.whale_peak_share, 0), over_peak="" if first else why, bottom_n=t.pct(BOTTOM_SHARE, 0),
             bottom=bottom, losses=losses)


def monthly(monthly_pnl: pd.DataFrame, t: Translator, title: str | None = None, height: int = 400) -> go.Figure:
    """Revenue (bars) and customer profit (line) per month on one money axis.

    One axis on purpose: with a second axis scaled to profit, a profit line of a tenth of revenue was
    drawn above the revenue bars, and readers took profit for the larger figure.
    """
    m = monthly_pnl.copy()
    months = [t.month_short(d.date()) for d in pd.to_datetime(m["month"])]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=months, y=m["revenue"], name=t.metric("revenue"), marker_color="rgba(69,117,180,0.35)",
                         hovertemplate="%{x}: %{customdata}<extra></extra>",
                         customdata=[t.money(v, compact=True) for v in m["revenue"]]))
    fig.add_trace(go.Scatter(x=months, y=m["profit"], name=t.metric("profit"), mode="lines+markers",
                             line={"color": GAIN, "width": 3}, marker={"color": [GAIN if v >= 0 else LOSS for v in m["profit"]]},
                             hovertemplate="%{x}: %{customdata}<extra></extra>",
                             customdata=[t.money(v, compact=True) for v in m["profit"]]))
    base_layout(fig, title, height=height)
    fig.update_yaxes(title_text=money_title(t))
    money_axis(fig, [*m["revenue"], *m["profit"]], t)
    return fig


def segment_profit(groups: pd.DataFrame, t: Translator, column: str = "segment", title: str | None = None,
                   height: int = 400) -> go.Figure:
    """Per group: profit from profitable customers (up), losses from loss-makers (down), net (marker).

    ``groups`` is :func:`analytics.concentration.by_group` output.
    """
    g = groups.sort_values("total_profit", ascending=True)
    names = plain_all(t.value(column, v) for v in g["group"])
    fig = go.Figure()
    fig.add_trace(go.Bar(y=names, x=g["breakeven_profit"], orientation="h", name=t("overview.legend.gains"),
                         marker_color=GAIN, customdata=[t.money(v, compact=True) for v in g["breakeven_profit"]],
                         hovertemplate="%{y}: %{customdata}<extra></extra>"))
    fig.add_trace(go.Bar(y=names, x=g["loss_profit"], orientation="h", name=t("overview.legend.losses"),
                         marker_color=LOSS, customdata=[t.money(v, compact=True) for v in g["loss_profit"]],
                         hovertemplate="%{y}: %{customdata}<extra></extra>"))
    fig.add_trace(go.Scatter(y=names, x=g["total_profit"], mode="markers", name=t("overview.legend.net"),
                             marker={"symbol": "diamond", "size": 12, "color": NEUTRAL, "line": {"color": "white", "width": 1}},
                             customdata=[t.money(v, compact=True) for v in g["total_profit"]],
                             hovertemplate="%{y}: %{customdata}<extra></extra>"))
    base_layout(fig, title, height=height)
    fig.update_layout(barmode="relative")
    fig.update_xaxes(title=money_title(t, t.metric("profit")), zerolinecolor=MUTED)
    money_axis(fig, [*g["breakeven_profit"], *g["loss_profit"]], t, axis="x")
    return fig
