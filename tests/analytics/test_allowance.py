"""Row-level restriction (analytics.filters.Allowance): applied to every filter, refusing values outside it."""

from __future__ import annotations

import pytest

from analytics.filters import Allowance, Filters, OutsideAllowance


def test_an_open_allowance_changes_nothing():
    f = Filters(regions=("West",), segments=("SMB",))
    assert not Allowance().restricted and Allowance().apply(f) == f
    assert Allowance().permits("any", "thing")


def test_an_unrestricted_attribute_becomes_the_allowed_values():
    a = Allowance(regions=("North", "East", "East"))
    assert a.regions == ("East", "North") and a.restricted
    f = a.apply(Filters(segments=("SMB",), channels=("Online",)))
    assert (f.regions, f.segments, f.channels) == (("East", "North"), ("SMB",), ("Online",))
    assert a.apply(Filters(regions=("East",))).regions == ("East",)  # a narrower choice stays


def test_a_value_outside_is_refused_with_the_allowed_values():
    a = Allowance(regions=("East",), segments=("SMB", "Corporate"))
    with pytest.raises(OutsideAllowance, match="region West is outside what you may see; allowed: East") as e:
        a.apply(Filters(regions=("East", "West")))
    assert e.value.allowed == {"regions": ("East",), "segments": ("Corporate", "SMB")}
    with pytest.raises(ValueError, match=r"segment Key account is outside .* allowed: Corporate, SMB"):
        a.apply(Filters(segments=("Key account",)))


def test_options_and_single_customers():
    a = Allowance(segments=("SMB",))
    opts = {"regions": ["East", "West"], "segments": ["Corporate", "SMB"], "channels": ["Online"]}
    assert a.options(opts) == {"regions": ["East", "West"], "segments": ["SMB"], "channels": ["Online"]}
    assert a.permits("West", "SMB") and not a.permits("West", "Corporate")
