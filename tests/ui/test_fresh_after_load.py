"""Issue 19, "fresh after every load": a week loaded into the next month leaves the default period on the
last complete months, moves "Data as of" in new and open sessions, and a partial month a user chooses is
marked on the page and its charts; a session on the default period follows it once a month completes."""

from __future__ import annotations

import datetime as dt

from analytics.store import aggregates, db
from tests.ui.apptest import assert_ok, plotly_specs, start

D = dt.date.fromisoformat


def _app_connection():
    """The app's own connection (AppTest runs in this process; DuckDB allows one configuration per file)."""
    from ui import cache

    return cache.connection()


def _sell(days: list[str]) -> None:
    """Sales on ``days`` to the demo's first customer, written as a load writes (aggregates included)."""
    with db.write(_app_connection()) as cur:
        cid = cur.execute("SELECT min(customer_id) FROM customers").fetchone()[0]
        for i, day in enumerate(days):
            cur.execute("INSERT INTO transactions VALUES (?, ?, ?, 'Broadband', 1, 100, 40, NULL)",
                        [f"fresh-{day}-{i}", cid, D(day)])
        aggregates.refresh(cur, [D(day).replace(day=1) for day in days])


def _period(at) -> tuple[str, str]:
    start_m, end_m = at.select_slider(key="flt_period").value
    return start_m.isoformat(), end_m.isoformat()


def _captions(at) -> list[str]:
    """The sidebar's captions as read (Markdown escapes of dates' dashes removed)."""
    return [c.value.replace("\\", "") for c in at.sidebar.caption]


def test_a_week_into_the_next_month_in_new_and_open_sessions(app_db):
    open_session = start("en")
    assert_ok(open_session)
    assert _period(open_session) == ("2025-11-01", "2026-10-01")
    assert "Data as of 2026-10-31" in _captions(open_session)

    _sell([f"2026-11-0{d}" for d in range(1, 8)])  # the Monday load: 1–7 November

    open_session.run()  # what the open session's watcher does when the data version moves
    assert_ok(open_session)
    assert _period(open_session) == ("2025-11-01", "2026-10-01")  # November is partial: not the default
    assert "Data as of 2026-11-07" in _captions(open_session)
    assert any("Nov 2026 is not complete yet (data through 2026-11-07)" in c for c in _captions(open_session))
    assert not open_session.warning  # no partial month in the period shown

    new = start("en")
    assert_ok(new)
    assert _period(new) == ("2025-11-01", "2026-10-01")
    assert "Data as of 2026-11-07" in _captions(new)
    assert "Nov 2026 (partial)" in new.select_slider(key="flt_period").options

    # Chosen by the user, November is in: marked partial above the page and on the monthly chart.
    new.select_slider(key="flt_period").set_value((D("2025-12-01"), D("2026-11-01"))).run()
    assert_ok(new)
    assert any("The period includes a partial month: Nov 2026 has data only through 2026-11-07" in w.value
               for w in new.warning)
    notes = [a.get("text") for spec in plotly_specs(new) for a in spec["layout"].get("annotations", [])]
    assert "partial month (through 2026-11-07)" in notes

    # The rest of November comes in: a session on the default follows it; a chosen period stays chosen.
    _sell(["2026-11-30"])
    open_session.run()
    assert _period(open_session) == ("2025-12-01", "2026-11-01")
    assert "Data as of 2026-11-30" in _captions(open_session)
    new.run()
    assert _period(new) == ("2025-12-01", "2026-11-01")
    assert not new.warning  # November is complete now: nothing partial left to mark
    assert start("en").select_slider(key="flt_period").value == (D("2025-12-01"), D("2026-11-01"))


def test_the_partial_month_is_marked_in_chinese_too(app_db):
    _sell(["2026-11-02"])
    at = start("zh")
    assert_ok(at)
    assert "数据截至 2026年11月2日" in _captions(at)
    at.select_slider(key="flt_period").set_value((D("2025-12-01"), D("2026-11-01"))).run()
    assert any("所选期间包含不完整的月份：2026年11月的数据只到 2026年11月2日" in w.value for w in at.warning)
    notes = [a.get("text") for spec in plotly_specs(at) for a in spec["layout"].get("annotations", [])]
    assert "不完整月份（截至 2026年11月2日）" in notes
