"""ui.components on their own (AppTest of small scripts): the loading placeholder of a chart built on the page,
slides' charts without Plotly's toolbar, the house style sheet, the exact value in a compact card's help."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from i18n import Translator
from ui import components


def _chart_built_on_the_page() -> None:
    """A chart whose figure takes longer than the loading delay: its placeholder shows, then the chart."""
    import threading

    import plotly.graph_objects as go
    import streamlit as st

    from i18n import Translator
    from ui import components

    seen: list[str] = []
    drawn = threading.Event()
    original, delay = components._placeholder, components.LOADING_DELAY_S

    def spy(slot, t, height):  # the real placeholder, and word that it is on the page
        original(slot, t, height)
        seen.append(f"{t('common.computing')} {height}")
        drawn.set()

    def build() -> go.Figure:
        assert drawn.wait(30), "no placeholder while the figure was computing"
        return go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))

    components._placeholder, components.LOADING_DELAY_S = spy, 0.0
    try:
        components.chart(build, "built", t=Translator(st.query_params["lang"]))
    finally:
        components._placeholder, components.LOADING_DELAY_S = original, delay
    st.caption(" | ".join(seen))
    components.chart(go.Figure(go.Scatter(x=[1, 2], y=[2, 1])), "slide", toolbar=False)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_chart_built_on_the_page_shows_a_placeholder_until_it_is_drawn(lang):
    at = AppTest.from_function(_chart_built_on_the_page, default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception
    t = Translator(lang)
    # The placeholder was drawn (in the page's language, at the default height) while the figure computed ...
    assert at.caption[0].value == f"{t('common.computing')} {components.LOADING_HEIGHT}"
    # ... and the chart took its place: no placeholder is left on the page.
    charts = at.get("plotly_chart")
    assert len(charts) == 2
    assert json.loads(charts[0].proto.spec)["data"][0]["type"] == "bar"
    assert not any("cvm-loading" in m.value for m in at.markdown)
    # A slide's chart has no Plotly toolbar; the others keep it.
    assert json.loads(charts[1].proto.config)["displayModeBar"] is False
    assert "displayModeBar" not in json.loads(charts[0].proto.config)


def test_a_chart_built_on_the_page_needs_words_for_its_placeholder():
    with pytest.raises(ValueError, match="translator"):
        components.chart(lambda: None, "x")  # outside the app: no page context to take the language from


def _styled() -> None:
    import streamlit as st

    from i18n import Translator
    from ui import components

    components.house_style(Translator(st.query_params["lang"]))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_house_style_lets_kpi_cards_wrap_and_says_when_the_page_computes(lang):
    at = AppTest.from_function(_styled)
    at.query_params["lang"] = lang
    at.run()
    (sheet,) = [h.proto.body for h in at.get("html")]
    assert sheet.startswith("<style>")
    assert "text-overflow: clip" in sheet and "container-type: inline-size" in sheet  # cards wrap, never "…"
    assert 'data-test-script-state="running"' in sheet and f'"{Translator(lang)("common.computing")}"' in sheet


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_compact_card_gives_its_exact_value_in_its_help(lang):
    t = Translator(lang, "CNY")
    exact = components.exact_note(t, "profit", 45_130_123.4)
    assert t.figure("profit", 45_130_123.4) == ("¥4513万" if lang == "zh" else "¥45.1M")
    assert exact == "\n\n" + t("common.exact_value", value=r"¥45\,130\,123")
    assert components.exact_note(t, "profit", 45.0) == ""  # shown whole already
    assert components.exact_note(t, "profit", None) == ""  # nothing to state
    assert components.exact_note(t, "customers", 3309) == ""  # a count the card writes in full
