"""The global filter: validation, SQL predicates, previous periods and the URL round trip."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics import filters
from analytics.filters import Filters
from analytics.store import db
from tests.helpers import D, build_store, customer


def test_normalises_and_validates():
    f = Filters("2024-01-01", "2024-03-31", segments=["b", "a", "a", ""], regions="North")
    assert f.date_from == D("2024-01-01") and f.segments == ("a", "b") and f.regions == ("North",)
    with pytest.raises(ValueError, match="starts"):
        Filters("2024-02-01", "2024-01-01")
    with pytest.raises(ValueError, match="not a date"):
        Filters("2024-13-01")
    with pytest.raises(ValueError, match="customer type"):
        Filters(customer_types=("alien",))


def test_as_date_is_the_one_parser_of_typed_dates():
    import pandas as pd

    day = dt.date(2024, 3, 1)
    for value in (day, dt.datetime(2024, 3, 1, 15, 30), pd.Timestamp("2024-03-01 15:30"), "2024-03-01", " 2024-03-01 "):
        assert filters.as_date(value, "start") == day
    for empty in (None, "", pd.NaT, float("nan")):
        assert filters.as_date(empty, "start") is None
    for bad in ("2024-13-01", "2024-03-01 15:30", "soon", 2024.5):
        with pytest.raises(ValueError, match=r"^calibration end: .* is not a date \(use YYYY-MM-DD\)$"):
            filters.as_date(bad, "calibration end")


def test_hashable_cache_key():
    assert hash(Filters(segments=("a", "b"))) == hash(Filters(segments=("b", "a")))


def test_month_alignment_and_previous_period():
    f = Filters("2025-11-01", "2026-10-31")
    assert f.month_aligned
    p = f.previous()
    assert (p.date_from, p.date_to) == (D("2024-11-01"), D("2025-10-31"))
    q = Filters("2024-03-01", "2024-03-31").previous()
    assert (q.date_from, q.date_to) == (D("2024-02-01"), D("2024-02-29"))
    r = Filters("2024-03-10", "2024-03-19")
    assert not r.month_aligned
    assert (r.previous().date_from, r.previous().date_to) == (D("2024-02-29"), D("2024-03-09"))
    assert Filters().previous() is None


def test_default_period_is_last_twelve_complete_months():
    assert filters.default_period((D("2023-11-01"), D("2026-10-31"))) == (D("2025-11-01"), D("2026-10-31"))
    # Issue 19: data two days into October end the period in September (October is partial), where it
    # used to end on 31 October and show October as a collapse.
    assert filters.default_period((D("2026-03-15"), D("2026-10-02"))) == (D("2026-03-01"), D("2026-09-30"))
    assert filters.default_period(None) == (None, None)


def test_a_week_into_the_next_month_leaves_that_month_out_of_the_default():
    """Issue 19: a weekly load of 1–7 November must not make every new session open on a November of one week."""
    bounds = (D("2023-11-01"), D("2026-11-07"))
    assert filters.default_period(bounds) == (D("2025-11-01"), D("2026-10-31"))
    assert filters.default_period(bounds, as_of_date=filters.as_of(bounds, "2026-10-31")) == (D("2025-11-01"), D("2026-10-31"))
    # The data complete through 30 November (a stated date past the last sale) open on November.
    assert filters.default_period((D("2023-11-01"), D("2026-11-28")), as_of_date=D("2026-11-30")) == (
        D("2025-12-01"), D("2026-11-30"))
    # Data within one partial month open on it (rather than on nothing).
    assert filters.default_period((D("2026-11-02"), D("2026-11-07"))) == (D("2026-11-01"), D("2026-11-30"))


def test_as_of_is_the_last_transaction_or_a_stated_date_in_its_month():
    bounds = (D("2023-11-01"), D("2026-10-30"))
    assert filters.as_of(bounds) == D("2026-10-30")
    assert filters.as_of(bounds, "2026-10-31") == D("2026-10-31")  # the demo states a whole October
    assert filters.as_of(bounds, D("2026-10-29")) == D("2026-10-30")  # a stated date never hides a sale
    assert filters.as_of(bounds, "2026-12-31") == D("2026-10-30")  # another month's statement: other data
    assert filters.as_of((D("2023-11-01"), D("2026-11-07")), "2026-10-31") == D("2026-11-07")  # a load moved on
    assert filters.as_of(bounds, "last Tuesday") == D("2026-10-30")  # a hand-edited meta value
    assert filters.as_of(None, "2026-10-31") is None
    assert filters.complete_through(D("2026-11-07")) == D("2026-10-31")
    assert filters.complete_through(D("2026-11-30")) == D("2026-11-30")


def test_partial_month_is_named_only_when_the_period_reaches_it():
    as_of = D("2026-11-07")
    assert filters.partial_month(Filters("2025-12-01", "2026-11-30"), as_of) == D("2026-11-01")
    assert filters.partial_month(Filters("2025-11-01", "2026-10-31"), as_of) is None
    assert filters.partial_month(Filters(), as_of) == D("2026-11-01")  # unbounded: up to the data's end
    assert filters.partial_month(Filters("2025-12-01", "2026-11-30"), D("2026-11-30")) is None
    assert filters.partial_month(Filters("2025-12-01", "2026-11-30"), None) is None


def test_latest_period_reads_the_store_as_the_app_and_the_report_do():
    con = build_store(customers=[customer("A")], transactions=[_tx("t1", "2025-01-15"), _tx("t0", "2026-05-10"),
                                                               _tx("t2", "2026-10-30")])
    today = D("2026-11-08")
    with db.cursor(con) as cur:
        assert filters.data_as_of(cur, today) == D("2026-10-30")
        assert filters.latest_period(cur, today=today) == (D("2025-10-01"), D("2026-09-30"))
    with db.write(con) as cur:
        db.set_meta(cur, "data_as_of", "2026-10-31")  # the data are complete through October
    with db.cursor(con) as cur:
        assert filters.data_as_of(cur, today) == D("2026-10-31")
        assert filters.latest_period(cur, today=today) == (D("2025-11-01"), D("2026-10-31"))
    with db.write(con) as cur:  # a week of November loaded
        cur.execute("INSERT INTO transactions VALUES ('t3', 'A', DATE '2026-11-07', 'P', 1, 1, 0, NULL)")
    with db.cursor(con) as cur:
        assert filters.data_as_of(cur, today) == D("2026-11-07")
        assert filters.latest_period(cur, today=today) == (D("2025-11-01"), D("2026-10-31"))
    con.close()


def test_the_default_view_never_opens_on_an_empty_period():
    """Old history and a first week of new data (CDNOW's 1997-98 and a December 2010 load): the last twelve
    complete months hold nothing, so the period runs to the partial month's end (marked as partial)."""
    con = build_store(customers=[customer("A")], transactions=[_tx("t1", "1997-03-01"), _tx("t2", "2010-12-13")])
    today = D("2026-11-08")
    with db.cursor(con) as cur:
        start, end = filters.latest_period(cur, today=today)
        assert (start, end) == (D("2010-01-01"), D("2010-12-31"))
        assert filters.partial_month(Filters(start, end), filters.data_as_of(cur, today)) == D("2010-12-01")
    con.close()


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2050, 1, 1)), st.integers(-600, 600))
def test_add_months_round_trip(d, k):
    moved = filters.add_months(d.replace(day=1), k)
    assert filters.add_months(moved, -k) == d.replace(day=1)


@given(st.lists(st.sampled_from(["East", "West", "华北", "a,b"]), max_size=3))
def test_url_round_trip(regions):
    regions = [r for r in regions if "," not in r]
    f = Filters("2024-01-01", "2024-06-30", regions=regions, customer_types=("enterprise",))
    assert Filters.from_params(f.to_params()) == f


def test_sql_uses_parameters_not_text(abc_store):
    hostile = "x') OR TRUE --"
    f = Filters(segments=(hostile,))
    sql, params = f.customer_sql("c")
    assert hostile not in sql and params["f_segments"] == [hostile]
    with db.cursor(abc_store) as cur:
        n = cur.execute(f"SELECT count(*) FROM customers c WHERE {sql}", params).fetchone()[0]
    assert n == 0


def test_options_and_bounds(abc_store):
    with db.cursor(abc_store) as cur:
        opts = filters.options(cur)
        bounds = filters.data_bounds(cur)
    assert opts["segments"] == ["S1", "S2"] and opts["customer_types"] == ["enterprise", "individual"]
    assert bounds == (D("2024-03-10"), D("2024-09-09"))


def _tx(tid: str, day: str) -> dict:
    return {"transaction_id": tid, "customer_id": "A", "tx_date": D(day), "product": "P", "quantity": 1,
            "revenue": 1, "cogs": 0}


def test_one_far_future_transaction_does_not_move_the_default_period():
    """Issue 12, item 4: a single row dated 2099 in an older store moved everyone's period to 2098–2099."""
    today = D("2026-12-07")  # latest date of an event: 2027-01-07
    con = build_store(customers=[customer("A")],
                      transactions=[_tx("t1", "2024-01-15"), _tx("t2", "2025-06-30"), _tx("t3", "2099-05-01")])
    # Ingest and the forms refuse such a row now; a store filled before may hold it.
    assert filters.data_bounds(con, today=today) == (D("2024-01-15"), D("2025-06-30"))
    assert filters.default_period(filters.data_bounds(con, today=today)) == (D("2024-07-01"), D("2025-06-30"))
    assert filters.data_bounds(con) == (D("2024-01-15"), D("2025-06-30"))  # today's clock: 2099 is still far
    # A date within the tolerance is data (a post-dated invoice), and moves the period as it should.
    with db.write(con) as cur:
        cur.execute("INSERT INTO transactions VALUES ('t4', 'A', DATE '2027-01-07', 'P', 1, 1, 0, NULL)")
    # (issue 19: January 2027 is partial, so the default ends with December)
    assert filters.default_period(filters.data_bounds(con, today=today)) == (D("2026-01-01"), D("2026-12-31"))
    con.close()


def test_bounds_fall_back_to_all_rows_when_every_row_lies_beyond_the_tolerance():
    """A clock set years back must not make the whole store look empty."""
    con = build_store(customers=[customer("A")], transactions=[_tx("t1", "2024-01-15"), _tx("t2", "2024-03-01")])
    assert filters.data_bounds(con, today=D("2020-01-01")) == (D("2024-01-15"), D("2024-03-01"))
    con.close()
