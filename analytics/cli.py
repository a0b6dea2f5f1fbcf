"""The command line over the analytics functions: ``python -m analytics COMMAND …``.

Commands live beside the functions they call: any analytics module may define
``register_cli(subparsers)``, which adds its parser and sets ``handler=fn(args) -> int``.
A user mistake (``ValueError``, including :class:`analytics.store.db.DatabaseError`) prints one line
on stderr and exits 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from analytics import filters, report
from analytics.filters import Filters
from analytics.store import db


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, as for other user mistakes
        self.exit(2, f"{self.prog}: error: {message}\n")


def add_db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, default=None,
                   help=f"database file (default: ${db.ENV_DB} or {db.DEFAULT_DB})")


def add_filter_args(p: argparse.ArgumentParser) -> None:
    """The global filters, as on the app's sidebar."""
    p.add_argument("--from", dest="date_from", metavar="DATE", help="first day of the period (YYYY-MM-DD)")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="last day of the period (YYYY-MM-DD)")
    p.add_argument("--segment", action="append", metavar="S", help="customer segment (repeat or comma-separate)")
    p.add_argument("--region", action="append", metavar="R", help="region (repeat or comma-separate)")
    p.add_argument("--channel", action="append", metavar="C", help="acquisition channel")
    p.add_argument("--plan", action="append", metavar="P", help="plan or contract type")
    p.add_argument("--type", dest="customer_type", action="append", metavar="T", help="enterprise or individual")


def filters_from_args(args: argparse.Namespace, cur: duckdb.DuckDBPyConnection) -> Filters:
    """The filter the arguments describe; without --from/--to, the app's default period."""
    f = Filters(
        date_from=args.date_from, date_to=args.date_to,
        segments=filters.parse_list(args.segment), regions=filters.parse_list(args.region),
        channels=filters.parse_list(args.channel), plans=filters.parse_list(args.plan),
        customer_types=filters.parse_list(args.customer_type),
    )
    if f.date_from is None and f.date_to is None:
        start, end = filters.default_period(filters.data_bounds(cur))
        f = f.with_period(start, end)
    return f


def print_json(obj: Any) -> None:
    json.dump(report.json_safe(obj), sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


# ---------------------------------------------------------------------------- demo
def _demo(args: argparse.Namespace) -> int:
    from analytics import demo

    def say(frac: float, step: str) -> None:
        if not args.quiet:
            print(f"[{frac:4.0%}] {step}", file=sys.stderr)

    # demo may create the store; a refused or interrupted run leaves no new file behind
    with db.session(args.db, create=True) as con:
        s = demo.generate(con, customers=args.customers, transactions=args.transactions, seed=args.seed,
                          progress=say)
    print(f"demo database {args.db or db.default_db_path()}: {s.customers:,} customers, "
          f"{s.transactions:,} transactions, {s.activities:,} activities, {s.feedback:,} feedback, "
          f"{s.assessments:,} assessments, {s.opportunities:,} opportunities in {s.seconds:.1f} s")
    return 0


def _report(args: argparse.Namespace) -> int:
    with db.session(args.db, read_only=True) as con, db.cursor(con) as cur:
        if filters.data_bounds(cur) is None:
            raise ValueError("the database has no transactions yet (load data or run: python -m analytics demo)")
        out = report.build(cur, filters_from_args(args, cur))
    if args.json:
        print_json(out)
    else:
        width = max(len(k) for k in out)
        for k, v in out.items():
            print(f"{k:<{width}}  {v}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m analytics", description="Customer value analytics on a DuckDB store.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("demo", help="create the demo business in the database (replaces its data)")
    add_db_arg(p)
    p.add_argument("--customers", type=int, default=5000, help="number of customers (default 5000)")
    p.add_argument("--transactions", type=int, default=None, help="number of transactions (default 40 per customer)")
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(handler=_demo)

    p = sub.add_parser("report", help="the Overview's figures under the given filters")
    add_db_arg(p)
    add_filter_args(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=_report)

    for name in report.modules_with("register_cli"):
        importlib.import_module(name).register_cli(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except ValueError as exc:  # includes DatabaseError: a user mistake, not a bug
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
