"""The PowerPoint deck (python-pptx): a title slide, one slide per chart, then the appendix tables.

Every slide's title is in the layout's title placeholder (PowerPoint's outline, accessibility
checker and "reset slide" see it as the title). Each chart is a native chart carrying its data
(:mod:`presentation.native`), editable in PowerPoint and WPS; a figure without a native equivalent
(the win-win map's density) stays a picture, rendered by the caller (:mod:`presentation.export`).
Appendix tables are complete: a long table continues over as many slides as it needs.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import pandas as pd

from i18n import Translator
from presentation import native
from presentation.meta import ExportMeta
from presentation.story import Slide, Table

SLIDE_W_IN, SLIDE_H_IN = 13.333, 7.5
TEMPLATE_W_IN = 10.0  # python-pptx's default template is 4:3; its layouts are widened to 16:9
LATIN_FONT, EA_FONT = native.LATIN_FONT, native.EA_FONT
INK_RGB, SOFT_RGB, ACCENT_RGB = (0x11, 0x18, 0x27), (0x4B, 0x55, 0x63), (0x1F, 0x4E, 0x8C)
TITLE_ONLY = 5  # the default template's "Title Only" layout
TABLE_PT, TABLE_TOP_IN, TABLE_BOTTOM_IN = 11, 1.2, 6.8  # appendix tables: 11 pt, between the title and the footer
CELL_PAD_IN, LINE_IN = 0.1, 11 * 1.2 / 72  # a cell's margins (left + right, top + bottom) and one line of text
NOTE_PT, NOTE_RGB, NOTES_BOTTOM_IN = 9, (0xB9, 0x1C, 0x1C), 6.9
CHART_BOX = (0.5, 1.75, 9.0, 5.1)  # x, y, w, h in inches: left of the headline figures


def appendix_tables(slides: Sequence[Slide]) -> list[Table]:
    """The slides' appendix tables that have rows, in slide order."""
    return [s.appendix for s in slides if s.appendix is not None and not s.appendix.frame.empty]


def pages(table: Table, rows: int) -> int:
    """How many pages a table of ``len(table.frame)`` rows takes at ``rows`` rows a page."""
    return max(1, math.ceil(len(table.frame) / rows))


def _ems(text: str) -> float:
    """Width of ``text`` in ems (CJK characters a full em, others ~0.6)."""
    return sum(1.0 if "\u2e80" <= ch <= "\uffef" else 0.6 for ch in text)


def column_widths(shown: pd.DataFrame, total: float = 12.3) -> list[float]:
    """Column widths (inches) in proportion to their longest cell (header included), filling ``total``;
    no column narrower than 0.7 in, no column wider than 40 % of the table."""
    natural = [min(max(_ems(str(v)) for v in [c, *shown[c]]), 40) * TABLE_PT / 72 + CELL_PAD_IN for c in shown.columns]
    natural = [max(0.7, w) for w in natural]
    widths = [w * total / sum(natural) for w in natural]
    cap = 0.4 * total
    if len(widths) > 2 and max(widths) > cap:  # one long column (names, assumptions) would squeeze the rest
        extra = sum(w - cap for w in widths if w > cap)
        small = sum(w for w in widths if w <= cap)
        widths = [cap if w > cap else w + extra * w / small for w in widths]
    return widths


def row_heights(shown: pd.DataFrame, widths: Sequence[float]) -> list[float]:
    """Each row's height (inches) once its cells wrap in their columns; the header row first."""
    rows = [[str(c) for c in shown.columns], *([str(v) for v in row] for row in shown.itertuples(index=False))]
    out = []
    for cells in rows:
        lines = max(math.ceil(_ems(v) * TABLE_PT / 72 / max(w - CELL_PAD_IN, 0.1)) or 1
                    for v, w in zip(cells, widths, strict=True))
        out.append(lines * LINE_IN + CELL_PAD_IN)
    return out


def table_parts(table: Table, t: Translator) -> list[tuple[int, int]]:
    """The rows (start, end) of each appendix slide of ``table``: as many as fit above the footer,
    every slide repeating the header row."""
    shown = table.display(t)
    heights = row_heights(shown, column_widths(shown))
    room = TABLE_BOTTOM_IN - TABLE_TOP_IN - heights[0]
    parts, start, used = [], 0, 0.0
    for i, h in enumerate(heights[1:]):
        if used + h > room and i > start:
            parts.append((start, i))
            start, used = i, 0.0
        used += h
    parts.append((start, len(shown)))
    return parts


def part_title(table: Table, n: int, total: int, t: Translator) -> str:
    """The appendix page's title: "Appendix: X", with "(n of total)" when the table takes several."""
    title = t("pres.appendix.title", title=table.title)
    return t("pres.appendix.part", title=title, n=n, total=total) if total > 1 else title


def _text_height(text: str, width_in: float, pt: float) -> float:
    """Inches a wrapped paragraph takes in a text box (CJK characters a full em wide, others ~0.6: bold
    Arial, or a wider face where Arial is missing)."""
    ems = _ems(text)
    lines = max(1, math.ceil(ems * pt / 72 / width_in))
    return lines * pt * 1.25 / 72


def fit_pt(text: str, width_in: float, pt: float, lines: int = 1, smallest: float = 20) -> float:
    """The largest size from ``pt`` down to ``smallest`` at which ``text`` takes at most ``lines`` lines."""
    while pt > smallest and _text_height(text, width_in, pt) > lines * pt * 1.25 / 72 + 1e-9:
        pt -= 1
    return pt


def contents_columns(lines: Sequence[str], per_column: int = 7) -> list[list[str]]:
    """The title page's contents in columns of at most ``per_column`` lines (two at most)."""
    if len(lines) <= per_column:
        return [list(lines)]
    half = math.ceil(len(lines) / 2)
    return [list(lines[:half]), list(lines[half:])]


def _set_font(run, size: float, bold: bool = False, color: tuple[int, int, int] = INK_RGB) -> None:
    from lxml import etree
    from pptx.dml.color import RGBColor
    from pptx.oxml.ns import qn
    from pptx.util import Pt

    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = RGBColor(*color)
    run.font.name = LATIN_FONT
    rpr = run._r.get_or_add_rPr()
    ea = rpr.find(qn("a:ea"))
    if ea is None:  # after a:latin, as the schema orders them
        ea = etree.SubElement(rpr, qn("a:ea"))
    ea.set("typeface", EA_FONT)


def _fill(tf, lines: Sequence[str], size: float, bold: bool, color: tuple[int, int, int], align: str,
          spacing: float) -> None:
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
    from pptx.util import Pt

    tf.word_wrap = True
    tf.vertical_anchor = MSO_ANCHOR.TOP
    for side in ("margin_left", "margin_right", "margin_top", "margin_bottom"):
        setattr(tf, side, 0)
    for i, line in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        p.alignment = {"left": PP_ALIGN.LEFT, "right": PP_ALIGN.RIGHT, "center": PP_ALIGN.CENTER}[align]
        if spacing:
            p.space_after = Pt(spacing)
        _set_font(p.add_run(), size, bold, color)
        p.runs[0].text = line


def _textbox(slide, x: float, y: float, w: float, h: float, lines: Sequence[str], size: float, bold: bool = False,
             color: tuple[int, int, int] = INK_RGB, align: str = "left", spacing: float = 0.0):
    from pptx.util import Inches

    box = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h))
    _fill(box.text_frame, lines, size, bold, color, align, spacing)
    return box


def _title(slide, text: str, size: float, y: float = 0.3, h: float = 0.7) -> None:
    """``text`` in the slide's title placeholder, placed and styled like the rest of the deck."""
    from pptx.enum.text import MSO_AUTO_SIZE
    from pptx.util import Inches

    ph = slide.shapes.title
    ph.left, ph.top, ph.width, ph.height = Inches(0.5), Inches(y), Inches(12.3), Inches(h)
    tf = ph.text_frame
    tf.clear()
    tf.auto_size = MSO_AUTO_SIZE.NONE
    _fill(tf, [text], size, True, INK_RGB, "left", 0)


def _widen(prs) -> None:
    """Stretch the 4:3 template's master and layouts to the 16:9 slide (placeholders keep their margins)."""
    factor = SLIDE_W_IN / TEMPLATE_W_IN
    for holder in (prs.slide_master, *prs.slide_layouts):
        for shape in holder.placeholders:
            if shape.left is not None and shape.width is not None:
                shape.left, shape.width = round(shape.left * factor), round(shape.width * factor)


def _footer(slide, meta: ExportMeta, t: Translator, n: int, total: int) -> None:
    _textbox(slide, 0.5, 7.02, 10.3, 0.35, [meta.footer(t)], 10, color=SOFT_RGB)
    _textbox(slide, 10.9, 7.02, 1.93, 0.35, [t("pres.deck.page", n=n, total=total)], 10, color=SOFT_RGB, align="right")


def needs_picture(slides: Sequence[Slide], t: Translator) -> list[bool]:
    """Which slides' charts have no native equivalent (those are placed as pictures)."""
    return [native.native(s.figure, t) is None for s in slides]


def pptx_bytes(slides: Sequence[Slide], meta: ExportMeta, t: Translator, name: str | None = None,
               pictures: Sequence[bytes | None] | None = None) -> bytes:
    """A 16:9 deck: title slide (filters, period, data date), one slide per chart, appendix tables.

    ``pictures[i]`` is slide ``i``'s chart as PNG, used where :func:`needs_picture` says so (None
    elsewhere); ``name`` is the story's name.
    """
    from pptx import Presentation
    from pptx.util import Inches

    pictures = list(pictures) if pictures is not None else [None] * len(slides)
    tables = appendix_tables(slides)
    parts = [table_parts(tb, t) for tb in tables]
    total = 1 + len(slides) + sum(len(p) for p in parts)
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_W_IN), Inches(SLIDE_H_IN)
    _widen(prs)
    layout = prs.slide_layouts[TITLE_ONLY]

    first = prs.slides.add_slide(layout)
    _title(first, t("pres.deck.title"), fit_pt(t("pres.deck.title"), 12.3, 32), y=1.2, h=1.0)
    if name:
        _textbox(first, 0.8, 2.2, 11.7, 0.6, [t("pres.deck.story", name=name)], 22, color=ACCENT_RGB)
    _textbox(first, 0.8, 3.0, 11.7, 1.4, meta.header_lines(t), 16, color=SOFT_RGB, spacing=6)
    contents = [f"{i}. {s.title}" for i, s in enumerate(slides, start=1)]
    if tables:
        contents.append(f"{len(slides) + 1}. {t('pres.appendix')}")
    _textbox(first, 0.8, 4.4, 11.7, 0.35, [t("pres.deck.contents")], 14, bold=True)
    for c, column in enumerate(contents_columns(contents)):  # two columns when the story is long
        _textbox(first, 0.8 + 6.0 * c, 4.8, 5.7 if len(contents) > 7 else 11.7, 2.1, column, 12, spacing=2)
    _footer(first, meta, t, 1, total)

    for i, (s, png) in enumerate(zip(slides, pictures, strict=True), start=2):
        page = prs.slides.add_slide(layout)
        _title(page, s.title, fit_pt(s.title, 12.3, 28))
        _textbox(page, 0.5, 1.0, 12.3, 0.65, [s.takeaway], 17, color=ACCENT_RGB)
        _chart(page, s, png, t)
        _headlines(page, s)
        page.notes_slide.notes_text_frame.text = "\n\n".join([s.takeaway, *s.notes])  # for the presenter view
        _footer(page, meta, t, i, total)

    n = 2 + len(slides)
    for table, ranges in zip(tables, parts, strict=True):
        for part, (start, end) in enumerate(ranges):
            page = prs.slides.add_slide(layout)
            head = part_title(table, part + 1, len(ranges), t)
            _title(page, head, fit_pt(head, 12.3, 24))
            _table(page, table, t, start, end)
            _footer(page, meta, t, n, total)
            n += 1

    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


def _chart(page, s: Slide, png: bytes | None, t: Translator) -> None:
    """The slide's chart: native where it has an equivalent, else its picture (nothing if none was given)."""
    from pptx.util import Inches

    spec = native.native(s.figure, t)
    x, y, w, h = CHART_BOX
    if spec is not None:
        native.add_chart(page, spec, x, y, w, h)
    elif png is not None:
        page.shapes.add_picture(io.BytesIO(png), Inches(x), Inches(y), width=Inches(w))


def _headlines(page, s: Slide) -> None:
    y = 1.85
    for j, h in enumerate(s.headlines):
        size = 34 if j == 0 else 24
        size = fit_pt(h.value, 3.1, size, smallest=16)  # a word (the top cost driver) instead of a number
        _textbox(page, 9.8, y, 3.1, 0.6, [h.value], size, bold=True, color=ACCENT_RGB if j == 0 else INK_RGB)
        y += 0.62 if j == 0 else 0.48
        _textbox(page, 9.8, y, 3.1, 0.5, [h.label] + ([h.note] if h.note else []), 12, color=SOFT_RGB)
        y += 0.62 + (0.25 if h.note else 0)
    for note in s.notes:  # caveats, as far as they fit above the footer; all of them in the notes
        height = _text_height(note, 3.1, NOTE_PT)
        if y + height > NOTES_BOTTOM_IN:
            break
        _textbox(page, 9.8, y, 3.1, height, [note], NOTE_PT, color=NOTE_RGB)
        y += height + 0.08


def _table(page, table: Table, t: Translator, start: int, end: int) -> None:
    """Rows ``start`` … ``end`` of ``table`` under its header row, columns as wide as their text needs."""
    from pptx.dml.color import RGBColor
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Inches, Pt

    full = table.display(t)
    widths = column_widths(full)  # from the whole table: every slide of it lines up
    shown = full.iloc[start:end]
    heights = row_heights(shown, widths)
    rows, cols = len(shown) + 1, len(shown.columns)
    shape = page.shapes.add_table(rows, cols, Inches(0.5), Inches(TABLE_TOP_IN), Inches(sum(widths)),
                                  Inches(sum(heights)))
    grid = shape.table
    for c, w in enumerate(widths):
        grid.columns[c].width = Inches(w)
    for r, h in enumerate(heights):
        grid.rows[r].height = Inches(h)
    for c, (col, kind) in enumerate(zip(shown.columns, table.formats, strict=True)):
        for r, value in enumerate([str(col), *shown[col].tolist()]):
            cell = grid.cell(r, c)
            cell.text = ""
            p = cell.text_frame.paragraphs[0]
            p.alignment = PP_ALIGN.LEFT if kind == "text" else PP_ALIGN.RIGHT
            run = p.add_run()
            _set_font(run, TABLE_PT, bold=r == 0, color=(0xFF, 0xFF, 0xFF) if r == 0 else INK_RGB)
            run.text = value
            cell.margin_top = cell.margin_bottom = Pt(CELL_PAD_IN * 72 / 2)
            cell.margin_left = cell.margin_right = Pt(CELL_PAD_IN * 72 / 2)
            if r == 0:
                cell.fill.solid()
                cell.fill.fore_color.rgb = RGBColor(*ACCENT_RGB)
