"""Files that leave the meeting: chart images, a PowerPoint deck, a PDF, and tables.

* **PNG / SVG** of any slide's chart, at presentation resolution, rendered server-side by kaleido
  on Debian's Chromium (found on ``PATH`` as ``chromium``, or ``$BROWSER_PATH``; kaleido's own
  Chrome download is never used). One kaleido server per process, started on the first export
  (:func:`kaleido.start_sync_server`); exports queue for it one at a time, and each waits at most
  :data:`TIMEOUT_S` seconds, so a hung export cannot freeze the app. Text is set in Noto Sans CJK SC
  (``charts.theme.FONT``), so Chinese renders as glyphs, not boxes.
* **PowerPoint** (python-pptx): a title slide with the filters and the data date, one slide per
  chart (picture, takeaway, headline figures), then an appendix of tables.
* **PDF**: the same pages drawn with Pillow (chart pictures from kaleido, text in the Noto CJK font
  file) and saved as a multi-page PDF: no office suite and no browser print are needed.
* **CSV / Excel** of the appendix tables, formula injection neutralised by :mod:`analytics.tabular`.

Everything states the filters, the period and when the data were last loaded
(:class:`presentation.meta.ExportMeta`).
"""

from __future__ import annotations

import concurrent.futures
import io
import math
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import plotly.graph_objects as go
from PIL import Image, ImageDraw, ImageFont

from analytics import tabular
from charts.text import plain
from i18n import Translator
from presentation import theme as ptheme
from presentation.meta import ExportMeta
from presentation.story import Slide, Table

TIMEOUT_S = 60.0  # one image; a hung Chromium gives up after this and the export says so
IMAGE_SIZE = (1600, 900)  # CSS px of a single exported chart (16:9), drawn at IMAGE_SCALE
IMAGE_SCALE = 2  # 3200 × 1800 px: sharp on a 4K projector and in print
SLIDE_CHART = (1100, 620)  # CSS px of a chart on a slide or PDF page: text stays large once placed
SLIDE_SCALE = 3
FONT_SCALE = 1.5  # chart text × 1.5 (house 13 px → ~20 px), as on the projector
FORMATS = ("png", "svg")
MIME = {
    "png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf", "csv": "text/csv",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ExportError(ValueError):
    """An export that could not be made (no browser, a render that hung), with a plain message."""


# ------------------------------------------------------------------------------ the image server
_lock = threading.Lock()
_worker = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="kaleido-export")
_started = False


def browser_path() -> str:
    """The Chromium kaleido drives: ``$BROWSER_PATH``, else ``chromium`` (or ``chromium-browser``) on PATH."""
    env = os.environ.get("BROWSER_PATH")
    if env:
        if Path(env).exists():
            return env
        raise ExportError(f"BROWSER_PATH={env} does not exist")
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise ExportError("image export needs Chromium: install Debian's chromium package (apt-get install chromium)")


def unavailable() -> str | None:
    """Why chart images (and so decks and PDFs) cannot be made here, or None when they can."""
    try:
        browser_path()
        font_file()
    except ExportError as exc:
        return str(exc)
    return None


def _ensure_server() -> None:
    """Start this process's one kaleido server (idempotent). Never downloads a browser."""
    global _started
    with _lock:
        if _started:
            return
        import kaleido

        path = browser_path()  # checked first: kaleido's server thread would die silently without one
        # mathjax=False: no CDN fetch (the machine may be offline); plotly.js comes from plotly.py.
        kaleido.start_sync_server(path=path, mathjax=False, timeout=TIMEOUT_S, silence_warnings=True)
        _started = True


def render(fig: go.Figure, fmt: str = "png", width: int = IMAGE_SIZE[0], height: int = IMAGE_SIZE[1],
           scale: float = IMAGE_SCALE, timeout: float = TIMEOUT_S) -> bytes:
    """``fig`` as PNG or SVG bytes of ``width`` × ``height`` CSS px (PNG pixels × ``scale``).

    Raises :class:`ExportError` when no Chromium is found, the render fails, or it does not finish
    within ``timeout`` seconds (waiting for earlier exports counts).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown image format {fmt!r}; use one of {', '.join(FORMATS)}")
    _ensure_server()
    import kaleido

    opts = {"format": fmt, "width": width, "height": height, "scale": scale}
    job = _worker.submit(kaleido.calc_fig_sync, fig, opts=opts)
    try:
        out = job.result(timeout=timeout)
    except concurrent.futures.TimeoutError:
        job.cancel()  # if it is still queued behind a hung one, it never starts
        raise ExportError(f"the image export did not finish within {timeout:.0f} s; try again later") from None
    except ExportError:
        raise
    except Exception as exc:  # kaleido/Chromium failures: a message, not a crash of the page
        raise ExportError(f"the image export failed: {exc}") from exc
    return out.encode("utf-8") if isinstance(out, str) else bytes(out)


def slide_figure(slide: Slide, meta: ExportMeta, t: Translator, theme: str = "light") -> go.Figure:
    """The figure of an exported chart image: title, takeaway, and the filters and data date under it."""
    # Takeaways, filters and titles name segments and customers from the data: plain text, not markup.
    caveat = f"<br>{plain(slide.caveat)}" if slide.caveat else ""  # cost of goods not provided for …
    subtitle = f"{plain(slide.takeaway)}{caveat}<br>{plain(meta.footer(t))}"
    return ptheme.projector(slide.figure, theme, scale=FONT_SCALE, height=IMAGE_SIZE[1], title=plain(slide.title),
                            subtitle=subtitle, vector=True)


def chart_image(slide: Slide, meta: ExportMeta, t: Translator, fmt: str = "png", theme: str = "light") -> bytes:
    """One slide's chart as a standalone PNG or SVG at presentation resolution (16:9)."""
    return render(slide_figure(slide, meta, t, theme), fmt)


def _slide_pictures(slides: Sequence[Slide], theme: str) -> list[bytes]:
    """Each slide's chart as PNG, sized for a slide (no title: the slide carries it)."""
    w, h = SLIDE_CHART
    return [render(ptheme.projector(s.figure, theme, scale=FONT_SCALE, height=h, vector=True), "png", w, h, SLIDE_SCALE)
            for s in slides]


def file_stem(name: str) -> str:
    """A file name from a story or step name (letters, digits, CJK, ``-`` and ``_`` kept)."""
    stem = re.sub(r"[^\w\u4e00-\u9fff-]+", "_", name, flags=re.UNICODE).strip("_")
    return stem[:80] or "export"


# ------------------------------------------------------------------------------ PowerPoint
SLIDE_W_IN, SLIDE_H_IN = 13.333, 7.5
LATIN_FONT, EA_FONT = "Arial", "Microsoft YaHei"  # what PowerPoint has on Windows and macOS
INK_RGB, SOFT_RGB, ACCENT_RGB = (0x11, 0x18, 0x27), (0x4B, 0x55, 0x63), (0x1F, 0x4E, 0x8C)
APPENDIX_ROWS = 14
NOTE_PT, NOTE_RGB, NOTES_BOTTOM_IN = 9, (0xB9, 0x1C, 0x1C), 6.9


def _text_height(text: str, width_in: float, pt: float) -> float:
    """Inches a wrapped paragraph takes in a text box (CJK characters are a full em wide, others ~0.55)."""
    ems = sum(1.0 if "\u2e80" <= ch <= "\uffef" else 0.55 for ch in text)
    lines = max(1, math.ceil(ems * pt / 72 / width_in))
    return lines * pt * 1.25 / 72


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


def _textbox(slide, x: float, y: float, w: float, h: float, lines: Sequence[str], size: float, bold: bool = False,
             color: tuple[int, int, int] = INK_RGB, align: str = "left", spacing: float = 0.0):
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
    from pptx.util import Inches, Pt

    box = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h))
    tf = box.text_frame
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
    return box


def _footer(slide, meta: ExportMeta, t: Translator, n: int, total: int) -> None:
    _textbox(slide, 0.5, 7.02, 10.3, 0.35, [meta.footer(t)], 10, color=SOFT_RGB)
    _textbox(slide, 10.9, 7.02, 1.93, 0.35, [t("pres.deck.page", n=n, total=total)], 10, color=SOFT_RGB, align="right")


def _appendix_pages(slides: Sequence[Slide]) -> list[Table]:
    return [s.appendix for s in slides if s.appendix is not None and not s.appendix.frame.empty]


def pptx_bytes(slides: Sequence[Slide], meta: ExportMeta, t: Translator, name: str | None = None,
               theme: str = "light", pictures: Sequence[bytes] | None = None) -> bytes:
    """A 16:9 deck: title slide (filters, period, data date), one slide per chart, appendix tables.

    ``pictures`` are the charts as PNG (rendered here when None); ``name`` is the story's name.
    """
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Inches, Pt

    pictures = list(pictures) if pictures is not None else _slide_pictures(slides, theme)
    tables = _appendix_pages(slides)
    total = 1 + len(slides) + len(tables)
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_W_IN), Inches(SLIDE_H_IN)
    blank = prs.slide_layouts[6]

    first = prs.slides.add_slide(blank)
    _textbox(first, 0.8, 1.2, 11.7, 1.0, [t("pres.deck.title")], 36, bold=True)
    if name:
        _textbox(first, 0.8, 2.2, 11.7, 0.6, [t("pres.deck.story", name=name)], 22, color=ACCENT_RGB)
    _textbox(first, 0.8, 3.0, 11.7, 1.4, meta.header_lines(t), 16, color=SOFT_RGB, spacing=6)
    contents = [f"{i}. {s.title}" for i, s in enumerate(slides, start=1)]
    if tables:
        contents.append(f"{len(slides) + 1}. {t('pres.appendix')}")
    _textbox(first, 0.8, 4.5, 11.7, 2.4, [t("pres.deck.contents"), *contents], 14, spacing=3)
    _footer(first, meta, t, 1, total)

    for i, (s, png) in enumerate(zip(slides, pictures, strict=True), start=2):
        page = prs.slides.add_slide(blank)
        _textbox(page, 0.5, 0.3, 12.3, 0.7, [s.title], 28, bold=True)
        _textbox(page, 0.5, 1.0, 12.3, 0.65, [s.takeaway], 17, color=ACCENT_RGB)
        width = 9.0
        page.shapes.add_picture(io.BytesIO(png), Inches(0.5), Inches(1.75), width=Inches(width))
        y = 1.85
        for j, h in enumerate(s.headlines):
            size = 34 if j == 0 else 24
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
        page.notes_slide.notes_text_frame.text = "\n\n".join([s.takeaway, *s.notes])  # for the presenter view
        _footer(page, meta, t, i, total)

    for k, table in enumerate(tables, start=2 + len(slides)):
        page = prs.slides.add_slide(blank)
        _textbox(page, 0.5, 0.3, 12.3, 0.7, [t("pres.appendix.title", title=table.title)], 24, bold=True)
        shown = table.display(t, APPENDIX_ROWS)
        rows, cols = len(shown) + 1, len(shown.columns)
        shape = page.shapes.add_table(rows, cols, Inches(0.5), Inches(1.2), Inches(12.3), Inches(0.36 * rows))
        grid = shape.table
        for c, (col, kind) in enumerate(zip(shown.columns, table.formats, strict=True)):
            values = [str(col), *shown[col].tolist()]
            for r, value in enumerate(values):
                cell = grid.cell(r, c)
                cell.text = ""
                p = cell.text_frame.paragraphs[0]
                p.alignment = PP_ALIGN.LEFT if kind == "text" else PP_ALIGN.RIGHT
                run = p.add_run()
                _set_font(run, 11, bold=r == 0, color=(0xFF, 0xFF, 0xFF) if r == 0 else INK_RGB)
                run.text = value
                cell.margin_top = cell.margin_bottom = Pt(2)
                if r == 0:
                    cell.fill.solid()
                    cell.fill.fore_color.rgb = RGBColor(*ACCENT_RGB)
        more = len(table.frame) - len(shown)
        if more > 0:
            _textbox(page, 0.5, 1.3 + 0.36 * rows, 12.3, 0.4, [t("pres.appendix.more_rows", n=more)], 11, color=SOFT_RGB)
        _footer(page, meta, t, k, total)

    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


# ------------------------------------------------------------------------------ PDF
PAGE_PX = (2400, 1350)  # 16:9 at 180 dpi = 13.33 × 7.5 in, like the deck
PAGE_DPI = 180
PDF_ROWS = 20


@cache
def font_file(bold: bool = False) -> tuple[str, int]:
    """The Noto Sans CJK SC font file and its index in the collection (fontconfig, then known paths)."""
    style = "Bold" if bold else "Regular"
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}|%{index}", f"Noto Sans CJK SC:style={style}"],
                             capture_output=True, text=True, timeout=10, check=False).stdout
        path, _, index = out.partition("|")
        if path and "CJK" in path and Path(path).exists():
            return path, int(index or 0)
    except (OSError, subprocess.SubprocessError, ValueError):
        pass
    for folder in ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/noto-cjk", "/usr/share/fonts/google-noto-cjk"):
        candidate = Path(folder) / f"NotoSansCJK-{style}.ttc"
        if candidate.exists():
            return str(candidate), 2  # the collection's order: JP, KR, SC, TC, HK
    raise ExportError("the PDF needs the Noto Sans CJK fonts: install Debian's fonts-noto-cjk package")


@cache
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    path, index = font_file(bold)
    return ImageFont.truetype(path, size, index=index)


_TOKEN = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]|[^\s\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]+|\s+")


_NO_LINE_START = set("）)】」』，。；：、！？%,.;:!?")


def wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """``text`` broken into lines no wider than ``width`` px (CJK breaks between characters)."""
    lines: list[str] = []
    line = ""
    for token in _TOKEN.findall(text):
        trial = line + token
        # Closing punctuation never starts a line (it stays with the word before, even if a bit wider).
        if font.getlength(trial) <= width or not line.strip() or token[0] in _NO_LINE_START:
            line = trial
        else:
            lines.append(line.rstrip())
            line = token.lstrip()
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


class _Page:
    """A PDF page drawn with Pillow, laid out in inches like the deck (1 in = :data:`PAGE_DPI` px)."""

    def __init__(self) -> None:
        self.image = Image.new("RGB", PAGE_PX, "white")
        self.draw = ImageDraw.Draw(self.image)

    @staticmethod
    def px(inches: float) -> int:
        return round(inches * PAGE_DPI)

    def text(self, x: float, y: float, w: float, text: str, pt: float, bold: bool = False,
             color: tuple[int, int, int] = INK_RGB, align: str = "left", max_lines: int = 3) -> float:
        """Draw wrapped text at (x, y) inches, ``pt`` points; returns the y (inches) below it."""
        size = round(pt * PAGE_DPI / 72)
        font = _font(size, bold)
        lines = wrap(text, font, self.px(w))[:max_lines]
        top = self.px(y)
        for line in lines:
            left = self.px(x)
            if align == "right":
                left = self.px(x + w) - round(font.getlength(line))
            self.draw.text((left, top), line, font=font, fill=_hex(color))
            top += round(size * 1.3)
        return top / PAGE_DPI

    def footer(self, meta: ExportMeta, t: Translator, n: int, total: int) -> None:
        self.text(0.5, 7.05, 10.3, meta.footer(t), 10, color=SOFT_RGB, max_lines=1)
        self.text(10.9, 7.05, 1.93, t("pres.deck.page", n=n, total=total), 10, color=SOFT_RGB, align="right")


def _table_page(page: _Page, table: Table, t: Translator) -> int:
    shown = table.display(t, PDF_ROWS)
    size = round(11 * PAGE_DPI / 72)
    font, bold = _font(size), _font(size, True)
    headers = [str(c) for c in shown.columns]
    widths = [max(font.getlength(v) for v in [h, *shown[c].tolist()]) + 30 for h, c in zip(headers, shown.columns,
                                                                                          strict=True)]
    avail = page.px(12.3)
    factor = min(1.0, avail / sum(widths)) if widths else 1.0
    widths = [w * factor for w in widths]
    row_h = round(size * 1.7)
    x0, y = page.px(0.5), page.px(1.2)
    page.draw.rectangle([x0, y, x0 + sum(widths), y + row_h], fill=_hex(ACCENT_RGB))
    for r, values in enumerate([headers, *shown.itertuples(index=False)]):
        x = x0
        if r and r % 2 == 0:
            page.draw.rectangle([x0, y, x0 + sum(widths), y + row_h], fill="#f3f4f6")
        for value, w, kind in zip(values, widths, table.formats, strict=True):
            f = bold if r == 0 else font
            text = str(value)
            while f.getlength(text) > w - 20 and len(text) > 1:  # clip a cell that does not fit
                text = text[:-2] + "…"
            left = x + 10 if kind == "text" else x + w - 10 - f.getlength(text)
            page.draw.text((left, y + (row_h - size) / 2 - 2), text, font=f, fill="white" if r == 0 else _hex(INK_RGB))
            x += w
        y += row_h
    return len(table.frame) - len(shown)


def pdf_bytes(slides: Sequence[Slide], meta: ExportMeta, t: Translator, name: str | None = None,
              theme: str = "light", pictures: Sequence[bytes] | None = None) -> bytes:
    """The deck's pages as a PDF (same order and content as :func:`pptx_bytes`)."""
    pictures = list(pictures) if pictures is not None else _slide_pictures(slides, theme)
    tables = _appendix_pages(slides)
    total = 1 + len(slides) + len(tables)
    pages: list[Image.Image] = []

    first = _Page()
    y = first.text(0.8, 1.2, 11.7, t("pres.deck.title"), 36, bold=True)
    if name:
        y = first.text(0.8, y + 0.1, 11.7, t("pres.deck.story", name=name), 22, color=ACCENT_RGB)
    y = max(y + 0.2, 3.0)
    for line in meta.header_lines(t):
        y = first.text(0.8, y, 11.7, line, 16, color=SOFT_RGB) + 0.08
    y = max(y + 0.2, 4.5)
    y = first.text(0.8, y, 11.7, t("pres.deck.contents"), 14, bold=True)
    contents = [f"{i}. {s.title}" for i, s in enumerate(slides, start=1)]
    if tables:
        contents.append(f"{len(slides) + 1}. {t('pres.appendix')}")
    for line in contents:
        y = first.text(0.8, y + 0.03, 11.7, line, 14, max_lines=1)
    first.footer(meta, t, 1, total)
    pages.append(first.image)

    for i, (s, png) in enumerate(zip(slides, pictures, strict=True), start=2):
        page = _Page()
        page.text(0.5, 0.3, 12.3, s.title, 28, bold=True, max_lines=1)
        page.text(0.5, 1.0, 12.3, s.takeaway, 17, color=ACCENT_RGB, max_lines=2)
        chart = Image.open(io.BytesIO(png)).convert("RGB")
        w = page.px(9.0)
        chart = chart.resize((w, round(chart.height * w / chart.width)), Image.Resampling.LANCZOS)
        page.image.paste(chart, (page.px(0.5), page.px(1.75)))
        y = 1.85
        for j, h in enumerate(s.headlines):
            y = page.text(9.8, y, 3.1, h.value, 34 if j == 0 else 24, bold=True,
                          color=ACCENT_RGB if j == 0 else INK_RGB, max_lines=2)
            y = page.text(9.8, y, 3.1, h.label, 12, color=SOFT_RGB, max_lines=2)
            if h.note:
                y = page.text(9.8, y, 3.1, h.note, 10, color=SOFT_RGB, max_lines=3)
            y += 0.3
        for note in s.notes:  # caveats, as far as they fit above the footer
            size = round(NOTE_PT * PAGE_DPI / 72)
            if y + len(wrap(note, _font(size), page.px(3.1))) * size * 1.3 / PAGE_DPI > NOTES_BOTTOM_IN:
                break
            y = page.text(9.8, y, 3.1, note, NOTE_PT, color=NOTE_RGB, max_lines=12) + 0.08
        page.footer(meta, t, i, total)
        pages.append(page.image)

    for k, table in enumerate(tables, start=2 + len(slides)):
        page = _Page()
        page.text(0.5, 0.3, 12.3, t("pres.appendix.title", title=table.title), 24, bold=True, max_lines=1)
        more = _table_page(page, table, t)
        if more > 0:
            page.text(0.5, 6.6, 12.3, t("pres.appendix.more_rows", n=more), 11, color=SOFT_RGB)
        page.footer(meta, t, k, total)
        pages.append(page.image)

    buf = io.BytesIO()
    pages[0].save(buf, "PDF", save_all=True, append_images=pages[1:], resolution=PAGE_DPI, quality=92,
                  subsampling=0, title=name or t("pres.deck.title"), author="CVM")
    return buf.getvalue()


# ------------------------------------------------------------------------------ tables
def _sheet_names(titles: Sequence[str]) -> list[str]:
    """Excel sheet names: no ``[]:*?/\\``, at most 31 characters, unique."""
    out: list[str] = []
    for title in titles:
        base = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:28] or "data"
        name, n = base, 2
        while name in out:
            name, n = f"{base[:26]} {n}", n + 1
        out.append(name)
    return out


def table_csv(table: Table, meta: ExportMeta, t: Translator) -> bytes:
    """One appendix table as CSV (UTF-8 with BOM), filters, data date and title in ``#`` header lines."""
    return tabular.csv_bytes(table.frame, header_lines=[*meta.header_lines(t), table.title])


def tables_xlsx(slides: Sequence[Slide], meta: ExportMeta, t: Translator) -> bytes:
    """A workbook: a summary sheet (each slide's title, takeaway and headline figures), then one sheet
    per appendix table; every sheet starts with the filters, the data date and the creation time."""
    import pandas as pd

    rows = []
    for s in slides:
        rows.append({t("pres.col.slide"): s.title, t("pres.col.item"): t("pres.col.takeaway"), t("pres.col.value"): s.takeaway})
        for h in s.headlines:
            rows.append({t("pres.col.slide"): s.title, t("pres.col.item"): h.label, t("pres.col.value"): h.value})
        if s.caveat:  # cost of goods not provided for part of the revenue
            rows.append({t("pres.col.slide"): s.title, t("pres.col.item"): t("pres.col.note"), t("pres.col.value"): s.caveat})
    summary = pd.DataFrame(rows, columns=[t("pres.col.slide"), t("pres.col.item"), t("pres.col.value")])
    tables = _appendix_pages(slides)
    names = _sheet_names([t("pres.col.summary"), *(tb.title for tb in tables)])
    header = meta.header_lines(t)
    sheets = [(names[0], summary, header)]
    sheets += [(n, tb.frame, [*header, tb.title]) for n, tb in zip(names[1:], tables, strict=True)]
    return tabular.xlsx_book_bytes(sheets)
