"""The PDF hand-out has real text (issue 19): titles, takeaways, headline figures and the appendix
tables can be searched and copied in Chinese and English (checked with poppler's ``pdftotext``), and
a long appendix table continues over pages. The charts are pictures: small stand-ins here, so no
browser runs (tests/presentation/test_export.py renders real ones).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pandas as pd
import plotly.graph_objects as go
import pytest
from PIL import Image

from analytics.store import db
from i18n import Translator
from presentation import export, meta, pdf, story
from presentation.story import Headline, Slide, Table
from tests.presentation.conftest import Y2024, make_story_store

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (scripts/test.sh installs it)")
ZH, EN = Translator("zh"), Translator("en")


def chart_png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (330, 186), (69, 117, 180)).save(buf, "PNG")
    return buf.getvalue()


def build(slides, m, t, name: str | None = None) -> bytes:
    return pdf.pdf_bytes(slides, m, t, [chart_png()] * len(slides), export.font_file(), export.font_file(bold=True),
                         name=name)


def text_of(data: bytes, tmp_path, name: str = "x") -> list[str]:
    """Each page's text as pdftotext reads it, whitespace removed (a wrapped line joins up again)."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True,
                         timeout=60).stdout
    return [squeeze(page) for page in out.split("\f") if page.strip()]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def story_slides():
    con = make_story_store()
    with db.cursor(con) as cur:
        m = meta.export_meta(cur, Y2024)
        out = {lang: story.slides(cur, m.filters, t, story.step_keys()) for lang, t in (("zh", ZH), ("en", EN))}
    con.close()
    return out, m


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_pdf_text_holds_every_title_takeaway_figure_and_table_cell(story_slides, tmp_path, lang):
    slides, m = story_slides[0][lang], story_slides[1]
    t = ZH if lang == "zh" else EN
    pages = text_of(build(slides, m, t, name="周例会"), tmp_path, lang)
    tables = [s.appendix for s in slides if s.appendix is not None and not s.appendix.frame.empty]
    assert len(pages) == 1 + len(slides) + len(tables)  # every table here fits one page
    whole = "".join(pages)
    assert squeeze(t("pres.deck.title")) in pages[0] and squeeze(meta.ExportMeta.footer(m, t)) in pages[0]
    for s, page in zip(slides, pages[1:], strict=False):
        assert squeeze(s.title) in page, s.title  # every slide title, as text, on its own page
        assert squeeze(s.takeaway) in page
        assert all(squeeze(h.value) in page and squeeze(h.label) in page for h in s.headlines)
        assert squeeze(s.title) in pages[0]  # and in the contents
    for table in tables:
        shown = table.display(t)
        assert squeeze(t("pres.appendix.title", title=table.title)) in whole
        for col in shown.columns:
            assert squeeze(str(col)) in whole
            assert all(squeeze(v) in whole for v in shown[col])


def test_the_font_is_embedded_and_the_text_is_unicode(story_slides, tmp_path):
    slides, m = story_slides[0]["zh"][:1], story_slides[1]
    path = tmp_path / "f.pdf"
    path.write_bytes(build(slides, m, ZH))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True, timeout=60).stdout
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all("NotoSansCJK" in r[0] for r in rows)
    assert all(r[-5:-2] == ["yes", "yes", "yes"] for r in rows)  # embedded, subset, with a Unicode map


def test_a_long_appendix_table_continues_over_pages(tmp_path):
    rows = 2 * pdf.PDF_ROWS + 7
    frame = pd.DataFrame({"客户编号": [f"K{i:03d}" for i in range(rows)], "利润": [float(i) for i in range(rows)]})
    slide = Slide(key="long", title="长表", figure=go.Figure(), takeaway="要点", headlines=(Headline("数", "1"),),
                  appendix=Table("全部客户", frame, ("text", "money")))
    con = make_story_store()
    with db.cursor(con) as cur:
        m = meta.export_meta(cur, Y2024)
    con.close()
    pages = text_of(build([slide], m, ZH), tmp_path)
    assert len(pages) == 1 + 1 + 3
    assert [f"附录：全部客户（第{n}/3部分）" in p for n, p in enumerate(pages[2:], start=1)] == [True] * 3
    ids = [re.findall(r"K\d{3}", p) for p in pages[2:]]
    assert [len(x) for x in ids] == [pdf.PDF_ROWS, pdf.PDF_ROWS, 7]
    assert [k for page in ids for k in page] == [f"K{i:03d}" for i in range(rows)]  # every row, once, in order
    assert all("客户编号" in p for p in pages[2:])  # the header on every page
    assert "第5/5页" in pages[-1]
