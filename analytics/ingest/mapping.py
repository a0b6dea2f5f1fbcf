"""Column mappings and the analyst's options for a load (part of :mod:`analytics.ingest`).

:func:`auto_map` matches a file's columns to a table's by name, Chinese or English synonym
(brackets such as ``金额(元)`` ignored) and, for a single unmatched date column, by type.
:class:`Mapping` says which file column, constant or ``@line`` fills each column of the table;
:class:`Options` adds the mode, the period being replaced, date formats and the rule for rejected
rows. Validation (:mod:`analytics.ingest.validate`) and the engine (:mod:`analytics.ingest`) build
on these types, so they live below both.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping as MappingABC
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics.ingest import normalize as norm
from analytics.ingest.read.types import IngestError
from analytics.store import schema

MODES = ("append", "update", "replace_period", "replace_table")
ON_REJECT = ("refuse", "skip")
GENERATED_ID = "@line"
UNIT_PRICE = "unit_price"
UNIT_PRICE_SYNONYMS = ("unit_price", "unit price", "unitprice", "price", "单价", "销售单价", "含税单价")
UPLOAD_TABLES = schema.DATA_TABLES


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
    check_table(table)
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


def check_table(table: str) -> schema.Table:
    """The schema of upload table ``table``; IngestError for any other name."""
    if table not in UPLOAD_TABLES:
        raise IngestError("unknown_table", f"unknown table {table!r}; use one of {', '.join(UPLOAD_TABLES)}",
                          table=table)
    return schema.TABLES[table]


# ----------------------------------------------------------------------------- options
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
        check_table(self.table)
        if self.mode not in MODES:
            raise IngestError("bad_mode", f"unknown mode {self.mode!r}; use {', '.join(MODES)}", mode=self.mode)
        if self.on_reject not in ON_REJECT:
            raise IngestError("bad_on_reject", f"unknown rule for rejected rows {self.on_reject!r}")
        if self.mode == "update":
            key = schema.TABLES[self.table].key
            missing = [k for k in key if not self.mapping.source(k) and not self.mapping.constant(k)]
            if missing:
                raise IngestError("update_needs_key", f"updating by key needs the key column(s) "
                                  f"{', '.join(missing)} of {self.table} in the file", columns=", ".join(missing))
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
