"""Property tests of the ingest engine: numbers in any export format parse to their value; every line of a
messy CSV is accounted for, with each rejected record reported at the physical line where it starts;
dates in any unambiguous format parse to the day."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import ingest
from analytics.store import schema
from tests.helpers import build_store, customer

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FW = str.maketrans("0123456789.,-", "０１２３４５６７８９．，－")
HEADER = ["transaction_id", "customer_id", "tx_date", "product", "quantity", "revenue", "cogs"]


def store():
    return build_store(customers=[customer("C1")])


def grouped(d: Decimal) -> str:
    whole, frac = f"{abs(d):.2f}".split(".")
    return ("-" if d < 0 else "") + f"{int(whole):,}.{frac}"


@st.composite
def formatted_amount(draw) -> tuple[str, Decimal]:
    d = draw(st.decimals(min_value=Decimal("-99999999"), max_value=Decimal("99999999"), places=2))
    style = draw(st.sampled_from(["plain", "grouped", "yen", "fullwidth", "accounting", "wan", "dollar_code"]))
    if style == "plain":
        return f"{d:.2f}", d
    if style == "grouped":
        return grouped(d), d
    if style == "yen":
        return ("-" if d < 0 else "") + "¥" + grouped(abs(d)), d
    if style == "fullwidth":
        return grouped(d).translate(FW), d
    if style == "accounting":
        return (f"({grouped(abs(d))})" if d < 0 else grouped(d)), d
    if style == "wan":
        w = Decimal(draw(st.integers(min_value=-9999, max_value=9999))) / 100
        return f"{w}万", w * 10000
    return f"USD {d:.2f}", d


@SETTINGS
@given(st.lists(formatted_amount(), min_size=1, max_size=15))
def test_amounts_in_any_export_format_parse_exactly(tmp_path_factory, amounts):
    path = Path(tmp_path_factory.mktemp("amounts")) / "a.csv"
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADER)
    for i, (text, _) in enumerate(amounts):
        w.writerow([f"T{i}", "C1", "2024-01-01", "P", "1", text, "0"])
    path.write_text(buf.getvalue(), encoding="utf-8")
    con = store()
    try:
        sn = ingest.sniff(path)
        rep = ingest.load(con, path, sn, ingest.Options("transactions", ingest.auto_map("transactions", sn.columns)))
        got = dict(con.execute("SELECT transaction_id, revenue FROM transactions WHERE load_id = ?", [rep.load_id]).fetchall())
    finally:
        con.close()
    assert got == {f"T{i}": value for i, (_, value) in enumerate(amounts)}


@st.composite
def messy_csv(draw) -> tuple[str, list[tuple[int, str]], int, int]:
    """A CSV with good rows, rows with a bad quantity, short rows, blank lines and values with line breaks.

    Returns the text, the expected (line, code) of every problem, the number of data rows and of valid rows.
    """
    lines = [",".join(HEADER)]
    physical = 1
    expected: list[tuple[int, str]] = []
    rows = valid = 0
    for i in range(draw(st.integers(min_value=1, max_value=25))):
        kind = draw(st.sampled_from(["good", "good", "multiline", "bad_qty", "short", "blank"]))
        start = physical + 1
        if kind == "blank":
            lines.append("")
            physical += 1
            continue
        rows += 1
        product = "P"
        if kind == "multiline":
            product = '"first\n' + "\n" * draw(st.integers(min_value=0, max_value=2)) + 'last"'
        qty = "x" if kind == "bad_qty" else "1"
        fields = [f"T{i}", "C1", "2024-01-01", product, qty, "10", "5"]
        if kind == "short":
            fields = fields[:-1]
            expected.append((start, "too_few_columns"))
        elif kind == "bad_qty":
            expected.append((start, "not_number"))
        else:
            valid += 1
        text = ",".join(fields)
        lines.append(text)
        physical += text.count("\n") + 1
    return "\n".join(lines) + "\n", expected, rows, valid


@SETTINGS
@given(messy_csv())
def test_every_line_is_accounted_for_and_reported_where_it_starts(tmp_path_factory, case):
    text, expected, rows, valid = case
    path = Path(tmp_path_factory.mktemp("messy")) / "m.csv"
    path.write_text(text, encoding="utf-8")
    con = store()
    try:
        rep = ingest.check(con, path, ingest.sniff(path),
                           ingest.Options("transactions", ingest.auto_map("transactions", HEADER)))
    finally:
        con.close()
    assert [(r.line, r.code) for r in rep.issues.itertuples()] == expected
    assert (rep.rows, rep.valid, rep.rejected) == (rows, valid, rows - valid)


DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y%m%d", "%d-%b-%Y", "%Y-%m-%d %H:%M:%S"]


@SETTINGS
@given(st.sampled_from(DATE_FORMATS),
       # Up to the latest date of an event ingest accepts (later ones are refused: test_ingest_refusals.py).
       st.lists(st.dates(min_value=dt.date(1950, 1, 1), max_value=schema.latest_date()), min_size=1, max_size=12))
def test_dates_in_any_unambiguous_format_parse_to_the_day(tmp_path_factory, fmt, days):
    path = Path(tmp_path_factory.mktemp("dates")) / "d.csv"
    body = "".join(f"T{i},C1,{dt.datetime(d.year, d.month, d.day, 13, 5).strftime(fmt)},P,1,1,1\n"
                   for i, d in enumerate(days))
    path.write_text(",".join(HEADER) + "\n" + body, encoding="utf-8")
    con = store()
    try:
        rep = ingest.load(con, path, ingest.sniff(path), ingest.Options("transactions",
                                                                        ingest.auto_map("transactions", HEADER)))
        got = dict(con.execute("SELECT transaction_id, tx_date FROM transactions WHERE load_id = ?",
                               [rep.load_id]).fetchall())
    finally:
        con.close()
    assert got == {f"T{i}": d for i, d in enumerate(days)}
