"""``scenario``: improvement plans (:mod:`analytics.scenario`) without the UI: project levers over the
sidebar's filters, list, show and compare the saved plans. A projection never writes to the store
(it is opened read-only); plans are saved on the Improvement plans page or through
:func:`analytics.scenario.plans.save`.

    python -m analytics scenario run [filters] [--plan NAME] [--rate ACTIVITY=COST …] [--lever JSON …] [--json]
    python -m analytics scenario list [--json]
    python -m analytics scenario show NAME [--json]
    python -m analytics scenario compare NAME NAME [NAME [NAME]] [filters] [--json]

Inside ``scenario``, ``--plan NAME`` names an improvement plan; the customers' plan or contract type
(the other commands' ``--plan`` filter) is ``--contract-plan``. ``run`` applies the saved plan's levers
first, then one process-improvement lever per ``--rate`` (the activity's unit cost set for everyone
over the whole period, as the rate editor's what-if), then the ``--lever`` levers, in the order given.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Mapping
from typing import Any

import duckdb

from analytics import scenario as sc
from cli import common

NAME = "scenario"
HELP = "improvement plans: project levers (run), list, show and compare saved plans"
MIN_COMPARE, MAX_COMPARE = 2, 4
SHARES = {"top20_profit_share", "whale_peak_share", "whale_peak_customer_share", "bottom30_share_of_peak"}
COUNTS = {"customers", "loss_customers"}
RATIOS = {"gini"}
# What every plan's projection says besides the figures (compare lists them per plan).
PER_PLAN = ("total_profit_change", "customers_gaining", "customers_losing", "customers_leaving", "winwin_exits")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description = ("Improvement plans without the UI: project levers over the filters (run), list, show and "
                     "compare saved plans. A projection never writes to the store. Inside scenario, --plan NAME "
                     "names an improvement plan; the customers' contract-plan filter is --contract-plan.")
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=type(p))

    run = sub.add_parser("run", help="project levers over the filters: baseline and scenario figures, each lever's effect",
                         conflict_handler="resolve")
    _filters(run)
    run.add_argument("--plan", dest="plan_name", metavar="NAME", help="a saved improvement plan: its levers come first")
    run.add_argument("--rate", action="append", metavar="ACTIVITY=COST",
                     help="set an activity's unit cost for everyone over the whole period (repeatable)")
    run.add_argument("--lever", action="append", metavar="JSON",
                     help='a lever as JSON, e.g. \'{"kind": "process_improvement", "activity": "delivery", "cut": 0.15}\' '
                          "(an object or a list of them; repeatable)")
    run.add_argument("--json", action="store_true", help="print one JSON object")

    listing = sub.add_parser("list", help="the saved plans, most recently saved first")
    common.add_db_arg(listing)
    listing.add_argument("--json", action="store_true", help="print JSON")

    show = sub.add_parser("show", help="a saved plan: its levers with their assumptions")
    common.add_db_arg(show)
    show.add_argument("name", metavar="NAME", help="the plan's name")
    show.add_argument("--json", action="store_true", help="print one JSON object")

    compare = sub.add_parser("compare", help=f"{MIN_COMPARE} to {MAX_COMPARE} saved plans side by side",
                             conflict_handler="resolve")
    compare.add_argument("names", nargs="*", metavar="NAME", help="the plans' names")
    _filters(compare)
    compare.add_argument("--plan", dest="plan_names", action="append", metavar="NAME",
                         help="a plan to compare (another way to name one; repeatable)")
    compare.add_argument("--json", action="store_true", help="print one JSON object")


def _filters(p: argparse.ArgumentParser) -> None:
    """--db and the sidebar's filters, the contract-plan filter spelled ``--contract-plan`` (``--plan``,
    added after this on a parser resolving conflicts, names an improvement plan here)."""
    common.add_db_arg(p)
    common.add_filter_args(p)
    p.add_argument("--contract-plan", dest="plan", action="append", metavar="P",
                   help="plan or contract type of the customers (the other commands' --plan filter)")


# ----------------------------------------------------------------------------- reading the options
def parse_rates(values: list[str] | None) -> list[sc.ProcessImprovement]:
    """``--rate ACTIVITY=COST`` options as levers setting each activity's unit cost for everyone."""
    costs: dict[str, float] = {}
    for item in values or []:
        activity, sep, raw = item.partition("=")
        activity = activity.strip()
        if not sep or not activity or not raw.strip():
            raise ValueError(f"--rate takes ACTIVITY=UNIT_COST, got {item!r}")
        if activity in costs:
            raise ValueError(f"--rate gives the activity {activity!r} twice")
        try:
            costs[activity] = float(raw)
        except ValueError:
            raise ValueError(f"--rate {item!r}: the unit cost {raw.strip()!r} is not a number") from None
    try:
        return sc.rate_levers(costs)
    except ValueError as exc:
        raise ValueError(f"--rate: {exc}") from None


def parse_levers(values: list[str] | None) -> list[sc.Lever]:
    """``--lever JSON`` options (each an object or a list of objects) as levers, in order."""
    out: list[sc.Lever] = []
    for i, text in enumerate(values or [], 1):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"--lever {i} is not JSON ({exc.msg} at column {exc.colno}): {text!r}") from None
        for item in data if isinstance(data, list) else [data]:
            try:
                out.append(sc.lever_from_dict(item))
            except ValueError as exc:
                raise ValueError(f"--lever {i}: {exc}") from None
    return out


def _names(args: argparse.Namespace) -> list[str]:
    names = [*args.names, *(args.plan_names or [])]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"the plan {twice[0]!r} is named twice")
    if not MIN_COMPARE <= len(names) <= MAX_COMPARE:
        raise ValueError(f"compare takes {MIN_COMPARE} to {MAX_COMPARE} plans, got {len(names)}")
    return names


# ----------------------------------------------------------------------------- the actions
def run(args: argparse.Namespace) -> int:
    return {"run": _run, "list": _list, "show": _show, "compare": _compare}[args.action](args)


def _run(args: argparse.Namespace) -> int:
    rate_levers, extra = parse_rates(args.rate), parse_levers(args.lever)  # option mistakes before opening
    with common.open_store(args, need_data=True) as cur:
        plan = sc.plans.load(cur, args.plan_name) if args.plan_name else None
        levers = [*(plan.levers if plan else ()), *rate_levers, *extra]
        p = sc.project(cur, common.filters_from_args(args, cur), levers)
    out = {"plan": plan.name if plan else None, **p.to_dict()}
    if args.json:
        common.print_json(out)
        return 0
    print(_heading(out, f"plan {plan.name!r}" if plan else "levers given"))
    print(_table(["figure", "baseline", "scenario", "change"],
                 [[k, _fig(k, out["baseline"][k]), _fig(k, out["scenario"][k]),
                   _change(k, out["baseline"][k], out["scenario"][k])] for k in sc.FIGURE_KEYS]))
    print()
    if not out["levers"]:
        print("no levers: the scenario is the baseline")
    else:
        print("levers (each effect measured after the levers before it; the effects add up to the total change):")
        for e in out["levers"]:
            _print_lever(e)
            print(f"     profit {_money(e['profit_change'], signed=True)} (revenue {_money(e['revenue_change'], signed=True)}, "
                  f"cost of goods {_money(e['cost_of_goods_change'], signed=True)}, cost to serve "
                  f"{_money(e['cost_to_serve_change'], signed=True)}); {_n(e['selected_customers'], 'customer')} reached, "
                  f"{e['changed_customers']:,} changed")
    exits = "not judged" if out["winwin_exits"] is None else f"{out['winwin_exits']:,}"
    print(f"customers: {out['customers_gaining']:,} gain, {out['customers_losing']:,} lose, "
          f"{out['customers_leaving']:,} leave; win-win exits: {exits}")
    return 0


def _list(args: argparse.Namespace) -> int:
    with common.open_store(args) as cur:
        rows = [_summary(cur, name) for name in sc.plans.names(cur)]
    if args.json:
        common.print_json(rows)
        return 0
    if not rows:
        print("no plan is saved yet")
    for r in rows:
        if "error" in r:
            print(f"{r['name']}  (cannot be read: {r['error']})")
            continue
        print(f"{r['name']}  by {r['author'] or '-'}  saved {(r['saved_at'] or '-')[:16].replace('T', ' ')}  "
              f"{_n(r['levers'], 'lever')}: {', '.join(r['kinds']) or '-'}"
              + (f"  · {r['description']}" if r["description"] else ""))
    return 0


def _summary(cur: duckdb.DuckDBPyConnection, name: str) -> dict[str, Any]:
    """One line of ``list``: an unreadable plan is listed with the reason, not a failure of the listing."""
    try:
        plan = sc.plans.load(cur, name)
    except ValueError as exc:
        return {"name": name, "error": str(exc)}
    return {"name": plan.name, "author": plan.author, "description": plan.description,
            "saved_at": plan.saved_at.isoformat() if plan.saved_at else None, "levers": len(plan.levers),
            "kinds": [lever.KIND for lever in plan.levers]}


def plan_dict(plan: sc.Plan) -> dict[str, Any]:
    """What ``show --json`` prints: the plan, each lever with its assumptions and the rules it applies."""
    return {"name": plan.name, "author": plan.author, "description": plan.description,
            "saved_at": plan.saved_at.isoformat() if plan.saved_at else None,
            "levers": [{"index": i, "kind": lever.KIND, "assumptions": lever.assumptions(),
                        "rules": [{"key": k, "text": sc.RULE_TEXT[k]} for k in lever.rules]}
                       for i, lever in enumerate(plan.levers, 1)]}


def _show(args: argparse.Namespace) -> int:
    with common.open_store(args) as cur:
        out = plan_dict(sc.plans.load(cur, args.name))
    if args.json:
        common.print_json(out)
        return 0
    print(f"plan {out['name']!r} by {out['author'] or '-'}, saved {(out['saved_at'] or '-')[:16].replace('T', ' ')}")
    if out["description"]:
        print(out["description"])
    print("levers, applied in order:" if out["levers"] else "no levers")
    for lever in out["levers"]:
        _print_lever(lever)
    return 0


def _compare(args: argparse.Namespace) -> int:
    names = _names(args)
    with common.open_store(args, need_data=True) as cur:
        chosen = [sc.plans.load(cur, n) for n in names]  # every name checked before any projection
        f = common.filters_from_args(args, cur)
        projected = [sc.project(cur, f, plan.levers).to_dict() for plan in chosen]
    first = projected[0]
    out = {"projection": True, "period_from": first["period_from"], "period_to": first["period_to"],
           "currency": first["currency"], "baseline": first["baseline"],
           "plans": [{"name": n, "scenario": d["scenario"], **{k: d[k] for k in PER_PLAN}, "levers": d["levers"]}
                     for n, d in zip(names, projected, strict=True)]}
    if args.json:
        common.print_json(out)
        return 0
    print(_heading(out, f"{len(names)} plans side by side"))
    rows = [[k, _fig(k, out["baseline"][k]), *(_fig(k, p["scenario"][k]) for p in out["plans"])] for k in sc.FIGURE_KEYS]
    rows.append(["total_profit_change", _money(0.0, signed=True),
                 *(_money(p["total_profit_change"], signed=True) for p in out["plans"])])
    for key in PER_PLAN[1:]:
        rows.append([key, "0", *("-" if p[key] is None else f"{p[key]:,}" for p in out["plans"])])
    print(_table(["figure", "baseline", *names], rows))
    for p in out["plans"]:
        print(f"\n{p['name']}:")
        for e in p["levers"] or []:
            print(f"  {e['index']}. {e['kind']}: profit {_money(e['profit_change'], signed=True)}")
        if not p["levers"]:
            print("  no levers")
    return 0


# ----------------------------------------------------------------------------- text output
def _heading(out: Mapping[str, Any], what: str) -> str:
    return (f"PROJECTION ({what}) over {out['period_from']} – {out['period_to']}, money in {out['currency']}: "
            "figures after the levers are computed under their assumptions; the store is unchanged\n")


def _n(n: int, noun: str) -> str:
    """``1 customer``, ``1,234 customers``."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _money(v: float | None, signed: bool = False) -> str:
    if v is None or not math.isfinite(v):
        return "-"
    return f"{v:+,.2f}" if signed else f"{v:,.2f}"


def _fig(key: str, v: float | None) -> str:
    if v is None or not math.isfinite(v):
        return "-"
    if key in SHARES:
        return f"{v * 100:.1f} %"
    if key in COUNTS:
        return f"{round(v):,}"
    if key in RATIOS:
        return f"{v:.3f}"
    return _money(v)


def _change(key: str, before: float | None, after: float | None) -> str:
    if before is None or after is None or not math.isfinite(before) or not math.isfinite(after):
        return "-"
    d = after - before
    if key in SHARES:
        return f"{d * 100:+.1f} pts"
    if key in COUNTS:
        return f"{round(d):+,}"
    if key in RATIOS:
        return f"{d:+.3f}"
    return _money(d, signed=True)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    """Columns padded to their widest cell: the first left-aligned, the others right-aligned."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = [[str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))]
             for r in [headers, *rows]]
    return "\n".join("  ".join(cells).rstrip() for cells in lines)


def _customers(sel: Mapping[str, Any]) -> str:
    text = sel["kind"] + (f" {', '.join(sel['values'])}" if sel["values"] else " (nobody)" if sel["kind"] == "ids" else "")
    return text + (" (their loss-makers only)" if sel.get("loss_makers_only") else "")


def _print_lever(e: Mapping[str, Any]) -> None:
    """A lever as ``run`` and ``show`` print it: its parameters, whom it reaches, from when, its rules."""
    a = dict(e["assumptions"])
    who, when = a.pop("customers"), a.pop("effective_from")
    params = " ".join(f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}" for k, v in a.items() if v is not None)
    print(f"  {e['index']}. {e['kind']}: {params}")
    print(f"     customers: {_customers(who)}; from: {when or 'the whole period'}")
    for rule in e["rules"]:
        print(f"     - assumes {rule['text']}")
