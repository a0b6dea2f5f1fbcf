"""Contracts (issue 17): the ``contracts`` table on the Data page and the contract customers'
section of the Customer value page. In a module of their own so that they change apart from the
pages' other strings."""

STRINGS: dict[str, tuple[str, str]] = {
    # ---- the table on the Data page (upload, templates, forms)
    "data.table.contracts": ("合同（续约与取消）", "Contracts (renewals and cancellations)"),
    "data.col.contract_id": ("合同编号", "Contract ID"),
    "data.col.start_date": ("开始日期", "Start date"),
    "data.col.end_date": ("结束日期（到期或终止）", "End date (term end or cancellation)"),
    "data.col.status": ("状态", "Status"),
    # ---- Customer value page: the contract customers' section
    "cv.section.contracts": ("合同客户：续约与合同价值", "Contract customers: renewal and contract value"),
    "cv.contracts.none": ("数据中没有合同。在“数据”页上传合同表（每个合同期一行：客户、套餐、开始与结束日期、状态），即可看到续约曲线和合同客户终身价值。",
                          "There are no contracts in the data. Load a contracts table on the Data page (one row per "
                          "contract term: customer, plan, start and end dates, status) to see renewal curves and "
                          "contractual CLV."),
    "cv.contracts.intro": ("签约客户在每个合同期结束时续约或取消。这里按套餐用移位贝塔几何模型（sBG，Fader & Hardie 2007）拟合续约：每位客户每期有自己的取消概率，客户之间的差异服从贝塔分布。估值日 {date}。",
                           "Contract customers renew or cancel at the end of each term. Renewal is fitted per plan with "
                           "the shifted-beta-geometric model (sBG, Fader & Hardie 2007): each customer has their own "
                           "chance of cancelling per term, and those chances vary across customers as a beta "
                           "distribution. Valued at {date}."),
    "cv.contracts.chart": ("仍在约客户占比：实际、sBG 拟合与预测", "Share of customers still under contract: actual, sBG fitted and projected"),
    "cv.contracts.chart.cohort": ("{year} 年签约客户仍在约的占比：实际、该年份单独拟合的 sBG 与预测",
                                  "Share of the customers who signed in {year} still under contract: actual, the sBG fitted "
                                  "to that year alone, and projected"),
    "cv.contracts.cohort_pick": ("签约年份", "Start year"),
    "cv.contracts.cohort_pick.help": ("全部年份：每个套餐的全部客户一起拟合；选择一个年份：只看该年首次签约的客户及其单独拟合的 sBG。",
                                      "All years: each plan's customers fitted together; one year: only the customers whose "
                                      "first contract began that year, with the sBG fitted to them alone."),
    "cv.contracts.cohort_all": ("全部年份", "All years"),
    "cv.contracts.series.actual": ("{plan}：实际", "{plan}: actual"),
    "cv.contracts.series.fitted": ("{plan}：sBG 拟合", "{plan}: sBG fitted"),
    "cv.contracts.series.projected": ("{plan}：sBG 预测", "{plan}: sBG projected"),
    "cv.contracts.hover.actual": ("{plan}：首份合同起 {months} 个月（第 {renewals} 次续约）后仍在约 {share}（{n} 位客户已到该次续约）",
                                  "{plan}: {share} still under contract {months} {months:month|months} after the first "
                                  "contract (renewal {renewals}; {n} {n:customer had|customers had} reached it)"),
    "cv.contracts.hover.fitted": ("{plan}：首份合同起 {months} 个月（第 {renewals} 次续约）后仍在约 {share}（{series}）",
                                  "{plan}: {share} still under contract {months} {months:month|months} after the first "
                                  "contract (renewal {renewals}; {series})"),
    "cv.contracts.axis.months": ("距首份合同开始的月数", "Months since the first contract began"),
    "cv.contracts.axis.share": ("仍在约的比例", "Share still under contract"),
    "cv.contracts.plain": ("**{plan}**（每期 {term} 个月，{n} 位客户）：sBG 估计首次续约率 {r1}，第 {k} 次续约时升至 {rk}——容易取消的客户先离开，留下的更忠诚。签约 {years} 年后仍在约约 {s5}。各客户每期取消概率服从 Beta(α = {alpha} ± {alpha_se}, β = {beta} ± {beta_se})，平均 {churn}。在约客户平均还有 {derl} 个合同期（折现后），合计价值 {clv}。",
                           "**{plan}** ({term}-month terms, {n} {n:customer|customers}): the sBG puts the first renewal "
                           "at {r1}, rising to {rk} by renewal {k}, because the customers likely to cancel leave first. "
                           "{years} {years:year|years} after signing, about {s5} are still under contract. The chance of "
                           "cancelling per term varies across customers as Beta(α = {alpha} ± {alpha_se}, β = {beta} ± "
                           "{beta_se}), {churn} on average. A customer under contract now has {derl} more terms to come "
                           "on average (discounted), worth {clv} in all."),
    "cv.contracts.plain.homogeneous": ("**{plan}**（每期 {term} 个月，{n} 位客户）：数据中看不出客户之间的差异，每位客户每期以相同的 {churn} 概率取消（几何模型，sBG 的极限），续约率保持 {r1}。签约 {years} 年后仍在约约 {s5}。在约客户平均还有 {derl} 个合同期（折现后），合计价值 {clv}。",
                                       "**{plan}** ({term}-month terms, {n} {n:customer|customers}): the data show no "
                                       "difference between customers: each cancels with the same chance, {churn} per term "
                                       "(the geometric model, the sBG's limit), so renewal stays at {r1}. {years} "
                                       "{years:year|years} after signing, about {s5} are still under contract. A customer "
                                       "under contract now has {derl} more terms to come on average (discounted), worth "
                                       "{clv} in all."),
    "cv.contracts.plain.nofit": ("**{plan}**（{n} 位客户，{cancelled} 位已取消）：数据太少，无法拟合 sBG，没有合同价值。",
                                 "**{plan}** ({n} {n:customer|customers}, {cancelled} cancelled): too few to fit the sBG; "
                                 "no contract value."),
    "cv.contracts.no_discount": ("年折现率为 0 时合同价值无法计算（不折现时，未来多年的续约都按全额计入，合计没有上限），请设置大于 0 的折现率。",
                                 "With a 0 % discount rate contract value cannot be computed (renewals far in the future "
                                 "would count in full, with no limit to the sum): set a rate above zero."),
    "cv.contracts.col.plan": ("套餐", "Plan"),
    "cv.contracts.col.term": ("每期月数", "Term (months)"),
    "cv.contracts.col.customers": ("客户", "Customers"),
    "cv.contracts.col.active": ("在约", "Under contract"),
    "cv.contracts.col.cancelled": ("已取消", "Cancelled"),
    "cv.contracts.col.alpha": ("α", "α"),
    "cv.contracts.col.beta": ("β", "β"),
    "cv.contracts.col.log_likelihood": ("对数似然", "Log-likelihood"),
    "cv.contracts.col.first_renewal": ("首次续约率（sBG）", "First renewal (sBG)"),
    "cv.contracts.col.first_renewal_actual": ("首次续约率（实际）", "First renewal (actual)"),
    "cv.contracts.col.mean_derl": ("平均剩余合同期（折现）", "Mean terms to come (discounted)"),
    "cv.contracts.col.contract_clv": ("合同客户终身价值", "Contractual CLV"),
    "cv.contracts.col.cohort": ("签约年份", "Start year"),
    "cv.contracts.col.fit": ("拟合", "Fit"),
    "cv.contracts.fit.ok": ("sBG", "sBG"),
    "cv.contracts.fit.homogeneous": ("无差异（几何）", "no difference (geometric)"),
    "cv.contracts.fit.few": ("数据太少", "too few"),
    "cv.contracts.fit.failed": ("无法拟合", "no fit"),
    "cv.contracts.cohorts": ("按签约年份拟合的 sBG", "The sBG per start year"),
    "cv.contracts.cohorts.note": ("每个签约年份的客户单独拟合；年份越近，观察到的续约次数越少，估计越不稳定。",
                                  "Each start year's customers fitted on their own; the later the year, the fewer renewals "
                                  "observed and the less certain the fit."),
    "cv.contracts.coverage": ("覆盖范围：合同价值只计算估值日合同仍在有效期内的 {n} 位客户，他们的续约可以观察到；上方的 BG/NBD 与 Gamma-Gamma 按购买记录为全部客户（包括这些客户）估计潜在价值，适用于没有合同的客户（预付费、一次性购买）。对合同客户，以合同价值为准。",
                               "Coverage: contract value is computed for the {n} {n:customer|customers} with a contract "
                               "running at the valuation date, whose renewals are observed; the BG/NBD and Gamma-Gamma "
                               "above estimate potential value from purchases for every customer, these included, and "
                               "are the model for customers without a contract (prepaid, one-off buyers). For contract "
                               "customers, use the contract value."),
}

# The contract statuses as the app shows them (ingest also accepts these spellings).
VALUES: dict[str, dict[str, tuple[str, str]]] = {
    "status": {"active": ("生效中", "Active"), "renewed": ("已续约", "Renewed"), "cancelled": ("已取消", "Cancelled")},
}
