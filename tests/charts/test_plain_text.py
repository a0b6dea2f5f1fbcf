"""No value from data becomes markup in a chart (issue 12, item 5): Plotly renders ``<a href>``,
``<b>``, ``<span style>`` … in titles, tick and category labels, legends, annotations and hover
texts, and substitutes ``%{…}`` in templates. :func:`charts.text.plain` makes a value text;
every chart builder applies it to names, categories and texts from the data.

:func:`plotly_render` follows plotly.js's own ``convertToTspans`` (split at ``<…>``, decode
``&…;`` between tags) and ``TEMPLATE_STRING_REGEX``, read from the plotly.js 4.1 bundled with
plotly.py 7.1."""

from __future__ import annotations

import html
import inspect
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import plotly.graph_objects as go
import pytest
from hypothesis import given
from hypothesis import strategies as st

import charts.concentration
import charts.customer360
import charts.customer_value
import charts.delivered_value
import charts.lifecycle
import charts.overview
import charts.word_of_mouth
from analytics import demo
from analytics.filters import Filters
from analytics.store import aggregates, db
from charts.text import plain
from i18n import Translator
from presentation import export, meta, story
from tests.ui.apptest import VIEWS, assert_ok, plotly_specs, start

# Every tag Plotly knows, a template placeholder, and references that must stay as typed.
HOSTILE = '<a href="https://evil.example/x">x</a><img src=x><b>b</b><span style="color:red">s</span>%{x}%{y:evil}&amp; '
SHOWN = HOSTILE.strip()
MODULES: tuple[ModuleType, ...] = (charts.concentration, charts.customer360, charts.customer_value,
                                   charts.delivered_value, charts.lifecycle, charts.overview, charts.word_of_mouth)
# The markup the charts write themselves (template bold, line breaks, hover boxes, red group names).
OWN_TAGS = {"<br>", "<b>", "</b>", "<extra>", "</extra>", "<span style='color:#d73027'>", "</span>"}
TEMPLATE_KEYS = {"hovertemplate", "texttemplate"}
PLACEHOLDER = re.compile(r"%\{(x|y|text|label|value|customdata(\[\d+\])?)(:[^}]*)?\}")
# Charts whose texts carry names from the data on the hostile store (customer, segment, region,
# channel, product, activity, topic, feedback channel): the payload must be seen there, as text.
SHOW_DATA = {"concentration.group_comparison", "concentration.loss_drivers", "concentration.profit_bridge",
             "overview.segment_profit", "customer_value.composition", "delivered_value.gap_dumbbell",
             "delivered_value.winwin_map", "delivered_value.compare", "delivered_value.waterfall",
             "word_of_mouth.breakdown", "word_of_mouth.heatmap", "word_of_mouth.quality",
             "word_of_mouth.response_curve", "customer360.activity_cost"}

# plotly.js: src/lib/svg_text_utils.js and src/lib/index.js
_TAG = re.compile(r"(<[^<>]*>)")
_ENTITY = re.compile(r"&(#\d+|#x[\da-fA-F]+|[a-z]+);")
_NAMED = {"mu": "μ", "amp": "&", "lt": "<", "gt": ">", "nbsp": "\xa0", "times": "×", "plusmn": "±", "deg": "°"}
_TEMPLATE = re.compile(r"%{([^\s%{}:]*)([:|\|][^}]*)?}")


def _decode(part: str) -> str:
    def one(m: re.Match[str]) -> str:
        ref = m.group(1)
        if ref.startswith("#"):
            code = int(ref[2:], 16) if ref[1] == "x" else int(ref[1:])
            return chr(code) if code <= 0x10FFFF else m.group(0)
        return _NAMED.get(ref, m.group(0))
    return _ENTITY.sub(one, part)


def plotly_render(text: str) -> tuple[list[str], str]:
    """The tags Plotly acts on in ``text`` and the characters it draws (a line break as a space)."""
    tags, shown = [], []
    for part in _TAG.split(re.sub(r"\r\n?|\n", " ", text)):
        if _TAG.fullmatch(part):
            tags.append(part)
            shown.append(" " if part.lower().startswith("<br") else "")
        else:
            shown.append(_decode(part))
    return tags, "".join(shown)


# ------------------------------------------------------------------------------------------ plain()
TEXT = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\r\n"), max_size=40),
    st.lists(st.one_of(st.sampled_from(["<a href='https://evil.example'>", "</a>", "<img src=x>", "<b>", "<br>",
                                        "<span style='x'>", "%{x}", "%{y:evil}", "%", "{", "}", "&", "&amp;", "&lt;",
                                        "&#37;", "&#x41;", "&nbsp;", "&quot;", "<", ">", "$x$", "客户"]),
                       st.text(max_size=4).filter(lambda s: "\r" not in s and "\n" not in s)), max_size=10).map("".join),
)


@given(TEXT)
def test_plain_is_drawn_as_exactly_its_characters(text):
    out = plain(text)
    assert html.unescape(out) == text
    tags, shown = plotly_render(out)
    assert tags == [] and shown == text
    assert _TEMPLATE.search(out) is None  # nothing a hover or text template would substitute
    assert plain(text) == out == plain(text)  # deterministic: the same category stays one category


def test_plain_of_known_values():
    assert plain('<a href="u">x</a>') == '&lt;a href="u"&gt;x&lt;/a&gt;'
    assert plain("P&L 100%{x}") == "P&amp;L 100&#37;{x}"
    assert plain(None) == "None" and plain(3) == "3"


# ------------------------------------------------------------------------------------ every chart
def _strings(node: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """Every string of a figure spec with its key; a trace's ``customdata`` only when a template shows
    it (raw values there are what selections hand back to the page: Plotly never draws them)."""
    if isinstance(node, str):
        yield key, node
    elif isinstance(node, dict):
        drawn = any("%{customdata" in str(node.get(k, "")) for k in TEMPLATE_KEYS)
        for k, v in node.items():
            if k != "customdata" or drawn:
                yield from _strings(v, k)
    elif isinstance(node, list | tuple):
        for v in node:
            yield from _strings(v, key)


def check_figure(spec: dict[str, Any], where: str) -> bool:
    """Assert that no string of a figure spec lets data make markup or a placeholder; True when
    the hostile value is drawn there, as its characters."""
    seen = False
    for key, s in _strings(spec):
        tags, shown = plotly_render(s)
        assert set(tags) <= OWN_TAGS, (where, key, s)
        assert "<b>b</b>" not in s and "%{y:evil}" not in s and "%{x}%" not in s, (where, key, s)
        if key in TEMPLATE_KEYS:
            assert all(PLACEHOLDER.fullmatch(m.group(0)) for m in _TEMPLATE.finditer(s)), (where, key, s)
        seen |= SHOWN in shown
    return seen


def _hostile_store(path: Path) -> str:
    """A small demo store whose names and categories all start with :data:`HOSTILE`; returns a
    customer with transactions, activities and assessments (for Customer 360)."""
    con = db.connect(path)
    demo.generate(con, customers=300, seed=7)
    prefix = "'" + HOSTILE.replace("'", "''") + "' || "
    columns = {"customers": ("name", "segment", "region", "channel", "plan", "industry"),
               "transactions": ("product",), "activities": ("activity",), "activity_rates": ("activity",),
               "feedback": ("channel", "topic", "text"), "service_quality": ("region",)}
    with db.write(con) as cur:
        for table, cols in columns.items():
            cur.execute(f"UPDATE {table} SET " + ", ".join(f"{c} = {prefix}{c}" for c in cols))
        aggregates.refresh(cur)
    cid = con.execute("""SELECT a.customer_id FROM assessments a JOIN activities USING (customer_id)
                         JOIN transactions USING (customer_id) GROUP BY 1 ORDER BY count(*) DESC LIMIT 1""").fetchone()[0]
    con.close()
    return cid


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("hostile_charts") / "hostile.duckdb"
    return path, _hostile_store(path)


def _recorder(fn: Callable[..., go.Figure], into: list[go.Figure]) -> Callable[..., go.Figure]:
    def record(*args: Any, **kwargs: Any) -> go.Figure:
        fig = fn(*args, **kwargs)
        into.append(fig)
        return fig
    return record


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[go.Figure]]:
    """Every figure each chart builder (a public function of charts/ returning a figure) returns
    while the test runs, by ``module.function``; pages look builders up on the module at each call."""
    figures: dict[str, list[go.Figure]] = {}
    for module in MODULES:
        for name, fn in list(vars(module).items()):
            if (inspect.isfunction(fn) and fn.__module__ == module.__name__ and not name.startswith("_")
                    and inspect.signature(fn).return_annotation in ("go.Figure", go.Figure)):
                key = f"{module.__name__.removeprefix('charts.')}.{name}"
                monkeypatch.setattr(module, name, _recorder(fn, figures.setdefault(key, [])))
    return figures


def test_every_chart_shows_names_from_the_data_as_text(hostile, built, monkeypatch):
    """Every page (Customer 360 on a customer with every chart), the customer and group scopes whose
    titles name a customer or group, every presentation slide: no figure holds markup from data."""
    path, cid = hostile
    monkeypatch.setenv(db.ENV_DB, str(path))
    sent: list[tuple[str, dict[str, Any]]] = []
    for page in VIEWS:
        at = start("en", page=page, **({"customer": cid} if page == "views/customer.py" else {}))
        assert_ok(at)
        if page == "views/concentration.py":
            at.radio(key="conc_bridge_scope").set_value("customer").run()
            at.text_input(key="conc_bridge_q").input(cid).run()
            assert at.selectbox(key="conc_bridge_customer").value == cid
        elif page == "views/delivered_value.py":
            at.segmented_control(key="dv_scope").set_value("customer").run()
        assert_ok(at)
        sent += [(page, spec) for spec in plotly_specs(at)]
    assert len(sent) >= 25
    for page, spec in sent:  # what the browser receives
        check_figure(spec, page)

    con = db.connect(path)  # the app's process holds the file: the same configuration, not read-only
    with db.cursor(con) as cur:
        regions = [r for (r,) in cur.execute("SELECT DISTINCT region FROM customers").fetchall()]
        m = meta.export_meta(cur, Filters(regions=regions))  # every region, named in the images' footer
        slides = story.slides(cur, m.filters, Translator("en"), story.step_keys())
    con.close()
    for s in slides:  # exported images: title, takeaway and filters drawn by Plotly
        assert check_figure(json.loads(export.slide_figure(s, m, Translator("en")).to_json()), s.key), s.key

    missing = sorted(k for k, figs in built.items() if not figs)
    assert not missing, f"chart builders no page called: {missing}"
    showing = {k for k, figs in built.items() for fig in figs if check_figure(json.loads(fig.to_json()), k)}
    assert showing >= SHOW_DATA, sorted(SHOW_DATA - showing)
