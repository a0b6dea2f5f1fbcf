"""``export``: the Present page's deck, PDF, chart images or tables without the UI, e.g. for a weekly
report job (the files are built by :mod:`presentation.export`).

Without ``--story`` the default story is exported; ``--steps`` picks steps instead. A saved story
brings its steps, theme, filters and improvement plans; explicit filter options replace its filters. ``png`` and
``svg`` write one image per step into the folder PATH (or the file PATH when there is one step and
PATH ends in the format's extension).

``--as USER`` exports what that account sees on the Present page: every file holds only the customers
of its regions and segments, and a filter (given or a saved story's) outside them is refused naming the
allowed values.

``--scenario NAME`` (repeatable) adds a saved improvement plan's two slides after the story's
(:mod:`presentation.plan`; after the saved story's own plans), projected over the same filters;
without ``--story`` or ``--steps`` the deck holds only the plans' slides.

    python -m analytics export --format pptx|pdf|png|svg|xlsx --out PATH [--story NAME]
                               [--steps a,b,…] [--scenario PLAN …] [--lang zh|en] [--theme light|dark]
                               [--as USER] [filters] [--db PATH]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from analytics import filters
from analytics.store import db
from cli import common

if TYPE_CHECKING:
    from i18n import Translator
    from presentation import meta, story

NAME = "export"
HELP = "a deck, PDF, chart images or tables of a story (as on the Present page)"
FORMATS = ("pptx", "pdf", "png", "svg", "xlsx")


def add_arguments(p: argparse.ArgumentParser) -> None:
    common.add_db_arg(p)
    common.add_filter_args(p)
    p.add_argument("--format", required=True, choices=FORMATS, help="file format")
    p.add_argument("--out", required=True, type=Path,
                   help="output file (png/svg: a folder receiving one image per step)")
    p.add_argument("--story", metavar="NAME",
                   help="a story saved on the Present page (its steps, theme, filters and plans)")
    p.add_argument("--steps", action="append", metavar="KEY",
                   help="steps instead of the default story (repeat or comma-separate; an unknown one lists them)")
    p.add_argument("--scenario", action="append", metavar="PLAN",
                   help="a saved improvement plan: its slides follow the story's (repeatable; "
                        "without --story or --steps, only the plans' slides)")
    p.add_argument("--lang", default="zh", choices=("zh", "en"), help="language of the texts (default zh)")
    p.add_argument("--theme", choices=("light", "dark"), default=None,
                   help="chart theme (default: the saved story's, else light)")
    common.add_as_arg(p)


def run(args: argparse.Namespace) -> int:
    # Plotly, kaleido and python-pptx load only when this command runs, not for every command.
    from analytics import scenario
    from i18n import Translator, check_lang
    from presentation import meta, saved, story
    from presentation import plan as plan_slides
    from presentation.theme import check_theme

    lang = check_lang(args.lang)
    with common.open_store(args, need_data=True) as cur:
        t = Translator(lang, db.currency(cur))
        name, story_plans = None, ()
        if args.story:
            s = saved.load(cur, args.story)
            name, steps, f, theme, story_plans = s.name, s.steps, s.filters, s.theme, s.plans
            if s.dropped:
                print(f"note: steps no longer available were left out: {', '.join(s.dropped)}", file=sys.stderr)
            if s.dropped_plans:
                print(f"note: plans no longer saved were left out: {', '.join(s.dropped_plans)}", file=sys.stderr)
            if common.has_filter_args(args):
                f = common.filters_from_args(args, cur)
        else:
            steps, f, theme = story.default_story(), common.filters_from_args(args, cur), "light"
        allowance = common.allowance_of(cur, args.as_user)
        if allowance is not None:  # every file holds only this account's rows; a filter outside them is refused
            f = allowance.apply(f)
        if args.steps:
            steps = story.check_steps(filters.parse_list(args.steps))
        elif args.scenario and not args.story:
            steps = ()  # a deck of the plans alone
        plans = [scenario.plans.load(cur, n) for n in dict.fromkeys([*story_plans, *(args.scenario or [])])]
        theme = check_theme(args.theme or theme)
        m = meta.export_meta(cur, f)
        slides = story.slides(cur, m.filters, t, steps) if steps else []
        for plan in plans:
            slides += plan_slides.slides(cur, m.filters, t, plan)
    written = write(args.format, Path(args.out), slides, m, t, name, theme)
    for path in written:
        print(path)
    return 0


def write(fmt: str, out: Path, slides: list[story.Slide], m: meta.ExportMeta, t: Translator,
          name: str | None = None, theme: str = "light") -> list[Path]:
    """Write the export of ``slides`` in ``fmt`` to ``out``; returns the files written."""
    from presentation import export

    if fmt in ("png", "svg"):
        single = len(slides) == 1 and out.suffix.lower() == f".{fmt}"
        if not single:
            out.mkdir(parents=True, exist_ok=True)
        paths = []
        for i, s in enumerate(slides, start=1):
            path = out if single else out / f"{i:02d}_{s.key}.{fmt}"
            path.write_bytes(export.chart_image(s, m, t, fmt, theme))
            paths.append(path)
        return paths
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "pptx":
        data = export.pptx_bytes(slides, m, t, name=name, theme=theme)
    elif fmt == "pdf":
        data = export.pdf_bytes(slides, m, t, name=name, theme=theme)
    elif fmt == "xlsx":
        data = export.tables_xlsx(slides, m, t)
    else:
        raise ValueError(f"unknown format {fmt!r}; use pptx, pdf, png, svg or xlsx")
    out.write_bytes(data)
    return [out]
