"""``ingest SOURCE --query SQL``: a database query as the file of ``ingest`` (:mod:`analytics.ingest.database`).

The query's rows are pulled into a private temporary Parquet file, which ``ingest`` then checks
and loads like any file (same mapping, validation, atomic write, load log and undo); the load log
names the source by its URL with the password masked, and the query. ``--since-last`` pulls only
the rows after the largest value of the incremental column already loaded from that source.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analytics.ingest import IngestError, Sniff, sniff
from analytics.ingest import database as dbs
from analytics.store import db
from cli import common


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of a database source (``SOURCE`` is then a ``postgresql://`` URL or a saved connection)."""
    g = p.add_argument_group("database source (SOURCE is a postgresql:// URL or a saved connection's name)")
    g.add_argument("--query", metavar="SQL", help="read the rows of this query (run read-only) instead of a file")
    g.add_argument("--password-env", metavar="VAR",
                   help="read the password from environment variable VAR (default: PGPASSWORD or ~/.pgpass, "
                        "or the saved connection's source)")
    g.add_argument("--password-file", metavar="PATH",
                   help="read the password from the first line of PATH (yours, mode 600)")
    g.add_argument("--since-last", action="store_true",
                   help="pull only rows whose incremental column is greater than the largest value already "
                        "loaded from this source and query (everything the first time)")
    g.add_argument("--incremental-column", metavar="COLUMN",
                   help="the query's column that grows with new rows (a date or an id); remembered per source")


@dataclass(frozen=True)
class Pulled:
    """A query's rows as a Parquet file, ready for ``ingest``: its path, sniff and what the load log keeps."""

    path: Path
    sniff: Sniff
    origin: dict[str, Any]


def _store(args: argparse.Namespace) -> Path:
    return Path(args.db) if args.db else db.default_db_path()


def _source(args: argparse.Namespace) -> dbs.Source:
    """The source from SOURCE (URL or saved connection) and the password options."""
    if args.password_env and args.password_file:
        raise IngestError("db_password_source", "--password-env and --password-file exclude each other")
    ps = (dbs.PasswordSource("env", args.password_env) if args.password_env
          else dbs.PasswordSource("file", args.password_file) if args.password_file else None)
    if dbs.is_url(args.file):
        return dbs.Source.of(args.file, args.query, ps)
    if not _store(args).exists():
        raise IngestError("db_no_connection", f"there is no saved connection {args.file!r} (no store at "
                          f"{_store(args)})", name=args.file)
    with db.session(_store(args), read_only=True) as con, db.cursor(con) as cur:
        conn = dbs.connection(cur, args.file)
    src = conn.source(args.query)
    return src if ps is None else dbs.Source(src.url, src.query, ps, None, src.connection)


def _since(args: argparse.Namespace, source: dbs.Source) -> dbs.Since | None:
    if not args.since_last:
        return dbs.Since(args.incremental_column) if args.incremental_column else None
    if not _store(args).exists():
        if not args.incremental_column:
            raise IngestError("db_no_incremental_column", "the first --since-last load needs --incremental-column")
        return dbs.Since(args.incremental_column)
    with db.session(_store(args), read_only=True) as con, db.cursor(con) as cur:
        return dbs.since_for(cur, source, args.incremental_column)


@contextmanager
def _pulled(args: argparse.Namespace) -> Iterator[Pulled | None]:
    """The query's rows in a private temporary folder (removed afterwards); None when it returned none."""
    source = _source(args)
    since = _since(args, source)
    folder = Path(tempfile.mkdtemp(prefix="cvm_db_"))  # mode 0700: the rows are readable by this user only
    try:
        quiet = args.quiet or args.json
        after = f" ({since.column} > {since.value})" if since and since.value is not None else ""
        if not quiet:
            print(f"pulling rows from {source.label}{after}", file=sys.stderr, flush=True)
        got = dbs.fetch(source, folder / "query.parquet", since=since)
        if not quiet:
            print(f"pulled {common.rows(got.rows)}", file=sys.stderr, flush=True)
        if got.rows == 0:
            if since is None or since.value is None:
                raise IngestError("db_empty", f"{source.masked_url}: the query returned no rows; nothing was loaded",
                                  source=source.masked_url)
            yield None
            return
        yield Pulled(got.path, sniff(got.path, file_name=source.label), got.source_meta)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(args: argparse.Namespace, ingest: Callable[[argparse.Namespace, Pulled], int]) -> int:
    """Pull the query's rows and ``ingest`` them; a ``--since-last`` run with no new rows loads nothing (exit 0)."""
    if args.incremental_column is not None and not args.incremental_column.strip():
        raise IngestError("db_no_incremental_column", "--incremental-column is empty")
    with _pulled(args) as pulled:
        if pulled is None:
            msg = "no new rows since the last load; nothing was loaded"
            if args.json:
                common.print_json({"loaded": False, "rows": 0, "message": msg})
            else:
                print(msg)
            return 0
        return ingest(args, pulled)
