"""Saved views (analytics.store.saved) and the load log's reads (analytics.store.load_log)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from analytics.store import audit, db, load_log, saved, schema
from tests.helpers import build_store, customer

NOW = dt.datetime(2026, 11, 2, 9, 30)


def test_put_get_names_and_remove_with_audit_rows():
    con = build_store(customers=[customer("A")])
    with db.write(con) as cur:
        saved.put(cur, "Board", "story", '{"steps": []}', NOW, user="li")
        saved.put(cur, "Weekly", "story", '{"steps": ["a"]}', NOW + dt.timedelta(hours=1), user="li")
        saved.put(cur, "Board", "story", '{"steps": ["b"]}', NOW + dt.timedelta(hours=2), user="wang")
    with db.cursor(con) as cur:
        assert saved.get(cur, "Board", "story") == saved.SavedView("Board", "story", '{"steps": ["b"]}',
                                                                    NOW + dt.timedelta(hours=2))
        assert saved.get(cur, "Board", "scenario_plan") is None
        assert saved.names(cur, "story") == ["Board", "Weekly"]  # most recently saved first
        assert saved.names(cur, "scenario_plan") == []
    with db.write(con) as cur:
        assert saved.remove(cur, "Weekly", "story", user="li") is True
        assert saved.remove(cur, "Weekly", "story") is False
    h = audit.history(con, schema.SAVED_VIEWS)
    assert list(zip(h["record_key"], h["action"], h["user_name"], strict=True)) == [
        ("Weekly", "delete", "li"), ("Board", "update", "wang"), ("Weekly", "insert", "li"), ("Board", "insert", "li")]
    assert h.iloc[1]["old_value"] == '{"steps": []}' and h.iloc[1]["new_value"] == '{"steps": ["b"]}'


def test_a_name_belongs_to_one_kind_and_a_refused_put_writes_nothing():
    con = build_store(customers=[customer("A")])
    with db.write(con) as cur:
        saved.put(cur, "Plan A", "scenario_plan", "{}", NOW)
    with pytest.raises(ValueError, match="already used by a saved scenario_plan"), db.write(con) as cur:
        saved.put(cur, "Plan A", "story", "{}", NOW)
    with db.cursor(con) as cur:
        assert saved.names(cur, "story") == []
        assert saved.get(cur, "Plan A", "scenario_plan").payload == "{}"


def test_listed_gives_every_view_of_a_kind_newest_first():
    con = build_store(customers=[customer("A")])
    with db.write(con) as cur:
        saved.put(cur, "Old", "scenario_plan", '{"levers": []}', NOW)
        saved.put(cur, "Board", "story", "{}", NOW + dt.timedelta(hours=1))
        saved.put(cur, "New", "scenario_plan", '{"levers": [1]}', NOW + dt.timedelta(hours=2))
    with db.cursor(con) as cur:
        assert saved.listed(cur, "scenario_plan") == [
            saved.SavedView("New", "scenario_plan", '{"levers": [1]}', NOW + dt.timedelta(hours=2)),
            saved.SavedView("Old", "scenario_plan", '{"levers": []}', NOW)]
        assert [v.name for v in saved.listed(cur, "scenario_plan")] == saved.names(cur, "scenario_plan")
        assert saved.listed(cur, "nothing") == []


def test_only_the_store_reads_and_writes_the_saved_views_table():
    """Stories and plans keep their payloads' meaning; the rows go through analytics.store.saved alone."""
    root = Path(__file__).resolve().parents[3]
    sql = re.compile(r"\bschema\.SAVED_VIEWS\b|(?i:\b(?:FROM|INTO|UPDATE|JOIN)\s+saved_views\b)")
    outside = [str(path.relative_to(root)) for folder in ("analytics", "presentation", "cli", "views", "ui")
               for path in (root / folder).rglob("*.py")
               if path.parent.name != "store" and sql.search(path.read_text(encoding="utf-8"))]
    assert not outside, outside


def test_last_loaded_ignores_undone_loads():
    con = build_store(customers=[customer("A")])
    with db.cursor(con) as cur:
        assert load_log.last_loaded(cur) is None
    rows = [{"load_id": 1, "table_name": "customers", "loaded_at": NOW, "undone_at": None},
            {"load_id": 2, "table_name": "customers", "loaded_at": NOW + dt.timedelta(days=1),
             "undone_at": NOW + dt.timedelta(days=2)}]
    with db.write(con) as cur:
        for r in rows:
            cur.execute(f"INSERT INTO {schema.INGEST_LOG} ({', '.join(r)}) VALUES ({', '.join('?' * len(r))})",
                        list(r.values()))
    with db.cursor(con) as cur:
        assert load_log.last_loaded(cur) == NOW
