"""``backup``: copy the store into a folder (:func:`analytics.store.backup.backup`).

The copy is one file named by the time and the data version; restore it with ``restore``. The store
must not be open in another process (the app): DuckDB's lock refuses that, with a plain message.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from analytics.store import backup
from cli import common

NAME = "backup"
HELP = "copy the store into a folder (one file named by the time and the data version)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", type=Path, metavar="DIR", help="folder for the copy (created when missing)")
    common.add_db_arg(p)


def run(args: argparse.Namespace) -> int:
    # Opened for writing: the checkpoint that makes the copy one self-contained file needs it, and
    # holding the write lock keeps every other process from writing during the copy.
    with common.open_store(args, write=True) as con:
        made = backup.backup(con, args.dir)
    print(f"copied the store (data version {made.data_version}, schema version {made.schema_version}) to "
          f"{made.path}: " + _counts(made.counts))
    return 0


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{t} {n:,}" for t, n in counts.items())
