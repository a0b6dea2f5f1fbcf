"""``python -m analytics scenario``: projections of levers over the filters, saved plans listed, shown
and compared, on a hand-made store whose figures are worked out by hand; user mistakes are one line
on stderr and exit code 2; the store is never written.

The store, 2024 (rates from 2024-01-01: call 10; visit 100, then 150 from 2024-07-01):

====  ==========================  ================================================  ======
id    transactions (rev / cogs)   activities (cost)                                 profit
====  ==========================  ================================================  ======
A     1000/600 (Mar), 500/300     2 visits 30 Jun (200), 1 visit 1 Jul (150),       200
      (Aug)                       5 calls Feb (50); 3 calls 31 Dec 2023 (outside)
B     300/100 (May)               30 calls (300)                                    -100
C     400/150 (Sep)               —                                                 250
D     —                           1 visit Oct (150)                                 -150
====  ==========================  ================================================  ======

Total profit 200; 35 calls in 2024; top 20 % = 1 customer (C, 250) = 125 %; whale peak 450 = 225 %;
2 loss-makers; bottom 30 % = 2 customers (B, D) = −250.
"""

from __future__ import annotations

import json

import pytest

import cli
from analytics import report
from analytics import scenario as sc
from analytics.filters import Filters
from analytics.store import db
from tests.helpers import D, build_store, customer

Y2024 = Filters("2024-01-01", "2024-12-31")
PERIOD = ["--from", "2024-01-01", "--to", "2024-12-31"]
CALLS_2024 = 35


def _tx(tid: str, cid: str, day: str, revenue: float, cogs: float) -> dict:
    return {"transaction_id": tid, "customer_id": cid, "tx_date": D(day), "product": "P1", "quantity": 1,
            "revenue": revenue, "cogs": cogs}


def _act(aid: str, cid: str, day: str, activity: str, quantity: float) -> dict:
    return {"activity_id": aid, "customer_id": cid, "activity_date": D(day), "activity": activity, "quantity": quantity}


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "plans.duckdb"
    con = build_store(
        path,
        customers=[customer("A", segment="S1"), customer("B", segment="S2", region="South"),
                   customer("C", segment="S1", customer_type="individual"), customer("D", segment="S2")],
        activity_rates=[{"activity": "visit", "unit_cost": 100, "valid_from": D("2024-01-01"), "unit": "visit"},
                        {"activity": "visit", "unit_cost": 150, "valid_from": D("2024-07-01"), "unit": "visit"},
                        {"activity": "call", "unit_cost": 10, "valid_from": D("2024-01-01"), "unit": "call"}],
        transactions=[_tx("t1", "A", "2024-03-10", 1000, 600), _tx("t2", "A", "2024-08-01", 500, 300),
                      _tx("t3", "B", "2024-05-05", 300, 100), _tx("t4", "C", "2024-09-09", 400, 150)],
        activities=[_act("a1", "A", "2024-06-30", "visit", 2), _act("a2", "A", "2024-07-01", "visit", 1),
                    _act("a3", "A", "2024-02-01", "call", 5), _act("a4", "B", "2024-05-06", "call", 30),
                    _act("a5", "D", "2024-10-01", "visit", 1), _act("a6", "A", "2023-12-31", "call", 3)],
    )
    con.close()
    return path


def scenario(path, *args: str) -> int:
    return cli.main(["scenario", args[0], "--db", str(path), *args[1:]])


def as_json(obj: object) -> object:
    """What print_json writes, read back."""
    return json.loads(json.dumps(report.json_safe(obj), ensure_ascii=False, default=str))


def save(path, name: str, levers: list[sc.Lever], **kw: str) -> None:
    con = db.connect(path)
    sc.plans.save(con, name, levers, **kw)
    con.close()


def project(path, levers: list[sc.Lever], f: Filters = Y2024) -> sc.Projection:
    con = db.connect(path, read_only=True)
    with db.cursor(con) as cur:
        p = sc.project(cur, f, levers)
    con.close()
    return p


def test_the_baseline_by_hand(store, capsys):
    assert scenario(store, "run", *PERIOD, "--json") == 0
    out = json.loads(capsys.readouterr().out)
    b = out["baseline"]
    assert out["projection"] is True and out["plan"] is None and out["levers"] == []
    assert (b["customers"], b["total_profit"], b["loss_customers"], b["bottom30_profit"]) == (4, 200, 2, -250)
    assert b["top20_profit_share"] == pytest.approx(1.25) and b["whale_peak_share"] == pytest.approx(2.25)
    assert out["scenario"] == b and out["total_profit_change"] == 0  # no levers: the scenario is the baseline


def test_a_rate_cut_moves_profit_by_quantity_times_the_cut(store, capsys):
    assert scenario(store, "run", *PERIOD, "--rate", "call=4", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["scenario"]["total_profit"] - out["baseline"]["total_profit"] == pytest.approx(CALLS_2024 * (10 - 4))
    assert out["scenario"]["total_profit"] == pytest.approx(410)
    (lever,) = out["levers"]
    assert lever["kind"] == "process_improvement" and lever["assumptions"]["unit_cost"] == 4
    assert lever["profit_change"] == pytest.approx(210) and lever["cost_to_serve_change"] == pytest.approx(-210)
    assert (lever["selected_customers"], lever["changed_customers"]) == (4, 2)  # A and B make calls
    assert [r["key"] for r in lever["rules"]] == ["scope.effective_from", "process.rate_applies_to_units"]
    # B's 30 calls now cost 120: B's loss shrinks to -100 + 180 = 80 profit; D is the one loss-maker left
    assert out["scenario"]["loss_customers"] == 1


def test_json_is_exactly_the_projection(store, capsys):
    """--json prints analytics.scenario.project(...).to_dict() (plus the plan's name), levers in order:
    the saved plan's, then --rate, then --lever."""
    plan = [sc.RelationshipTransition(mode="let_go", customers=sc.Selector.ids("B"))]
    save(store, "Let B go", plan)
    lever = {"kind": "activity_pricing", "activity": "call", "fee": 2, "allowance": 10, "behaviour_share": 0.5}
    assert scenario(store, "run", *PERIOD, "--segment", "S1,S2", "--plan", "Let B go", "--rate", "visit=120",
                    "--lever", json.dumps(lever), "--json") == 0
    out = json.loads(capsys.readouterr().out)
    levers = [*plan, *sc.rate_levers({"visit": 120}), sc.lever_from_dict(lever)]
    expected = project(store, levers, Filters("2024-01-01", "2024-12-31", segments=("S1", "S2"))).to_dict()
    assert out == {"plan": "Let B go", **as_json(expected)}
    assert [e["kind"] for e in out["levers"]] == ["relationship_transition", "process_improvement", "activity_pricing"]
    # visit at 120 all year: A's two June visits +40, A's July visit −30, D's October visit −30
    assert out["levers"][1]["profit_change"] == pytest.approx(-20 * 2 + 30 + 30)
    assert sum(e["profit_change"] for e in out["levers"]) == pytest.approx(out["total_profit_change"])


def test_contract_plan_filter_and_the_default_period(store, capsys):
    """Inside scenario, --plan names an improvement plan; the contract filter is --contract-plan."""
    assert scenario(store, "run", *PERIOD, "--contract-plan", "Prepaid", "--json") == 0
    assert json.loads(capsys.readouterr().out)["baseline"]["customers"] == 0  # every customer is Postpaid
    # without --from/--to: the app's default period, the complete months of the transactions: March–August,
    # since the data end on 9 September (issue 19: a partial last month is left out of the default)
    assert scenario(store, "run", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["period_from"], out["period_to"]) == ("2024-03-01", "2024-08-31")
    assert out == {"plan": None, **as_json(project(store, [], Filters("2024-03-01", "2024-08-31")).to_dict())}


def test_run_never_writes_the_store(store, capsys):
    con = db.connect(store, read_only=True)
    before = (db.data_version(con), con.execute("SELECT count(*) FROM activity_rates").fetchone())
    con.close()
    assert scenario(store, "run", *PERIOD, "--rate", "call=0") == 0
    con = db.connect(store, read_only=True)
    assert (db.data_version(con), con.execute("SELECT count(*) FROM activity_rates").fetchone()) == before
    con.close()


def test_text_output_is_a_table(store, capsys):
    assert scenario(store, "run", *PERIOD, "--rate", "call=4") == 0
    text = capsys.readouterr().out
    assert text.startswith("PROJECTION (levers given) over 2024-01-01 – 2024-12-31, money in CNY")
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines() if line[:1].isalpha()}
    assert rows["figure"] == ["baseline", "scenario", "change"]
    assert rows["total_profit"] == ["200.00", "410.00", "+210.00"]
    assert rows["top20_profit_share"][:2] == ["125.0", "%"] and rows["loss_customers"] == ["2", "1", "-1"]
    assert "1. process_improvement: activity=call unit_cost=4.0" in text
    assert "- assumes the new unit cost applies to every unit of the activity" in text
    assert "profit +210.00 (revenue +0.00, cost of goods +0.00, cost to serve -210.00); 4 customers reached" in text


def test_a_saved_plan_is_listed_shown_and_compared(store, capsys):
    cheaper = [sc.ProcessImprovement(activity="call", cut=0.5, customers=sc.Selector("segment", ("S2",)),
                                     effective_from="2024-05-01")]
    let_go = [sc.RelationshipTransition(mode="let_go", customers=sc.Selector.loss_makers())]
    save(store, "Cheaper calls", cheaper, author="ana", description="self-service for S2")
    save(store, "放手亏损客户", let_go, author="li")

    assert scenario(store, "list", "--json") == 0
    listed = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(listed) == {"Cheaper calls", "放手亏损客户"}
    assert listed["Cheaper calls"]["author"] == "ana" and listed["Cheaper calls"]["levers"] == 1
    assert listed["放手亏损客户"]["kinds"] == ["relationship_transition"]

    assert scenario(store, "show", "Cheaper calls", "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["description"] == "self-service for S2"
    (lever,) = shown["levers"]
    assert lever["assumptions"] == {"customers": {"kind": "segment", "values": ["S2"], "loss_makers_only": False},
                                    "effective_from": "2024-05-01", "activity": "call", "cut": 0.5, "unit_cost": None}
    assert lever["rules"] == [{"key": k, "text": sc.RULE_TEXT[k]} for k in cheaper[0].rules]
    assert scenario(store, "show", "Cheaper calls") == 0
    text = capsys.readouterr().out
    assert "customers: segment S2; from: 2024-05-01" in text and "- assumes " + sc.RULE_TEXT["scope.effective_from"] in text

    assert scenario(store, "compare", "Cheaper calls", *PERIOD, "--plan", "放手亏损客户", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert [p["name"] for p in out["plans"]] == ["Cheaper calls", "放手亏损客户"]
    assert out["baseline"]["total_profit"] == 200
    # B's 30 calls on 6 May at half price: +150; letting B and D go: +100 + 150
    a, b = (p["scenario"] for p in out["plans"])
    assert a["total_profit"] == pytest.approx(350) and b["total_profit"] == pytest.approx(450)
    assert (b["customers"], b["loss_customers"]) == (2, 0) and out["plans"][1]["customers_leaving"] == 2
    for got, levers in zip(out["plans"], (cheaper, let_go), strict=True):
        expected = as_json(project(store, levers).to_dict())
        assert got["scenario"] == expected["scenario"] and got["levers"] == expected["levers"]
    assert scenario(store, "compare", "Cheaper calls", "放手亏损客户", *PERIOD) == 0
    rows = {line.split()[0]: line.split()[1:] for line in capsys.readouterr().out.splitlines() if line[:1].isalpha()}
    assert rows["total_profit"] == ["200.00", "350.00", "450.00"]
    assert rows["customers_leaving"] == ["0", "0", "2"]


@pytest.mark.parametrize(("args", "message"), [
    (["run", "--plan", "nope"], "no saved plan named 'nope'; saved plans: Mine"),
    (["show", "nope"], "no saved plan named 'nope'; saved plans: Mine"),
    (["compare", "Mine", "nope"], "no saved plan named 'nope'"),
    (["compare", "Mine"], "compare takes 2 to 4 plans, got 1"),
    (["compare", "Mine", "--plan", "Mine"], "the plan 'Mine' is named twice"),
    (["run", "--rate", "call"], "--rate takes ACTIVITY=UNIT_COST, got 'call'"),
    (["run", "--rate", "call=cheap"], "--rate 'call=cheap': the unit cost 'cheap' is not a number"),
    (["run", "--rate", "call=-1"], "--rate: process_improvement: unit_cost must be at least 0"),
    (["run", "--rate", "call=1", "--rate", "call=2"], "--rate gives the activity 'call' twice"),
    (["run", "--rate", "fax=1"], "unknown activity 'fax'; known: call, visit"),
    (["run", "--lever", "{kind: cut}"], "--lever 1 is not JSON"),
    (["run", "--lever", '{"kind": "process_improvement", "activity": "call"}'],
     "--lever 1: process_improvement: give either cut"),
    (["run", "--lever", '[{"kind": "discount_cap", "activity": "rebate", "cap_share": 0.1}]'],
     "unknown activity 'rebate'"),
])
def test_mistakes_are_one_line_and_exit_2(store, capsys, args, message):
    save(store, "Mine", [sc.ProcessImprovement(activity="call", cut=0.1)])
    assert scenario(store, *args) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.startswith("error: ") and message in captured.err


def test_a_missing_store_is_refused(tmp_path, capsys):
    assert cli.main(["scenario", "list", "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "no store at" in capsys.readouterr().err and not (tmp_path / "none.duckdb").exists()
