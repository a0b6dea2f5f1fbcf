"""``loads``: the latest loads, with whether each can be undone and why not (:func:`analytics.ingest.loads`)."""

from __future__ import annotations

import argparse

from analytics.ingest import loads
from cli import common

NAME = "loads"
HELP = "list the latest loads"


def add_arguments(p: argparse.ArgumentParser) -> None:
    common.add_db_arg(p)
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    with common.open_store(args) as cur:
        df = loads(cur, args.limit)
    if args.json:
        common.print_json(df.to_dict("records"))
    elif df.empty:
        print("no loads yet")
    else:
        shown = df.drop(columns=["undo_code", "undo_note", "undo_params"]).assign(undoable=["yes" if u else "no" for u in df["undoable"]])
        print(shown.to_string(index=False))
        # Why each standing load cannot be undone now (an undone one says so in undone_at).
        for r in df.itertuples(index=False):
            if not r.undoable and r.undo_code != "undone":
                print(f"load #{r.load_id} cannot be undone: {r.undo_note}")
    return 0
