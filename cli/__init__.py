"""The command line, ``python -m analytics COMMAND …`` (``python -m cli`` is the same): a layer on
top of the analytics, as ``views/`` is for the pages.

Each module of :mod:`cli.commands` is one command, found by :func:`command_modules`; adding a command is
adding a file. A command module declares

* ``NAME``: the command as typed (``delivered-value``);
* ``HELP``: its line in ``python -m analytics --help``;
* ``add_arguments(parser)``: its options (a longer ``parser.description`` may be set there);
* ``run(args) -> int``: the work; the exit code.

:mod:`cli.common` opens the store and holds the shared options. A user mistake (``ValueError``,
including :class:`analytics.store.db.DatabaseError`) prints one line on stderr and exits 2; anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from types import ModuleType

PROG = "python -m analytics"
# What every command module declares (tests/test_architecture.py checks each one).
CONTRACT = ("NAME", "HELP", "add_arguments", "run")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, as for other user mistakes
        self.exit(2, f"{self.prog}: error: {message}\n")


def command_modules() -> list[ModuleType]:
    """Every command module of :mod:`cli.commands`, by module name."""
    package = importlib.import_module("cli.commands")
    found = [importlib.import_module(m.name)
             for m in pkgutil.iter_modules(package.__path__, f"{package.__name__}.") if not m.ispkg]
    return sorted(found, key=lambda m: m.__name__)


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command."""
    parser = _Parser(prog=PROG, description="Customer value analytics on a DuckDB store.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    for module in command_modules():
        p = sub.add_parser(module.NAME, help=module.HELP)
        module.add_arguments(p)
        p.set_defaults(handler=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command (``argv`` without the program name; default ``sys.argv[1:]``); its exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except ValueError as exc:  # includes DatabaseError: a user mistake, not a bug
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
