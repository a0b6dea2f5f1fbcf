"""Improvement plans (issue 18): build a plan of levers for chosen customers, see each customer's profit,
the whale curve and the 20/80/30 figures before and after, save plans and compare them side by side.

A projection never writes to the store: :func:`analytics.scenario.project` works on a copy of the
period's rows. Only saving and deleting a plan write, through :mod:`analytics.scenario.plans`. Every
projected figure says so (a badge, "projected" in labels and column names, a line in exports), and
every lever is shown with the modelling rules it applies, in the reader's language.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from analytics import filters as flt
from analytics import metrics as registry
from analytics import profit, rates
from analytics import scenario as sc
from analytics.clv.value import TIERS
from analytics.ingest import records
from analytics.scenario.project import check_levers
from charts import scenario as sc_charts
from i18n.markdown import escape
from presentation import plan as words
from ui import auth, cache, components, context, drill, links

PAGE = {"title": "nav.plans", "icon": ":material/trending_up:", "order": 70, "section": "nav.section.views"}

LEVERS = "plans_levers"  # the plan being built: a list of sc.Lever, applied in order
NAME, DESC, OVERWRITE = "plans_name", "plans_desc", "plans_overwrite"
SAVE_FLASH, SAVED_FLASH = "plans_save_flash", "plans_saved_flash"
COMPARE = "plans_compare"
ROWS = (10, 20, 50, 100)
CARDS = ("total_profit", "loss_customers", "bottom30_profit", "whale_peak_share", "top20_profit_share", "customers")
DELTA_COLORS = {1: "normal", -1: "inverse", 0: "off"}
ATTRIBUTE_OPTIONS = {"segment": "segments", "region": "regions", "channel": "channels", "plan": "plans",
                     "customer_type": "customer_types"}

ctx = context.get()
t, f = ctx.t, ctx.filters
money_format = components.money_format(t)
st.session_state.setdefault(LEVERS, [])


# ----------------------------------------------------------------------------- words
# A plan in words is shared with the meeting deck (presentation/plan.py); here bound to the reader's language.
def _unit_money(v: float) -> str:
    return words.unit_money(v, t)


def activity(name: str) -> str:
    return words.activity(name, t)


def tier_label(code: str) -> str:
    return words.tier_label(code, t)


def scope_text(lever: sc.Lever) -> str:
    return words.scope_text(lever, t)


def lever_text(lever: sc.Lever) -> str:
    """What a lever does, with its parameters, in words (plain text: escape it for Markdown)."""
    return words.lever_text(lever, t)


def lever_title(i: int, lever: sc.Lever) -> str:
    return words.lever_title(i, lever, t)


def rule_text(key: str) -> str:
    return words.rule_text(key, t)


def detail_lines(details: dict[str, Any]) -> list[str]:
    return words.detail_lines(details, t)


registry_key = words.registry_key


def figure_label(key: str) -> str:
    return words.figure_label(key, t)


def fig_text(key: str, v: float | None, compact: bool = False) -> str:
    return words.fig_text(key, v, t, compact)


def change_text(key: str, d: float | None, compact: bool = False) -> str:
    return words.change_text(key, d, t, compact)


def plan_summary(levers: list[sc.Lever] | tuple[sc.Lever, ...]) -> str:
    """Every lever in one line (export headers)."""
    return words.plan_summary(levers, t)


# ----------------------------------------------------------------------------- state changes (button callbacks)
def _move(i: int, step: int) -> None:
    levers = list(st.session_state[LEVERS])
    j = i + step
    if 0 <= i < len(levers) and 0 <= j < len(levers):
        levers[i], levers[j] = levers[j], levers[i]
        st.session_state[LEVERS] = levers


def _remove(i: int) -> None:
    levers = list(st.session_state[LEVERS])
    if 0 <= i < len(levers):
        del levers[i]
        st.session_state[LEVERS] = levers


def _clear() -> None:
    st.session_state[LEVERS] = []


def _save(names: list[str]) -> None:
    """Save the plan being built (validated here first, so that the reader gets one clear message)."""
    if not auth.permitted(auth.ANALYST, in_callback=True):
        return
    levers = list(st.session_state.get(LEVERS, []))
    name = str(st.session_state.get(NAME) or "").strip()
    if not levers:
        st.session_state[SAVE_FLASH] = ("error", t("plans.save.no_levers"))
    elif not name:
        st.session_state[SAVE_FLASH] = ("error", t("plans.save.no_name"))
    elif name in names and not st.session_state.get(OVERWRITE):
        st.session_state[SAVE_FLASH] = ("error", t("plans.save.taken"))
    else:
        try:
            plan = sc.plans.save(cache.connection(), name, levers, author=ctx.user,
                                 description=str(st.session_state.get(DESC) or ""))
        except ValueError as exc:
            st.session_state[SAVE_FLASH] = ("error", t.md("plans.save.failed", error=str(exc)))
        else:
            st.session_state[SAVE_FLASH] = ("success", t.md("plans.save.done", name=plan.name, author=plan.author or ""))
            st.session_state[OVERWRITE] = False


def _open(name: str) -> None:
    try:
        plan = cache.run(sc.plans.load, name)
    except ValueError as exc:
        st.session_state[SAVED_FLASH] = ("error", t.md("plans.saved.unreadable", name=name, error=str(exc)))
        return
    st.session_state[LEVERS] = list(plan.levers)
    st.session_state[NAME] = plan.name
    st.session_state[DESC] = plan.description
    st.session_state[OVERWRITE] = False
    st.session_state[SAVED_FLASH] = ("success", t.md("plans.saved.loaded", name=plan.name))


def _delete(name: str) -> None:
    if not auth.permitted(auth.ANALYST, in_callback=True):
        return
    try:
        sc.plans.delete(cache.connection(), name, user=ctx.user)
    except ValueError:
        st.session_state[SAVED_FLASH] = ("warning", t.md("plans.saved.missing", name=name))
    else:
        st.session_state[SAVED_FLASH] = ("success", t.md("plans.saved.deleted", name=name))
    st.session_state.pop("plans_delete_confirm", None)


def _show_flash(key: str) -> None:
    msg = st.session_state.pop(key, None)
    if msg:
        getattr(st, msg[0])(msg[1])


# ----------------------------------------------------------------------------- the lever builder
def _pick(label: str, options: list[str], key: str, prefer: tuple[str, ...] = (), **kw: Any) -> str | None:
    index = next((options.index(p) for p in prefer if p in options), 0) if options else None
    return st.selectbox(label, options, index=index, key=key, format_func=activity, **kw)


def _percent(label: str, key: str, default: float, **kw: Any) -> float:
    """A share entered in % (0–100), returned as a fraction."""
    return st.number_input(label, min_value=0.0, max_value=100.0, value=default, step=5.0, format="%g", key=key, **kw) / 100


def lever_params(kind: str, known: list[str], priced: pd.DataFrame) -> dict[str, Any]:
    """The widgets of one lever kind; its keyword arguments."""
    k = f"plans_new_{kind}"
    priced_names = list(priced["activity"])
    cost_now = dict(zip(priced["activity"], priced["unit_cost"], strict=True))
    cols = st.columns(4)
    if kind == "process_improvement":
        with cols[0]:
            act = _pick(t("plans.p.activity"), known, f"{k}_activity", ("delivery",))
        how = cols[1].radio(t("plans.p.how"), ["cut", "set"], key=f"{k}_how", format_func=lambda h: t(f"plans.p.how.{h}"))
        rate_note = t.md("plans.p.rate_now", cost=_unit_money(float(cost_now[act]))) if act in cost_now else None
        with cols[2]:
            if how == "cut":
                return {"activity": act, "cut": _percent(t("plans.p.cut"), f"{k}_cut", 10.0, help=rate_note)}
            cost = st.number_input(t("plans.p.unit_cost"), min_value=0.0, max_value=1e9, format="%g",
                                   value=float(cost_now.get(act, 0.0)), key=f"{k}_cost_{act}", help=rate_note)
            return {"activity": act, "unit_cost": cost}
    if kind == "activity_pricing":
        with cols[0]:
            act = _pick(t("plans.p.activity"), known, f"{k}_activity", ("rush_order", "support_call"))
        fee = cols[1].number_input(t("plans.p.fee"), min_value=0.0, max_value=1e9, value=50.0, step=10.0, format="%g",
                                   key=f"{k}_fee")
        allowance = cols[2].number_input(t("plans.p.allowance"), min_value=0.0, max_value=1e9, value=12.0, step=1.0,
                                         format="%g", key=f"{k}_allowance", help=t("plans.p.allowance_help"))
        with cols[3]:
            share = _percent(t("plans.p.behaviour"), f"{k}_behaviour", 50.0)
        return {"activity": act, "fee": fee, "allowance": allowance, "behaviour_share": share}
    if kind == "channel_migration":
        with cols[0]:
            source = _pick(t("plans.p.from_activity"), known, f"{k}_source", ("onsite_support", "support_call"))
        with cols[1]:  # any activity with a rate but the one that moves
            target = _pick(t("plans.p.to_activity"), [a for a in priced_names if a != source], f"{k}_target",
                           ("self_service", "support_call"))
        with cols[2]:
            share = _percent(t("plans.p.share"), f"{k}_share", 30.0)
        units = cols[3].number_input(t("plans.p.units_per_unit"), min_value=0.01, max_value=1000.0, value=1.0, step=0.1,
                                     format="%g", key=f"{k}_units")
        return {"from_activity": source, "to_activity": target, "share": share, "units_per_unit": units}
    if kind == "minimum_order":
        minimum = cols[0].number_input(t("plans.p.minimum"), min_value=0.01, max_value=1e9, value=100.0, step=50.0,
                                       format="%g", key=f"{k}_minimum")
        with cols[1]:
            share = _percent(t("plans.p.consolidate"), f"{k}_consolidate", 60.0)
        order_acts = cols[2].multiselect(t("plans.p.order_activities"), known, key=f"{k}_acts", format_func=activity,
                                         default=[a for a in ("delivery",) if a in known])
        return {"minimum": minimum, "consolidate_share": share, "order_activities": tuple(order_acts)}
    if kind == "discount_cap":
        with cols[0]:
            act = _pick(t("plans.p.activity"), known, f"{k}_activity", ("rebate",))
        with cols[1]:
            share = _percent(t("plans.p.cap_share"), f"{k}_cap", 5.0)
        return {"activity": act, "cap_share": share}
    if kind == "price_change":
        change = cols[0].number_input(t("plans.p.change"), min_value=-99.0, max_value=500.0, value=5.0, step=1.0,
                                      format="%g", key=f"{k}_change") / 100
        elasticity = cols[1].number_input(t("plans.p.elasticity"), min_value=-20.0, max_value=20.0, value=-0.5, step=0.1,
                                          format="%g", key=f"{k}_elasticity", help=t("plans.p.elasticity_help"))
        products = ["", *cache.run(records.distinct_values, "transactions", "product")]
        product = cols[2].selectbox(t("plans.p.product"), products, key=f"{k}_product",
                                    format_func=lambda p: t.value("product", p) if p else t("plans.p.all_products"))
        return {"change": change, "elasticity": elasticity, "product": product or None}
    mode = cols[0].radio(t("plans.p.mode"), ["partner", "let_go"], key=f"{k}_mode",
                         format_func=lambda m: t(f"plans.p.mode.{m}"))
    if mode == "partner":
        with cols[1]:
            return {"mode": mode, "margin_share": _percent(t("plans.p.margin"), f"{k}_margin", 10.0)}
    return {"mode": mode}


def selector_widgets() -> sc.Selector:
    """The customers a new lever reaches (raises ValueError for a selection without values)."""
    c1, c2, c3 = st.columns([2, 3, 2])
    who = c1.selectbox(t("plans.add.who"), list(sc.SELECTOR_KINDS), key="plans_new_who",
                       format_func=lambda k: t(f"scenario.selector.{k}"))
    values: tuple[str, ...] = ()
    with c2:
        if who in ATTRIBUTE_OPTIONS:
            options = cache.run(flt.options)[ATTRIBUTE_OPTIONS[who]]
            values = tuple(st.multiselect(t("plans.add.values"), options, key=f"plans_new_values_{who}",
                                          format_func=lambda v, col=who: t.value(col, v)))
        elif who == "tier":
            values = tuple(st.multiselect(t("plans.add.values"), list(TIERS), key="plans_new_values_tier",
                                          format_func=tier_label))
        elif who == "ids":
            raw = st.text_area(t("plans.add.ids"), key="plans_new_ids", height=68)
            values = tuple(v for v in re.split(r"[\s,;，；、]+", raw) if v)
    loss_only = c3.checkbox(t("plans.add.loss_only"), key="plans_new_loss_only", help=t("plans.add.loss_only_help"),
                            disabled=who == "loss_makers")
    return sc.Selector(who, values, loss_only and who != "loss_makers")


def effective_date() -> dt.date | None:
    key = "plans_new_from"
    value = st.session_state.get(key)
    if isinstance(value, dt.date) and ((f.date_from and value < f.date_from) or (f.date_to and value > f.date_to)):
        st.session_state[key] = None  # the period moved: a day outside it would refuse to render
    return st.date_input(t("plans.add.from"), value=None, min_value=f.date_from, max_value=f.date_to, key=key,
                         format="YYYY-MM-DD", help=t("plans.add.from_help"))


def builder(levers: list[sc.Lever]) -> None:
    known = cache.run(rates.known_activities)
    priced = cache.run(rates.latest)
    with st.container(border=True):
        st.markdown(f"**{t('plans.add.title')}**")
        c1, c2 = st.columns([2, 5])
        kind = c1.selectbox(t("plans.add.kind"), list(sc.LEVER_TYPES), key="plans_new_kind",
                            format_func=lambda k: t(f"scenario.lever.{k}"))
        c2.caption(t(f"scenario.lever.{kind}.help"))
        with c2:
            when = effective_date()
        if not known and kind not in ("price_change", "relationship_transition", "minimum_order"):
            st.info(t("plans.add.no_activities"))
        problem = None
        try:
            selector = selector_widgets()
        except ValueError as exc:
            selector, problem = None, exc
        params = lever_params(kind, known, priced)
        full = len(levers) >= sc.plans.MAX_LEVERS
        if full:
            st.caption(t("plans.add.full", n=sc.plans.MAX_LEVERS))
        if st.button(t("plans.add.button"), key="plans_add", type="primary", icon=":material/add:", disabled=full):
            try:
                if problem is not None:
                    raise problem
                lever = sc.LEVER_TYPES[kind](customers=selector, effective_from=when, **params)
                cache.run(check_levers, (lever,))  # names of activities, products, values, ids: known?
            except ValueError as exc:
                st.error(t.md("plans.add.invalid", error=str(exc)), icon=":material/error:")
            else:
                levers.append(lever)
                st.session_state[LEVERS] = levers
                st.success(t.md("plans.add.added", n=len(levers), lever=f"{t(f'scenario.lever.{kind}')} · {lever_text(lever)}"))


# ----------------------------------------------------------------------------- the levers and their effects
def lever_cards(levers: list[sc.Lever], p: sc.Projection | None) -> None:
    st.subheader(t("plans.levers.title"))
    if not levers:
        st.info(t("plans.levers.none"), icon=":material/lightbulb:")
        return
    effects = {e.index: e for e in p.effects} if p is not None else {}
    for i, lever in enumerate(levers, 1):
        with st.container(border=True):
            left, right = st.columns([3, 2], gap="medium")
            with left:
                st.markdown(f"**{escape(lever_title(i, lever))}** · {escape(lever_text(lever))}")
                st.caption(escape(scope_text(lever)))
                st.markdown(f"*{t('plans.levers.assumptions')}*\n\n"
                            + "\n".join(f"- {escape(rule_text(k))}" for k in lever.rules))
            with right:
                e = effects.get(i)
                if e is not None:
                    components.metric(t("plans.card", figure=t("plans.levers.effect")), t.money(e.profit, signed=True),
                                      help=t("plans.levers.order_note"))
                    st.caption(t("plans.levers.reach", selected=f"{e.selected:,}", changed=f"{e.changed:,}"))
                    st.caption(t.md("plans.levers.money", revenue=t.money(e.revenue, signed=True),
                                    cogs=t.money(e.cogs, signed=True), cts=t.money(e.cost_to_serve, signed=True)))
                    lines = detail_lines(e.details)
                    if lines:
                        st.caption("\n".join(f"- {escape(x)}" for x in lines))
                b1, b2, b3 = st.columns(3)
                b1.button(t("plans.levers.up"), key=f"plans_up_{i}", on_click=_move, args=(i - 1, -1), disabled=i == 1,
                          icon=":material/arrow_upward:", width="stretch")
                b2.button(t("plans.levers.down"), key=f"plans_down_{i}", on_click=_move, args=(i - 1, 1),
                          disabled=i == len(levers), icon=":material/arrow_downward:", width="stretch")
                b3.button(t("plans.levers.remove"), key=f"plans_remove_{i}", on_click=_remove, args=(i - 1,),
                          icon=":material/delete:", width="stretch")
    st.button(t("plans.levers.clear"), key="plans_clear", on_click=_clear, icon=":material/clear_all:")


# ----------------------------------------------------------------------------- the projection
def figure_cards(p: sc.Projection) -> None:
    """The headline figures after the plan, with their change and the registry's definitions."""
    before, after = p.figures("baseline"), p.figures("scenario")
    fig = p.scenario
    args = {"n": f"{fig.customers:,}", "top": f"{fig.top20_customers:,}", "bottom": f"{fig.bottom30_customers:,}"}
    cols = [c for _ in range(0, len(CARDS), 3) for c in st.columns(3)]  # rows of three: labels say "projected"
    for col, key in zip(cols, CARDS, strict=True):
        rk = registry_key(key)
        b, a = before[key], after[key]
        change = None if a is None or b is None else a - b
        note = t.md("plans.card.help", before=fig_text(key, b), after=fig_text(key, a), change=change_text(key, change))
        delta = t.figure_delta(rk, change)
        col.metric(t("plans.card", figure=t.metric(rk)), t.figure(rk, a), delta=delta, border=True,
                   delta_color=DELTA_COLORS[registry.metric(rk).direction] if delta is not None and change else "off",
                   help=t.metric_help(rk, **args) + "\n\n" + note)


def figures_table(p: sc.Projection) -> pd.DataFrame:
    table = p.figures_table()
    return pd.DataFrame({
        "figure": [figure_label(k) for k in table["figure"]],
        "before": [fig_text(k, v) for k, v in zip(table["figure"], table["baseline"], strict=True)],
        "after": [fig_text(k, v) for k, v in zip(table["figure"], table["scenario"], strict=True)],
        "change": [change_text(k, None if pd.isna(v) else v) for k, v in zip(table["figure"], table["change"], strict=True)],
    })


def _money_col(label: str) -> object:
    return st.column_config.NumberColumn(label, format=money_format)


def customer_table(frame: pd.DataFrame, key: str) -> None:
    df = frame[["customer_id", "name", "segment", "profit_before", "profit_after", "change", "status"]].copy()
    df["segment"] = [t.value("segment", v) for v in df["segment"]]
    df["status"] = [t(f"scenario.status.{s}") for s in df["status"]]
    drill.customer_table(df, hide_index=True, width="stretch", placeholder="—",
                 key=key, column_config={
                     "customer_id": components.customer_link_config(t("common.customer_id")),
                     "name": t("common.name"), "segment": t.dimension("segment"),
                     "profit_before": _money_col(t("plans.col.profit_before")),
                     "profit_after": _money_col(t("plans.col.profit_after")),
                     "change": _money_col(t("plans.col.change")),
                     "status": t("plans.col.status"),
                 })


def gainers_and_losers(p: sc.Projection, levers: list[sc.Lever]) -> None:
    st.subheader(t("plans.who.title"))
    counts = p.customers["status"].value_counts()
    st.caption(t("plans.who.summary", **{s: f"{int(counts.get(s, 0)):,}" for s in ("gains", "loses", "leaves", "unchanged")}))
    n = links.choice(st.selectbox, t("plans.rows"), ROWS, key="plans_rows", param="rows")
    for frame, title, empty, key in ((p.gainers, "plans.gainers", "plans.none_gain", "plans_gainers"),
                                     (p.losers, "plans.losers", "plans.none_lose", "plans_losers")):
        st.markdown(f"**{t(title)}** · {t('scenario.projection')}")
        if frame.empty:
            st.caption(t(empty))
        else:
            customer_table(frame.head(n), key)
    header = [components.describe_filters(f, t), t("plans.export_note", levers=plan_summary(levers)),
              *([cogs_note] if cogs_note else [])]
    changed = p.customers[p.customers["status"] != "unchanged"]
    export = changed[["customer_id", "name", "segment", "region", "channel", "plan", "revenue_before", "revenue_after",
                      "cogs_before", "cogs_after", "cost_to_serve_before", "cost_to_serve_after", "profit_before",
                      "profit_after", "change", "status", *(c for c in changed.columns if c.startswith("lever_"))]]
    components.downloads(export, t("plans.download_name"), t, header_lines=header, key="plans_dl_customers")


def winwin_exits(p: sc.Projection) -> None:
    st.subheader(t("plans.winwin.title"))
    st.caption(t("plans.winwin.note"))
    if p.winwin is None or p.winwin.empty:
        st.info(t("plans.winwin.unassessed"))
        return
    exits = p.winwin_exits
    entered = int((p.winwin["move"] == "entered").sum())
    more = (" " + t("plans.winwin.entered", n=f"{entered:,}")) if entered else ""
    if exits.empty:
        st.success(t("plans.winwin.none") + more, icon=":material/check_circle:")
        return
    st.warning(t("plans.winwin.count", n=f"{len(exits):,}") + more, icon=":material/flag:")
    df = exits[["customer_id", "name", "segment", "delivered_value", "profit_before", "profit_after", "quadrant_after"]].copy()
    df["segment"] = [t.value("segment", v) for v in df["segment"]]
    df["quadrant_after"] = [t(f"dv.quadrant.{q}") for q in df["quadrant_after"]]
    drill.customer_table(df, hide_index=True, width="stretch", key="plans_exits",
                 column_config={
                     "customer_id": components.customer_link_config(t("common.customer_id")),
                     "name": t("common.name"), "segment": t.dimension("segment"),
                     "delivered_value": st.column_config.NumberColumn(t("plans.col.delivered_value"), format="%.2f"),
                     "profit_before": _money_col(t("plans.col.profit_before")),
                     "profit_after": _money_col(t("plans.col.profit_after")),
                     "quadrant_after": t("plans.col.quadrant_after"),
                 })


def effects_table(p: sc.Projection) -> None:
    st.subheader(t("plans.effects.title"))
    rows = [{"n": e.index, "lever": f"{t(f'scenario.lever.{e.lever.KIND}')} · {lever_text(e.lever)}",
             "who": scope_text(e.lever), "selected": e.selected, "changed": e.changed, "revenue": e.revenue,
             "cogs": e.cogs, "cost_to_serve": e.cost_to_serve, "profit": e.profit,
             "assumptions": words.rules_text(e.lever.rules, t)} for e in p.effects]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="plans_effects", column_config={
        "n": t("plans.col.n"), "lever": st.column_config.TextColumn(t("plans.col.lever"), width="large"),
        "who": st.column_config.TextColumn(t("plans.add.who"), width="medium"),
        "selected": t("plans.col.selected"), "changed": t("plans.col.changed"),
        "revenue": _money_col(t("plans.col.revenue_change")), "cogs": _money_col(t("plans.col.cogs_change")),
        "cost_to_serve": _money_col(t("plans.col.cts_change")), "profit": _money_col(t("plans.col.profit_change")),
        "assumptions": st.column_config.TextColumn(t("plans.col.assumptions"), width="large"),
    })
    st.caption(t("plans.levers.order_note"))


def change_frame(p: sc.Projection, max_points: int = 2000) -> pd.DataFrame:
    """The cumulative profit change along today's ranking (``customer_share``, ``cum_change``), from (0, 0),
    thinned to about ``max_points`` points (the last customer always kept: the curve ends at the total)."""
    change = p.customers["change"].to_numpy(dtype=float)  # today's order: most profitable first
    n = len(change)
    if not n:
        return pd.DataFrame({"customer_share": [0.0], "cum_change": [0.0]})
    cum = np.cumsum(change)
    keep = np.unique(np.append(np.arange(0, n, max(1, math.ceil(n / max_points))), n - 1))
    return pd.DataFrame({"customer_share": np.append(0.0, (keep + 1) / n), "cum_change": np.append(0.0, cum[keep])})


def projection_section(p: sc.Projection, levers: list[sc.Lever]) -> None:
    head, badge = st.columns([5, 1], vertical_alignment="center")
    head.subheader(t("plans.proj.title"))
    with badge:
        st.badge(t("scenario.projection"), icon=":material/science:", color="orange")
    figure_cards(p)
    curves = p.curves()
    left, right = st.columns([3, 2], gap="medium")
    with left:
        components.chart(sc_charts.whale_curves(
            [(t("plans.curve.baseline"), curves[curves["which"] == "baseline"]),
             (t("plans.curve.scenario"), curves[curves["which"] == "scenario"])], t, title=t("plans.curve.title")),
            "plans_curve")
        st.caption(t("plans.curve.note"))
        if p.effects:
            components.chart(sc_charts.change_curves([(t("plans.curve.scenario"), change_frame(p))], t,
                                                     title=t("plans.change.title")), "plans_change")
            st.caption(t("plans.change.note"))
    with right:
        if p.effects:
            components.chart(sc_charts.lever_bridge(
                p.baseline.total_profit, [(lever_title(e.index, e.lever), e.profit) for e in p.effects],
                p.scenario.total_profit, t, title=t("plans.bridge.title"), height=460), "plans_bridge")
            st.caption(t("plans.bridge.note"))
        table = figures_table(p)
        with st.expander(t("plans.figs.table"), icon=":material/table:", expanded=True):
            st.dataframe(table, hide_index=True, width="stretch", key="plans_figures", column_config={
                "figure": t("plans.col.figure"), "before": t("plans.col.before"),
                "after": t("plans.card", figure=t("plans.col.after")), "change": t("plans.col.change")})
            components.downloads(table.rename(columns={
                "figure": t("plans.col.figure"), "before": t("plans.col.before"),
                "after": t("plans.card", figure=t("plans.col.after")), "change": t("plans.col.change")}),
                f"{t('plans.download_name')}_figures", t, key="plans_dl_figures",
                header_lines=[components.describe_filters(f, t), t("plans.export_note", levers=plan_summary(levers))])
    if p.effects:
        effects_table(p)
        st.divider()
        gainers_and_losers(p, levers)
        st.divider()
        winwin_exits(p)


def save_section(levers: list[sc.Lever], names: list[str]) -> None:
    st.subheader(t("plans.save.title"))
    c1, c2 = st.columns([1, 2])
    name = c1.text_input(t("plans.save.name"), key=NAME, max_chars=sc.plans.MAX_NAME,
                         placeholder=t("plans.save.name_ph"))
    c2.text_area(t("plans.save.desc"), key=DESC, height=68, max_chars=2000)
    clean = (name or "").strip()
    if clean in names:
        st.warning(t.md("plans.save.exists", name=clean))
        st.checkbox(t("plans.save.overwrite"), key=OVERWRITE)
    st.caption(t.md("plans.save.author", author=ctx.user))
    st.button(t("plans.save.button"), key="plans_save", type="primary", icon=":material/save:", on_click=_save,
              args=(names,), disabled=not levers)
    _show_flash(SAVE_FLASH)


def build_tab(names: list[str]) -> None:
    levers: list[sc.Lever] = list(st.session_state[LEVERS])
    builder(levers)
    p, failure = None, None
    try:
        p = cache.run(sc.project, f, tuple(levers))
    except ValueError as exc:
        failure = exc
    lever_cards(levers, p)
    st.divider()
    if failure is not None:
        st.error(t.md("plans.proj.failed", error=str(failure)), icon=":material/error:")
    elif p is not None and not p.baseline.customers:
        st.warning(t("common.no_customers"))
    elif p is not None:
        projection_section(p, levers)
    st.divider()
    save_section(levers, names)


# ----------------------------------------------------------------------------- saved plans
def _load_plans(names: list[str]) -> tuple[dict[str, sc.Plan], dict[str, str]]:
    plans, problems = {}, {}
    for name in names:
        try:
            plans[name] = cache.run(sc.plans.load, name)
        except ValueError as exc:  # unreadable (or deleted meanwhile): say so, keep the others
            problems[name] = str(exc)
    return plans, problems


def saved_tab(names: list[str], plans: dict[str, sc.Plan], problems: dict[str, str]) -> None:
    _show_flash(SAVED_FLASH)
    if not names:
        st.info(t("plans.saved.none"))
        return
    for name, error in problems.items():
        st.warning(t.md("plans.saved.unreadable", name=name, error=error))
    listing = pd.DataFrame([{"name": p.name, "author": p.author or "—", "saved_at": p.saved_at, "levers": len(p.levers),
                             "description": p.description} for p in plans.values()])
    if not listing.empty:
        st.dataframe(listing, hide_index=True, width="stretch", key="plans_saved_list", column_config={
            "name": t("plans.col.name"), "author": t("plans.col.author"),
            "saved_at": st.column_config.DatetimeColumn(t("plans.col.saved_at"), format="YYYY-MM-DD HH:mm"),
            "levers": t("plans.col.levers"), "description": st.column_config.TextColumn(t("plans.col.description"), width="large"),
        })
    if st.session_state.get("plans_saved_pick") not in (None, *plans):
        del st.session_state["plans_saved_pick"]
    chosen = st.selectbox(t("plans.saved.pick"), list(plans), key="plans_saved_pick")
    if chosen is None:
        return
    plan = plans[chosen]
    with st.container(border=True):
        st.markdown(f"**{escape(plan.name)}**" + (f" · {escape(plan.description)}" if plan.description else ""))
        when = plan.saved_at.strftime("%Y-%m-%d %H:%M") if plan.saved_at else "—"
        st.caption(t.md("plans.saved.by", author=plan.author or "—", when=when))
        st.markdown("\n".join(f"{i}. **{escape(t(f'scenario.lever.{lv.KIND}'))}** · {escape(lever_text(lv))} "
                              f"· {escape(scope_text(lv))}" for i, lv in enumerate(plan.levers, 1)))
        c1, c2, c3 = st.columns([2, 2, 2], vertical_alignment="bottom")
        c1.button(t("plans.saved.load"), key="plans_open", on_click=_open, args=(plan.name,), icon=":material/edit:",
                  width="stretch")
        sure = c2.checkbox(t("plans.saved.confirm"), key="plans_delete_confirm")
        c3.button(t("plans.saved.delete"), key="plans_delete", on_click=_delete, args=(plan.name,), disabled=not sure,
                  icon=":material/delete:", width="stretch")


# ----------------------------------------------------------------------------- compare
def compare_tab(plans: dict[str, sc.Plan]) -> None:
    if len(plans) < 2:
        st.info(t("plans.cmp.need_saved"))
        return
    kept = [n for n in st.session_state.get(COMPARE, []) if n in plans]
    if kept != st.session_state.get(COMPARE, kept):
        st.session_state[COMPARE] = kept  # a plan deleted meanwhile
    chosen = st.multiselect(t("plans.cmp.pick"), list(plans), key=COMPARE, max_selections=4)
    if len(chosen) < 2:
        st.caption(t("plans.cmp.hint"))
        return
    projections: dict[str, sc.Projection] = {}
    for name in chosen:
        try:
            projections[name] = cache.run(sc.project, f, tuple(plans[name].levers))
        except ValueError as exc:
            st.error(t.md("plans.cmp.failed", name=name, error=str(exc)))
    if len(projections) < 2:
        return
    columns = {name: f"plan_{i}" for i, name in enumerate(projections, 1)}  # plan names may be anything
    table = sc.compare({columns[n]: p for n, p in projections.items()})
    shown = pd.DataFrame({"figure": [figure_label(k) for k in table["figure"]],
                          "baseline": [fig_text(k, v) for k, v in zip(table["figure"], table["baseline"], strict=True)]})
    for col in columns.values():
        shown[col] = [fig_text(k, v) for k, v in zip(table["figure"], table[col], strict=True)]
    extra = [("plans.cmp.total_change", lambda p: t.money(p.total_change, signed=True), t.money(0, signed=True)),
             ("plans.cmp.gaining", lambda p: f"{int((p.customers['status'] == 'gains').sum()):,}", "0"),
             ("plans.cmp.losing", lambda p: f"{int((p.customers['status'] == 'loses').sum()):,}", "0"),
             ("plans.cmp.leaving", lambda p: f"{int((p.customers['status'] == 'leaves').sum()):,}", "0"),
             ("plans.cmp.exits", lambda p: "—" if p.winwin is None else f"{len(p.winwin_exits):,}", "0")]
    rows = [{"figure": t(key), "baseline": base, **{columns[n]: fn(p) for n, p in projections.items()}}
            for key, fn, base in extra]
    shown = pd.concat([pd.DataFrame(rows), shown], ignore_index=True)
    head, badge = st.columns([5, 1], vertical_alignment="center")
    head.subheader(t("plans.cmp.table"))
    with badge:
        st.badge(t("scenario.projection"), icon=":material/science:", color="orange")
    labels = {"figure": t("plans.col.figure"), "baseline": t("plans.curve.baseline"),
              **{col: t("plans.card", figure=name) for name, col in columns.items()}}
    st.dataframe(shown, hide_index=True, width="stretch", key="plans_compare_table", height=35 * (len(shown) + 1) + 3,
                 column_config={c: st.column_config.TextColumn(label) for c, label in labels.items()})
    components.downloads(shown.rename(columns=labels), t("plans.cmp.download_name"), t, key="plans_dl_compare",
                         header_lines=[components.describe_filters(f, t), *(
                             t("plans.export_note", levers=f"{name}: {plan_summary(plans[name].levers)}") for name in projections)])
    first = next(iter(projections.values()))
    base_curve = first.curves()
    series = [(t("plans.curve.baseline"), base_curve[base_curve["which"] == "baseline"])]
    for name, p in projections.items():
        c = p.curves()
        series.append((t("plans.card", figure=name), c[c["which"] == "scenario"]))
    left, right = st.columns(2, gap="medium")
    with left:
        components.chart(sc_charts.whale_curves(series, t, title=t("plans.cmp.curves"), height=480),
                         "plans_compare_curves")
        st.caption(t("plans.curve.note"))
    with right:
        components.chart(sc_charts.change_curves(
            [(t("plans.card", figure=name), change_frame(p)) for name, p in projections.items()], t,
            title=t("plans.change.cmp_title"), height=480), "plans_compare_change")
        st.caption(t("plans.change.note"))
    st.markdown(f"**{t('plans.cmp.levers')}**")
    for name in projections:
        st.markdown(f"**{escape(name)}**\n\n" + "\n".join(
            f"{i}. {escape(t(f'scenario.lever.{lv.KIND}'))} · {escape(lever_text(lv))} · {escape(scope_text(lv))}"
            for i, lv in enumerate(plans[name].levers, 1)))


# ----------------------------------------------------------------------------- the page
components.page_header(t("plans.title"), t, f, subtitle=t.md("plans.subtitle", filters=components.describe_filters(f, t)))
st.caption(t("plans.never_writes"))
# Profit now and projected: say where cost of goods was not provided (also in the customer download).
cogs_note = components.cogs_warning(t, cache.run(profit.cogs_unknown_for, f))
saved_names = cache.run(sc.plans.names)
saved_plans, unreadable = _load_plans(saved_names)
tab_build, tab_saved, tab_compare = st.tabs([t("plans.tab.build"), t("plans.tab.saved"), t("plans.tab.compare")])
with tab_build:
    build_tab(saved_names)
with tab_saved:
    saved_tab(saved_names, saved_plans, unreadable)
with tab_compare:
    compare_tab(saved_plans)
