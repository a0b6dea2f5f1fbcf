"""``template``: an empty CSV or Excel template of a table, with its columns in the chosen language."""

from __future__ import annotations

import argparse
from pathlib import Path

from analytics.ingest import UPLOAD_TABLES, template_bytes

NAME = "template"
HELP = "write an empty template file for a table"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("table", choices=UPLOAD_TABLES)
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    p.add_argument("-o", "--output", required=True)


def run(args: argparse.Namespace) -> int:
    data = template_bytes(args.table, args.lang, args.format)
    Path(args.output).write_bytes(data)
    print(f"wrote {args.output}")
    return 0
