"""The sidebar names the step a background refresh is at (``refresh.step.<kind>``): every producer of
:mod:`analytics.precompute` needs that string, or the sidebar fails while the step runs."""

from __future__ import annotations

from analytics import precompute
from i18n import catalog


def test_every_precompute_step_has_a_label():
    missing = [k for k in precompute.PRODUCERS if f"refresh.step.{k}" not in catalog()]
    assert missing == []
