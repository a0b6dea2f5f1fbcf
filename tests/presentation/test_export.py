"""Exported files: chart images (kaleido on Debian's Chromium), the deck, the PDF, tables (the
``export`` command: tests/cli/commands/test_export.py).

Kaleido runs one server per test process (started by the first render); the renders here are few
and small so the module stays fast.
"""

from __future__ import annotations

import io
import itertools
import shutil
import subprocess
import threading
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
from openpyxl import load_workbook
from PIL import Image, ImageDraw, ImageFont
from pptx import Presentation

from analytics.store import db
from charts import theme as house
from i18n import Translator
from presentation import export, meta, story
from tests.presentation.conftest import AT_NAME, FORMULA_NAME, Y2024, make_story_store

ZH, EN = Translator("zh"), Translator("en")
TITLE = "客户价值利润分析报告"  # ten different characters, all full-width
STEPS = ("concentration", "loss_makers")


@pytest.fixture(scope="module")
def pack():
    """The zh slides of two steps on the hand-made store, their metadata and their pictures (rendered once)."""
    con = make_story_store()
    with db.cursor(con) as cur:
        m = meta.export_meta(cur, Y2024)
        slides = story.slides(cur, m.filters, ZH, STEPS)
    con.close()
    return slides, m, export._slide_pictures(slides, "light")


# ------------------------------------------------------------------------------ Chinese glyphs, not boxes
def cell_ink(img: Image.Image, n: int) -> np.ndarray:
    """Dark pixels in each of ``n`` equal cells across the inked bounding box (full-width glyphs)."""
    a = np.asarray(img.convert("L")) < 128
    ys, xs = np.nonzero(a)
    box = a[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    edges = np.linspace(0, box.shape[1], n + 1).round().astype(int)
    return np.array([box[:, lo:hi].sum() for lo, hi in itertools.pairwise(edges)], dtype=float)


def looks_like_tofu(ink: np.ndarray) -> bool:
    """Missing glyphs are drawn as identical boxes: every cell then holds the same amount of ink."""
    return float(ink.std() / ink.mean()) < 0.08


def test_tofu_detector_spots_identical_boxes():
    img = Image.new("L", (900, 120), 255)
    draw = ImageDraw.Draw(img)
    for i in range(len(TITLE)):
        draw.rectangle([10 + 60 * i, 20, 60 + 60 * i, 90], outline=0, width=3)
    assert looks_like_tofu(cell_ink(img, len(TITLE)))


def test_chinese_title_renders_as_glyphs():
    fig = go.Figure()
    fig.update_layout(title={"text": TITLE, "x": 0, "xanchor": "left", "xref": "paper",
                             "font": {"family": house.FONT, "size": 60, "color": "black"}},
                      xaxis={"visible": False}, yaxis={"visible": False}, paper_bgcolor="white",
                      plot_bgcolor="white", margin={"l": 20, "r": 20, "t": 110, "b": 0})
    png = export.render(fig, "png", 900, 160, 1)
    rendered = cell_ink(Image.open(io.BytesIO(png)), len(TITLE))
    assert not looks_like_tofu(rendered)
    # The same text drawn by Pillow with the Noto Sans CJK SC file: the ink of each glyph must match.
    path, index = export.font_file()
    ref = Image.new("L", (900, 120), 255)
    ImageDraw.Draw(ref).text((10, 10), TITLE, font=ImageFont.truetype(path, 60, index=index), fill=0)
    expected = cell_ink(ref, len(TITLE))
    assert np.corrcoef(rendered, expected)[0, 1] > 0.9


# ------------------------------------------------------------------------------ images
def test_png_and_svg_at_presentation_resolution(pack):
    slides, m, _ = pack
    png = export.chart_image(slides[0], m, ZH, "png")
    img = Image.open(io.BytesIO(png))
    assert img.size == (export.IMAGE_SIZE[0] * export.IMAGE_SCALE, export.IMAGE_SIZE[1] * export.IMAGE_SCALE)
    assert np.asarray(img.convert("L")).std() > 10  # not a blank image
    svg = export.chart_image(slides[0], m, ZH, "svg", theme="dark").decode("utf-8")
    assert svg.lstrip().startswith("<svg") and "利润集中度：鲸鱼曲线" in svg
    assert "前20%客户贡献了83%的利润" in svg and "2024年3月15日" in svg  # takeaway, filters and data date
    assert "Noto Sans CJK SC" in svg


def test_a_hung_export_gives_up_in_time(monkeypatch):
    release = threading.Event()
    monkeypatch.setattr(export, "_ensure_server", lambda: None)
    import kaleido

    monkeypatch.setattr(kaleido, "calc_fig_sync", lambda *a, **k: release.wait(30) and b"")
    try:
        with pytest.raises(export.ExportError, match="did not finish within 1 s"):
            export.render(go.Figure(), timeout=1)
    finally:
        release.set()


def test_no_browser_is_a_plain_message(monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    with pytest.raises(export.ExportError, match="BROWSER_PATH=/nonexistent/chromium does not exist"):
        export.browser_path()
    monkeypatch.delenv("BROWSER_PATH")
    assert export.browser_path().endswith("chromium")


# ------------------------------------------------------------------------------ deck and PDF
def texts(slide) -> str:
    return "\n".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)


def test_deck_has_title_charts_and_appendix(pack):
    slides, m, pictures = pack
    deck = Presentation(io.BytesIO(export.pptx_bytes(slides, m, ZH, name="周例会", pictures=pictures)))
    pages = list(deck.slides)
    assert len(pages) == 1 + 2 + 2  # title, two charts, two appendix tables
    first = texts(pages[0])
    assert "客户价值管理 · 会议材料" in first and "演示：周例会" in first
    assert "筛选：2024年1月1日 – 2024年12月31日 · 全部客户" in first and "数据截至 2024年3月15日" in first
    for page, s in zip(pages[1:3], slides, strict=True):
        body = texts(page)
        assert page.shapes.title.text == s.title and s.takeaway in body  # the title in the title placeholder
        assert all(h.value in body and h.label in body for h in s.headlines)
        assert "2024年1月1日 – 2024年12月31日" in body  # the footer on every slide
        charts = [sh for sh in page.shapes if sh.has_chart]  # native and editable, not a picture
        assert len(charts) == 1 and charts[0].width > charts[0].height
        assert not [sh for sh in page.shapes if sh.shape_type == 13]
        assert page.notes_slide.notes_text_frame.text == s.takeaway
    whale = next(sh for sh in pages[1].shapes if sh.has_chart).chart
    assert [se.name for se in whale.plots[0].series] == ["鲸鱼曲线", "峰值 142%（前 60% 客户）"]
    assert max(whale.plots[0].series[0].values) == pytest.approx(141.67, abs=0.01)  # 170 of 120, in %
    segments = next(sh for sh in pages[2].shapes if sh.has_chart).chart
    assert list(segments.plots[0].categories) == ["S2", "S1"]
    assert [list(se.values) for se in segments.plots[0].series] == [[20, 150], [-50, 0]]  # gains, losses
    assert list(segments.plots[1].series[0].values) == [-30, 150]  # net profit, as markers
    table = next(sh for sh in pages[4].shapes if sh.has_table).table
    assert "附录：亏损最多的客户" in texts(pages[4])
    assert [table.cell(r, 1).text for r in range(3)] == ["客户编号", "P5", "P4"]
    assert table.cell(1, 6).text == "-¥40"


def _page_images(pdf: Path, out: Path) -> list[np.ndarray]:
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(out / "p")], check=True, timeout=60)
    return [np.asarray(Image.open(p).convert("L")) for p in sorted(out.glob("p-*.png"))]


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (scripts/test.sh installs it)")
def test_pdf_has_every_page_and_none_is_blank(pack, tmp_path):
    slides, m, pictures = pack
    pdf = tmp_path / "story.pdf"
    pdf.write_bytes(export.pdf_bytes(slides, m, EN, pictures=pictures))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           5" in info
    pages = _page_images(pdf, tmp_path)
    assert len(pages) == 5
    for img in pages:
        assert img.std() > 8 and (img < 200).mean() > 0.005  # text and lines, not an empty page
    assert (pages[1] < 200).mean() > (pages[0] < 200).mean()  # a chart page holds more ink than the title page


# ------------------------------------------------------------------------------ tables
def test_excel_and_csv_neutralise_formulas_and_state_the_filters(pack):
    slides, m, _ = pack
    wb = load_workbook(io.BytesIO(export.tables_xlsx(slides, m, ZH)))
    assert wb.sheetnames == ["摘要", "各细分的利润集中度", "亏损最多的客户"]
    ws = wb["亏损最多的客户"]
    assert ws["A1"].value == "筛选：2024年1月1日 – 2024年12月31日 · 全部客户"
    assert ws["A2"].value == "数据截至 2024年3月15日"
    names = [c.value for c in ws["C"] if c.value]
    assert f"'{FORMULA_NAME}" in names and f"'{AT_NAME}" in names
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    summary = wb["摘要"]
    assert any(c.value == slides[0].takeaway for c in summary["C"])
    csv = export.table_csv(slides[1].appendix, m, EN).decode("utf-8-sig")
    assert csv.startswith("# Filters: 2024-01-01 – 2024-12-31 · All customers\n# Data as of 2024-03-15\n")
    assert f"'{FORMULA_NAME}".replace('"', '""') in csv and f"\n5,P5,'{AT_NAME}," in csv
    assert "\n-" not in csv and ",=" not in csv and ",@" not in csv and ",+" not in csv


def test_sheet_names_are_valid_and_unique():
    assert export._sheet_names(["a/b", "a/b", "x" * 40, ""]) == ["a b", "a b 2", "x" * 28, "data"]

