"""Stories saved under a name: stored as JSON in saved_views, audited, reopened, linked."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs, urlparse

import pytest

from analytics import filters
from analytics.filters import Filters
from analytics.store import audit, db, schema
from presentation import saved, story
from tests.presentation.conftest import Y2024


def test_save_load_replace_and_audit(story_store, monkeypatch):
    monkeypatch.setenv("CVM_USER", "presenter.wang")
    f = Filters("2024-01-01", "2024-06-30", segments=("S1",))
    s = saved.save(story_store, " 周例会 ", ["loss_makers", "concentration"], f, "dark")
    assert s.name == "周例会" and not s.latest_period
    with db.cursor(story_store) as cur:
        row = cur.execute(f"SELECT kind, payload FROM {schema.SAVED_VIEWS}").fetchone()
        back = saved.load(cur, "周例会")
    assert row[0] == "story"
    assert json.loads(row[1]) == {"steps": ["loss_makers", "concentration"], "theme": "dark", "period": "fixed",
                                  "filters": {"from": "2024-01-01", "to": "2024-06-30", "segment": "S1"}}
    assert (back.steps, back.filters, back.theme, back.dropped) == (("loss_makers", "concentration"), f, "dark", ())
    saved.save(story_store, "周例会", ["concentration"], f)
    with db.cursor(story_store) as cur:
        assert saved.load(cur, "周例会").steps == ("concentration",)
        assert saved.names(cur) == ["周例会"]
    h = audit.history(story_store, schema.SAVED_VIEWS)
    assert list(h["action"]) == ["update", "insert"] and set(h["user_name"]) == {"presenter.wang"}
    assert json.loads(h.iloc[0]["new_value"])["steps"] == ["concentration"]


def test_default_period_is_saved_as_the_latest(story_store):
    with db.cursor(story_store) as cur:
        latest = Filters(*filters.latest_period(cur))
    s = saved.save(story_store, "weekly", ["concentration"], latest)
    assert s.latest_period and "from" not in json.loads(s.payload())["filters"]
    with db.cursor(story_store) as cur:
        assert saved.load(cur, "weekly").filters == latest
    assert parse_qs(urlparse(saved.link(s, "en")).query) == {"story": ["weekly"], "lang": ["en"]}


def test_link_keeps_language_and_filters(story_store):
    s = saved.save(story_store, "Q1 & more", ["concentration"], Y2024)
    url = urlparse(saved.link(s, "zh"))
    assert url.path == "present"
    assert parse_qs(url.query) == {"story": ["Q1 & more"], "lang": ["zh"], "from": ["2024-01-01"], "to": ["2024-12-31"]}


@pytest.mark.parametrize("name, message", [("", "needs a name"), ("x" * 81, "at most 80"), ("a\tb", "control")])
def test_bad_names(story_store, name, message):
    with pytest.raises(ValueError, match=message):
        saved.save(story_store, name, ["concentration"], Y2024)


def test_unknown_steps_theme_and_missing_story(story_store):
    with pytest.raises(ValueError, match="unknown story step"):
        saved.save(story_store, "x", ["concentration", "fortune_telling"], Y2024)
    with pytest.raises(ValueError, match="unknown theme"):
        saved.save(story_store, "x", ["concentration"], Y2024, theme="neon")
    with db.cursor(story_store) as cur, pytest.raises(ValueError, match="no saved story named 'x'; none is saved yet"):
        saved.load(cur, "x")
    with db.cursor(story_store) as cur:
        assert db.fingerprint(cur)  # nothing half-written


def test_a_removed_step_is_dropped_on_load(story_store):
    payload = json.dumps({"steps": ["retired_step", "loss_makers"], "filters": {}, "theme": "light"})
    with db.write(story_store) as cur:
        cur.execute(f"INSERT INTO {schema.SAVED_VIEWS} VALUES (?, ?, ?, ?)", ["old", "story", payload, dt.datetime.now()])
        cur.execute(f"INSERT INTO {schema.SAVED_VIEWS} VALUES (?, ?, ?, ?)", ["mapping", "column_map", "{}", dt.datetime.now()])
    with db.cursor(story_store) as cur:
        old = saved.load(cur, "old")
        assert saved.names(cur) == ["old"]  # other kinds of saved views are not stories
    assert old.steps == ("loss_makers",) and old.dropped == ("retired_step",)
    with pytest.raises(ValueError, match="already used by a saved column_map"):
        saved.save(story_store, "mapping", ["concentration"], Y2024)


def test_delete(story_store):
    saved.save(story_store, "gone", list(story.default_story()), Y2024)
    saved.delete(story_store, "gone")
    with db.cursor(story_store) as cur:
        assert saved.names(cur) == []
    assert audit.history(story_store, schema.SAVED_VIEWS).iloc[0]["action"] == "delete"
    with pytest.raises(ValueError, match="no saved story"):
        saved.delete(story_store, "gone")


def test_a_story_remembers_its_improvement_plans(story_store):
    """Saved improvement plans shown after the steps are kept by name; an unknown plan is refused, one deleted
    since is left out on load (and said); a story without plans keeps the payload it always had."""
    from analytics import scenario as sc

    for name in ("自助服务", "Let go"):
        sc.plans.save(story_store, name, [sc.ProcessImprovement(activity="support_call", unit_cost=4)])
    s = saved.save(story_store, "board", ["concentration"], Y2024, plans=["Let go", "自助服务", "Let go"])
    assert s.plans == ("Let go", "自助服务")
    assert json.loads(s.payload())["plans"] == ["Let go", "自助服务"]
    assert "plans" not in json.loads(saved.save(story_store, "plain", ["concentration"], Y2024).payload())
    with pytest.raises(ValueError, match="no saved plan named 'nope'"):
        saved.save(story_store, "board", ["concentration"], Y2024, plans=["nope"])
    with db.cursor(story_store) as cur:
        back = saved.load(cur, "board")
    assert (back.plans, back.dropped_plans) == (("Let go", "自助服务"), ())  # the refused save changed nothing
    sc.plans.delete(story_store, "Let go")
    with db.cursor(story_store) as cur:
        back = saved.load(cur, "board")
    assert (back.plans, back.dropped_plans, back.steps) == (("自助服务",), ("Let go",), ("concentration",))
