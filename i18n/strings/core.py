"""The frame: app title, navigation, sidebar filters, shared words and messages."""

STRINGS: dict[str, tuple[str, str]] = {
    "app.title": ("客户价值管理", "Customer Value Management"),
    "app.tagline": ("哪些客户创造利润，哪些客户消耗利润", "Which customers create profit and which destroy it"),
    "common.uploader.button": ("上传", "Upload"),
    "common.uploader.limit": ("单个文件不超过 {size} · {types}", "{size} per file • {types}"),
    "app.creating_demo": ("首次启动：正在生成演示数据库……", "First start: creating the demo database…"),
    "app.demo_step": ("正在生成：{step}", "Generating: {step}"),
    "app.demo_done": ("演示数据已生成：{customers} 位客户，{transactions} 笔交易", "Demo data created: {customers} {customers:customer|customers}, {transactions} {transactions:transaction|transactions}"),
    "app.db_error": ("无法打开数据库：{error}", "Cannot open the database: {error}"),
    "app.db_in_use": ("数据库 {path} 正被另一个进程占用（另一个运行中的本应用，或正在写入它的命令）。同一时间只能有一个进程打开它："
                      "请停止另一个进程，或将 CVM_DB 设为另一个文件，然后刷新本页。",
                      "The store {path} is held by another process (another copy of this app, or a command writing to "
                      "it). Only one process can open it at a time: stop the other one, or set CVM_DB to another file, "
                      "then reload this page."),
    "app.no_data": ("数据库中还没有交易数据。请在“数据”页面上传文件，或运行 `python -m analytics demo` 生成演示数据。",
                    "The database has no transactions yet. Upload files on the Data page, or run `python -m analytics demo` for demo data."),
    "app.data_as_of": ("数据截至 {date}", "Data as of {date}"),
    # Issue 19: a month the data reach only in part, when the user chose a period that includes it
    "app.partial_note": ("所选期间包含不完整的月份：{month}的数据只到 {date}。该月的数字、图表中的该月，以及与上一期间的比较，"
                         "都只涵盖已有的天数，并非整月。",
                         "The period includes a partial month: {month} has data only through {date}. That month's "
                         "figures, its place on the charts and every comparison with the previous period cover only "
                         "those days, not the whole month."),
    "chart.partial_month": ("不完整月份（截至 {date}）", "partial month (through {date})"),
    "chart.partial_month_plain": ("不完整月份", "partial month"),
    "sidebar.partial_option": ("{month}（不完整）", "{month} (partial)"),
    "sidebar.partial_left_out": ("{month}尚不完整（数据截至 {date}），默认期间不含该月；在上方期间中选到该月即可纳入，届时各页会标明它不完整。",
                                 "{month} is not complete yet (data through {date}), so the default period leaves it "
                                 "out; choose it in the period above to include it, and every page then marks it partial."),
    # cost of goods not provided (schema version 5): every page and export showing profit says so
    "common.cogs_unknown": ("{share} 的收入未提供销售成本（按未知处理，不计为零）：这部分收入的利润没有扣除销售成本，因此偏高。",
                            "Cost of goods not provided for {share} of revenue (unknown, not zero): profit on that revenue "
                            "deducts no cost of goods and is overstated."),
    "common.cogs_unknown_part": ("部分收入未提供销售成本（按未知处理，不计为零）：这部分收入的利润没有扣除销售成本，因此偏高。",
                                 "Cost of goods not provided for part of the revenue (unknown, not zero): profit on it "
                                 "deducts no cost of goods and is overstated."),
    # stored results (analytics.precompute), recomputed in the background after each write
    "refresh.starting": ("准备中", "starting"),
    "refresh.running": ("正在为新数据预先计算模型：{step}", "Precomputing the models for the new data: {step}"),
    "refresh.step.clv_fit": ("BG/NBD 与 Gamma-Gamma 拟合、RFM 汇总", "BG/NBD and Gamma-Gamma fits, RFM summary"),
    "refresh.step.clv_backtest": ("预测回测", "backtest"),
    "refresh.step.clv_comparison": ("购买模型比较（BG/NBD、Pareto/NBD、MBG/NBD）", "purchase model comparison (BG/NBD, Pareto/NBD, MBG/NBD)"),
    "refresh.step.clv_tracking": ("模型拟合诊断（跟踪图）", "model fit diagnostics (tracking plots)"),
    "refresh.step.clv_interval": ("客户价值的区间", "ranges of customer value"),
    "refresh.step.contract_fit": ("合约客户的留存拟合（sBG）", "contract customers' retention fits (sBG)"),
    "refresh.step.wom_curve": ("服务质量响应曲线与阈值", "service-quality response curves and thresholds"),
    "refresh.step.pnl": ("客户损益（本期、上期与全部历史）", "customer P&L (this period, the one before, all history)"),
    "refresh.step.lc_buckets": ("生命周期阶段与回本", "lifecycle stages and payback"),
    "refresh.step.dv_scores": ("客户让渡价值的评估与主要产品", "delivered value: assessments and main products"),
    "refresh.step.wom_cover": ("口碑的客户覆盖（曝光）", "word-of-mouth exposure (customers covered)"),
    "refresh.step.wom_slopes": ("口碑趋势", "word-of-mouth trends"),
    "refresh.step.wom_null": ("拐点检验的零分布", "turning-point null distributions"),
    "refresh.done": ("模型已为新数据预先算好（{s} 秒），各页面打开时直接读取。",
                     "Models precomputed for the new data ({s} s): pages now read them instead of fitting."),
    "refresh.failed": ("预先计算失败：{error}。各页面仍会在打开时自行计算，数字不受影响。",
                       "Precomputing failed: {error}. Pages compute on opening instead; the figures are unaffected."),
    "refresh.title": ("预先计算的模型", "Precomputed models"),
    "refresh.panel_running": ("正在为当前数据预先计算模型（见侧边栏进度）。完成前各页面打开时自行计算，数字始终是最新的。",
                              "Precomputing the models for the current data (progress in the sidebar). Until it ends, "
                              "pages compute on opening; the figures are always current."),
    "refresh.current": ("当前数据的模型已预先算好：{n} 项结果，共用 {s} 秒计算。",
                        "The models for the current data are precomputed: {n} {n:result|results}, {s} s of computing."),
    "refresh.missing": ("当前数据尚无预先算好的模型：各页面首次打开时自行拟合（较慢）。",
                        "No precomputed models for the current data: each page fits them on its first visit (slower)."),
    "refresh.explain": ("每次导入、撤销、录入或更正、修改作业费率后，系统会在后台为默认视图（全部客户、最近 12 个整月）重新拟合 "
                        "BG/NBD、Gamma-Gamma、回测、响应曲线并计算拐点检验的零分布，按数据版本保存在数据库中。"
                        "其他筛选条件下的页面照常即时计算。",
                        "After each load, undo, form save or rate change, the BG/NBD and Gamma-Gamma fits, the backtest, "
                        "the response curves and the turning-point null distributions are recomputed in the background "
                        "for the default view (every customer, the last twelve whole months) and stored with the data's "
                        "version. Pages under other filters compute as before."),
    "refresh.button": ("立即重新计算", "Recompute now"),
    "nav.section.views": ("分析", "Analysis"),
    "nav.section.data": ("数据与演示", "Data and meetings"),
    "nav.overview": ("概览", "Overview"),
    "nav.concentration": ("利润集中度", "Profit concentration"),
    "sidebar.language": ("语言 / Language", "Language / 语言"),
    "sidebar.filters": ("全局筛选", "Global filters"),
    "sidebar.period": ("期间", "Period"),
    "sidebar.period_help": ("按整月选择；同比变化与之前相同长度的期间比较。", "Whole months; changes compare with the period of the same length just before."),
    "sidebar.all": ("全部", "All"),
    "sidebar.reset": ("清除筛选", "Clear filters"),
    "sidebar.link_hint": ("筛选条件已写入网址，复制链接即可打开同一视图。", "Filters are in the address bar: copy the link to share this view."),
    "sidebar.bad_params": ("网址中的筛选条件无效，已忽略：{error}", "The link's filters were not valid and were ignored: {error}"),
    "common.undefined_share": ("总利润为零或负数，占总利润的比例无意义", "Total profit is zero or negative: shares of it are undefined"),
    "common.no_customers": ("当前筛选下没有客户。请放宽筛选条件。", "No customers match these filters. Widen the filters."),
    "common.delta_pts": ("{v} 个百分点", "{v} pts"),
    "common.n_days": ("{n} 天", "{n} {n:day|days}"),
    "common.n_months": ("{n} 个月", "{n} {n:month|months}"),
    "common.vs_previous": ("较上期（{period}）", "vs previous period ({period})"),
    "common.computing": ("正在计算……", "Computing…"),
    "common.exact_value": ("精确值：{value}", "Exact value: {value}"),
    "common.no_previous": ("上期无数据", "no data for the previous period"),
    "common.download_csv": ("下载 CSV", "Download CSV"),
    "common.download_xlsx": ("下载 Excel", "Download Excel"),
    "common.customer": ("客户", "Customer"),
    "common.customer_id": ("客户编号", "Customer ID"),
    "common.name": ("名称", "Name"),
    # Customer attributes and figures are named in analytics/metrics.py (t.dimension, t.metric), not here.
    "common.month": ("月份", "Month"),
    "common.gross_profit": ("毛利", "Gross profit"),
    "common.activity": ("作业", "Activity"),
    "common.quantity": ("数量", "Quantity"),
    "common.cost": ("成本", "Cost"),
    "common.share": ("占比", "Share"),
    "common.filters_applied": ("筛选：{filters}", "Filters: {filters}"),
    "common.all_customers": ("全部客户", "All customers"),
    "common.period": ("期间", "Period"),
    "common.error": ("出错了：{error}", "Something went wrong: {error}"),
}
