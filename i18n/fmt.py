"""Number, money, percent and date formats for zh and en.

Money carries the data's currency symbol and thousands separators. Compact money uses the units
each audience reads at a glance: 万 and 亿 in Chinese, K, M and B in English.
"""

from __future__ import annotations

import datetime as dt
import math

SYMBOLS = {"CNY": "¥", "RMB": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "HKD": "HK$", "TWD": "NT$"}
DASH = "—"
MINUS = "-"


def _bad(v: object) -> bool:
    """True for values that have no number to show: None, NaN, infinities, pandas' NA and NaT."""
    if v is None:
        return True
    try:
        return not math.isfinite(float(v))  # type: ignore[arg-type]
    except (TypeError, ValueError):  # pd.NA, pd.NaT and other non-numbers
        return True


def symbol(currency: str) -> str:
    """The currency's symbol, or its code and a space when it has none here."""
    return SYMBOLS.get(currency.upper(), f"{currency.upper()} ")


# What a Chinese reader calls each currency's unit (an axis reads 金额（元）, not CNY).
ZH_UNITS = {"CNY": "元", "RMB": "元", "USD": "美元", "EUR": "欧元", "GBP": "英镑", "JPY": "日元", "HKD": "港元", "TWD": "新台币"}


def unit(currency: str, lang: str = "en") -> str:
    """The money unit for an axis or a column title: ``元`` in Chinese for CNY, the symbol (``¥``) in English;
    the ISO code only for a currency with neither."""
    code = currency.upper()
    if lang == "zh" and code in ZH_UNITS:
        return ZH_UNITS[code]
    return symbol(code).strip()


def _compact(a: float, lang: str) -> tuple[float, str]:
    if lang == "zh":
        for size, unit in ((1e8, "亿"), (1e4, "万")):
            if a >= size:
                return a / size, unit
        return a, ""
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if a >= size:
            return a / size, unit
    return a, ""


def _digits_for(x: float) -> int:
    return 2 if x < 10 else 1 if x < 100 else 0


def money(v: float | None, currency: str = "CNY", lang: str = "en", compact: bool = False, signed: bool = False) -> str:
    """``¥1,234,568`` (rounded to the unit), or ``¥1.23亿`` / ``¥123.5M`` when ``compact``."""
    if _bad(v):
        return DASH
    sign = MINUS if v < 0 else ("+" if signed and v > 0 else "")
    a = abs(float(v))
    sym = symbol(currency)
    if compact:
        x, unit = _compact(a, lang)
        if unit:
            sep = "" if unit == "万" else ","  # 4513万 reads as one number in Chinese
            return f"{sign}{sym}{x:{sep}.{_digits_for(x)}f}{unit}"
    if a < 100 and a != round(a):
        return f"{sign}{sym}{a:,.2f}"
    return f"{sign}{sym}{a:,.0f}"


def unit_cost(v: float | None, currency: str = "CNY", lang: str = "en") -> str:
    """A unit rate: as :func:`money` from 100 up, to four significant digits below (``¥0.0375``, ``¥12.5``),
    the minus before the symbol as everywhere."""
    if _bad(v) or abs(float(v)) >= 100:  # type: ignore[arg-type]
        return money(v, currency, lang)
    a = abs(float(v))  # type: ignore[arg-type]
    decimals = 0 if a == 0 else max(0, 3 - math.floor(math.log10(a)))  # four significant digits, never 1e-05
    text = f"{a:.{decimals}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return f"{MINUS if v < 0 else ''}{symbol(currency)}{text}"  # type: ignore[operator]


def number(v: float | None, lang: str = "en", digits: int = 0, compact: bool = False, signed: bool = False) -> str:
    """``1,234`` (``digits`` decimals), ``1.23万`` / ``12.3K`` when ``compact``; ``signed`` puts + before a rise."""
    if _bad(v):
        return DASH
    plus = "+" if signed and v > 0 else ""
    if compact:
        x, unit = _compact(abs(float(v)), lang)
        if unit:
            return f"{MINUS if v < 0 else plus}{x:,.{_digits_for(x)}f}{unit}"
    return f"{plus}{float(v):,.{digits}f}"


def percent(v: float | None, digits: int = 1, signed: bool = False) -> str:
    """A fraction as a percentage: 1.36 → ``136.0%``."""
    if _bad(v):
        return DASH
    return f"{100 * float(v):{'+' if signed else ''},.{digits}f}%"


def date(d: dt.date | None, lang: str = "en") -> str:
    if d is None:
        return DASH
    return f"{d.year}年{d.month}月{d.day}日" if lang == "zh" else d.isoformat()


def month(d: dt.date | None, lang: str = "en") -> str:
    if d is None:
        return DASH
    return f"{d.year}年{d.month}月" if lang == "zh" else d.strftime("%b %Y")


def month_short(d: dt.date | None, lang: str = "en") -> str:
    """A month for crowded axes: ``25年11月`` / ``Nov 25``."""
    if d is None:
        return DASH
    return f"{d.year % 100:02d}年{d.month}月" if lang == "zh" else d.strftime("%b %y")


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values covering [lo, hi] (0 included when in range)."""
    import math as _m

    if not (_m.isfinite(lo) and _m.isfinite(hi)) or lo == hi:
        base = lo if _m.isfinite(lo) else 0.0
        return [base]
    raw = (hi - lo) / max(n - 1, 1)
    mag = 10 ** _m.floor(_m.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = _m.floor(lo / step) * step
    ticks, v = [], start
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 10))
        v += step
    if ticks[-1] < hi:
        ticks.append(round(v, 10))
    return ticks


def period(start: dt.date | None, end: dt.date | None, lang: str = "en") -> str:
    if start is None and end is None:
        return "全部时间" if lang == "zh" else "All time"
    return f"{date(start, lang)} – {date(end, lang)}"
