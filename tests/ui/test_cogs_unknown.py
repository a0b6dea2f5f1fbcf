"""Pages showing profit say plainly when cost of goods was not provided (issue 16): a store loaded
from a file of customers, dates and amounts only, or with cost of goods for some rows only."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics import ingest
from analytics.store import db
from tests.ui.apptest import assert_ok, start

# 300 of 400 revenue without cost of goods: 75 %.
SALES = ("customer_id,tx_date,revenue,cogs\n"
         "K1,2024-01-05,100,40\n"
         "K2,2024-01-09,120,\n"
         "K3,2024-02-11,180,\n")


@pytest.fixture
def cogs_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "partial.duckdb"
    f = tmp_path / "sales.csv"
    f.write_text(SALES, encoding="utf-8")
    con = db.connect(path)
    sn = ingest.sniff(f)
    rep = ingest.load(con, f, sn, ingest.Options("transactions", ingest.auto_map("transactions", sn.columns)),
                      create_customers=True)
    assert rep.written == 3 and rep.customers_created == 3
    con.close()
    monkeypatch.setenv(db.ENV_DB, str(path))
    return path


def warnings(at) -> list[str]:
    return [w.value for w in at.warning]


@pytest.mark.parametrize(("lang", "text"), [
    ("en", "Cost of goods not provided for 75% of revenue (unknown, not zero)"),
    ("zh", "75% 的收入未提供销售成本（按未知处理，不计为零）"),
])
def test_overview_states_the_share_of_revenue_without_cost_of_goods(cogs_db, lang, text):
    at = start(lang, **{"from": "2024-01-01", "to": "2024-02-29"})
    assert_ok(at)
    assert any(text in w for w in warnings(at)), warnings(at)


def test_concentration_and_customer_360_state_it_too(cogs_db):
    at = start("en", page="views/concentration.py", **{"from": "2024-01-01", "to": "2024-02-29"})
    assert_ok(at)
    assert any("Cost of goods not provided for 75% of revenue" in w for w in warnings(at)), warnings(at)
    at = start("en", page="views/customer.py", customer="K1", **{"from": "2024-01-01", "to": "2024-02-29"})
    assert_ok(at)
    assert not any("Cost of goods not provided" in w for w in warnings(at))  # K1's cost is known
    at = start("en", page="views/customer.py", customer="K2", **{"from": "2024-01-01", "to": "2024-02-29"})
    assert_ok(at)
    assert any("Cost of goods not provided for 100% of revenue" in w for w in warnings(at)), warnings(at)


@pytest.mark.parametrize("page", ["views/customer_value.py", "views/delivered_value.py", "views/lifecycle.py",
                                  "views/plans.py", "views/present.py", "views/word_of_mouth.py", "views/data.py"])
def test_every_page_runs_on_a_store_loaded_from_a_minimal_file(cogs_db, page):
    """Customers of unknown type, segment and region; cost of goods unknown for most revenue: no page fails,
    and those that show profit say so."""
    at = start("en", page=page, **{"from": "2024-01-01", "to": "2024-02-29"})
    assert_ok(at)
    if page in ("views/delivered_value.py", "views/plans.py"):
        assert any("Cost of goods not provided for 75% of revenue" in w for w in warnings(at)), warnings(at)
