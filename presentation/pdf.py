"""The PDF hand-out (fpdf2): the deck's pages with real text, so it can be searched, copied and read
aloud in Chinese and English. Titles, takeaways, headline figures, caveats and the appendix tables
are text set in the Noto Sans CJK SC font, embedded as a subset; the charts are pictures (rendered
by the caller, :mod:`presentation.export`). Appendix tables are complete: a long table continues
over as many pages as it needs. No office suite and no browser print are needed.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence

from i18n import Translator
from presentation import deck
from presentation.meta import ExportMeta
from presentation.story import Slide, Table

PDF_ROWS = 20  # data rows per appendix page
FAMILY = "noto"
INK_RGB, SOFT_RGB, ACCENT_RGB, NOTE_RGB, NOTE_PT = deck.INK_RGB, deck.SOFT_RGB, deck.ACCENT_RGB, deck.NOTE_RGB, deck.NOTE_PT
LINE = 1.3  # line height, × the font size
Font = tuple[str, int]  # a font file and its index in the collection

_TOKEN = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]|[^\s\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]+|\s+")
_NO_LINE_START = set("）)】」』，。；：、！？%,.;:!?")


def wrap(text: str, width_of: Callable[[str], float], width: float) -> list[str]:
    """``text`` broken into lines no wider than ``width`` (CJK breaks between characters, other text
    between words; ``width_of`` measures a string in the same unit)."""
    lines: list[str] = []
    line = ""
    for token in _TOKEN.findall(text):
        trial = line + token
        # Closing punctuation never starts a line (it stays with the word before, even if a bit wider).
        if width_of(trial) <= width or not line.strip() or token[0] in _NO_LINE_START:
            line = trial
        else:
            lines.append(line.rstrip())
            line = token.lstrip()
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


class _Doc:
    """An fpdf2 document laid out in inches like the deck."""

    def __init__(self, regular: Font, bold: Font, title: str, lang: str) -> None:
        from fpdf import FPDF

        pdf = FPDF(orientation="L", unit="in", format=(deck.SLIDE_H_IN, deck.SLIDE_W_IN))
        pdf.set_auto_page_break(False)
        pdf.c_margin = 0
        pdf.add_font(FAMILY, "", regular[0], collection_font_number=regular[1])
        pdf.add_font(FAMILY, "B", bold[0], collection_font_number=bold[1])
        pdf.set_title(title)
        pdf.set_author("CVM")
        pdf.set_creator("CVM")
        pdf.set_lang("zh-CN" if lang == "zh" else "en")
        self.pdf = pdf

    def text(self, x: float, y: float, w: float, text: str, pt: float, bold: bool = False,
             color: tuple[int, int, int] = INK_RGB, align: str = "L", max_lines: int = 3) -> float:
        """Wrapped text at (x, y) inches, ``pt`` points; returns the y (inches) below it."""
        pdf = self.pdf
        pdf.set_font(FAMILY, "B" if bold else "", pt)
        pdf.set_text_color(*color)
        height = pt * LINE / 72
        for line in wrap(text, pdf.get_string_width, w)[:max_lines]:
            pdf.set_xy(x, y)
            pdf.cell(w, height, line, align=align)
            y += height
        return y

    def fit(self, text: str, w: float, pt: float, smallest: float = 20, bold: bool = True) -> float:
        """The largest size from ``pt`` down to ``smallest`` at which ``text`` fits on one line of ``w`` inches."""
        while pt > smallest:
            self.pdf.set_font(FAMILY, "B" if bold else "", pt)
            if self.pdf.get_string_width(text) <= w:
                break
            pt -= 1
        return pt

    def lines_height(self, text: str, w: float, pt: float) -> float:
        self.pdf.set_font(FAMILY, "", pt)
        return len(wrap(text, self.pdf.get_string_width, w)) * pt * LINE / 72

    def footer(self, meta: ExportMeta, t: Translator, n: int, total: int) -> None:
        self.text(0.5, 7.02, 10.3, meta.footer(t), 10, color=SOFT_RGB, max_lines=1)
        self.text(10.9, 7.02, 1.93, t("pres.deck.page", n=n, total=total), 10, color=SOFT_RGB, align="R")


def pdf_bytes(slides: Sequence[Slide], meta: ExportMeta, t: Translator, pictures: Sequence[bytes],
              regular: Font, bold: Font, name: str | None = None) -> bytes:
    """The deck's pages as a PDF with real text (same order and content as the deck);
    ``pictures`` are the charts as PNG, ``regular`` and ``bold`` the Noto Sans CJK SC font files."""
    tables = deck.appendix_tables(slides)
    total = 1 + len(slides) + sum(deck.pages(tb, PDF_ROWS) for tb in tables)
    doc = _Doc(regular, bold, name or t("pres.deck.title"), t.lang)
    pdf = doc.pdf

    pdf.add_page()
    y = doc.text(0.8, 1.2, 11.7, t("pres.deck.title"), 36, bold=True)
    if name:
        y = doc.text(0.8, y + 0.1, 11.7, t("pres.deck.story", name=name), 22, color=ACCENT_RGB)
    y = max(y + 0.2, 3.0)
    for line in meta.header_lines(t):
        y = doc.text(0.8, y, 11.7, line, 16, color=SOFT_RGB) + 0.08
    y = max(y + 0.2, 4.5)
    y = doc.text(0.8, y, 11.7, t("pres.deck.contents"), 14, bold=True)
    contents = [f"{i}. {s.title}" for i, s in enumerate(slides, start=1)]
    if tables:
        contents.append(f"{len(slides) + 1}. {t('pres.appendix')}")
    columns = deck.contents_columns(contents)
    width = 5.7 if len(columns) > 1 else 11.7
    # 13 pt while the longest column, its titles wrapped, ends above the footer (7.02 in); smaller for a long story
    pt = next((p for p in (13, 12, 11) if max(sum(doc.lines_height(line, width, p) + 0.03 for line in column)
                                               for column in columns) <= 6.95 - y), 10)
    for c, column in enumerate(columns):  # two columns when the story is long
        x, w, row = 0.8 + 6.0 * c, width, y
        for line in column:
            row = doc.text(x, row + 0.03, w, line, pt, max_lines=2)
    doc.footer(meta, t, 1, total)

    for i, (s, png) in enumerate(zip(slides, pictures, strict=True), start=2):
        pdf.add_page()
        doc.text(0.5, 0.3, 12.3, s.title, doc.fit(s.title, 12.3, 28), bold=True, max_lines=2)
        doc.text(0.5, 1.0, 12.3, s.takeaway, 17, color=ACCENT_RGB, max_lines=2)
        pdf.image(io.BytesIO(png), x=0.5, y=1.75, w=9.0)
        y = 1.85
        for j, h in enumerate(s.headlines):
            size = doc.fit(h.value, 3.1, 34 if j == 0 else 24, smallest=16)  # a word instead of a number
            y = doc.text(9.8, y, 3.1, h.value, size, bold=True, color=ACCENT_RGB if j == 0 else INK_RGB, max_lines=2)
            y = doc.text(9.8, y, 3.1, h.label, 12, color=SOFT_RGB, max_lines=2)
            if h.note:
                y = doc.text(9.8, y, 3.1, h.note, 10, color=SOFT_RGB, max_lines=3)
            y += 0.3
        for note in s.notes:  # caveats, as far as they fit above the footer
            if y + doc.lines_height(note, 3.1, NOTE_PT) > deck.NOTES_BOTTOM_IN:
                break
            y = doc.text(9.8, y, 3.1, note, NOTE_PT, color=NOTE_RGB, max_lines=12) + 0.08
        doc.footer(meta, t, i, total)

    n = 2 + len(slides)
    for table in tables:
        count = deck.pages(table, PDF_ROWS)
        widths = _column_widths(doc, table, t)
        for part in range(count):
            pdf.add_page()
            head = deck.part_title(table, part + 1, count, t)
            doc.text(0.5, 0.3, 12.3, head, doc.fit(head, 12.3, 24), bold=True, max_lines=2)
            _table(doc, table, t, part * PDF_ROWS, widths)
            doc.footer(meta, t, n, total)
            n += 1
    return bytes(pdf.output())


TABLE_PT = 11
PAD = 0.08  # inches each side of a cell's text


def _column_widths(doc: _Doc, table: Table, t: Translator) -> list[float]:
    """Column widths (inches) from the whole table, so every page of it lines up; shrunk to 12.3 in."""
    shown = table.display(t)
    pdf = doc.pdf
    widths = []
    for col in shown.columns:
        pdf.set_font(FAMILY, "B", TABLE_PT)
        head = pdf.get_string_width(str(col))
        pdf.set_font(FAMILY, "", TABLE_PT)
        body = max((pdf.get_string_width(str(v)) for v in shown[col]), default=0.0)
        widths.append(max(head, body) + 2 * PAD + 0.1)
    factor = min(1.0, 12.3 / sum(widths)) if widths else 1.0
    return [w * factor for w in widths]


def _table(doc: _Doc, table: Table, t: Translator, start: int, widths: Sequence[float]) -> None:
    """Rows ``start`` … ``start + PDF_ROWS`` of ``table`` under its header row, cells clipped to their column."""
    pdf = doc.pdf
    shown = table.display(t).iloc[start:start + PDF_ROWS]
    row_h = TABLE_PT * 1.7 / 72
    x0, y = 0.5, 1.2
    full = sum(widths)
    for r, values in enumerate([[str(c) for c in shown.columns], *shown.itertuples(index=False)]):
        if r == 0:
            pdf.set_fill_color(*ACCENT_RGB)
            pdf.rect(x0, y, full, row_h, style="F")
        elif r % 2 == 0:
            pdf.set_fill_color(0xF3, 0xF4, 0xF6)
            pdf.rect(x0, y, full, row_h, style="F")
        pdf.set_font(FAMILY, "B" if r == 0 else "", TABLE_PT)
        pdf.set_text_color(*((0xFF, 0xFF, 0xFF) if r == 0 else INK_RGB))
        x = x0
        for value, w, kind in zip(values, widths, table.formats, strict=True):
            text = str(value)
            while pdf.get_string_width(text) > w - 2 * PAD and len(text) > 1:  # clip a cell that does not fit
                text = text[:-2] + "…"
            pdf.set_xy(x + PAD, y)
            pdf.cell(w - 2 * PAD, row_h, text, align="L" if kind == "text" else "R")
            x += w
        y += row_h
