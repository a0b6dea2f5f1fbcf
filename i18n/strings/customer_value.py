"""The Customer value page (realized, potential and influence value; CLV models; tiers) and its notes."""

_LEVEL = {"low": ("低", "Low"), "mid": ("中", "Mid"), "high": ("高", "High")}

# Tier cells: (realized level, potential level) -> (name zh, name en, strategy zh, strategy en).
_CELLS = {
    ("high", "high"): (
        "核心客户", "Core customers",
        "专属客户经理、优先服务和最好的产品；守住关系，并定期复核服务成本。",
        "Dedicated account manager, priority service and the best products; protect the relationship and review its cost to serve regularly."),
    ("high", "mid"): (
        "稳定贡献", "Steady contributors",
        "保持服务水准，按需交叉销售与升级，防止被竞争对手挖走。",
        "Keep the service level, cross-sell and upgrade where it fits, and guard against competitors."),
    ("high", "low"): (
        "需要挽回", "Win back",
        "过去贡献大、未来价值低（多为休眠或有流失风险）：主动联系了解原因，给出有针对性的挽回方案，投入不超过可挽回的价值。",
        "Valuable in the past, little ahead (often dormant or leaving): contact them to learn why and make a targeted win-back offer worth no more than what can be won back."),
    ("mid", "high"): (
        "重点培养", "Develop",
        "最大的增长机会：提高钱包份额，升级套餐，引导到更高价值的产品。",
        "The biggest growth opportunity: raise share of wallet, upgrade plans, steer towards higher-value products."),
    ("mid", "mid"): (
        "标准客户", "Standard",
        "标准产品与服务，定期关怀，用自动化触达提高效率。",
        "Standard offers and service, regular check-ins, automated contact for efficiency."),
    ("mid", "low"): (
        "低成本维系", "Maintain at low cost",
        "维持标准服务，把服务转向自助和线上渠道以降低成本，留意流失信号。",
        "Keep standard service while moving it to self-service and online channels; watch for signs of leaving."),
    ("low", "high"): (
        "潜力客户", "Rising potential",
        "新客户或正在恢复的客户，前景好：做好上手引导和首年体验，关注获客成本的回收。",
        "New or recovering customers with a strong outlook: good onboarding and first-year experience; watch acquisition payback."),
    ("low", "mid"): (
        "培育", "Nurture",
        "标准报价加数字化触达，鼓励重复购买。",
        "Standard offers and digital contact that encourage repeat purchases."),
    ("low", "low"): (
        "高效服务", "Serve efficiently",
        "以自助渠道为主；亏损客户从定价、最低订单量、服务收费等成本动因入手改善，而不是拒绝服务。",
        "Mostly self-service; improve loss-makers through their cost drivers (pricing, minimum orders, service fees), not by refusing service."),
}

STRINGS: dict[str, tuple[str, str]] = {
    "nav.customer_value": ("客户价值", "Customer value"),
    "cv.title": ("客户价值：既成、潜在与影响价值", "Customer value: realized, potential and influence"),
    "cv.caption": ("估值日 {date} · 未来 {horizon} 个月 · 年折现率 {rate} · {filters}",
                   "Valued on {date} · next {horizon} {horizon:month|months} · discount rate {rate} a year · {filters}"),
    "cv.caption_history": ("既成价值从数据起点累计到估值日（期间的开始日不影响本页）。",
                           "Realized value runs from the start of the data to the valuation date (the period's start does not change this page)."),
    # Controls
    "cv.controls": ("假设与分层", "Assumptions and tiers"),
    "cv.horizon": ("预测期（月）", "Horizon (months)"),
    "cv.horizon.help": ("潜在价值计算未来多少个月的利润。", "How many months of future profit potential value counts."),
    "cv.discount": ("年折现率（%）", "Annual discount rate (%)"),
    "cv.discount.help": ("未来利润按月折现：第 k 个月的利润除以 (1 + 年折现率)^(k/12)。",
                         "Future profit is discounted monthly: month k's profit is divided by (1 + annual rate)^(k/12)."),
    "cv.cuts": ("分层切分点（百分位）", "Tier cut points (percentiles)"),
    "cv.cuts.help": ("既成价值和潜在价值各按这两个百分位切成低、中、高三档（低 ≤ 第一个切分点 < 中 ≤ 第二个切分点 < 高）；默认三等分。",
                     "Realized and potential value are each cut at these two percentiles into low, mid and high (low ≤ first cut < mid ≤ second cut < high); terciles by default."),
    "cv.second_level": ("二级推荐权重", "Second-level referral weight"),
    "cv.second_level.help": ("影响价值 = 直接推荐的客户的利润 + 权重 × 这些客户再推荐的客户的利润；0 表示只计直接推荐。",
                             "Influence value = profit of directly referred customers + weight × profit of the customers they referred; 0 counts direct referrals only."),
    "cv.group_by": ("分组依据", "Group by"),
    # Notes about fallbacks
    "cv.note.bgnbd_pooled_few": ("当前筛选只有 {n} 位客户（{repeat} 位有重复购买），不足以单独拟合购买模型（BG/NBD）；已改用全部客户拟合的参数。",
                                 "These filters hold only {n} {n:customer|customers} ({repeat} with a repeat purchase), too few to fit the purchase model (BG/NBD) on their own; parameters fitted on all customers are used."),
    "cv.note.bgnbd_pooled_failed": ("当前筛选（{n} 位客户，{repeat} 位有重复购买）的购买模型（BG/NBD）拟合没有找到正常的最优解；已改用全部客户拟合的参数。",
                                    "The purchase model (BG/NBD) found no proper fit for these filters ({n} {n:customer|customers}, {repeat} with a repeat purchase); parameters fitted on all customers are used."),
    "cv.note.bgnbd_average_few": ("客户太少（{n} 位，{repeat} 位有重复购买），购买模型无法拟合：预计购买次数改用每位客户迄今的平均购买频率，且不考虑流失——结果偏乐观，也无法给出存活概率。",
                                  "Too few customers ({n}, {repeat} with a repeat purchase) to fit the purchase model: expected purchases use each customer's average purchase rate so far, with no drop-out — an optimistic estimate, and no P(alive)."),
    "cv.note.bgnbd_average_failed": ("购买模型（BG/NBD）拟合失败（{n} 位客户，{repeat} 位有重复购买）：预计购买次数改用每位客户迄今的平均购买频率，且不考虑流失——结果偏乐观，也无法给出存活概率。",
                                     "The purchase model (BG/NBD) could not be fitted ({n} {n:customer|customers}, {repeat} with a repeat purchase): expected purchases use each customer's average purchase rate so far, with no drop-out — an optimistic estimate, and no P(alive)."),
    "cv.note.realized_only": ("{n} 位客户中没有人重复购买过，无法估计未来购买：潜在价值记为 0，分层只依据既成价值。",
                              "None of the {n} {n:customer|customers} has bought twice, so future purchases cannot be estimated: potential value is 0 and tiers rest on realized value."),
    "cv.note.gg_pooled_few": ("有重复购买且消费为正的客户只有 {n} 位，不足以拟合消费模型（Gamma-Gamma）；已改用全部客户拟合的参数。",
                              "Only {n} {n:customer has|customers have} a repeat purchase with positive spend, too few to fit the spend model (Gamma-Gamma); parameters fitted on all customers are used."),
    "cv.note.gg_pooled_failed": ("消费模型（Gamma-Gamma）在当前筛选（{n} 位客户）上没有找到正常的最优解；已改用全部客户拟合的参数。",
                                 "The spend model (Gamma-Gamma) found no proper fit for these filters ({n} {n:customer|customers}); parameters fitted on all customers are used."),
    "cv.note.gg_average_few": ("有重复购买且消费为正的客户只有 {n} 位，消费模型无法拟合：每次购买的预计消费改用客户迄今的平均消费。",
                               "Only {n} {n:customer has|customers have} a repeat purchase with positive spend, too few for the spend model: expected spend per purchase is each customer's average so far."),
    "cv.note.gg_average_failed": ("消费模型（Gamma-Gamma）拟合失败（{n} 位客户）：每次购买的预计消费改用客户迄今的平均消费。",
                                  "The spend model (Gamma-Gamma) could not be fitted ({n} {n:customer|customers}): expected spend per purchase is each customer's average so far."),
    "cv.note.gg_heavy_tail": ("客户之间单次消费差异极大：少数客户的单次消费远高于其他人，全体客户没有可靠的“平均单次消费”。有重复购买的客户照常预测，没有重复购买的客户改用其首单消费额。按细分筛选后预测更可靠。",
                              "Spend per purchase differs enormously between customers: a few spend far more than everyone else, so there is no reliable average spend for the customer base as a whole. Customers with a repeat purchase are predicted as usual; those without one use their first purchase's spend. Predictions are more reliable within one segment."),
    "cv.note.gg_heavy_tail.detail": ("消费模型 Gamma-Gamma 的参数 q = {q} ≤ 1：此时模型中单次消费分布的均值不存在（尾部过重），因此没有重复购买的客户不能用总体均值预测，改用其首单消费额。",
                                     "The spend model's Gamma-Gamma parameter q = {q} ≤ 1: the modelled distribution of spend per purchase then has no mean (its tail is too heavy), so customers without a repeat purchase cannot be predicted from the population's mean and use their first purchase's spend."),
    "cv.note.gg_corr": ("购买越频繁的客户单次消费也越高（相关系数 {corr}），而消费模型假设二者无关，消费预测可能有偏差。",
                        "Customers who buy more often also spend more per purchase (correlation {corr}); the spend model assumes they do not, so spend predictions may be off."),
    "cv.note.model_unfitted": ("所选购买模型（{model}）在这些客户上无法拟合，改用 BG/NBD。",
                               "The chosen purchase model ({model}) cannot be fitted on these customers; BG/NBD is used instead."),
    # Ranges (analytics.clv.intervals)
    "cv.range.aggregate": ("潜在价值合计 {value}，{level} 区间 {lower}–{upper}；预计购买 {ep} 次，{level} 区间 {ep_lower}–{ep_upper}。区间反映模型参数估计的不确定性。",
                           "Potential value {value}, {level} range {lower}–{upper}; expected purchases {ep}, {level} range {ep_lower}–{ep_upper}. The ranges show how uncertain the models' fitted parameters are."),
    "cv.range.none": ("没有拟合出的购买模型（BG/NBD）及其参数协方差，无法给出潜在价值的区间。",
                      "No range: there is no fitted purchase model (BG/NBD) with a covariance of its parameters to vary."),
    # Composition
    "cv.section.composition": ("价值构成", "Value composition"),
    "cv.chart.composition": ("按{group}的既成、潜在与影响价值", "Realized, potential and influence value by {group}"),
    "cv.composition.note": ("影响价值同时计入被推荐客户自己的既成价值，合计时不应与其他两项相加。",
                            "Influence value is also part of the referred customers' own value: do not add it to the other two when totalling."),
    "cv.axis.value": ("价值", "Value"),
    "cv.hover.part": ("{group}的{part}：{value}", "{group} · {part}: {value}"),
    # Tiers
    "cv.section.tiers": ("价值分层与策略", "Value tiers and strategy"),
    "cv.tiers.intro": ("行是既成价值，列是潜在价值，各分三档。切分点：既成价值 {r1} 与 {r2}，潜在价值 {p1} 与 {p2}（第 {c1} 与第 {c2} 百分位）。点击“查看客户”列出该格的客户。",
                       "Rows are realized value, columns potential value, three levels each. Cut points: realized {r1} and {r2}, potential {p1} and {p2} (percentiles {c1} and {c2}). Click “List customers” to see a cell's customers."),
    "cv.tiers.principles": ("分层原则：价值看利润而不是销售额——高销售额不等于高价值；差异化是把有限的资源配给价值，不是不公平对待，每位客户都应得到公平、合格的标准服务；三乘三已足够行动，分得更细不一定更好。",
                            "Principles: value means profit, not sales — high sales are not high value; differentiation matches limited resources to value and is not unequal treatment, every customer gets fair, proper standard service; a 3 × 3 grid is enough to act on, finer segments are not better by themselves."),
    "cv.value_share.help": ("价值占比 = 该格客户的既成价值 + 潜在价值 ÷ 全部客户的既成价值 + 潜在价值。亏损的格子占比为负，所以盈利格子的合计可以超过 100%。",
                            "Value share = the cell's realized + potential value ÷ that of all customers. Loss-making cells have negative shares, so the profitable cells can add up to more than 100 %."),
    "cv.share_undefined": ("这些客户的既成价值与潜在价值合计为零或负数，价值占比无意义，显示为“—”。",
                           "These customers' realized plus potential value is zero or negative, so value shares are undefined (shown as “—”)."),
    "cv.axis.realized_level": ("既成价值：{level}", "Realized: {level}"),
    "cv.axis.potential_level": ("潜在价值：{level}", "Potential: {level}"),
    "cv.cell.stats": ("{n} 位客户 · 净价值占比 {share}", "{n} {n:customer|customers} · {share} of net value"),
    "cv.tiers.spans": ("{n} 位客户的潜在价值 {level} 区间跨越了潜在价值的分层切点（{p1} 或 {p2}）：他们属于哪一档并不确定，表中“跨层”一栏已标出。",
                       "{n} {n:customer has a|customers have a} {level} potential-value range that crosses a potential-value tier cut ({p1} or {p2}): which tier they belong to is not certain; the “Spans tiers” column marks them."),
    "cv.cell.spans": ("其中 {n} 位的区间跨层", "{n} with a range across a cut"),
    "cv.cell.button": ("查看客户", "List customers"),
    "cv.cell.selected": ("{cell}（既成{r} · 潜在{p}）：{n} 位客户", "{cell} (realized {r} · potential {p}): {n} {n:customer|customers}"),
    "cv.cell.empty": ("这一格没有客户。", "No customers in this cell."),
    "cv.cell.pick": ("点击上方格子里的“查看客户”，在这里列出该格的客户。", "Click “List customers” in a cell above to list its customers here."),
    "cv.cell.more": ("按总价值列出前 {shown} 位（共 {n} 位）；下载文件包含全部客户。",
                     "The top {shown} by total value (of {n}); the downloads hold them all."),
    # Table columns
    "cv.col.expected_spend": ("预计单次消费", "Expected spend / purchase"),
    "cv.col.profit_per_purchase": ("预计单次利润", "Expected profit / purchase"),
    "cv.col.frequency": ("重复购买次数", "Repeat purchases"),
    "cv.col.last_purchase": ("最近购买", "Last purchase"),
    "cv.col.tier": ("分层", "Tier"),
    "cv.col.spans_tiers": ("跨层", "Spans tiers"),
    "cv.col.referrals": ("推荐客户数", "Referrals"),
    "cv.col.margin_rate": ("毛利率", "Gross-margin rate"),
    "cv.col.cts_rate": ("服务成本率", "Cost-to-serve rate"),
    # Distributions
    "cv.section.distributions": ("存活概率与潜在价值的分布", "Distributions of P(alive) and potential value"),
    "cv.chart.palive": ("存活概率分布", "P(alive)"),
    "cv.axis.palive": ("存活概率 P(alive)", "P(alive)"),
    "cv.axis.customers": ("客户数", "Customers"),
    "cv.chart.clv": ("潜在价值（客户终身价值）分布", "Potential value (CLV)"),
    "cv.axis.clv": ("潜在价值", "Potential value"),
    "cv.axis.clv_log": ("潜在价值（对数刻度，正负两侧）", "Potential value (log scale, both signs)"),
    "cv.clv.log_note": ("潜在价值从大额亏损到数百万不等，横轴用对数刻度，小客户和大客户都看得清；红色为预计亏损的客户，灰色为约等于零（基本已流失）。",
                        "Potential values run from large losses to millions, so the axis is logarithmic and small and large customers both show; red bands are customers expected to lose money, grey about zero (mostly gone)."),
    "cv.palive.none": ("没有 BG/NBD 模型，无法给出存活概率。", "Without a BG/NBD model there is no P(alive)."),
    "cv.hover.bin": ("{lo} 至 {hi}：{n} 位客户", "{lo} to {hi}: {n} {n:customer|customers}"),
    # Backtest
    # Which model (analytics.clv.comparison, analytics.clv.tracking)
    "cv.section.models": ("哪个购买模型：比较与拟合诊断", "Which purchase model: comparison and fit diagnostics"),
    "cv.compare.intro": ("三个模型都用 {cal} 及以前的购买拟合，再预测 {start} 至 {end} 每位客户的购买次数。对数似然越大、BIC 越小，说明对校准期的拟合越好；留出期误差说明预测得准不准，选择以它为准。",
                         "All three models are fitted on purchases up to {cal} and predict each customer's purchases from {start} to {end}. A higher log-likelihood and a lower BIC mean a closer fit to the calibration data; the holdout errors say how good the forecast is, and decide the choice."),
    "cv.compare.chosen": ("**{model}** 对留出期预测最准：预测 {pred} 次购买，实际 {actual} 次（{err}）；次优的 {runner} 偏差 {err2}。",
                          "**{model}** forecasts the holdout best: {pred} {pred:purchase|purchases} predicted against {actual} actual ({err}); the next best, {runner}, was off by {err2}."),
    "cv.compare.chosen_alone": ("只有 **{model}** 能拟合：预测 {pred} 次购买，实际 {actual} 次（{err}）。",
                                "Only **{model}** could be fitted: {pred} {pred:purchase|purchases} predicted against {actual} actual ({err})."),
    "cv.compare.none": ("没有一个购买模型能在校准期数据上拟合，无法比较。", "No purchase model could be fitted on the calibration data: nothing to compare."),
    "cv.compare.chosen_tag": ("所选", "chosen"),
    "cv.compare.unfitted": ("无法拟合", "not fitted"),
    "cv.compare.unfitted_why": ("{models}：在这些数据上似然没有内部最大值（例如各客户的流失率几乎相同），无法拟合。",
                                "{models}: the likelihood has no interior maximum on these data (e.g. drop-out rates barely differ between customers), so it cannot be fitted."),
    "cv.compare.chosen_tie": ("**{model}** 与 {runner} 对留出期总量的偏差几乎相同（{err} 与 {err2}，相差不到 {tie}）；逐个客户看 **{model}** 更准（平均绝对误差 {mae} 对 {mae2}），因此选它。",
                              "**{model}** and {runner} miss the holdout total by about the same ({err} and {err2}, within {tie}); customer by customer **{model}** is closer (mean absolute error {mae} against {mae2}), so it is chosen."),
    "cv.compare.col.model": ("模型", "Model"),
    "cv.compare.col.n_params": ("参数个数", "Parameters"),
    "cv.compare.col.log_likelihood": ("对数似然", "Log-likelihood"),
    "cv.compare.col.bic": ("BIC", "BIC"),
    "cv.compare.col.predicted": ("留出期预测购买", "Holdout predicted"),
    "cv.compare.col.actual": ("留出期实际购买", "Holdout actual"),
    "cv.compare.col.aggregate_error": ("总量误差", "Aggregate error"),
    "cv.compare.col.mae": ("每客户平均绝对误差", "Mean absolute error per customer"),
    "cv.compare.col.note": ("说明", "Note"),
    "cv.model.name.bgnbd": ("BG/NBD", "BG/NBD"),
    "cv.model.name.pareto_nbd": ("Pareto/NBD 模型", "Pareto/NBD"),
    "cv.model.name.mbg_nbd": ("MBG/NBD", "MBG/NBD"),
    "cv.model.select": ("本页客户价值使用的购买模型", "Purchase model behind this page's values"),
    "cv.model.select.help": ("预计购买次数与 P(alive) 来自这里选的模型；“按留出期选择”即上表选出的模型。BG/NBD 为默认，与生命周期、客户 360 和价值区间一致。",
                             "Expected purchases and P(alive) come from the model chosen here; \"chosen by the holdout\" is the one the table picks. BG/NBD is the default, as on Lifecycle, Customer 360 and in the value ranges."),
    "cv.model.option.auto": ("按留出期选择（{model}）", "Chosen by the holdout ({model})"),
    "cv.model.using": ("本页价值使用 {model}。", "Values on this page use {model}."),
    "cv.model.using_other": ("本页价值使用 {model}：价值区间、生命周期阶段与客户 360 都基于它；留出期检验更支持 {chosen}，可在上方改选。",
                             "Values on this page use {model}, the model behind the value ranges, the lifecycle stages "
                             "and Customer 360; the holdout favours {chosen}, which you can choose above."),
    "cv.chart.tracking": ("每周重复购买：实际与各模型的预期", "Weekly repeat purchases: actual and each model's expectation"),
    "cv.chart.tracking_cum": ("累计重复购买：实际与各模型的预期", "Cumulative repeat purchases: actual and each model's expectation"),
    "cv.tracking.caption": ("客户群为 {cal} 及以前首次购买的 {n} 位客户；虚线左侧是模型拟合所用的校准期，右侧是预测。",
                            "The cohort is the {n} {n:customer|customers} who first bought on or before {cal}; left of the dashed line is the calibration period the models were fitted on, right of it the forecast."),
    "cv.tracking.boundary": ("校准期结束", "calibration end"),
    "cv.hover.tracking": ("截至第 {week} 周 · {series}：{value}", "Week {week} · {series}: {value}"),
    "cv.axis.week_end": ("周末日期", "Week ending"),
    "cv.axis.repeat_purchases": ("每周重复购买次数", "Repeat purchases a week"),
    "cv.axis.repeat_purchases_cumulative": ("累计重复购买次数", "Cumulative repeat purchases"),
    "cv.axis.recency": ("最近一次购买距首次购买（{unit}）", "Last purchase after the first ({unit})"),
    "cv.chart.conditional": ("留出期平均购买次数：实际与各模型（按校准期重复购买次数分组）",
                             "Mean holdout purchases by calibration repeat purchases: actual and each model"),
    "cv.chart.palive_matrix": ("P(alive)：重复购买次数 × 最近购买（{model}，客户龄 {T} {unit}）",
                               "P(alive) by repeat purchases and recency ({model}, at an age of {T} {unit})"),
    "cv.hover.palive_matrix": ("{x} 次重复购买，最近一次在首购后 {recency} {unit}：P(alive) {p}",
                               "{x} repeat purchases, the last {recency} {unit} after the first: P(alive) {p}"),
    "cv.section.backtest": ("模型回测：预测准不准", "Backtest: how good are the predictions"),
    "cv.backtest.intro": ("用 {cal} 及以前的购买拟合模型，预测每位客户在 {start} 至 {end}（{length} {unit}）的购买次数，再与实际比较。共 {n} 位客户。",
                          "The model is fitted on purchases up to {cal}, then predicts each customer's purchases from {start} to {end} ({length} {unit}) and is compared with what happened. {n} {n:customer|customers}."),
    "cv.backtest.rmse": ("均方根误差 {rmse} 次", "Root mean squared error {rmse} purchases"),
    "cv.chart.backtest": ("留出期平均购买次数：预测与实际（按校准期重复购买次数分组）",
                          "Holdout purchases per customer, predicted vs actual, by repeat purchases in calibration"),
    "cv.axis.calibration_freq": ("校准期重复购买次数", "Repeat purchases in the calibration period"),
    "cv.axis.holdout_purchases": ("留出期平均购买次数", "Mean purchases in the holdout"),
    "cv.series.predicted": ("预测", "Predicted"),
    "cv.series.actual": ("实际", "Actual"),
    "cv.hover.backtest": ("{bucket} 次 · {series}：{value}（{n} 位客户）", "{bucket} · {series}: {value} ({n} {n:customer|customers})"),
    "cv.backtest.failed": ("回测无法进行：校准期的数据不足以拟合模型。", "No backtest: the calibration data are too few to fit the model."),
    "cv.backtest.pooled": ("当前筛选客户太少，回测使用全部客户在同一校准日拟合的参数。",
                           "These filters hold too few customers: the backtest uses parameters fitted on all customers at the same calibration date."),
    "cv.backtest.error": ("回测无法进行：{error}", "No backtest: {error}"),
    # Model parameters and definitions
    "cv.section.model": ("计算方法：模型参数与定义", "How this was computed: model parameters and definitions"),
    "cv.model.bgnbd": ("BG/NBD（购买次数与存活）：r = {r}，α = {alpha}（单位：{unit}），a = {a}，b = {b}；对数似然 {ll}；{n} 位客户，{repeat} 位有重复购买。",
                       "BG/NBD (purchases and P(alive)): r = {r}, α = {alpha} (in {unit}), a = {a}, b = {b}; log-likelihood {ll}; {n} {n:customer|customers}, {repeat} with a repeat purchase."),
    "cv.model.gg": ("Gamma-Gamma（单次消费）：p = {p}，q = {q}，γ = {gamma}；对数似然 {ll}；{n} 位有重复购买且消费为正的客户。",
                    "Gamma-Gamma (spend per purchase): p = {p}, q = {q}, γ = {gamma}; log-likelihood {ll}; {n} {n:customer|customers} with a repeat purchase and positive spend."),
    "cv.model.none": ("没有拟合模型。", "No model was fitted."),
    "cv.model.pooled": ("（参数由全部客户拟合）", "(parameters fitted on all customers)"),
    "cv.method.purchases": ("购买预测方法：{method}", "Purchase prediction: {method}"),
    "cv.method.spend": ("消费预测方法：{method}", "Spend prediction: {method}"),
    "cv.method.bgnbd": ("BG/NBD（按当前筛选拟合）", "BG/NBD fitted on these filters"),
    "cv.method.pooled": ("BG/NBD（全部客户的参数）", "BG/NBD with all customers' parameters"),
    "cv.method.average": ("客户迄今的平均水平（不考虑流失）", "each customer's average so far (no drop-out)"),
    "cv.method.none": ("无（只计既成价值）", "none (realized value only)"),
    "cv.method.gamma_gamma": ("Gamma-Gamma（按当前筛选拟合）", "Gamma-Gamma fitted on these filters"),
    "cv.method.gg_pooled": ("Gamma-Gamma（全部客户的参数）", "Gamma-Gamma with all customers' parameters"),
    "cv.unit.days": ("天", "days"),
    "cv.unit.weeks": ("周", "weeks"),
    "cv.unit.months": ("月", "months"),
    "cv.definitions": (
        "- **购买**：同一天的交易（收入 ≥ 0）算一次购买；退货（负收入）不算购买，也不计入消费。\n"
        "- **既成价值** = 数据起点至估值日的利润 = 收入 − 销售成本 − 服务成本（作业成本法）。\n"
        "- **潜在价值** = Σ 第 k 个月的预计购买次数 × 预计单次消费 × (毛利率 − 服务成本率) ÷ (1 + 年折现率)^(k/12)，k = 1…预测期。"
        "预计购买次数与存活概率来自 BG/NBD（Fader、Hardie 与 Lee，2005）；预计单次消费来自 Gamma-Gamma，它只接受正的消费额，"
        "所以先预测毛消费，再分别乘以客户自己历史上的毛利率（(收入 − 销售成本) ÷ 收入）并扣除服务成本率（服务成本 ÷ 收入）。"
        "亏损客户的潜在价值为负：高销售额不等于高价值。\n"
        "- **影响价值** = 该客户直接推荐的客户迄今创造的利润（可按权重加上二级推荐）；它同时计入被推荐客户自己的价值。\n"
        "- **最大似然估计** 用 scipy 完成；数据太少或拟合失败时依次退回：全部客户的参数 → 客户迄今的平均水平 → 只计既成价值，并在页面上说明。\n"
        "- **回测**：用校准日及以前的数据拟合，预测留出期每位客户的购买次数，与实际比较。",
        "- **Purchase**: transactions (revenue ≥ 0) on one day are one purchase; returns (negative revenue) are neither purchases nor spend.\n"
        "- **Realized value** = profit from the start of the data to the valuation date = revenue − cost of goods − cost to serve (activity-based).\n"
        "- **Potential value** = Σ expected purchases in month k × expected spend per purchase × (gross-margin rate − cost-to-serve rate) ÷ (1 + annual discount rate)^(k/12), k = 1 … horizon. "
        "Expected purchases and P(alive) come from BG/NBD (Fader, Hardie & Lee 2005); expected spend from Gamma-Gamma, which only accepts positive spend, "
        "so gross spend is predicted first, then multiplied by the customer's own historical gross-margin rate ((revenue − cost of goods) ÷ revenue) less the cost-to-serve rate (cost to serve ÷ revenue). "
        "A loss-making customer has a negative potential value: high sales are not high value.\n"
        "- **Influence value** = profit to date of the customers this customer referred directly (plus second-level referrals at a weight); it is also part of the referred customers' own value.\n"
        "- **Maximum likelihood** with scipy; with too few data or a failed fit the page falls back, and says so: all customers' parameters → each customer's average so far → realized value only.\n"
        "- **Backtest**: fit on data up to the calibration date, predict each customer's purchases in the holdout, compare with what happened."),
    "cv.download_name": ("客户价值", "customer_value"),
    "cv.no_customers": ("当前筛选下没有客户。请放宽筛选条件。", "No customers match these filters. Widen the filters."),
}

for _lvl, (_zh, _en) in _LEVEL.items():
    STRINGS[f"cv.level.{_lvl}"] = (_zh, _en)
for (_r, _p), (_nzh, _nen, _szh, _sen) in _CELLS.items():
    STRINGS[f"cv.cell.{_r}.{_p}"] = (_nzh, _nen)
    STRINGS[f"cv.strategy.{_r}.{_p}"] = (_szh, _sen)
