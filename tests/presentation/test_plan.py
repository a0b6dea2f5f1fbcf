"""A plan in the meeting deck (:mod:`presentation.plan`): its two slides on the hand-made store of
conftest.py, in zh and en, read back from the deck with python-pptx and from the Excel export; every
projected figure says it is a projection.

The plan: support calls at 4 instead of 10 for everyone, then P4 let go. By hand: P1 100 → 118
(3 calls × 6), P5 −40 → −16 (4 calls × 6), P4 −10 leaves: total profit 120 → 172 (+52; the rate
+42, P4 +10); loss-makers 2 → 1; top 20 % = 1 of 4 customers: 118 ÷ 172 = 68.6 % (was 83.3 %).
"""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pptx import Presentation

from analytics import scenario as sc
from analytics.store import db
from i18n import Translator
from presentation import export, meta, story
from presentation import plan as deck
from tests.presentation.conftest import Y2024, make_story_store

ZH, EN = Translator("zh"), Translator("en")
NAME = "自助服务 <b>&"  # a name as anyone may type it: shown as its characters
LEVERS = (sc.ProcessImprovement(activity="support_call", unit_cost=4),
          sc.RelationshipTransition(mode="let_go", customers=sc.Selector.ids("P4")))


@pytest.fixture(scope="module")
def built():
    """The store with the plan saved; per language: the story's concentration slide and the plan's slides."""
    con = make_story_store()
    sc.plans.save(con, NAME, LEVERS, author="ana")
    out = {}
    with db.cursor(con) as cur:
        m = meta.export_meta(cur, Y2024)
        plan = sc.plans.load(cur, NAME)
        for t in (ZH, EN):
            out[t.lang] = [story.slide(cur, m.filters, t, "concentration"), *deck.slides(cur, m.filters, t, plan)]
    con.close()
    return out, m


def texts(slide) -> str:
    return "\n".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)


def test_the_plan_slides_hold_the_hand_computed_figures(built):
    slides, _ = built
    _, first, second = slides["zh"]
    assert (first.key, second.key) == ("plan", "plan_levers")
    assert first.title == f"改善方案“{NAME}”（预测）：鲸鱼曲线与关键数字"
    assert second.title == f"改善方案“{NAME}”（预测）：杠杆与假设"
    assert first.takeaway == "预测：总利润由 ¥120 变为 ¥172（+¥52），亏损客户由 2 位变为 1 位。"
    assert [(h.label, h.value, h.note) for h in first.headlines] == [
        ("客户利润（预测）", "¥172", "现状 ¥120 · 变化 +¥52"),
        ("前20%利润占比（预测）", "68.6%", "现状 83.3% · 变化 -14.7 个百分点"),
        ("亏损客户（预测）", "1", "现状 2 · 变化 -1"),
    ]
    rows = first.appendix.display(ZH).set_index("指标")
    assert list(rows.columns) == ["现状", "预测", "变化（预测）"]
    assert rows.loc["客户利润"].tolist() == ["¥120", "¥172", "+¥52"]
    assert rows.loc["客户数"].tolist() == ["5", "4", "-1"]
    assert rows.loc["后 30% 客户利润"].tolist() == ["-¥50", "¥4", "+¥54"]
    assert first.appendix.title == f"预测 · {NAME} · 现状与预测"
    assert first.notes[0].startswith("预测：")

    assert second.takeaway.startswith("预测：2 个杠杆按顺序应用，使总利润变化 +¥52。每个杠杆的效果")
    assert second.headlines[0].label == "总利润变化（预测）" and second.headlines[0].value == "+¥52"
    levers = second.appendix.frame
    assert second.appendix.title == f"预测 · {NAME} · 杠杆与假设"
    assert levers["利润变化（预测）"].tolist() == pytest.approx([42, 10])
    assert levers["杠杆"].tolist() == ["流程改进 · 客服电话：单位成本设为 ¥4", "关系转移 · 放手：这些客户带走期间内的全部收入和成本"]
    # each lever beside its effect and its assumptions, in the reader's language
    one, two = second.notes[1:]
    assert one.startswith("1. 流程改进 · 客服电话：单位成本设为 ¥4（客户：全部客户 · 整个期间）：利润 +¥42（预测）。假设：")
    assert ZH("scenario.rule.process.rate_applies_to_units") in one
    assert "客户：1 个客户编号：P4" in two and ZH("scenario.rule.transition.word_of_mouth") in two
    assert "。 " not in one + two and "。 " not in "".join(second.appendix.frame["假设"])  # no space between Chinese sentences


def test_the_english_slides(built):
    slides, _ = built
    _, first, second = slides["en"]
    assert first.title == f"Plan “{NAME}” (projection): whale curve and figures"
    assert first.takeaway == "Projection: total profit goes from ¥120 to ¥172 (+¥52); loss-makers from 2 to 1."
    assert [h.label for h in first.headlines] == ["Customer profit (projected)", "Top 20 % share (projected)",
                                                  "Loss-makers (projected)"]
    assert list(first.appendix.frame.columns) == ["Figure", "Now", "Projected", "Change (projection)"]
    assert second.title == f"Plan “{NAME}” (projection): levers and assumptions"
    assert second.takeaway.startswith("Projection: 2 levers, applied in order, move total profit by +¥52. Each lever's")
    assert second.notes[2].startswith("2. Relationship transition · Let go: the customers take all their revenue")
    assert "profit +¥10 (projected). Assumptions: " + EN("scenario.rule.scope.effective_from") in second.notes[2]


def test_the_whale_curves_and_the_bridge_are_the_projection(built):
    slides, _ = built
    _, first, second = slides["en"]
    lines = [tr for tr in first.figure.data if tr.mode == "lines"]
    assert [tr.name for tr in lines] == ["Projected (this plan)", "Now (store)"]
    projected, now = lines
    assert now.y[-1] == pytest.approx(120) and projected.y[-1] == pytest.approx(172)  # each curve ends at its total
    assert max(now.y) == pytest.approx(170) and max(projected.y) == pytest.approx(188)  # and peaks at its potential
    bridge = second.figure.data[0]
    assert list(bridge.x) == ["Total profit now", "1. Process improvement", "2. Relationship transition",
                              "Projected total profit"]
    assert list(bridge.y) == pytest.approx([120, 42, 10, 172])


def test_a_deck_with_a_plan_has_its_slides_in_both_languages(built):
    slides, m = built
    for lang, t in (("zh", ZH), ("en", EN)):  # whale curves and the lever bridge are native charts: nothing renders
        pages = list(Presentation(io.BytesIO(export.pptx_bytes(slides[lang], m, t))).slides)
        assert len(pages) == 1 + 3 + 3  # title, the story's slide and the plan's two, three appendix tables
        contents = texts(pages[0])
        for s in slides[lang][1:]:
            assert s.title in contents
        for page, s in zip(pages[2:4], slides[lang][1:], strict=True):
            body = texts(page)
            assert s.title in body and s.takeaway in body
            assert all(h.label in body and h.value in body for h in s.headlines)
            assert s.notes[0] in body  # the projection caveat is on the slide, not only in the notes
            assert page.notes_slide.notes_text_frame.text == "\n\n".join([s.takeaway, *s.notes])
            assert len([sh for sh in page.shapes if sh.has_chart]) == 1  # the chart, native (issue 19)
            assert page.shapes.title.text == s.title
        figures, levers = pages[5], pages[6]
        table = next(sh for sh in figures.shapes if sh.has_table).table
        mark = "预测" if lang == "zh" else "Projection"
        assert texts(figures).startswith(t("pres.appendix.title", title=f"{mark} · {NAME}"))
        header = [table.cell(0, c).text for c in range(4)]
        assert header == (["指标", "现状", "预测", "变化（预测）"] if lang == "zh"
                          else ["Figure", "Now", "Projected", "Change (projection)"])
        total = next(r for r in range(1, 16) if table.cell(r, 0).text == t.metric("profit"))
        assert [table.cell(total, c).text for c in range(1, 4)] == ["¥120", "¥172", "+¥52"]
        grid = next(sh for sh in levers.shapes if sh.has_table).table
        assert [grid.cell(r, 3).text for r in range(1, 3)] == ["¥42", "¥10"]
        assert t("scenario.rule.transition.let_go") in grid.cell(2, 4).text


def test_excel_marks_every_projected_figure(built):
    slides, m = built
    for t, mark, projected in ((ZH, "预测", "（预测）"), (EN, "Projection", "(projected)")):
        wb = load_workbook(io.BytesIO(export.tables_xlsx(slides[t.lang], m, t)))
        plan_sheets = wb.sheetnames[2:]
        assert len(plan_sheets) == 2 and all(n.startswith(mark) for n in plan_sheets)
        for name in plan_sheets:
            values = [c.value for row in wb[name].iter_rows() for c in row if c.value is not None]
            assert any(isinstance(v, str) and v.startswith(f"{mark} · {NAME}") for v in values)  # the title line
        summary = [[c.value for c in row] for row in wb[wb.sheetnames[0]].iter_rows()]
        plan_rows = [r for r in summary if r[0] in (slides[t.lang][1].title, slides[t.lang][2].title)]
        figures = [r for r in plan_rows if r[1] != t("pres.col.takeaway")]
        assert figures and all(projected in r[1] for r in figures)  # every headline figure labelled projected
        assert all(r[0].count(f"（{mark}）" if t.lang == "zh" else f"({mark.lower()})") for r in plan_rows)


def test_a_plan_naming_an_activity_the_store_lacks_is_refused():
    con = make_story_store()
    with db.cursor(con) as cur, pytest.raises(ValueError, match="unknown activity 'fax'"):
        deck.slides(cur, Y2024, EN, sc.Plan("x", (sc.ProcessImprovement(activity="fax", cut=0.5),)))
    con.close()
