"""Customer 360 shows how sure the model is (issue 17): under P(alive), expected purchases and potential
value, their range at the intervals' level (analytics.clv.intervals, the same valuation as the cards),
and a note when the potential-value range crosses a tier cut — each equal to analytics'."""

from __future__ import annotations

import pytest

from analytics import customer360, filters
from analytics.clv import intervals
from analytics.store import db
from i18n import Translator
from tests.ui.apptest import assert_ok, start

PAGE = "views/customer.py"
CID = "C002194"  # a key account: bought often, alive, well inside the high potential tier
RANGED = ("p_alive", "expected_purchases", "potential_value")


def _ranges(path) -> intervals.Intervals:
    con = db.connect(path)  # the app holds it read-write in this process; a second handle must match
    try:
        with con.cursor() as cur:
            iv = customer360.value_ranges(cur, filters.latest_period(cur)[1])
    finally:
        con.close()
    assert iv is not None  # the demo's BG/NBD fit has a covariance
    return iv


def _captions(t: Translator, rng: dict) -> list[str]:
    level = t.pct(rng["level"], 0)
    return [t("c360.range", level=level, lower=t.figure(f"{key}_lower", rng[key][0]),
              upper=t.figure(f"{key}_upper", rng[key][1])) for key in RANGED]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_cards_show_the_customers_range(refreshed_app_db, lang):
    iv = _ranges(refreshed_app_db)
    rng = customer360.customer_ranges(iv, CID)
    assert rng is not None and rng["level"] == intervals.DEFAULT_LEVEL and not rng["spans_tiers"]
    assert rng["p_alive"][0] < rng["p_alive"][1] and rng["potential_value"][0] < rng["potential_value"][1]
    at = start(lang, page=PAGE, customer=CID)
    assert_ok(at)
    t = Translator(lang)
    captions = [c.value for c in at.caption]
    want = _captions(t, rng)
    for text in want:
        assert text in captions, (text, captions)
    assert ("90%" in want[0] and "–" in want[0]) and ("¥" in want[2])
    infos = " ".join(i.value for i in at.info)
    level = t.pct(rng["level"], 0)
    opening = t("c360.range.spans", level=level, lower="", upper="", lo="", hi="").split(level)[0] + level
    assert opening not in infos  # no tier note: the whole range lies in the high potential tier


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_range_across_a_tier_cut_is_noted(refreshed_app_db, lang):
    iv = _ranges(refreshed_app_db)
    c = iv.customers
    spanning = c[c["spans_tiers"] & (c["p_alive_lower"] > 0.01)].sort_values("potential_value_lower", ascending=False)
    assert len(spanning)
    cid = str(spanning["customer_id"].iloc[0])
    rng = customer360.customer_ranges(iv, cid)
    lo_level, hi_level = rng["levels"]
    assert rng["spans_tiers"] and lo_level != hi_level
    at = start(lang, page=PAGE, customer=cid)
    assert_ok(at)
    t = Translator(lang)
    level = t.pct(rng["level"], 0)
    note = t("c360.range.spans", level=level, lower=t.figure("potential_value_lower", rng["potential_value"][0]),
             upper=t.figure("potential_value_upper", rng["potential_value"][1]),
             lo=t(f"c360.level.{lo_level}"), hi=t(f"c360.level.{hi_level}"))
    assert note in [i.value for i in at.info]
    captions = [c.value for c in at.caption]
    assert all(text in captions for text in _captions(t, rng))
