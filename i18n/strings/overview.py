"""The Overview page."""

STRINGS: dict[str, tuple[str, str]] = {
    "overview.title": ("客户价值概览", "Customer value overview"),
    "overview.subtitle": ("{period} · 金额单位：{currency}", "{period} · money in {currency}"),
    "overview.chart.monthly": ("每月收入与客户利润", "Revenue and customer profit by month"),
    "overview.chart.whale": ("鲸鱼曲线：累计利润占总利润比例", "Whale curve: cumulative share of total profit"),
    "overview.chart.segments": ("各细分客户利润（扣除服务成本后）", "Profit by segment after cost to serve"),
    "overview.chart.bridge": ("从收入到客户利润", "From revenue to customer profit"),
    "overview.takeaway": ("前 20% 的客户贡献了 {top20} 的利润；{loss} 位亏损客户吞噬了 {lossprofit}。",
                          "The top 20 % of customers bring {top20} of profit; {loss} loss-making {loss:customer consumes|customers consume} {lossprofit}."),
    "overview.takeaway_undefined": ("总利润为零或负数：{loss} 位亏损客户吞噬了 {lossprofit}。",
                                    "Total profit is zero or negative: {loss} loss-making {loss:customer consumes|customers consume} {lossprofit}."),
    # The page's first sentence: the 20/80/30 rule in words with its three numbers (charts.overview.lead).
    "overview.lead": ("前 {top} 的客户创造了总利润的 {top20}{over}。利润最高的 {at} 客户合计创造了总利润的 {peak}{over_peak}；后 {bottom_n} 的客户{bottom}。{losses}",
                      "The top {top} of customers make {top20} of total profit{over}. The most profitable {at} of customers make {peak} of it{over_peak}; the bottom {bottom_n} {bottom}.{losses}"),
    "overview.lead.over": ("——超过总利润，因为排在后面的客户在亏损", " — more than the total, because the customers at the bottom lose money"),
    "overview.lead.bottom_loss": ("亏掉 {money}，即这部分潜在利润的 {share}", "lose {money}: {share} of that potential profit"),
    "overview.lead.losses": ("{loss} 位亏损客户共亏损 {lossprofit}。", " {loss} loss-making {loss:customer loses|customers lose} {lossprofit} in all."),
    "overview.lead.bottom_gain": ("合计仍盈利 {money}", "still make {money} together"),
    "overview.lead.no_loss": ("前 {top} 的客户创造了总利润的 {top20}；没有亏损的客户。",
                              "The top {top} of customers make {top20} of total profit; no customer loses money."),
    # After the Customers card's help: why Customer value counts more customers for the same filter.
    "overview.customers_note": ("客户价值页面的“估值客户数”计入截至估值日有过购买的全部客户（不限于期间），因此更多。",
                                "Customer value's 'Customers valued' counts every customer who has bought up to its "
                                "valuation date, whatever the period, so it is larger."),
    "overview.go_concentration": ("查看利润集中度详情 →", "See profit concentration in detail →"),
}
STRINGS.update({
    "overview.legend.gains": ("盈利客户利润", "Profit of profitable customers"),
    "overview.legend.losses": ("亏损客户损失", "Losses of loss-making customers"),
    "overview.legend.net": ("净利润", "Net profit"),
})
STRINGS.update({
    # Money axis titles of every chart (charts.theme.money_title): the unit in the reader's language
    # (金额（元）/ Amount (¥)), never the ISO code.
    "chart.money_axis": ("金额（{unit}）", "Amount ({unit})"),
    "chart.money_axis_of": ("{label}（单位：{unit}）", "{label} ({unit})"),
})
