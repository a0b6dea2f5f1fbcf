"""The Present page's profit slides and every export of them say when cost of goods was not
provided (issue 16): the slide's first note and ``caveat``, the workbook's summary, the exported
image's subtitle, the deck's slide text; slides without profit and stores with every cost known stay as they were."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from analytics.filters import Filters
from i18n import Translator
from presentation import export, meta, story
from tests.helpers import D, build_store, customer

EN, ZH = Translator("en", "CNY"), Translator("zh", "CNY")
YEAR = Filters(D("2024-01-01"), D("2024-12-31"))


def tx(tid: str, cid: str, revenue: float, cogs: float | None) -> dict:
    return {"transaction_id": tid, "customer_id": cid, "tx_date": D("2024-03-05"), "product": "P", "quantity": 1,
            "revenue": revenue, "cogs": cogs}


def test_profit_slides_state_the_unknown_share_in_every_export():
    con = build_store(customers=[customer("A"), customer("B", segment="S2")],
                      transactions=[tx("t1", "A", 100, 40), tx("t2", "B", 300, None)])
    slides = story.slides(con, YEAR, EN, ["profit_bridge", "concentration", "word_of_mouth"])
    bridge, conc, wom = slides
    note = "Cost of goods not provided for 75% of revenue (unknown, not zero)"
    assert bridge.caveat.startswith(note) and bridge.notes[0] == bridge.caveat
    assert conc.caveat == bridge.caveat
    assert wom.caveat is None and bridge.caveat not in wom.notes
    zh = story.slide(con, YEAR, ZH, "profit_bridge")
    assert zh.caveat.startswith("75% 的收入未提供销售成本")
    m = meta.export_meta(con, YEAR)
    ws = load_workbook(io.BytesIO(export.tables_xlsx(slides, m, EN))).worksheets[0]
    assert sum(1 for row in ws.iter_rows(values_only=True) if row[2] == bridge.caveat) == 2
    subtitle = export.slide_figure(bridge, m, EN).layout.title.subtitle.text  # plain text: % is written &#37;
    assert "Cost of goods not provided for 75&#37; of revenue (unknown, not zero)" in subtitle


def test_a_store_with_every_cost_known_has_no_caveat():
    con = build_store(customers=[customer("A")], transactions=[tx("t1", "A", 100, 40)])
    s = story.slide(con, YEAR, EN, "profit_bridge")
    assert s.caveat is None and not any("Cost of goods not provided" in n for n in s.notes)


def test_an_improvement_plan_s_slides_state_it_too():
    from analytics import scenario as sc
    from presentation import plan

    con = build_store(customers=[customer("A"), customer("B")],
                      transactions=[tx("t1", "A", 100, 40), tx("t2", "B", 300, None)])
    first, second = plan.slides(con, YEAR, ZH, sc.Plan("试算", ()))
    assert first.caveat == second.caveat and first.caveat.startswith("75% 的收入未提供销售成本")
    assert first.notes[0] == first.caveat and second.notes[0] == second.caveat
