"""``users``: the sign-in accounts (:mod:`analytics.users`): add, list, set-role, reset-password, remove.

Passwords are read from standard input (``--password-stdin``: the first line, so that
``printf '%s\\n' "$PW" | …`` and a file both work) or typed at a hidden prompt when standard input is
a terminal; they are never taken as an argument (it would stay in the shell's history and the process
list) and never printed. The first account created should be an admin: from then on the app asks
everyone to sign in.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from analytics import filters, users
from analytics.store import audit
from cli import common

NAME = "users"
HELP = "sign-in accounts: add, list, set-role, reset-password, remove"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description = ("Manage the accounts of the app's sign-in. With no account the app runs open in single-user "
                     "mode; add an admin first. Roles: viewer (browse, present, export), analyst (also upload, "
                     "edit, change rates, undo, save plans and stories), admin (also manage users).")
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=type(p))

    add = sub.add_parser("add", help="create an account")
    common.add_db_arg(add)
    add.add_argument("name", metavar="NAME", help="the user name (an e-mail address for OIDC sign-in)")
    add.add_argument("--role", required=True, choices=users.ROLES, help="what the user may do")
    add.add_argument("--regions", metavar="R,…", action="append", help="only these regions (default: all)")
    add.add_argument("--segments", metavar="S,…", action="append", help="only these segments (default: all)")
    _password_arg(add)
    _by_arg(add)

    listing = sub.add_parser("list", help="every account: role, allowed regions and segments, lockouts")
    common.add_db_arg(listing)
    listing.add_argument("--json", action="store_true", help="print JSON")

    role = sub.add_parser("set-role", help="give a user another role")
    common.add_db_arg(role)
    role.add_argument("name", metavar="NAME")
    role.add_argument("role", metavar="ROLE", choices=users.ROLES, help=" | ".join(users.ROLES))
    _by_arg(role)

    reset = sub.add_parser("reset-password", help="set a new password (also lifts a lockout)")
    common.add_db_arg(reset)
    reset.add_argument("name", metavar="NAME")
    _password_arg(reset)
    _by_arg(reset)

    remove = sub.add_parser("remove", help="remove an account (never the last admin while others remain)")
    common.add_db_arg(remove)
    remove.add_argument("name", metavar="NAME")
    _by_arg(remove)


def _password_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of standard input")


def _by_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user", default=None, help="who makes the change, for the audit log "
                                                "(default: $CVM_USER or the login name)")


def read_password(from_stdin: bool) -> str:
    """The password: standard input's first line (without its line end) with ``--password-stdin``,
    else typed twice at a hidden prompt on a terminal."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise ValueError("give the password on standard input with --password-stdin")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise ValueError("the two passwords differ")
    return first


def _who(args: argparse.Namespace) -> str:
    return args.user or audit.current_user()


def run(args: argparse.Namespace) -> int:
    return {"add": _add, "list": _list, "set-role": _set_role, "reset-password": _reset,
            "remove": _remove}[args.action](args)


def _add(args: argparse.Namespace) -> int:
    users.check_name(args.name)
    users.check_role(args.role)
    password = users.check_password(read_password(args.password_stdin))  # before the store is opened
    with common.open_store(args, write=True) as con:
        u = users.add_user(con, args.name, password, args.role, regions=filters.parse_list(args.regions),
                           segments=filters.parse_list(args.segments), by=_who(args))
    print(f"added {u.name} ({u.role}{_scope(u)})")
    return 0


def _scope(u: users.User) -> str:
    parts = [f"regions {', '.join(u.regions)}" if u.regions else "", f"segments {', '.join(u.segments)}" if u.segments else ""]
    text = "; ".join(p for p in parts if p)
    return f"; only {text}" if text else ""


def _list(args: argparse.Namespace) -> int:
    with common.open_store(args) as cur:
        found = users.list_users(cur)
    if args.json:
        common.print_json([u.to_dict() for u in found])
        return 0
    if not found:
        print("no accounts: the app runs open in single-user mode (add an admin with: "
              "python -m analytics users add NAME --role admin --password-stdin)")
        return 0
    rows = [("name", "role", "regions", "segments", "failed", "locked until", "last sign-in")]
    rows += [(u.name, u.role, ",".join(u.regions) or "all", ",".join(u.segments) or "all", str(u.failed_attempts),
              str(u.locked_until or ""), str(u.last_sign_in or "")) for u in found]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
    return 0


def _set_role(args: argparse.Namespace) -> int:
    with common.open_store(args, write=True) as con:
        u = users.set_role(con, args.name, args.role, by=_who(args))
    print(f"{u.name} is now {u.role}")
    return 0


def _reset(args: argparse.Namespace) -> int:
    password = users.check_password(read_password(args.password_stdin))
    with common.open_store(args, write=True) as con:
        users.reset_password(con, args.name, password, by=_who(args))
    print(f"password of {args.name.strip()} reset")
    return 0


def _remove(args: argparse.Namespace) -> int:
    with common.open_store(args, write=True) as con:
        users.remove_user(con, args.name, by=_who(args))
    print(f"removed {args.name.strip()}")
    return 0
