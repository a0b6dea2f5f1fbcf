"""``python -m analytics export``: the Present page's files without the UI, from a saved story or
chosen steps, with the filters given (the files themselves: tests/presentation/test_export.py)."""

from __future__ import annotations

from dataclasses import replace

from openpyxl import load_workbook
from PIL import Image
from pptx import Presentation

import cli
from analytics.store import db
from presentation import saved
from tests.presentation.conftest import AT_NAME, FORMULA_NAME, Y2024, make_story_store


def texts(slide) -> str:
    return "\n".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)


def test_command_writes_the_same_files(tmp_path, capsys, monkeypatch):
    path = tmp_path / "store.duckdb"
    make_story_store(str(path)).close()
    monkeypatch.setenv("CVM_USER", "job")
    con = db.connect(path)
    saved.save(con, "周报", ["loss_makers"], Y2024, theme="dark")
    con.close()
    base = ["export", "--db", str(path)]
    assert cli.main([*base, "--format", "xlsx", "--out", str(tmp_path / "t.xlsx"), "--lang", "en",
                     "--from", "2024-01-01", "--to", "2024-12-31"]) == 0
    assert load_workbook(tmp_path / "t.xlsx").sheetnames[0] == "Summary"
    assert cli.main([*base, "--format", "pptx", "--out", str(tmp_path / "deck.pptx"), "--story", "周报"]) == 0
    deck = Presentation(str(tmp_path / "deck.pptx"))
    assert len(deck.slides) == 3 and "演示：周报" in texts(deck.slides[0])
    assert cli.main([*base, "--format", "png", "--out", str(tmp_path / "img"), "--steps", "concentration",
                     "--segment", "S1", "--from", "2024-01-01", "--to", "2024-12-31"]) == 0
    out = capsys.readouterr().out.split()
    assert out[-1].endswith("img/01_concentration.png") and Image.open(out[-1]).size == (3200, 1800)
    assert cli.main([*base, "--format", "pdf", "--out", str(tmp_path / "x.pdf"), "--story", "none"]) == 2
    assert "no saved story named 'none'; saved stories: 周报" in capsys.readouterr().err
    assert cli.main([*base, "--format", "pdf", "--out", str(tmp_path / "x.pdf"), "--steps", "nope"]) == 2


def test_command_xlsx_neutralises_formulas_from_data(tmp_path, capsys):
    path = tmp_path / "store.duckdb"
    make_story_store(str(path)).close()
    out = tmp_path / "t.xlsx"
    assert cli.main(["export", "--db", str(path), "--format", "xlsx", "--out", str(out), "--steps", "loss_makers",
                     "--lang", "en", "--from", "2024-01-01", "--to", "2024-12-31"]) == 0
    cells = [c for ws in load_workbook(out).worksheets for row in ws.iter_rows() for c in row]
    assert f"'{FORMULA_NAME}" in [c.value for c in cells] and f"'{AT_NAME}" in [c.value for c in cells]
    assert all(c.data_type != "f" for c in cells)
    assert not [c.value for c in cells if isinstance(c.value, str) and c.value.startswith(("=", "+", "@"))]


def test_command_adds_a_plans_slides(tmp_path, capsys):
    """--scenario NAME: a saved improvement plan's two slides after the story's, or alone (issue 18)."""
    from analytics import scenario as sc

    path = tmp_path / "store.duckdb"
    con = make_story_store(str(path))
    sc.plans.save(con, "自助服务", [sc.ProcessImprovement(activity="support_call", unit_cost=4)], author="ana")
    con.close()
    base = ["export", "--db", str(path), "--from", "2024-01-01", "--to", "2024-12-31"]
    assert cli.main([*base, "--format", "pptx", "--out", str(tmp_path / "plan.pptx"), "--scenario", "自助服务"]) == 0
    pages = list(Presentation(str(tmp_path / "plan.pptx")).slides)
    assert len(pages) == 1 + 2 + 2  # title, the plan's two slides, their two appendix tables
    assert "改善方案“自助服务”（预测）：鲸鱼曲线与关键数字" in texts(pages[1])
    assert "预测：总利润由 ¥120 变为 ¥162（+¥42），亏损客户由 2 位变为 2 位。" in texts(pages[1])  # 7 calls × 6
    assert "改善方案“自助服务”（预测）：杠杆与假设" in texts(pages[2])
    assert cli.main([*base, "--format", "pptx", "--out", str(tmp_path / "both.pptx"), "--steps", "concentration",
                     "--scenario", "自助服务", "--lang", "en"]) == 0
    pages = list(Presentation(str(tmp_path / "both.pptx")).slides)
    assert len(pages) == 1 + 3 + 3
    assert "Profit concentration" in texts(pages[1]) and "Plan “自助服务” (projection)" in texts(pages[2])
    assert cli.main([*base, "--format", "xlsx", "--out", str(tmp_path / "plan.xlsx"), "--scenario", "自助服务",
                     "--lang", "en"]) == 0
    sheets = load_workbook(tmp_path / "plan.xlsx").sheetnames  # sheet names: the tables' titles, cut to 28
    assert sheets[0] == "Summary" and len(sheets) == 3 and all(n.startswith("Projection · 自助服务 · ") for n in sheets[1:])
    capsys.readouterr()
    assert cli.main([*base, "--format", "pdf", "--out", str(tmp_path / "x.pdf"), "--scenario", "nope"]) == 2
    assert "no saved plan named 'nope'; saved plans: 自助服务" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


def test_a_saved_storys_plans_come_with_it(tmp_path, capsys):
    """A story saved with improvement plans exports them after its steps (and before --scenario's); a plan
    deleted since is left out with a note (issue 18)."""
    from analytics import scenario as sc

    path = tmp_path / "store.duckdb"
    con = make_story_store(str(path))
    for name in ("A plan", "B plan", "C plan"):
        sc.plans.save(con, name, [sc.ProcessImprovement(activity="support_call", unit_cost=4)])
    saved.save(con, "周报", ["loss_makers"], Y2024, plans=["B plan", "A plan"])
    con.close()
    base = ["export", "--db", str(path), "--format", "xlsx", "--lang", "en", "--story", "周报"]
    assert cli.main([*base, "--out", str(tmp_path / "t.xlsx"), "--scenario", "C plan", "--scenario", "A plan"]) == 0
    summary = [r[0] for r in load_workbook(tmp_path / "t.xlsx")["Summary"].iter_rows(values_only=True) if r[0]]
    titles = list(dict.fromkeys(v for v in summary if v.startswith(("Plan “", "Loss-makers"))))  # a row per figure
    assert titles == ["Loss-makers: gains and losses by segment",
                      *(f"Plan “{n}” (projection): {part}" for n in ("B plan", "A plan", "C plan")
                        for part in ("whale curve and figures", "levers and assumptions"))]
    con = db.connect(path)
    sc.plans.delete(con, "B plan")
    con.close()
    capsys.readouterr()
    assert cli.main([*base, "--out", str(tmp_path / "u.xlsx")]) == 0
    assert "note: plans no longer saved were left out: B plan" in capsys.readouterr().err
    sheets = load_workbook(tmp_path / "u.xlsx").sheetnames
    assert [n for n in sheets if "B plan" in n] == [] and any("A plan" in n for n in sheets)


def _cells(path) -> list[list[object]]:
    """Every sheet's cells, with the export's creation time (which differs between two runs) left out."""
    import re

    stamp = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?")
    return [[stamp.sub("<time>", c) if isinstance(c, str) else c for row in ws.iter_rows(values_only=True) for c in row]
            for ws in load_workbook(path).worksheets]


def _deck_texts(path) -> list[str]:
    import re

    stamp = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?")
    return [stamp.sub("<time>", texts(s)) for s in Presentation(str(path)).slides]


def test_export_as_a_user_holds_only_their_rows(tmp_path, capsys):
    """--as USER (issue 15): every file is the export filtered to the account's segments; a filter outside them,
    given or a saved story's, is refused naming the allowed values."""
    from analytics import users

    path = tmp_path / "store.duckdb"
    con = make_story_store(str(path))
    try:
        users.add_user(con, "s1.analyst", "a long passphrase", "analyst", segments=["S1"])
        users.add_user(con, "boss", "a long passphrase", "admin")
        saved.save(con, "S2 story", ["loss_makers"], replace(Y2024, segments=("S2",)))
    finally:
        con.close()
    base = ["export", "--db", str(path), "--lang", "en", "--from", "2024-01-01", "--to", "2024-12-31"]
    for fmt, read in (("xlsx", _cells), ("pptx", _deck_texts)):
        mine, filtered, everyone = (tmp_path / f"{n}.{fmt}" for n in ("mine", "filtered", "everyone"))
        assert cli.main([*base, "--format", fmt, "--out", str(mine), "--as", "s1.analyst"]) == 0
        assert cli.main([*base, "--format", fmt, "--out", str(filtered), "--segment", "S1"]) == 0
        assert cli.main([*base, "--format", fmt, "--out", str(everyone), "--as", "boss"]) == 0
        assert read(mine) == read(filtered)
        assert read(mine) != read(everyone)
    capsys.readouterr()
    cells = {str(c) for sheet in _cells(tmp_path / "mine.xlsx") for c in sheet if c is not None}
    assert not [c for c in cells if "P3" in c or "P4" in c or "P5" in c]  # S2's customers: none in the file
    # Outside the allowance: a filter given, a saved story's filters.
    out = str(tmp_path / "x.xlsx")
    assert cli.main([*base, "--format", "xlsx", "--out", out, "--as", "s1.analyst", "--segment", "S2"]) == 2
    assert capsys.readouterr().err.strip() == "error: segment S2 is outside what you may see; allowed: S1"
    assert cli.main(["export", "--db", str(path), "--format", "xlsx", "--out", out, "--story", "S2 story",
                     "--as", "s1.analyst"]) == 2
    assert "segment S2 is outside what you may see; allowed: S1" in capsys.readouterr().err
    assert cli.main([*base, "--format", "xlsx", "--out", out, "--as", "nobody"]) == 2
    assert "no user named 'nobody'" in capsys.readouterr().err
