"""Every figure and dimension the product shows, defined once: the registry behind the KPI cards,
table columns, presentation headlines, exports and the ``report --json`` keys.

Definitions only, in the manner of dbt MetricFlow's metric specs or a Superset dataset's metrics:
a :class:`Metric` says what a figure is called (zh, en), what it means, its unit and format,
whether a rise is good and which ``report --json`` key carries it; a :class:`Dimension` says what a
customer attribute is called, its column, and whether it filters and groups. No query engine: the
analytics modules compute the figures. Pure Python (no i18n, no Streamlit): the translator and the
UI read this registry, never the other way round.

Help texts may name values only the caller knows (``{n}`` customers, a ``{horizon}``); the zh and
en texts use the same placeholders (``{n:customer|customers}`` picks an English plural). A figure shown
for the whole filter and for one customer (Customer 360) has one label; where its help would read
wrong for one customer ("the customers made"), ``customer_help`` says it for one.
"""

from __future__ import annotations

from dataclasses import dataclass

# Units a figure can have, and how the translator writes them (i18n.Translator.figure).
UNITS = {
    "money": "an amount in the data's currency",
    "share": "a fraction shown as a percentage (1.36 = 136 %)",
    "count": "a whole number of things (customers, complaints)",
    "points": "percentage points (NPS)",
    "ratio": "a plain number: one quantity over another, or an index",
    "score": "an assessment score or a difference of scores",
    "per_month": "a change per month (a slope)",
    "days": "a number of days",
    "months": "a number of months",
    "date": "a calendar date (ISO in JSON)",
    "dates": "a list of dates",
    "code": "a code such as an ISO currency code",
    "breakdown": "counts by category (a JSON object)",
    "category": "one category's name, translated by the caller (a lifecycle stage, a value tier)",
}
DIRECTIONS = (1, -1, 0)  # +1: a rise is good; -1: a rise is bad; 0: neither
# The view a figure belongs to (the first page that shows it; its report_section yields its key).
SECTIONS = ("overview", "concentration", "delivered_value", "word_of_mouth", "customer_value", "lifecycle", "customer")


@dataclass(frozen=True)
class Format:
    """How a value is written: ``decimals``; ``compact`` (¥1.2亿 / ¥123.5M, 1.2万); ``signed`` (+ before a rise)."""

    decimals: int = 0
    compact: bool = False
    signed: bool = False


@dataclass(frozen=True)
class Metric:
    """One figure: ``key`` (the registry's), ``label`` and ``help`` as (zh, en), ``unit`` (:data:`UNITS`),
    ``fmt``, ``direction`` (:data:`DIRECTIONS`), ``report_key`` (None when ``report --json`` does not
    carry it) plus ``report_aliases`` (other keys with the same value), ``section`` (:data:`SECTIONS`),
    and ``customer_help`` (zh, en): what the figure means for one customer, where ``help`` speaks of
    many (None: ``help`` reads right for one customer too)."""

    key: str
    label: tuple[str, str]
    help: tuple[str, str]
    unit: str
    section: str
    fmt: Format = Format()
    direction: int = 0
    report_key: str | None = None
    report_aliases: tuple[str, ...] = ()
    customer_help: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"metric {self.key!r}: unknown unit {self.unit!r}; use one of {', '.join(UNITS)}")
        if self.direction not in DIRECTIONS:
            raise ValueError(f"metric {self.key!r}: direction must be one of {DIRECTIONS}, not {self.direction!r}")
        if self.section not in SECTIONS:
            raise ValueError(f"metric {self.key!r}: unknown section {self.section!r}; use one of {', '.join(SECTIONS)}")

    @property
    def report_keys(self) -> tuple[str, ...]:
        """Every ``report --json`` key that carries this figure."""
        return ((self.report_key,) if self.report_key else ()) + self.report_aliases


@dataclass(frozen=True)
class Dimension:
    """A customer attribute: ``key``, ``label`` (zh, en), ``column`` of the customers table, the
    :class:`analytics.filters.Filters` field and URL parameter when it filters (else None), and
    whether pages can group customers by it (:data:`GROUP_DIMENSIONS`)."""

    key: str
    label: tuple[str, str]
    column: str
    filter_field: str | None = None
    param: str | None = None


_M = Metric
_MONEY = Format(compact=True)

_METRICS: tuple[Metric, ...] = (
    # ------------------------------------------------------------------------ the period reported
    _M("period_from", ("期间开始", "Period from"), ("报告期间的第一天。", "The first day of the period reported."),
       "date", "overview", report_key="period_from"),
    _M("period_to", ("期间结束", "Period to"), ("报告期间的最后一天。", "The last day of the period reported."),
       "date", "overview", report_key="period_to"),
    _M("previous_period_from", ("上期开始", "Previous period from"),
       ("之前相同长度期间的第一天。", "The first day of the period of the same length just before."),
       "date", "overview", report_key="previous_period_from"),
    _M("previous_period_to", ("上期结束", "Previous period to"),
       ("之前相同长度期间的最后一天。", "The last day of the period of the same length just before."),
       "date", "overview", report_key="previous_period_to"),
    _M("currency", ("币种", "Currency"), ("金额的 ISO 币种代码。", "ISO code of the money figures."),
       "code", "overview", report_key="currency"),
    _M("previous", ("上期数据", "Previous period"),
       ("上期的客户数、收入、客户利润、前20%利润占比、亏损客户与 NPS（无数据时为空）。",
        "Customers, revenue, profit, top-20 % share, loss-makers and NPS of the previous period (null where it has no data)."),
       "breakdown", "overview", report_key="previous"),
    # ------------------------------------------------------------------------ Overview and concentration
    _M("customers", ("客户数", "Customers"),
       ("期间内有交易或服务作业的客户数。", "Customers with a transaction or a service activity in the period."),
       "count", "overview", direction=1, report_key="customers"),
    _M("revenue", ("收入", "Revenue"),
       ("期间内全部交易的收入（已扣除退货）。", "Revenue of all transactions in the period, net of returns."),
       "money", "overview", _MONEY, direction=1, report_key="revenue"),
    _M("cost_of_goods", ("销售成本", "Cost of goods"), ("期间内交易的销售成本。", "Cost of the goods sold in the period."),
       "money", "overview", _MONEY, direction=-1, report_key="cost_of_goods"),
    _M("cost_to_serve", ("服务成本", "Cost to serve"),
       ("期间内各项作业数量 × 作业当日有效费率之和。", "Sum over the period's activities of quantity × the rate valid on the activity's date."),
       "money", "overview", _MONEY, direction=-1, report_key="cost_to_serve"),
    _M("profit", ("客户利润", "Customer profit"),
       ("收入 − 销售成本 − 服务成本。服务成本按作业成本法计算：每项作业数量 × 当日有效费率。",
        "Revenue − cost of goods − cost to serve. Cost to serve is activity-based: each activity's quantity × the rate valid on its date."),
       "money", "overview", _MONEY, direction=1, report_key="profit", report_aliases=("total_profit",)),
    # Cost of goods may be unknown (schema version 5): profit then counts only the known costs, and every
    # page and export showing profit states this share (analytics.profit.cogs_unknown_share).
    _M("cogs_unknown_revenue_share", ("未提供销售成本的收入占比", "Revenue without cost of goods"),
       ("销售成本未提供（未知，不按零计）的交易收入 ÷ 全部收入。利润只扣除已知的销售成本，因此这部分收入的利润被高估了其未知的销售成本。",
        "Revenue of the transactions whose cost of goods was not provided (unknown, not zero) ÷ all revenue. Profit "
        "deducts only the known cost of goods, so on this revenue it is overstated by the unknown cost."),
       "share", "overview", Format(decimals=1), direction=-1, report_key="cogs_unknown_revenue_share"),
    _M("top20_profit_share", ("前20%利润占比", "Top 20 % share"),
       ("利润最高的前 {top} 位客户（⌈20% × {n}⌉）的利润之和 ÷ 总利润。超过 100% 表示其余客户合计亏损。",
        "Profit of the {top} most profitable {top:customer|customers} (⌈20 % × {n}⌉) ÷ total profit. Above 100 % means the rest lose money in sum."),
       # A higher share may come from the best customers earning more or the rest earning less: neither good nor bad.
       "share", "overview", direction=0, report_key="top20_profit_share"),
    _M("loss_customers", ("亏损客户", "Loss-makers"),
       ("期间内利润小于零的客户数。", "Customers whose profit in the period is below zero."),
       "count", "overview", direction=-1, report_key="loss_customers"),
    _M("nps", ("净推荐值 NPS", "NPS"),
       ("推荐者（9–10 分）占比 − 贬损者（0–6 分）占比，单位为百分点；基于 {n} 份评分。",
        "% promoters (9–10) − % detractors (0–6), in points; from {n} scored {n:response|responses}."),
       "points", "overview", Format(decimals=1), direction=1, report_key="nps"),
    _M("nps_responses", ("NPS 评分数", "NPS responses"),
       ("期间内计入 NPS 的 0–10 分推荐评分条数（按 NPS 口径）。",
        "Feedback with a 0–10 recommendation score in the period that NPS counts (by the NPS population)."),
       "count", "overview", report_key="nps_responses"),
    # Which scored feedback NPS counts (analytics.word_of_mouth.NPS_POPULATIONS): a setting, stated wherever NPS is.
    _M("nps_population", ("NPS 口径", "NPS population"),
       ("NPS 计入哪些评分：survey = 仅调查回答（有评分、既非表扬也非投诉的反馈），all = 所有带评分的反馈（含随表扬、投诉给出的评分）。",
        "Which scores NPS counts: survey = survey answers only (scored feedback that is neither praise nor a "
        "complaint), all = every scored response (scores given with praise and complaints too)."),
       "category", "overview", report_key="nps_population"),
    _M("whale_peak_share", ("鲸鱼曲线峰值", "Whale curve peak"),
       ("按利润从高到低累计，累计利润的最高点 ÷ 总利润。峰值之后的客户都在亏损，曲线回落到 100%。",
        "Highest cumulative profit, customers ranked most profitable first, ÷ total profit. Every customer after the peak loses money; the curve falls back to 100 %."),
       # The peak over the total grows as loss-makers destroy more of what the others earn.
       "share", "concentration", direction=-1, report_key="whale_peak_share"),
    _M("whale_peak_customer_share", ("峰值所在客户占比", "Peak reached at"),
       ("达到峰值时已累计的客户数 ÷ 客户总数 {n}，即盈利客户（利润 > 0）的占比。",
        "Customers counted up to the peak ÷ all {n} {n:customer|customers}: the share of customers whose profit is above zero."),
       "share", "concentration", Format(decimals=1), direction=1, report_key="whale_peak_customer_share"),
    _M("loss_customer_share", ("亏损客户占比", "Share of loss-makers"),
       ("亏损客户数 ÷ 全部 {n} 位客户。", "Loss-making customers ÷ all {n} {n:customer|customers}."),
       "share", "concentration", Format(decimals=1), direction=-1, report_key="loss_customer_share"),
    _M("loss_profit", ("亏损客户消耗的利润", "Profit lost to loss-makers"),
       ("所有亏损客户的利润之和（为负数）：把它们拉回盈亏平衡可以多赚的金额。",
        "Summed profit of all loss-making customers (negative): what bringing them to break-even would add."),
       "money", "concentration", _MONEY, direction=1, report_key="loss_profit"),
    _M("breakeven_profit", ("亏损客户保本后的利润", "Break-even profit"),
       ("假设每位亏损客户都做到盈亏平衡（利润为零）时的总利润 = 总利润 − 亏损客户利润 = 峰值利润。",
        "Total profit if every loss-maker were brought to zero profit = total profit − loss-makers' profit = peak profit."),
       "money", "concentration", _MONEY, direction=1, report_key="breakeven_profit"),
    _M("bottom30_profit", ("后 30% 客户利润", "Bottom 30 % profit"),
       ("利润最低的 {bottom} 位客户（⌈30% × {n}⌉）的利润之和。",
        "Summed profit of the {bottom} least profitable {bottom:customer|customers} (⌈30 % × {n}⌉)."),
       "money", "concentration", _MONEY, direction=1, report_key="bottom30_profit"),
    _M("bottom30_share_of_peak", ("后 30% ÷ 潜在利润", "Bottom 30 % ÷ potential profit"),
       ("后 30% 客户利润 ÷ 鲸鱼曲线峰值利润（潜在利润）。−50% 表示它们吞掉了一半的潜在利润。",
        "Bottom 30 % profit ÷ the whale curve's peak profit (potential profit). −50 % means they erase half of the potential profit."),
       "share", "concentration", direction=1, report_key="bottom30_share_of_peak"),
    _M("gini", ("集中度指数（基尼）", "Concentration index (Gini)"),
       ("允许负值的标准化基尼系数（Raffinetti 等，2015）：Σᵢ Σⱼ |xᵢ − xⱼ| ÷ (2 N Σᵢ |xᵢ|)，x 为客户利润。0 表示利润均匀分布，1 表示高度集中。",
        "Normalised Gini for values that can be negative (Raffinetti et al., 2015): Σᵢ Σⱼ |xᵢ − xⱼ| ÷ (2 N Σᵢ |xᵢ|) over customer profits x. 0 = profit spread evenly, 1 = fully concentrated."),
       "ratio", "concentration", Format(decimals=3), direction=-1, report_key="gini"),
    # ------------------------------------------------------------------------ Delivered value
    _M("delivered_value_mean", ("平均让渡价值", "Delivered value"),
       ("已评估客户让渡价值的平均值。", "Mean delivered value of the assessed customers."),
       "score", "delivered_value", Format(decimals=2), direction=1, report_key="delivered_value_mean"),
    _M("customer_value_mean", ("平均顾客总价值", "Customer value"),
       ("产品、服务、人员、形象四项价值之和的平均值。", "Mean of product + service + personnel + image value."),
       "score", "delivered_value", Format(decimals=2), direction=1, report_key="customer_value_mean"),
    _M("customer_cost_mean", ("平均顾客总成本", "Customer cost"),
       ("货币、时间、精力、精神四项成本之和的平均值。", "Mean of money + time + energy + psychic cost."),
       "score", "delivered_value", Format(decimals=2), direction=-1, report_key="customer_cost_mean"),
    _M("value_cost_ratio", ("价值/成本比", "Value/cost ratio"),
       ("平均顾客总价值 ÷ 平均顾客总成本；大于 1 表示客户得到的多于付出的。",
        "Mean customer value ÷ mean customer cost; above 1, customers get more than they give."),
       "ratio", "delivered_value", Format(decimals=2), direction=1, report_key="value_cost_ratio"),
    _M("satisfaction_gap_mean", ("平均满意度差距", "Satisfaction gap"),
       ("满意度 = 感知 − 期望。每位客户的综合差距取其已有层次（物质、精神、社会）差距的平均值，再对客户求平均；负数表示感知低于期望。",
        "Satisfaction = perception − expectation. A customer's overall gap is the mean over the levels they were asked "
        "about (material, spiritual, social), then averaged over customers; negative means perception falls short."),
       "score", "delivered_value", Format(decimals=2, signed=True), direction=1, report_key="satisfaction_gap_mean"),
    _M("share_below_expectation", ("低于期望的客户", "Below expectation"),
       ("综合差距 < 0 的客户占有满意度评分客户的比例（差距恰好为 0 视为达到期望）。",
        "Share of customers with a satisfaction score whose overall gap is < 0 (a gap of exactly 0 meets the expectation)."),
       "share", "delivered_value", Format(decimals=1), direction=-1, report_key="share_below_expectation"),
    _M("winwin_share", ("双赢客户占比", "Win-win share"),
       ("让渡价值 > 0 且客户利润 > 0 的客户占已评估客户的比例（恰好为 0 不算获益）。这些客户贡献了 {rev} 的已评估客户收入。",
        "Share of assessed customers with delivered value > 0 and customer profit > 0 (exactly 0 is not a gain). "
        "They bring {rev} of the assessed customers' revenue."),
       "share", "delivered_value", Format(decimals=1), direction=1, report_key="winwin_share"),
    _M("assessed_customers", ("已评估客户", "Assessed customers"),
       ("本期有评估的客户数；另有 {n} 位活跃客户本期没有评估。",
        "Customers with an assessment in the period; {n} more active {n:customer has|customers have} none."),
       "count", "delivered_value", direction=1, report_key="assessed_customers"),
    _M("unassessed_customers", ("未评估客户", "Unassessed customers"),
       ("期间内活跃、但本期没有评估的客户数。", "Customers active in the period without an assessment in it."),
       "count", "delivered_value", direction=-1, report_key="unassessed_customers"),
    _M("winwin_entered", ("进入双赢区", "Entered the win-win zone"),
       ("上期不在双赢区、本期在双赢区的客户数。", "Customers outside the win-win zone in the previous period and inside it in this one."),
       "count", "delivered_value", direction=1, report_key="winwin_entered"),
    _M("winwin_left", ("离开双赢区", "Left the win-win zone"),
       ("上期在双赢区、本期不在双赢区的客户数。", "Customers inside the win-win zone in the previous period and outside it in this one."),
       "count", "delivered_value", direction=-1, report_key="winwin_left"),
    # ------------------------------------------------------------------------ Word of mouth
    _M("praise", ("表扬", "Praise"),
       ("期间内筛选客户的表扬条数。", "Praise received from the filtered customers in the period."),
       "count", "word_of_mouth", direction=1, report_key="praise"),
    _M("complaints", ("投诉", "Complaints"),
       ("期间内筛选客户的投诉条数。", "Complaints received from the filtered customers in the period."),
       "count", "word_of_mouth", direction=-1, report_key="complaints"),
    _M("complaint_trend_slope", ("投诉趋势", "Complaint trend"),
       ("按日拟合的投诉趋势（STL）在最近三个月的斜率：每月投诉量每月增加（+）或减少（−）多少条。正值表示投诉在加速。",
        "Slope of the daily complaint trend (STL) over the last three months: how many complaints a month are added (+) "
        "or removed (−) each month. Positive means complaints are accelerating."),
       "per_month", "word_of_mouth", Format(decimals=1, signed=True), direction=-1, report_key="complaint_trend_slope"),
    _M("quality_threshold", ("投诉质量阈值", "Quality threshold"),
       ("服务质量指数低于此值时，投诉率急剧上升。95% 置信区间（剖面似然）：{interval}。",
        "Below this service-quality index, the complaint rate rises steeply. 95 % interval (profile likelihood): {interval}."),
       "ratio", "word_of_mouth", Format(decimals=1), report_key="quality_threshold"),
    _M("quality_threshold_low", ("阈值区间下限", "Threshold interval, low"),
       ("投诉质量阈值 95% 置信区间（剖面似然）的下限。", "Lower end of the quality threshold's 95 % interval (profile likelihood)."),
       "ratio", "word_of_mouth", Format(decimals=1), report_key="quality_threshold_low"),
    _M("quality_threshold_high", ("阈值区间上限", "Threshold interval, high"),
       ("投诉质量阈值 95% 置信区间（剖面似然）的上限。", "Upper end of the quality threshold's 95 % interval (profile likelihood)."),
       "ratio", "word_of_mouth", Format(decimals=1), report_key="quality_threshold_high"),
    _M("turning_points", ("拐点", "Turning points"),
       ("期间内出现拐点的日期数（周度表扬与投诉，整体及各区域）；最近一个在 {latest}。详见下方“预警”。",
        "Dates with a turning point in the period (weekly praise and complaints, overall and per region); the latest on {latest}. See Alerts below."),
       "dates", "word_of_mouth", report_key="turning_points"),
    # ------------------------------------------------------------------------ Customer value
    # Not "customers": the valuation counts everyone who has bought, whatever the period (4,034 on the demo
    # beside the Overview's 3,309 of the same filter); the label and help say which is which.
    _M("valued_customers", ("估值客户数", "Customers valued"),
       ("截至估值日 {date} 有过购买的全部客户，不限于所选期间；概览的“客户数”只计期间内有交易或服务作业的客户，因此两者不同。",
        "Every customer who has bought up to the valuation date {date}, whatever the period; Overview's Customers "
        "counts only those with a transaction or a service activity in the period, so the two differ."),
       "count", "customer_value"),
    _M("realized_value", ("既成价值", "Realized value"),
       ("客户从数据起点到估值日创造的利润：收入 − 销售成本 − 服务成本（作业成本法）。",
        "Profit the customers made from the start of the data to the valuation date: revenue − cost of goods − cost to serve (activity-based)."),
       "money", "customer_value", _MONEY, direction=1, report_key="realized_value",
       customer_help=("该客户从数据起点到估值日创造的利润：收入 − 销售成本 − 服务成本（作业成本法）。",
                      "Profit this customer made from the start of the data to the valuation date: revenue − cost of goods − "
                      "cost to serve (activity-based).")),
    _M("potential_value", ("潜在价值", "Potential value"),
       ("未来 {horizon} 个月预计利润的折现值（客户终身价值 CLV）：购买模型（留出期比较选出的 BG/NBD、Pareto/NBD 或 MBG/NBD）预测的购买次数 × Gamma-Gamma 预测的单次消费 × (毛利率 − 服务成本率)，按年折现率 {rate} 逐月折现。",
        "Discounted expected profit over the next {horizon} {horizon:month|months} (customer lifetime value, CLV): purchases predicted by the purchase model (BG/NBD, "
        "Pareto/NBD or MBG/NBD, the holdout comparison's choice) × spend per purchase predicted by Gamma-Gamma × (gross-margin rate − cost-to-serve rate), discounted monthly at {rate} a year."),
       "money", "customer_value", _MONEY, direction=1, report_key="potential_value"),
    _M("influence_value", ("影响价值", "Influence value"),
       ("这些客户推荐来的客户所创造的利润（直接推荐；二级推荐按所选权重计入）。",
        "Profit of the customers these customers referred (direct referrals; second-level ones at the chosen weight)."),
       "money", "customer_value", _MONEY, direction=1, report_key="influence_value",
       customer_help=("其直接推荐的 {n} 位客户的既成价值之和。",
                      "Realized value of the {n} {n:customer|customers} this customer referred directly.")),
    _M("tier_counts", ("各价值层级客户数", "Customers by value tier"),
       ("既成价值 × 潜在价值 3 × 3 层级中每层的客户数。", "Customers in each cell of the 3 × 3 realized × potential value grid."),
       "breakdown", "customer_value", report_key="tier_counts"),
    _M("model_used", ("购买模型", "Purchase model"),
       ("潜在价值、预计购买次数与存活概率所用的购买模型：默认为留出期比较选出的模型（BG/NBD、Pareto/NBD 或 MBG/NBD），含其参数。",
        "The purchase model behind potential value, expected purchases and P(alive): by default the one the holdout "
        "comparison chose (BG/NBD, Pareto/NBD or MBG/NBD), with its parameters."),
       "breakdown", "customer_value", report_key="model_used"),
    _M("clv_interval", ("潜在价值区间", "Potential value range"),
       ("潜在价值合计的 {level} 区间：按拟合参数的协方差抽取 {draws} 组参数（对数尺度上的正态分布，参数自助法），每组重算全部客户的潜在价值并求和，取这些合计的中间 {level}。",
        "The {level} range of the summed potential value: {draws} parameter sets drawn from the fits' covariance (normal on "
        "the log scale, a parametric bootstrap), every customer's potential value recomputed and summed for each, and the "
        "middle {level} of those sums."),
       "breakdown", "customer_value", report_key="clv_interval"),
    _M("potential_value_lower", ("潜在价值下限", "Potential value, low"),
       ("该客户潜在价值 {level} 区间的下限（模型参数的不确定性）。", "Lower end of this customer's {level} potential-value range (the models' parameter uncertainty)."),
       "money", "customer_value", _MONEY, direction=1),
    _M("potential_value_upper", ("潜在价值上限", "Potential value, high"),
       ("该客户潜在价值 {level} 区间的上限（模型参数的不确定性）。", "Upper end of this customer's {level} potential-value range (the models' parameter uncertainty)."),
       "money", "customer_value", _MONEY, direction=1),
    _M("p_alive_lower", ("存活概率下限", "P(alive), low"),
       ("该客户存活概率 {level} 区间的下限。", "Lower end of this customer's {level} P(alive) range."),
       "share", "customer_value", Format(decimals=0), direction=1),
    _M("p_alive_upper", ("存活概率上限", "P(alive), high"),
       ("该客户存活概率 {level} 区间的上限。", "Upper end of this customer's {level} P(alive) range."),
       "share", "customer_value", Format(decimals=0), direction=1),
    _M("expected_purchases_lower", ("预计购买次数下限", "Expected purchases, low"),
       ("预计购买次数 {level} 区间的下限。", "Lower end of the {level} range of expected purchases."),
       "count", "customer_value", Format(decimals=1, compact=True), direction=1),
    _M("expected_purchases_upper", ("预计购买次数上限", "Expected purchases, high"),
       ("预计购买次数 {level} 区间的上限。", "Upper end of the {level} range of expected purchases."),
       "count", "customer_value", Format(decimals=1, compact=True), direction=1),
    _M("tier_span_customers", ("区间跨层的客户", "Ranges across a tier cut"),
       ("潜在价值的 {level} 区间跨越潜在价值分层切点（落在两个或三个层级）的客户数：这些客户的层级并不确定。",
        "Customers whose {level} potential-value range crosses a potential-value tier cut (it lies in two or three "
        "tiers): their tier is not certain."),
       "count", "customer_value", direction=-1),
    _M("total_value", ("总价值", "Total value"), ("既成价值 + 潜在价值 + 影响价值。", "Realized + potential + influence value."),
       "money", "customer_value", _MONEY, direction=1),
    _M("p_alive", ("存活概率", "P(alive)"),
       ("购买模型（留出期比较选出）估计的该客户在估值日仍然“存活”（未流失）的概率。",
        "The probability, estimated by the purchase model (the holdout comparison's choice), that this customer is still active (has not left) on the valuation date."),
       "share", "customer_value", Format(decimals=0), direction=1),
    _M("mean_p_alive", ("平均存活概率", "Mean P(alive)"),
       ("购买模型（留出期比较选出）估计的客户在估值日仍然“存活”（未流失）的概率的平均值。",
        "Average of the probability, estimated by the purchase model (the holdout comparison's choice), that a customer is still active (has not left) on the valuation date."),
       "share", "customer_value", direction=1),
    _M("expected_purchases", ("预计购买次数", "Expected purchases"),
       ("未来 {horizon} 个月预计的购买次数合计（同一天的多笔交易算一次购买）。",
        "Expected purchases over the next {horizon} {horizon:month|months} in total (several transactions on one day are one purchase)."),
       # One decimal: a customer's expectation is a fraction of a purchase (2.4), and so is a small filter's total.
       "count", "customer_value", Format(decimals=1, compact=True), direction=1,
       customer_help=("购买模型（留出期比较选出）预计该客户未来 {horizon} 个月的购买次数（同一天的多笔交易算一次购买）。",
                      "Purchases expected of this customer by the purchase model (the holdout comparison's choice) over the next {horizon} {horizon:month|months} "
                      "(several transactions on one day are one purchase).")),
    _M("backtest_mae", ("平均绝对误差", "Mean absolute error"),
       ("每位客户 |预测次数 − 实际次数| 的平均值（单位：次购买）。", "Mean over customers of |predicted − actual purchases| (in purchases)."),
       "ratio", "customer_value", Format(decimals=2), direction=-1),
    _M("backtest_aggregate_error", ("总量误差", "Aggregate error"),
       ("(预测购买总数 − 实际购买总数) ÷ 实际购买总数；正数表示高估。",
        "(Predicted − actual total purchases) ÷ actual total; positive means over-prediction."),
       "share", "customer_value", Format(decimals=1, signed=True)),
    _M("backtest_predicted", ("预测购买总数", "Predicted purchases"),
       ("模型预测的留出期购买总数。", "Purchases the model predicts over the holdout, in total."), "count", "customer_value"),
    _M("backtest_actual", ("实际购买总数", "Actual purchases"),
       ("留出期实际发生的购买总数。", "Purchases that happened in the holdout, in total."), "count", "customer_value"),
    _M("contract_customers", ("合同客户", "Contract customers"),
       ("估值日合同仍在有效期内的客户数：其未来价值按合同续约模型（移位贝塔几何分布 sBG）计算。",
        "Customers with a contract running on the valuation date: their future value comes from the renewal model "
        "(shifted-beta-geometric, sBG)."),
       "count", "customer_value", direction=1, report_key="contract_customers"),
    _M("contractual_clv", ("合同客户终身价值", "Contractual CLV"),
       ("合同客户未来续约期利润的折现值之和：每个合同期的利润 × 折现预期剩余合同期数（DERL，按所属套餐拟合的 sBG 模型），按年折现率 {rate} 折现。",
        "Discounted profit of the contract terms still to come, summed over the contract customers: margin per term × "
        "discounted expected residual lifetime (DERL, from the sBG fitted to their plan), discounted at {rate} a year."),
       "money", "customer_value", _MONEY, direction=1, report_key="contractual_clv",
       customer_help=("该客户未来续约期利润的折现值：每个合同期的利润 × 折现预期剩余合同期数（DERL）。",
                      "Discounted profit of this customer's contract terms still to come: margin per term × DERL.")),
    # ------------------------------------------------------------------------ Lifecycle
    _M("stage_counts", ("各生命周期阶段客户数", "Customers by lifecycle stage"),
       ("期末各阶段（目标、潜在、商机、新、活跃、已唤醒、沉寂、流失、尚未购买）的客户数。",
        "Customers in each stage (target, prospect, opportunity, new, active, reactivated, dormant, lost, no purchase yet) "
        "at the period's end."),
       "breakdown", "lifecycle", report_key="stage_counts"),
    _M("pipeline", ("销售漏斗", "Pipeline"),
       ("目标客户 {target} · 潜在客户 {prospect} · 商机 {opportunity}（尚未成为客户、商机未关闭）。",
        "Targets {target} · prospects {prospect} · opportunities {opportunity} (not yet customers, with an open opportunity)."),
       "count", "lifecycle", direction=1),
    _M("cohort_customers", ("同期群客户数", "Customers in cohorts"),
       ("数据开始后至 {date} 获取的客户。", "Customers acquired from the start of the data to {date}."), "count", "lifecycle"),
    _M("acquisition_cost_mean", ("平均获客成本", "Mean acquisition cost"),
       ("同期群客户的平均获客成本（缺失按 0 计）。", "Mean acquisition cost of the cohorts' customers (missing counted as 0)."),
       "money", "lifecycle", _MONEY, direction=-1),
    _M("payback_months", ("同期群回收期（中位数）", "Cohort payback (median)"),
       ("各同期群的{measure}曲线首次 ≥ 0 的月份，取各同期群的中位数；尚未回本的同期群不计入。",
        "The month each cohort's {measure} curve first reaches 0, the median over cohorts; cohorts not yet paid back are left out."),
       "months", "lifecycle", direction=-1),
    _M("unprofitable_after_year_one", ("一年后仍未回本", "Unprofitable after year one"),
       ("已满 12 个月的 {n} 位客户中，前 12 个月累计利润仍低于获客成本的比例。",
        "Of the {n} {n:customer|customers} with 12 months observed, the share whose profit over their first 12 months is still below their acquisition cost."),
       "share", "lifecycle", Format(decimals=1), direction=-1),
    # ------------------------------------------------------------------------ Customer 360 (one customer)
    _M("transactions", ("交易笔数", "Transactions"),
       ("期间内的交易行数（含退货）。", "Transaction lines in the period (returns included)."), "count", "customer", direction=1),
    _M("lifecycle_stage", ("生命周期阶段", "Lifecycle stage"),
       ("按“生命周期”页的默认规则判断。", "By the Lifecycle page's default rules."), "category", "customer"),
    _M("value_tier", ("价值分层（既成 / 潜在）", "Value tier (realized / potential)"),
       ("既成价值与潜在价值各自的高、中、低档（按全体客户三等分）。",
        "Realized and potential value, each high, mid or low (terciles of all customers)."), "category", "customer"),
)

METRICS: dict[str, Metric] = {m.key: m for m in _METRICS}
if len(METRICS) != len(_METRICS):
    raise ValueError("a metric key is defined twice in analytics/metrics.py")

_DIMENSIONS: tuple[Dimension, ...] = (  # in the sidebar's order
    Dimension("segment", ("客户细分", "Segment"), "segment", "segments", "segment"),
    Dimension("region", ("区域", "Region"), "region", "regions", "region"),
    Dimension("channel", ("渠道", "Channel"), "channel", "channels", "channel"),
    Dimension("plan", ("套餐 / 合同类型", "Plan / contract"), "plan", "plans", "plan"),
    Dimension("customer_type", ("客户类型", "Customer type"), "customer_type", "customer_types", "type"),
    Dimension("industry", ("行业", "Industry"), "industry"),
    Dimension("product", ("产品", "Product"), "product"),
)
DIMENSIONS: dict[str, Dimension] = {d.key: d for d in _DIMENSIONS}
# The customer attributes a filter restricts, in the sidebar's order.
FILTER_DIMENSIONS: tuple[Dimension, ...] = tuple(d for d in _DIMENSIONS if d.filter_field)
# The customer attributes pages group customers by (Profit concentration, Customer value), in their order there.
GROUP_DIMENSIONS: tuple[str, ...] = ("segment", "region", "channel", "customer_type", "plan", "industry")


def metric(key: str) -> Metric:
    """The :class:`Metric` registered under ``key``; ValueError naming the key when there is none."""
    try:
        return METRICS[key]
    except KeyError:
        raise ValueError(f"unknown metric {key!r} (analytics/metrics.py defines {len(METRICS)})") from None


def dimension(key: str) -> Dimension:
    """The :class:`Dimension` registered under ``key``; ValueError naming the key when there is none."""
    try:
        return DIMENSIONS[key]
    except KeyError:
        raise ValueError(f"unknown dimension {key!r}; use one of {', '.join(DIMENSIONS)}") from None


def report_keys() -> dict[str, Metric]:
    """Every ``report --json`` key and the metric it carries."""
    return {k: m for m in METRICS.values() for k in m.report_keys}
