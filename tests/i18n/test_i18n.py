"""The zh/en dictionary is complete, consistent and used; formats are right."""

from __future__ import annotations

import datetime as dt
import re
import string
from pathlib import Path

import pytest

from i18n import Translator, catalog, fmt

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")


def fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_key_has_both_languages_and_same_placeholders():
    for key, (zh, en) in catalog().items():
        assert zh.strip() and en.strip(), key
        assert fields(zh) == fields(en), key
        assert CJK.search(zh) or not re.search("[A-Za-z]{4,}", zh.replace("NPS", "").replace("Excel", "")
                                                 .replace("CSV", "").replace("App", "")), f"{key}: zh not Chinese: {zh}"


def test_every_key_used_in_code_exists():
    used: set[str] = set()
    pattern = re.compile(r"""\bt(?:\.md)?\(\s*["']([a-z0-9_]+\.[a-z0-9_.]+)["']""")
    for folder in ("views", "charts", "ui", "app.py", "analytics"):
        paths = [ROOT / folder] if folder.endswith(".py") else (ROOT / folder).rglob("*.py")
        for path in paths:
            used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    missing = sorted(k for k in used if k not in catalog())
    assert not missing, missing


def test_translator():
    zh, en = Translator("zh"), Translator("en")
    assert zh("nav.overview") == "概览" and en("nav.overview") == "Overview"
    assert en("common.vs_previous", period="x") == "vs previous period (x)"
    with pytest.raises(KeyError):
        en("no.such.key")
    assert zh.value("region", "East") == "华东" and en.value("region", "Atlantis") == "Atlantis"


def test_money_formats():
    assert fmt.money(1234567.4, "CNY", "en") == "¥1,234,567"
    assert fmt.money(-1234.5, "USD", "en") == "-$1,234"  # rounded half to even at the unit
    assert fmt.money(356_300_000, "CNY", "zh", compact=True) == "¥3.56亿"
    assert fmt.money(45_127_855, "CNY", "zh", compact=True) == "¥4513万"
    assert fmt.money(45_127_855, "CNY", "en", compact=True) == "¥45.1M"
    assert fmt.money(12.345, "EUR", "en") == "€12.35"
    assert fmt.money(5, "XYZ", "en") == "XYZ 5"
    assert fmt.money(20_300_000, "CNY", "en", compact=True, signed=True) == "+¥20.3M"
    assert fmt.money(None) == "—" and fmt.money(float("nan")) == "—"
    import pandas as pd

    assert fmt.number(pd.NA) == "—" and fmt.money(pd.NA) == "—" and fmt.percent(pd.NA) == "—"


def test_number_percent_date_formats():
    assert fmt.percent(1.3612) == "136.1%" and fmt.percent(-0.082, signed=True) == "-8.2%"
    assert fmt.percent(None) == "—"
    assert fmt.number(4034) == "4,034" and fmt.number(12_345, "zh", compact=True) == "1.23万"
    d = dt.date(2025, 11, 1)
    assert fmt.date(d, "zh") == "2025年11月1日" and fmt.month(d, "en") == "Nov 2025" and fmt.month(d, "zh") == "2025年11月"
    assert fmt.period(None, None, "zh") == "全部时间"


def test_nice_ticks_and_short_months():
    assert fmt.nice_ticks(0, 100) == [0, 25, 50, 75, 100]
    assert fmt.nice_ticks(-20e6, 60e6) == [-20e6, 0, 20e6, 40e6, 60e6]
    ticks = fmt.nice_ticks(3, 97)
    assert ticks[0] <= 3 and ticks[-1] >= 97 and len(ticks) <= 7
    assert fmt.nice_ticks(5, 5) == [5]
    assert fmt.month_short(dt.date(2025, 11, 1), "zh") == "25年11月"
    assert fmt.month_short(dt.date(2025, 11, 1), "en") == "Nov 25"


def test_english_plurals():
    en, zh = Translator("en"), Translator("zh")
    assert en("data.loaded", n="1", table="T", id=3, s="0.2").startswith("Loaded 1 row into")
    assert en("data.loaded", n="1,234", table="T", id=3, s="0.2").startswith("Loaded 1,234 rows into")
    assert en("data.refuse_note", n=1).startswith("1 row was rejected")
    assert en("data.refuse_note", n=0).startswith("0 rows were rejected")
    assert en("data.all_valid", n="1") == "The only row is valid."
    assert en("data.all_valid", n="12") == "All 12 rows are valid."
    assert en("lc.wake.total", n=341, worth=1, value="¥5") == (
        "1 of the 341 dormant customers has a positive potential value, ¥5 in total.")
    assert en("lc.wake.losing", losing="1", loss="-¥2", net="¥3") == (
        " 1 is expected to cost more to serve than it brings (-¥2); net for all: ¥3.")
    assert zh("data.loaded", n="1", table="T", id=3, s="0.2") == "已导入 1 行到“T”（第 3 次导入，用时 0.2 秒）。"
    assert en("common.vs_previous", period="a|b") == "vs previous period (a|b)"  # a "|" in a value is text


PLURAL_AFTER_ONE = re.compile(r"(?<![\d.,])1 (?:(?!of )[a-z-]+ )?(rows|customers|months|days|weeks|lines|columns|values|"
                              r"responses|transactions|activities)\b")


def test_no_english_string_says_one_with_a_plural_noun():
    """Every count in English agrees with its noun: formatted with 1 everywhere, no "1 rows"."""
    en = Translator("en")
    bad = []
    for key, (_, text) in catalog().items():
        names = fields(text)
        if names:
            out = en(key, **dict.fromkeys(names, "1"))
            if PLURAL_AFTER_ONE.search(out):
                bad.append(f"{key}: {out}")
    assert not bad, "\n".join(bad)
