"""``demo``: replace the store's data with the demo business (creates the store when missing)."""

from __future__ import annotations

import argparse
import sys

from analytics.store import db
from cli import common

NAME = "demo"
HELP = "create the demo business in the database (replaces its data)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    common.add_db_arg(p)
    p.add_argument("--customers", type=int, default=5000, help="number of customers (default 5000)")
    p.add_argument("--transactions", type=int, default=None, help="number of transactions (default 40 per customer)")
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")


def run(args: argparse.Namespace) -> int:
    from analytics import demo  # numpy's generators: loaded only when the demo is made

    def say(frac: float, step: str) -> None:
        if not args.quiet:
            print(f"[{frac:4.0%}] {step}", file=sys.stderr)

    # demo may create the store; a refused or interrupted run leaves no new file behind
    with common.open_store(args, write=True, create=True) as con:
        s = demo.generate(con, customers=args.customers, transactions=args.transactions, seed=args.seed,
                          progress=say)
    print(f"demo database {args.db or db.default_db_path()}: {s.customers:,} customers, "
          f"{s.transactions:,} transactions, {s.activities:,} activities, {s.feedback:,} feedback, "
          f"{s.assessments:,} assessments, {s.opportunities:,} opportunities in {s.seconds:.1f} s")
    return 0
