"""The global filter every view obeys: a period and customer attributes.

A :class:`Filters` is immutable and hashable, so it keys result caches. It turns itself into
SQL predicates with bound parameters (never string-formatted values) and into URL query
parameters, so that a copied link reopens the same view.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from typing import Any

import duckdb

from analytics import query
from analytics.metrics import FILTER_DIMENSIONS
from analytics.store import db, schema

# Customer attributes a filter can restrict, in sidebar order: (Filters field, customers column), from the
# dimension registry (analytics.metrics), which also names them and gives their URL parameters.
ATTRIBUTES: tuple[tuple[str, str], ...] = tuple((str(d.filter_field), d.column) for d in FILTER_DIMENSIONS)


def as_date(value: Any, what: str = "date") -> dt.date | None:
    """A date from a date, a datetime (a pandas Timestamp too) or ISO text (``YYYY-MM-DD``); None for None,
    "" and NaT. Anything else raises ValueError naming ``what`` (the one parser of dates users type)."""
    if value is None or value == "" or value != value:  # NaN and NaT are unequal to themselves
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{what}: {value!r} is not a date (use YYYY-MM-DD)") from None


@dataclass(frozen=True)
class Filters:
    """A period (inclusive dates; None means unbounded) and customer-attribute restrictions.

    An empty tuple means "no restriction" for that attribute.
    """

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    segments: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    plans: tuple[str, ...] = ()
    customer_types: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "date_from", as_date(self.date_from, "start date"))
        object.__setattr__(self, "date_to", as_date(self.date_to, "end date"))
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(f"the period starts ({self.date_from}) after it ends ({self.date_to})")
        for name, _ in ATTRIBUTES:
            value = getattr(self, name)
            if isinstance(value, str):
                value = (value,)
            object.__setattr__(self, name, tuple(sorted({str(v) for v in value if v is not None and str(v) != ""})))
        bad = set(self.customer_types) - set(schema.CUSTOMER_TYPES)
        if bad:
            raise ValueError(f"unknown customer type {sorted(bad)[0]!r}; use one of {', '.join(schema.CUSTOMER_TYPES)}")

    # ----------------------------------------------------------------- SQL
    def customer_sql(self, alias: str = "c") -> tuple[str, dict[str, Any]]:
        """A predicate on the customers table (aliased ``alias``) and its parameters."""
        parts, params = [], {}
        for name, column in ATTRIBUTES:
            values = getattr(self, name)
            if values:
                parts.append(f"list_contains($f_{name}, {alias}.{column})")
                params[f"f_{name}"] = list(values)
        return (" AND ".join(parts) or "TRUE"), params

    def period_sql(self, column: str) -> tuple[str, dict[str, Any]]:
        """A predicate keeping ``column`` (a DATE) inside the period, and its parameters."""
        parts, params = [], {}
        if self.date_from:
            parts.append(f"{column} >= $f_from")
            params["f_from"] = self.date_from
        if self.date_to:
            parts.append(f"{column} <= $f_to")
            params["f_to"] = self.date_to
        return (" AND ".join(parts) or "TRUE"), params

    @property
    def month_aligned(self) -> bool:
        """True when the period is whole calendar months (or unbounded), so monthly aggregates answer it."""
        ok_from = self.date_from is None or self.date_from.day == 1
        ok_to = self.date_to is None or self.date_to == month_end(self.date_to)
        return ok_from and ok_to

    # ------------------------------------------------------------ periods
    def with_period(self, date_from: dt.date | None, date_to: dt.date | None) -> Filters:
        return replace(self, date_from=date_from, date_to=date_to)

    def without_period(self) -> Filters:
        return replace(self, date_from=None, date_to=None)

    def resolved(self, bounds: tuple[dt.date, dt.date] | None) -> Filters:
        """The same filter with open period ends replaced by the data's first and last dates."""
        if bounds is None:
            return self
        return replace(self, date_from=self.date_from or bounds[0], date_to=self.date_to or bounds[1])

    def previous(self) -> Filters | None:
        """The period of the same length just before this one (whole months stay whole months).

        None when the period is unbounded.
        """
        if self.date_from is None or self.date_to is None:
            return None
        if self.month_aligned:
            months = (self.date_to.year - self.date_from.year) * 12 + self.date_to.month - self.date_from.month + 1
            start = add_months(self.date_from, -months)
            return replace(self, date_from=start, date_to=self.date_from - dt.timedelta(days=1))
        days = (self.date_to - self.date_from).days + 1
        return replace(self, date_from=self.date_from - dt.timedelta(days=days),
                       date_to=self.date_from - dt.timedelta(days=1))

    # ------------------------------------------------------------ URL form
    def to_params(self) -> dict[str, str]:
        """Query-string form: dates as ISO, lists comma-joined; empty values left out."""
        out: dict[str, str] = {}
        if self.date_from:
            out["from"] = self.date_from.isoformat()
        if self.date_to:
            out["to"] = self.date_to.isoformat()
        for name, _ in ATTRIBUTES:
            if getattr(self, name):
                out[_PARAM[name]] = ",".join(getattr(self, name))
        return out

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Filters:
        """Inverse of :meth:`to_params`; raises ValueError on a malformed value."""
        kwargs: dict[str, Any] = {"date_from": params.get("from"), "date_to": params.get("to")}
        for name, _ in ATTRIBUTES:
            raw = params.get(_PARAM[name])
            if raw:
                kwargs[name] = tuple(v for v in (raw.split(",") if isinstance(raw, str) else raw) if v)
        return cls(**kwargs)

    def is_default(self) -> bool:
        return all(not getattr(self, f.name) for f in fields(self))


_PARAM = {str(d.filter_field): str(d.param) for d in FILTER_DIMENSIONS}


class OutsideAllowance(ValueError):
    """A filter or a customer outside what the signed-in user may see; ``allowed`` maps each restricted
    Filters field (``regions``, ``segments``) to the values allowed, ``outside`` to the values asked for
    that are not."""

    def __init__(self, message: str, allowed: Mapping[str, tuple[str, ...]],
                 outside: Mapping[str, tuple[str, ...]] | None = None) -> None:
        super().__init__(message)
        self.allowed = dict(allowed)
        self.outside = dict(outside or {})


@dataclass(frozen=True)
class Allowance:
    """The customers a user may see: regions and segments (empty = no restriction on that attribute).

    Applied where every filter is built (the app's frame, ``report --as``), so that every query that
    takes a :class:`Filters` obeys it; :meth:`permits` checks a single customer (Customer 360).
    """

    regions: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("regions", "segments"):
            object.__setattr__(self, name, tuple(sorted({str(v) for v in getattr(self, name) if v})))

    @property
    def restricted(self) -> bool:
        return bool(self.regions or self.segments)

    def _limits(self) -> dict[str, tuple[str, ...]]:
        return {name: getattr(self, name) for name in ("regions", "segments") if getattr(self, name)}

    def apply(self, f: Filters) -> Filters:
        """``f`` within the allowance: an unrestricted attribute becomes the allowed values; a value
        outside them raises :class:`OutsideAllowance` naming the allowed values."""
        changes: dict[str, tuple[str, ...]] = {}
        for name, allowed in self._limits().items():
            chosen = getattr(f, name)
            outside = [v for v in chosen if v not in allowed]
            if outside:
                raise OutsideAllowance(
                    f"{_WHAT[name]} {', '.join(outside)} is outside what you may see; allowed: {', '.join(allowed)}",
                    self._limits(), {name: tuple(outside)})
            if not chosen:
                changes[name] = allowed
        return replace(f, **changes) if changes else f

    def options(self, options: Mapping[str, list[str]]) -> dict[str, list[str]]:
        """The sidebar's choices (:func:`options`) narrowed to the allowed values."""
        limits = self._limits()
        return {k: [v for v in vs if k not in limits or v in limits[k]] for k, vs in options.items()}

    def permits(self, region: object, segment: object) -> bool:
        """Whether a customer of ``region`` and ``segment`` may be seen."""
        return ((not self.regions or region in self.regions)
                and (not self.segments or segment in self.segments))


_WHAT = {"regions": "region", "segments": "segment"}


def month_end(d: dt.date) -> dt.date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def add_months(d: dt.date, months: int) -> dt.date:
    """``d`` moved by whole months, the day clipped to the target month's length."""
    idx = d.year * 12 + d.month - 1 + months
    y, m = divmod(idx, 12)
    return dt.date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def data_bounds(cur: Any, today: dt.date | None = None) -> tuple[dt.date, dt.date] | None:
    """First and last transaction dates, or None when there are no transactions.

    Dates later than :func:`schema.latest_date` (today + ``schema.FUTURE_DAYS``) are left out:
    ingest refuses them, and one such row in an older store (2099 for 2019) must not move every
    user's default period and every open-ended one. When every transaction lies beyond that date
    (a clock set wrong), the bounds are those of all transactions rather than none.
    """
    row = query.row(cur, _bounds_relation(None))
    if row is None or row[0] is None:
        return None
    latest = schema.latest_date(today)
    if query.date_value(row[1]) > latest:  # rare: only then pay for a filtered scan
        got = query.row(cur, _bounds_relation(latest))
        if got is not None and got[0] is not None:
            return query.date_value(got[0]), query.date_value(got[1])
    return query.date_value(row[0]), query.date_value(row[1])


@lru_cache(maxsize=8)  # every page asks: the same expression each time (see analytics.query.relations.memo)
def _bounds_relation(latest: dt.date | None) -> Any:
    t = query.table(schema.TRANSACTIONS)
    if latest is not None:
        t = t.filter(t.tx_date <= latest)
    return t.aggregate(lo=t.tx_date.min(), hi=t.tx_date.max())


def options(cur: Any) -> dict[str, list[str]]:
    """The values each attribute filter can take, from the customers table (sorted)."""
    out: dict[str, list[str]] = {}
    c = query.table(schema.CUSTOMERS)
    for name, column in ATTRIBUTES:
        values = c.filter(c[column].notnull()).select(column).distinct().order_by(column)
        out[name] = [str(v) for v in query.df(cur, values)[column].tolist()]
    return out


DEFAULT_MONTHS = 12


def as_of(bounds: tuple[dt.date, dt.date] | None, stated: dt.date | str | None = None) -> dt.date | None:
    """The date the data are complete through ("Data as of"): the last transaction date of ``bounds``
    (:func:`data_bounds`), or the store's stated date (meta ``data_as_of``, set by the demo) when that lies
    on or after it within the same month — a business that sold nothing on 31 October still states a
    whole October. A stated date in another month described other data (since extended, replaced or
    undone) and is left out. None without transactions."""
    if bounds is None:
        return None
    last = bounds[1]
    try:
        said = as_date(stated, "data as of")
    except ValueError:  # a hand-edited meta value: the data speak for themselves
        said = None
    if said is not None and last <= said <= month_end(last):
        return said
    return last


def data_as_of(cur: duckdb.DuckDBPyConnection, today: dt.date | None = None) -> dt.date | None:
    """:func:`as_of` of the store: its transactions' last date and its stated ``data_as_of``."""
    return as_of(data_bounds(cur, today), db.get_meta(cur, "data_as_of"))


def complete_through(as_of_date: dt.date) -> dt.date:
    """The last day of the last complete month of data complete through ``as_of_date``.

    A month is complete when the data reach its last day (:func:`as_of`); a month the data reach only
    part of (a weekly load a week into November) is partial, and its days are not yet all in.
    """
    if as_of_date == month_end(as_of_date):
        return as_of_date
    return as_of_date.replace(day=1) - dt.timedelta(days=1)


def default_period(bounds: tuple[dt.date, dt.date] | None, months: int = DEFAULT_MONTHS,
                   as_of_date: dt.date | None = None) -> tuple[dt.date | None, dt.date | None]:
    """The period a view opens on: the last ``months`` complete months of data (all data if shorter),
    from :func:`data_bounds` (which ignores dates later than today + ``schema.FUTURE_DAYS``) and the date
    the data are complete through (:func:`as_of`; the last transaction date when not given).

    A partial last month is left out (it would read as a collapse on every monthly chart and distort
    every comparison with the previous period); users include it by choosing it, and it is then marked
    (:func:`partial_month`). Data that cover only one partial month open on that month.
    The app and ``python -m analytics report`` both use it (:func:`latest_period`), so that they show the
    same figures.
    """
    if bounds is None:
        return None, None
    first = bounds[0].replace(day=1)
    end = complete_through(as_of_date or bounds[1])
    if end < first:  # not one complete month yet: the partial one, rather than nothing
        end = month_end(bounds[1])
    start = add_months(end.replace(day=1), -(months - 1))
    return max(start, first), end


def latest_period(cur: duckdb.DuckDBPyConnection, months: int = DEFAULT_MONTHS,
                  today: dt.date | None = None) -> tuple[dt.date | None, dt.date | None]:
    """The store's :func:`default_period`: the period the app and the command line open on.

    When the last complete months hold no transaction at all (data with a gap: years-old history and a
    first week of new data), the period runs to the end of the partial month instead, which is then
    marked as partial: a default view must never open on nothing.
    """
    bounds = data_bounds(cur, today)
    start, end = default_period(bounds, months, as_of(bounds, db.get_meta(cur, "data_as_of")))
    if bounds is None or start is None or end is None or end >= bounds[1]:
        return start, end
    t = query.table(schema.TRANSACTIONS)
    if query.row(cur, t.filter(t.tx_date.between(start, end)).select("tx_date").limit(1)) is not None:
        return start, end
    return default_period(bounds, months, month_end(bounds[1]))


def partial_month(f: Filters, as_of_date: dt.date | None) -> dt.date | None:
    """The first day of the month in ``f``'s period that the data reach only part of (they are complete
    through ``as_of_date``, before its month's end), or None when every month of the period is complete."""
    if as_of_date is None or as_of_date == month_end(as_of_date):
        return None
    month = as_of_date.replace(day=1)
    if (f.date_to is None or f.date_to >= month) and (f.date_from is None or f.date_from <= as_of_date):
        return month
    return None


def parse_list(values: Sequence[str] | None) -> tuple[str, ...]:
    """CLI helper: repeated or comma-separated values into a tuple."""
    out: list[str] = []
    for v in values or ():
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return tuple(out)
