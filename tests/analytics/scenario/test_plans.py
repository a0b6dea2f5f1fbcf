"""Saved plans: save, load, replace, list, delete, with author and audit; bad names and payloads."""

from __future__ import annotations

import pytest

from analytics import scenario as sc
from analytics.scenario import plans
from analytics.store import audit, db
from tests.analytics.scenario.conftest import Y2024

LEVERS = (sc.ProcessImprovement(activity="call", cut=0.2, effective_from="2024-07-01"),
          sc.RelationshipTransition(mode="let_go", customers=sc.Selector.loss_makers()))


def test_save_load_replace_and_audit(abc_store, monkeypatch):
    monkeypatch.setenv("CVM_USER", "li.na")
    saved = plans.save(abc_store, "  Self-service push ", LEVERS, description="calls to the web")
    assert saved.name == "Self-service push" and saved.author == "li.na" and saved.saved_at is not None
    with db.cursor(abc_store) as cur:
        back = plans.load(cur, "Self-service push")
        assert back.levers == LEVERS and back.author == "li.na" and back.description == "calls to the web"
        assert back.saved_at == saved.saved_at
        log = audit.history(cur, "saved_views")
    assert log.loc[0, "record_key"] == "Self-service push" and log.loc[0, "action"] == "insert"
    assert log.loc[0, "user_name"] == "li.na"
    plans.save(abc_store, "Self-service push", LEVERS[:1], author="wang.wei")
    with db.cursor(abc_store) as cur:
        again = plans.load(cur, "Self-service push")
        assert again.levers == LEVERS[:1] and again.author == "wang.wei"
        assert audit.history(cur, "saved_views").loc[0, "action"] == "update"
        assert plans.names(cur) == ["Self-service push"]
        assert [p.to_dict()["levers"][0]["kind"] for p in plans.all_plans(cur)] == ["process_improvement"]


def test_a_saved_plan_projects_like_its_levers(abc_store):
    plans.save(abc_store, "cheaper calls", LEVERS[:1])
    with db.cursor(abc_store) as cur:
        plan = plans.load(cur, "cheaper calls")
        assert sc.project(cur, Y2024, plan.levers).to_dict() == sc.project(cur, Y2024, LEVERS[:1]).to_dict()


def test_delete(abc_store):
    plans.save(abc_store, "p", LEVERS)
    plans.delete(abc_store, "p", user="li.na")
    with db.cursor(abc_store) as cur:
        assert plans.names(cur) == []
        with pytest.raises(ValueError, match="no saved plan named 'p'; none is saved yet"):
            plans.load(cur, "p")
    with pytest.raises(ValueError, match="no saved plan named 'p'"):
        plans.delete(abc_store, "p")


@pytest.mark.parametrize(("name", "message"), [("", "needs a name"), ("   ", "needs a name"),
                                               ("x" * 81, "at most 80"), ("a\nb", "control characters")])
def test_bad_names(abc_store, name, message):
    with pytest.raises(ValueError, match=message):
        plans.save(abc_store, name, LEVERS)


def test_a_name_used_by_a_story_is_refused(abc_store):
    with db.write(abc_store) as cur:
        cur.execute("INSERT INTO saved_views VALUES ('Q3 review', 'story', '{}', now())")
    with pytest.raises(ValueError, match="already used by a saved story"):
        plans.save(abc_store, "Q3 review", LEVERS)
    with db.cursor(abc_store) as cur, pytest.raises(ValueError, match="no saved plan named 'Q3 review'"):
        plans.load(cur, "Q3 review")


def test_non_levers_are_refused(abc_store):
    with pytest.raises(ValueError, match="lever 2 of the plan is not a lever"):
        plans.save(abc_store, "p", [LEVERS[0], {"kind": "price_change"}])


@pytest.mark.parametrize(("payload", "message"), [
    ("not json", "cannot be read"),
    ('{"levers": {}}', "not a plan"),
    ('{"version": 99, "levers": []}', "newer version"),
    ('{"levers": [{"kind": "price_change", "change": -3}]}', "lever 1: price_change: change must be more than -1"),
])
def test_unreadable_payloads_say_which_plan_and_lever(payload, message):
    with pytest.raises(ValueError, match=message):
        plans.parse("old plan", payload)
