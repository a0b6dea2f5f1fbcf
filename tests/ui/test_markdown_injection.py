"""Text from the data or the URL never renders as Markdown: a customer named with a link or an image,
a category named with Markdown, crafted ``?customer=`` and ``?from=`` values (issue 12, item 5).

AppTest hands back each element's Markdown source: it must hold the value backslash-escaped
(:func:`i18n.markdown.escape`), so that Streamlit shows exactly its characters."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from analytics.store import db
from i18n import Translator
from i18n.markdown import escape
from tests.helpers import D, build_store, customer
from tests.ui.apptest import VIEWS, assert_ok, start

PAGE = "views/customer.py"
CID = "C-EVIL"
NAME = "[click](https://evil.example) ![x](http://127.0.0.1:9/x.png) <b>bold</b> $x$ **strong**"
SEGMENT = "[seg](https://evil.example/segment)"
REGION = "![r](http://127.0.0.1:9/region.png)"
LINK, IMAGE = "](https://evil", "![x](http"


@pytest.fixture
def hostile_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small store in which one customer, its segment and its region are named with Markdown."""
    path = tmp_path / "hostile.duckdb"
    people = [customer(CID, name=NAME, segment=SEGMENT, region=REGION, acquired_on=D("2025-01-05")),
              *(customer(f"C{i}", acquired_on=D("2025-01-05")) for i in range(1, 6))]
    months = [dt.date(2025, m, 10) for m in range(1, 13)] + [dt.date(2026, m, 10) for m in range(1, 7)]
    tx = [{"transaction_id": f"t{c['customer_id']}{d}", "customer_id": c["customer_id"], "tx_date": d, "product": "P1",
           "quantity": 1, "revenue": 100 + 10 * i, "cogs": 60} for i, c in enumerate(people) for d in months[i % 3::2]]
    build_store(path, customers=people, transactions=tx).close()
    monkeypatch.setenv(db.ENV_DB, str(path))
    return path


def markdown_sources(at) -> list[str]:
    """Every Markdown source on the page: titles, headers, text, captions, alerts, and labels and help."""
    texts = [el.value for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error",
                                   "success") for el in at.get(kind)]
    for kind in ("metric", "expander", "tab", "text_input", "selectbox", "multiselect", "select_slider"):
        for el in at.get(kind):
            texts += [getattr(el, "label", None) or "", getattr(el, "help", None) or "",
                      getattr(el, "value", "") if kind == "metric" else ""]
    return [x for x in texts if isinstance(x, str)]


def assert_no_markup(at) -> None:
    for source in markdown_sources(at):
        assert LINK not in source and IMAGE not in source and "<b>" not in source and "$x$" not in source, source


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_customer_named_with_markdown_shows_as_text(hostile_db, lang):
    at = start(lang, page=PAGE, customer=CID)
    assert_ok(at)
    assert at.title[0].value == escape(NAME)
    t = Translator(lang)
    subtitle = at.main.caption[0].value
    assert escape(t.value("segment", SEGMENT)) in subtitle and escape(REGION) in subtitle and escape(CID) in subtitle
    assert_no_markup(at)


def test_a_category_named_with_markdown_in_the_filter_caption(hostile_db):
    """A segment from the data, chosen in the sidebar, is described in every page's caption."""
    at = start("en", segment=SEGMENT)
    assert_ok(at)
    assert any(escape(SEGMENT) in c.value for c in at.main.caption)
    assert_no_markup(at)


def test_search_for_markdown_says_so_in_text(hostile_db):
    at = start("en", page=PAGE)
    at.text_input(key="c360_query").set_value("[nobody](https://evil.example)").run()
    assert_ok(at)
    assert [i.value for i in at.info] == [Translator("en").md("c360.no_match", q="[nobody](https://evil.example)")]
    assert_no_markup(at)


def test_crafted_customer_parameter_is_shown_escaped(hostile_db):
    crafted = "[x](http://a) ![y](http://127.0.0.1:9/y.png)"
    at = start("en", page=PAGE, customer=crafted)
    assert_ok(at)
    t = Translator("en")
    assert [e.value for e in at.error] == [t.md("c360.unknown", id=crafted)]
    assert "](http" not in at.error[0].value and escape(crafted) in at.error[0].value


def test_crafted_period_parameter_is_shown_escaped(hostile_db):
    at = start("en", **{"from": "**x**[y](http://a)"})
    assert_ok(at)
    # named in the link notice above the page (ui.links), escaped for Markdown
    warnings = [w.value for w in at.warning if "x" in w.value and "http" in w.value]
    assert len(warnings) == 1
    assert escape("**x**") in warnings[0] and "**x**" not in warnings[0] and "](http" not in warnings[0]


def test_crafted_story_parameter_is_shown_escaped(hostile_db):
    crafted = "[x](http://a)"
    at = start("en", page="views/present.py", story=crafted)
    assert_ok(at)
    assert Translator("en").md("pres.saved.missing", name=crafted) in [w.value for w in at.warning]
    assert at.warning and all("](http" not in w.value for w in at.warning)


@pytest.mark.parametrize("page", VIEWS)
def test_no_page_renders_names_from_the_data_as_markdown(hostile_db, page):
    """Every page, filtered to the segment named with Markdown (its customer and region named so too)."""
    at = start("en", page=page, segment=SEGMENT)
    assert_ok(at)
    assert at.multiselect(key="flt_segments").value == [SEGMENT]
    assert_no_markup(at)
