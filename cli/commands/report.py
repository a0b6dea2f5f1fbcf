"""``report``: every view's headline figures under the sidebar's filters (:func:`analytics.report.build`)."""

from __future__ import annotations

import argparse

from analytics import report
from cli import common

NAME = "report"
HELP = "the Overview's figures under the given filters"


def add_arguments(p: argparse.ArgumentParser) -> None:
    common.add_db_arg(p)
    common.add_filter_args(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    with common.open_store(args, need_data=True) as cur:
        out = report.build(cur, common.filters_from_args(args, cur))
    if args.json:
        common.print_json(out)
    else:
        width = max(len(k) for k in out)
        for k, v in out.items():
            print(f"{k:<{width}}  {v}")
    return 0
