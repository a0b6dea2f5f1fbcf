"""AppTest of the Data page's "Load from a database" panel against a real PostgreSQL server
(tests/postgres.py): URL and one-off password, preview, pull, then the file's check and load; a
saved connection; the password is never shown on the page nor stored."""

from __future__ import annotations

import json
from urllib.parse import quote

from streamlit.proto.TextInput_pb2 import TextInput

from tests.postgres import ANALYST_PASSWORD, SHOP_CUSTOMERS, Shop
from tests.ui.apptest import assert_ok, metrics, start
from tests.ui.test_data import db_rows


def plain(text: str) -> str:
    """Markdown-escaped text as the reader sees it."""
    return text.replace("\\", "").replace("\u2060", "")


def errors(at) -> list[str]:
    return [plain(e.value) for e in at.error]


def page_text(at) -> str:
    """Every text the page shows (messages, captions, markdown, tables, widget values but the password's)."""
    parts: list[str] = []
    for kind in ("markdown", "caption", "success", "info", "warning", "error", "title", "subheader"):
        parts += [str(e.value) for e in getattr(at, kind)]
    for df in at.dataframe:
        parts.append(df.value.to_csv())
    parts += [str(w.value) for w in at.text_input if w.key != "data_db_password"]
    parts += [str(w.value) for w in at.text_area]
    return plain("\n".join(parts))


def open_panel(lang: str, table: str = "customers"):
    at = start(lang, page="views/data.py")
    at.selectbox(key="data_table").set_value(table).run()
    at.radio(key="data_source").set_value("database").run()
    assert_ok(at)
    return at


def test_pull_check_and_load_customers_from_postgresql(app_db, pg_shop: Shop, monkeypatch):
    at = open_panel("en")
    assert any("Choose a connection and enter a query" in i.value for i in at.info)
    pw = at.text_input(key="data_db_password")
    assert pw.proto.type == TextInput.PASSWORD  # shown as dots, never echoed
    at.text_input(key="data_db_url").input(pg_shop.url(password=None)).run()
    pw.input(ANALYST_PASSWORD).run()
    at.text_area(key="data_db_query").input("select * from customers order by customer_id").run()
    at.button(key="data_db_preview_btn").click().run()
    assert_ok(at)
    preview = at.dataframe[-1].value
    assert list(preview["customer_id"][:3]) == ["C001", "C002", "C003"] and len(preview) == 20
    at.button(key="data_db_pull_btn").click().run()
    assert_ok(at)
    assert any("Read 20 rows from the database" in s.value for s in at.success)
    # the rows travel as Parquet, but the page says what they are: the query's result
    assert any(c.value.startswith("Detected: the query's result, 20 rows") for c in at.caption)
    assert not any("Parquet" in c.value for c in at.caption)
    at.button(key="data_check").click().run()
    assert_ok(at)
    assert (metrics(at)["Data rows"], metrics(at)["Valid rows"]) == ("20", "20")
    at.button(key="data_load").click().run()
    assert_ok(at)
    assert any("Loaded 20 rows" in s.value for s in at.success)
    got = db_rows(app_db, "SELECT customer_id, name, customer_type, segment, region FROM customers "
                          "WHERE customer_id LIKE 'C___' ORDER BY 1")
    assert got == sorted(SHOP_CUSTOMERS)
    logged = db_rows(app_db, "SELECT file_name, mapping FROM ingest_log ORDER BY load_id DESC LIMIT 1")[0]
    assert logged[0] == f"{pg_shop.url(password=None)} | select * from customers order by customer_id"
    assert ANALYST_PASSWORD not in page_text(at) and ANALYST_PASSWORD not in json.dumps(logged)
    for p in app_db.parent.glob(app_db.name + "*"):  # the store and its write-ahead log
        assert ANALYST_PASSWORD.encode() not in p.read_bytes()
        assert quote(ANALYST_PASSWORD, safe="").encode() not in p.read_bytes()


def test_saved_connection_and_errors(app_db, pg_shop: Shop, monkeypatch):
    at = open_panel("en")
    # a URL with the password in it is refused, masked
    at.text_input(key="data_db_url").input(pg_shop.url()).run()
    assert any("contains a password" in e and "postgresql://analyst:***@127.0.0.1" in e for e in errors(at)), errors(at)
    at.text_input(key="data_db_url").input(pg_shop.url(password=None)).run()
    at.text_input(key="data_db_save_name").input("shop").run()
    at.selectbox(key="data_db_save_kind").set_value("env").run()
    at.text_input(key="data_db_save_ref").input("SHOP_PW").run()
    at.button(key="data_db_save_btn").click().run()
    assert_ok(at)
    assert at.selectbox(key="data_db_conn").value == "shop"
    assert any("password from: environment variable SHOP_PW" in plain(c.value) for c in at.caption)
    at.text_area(key="data_db_query").input("select * from customers").run()
    # the variable is not set: said plainly
    monkeypatch.delenv("SHOP_PW", raising=False)
    at.button(key="data_db_preview_btn").click().run()
    assert any("SHOP_PW" in e for e in errors(at)), errors(at)
    # set, but wrong: the login fails, the URL shown without password
    monkeypatch.setenv("SHOP_PW", ANALYST_PASSWORD + "-wrong")
    at.button(key="data_db_pull_btn").click().run()
    assert any("Cannot log in to postgresql://analyst@127.0.0.1" in e for e in errors(at)), errors(at)
    monkeypatch.setenv("SHOP_PW", ANALYST_PASSWORD)
    at.text_area(key="data_db_query").input("select * form customers").run()
    at.button(key="data_db_preview_btn").click().run()
    assert any('syntax error at or near "form"' in e for e in errors(at)), errors(at)
    at.text_area(key="data_db_query").input("select * from customers").run()
    at.button(key="data_db_pull_btn").click().run()
    assert any("Read 20 rows" in s.value for s in at.success)
    assert ANALYST_PASSWORD not in page_text(at)
    assert db_rows(app_db, "SELECT payload FROM saved_views WHERE name = 'shop'")[0][0] == json.dumps(
        {"url": pg_shop.url(password=None), "password": {"kind": "env", "ref": "SHOP_PW"}})


def test_panel_in_chinese(app_db, pg_shop: Shop):
    at = open_panel("zh")
    assert at.radio(key="data_source").options == ["文件", "数据库"]
    at.text_input(key="data_db_url").input(pg_shop.url(password=None)).run()
    at.text_input(key="data_db_password").input("wrong").run()
    at.text_area(key="data_db_query").input("select 1").run()
    at.button(key="data_db_preview_btn").click().run()
    assert_ok(at)
    assert any("无法登录" in e for e in errors(at)), errors(at)
