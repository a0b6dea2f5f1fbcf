"""One formatter (issue 19 'one format'): money with the minus before the symbol, percentages at one
decimal unless asked, units in the reader's language, unit rates without scientific notation."""

from __future__ import annotations

import pytest

from i18n import Translator, fmt


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_negative_money_puts_the_minus_before_the_symbol(lang):
    # Customer 360 once wrote ¥-5,739,947 (a printf format) where every other place writes -¥5,739,947.
    assert fmt.money(-5_739_946.6, "CNY", lang) == "-¥5,739,947"
    assert Translator(lang, "CNY").money(-5_739_946.6) == "-¥5,739,947"
    assert fmt.money(-12.5, "USD", lang) == "-$12.50"
    assert fmt.money(-0.4, "CNY", lang) == "-¥0.40"


def test_compact_money_in_each_language():
    assert fmt.money(-5_739_946.6, "CNY", "zh", compact=True) == "-¥574万"
    assert fmt.money(-5_739_946.6, "CNY", "en", compact=True) == "-¥5.74M"
    assert fmt.money(45_127_855, "CNY", "zh", compact=True, signed=True) == "+¥4513万"


def test_percentages_have_one_decimal_unless_asked():
    assert fmt.percent(0.757) == "75.7%" and fmt.percent(0.67333) == "67.3%"  # never 67.33% beside 75.7%
    assert fmt.percent(1.79, 0) == "179%" and fmt.percent(-0.4502, 0) == "-45%"
    assert fmt.percent(-0.082, signed=True) == "-8.2%" and fmt.percent(0.082, signed=True) == "+8.2%"
    assert Translator("zh").pct(0.757) == Translator("en").pct(0.757) == "75.7%"


def test_money_units_in_the_readers_language():
    assert fmt.unit("CNY", "zh") == "元" and fmt.unit("CNY", "en") == "¥"
    assert fmt.unit("usd", "zh") == "美元" and fmt.unit("USD", "en") == "$"
    assert fmt.unit("XYZ", "zh") == "XYZ" and fmt.unit("XYZ", "en") == "XYZ"


def test_unit_costs_keep_four_significant_digits_and_the_minus_first():
    assert fmt.unit_cost(0.0375) == "¥0.0375" and fmt.unit_cost(12.5) == "¥12.5" and fmt.unit_cost(3.0) == "¥3"
    assert fmt.unit_cost(0.00001) == "¥0.00001"  # not ¥1e-05
    assert fmt.unit_cost(-0.5) == "-¥0.5" and fmt.unit_cost(1234.5) == "¥1,234" and fmt.unit_cost(None) == "—"


def test_the_plans_unit_money_is_the_one_unit_cost_format():
    from presentation.plan import unit_money

    t = Translator("zh", "CNY")
    assert unit_money(0.00001, t) == "¥0.00001" and unit_money(-0.5, t) == "-¥0.5"  # was ¥1e-05 and ¥-0.5
    assert unit_money(0.008, t) == "¥0.008" and unit_money(1234.5, t) == fmt.money(1234.5, "CNY", "zh")
