"""The Lifecycle page: stages over time, transitions, dormant customers to wake up, acquisition payback."""

STRINGS: dict[str, tuple[str, str]] = {
    "nav.lifecycle": ("生命周期", "Lifecycle"),
    "lc.title": ("客户生命周期", "Customer lifecycle"),
    "lc.subtitle": ("{filters} · 阶段截至 {date}", "{filters} · stages as of {date}"),
    # Rules
    "lc.rules.title": ("阶段规则（可调整）", "Stage rules (adjustable)"),
    "lc.rules.new_days": ("新客户观察期（天）", "New for (days)"),
    "lc.rules.new_days.help": ("关系开始（获客日或首次购买，取较早者）后这么多天内为“新客户”。",
                               "A customer is new for this many days after the relationship starts (acquisition or first purchase, whichever is earlier)."),
    "lc.rules.dormant_days": ("休眠阈值（天）", "Dormant after (days)"),
    "lc.rules.dormant_days.help": ("连续这么多天没有购买即为“休眠”。演示数据中 99% 的购买间隔短于 65 天。",
                                   "No purchase for this many days makes a customer dormant. In the demo data 99 % of gaps between purchases are shorter than 65 days."),
    "lc.rules.lost_days": ("流失阈值（天）", "Lost after (days)"),
    "lc.rules.lost_days.help": ("连续这么多天没有购买即为“流失”。演示数据中沉寂满一年的客户不到 5% 会再次购买。",
                                "No purchase for this many days makes a customer lost. In the demo data fewer than 5 % of customers silent for a year ever buy again."),
    "lc.rules.reactivated_days": ("唤醒观察期（天）", "Reactivated for (days)"),
    "lc.rules.reactivated_days.help": ("休眠或流失后再次购买，此后这么多天内为“已唤醒”。",
                                       "After a purchase that ends a dormant or lost spell, a customer counts as reactivated for this many days."),
    "lc.rules.p_alive": ("存活概率低于此值即判为流失", "Lost when P(alive) is below"),
    "lc.rules.p_alive.help": ("仅对已沉寂达到休眠阈值的客户生效。P(存活) 来自购买模型（留出期比较选出的模型，与“客户价值”页相同）。",
                              "Applies only to customers already silent for the dormant threshold. P(alive) comes from the purchase model (the holdout comparison's choice, the same as on the Customer value page)."),
    "lc.rules.use_p_alive": ("使用购买模型的存活概率", "Use the purchase model's P(alive)"),
    "lc.rules.invalid": ("阶段规则无效：{error}。已改用默认规则。", "The stage rules are not valid: {error}. The default rules are used instead."),
    "lc.rules.text": (
        "**目标客户 / 潜在客户 / 商机**：尚未成为客户，且在该日有未关闭的商机（取最靠后的阶段）。"
        "**新客户**：关系开始不足 {new} 天。**活跃**：{dormant} 天内有购买。"
        "**休眠**：{dormant} 天以上没有购买，但未满 {lost} 天，且 P(存活) 不低于 {p}。"
        "**流失**：{lost} 天以上没有购买，或已休眠且 P(存活) 低于 {p}。"
        "**已唤醒**：在沉寂 {dormant} 天以上后再次购买，{react} 天内。"
        "购买 = 有收入 ≥ 0 的交易的日子；尚无购买时从获客日起计算。",
        "**Target / prospect / opportunity**: not yet a customer, with an opportunity open on the date (the most advanced one counts). "
        "**New**: the relationship started less than {new} {new:day|days} ago. **Active**: bought within {dormant} {dormant:day|days}. "
        "**Dormant**: no purchase for {dormant} {dormant:day|days} or more, but less than {lost}, and P(alive) not below {p}. "
        "**Lost**: no purchase for {lost} {lost:day|days} or more, or dormant with P(alive) below {p}. "
        "**Reactivated**: within {react} {react:day|days} of a purchase that ended a silence of {dormant} {dormant:day|days} or more. "
        "A purchase is a day with a transaction of revenue ≥ 0; before the first one, silence counts from the acquisition date.",
    ),
    "lc.rules.why": (
        "默认值依据演示数据的购买节奏：一半的购买间隔不到 4 天，99% 不到 65 天，所以 90 天不购买已属反常（休眠）；"
        "沉寂满 90 天的客户仍有约三分之一会回来（休眠不等于流失），满 365 天的不到 5%（流失）。"
        "2025-10-31 时沉寂 90–365 天的客户中，P(存活) 低于 5% 的次年回购率约 11%，其余约 25%。",
        "Defaults from the demo's purchase cadence: half of all gaps between purchases are under 4 days and 99 % under 65 days, so 90 days without a purchase is out of character (dormant); "
        "a third of the silences that reach 90 days still end in a purchase (dormant is not lost), fewer than 5 % of those that reach 365 days do (lost). "
        "Of customers silent for 90–365 days on 2025-10-31, those with P(alive) below 5 % bought again in the next year about 11 % of the time, the others about 25 %.",
    ),
    # KPIs
    "lc.kpi.help.new": ("关系开始不足 {n} 天的客户。", "Customers whose relationship started less than {n} {n:day|days} ago."),
    "lc.kpi.help.active": ("{n} 天内有购买的客户（新客户和已唤醒客户除外）。", "Customers who bought within {n} {n:day|days} (other than new and reactivated ones)."),
    "lc.kpi.help.reactivated": ("沉寂后再次购买、处于 {n} 天观察期内的客户。", "Customers who bought again after a silence, within {n} {n:day|days} of that purchase."),
    "lc.kpi.help.dormant": ("{n} 天以上没有购买但尚未流失的客户：下方列出最值得唤醒的。", "Customers silent for {n} {n:day|days} or more but not lost: the ones most worth waking up are listed below."),
    "lc.kpi.help.lost": ("{n} 天以上没有购买，或存活概率过低的客户。", "Customers silent for {n} {n:day|days} or more, or whose P(alive) is too low."),
    "lc.kpi.share": ("占客户 {share}", "{share} of customers"),
    # Charts
    "lc.chart.history": ("各阶段客户数（每月末）", "Customers by stage at each month's end"),
    "lc.show_lost": ("图中显示流失客户", "Show lost customers in the chart"),
    "lc.axis.count": ("客户数", "Customers"),
    "lc.hover.count": ("{s} · {m}：{n} 位", "{s} · {m}: {n}"),
    "lc.chart.sankey": ("阶段流转：{a} → {b}", "Stage transitions: {a} → {b}"),
    "lc.sankey.dates": ("比较的两个月末", "Compare the ends of two months"),
    "lc.sankey.dates.help": ("左侧为第一个日期的阶段，右侧为第二个日期的阶段。", "Stages on the first date on the left, on the second date on the right."),
    "lc.sankey.none_left": ("尚未出现", "Not yet known"),
    "lc.sankey.none_right": ("退出漏斗", "Left the pipeline"),
    "lc.sankey.hover": ("{a} → {b}：{n}", "{a} → {b}: {n}"),
    "lc.sankey.empty": ("这两个日期之间没有可显示的流转。", "No transitions to show between these two dates."),
    "lc.sankey.same": ("请选择两个不同的月份。", "Choose two different months."),
    "lc.sankey.takeaway": ("{a} 至 {b}：{react} 位客户被唤醒，{to_dormant} 位转为休眠，{to_lost} 位流失，{won} 位新客户。",
                           "{a} to {b}: {react} {react:customer|customers} reactivated, {to_dormant} turned dormant, {to_lost} {to_lost:was|were} lost, {won} new {won:customer|customers}."),
    # Dormant customers
    "lc.wake.title": ("最值得唤醒的休眠客户", "Dormant customers most worth waking up"),
    "lc.wake.caption": ("共 {n} 位休眠客户，按潜在价值（未来 12 个月折现利润）从高到低排列；显示前 {shown} 位。点击客户编号查看客户 360。",
                        "{n} dormant {n:customer|customers}, ranked by potential value (discounted profit over the next 12 months); the first {shown} shown. Click an id for the customer's 360 page."),
    "lc.wake.none": ("当前筛选下没有休眠客户。", "No dormant customers under these filters."),
    "lc.wake.total": ("{n} 位休眠客户中有 {worth} 位潜在价值为正，合计 {value}。",
                      "{worth} of the {n} dormant {n:customer|customers} {worth:has|have} a positive potential value, {value} in total."),
    "lc.wake.losing": ("另有 {losing} 位预计服务成本高于带来的毛利（合计 {loss}）；全部休眠客户净计 {net}。",
                       " {losing} {losing:is|are} expected to cost more to serve than {losing:it brings|they bring} ({loss}); net for all: {net}."),
    "lc.col.last_purchase": ("最近购买", "Last purchase"),
    "lc.col.recency": ("未购买天数", "Days silent"),
    # Payback
    "lc.payback.title": ("获客成本回收", "Acquisition payback"),
    "lc.payback.caption": (
        "每个获客同期群（数据开始后获取的客户）每位客户的累计利润减去获客成本；第 1 个月为获客当月。曲线只画到同期群全部客户都已走完的月份。",
        "Cumulative profit per customer minus acquisition cost, by acquisition cohort (customers acquired since the data begin); month 1 is the acquisition month. Each curve stops at the last month every member has completed.",
    ),
    "lc.payback.grain": ("同期群", "Cohorts by"),
    "lc.grain.month": ("月", "Month"),
    "lc.grain.quarter": ("季度", "Quarter"),
    "lc.payback.measure": ("曲线", "Curve"),
    "lc.measure.mean": ("平均客户", "Mean customer"),
    "lc.measure.median": ("中位客户", "Median customer"),
    "lc.payback.highlight": ("突出显示的同期群", "Cohorts highlighted"),
    "lc.payback.highlight.help": ("默认突出四个同期群，从第一个到最近一个已观察满 6 个月的同期群均匀选取，看回本速度如何变化；"
                                  "其余以浅灰色显示，悬停在任一条线上可查看其数值。",
                                  "By default four cohorts stand out, spread evenly from the first to the latest observed for "
                                  "six months, to show how payback changed; the others are pale grey. Hover over any line for "
                                  "its figures."),
    "lc.payback.others": ("其他同期群", "Other cohorts"),
    "lc.payback.chart": ("累计利润 − 获客成本（每位客户，按同期群）", "Cumulative profit − acquisition cost per customer, by cohort"),
    "lc.axis.month_n": ("获客后第几个月（1 = 获客当月）", "Month since acquisition (1 = acquisition month)"),
    "lc.axis.net_profit": ("每位客户净累计利润", "Net cumulative profit per customer"),
    "lc.hover.payback": ("{cohort} · 第 {m} 个月：{v}", "{cohort} · month {m}: {v}"),
    "lc.breakeven": ("回本线", "Break-even"),
    "lc.not_yet": ("尚未回本", "not yet"),
    "lc.payback.empty": ("当前筛选下没有数据开始后获取的客户。", "No customers acquired since the data begin under these filters."),
    "lc.cohort.cohort": ("同期群", "Cohort"),
    "lc.cohort.customers": ("客户数", "Customers"),
    "lc.cohort.cac": ("平均获客成本", "Mean acquisition cost"),
    "lc.cohort.profit": ("迄今人均利润", "Profit to date per customer"),
    "lc.cohort.observed": ("已观察月数", "Months observed"),
    "lc.cohort.payback": ("回收期（月，平均客户）", "Payback (months, mean customer)"),
    "lc.cohort.payback_median": ("回收期（月，中位客户）", "Payback (months, median customer)"),
    "lc.cohort.year_one": ("满一年客户", "Customers with a year"),
    "lc.cohort.unprofitable": ("一年后未回本占比", "Unprofitable after year one"),
    "lc.quarter": ("{y}年第{q}季度", "{y} Q{q}"),
    # Notes
    "lc.note.pooled": ("当前筛选的客户太少，P(存活) 使用全体客户拟合的 BG/NBD 参数。",
                       "Too few customers under these filters: P(alive) uses the BG/NBD parameters fitted on every customer."),
    "lc.note.no_model": ("无法拟合购买模型，阶段仅按天数阈值判断。", "No purchase model could be fitted: stages follow the day thresholds only."),
    "lc.note.no_values": ("无法计算潜在价值，休眠客户按存活概率排序。", "Potential value could not be computed: dormant customers are ranked by P(alive)."),
    "lc.note.missing_cost": ("{n} 位客户没有获客成本，按 0 计。", "{n} {n:customer has|customers have} no acquisition cost; counted as 0."),
    "lc.note.p_alive_history": ("P(存活) 使用截至 {date} 拟合的同一组参数，按每位客户在各月末之前的购买计算。",
                                "P(alive) uses one set of parameters fitted up to {date}, applied to each customer's purchases up to each month's end."),
}

# Lifecycle stage codes (analytics.lifecycle.STAGES and "none", outside the lifecycle).
VALUES: dict[str, dict[str, tuple[str, str]]] = {
    "lifecycle_stage": {
        "target": ("目标客户", "Target"),
        "prospect": ("潜在客户", "Prospect"),
        "opportunity": ("商机", "Opportunity"),
        "new": ("新客户", "New"),
        "active": ("活跃客户", "Active"),
        "reactivated": ("已唤醒", "Reactivated"),
        "dormant": ("休眠客户", "Dormant"),
        "lost": ("流失客户", "Lost"),
        "none": ("不在生命周期内", "Outside the lifecycle"),
    },
}
