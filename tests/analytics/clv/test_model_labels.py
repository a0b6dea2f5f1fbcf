"""Every model is named to a reader by one rule (issue 17): analytics.clv.comparison.label gives the code of
its name (Pareto/NBD's homogeneous drop-out limit is not "Pareto/NBD"), i18n's ``cv.model.name.<code>`` the
words, and a note that names a model carries a ModelName, which the translator writes as those words."""

from __future__ import annotations

import pytest

from analytics.clv import comparison
from analytics.clv import value as cv
from analytics.filters import Filters
from i18n import Translator


def test_the_label_of_each_model_and_variant():
    assert comparison.label("pareto_nbd", "homogeneous_dropout") == "pareto_nbd_limit"
    assert comparison.label("pareto_nbd", "general") == "pareto_nbd"
    assert comparison.label("bgnbd") == "bgnbd" and comparison.label("mbg_nbd", "general") == "mbg_nbd"
    for lang in ("zh", "en"):
        t = Translator(lang)
        names = [t.model(code) for code in comparison.LABELS]
        assert len(set(names)) == len(names) and not any("_" in n for n in names)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_note_names_a_model_by_its_label_never_its_code(lang):
    t = Translator(lang)
    params = {"model": comparison.ModelName("pareto_nbd_limit")}
    text = t("cv.note.model_unfitted", **params)
    assert text == t("cv.note.model_unfitted", model=t("cv.model.name.pareto_nbd_limit"))
    assert "pareto_nbd" not in text and t.md("cv.note.model_unfitted", **params) == t.md(
        "cv.note.model_unfitted", model=t("cv.model.name.pareto_nbd_limit"))


def test_the_fallback_note_names_the_model_as_the_comparison_fitted_it(demo_con, monkeypatch):
    """Pareto/NBD chosen but not fittable at the valuation date: BG/NBD values, and the note names the demo's
    Pareto/NBD as what was compared — its homogeneous drop-out limit — in words (it printed ``pareto_nbd``)."""
    monkeypatch.setattr(comparison, "value_model", lambda *a, **k: None)
    f = Filters("2025-11-01", "2026-10-31")
    with demo_con.cursor() as cur:
        values = cv.customer_values(cur, f, model="pareto_nbd")
    assert values.extra["purchase_model"] == "bgnbd"
    note = dict(values.notes)["cv.note.model_unfitted"]
    assert note == {"model": "pareto_nbd_limit"}
    for lang in ("zh", "en"):
        t = Translator(lang)
        texts = [t(k, **p) for k, p in values.notes]  # as the page, the deck and clv --json write them
        assert t("cv.note.model_unfitted", model=t("cv.model.name.pareto_nbd_limit")) in texts
        assert not any("pareto_nbd" in x for x in texts)
