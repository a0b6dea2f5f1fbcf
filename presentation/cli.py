"""``python -m analytics export`` (registered by :mod:`analytics.export`): the Present page's files
without the UI, e.g. for a weekly report job.

Without ``--story`` the default story is exported; ``--steps`` picks steps instead. A saved story
brings its steps, theme and filters; explicit filter options replace its filters. ``png`` and
``svg`` write one image per step into the folder PATH (or the file PATH when there is one step and
PATH ends in the format's extension).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analytics import cli, filters
from analytics.store import db
from i18n import Translator, check_lang
from presentation import export, meta, saved, story
from presentation.theme import check_theme

_FILTER_ARGS = ("date_from", "date_to", "segment", "region", "channel", "plan", "customer_type")


def _has_filter_args(args: argparse.Namespace) -> bool:
    return any(getattr(args, a, None) for a in _FILTER_ARGS)


def run(args: argparse.Namespace) -> int:
    lang = check_lang(args.lang)
    con = db.connect(args.db, read_only=True)
    try:
        with db.cursor(con) as cur:
            if filters.data_bounds(cur) is None:
                raise ValueError("the database has no transactions yet (load data or run: python -m analytics demo)")
            t = Translator(lang, db.currency(cur))
            name = None
            if args.story:
                s = saved.load(cur, args.story)
                name, steps, f, theme = s.name, s.steps, s.filters, s.theme
                if s.dropped:
                    print(f"note: steps no longer available were left out: {', '.join(s.dropped)}", file=sys.stderr)
                if _has_filter_args(args):
                    f = cli.filters_from_args(args, cur)
            else:
                steps, f, theme = story.default_story(), cli.filters_from_args(args, cur), "light"
            if args.steps:
                steps = story.check_steps(filters.parse_list(args.steps))
            theme = check_theme(args.theme or theme)
            m = meta.export_meta(cur, f)
            slides = story.slides(cur, m.filters, t, steps)
    finally:
        con.close()
    written = write(args.format, Path(args.out), slides, m, t, name, theme)
    for path in written:
        print(path)
    return 0


def write(fmt: str, out: Path, slides: list[story.Slide], m: meta.ExportMeta, t: Translator,
          name: str | None = None, theme: str = "light") -> list[Path]:
    """Write the export of ``slides`` in ``fmt`` to ``out``; returns the files written."""
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

