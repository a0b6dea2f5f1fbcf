"""Every user-facing string, in Simplified Chinese and English, and the number formats.

Strings live in :mod:`i18n.strings` (one module per view, each a dict ``key -> (zh, en)``);
category values stored in the data (regions, activities …) are translated by
:mod:`i18n.values`, with the stored value shown as-is when no translation is known.
No Streamlit import: the command line and the exporters use the same texts.
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import string
from dataclasses import dataclass
from functools import cache

from analytics import metrics as registry
from analytics.filters import as_date
from i18n import fmt, markdown, values

LANGS = ("zh", "en")
LANG_NAMES = {"zh": "中文", "en": "English"}


@cache
def catalog() -> dict[str, tuple[str, str]]:
    """All strings, merged from :mod:`i18n.strings`; a key defined twice is an error."""
    from i18n import strings

    merged: dict[str, tuple[str, str]] = {}
    for info in sorted(pkgutil.iter_modules(strings.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"i18n.strings.{info.name}")
        for key, pair in module.STRINGS.items():
            if key in merged:
                raise KeyError(f"i18n key {key!r} defined twice (again in i18n/strings/{info.name}.py)")
            merged[key] = pair
    return merged


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh" else pair[1]


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    return lang


class _Formatter(string.Formatter):
    """``str.format`` plus English plurals: ``{n:row|rows}`` gives "row" when ``n`` is 1 (a number or a
    formatted number such as "1"), else "rows". Chinese strings have no need of it."""

    def format_field(self, value: object, format_spec: str) -> str:
        if "|" in format_spec:
            one, many = format_spec.split("|", 1)
            return one if _is_one(value) else many
        return super().format_field(value, format_spec)


def _is_one(value: object) -> bool:
    if isinstance(value, str):
        value = value.strip().replace(",", "")
        return value in ("1", "+1", "-1")
    try:
        return abs(float(value)) == 1  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


class _MarkdownFormatter(_Formatter):
    """Every value escaped for Markdown (:func:`i18n.markdown.escape`); plural words come from the template."""

    def format_field(self, value: object, format_spec: str) -> str:
        text = super().format_field(value, format_spec)
        return text if "|" in format_spec else markdown.escape(text)


_FORMATTER = _Formatter()
_MARKDOWN_FORMATTER = _MarkdownFormatter()


@dataclass(frozen=True)
class Translator:
    """Strings and formats for one language: ``t = Translator("zh"); t("nav.overview")``."""

    lang: str
    currency: str = "CNY"

    def _template(self, key: str) -> str:
        pair = catalog().get(key)
        if pair is None:
            raise KeyError(f"missing i18n key {key!r}")
        return pair[0] if self.lang == "zh" else pair[1]

    def __call__(self, key: str, **kwargs: object) -> str:
        text = self._template(key)
        if not kwargs:
            return text
        kwargs = self._named(kwargs)
        # The plural-aware formatter is pure Python; plain str.format serves every string without "|".
        return _FORMATTER.format(text, **kwargs) if "|" in text else text.format(**kwargs)

    def md(self, key: str, **kwargs: object) -> str:
        """The string for Markdown (titles, captions, alerts, labels, help): the template's own Markdown
        kept, every value shown as exactly its text (data and URL values can never become syntax)."""
        return _MARKDOWN_FORMATTER.format(self._template(key), **self._named(kwargs))

    def _named(self, kwargs: dict[str, object]) -> dict[str, object]:
        """Values that stand for a string of the catalogue (they carry an ``i18n_key``: a purchase model
        named in an analytics note, :class:`analytics.clv.comparison.ModelName`) written in this language."""
        if not any(hasattr(v, "i18n_key") for v in kwargs.values()):
            return kwargs
        return {k: self(v.i18n_key) if hasattr(v, "i18n_key") else v for k, v in kwargs.items()}  # type: ignore[attr-defined]

    def model(self, code: str) -> str:
        """A purchase model's name, by the code :func:`analytics.clv.comparison.label` gives."""
        return self(f"cv.model.name.{code}")

    def has(self, key: str) -> bool:
        return key in catalog()

    def value(self, column: str, raw: object) -> str:
        """A stored category value in this language (the raw value when unknown)."""
        return values.translate(column, raw, self.lang)

    # ------------------------------------------------------------------ figures (analytics.metrics)
    def metric(self, key: str) -> str:
        """The label of figure ``key`` of :mod:`analytics.metrics` (ValueError for an unknown key)."""
        return _pick(registry.metric(key).label, self.lang)

    def metric_help(self, key: str, per_customer: bool = False, **kwargs: object) -> str:
        """What figure ``key`` means, its placeholders filled from ``kwargs`` (plural-aware); with
        ``per_customer``, what it means for one customer (its ``customer_help`` where it has one)."""
        m = registry.metric(key)
        text = m.customer_help if per_customer and m.customer_help else m.help
        return _FORMATTER.format(_pick(text, self.lang), **kwargs)

    def dimension(self, key: str) -> str:
        """The label of customer attribute ``key`` of :mod:`analytics.metrics` (segment, region …)."""
        return _pick(registry.dimension(key).label, self.lang)

    def figure(self, key: str, value: object) -> str:
        """``value`` of figure ``key`` written by its unit and format: money with the currency, shares as
        %, counts with separators, dates in this language; "—" where there is no value."""
        m = registry.metric(key)
        f, unit = m.fmt, m.unit
        if unit == "money":
            return self.money(value, compact=f.compact, signed=f.signed)  # type: ignore[arg-type]
        if unit == "share":
            return fmt.percent(value, digits=f.decimals, signed=f.signed)  # type: ignore[arg-type]
        if unit in ("count", "points", "ratio", "score", "per_month"):
            return fmt.number(value, self.lang, digits=f.decimals, compact=f.compact, signed=f.signed)  # type: ignore[arg-type]
        if unit in ("days", "months"):
            n = fmt.number(value, self.lang, digits=f.decimals)  # type: ignore[arg-type]
            return fmt.DASH if n == fmt.DASH else self(f"common.n_{unit}", n=n)
        # Dates come as dates or, from ``report --json``, as ISO text; a missing one (None, NaT) reads "—".
        if unit == "date":
            return self.date(as_date(value, key))
        if unit == "dates":
            return ", ".join(self.date(as_date(v, key)) for v in value) if value else fmt.DASH  # type: ignore[attr-defined]
        if unit == "breakdown":
            if not isinstance(value, dict) or not value:
                return fmt.DASH
            return " · ".join(f"{k} {fmt.number(v, self.lang)}" for k, v in value.items())
        return fmt.DASH if value is None or value == "" else str(value)  # a code, a category's name

    def figure_delta(self, key: str, change: float | None) -> str | None:
        """A change of figure ``key`` as a card shows it: money compact and signed, shares and NPS in
        percentage points, other numbers signed at the figure's decimals; None when there is none."""
        if change is None:
            return None
        m = registry.metric(key)
        if m.unit == "money":
            return self.money(change, compact=True, signed=True)
        if m.unit in ("share", "points"):
            return self("common.delta_pts", v=f"{change * (100 if m.unit == 'share' else 1):+.1f}")
        return f"{float(change):{'+' if change else ''},.{m.fmt.decimals}f}"  # no sign on no change, as money

    def money(self, v: float | None, compact: bool = False, signed: bool = False) -> str:
        return fmt.money(v, self.currency, self.lang, compact=compact, signed=signed)

    def num(self, v: float | None, digits: int = 0, compact: bool = False) -> str:
        return fmt.number(v, self.lang, digits=digits, compact=compact)

    def pct(self, v: float | None, digits: int = 1, signed: bool = False) -> str:
        return fmt.percent(v, digits=digits, signed=signed)

    def date(self, d: dt.date | None) -> str:
        return fmt.date(d, self.lang)

    def month(self, d: dt.date | None) -> str:
        return fmt.month(d, self.lang)

    def month_short(self, d: dt.date | None) -> str:
        return fmt.month_short(d, self.lang)

    def period(self, start: dt.date | None, end: dt.date | None) -> str:
        return fmt.period(start, end, self.lang)
