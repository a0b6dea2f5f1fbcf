"""What every exported file states: the filters, the period and when the data were last loaded.

:func:`describe_filters` is the one description of a filter: the app's captions and downloads
(``ui.components`` re-exports it) and the command line's exports all use it, built here without
Streamlit. Attribute labels come from the dimension registry (:mod:`analytics.metrics`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from analytics import filters
from analytics.filters import ATTRIBUTES, Filters
from analytics.store import load_log
from i18n import Translator


@dataclass(frozen=True)
class DataDate:
    """When the data were current and last loaded.

    ``as_of`` is the date the data are complete through, as the app's sidebar says it
    (:func:`analytics.filters.data_as_of`: the last transaction date, or the store's stated
    ``meta.data_as_of`` within that month); ``last_loaded`` the latest upload in ``ingest_log`` that
    was not undone (None when nothing was uploaded, e.g. demo data).
    """

    as_of: dt.date | None
    last_loaded: dt.datetime | None


def data_date(cur: duckdb.DuckDBPyConnection) -> DataDate:
    """The store's :class:`DataDate` (one "Data as of" for the app and every export: issue 19)."""
    return DataDate(as_of=filters.data_as_of(cur), last_loaded=load_log.last_loaded(cur))


def filter_parts(f: Filters, t: Translator) -> list[str]:
    """The period, then one ``label: values`` part per restricted customer attribute (or "All customers")."""
    parts = [t.period(f.date_from, f.date_to)]
    for name, column in ATTRIBUTES:
        chosen = getattr(f, name)
        if chosen:
            parts.append(f"{t.dimension(column)}: " + ", ".join(t.value(column, v) for v in chosen))
    if len(parts) == 1:
        parts.append(t("common.all_customers"))
    return parts


def describe_filters(f: Filters, t: Translator) -> str:
    """The filter in one line: ``period · Segment: Corporate · Region: East`` (or ``· All customers``)."""
    return " · ".join(filter_parts(f, t))


def describe_data_date(d: DataDate, t: Translator) -> str:
    """``Data as of 2026-10-31 · last loaded 2026-11-02 09:30`` (the load part only when there was one)."""
    text = t("pres.meta.as_of", date=t.date(d.as_of)) if d.as_of else t("pres.meta.as_of_unknown")
    if d.last_loaded is not None:
        text += " · " + t("pres.meta.last_loaded", when=d.last_loaded.strftime("%Y-%m-%d %H:%M"))
    return text


@dataclass(frozen=True)
class ExportMeta:
    """The context an export states: filters (with the period resolved), data date, creation time."""

    filters: Filters
    data: DataDate
    created_at: dt.datetime

    def header_lines(self, t: Translator) -> list[str]:
        """Lines at the top of a CSV or Excel sheet and on a deck's title slide."""
        partial = self.partial(t)
        return [t("pres.meta.filters", filters=describe_filters(self.filters, t)),
                describe_data_date(self.data, t),
                *([partial] if partial else []),
                t("pres.meta.created", when=self.created_at.strftime("%Y-%m-%d %H:%M"))]

    def footer(self, t: Translator) -> str:
        """One line for the foot of every slide, page and image (the partial month marked, when chosen)."""
        partial = self.partial(t)
        return " · ".join([describe_filters(self.filters, t), describe_data_date(self.data, t),
                           *([partial] if partial else [])])

    def partial(self, t: Translator) -> str | None:
        """``Nov 2026: partial month (through 2026-11-07)`` when the period holds a month the data reach only
        part of (:func:`analytics.filters.partial_month`): its figures and comparisons cover only those days."""
        month = filters.partial_month(self.filters, self.data.as_of)
        if month is None or self.data.as_of is None:
            return None
        return f"{t.month(month)}: {t('chart.partial_month', date=t.date(self.data.as_of))}"


def export_meta(cur: duckdb.DuckDBPyConnection, f: Filters, now: dt.datetime | None = None) -> ExportMeta:
    """The :class:`ExportMeta` of ``f`` (open period ends resolved to the data's first and last dates)."""
    return ExportMeta(filters=f.resolved(filters.data_bounds(cur)), data=data_date(cur),
                      created_at=(now or dt.datetime.now()).replace(microsecond=0))
