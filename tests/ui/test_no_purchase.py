"""A customer who never bought shows as "no purchase yet", not "Lost" (issue 19 'consistency'): on
Customer 360 and on the Lifecycle page, where they are counted apart from the purchase stages."""

from __future__ import annotations

import pytest

from analytics import lifecycle, report
from analytics.store import db
from i18n import Translator
from tests.ui.apptest import assert_ok, metrics, start
from tests.ui.test_overview import page_filter


def _never_bought_and_counts(path, f) -> tuple[str, dict[str, int]]:
    con = db.connect(path)  # the app holds it read-write in this process; a second handle must match
    try:
        with con.cursor() as cur:
            cid = cur.execute("""SELECT min(customer_id) FROM customers c WHERE acquired_on IS NOT NULL
                                 AND NOT EXISTS (SELECT 1 FROM transactions t WHERE t.customer_id = c.customer_id)
                              """).fetchone()[0]
            counts = report.build(cur, f)["stage_counts"]
    finally:
        con.close()
    return cid, counts


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_customer_who_never_bought_is_no_purchase_yet(app_db, lang):
    t = Translator(lang)
    lc_page = start(lang, page="views/lifecycle.py")
    assert_ok(lc_page)
    cid, counts = _never_bought_and_counts(app_db, page_filter(lc_page))
    c360 = start(lang, page="views/customer.py", customer=cid)
    assert_ok(c360)
    stage = metrics(c360)[t.metric("lifecycle_stage")]
    assert stage == t.value("lifecycle_stage", lifecycle.NO_PURCHASE) == ("尚未购买" if lang == "zh" else "No purchase yet")
    assert stage != t.value("lifecycle_stage", "lost")
    # The Lifecycle page counts them apart (the report's figure), not as lost, and says so under the cards.
    assert counts[lifecycle.NO_PURCHASE] > 0
    assert metrics(lc_page)[t.value("lifecycle_stage", "lost")] == t.num(counts["lost"])
    assert t("lc.no_purchase_note", n=t.num(counts[lifecycle.NO_PURCHASE])) in [c.value for c in lc_page.caption]
