"""Issue 13: the Customer value page filtered by a segment runs no model comparison: it takes the purchase model
chosen on all customers' holdout (stored by the refresh) and says so where it names the model."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.clv import comparison
from i18n import Translator
from tests.ui.apptest import assert_ok, start

PAGE = "views/customer_value.py"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_filtered_page_names_the_company_wide_choice_without_comparing(refreshed_app_db: Path, lang: str,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[int] = []
    real = comparison.compare

    def compare(bt: object) -> comparison.Comparison:
        runs.append(len(bt.customers))  # type: ignore[attr-defined]
        return real(bt)  # type: ignore[arg-type]

    monkeypatch.setattr(comparison, "compare", compare)
    at = start(lang, page=PAGE, segment="Corporate")
    assert_ok(at)
    assert runs == []
    t = Translator(lang)
    said = [c.value for c in at.caption if t("cv.model.company") in c.value]
    # where the values' model is named (above the figures) and under the comparison of the "Which model" section
    assert len(said) == 2, [c.value for c in at.caption]
    assert any(t("cv.model.name.pareto_nbd_limit") in s for s in said)
