"""Improvement plans: levers applied to chosen customers, projected per customer (issue 18).

The public API (the page, ``python -m analytics scenario`` and the deck are thin layers over it)::

    from analytics import scenario as sc

    levers = [
        sc.ProcessImprovement(activity="delivery", cut=0.15),
        sc.ActivityPricing(activity="support_call", fee=30, allowance=12, behaviour_share=0.6,
                           customers=sc.Selector.loss_makers(), effective_from="2026-01-01"),
    ]
    p = sc.project(cur, filters, levers)         # never writes to the store
    p.to_dict()                                  # {"baseline": {...}, "scenario": {...}, "levers": [...]}
    p.customers, p.gainers, p.losers, p.curves(), p.figures_table(), p.winwin_exits
    sc.plans.save(con, "Self-service push", levers)   # saved_views, kind "scenario_plan"
    sc.compare({"A": sc.project(cur, f, plan_a.levers), "B": ...})

Modules: :mod:`~analytics.scenario.levers` (levers, selections, their validation and JSON form),
:mod:`~analytics.scenario.ledger` (the working rows), :mod:`~analytics.scenario.apply` (how each
lever changes them), :mod:`~analytics.scenario.project` (the projection and its figures),
:mod:`~analytics.scenario.plans` (saved plans).
"""

from __future__ import annotations

from analytics.scenario import plans
from analytics.scenario.levers import (
    LEVER_TYPES,
    RULE_TEXT,
    SELECTOR_KINDS,
    ActivityPricing,
    ChannelMigration,
    DiscountCap,
    Lever,
    MinimumOrder,
    PriceChange,
    ProcessImprovement,
    RelationshipTransition,
    Selector,
    lever_from_dict,
    rate_levers,
)
from analytics.scenario.plans import Plan
from analytics.scenario.project import FIGURE_KEYS, LeverEffect, Projection, compare, project

__all__ = [
    "FIGURE_KEYS", "LEVER_TYPES", "RULE_TEXT", "SELECTOR_KINDS", "ActivityPricing", "ChannelMigration",
    "DiscountCap", "Lever", "LeverEffect", "MinimumOrder", "Plan", "PriceChange", "ProcessImprovement",
    "Projection", "RelationshipTransition", "Selector", "compare", "lever_from_dict", "plans", "project",
    "rate_levers",
]
