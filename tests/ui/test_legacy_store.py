"""The app on a store an older version filled with values it now refuses (issue 12, items 3 and 4).

Before the fix one activity with quantity NaN showed a traceback on Overview and Profit
concentration, and one transaction dated 2099 moved the default period to 2098–2099 (1 customer).
"""

from __future__ import annotations

import datetime as dt

from analytics.store import aggregates, db, schema
from tests.legacy import as_version_2
from tests.ui.apptest import assert_ok, metrics, start


def test_overview_and_concentration_on_an_older_store_with_nan_and_a_2099_row(app_db):
    con = db.connect(app_db)
    as_version_2(con)
    cid, day = con.execute("SELECT customer_id, max(tx_date) FROM transactions GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
                           ).fetchone()
    visit = con.execute(f"SELECT min(activity) FROM {schema.ACTIVITY_RATES}").fetchone()[0]
    with db.write(con) as cur:
        cur.execute("INSERT INTO activities VALUES ('POISON', ?, ?, ?, 'nan'::DOUBLE, NULL)", [cid, day, visit])
        cur.execute("INSERT INTO transactions VALUES ('FAR', ?, DATE '2099-05-01', 'P', 1, 10, 5, NULL)", [cid])
        aggregates.refresh(cur, [day, dt.date(2099, 5, 1)])
    con.close()

    at = start("en")  # opens the store for writing: upgraded, the NaN row set aside
    assert_ok(at)
    m = metrics(at)
    # The demo's figures for its default period (tests/ui/test_app.py), as if neither row existed.
    assert (m["Customers"], m["Loss-makers"]) == ("3,309", "868")
    start_m, end_m = at.select_slider(key="flt_period").value
    assert (start_m, end_m) == (dt.date(2025, 11, 1), dt.date(2026, 10, 1))
    at.switch_page("views/concentration.py").run()
    assert_ok(at)
