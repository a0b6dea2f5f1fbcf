"""The Profit concentration page (whale curve, 20/80/30)."""

STRINGS: dict[str, tuple[str, str]] = {
    "conc.axis.customer_share": ("客户累计占比（按利润从高到低）", "Cumulative share of customers (most profitable first)"),
    "conc.axis.profit_share": ("累计利润占总利润", "Cumulative profit, % of total"),
    "conc.axis.cum_profit": ("累计利润", "Cumulative profit"),
    "conc.curve": ("鲸鱼曲线", "Whale curve"),
    "conc.line100": ("总利润 100%", "Total profit 100 %"),
    "conc.guide20": ("前 20%", "Top 20 %"),
    "conc.guide30": ("后 30%", "Bottom 30 %"),
    "conc.peak": ("峰值 {height}（前 {share} 客户）", "Peak {height} (first {share} of customers)"),
    "conc.hover": ("第 {rank} 名 · 客户占比 {share} · 累计利润 {cum} ({pshare})", "Rank {rank} · {share} of customers · cumulative profit {cum} ({pshare})"),
}
