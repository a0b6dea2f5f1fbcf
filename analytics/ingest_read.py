"""Reading analysts' files safely into a DuckDB staging table (part of :mod:`analytics.ingest`).

Text files (CSV, TSV, TXT with any delimiter, whitespace-separated included), Excel workbooks
(.xlsx) and Parquet files are read into a temporary table of text columns ``c0 … cN`` in file
order, so that the rest of the engine validates every value in SQL. Nothing here writes to the
store.

Encodings
    UTF-8 (with or without BOM), GB18030 (a superset of GBK and GB2312), Big5 and UTF-16 are
    recognised from the first megabyte: byte-order marks first, then the NUL pattern of UTF-16,
    then strict UTF-8, then GB18030 against Big5 — both decode most double-byte text, so each
    reading is scored by the share of its characters that fall in the common range of its own
    standard (GB2312's 3,755 level-1 characters and symbols; Big5's 5,401 frequent characters and
    symbols) — text in the other encoding falls outside those ranges about half the time. A short or
    ambiguous sample is reported as not confident, and the page asks the analyst to confirm it
    on the preview. Non-UTF-8 text is transcoded to UTF-8 in a streaming pass (4 MiB chunks)
    before DuckDB reads it; a byte sequence that is invalid in the chosen encoding stops the
    read with its line number.

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

Hostile files
    Excel and Parquet files are read by :mod:`analytics.ingest_binary`, which checks them for zip,
    XML and Parquet bombs before anything is expanded.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import os
import re
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import pandas as pd

Progress = Callable[[str, float], None]
"""``progress(phase, fraction)``: phase is ``read``, ``validate`` or ``write``; fraction in [0, 1]."""

KINDS = ("csv", "xlsx", "parquet")
ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "big5", "utf-16")
DELIMITERS = (",", "\t", ";", "|", " ")
WHITESPACE = " "  # the delimiter value that means "runs of spaces or tabs"
CHUNK = 4 << 20
SAMPLE_BYTES = 1 << 20
PREVIEW_ROWS = 20
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Limits:
    """Bounds that protect the process from hostile or runaway files (tests shrink them)."""

    max_columns: int = 500
    max_line_bytes: int = 8 << 20
    xlsx_max_members: int = 10_000
    xlsx_max_uncompressed: int = 1 << 30
    xlsx_max_ratio: float = 200.0
    xlsx_ratio_min_size: int = 1 << 20
    xlsx_max_rows: int = 1_048_576
    xlsx_max_cells: int = 30_000_000
    parquet_max_rows: int = 100_000_000
    parquet_max_uncompressed: int = 8 << 30
    parquet_max_expanded: int = 8 << 30


LIMITS = Limits()


class IngestError(ValueError):
    """A file or request the engine refuses, with a code and parameters for translated messages.

    ``str(error)`` is the English message (command line); the page shows ``data.err.<code>``.
    ``report`` carries the validation report when the refusal came after validation.
    """

    def __init__(self, code: str, message: str, report: object | None = None, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params
        self.report = report


# ----------------------------------------------------------------------------- encodings
@dataclass(frozen=True)
class EncodingGuess:
    encoding: str
    confident: bool
    candidates: tuple[str, ...]


def _decode_sample(sample: bytes, encoding: str) -> str | None:
    """The sample decoded strictly, tolerating a character cut at the sample's end; None if invalid."""
    try:
        return sample.decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 4 and exc.reason.startswith(("unexpected end", "incomplete")):
            try:
                return sample[: exc.start].decode(encoding)
            except UnicodeDecodeError:
                return None
        if exc.start >= len(sample) - 4 and encoding in ("gb18030", "big5"):
            try:
                return sample[: exc.start].decode(encoding)
            except UnicodeDecodeError:
                return None
        return None
    except LookupError:
        return None


def _plausible_share(text: str, standard: str, ranges: tuple[tuple[int, int], ...]) -> float:
    """Share of non-ASCII characters whose code in ``standard`` has a lead byte in ``ranges``."""
    total = hits = 0
    for ch in text:
        if ch < "\x80":
            continue
        total += 1
        try:
            b = ch.encode(standard)
        except UnicodeEncodeError:
            continue
        if len(b) == 2 and any(lo <= b[0] <= hi for lo, hi in ranges):
            hits += 1
    return hits / total if total else 0.0


def detect_encoding(sample: bytes) -> EncodingGuess:
    """The encoding of a text sample among :data:`ENCODINGS` (see the module docstring)."""
    if sample.startswith(codecs.BOM_UTF8):
        return EncodingGuess("utf-8-sig", True, ("utf-8-sig",))
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return EncodingGuess("utf-16", True, ("utf-16",))
    head = sample[:4096]
    if len(head) >= 4:
        even = head[0::2].count(0) / max(len(head[0::2]), 1)
        odd = head[1::2].count(0) / max(len(head[1::2]), 1)
        if odd > 0.3 and even < 0.05:
            return EncodingGuess("utf-16-le", True, ("utf-16-le",))
        if even > 0.3 and odd < 0.05:
            return EncodingGuess("utf-16-be", True, ("utf-16-be",))
    if b"\x00" in head:
        raise IngestError("binary", "this is not a text file (it contains NUL bytes); upload CSV, Excel (.xlsx) or Parquet")
    text = _decode_sample(sample, "utf-8")
    if text is not None:
        return EncodingGuess("utf-8", True, ("utf-8",))
    scores: dict[str, float] = {}
    gb = _decode_sample(sample, "gb18030")
    if gb is not None:
        scores["gb18030"] = _plausible_share(gb, "gb2312", ((0xA1, 0xA3), (0xB0, 0xD7)))
    b5 = _decode_sample(sample, "big5")
    if b5 is not None:
        scores["big5"] = _plausible_share(b5, "big5", ((0xA1, 0xA3), (0xA4, 0xC6)))
    if not scores:
        raise IngestError("unknown_encoding", "the file's encoding is not UTF-8, GB18030/GBK, Big5 or UTF-16; "
                          "save it as UTF-8 or choose its encoding")
    ranked = sorted(scores, key=lambda e: (-scores[e], e != "gb18030"))
    best = ranked[0]
    runner_up = scores[ranked[1]] if len(ranked) > 1 else 0.0
    confident = scores[best] >= 0.8 and scores[best] - runner_up >= 0.3
    return EncodingGuess(best, confident, tuple(ranked))


def check_encoding(encoding: str) -> str:
    """A codec name Python knows, normalised (``GBK`` → ``gbk``); IngestError otherwise."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise IngestError("bad_encoding_name", f"unknown encoding {encoding!r}", encoding=encoding) from None


# ----------------------------------------------------------------------------- kinds
def detect_kind(name: str, head: bytes) -> str:
    """``csv``, ``xlsx`` or ``parquet`` from the file's first bytes (the name is only a hint)."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "xlsx"
    if head.startswith(_OLE_MAGIC):
        return "ole"
    if head.startswith(b"PAR1"):
        return "parquet"
    lower = name.lower()
    if lower.endswith((".xlsx", ".xlsm")):
        raise IngestError("corrupt_xlsx", "this .xlsx file is not a valid workbook (it is not a zip archive)")
    if lower.endswith(".parquet"):
        raise IngestError("corrupt_parquet", "this .parquet file is not valid (no Parquet header)")
    if lower.endswith(".xls"):
        raise IngestError("legacy_xls", "legacy .xls workbooks are not supported; save it as .xlsx or CSV")
    return "csv"


# ----------------------------------------------------------------------------- sniffing
@dataclass(frozen=True)
class Sniff:
    """What a file looks like: its kind, encoding, dialect, header, columns and first rows."""

    kind: str
    file_name: str
    size: int
    encoding: str | None = None
    encoding_confident: bool = True
    encoding_candidates: tuple[str, ...] = ()
    delimiter: str | None = None
    header_row: int = 0  # 0-based index of the header record (CSV) or row (Excel)
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    preview: pd.DataFrame = field(default_factory=pd.DataFrame)
    duplicate_columns: tuple[str, ...] = ()
    rows_estimate: int | None = None
    cr_only: bool = False  # old Mac line ends (CR without LF)

    @property
    def delimiter_name(self) -> str:
        return {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe", " ": "whitespace"}.get(
            self.delimiter or "", "other")


def _unique_names(raw: list[object]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Header cells as unique, non-empty names (``a``, ``a (2)``; ``column 3``) and the duplicated names."""
    names: list[str] = []
    seen: dict[str, int] = {}
    dups: list[str] = []
    for i, cell in enumerate(raw):
        name = "" if cell is None else str(cell).strip().replace("\ufeff", "")
        name = " ".join(name.split()) or f"column {i + 1}"
        if name in seen:
            seen[name] += 1
            if name not in dups:
                dups.append(name)
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        names.append(name)
    return tuple(names), tuple(dups)


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


def header_index(rows: list[list[object]]) -> int:
    """The header's row: the first of the first 30 rows that is at least as wide as most rows are
    (skips title rows above the header; a ragged data row does not move it)."""
    widths = [sum(1 for c in r if c is not None and str(c).strip() != "") for r in rows[:30]]
    filled = [w for w in widths if w > 0]
    if not filled:
        return 0
    mode = max(sorted(set(filled), reverse=True), key=filled.count)
    return next(i for i, w in enumerate(widths) if w >= mode)


def _read_head(path: Path, n: int = SAMPLE_BYTES) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(n)


def sniff(path: str | os.PathLike[str], file_name: str | None = None, *, encoding: str | None = None,
          delimiter: str | None = None, header_row: int | None = None, sheet: str | None = None,
          limits: Limits = LIMITS) -> Sniff:
    """Detect a file's kind, encoding, delimiter and header; read its first rows for a preview.

    Only the first megabyte of a text file is read; an Excel file is checked for bombs first.
    Given options override detection. Raises :class:`IngestError` for empty, binary or unsafe files.
    """
    p = Path(path)
    name = file_name or p.name
    size = p.stat().st_size
    if size == 0:
        raise IngestError("empty", "the file is empty")
    head = _read_head(p)
    kind = detect_kind(name, head[:8])
    if kind in ("ole", "xlsx", "parquet"):
        from analytics import ingest_binary  # here, not at the top: it builds on this module's types

        if kind == "ole":
            raise ingest_binary.ole_error(p)
        if kind == "xlsx":
            return ingest_binary._sniff_xlsx(p, name, size, sheet, header_row, limits)
        return ingest_binary._sniff_parquet(p, name, size, limits)
    if encoding:
        enc = check_encoding(encoding)
        guess = EncodingGuess(enc, True, (enc,))
    else:
        guess = detect_encoding(head)
    text = _decode_sample(head, guess.encoding)
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
    columns, dups = _unique_names(rows[hdr])
    if len(columns) > limits.max_columns:
        raise IngestError("too_many_file_columns", f"the file has {len(columns):,} columns; at most "
                          f"{limits.max_columns:,} are read", columns=len(columns), limit=limits.max_columns)
    body = [r + [""] * (len(columns) - len(r)) if len(r) < len(columns) else r[: len(columns)]
            for r in rows[hdr + 1: hdr + 1 + PREVIEW_ROWS]]
    preview = pd.DataFrame(body, columns=list(columns), dtype=object)
    n_lines = text.count("\n")
    est = int(size / max(len(text.encode("utf-8")), 1) * n_lines) if n_lines else None
    return Sniff(kind="csv", file_name=name, size=size, encoding=guess.encoding,
                 encoding_confident=guess.confident, encoding_candidates=guess.candidates, delimiter=delim,
                 header_row=hdr, columns=columns, preview=preview, duplicate_columns=dups, rows_estimate=est,
                 cr_only=cr_only)


# ----------------------------------------------------------------------------- staging
@dataclass(frozen=True)
class StageIssue:
    """A line the reader could not split into the header's columns."""

    line: int
    code: str
    detail: str
    text: str


@dataclass(frozen=True)
class Staged:
    """A file staged into temporary table ``table`` (text columns ``c0 … cN``, file order = rowid).

    ``records`` counts the staged records (empty ones included). Lines are computed by
    :meth:`line_sql` from a record's position; ``issues`` are the lines the reader rejected.
    """

    table: str
    kind: str
    columns: tuple[str, ...]
    records: int
    sha256: str
    size: int
    issues: tuple[StageIssue, ...] = ()
    first_line: int = 2  # line of the first staged record when nothing is rejected
    shift_table: str | None = None  # (g BIGINT): staged records before each rejected record
    newline_table: str | None = None  # (ord, n): records whose values hold n > 0 line breaks
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_row: int = 0
    blank_lines: int = 0
    base: int = 0  # rowid of the first record (uncommitted rows get ids far from 0)

    def ord_sql(self, alias: str = "") -> str:
        """SQL for a staged record's position (0-based, file order) from its rowid."""
        return f"({alias + '.' if alias else ''}rowid - {self.base})"

    def line_sql(self, ord_expr: str) -> str:
        """SQL for the physical line of the staged record at position ``ord_expr`` (0-based)."""
        sql = f"({ord_expr} + {self.first_line}"
        if self.shift_table:
            sql += (f" + (SELECT count(*) + coalesce(sum(_sh.span - 1), 0) FROM {self.shift_table} _sh "
                    f"WHERE _sh.g <= {ord_expr})")
        if self.newline_table:
            sql += f" + coalesce((SELECT sum(_nl.n) FROM {self.newline_table} _nl WHERE _nl.ord < {ord_expr}), 0)"
        return sql + ")"


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _run_with_progress(cur: duckdb.DuckDBPyConnection, sql: str, params: object | None,
                       progress: Progress | None, phase: str, lo: float, hi: float) -> None:
    """Run one statement; while it runs, report DuckDB's own progress (scaled to [lo, hi])."""
    if progress is None:
        cur.execute(sql, params)
        return
    cur.execute("SET enable_progress_bar = true")
    cur.execute("SET enable_progress_bar_print = false")
    error: list[BaseException] = []

    def work() -> None:
        try:
            cur.execute(sql, params)
        except BaseException as exc:  # handed to the caller's thread
            error.append(exc)

    th = threading.Thread(target=work, daemon=True)
    th.start()
    while th.is_alive():
        th.join(0.2)
        try:
            pct = cur.query_progress()
        except duckdb.Error:
            pct = -1
        if pct >= 0:
            progress(phase, lo + (hi - lo) * min(pct, 100.0) / 100.0)
    if error:
        raise error[0]
    progress(phase, hi)


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


def stage(cur: duckdb.DuckDBPyConnection, path: str | os.PathLike[str], sniffed: Sniff, name: str = "ingest_stage",
          progress: Progress | None = None, limits: Limits = LIMITS) -> Staged:
    """Read the whole file into temporary table ``name`` on ``cur`` (text columns, file order).

    Raises :class:`IngestError` for a file with no data rows, an invalid byte sequence in its
    encoding, an unsafe workbook or Parquet file, or rows the reader could not account for.
    """
    p = Path(path)
    cur.execute(f"DROP TABLE IF EXISTS {name}")
    if sniffed.kind in ("xlsx", "parquet"):
        from analytics import ingest_binary  # here, not at the top: it builds on this module's types

        if sniffed.kind == "xlsx":
            return ingest_binary._stage_xlsx(cur, p, sniffed, name, progress, limits)
        return ingest_binary._stage_parquet(cur, p, sniffed, name, progress, limits)
    return _stage_csv(cur, p, sniffed, name, progress, limits)


def _stage_csv(cur: duckdb.DuckDBPyConnection, p: Path, sniffed: Sniff, name: str, progress: Progress | None,
               limits: Limits) -> Staged:
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
                    base=_rowid_base(cur, name))
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
        _run_with_progress(cur, sql, params, progress, "read", lo, 0.95)
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


def _rowid_base(cur: duckdb.DuckDBPyConnection, name: str) -> int:
    return int(cur.execute(f"SELECT coalesce(min(rowid), 0) FROM {name}").fetchone()[0])


def _header_lines(src: Path, sniffed: Sniff, delim: str) -> int:
    """Physical lines up to and including the header record (so DuckDB skips exactly those)."""
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


def drop(cur: duckdb.DuckDBPyConnection, staged: Staged) -> None:
    """Drop the staging table and its helpers."""
    for t in (staged.table, f"{staged.table}_rej", f"{staged.table}_rejscan", staged.shift_table, staged.newline_table):
        if t:
            cur.execute(f"DROP TABLE IF EXISTS {t}")
