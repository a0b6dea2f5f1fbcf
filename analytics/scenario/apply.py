"""How each lever changes the ledger (:mod:`analytics.scenario.ledger`); the rules are in
:mod:`analytics.scenario.levers`.

Each function takes the ledger, the lever, the ids of the customers it reaches and the first span
it applies to, changes the ledger in place, and returns the lever's own figures (units moved,
orders removed …) as plain values. Revenue, cost and profit changes are measured by the caller
from the ledger's totals before and after, so no function reports money it did not move.
Rows of customers the lever does not reach are never touched, not even multiplied by 1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from analytics.scenario import levers as lv
from analytics.scenario.ledger import TX_COLUMNS, Ledger, RateRule

Details = dict[str, Any]


def _act_rows(ledger: Ledger, activity: str, ids: pd.Index, first: int) -> pd.Series:
    a = ledger.act
    return (a["activity"] == activity) & (a["part"] >= first) & a["customer_id"].isin(ids)


def _sale_rows(ledger: Ledger, ids: pd.Index, first: int) -> pd.Series:
    t = ledger.tx
    return ~t["fee"] & (t["part"] >= first) & t["customer_id"].isin(ids)


def per_row(keys: pd.Series, values: pd.Series, default: float = np.nan) -> pd.Series:
    """``values`` (a float per key) looked up for each of ``keys``, as floats on the keys' index.

    Unlike ``Series.map``, an empty lookup stays numeric (pandas gives text ids' dtype then).
    """
    out = values.astype(float).reindex(keys.to_numpy()).to_numpy(dtype=float, copy=True)
    out[np.isnan(out)] = default
    return pd.Series(out, index=keys.index, dtype=float)


def _scale_act(ledger: Ledger, hit: pd.Series, factor: pd.Series) -> None:
    """Multiply the quantity of the ``hit`` rows by their customer's ``factor`` (only where it is not 1)."""
    factor = factor.dropna().astype(float)
    factor = factor[factor != 1.0]
    if factor.empty:
        return
    rows = hit & ledger.act["customer_id"].isin(factor.index)
    ledger.act.loc[rows, "quantity"] = (ledger.act.loc[rows, "quantity"]
                                        * per_row(ledger.act.loc[rows, "customer_id"], factor))


def process_improvement(ledger: Ledger, lever: lv.ProcessImprovement, ids: pd.Index, first: int) -> Details:
    hit = _act_rows(ledger, lever.activity, ids, first)
    ledger.rules.append(RateRule(lever.activity, ids, first, cut=lever.cut, unit_cost=lever.unit_cost))
    return {"units": float(ledger.act.loc[hit, "quantity"].sum())}


def activity_pricing(ledger: Ledger, lever: lv.ActivityPricing, ids: pd.Index, first: int) -> Details:
    hit = _act_rows(ledger, lever.activity, ids, first)
    rows = ledger.act.loc[hit]
    units = rows.groupby("customer_id")["quantity"].sum()
    excess = (units - lever.allowance).clip(lower=0.0)
    excess = excess[excess > 0]
    removed = excess * lever.behaviour_share
    paying = excess - removed
    # Both the removed units and the fees are spread over the spans in proportion to the units.
    share = rows["quantity"] / per_row(rows["customer_id"], units)
    fee_rows = rows.loc[rows["customer_id"].isin(paying.index[paying > 0])]
    if len(fee_rows) and lever.fee > 0:
        fees = pd.DataFrame({
            "customer_id": fee_rows["customer_id"], "part": fee_rows["part"],
            "product": f"fee:{lever.activity}", "band": -1, "fee": True,
            "revenue": per_row(fee_rows["customer_id"], paying) * lever.fee * share.loc[fee_rows.index],
            "cogs": 0.0, "quantity": 0.0, "orders": 0.0,
        })
        ledger.tx = pd.concat([ledger.tx, fees[list(TX_COLUMNS)]], ignore_index=True)
    _scale_act(ledger, hit, 1.0 - removed[removed > 0] / units)
    return {"customers_over_allowance": len(excess), "units": float(units.sum()),
            "excess_units": float(excess.sum()), "units_removed": float(removed.sum()),
            "units_paying": float(paying.sum()), "fee_revenue": float(paying.sum() * lever.fee)}


def channel_migration(ledger: Ledger, lever: lv.ChannelMigration, ids: pd.Index, first: int) -> Details:
    hit = _act_rows(ledger, lever.from_activity, ids, first)
    rows = ledger.act.loc[hit & ledger.act["quantity"].ne(0)]
    moved = rows["quantity"] * lever.share
    if lever.share > 0 and len(rows):
        added = pd.DataFrame({"customer_id": rows["customer_id"], "part": rows["part"],
                              "activity": lever.to_activity, "quantity": moved * lever.units_per_unit})
        ledger.act.loc[rows.index, "quantity"] = rows["quantity"] - moved
        ledger.act = pd.concat([ledger.act, added], ignore_index=True)
    return {"units_moved": float(moved.sum()), "target_units": float(moved.sum() * lever.units_per_unit)}


def minimum_order(ledger: Ledger, lever: lv.MinimumOrder, ids: pd.Index, first: int) -> Details:
    t = ledger.tx
    sale = _sale_rows(ledger, ids, first)
    small = sale & t["band"].between(0, ledger.band_below(lever.minimum))
    key = ["customer_id", "part"]
    orders_before = t.loc[sale].groupby(key)["orders"].sum()
    small_orders = float(t.loc[small, "orders"].sum())
    small_revenue = float(t.loc[small, "revenue"].sum())
    keep = lever.consolidate_share
    if small.any():
        for col in ("revenue", "cogs", "quantity"):
            t.loc[small, col] = t.loc[small, col] * keep
        t.loc[small, "orders"] = t.loc[small, "revenue"] / lever.minimum
    orders_after = t.loc[sale].groupby(key)["orders"].sum()
    ratio = (orders_after / orders_before.where(orders_before > 0)).dropna()
    ratio = ratio[ratio != 1.0]
    a = ledger.act
    if len(ratio) and lever.order_activities:
        hit = a["activity"].isin(lever.order_activities) & (a["part"] >= first) & a["customer_id"].isin(ids)
        where = pd.MultiIndex.from_frame(a.loc[hit, key])
        factor = pd.Series(ratio.reindex(where).to_numpy(), index=a.index[hit])
        factor = factor[factor.notna()]
        a.loc[factor.index, "quantity"] = a.loc[factor.index, "quantity"] * factor
    return {"small_orders": small_orders, "small_order_revenue": small_revenue,
            "revenue_lost": small_revenue * (1.0 - keep),
            "orders_removed": float(orders_before.sum() - orders_after.sum())}


def discount_cap(ledger: Ledger, lever: lv.DiscountCap, ids: pd.Index, first: int) -> Details:
    hit = _act_rows(ledger, lever.activity, ids, first)
    cost = (ledger.act.loc[hit, "quantity"] * ledger.unit_costs(ledger.act.loc[hit])).groupby(
        ledger.act.loc[hit, "customer_id"]).sum()
    sale = ledger.tx.loc[_sale_rows(ledger, ids, first)]
    revenue = sale.groupby("customer_id")["revenue"].sum().reindex(cost.index, fill_value=0.0)
    cap = revenue.clip(lower=0.0) * lever.cap_share
    over = cost[cost > cap]
    factor = cap[over.index] / over
    _scale_act(ledger, hit, factor)
    return {"customers_capped": len(over), "cost_above_cap": float((over - cap[over.index]).sum())}


def price_change(ledger: Ledger, lever: lv.PriceChange, ids: pd.Index, first: int) -> Details:
    t = ledger.tx
    rows = _sale_rows(ledger, ids, first)
    if lever.product is not None:
        rows &= t["product"] == lever.product
    revenue_before = float(t.loc[rows, "revenue"].sum())
    if lever.change != 0 and rows.any():
        t.loc[rows, "revenue"] = t.loc[rows, "revenue"] * lever.revenue_factor
        for col in ("cogs", "quantity"):
            t.loc[rows, col] = t.loc[rows, col] * lever.volume_factor
    return {"revenue_repriced": revenue_before, "volume_factor": lever.volume_factor,
            "revenue_factor": lever.revenue_factor}


def relationship_transition(ledger: Ledger, lever: lv.RelationshipTransition, ids: pd.Index,
                            first: int) -> Details:
    t, a = ledger.tx, ledger.act
    tx_rows = (t["part"] >= first) & t["customer_id"].isin(ids)
    act_rows = (a["part"] >= first) & a["customer_id"].isin(ids)
    reached = set(t.loc[tx_rows, "customer_id"]) | set(a.loc[act_rows, "customer_id"])
    if lever.mode == "let_go":  # rows go: a customer with nothing left is no longer a customer
        ledger.tx = t.loc[~tx_rows].reset_index(drop=True)
        ledger.act = a.loc[~act_rows].reset_index(drop=True)
    else:
        t.loc[tx_rows, "revenue"] = t.loc[tx_rows, "revenue"] * lever.margin_share
        t.loc[tx_rows, "cogs"] = 0.0
        a.loc[act_rows, "quantity"] = 0.0
    return {"customers_moved": len(reached)}


APPLY: dict[type[lv.Lever], Callable[[Ledger, Any, pd.Index, int], Details]] = {
    lv.ProcessImprovement: process_improvement,
    lv.ActivityPricing: activity_pricing,
    lv.ChannelMigration: channel_migration,
    lv.MinimumOrder: minimum_order,
    lv.DiscountCap: discount_cap,
    lv.PriceChange: price_change,
    lv.RelationshipTransition: relationship_transition,
}


def apply(ledger: Ledger, lever: lv.Lever, ids: pd.Index, first: int) -> Details:
    """Apply one lever to the customers ``ids`` from span ``first`` on (see the functions above)."""
    fn = APPLY.get(type(lever))
    if fn is None:
        raise ValueError(f"no projection rule for lever {type(lever).__name__}")
    details = fn(ledger, lever, ids, first)
    return {k: (float(v) if isinstance(v, np.floating) else v) for k, v in details.items()}
