"""Every export states the filters, the period and when the data were last loaded."""

from __future__ import annotations

import datetime as dt

from analytics import filters
from analytics.filters import Filters
from analytics.store import db, schema
from i18n import Translator
from presentation import meta
from tests.presentation.conftest import Y2024

ZH, EN = Translator("zh"), Translator("en")


def test_filters_in_words():
    f = Filters("2024-01-01", "2024-06-30", segments=("Corporate",), regions=("East", "North"))
    assert meta.describe_filters(f, ZH) == "2024年1月1日 – 2024年6月30日 · 客户细分: 企业客户 · 区域: 华东, 华北"
    assert meta.describe_filters(Filters("2024-01-01", "2024-12-31"), EN) == "2024-01-01 – 2024-12-31 · All customers"


def _load(cur, load_id: int, when: dt.datetime, undone: dt.datetime | None = None) -> None:
    cur.execute(f"INSERT INTO {schema.INGEST_LOG} (load_id, table_name, loaded_at, undone_at) VALUES (?, ?, ?, ?)",
                [load_id, "transactions", when, undone])


def test_data_date_from_meta_and_the_last_load_not_undone(story_store):
    with db.cursor(story_store) as cur:
        d = meta.data_date(cur)
    assert d == meta.DataDate(as_of=dt.date(2024, 3, 15), last_loaded=None)  # no meta: the last transaction
    with db.write(story_store) as cur:
        db.set_meta(cur, "data_as_of", "2024-03-31")  # the data are complete through March
        _load(cur, 1, dt.datetime(2024, 5, 2, 9, 30))
        _load(cur, 2, dt.datetime(2024, 5, 3, 8, 0), undone=dt.datetime(2024, 5, 3, 9, 0))
    with db.cursor(story_store) as cur:
        d = meta.data_date(cur)
        m = meta.export_meta(cur, Filters(), now=dt.datetime(2024, 5, 6, 10, 11, 12, 999))
    assert d == meta.DataDate(as_of=dt.date(2024, 3, 31), last_loaded=dt.datetime(2024, 5, 2, 9, 30))
    assert meta.describe_data_date(d, ZH) == "数据截至 2024年3月31日 · 最近一次加载 2024-05-02 09:30"
    # open period ends are resolved to the data, so a file never says "all time" without dates
    assert (m.filters.date_from, m.filters.date_to) == (dt.date(2024, 3, 15), dt.date(2024, 3, 15))
    assert m.header_lines(EN) == ["Filters: 2024-03-15 – 2024-03-15 · All customers",
                                  "Data as of 2024-03-31 · last loaded 2024-05-02 09:30", "Created 2024-05-06 10:11"]
    assert m.footer(EN) == "2024-03-15 – 2024-03-15 · All customers · Data as of 2024-03-31 · last loaded 2024-05-02 09:30"
    # Issue 19: the app's one "Data as of": a date stated for another month described other data
    with db.write(story_store) as cur:
        db.set_meta(cur, "data_as_of", "2024-04-30")
    with db.cursor(story_store) as cur:
        assert meta.data_date(cur).as_of == dt.date(2024, 3, 15) == filters.data_as_of(cur)


def test_bad_meta_date_falls_back_to_the_data(story_store):
    with db.write(story_store) as cur:
        db.set_meta(cur, "data_as_of", "last Tuesday")
    with db.cursor(story_store) as cur:
        assert meta.data_date(cur).as_of == dt.date(2024, 3, 15)
    assert Y2024.date_from == dt.date(2024, 1, 1)


def test_a_chosen_partial_month_is_marked_on_every_export_footer_and_header():
    """Issue 19: a partial month included by choice is marked on every chart and comparison — in exports,
    by the footer of every slide, page and image and by the header of sheets and the title slide."""
    as_of = dt.date(2026, 11, 7)
    data = meta.DataDate(as_of=as_of, last_loaded=None)
    made = dt.datetime(2026, 11, 9, 8, 0)
    chosen = meta.ExportMeta(Filters(dt.date(2025, 12, 1), dt.date(2026, 11, 30)), data, made)
    whole = meta.ExportMeta(Filters(dt.date(2025, 11, 1), dt.date(2026, 10, 31)), data, made)
    for lang, said in (("en", "partial month (through"), ("zh", "不完整月份（截至")):
        t = Translator(lang)
        note = chosen.partial(t)
        assert note is not None and said in note and t.month(dt.date(2026, 11, 1)) in note and t.date(as_of) in note
        assert chosen.footer(t).endswith(note) and note in chosen.header_lines(t)
        assert whole.partial(t) is None and said not in whole.footer(t)
        assert not any(said in line for line in whole.header_lines(t))
