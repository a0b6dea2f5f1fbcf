"""Each analysis page's first sentence, in plain words with its key numbers (presentation.takeaways),
and the plain-language notes beside shares of a net total (issue 19)."""

STRINGS: dict[str, tuple[str, str]] = {
    # Shares of a total that losses reduce: why they pass 100 %.
    "lead.over_total": ("（占比可超过 100%：总利润 {total} 是扣除亏损客户亏掉的 {losses} 之后剩下的。）",
                        " (Above 100% because total profit, {total}, is what is left after loss-making customers "
                        "lose {losses}.)"),
    "lead.tiers_over": ("（占比超过 100%：客户总价值 {total} 已扣除亏损客户的负价值；这一层合计 {value}。）",
                        " (Above 100% because total customer value, {total}, is net of the loss-making customers' "
                        "negative value; this tier holds {value}.)"),
    "lead.tier_shares": ("价值占比的分母是净总价值 {total}：盈利的格子合计 {gains}，亏损的格子合计亏掉 {losses}，"
                         "所以盈利格子的占比合计为 {over}，亏损格子的占比为负。",
                         "Shares are of the net total value, {total}: the cells that earn add up to {gains} and the "
                         "loss-making cells take {losses} away, so the earning cells' shares add up to {over} and a "
                         "loss-making cell's share is negative."),
    # Customer value
    "lead.cv": ("{n} 位客户迄今贡献了 {realized} 的利润，预计未来 {horizon} 个月还将贡献 {potential}。",
                "{n} {n:customer has|customers have} brought {realized} of profit so far and {n:is|are} expected to "
                "bring {potential} more over the next {horizon} {horizon:month|months}."),
    "lead.cv_core": ("其中 {n} 位核心客户（占 {share}，过去和未来的价值都高）合计 {value}。",
                     " The {n} core {n:customer|customers} ({share}, high past and future value) account for {value}."),
    "lead.cv_losses": ("亏损层级的 {losers} 位客户合计亏损 {losses}。",
                       " The {losers} {losers:customer|customers} in loss-making tiers lose {losses}."),
    "lead.cv_core_over": ("其中 {n} 位核心客户（占 {share}，过去和未来的价值都高）合计 {value}，超过总额 {total}，"
                          "因为亏损层级的 {losers} 位客户合计亏损 {losses}。",
                          " The {n} core {n:customer|customers} ({share}, high past and future value) account for "
                          "{value}, more than the {total} total, because the {losers} {losers:customer|customers} in "
                          "loss-making tiers lose {losses}."),
    # Word of mouth
    "lead.wom": ("NPS 为 {nps}；期间共收到 {praise} 条表扬、{complaints} 条投诉。",
                 "NPS is {nps}, with {praise} praise and {complaints} {complaints:complaint|complaints} in the period."),
    "lead.wom_threshold": ("服务质量指数低于 {threshold} 后投诉陡增：每下降 1 分，投诉增加约 {steep}。",
                           " Complaints climb steeply once service quality falls below {threshold}: each point lower "
                           "brings about {steep} more."),
    "lead.trend.praise.up": ("表扬在增加：每月比上个月多约 {n} 条。",
                             " Praise is rising: about {n} more each month than the month before."),
    "lead.trend.praise.down": ("表扬在减少：每月比上个月少约 {n} 条。",
                               " Praise is falling: about {n} fewer each month than the month before."),
    "lead.trend.praise.level": ("表扬数量逐月基本持平。", " Praise is about level from month to month."),
    "lead.trend.complaints.up": ("投诉在增加：每月比上个月多约 {n} 条。",
                                 " Complaints are rising: about {n} more each month than the month before."),
    "lead.trend.complaints.down": ("投诉在减少：每月比上个月少约 {n} 条。",
                                   " Complaints are falling: about {n} fewer each month than the month before."),
    "lead.trend.complaints.level": ("投诉数量逐月基本持平。", " Complaints are about level from month to month."),
    # Lifecycle
    "lead.lc": ("截至 {date}，{active} 位客户活跃（含新客户和已唤醒客户），{dormant} 位沉寂，{lost} 位已流失。",
                "On {date}, {active} {active:customer is|customers are} active (new and reactivated included), "
                "{dormant} dormant and {lost} lost."),
    "lead.lc_payback": ("新客户约 {months} 个月收回获客成本（各获客同期群的中位数）。",
                        " A new customer pays back its acquisition cost in about {months} {months:month|months} "
                        "(the median cohort)."),
    # "How this was computed" expanders
    "lead.method": ("计算方法", "How this was computed"),
}
