"""The NPS population setting (:data:`analytics.word_of_mouth.NPS_POPULATIONS`): chosen on the Word of
mouth page, kept for the session, and obeyed and stated wherever NPS is shown (Overview, Present)."""

from __future__ import annotations

import streamlit as st

from analytics import word_of_mouth as wom
from i18n import Translator
from ui import links

SETTING = "nps_population"  # session state, not a widget key: Streamlit drops a widget's state on other pages
WIDGET = "wom_nps_population"


def population() -> str:
    """The session's NPS population (the default until the Word of mouth page changes it)."""
    value = st.session_state.get(SETTING, wom.DEFAULT_NPS_POPULATION)
    return value if value in wom.NPS_POPULATIONS else wom.DEFAULT_NPS_POPULATION


def _keep() -> None:
    st.session_state[SETTING] = st.session_state.get(WIDGET) or population()


def control(t: Translator) -> str:
    """The setting's control (a segmented control, kept in the link as ``nps``); returns the population in force."""
    chosen = links.choice(st.segmented_control, t("wom.nps_population.label"), wom.NPS_POPULATIONS,
                          default=population(), key=WIDGET, param="nps", url_default=wom.DEFAULT_NPS_POPULATION,
                          on_change=_keep, format_func=lambda p: t(f"wom.nps_population.{p}"),
                          help=t("wom.nps_population.help"))
    if chosen in wom.NPS_POPULATIONS:  # a link's choice is the session's setting too
        st.session_state[SETTING] = chosen
    return population()


def stated(t: Translator, responses: int, which: str | None = None) -> str:
    """The population in plain words with the responses counted ("NPS counts survey answers only (1,234; the default)")."""
    return t(f"wom.nps_population.stated.{which or population()}", n=f"{responses:,}")


def note(t: Translator, which: str | None = None) -> str:
    """One sentence for a card's help or a slide: the population in force and where it is set."""
    return t("wom.nps_population.note", population=t(f"wom.nps_population.{which or population()}").lower())
