"""Data: upload any file safely (encoding, mapping, every rejected row), load or undo; enter and correct
single records with their costs; the load log and the audit log.

Uploaded text is data: it is shown in tables (never rendered as HTML or Markdown), file names are
escaped, and nothing is written until the analyst presses the load button after a check.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import streamlit as st

from analytics import filters as flt
from analytics import ingest
from analytics.ingest import normalize as norm
from analytics.ingest import records, scope
from analytics.ingest.mapping import (
    CUSTOMER_ATTRIBUTES,
    INVOICE,
    REMEMBERED_PREFIX,
    Recognition,
    recognise_file,
    source_key,
)
from analytics.ingest.read import DELIMITERS, ENCODINGS
from analytics.store import schema
from i18n import fmt, markdown
from ui import audit_log, auth, cache, components, context, database_source, refresh, uploads

PAGE = {"title": "nav.data", "icon": ":material/upload_file:", "order": 80, "section": "nav.section.data",
        "role": "analyst"}  # viewers may not load, edit or undo: the frame hides and refuses the page

ctx = context.get()
t = ctx.t
FILE_TYPES = ["csv", "tsv", "txt", "xlsx", "xls", "parquet"]
NONE, LINE, CONST = "__none__", ingest.GENERATED_ID, "__constant__"
DELIM_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe", " ": "whitespace"}
md_escape = markdown.escape  # text from a file or a form shown inside Markdown (captions, alerts)


def col_label(column: str | None) -> str:
    if not column:
        return t("data.h.whole_line")
    parts = [t(f"data.col.{c}") if t.has(f"data.col.{c}") else c for c in column.split("+")]
    return " + ".join(parts)


def table_label(table: str) -> str:
    return t(f"data.table.{table}") if t.has(f"data.table.{table}") else table


# Error parameters that name the table's columns by their internal names (customer_id, tx_date): shown by
# the names the page shows them by (客户编号, 交易日期), as in the mapping above.
COLUMN_PARAMS = {"required_unmapped": "columns", "update_needs_key": "columns", "ambiguous_dates": "columns",
                 "unknown_target": "column"}


def columns_text(names: str) -> str:
    """Comma-separated internal column names as the page names them, joined the language's way."""
    return ("、" if t.lang == "zh" else ", ").join(col_label(n.strip()) for n in names.split(",") if n.strip())


def err_text(exc: Exception) -> str:
    code = getattr(exc, "code", None)
    if code and t.has(f"data.err.{code}"):
        try:
            raw = dict(getattr(exc, "params", {}))
            if code in COLUMN_PARAMS and isinstance(raw.get(COLUMN_PARAMS[code]), str):
                raw[COLUMN_PARAMS[code]] = columns_text(raw[COLUMN_PARAMS[code]])
            if "allowed" in raw:  # a restricted analyst's refusal: what they may change, in the page's language
                raw["allowed"] = auth.allowance_text(ctx.allowance, t)
            params = {k: md_escape(v) if isinstance(v, str) else v for k, v in raw.items()}
            return t(f"data.err.{code}", **params)
        except (KeyError, IndexError):
            pass
    return t("common.error", error=md_escape(str(exc)))


def undo_why(code: str, params: dict, markdown: bool = True) -> str:
    """Why a load cannot be undone (an :class:`ingest.UndoCheck` code and its params); values from
    data are escaped where the text is rendered as Markdown (not in a table cell)."""
    esc = md_escape if markdown else str
    p = {k: esc(v) if isinstance(v, str) else v for k, v in params.items()}
    if "table" in params:
        p["table"] = esc(table_label(str(params["table"])))
    try:
        return t(f"data.undo.why.{code}", **p)
    except (KeyError, IndexError):
        return t(f"data.err.{code}", **p) if t.has(f"data.err.{code}") else esc(code)


def reason_text(code: str, column: str | None, value: object, a: object, b: object) -> str:
    if code == "not_choice" and column:
        a = ", ".join(t.value(column, c.strip()) for c in str(a or "").split(","))
    if code == "unknown_reference" and a:
        a = table_label(str(a))
    key = f"data.reason.{code}"
    none = "" if value is None else value
    return t(key, value=none, a=a or "", b=b or "") if t.has(key) else code


def flash(kind: str, text: str) -> None:
    st.session_state["data_flash"] = (kind, text)


def show_flash() -> None:
    """The last action's message, in a container drawn on every run: the tabs below keep their place in the
    page, so the browser keeps the tab the analyst was on (a message inserted above them made a new tab
    set, which opened on the first tab: a saved form jumped to Upload)."""
    box = st.container()
    msg = st.session_state.pop("data_flash", None)
    if msg:
        getattr(box, msg[0])(msg[1])
    if st.session_state.pop("data_see_overview", False):  # the walkthrough's last step, after a load
        box.page_link("views/overview.py", label=t("data.walk.see_overview"), icon=":material/dashboard:")


def human_size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return str(n)


def progress_bars(phases: tuple[str, ...]):
    bars = {p: st.progress(0.0, text=t(f"data.phase.{p}")) for p in phases}

    def report(phase: str, frac: float) -> None:
        if phase in bars:
            bars[phase].progress(min(max(frac, 0.0), 1.0), text=f"{t(f'data.phase.{phase}')} {frac:.0%}")

    return report


components.page_header(t("data.title"), t, ctx.filters, subtitle=t("data.subtitle"))
show_flash()
tab_upload, tab_forms, tab_log = st.tabs([t("data.tab.upload"), t("data.tab.forms"), t("data.tab.log")])


# ============================================================================ upload
def templates(table: str) -> None:
    with st.expander(t("data.templates")):
        c = st.columns(4)
        for i, (lang, fmt) in enumerate((("zh", "csv"), ("en", "csv"), ("zh", "xlsx"), ("en", "xlsx"))):
            mime = "text/csv" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            c[i].download_button(t(f"data.tpl.{fmt}_{lang}"), ingest.template_bytes(table, lang, fmt),
                                 file_name=f"{table}_template_{lang}.{fmt}", mime=mime, key=f"data_tpl_{table}_{lang}_{fmt}",
                                 width="stretch", on_click="ignore")
        desc = ingest.columns_table(table, "zh")
        rows = []
        for r in desc.itertuples(index=False):
            rows.append({t("data.h.column_name"): r.column, t("data.h.header_zh"): r.header,
                         t("data.h.label"): col_label(r.column), t("data.h.kind"): t(f"data.kind.{r.kind}"),
                         t("data.h.required"): t("data.yes") if r.required else "",
                         t("data.h.rules"): rules_text(table, r.column)})
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        st.caption(t("data.normalisation_note"))


def rules_text(table: str, column: str) -> str:
    if column in (ingest.UNIT_PRICE, INVOICE, *CUSTOMER_ATTRIBUTES):
        return ""
    c = schema.TABLES[table].column(column)
    parts = []
    if c.required:
        parts.append(t("data.rule.required"))
    if c.choices:
        parts.append(t("data.rule.choices", choices=", ".join(t.value(column, v) for v in c.choices)))
    if c.min is not None:
        parts.append(t("data.rule.min", v=f"{c.min:g}"))
    if c.max is not None:
        parts.append(t("data.rule.max", v=f"{c.max:g}"))
    if c.references:
        parts.append(t("data.rule.ref", table=table_label(c.references.split(".")[0])))
    return " ".join(parts)


def reading_options(sn_auto: ingest.Sniff, sig: str) -> dict[str, Any]:
    """Widgets to confirm or override encoding, delimiter, header line and sheet."""
    st.markdown(f"**{t('data.reading')}**")
    opts: dict[str, Any] = {}
    c1, c2, c3 = st.columns(3)
    if sn_auto.kind == "csv":
        encs = ["", *dict.fromkeys((*sn_auto.encoding_candidates, *ENCODINGS))]
        enc = c1.selectbox(t("data.encoding"), encs, key=f"data_enc_{sig}", help=t("data.encoding.help"),
                           format_func=lambda e: t("data.auto") + f" ({enc_label(sn_auto.encoding)})" if e == ""
                           else enc_label(e))
        opts["encoding"] = enc or None
        delims = ["", *DELIMITERS]
        d = c2.selectbox(t("data.delimiter"), delims, key=f"data_delim_{sig}",
                         format_func=lambda x: t("data.auto") + f" ({delim_label(sn_auto.delimiter)})" if x == ""
                         else delim_label(x))
        opts["delimiter"] = d or None
    if sn_auto.kind == "xlsx" and len(sn_auto.sheets) > 1:
        opts["sheet"] = c1.selectbox(t("data.sheet"), sn_auto.sheets, key=f"data_sheet_{sig}")
    if sn_auto.kind != "parquet":
        headerless = c3.checkbox(t("data.no_header"), value=not sn_auto.header, key=f"data_nohdr_{sig}",
                                 help=t("data.no_header.help"))
        opts["header"] = None if headerless == (not sn_auto.header) else not headerless
        if not headerless:
            detected = sn_auto.header_row + 1
            line = c3.number_input(t("data.header_line"), min_value=1, max_value=1000, value=detected, step=1,
                                   key=f"data_hdr_{sig}", help=t("data.header_line.help"))
            opts["header_row"] = int(line) - 1 if int(line) != detected else None
    return opts


def enc_label(e: str | None) -> str:
    return t(f"data.enc.{e}") if e and t.has(f"data.enc.{e}") else str(e)


def delim_label(d: str | None) -> str:
    name = DELIM_NAMES.get(d or "", "other")
    return t(f"data.delim.{name}")


def describe(sn: ingest.Sniff) -> str:
    if sn.kind == "xlsx":
        return t("data.detected_xlsx", sheet=md_escape(sn.sheet), line=sn.header_row + 1, columns=len(sn.columns))
    if sn.kind == "parquet":
        return t("data.detected_parquet", rows=t.num(sn.rows_estimate or 0), columns=len(sn.columns))
    if not sn.header:
        return t("data.detected_no_header", kind=t("data.kind.csv"), encoding=enc_label(sn.encoding),
                 delimiter=delim_label(sn.delimiter), columns=len(sn.columns))
    return t("data.detected", kind=t("data.kind.csv"), encoding=enc_label(sn.encoding),
             delimiter=delim_label(sn.delimiter), line=sn.header_row + 1, columns=len(sn.columns))


def recognition(table: str, sn: ingest.Sniff) -> Recognition:
    """The proposed mapping with how each column was recognised (a remembered one for known columns)."""
    remembered = cache.run(ingest.saved_mappings, table).get(source_key(table, sn.columns, sn.header))
    return recognise_file(table, sn.columns, sn.preview, header=sn.header, remembered=remembered)


def mapping_widgets(table: str, sn: ingest.Sniff, sig: str, rec: Recognition) -> ingest.Mapping:
    """One selectbox per table column (file column, nothing, line-number id or a constant)."""
    st.markdown(f"**{t('data.mapping')}**")
    st.caption(t("data.mapping.help"))
    saved = {n: m for n, m in cache.run(ingest.saved_mappings, table).items() if not n.startswith(REMEMBERED_PREFIX)}
    names = ["", *saved]
    choice = st.selectbox(t("data.map.saved"), names, key=f"data_mapname_{table}",
                          format_func=lambda n: t("data.map.saved.none") if n == "" else n)
    base = saved[choice] if choice else rec.mapping
    msig = hashlib.sha1(f"{sig}|{table}|{choice}".encode()).hexdigest()[:10]
    tbl = schema.TABLES[table]
    cols: dict[str, str | None] = {}
    consts: dict[str, str | None] = {}
    grid = st.columns(3)
    for i, target in enumerate(ingest.targets(table)):
        is_key_id = target in tbl.key and target != ingest.UNIT_PRICE and tbl.column(target).kind == "id"
        options = [NONE, *sn.columns] + ([LINE] if is_key_id else []) + [CONST]
        src, const = base.source(target), base.constant(target)
        default = src if src in options else (CONST if const is not None else NONE)
        if target == ingest.UNIT_PRICE:
            label, helptext = t("data.map.unit_price"), None
        elif target == INVOICE:
            label, helptext = col_label(target), t("data.walk.assume.invoice_lines")
        elif target in CUSTOMER_ATTRIBUTES:
            label, helptext = col_label(target), t("data.map.customer_attribute")
        else:
            c = tbl.column(target)
            label = col_label(target)
            # marked only when the file must give it: a default or a generated id fills the rest
            label = t("data.required_mark", c=label) if c.needs_source else label
            helptext = t("data.col_help", kind=t(f"data.kind.{c.kind}"), rules=rules_text(table, target))
        with grid[i % 3]:
            picked = st.selectbox(label, options, index=options.index(default), key=f"data_map_{msig}_{target}",
                                  help=helptext, format_func=lambda o: {NONE: t("data.map.none"), LINE: t("data.map.line"),
                                                                        CONST: t("data.map.constant")}.get(o, o))
            if picked == CONST:
                consts[target] = st.text_input(t("data.map.constant_value", column=label), value=const or "",
                                               key=f"data_const_{msig}_{target}")
            elif picked != NONE:
                cols[target] = picked
    mapping = ingest.Mapping.of(cols, consts)
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    name = c1.text_input(t("data.map.save_name"), key=f"data_mapsave_{table}")
    if c2.button(t("data.map.save"), key=f"data_mapsave_btn_{table}", width="stretch"):
        try:
            ingest.save_mapping(cache.connection(), name, table, mapping)
            flash("success", t("data.map.saved_ok", name=md_escape(name.strip())))
            st.rerun()
        except ingest.IngestError as exc:
            st.error(err_text(exc))
    return mapping


def walkthrough(table: str, sn: ingest.Sniff, rec: Recognition, mapping: ingest.Mapping,
                report: ingest.Report | None) -> bool:
    """What was recognised (each column → field, and how) and what was assumed, for the mapping as it
    stands; asks whether to create customers the file names that the store lacks. Returns that answer."""
    st.caption(t("data.walk.steps"))
    tbl = schema.TABLES[table]
    rows = []
    derived = table == schema.TRANSACTIONS and mapping.source(ingest.UNIT_PRICE) and not (
        mapping.source("revenue") or mapping.constant("revenue"))
    for target in ingest.targets(table):
        src, const = mapping.source(target), mapping.constant(target)
        if src is None and const is None:
            if target == "revenue" and derived:
                rows.append((col_label(target), "", t("data.walk.how.computed")))
            continue
        if target == ingest.UNIT_PRICE and not derived:
            continue
        same = rec.mapping.source(target) == src and rec.mapping.constant(target) == const
        if src == LINE:
            how = t("data.walk.how.line")
        elif const is not None:
            how = t("data.walk.how.constant", value=const)
        elif same and rec.way(target):
            how = t(f"data.walk.how.{rec.way(target)}")
        else:
            how = t("data.walk.how.chosen")
        if src is not None and same and target in rec.date_times:
            how += t("data.walk.datetime")
        rows.append((col_label(target), "" if src in (None, LINE) else src, how))
    st.markdown(f"**{t('data.walk.recognised')}**")
    if rows:
        st.dataframe(pd.DataFrame(rows, columns=[t("data.walk.h.field"), t("data.walk.h.source"), t("data.walk.h.how")]),
                     hide_index=True, width="stretch")
    else:
        st.caption(t("data.walk.none"))
    assumed: list[str] = []
    if not sn.header:
        assumed.append(t("data.walk.assume.no_header"))
    filled = {c for c, _ in mapping.columns} | {c for c, _ in mapping.constants}
    invoice = table == schema.TRANSACTIONS and mapping.source(INVOICE) is not None
    for col in tbl.columns:
        if col.name in filled or not col.required:
            continue
        if col.name in tbl.key and invoice:
            assumed.append(t("data.walk.assume.invoice_lines"))
        elif col.generated:
            assumed.append(t("data.walk.assume.generated_ids", field=col_label(col.name)))
        elif col.default is not None:
            assumed.append(t("data.walk.assume.default", field=col_label(col.name),
                             value=t.value(col.name, col.default)))
        elif col.default_from is not None:
            assumed.append(t("data.walk.assume.default_from", field=col_label(col.name),
                             other=col_label(col.default_from)))
    if invoice:
        assumed.append(t("data.walk.assume.cancellations"))
    if table == schema.TRANSACTIONS and "cogs" not in filled:
        assumed.append(t("data.walk.assume.cogs_unknown"))
    new = report.new_customers if report is not None else 0
    if new:
        assumed.append(t("data.walk.assume.new_customers", n=new))
    if assumed:
        st.markdown(f"**{t('data.walk.assumed')}**")
        st.markdown("\n".join(f"- {md_escape(a)}" for a in assumed))
    refers = any(c.references == f"{schema.CUSTOMERS}.customer_id" and c.name in filled for c in tbl.columns
                 if table != schema.CUSTOMERS)
    if not refers:
        return False
    return st.checkbox(t("data.walk.create_customers"), key=f"data_create_{table}",
                       help=t("data.walk.create_customers.help"))


def options_widgets(table: str, mapping: ingest.Mapping, report: ingest.Report | None) -> dict[str, Any]:
    st.markdown(f"**{t('data.options')}**")
    tbl = schema.TABLES[table]
    c1, c2 = st.columns(2)
    mode = c1.radio(t("data.mode"), ingest.MODES, key="data_mode", horizontal=True, help=t("data.mode.help"),
                    format_func=lambda m: t(f"data.mode.{m}"))
    on_reject = c2.radio(t("data.on_reject"), ingest.ON_REJECT, key="data_on_reject",
                         format_func=lambda r: t(f"data.on_reject.{r}"))
    period = None
    if mode == "replace_period":
        start, end = (report.period if report and report.period[0] else (None, None))
        today = dt.date.today()
        p1, p2 = st.columns(2)
        a = p1.date_input(t("data.period_from"), value=start or today.replace(day=1), key="data_pfrom",
                          min_value=norm.DATE_MIN, max_value=norm.DATE_MAX)
        b = p2.date_input(t("data.period_to"), value=end or today, key="data_pto", min_value=norm.DATE_MIN,
                          max_value=norm.DATE_MAX)
        period = (a, b)
    formats: list[tuple[str, tuple[str, ...]]] = []
    date_targets = [c.name for c in tbl.columns if c.kind == "date" and (mapping.source(c.name) or mapping.constant(c.name))]
    if date_targets:
        fc = st.columns(max(len(date_targets), 2))
        keys = ["", *(f.key for f in norm.FORMATS)]
        for i, col in enumerate(date_targets):
            fmt = fc[i].selectbox(t("data.date_format", column=col_label(col)), keys, key=f"data_fmt_{table}_{col}",
                                  format_func=lambda k: t("data.date_format.auto") if k == "" else norm.BY_KEY[k].label)
            if fmt:
                formats.append((col, (fmt,)))
    return {"mode": mode, "period": period, "date_formats": tuple(formats), "on_reject": on_reject}


def show_report(rep: ingest.Report, table: str) -> None:
    st.subheader(t("data.report"))
    m = st.columns(5 if rep.mode != "append" else 4)
    with m[0]:
        components.metric(t("data.m.rows"), t.num(rep.rows))
    with m[1]:
        components.metric(t("data.m.valid"), t.num(rep.valid))
    with m[2]:
        components.metric(t("data.m.rejected"), t.num(rep.rejected))
    with m[3]:
        components.metric(t("data.m.empty"), t.num(rep.empty_rows))
    if rep.mode != "append":
        with m[4]:
            components.metric(t("data.m.replaces"), t.num(rep.replaces))
    for d in rep.dates:
        if d.ambiguous and not d.explicit:
            st.warning(t("data.dates_ambiguous", column=col_label(d.column), examples=md_escape(", ".join(d.examples))))
        elif d.explicit:
            st.caption(t("data.dates_explicit", column=col_label(d.column), formats=", ".join(d.labels)))
        else:
            st.caption(t("data.dates_found", column=col_label(d.column), formats=", ".join(d.labels), n=t.num(d.sampled)))
    if rep.period[0] and not rep.ambiguous:
        st.caption(t("data.period_found", start=t.date(rep.period[0]), end=t.date(rep.period[1])))
    for code, params in rep.warnings:
        p = {k: md_escape(v) if isinstance(v, str) else v for k, v in params}
        if code == "encoding_guess":
            p["encoding"] = enc_label(dict(params).get("encoding"))
        st.info(t(f"data.warn.{code}", **p) if t.has(f"data.warn.{code}") else code)
    if rep.already_loaded:
        a = dict(rep.already_loaded)
        st.warning(t("data.already", when=str(a["loaded_at"]), user=md_escape(a["user"]), id=a["load_id"]))
    if rep.issues_total:
        st.markdown(f"**{t('data.rejected_title')}**")
        issues = rep.issues
        view = pd.DataFrame({
            t("data.h.line"): issues["line"],
            t("data.h.column"): [col_label(c) for c in issues["column"]],
            t("data.h.source"): [s if isinstance(s, str) and s not in ("derived",) else "" for s in issues["source"]],
            t("data.h.value"): [("" if v is None else str(v))[:120] for v in issues["value"]],
            t("data.h.reason"): [reason_text(c, col, v, a, b) for c, col, v, a, b in zip(
                issues["code"], issues["column"], issues["value"], issues["a"], issues["b"], strict=True)],
        })
        st.dataframe(view, hide_index=True, width="stretch", height=min(420, 38 + 35 * len(view)))
        if rep.issues_total > len(view):
            st.caption(t("data.rejected_more", shown=t.num(len(view)), total=t.num(rep.issues_total)))
        from analytics import tabular

        st.download_button(t("data.download_issues"), tabular.csv_bytes(view), file_name=f"rejected_{table}.csv",
                           mime="text/csv", key="data_issues_csv", on_click="ignore")
    elif rep.valid:
        st.success(t("data.all_valid", n=t.num(rep.valid)))
    if not rep.preview.empty:
        st.markdown(f"**{t('data.normalised')}**")
        tbl = schema.TABLES[table]
        money = {col_label(c): st.column_config.NumberColumn(format="%.2f") for c in rep.preview.columns
                 if tbl.column(c).kind == "money"}
        shown = rep.preview.copy()
        for c in shown.columns:
            if tbl.column(c).kind == "category":
                shown[c] = [None if v is None else t.value(c, v) for v in shown[c]]
        st.dataframe(shown.rename(columns=col_label), hide_index=True, width="stretch", column_config=money)


def upload_tab() -> None:
    table = st.selectbox(t("data.table"), ingest.UPLOAD_TABLES, key="data_table", format_func=table_label,
                         help=t("data.table.help"))
    templates(table)
    if database_source.chosen(t):  # a PostgreSQL query instead of a file: its rows take the file's path below
        database_source.panel(t, lambda name, data, sha, path: uploaded_file(
            table, SimpleNamespace(name=name, query=True), data, sha, path), user=ctx.user)
        return
    up = st.file_uploader(t("data.file"), type=FILE_TYPES, key="data_file", help=t("data.file.help"))
    components.uploader_texts(t, FILE_TYPES, int(st.get_option("server.maxUploadSize")))
    if up is None:
        st.info(t("data.no_file"))
        return
    data = up.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    # on disk only in a private folder, only during this run (loaded, refused or rerun alike)
    with uploads.private_file(data, up.name) as path:
        uploaded_file(table, up, data, sha, path)


def uploaded_file(table: str, up: Any, data: bytes, sha: str, path: Path) -> None:
    """Read options, mapping, check and load of the file at ``path`` (the upload ``up``)."""
    st.caption(t("data.file_info", name=md_escape(up.name), size=human_size(len(data)), sha=sha[:12]))
    try:
        sn_auto = ingest.sniff(path, up.name)
    except ingest.IngestError as exc:
        st.error(err_text(exc))
        return
    sig = sha[:16]
    read_opts = reading_options(sn_auto, sig)
    try:
        sn = ingest.sniff(path, up.name, **read_opts) if any(v is not None for v in read_opts.values()) else sn_auto
    except ingest.IngestError as exc:
        st.error(err_text(exc))
        return
    if getattr(up, "query", False):  # a database query's rows travel as Parquet: say what they are
        st.caption(t("data.detected_query", rows=t.num(sn.rows_estimate or 0), columns=len(sn.columns)))
    else:
        st.caption(describe(sn))
    if sn.kind == "csv" and not sn.encoding_confident:
        others = [e for e in sn.encoding_candidates if e != sn.encoding]
        st.warning(t("data.encoding_unsure", encoding=enc_label(sn.encoding), other=enc_label(others[0] if others else "")))
    st.markdown(f"**{t('data.preview')}**")
    st.dataframe(sn.preview, hide_index=True, width="stretch")
    rec = recognition(table, sn)
    walk = st.container(border=True)  # filled below, once the mapping (as fixed by the analyst) is known
    mapping = mapping_widgets(table, sn, f"{sig}_{sn.header}_{sn.header_row}_{sn.sheet}_{sn.delimiter}_{sn.encoding}",
                              rec)
    held = st.session_state.get("data_report")
    choices = options_widgets(table, mapping, held["report"] if held else None)
    try:
        opts = ingest.Options(table, mapping, **choices)
    except ingest.IngestError as exc:
        st.error(err_text(exc))
        return
    with walk:
        create = walkthrough(table, sn, rec, mapping, held["report"] if held and held["report"].sha256 == sha else None)
    signature = repr((sha, table, read_opts, opts, create, cache.data_version()))
    if st.button(t("data.check"), type="primary", key="data_check"):
        report = progress_bars(("read", "validate"))
        try:
            rep = ingest.check(cache.connection(), path, sn, opts, progress=report, create_customers=create,
                               allowance=ctx.allowance)
        except ingest.IngestError as exc:
            st.session_state.pop("data_report", None)
            st.error(err_text(exc))
            return
        st.session_state["data_report"] = {"sig": signature, "report": rep}
        st.rerun()  # the walkthrough above the button states what the check found (customers to create)
    if not held:
        return
    if held["sig"] != signature:
        st.info(t("data.stale"))
        return
    rep: ingest.Report = held["report"]
    show_report(rep, table)
    if not rep.loadable:
        return
    if rep.rejected and opts.on_reject == "refuse":
        st.error(t("data.refuse_note", n=t.num(rep.rejected)))
        return
    ok = True
    if rep.rejected:
        ok = st.checkbox(t("data.accept", rejected=t.num(rep.rejected), valid=t.num(rep.valid)), key="data_accept")
    if st.button(t("data.load", n=t.num(rep.valid)), type="primary", disabled=not ok, key="data_load") \
            and auth.permitted(auth.ANALYST):
        report = progress_bars(("read", "validate", "write"))
        try:
            done = ingest.load(cache.connection(), path, sn, opts, user=ctx.user, progress=report,
                               create_customers=create, allowance=ctx.allowance)
        except ingest.IngestError as exc:
            st.error(err_text(exc))
            return
        st.session_state.pop("data_report", None)
        # The next file with these columns starts from this mapping.
        ingest.save_mapping(cache.connection(), source_key(table, sn.columns, sn.header), table, mapping)
        st.session_state["data_see_overview"] = True
        refresh.after_write()
        msg = t("data.loaded", n=t.num(done.written), table=table_label(table), id=done.load_id,
                s=f"{done.seconds:.1f}")
        if done.mode != "append":
            msg += SENTENCE_GAP[t.lang] + t("data.loaded_replaced", n=t.num(done.replaces))
        flash("success", msg + after_load_text())
        st.rerun()


SENTENCE_GAP = {"zh": "", "en": " "}  # between sentences: Chinese ends each with 。 and no space


def after_load_text() -> str:
    """What a write did to what pages show (issue 19: no claim that is not so): how far the data now reach,
    the default period, and a partial last month left out of it."""
    as_of = cache.run(flt.data_as_of)
    if as_of is None:
        return ""
    start, end = cache.run(flt.latest_period)
    text = SENTENCE_GAP[t.lang] + t("data.loaded_as_of", date=t.date(as_of), period=t.period(start, end))
    partial = flt.partial_month(flt.Filters(), as_of)
    if partial is not None and end is not None and end < partial:
        text += SENTENCE_GAP[t.lang] + t("data.loaded_partial", month=t.month(partial))
    return text


# ============================================================================ forms
CUSTOMER_LIST_MAX = 5000  # more customers than this: a search box narrows the picker's list first


def customer_picker(label: str, current: Any, key: str, helptext: str | None = None) -> str | None:
    """A customer picked by search among "id — name" (typing in the box filters the list), never typed blind;
    in a store of more than :data:`CUSTOMER_LIST_MAX` customers a search box narrows the list first."""
    query = None
    if cache.run(records.customer_count, ctx.allowance) > CUSTOMER_LIST_MAX:
        query = st.text_input(t("data.form.customer_search", label=label), key=f"{key}_search",
                              placeholder=t("data.form.customer_search_hint"))
    # A restricted analyst picks among the customers they may see and change.
    found = cache.run(records.customers_matching, query or None, CUSTOMER_LIST_MAX, ctx.allowance)
    names = dict(found)
    ids = [i for i, _ in found]
    if current is not None and str(current) not in names:
        ids = [str(current), *ids]  # the record's own customer, even when the search does not find it
    idx = ids.index(str(current)) if current is not None else None
    return st.selectbox(label, ids, index=idx, key=key, help=helptext, placeholder=t("data.form.customer_pick"),
                        format_func=lambda i: f"{i} — {names[i]}" if names.get(i) and names[i] != i else i)


def field_widget(table: str, col: schema.Column, current: Any, wkey: str, adding: bool) -> Any:
    label = col_label(col.name)
    label = t("data.required_mark", c=label) if col.required else label
    helptext = t("data.col_help", kind=t(f"data.kind.{col.kind}"), rules=rules_text(table, col.name))
    key = f"{wkey}_{col.name}"
    if col.references == f"{schema.CUSTOMERS}.customer_id":
        return customer_picker(label, current, key, helptext)
    if col.kind == "date":
        default = current if current is not None else (dt.date.today() if col.required and adding else None)
        return st.date_input(label, value=default, key=key, help=helptext, min_value=norm.DATE_MIN,
                             max_value=norm.DATE_MAX, format="YYYY-MM-DD")
    if col.kind in ("money", "number", "integer"):
        step: Any = 1 if col.kind == "integer" else (0.01 if col.kind == "money" else 1.0)
        value = None if current is None else (int(current) if col.kind == "integer" else float(current))
        if value is None and adding and col.name == "quantity":
            value = 1.0
        return st.number_input(label, value=value, step=step, key=key, help=helptext,
                               min_value=int(col.min) if col.kind == "integer" and col.min is not None else None,
                               max_value=int(col.max) if col.kind == "integer" and col.max is not None else None,
                               format="%d" if col.kind == "integer" else ("%.2f" if col.kind == "money" else "%g"))
    if col.kind == "category" and col.choices:
        opts = list(col.choices)
        idx = opts.index(current) if current in opts else None
        return st.selectbox(label, opts, index=idx, key=key, help=helptext, placeholder=t("data.form.choose"),
                            format_func=lambda v: t.value(col.name, v))
    if col.name == "activity":
        opts = cache.run(records.activities_with_rates)
        idx = opts.index(current) if current in opts else None
        return st.selectbox(label, opts, index=idx, key=key, help=helptext, placeholder=t("data.form.choose"),
                            format_func=lambda v: t.value("activity", v))
    if col.kind == "category":
        opts = cache.run(records.distinct_values, table, col.name)
        if current is not None and current not in opts:
            opts = [current, *opts]
        idx = opts.index(current) if current in opts else None
        return st.selectbox(label, opts, index=idx, key=key, help=helptext, accept_new_options=True,
                            placeholder=t("data.form.new_value"), format_func=lambda v: t.value(col.name, v))
    if col.name == "text":
        return st.text_area(label, value=current or "", key=key, help=helptext)
    return st.text_input(label, value="" if current is None else str(current), key=key, help=helptext)


def forms_tab() -> None:
    st.caption(t("data.form.note"))
    c1, c2 = st.columns(2)
    table = c1.selectbox(t("data.form.table"), records.FORM_TABLES, key="data_form_table", format_func=table_label)
    action = c2.radio(t("data.form.action"), ("add", "correct"), key="data_form_action", horizontal=True,
                      format_func=lambda a: t(f"data.form.{a}"))
    tbl = schema.TABLES[table]
    kc = tbl.key[0]
    current: dict[str, Any] = {}
    key_value: str | None = None
    if action == "correct":
        label = t("data.form.key", column=col_label(kc))
        if table == schema.CUSTOMERS:  # picked by search, like every customer field of the forms
            key_value = customer_picker(label, None, f"data_form_key_{table}") or ""
        else:
            key_value = st.text_input(label, key=f"data_form_key_{table}").strip()
        if not key_value:
            st.info(t("data.form.enter_key"))
            return
        found = cache.run(records.get, table, key_value)
        if found is None:
            st.warning(t.md("data.form.key_missing", table=table_label(table), record=key_value))
            return
        if not cache.run(scope.record_permitted, table, key_value, ctx.allowance):
            st.warning(t.md("data.form.outside_record", table=table_label(table), record=key_value,
                            allowed=auth.allowance_text(ctx.allowance, t)))
            return
        current = found
    wkey = f"data_f_{table}_{action}_{hashlib.sha1((key_value or '').encode()).hexdigest()[:8]}_{cache.data_version()}"
    values: dict[str, Any] = {}
    grid = st.columns(3)
    fields = [c for c in tbl.columns if not (action == "correct" and c.name == kc)]
    if action == "add":
        suggestion = cache.run(records.next_id, table)
        with grid[0]:
            values[kc] = st.text_input(t("data.required_mark", c=col_label(kc)), value=suggestion,
                                       key=f"{wkey}_{kc}")
        fields = [c for c in fields if c.name != kc]
    for i, col in enumerate(fields, start=1 if action == "add" else 0):
        with grid[i % 3]:
            v = field_widget(table, col, current.get(col.name), wkey, action == "add")
            values[col.name] = None if isinstance(v, str) and not v.strip() else v
    if table == schema.ACTIVITIES:
        activity_cost_note(values)
    if st.button(t("data.form.save"), type="primary", key=f"data_form_save_{table}_{action}") \
            and auth.permitted(auth.ANALYST):
        con = cache.connection()
        try:
            res = (records.add(con, table, values, user=ctx.user, allowance=ctx.allowance) if action == "add"
                   else records.correct(con, table, key_value, values, user=ctx.user, allowance=ctx.allowance))
        except ValueError as exc:
            st.error(err_text(exc))
            return
        if not res.ok:
            st.error(t("data.form.invalid") + "\n\n" + "\n".join(
                "- " + md_escape(t("data.form.issue", column=col_label(i.column),
                                   reason=reason_text(i.code, i.column, i.value, i.a, i.b))) for i in res.issues))
            return
        if action == "add" or res.changes:
            refresh.after_write()
        if action == "add":
            flash("success", t("data.form.saved_add", table=table_label(table), record=md_escape(res.key)))
        elif res.changes:
            flash("success", t("data.form.saved_update", table=table_label(table), record=md_escape(res.key),
                                 n=len(res.changes)))
        else:
            flash("info", t("data.form.no_change"))
        st.rerun()


def activity_cost_note(values: dict[str, Any]) -> None:
    act, day, qty = values.get("activity"), values.get("activity_date"), values.get("quantity")
    if not act or not isinstance(day, dt.date):
        return
    rate = cache.run(records.rate_on, act, day)
    name = t.value("activity", act)
    if rate is None:
        st.warning(t.md("data.form.no_rate", activity=name, date=t.date(day)))
        return
    q = float(qty or 0)
    st.info(t("data.form.rate", activity=md_escape(name), date=t.date(day), rate=t.money(rate.unit_cost),
              unit=md_escape(t.value("unit", rate.unit)) if rate.unit else "", since=t.date(rate.valid_from),
              qty=f"{q:g}", cost=t.money(q * rate.unit_cost)))


# ============================================================================ log
def log_tab() -> None:
    st.subheader(t("data.undo.title"))
    last = cache.run(ingest.last_load)
    if last is None:
        st.caption(t("data.undo.nothing"))
    else:
        st.warning(t("data.undo.what", id=last["load_id"], file=md_escape(last["file_name"]),
                     table=table_label(last["table_name"]), rows=t.num(last["rows"]), user=md_escape(last["user_name"]),
                     when=str(last["loaded_at"]),
                     restore=t("data.undo.restore") if last["mode"] != "append" else ""))
        check = cache.run(ingest.undo_check)
        # A user limited to regions or segments may not undo a load that touched other customers' rows.
        refusal = cache.run(scope.undo_refusal, int(last["load_id"]), last["table_name"], ctx.allowance)
        if check is not None and not check.ok:  # later edits of its rows, or its backup is gone: say why
            st.error(undo_why(check.code or "undo_unavailable", check.params))
        elif refusal is not None:
            st.error(err_text(ingest.IngestError(refusal[0], "", **refusal[1])))
        else:
            sure = st.checkbox(t("data.undo.confirm"), key=f"data_undo_confirm_{last['load_id']}")
            if st.button(t("data.undo.button"), disabled=not sure, key="data_undo") and auth.permitted(auth.ANALYST):
                try:
                    res = ingest.undo_last(cache.connection(), user=ctx.user, allowance=ctx.allowance)
                except ingest.IngestError as exc:
                    st.error(undo_why(exc.code, exc.params) if exc.code == "later_changes" else err_text(exc))
                else:
                    refresh.after_write()
                    flash("success", t("data.undo.done", id=res.load_id, removed=t.num(res.removed),
                                       restored=t.num(res.restored)))
                    st.rerun()
    st.subheader(t("data.log.loads"))
    df = cache.run(ingest.loads, 200)
    if df.empty:
        st.caption(t("data.log.none"))
    else:
        view = pd.DataFrame({
            t("data.h.load_id"): df["load_id"], t("data.h.table"): [table_label(x) for x in df["table_name"]],
            t("data.h.file"): df["file_name"], t("data.h.rows"): df["rows"],
            t("data.h.mode"): [t(f"data.mode.{m}") if t.has(f"data.mode.{m}") else m for m in df["mode"]],
            t("data.h.rejected"): df["rejected"], t("data.h.replaced"): df["replaced"],
            t("data.h.user"): df["user_name"], t("data.h.when"): df["loaded_at"], t("data.h.undone"): df["undone_at"],
            t("data.h.undoable"): [t("data.yes") if ok else undo_why(code or "undo_unavailable", ingest_params, markdown=False)
                                   for ok, code, ingest_params in zip(df["undoable"], df["undo_code"],
                                                                      df["undo_params"], strict=True)],
        })
        st.dataframe(view, hide_index=True, width="stretch", placeholder=fmt.DASH)  # a missing value: "—", never "None"
    st.subheader(t("data.audit"))
    who = audit_log.user_filter(t)  # one user's changes, or everyone's
    hist = audit_log.history(who)
    if hist.empty:
        st.caption(t("data.audit.none"))
        return
    view = pd.DataFrame({
        t("data.h.when"): hist["changed_at"], t("data.h.user"): hist["user_name"],
        t("data.h.table"): [table_label(x) for x in hist["table_name"]],
        t("data.h.record"): [f"{t('data.h.load_id')} #{k[5:]}" if isinstance(k, str) and k.startswith("load ") else k
                             for k in hist["record_key"]],
        t("data.h.action"): [t(f"data.action.{a}") if t.has(f"data.action.{a}") else a for a in hist["action"]],
        t("data.h.field"): [col_label(c) if isinstance(c, str) else "" for c in hist["column_name"]],
        t("data.h.old"): hist["old_value"], t("data.h.new"): hist["new_value"],
    })
    st.dataframe(view, hide_index=True, width="stretch", placeholder=fmt.DASH)
    audit_log.export(t, who)  # admins only


with tab_upload:
    upload_tab()
with tab_forms:
    forms_tab()
with tab_log:
    log_tab()
    refresh.panel(t)
