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
    assert takeaways.concentration(fig, ZH) == (
        "前20%客户贡献了83%的利润；鲸鱼曲线在前60%客户处达到峰值142%。（占比可超过 100%：总利润 ¥120 是扣除亏损客户亏掉的 ¥50 之后剩下的。）")
    assert takeaways.concentration(fig, EN) == (
        "Top 20% of customers bring 83% of profit; the whale curve peaks at 142% after the first 60%."
        " (Above 100% because total profit, ¥120, is what is left after loss-making customers lose ¥50.)")
    # a share of at most 100 % needs no explanation
    assert takeaways.concentration(figures([100, 50, 20]), EN) == (
        "Top 20% of customers bring 59% of profit; the whale curve peaks at 100% after the first 100%.")


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


# ----------------------------------------------------------------------------- the pages' first sentences (issue 19)
JARGON = ("p =", "sup-F", "ETS(", "infinite", "无穷", "Davies", "GLM")


def test_concentration_lead_states_the_20_80_30_rule_and_explains_shares_above_100():
    fig = figures([136e4, 20e4, -56e4, 0, 0])  # top 1 of 5 = 136 % of the 100万 total; 1 loss-maker of 56万
    en = takeaways.concentration_lead(fig, EN)
    assert en.startswith("The top 20% of customers earn 136% of total profit; the whale curve peaks at 156% after 40%")
    assert "the bottom 30% erase 36% of the potential profit (¥1.56M)" in en
    assert en.endswith("(Above 100% because total profit, ¥1.00M, is what is left after loss-making customers lose ¥560K.)")
    assert takeaways.concentration_lead(fig, ZH).startswith("前 20% 的客户贡献了总利润的 136%")
    undefined = takeaways.concentration_lead(figures([10, -30]), EN)
    assert undefined.startswith("Total profit is -¥20 (zero or negative), so shares of it are undefined")


def test_tier_share_note_and_customer_value_lead():
    from analytics.clv.value import TIERS, tier_code

    values = {tier_code("high", "high"): (2, 170.0), tier_code("low", "low"): (3, -80.0), tier_code("mid", "mid"): (5, 10.0)}
    rows = [{"tier": k, "customers": values.get(k, (0, 0.0))[0], "customer_share": values.get(k, (0, 0.0))[0] / 10,
             "value": values.get(k, (0, 0.0))[1]} for k in TIERS]
    tiers = pd.DataFrame(rows).assign(value_share=lambda d: d["value"] / d["value"].sum())  # total 100
    assert takeaways.tier_share_note(tiers, EN) == (
        "Shares are of the net total value, ¥100: the cells that earn add up to ¥180 and the loss-making cells take ¥80 "
        "away, so the earning cells' shares add up to 180% and a loss-making cell's share is negative.")
    assert takeaways.tier_share_note(tiers.assign(value=[10.0] * 9, value_share=[1 / 9] * 9), EN) is None
    summary = {"customers": 10, "realized_value": 60.0, "potential_value": 40.0}
    assert takeaways.customer_value_lead(summary, tiers, 12, EN) == (
        "10 customers have brought ¥60 of profit so far and are expected to bring ¥40 more over the next 12 months."
        " The 2 core customers (20%, high past and future value) account for ¥170, more than the ¥100 total, because"
        " the 3 customers in loss-making tiers lose ¥80.")
    modest = tiers.assign(value=[v if v > 0 else 0.0 for v in tiers["value"]])
    assert takeaways.customer_value_lead(summary, modest, 6, ZH) == (
        "10 位客户迄今贡献了 ¥60 的利润，预计未来 6 个月还将贡献 ¥40。其中 2 位核心客户（占 20%，过去和未来的价值都高）合计 ¥170。")
    for t in (ZH, EN):
        assert not any(j in takeaways.customer_value_lead(summary, tiers, 12, t) for j in JARGON)
    # the slide says why the top tier holds more than all of the value
    assert takeaways.value_tiers(tiers, 40, EN).endswith(
        "(Above 100% because total customer value, ¥100, is net of the loss-making customers' negative value; this tier holds ¥170.)")


def test_word_of_mouth_lead_says_trends_in_words():
    from types import SimpleNamespace

    s = SimpleNamespace(nps=SimpleNamespace(nps=20.24), praise=507, complaints=569, praise_trend_slope=13.6,
                        complaint_trend_slope=0.3,
                        complaint_curve=SimpleNamespace(threshold=70.35, steep_effect=0.251, status="ok"))
    assert takeaways.word_of_mouth_lead(s, EN) == (
        "NPS is 20.2, with 507 praise and 569 complaints in the period. Complaints climb steeply once service quality"
        " falls below 70.3: each point lower brings about 25% more. Praise is rising: about 14 more each month than"
        " the month before. Complaints are about level from month to month.")
    falling = SimpleNamespace(**{**vars(s), "complaint_trend_slope": -2.4, "praise_trend_slope": None,
                                 "complaint_curve": SimpleNamespace(threshold=None, steep_effect=None, status="too_few")})
    assert takeaways.word_of_mouth_lead(falling, ZH) == (
        "NPS 为 20.2；期间共收到 507 条表扬、569 条投诉。数据太少，无法估计投诉阈值。投诉在减少：每月比上个月少约 2 条。")
    for t in (ZH, EN):
        assert not any(j in takeaways.word_of_mouth_lead(s, t) + takeaways.word_of_mouth_lead(falling, t) for j in JARGON)
        assert "per month" not in takeaways.word_of_mouth_lead(s, t)


def test_lifecycle_and_delivered_value_leads():
    import datetime as dt
    from types import SimpleNamespace

    counts = {"target": 4, "new": 10, "active": 80, "reactivated": 5, "dormant": 30, "lost": 7}
    assert takeaways.lifecycle_lead(counts, dt.date(2026, 10, 31), 7.5, EN) == (
        "On 2026-10-31, 95 customers are active (new and reactivated included), 30 dormant and 7 lost."
        " A new customer pays back its acquisition cost in about 8 months (the median cohort).")
    assert takeaways.lifecycle_lead(counts, dt.date(2026, 10, 31), None, ZH) == (
        "截至 2026年10月31日，95 位客户活跃（含新客户和已唤醒客户），30 位沉寂，7 位已流失。")
    s = SimpleNamespace(assessed_customers=40, delivered_value_mean=11.62, customer_value_mean=26.68,
                        customer_cost_mean=15.05, share_below_expectation=0.62, winwin_share=0.715)
    assert takeaways.delivered_value_lead(s, lambda v: f"{v:.2f}", EN) == (
        "On average a customer receives a delivered value of 11.62 (value 26.68 − cost 15.05); 62% of customers"
        " perceive less than they expected; 72% of assessed customers are in the win-win zone.")


def test_the_demo_deck_takeaways_are_plain_and_explain_shares_above_100(demo_con):
    import re

    from analytics.filters import Filters
    from analytics.store import db
    from presentation import story

    f = Filters("2025-11-01", "2026-10-31")  # the demo's last twelve months
    for t in (ZH, EN):
        with db.cursor(demo_con) as cur:
            slides = story.slides(cur, f, t, story.default_story())
        for s in slides:
            assert not any(j in s.takeaway for j in JARGON), s.takeaway
            over = [float(v) for v in re.findall(r"(\d+(?:\.\d+)?) ?%", s.takeaway) if float(v) > 100]
            if over:  # a share above 100 % is explained in the same sentence
                assert "100%" in s.takeaway, s.takeaway
