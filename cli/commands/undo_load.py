"""``undo-load``: undo the most recent load, exactly, or refuse with the reason (:func:`analytics.ingest.undo_last`)."""

from __future__ import annotations

import argparse

from analytics.ingest import undo_last
from cli import common

NAME = "undo-load"
HELP = "undo the most recent load"


def add_arguments(p: argparse.ArgumentParser) -> None:
    common.add_db_arg(p)


def run(args: argparse.Namespace) -> int:
    with common.open_store(args, write=True) as con:
        res = undo_last(con)
    print(f"undid load #{res.load_id} ({res.file_name} into {res.table}): {common.rows(res.removed)} removed, "
          f"{res.restored:,} restored")
    return 0
