"""``connection``: saved database connections for ``ingest NAME --query SQL`` and the Data page
(:mod:`analytics.ingest.database`). A connection keeps its URL without a password and says where
the password is read when connecting; a URL carrying a password is refused.
"""

from __future__ import annotations

import argparse

from analytics.ingest import database as dbs
from cli import common

NAME = "connection"
HELP = "save, list or remove database connections (the password is never stored)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True)
    add = sub.add_parser("add", help="save (or replace) a connection")
    add.add_argument("name", help="the connection's name (letters, digits, '.', '_', '-')")
    add.add_argument("url", help="postgresql://user@host:port/database, without a password")
    how = add.add_mutually_exclusive_group()
    how.add_argument("--password-env", metavar="VAR", help="read the password from environment variable VAR")
    how.add_argument("--password-file", metavar="PATH", help="read it from the first line of PATH (yours, mode 600)")
    common.add_db_arg(add)
    ls = sub.add_parser("list", help="the saved connections (URL without password, password source)")
    ls.add_argument("--json", action="store_true")
    common.add_db_arg(ls)
    rm = sub.add_parser("remove", help="delete a saved connection")
    rm.add_argument("name")
    common.add_db_arg(rm)


def run(args: argparse.Namespace) -> int:
    if args.action == "add":
        ps = (dbs.PasswordSource("env", args.password_env) if args.password_env
              else dbs.PasswordSource("file", args.password_file) if args.password_file else dbs.PasswordSource())
        with common.open_store(args, write=True) as con:
            c = dbs.save_connection(con, args.name, args.url, ps)
        print(f"saved connection {c.name}: {c.masked_url} (password: {_describe(c.password_source)})")
        return 0
    if args.action == "remove":
        with common.open_store(args, write=True) as con:
            if not dbs.remove_connection(con, args.name):
                raise ValueError(f"there is no saved connection {args.name!r}")
        print(f"removed connection {args.name}")
        return 0
    with common.open_store(args) as cur:
        conns = dbs.connections(cur)
    if args.json:
        common.print_json([{"name": c.name, "url": c.masked_url, "password": str(c.password_source)} for c in conns])
    elif not conns:
        print("no saved connections")
    for c in conns if not args.json else []:
        print(f"{c.name}\t{c.masked_url}\tpassword: {_describe(c.password_source)}")
    return 0


def _describe(ps: dbs.PasswordSource) -> str:
    return {"env": f"environment variable {ps.ref}", "file": f"file {ps.ref}"}.get(
        ps.kind, "PGPASSWORD or ~/.pgpass")
