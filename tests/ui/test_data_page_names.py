"""Issue 19, Data page: errors name the table's columns as the page shows them (交易日期, not tx_date), and a
customer to correct is picked by search among "id — name"."""

from __future__ import annotations

import pytest

from tests.ui.apptest import assert_ok, start

NO_DATE = "客户编号,金额\nC000001,100\n".encode("gbk")


@pytest.mark.parametrize(("lang", "shown", "sep"), [("zh", "交易日期", "、"), ("en", "Transaction date", ", ")])
def test_an_unmapped_required_column_is_named_as_the_page_names_it(app_db, lang, shown, sep):
    at = start(lang, page="views/data.py")
    at.selectbox(key="data_table").set_value("transactions").run()
    at.file_uploader(key="data_file").set_value(("no_date.csv", NO_DATE, "text/csv")).run()
    assert_ok(at)
    at.button(key="data_check").click().run()
    errors = [e.value for e in at.error]
    assert any(shown in e for e in errors), errors
    assert not any("tx_date" in e for e in errors), errors


def test_a_customer_to_correct_is_picked_by_search(app_db):
    at = start("zh", page="views/data.py")
    at.selectbox(key="data_form_table").set_value("customers").run()
    at.radio(key="data_form_action").set_value("correct").run()
    picker = at.selectbox(key="data_form_key_customers")
    assert picker.value is None
    assert any(o.startswith("C000001 — ") for o in picker.options)
    picker.set_value("C000001").run()
    assert_ok(at)
    names = [w for w in at.text_input if w.key and w.key.endswith("_name")]
    assert names and names[0].value  # the chosen customer's record is open for correction
