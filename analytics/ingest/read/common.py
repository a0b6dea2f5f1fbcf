"""Helpers every reader uses: the header row, unique column names, cell text, file hashes, SQL
identifiers, staged rowids and DuckDB's progress while a statement runs."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
from decimal import Decimal
from pathlib import Path

import duckdb

from analytics.ingest.read.types import CHUNK, SAMPLE_BYTES, Progress


def unique_names(raw: list[object]) -> tuple[tuple[str, ...], tuple[str, ...]]:
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


def header_index(rows: list[list[object]]) -> int:
    """The header's row: the first of the first 30 rows that is at least as wide as most rows are
    (skips title rows above the header; a ragged data row does not move it)."""
    widths = [sum(1 for c in r if c is not None and str(c).strip() != "") for r in rows[:30]]
    filled = [w for w in widths if w > 0]
    if not filled:
        return 0
    mode = max(sorted(set(filled), reverse=True), key=filled.count)
    return next(i for i, w in enumerate(widths) if w >= mode)


_NUMBER = re.compile(r"[+-]?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?")
_DATE = re.compile(r"(\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})([ T]\d{1,2}:\d{2}(:\d{2})?)?")


def _cell_kind(cell: object) -> str:
    s = "" if cell is None else str(cell).strip()
    if not s:
        return "empty"
    if _NUMBER.fullmatch(s):
        return "number"
    if _DATE.fullmatch(s):
        return "date"
    return "text"


def looks_headerless(rows: list[list[object]], first: int = 0) -> bool:
    """Whether row ``first`` is data rather than a header: none of its cells is text above a column of
    numbers or dates, and at least one is a number or date like the rows below it (``00001 19970101
    1 11.77`` over rows of the same types). A file of text columns only keeps its header (nothing
    tells them apart)."""
    below = rows[first + 1: first + 51]
    if first >= len(rows) or not below:
        return False
    typed = 0
    for i, cell in enumerate(rows[first]):
        kinds = [_cell_kind(r[i]) for r in below if i < len(r)]
        kinds = [k for k in kinds if k != "empty"]
        if not kinds:
            continue
        usual = max(set(kinds), key=kinds.count)
        if kinds.count(usual) < 0.8 * len(kinds):
            continue
        own = _cell_kind(cell)
        if own == "text" and usual in ("number", "date"):
            return False  # a name over numbers or dates: a header
        if own == usual and own in ("number", "date"):
            typed += 1
    return typed > 0


def read_head(path: Path, n: int = SAMPLE_BYTES) -> bytes:
    """The file's first ``n`` bytes (what kind and encoding detection look at)."""
    with open(path, "rb") as fh:
        return fh.read(n)


def cell_text(v: object) -> str | None:
    """An Excel or Parquet cell as the text the engine normalises (dates ISO, whole floats without .0)."""
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.time):
        return v.isoformat()
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    if isinstance(v, (int, Decimal)):
        return str(v)
    return str(v)


def file_sha256(p: Path) -> str:
    """The file's SHA-256 (hex), read in chunks."""
    h = hashlib.sha256()
    with open(p, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def quote_ident(name: str) -> str:
    """``name`` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def rowid_base(cur: duckdb.DuckDBPyConnection, name: str) -> int:
    """The rowid of the staged table's first record (uncommitted rows get ids far from 0)."""
    return int(cur.execute(f"SELECT coalesce(min(rowid), 0) FROM {name}").fetchone()[0])


def run_with_progress(cur: duckdb.DuckDBPyConnection, sql: str, params: object | None,
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
