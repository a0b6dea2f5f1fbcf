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
    "overview.go_concentration": ("查看利润集中度详情 →", "See profit concentration in detail →"),
}
STRINGS.update({
    "overview.legend.gains": ("盈利客户利润", "Profit of profitable customers"),
    "overview.legend.losses": ("亏损客户损失", "Losses of loss-making customers"),
    "overview.legend.net": ("净利润", "Net profit"),
})
