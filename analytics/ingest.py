"""Analysts' files into the store: column mapping, validation before any write, one-transaction
loads, the load log, undo, saved mappings, templates and ``python -m analytics ingest``.

The same engine serves the Data page and the command line:

1. :func:`sniff` (from :mod:`analytics.ingest_read`) detects the file's kind, encoding, delimiter
   and header and returns a preview; the analyst confirms or overrides them.
2. :func:`auto_map` matches the file's columns to the table's by name, Chinese or English
   synonym (brackets such as ``金额(元)`` ignored) and, for a single unmatched date column, by
   type. The mapping is editable, can be saved under a name (``column_maps``) and reused.
   Besides file columns a target may take a constant (``customer_type = enterprise``) or, for an
   id, ``@line``: an id made of the file's SHA-256 prefix and the line number, for exports with no
   line id (the same file then yields the same ids). A transactions file with a unit price and no
   amount gets revenue = quantity × unit price (rounded to cents).
3. :func:`check` stages the whole file into a temporary table and validates every row in SQL
   (:mod:`analytics.ingest_normalize` for the value rules): required values, types, ranges
   (negative quantities and amounts are allowed in transactions and activities — returns and
   credits — because the contract sets no minimum there), fixed lists, text length, unknown
   customers (or activities without a rate), duplicate keys within the file and against the
   table, dates outside a period being replaced. Every rejected row is listed with its line,
   column and reason. Nothing is written.
4. :func:`load` repeats the reading and validation inside one transaction (the store may have
   changed since the check) and writes only if the analyst's rule allows: ``refuse`` (the
   default: any rejected row stops the load) or ``skip`` (load the valid rows; the rejected ones
   are listed and counted in the log). Append adds rows; ``replace_period`` removes the table's
   rows dated inside the period first (the file's rows must all fall inside it);
   ``replace_table`` removes all rows. Replaced rows are kept (``ingest_replaced_<table>``) so
   that :func:`undo_last` can restore them. The same file (SHA-256) already loaded into the same
   table, and not undone, is refused. The monthly aggregates are rebuilt for the months touched,
   the data version bumps (every cached view refreshes), and the load is recorded in
   ``ingest_log`` (file name, SHA-256, rows, user, time, mapping as JSON) and in the audit log.

Reading, validation and writing report progress through ``progress(phase, fraction)``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Mapping as MappingABC
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from analytics import aggregates, audit, db, schema
from analytics import ingest_normalize as norm
from analytics.ingest_read import (
    LIMITS,
    IngestError,
    Limits,
    Progress,
    Sniff,
    Staged,
    drop,
    sniff,
    stage,
)

__all__ = ["IngestError", "Limits", "Mapping", "Options", "Report", "Sniff", "auto_map", "check", "load", "sniff",
           "undo_last"]

MODES = ("append", "replace_period", "replace_table")
ON_REJECT = ("refuse", "skip")
GENERATED_ID = "@line"
UNIT_PRICE = "unit_price"
UNIT_PRICE_SYNONYMS = ("unit_price", "unit price", "unitprice", "price", "单价", "销售单价", "含税单价")
MAX_LISTED = 100_000
KEEP_REPLACED_LOADS = 10
UPLOAD_TABLES = schema.DATA_TABLES
DATED_TABLES = (schema.TRANSACTIONS, schema.ACTIVITIES, schema.ACTIVITY_RATES)

REASONS: dict[str, str] = {
    "required": "a value is required",
    "not_number": "'{value}' is not a number",
    "not_integer": "'{value}' is not a whole number",
    "not_date": "'{value}' is not a date in the format {a}",
    "date_out_of_range": "{value} is outside 1900–2100 (wrong date format?)",
    "not_choice": "'{value}' is not one of: {a}",
    "below_min": "{value} is below the minimum {a}",
    "above_max": "{value} is above the maximum {a}",
    "too_large": "{value} is too large for the column",
    "too_long": "the text has {a} characters (at most {b})",
    "unknown_reference": "'{value}' is not in {a}",
    "duplicate_in_file": "'{value}' appears more than once in the file (first on line {a})",
    "duplicate_in_table": "'{value}' is already in the table",
    "outside_period": "{value} is outside the period being replaced ({a} – {b})",
    "too_few_columns": "the line has {b} fields; the header has {a}",
    "too_many_columns": "the line has {b} fields; the header has {a}",
    "unterminated_quote": "a quoted value is never closed: {b} lines were read as one record",
    "bad_quote": "a quote character is misplaced (enclose the value in double quotes and double the quotes inside)",
    "line_too_long": "the line is longer than {a} bytes",
    "bad_encoding": "the line has bytes that are not valid in the file's encoding",
    "unreadable_line": "the line cannot be read: {a}",
}


def reason(code: str, value: object = None, a: object = None, b: object = None) -> str:
    """The English reason for an issue (the page translates ``data.reason.<code>`` instead)."""
    return REASONS.get(code, code).format(value="" if value is None else value, a=a or "", b=b or "")


# ----------------------------------------------------------------------------- mapping
@dataclass(frozen=True)
class Mapping:
    """Which file column (or constant, or ``@line``) fills each column of the table.

    ``columns`` pairs (target, source name); ``constants`` pairs (target, text value). A target
    may appear in one of them at most; a source may fill several targets.
    """

    columns: tuple[tuple[str, str], ...] = ()
    constants: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, columns: MappingABC[str, str | None] | None = None,
           constants: MappingABC[str, str | None] | None = None) -> Mapping:
        cols = tuple((t, s) for t, s in (columns or {}).items() if s)
        consts = tuple((t, str(v)) for t, v in (constants or {}).items() if v is not None and str(v) != "")
        return cls(cols, tuple((t, v) for t, v in consts if t not in dict(cols)))

    def source(self, target: str) -> str | None:
        return dict(self.columns).get(target)

    def constant(self, target: str) -> str | None:
        return dict(self.constants).get(target)

    def to_json(self) -> str:
        return json.dumps({"columns": dict(self.columns), "constants": dict(self.constants)}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Mapping:
        data = json.loads(text)
        if "columns" not in data:  # a plain {target: source} dict
            return cls.of(data)
        return cls.of(data.get("columns"), data.get("constants"))


# Traditional characters common in Big5 exports' headers, as their simplified forms (synonyms are simplified).
_TRAD = str.maketrans(
    "戶編號稱類區額數產單價銷業個務評饋內點題筆訂貨幣來階機會關閉創計費質標準體係細獲購積資負債總據測試與為從擊時間狀態"
    "聯絡電話郵處種別營淨潤現獎勵滿執層級廣東華義",
    "户编号称类区额数产单价销业个务评馈内点题笔订货币来阶机会关闭创计费质标准体系细获购积资负债总据测试与为从击时间状态"
    "联络电话邮处种别营净润现奖励满执层级广东华义")


def _norm_name(name: str) -> str:
    """A header for matching: NFKC, simplified characters, lower case, bracketed notes and separators removed."""
    import re
    import unicodedata

    s = unicodedata.normalize("NFKC", str(name)).translate(_TRAD).lower().strip()
    s = re.sub(r"[\(\[【（].*?[\)\]】）]", "", s)
    return re.sub(r"[\s_\-./:：*]+", "", s)


def targets(table: str) -> tuple[str, ...]:
    """The columns a file can fill (the table's, plus ``unit_price`` for transactions)."""
    cols = schema.TABLES[table].column_names
    return (*cols, UNIT_PRICE) if table == schema.TRANSACTIONS else cols


def _names_for(table: str, target: str) -> tuple[str, ...]:
    if target == UNIT_PRICE:
        return UNIT_PRICE_SYNONYMS
    col = schema.TABLES[table].column(target)
    return (col.name, *col.synonyms)


def auto_map(table: str, columns: Sequence[str], preview: pd.DataFrame | None = None) -> Mapping:
    """Match file columns to the table's: exact names first, then synonyms, then a lone date column by type.

    A name shared by two file columns (``amount`` and ``amount (2)``) is left for the analyst.
    """
    _check_table(table)
    base = {c: _norm_name(c.rsplit(" (", 1)[0] if c.endswith(")") and " (" in c else c) for c in columns}
    counts: dict[str, int] = {}
    for n in base.values():
        counts[n] = counts.get(n, 0) + 1
    by_name: dict[str, str] = {}
    for c in columns:
        by_name.setdefault(_norm_name(c), c)
    chosen: dict[str, str] = {}
    used: set[str] = set()
    for stage_ in ("name", "synonym"):
        for target in targets(table):
            if target in chosen:
                continue
            names = _names_for(table, target)
            names = names[:1] if stage_ == "name" else names[1:]
            for n in names:
                src = by_name.get(_norm_name(n))
                if src is None or src in used or counts.get(base[src], 0) > 1:
                    continue
                chosen[target] = src
                used.add(src)
                break
    tbl = schema.TABLES[table]
    if tbl.date_column and tbl.date_column not in chosen and preview is not None and not preview.empty:
        candidates = [c for c in columns if c not in used and c in preview and _looks_like_dates(preview[c])]
        if len(candidates) == 1:
            chosen[tbl.date_column] = candidates[0]
    return Mapping.of({t: chosen.get(t) for t in targets(table)})


def _looks_like_dates(values: pd.Series) -> bool:
    sample = [str(v) for v in values.dropna() if str(v).strip()][:20]
    if not sample:
        return False
    con = duckdb.connect()
    try:
        flags = con.execute(
            f"SELECT count(*) FILTER (WHERE {norm.date_sql(norm.date_text_sql('t'), ('iso', '%Y年%m月%d日', '%d/%m/%Y', '%m/%d/%Y', '%Y%m%d'))} "
            "IS NOT NULL), count(*) FROM (SELECT unnest($v) AS t)", {"v": sample}).fetchone()
    finally:
        con.close()
    return flags[0] >= 0.8 * flags[1]


def _check_table(table: str) -> schema.Table:
    if table not in UPLOAD_TABLES:
        raise IngestError("unknown_table", f"unknown table {table!r}; use one of {', '.join(UPLOAD_TABLES)}",
                          table=table)
    return schema.TABLES[table]


# ----------------------------------------------------------------------------- options, report
@dataclass(frozen=True)
class Options:
    """What the analyst chose: table, mapping, mode, period, date formats and the rule for rejects."""

    table: str
    mapping: Mapping
    mode: str = "append"
    period: tuple[dt.date, dt.date] | None = None
    date_formats: tuple[tuple[str, tuple[str, ...]], ...] = ()
    on_reject: str = "refuse"

    def __post_init__(self) -> None:
        _check_table(self.table)
        if self.mode not in MODES:
            raise IngestError("bad_mode", f"unknown mode {self.mode!r}; use append or replace", mode=self.mode)
        if self.on_reject not in ON_REJECT:
            raise IngestError("bad_on_reject", f"unknown rule for rejected rows {self.on_reject!r}")
        if self.mode == "replace_period":
            if not self.period or self.period[0] is None or self.period[1] is None:
                raise IngestError("no_period", "replacing a period needs its first and last day")
            if self.period[0] > self.period[1]:
                raise IngestError("bad_period", f"the period starts ({self.period[0]}) after it ends ({self.period[1]})")
        for col, fmts in self.date_formats:
            for f in fmts:
                try:
                    norm.custom_format(f)
                except ValueError as exc:
                    raise IngestError("bad_date_format", str(exc), column=col, format=f) from None

    def formats_for(self, column: str) -> tuple[str, ...] | None:
        return dict(self.date_formats).get(column) or dict(self.date_formats).get("*")


@dataclass(frozen=True)
class Report:
    """The outcome of a check or a load. ``issues`` lists rejected rows' problems (at most
    :data:`MAX_LISTED`; ``issues_total`` counts all), with columns ``line, column, source, code,
    value, a, b, message``."""

    table: str
    file_name: str
    sha256: str
    kind: str
    mode: str
    mapping: Mapping
    columns: tuple[str, ...] = ()  # the table's columns the file fills
    records: int = 0
    empty_rows: int = 0
    rows: int = 0
    valid: int = 0
    rejected: int = 0
    issues: pd.DataFrame = field(default_factory=pd.DataFrame)
    issues_total: int = 0
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    dates: tuple[norm.DateChoice, ...] = ()
    warnings: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    period: tuple[dt.date | None, dt.date | None] = (None, None)
    replaces: int = 0
    already_loaded: tuple[tuple[str, Any], ...] | None = None
    preview: pd.DataFrame = field(default_factory=pd.DataFrame)
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_row: int = 0
    load_id: int | None = None
    written: int = 0
    seconds: float = 0.0

    @property
    def ambiguous(self) -> tuple[norm.DateChoice, ...]:
        return tuple(d for d in self.dates if d.ambiguous and not d.explicit)

    @property
    def loadable(self) -> bool:
        """True when a load would write something: valid rows, no unresolved dates, not loaded before."""
        return self.valid > 0 and not self.ambiguous and self.already_loaded is None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (the command line's ``--json``)."""
        return {
            "table": self.table, "file": self.file_name, "sha256": self.sha256, "kind": self.kind,
            "mode": self.mode, "encoding": self.encoding, "delimiter": self.delimiter, "sheet": self.sheet,
            "header_line": self.header_row + 1, "mapping": json.loads(self.mapping.to_json()),
            "rows": self.rows, "valid": self.valid, "rejected": self.rejected, "empty_rows": self.empty_rows,
            "issues_total": self.issues_total,
            "issues": self.issues[["line", "column", "code", "value", "message"]].to_dict("records")
            if not self.issues.empty else [],
            "dates": [{"column": d.column, "formats": list(d.labels), "ambiguous": d.ambiguous and not d.explicit,
                       "alternatives": [norm.BY_KEY[k].label if k in norm.BY_KEY else k for k in d.alternatives],
                       "examples": list(d.examples)} for d in self.dates],
            "warnings": [{"code": c, **dict(p)} for c, p in self.warnings],
            "period_from": self.period[0], "period_to": self.period[1], "replaces": self.replaces,
            "already_loaded": dict(self.already_loaded) if self.already_loaded else None,
            "load_id": self.load_id, "written": self.written, "seconds": round(self.seconds, 3),
        }


# ----------------------------------------------------------------------------- validation
@dataclass(frozen=True)
class _Target:
    name: str
    col: schema.Column
    raw: str  # SQL for the cleaned text (NULL when empty)
    source: str | None  # file column, "@line", "=constant" or "derived"


_TYPED = "ingest_typed"
_ISSUES = "ingest_issues"


def _resolve(staged: Staged, opts: Options) -> tuple[list[_Target], dict[str, Any], bool]:
    """The targets to fill and the SQL giving each one's text; parameters for constants."""
    table = schema.TABLES[opts.table]
    valid_targets = set(targets(opts.table))
    index = {c: i for i, c in enumerate(staged.columns)}
    for t, s in opts.mapping.columns:
        if t not in valid_targets:
            raise IngestError("unknown_target", f"{opts.table} has no column {t!r}", column=t)
        if s != GENERATED_ID and s not in index:
            raise IngestError("unknown_source", f"the file has no column {s!r}", column=s)
        if s == GENERATED_ID and (t not in table.key or table.column(t).kind != "id"):
            raise IngestError("bad_generated_id", f"{GENERATED_ID} can only fill an id column of the key, not {t!r}",
                              column=t)
    for t, _ in opts.mapping.constants:
        if t not in valid_targets:
            raise IngestError("unknown_target", f"{opts.table} has no column {t!r}", column=t)
    params: dict[str, Any] = {}
    out: list[_Target] = []
    derived_revenue = (opts.table == schema.TRANSACTIONS and not opts.mapping.source("revenue")
                       and not opts.mapping.constant("revenue") and bool(opts.mapping.source(UNIT_PRICE)))
    for name in targets(opts.table):
        col = (schema.Column(UNIT_PRICE, "DECIMAL(18,4)", "money", synonyms=UNIT_PRICE_SYNONYMS)
               if name == UNIT_PRICE else table.column(name))
        src, const = opts.mapping.source(name), opts.mapping.constant(name)
        if name == UNIT_PRICE and not derived_revenue:
            continue
        if src == GENERATED_ID:
            raw = f"(${'line_prefix'} || CAST({staged.line_sql(staged.ord_sql('s'))} AS VARCHAR))"
            params["line_prefix"] = staged.sha256[:8] + "-"
        elif src is not None:
            cell = f"s.c{index[src]}"
            raw = norm.light_sql(cell) if col.kind in ("money", "number", "integer", "date") else norm.clean_sql(cell)
        elif const is not None:
            params[f"const_{name}"] = const
            raw = norm.clean_sql(f"${f'const_{name}'}")
        elif name == "revenue" and derived_revenue:
            raw = "CAST(NULL AS VARCHAR)"
            src = "derived"
        else:
            continue
        out.append(_Target(name, col, raw, src if src is not None else f"={const}"))
    missing = [c.name for c in table.columns if c.required and c.name not in {t.name for t in out}]
    if missing:
        raise IngestError("required_unmapped", f"no file column or value for the required column(s) "
                          f"{', '.join(missing)} of {opts.table}", columns=", ".join(missing))
    return out, params, derived_revenue


def _value_sql(t: _Target, dates: dict[str, norm.DateChoice]) -> str:
    col, r = t.col, t.raw
    if col.kind == "id":
        return f"CASE WHEN length({r}) > {norm.MAX_ID} THEN NULL ELSE {norm.id_sql(r)} END"
    if col.kind == "text":
        return f"CASE WHEN length({r}) > {norm.MAX_TEXT} THEN NULL ELSE {r} END"
    if col.kind == "category":
        return f"CASE WHEN length({r}) > {norm.MAX_ID} THEN NULL ELSE {norm.category_sql(r, col)} END"
    if col.kind in ("money", "number", "integer"):
        return norm.number_fast_sql(r, col)
    if col.kind == "date":
        return norm.date_sql(r, dates[t.name].formats)
    raise AssertionError(col.kind)


def _detect_dates(cur: duckdb.DuckDBPyConnection, staged: Staged, tgts: list[_Target], opts: Options,
                  params: dict[str, Any]) -> dict[str, norm.DateChoice]:
    out = {}
    for t in tgts:
        if t.col.kind != "date":
            continue
        explicit = opts.formats_for(t.name)
        if explicit:
            keys = tuple(dict.fromkeys((*explicit, "iso")))
            out[t.name] = norm.DateChoice(t.name, keys, tuple(0 for _ in keys), explicit=True)
            continue
        if params and "$" in t.raw:
            expr = t.raw
            for k, v in params.items():
                expr = expr.replace(f"${k}", norm.lit(str(v)))
        else:
            expr = t.raw
        step = max(1, staged.records // 50_000)
        pos = staged.ord_sql("s")
        out[t.name] = norm.detect_dates(cur, f"{staged.table} s", norm.date_text_sql(norm.clean_sql(expr)), t.name,
                                        sample_where=f"({pos} < 10000 OR {pos} % {step} = 0)")
    return out


def _step(progress: Progress | None, phase: str, i: int, n: int) -> None:
    if progress:
        progress(phase, min(1.0, i / max(n, 1)))


def _validate(cur: duckdb.DuckDBPyConnection, staged: Staged, sniffed: Sniff, opts: Options,
              progress: Progress | None = None, *, key_check: bool = True) -> Report:
    """Type and check every staged row; fill temp tables ``ingest_typed`` and ``ingest_issues``."""
    t0 = time.perf_counter()
    table = schema.TABLES[opts.table]
    tgts, params, derived = _resolve(staged, opts)
    steps = 6 + len(tgts)
    _step(progress, "validate", 0, steps)
    dates = _detect_dates(cur, staged, tgts, opts, params)
    by_name = {t.name: t for t in tgts}
    nonempty = " OR ".join(f"coalesce(s.c{i}, '') <> ''" for i in range(len(staged.columns))) or "false"
    select = ", ".join(f"{t.raw} AS r_{t.name}, {_value_sql(t, dates)} AS v_{t.name}" for t in tgts)
    cur.execute(f"DROP TABLE IF EXISTS {_TYPED}")
    cur.execute(f"CREATE TEMP TABLE {_TYPED} AS SELECT {staged.ord_sql('s')} AS _ord, {select} FROM {staged.table} s WHERE {nonempty}",
                params or None)
    _step(progress, "validate", 1, steps)
    # Values the direct cast refused are cleaned and go through the normalisation chain (few rows, usually).
    for t in tgts:
        refused = f"v_{t.name} IS NULL AND r_{t.name} IS NOT NULL"
        if t.col.kind in ("money", "number", "integer") and t.source != "derived":
            slow = norm.number_slow_select(_TYPED, "_ord", f"r_{t.name}", t.col, refused)
        elif t.col.kind == "date":
            slow = norm.date_slow_select(_TYPED, "_ord", f"r_{t.name}", dates[t.name].formats, refused)
        else:
            continue
        cur.execute(f"UPDATE {_TYPED} SET r_{t.name} = x.r, v_{t.name} = x.v FROM ({slow}) x WHERE {_TYPED}._ord = x.o")
    if derived:
        cur.execute(f"""UPDATE {_TYPED} SET v_revenue = round(CAST(v_quantity AS DECIMAL(38,6)) * v_{UNIT_PRICE}, 2)
                        WHERE v_quantity IS NOT NULL AND v_{UNIT_PRICE} IS NOT NULL""")
    _step(progress, "validate", 2, steps)
    cur.execute(f"DROP TABLE IF EXISTS {_ISSUES}")
    cur.execute(f"""CREATE TEMP TABLE {_ISSUES} (_ord BIGINT, line BIGINT, col VARCHAR, code VARCHAR, value VARCHAR,
                    a VARCHAR, b VARCHAR)""")
    for i, t in enumerate(tgts):
        _column_checks(cur, t, dates)
        _step(progress, "validate", 3 + i, steps)
    if key_check:
        _key_checks(cur, table, by_name, opts, staged)
    _reference_checks(cur, table, by_name, opts)
    if opts.mode == "replace_period" and table.date_column in by_name and opts.period:
        d = table.date_column
        cur.execute(f"""INSERT INTO {_ISSUES} SELECT _ord, NULL, '{d}', 'outside_period', CAST(v_{d} AS VARCHAR), $a, $b
                        FROM {_TYPED} WHERE v_{d} IS NOT NULL AND (v_{d} < $a OR v_{d} > $b)""",
                    {"a": opts.period[0], "b": opts.period[1]})
    _step(progress, "validate", steps - 2, steps)
    if staged.issues:
        cur.executemany(f"INSERT INTO {_ISSUES} VALUES (NULL, ?, NULL, ?, ?, ?, ?)",
                        [(i.line, i.code, i.text, *_split_detail(i.code, i.detail)) for i in staged.issues])
    cur.execute(f"UPDATE {_ISSUES} SET line = {staged.line_sql(f'{_ISSUES}._ord')} WHERE _ord IS NOT NULL")
    rep = _summarise(cur, staged, sniffed, opts, tgts, dates)
    _step(progress, "validate", steps, steps)
    return replace(rep, seconds=time.perf_counter() - t0)


def _split_detail(code: str, detail: str) -> tuple[str | None, str | None]:
    if code in ("too_few_columns", "too_many_columns") and ":" in detail:
        a, b = detail.split(":", 1)
        return a, b
    if code == "line_too_long":
        return str(LIMITS.max_line_bytes), None
    if code == "unterminated_quote":
        return None, detail
    return (detail if code == "unreadable_line" else None), None


def _column_checks(cur: duckdb.DuckDBPyConnection, t: _Target, dates: dict[str, norm.DateChoice]) -> None:
    col, r, v, n = t.col, f"r_{t.name}", f"v_{t.name}", t.name
    cases: list[tuple[str, str, str, str]] = []  # (condition, code, a, b) in order of precedence
    if col.required and t.source != "derived":
        cases.append((f"{r} IS NULL AND {v} IS NULL", "required", "NULL", "NULL"))
    elif t.source == "derived":
        cases.append((f"{v} IS NULL", "required", "NULL", "NULL"))
    if col.kind in ("id", "category") :
        cases.append((f"length({r}) > {norm.MAX_ID}", "too_long", f"CAST(length({r}) AS VARCHAR)", f"'{norm.MAX_ID}'"))
    if col.kind == "text":
        cases.append((f"length({r}) > {norm.MAX_TEXT}", "too_long", f"CAST(length({r}) AS VARCHAR)", f"'{norm.MAX_TEXT}'"))
    if col.kind == "category" and col.choices:
        cases.append((f"{r} IS NOT NULL AND {v} IS NULL", "not_choice", norm.lit(", ".join(col.choices)), "NULL"))
    if col.kind in ("money", "number", "integer") and t.source != "derived":
        cases.append((f"{r} IS NOT NULL AND {v} IS NULL", "not_number", "NULL", "NULL"))
    if col.kind == "integer":
        cases.append((f"{v} <> round({v})", "not_integer", "NULL", "NULL"))
    if col.kind == "money":
        scale = int(col.sql.split(",")[-1].rstrip(")")) if "," in col.sql else 2
        cases.append((f"abs({v}) >= {10 ** (18 - scale)}", "too_large", "NULL", "NULL"))
    if col.kind == "date":
        labels = ", ".join(dates[n].labels)
        cases.append((f"{r} IS NOT NULL AND {v} IS NULL", "not_date", norm.lit(labels), "NULL"))
        cases.append((f"{v} < DATE '{norm.DATE_MIN}' OR {v} > DATE '{norm.DATE_MAX}'", "date_out_of_range", "NULL", "NULL"))
    if col.min is not None:
        cases.append((f"{v} < {col.min}", "below_min", norm.lit(_num_text(col.min)), "NULL"))
    if col.max is not None:
        cases.append((f"{v} > {col.max}", "above_max", norm.lit(_num_text(col.max)), "NULL"))
    if not cases:
        return
    code = "CASE " + " ".join(f"WHEN {c} THEN '{k}'" for c, k, _, _ in cases) + " END"
    a = "CASE " + " ".join(f"WHEN {c} THEN {x}" for c, _, x, _ in cases) + " END"
    b = "CASE " + " ".join(f"WHEN {c} THEN {y}" for c, _, _, y in cases) + " END"
    value = f"coalesce({r}, CAST({v} AS VARCHAR))"
    where = " OR ".join(f"({c})" for c, _, _, _ in cases)
    cur.execute(f"""INSERT INTO {_ISSUES} SELECT _ord, NULL, '{n}', {code}, left({value}, 200), {a}, {b}
                    FROM {_TYPED} WHERE {where}""")


def _num_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _key_checks(cur: duckdb.DuckDBPyConnection, table: schema.Table, by_name: dict[str, _Target], opts: Options,
                staged: Staged) -> None:
    keys = [k for k in table.key if k in by_name]
    if len(keys) != len(table.key):
        return
    kv = ", ".join(f"v_{k}" for k in keys)
    notnull = " AND ".join(f"v_{k} IS NOT NULL" for k in keys)
    label = keys[0] if len(keys) == 1 else "+".join(keys)
    shown = " || ' / ' || ".join(f"CAST(v_{k} AS VARCHAR)" for k in keys)
    # Within the file: every occurrence of a repeated key is rejected (which one is right is unknown).
    cur.execute(f"""INSERT INTO {_ISSUES}
        SELECT t._ord, NULL, '{label}', 'duplicate_in_file', {shown}, CAST(d.first_ord AS VARCHAR), NULL
        FROM {_TYPED} t JOIN (SELECT {kv}, min(_ord) AS first_ord FROM {_TYPED} WHERE {notnull}
                              GROUP BY ALL HAVING count(*) > 1) d USING ({kv})""")
    # first_ord holds a position: turn it into a line number for the message.
    cur.execute(f"UPDATE {_ISSUES} SET a = CAST({staged.line_sql(f'CAST({_ISSUES}.a AS BIGINT)')} AS VARCHAR) "
                "WHERE code = 'duplicate_in_file'")
    if opts.mode == "replace_table":
        return
    existing = table.name
    where = ""
    params: dict[str, Any] = {}
    if opts.mode == "replace_period" and table.date_column:
        where = f"WHERE NOT ({table.date_column} BETWEEN $a AND $b)"
        params = {"a": opts.period[0], "b": opts.period[1]}
    cols = ", ".join(keys)
    cur.execute(f"""INSERT INTO {_ISSUES}
        SELECT t._ord, NULL, '{label}', 'duplicate_in_table', {shown}, NULL, NULL
        FROM {_TYPED} t SEMI JOIN (SELECT {cols} FROM {existing} {where}) x
          ON {' AND '.join(f't.v_{k} = x.{k}' for k in keys)}""", params or None)


def _reference_checks(cur: duckdb.DuckDBPyConnection, table: schema.Table, by_name: dict[str, _Target],
                      opts: Options) -> None:
    for name, t in by_name.items():
        ref = getattr(t.col, "references", None)
        if not ref:
            continue
        rtable, rcol = ref.split(".")
        pool = [f"SELECT {rcol} AS k FROM {rtable}"]
        if rtable == table.name:
            key = table.key[0]
            pool = [f"SELECT v_{key} AS k FROM {_TYPED}"] + ([] if opts.mode == "replace_table" else pool)
        cur.execute(f"""INSERT INTO {_ISSUES}
            SELECT t._ord, NULL, '{name}', 'unknown_reference', CAST(t.v_{name} AS VARCHAR), '{rtable}', NULL
            FROM {_TYPED} t WHERE t.v_{name} IS NOT NULL
              AND t.v_{name} NOT IN (SELECT k FROM ({' UNION '.join(pool)}) WHERE k IS NOT NULL)""")


def _summarise(cur: duckdb.DuckDBPyConnection, staged: Staged, sniffed: Sniff, opts: Options,
               tgts: list[_Target], dates: dict[str, norm.DateChoice]) -> Report:
    table = schema.TABLES[opts.table]
    typed_rows = cur.execute(f"SELECT count(*) FROM {_TYPED}").fetchone()[0]
    bad_ords, bad_lines, total = cur.execute(
        f"SELECT count(DISTINCT _ord), count(DISTINCT line) FILTER (WHERE _ord IS NULL), count(*) FROM {_ISSUES}"
    ).fetchone()
    issues = cur.execute(
        f"""SELECT line, col AS "column", code, value, a, b FROM {_ISSUES}
            ORDER BY line, col NULLS FIRST, code LIMIT {MAX_LISTED}""").df()
    sources = {t.name: t.source for t in tgts}
    if not issues.empty:
        issues["source"] = [sources.get(c) if isinstance(c, str) else None for c in issues["column"]]
        issues["message"] = [reason(c, v, a, b) for c, v, a, b in
                             zip(issues["code"], issues["value"], issues["a"], issues["b"], strict=True)]
        issues["line"] = issues["line"].astype("int64")
        for c in ("column", "value", "a", "b", "source"):
            issues[c] = pd.Series([None if v is None or (isinstance(v, float) and v != v) else v for v in issues[c]],
                                  index=issues.index, dtype=object)
    else:
        issues = pd.DataFrame(columns=["line", "column", "code", "value", "a", "b", "source", "message"])
    summary = cur.execute(
        f"""SELECT col AS "column", code, count(*) AS rows FROM {_ISSUES} GROUP BY ALL ORDER BY rows DESC""").df()
    valid = typed_rows - bad_ords
    d = table.date_column
    period: tuple[dt.date | None, dt.date | None] = (None, None)
    names = {t.name for t in tgts}
    if d in names:
        period = tuple(cur.execute(
            f"SELECT min(v_{d}), max(v_{d}) FROM {_TYPED} WHERE _ord NOT IN (SELECT _ord FROM {_ISSUES} "
            "WHERE _ord IS NOT NULL)").fetchone())
    replaces = 0
    if opts.mode == "replace_table":
        replaces = cur.execute(f"SELECT count(*) FROM {table.name}").fetchone()[0]
    elif opts.mode == "replace_period" and d:
        replaces = cur.execute(f"SELECT count(*) FROM {table.name} WHERE {d} BETWEEN ? AND ?",
                               list(opts.period)).fetchone()[0]
    prev = cur.execute(
        f"""SELECT load_id, loaded_at, user_name, file_name FROM {schema.INGEST_LOG}
            WHERE sha256 = ? AND table_name = ? AND undone_at IS NULL ORDER BY load_id DESC LIMIT 1""",
        [staged.sha256, opts.table]).fetchone()
    already = (("load_id", prev[0]), ("loaded_at", prev[1]), ("user", prev[2]), ("file", prev[3])) if prev else None
    cols = [c for c in table.column_names if c in names]
    preview = cur.execute(
        f"SELECT {', '.join(f'v_{c} AS {c}' for c in cols)} FROM {_TYPED} WHERE _ord NOT IN "
        f"(SELECT _ord FROM {_ISSUES} WHERE _ord IS NOT NULL) ORDER BY _ord LIMIT 10").df() if cols else pd.DataFrame()
    for c in cols:
        if table.column(c).kind == "date" and c in preview:
            preview[c] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in preview[c]]
    warnings = _warnings(cur, staged, sniffed, opts, tgts)
    return Report(
        table=opts.table, file_name=sniffed.file_name, sha256=staged.sha256, kind=staged.kind, mode=opts.mode,
        mapping=opts.mapping, columns=tuple(cols), records=staged.records, empty_rows=staged.records - typed_rows,
        rows=typed_rows + bad_lines, valid=valid, rejected=bad_ords + bad_lines, issues=issues, issues_total=total,
        summary=summary, dates=tuple(dates.values()), warnings=warnings, period=period, replaces=replaces,
        already_loaded=already, preview=preview, encoding=staged.encoding, delimiter=staged.delimiter,
        sheet=staged.sheet, header_row=staged.header_row)


def _warnings(cur: duckdb.DuckDBPyConnection, staged: Staged, sniffed: Sniff, opts: Options,
              tgts: list[_Target]) -> tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]:
    out: list[tuple[str, tuple[tuple[str, Any], ...]]] = []
    if sniffed.duplicate_columns:
        out.append(("duplicate_header", (("names", ", ".join(sniffed.duplicate_columns)),)))
    if sniffed.kind == "csv" and not sniffed.encoding_confident:
        out.append(("encoding_guess", (("encoding", sniffed.encoding),)))
    texts = [t for t in tgts if t.col.kind in ("text", "category") and t.source not in (GENERATED_ID, "derived")]
    if texts:
        parts = ", ".join("count(*) FILTER (WHERE " + " OR ".join(f"starts_with(r_{t.name}, '{c}')" for c in "=+-@") + ")"
                          for t in texts)
        n = sum(cur.execute(f"SELECT {parts} FROM {_TYPED}").fetchone())
        if n:
            out.append(("formula_text", (("n", n),)))
    cats = [t for t in tgts if t.col.kind == "category" and not t.col.choices and norm.label_map(t.name)]
    if cats:
        parts = ", ".join(f"count(*) FILTER (WHERE v_{t.name} <> r_{t.name})" for t in cats)
        n = sum(cur.execute(f"SELECT {parts} FROM {_TYPED}").fetchone())
        if n:
            example = cur.execute(" UNION ALL ".join(
                f"(SELECT r_{t.name}, v_{t.name} FROM {_TYPED} WHERE v_{t.name} <> r_{t.name} LIMIT 1)" for t in cats)
            ).fetchone()
            out.append(("labels_translated", (("n", n), ("raw", example[0]), ("code", example[1]))))
    if any(t.source == GENERATED_ID for t in tgts):
        out.append(("generated_ids", (("prefix", staged.sha256[:8] + "-"),)))
    if any(t.source == "derived" for t in tgts):
        out.append(("derived_revenue", ()))
    used = {t.source for t in tgts}
    unused = [c for c in staged.columns if c not in used]
    if unused:
        out.append(("unused_columns", (("columns", ", ".join(unused)),)))
    if opts.table == schema.ACTIVITIES and "activity" in {t.name for t in tgts}:
        n = cur.execute(
            f"""SELECT count(*) FROM {_TYPED} t WHERE v_activity IN (SELECT activity FROM {schema.ACTIVITY_RATES})
                AND NOT EXISTS (SELECT 1 FROM {schema.ACTIVITY_RATES} r WHERE r.activity = t.v_activity
                                AND r.valid_from <= t.v_activity_date)""").fetchone()[0]
        if n:
            out.append(("unpriced", (("n", n),)))
    return tuple(out)


# ----------------------------------------------------------------------------- check and load
def _drop_work(cur: duckdb.DuckDBPyConnection, staged: Staged | None) -> None:
    for t in (_TYPED, _ISSUES):
        cur.execute(f"DROP TABLE IF EXISTS {t}")
    if staged is not None:
        drop(cur, staged)


def check(con: duckdb.DuckDBPyConnection, path: str | Path, sniffed: Sniff, opts: Options,
          progress: Progress | None = None, limits: Limits = LIMITS) -> Report:
    """Read and validate the whole file without writing anything (a dry run)."""
    with db.cursor(con) as cur:
        staged = None
        try:
            staged = stage(cur, path, sniffed, progress=progress, limits=limits)
            return _validate(cur, staged, sniffed, opts, progress)
        finally:
            _drop_work(cur, staged)


@contextmanager
def writing(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """:func:`analytics.db.write`, reporting a write conflict (another session changing the same rows at
    the same moment; DuckDB aborts one of them) as :class:`IngestError` ``busy`` — nothing was written."""
    try:
        with db.write(con) as cur:
            yield cur
    except duckdb.TransactionException as exc:
        raise IngestError("busy", "another change was being saved at the same moment; nothing was written, "
                          "try again") from exc


def _shadow(table: str) -> str:
    return f"ingest_replaced_{table}"


def _ensure_shadow(cur: duckdb.DuckDBPyConnection, table: str) -> None:
    """The table that keeps rows a replace removed, for undo (created on first use, no constraints)."""
    cur.execute(f"CREATE TABLE IF NOT EXISTS {_shadow(table)} AS SELECT *, CAST(NULL AS BIGINT) AS replaced_by "
                f"FROM {table} WHERE false")


def _months(cur: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> set[dt.date]:
    return {r[0] for r in cur.execute(sql, params).fetchall() if r[0] is not None}


def load(con: duckdb.DuckDBPyConnection, path: str | Path, sniffed: Sniff, opts: Options, *,
         user: str | None = None, progress: Progress | None = None, limits: Limits = LIMITS) -> Report:
    """Read, validate and write the file in one transaction (all valid rows or nothing).

    Refuses (:class:`IngestError` carrying the report) when the file was already loaded, a date
    column is ambiguous, no row is valid, or rows were rejected and ``opts.on_reject`` is
    ``refuse``. Returns the report with ``load_id`` and ``written`` set.
    """
    t0 = time.perf_counter()
    table = schema.TABLES[opts.table]
    who = user or audit.current_user()
    with writing(con) as cur:
        staged = stage(cur, path, sniffed, progress=progress, limits=limits)
        rep = _validate(cur, staged, sniffed, opts, progress)
        if rep.already_loaded:
            a = dict(rep.already_loaded)
            raise IngestError("already_loaded", f"this file was already loaded into {opts.table} as load "
                              f"#{a['load_id']} on {a['loaded_at']} by {a['user']}; undo that load first",
                              report=rep, **a)
        if rep.ambiguous:
            cols = ", ".join(d.column for d in rep.ambiguous)
            raise IngestError("ambiguous_dates", f"dates in {cols} read both day-first and month-first; "
                              "choose the format (--date-format)", report=rep, columns=cols)
        if rep.rejected and opts.on_reject != "skip":
            raise IngestError("rejected_rows", f"{rep.rejected:,} of {rep.rows:,} rows were rejected; nothing was "
                              "loaded", report=rep, rejected=rep.rejected, rows=rep.rows)
        if rep.valid == 0:
            raise IngestError("nothing_valid", "no row of the file is valid; nothing was loaded", report=rep)
        if progress:
            progress("write", 0.05)
        load_id = cur.execute(f"SELECT coalesce(max(load_id), 0) + 1 FROM {schema.INGEST_LOG}").fetchone()[0]
        d = table.date_column
        months: set[dt.date] = set()
        replaced = 0
        if opts.mode != "append":
            cond, cparams = ("TRUE", None) if opts.mode == "replace_table" else (f"{d} BETWEEN $a AND $b", {
                "a": opts.period[0], "b": opts.period[1]})
            _ensure_shadow(cur, table.name)
            cur.execute(f"INSERT INTO {_shadow(table.name)} SELECT *, {int(load_id)} FROM {table.name} WHERE {cond}",
                        cparams)
            if table.name in DATED_TABLES:
                months |= _months(cur, f"SELECT DISTINCT date_trunc('month', {d}) FROM {table.name} WHERE {cond}", cparams)
            replaced = cur.execute(f"DELETE FROM {table.name} WHERE {cond}", cparams).fetchone()[0]
            _trim_shadows(cur)
        if progress:
            progress("write", 0.2)
        names = [c for c in table.column_names if c in rep.columns]
        # Rejected rows are left out (an anti-join only when there are any).
        keep = f"WHERE _ord NOT IN (SELECT _ord FROM {_ISSUES} WHERE _ord IS NOT NULL)" if rep.rejected else ""
        insert = (f"INSERT INTO {table.name} ({', '.join(names)}, load_id) "
                  f"SELECT {', '.join(f'v_{c}' for c in names)}, {int(load_id)} FROM {_TYPED} {keep}")
        try:
            from analytics.ingest_read import _run_with_progress

            _run_with_progress(cur, insert, None, progress, "write", 0.2, 0.8)
        except duckdb.ConstraintException as exc:
            raise IngestError("constraint", f"the store refused the rows: {str(exc).splitlines()[0]}",
                              report=rep) from None
        written = cur.execute(f"SELECT count(*) FROM {table.name} WHERE load_id = ?", [load_id]).fetchone()[0]
        if table.name == schema.CUSTOMERS and opts.mode != "append":
            _check_orphans(cur, rep)
        if table.name in (schema.TRANSACTIONS, schema.ACTIVITIES):
            months |= _months(cur, f"SELECT DISTINCT date_trunc('month', {d}) FROM {table.name} WHERE load_id = ?",
                              [load_id])
            aggregates.refresh(cur, months)
        elif table.name == schema.ACTIVITY_RATES:
            aggregates.refresh(cur)
        if progress:
            progress("write", 0.9)
        meta = {"mapping": json.loads(opts.mapping.to_json()), "encoding": staged.encoding,
                "delimiter": staged.delimiter, "sheet": staged.sheet, "header_line": staged.header_row + 1,
                "date_formats": {c.column: list(c.formats) for c in rep.dates}, "rejected": rep.rejected,
                "replaced": replaced, "on_reject": opts.on_reject, "kind": staged.kind}
        p_from, p_to = (opts.period if opts.mode == "replace_period" else rep.period)
        cur.execute(f"INSERT INTO {schema.INGEST_LOG} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                    [load_id, opts.table, sniffed.file_name, staged.sha256, written, opts.mode, who,
                     dt.datetime.now().replace(microsecond=0), json.dumps(meta, ensure_ascii=False, default=str),
                     p_from, p_to])
        audit.record(cur, opts.table, f"load {load_id}", "load",
                     {"rows": (replaced if opts.mode != "append" else None, written), "file": (None, sniffed.file_name)},
                     user=who)
        _drop_work(cur, staged)
    if progress:
        progress("write", 1.0)
    return replace(rep, load_id=load_id, written=written, seconds=time.perf_counter() - t0)


def _check_orphans(cur: duckdb.DuckDBPyConnection, rep: Report | None = None) -> None:
    """Refuse a change that leaves rows referring to customers that no longer exist."""
    for tname, tbl in schema.TABLES.items():
        for col in tbl.columns:
            if col.references == f"{schema.CUSTOMERS}.customer_id":
                row = cur.execute(
                    f"""SELECT count(*), min({col.name}) FROM {tname}
                        WHERE {col.name} IS NOT NULL AND {col.name} NOT IN (SELECT customer_id FROM {schema.CUSTOMERS})"""
                ).fetchone()
                if row[0]:
                    raise IngestError("orphans", f"{row[0]:,} rows of {tname} would refer to customers that no longer "
                                      f"exist (e.g. {row[1]}); nothing was changed", report=rep, n=row[0],
                                      table=tname, example=row[1])


def _trim_shadows(cur: duckdb.DuckDBPyConnection) -> None:
    """Keep replaced rows for the latest :data:`KEEP_REPLACED_LOADS` replacing loads only."""
    keep = cur.execute(
        f"""SELECT min(load_id) FROM (SELECT load_id FROM {schema.INGEST_LOG} WHERE mode <> 'append'
            ORDER BY load_id DESC LIMIT {KEEP_REPLACED_LOADS - 1})""").fetchone()[0]
    if keep is None:
        return
    for t in UPLOAD_TABLES:
        if _table_exists(cur, _shadow(t)):
            cur.execute(f"DELETE FROM {_shadow(t)} WHERE replaced_by < ?", [keep])


def _table_exists(cur: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(cur.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary",
                            [name]).fetchone()[0])


# ----------------------------------------------------------------------------- log and undo
def loads(cur: duckdb.DuckDBPyConnection, limit: int = 100) -> pd.DataFrame:
    """The latest loads, newest first: ``load_id, table_name, file_name, rows, mode, user_name,
    loaded_at, period_from, period_to, undone_at, rejected, replaced, sha256``."""
    df = cur.execute(
        f"""SELECT load_id, table_name, file_name, rows, mode, user_name, loaded_at, period_from, period_to,
                   undone_at, mapping, sha256 FROM {schema.INGEST_LOG} ORDER BY load_id DESC LIMIT {int(limit)}""").df()
    meta = [json.loads(m) if isinstance(m, str) and m else {} for m in df["mapping"]]
    df["rejected"] = [m.get("rejected", 0) for m in meta]
    df["replaced"] = [m.get("replaced", 0) for m in meta]
    return df.drop(columns=["mapping"])


def last_load(cur: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The most recent load not yet undone (the one :func:`undo_last` would undo)."""
    row = cur.execute(
        f"""SELECT load_id, table_name, file_name, rows, mode, user_name, loaded_at FROM {schema.INGEST_LOG}
            WHERE undone_at IS NULL ORDER BY load_id DESC LIMIT 1""").fetchone()
    if row is None:
        return None
    return dict(zip(("load_id", "table_name", "file_name", "rows", "mode", "user_name", "loaded_at"), row, strict=True))


@dataclass(frozen=True)
class UndoResult:
    load_id: int
    table: str
    file_name: str
    removed: int
    restored: int


def undo_last(con: duckdb.DuckDBPyConnection, user: str | None = None) -> UndoResult:
    """Undo the most recent load in one transaction: delete its rows and restore the rows it replaced."""
    with writing(con) as cur:
        last = last_load(cur)
        if last is None:
            raise IngestError("nothing_to_undo", "there is no load to undo")
        lid, tname = int(last["load_id"]), last["table_name"]
        table = schema.TABLES[tname]
        d = table.date_column
        months: set[dt.date] = set()
        if tname in (schema.TRANSACTIONS, schema.ACTIVITIES):
            months |= _months(cur, f"SELECT DISTINCT date_trunc('month', {d}) FROM {tname} WHERE load_id = ?", [lid])
        removed = cur.execute(f"DELETE FROM {tname} WHERE load_id = ?", [lid]).fetchone()[0]
        restored = 0
        if last["mode"] != "append":
            if not _table_exists(cur, _shadow(tname)):
                raise IngestError("undo_unavailable", f"the rows replaced by load #{lid} are no longer kept", load_id=lid)
            kept = cur.execute(f"SELECT count(*) FROM {_shadow(tname)} WHERE replaced_by = ?", [lid]).fetchone()[0]
            log_replaced = json.loads(cur.execute(f"SELECT mapping FROM {schema.INGEST_LOG} WHERE load_id = ?",
                                                  [lid]).fetchone()[0] or "{}").get("replaced", 0)
            if kept != log_replaced:
                raise IngestError("undo_unavailable", f"the rows replaced by load #{lid} are no longer kept",
                                  load_id=lid)
            cols = ", ".join((*table.column_names, "load_id"))
            cur.execute(f"INSERT INTO {tname} ({cols}) SELECT {cols} FROM {_shadow(tname)} WHERE replaced_by = ?", [lid])
            restored = kept
            if tname in (schema.TRANSACTIONS, schema.ACTIVITIES):
                months |= _months(cur, f"SELECT DISTINCT date_trunc('month', {d}) FROM {_shadow(tname)} "
                                  "WHERE replaced_by = ?", [lid])
            cur.execute(f"DELETE FROM {_shadow(tname)} WHERE replaced_by = ?", [lid])
        if tname == schema.CUSTOMERS:
            _check_orphans(cur)
        if tname in (schema.TRANSACTIONS, schema.ACTIVITIES):
            aggregates.refresh(cur, months)
        elif tname == schema.ACTIVITY_RATES:
            aggregates.refresh(cur)
        cur.execute(f"UPDATE {schema.INGEST_LOG} SET undone_at = ? WHERE load_id = ?",
                    [dt.datetime.now().replace(microsecond=0), lid])
        audit.record(cur, tname, f"load {lid}", "undo", {"rows": (removed, restored)}, user=user)
    return UndoResult(lid, tname, last["file_name"], removed, restored)


# ----------------------------------------------------------------------------- saved mappings
def save_mapping(con: duckdb.DuckDBPyConnection, name: str, table: str, mapping: Mapping) -> None:
    """Save (or overwrite) a named mapping for a table."""
    _check_table(table)
    name = (name or "").strip()
    if not name:
        raise IngestError("no_map_name", "give the mapping a name")
    with writing(con) as cur:
        cur.execute(f"""INSERT INTO {schema.COLUMN_MAPS} VALUES (?, ?, ?, ?)
                        ON CONFLICT (name, table_name) DO UPDATE SET mapping = excluded.mapping,
                        saved_at = excluded.saved_at""",
                    [name, table, mapping.to_json(), dt.datetime.now().replace(microsecond=0)])


def saved_mappings(cur: duckdb.DuckDBPyConnection, table: str) -> dict[str, Mapping]:
    """Named mappings saved for ``table``, by name."""
    rows = cur.execute(f"SELECT name, mapping FROM {schema.COLUMN_MAPS} WHERE table_name = ? ORDER BY name",
                       [table]).fetchall()
    return {n: Mapping.from_json(m) for n, m in rows}


def saved_mapping(cur: duckdb.DuckDBPyConnection, table: str, name: str) -> Mapping:
    maps = saved_mappings(cur, table)
    if name not in maps:
        raise IngestError("no_such_map", f"no mapping named {name!r} is saved for {table}", name=name)
    return maps[name]


# ----------------------------------------------------------------------------- templates
def template_headers(table: str, lang: str) -> list[str]:
    """Column headers for a template: the column names (en) or their first Chinese synonym (zh)."""
    tbl = _check_table(table)
    if lang == "en":
        return list(tbl.column_names)
    out = []
    for c in tbl.columns:
        zh = next((s for s in c.synonyms if any("\u4e00" <= ch <= "\u9fff" for ch in s)), c.name)
        out.append(zh)
    return out


def columns_table(table: str, lang: str = "en") -> pd.DataFrame:
    """One row per column of ``table``: header in the template, name, kind, required, allowed values, range."""
    tbl = _check_table(table)
    heads = template_headers(table, lang)
    return pd.DataFrame({
        "header": heads, "column": list(tbl.column_names), "kind": [c.kind for c in tbl.columns],
        "required": [c.required for c in tbl.columns],
        "choices": [", ".join(c.choices) if c.choices else "" for c in tbl.columns],
        "min": [c.min for c in tbl.columns], "max": [c.max for c in tbl.columns],
        "references": [c.references or "" for c in tbl.columns],
    })


@functools.lru_cache(maxsize=64)
def template_bytes(table: str, lang: str, fmt: str) -> bytes:
    """An empty template for ``table`` with ``lang`` headers: ``csv`` (UTF-8 with BOM) or ``xlsx``
    (a data sheet, ids formatted as text so Excel keeps leading zeros, and a sheet describing each column)."""
    from analytics import tabular

    heads = template_headers(table, lang)
    if fmt == "csv":
        return tabular.csv_bytes(pd.DataFrame(columns=heads))
    if fmt != "xlsx":
        raise ValueError(f"unknown template format {fmt!r}")
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    tbl = schema.TABLES[table]
    wb = Workbook()
    ws = wb.active
    ws.title = "data" if lang == "en" else "数据"
    ws.append(heads)
    for i, c in enumerate(tbl.columns, start=1):
        ws.cell(row=1, column=i).font = Font(bold=True)
        letter = ws.cell(row=1, column=i).column_letter
        ws.column_dimensions[letter].width = max(12, len(heads[i - 1]) * 2)
        if c.kind in ("id", "text", "category"):
            for r in range(2, 1002):
                ws.cell(row=r, column=i).number_format = "@"
    info = wb.create_sheet("columns" if lang == "en" else "说明")
    desc = columns_table(table, lang)
    info.append(list(desc.columns))
    for row in desc.itertuples(index=False):
        info.append([tabular.neutralize_text(v) if isinstance(v, str) else (None if v != v else v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ----------------------------------------------------------------------------- command line
def _parse_pairs(items: Iterable[str] | None, what: str) -> list[tuple[str, str]]:
    out = []
    for item in items or []:
        if "=" not in item:
            raise IngestError("bad_pair", f"{what} {item!r} must look like NAME=VALUE")
        left, right = item.rsplit("=", 1) if what == "--map" else item.split("=", 1)
        out.append((left.strip(), right.strip()))
    return out


def _cli_progress(quiet: bool) -> Progress | None:
    if quiet:
        return None
    last: dict[str, float] = {}

    def say(phase: str, frac: float) -> None:
        step = round(frac, 1)
        if last.get(phase) != step:
            last[phase] = step
            print(f"[{phase:8s} {frac:4.0%}]", file=sys.stderr, flush=True)

    return say


def _print_report(rep: Report, limit: int = 200) -> None:
    out = sys.stdout
    print(f"file {rep.file_name} ({rep.kind}, {rep.encoding or ''} {rep.delimiter or ''}".rstrip() + ")", file=out)
    print(f"rows {rep.rows:,}: {rep.valid:,} valid, {rep.rejected:,} rejected, {rep.empty_rows:,} empty", file=out)
    for d in rep.dates:
        flag = "  AMBIGUOUS: day/month order unknown, e.g. " + ", ".join(d.examples) if d.ambiguous and not d.explicit else ""
        print(f"dates {d.column}: {', '.join(d.labels)}{flag}", file=out)
    for code, params in rep.warnings:
        print(f"note {code}: " + ", ".join(f"{k}={v}" for k, v in params), file=out)
    if not rep.issues.empty:
        print("rejected (line, column, reason):", file=out)
        for r in rep.issues.head(limit).itertuples(index=False):
            col = r.column if isinstance(r.column, str) else "-"
            print(f"  line {r.line}: {col}: {r.message}", file=out)
        if rep.issues_total > limit:
            print(f"  … {rep.issues_total - limit:,} more (use --json or --issues FILE for all)", file=out)


def _ingest_cli(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.exists():
        raise IngestError("no_file", f"file {path} does not exist")
    table = args.table
    _check_table(table)
    sn = sniff(path, encoding=args.encoding, delimiter=_cli_delimiter(args.delimiter), header_row=(
        args.header_line - 1 if args.header_line else None), sheet=args.sheet)
    con = db.connect(args.db)
    try:
        with db.cursor(con) as cur:
            base = saved_mapping(cur, table, args.use_map) if args.use_map else auto_map(table, sn.columns, sn.preview)
        cols = dict(base.columns)
        consts = dict(base.constants)
        for src, dst in _parse_pairs(args.map, "--map"):
            if dst not in targets(table):
                raise IngestError("unknown_target", f"{table} has no column {dst!r}", column=dst)
            cols = {t: s for t, s in cols.items() if s != src or t == dst} if args.map_only else cols
            cols[dst] = src
            consts.pop(dst, None)
        if args.map_only:
            explicit = {dst for _, dst in _parse_pairs(args.map, "--map")}
            cols = {t: s for t, s in cols.items() if t in explicit}
        for dst, value in _parse_pairs(args.set, "--set"):
            consts[dst] = value
            cols.pop(dst, None)
        mapping = Mapping.of(cols, consts)
        mode = args.mode
        period = None
        if mode == "replace":
            mode = "replace_period" if (args.date_from or args.date_to) else "replace_table"
            if mode == "replace_period":
                if not (args.date_from and args.date_to):
                    raise IngestError("no_period", "replacing a period needs both --from and --to")
                period = (dt.date.fromisoformat(args.date_from), dt.date.fromisoformat(args.date_to))
        fmts = tuple(("*", (args.date_format,)) for _ in [0] if args.date_format)
        opts = Options(table, mapping, mode=mode, period=period, date_formats=fmts,
                       on_reject="skip" if args.skip_rejected else "refuse")
        if args.save_map:
            save_mapping(con, args.save_map, table, mapping)
        progress = _cli_progress(args.quiet or args.json)
        code = 0
        try:
            if args.dry_run:
                rep = check(con, path, sn, opts, progress=progress)
                if rep.rejected or rep.ambiguous or rep.already_loaded:
                    code = 1
            else:
                rep = load(con, path, sn, opts, progress=progress)
        except IngestError as exc:
            if exc.report is None:
                raise
            rep = exc.report
            code = 1
            if args.json:
                from analytics import cli

                cli.print_json({**rep.to_dict(), "error": str(exc), "error_code": exc.code})
            else:
                _print_report(rep)
                print(f"error: {exc}", file=sys.stderr)
            _write_issues(args.issues, rep)
            return code
    finally:
        con.close()
    _write_issues(args.issues, rep)
    if args.json:
        from analytics import cli

        cli.print_json(rep.to_dict())
    else:
        _print_report(rep)
        if rep.load_id is not None:
            print(f"loaded {rep.written:,} rows into {table} as load #{rep.load_id}"
                  + (f" ({rep.rejected:,} rejected rows skipped)" if rep.rejected else ""))
        elif args.dry_run:
            print("dry run: nothing was written")
    return code


def _write_issues(path: str | None, rep: Report) -> None:
    if path:
        rep.issues[["line", "column", "code", "value", "message"]].to_csv(path, index=False)


def _cli_delimiter(value: str | None) -> str | None:
    if value is None:
        return None
    return {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " ",
            "whitespace": " "}.get(value, value)


def _undo_cli(args: argparse.Namespace) -> int:
    con = db.connect(args.db)
    try:
        res = undo_last(con)
    finally:
        con.close()
    print(f"undid load #{res.load_id} ({res.file_name} into {res.table}): {res.removed:,} rows removed, "
          f"{res.restored:,} restored")
    return 0


def _loads_cli(args: argparse.Namespace) -> int:
    con = db.connect(args.db, read_only=True)
    try:
        with db.cursor(con) as cur:
            df = loads(cur, args.limit)
    finally:
        con.close()
    if args.json:
        from analytics import cli

        cli.print_json(df.to_dict("records"))
    else:
        print(df.to_string(index=False) if not df.empty else "no loads yet")
    return 0


def _template_cli(args: argparse.Namespace) -> int:
    data = template_bytes(args.table, args.lang, args.format)
    Path(args.output).write_bytes(data)
    print(f"wrote {args.output}")
    return 0


def register_cli(sub: argparse._SubParsersAction) -> None:
    """``ingest``, ``undo-load``, ``loads`` and ``template`` commands."""
    from analytics import cli

    p = sub.add_parser("ingest", help="validate and load a CSV, Excel or Parquet file into a table")
    p.add_argument("file", help="the file (CSV/TSV/TXT, .xlsx or .parquet)")
    p.add_argument("--table", required=True, choices=UPLOAD_TABLES, help="the table to load into")
    cli.add_db_arg(p)
    p.add_argument("--mode", choices=("append", "replace"), default="append",
                   help="append rows, or replace the table (or, with --from/--to, that period)")
    p.add_argument("--from", dest="date_from", metavar="DATE", help="first day of the period to replace")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="last day of the period to replace")
    p.add_argument("--map", action="append", metavar="SRC=DST",
                   help="file column SRC fills table column DST (repeat; @line=ID makes ids from line numbers)")
    p.add_argument("--map-only", action="store_true", help="use only the --map pairs (no automatic matching)")
    p.add_argument("--set", action="append", metavar="DST=VALUE", help="fill table column DST with VALUE in every row")
    p.add_argument("--use-map", metavar="NAME", help="start from a saved mapping")
    p.add_argument("--save-map", metavar="NAME", help="save the mapping under NAME")
    p.add_argument("--encoding", help="the file's encoding (default: detected)")
    p.add_argument("--delimiter", help="the delimiter: a character, or tab, comma, semicolon, pipe, whitespace")
    p.add_argument("--sheet", help="the Excel sheet (default: the first)")
    p.add_argument("--header-line", type=int, metavar="N", help="the header's line or row number (default: detected)")
    p.add_argument("--date-format", metavar="FMT", help="strptime format of the dates, e.g. %%d/%%m/%%Y")
    p.add_argument("--skip-rejected", action="store_true", help="load the valid rows and skip rejected ones")
    p.add_argument("--dry-run", action="store_true", help="validate only; write nothing")
    p.add_argument("--issues", metavar="FILE", help="write every rejected row's line, column and reason to a CSV")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(handler=_ingest_cli)

    p = sub.add_parser("undo-load", help="undo the most recent load")
    cli.add_db_arg(p)
    p.set_defaults(handler=_undo_cli)

    p = sub.add_parser("loads", help="list the latest loads")
    cli.add_db_arg(p)
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_loads_cli)

    p = sub.add_parser("template", help="write an empty template file for a table")
    p.add_argument("table", choices=UPLOAD_TABLES)
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(handler=_template_cli)
