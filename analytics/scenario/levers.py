"""Levers of an improvement plan: what changes, for which customers, from when, under which assumptions.

Every lever is a frozen dataclass that validates itself on construction (``ValueError`` with a
message naming the lever and the field) and carries its assumptions as data:
:meth:`Lever.assumptions` gives its parameters as plain values, :attr:`Lever.RULES` the keys of
the modelling rules it applies (their wording is in :data:`RULE_TEXT`; the page translates the
keys). Levers are applied by :mod:`analytics.scenario.project`, in order, to the activities and
transactions dated on or after ``effective_from`` (the whole period when it is None) of the
customers chosen by ``customers`` (a :class:`Selector`).

Money is in the data's currency; shares and changes are fractions (0.1 = 10 %).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from analytics import filters
from analytics.clv.value import TIERS

# ----------------------------------------------------------------------------- selectors
ATTRIBUTE_KINDS = ("segment", "region", "channel", "plan", "customer_type")
SELECTOR_KINDS = ("everyone", "loss_makers", *ATTRIBUTE_KINDS, "tier", "ids")


def _texts(value: object, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = (value,)
    try:
        items = [str(v).strip() for v in value]  # type: ignore[union-attr]
    except TypeError:
        raise ValueError(f"{what} must be a list of texts, got {value!r}") from None
    return tuple(dict.fromkeys(v for v in items if v))


@dataclass(frozen=True)
class Selector:
    """The customers a lever applies to.

    ``kind`` is one of :data:`SELECTOR_KINDS`: ``everyone``; ``loss_makers`` (baseline profit < 0
    in the projected period); an attribute of the customers table (``segment``, ``region``,
    ``channel``, ``plan``, ``customer_type``) whose value is one of ``values``; ``tier`` (the
    customer-value tier codes of :data:`analytics.clv.value.TIERS`, e.g. ``"low/low"``);
    ``ids`` (an explicit list; an empty list selects nobody). ``loss_makers_only`` narrows any kind
    to its loss-makers. Loss-makers are judged on the baseline, so that the order of the levers
    does not change whom a lever reaches.
    """

    kind: str = "everyone"
    values: tuple[str, ...] = ()
    loss_makers_only: bool = False

    def __post_init__(self) -> None:
        if self.kind not in SELECTOR_KINDS:
            raise ValueError(f"unknown customer selection {self.kind!r}; use one of {', '.join(SELECTOR_KINDS)}")
        object.__setattr__(self, "values", _texts(self.values, f"the values of a {self.kind} selection"))
        if self.kind in ("everyone", "loss_makers") and self.values:
            raise ValueError(f"a {self.kind} selection takes no values, got {list(self.values)}")
        if self.kind in (*ATTRIBUTE_KINDS, "tier") and not self.values:
            raise ValueError(f"a {self.kind} selection needs at least one value")
        bad = [v for v in self.values if v not in TIERS] if self.kind == "tier" else []
        if bad:
            raise ValueError(f"unknown value tier {bad[0]!r}; use one of {', '.join(TIERS)}")
        if not isinstance(self.loss_makers_only, bool):
            raise ValueError(f"loss_makers_only must be true or false, got {self.loss_makers_only!r}")

    @classmethod
    def everyone(cls) -> Selector:
        return cls("everyone")

    @classmethod
    def loss_makers(cls) -> Selector:
        return cls("loss_makers")

    @classmethod
    def ids(cls, *customer_ids: str) -> Selector:
        return cls("ids", tuple(customer_ids))

    @classmethod
    def nobody(cls) -> Selector:
        return cls("ids", ())

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "values": list(self.values), "loss_makers_only": self.loss_makers_only}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Selector:
        if not isinstance(data, Mapping):
            raise ValueError(f"a customer selection is an object, got {data!r}")
        unknown = set(data) - {"kind", "values", "loss_makers_only"}
        if unknown:
            raise ValueError(f"unknown field(s) of a customer selection: {', '.join(sorted(unknown))}")
        return cls(data.get("kind", "everyone"), tuple(data.get("values") or ()), bool(data.get("loss_makers_only", False)))


# ----------------------------------------------------------------------------- checks
def _number(lever: str, name: str, value: object) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{lever}: {name} must be a number, got {value!r}")
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{lever}: {name} must be a number, got {value!r}") from None
    if not math.isfinite(out):
        raise ValueError(f"{lever}: {name} must be a finite number, got {value!r}")
    return out


def _share(lever: str, name: str, value: object) -> float:
    out = _number(lever, name, value)
    if not 0.0 <= out <= 1.0:
        raise ValueError(f"{lever}: {name} is a share between 0 and 1 (0.25 = 25 %), got {value!r}")
    return out


def _at_least(lever: str, name: str, value: object, low: float, strict: bool = False) -> float:
    out = _number(lever, name, value)
    if out < low or (strict and out == low):
        raise ValueError(f"{lever}: {name} must be {'more than' if strict else 'at least'} {low:g}, got {value!r}")
    return out


def _name(lever: str, name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{lever}: {name} must name an activity or product, got {value!r}")
    return value.strip()


# ----------------------------------------------------------------------------- levers
RULE_TEXT: dict[str, str] = {
    "scope.effective_from": "only activities and transactions dated on or after effective_from change",
    "scope.loss_makers_on_baseline": "loss-makers are the customers whose baseline profit in the period is below zero",
    "process.rate_applies_to_units": "the new unit cost applies to every unit of the activity, at the cut or set value",
    "pricing.allowance_per_customer": "the allowance counts a customer's units over the whole projected span",
    "pricing.behaviour_share_of_excess": "the behaviour share of the units beyond the allowance disappears, with their cost",
    "pricing.rest_pay_fee": "the other units beyond the allowance stay and pay the fee (revenue without cost of goods)",
    "pricing.removed_at_average_cost": "disappearing units are spread over the span in proportion to the units",
    "migration.moved_at_target_rate": "moved units are costed at the target activity's rate in force (or as set by earlier levers)",
    "minimum_order.small_orders": "an order is a transaction with positive revenue; small when its recorded revenue is below the minimum",
    "minimum_order.consolidated_keep_revenue": "the consolidated share of small-order revenue stays, in orders of exactly the minimum",
    "minimum_order.rest_lost": "the rest of small-order revenue and its cost of goods are lost",
    "minimum_order.order_activities_follow_orders": "order activities change in proportion to the number of orders",
    "discount_cap.cap_on_activity_cost": "the activity's cost is capped at a share of the customer's sales revenue in the span",
    "discount_cap.no_response": "customers keep buying as before (no volume response is modelled)",
    "price.volume_elasticity": "quantity changes by elasticity × price change; revenue by (1 + change) × (1 + elasticity × change)",
    "price.cogs_follow_volume": "cost of goods follows quantity; cost to serve and the number of orders do not change",
    "transition.let_go": "a customer let go takes all revenue, cost of goods and cost to serve of the span with them",
    "transition.partner": "handed to a partner, the company keeps the margin share of revenue; cost of goods and cost to serve leave",
    "transition.word_of_mouth": "the customers' complaints, praise and NPS answers in the period are the word-of-mouth at risk",
}


@dataclass(frozen=True, kw_only=True)
class Lever:
    """What every lever has: the customers it reaches and the first day it applies."""

    KIND: ClassVar[str] = ""
    RULES: ClassVar[tuple[str, ...]] = ()
    customers: Selector = field(default_factory=Selector)
    effective_from: dt.date | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.customers, Selector):
            raise ValueError(f"{self.KIND}: customers must be a Selector, got {self.customers!r}")
        object.__setattr__(self, "effective_from", filters.as_date(self.effective_from, f"{self.KIND}: effective_from"))

    @property
    def rules(self) -> tuple[str, ...]:
        """Keys of :data:`RULE_TEXT` this lever applies (scope rules first)."""
        scope = ("scope.effective_from",)
        if self.customers.kind == "loss_makers" or self.customers.loss_makers_only:
            scope += ("scope.loss_makers_on_baseline",)
        return scope + self.RULES

    def assumptions(self) -> dict[str, Any]:
        """Every parameter as a plain value (dates ISO, the selection as a dict), in field order."""
        return {k: v for k, v in self.to_dict().items() if k != "kind"}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``kind`` first); :func:`lever_from_dict` reads it back."""
        out: dict[str, Any] = {"kind": self.KIND}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = (v.to_dict() if isinstance(v, Selector) else v.isoformat() if isinstance(v, dt.date)
                           else list(v) if isinstance(v, tuple) else v)
        return out


@dataclass(frozen=True, kw_only=True)
class ProcessImprovement(Lever):
    """An activity's unit cost falls by ``cut`` (0.2 = 20 % cheaper), or is set to ``unit_cost``.

    Exactly one of the two is given. Setting ``unit_cost`` for everyone over the whole period
    gives the same profit as the what-if rates of :func:`analytics.profit.customer_pnl`.
    """

    KIND: ClassVar[str] = "process_improvement"
    RULES: ClassVar[tuple[str, ...]] = ("process.rate_applies_to_units",)
    activity: str
    cut: float | None = None
    unit_cost: float | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "activity", _name(self.KIND, "activity", self.activity))
        if (self.cut is None) == (self.unit_cost is None):
            raise ValueError(f"{self.KIND}: give either cut (a share, 0.2 = 20 % cheaper) or unit_cost, not both or neither")
        if self.cut is not None:
            object.__setattr__(self, "cut", _share(self.KIND, "cut", self.cut))
        else:
            object.__setattr__(self, "unit_cost", _at_least(self.KIND, "unit_cost", self.unit_cost, 0.0))


@dataclass(frozen=True, kw_only=True)
class ActivityPricing(Lever):
    """A ``fee`` per unit of ``activity`` beyond ``allowance`` units per customer (activity-based pricing).

    ``behaviour_share`` of the units beyond the allowance disappear (customers change behaviour
    instead of paying: the units and their cost go); the rest are kept and pay the fee.
    """

    KIND: ClassVar[str] = "activity_pricing"
    RULES: ClassVar[tuple[str, ...]] = ("pricing.allowance_per_customer", "pricing.behaviour_share_of_excess",
                                        "pricing.rest_pay_fee", "pricing.removed_at_average_cost")
    activity: str
    fee: float
    allowance: float = 0.0
    behaviour_share: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "activity", _name(self.KIND, "activity", self.activity))
        object.__setattr__(self, "fee", _at_least(self.KIND, "fee", self.fee, 0.0))
        object.__setattr__(self, "allowance", _at_least(self.KIND, "allowance", self.allowance, 0.0))
        object.__setattr__(self, "behaviour_share", _share(self.KIND, "behaviour_share", self.behaviour_share))


@dataclass(frozen=True, kw_only=True)
class ChannelMigration(Lever):
    """``share`` of ``from_activity``'s units move to ``to_activity`` (support calls → self-service).

    Each moved unit becomes ``units_per_unit`` units of the target, costed at its rate.
    """

    KIND: ClassVar[str] = "channel_migration"
    RULES: ClassVar[tuple[str, ...]] = ("migration.moved_at_target_rate",)
    from_activity: str
    to_activity: str
    share: float
    units_per_unit: float = 1.0

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "from_activity", _name(self.KIND, "from_activity", self.from_activity))
        object.__setattr__(self, "to_activity", _name(self.KIND, "to_activity", self.to_activity))
        if self.from_activity == self.to_activity:
            raise ValueError(f"{self.KIND}: from_activity and to_activity are both {self.from_activity!r}")
        object.__setattr__(self, "share", _share(self.KIND, "share", self.share))
        object.__setattr__(self, "units_per_unit",
                           _at_least(self.KIND, "units_per_unit", self.units_per_unit, 0.0, strict=True))


@dataclass(frozen=True, kw_only=True)
class MinimumOrder(Lever):
    """Orders below ``minimum`` revenue are no longer accepted as they are.

    An order is a transaction with positive revenue (returns are not orders), and it is small when
    its recorded revenue is below ``minimum``. ``consolidate_share`` of the small orders' revenue
    comes back in orders of exactly the minimum (revenue and cost of goods kept, fewer orders); the
    rest is lost with its cost of goods. The units of each of ``order_activities`` (e.g.
    ``delivery``, ``rush_order``) change in proportion to the customer's number of orders.
    """

    KIND: ClassVar[str] = "minimum_order"
    RULES: ClassVar[tuple[str, ...]] = ("minimum_order.small_orders", "minimum_order.consolidated_keep_revenue",
                                        "minimum_order.rest_lost", "minimum_order.order_activities_follow_orders")
    minimum: float
    consolidate_share: float = 1.0
    order_activities: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "minimum", _at_least(self.KIND, "minimum", self.minimum, 0.0, strict=True))
        object.__setattr__(self, "consolidate_share", _share(self.KIND, "consolidate_share", self.consolidate_share))
        object.__setattr__(self, "order_activities", _texts(self.order_activities, f"{self.KIND}: order_activities"))


@dataclass(frozen=True, kw_only=True)
class DiscountCap(Lever):
    """The cost of ``activity`` (a discount or rebate activity, e.g. ``rebate``) is capped at
    ``cap_share`` of each customer's sales revenue over the span; customers keep buying as before."""

    KIND: ClassVar[str] = "discount_cap"
    RULES: ClassVar[tuple[str, ...]] = ("discount_cap.cap_on_activity_cost", "discount_cap.no_response")
    activity: str
    cap_share: float

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "activity", _name(self.KIND, "activity", self.activity))
        object.__setattr__(self, "cap_share", _share(self.KIND, "cap_share", self.cap_share))


@dataclass(frozen=True, kw_only=True)
class PriceChange(Lever):
    """The price of ``product`` (every product when None; a plan's customers through the selector)
    changes by ``change`` (0.05 = +5 %); quantity responds by ``elasticity × change``."""

    KIND: ClassVar[str] = "price_change"
    RULES: ClassVar[tuple[str, ...]] = ("price.volume_elasticity", "price.cogs_follow_volume")
    change: float
    elasticity: float = 0.0
    product: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "change", _at_least(self.KIND, "change", self.change, -1.0, strict=True))
        object.__setattr__(self, "elasticity", _number(self.KIND, "elasticity", self.elasticity))
        if self.product is not None:
            object.__setattr__(self, "product", _name(self.KIND, "product", self.product))
        if self.volume_factor < 0:
            raise ValueError(f"{self.KIND}: elasticity {self.elasticity:g} × change {self.change:g} "
                             "would make quantity negative")

    @property
    def volume_factor(self) -> float:
        """New quantity ÷ old quantity: 1 + elasticity × change."""
        return 1.0 + self.elasticity * self.change

    @property
    def revenue_factor(self) -> float:
        """New revenue ÷ old revenue: (1 + change) × volume factor."""
        return (1.0 + self.change) * self.volume_factor


TRANSITION_MODES = ("let_go", "partner")


@dataclass(frozen=True, kw_only=True)
class RelationshipTransition(Lever):
    """The selected customers are let go (``mode="let_go"``) or handed to a partner channel
    (``"partner"``: the company keeps ``margin_share`` of their revenue as margin; cost of goods and
    cost to serve leave). Their complaints, praise and NPS answers are reported as the
    word-of-mouth risk."""

    KIND: ClassVar[str] = "relationship_transition"
    mode: str
    margin_share: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.mode not in TRANSITION_MODES:
            raise ValueError(f"{self.KIND}: mode must be one of {', '.join(TRANSITION_MODES)}, got {self.mode!r}")
        object.__setattr__(self, "margin_share", _share(self.KIND, "margin_share", self.margin_share))
        if self.mode == "let_go" and self.margin_share:
            raise ValueError(f"{self.KIND}: a customer let go leaves no margin; margin_share is for mode 'partner'")

    @property
    def rules(self) -> tuple[str, ...]:
        return (*super().rules, f"transition.{self.mode}", "transition.word_of_mouth")


LEVER_TYPES: dict[str, type[Lever]] = {cls.KIND: cls for cls in (
    ProcessImprovement, ActivityPricing, ChannelMigration, MinimumOrder, DiscountCap, PriceChange,
    RelationshipTransition)}


def lever_from_dict(data: Mapping[str, Any]) -> Lever:
    """The lever of a :meth:`Lever.to_dict` mapping; ValueError naming what is wrong."""
    if not isinstance(data, Mapping):
        raise ValueError(f"a lever is an object with a 'kind', got {data!r}")
    kind = data.get("kind")
    cls = LEVER_TYPES.get(str(kind))
    if cls is None:
        raise ValueError(f"unknown lever kind {kind!r}; use one of {', '.join(LEVER_TYPES)}")
    names = {f.name for f in fields(cls)}
    unknown = set(data) - names - {"kind"}
    if unknown:
        raise ValueError(f"{kind}: unknown field(s) {', '.join(sorted(unknown))}")
    kwargs = {k: v for k, v in data.items() if k != "kind"}
    if "customers" in kwargs:
        kwargs["customers"] = Selector.from_dict(kwargs["customers"])
    if "order_activities" in kwargs:
        kwargs["order_activities"] = tuple(kwargs["order_activities"] or ())
    try:
        return cls(**kwargs)
    except TypeError as exc:  # a required field is missing
        raise ValueError(f"{kind}: {exc}") from None


def activities_named(lever: Lever) -> tuple[str, ...]:
    """The activities a lever refers to (checked against the store before a projection)."""
    if isinstance(lever, ChannelMigration):
        return (lever.from_activity, lever.to_activity)
    if isinstance(lever, MinimumOrder):
        return lever.order_activities
    name = getattr(lever, "activity", None)
    return (name,) if name else ()


def rate_levers(rates: Mapping[str, object], effective_from: dt.date | str | None = None,
                customers: Selector | None = None) -> list[ProcessImprovement]:
    """One :class:`ProcessImprovement` setting the unit cost per ``{activity: cost}`` (what
    ``scenario run --rate ACTIVITY=COST`` means), in the mapping's order."""
    return [ProcessImprovement(activity=str(a), unit_cost=c, effective_from=effective_from,  # type: ignore[arg-type]
                               customers=customers or Selector())
            for a, c in rates.items()]
