"""Stories saved under a name (table ``saved_views``, kind ``story``), reopened by link or command.

The payload is JSON: ``{"steps": [...], "theme": "light", "filters": {...}, "period": "fixed"|"latest"}``
where ``filters`` is :meth:`Filters.to_params` (the URL form), plus ``"plans": [...]`` when the story
shows saved improvement plans after its steps (their names; a plan deleted since is left out on load). A story saved while the app showed its
default period (the last twelve whole months of data) is stored as ``"period": "latest"``, so a
weekly job that exports it always gets the latest twelve months; any other period is kept as saved.
Every save and delete is written through :func:`analytics.store.db.write` with an audit row; the
rows themselves are kept by :mod:`analytics.store.saved`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from urllib.parse import urlencode

import duckdb

from analytics import filters
from analytics import scenario as sc
from analytics.filters import Filters
from analytics.store import db
from analytics.store import saved as saved_views
from presentation import story
from presentation.theme import THEMES, check_theme

KIND = "story"
MAX_NAME = 80
PAGE = "present"  # views/present.py


@dataclass(frozen=True)
class SavedStory:
    """A named story: its steps, projector theme and filters (``saved_at`` set when stored).

    ``latest_period``: the period follows the data (the app's default period) instead of the saved
    dates. ``dropped`` lists saved steps that are no longer registered (left out on load). ``plans``:
    saved improvement plans whose two slides follow the steps; ``dropped_plans`` those deleted since.
    """

    name: str
    steps: tuple[str, ...]
    filters: Filters
    theme: str = "light"
    latest_period: bool = False
    saved_at: dt.datetime | None = None
    dropped: tuple[str, ...] = ()
    plans: tuple[str, ...] = ()
    dropped_plans: tuple[str, ...] = ()

    def payload(self) -> str:
        f = self.filters.without_period() if self.latest_period else self.filters
        data = {"steps": list(self.steps), "theme": self.theme, "filters": f.to_params(),
                "period": "latest" if self.latest_period else "fixed"}
        if self.plans:  # a story without plans keeps the payload it always had
            data["plans"] = list(self.plans)
        return json.dumps(data, ensure_ascii=False, sort_keys=True)


def check_name(name: str) -> str:
    """The name stripped; ValueError when empty, too long or with control characters."""
    clean = (name or "").strip()
    if not clean:
        raise ValueError("a story needs a name")
    if len(clean) > MAX_NAME:
        raise ValueError(f"a story name has at most {MAX_NAME} characters")
    if any(ord(ch) < 32 for ch in clean):
        raise ValueError("a story name cannot contain control characters")
    return clean


def is_latest_period(cur: duckdb.DuckDBPyConnection, f: Filters) -> bool:
    """Whether ``f``'s period is the app's default period for the data now in the store."""
    return (f.date_from, f.date_to) == filters.latest_period(cur)


def save(con: duckdb.DuckDBPyConnection, name: str, steps: tuple[str, ...] | list[str], f: Filters,
         theme: str = "light", user: str | None = None, plans: tuple[str, ...] | list[str] = ()) -> SavedStory:
    """Save (or replace) the story ``name`` with the saved improvement ``plans`` shown after its steps;
    returns it as stored.

    Raises ValueError for a bad name, an unknown step, theme or plan, or a name used by another kind
    of saved view.
    """
    name = check_name(name)
    steps = story.check_steps(steps)
    check_theme(theme)
    chosen = tuple(dict.fromkeys(plans))
    now = dt.datetime.now().replace(microsecond=0)
    with db.write(con) as cur:
        known = set(sc.plans.names(cur))
        unknown = [p for p in chosen if p not in known]
        if unknown:
            raise ValueError(f"no saved plan named {unknown[0]!r}")
        s = SavedStory(name, steps, f, theme, latest_period=is_latest_period(cur, f), saved_at=now, plans=chosen)
        saved_views.put(cur, name, KIND, s.payload(), now, user=user)
    return s


def _parse(cur: duckdb.DuckDBPyConnection, name: str, payload: str, saved_at: dt.datetime | None) -> SavedStory:
    try:
        data = json.loads(payload)
        raw_steps = [str(k) for k in data.get("steps", [])]
        f = Filters.from_params(data.get("filters", {}))
        theme = data.get("theme", "light")
        raw_plans = [str(p) for p in data.get("plans", [])]
    except (ValueError, TypeError, AttributeError) as exc:
        raise ValueError(f"the saved story {name!r} cannot be read: {exc}") from None
    latest = data.get("period") == "latest"
    if latest:
        f = f.with_period(*filters.latest_period(cur))
    steps = tuple(k for k in raw_steps if k in story.REGISTRY)
    dropped = tuple(k for k in raw_steps if k not in story.REGISTRY)
    known = set(sc.plans.names(cur)) if raw_plans else set()
    return SavedStory(name, steps or story.default_story(), f, theme if theme in THEMES else "light",
                      latest_period=latest, saved_at=saved_at, dropped=dropped,
                      plans=tuple(p for p in raw_plans if p in known),
                      dropped_plans=tuple(p for p in raw_plans if p not in known))


def load(cur: duckdb.DuckDBPyConnection, name: str) -> SavedStory:
    """The saved story ``name``; ValueError when there is none (the message lists the saved names)."""
    row = saved_views.get(cur, name, KIND)
    if row is None:
        known = names(cur)
        hint = f"; saved stories: {', '.join(known)}" if known else "; none is saved yet"
        raise ValueError(f"no saved story named {name!r}{hint}")
    return _parse(cur, name, row.payload, row.saved_at)


def names(cur: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of the saved stories, most recently saved first."""
    return saved_views.names(cur, KIND)


def delete(con: duckdb.DuckDBPyConnection, name: str, user: str | None = None) -> None:
    """Delete the saved story ``name`` (ValueError if there is none)."""
    with db.write(con) as cur:
        if not saved_views.remove(cur, name, KIND, user=user):
            raise ValueError(f"no saved story named {name!r}")


def link(s: SavedStory, lang: str) -> str:
    """Relative link that reopens the story on the presentation page, with its language and filters."""
    f = s.filters.without_period() if s.latest_period else s.filters
    return f"{PAGE}?" + urlencode({"story": s.name, "lang": lang, **f.to_params()})


def with_filters(s: SavedStory, f: Filters) -> SavedStory:
    """The same story under other filters (the command line's explicit filter options)."""
    return replace(s, filters=f, latest_period=False)
