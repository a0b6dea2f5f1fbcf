"""Row-level restriction: a user limited to regions sees only those, on every page and in ``report --json --as``.

The restricted report must equal the unrestricted report filtered to those regions, and each page walked by
that user in AppTest must show the restricted report's figures.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cli
from analytics import overview, users
from analytics.store import db
from i18n import Translator
from tests.ui.apptest import assert_ok, metrics, start
from tests.ui.test_auth import PW, sign_in
from tests.ui.test_concentration import _cards as concentration_cards

REGIONS = ["East", "North"]


@pytest.fixture
def restricted(refreshed_app_db: Path) -> Path:
    con = db.connect(refreshed_app_db)
    try:
        users.add_user(con, "boss", PW, "admin")
        users.add_user(con, "east", PW, "viewer", regions=REGIONS)
    finally:
        con.close()
    return refreshed_app_db


def report(path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert cli.main(["report", "--db", str(path), "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_report_as_a_user_equals_the_report_of_their_regions(restricted, capsys):
    mine = report(restricted, capsys, "--as", "east")
    assert mine == report(restricted, capsys, "--region", ",".join(REGIONS))
    assert mine["customers"] < report(restricted, capsys)["customers"]
    # a narrower choice inside the allowance is fine; a region outside is refused with the allowed ones
    assert report(restricted, capsys, "--as", "east", "--region", "East") == report(restricted, capsys, "--region", "East")
    assert cli.main(["report", "--db", str(restricted), "--json", "--as", "east", "--region", "West"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "error: region West is outside what you may see; allowed: East, North"
    assert cli.main(["report", "--db", str(restricted), "--as", "nobody"]) == 2
    assert "no user named 'nobody'" in capsys.readouterr().err
    # an unrestricted account sees everything
    assert report(restricted, capsys, "--as", "boss") == report(restricted, capsys)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_page_shows_the_restricted_figures(restricted, capsys, lang):
    rep = report(restricted, capsys, "--as", "east")  # before the app holds the file
    t = Translator(lang, rep["currency"])
    at = sign_in(start(lang), "east")
    assert_ok(at)
    # the sidebar offers only the allowed regions, and says what the user sees
    assert at.sidebar.multiselect(key="flt_regions").options == [t.value("region", r) for r in REGIONS]
    assert any(t("auth.allowed.regions", values="").strip() in c.value for c in at.sidebar.caption)
    # Overview
    cards = list(at.metric)
    assert [c.value for c in cards] == [t.figure(k, rep[k]) for k in overview.KPI_KEYS]
    # Profit concentration
    at.switch_page("views/concentration.py").run()
    assert_ok(at)
    assert metrics(at) == concentration_cards(rep, t)
    # Customer value
    at.switch_page("views/customer_value.py").run()
    assert_ok(at)
    m = metrics(at)
    for key in ("realized_value", "potential_value", "influence_value"):
        assert m[t.metric(key)] == t.money(rep[key], compact=True), key
    assert m[t.metric("valued_customers")] == t.num(sum(rep["tier_counts"].values()))


def test_a_link_outside_the_allowance_is_refused(restricted, capsys):
    rep = report(restricted, capsys, "--as", "east")
    at = start("en", region="West")
    sign_in(at, "east")
    assert_ok(at)
    t = Translator("en", rep["currency"])
    assert [e.value for e in at.error] == [t.md("auth.outside", asked="regions West", allowed="regions East, North")]
    # the page shows the allowed customers, not West's
    assert [c.value for c in at.metric] == [t.figure(k, rep[k]) for k in overview.KPI_KEYS]



def test_customer_360_refuses_a_customer_outside(restricted):
    at = sign_in(start("en"), "east")
    at.switch_page("views/customer.py").run()
    at.query_params["customer"] = "C000008"  # West
    at.run()
    assert_ok(at)
    assert [e.value for e in at.error] == [Translator("en")("auth.customer_refused", id="C000008")]
    assert not at.metric
    at.query_params["customer"] = "C000002"  # East
    at.run()
    assert not at.error and at.metric
    # the search finds only allowed customers
    at.query_params["customer"] = ""
    at.run()
    at.text_input(key="c360_query").input("C00000").run()
    labels = at.selectbox(key="c360_pick").options
    assert labels and all("C000008" not in x and "C000004" not in x for x in labels)  # West, South
    assert any("C000002" in x for x in labels)


def test_the_present_pages_export_holds_only_the_allowed_regions(restricted, monkeypatch):
    """The Excel tables of the Present page, as a restricted user downloads them: the filter line names the
    allowed regions, and no cell names another region."""
    import io

    from openpyxl import load_workbook

    from tests.ui.test_present import _deferred_downloads

    files = _deferred_downloads(monkeypatch)
    at = sign_in(start("en"), "east")
    at.switch_page("views/present.py").run()
    assert_ok(at)
    book = next(make for name, make in files.items() if str(name).endswith(".xlsx"))
    cells = {str(c.value) for ws in load_workbook(io.BytesIO(book())).worksheets for row in ws.iter_rows()
             for c in row if c.value is not None}
    assert any("East" in c and "North" in c for c in cells)  # the filter, in the sheets' header lines
    others = {"West", "South", "Central"}
    assert not [c for c in cells if c in others or any(f"{o}," in c or c.endswith(o) for o in others)]
