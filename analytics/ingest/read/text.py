"""Text files (CSV, TSV, TXT with any delimiter, whitespace-separated included) into the staging table.

Line numbers
    Every reported line is the physical line of the file (as a text editor numbers it; the
    header is a line), computed from DuckDB's record numbers plus line breaks inside quoted
    values and lines spanned by rejected records. Excel rows are the sheet's row numbers;
    Parquet rows are numbered from 1.

Row accounting
    DuckDB's ``read_csv`` with ``store_rejects`` "succeeds" while dropping malformed lines, and it
    skips blank lines silently. So blank lines (outside quotes) are turned into empty records
    before reading, every rejected line is listed, and the file's physical line count (counted
    while hashing) must equal header lines + staged records + line breaks inside values + lines
    of rejected records. Any difference stops the load.

Speed
    A UTF-8 file is read by DuckDB in place while a second thread hashes it and counts its lines
    (vectorised; both release the GIL). Only when that thread sees a line that may be blank (it
    starts with a line break, space or tab) does the file take the careful path: a streaming pass
    finds blank lines outside quotes, rewrites them as records, and DuckDB reads the copy.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import re
import tempfile
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import pandas as pd

from analytics.ingest.read.common import (
    header_index,
    looks_headerless,
    rowid_base,
    run_with_progress,
    unique_names,
)
from analytics.ingest.read.encoding import EncodingGuess, check_encoding, decode_sample, detect_encoding
from analytics.ingest.read.types import (
    CHUNK,
    DELIMITERS,
    LIMITS,
    PREVIEW_ROWS,
    SAMPLE_BYTES,
    WHITESPACE,
    IngestError,
    Limits,
    Progress,
    Sniff,
    Staged,
    StageIssue,
)


# ----------------------------------------------------------------------------- sniffing
def _rows_from_text(text: str, delimiter: str, limit: int = 200) -> list[list[str]]:
    if delimiter == WHITESPACE:
        reader = csv.reader((ln.strip() for ln in io.StringIO(text)), delimiter=" ", skipinitialspace=True)
    else:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) >= limit:
                break
    except csv.Error:
        pass
    return rows


def _drop_partial_tail(text: str, complete: bool) -> str:
    """The sample without its last (possibly cut) line, unless the sample is the whole file."""
    if complete or "\n" not in text:
        return text
    return text[: text.rfind("\n") + 1]


def sniff_delimiter(text: str) -> str:
    """The delimiter giving the most consistent number of fields (> 1) over the sample's rows."""
    best, best_score = ",", (-1.0, 0)
    for d in DELIMITERS:
        counts = [len(r) for r in _rows_from_text(text, d, 100) if any(c.strip() for c in r)]
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        consistency = counts.count(mode) / len(counts)
        score = (round(consistency, 2), mode if d != WHITESPACE else 0)
        if score > best_score:
            best, best_score = d, score
    return best


def sniff(p: Path, name: str, size: int, head: bytes, *, encoding: str | None = None,
          delimiter: str | None = None, header_row: int | None = None, header: bool | None = None,
          limits: Limits = LIMITS) -> Sniff:
    """A text file's encoding, delimiter and header from ``head`` (its first megabyte), with a preview.

    Given options override detection; ``header=False`` reads the file as having no header row
    (``header_row`` is then the first data row), None detects it (:func:`looks_headerless`).
    Raises :class:`IngestError` for an empty or undecodable file.
    """
    if encoding:
        enc = check_encoding(encoding)
        guess = EncodingGuess(enc, True, (enc,))
    else:
        guess = detect_encoding(head)
    text = decode_sample(head, guess.encoding)
    if text is None:
        raise IngestError("decode_failed", f"the file is not valid {guess.encoding} text; choose another encoding",
                          encoding=guess.encoding)
    cr_only = "\r" in text and "\n" not in text
    if cr_only:
        text = text.replace("\r", "\n")
    text = _drop_partial_tail(text.lstrip("\ufeff"), complete=len(head) >= size)
    if not text.strip():
        raise IngestError("empty", "the file is empty")
    delim = delimiter if delimiter is not None else sniff_delimiter(text)
    if delim not in DELIMITERS and len(delim) != 1:
        raise IngestError("bad_delimiter", f"the delimiter must be one character, not {delim!r}", delimiter=delim)
    rows = _rows_from_text(text, delim, 200)
    hdr = header_index(rows) if header_row is None else header_row
    if hdr >= len(rows):
        raise IngestError("no_header", f"the file has no line {hdr + 1} to use as the header", line=hdr + 1)
    detected = header is None
    has_header = (header_row is not None or not looks_headerless(rows, hdr)) if header is None else header
    columns, dups = unique_names(rows[hdr] if has_header else [None] * len(rows[hdr]))
    if len(columns) > limits.max_columns:
        raise IngestError("too_many_file_columns", f"the file has {len(columns):,} columns; at most "
                          f"{limits.max_columns:,} are read", columns=len(columns), limit=limits.max_columns)
    body = [r + [""] * (len(columns) - len(r)) if len(r) < len(columns) else r[: len(columns)]
            for r in rows[hdr + int(has_header): hdr + int(has_header) + PREVIEW_ROWS]]
    preview = pd.DataFrame(body, columns=list(columns), dtype=object)
    n_lines = text.count("\n")
    est = int(size / max(len(text.encode("utf-8")), 1) * n_lines) if n_lines else None
    return Sniff(kind="csv", file_name=name, size=size, encoding=guess.encoding,
                 encoding_confident=guess.confident, encoding_candidates=guess.candidates, delimiter=delim,
                 header_row=hdr, columns=columns, preview=preview, duplicate_columns=dups, rows_estimate=est,
                 cr_only=cr_only, header=has_header, header_detected=detected)


# ----------------------------------------------------------------------------- staging
@dataclass
class _Scan:
    """What one streaming pass learns about the text DuckDB will read."""

    sha: object
    newlines: int = 0
    last_byte: bytes = b""
    blank_at: list[int] = field(default_factory=list)  # offsets of blank lines outside quotes


# A blank (or whitespace-only) line: at the start of the scanned text or right after a newline.
_BLANK = re.compile(rb"(?:(?<=\n)|\A)[ \t]*\r?\n")


_MAYBE_BLANK = (b"\n\n", b"\n\r\n", b"\n ", b"\n\t")


class _BlankFinder:
    """Finds blank lines outside quoted values across chunk boundaries.

    A line break is inside a quoted value exactly when an odd number of quote characters precede
    it (RFC 4180 escapes a quote by doubling it, which keeps the parity).
    """

    def __init__(self) -> None:
        self.carry = b""  # the incomplete last line of the text seen so far
        self.carry_start = 0
        self.quotes = 0  # quote characters before carry_start
        self.found: list[int] = []

    def feed(self, out: bytes) -> None:
        data = self.carry + out
        base = self.carry_start
        last_nl = data.rfind(b"\n")
        if last_nl < 0:
            self.carry = data
            return
        complete = data[: last_nl + 1]
        if any(m in complete for m in _MAYBE_BLANK) or complete[:1] in (b"\n", b"\r", b" ", b"\t"):
            pos = 0
            for m in _BLANK.finditer(complete):
                self.quotes += complete[pos: m.start()].count(b'"')
                pos = m.start()
                if self.quotes % 2 == 0:
                    self.found.append(base + m.start())
            self.quotes += complete[pos:].count(b'"')
        else:
            self.quotes += complete.count(b'"')
        self.carry = data[last_nl + 1:]
        self.carry_start = base + last_nl + 1

    def finish(self) -> list[int]:
        if self.carry and not self.carry.strip() and self.quotes % 2 == 0:
            self.found.append(self.carry_start)
        return self.found


def _prepare_text(path: Path, sniffed: Sniff, work: Path, progress: Progress | None) -> tuple[Path, _Scan]:
    """One streaming pass: hash the file, count its lines and find blank lines; transcode it to UTF-8
    when it is not UTF-8 (or rewrite a whitespace-separated file as tab-separated). Returns the path
    DuckDB reads and what the pass learnt."""
    enc = sniffed.encoding or "utf-8"
    scan = _Scan(sha=hashlib.sha256())
    if sniffed.delimiter == WHITESPACE:
        return _prepare_whitespace(path, sniffed, work, progress, scan), scan
    cr_only = sniffed.cr_only
    transcode = enc not in ("utf-8", "utf-8-sig", "ascii") or cr_only
    size = max(path.stat().st_size, 1)
    target = work / "data.csv"
    decoder = codecs.getincrementaldecoder(enc)(errors="strict") if transcode else None
    blanks = _BlankFinder()
    lines_before = 0
    done = 0
    with open(path, "rb") as fh, (open(target, "wb") if transcode else contextlib.nullcontext()) as out_fh:
        first = True
        while True:
            raw = fh.read(CHUNK)
            final = not raw
            scan.sha.update(raw)
            if decoder is not None:
                try:
                    text = decoder.decode(raw, final=final)
                except UnicodeDecodeError as exc:
                    partial = bytes(exc.object[: exc.start]).decode(enc, errors="replace")
                    line = lines_before + 1 + partial.count("\n") + (partial.count("\r") if cr_only else 0)
                    raise IngestError("decode_error", f"line {line}: bytes that are not valid {enc}; "
                                      "choose the file's real encoding", line=line, encoding=enc) from None
                if first:
                    text = text.lstrip("\ufeff")
                if cr_only:
                    text = text.replace("\r", "\n")
                out = text.encode("utf-8")
                assert out_fh is not None
                out_fh.write(out)
                lines_before += text.count("\n")
            else:
                out = raw
            first = False
            scan.newlines += out.count(b"\n")
            blanks.feed(out)
            if out:
                scan.last_byte = out[-1:]
            done += len(raw)
            if progress:
                progress("read", 0.4 * done / size)
            if final:
                break
    scan.blank_at = blanks.finish()
    return (target if transcode else path), scan


def _prepare_whitespace(path: Path, sniffed: Sniff, work: Path, progress: Progress | None, scan: _Scan) -> Path:
    """A whitespace-separated file rewritten as tab-separated (one output line per input line)."""
    enc = sniffed.encoding or "utf-8"
    target = work / "data.tsv"
    size = max(path.stat().st_size, 1)
    width = len(sniffed.columns)

    class _Hashing(io.RawIOBase):
        def __init__(self, fh: io.BufferedReader) -> None:
            self.fh = fh

        def readable(self) -> bool:
            return True

        def readinto(self, b: bytearray) -> int:  # type: ignore[override]
            data = self.fh.read(len(b))
            scan.sha.update(data)
            b[: len(data)] = data
            return len(data)

    with open(path, "rb") as raw_fh, open(target, "w", encoding="utf-8", newline="") as out:
        text_fh = io.TextIOWrapper(io.BufferedReader(_Hashing(raw_fh), CHUNK), encoding=enc, errors="strict", newline="")
        writer = csv.writer(out, delimiter="\t", lineterminator="\n")
        line = 0
        try:
            for raw_line in text_fh:
                line += 1
                stripped = raw_line.strip().lstrip("\ufeff")
                if not stripped:
                    out.write("\t" * max(width - 1, 0) + "\n")
                    continue
                fields = next(csv.reader([stripped], delimiter=" ", skipinitialspace=True))
                writer.writerow(fields)
                if progress and line % 50_000 == 0:
                    progress("read", 0.4 * raw_fh.tell() / size)
        except UnicodeDecodeError:
            raise IngestError("decode_error", f"line {line + 1}: bytes that are not valid {enc}; "
                              "choose the file's real encoding", line=line + 1, encoding=enc) from None
        scan.newlines = line
        scan.last_byte = b"\n"
    return target


def _blank_to_records(src: Path, blank_at: list[int], delimiter: str, width: int, work: Path) -> Path:
    """A copy of ``src`` where each blank line (outside quotes) holds empty fields, so DuckDB keeps it
    as a record instead of skipping it (record positions then map to lines exactly)."""
    target = work / "data_blank.csv"
    filler = (delimiter * max(width - 1, 0)).encode("utf-8")
    if not filler:
        filler = b'""'
    with open(src, "rb") as fh, open(target, "wb") as out:
        pos = 0
        for at in blank_at:
            # at: offset of the first byte after the preceding newline; the blank line runs to the next \n
            out.write(fh.read(at - pos))
            pos = at
            rest = b""
            while True:
                ch = fh.read(1)
                pos += 1
                if not ch or ch == b"\n":
                    rest = ch
                    break
            out.write(filler + rest)
        while True:
            data = fh.read(CHUNK)
            if not data:
                break
            out.write(data)
    return target


_REJECT_CODES = {
    "MISSING COLUMNS": "too_few_columns",
    "TOO MANY COLUMNS": "too_many_columns",
    "UNQUOTED VALUE": "unterminated_quote",
    "LINE SIZE OVER MAXIMUM": "line_too_long",
    "INVALID ENCODING": "bad_encoding",
    "INVALID UNICODE": "bad_encoding",
}


def stage(cur: duckdb.DuckDBPyConnection, p: Path, sniffed: Sniff, name: str, progress: Progress | None,
          limits: Limits) -> Staged:
    """The whole text file into temporary table ``name``, every physical line accounted for."""
    width = len(sniffed.columns)
    delim = "\t" if sniffed.delimiter == WHITESPACE else (sniffed.delimiter or ",")
    with tempfile.TemporaryDirectory(prefix="cvm_ingest_") as tmp:
        work = Path(tmp)
        staged_in_place = None
        if _readable_in_place(sniffed):
            staged_in_place = _stage_in_place(cur, p, sniffed, name, progress, limits, delim)
        if staged_in_place is not None:
            scan, skip, records, rejects = staged_in_place
        else:
            src, scan = _prepare_text(p, sniffed, work, progress)
            if scan.blank_at:
                src = _blank_to_records(src, scan.blank_at, delim, width, work)
            skip = _header_lines(src, sniffed, delim)
            records, rejects = _read_csv(cur, src, sniffed, name, progress, limits, delim, skip, 0.4)
    spans = [(text or "").rstrip("\n").count("\n") + 1 for _, _, _, text in rejects]
    physical = scan.newlines + (1 if scan.last_byte and scan.last_byte != b"\n" else 0)
    accounted = skip + records + sum(spans)
    embedded = 0
    if physical != accounted:
        embedded = _embedded_newlines(cur, name, width)
        if physical != accounted + embedded:
            raise IngestError(
                "unreconciled", f"the reader accounted for {accounted + embedded:,} of the file's {physical:,} lines; "
                "nothing was loaded (check the delimiter, quotes and encoding)",
                lines=physical, accounted=accounted + embedded)
    if records == 0 and not rejects:
        raise IngestError("header_only", "the file has a header but no data rows")
    staged = Staged(table=name, kind="csv", columns=sniffed.columns, records=records, sha256=scan.sha.hexdigest(),
                    size=p.stat().st_size, encoding=sniffed.encoding, delimiter=sniffed.delimiter,
                    header_row=sniffed.header_row, first_line=skip + 1, blank_lines=len(scan.blank_at),
                    base=rowid_base(cur, name))
    staged = _with_line_maps(cur, staged, [(int(r[0]), s) for r, s in zip(rejects, spans, strict=True)], skip, embedded)
    if rejects:
        lines = _reject_lines(cur, staged, [int(r[0]) for r in rejects], spans, skip)
        issues = tuple(_stage_issue(line, str(etype), str(msg), text or "", span)
                       for line, (_, etype, msg, text), span in zip(lines, rejects, spans, strict=True))
        staged = replace(staged, issues=issues)
    if progress:
        progress("read", 1.0)
    return staged


Rejects = list[tuple[int, str, str, str]]


def _read_csv(cur: duckdb.DuckDBPyConnection, src: Path, sniffed: Sniff, name: str, progress: Progress | None,
              limits: Limits, delim: str, skip: int, lo: float) -> tuple[int, Rejects]:
    """DuckDB reads ``src`` (UTF-8) into ``name`` as text columns; returns the record count and the
    rejected records (DuckDB's line number, error type, message, raw text)."""
    width = len(sniffed.columns)
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    rej, scan_t = f"{name}_rej", f"{name}_rejscan"
    for t in (name, rej, scan_t):
        cur.execute(f"DROP TABLE IF EXISTS {t}")
    sql = (f"CREATE TEMP TABLE {name} AS SELECT * FROM read_csv($path, auto_detect = false, header = false, "
           f"skip = $skip, columns = {columns}, delim = $delim, quote = '\"', escape = '\"', "
           f"store_rejects = true, rejects_table = '{rej}', rejects_scan = '{scan_t}', "
           f"max_line_size = $maxline, rejects_line_size_limit = $maxline, strict_mode = true, "
           f"null_padding = false, encoding = 'utf-8')")
    params = {"path": str(src), "skip": skip, "delim": delim, "maxline": limits.max_line_bytes}
    try:
        run_with_progress(cur, sql, params, progress, "read", lo, 0.95)
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0]
        raise IngestError("unreadable", f"the file cannot be read as {sniffed.delimiter_name}-separated text: "
                          f"{first}", detail=first) from None
    records = cur.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
    rejects = cur.execute(
        f"""SELECT line, any_value(error_type), any_value(error_message), any_value(csv_line)
            FROM {rej} GROUP BY line ORDER BY line""").fetchall()
    cur.execute(f"DROP TABLE IF EXISTS {rej}")
    cur.execute(f"DROP TABLE IF EXISTS {scan_t}")
    return int(records), rejects


def _readable_in_place(sniffed: Sniff) -> bool:
    """UTF-8 text with a real delimiter and line feeds: DuckDB can read the file itself."""
    return (sniffed.encoding or "utf-8") in ("utf-8", "utf-8-sig", "ascii") and not sniffed.cr_only \
        and sniffed.delimiter != WHITESPACE


def _stage_in_place(cur: duckdb.DuckDBPyConnection, p: Path, sniffed: Sniff, name: str, progress: Progress | None,
                    limits: Limits, delim: str) -> tuple[_Scan, int, int, Rejects] | None:
    """The fast path for a large UTF-8 file: DuckDB reads the file while another thread hashes it and
    counts its lines (both release the GIL, so they overlap). Returns None when that thread saw a
    line that may be blank: DuckDB would have skipped it, so the caller takes the careful path
    (find blank lines outside quotes, rewrite them as records, read again)."""
    scan = _Scan(sha=hashlib.sha256())
    box: list[bool | BaseException] = []

    def scan_file() -> None:
        try:
            box.append(_quick_scan(p, scan))
        except BaseException as exc:  # handed to the caller's thread
            box.append(exc)

    th = threading.Thread(target=scan_file, name="cvm-ingest-scan", daemon=True)
    th.start()
    skip = _header_lines(p, sniffed, delim)
    read: tuple[int, Rejects] | IngestError
    try:
        read = _read_csv(cur, p, sniffed, name, progress, limits, delim, skip, 0.0)
    except IngestError as exc:
        read = exc
    finally:
        th.join()
    if isinstance(box[0], BaseException):
        raise box[0]
    if box[0]:
        cur.execute(f"DROP TABLE IF EXISTS {name}")
        return None
    if isinstance(read, IngestError):
        raise read
    return scan, skip, read[0], read[1]


_MAYBE_BLANK_NEXT = (0x0A, 0x0D, 0x20, 0x09)  # a line that starts with these may be blank


def _quick_scan(path: Path, scan: _Scan) -> bool:
    """Hash ``path``, count its line feeds and note its last byte in ``scan``; return whether any line
    may be blank (starts with a line break, space or tab, or is a whitespace-only last line).
    Vectorised with numpy: no Python loop over lines."""
    import numpy as np  # only this path needs it

    prev = 0x0A  # the file's first line counts as following a line break
    tail_blank = True
    with open(path, "rb") as fh:
        while raw := fh.read(CHUNK):
            scan.sha.update(raw)
            arr = np.frombuffer(raw, dtype=np.uint8)
            nl = arr == 0x0A
            scan.newlines += int(np.count_nonzero(nl))
            if (prev == 0x0A and int(arr[0]) in _MAYBE_BLANK_NEXT) or np.isin(arr[1:][nl[:-1]], _MAYBE_BLANK_NEXT).any():
                return True
            last_nl = raw.rfind(b"\n")
            tail = raw[last_nl + 1:]
            tail_blank = (tail_blank if last_nl < 0 else True) and not tail.strip()
            prev = int(arr[-1])
            scan.last_byte = raw[-1:]
    return bool(scan.last_byte) and scan.last_byte != b"\n" and tail_blank


def _header_lines(src: Path, sniffed: Sniff, delim: str) -> int:
    """Physical lines up to and including the header record (so DuckDB skips exactly those); without
    a header, the lines before the first data record."""
    if not sniffed.header:
        if sniffed.header_row == 0 or sniffed.delimiter == WHITESPACE:
            return sniffed.header_row
        return _header_lines(src, replace(sniffed, header=True, header_row=sniffed.header_row - 1), delim)
    if sniffed.delimiter == WHITESPACE:
        return sniffed.header_row + 1
    with open(src, encoding="utf-8-sig", errors="replace", newline="") as fh:
        head = fh.read(SAMPLE_BYTES)
    reader = csv.reader(io.StringIO(head), delimiter=delim)
    for i, _row in enumerate(reader):
        if i == sniffed.header_row:
            return reader.line_num
    return sniffed.header_row + 1


def _stage_issue(line: int, etype: str, msg: str, text: str, span: int) -> StageIssue:
    code = _REJECT_CODES.get(etype.upper(), "unreadable_line")
    detail = _reject_detail(etype, msg)
    if code == "unterminated_quote":
        code, detail = ("unterminated_quote", str(span)) if span > 1 else ("bad_quote", "")
    return StageIssue(line, code, detail, text[:200])


def _reject_detail(etype: str, msg: str) -> str:
    m = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", msg)
    if m:
        return f"{m.group(1)}:{m.group(2)}"
    return msg.splitlines()[0][:200] if msg else etype


def _newline_sql(width: int) -> str:
    return " + ".join(f"coalesce(strlen(c{i}) - strlen(replace(c{i}, chr(10), '')), 0)" for i in range(width)) or "0"


def _embedded_newlines(cur: duckdb.DuckDBPyConnection, name: str, width: int) -> int:
    return int(cur.execute(f"SELECT coalesce(sum({_newline_sql(width)}), 0) FROM {name}").fetchone()[0])


def _with_line_maps(cur: duckdb.DuckDBPyConnection, staged: Staged, rejects: list[tuple[int, int]], skip: int,
                    embedded: int) -> Staged:
    """Small helper tables that turn a staged record's position into its physical line.

    DuckDB numbers records, not lines: record ``r`` (0-based after the header, blank lines
    included) has DuckDB line ``skip + r + 1``, whatever line breaks quoted values hold. A staged
    record at position ``k`` is record ``k + #{rejected j: g_j <= k}``, where ``g_j = r_j - (j - 1)``
    (``j`` 1-based) is the number of staged records before rejected record ``j``. Its physical line
    adds the line breaks inside earlier staged values (table ``…_nl``, only records that have any)
    and the extra lines of earlier rejected records.
    """
    name = staged.table
    shift = nl = None
    if rejects:
        shift = f"{name}_shift"
        cur.execute(f"CREATE OR REPLACE TEMP TABLE {shift} (g BIGINT, span BIGINT)")
        cur.executemany(f"INSERT INTO {shift} VALUES (?, ?)",
                        [((line - skip - 1) - j, span) for j, (line, span) in enumerate(rejects)])
    if embedded:
        nl = f"{name}_nl"
        cur.execute(f"""CREATE OR REPLACE TEMP TABLE {nl} AS
            SELECT ord, n FROM (SELECT {staged.ord_sql()} AS ord, {_newline_sql(len(staged.columns))} AS n FROM {name})
            WHERE n > 0""")
    return replace(staged, shift_table=shift, newline_table=nl)


def _reject_lines(cur: duckdb.DuckDBPyConnection, staged: Staged, duck_lines: list[int], spans: list[int],
                  skip: int) -> list[int]:
    """Physical lines of the rejected records (DuckDB's record-based line plus earlier line breaks)."""
    out = []
    extra = 0
    for j, (line, span) in enumerate(zip(duck_lines, spans, strict=True)):
        before = 0
        if staged.newline_table:
            g = (line - skip - 1) - j
            before = cur.execute(f"SELECT coalesce(sum(n), 0) FROM {staged.newline_table} WHERE ord < ?",
                                 [g]).fetchone()[0]
        out.append(line + int(before) + extra)
        extra += span - 1
    return out
