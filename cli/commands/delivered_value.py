"""``delivered-value``: delivered value and satisfaction per group (:mod:`analytics.delivered_value`)."""

from __future__ import annotations

import argparse

from analytics import delivered_value as dv
from cli import common

NAME = "delivered-value"
HELP = "delivered value and satisfaction per group"

COLUMNS = ["group", "customers", "customer_value", "customer_cost", "delivered_value", "value_cost_ratio",
           "gap_overall", "share_below", "falls_short", "winwin_share"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    common.add_db_arg(p)
    common.add_filter_args(p)
    p.add_argument("--by", choices=dv.DIMENSIONS, default="segment", help="group by (default: segment)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    with common.open_store(args, need_data=True) as cur:
        result = dv.delivered_value(cur, common.filters_from_args(args, cur))
    groups = result.groups[args.by]
    table = groups[[c for c in COLUMNS if c in groups.columns]]
    if args.json:
        common.print_json({"period_from": result.period[0].isoformat(), "period_to": result.period[1].isoformat(),
                           "by": args.by, **dv.report_fields(result),
                           "groups": table.astype(object).where(table.notna(), None).to_dict("records")})
    else:  # customers without a purchase in the period have no product: shown as "—"
        text = table.assign(group=table["group"].astype(object).where(table["group"].notna(), "—"))
        print(text.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    return 0
