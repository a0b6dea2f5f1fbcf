"""The Overview's cards are figures of the metric registry: label, value format and help from analytics.metrics,
the values those of ``report --json``."""

from __future__ import annotations

import pytest
from streamlit.proto.Metric_pb2 import Metric as MetricProto

from analytics import concentration, filters, metrics, overview, report
from analytics.filters import Filters
from analytics.store import db
from i18n import Translator
from i18n.markdown import escape
from tests.ui.apptest import assert_ok, start
from ui import components


@pytest.fixture(scope="module")
def demo_report(demo_path) -> dict:
    """``report --json`` on the demo store, by the function and default period the command uses."""
    con = db.connect(demo_path, read_only=True)
    try:
        with db.cursor(con) as cur:
            return report.build(cur, Filters(*filters.latest_period(cur)))
    finally:
        con.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview_cards_are_registry_figures(refreshed_app_db, demo_report, lang):
    at = start(lang)
    assert_ok(at)
    t = Translator(lang, demo_report["currency"])
    cards = list(at.metric)
    assert [c.label for c in cards] == [t.metric(k) for k in overview.KPI_KEYS]
    assert [c.value for c in cards] == [t.figure(k, demo_report[k]) for k in overview.KPI_KEYS]
    # The help is the registry's definition, with the counts filled in; NPS's also says which scores it counts.
    n = demo_report["customers"]
    args = {"top20_profit_share": {"top": f"{concentration.top_count(n):,}", "n": f"{n:,}"},
            "nps": {"n": f"{demo_report['nps_responses']:,}"}}
    assert demo_report["nps_population"] == "survey"
    notes = {"nps": " " + t("wom.nps_population.note", population=t("wom.nps_population.survey").lower()),
             "customers": "\n\n" + t("overview.customers_note")}  # why Customer value counts more (issue 19)
    # A figure shown in compact units (¥45.1M, ¥4513万) gives its exact value in the help (issue 19).
    notes.update({k: notes.get(k, "") + components.exact_note(t, k, demo_report[k]) for k in overview.KPI_KEYS})
    assert [c.help for c in cards] == [t.metric_help(k, **args.get(k, {})) + notes.get(k, "") for k in overview.KPI_KEYS]
    exact = t("common.exact_value", value=escape(t.money(demo_report["profit"])))
    assert cards[overview.KPI_KEYS.index("profit")].help.endswith("\n\n" + exact)
    # The change's colour says whether it is good by the figure's direction: green for a good change, red for a bad
    # one, grey for neutral figures (the top-20 % share) and no change.
    for card, key in zip(cards, overview.KPI_KEYS, strict=True):
        now, before = demo_report[key], demo_report["previous"][key]
        change = 0 if now is None or before is None else (now - before) * metrics.metric(key).direction
        expected = "GREEN" if change > 0 else "RED" if change < 0 else "GRAY"
        assert MetricProto.MetricColor.Name(card.proto.color) == expected, key
    assert metrics.metric("loss_customers").direction == -1 and metrics.metric("top20_profit_share").direction == 0
