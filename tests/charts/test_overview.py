"""The Overview's lead sentence (the 20/80/30 rule in words) and its monthly chart (issue 19)."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics import concentration
from charts import overview
from charts.theme import money_title
from i18n import Translator

ZH, EN = Translator("zh", "CNY"), Translator("en", "CNY")


def figures(profits: list[float]) -> concentration.ConcentrationFigures:
    return concentration.figures(pd.DataFrame({"customer_id": [f"C{i:03d}" for i in range(len(profits))],
                                               "profit": profits}))


def test_lead_states_the_rule_with_its_three_numbers_and_explains_a_share_above_100():
    # 136e4, 20e4, 0, 0, -56e4: total 100e4; the top 1 of 5 makes 136 %; the peak 156 % after 2 (40 %);
    # the bottom 2 (30 % of 5, rounded up) lose 56e4 = 36 % of the potential 156e4 (the one loss-maker's loss:
    # said once).
    fig = figures([136e4, 20e4, -56e4, 0, 0])
    assert overview.lead(fig, EN) == (
        "The top 20% of customers make 136% of total profit — more than the total, because the customers at the "
        "bottom lose money. The most profitable 40% of customers make 156% of it; the bottom 30% lose ¥560K: "
        "36% of that potential profit.")
    assert overview.lead(fig, ZH) == (
        "前 20% 的客户创造了总利润的 136%——超过总利润，因为排在后面的客户在亏损。利润最高的 40% 客户合计创造了"
        "总利润的 156%；后 30% 的客户亏掉 ¥56.0万，即这部分潜在利润的 36%。")


def test_the_peak_explains_itself_when_the_top_20_stays_under_100():
    # 100, 50, 20, -10, -40: top 1 = 83 %; peak 170 = 142 % after 3 (60 %); bottom 2 lose 50 = 29 % of 170.
    text = overview.lead(figures([100, 50, 20, -10, -40]), EN)
    assert text == ("The top 20% of customers make 83% of total profit. The most profitable 60% of customers make "
                    "142% of it — more than the total, because the customers at the bottom lose money; the bottom 30% "
                    "lose ¥50: 29% of that potential profit.")


def test_loss_makers_beyond_the_bottom_30_are_counted_too():
    # 200 and nine customers losing 10 each: total 110; the bottom 3 lose 30 (15 % of the peak 200), all nine 90.
    fig = figures([200] + [-10] * 9)
    assert overview.lead(fig, EN).endswith("the bottom 30% lose ¥30: 15% of that potential profit. "
                                           "9 loss-making customers lose ¥90 in all.")
    assert overview.lead(fig, ZH).endswith("后 30% 的客户亏掉 ¥30，即这部分潜在利润的 15%。9 位亏损客户共亏损 ¥90。")


@pytest.mark.parametrize("t", [ZH, EN])
def test_lead_without_loss_makers_and_with_no_profit(t):
    assert overview.lead(figures([100, 50, 20, 10, 4]), t) == t("overview.lead.no_loss", top="20%", top20="54%")
    undefined = overview.lead(figures([10, -30]), t)  # total -20: shares of it mean nothing
    assert "%" not in undefined.replace("20%", "") and "¥30" in undefined


def test_monthly_draws_revenue_and_profit_on_one_money_axis():
    m = pd.DataFrame({"month": pd.to_datetime(["2024-01-01", "2024-02-01"]), "revenue": [4.0e7, 4.2e7],
                      "profit": [4.0e6, -1.0e6]})
    for t, unit in ((ZH, "金额（元）"), (EN, "Amount (¥)")):
        fig = overview.monthly(m, t)
        # Two y-axes drew a profit a tenth of revenue above the revenue bars: one axis, one scale.
        assert {tr.yaxis for tr in fig.data} <= {None, "y"} and "yaxis2" not in fig.to_plotly_json()["layout"]
        assert fig.layout.yaxis.title.text == unit
        ticks = fig.layout.yaxis.tickvals
        assert min(ticks) <= -1.0e6 and max(ticks) >= 4.2e7


def test_money_axis_titles_never_show_the_iso_code():
    assert money_title(ZH) == "金额（元）" and money_title(EN) == "Amount (¥)"
    assert money_title(ZH, "利润") == "利润（单位：元）" and money_title(EN, "Profit") == "Profit (¥)"
    assert money_title(Translator("zh", "USD")) == "金额（美元）" and money_title(Translator("en", "USD")) == "Amount ($)"
    seg = pd.DataFrame({"group": ["A", "B"], "total_profit": [5.0, -2.0], "breakeven_profit": [6.0, 1.0],
                        "loss_profit": [-1.0, -3.0]})
    assert "CNY" not in overview.segment_profit(seg, ZH).layout.xaxis.title.text
