"""``python -m analytics export``: the Present page's deck, PDF, images and tables from the command line.

Only the command's registration lives here (it is discovered like every analytics command); the
work is in :mod:`presentation.cli`, imported when the command runs, so that other commands do not
load Plotly, kaleido or python-pptx.

    python -m analytics export --format pptx|pdf|png|svg|xlsx --out PATH [--story NAME]
                               [--steps a,b,…] [--lang zh|en] [--theme light|dark] [filters] [--db PATH]
"""

from __future__ import annotations

import argparse
from pathlib import Path

FORMATS = ("pptx", "pdf", "png", "svg", "xlsx")


def _run(args: argparse.Namespace) -> int:
    from presentation import cli

    return cli.run(args)


def register_cli(sub: argparse._SubParsersAction) -> None:
    """Add ``export`` (the work is :func:`presentation.cli.run`)."""
    from analytics import cli

    p = sub.add_parser("export", help="a deck, PDF, chart images or tables of a story (as on the Present page)")
    cli.add_db_arg(p)
    cli.add_filter_args(p)
    p.add_argument("--format", required=True, choices=FORMATS, help="file format")
    p.add_argument("--out", required=True, type=Path,
                   help="output file (png/svg: a folder receiving one image per step)")
    p.add_argument("--story", metavar="NAME", help="a story saved on the Present page (its steps, theme and filters)")
    p.add_argument("--steps", action="append", metavar="KEY",
                   help="steps instead of the default story (repeat or comma-separate; an unknown one lists them)")
    p.add_argument("--lang", default="zh", choices=("zh", "en"), help="language of the texts (default zh)")
    p.add_argument("--theme", choices=("light", "dark"), default=None,
                   help="chart theme (default: the saved story's, else light)")
    p.set_defaults(handler=_run)
