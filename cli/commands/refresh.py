"""``refresh``: recompute the stored model fits for the store's current data (:func:`analytics.precompute.refresh`).

Every command that writes already does this before it ends, and the app after each of its writes;
this command is for a store written by an older version of the program, or after a refresh failed.
"""

from __future__ import annotations

import argparse
import sys

from analytics import precompute
from cli import common

NAME = "refresh"
HELP = "recompute the stored model fits for the current data"


def add_arguments(p: argparse.ArgumentParser) -> None:
    common.add_db_arg(p)
    p.add_argument("--json", action="store_true", help="print what was stored as JSON")


def run(args: argparse.Namespace) -> int:
    with common.open_store(args, write=True) as con:
        done = precompute.refresh(con, None if args.json else _progress)
    if args.json:
        common.print_json({"data_version": done.data_version, "counts": done.counts, "seconds": done.seconds,
                           "total_seconds": done.total_seconds})
        return 0
    for kind, n in done.counts.items():
        print(f"{kind}: {n} stored ({done.seconds[kind]:.2f} s)")
    print(f"data version {done.data_version}: {sum(done.counts.values())} results in {done.total_seconds:.1f} s")
    return 0


def _progress(fraction: float, step: str) -> None:
    print(f"{fraction:4.0%} {step}", file=sys.stderr)
