"""Saving activity rates: a new unit cost from a valid-from date, validated, audited, in one transaction.

A rate applies from its ``valid_from`` until the next rate of the same activity (see
:func:`analytics.profit.rates`). Saving ``(activity, unit_cost, valid_from)`` inserts a new rate
period, or updates the rate that starts on exactly that date. Every change writes one audit row
(``activity_rates``, record key ``activity@valid_from``, column ``unit_cost``, old → new) and the
monthly aggregates are rebuilt for the months whose activities the change reprices: the months of
that activity's activities dated on or after ``valid_from`` and before the activity's next rate.

Validation happens before anything is written: a batch with one bad change writes nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import duckdb
import ibis
import pandas as pd

from analytics import profit, query
from analytics.filters import Allowance, as_date
from analytics.query import relations
from analytics.store import aggregates, audit, db, schema

# DECIMAL(18,4): at most 14 digits before the point.
MAX_UNIT_COST = 1e14
DECIMALS = 4


@dataclass(frozen=True)
class RateChange:
    """A unit cost for an activity from a date on (``unit_cost`` rounded to 4 decimals, as stored)."""

    activity: str
    unit_cost: float
    valid_from: dt.date


@dataclass(frozen=True)
class RateProblem:
    """Why one proposed change was refused: ``code`` is one of ``unknown_activity``,
    ``not_a_number``, ``negative``, ``too_large``, ``bad_date``, ``duplicate``; ``row`` is the
    position of the change in the batch (0-based)."""

    row: int
    activity: str
    code: str
    value: str


class Restricted(ValueError):
    """A rate change by a user limited to some regions or segments: rates apply to every customer."""


class RateError(ValueError):
    """A batch of rate changes with problems; nothing was saved. ``problems`` lists each one."""

    def __init__(self, problems: list[RateProblem]) -> None:
        self.problems = problems
        text = "; ".join(f"row {p.row + 1} ({p.activity or '?'}): {p.code.replace('_', ' ')} {p.value!r}"
                         for p in problems)
        super().__init__(f"rate changes refused, nothing saved: {text}")


@dataclass(frozen=True)
class SaveResult:
    """What :func:`save` did: rates ``inserted``, ``updated`` and ``unchanged`` (same cost already
    saved for that date), the ``months`` whose aggregates were rebuilt, and audit rows written."""

    inserted: int
    updated: int
    unchanged: int
    months: tuple[dt.date, ...]
    audit_rows: int

    @property
    def changed(self) -> int:
        return self.inserted + self.updated


def known_activities(cur: duckdb.DuckDBPyConnection) -> list[str]:
    """Activities that have a rate or appear in the activities table (sorted)."""
    r, a = query.table(schema.ACTIVITY_RATES), query.table(schema.ACTIVITIES)
    names = r.select("activity").union(a.select("activity"), distinct=True).order_by("activity")
    return [str(v) for v in query.df(cur, names)["activity"]]


def _valid_from(value: object) -> dt.date | None:
    """A proposed change's date (:func:`analytics.filters.as_date`; text may carry a time after the
    date, as the rate editor writes it), or None when it is not a date."""
    if not isinstance(value, (str, dt.date)):  # a number is no date here (as_date reads 20240301)
        return None
    try:
        return as_date(value.strip()[:10] if isinstance(value, str) else value, "valid_from")
    except ValueError:
        return None


def validate(cur: duckdb.DuckDBPyConnection, changes: Iterable[Mapping[str, object] | RateChange]) -> list[RateChange]:
    """Check proposed changes (mappings with ``activity``, ``unit_cost``, ``valid_from``, or
    :class:`RateChange`) and return them clean; raise :class:`RateError` listing every problem.

    Rules: the activity is known (:func:`known_activities`); the unit cost is a finite number, zero
    or more and below 10¹⁴; ``valid_from`` is a date (``date``, ``datetime`` or ``YYYY-MM-DD``);
    an activity has at most one change per date in a batch.
    """
    known = set(known_activities(cur))
    clean: list[RateChange] = []
    problems: list[RateProblem] = []
    seen: set[tuple[str, dt.date]] = set()
    for i, ch in enumerate(changes):
        item = ch.__dict__ if isinstance(ch, RateChange) else ch
        activity = str(item.get("activity") or "").strip()
        raw_cost, raw_date = item.get("unit_cost"), item.get("valid_from")
        ok = True
        if activity not in known:
            problems.append(RateProblem(i, activity, "unknown_activity", activity))
            ok = False
        cost = math.nan
        with contextlib.suppress(TypeError, ValueError):
            cost = float(raw_cost)  # type: ignore[arg-type]
        if isinstance(raw_cost, bool) or not math.isfinite(cost):
            problems.append(RateProblem(i, activity, "not_a_number", str(raw_cost)))
            ok = False
        elif cost < 0:
            problems.append(RateProblem(i, activity, "negative", str(raw_cost)))
            ok = False
        elif cost >= MAX_UNIT_COST:
            problems.append(RateProblem(i, activity, "too_large", str(raw_cost)))
            ok = False
        day = _valid_from(raw_date)
        if day is None:
            problems.append(RateProblem(i, activity, "bad_date", str(raw_date)))
            ok = False
        elif (activity, day) in seen:
            problems.append(RateProblem(i, activity, "duplicate", day.isoformat()))
            ok = False
        if ok and day is not None:
            seen.add((activity, day))
            clean.append(RateChange(activity, round(cost, DECIMALS), day))
    if problems:
        raise RateError(problems)
    return clean


def affected_months(cur: duckdb.DuckDBPyConnection, activity: str, valid_from: dt.date) -> list[dt.date]:
    """First days of the months holding activities that a rate of ``activity`` from ``valid_from``
    prices (up to the activity's next rate after that date), as the store is now."""
    r = query.table(schema.ACTIVITY_RATES)
    nxt = query.date_value(query.scalar(
        cur, r.filter(r.activity == activity, r.valid_from > valid_from).valid_from.min()))
    a = query.table(schema.ACTIVITIES)
    a = a.filter(a.activity == activity, a.activity_date >= valid_from)
    if nxt is not None:
        a = a.filter(a.activity_date < nxt)
    months = a.select(month=relations.month_of(a.activity_date)).distinct().order_by("month")
    return [pd.Timestamp(m).date() for m in query.df(cur, months)["month"]]


def save(con: duckdb.DuckDBPyConnection, changes: Iterable[Mapping[str, object] | RateChange],
         user: str | None = None, allowance: Allowance | None = None) -> SaveResult:
    """Validate and save rate changes in one transaction (see the module docstring).

    The monthly aggregates are rebuilt for the affected months (fully when they were not current
    before), an audit row is written per changed rate, and the data version is bumped so every
    view (the Overview included) recomputes. Raises :class:`RateError` (nothing written) when any
    change is invalid. Changes that match what is saved already are counted as unchanged; when
    nothing changes, nothing is written. Rates apply to every customer: a user restricted by ``allowance``
    to some regions or segments is refused (:class:`Restricted`, naming who can change them).
    """
    if allowance is not None and allowance.restricted:
        raise Restricted("activity rates apply to every customer: only an admin, or an analyst not limited to "
                        "regions or segments, can change them")
    with db.cursor(con) as cur:
        clean = validate(cur, changes)
        existing = {(a, v): float(c) for a, v, c in cur.execute(
            f"SELECT activity, valid_from, CAST(unit_cost AS DOUBLE) FROM {schema.ACTIVITY_RATES}").fetchall()}
        periods = profit.rates(cur)
        # A new rate period keeps the unit of the activity's latest rate.
        units = dict(zip(periods["activity"], periods["unit"], strict=True))
    todo = [ch for ch in clean if existing.get((ch.activity, ch.valid_from)) != ch.unit_cost]
    unchanged = len(clean) - len(todo)
    if not todo:
        return SaveResult(0, 0, unchanged, (), 0)
    inserted = updated = audit_rows = 0
    months: set[dt.date] = set()
    with db.write(con) as cur:
        fresh_before = aggregates.is_fresh(cur)
        for ch in todo:
            # Months repriced: those of the old period boundaries and of the new ones.
            months.update(affected_months(cur, ch.activity, ch.valid_from))
            key = f"{ch.activity}@{ch.valid_from.isoformat()}"
            old = existing.get((ch.activity, ch.valid_from))
            if old is None:
                cur.execute(f"INSERT INTO {schema.ACTIVITY_RATES} (activity, unit_cost, valid_from, unit) VALUES (?, ?, ?, ?)",
                            [ch.activity, ch.unit_cost, ch.valid_from, units.get(ch.activity)])
                inserted += 1
                action = "insert"
            else:
                cur.execute(f"UPDATE {schema.ACTIVITY_RATES} SET unit_cost = ? WHERE activity = ? AND valid_from = ?",
                            [ch.unit_cost, ch.activity, ch.valid_from])
                updated += 1
                action = "update"
            audit_rows += audit.record(cur, schema.ACTIVITY_RATES, key, action, {"unit_cost": (old, ch.unit_cost)}, user)
        if fresh_before:
            aggregates.refresh(cur, months)
        else:  # a partial rebuild would declare months it did not touch current
            aggregates.refresh(cur)
    return SaveResult(inserted, updated, unchanged, tuple(sorted(months)), audit_rows)


def history(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every rate period with who last changed it: ``activity, unit, unit_cost, valid_from,
    valid_to`` (exclusive; missing for the latest), ``changed_by, changed_at`` (missing for rates
    loaded without the editor). Sorted by activity, then valid_from."""
    periods = profit.rates(cur)
    audit = query.table(schema.AUDIT_LOG)
    audit = audit.filter(audit.table_name == schema.ACTIVITY_RATES)
    nth = ibis.row_number().over(ibis.window(group_by=audit.record_key, order_by=ibis.desc(audit.audit_id)))
    latest = audit.select("record_key", "changed_at", changed_by=audit.user_name, nth=nth)
    log = query.df(cur, latest.filter(latest.nth == 0).select("record_key", "changed_by", "changed_at"))
    keys = periods["activity"] + "@" + pd.to_datetime(periods["valid_from"]).dt.strftime("%Y-%m-%d")
    out = periods.assign(record_key=keys).merge(log, on="record_key", how="left")
    return out[["activity", "unit", "unit_cost", "valid_from", "valid_to", "changed_by", "changed_at"]]


def latest(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The latest rate of every activity: ``activity, unit, unit_cost, valid_from`` (sorted by activity)."""
    periods = profit.rates(cur)
    last = periods[periods["valid_to"].isna()]
    return last[["activity", "unit", "unit_cost", "valid_from"]].reset_index(drop=True)

