"""Table columns write money and shares as the cards and sentences do (issue 19 'one format'):
Streamlit's currency preset (minus before the symbol), whole units, shares at one decimal."""

from __future__ import annotations

import json

import pytest

from analytics import concentration, profit
from analytics.store import db
from i18n import Translator
from tests.ui.apptest import assert_ok, metrics, start
from tests.ui.test_overview import page_filter
from ui import columns

CUSTOMER = "views/customer.py"


def test_money_and_share_specs():
    assert columns.money_spec("CNY") == {"format": "yen", "step": 1}
    assert columns.money_spec("rmb", cents=True) == {"format": "yen", "step": 0.01}
    assert columns.money_spec("USD") == {"format": "dollar", "step": 1}
    assert columns.money_spec("GBP")["format"] == "localized"  # no preset: a plain number, never a printf ¥%,.0f
    assert columns.share_spec() == {"format": "percent", "step": 0.001}  # 0.67333 → 67.3%, as fmt.percent
    assert columns.share_spec(0) == {"format": "percent", "step": 0.01}
    with pytest.raises(ValueError, match="digits"):
        columns.share_spec(-1)


def _number_formats(at) -> dict[str, dict]:
    """Every number column of every table on the page: label → its type config."""
    out = {}
    for frame in at.dataframe:
        for col in json.loads(frame.proto.columns).values():
            if col.get("type_config", {}).get("type") == "number":
                out[col["label"]] = col["type_config"]
    return out


def _worst_loss_maker(path, f) -> tuple[str, float]:
    con = db.connect(path)  # the app holds it read-write in this process; a second handle must match
    try:
        with con.cursor() as cur:
            ranked = concentration.rank(profit.customer_pnl(cur, f).customers)
    finally:
        con.close()
    last = ranked.iloc[-1]
    return str(last["customer_id"]), float(last["profit"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_customer_360_money_columns_use_the_one_money_format(refreshed_app_db, lang):
    t = Translator(lang, "CNY")
    at = start(lang, page=CUSTOMER)  # the starting tables: the most profitable and the most loss-making customers
    assert_ok(at)
    numbers = _number_formats(at)
    assert numbers[t.metric("profit")] == {"type": "number", **columns.money_spec("CNY")}
    cid, worst = _worst_loss_maker(refreshed_app_db, page_filter(at))
    assert worst < 0
    at = start(lang, page=CUSTOMER, customer=cid)
    assert_ok(at)
    money = {t.metric("revenue"), t.metric("cost_of_goods"), t("common.gross_profit"), t("common.cost")}
    numbers = _number_formats(at)
    assert money <= set(numbers)
    for label in money:
        assert numbers[label] == {"type": "number", **columns.money_spec("CNY", cents=True)}, label
    # No printf money format anywhere on the page (it writes ¥-5,739,947).
    assert not [c for c in numbers.values() if "¥" in str(c.get("format", ""))]
    # The customer's profit card reads as the Overview's cards write money: minus first, compact units.
    assert metrics(at)[t.metric("profit")] == t.money(worst, compact=True)
    assert metrics(at)[t.metric("profit")].startswith("-¥")


@pytest.mark.parametrize("page", ["views/concentration.py", "views/customer_value.py", "views/lifecycle.py"])
def test_every_table_writes_money_and_shares_one_way(refreshed_app_db, page):
    """No printf money format (¥-5,739,947) and no share at the percent preset's two decimals (67.33%)
    in any table of the analysis pages: money and shares as ui.columns (and i18n.fmt) write them."""
    at = start("zh", page=page)
    assert_ok(at)
    configs = [c["type_config"] for frame in at.dataframe for c in json.loads(frame.proto.columns).values()
               if c.get("type_config", {}).get("type") == "number"]
    assert configs, page
    formats = [str(c.get("format", "")) for c in configs]
    assert not [f for f in formats if "¥" in f or "$" in f], page
    shares = [c for c in configs if c.get("format") == "percent"]
    assert all(c.get("step") == columns.share_spec()["step"] for c in shares), (page, shares)
    if page != "views/lifecycle.py":
        assert shares, page  # the pages' share columns exist and are checked
