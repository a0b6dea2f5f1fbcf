"""``report``: every view's headline figures under the sidebar's filters (:func:`analytics.report.build`);
``--as USER`` restricts them to what that account may see, as the app does."""

from __future__ import annotations

import argparse

from analytics import report
from cli import backend, common

NAME = "report"
HELP = "the Overview's figures under the given filters"


def add_arguments(p: argparse.ArgumentParser) -> None:
    common.add_db_arg(p)
    common.add_filter_args(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    common.add_as_arg(p)
    backend.add_backend_args(p)


def run(args: argparse.Namespace) -> int:
    allowance = None
    if args.as_user is not None:  # the row-level restriction the app applies to this user
        with common.open_store(args) as cur:  # accounts live in the store, never in an export
            allowance = common.allowance_of(cur, args.as_user)
    with backend.open_reader(args) as cur:
        f = common.filters_from_args(args, cur)
        if allowance is not None:
            f = allowance.apply(f)
        out = report.build(cur, f)
    if args.json:
        common.print_json(out)
    else:
        width = max(len(k) for k in out)
        for k, v in out.items():
            print(f"{k:<{width}}  {v}")
    return 0
