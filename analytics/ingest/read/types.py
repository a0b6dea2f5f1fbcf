"""The readers' shared types: what a file looks like (:class:`Sniff`), what was staged
(:class:`Staged`), the refusal (:class:`IngestError`), the limits and the progress callback.

Every reader module (:mod:`~analytics.ingest.read.text`, :mod:`~analytics.ingest.read.xlsx`,
:mod:`~analytics.ingest.read.parquet`) builds on these and on :mod:`~analytics.ingest.read.common`;
none imports another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

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
    header_row: int = 0  # 0-based index of the header record (CSV) or row (Excel); the first data row without one
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    header: bool = True  # False: the file has no header row; columns are named ``column 1`` … by position
    header_detected: bool = True  # whether ``header`` was detected (False: the analyst chose it)
    columns: tuple[str, ...] = ()
    preview: pd.DataFrame = field(default_factory=pd.DataFrame)
    duplicate_columns: tuple[str, ...] = ()
    rows_estimate: int | None = None
    cr_only: bool = False  # old Mac line ends (CR without LF)

    @property
    def delimiter_name(self) -> str:
        return {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe", " ": "whitespace"}.get(
            self.delimiter or "", "other")


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
