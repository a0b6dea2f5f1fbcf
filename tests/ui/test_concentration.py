"""AppTest of the Profit concentration page on a copy of the demo store."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

import cli
from analytics import concentration as conc
from analytics import filters
from analytics.filters import Filters
from analytics.store import audit, db
from i18n import Translator
from i18n.markdown import escape
from tests.ui.apptest import assert_ok, metrics, plotly_specs, start

PAGE = "views/concentration.py"
REBATE_ROW = 3  # editor rows are sorted by activity: delivery, onsite_support, payment_terms, rebate, …


def _edit(at, row: int, **values: object) -> None:
    """Seed the rate editor's edit state (AppTest cannot type into a data editor)."""
    at.session_state["conc_rates"] = {"edited_rows": {row: values}, "added_rows": [], "deleted_rows": []}


def _customer_tables(at) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The most profitable and the most loss-making customers: the page's last two read-only tables."""
    tables = [d.value for d in at.dataframe if d.editing_mode == "read_only"]
    return tables[-2], tables[-1]


def _numbers(values: object) -> np.ndarray:
    """A Plotly data array from a figure's JSON (plain list, or base64 typed array)."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return np.asarray(values)


def _report(path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert cli.main(["report", "--db", str(path), "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def _cards(report: dict, t: Translator) -> dict[str, str]:
    """The headline cards as the page must print them, from ``report --json``'s keys: each labelled by the metric
    registry (analytics.metrics) and written as today's formats (spelled out here, not through t.figure)."""
    share = {k: t.pct(report[k], 0) if report[k] is not None else "—" for k in ("top20_profit_share", "whale_peak_share")}
    return {
        t.metric("profit"): t.money(report["total_profit"], compact=True),
        t.metric("top20_profit_share"): share["top20_profit_share"],
        t.metric("whale_peak_share"): share["whale_peak_share"],
        t.metric("whale_peak_customer_share"): t.pct(report["whale_peak_customer_share"], 1),
        t.metric("loss_customers"): f"{report['loss_customers']:,}",
        t.metric("loss_customer_share"): t.pct(report["loss_customer_share"], 1),
        t.metric("loss_profit"): t.money(report["loss_profit"], compact=True),
        t.metric("breakeven_profit"): t.money(report["breakeven_profit"], compact=True),
        t.metric("bottom30_profit"): t.money(report["bottom30_profit"], compact=True),
        t.metric("bottom30_share_of_peak"): t.pct(report["bottom30_share_of_peak"], 0),
        t.metric("gini"): t.num(report["gini"], 3),
        t.metric("customers"): f"{report['customers']:,}",
    }


NARROW = {"segment": "Corporate", "region": "East", "from": "2025-01-01", "to": "2025-12-31"}


def test_cards_equal_report_json(app_db, capsys):
    """The page and ``python -m analytics report --json`` show the same figures, default filter and narrowed,
    in both languages."""
    # The command line opens the file read-only, which DuckDB refuses while the app holds it: report first.
    reports = [(params, _report(app_db, capsys, *(f"--{k}={v}" for k, v in params.items()))) for params in ({}, NARROW)]
    assert reports[0][1]["customers"] != reports[1][1]["customers"]
    for lang in ("zh", "en"):
        for params, report in reports:
            at = start(lang, page=PAGE, **params)
            assert_ok(at)
            assert metrics(at) == _cards(report, Translator(lang, report["currency"])), (lang, params)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_page_renders_under_filters(app_db, lang):
    at = start(lang, page=PAGE, segment="SMB", plan="Postpaid")
    assert_ok(at)
    t = Translator(lang)
    assert at.title[0].value == t("conc.title")
    specs = plotly_specs(at)
    assert len(specs) == 4  # whale curve, waterfall, comparison, loss drivers
    x = _numbers(specs[0]["data"][0]["x"])
    assert len(x) <= 2000 and x[0] == 0 and x[-1] == 100
    assert t("conc.tables.top") in " ".join(m.value for m in at.markdown)
    tables = [d for d in at.dataframe if d.editing_mode == "read_only"]
    assert len(tables) == 5  # rate history, groups, loss drivers, top, loss-makers
    assert set(_customer_tables(at)[0]["segment"]) == {t.value("segment", "SMB")}


def test_tables_link_to_customers_and_name_cost_drivers(app_db):
    at = start("en", page=PAGE)
    top, loss = _customer_tables(at)
    assert len(top) == 20 and len(loss) == 20
    assert top["customer_id"].str.fullmatch(r"C\d+").all()  # plain ids: a click opens Customer 360 in place
    assert "cost:rebate" in loss.columns and loss["main_driver"].iloc[0] == "Discounts and rebates"
    assert (loss["profit"] < 0).all() and loss["profit"].is_monotonic_increasing
    assert (top["profit"] > 0).all() and top["profit"].is_monotonic_decreasing
    assert [d.label for d in at.get("download_button")].count("Download CSV") >= 3


def test_undefined_shares_are_said_plainly(app_db):
    """Online customers lose money in sum over the default year: shares of total profit are undefined."""
    at = start("en", page=PAGE, channel="Online")
    assert_ok(at)
    m = metrics(at)
    assert m["Customer profit"].startswith("-¥") and m["Top 20 % share"] == "—" and m["Whale curve peak"] == "—"
    assert any("shares of it are undefined" in w.value for w in at.warning)


def test_what_if_rate_recomputes_the_page_without_saving(app_db):
    at = start("en", page=PAGE)
    before = metrics(at)
    with _store(app_db) as cur:
        fingerprint = db.fingerprint(cur)
    _edit(at, REBATE_ROW, new_cost=0.5)
    at.run()
    assert_ok(at)
    after = metrics(at)
    assert after["Customer profit"] != before["Customer profit"] and after["Whale curve peak"] != before["Whale curve peak"]
    assert any(w.value.startswith("What-if (not saved)") and escape("Discounts and rebates 1 → 0.5") in w.value for w in at.warning)
    # the figures are the analytics' what-if figures
    with _store(app_db) as cur:
        f = _default_filter(cur)
        fig = conc.summary(cur, f, rates={"rebate": 0.5}).figures
        assert db.fingerprint(cur) == fingerprint  # nothing saved
    assert after["Customer profit"] == Translator("en").money(fig.total_profit, compact=True)
    # discard: back to the saved rates
    at.button(key="conc_whatif_discard").click().run()
    assert metrics(at) == before and not at.warning


@contextmanager
def _store(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor on the app's store from the test (same process and settings as the app's connection)."""
    con = db.connect(path)
    try:
        with db.cursor(con) as cur:
            yield cur
    finally:
        con.close()


def _default_filter(cur) -> Filters:
    start_, end = filters.latest_period(cur)
    return Filters(start_, end)


def test_saving_a_rate_changes_the_overview(app_db, monkeypatch):
    monkeypatch.setenv("CVM_USER", "analyst.zhou")
    at = start("en")
    overview_before = metrics(at)["Customer profit"]
    at.switch_page(PAGE).run()
    at.radio(key="conc_rate_mode").set_value("save").run()
    _edit(at, REBATE_ROW, new_cost=1.5, new_from="2026-01-01")
    at.run()
    assert any("1 change(s) to save" in m.value for m in at.markdown)
    at.button(key="conc_rates_save").click().run()
    assert_ok(at)
    assert any(s.value.startswith("Saved 1 rate change(s)") for s in at.success)
    at.switch_page("views/overview.py").run()
    assert_ok(at)
    assert metrics(at)["Customer profit"] != overview_before
    with _store(app_db) as cur:
        h = audit.history(cur, "activity_rates")
        rates_now = cur.execute("SELECT unit_cost FROM activity_rates WHERE activity = 'rebate' "
                                "AND valid_from = DATE '2026-01-01'").fetchone()[0]
    assert h[["record_key", "user_name", "new_value"]].values.tolist() == [["rebate@2026-01-01", "analyst.zhou", "1.5"]]
    assert float(rates_now) == 1.5


def test_a_bad_rate_is_refused_in_save_mode(app_db):
    at = start("en", page=PAGE)
    with _store(app_db) as cur:
        fingerprint, version = db.fingerprint(cur), db.data_version(cur)
    at.radio(key="conc_rate_mode").set_value("save").run()
    _edit(at, REBATE_ROW, new_cost=-2)  # the editor's minimum stops a person; the analytics refuse it too
    at.run()
    at.button(key="conc_rates_save").click().run()
    assert_ok(at)
    assert any("cannot be negative" in e.value for e in at.error)
    with _store(app_db) as cur:
        assert (db.fingerprint(cur), db.data_version(cur)) == (fingerprint, version)


def test_group_focus_narrows_tables_and_loss_drivers(app_db):
    at = start("en", page=PAGE)
    at.button_group(key="conc_dim").set_value("product").run()
    assert_ok(at)
    assert any("in proportion to each product's revenue" in c.value for c in at.caption)
    at.selectbox(key="conc_group_product_quarter").set_value("Devices").run()
    assert_ok(at)
    assert any(escape("Narrowed to Product: Devices.") in i.value for i in at.info)
    assert any(s.value.startswith("What drives the losses in Devices") for s in at.subheader)
    assert _customer_tables(at)[1]["main_driver"].notna().all()
    # periods by year
    at.button_group(key="conc_dim").set_value("period").run()
    at.button_group(key="conc_unit").set_value("year").run()
    assert_ok(at)
    names = plotly_specs(at)[2]["data"][0]["y"]
    assert names == ["2025", "2026"]


def test_waterfall_for_a_segment_and_a_customer_found_by_name(app_db):
    at = start("zh", page=PAGE)
    at.radio(key="conc_bridge_scope").set_value("segment").run()
    at.selectbox(key="conc_bridge_segment").set_value("SMB").run()
    assert_ok(at)
    assert plotly_specs(at)[1]["layout"]["title"]["text"].startswith("中小企业")
    at.radio(key="conc_bridge_scope").set_value("customer").run()
    at.text_input(key="conc_bridge_q").input("不存在的客户").run()
    assert any("没有编号或名称包含" in i.value for i in at.info)
    at.text_input(key="conc_bridge_q").input("C000141").run()
    assert_ok(at)
    assert at.selectbox(key="conc_bridge_customer").value == "C000141"
    assert plotly_specs(at)[1]["layout"]["title"]["text"].startswith("C000141 · ")
    opened = at.get("page_link")[0].proto  # to Customer 360 in this tab, with the way back
    assert opened.page.endswith("customer") and "customer=C000141" in opened.query_string
    assert "back=concentration" in opened.query_string


def test_no_customer_in_the_filter_says_so(app_db):
    at = start("zh", page=PAGE, segment="Mass", plan="Annual contract")  # no mass-market customer has a contract
    assert_ok(at)
    assert [w.value for w in at.warning] == ["当前筛选下没有客户。请放宽筛选条件。"] and not at.metric
