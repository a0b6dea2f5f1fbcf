"""Issue 19: the forms' customer picker lists customers as (id, name), all or those matching a search."""

from __future__ import annotations

import pytest

from analytics.ingest import records
from analytics.store import db
from tests.helpers import build_store, customer


def test_customers_matching_by_id_or_name_case_insensitively():
    con = build_store(customers=[customer("C2", name="Beta 100% Ltd"), customer("C1", name="Alpha"),
                                 customer("X_9", name="Gamma")])
    with db.cursor(con) as cur:
        assert records.customer_count(cur) == 3
        assert records.customers_matching(cur) == [("C1", "Alpha"), ("C2", "Beta 100% Ltd"), ("X_9", "Gamma")]
        assert records.customers_matching(cur, "alp") == [("C1", "Alpha")]
        assert records.customers_matching(cur, "c2") == [("C2", "Beta 100% Ltd")]
        assert records.customers_matching(cur, "100%") == [("C2", "Beta 100% Ltd")]  # % is a character
        assert records.customers_matching(cur, "_") == [("X_9", "Gamma")]  # so is _
        assert records.customers_matching(cur, "  ") == records.customers_matching(cur)
        assert records.customers_matching(cur, limit=2) == [("C1", "Alpha"), ("C2", "Beta 100% Ltd")]
        with pytest.raises(ValueError, match="limit must be at least 1"):
            records.customers_matching(cur, limit=0)
    con.close()
