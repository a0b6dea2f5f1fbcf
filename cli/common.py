"""What every command shares: ``--db`` and opening the store, the sidebar's filters, JSON output.

:func:`open_store` is the one way a command opens the store. It keeps the store's rules (see
:func:`analytics.store.db.connect` and :func:`~analytics.store.db.session`): a read opens the file
read-only and refuses a missing path (``no store at PATH``) without creating anything; only a
command that may create a store (``demo``, ``ingest``) creates one, and removes it again when it
ends without writing. Refusals are :class:`ValueError` (:class:`~analytics.store.db.DatabaseError`),
which :func:`cli.main` prints as one line with exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from analytics import filters, precompute, report
from analytics.filters import Filters
from analytics.metrics import FILTER_DIMENSIONS
from analytics.store import db

NO_DATA = "the database has no transactions yet (load data or run: python -m analytics demo)"

# The help of each filter option, by dimension key; a dimension added to the registry's filters gets
# an option named by its URL parameter, helped by its English label.
_FILTER_HELP = {
    "segment": "customer segment (repeat or comma-separate)",
    "region": "region (repeat or comma-separate)",
    "channel": "acquisition channel",
    "plan": "plan or contract type",
    "customer_type": "enterprise, individual or unknown (customers created from transactions)",
}


def add_db_arg(p: argparse.ArgumentParser) -> None:
    """``--db PATH`` (default ``$CVM_DB`` or ``data/cvm.duckdb``, resolved by :mod:`analytics.store.db`)."""
    p.add_argument("--db", type=Path, default=None,
                   help=f"database file (default: ${db.ENV_DB} or {db.DEFAULT_DB})")


def add_filter_args(p: argparse.ArgumentParser) -> None:
    """The global filters, as on the app's sidebar: ``--from``/``--to`` and one repeatable option per
    filter dimension of :data:`analytics.metrics.FILTER_DIMENSIONS` (``--segment`` … ``--type``)."""
    p.add_argument("--from", dest="date_from", metavar="DATE", help="first day of the period (YYYY-MM-DD)")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="last day of the period (YYYY-MM-DD)")
    for d in FILTER_DIMENSIONS:
        p.add_argument(f"--{d.param}", dest=d.key, action="append", metavar=str(d.param)[0].upper(),
                       help=_FILTER_HELP.get(d.key, d.label[1].lower()))


def has_filter_args(args: argparse.Namespace) -> bool:
    """Whether any filter option was given."""
    return any(getattr(args, a, None) for a in ("date_from", "date_to", *(d.key for d in FILTER_DIMENSIONS)))


def filters_from_args(args: argparse.Namespace, cur: duckdb.DuckDBPyConnection) -> Filters:
    """The filter the arguments describe; without --from/--to, the app's default period."""
    f = Filters(date_from=args.date_from, date_to=args.date_to,
                **{str(d.filter_field): filters.parse_list(getattr(args, d.key)) for d in FILTER_DIMENSIONS})
    if f.date_from is None and f.date_to is None:
        start, end = filters.latest_period(cur)
        f = f.with_period(start, end)
    return f


def add_as_arg(p: argparse.ArgumentParser) -> None:
    """``--as USER``: the command's figures or files as that account sees them (its regions and segments)."""
    p.add_argument("--as", dest="as_user", metavar="USER",
                   help="as this account sees it: only the regions and segments it may see")


def allowance_of(cur: duckdb.DuckDBPyConnection, name: str | None) -> filters.Allowance | None:
    """The row-level restriction the app applies to account ``name`` (None without ``--as``); ValueError for an
    unknown account. Accounts live in the store, never in an export."""
    if name is None:
        return None
    from analytics import users  # argon2 loads only for the commands that take --as

    u = users.get_user(cur, name)
    if u is None:
        raise ValueError(f"no user named {name.strip()!r}")
    return u.allowance


@contextmanager
def open_store(args: argparse.Namespace, *, write: bool = False, create: bool = False,
          need_data: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """The store of ``args.db`` opened for one command, closed when the block ends.

    Read (the default): the file opened read-only, a missing one refused; yields a cursor.
    ``write``: opened for writing (its schema upgraded), a missing file refused unless ``create``;
    yields the connection (writes go through :func:`analytics.store.db.write`). A store created
    here is removed again when the block fails or writes nothing. When the block changed the data,
    the stored model fits are recomputed before the command ends (:func:`refresh_stored`).
    ``need_data``: a store without transactions is a user mistake (:data:`NO_DATA`).
    """
    with db.session(args.db, read_only=not write, create=create) as con:
        if write:
            before = db.data_version(con)
            yield con
            if db.data_version(con) != before:
                refresh_stored(con)
            return
        with db.cursor(con) as cur:
            if need_data and filters.data_bounds(cur) is None:
                raise ValueError(NO_DATA)
            yield cur


def refresh_stored(con: duckdb.DuckDBPyConnection) -> precompute.Refreshed | None:
    """Recompute the stored model fits for the data a command just wrote (:func:`analytics.precompute.refresh`),
    saying so on stderr. A failure is reported, not raised: the write stands, and every read computes
    what it needs as it would without stored results."""
    try:
        done = precompute.refresh(con)
    except Exception as exc:  # any failure leaves the data and the figures as they are
        print(f"note: precomputing the model fits failed ({type(exc).__name__}: {exc}); "
              "reports and pages compute them when asked", file=sys.stderr)
        return None
    print(f"precomputed {sum(done.counts.values())} model results for data version {done.data_version} "
          f"in {done.total_seconds:.1f} s", file=sys.stderr)
    return done


def print_json(obj: Any) -> None:
    """``obj`` as indented JSON on stdout (NaN and infinities as null, numpy scalars as numbers)."""
    json.dump(report.json_safe(obj), sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def rows(n: int, adjective: str = "") -> str:
    """'1 row', '1,234 rows' (with an optional adjective before the noun)."""
    return f"{n:,} {adjective}row{'' if n == 1 else 's'}"
