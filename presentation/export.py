"""Files that leave the meeting: chart images, a PowerPoint deck, a PDF, and tables.

* **PNG / SVG** of any slide's chart, at presentation resolution, rendered server-side by kaleido
  on Debian's Chromium (found on ``PATH`` as ``chromium``, or ``$BROWSER_PATH``; kaleido's own
  Chrome download is never used). One kaleido server per process, started on the first export
  (:func:`kaleido.start_sync_server`); exports queue for it one at a time, and each waits at most
  :data:`TIMEOUT_S` seconds, so a hung export cannot freeze the app. Text is set in Noto Sans CJK SC
  (``charts.theme.FONT``), so Chinese renders as glyphs, not boxes.
* **PowerPoint** (:mod:`presentation.deck`, python-pptx): a title slide with the filters and the
  data date, one slide per chart (a native chart carrying its data, :mod:`presentation.native`;
  takeaway, headline figures; the title in the title placeholder), then the full appendix tables.
* **PDF** (:mod:`presentation.pdf`, fpdf2): the same pages with real text in the embedded Noto CJK
  font (searchable in Chinese and English), chart pictures from kaleido, the full appendix tables.
* **CSV / Excel** of the appendix tables, formula injection neutralised by :mod:`analytics.tabular`.

Everything states the filters, the period and when the data were last loaded
(:class:`presentation.meta.ExportMeta`).
"""

from __future__ import annotations

import concurrent.futures
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import plotly.graph_objects as go

from analytics import tabular
from charts.text import plain
from i18n import Translator
from presentation import deck, pdf
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


def _slide_pictures(slides: Sequence[Slide], theme: str, wanted: Sequence[bool] | None = None) -> list:
    """Each slide's chart as PNG, sized for a slide (no title: the slide carries it); None for the
    slides not ``wanted``."""
    w, h = SLIDE_CHART
    wanted = wanted if wanted is not None else [True] * len(slides)
    return [render(ptheme.projector(s.figure, theme, scale=FONT_SCALE, height=h, vector=True), "png", w, h, SLIDE_SCALE)
            if want else None for s, want in zip(slides, wanted, strict=True)]


def file_stem(name: str) -> str:
    """A file name from a story or step name (letters, digits, CJK, ``-`` and ``_`` kept)."""
    stem = re.sub(r"[^\w\u4e00-\u9fff-]+", "_", name, flags=re.UNICODE).strip("_")
    return stem[:80] or "export"


# ------------------------------------------------------------------------------ deck and PDF
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


def pptx_bytes(slides: Sequence[Slide], meta: ExportMeta, t: Translator, name: str | None = None,
               theme: str = "light", pictures: Sequence[bytes | None] | None = None) -> bytes:
    """The PowerPoint deck (:mod:`presentation.deck`): native, editable charts; a picture only for
    a chart without a native equivalent (rendered here when ``pictures`` is None, so a deck of
    native charts needs no browser)."""
    if pictures is None:
        wanted = deck.needs_picture(slides, t)
        pictures = _slide_pictures(slides, theme, wanted) if any(wanted) else [None] * len(slides)
    return deck.pptx_bytes(slides, meta, t, name=name, pictures=pictures)


def pdf_bytes(slides: Sequence[Slide], meta: ExportMeta, t: Translator, name: str | None = None,
              theme: str = "light", pictures: Sequence[bytes] | None = None) -> bytes:
    """The PDF (:mod:`presentation.pdf`): the deck's pages with real, searchable text; charts as
    pictures (rendered here when ``pictures`` is None)."""
    pictures = list(pictures) if pictures is not None else _slide_pictures(slides, theme)
    return pdf.pdf_bytes(slides, meta, t, pictures, font_file(), font_file(bold=True), name=name)


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
    tables = deck.appendix_tables(slides)
    names = _sheet_names([t("pres.col.summary"), *(tb.title for tb in tables)])
    header = meta.header_lines(t)
    sheets = [(names[0], summary, header)]
    sheets += [(n, tb.frame, [*header, tb.title]) for n, tb in zip(names[1:], tables, strict=True)]
    return tabular.xlsx_book_bytes(sheets)
