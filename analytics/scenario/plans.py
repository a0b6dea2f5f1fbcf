"""Plans: a named, ordered set of levers with its author, saved in the store.

Plans live in the generic ``saved_views`` table (kind :data:`KIND`), beside the saved stories, so
no schema change is needed: ``name`` is the plan's name (unique across every kind of saved view),
``payload`` the JSON ``{"version": 1, "levers": [...], "author": ..., "description": ...}`` with
levers in :meth:`Lever.to_dict` form, ``saved_at`` the time of the last save. Every save and delete
goes through :func:`analytics.store.db.write` with an audit row (table ``saved_views``), like stories;
the rows themselves are read and written by :mod:`analytics.store.saved`, which owns the table.

Reading takes a cursor; writing takes the connection, because :func:`analytics.store.db.write` opens
its own transaction. Should plans outgrow ``saved_views`` (say, to query levers in SQL), the
dedicated table would be :data:`PLANNED_DDL`, registered in ``analytics/store/schema.py`` with a migration.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from analytics.scenario import levers as lv
from analytics.store import audit, db
from analytics.store import saved as saved_views

KIND = "scenario_plan"
MAX_NAME = 80
PAYLOAD_VERSION = 1
MAX_LEVERS = 20
PLANNED_DDL = """CREATE TABLE IF NOT EXISTS scenario_plans (
  name VARCHAR PRIMARY KEY, author VARCHAR, description VARCHAR,
  levers VARCHAR NOT NULL,  -- JSON list of Lever.to_dict()
  created_at TIMESTAMP, saved_at TIMESTAMP)"""


@dataclass(frozen=True)
class Plan:
    """A named set of levers, applied in order; ``saved_at`` is set once stored."""

    name: str
    levers: tuple[lv.Lever, ...]
    author: str | None = None
    description: str = ""
    saved_at: dt.datetime | None = None

    def payload(self) -> str:
        return json.dumps({"version": PAYLOAD_VERSION, "levers": [lever.to_dict() for lever in self.levers],
                           "author": self.author, "description": self.description},
                          ensure_ascii=False, sort_keys=True)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (for ``scenario show``)."""
        return {"name": self.name, "author": self.author, "description": self.description,
                "saved_at": self.saved_at.isoformat() if self.saved_at else None,
                "levers": [lever.to_dict() for lever in self.levers]}


def check_name(name: str) -> str:
    """The name stripped; ValueError when empty, too long or with control characters."""
    clean = (name or "").strip() if isinstance(name, str) else ""
    if not clean:
        raise ValueError("a plan needs a name")
    if len(clean) > MAX_NAME:
        raise ValueError(f"a plan name has at most {MAX_NAME} characters")
    if any(ord(ch) < 32 for ch in clean):
        raise ValueError("a plan name cannot contain control characters")
    return clean


def _check_levers(levers: Sequence[lv.Lever]) -> tuple[lv.Lever, ...]:
    out = tuple(levers)
    bad = [i for i, lever in enumerate(out, 1) if not isinstance(lever, lv.Lever)]
    if bad:
        raise ValueError(f"lever {bad[0]} of the plan is not a lever")
    if len(out) > MAX_LEVERS:
        raise ValueError(f"a plan has at most {MAX_LEVERS} levers, got {len(out)}")
    return out


def save(con: duckdb.DuckDBPyConnection, name: str, levers: Sequence[lv.Lever], author: str | None = None,
         description: str = "") -> Plan:
    """Save (or replace) the plan ``name``; returns it as stored.

    ``author`` defaults to the acting user (:func:`analytics.store.audit.current_user`). Raises
    ValueError for a bad name, a non-lever, or a name used by another kind of saved view.
    """
    name = check_name(name)
    chosen = _check_levers(levers)
    who = (author or "").strip() or audit.current_user()
    now = dt.datetime.now().replace(microsecond=0)
    plan = Plan(name, chosen, who, (description or "").strip(), now)
    with db.write(con) as cur:
        saved_views.put(cur, name, KIND, plan.payload(), now, user=who)
    return plan


def parse(name: str, payload: str, saved_at: dt.datetime | None = None) -> Plan:
    """A plan from its stored payload; ValueError naming the plan and the lever when unreadable."""
    try:
        data = json.loads(payload)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"the saved plan {name!r} cannot be read: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("levers", []), list):
        raise ValueError(f"the saved plan {name!r} cannot be read: not a plan")
    if int(data.get("version", PAYLOAD_VERSION)) > PAYLOAD_VERSION:
        raise ValueError(f"the saved plan {name!r} was written by a newer version of the app")
    levers = []
    for i, item in enumerate(data.get("levers", []), 1):
        try:
            levers.append(lv.lever_from_dict(item))
        except ValueError as exc:
            raise ValueError(f"the saved plan {name!r}, lever {i}: {exc}") from None
    return Plan(name, tuple(levers), data.get("author"), data.get("description") or "", saved_at)


def load(cur: duckdb.DuckDBPyConnection, name: str) -> Plan:
    """The saved plan ``name``; ValueError when there is none (the message lists the saved names)."""
    row = saved_views.get(cur, name, KIND)
    if row is None:
        known = names(cur)
        hint = f"; saved plans: {', '.join(known)}" if known else "; none is saved yet"
        raise ValueError(f"no saved plan named {name!r}{hint}")
    return parse(name, row.payload, row.saved_at)


def names(cur: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of the saved plans, most recently saved first."""
    return saved_views.names(cur, KIND)


def all_plans(cur: duckdb.DuckDBPyConnection) -> list[Plan]:
    """Every saved plan, most recently saved first (for ``scenario list``)."""
    return [parse(v.name, v.payload, v.saved_at) for v in saved_views.listed(cur, KIND)]


def delete(con: duckdb.DuckDBPyConnection, name: str, user: str | None = None) -> None:
    """Delete the saved plan ``name`` (ValueError if there is none)."""
    with db.write(con) as cur:
        if not saved_views.remove(cur, name, KIND, user=user):
            raise ValueError(f"no saved plan named {name!r}")
