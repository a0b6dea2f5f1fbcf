"""Takeaways are written from the numbers, in both languages, with the undefined-share case."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import concentration
from i18n import Translator
from presentation import takeaways

ZH, EN = Translator("zh"), Translator("en")


def figures(profits: list[float]) -> concentration.ConcentrationFigures:
    return concentration.figures(pd.DataFrame({"customer_id": [f"C{i:03d}" for i in range(len(profits))],
                                               "profit": profits}))


def test_concentration_by_hand():
    # 100, 50, 20, -10, -40: total 120; top 1 of 5 = 100 (83 %); peak 170 (142 %) after 3 (60 %).
    fig = figures([100, 50, 20, -10, -40])
    assert takeaways.concentration(fig, ZH) == "前20%客户贡献了83%的利润；鲸鱼曲线在前60%客户处达到峰值142%。"
    assert takeaways.concentration(fig, EN) == (
        "Top 20% of customers bring 83% of profit; the whale curve peaks at 142% after the first 60%.")


def test_concentration_when_shares_are_undefined():
    fig = figures([200, 50, -100, -150])  # total 0: no share of it means anything
    assert takeaways.concentration(fig, ZH) == "总利润为¥0，占比无意义：盈利客户创造了¥250，亏损客户吞噬了¥250。"
    assert takeaways.concentration(fig, EN) == (
        "Total profit is ¥0, so shares of it are undefined: profitable customers make ¥250, loss-makers consume ¥250.")
    negative = figures([10, -30])
    assert "-¥20" in takeaways.concentration(negative, EN) and "%" not in takeaways.concentration(negative, EN)


def test_the_issue_example_in_compact_money():
    # 5 customers: top 1 brings 1.36 × total (the issue's "136 %").
    fig = figures([136e4, 20e4, -56e4, 0, 0])
    assert takeaways.concentration(fig, ZH).startswith("前20%客户贡献了136%的利润")
    assert takeaways.concentration(fig, EN).startswith("Top 20% of customers bring 136% of profit")


def test_loss_makers():
    fig = figures([100, 50, 20, -10, -40])
    assert takeaways.loss_makers(fig, ZH) == "2位客户（40%）亏损，吞噬了¥50；若扭亏为盈，总利润将从¥120升至¥170。"
    assert takeaways.loss_makers(figures([5, 1]), EN) == "No customer loses money: total profit is ¥6."
    assert takeaways.loss_makers(figures([]), EN) == "No customer data under these filters."


def test_profit_bridge():
    assert takeaways.profit_bridge(210, 20, 70, EN) == (
        "Cost to serve of ¥70 takes 37% of the ¥190 gross profit, leaving ¥120 of customer profit.")
    assert takeaways.profit_bridge(10, 20, 5, ZH) == "毛利为-¥10，服务成本¥5无法用占比衡量；客户利润为-¥15。"


def test_monthly_names_the_best_month_and_losing_months():
    m = pd.DataFrame({"month": pd.to_datetime(["2024-03-01", "2024-04-01"]), "revenue": [210.0, 0.0],
                      "profit": [160.0, -40.0]})
    assert takeaways.monthly(m, ZH) == "2个月收入¥210，客户利润¥120；利润最高的月份是2024年3月（¥160）。其中1个月亏损。"
    assert takeaways.monthly(m, EN).endswith("the best month was Mar 2024 (¥160). 1 of them lost money.")


def test_win_win():
    q = pd.DataFrame({"quadrant": ["win_win", "customer_only", "company_only", "lose_lose"],
                      "customers": [3, 1, 0, 0], "customer_share": [0.75, 0.25, 0.0, 0.0],
                      "revenue_share": [0.9, 0.1, 0.0, 0.0]})
    assert takeaways.win_win(q, ZH) == "75%的已评估客户处于双赢区，贡献了90%的收入；另有25%的客户得到了价值，公司却在他们身上亏损。"
    assert takeaways.win_win(q.assign(customers=0), EN).startswith("No customer was assessed")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(min_value=-10**7, max_value=10**7), min_size=1, max_size=60))
def test_a_share_is_printed_exactly_when_total_profit_is_positive(profits):
    fig = figures([float(p) for p in profits])
    for t in (ZH, EN):
        text = takeaways.concentration(fig, t)
        assert ("%" in text) == (sum(profits) > 0), text
        assert "nan" not in text.lower() and "None" not in text and "—" not in text


def test_word_of_mouth_with_and_without_a_threshold():
    from types import SimpleNamespace

    steep = SimpleNamespace(threshold=70.26, status="ok", steep_effect=0.248)
    assert takeaways.word_of_mouth(steep, 17.31, ZH) == "服务质量指数低于70.3后投诉陡增：每下降1分，投诉增加约25%；净推荐值NPS为17.3。"
    flat = SimpleNamespace(threshold=None, status="too_few", steep_effect=None)
    assert takeaways.word_of_mouth(flat, None, EN) == "Too few observations to estimate a complaint threshold. NPS is —."


def test_value_tiers_share_and_undefined_share():
    from analytics.clv.value import TIERS, tier_code

    top, low = tier_code("high", "high"), tier_code("low", "low")
    rows = {top: (3, 0.3, 0.9), low: (6, 0.6, 0.05)}
    tiers = pd.DataFrame([dict(zip(("tier", "customers", "customer_share", "value_share"),
                                   (k, *rows.get(k, (1, 0.1 / 7, 0.05 / 7))), strict=True)) for k in TIERS])
    assert takeaways.value_tiers(tiers, 12_345, EN) == (
        "3 high-realized, high-potential customers (30%) hold 90% of customer value; potential value ahead totals ¥12.3K.")
    undefined = tiers.assign(value_share=float("nan"))
    assert takeaways.value_tiers(undefined, -5, ZH).startswith("客户总价值不为正，价值占比无意义：高既成、高潜在价值客户3位")


def test_lifecycle_counts_and_customers_to_wake():
    counts = {"target": 4, "new": 10, "active": 80, "reactivated": 5, "dormant": 30, "lost": 7}
    dormant = pd.DataFrame({"potential_value": [500.0, 300.0, 200.0]})
    assert takeaways.lifecycle(counts, dormant, EN, top=2) == (
        "At the period's end 95 customers are active (new and reactivated included) and 30 are dormant."
        " The 2 dormant customers most worth waking up hold ¥800 of potential value.")
    no_values = pd.DataFrame({"potential_value": [float("nan")]})
    assert takeaways.lifecycle(counts, no_values, ZH) == "期末有95位活跃客户（含新客户和已唤醒客户）、30位沉寂客户。"
