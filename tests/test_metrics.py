"""The metric and dimension registry (analytics.metrics): complete, well-formed, and the one source of the
README's ``report --json`` key tables, of what ``report --json`` writes, and of figure labels and formats."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import string
from pathlib import Path

import pytest

from analytics import filters, metrics, report
from analytics.filters import Filters
from analytics.store import db
from i18n import Translator

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")
ZH, EN = Translator("zh", "CNY"), Translator("en", "CNY")


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def readme_report_keys() -> set[str]:
    """Every key named in README.md's ``report --json`` key tables (the column headed "key" or "keys")."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### `report --json` keys", 1)[1].split("\n## ", 1)[0]
    keys: set[str] = set()
    column = None
    for line in section.splitlines():
        if not line.startswith("|"):
            column = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if column is None:  # a table's header row
            column = next(i for i, c in enumerate(cells) if c in ("key", "keys"))
            continue
        if set(cells[column]) <= set("-: "):
            continue
        # `target, prospect, …` after stage_counts lists its members, not keys: one identifier per backtick pair.
        keys |= {k for k in re.findall(r"`([^`]+)`", cells[column]) if re.fullmatch(r"[a-z][a-z0-9_]*", k)}
    return keys


def test_every_metric_is_well_formed():
    for key, m in metrics.METRICS.items():
        assert m.key == key
        (zh, en), (zh_help, en_help) = m.label, m.help
        assert zh.strip() and en.strip() and zh_help.strip() and en_help.strip(), key
        assert CJK.search(zh) and CJK.search(zh_help), f"{key}: zh not Chinese"
        assert not CJK.search(en) and not CJK.search(en_help), f"{key}: en has Chinese"
        assert _fields(zh_help) == _fields(en_help) and not _fields(zh) and not _fields(en), key
        assert m.unit in metrics.UNITS and m.direction in (1, -1, 0) and m.section in metrics.SECTIONS, key
        assert m.fmt.decimals >= 0, key
        if m.customer_help is not None:  # the help for one customer (Customer 360): both languages, same placeholders
            zh_one, en_one = m.customer_help
            assert CJK.search(zh_one) and en_one.strip() and not CJK.search(en_one), key
            assert _fields(zh_one) == _fields(en_one), key
    with pytest.raises(dataclasses.FrozenInstanceError):
        metrics.metric("profit").unit = "count"  # type: ignore[misc]


def test_every_figure_named_in_code_is_registered():
    """Pages, charts, presentation and tests name figures by key: each one exists (and names are not typos)."""
    pattern = re.compile(r"""(?:\bt\.(?:metric|metric_help|figure|figure_delta)\(|\bkpi\(\s*t,)\s*["']([a-z0-9_]+)["']""")
    used: set[str] = set()
    for folder in ("views", "charts", "ui", "presentation", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert len(used) > 40
    assert not used - set(metrics.METRICS), sorted(used - set(metrics.METRICS))


def test_a_bad_definition_or_an_unknown_key_is_refused():
    with pytest.raises(ValueError, match="unknown metric 'profits'"):
        metrics.metric("profits")
    with pytest.raises(ValueError, match="unknown metric 'profits'"):
        EN.metric("profits")
    with pytest.raises(ValueError, match="unknown dimension 'colour'; use one of segment, region"):
        metrics.dimension("colour")
    with pytest.raises(ValueError, match="metric 'x': unknown unit 'euros'"):
        metrics.Metric("x", ("甲", "x"), ("甲", "x"), "euros", "overview")
    with pytest.raises(ValueError, match="direction must be one of"):
        metrics.Metric("x", ("甲", "x"), ("甲", "x"), "money", "overview", direction=2)
    with pytest.raises(ValueError, match="unknown section 'home'"):
        metrics.Metric("x", ("甲", "x"), ("甲", "x"), "money", "home")


def test_each_report_key_is_carried_by_one_metric():
    keys = [k for m in metrics.METRICS.values() for k in m.report_keys]
    assert len(keys) == len(set(keys))
    assert metrics.report_keys()["total_profit"] is metrics.metric("profit")


def test_readme_key_tables_match_the_registry():
    """README lists exactly the registry's report keys: a key added to a report_section needs both."""
    assert readme_report_keys() == set(metrics.report_keys())


def test_report_json_writes_exactly_the_registry_keys(demo_path):
    """What ``python -m analytics report --json`` writes on the demo store (the same function and default
    period as the command): every key of README and the registry, and nothing else."""
    con = db.connect(demo_path, read_only=True)
    try:
        with db.cursor(con) as cur:
            f = Filters(*filters.latest_period(cur))
            out = report.build(cur, f)
    finally:
        con.close()
    assert set(out) == set(metrics.report_keys()) == readme_report_keys()
    # Each value fits its metric's unit.
    for key, m in metrics.report_keys().items():
        v = out[key]
        if v is None:
            continue
        if m.unit in ("money", "share", "count", "points", "ratio", "score", "per_month"):
            assert isinstance(v, (int, float)) and not isinstance(v, bool), key
        elif m.unit == "date":
            dt.date.fromisoformat(str(v))
        elif m.unit == "dates":
            assert all(dt.date.fromisoformat(str(d)) for d in v), key
        elif m.unit == "breakdown":
            assert isinstance(v, dict), key
    assert set(out["previous"]) <= set(metrics.METRICS)  # the previous period's figures are metrics too
    assert EN.figure("profit", out["profit"]) == EN.money(out["total_profit"], compact=True)


def test_figures_are_written_by_unit_and_format():
    assert EN.figure("revenue", 309_985_757.5) == "¥310M" and ZH.figure("revenue", 309_985_757.5) == "¥3.10亿"
    assert EN.figure("top20_profit_share", 1.8744) == "187%" and EN.figure("loss_customer_share", 0.2624) == "26.2%"
    assert EN.figure("customers", 3309) == "3,309" and EN.figure("nps", -12.457) == "-12.5"
    assert EN.figure("gini", 0.61234) == "0.612" and EN.figure("complaint_trend_slope", 2.25) == "+2.2"
    assert EN.figure("satisfaction_gap_mean", -0.5) == "-0.50" and EN.figure("satisfaction_gap_mean", 0.5) == "+0.50"
    assert ZH.figure("period_from", "2025-11-01") == "2025年11月1日" and EN.figure("period_to", dt.date(2026, 10, 31)) == "2026-10-31"
    assert EN.figure("turning_points", ["2026-05-25", "2026-07-06"]) == "2026-05-25, 2026-07-06"
    assert EN.figure("payback_months", 1) == "1 month" and ZH.figure("payback_months", 7) == "7 个月"
    assert EN.figure("currency", "CNY") == "CNY" and EN.figure("stage_counts", {"new": 1200}) == "new 1,200"
    for key in ("revenue", "top20_profit_share", "customers", "nps", "period_from", "turning_points", "payback_months",
                "lifecycle_stage"):
        assert EN.figure(key, None) == "—", key
    # Dates are read by analytics.filters.as_date, the one date parser: a missing date (NaT, NaN, "") reads "—".
    import pandas as pd

    assert EN.figure("period_to", pd.Timestamp("2026-10-31")) == "2026-10-31" and EN.figure("period_to", " 2026-10-31") == "2026-10-31"
    for missing in (pd.NaT, float("nan"), ""):
        assert EN.figure("period_from", missing) == "—"
    with pytest.raises(ValueError, match="period_from: '31/10/2026' is not a date"):
        EN.figure("period_from", "31/10/2026")
    assert ZH.figure("lifecycle_stage", "活跃") == "活跃" and EN.figure("value_tier", "") == "—"
    assert EN.figure("p_alive", 0.873) == "87%" and EN.figure("expected_purchases", 2.345) == "2.3"
    assert EN.figure_delta("top20_profit_share", 0.0123) == "+1.2 pts" and ZH.figure_delta("nps", -1.25) == "-1.2 个百分点"
    assert EN.figure_delta("profit", -1_234_567) == "-¥1.23M" and EN.figure_delta("customers", 12) == "+12"
    assert EN.figure_delta("gini", -0.0123) == "-0.012" and EN.figure_delta("customers", 0) == "0"
    assert EN.figure_delta("customers", None) is None


def test_labels_and_help_come_from_the_registry():
    assert EN.metric("top20_profit_share") == "Top 20 % share" and ZH.metric("top20_profit_share") == "前20%利润占比"
    assert EN.metric("profit") == "Customer profit" and ZH.metric("loss_customers") == "亏损客户"
    assert EN.metric_help("top20_profit_share", top="1", n="5").startswith("Profit of the 1 most profitable customer (")
    assert EN.metric_help("nps", n="2").endswith("from 2 scored responses.")
    with pytest.raises(KeyError):
        EN.metric_help("nps")  # a placeholder left unfilled is a mistake, not text
    # For one customer (Customer 360): the figure's own per-customer help where it has one, else its help.
    assert EN.metric_help("realized_value", per_customer=True).startswith("Profit this customer made")
    assert EN.metric_help("influence_value", per_customer=True, n="1") == (
        "Realized value of the 1 customer this customer referred directly.")
    assert EN.metric_help("profit", per_customer=True) == EN.metric_help("profit")
    assert ZH.dimension("plan") == "套餐 / 合同类型" and EN.dimension("customer_type") == "Customer type"


def test_no_view_labels_a_card_outside_the_registry():
    """A KPI card's label is a figure of the registry (components.kpi, or components.metric with t.metric):
    no page names a card with an i18n key of its own (``t("c360.kpi.revenue")`` was a second "Revenue")."""
    own_label = re.compile(r"""components\.metric\(\s*t(?:\.md)?\(\s*f?["'][a-z0-9_]+\.kpi\.""")
    offenders = [f"{path.name}: {m.group(0)}" for path in sorted((ROOT / "views").glob("*.py"))
                 for m in own_label.finditer(path.read_text(encoding="utf-8"))]
    assert not offenders, offenders
    assert "components.kpi(" in (ROOT / "views" / "customer.py").read_text(encoding="utf-8")


def test_dimensions_and_figures_have_no_second_label_in_the_catalog():
    """One label per customer attribute and per figure: the registry's. No ``common.segment``, ``dv.dim.region``,
    ``wom.dim.segment`` or ``common.profit`` beside it (those said 细分 and 客户细分, Profit and Customer profit)."""
    from i18n import catalog

    registered = set(metrics.DIMENSIONS) | set(metrics.METRICS) | {"cogs", "tx_count"}  # the P&L's column names too
    seconds = sorted(k for k in catalog()
                     if (k.startswith("common.") or ".dim." in k or ".kpi." in k) and k.rsplit(".", 1)[1] in registered)
    assert not seconds, seconds


def test_dimensions_define_the_filters_and_the_groups():
    assert list(filters.ATTRIBUTES) == [(d.filter_field, d.column) for d in metrics.FILTER_DIMENSIONS]
    assert [d.key for d in metrics.FILTER_DIMENSIONS] == ["segment", "region", "channel", "plan", "customer_type"]
    assert all(d.key == d.column for d in metrics.DIMENSIONS.values())  # labels are looked up by column
    field_names = {f.name for f in dataclasses.fields(Filters)}
    assert {d.filter_field for d in metrics.FILTER_DIMENSIONS} <= field_names
    f = Filters(segments=("Corporate",), customer_types=("individual",))
    assert f.to_params() == {"segment": "Corporate", "type": "individual"} and Filters.from_params(f.to_params()) == f
    assert set(metrics.GROUP_DIMENSIONS) <= set(metrics.DIMENSIONS)

    from analytics import concentration
    from analytics.clv import value as customer_value

    assert concentration.GROUP_COLUMNS == concentration.ATTRIBUTE_DIMENSIONS == customer_value.GROUP_COLUMNS \
        == metrics.GROUP_DIMENSIONS


def test_analytics_metrics_imports_nothing_of_the_app():
    source = (ROOT / "analytics" / "metrics.py").read_text(encoding="utf-8")
    assert not re.search(r"^\s*(from|import)\s+(i18n|ui|views|streamlit|charts|presentation)\b", source, re.M)
