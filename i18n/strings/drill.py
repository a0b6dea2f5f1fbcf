"""Drill-through in place, links that reopen a view, saved views (ui/drill.py, ui/links.py, ui/saved_views.py)."""

STRINGS: dict[str, tuple[str, str]] = {
    "drill.hint": ("点击客户即可在本页打开其客户 360。", "Click a customer to open their Customer 360 here."),
    "drill.back": ("返回{page}", "Back to {page}"),
    "links.dismiss": ("知道了", "Dismiss"),
    "links.bad_choice": ("链接中的“{label}”值 “{value}” 不是可选项，已忽略。",
                         "The link's “{label}” value “{value}” is not one of the choices and was ignored."),
    "links.bad_choice_default": ("显示的是默认值：{default}。", "Showing the default: {default}."),
    "links.bad_back": ("链接中的返回页面 “{value}” 不存在，已忽略。",
                       "The link's page to go back to, “{value}”, does not exist and was ignored."),
    "links.unknown_values": ("链接中的{dimension} “{values}” 不在数据中（或不在您可查看的范围内），已忽略。",
                             "Ignored from the link: {dimension} “{values}”, not in the data (or not among the values "
                             "you may see)."),
    "links.bad_filter": ("链接中的筛选条件无效，已忽略：{error}", "The link's filter was not valid and was ignored: {error}"),
    "links.period_clamped": ("链接中的期间 {asked} 超出数据范围（{first} – {last}），已按数据范围调整。",
                             "The link's period {asked} lies outside the data ({first} – {last}) and was narrowed to it."),
    "links.bad_lang": ("链接中的语言 “{value}” 不受支持，已忽略。", "The link's language “{value}” is not supported and was ignored."),
}
