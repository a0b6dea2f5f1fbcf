"""Issue 13: ``report --json`` computes each filter's P&L once for all its sections (profit.shared), and a
backtest's first-purchase date once per filter and data version; the figures are those computed apart."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from pathlib import Path

import pandas as pd
import pytest

from analytics import profit, report
from analytics.clv import backtest
from analytics.filters import Filters
from analytics.store import db
from tests.helpers import D, build_store, customer


@pytest.fixture
def shop(tmp_path: Path):
    """Three customers on a store file (the in-process memos key on the file and its data version)."""
    con = build_store(
        tmp_path / "shop.duckdb",
        customers=[customer("A", segment="S1"), customer("B", segment="S2"), customer("C", segment="S1")],
        activity_rates=[{"activity": "visit", "unit_cost": 100, "valid_from": D("2024-01-01"), "unit": "visit"}],
        transactions=[
            {"transaction_id": f"t{i}", "customer_id": c, "tx_date": D(day), "product": "P1", "quantity": 1,
             "revenue": rev, "cogs": rev / 2}
            for i, (c, day, rev) in enumerate([("A", "2024-02-01", 1000), ("A", "2024-05-01", 400),
                                                ("B", "2024-03-03", 300), ("C", "2024-04-04", 200)])],
        activities=[{"activity_id": "a1", "customer_id": "B", "activity_date": D("2024-03-05"), "activity": "visit",
                     "quantity": 4}],
    )
    yield con
    con.close()


def test_a_report_computes_each_filter_s_p_and_l_once(shop, monkeypatch: pytest.MonkeyPatch) -> None:
    f = Filters(date_from=dt.date(2024, 1, 1), date_to=dt.date(2024, 12, 31))
    with db.cursor(shop) as cur:
        apart = [profit.customer_pnl(cur, f), profit.customer_pnl(cur, f.with_period(None, f.date_to))]
        runs: list[Filters] = []
        real = profit._customer_pnl

        def counted(cur_: object, f_: Filters, *a: object) -> profit.CustomerPnL:
            runs.append(f_)
            return real(cur_, f_, *a)  # type: ignore[arg-type]

        monkeypatch.setattr(profit, "_customer_pnl", counted)
        seen: list[profit.CustomerPnL] = []

        def section(cur_: object, f_: Filters) -> dict[str, float]:
            for g in (f_, f_, f_.with_period(None, f_.date_to)):
                seen.append(profit.customer_pnl(cur_, g))
            seen[0].customers.loc[:, "profit"] = 0.0  # a caller's change stays its own
            return {"profit": float(seen[-2].customers["profit"].sum())}

        monkeypatch.setattr(report, "sections", lambda: ["fake_pnl_section"])
        monkeypatch.setitem(sys.modules, "fake_pnl_section",
                            type("M", (), {"report_section": staticmethod(section)}))
        out = report.build(cur, f)
        assert runs == [f, f.with_period(None, f.date_to)]  # once per filter
        profit.customer_pnl(cur, f)  # outside the report nothing is kept
        assert len(runs) == 3
    assert out == {"profit": float(apart[0].customers["profit"].sum())} and out["profit"] != 0
    pd.testing.assert_frame_equal(seen[1].customers, apart[0].customers)
    pd.testing.assert_frame_equal(seen[2].customers, apart[1].customers)
    pd.testing.assert_frame_equal(seen[1].costs, apart[0].costs)


def test_the_first_purchase_of_a_filter_is_asked_once_per_data_version(shop, monkeypatch: pytest.MonkeyPatch) -> None:
    backtest._FIRST.clear()
    calls: list[Filters] = []
    real = backtest.store_lines

    def counted(f_: Filters) -> object:
        calls.append(f_)
        return real(f_)

    monkeypatch.setattr(backtest, "store_lines", counted)
    f = Filters(date_from=dt.date(2024, 1, 1), date_to=dt.date(2024, 12, 31))
    with db.cursor(shop) as cur:
        first = [backtest._dates(cur, g, None, None) for g in (f, f, f.with_period(dt.date(2024, 3, 1), f.date_to))]
        seg = backtest._dates(cur, dataclasses.replace(f, segments=("S2",)), None, None)
    assert len(calls) == 2  # every customer (any period), then the segment
    assert first[0] == first[1] and seg[1] == first[0][1]
    assert backtest._first_purchase(shop.cursor(), dataclasses.replace(f, segments=("S2",))) == dt.date(2024, 3, 3)
