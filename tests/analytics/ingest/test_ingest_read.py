"""Reading text files: the in-place fast path against the careful path.

A UTF-8 file is read by DuckDB in place while another thread hashes it and counts its lines; a file
with a line that may be blank goes the careful way (blank lines found outside quotes and rewritten as
records). Both must learn the same hash and line count, the fast path must never miss a blank line,
and a file must stage the same records whichever way it went.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.ingest import read as ingest_read
from analytics.ingest.read import text as read_text
from analytics.ingest.read.text import _BlankFinder, _quick_scan, _Scan

HEADER = "transaction_id,customer_id,tx_date,product,quantity,revenue,cogs\n"


def careful(data: bytes) -> tuple[int, list[int]]:
    """Line feeds and blank lines outside quotes, as the careful path finds them."""
    finder = _BlankFinder()
    finder.feed(data)
    return data.count(b"\n"), finder.finish()


def quick(path: Path) -> tuple[bool, _Scan]:
    scan = _Scan(sha=hashlib.sha256())
    return _quick_scan(path, scan), scan


@pytest.mark.parametrize(("text", "maybe_blank"), [
    (b"a,b\n1,2\n3,4\n", False),
    (b"a,b\n1,2\n3,4", False),             # no final line feed
    (b"a,b\r\n1,2\r\n", False),            # CRLF
    (b"\na,b\n1,2\n", True),               # blank first line
    (b"a,b\n\n1,2\n", True),               # blank line
    (b"a,b\n1,2\n\n", True),               # trailing blank line
    (b"a,b\r\n\r\n1,2\r\n", True),         # CRLF blank line
    (b"a,b\n  \n1,2\n", True),             # whitespace-only line
    (b"a,b\n\t\n1,2\n", True),
    (b"a,b\n1,2\n  ", True),               # whitespace-only last line, no line feed
    (b"a,b\n 1,2\n", True),                # a line starting with a space: maybe, so careful
    (b'a,b\n"x\n\ny",2\n', True),          # blank inside quotes: the careful path decides
])
def test_quick_scan_flags_every_line_that_may_be_blank(tmp_path, text, maybe_blank):
    p = tmp_path / "f.csv"
    p.write_bytes(text)
    flagged, scan = quick(p)
    assert flagged is maybe_blank
    if not flagged:
        assert scan.sha.hexdigest() == hashlib.sha256(text).hexdigest()
        assert scan.newlines == text.count(b"\n")
        assert scan.last_byte == text[-1:]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.lists(st.sampled_from([b"a", b",", b'"', b" ", b"\t", b"\r", b"\n", b"\n\n", "é".encode()]),
                     max_size=60).map(b"".join),
       chunk=st.integers(min_value=1, max_value=8))
def test_the_fast_path_never_misses_a_blank_line(tmp_path, monkeypatch, data, chunk):
    """Whatever the bytes and wherever the chunks split them: when the quick scan says no line may be
    blank, the careful path finds none either, and both count the same line feeds and hash."""
    monkeypatch.setattr(read_text, "CHUNK", chunk)
    p = tmp_path / "f.bin"
    p.write_bytes(data)
    flagged, scan = quick(p)
    newlines, blanks = careful(data)
    if not flagged:
        assert blanks == []
        assert scan.newlines == newlines
        assert scan.sha.hexdigest() == hashlib.sha256(data).hexdigest()


def _stage(tmp_path: Path, text: str, monkeypatch, fast: bool):
    p = tmp_path / "t.csv"
    p.write_text(text, encoding="utf-8")
    if not fast:
        monkeypatch.setattr(read_text, "_readable_in_place", lambda sniffed: False)
    calls: list[Path] = []
    real = read_text._prepare_text
    monkeypatch.setattr(read_text, "_prepare_text", lambda *a: calls.append(a[0]) or real(*a))
    con = duckdb.connect()
    sn = ingest_read.sniff(p)
    staged = ingest_read.stage(con, p, sn)
    table = con.execute(f"SELECT * FROM {staged.table} ORDER BY rowid").fetchall()
    lines = [(i.line, i.code) for i in staged.issues]
    monkeypatch.undo()
    con.close()
    return staged, table, lines, bool(calls)


@pytest.mark.parametrize("text", [
    HEADER + "T1,C1,2024-01-05,P,1,100,60\nT2,C2,2024-01-06,P,1,100\nT3,C3,2024-01-07,\"a\nb\",1,1,1\n",
    HEADER + "T1,C1,2024-01-05,P,1,100,60\n\nT2,C2,2024-01-06,P,1,100,60\n  \n",
    "title\n" + HEADER + 'T1,C1,2024-01-05,"x\n\ny",1,100,60\nT2,C2,2024-01-06,P,1,100,60,9\n',
])
def test_both_paths_stage_the_same_records_and_lines(tmp_path, monkeypatch, text):
    fast, fast_rows, fast_lines, fast_fell_back = _stage(tmp_path, text, monkeypatch, fast=True)
    slow, slow_rows, slow_lines, _ = _stage(tmp_path, text, monkeypatch, fast=False)
    assert fast_rows == slow_rows
    assert fast_lines == slow_lines
    assert (fast.sha256, fast.records, fast.first_line, fast.blank_lines) == (
        slow.sha256, slow.records, slow.first_line, slow.blank_lines)
    # A file with no line that may be blank is read in place, without the careful pass.
    assert fast_fell_back == ("\n\n" in text or "\n " in text)


def test_a_plain_utf8_file_is_read_in_place(tmp_path, monkeypatch):
    staged, rows, lines, fell_back = _stage(tmp_path, HEADER + "T1,C1,2024-01-05,P,1,100,60\n", monkeypatch, True)
    assert not fell_back
    assert (staged.records, staged.first_line, lines) == (1, 2, [])
    assert rows == [("T1", "C1", "2024-01-05", "P", "1", "100", "60")]


def test_a_gbk_file_is_transcoded_first(tmp_path):
    p = tmp_path / "g.csv"
    p.write_bytes(("customer_id,name\nC1,北京客户\n").encode("gb18030"))
    con = duckdb.connect()
    staged = ingest_read.stage(con, p, ingest_read.sniff(p, encoding="gb18030"))
    assert con.execute(f"SELECT c1 FROM {staged.table}").fetchall() == [("北京客户",)]
    assert staged.sha256 == hashlib.sha256(p.read_bytes()).hexdigest()
