"""Number columns of the app's tables, written as :mod:`i18n.fmt` writes the same values in text.

Streamlit formats a table's numbers in the browser. A printf format such as ``¥%,.0f`` puts the minus
after the symbol (``¥-5,739,947``) where :func:`i18n.fmt.money`, the cards and the sentences write
``-¥5,739,947``; the ``percent`` preset shows up to two decimals (``67.33%``) beside cards and
sentences at one (``75.7%``). These columns use Streamlit's currency and percent presets (minus
before the symbol) with their decimals fixed through ``step``: whole units of money (cents where asked),
shares at :func:`i18n.fmt.percent`'s one decimal.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from i18n import Translator

# Streamlit's currency presets by the data's currency (minus before the symbol); others are plain localized numbers.
MONEY_FORMATS = {"CNY": "yen", "RMB": "yen", "JPY": "yen", "USD": "dollar", "EUR": "euro"}
SHARE_DIGITS = 1  # i18n.fmt.percent's default: 75.7%


def money_spec(currency: str, cents: bool = False) -> dict[str, Any]:
    """The ``format`` and ``step`` of a money column in ``currency``: Streamlit's currency preset, which
    writes a negative amount as ``-¥5,739,947`` as :func:`i18n.fmt.money` does, in whole units (two
    decimals with ``cents``); a currency without a preset as a localized number."""
    return {"format": MONEY_FORMATS.get(currency.upper(), "localized"), "step": 0.01 if cents else 1}


def share_spec(digits: int = SHARE_DIGITS) -> dict[str, Any]:
    """The ``format`` and ``step`` of a share column (fractions, 0.757 → ``75.7%``): the percent preset
    at ``digits`` decimals (the preset counts the decimals of the fraction, two more than the percentage's)."""
    if digits < 0:
        raise ValueError(f"digits must be 0 or more, not {digits}")
    return {"format": "percent", "step": float(f"1e-{digits + 2}")}


def money(t: Translator, label: str, cents: bool = False, **kwargs: Any) -> Any:
    """A table column of money in ``t``'s currency (see :func:`money_spec`)."""
    return st.column_config.NumberColumn(label, **{**money_spec(t.currency, cents), **kwargs})


def share(label: str, digits: int = SHARE_DIGITS, **kwargs: Any) -> Any:
    """A table column of shares written as percentages (see :func:`share_spec`)."""
    return st.column_config.NumberColumn(label, **{**share_spec(digits), **kwargs})
