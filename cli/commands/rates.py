"""``rates``: list the activity-rate history, or save new rates with ``--set`` (:mod:`analytics.rates`)."""

from __future__ import annotations

import argparse

import pandas as pd

from analytics import rates
from cli import common

NAME = "rates"
HELP = "list activity rates, or save new ones (--set ACTIVITY=COST --valid-from DATE)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    common.add_db_arg(p)
    p.add_argument("--set", action="append", metavar="ACTIVITY=COST", help="a new unit cost (repeatable)")
    p.add_argument("--valid-from", metavar="DATE", help="first day the new unit costs apply (YYYY-MM-DD)")
    p.add_argument("--user", default=None, help="who makes the change (default: $CVM_USER or the login name)")
    p.add_argument("--json", action="store_true", help="print JSON")


def parse_set(values: list[str] | None, valid_from: str | None) -> list[dict[str, object]]:
    """``--set ACTIVITY=COST`` options as the changes :func:`analytics.rates.save` takes."""
    out = []
    for item in values or []:
        activity, sep, cost = item.partition("=")
        if not sep:
            raise ValueError(f"--set takes ACTIVITY=UNIT_COST, got {item!r}")
        out.append({"activity": activity.strip(), "unit_cost": cost.strip(), "valid_from": valid_from})
    return out


def run(args: argparse.Namespace) -> int:
    if args.set:
        if not args.valid_from:
            raise ValueError("--set needs --valid-from DATE (YYYY-MM-DD)")
        with common.open_store(args, write=True) as con:  # saving rates needs a store; never create one
            result = rates.save(con, parse_set(args.set, args.valid_from), user=args.user)
        common.print_json({"inserted": result.inserted, "updated": result.updated, "unchanged": result.unchanged,
                           "months_refreshed": [m.isoformat() for m in result.months]})
        return 0
    with common.open_store(args) as cur:
        h = rates.history(cur)
    records = [{k: (None if pd.isna(v) else v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()}
               for r in h.to_dict("records")]
    if args.json:
        common.print_json(records)
    else:
        for r in records:
            print(f"{r['activity']:<16} {r['unit_cost']:>12,.4f}  from {r['valid_from'][:10]}"
                  f"{'  to ' + r['valid_to'][:10] if r['valid_to'] else ''}"
                  f"{'  by ' + r['changed_by'] if r['changed_by'] else ''}")
    return 0
