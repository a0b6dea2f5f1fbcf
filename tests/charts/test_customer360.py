"""Customer 360's profit trend: monthly profit and cumulative profit in two panels, each with its own
money scale in sight (issue 19: two overlaid y-axes drew the cumulative line across the monthly bars as
if of one size)."""

from __future__ import annotations

import pandas as pd

from charts.customer360 import profit_trend
from i18n import Translator


def test_profit_trend_draws_two_panels_not_two_overlaid_axes():
    m = pd.DataFrame({"month": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
                      "profit": [-10.0, -20.0, 5.0]})
    m["cumulative_profit"] = m["profit"].cumsum()
    for t in (Translator("zh", "CNY"), Translator("en", "CNY")):
        fig = profit_trend(m, t)
        assert [(tr.type, tr.yaxis) for tr in fig.data] == [("bar", "y"), ("scatter", "y2")]
        assert fig.layout.yaxis2.overlaying is None  # a panel of its own, under the bars
        top, bottom = fig.layout.yaxis.domain, fig.layout.yaxis2.domain
        assert bottom[1] < top[0]
        assert min(fig.layout.yaxis.tickvals) <= -20 and min(fig.layout.yaxis2.tickvals) <= -25
        assert fig.layout.yaxis.ticktext[0].startswith("-¥")  # the minus before the symbol, as everywhere
