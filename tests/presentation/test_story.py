"""Story steps on a hand-made store (figures in tests/presentation/conftest.py) and on the demo store."""

from __future__ import annotations

import pickle

import pandas as pd
import pytest

from analytics import filters, report
from analytics.filters import Filters
from analytics.store import db
from i18n import Translator
from presentation import story
from tests.presentation.conftest import AT_NAME, FORMULA_NAME, Y2024

ZH, EN = Translator("zh"), Translator("en")


def heads(slide: story.Slide) -> dict[str, str]:
    return {h.label: h.value for h in slide.headlines}


def test_registry_and_default_story():
    keys = story.step_keys()
    assert keys[:2] == ("concentration", "loss_makers")
    assert set(story.default_story()) <= set(story.DEFAULT_STORY) and story.default_story()[0] == "concentration"
    assert all(k in keys for k in story.default_story())
    # six steps: the purchase model's fit and tracking follow the value tiers it underlies (issue 17)
    assert story.default_story() == ("concentration", "loss_makers", "delivered_value", "word_of_mouth", "value_tiers",
                                     "model_fit")
    with pytest.raises(ValueError, match="unknown story step 'nope'; use one of concentration"):
        story.check_steps(["concentration", "nope"])
    with pytest.raises(ValueError, match="at least one step"):
        story.check_steps([])


def test_concentration_slide_by_hand(story_store):
    with db.cursor(story_store) as cur:
        s = story.slide(cur, Y2024, EN, "concentration")
    assert s.title == "Profit concentration: the whale curve" and s.page == "concentration"
    assert heads(s) == {"Top 20 % share": "83%", "Whale curve peak": "142%", "Customer profit": "¥120",
                        "Customers": "5"}
    assert s.headlines[1].note == "after the first 60% of customers"
    assert s.takeaway.startswith("Top 20% of customers bring 83% of profit")
    table = s.appendix.frame.set_index("Segment")
    assert table.loc["S1", "Customer profit"] == 150 and table.loc["S2", "Profit lost to loss-makers"] == -50
    assert table.loc["S2", "Loss-makers"] == 2
    assert pd.isna(table.loc["S2", "Top 20 % share"])  # S2 loses money in sum: undefined
    assert s.appendix.display(EN).set_index("Segment").loc["S2", "Top 20 % share"] == "—"
    assert s.notes == ()


def test_undefined_share_is_said_on_the_slide(abc_store):
    with db.cursor(abc_store) as cur:  # total profit 0 in 2024 (see tests/analytics/test_profit.py)
        s = story.slide(cur, Y2024, ZH, "concentration")
    assert heads(s)["前20%利润占比"] == "—"
    assert s.headlines[0].note == "总利润为零或负数，占总利润的比例无意义"
    assert s.notes == ("总利润为零或负数，占总利润的比例无意义",)
    assert s.takeaway.startswith("总利润为¥0，占比无意义")


def test_loss_makers_slide_lists_the_customers_as_stored(story_store):
    with db.cursor(story_store) as cur:
        s = story.slide(cur, Y2024, ZH, "loss_makers")
    assert heads(s) == {"亏损客户": "2", "亏损客户消耗的利润": "-¥50", "亏损客户保本后的利润": "¥170", "客户利润": "¥120"}
    assert s.headlines[0].note == "占客户的40%"
    frame = s.appendix.frame
    assert list(frame["客户编号"]) == ["P5", "P4"] and list(frame["客户利润"]) == [-40, -10]
    assert list(frame["名称"]) == [AT_NAME, FORMULA_NAME]  # neutralised only when a file is written
    assert s.appendix.display(ZH)["主要成本驱动"].tolist() == ["客服电话", "—"]


def test_bridge_and_monthly_slides(story_store):
    with db.cursor(story_store) as cur:
        bridge = story.slide(cur, Y2024, EN, "profit_bridge")
        monthly = story.slide(cur, Y2024, EN, "monthly")
    assert heads(bridge) == {"Cost to serve ÷ gross profit": "37%", "Revenue": "¥210", "Gross profit": "¥190",
                             "Customer profit": "¥120"}
    assert bridge.appendix.display(EN).iloc[0].tolist() == ["Support calls", "7", "¥70", "100%"]
    assert heads(monthly) == {"Customer profit margin": "57%", "Revenue": "¥210", "Customer profit": "¥120"}
    assert list(monthly.appendix.frame["Customer profit"]) == [160, -40]


def test_loss_drivers_slide(story_store):
    with db.cursor(story_store) as cur:
        s = story.slide(cur, Y2024, EN, "loss_drivers")
    # P5 (loss-maker) has 4 calls = 40; P1 (profitable) 3 calls = 30 shared by 3 other customers.
    assert s.headlines[0].value == "Support calls" and s.headlines[0].note == "100% of loss-makers' cost to serve"
    assert s.takeaway == ("Support calls make up 100% of the loss-makers' cost to serve: ¥20 per loss-maker "
                          "against ¥10 per other customer.")


def test_empty_selection_draws_without_error(story_store):
    nobody = Filters("2024-01-01", "2024-12-31", segments=("Nobody",))
    with db.cursor(story_store) as cur:
        slides = story.slides(cur, nobody, EN, story.step_keys())
    assert [s.key for s in slides] == list(story.step_keys())
    assert slides[0].takeaway == "No customer data under these filters."


def test_every_step_on_the_demo_store_agrees_with_the_report(demo_con):
    t = Translator("zh", db.currency(demo_con))  # English is drawn by the AppTest of the page
    with db.cursor(demo_con) as cur:
        f = Filters(*filters.latest_period(cur))
        slides = story.slides(cur, f, t, story.step_keys())
        rep = report.build(cur, f)
    for s in slides:
        assert s.takeaway and s.headlines and s.figure.data, s.key
        assert pickle.loads(pickle.dumps(s)).takeaway == s.takeaway  # cached by st.cache_data
    conc = next(s for s in slides if s.key == "concentration")
    assert conc.headlines[0].value == t.pct(rep["top20_profit_share"], 0)
    loss = next(s for s in slides if s.key == "loss_makers")
    assert loss.headlines[0].value == t.num(rep["loss_customers"])
