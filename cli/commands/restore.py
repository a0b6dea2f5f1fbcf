"""``restore``: put a copy made by ``backup`` in place of the store (:func:`analytics.store.backup.restore`).

The copy must be a store of this program with a schema version this program knows; the current
store is kept as ``<store>.before-restore``. Asks for ``--yes``, since it replaces the data.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from analytics.store import backup, db
from cli import common

NAME = "restore"
HELP = "replace the store with a copy made by backup (the current one kept as <store>.before-restore)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, metavar="FILE", help="a copy made by `backup` (or an automatic one)")
    common.add_db_arg(p)
    p.add_argument("--yes", action="store_true", help="confirm: the store's current data are replaced")


def run(args: argparse.Namespace) -> int:
    target = args.db if args.db is not None else db.default_db_path()
    if not args.yes:
        info = backup.inspect(args.file)  # say what would be restored, and refuse a bad file first
        raise ValueError(f"restoring {info.path} (data version {info.data_version}) replaces the data of {target}; "
                         "add --yes to do it")
    done = backup.restore(args.file, target)
    kept = f"; the previous store is kept as {done.kept}" if done.kept else ""
    print(f"restored {done.copy.path} to {done.store}: data version {done.copy.data_version}, schema version "
          f"{done.copy.schema_version}; " + ", ".join(f"{t} {n:,}" for t, n in done.copy.counts.items()) + kept)
    return 0
