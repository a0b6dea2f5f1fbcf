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
import re
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
UNIT_PRICE_SYNONYMS = ("unit_price", "unit price", "unitprice", "price", "单价", "销售单价", "含税单价", "不含税单价",
                       "成交单价", "unit cost price", "sales price", "selling price", "无税单价", "本币含税单价",
                       "本币无税单价")
# An invoice (order, voucher) number names a document that may hold several lines: a file column
# mapped here gives each line an id (the number itself when it has one line in the file, otherwise
# ``number/k`` for its k-th line in file order), and Online Retail's ``C``-prefixed numbers are
# cancellations (stored as returns: negative quantity and revenue).
INVOICE = "invoice"
INVOICE_SYNONYMS = ("invoice", "invoiceno", "invoice no", "invoice number", "invoice_id", "order no",
                    "order number", "单据编号", "单据号", "发票号", "发票号码", "订单号", "订单编号", "单号",
                    "销售单号", "出库单号", "销售订单号", "销售出库单号", "出库单编号", "发货单号", "单据号码")
# What a transactions file says about its customers (Online Retail's Country, an ERP's 客户名称): not
# stored with the transactions, but the customers a load creates take them (name, region) instead of
# the defaults.
CUSTOMER_NAME = "customer_name"
CUSTOMER_REGION = "customer_region"
CUSTOMER_ATTRIBUTES = {CUSTOMER_NAME: "name", CUSTOMER_REGION: "region"}
UPLOAD_TABLES = schema.DATA_TABLES
# Names of the mappings remembered per source (table and file columns) in ``column_maps``.
REMEMBERED_PREFIX = "@source:"


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
    import unicodedata

    s = unicodedata.normalize("NFKC", str(name)).translate(_TRAD).lower().strip()
    s = re.sub(r"[\(\[【（].*?[\)\]】）]", "", s)
    return re.sub(r"[\s_\-./:：*]+", "", s)


def targets(table: str) -> tuple[str, ...]:
    """The columns a file can fill (the table's; for transactions also ``unit_price``, ``invoice`` and the
    attributes of customers a load creates)."""
    cols = schema.TABLES[table].column_names
    return (*cols, UNIT_PRICE, INVOICE, *CUSTOMER_ATTRIBUTES) if table == schema.TRANSACTIONS else cols


def column_for(table: str, target: str) -> schema.Column:
    """The contract column a target fills, or the helper column of ``unit_price`` / ``invoice``."""
    if target == UNIT_PRICE:
        return schema.Column(UNIT_PRICE, "DECIMAL(18,4)", "money", synonyms=UNIT_PRICE_SYNONYMS)
    if target == INVOICE:
        return schema.Column(INVOICE, "VARCHAR", "id", synonyms=INVOICE_SYNONYMS)
    if target == CUSTOMER_NAME:
        return schema.Column(CUSTOMER_NAME, "VARCHAR", "text", synonyms=(
            "客户名称", "客户名", "customer name", "client name", "购买方名称", "买方名称", "会员名称", "往来单位",
            "往来单位名称", "购货单位"))
    if target == CUSTOMER_REGION:
        # Named "region" so that the region's value rules apply (华东 → East).
        return schema.Column("region", "VARCHAR", "category", synonyms=(
            "country", "国家", "region", "区域", "地区", "大区", "销售区域", "客户区域"))
    return schema.TABLES[table].column(target)


def _names_for(table: str, target: str) -> tuple[str, ...]:
    col = column_for(table, target)
    return (col.name, *col.synonyms)


@dataclass(frozen=True)
class Recognition:
    """A proposed mapping and, for each target it fills, how the column was recognised.

    ``how`` pairs (target, way), the way being ``name`` (the header is the column's name),
    ``synonym`` (a Chinese or English synonym), ``type`` (the only column whose values look like
    dates), ``position`` (a file without a header: the column's place and the types of its values)
    or ``remembered`` (the mapping of an earlier load of a file with the same columns).
    ``date_times`` names the date targets whose values carry a time of day (read as the date).
    """

    mapping: Mapping
    how: tuple[tuple[str, str], ...] = ()
    date_times: tuple[str, ...] = ()

    def way(self, target: str) -> str | None:
        return dict(self.how).get(target)


def auto_map(table: str, columns: Sequence[str], preview: pd.DataFrame | None = None, *,
             header: bool = True) -> Mapping:
    """Match file columns to the table's (see :func:`recognise`)."""
    return recognise(table, columns, preview, header=header).mapping


def recognise(table: str, columns: Sequence[str], preview: pd.DataFrame | None = None, *,
              header: bool = True) -> Recognition:
    """Match file columns to the table's: exact names first, then synonyms, then a lone date column
    by type; a file without a header (``header=False``) by the types of its columns' values
    (:func:`_by_position`).

    A name shared by two file columns (``amount`` and ``amount (2)``) is left for the analyst.
    """
    check_table(table)
    chosen: dict[str, str] = {}
    how: dict[str, str] = {}
    if header:
        base = {c: _norm_name(c.rsplit(" (", 1)[0] if c.endswith(")") and " (" in c else c) for c in columns}
        counts: dict[str, int] = {}
        for n in base.values():
            counts[n] = counts.get(n, 0) + 1
        by_name: dict[str, str] = {}
        for c in columns:
            by_name.setdefault(_norm_name(c), c)
        used: set[str] = set()
        # An invoice's synonyms go first: an order number names a document, not one of its lines.
        order = sorted(targets(table), key=lambda t: t != INVOICE)
        for stage_ in ("name", "synonym"):
            for target in order:
                if target in chosen:
                    continue
                names = _names_for(table, target)
                names = names[:1] if stage_ == "name" else names[1:]
                for n in names:
                    src = by_name.get(_norm_name(n))
                    if src is None or src in used or counts.get(base[src], 0) > 1:
                        continue
                    chosen[target] = src
                    how[target] = stage_
                    used.add(src)
                    break
        tbl = schema.TABLES[table]
        if tbl.date_column and tbl.date_column not in chosen and preview is not None and not preview.empty:
            candidates = [c for c in columns if c not in used and c in preview and _looks_like_dates(preview[c])]
            if len(candidates) == 1:
                chosen[tbl.date_column] = candidates[0]
                how[tbl.date_column] = "type"
    elif preview is not None and not preview.empty:
        chosen = _by_position(table, columns, preview)
        how = {t: "position" for t in chosen}
    date_times = tuple(t for t, src in chosen.items() if column_for(table, t).kind == "date"
                       and preview is not None and src in preview and _has_times(preview[src]))
    mapping = Mapping.of({t: chosen.get(t) for t in targets(table)})
    return Recognition(mapping, tuple((t, how[t]) for t in targets(table) if t in chosen), date_times)


_INT = re.compile(r"[+-]?\d+")
_DEC = re.compile(r"[+-]?\d*\.\d+")


def _kinds(values: pd.Series) -> str:
    """What a headerless column holds: ``date``, ``int`` (whole numbers), ``dec`` (decimals), ``text``."""
    sample = [str(v).strip() for v in values.dropna() if str(v).strip()][:20]
    if not sample:
        return "empty"
    if _looks_like_dates(values):
        return "date"
    if all(_INT.fullmatch(v) for v in sample):
        return "int"
    if all(_INT.fullmatch(v) or _DEC.fullmatch(v) for v in sample):
        return "dec"
    return "text"


def _by_position(table: str, columns: Sequence[str], preview: pd.DataFrame) -> dict[str, str]:
    """A headerless file's columns by place and type (the CDNOW layout ``id id date count amount``).

    Only the date is guessed for most tables. For transactions: the first column before the date
    is the customer; after the date, the first whole-number column is the quantity and the last
    decimal column the revenue (the last number column when none has decimals). Anything else is
    left for the analyst (``--map 2=customer_id``); the page states each guess.
    """
    kinds = [_kinds(preview[c]) if c in preview else "empty" for c in columns]
    dates = [i for i, k in enumerate(kinds) if k == "date"]
    tbl = schema.TABLES[table]
    out: dict[str, str] = {}
    if len(dates) != 1 or not tbl.date_column:
        return out
    d = dates[0]
    out[tbl.date_column] = columns[d]
    if table != schema.TRANSACTIONS:
        return out
    before = [i for i in range(d) if kinds[i] in ("int", "text")]
    if before:
        out["customer_id"] = columns[before[0]]
    after = [i for i in range(d + 1, len(columns)) if kinds[i] in ("int", "dec")]
    decimals = [i for i in after if kinds[i] == "dec"]
    amount = decimals[-1] if decimals else (after[-1] if len(after) >= 2 else None)
    if amount is not None:
        out["revenue"] = columns[amount]
    ints = [i for i in after if kinds[i] == "int" and i != amount]
    if ints:
        out["quantity"] = columns[ints[0]]
    return out


def _has_times(values: pd.Series) -> bool:
    """Whether date cells carry a time of day (``12/1/2010 8:26``, ``2024-03-05T10:00``)."""
    sample = [str(v).strip() for v in values.dropna() if str(v).strip()][:20]
    return bool(sample) and all(re.search(r"\d[ T]\d{1,2}:\d{2}", v) for v in sample)


def recognise_file(table: str, columns: Sequence[str], preview: pd.DataFrame | None = None, *, header: bool = True,
                   remembered: Mapping | None = None) -> Recognition:
    """:func:`recognise`, or the mapping remembered for files with these columns (:func:`source_key`)
    when every file column it names is in this file."""
    if remembered is not None and all(s in columns or s == GENERATED_ID for _, s in remembered.columns):
        rec = recognise(table, columns, preview, header=header)
        how = tuple((t, "remembered") for t in targets(table)
                    if remembered.source(t) is not None or remembered.constant(t) is not None)
        dts = tuple(t for t in rec.date_times if remembered.source(t) == rec.mapping.source(t))
        return Recognition(remembered, how, dts)
    return recognise(table, columns, preview, header=header)


def source_column(columns: Sequence[str], source: str) -> str:
    """A mapping's source as the file's column: its name, or its 1-based position (``3``) when no
    column has that name. Raises :class:`IngestError` for a position outside the file."""
    if source in columns or source == GENERATED_ID or not source.isdigit():
        return source
    pos = int(source)
    if not 1 <= pos <= len(columns):
        raise IngestError("bad_position", f"column position {pos} is outside the file's {len(columns)} columns",
                          position=pos, columns=len(columns))
    return columns[pos - 1]


def source_key(table: str, columns: Sequence[str], header: bool = True) -> str:
    """The name a file's mapping is remembered under: the table and the file's normalised header (or,
    without a header, its number of columns)."""
    import hashlib

    sig = "|".join(_norm_name(c) for c in columns) if header else f"#{len(columns)}"
    return REMEMBERED_PREFIX + hashlib.sha1(f"{table}|{sig}".encode()).hexdigest()[:16]


# Formats that make a column a date by its values (date-times included; not Excel serials or year-months,
# which plain numbers would match).
_DATE_KEYS = tuple(f.key for f in norm.FORMATS if f.family not in ("excel", "ym"))


def _looks_like_dates(values: pd.Series) -> bool:
    sample = [str(v) for v in values.dropna() if str(v).strip()][:20]
    if not sample:
        return False
    con = duckdb.connect()
    try:
        flags = con.execute(
            f"SELECT count(*) FILTER (WHERE {norm.date_sql(norm.date_text_sql('t'), _DATE_KEYS)} "
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
            tbl = schema.TABLES[self.table]
            # An id the engine makes from the row (schema version 5) is a key too: the same row, the same id.
            missing = [k for k in tbl.key if not self.mapping.source(k) and not self.mapping.constant(k)
                       and not tbl.column(k).generated]
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
