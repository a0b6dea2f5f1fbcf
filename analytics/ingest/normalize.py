"""Values as analysts' files hold them, turned into the store's types — in SQL, vectorised
(part of :mod:`analytics.ingest`).

Every rule here is applied by DuckDB to whole columns; nothing loops over rows in Python.

Text
    Leading and trailing spaces (ASCII, ideographic U+3000, no-break U+00A0, BOM) are removed;
    an empty cell is missing. Ids additionally lose full-width forms (``Ｃ００１`` → ``C001``)
    and a float suffix that spreadsheets add to numeric codes (``17850.0`` → ``17850``).
    Categories with a fixed list (customer type, feedback kind, opportunity stage) accept the
    stored code, its Chinese and English names and a few common synonyms, in any case; other
    categories keep their value, except that a Chinese or English name the app already translates
    (``华东`` for ``East``) is stored as its code, so that one region is not two.

Numbers and money
    A plain number is cast directly. Otherwise: full-width digits and punctuation become ASCII;
    currency signs and codes (¥ ￥ $ € £ 元 RMB CNY USD EUR GBP HKD) are removed; ``(1,234.00)``
    is negative (accounting format); thousands separators (comma or space) are removed only where
    they group digits in threes (``1,5`` stays invalid rather than becoming 15); a trailing
    ``万`` multiplies by 10⁴ and ``亿`` by 10⁸; a trailing ``%`` divides by 100, except in a column
    on a 0–100 scale (its maximum is 100), where ``85%`` means 85. Money keeps exact decimals and
    is rounded to cents (half away from zero); NaN and infinities (``nan``, ``inf``, ``Infinity``,
    ``1e400`` …) are refused with their own reason, in every kind of file.

Dates
    Each date column's format is detected from a sample of up to 20,000 distinct values, among
    ISO (``YYYY-MM-DD`` and ``YYYY/MM/DD``, with or without a time), ``YYYY.MM.DD``,
    ``YYYYMMDD``, ``YYYY年M月D日``, ``DD/MM/YYYY`` and ``MM/DD/YYYY`` (also with dots, dashes, two-
    digit years and times), ``5-Mar-2024`` styles, year-month (the first of the month) and Excel
    serial numbers (five digits: days since 1899-12-30). Day-first and month-first readings
    exclude each other: when every value of the whole column reads both ways (``03/05/2024``),
    the column is *ambiguous* and nothing loads until the analyst chooses. Dates before 1900 or
    after 2100 are rejected as out of range (usually a misread format).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import duckdb

from analytics.store import schema

MAX_TEXT = 32_768
MAX_ID = 200
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)
SAMPLE = 20_000

_SPACES = " \t\r\n\u3000\u00a0\ufeff"
_FW_FROM = "０１２３４５６７８９．，－＋％（）／：　"
_FW_TO = "0123456789.,-+%()/: "
_FW_ALNUM_FROM = _FW_FROM + "".join(chr(c) for c in range(0xFF21, 0xFF3B)) + "".join(chr(c) for c in range(0xFF41, 0xFF5B)) + "＿"
_FW_ALNUM_TO = _FW_TO + "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + "abcdefghijklmnopqrstuvwxyz" + "_"
_CURRENCY = r"(?i)(rmb|cny|usd|eur|gbp|hkd|us\$|hk\$|[¥￥$€£元])"
_GROUPED = r"[+-]?\d{1,3}([, ]\d{3})+(\.\d*)?"


def lit(value: str) -> str:
    """A SQL string literal (values the engine itself writes into SQL: codes, labels, formats)."""
    return "'" + str(value).replace("'", "''") + "'"


# Only values that start or end with white space are trimmed: trimming a set of Unicode spaces costs
# DuckDB several times more than this test, and almost no value needs it.
_EDGE = r"^[\s\x{3000}\x{a0}\x{feff}]|[\s\x{3000}\x{a0}\x{feff}]$"


def clean_sql(x: str) -> str:
    """Trimmed text; NULL when empty."""
    return f"nullif(CASE WHEN regexp_matches({x}, '{_EDGE}') THEN trim({x}, {lit(_SPACES)}) ELSE {x} END, '')"


def light_sql(x: str) -> str:
    """A number or date cell as read (NULL when empty): the direct casts ignore surrounding spaces, and
    the values they refuse are cleaned by the slow pass (:func:`number_slow_select`, :func:`date_slow_select`)."""
    return f"nullif({x}, '')"


def halfwidth_sql(x: str, alnum: bool = False) -> str:
    """Full-width digits and punctuation (and letters, for ids) as ASCII; only touches non-ASCII text."""
    src, dst = (_FW_ALNUM_FROM, _FW_ALNUM_TO) if alnum else (_FW_FROM, _FW_TO)
    return f"(CASE WHEN strlen({x}) <> length({x}) THEN translate({x}, {lit(src)}, {lit(dst)}) ELSE {x} END)"


# ----------------------------------------------------------------------------- categories
# Synonyms beyond the app's own translations, for the categories with a fixed list.
EXTRA_LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "customer_type": {
        "enterprise": ("企业客户", "公司", "单位", "政企", "集团", "企业用户", "企業", "企業客戶", "公司客戶",
                       "business", "company", "corporate", "b2b"),
        "individual": ("个人客户", "个人用户", "私人", "個人", "個人客戶", "personal", "person", "consumer", "private",
                       "b2c"),
    },
    "kind": {
        "praise": ("好评", "赞扬", "表彰", "感谢", "表揚", "好評", "compliment", "positive"),
        "complaint": ("差评", "抱怨", "投訴", "差評", "negative"),
        "other": ("其它", "建议", "咨询", "建議", "諮詢", "suggestion", "inquiry"),
    },
    "stage": {
        "target": ("目标",), "prospect": ("潜客", "线索", "lead"), "opportunity": ("机会", "商机阶段"),
        "won": ("成交", "赢得", "签约", "closed won"), "lost": ("输单", "失败", "closed lost"),
    },
    "status": {  # contract terms (schema version 6)
        "active": ("在约", "有效", "生效", "执行中", "履约中", "进行中", "current", "open", "running"),
        "renewed": ("续约", "已续签", "续签", "renewal", "renew"),
        "cancelled": ("取消", "解约", "已解约", "终止", "已终止", "退订", "流失", "canceled", "terminated", "churned"),
    },
}


@cache
def choice_map(column: str, choices: tuple[str, ...]) -> dict[str, str]:
    """Lower-cased accepted spellings → stored code, for a category with a fixed list."""
    from i18n import values

    out = {c.lower(): c for c in choices}
    for raw, (zh, en) in values.all_values().get(column, {}).items():
        if raw in choices:
            out.setdefault(zh.lower(), raw)
            out.setdefault(en.lower(), raw)
    for raw, extra in EXTRA_LABELS.get(column, {}).items():
        if raw in choices:
            for label in extra:
                out.setdefault(label.lower(), raw)
    return out


@cache
def label_map(column: str) -> dict[str, str]:
    """Names the app shows for stored codes of an open category (``华东`` → ``East``), when unambiguous."""
    from i18n import values

    seen: dict[str, set[str]] = {}
    english: dict[str, str] = {}
    for raw, (zh, en) in values.all_values().get(column, {}).items():
        english[raw] = en
        for label in (zh, en):
            if label != raw:
                seen.setdefault(label, set()).add(raw)
    codes = set(english)

    def code(raws: set[str]) -> str | None:
        # 后付费 names both "Postpaid" (the demo's code) and "postpaid" (an ERP's): the code that is
        # its own English name wins; two such codes (门店: "Store", "Retail store") stay ambiguous.
        if len(raws) == 1:
            return next(iter(raws))
        own = [r for r in raws if english[r] == r]
        return own[0] if len(own) == 1 else None

    picked = {label: code(raws) for label, raws in seen.items() if label not in codes}
    return {label: c for label, c in picked.items() if c is not None}


def category_sql(t: str, col: schema.Column) -> str:
    """A cleaned category value as its stored code (NULL when a fixed list does not contain it)."""
    if col.choices:
        pairs = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in choice_map(col.name, col.choices).items())
        return f"(CASE lower({t}) {pairs} END)"
    labels = label_map(col.name)
    if not labels:
        return t
    pairs = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in labels.items())
    return f"(CASE {t} {pairs} ELSE {t} END)"


def id_sql(t: str) -> str:
    """An id without full-width forms or a spreadsheet's ``.0`` suffix."""
    h = halfwidth_sql(t, alnum=True)
    return f"(CASE WHEN ends_with({t}, '.0') AND regexp_full_match({t}, '[0-9]+\\.0+') THEN split_part({t}, '.', 1) ELSE {h} END)"


# ----------------------------------------------------------------------------- invoices
def invoice_line_sql(inv: str, ord_expr: str) -> str:
    """A line's id from its invoice number: the number itself when the file has one line of that
    invoice, otherwise ``number/k`` for its k-th line in file order (the same file gives the same ids)."""
    return (f"(CASE WHEN count(*) OVER (PARTITION BY {inv}) > 1 THEN {inv} || '/' || "
            f"CAST(row_number() OVER (PARTITION BY {inv} ORDER BY {ord_expr}) AS VARCHAR) ELSE {inv} END)")


def cancelled_sql(inv: str) -> str:
    """Whether an invoice number marks a cancellation (Online Retail's ``C536379``)."""
    return f"regexp_full_match({inv}, '[Cc][0-9]+')"


# ----------------------------------------------------------------------------- numbers
def percent_factor(col: schema.Column) -> float:
    """What ``%`` does in this column: ÷100, or nothing on a 0–100 scale."""
    return 1.0 if col.max == 100 else 0.01


def number_fast_sql(t: str, col: schema.Column) -> str:
    """The direct cast (most values): DOUBLE, or exact DECIMAL for money."""
    if col.kind == "money":
        scale = col.sql.split(",")[-1].rstrip(")") if "," in col.sql else "2"
        return f"try_cast({t} AS DECIMAL(38,{scale}))"
    return f"(CASE WHEN isfinite(try_cast({t} AS DOUBLE)) THEN try_cast({t} AS DOUBLE) END)"


def number_slow_select(source: str, ord_col: str, raw: str, col: schema.Column, where: str) -> str:
    """``SELECT o, r, v`` for the values the direct cast refused: the cleaned text and the number it
    holds after the normalisation chain (NULL when it is still not a number)."""
    pct = percent_factor(col) if col.kind != "money" else "NULL"
    cast = "DECIMAL(38,6)" if col.kind == "money" else "DOUBLE"
    # NaN and ±infinity (``nan``, ``inf``, ``Infinity``, ``1e400``) cast to DOUBLE but are not numbers:
    # one of them in a quantity makes every sum over it NaN or infinite (and the pages fail).
    value = "d * f" if col.kind == "money" else "CASE WHEN isfinite(d * f) THEN d * f END"
    return f"""
    SELECT o, r, CASE WHEN f IS NULL OR d IS NULL THEN NULL ELSE {value} END AS v FROM (
      SELECT o, r, f, try_cast(CASE WHEN regexp_full_match(s, '{_GROUPED}') THEN regexp_replace(s, '[, ]', '', 'g')
                                    ELSE s END AS {cast}) AS d FROM (
        SELECT o, r, CASE WHEN ends_with(s, '%') THEN {pct} WHEN ends_with(s, '万') THEN 10000
                          WHEN ends_with(s, '亿') THEN 100000000 ELSE 1 END AS f,
               trim(rtrim(s, '%万亿')) AS s FROM (
          SELECT o, r, CASE WHEN regexp_full_match(s, '\\(.*\\)') THEN '-' || trim(s[2:-2]) ELSE s END AS s FROM (
            SELECT o, r, trim(regexp_replace({halfwidth_sql('r')}, '{_CURRENCY}', '', 'g'), {lit(_SPACES)}) AS s FROM (
              SELECT {ord_col} AS o, {clean_sql(raw)} AS r FROM {source} WHERE {where})))))"""


# ----------------------------------------------------------------------------- dates
@dataclass(frozen=True)
class DateFormat:
    key: str  # "iso", "excel" or a strptime format
    family: str  # ymd, dmy, mdy, text, ym, excel
    label: str


_F = DateFormat
FORMATS: tuple[DateFormat, ...] = (
    _F("iso", "ymd", "YYYY-MM-DD"),
    _F("%Y.%m.%d", "ymd", "YYYY.MM.DD"),
    _F("%Y%m%d", "ymd", "YYYYMMDD"),
    _F("%Y年%m月%d日", "ymd", "YYYY年M月D日"),
    _F("%Y年%m月%d日 %H:%M:%S", "ymd", "YYYY年M月D日 hh:mm:ss"),
    _F("%Y年%m月%d日 %H:%M", "ymd", "YYYY年M月D日 hh:mm"),
    _F("%Y.%m.%d %H:%M:%S", "ymd", "YYYY.MM.DD hh:mm:ss"),
    _F("%d/%m/%Y", "dmy", "DD/MM/YYYY"),
    _F("%d/%m/%Y %H:%M:%S", "dmy", "DD/MM/YYYY hh:mm:ss"),
    _F("%d/%m/%Y %H:%M", "dmy", "DD/MM/YYYY hh:mm"),
    _F("%d.%m.%Y", "dmy", "DD.MM.YYYY"),
    _F("%d-%m-%Y", "dmy", "DD-MM-YYYY"),
    _F("%d/%m/%y", "dmy", "DD/MM/YY"),
    _F("%m/%d/%Y", "mdy", "MM/DD/YYYY"),
    _F("%m/%d/%Y %H:%M:%S", "mdy", "MM/DD/YYYY hh:mm:ss"),
    _F("%m/%d/%Y %H:%M", "mdy", "MM/DD/YYYY hh:mm"),
    _F("%m-%d-%Y", "mdy", "MM-DD-YYYY"),
    _F("%m/%d/%y", "mdy", "MM/DD/YY"),
    _F("%d-%b-%Y", "text", "D-Mon-YYYY"),
    _F("%d %b %Y", "text", "D Mon YYYY"),
    _F("%b %d, %Y", "text", "Mon D, YYYY"),
    _F("%d-%b-%y", "text", "D-Mon-YY"),
    _F("%Y-%m", "ym", "YYYY-MM"),
    _F("%Y/%m", "ym", "YYYY/MM"),
    _F("%Y年%m月", "ym", "YYYY年M月"),
    _F("excel", "excel", "Excel serial"),
)
BY_KEY = {f.key: f for f in FORMATS}
_EXCLUSIVE = ("dmy", "mdy")


def date_text_sql(x: str) -> str:
    """A cleaned date cell with full-width digits made ASCII."""
    return halfwidth_sql(x)


def _parse_sql(t: str, fmt: DateFormat) -> str:
    if fmt.key == "iso":
        return f"try_cast({t} AS DATE)"
    if fmt.key == "excel":
        return (f"(CASE WHEN regexp_full_match({t}, '[0-9]{{5}}(\\.[0-9]+)?') "
                f"THEN DATE '1899-12-30' + CAST(floor(CAST({t} AS DOUBLE)) AS INTEGER) END)")
    return f"CAST(try_strptime({t}, {lit(fmt.key)}) AS DATE)"


def date_slow_select(source: str, ord_col: str, raw: str, keys: tuple[str, ...], where: str) -> str:
    """``SELECT o, r, v`` for the dates the direct parse refused: cleaned, full-width digits made ASCII."""
    return f"""SELECT o, r, {date_sql(date_text_sql('r'), keys)} AS v FROM (
        SELECT {ord_col} AS o, {clean_sql(raw)} AS r FROM {source} WHERE {where})"""


def date_sql(t: str, keys: tuple[str, ...]) -> str:
    """The date a cell holds under the chosen formats, tried in order (NULL when none fits)."""
    if not keys:
        return "CAST(NULL AS DATE)"
    parts = []
    strp = [k for k in keys if k not in ("iso", "excel")]
    for k in keys:
        if k == "iso":
            parts.append(_parse_sql(t, BY_KEY["iso"]))
        elif k == "excel":
            parts.append(_parse_sql(t, BY_KEY["excel"]))
        elif k == strp[0]:
            formats = ", ".join(lit(s) for s in strp)
            parts.append(f"CAST(try_strptime({t}, [{formats}]) AS DATE)")
    return parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"


def custom_format(key: str) -> DateFormat:
    """A strptime format given by the analyst (validated: it must contain a year)."""
    if key in BY_KEY:
        return BY_KEY[key]
    if "%Y" not in key and "%y" not in key:
        raise ValueError(f"date format {key!r} has no year (%Y or %y)")
    if any(ch in key for ch in "'\\\n"):
        raise ValueError(f"date format {key!r} contains characters that are not allowed")
    fam = "dmy" if key.find("%d") < key.find("%m") else "mdy" if "%d" in key and "%m" in key else "ymd"
    if key.startswith(("%Y", "%y")):
        fam = "ymd"
    return DateFormat(key, fam, key)


@dataclass(frozen=True)
class DateChoice:
    """The formats applied to one date column, how many sampled values each read, and whether the
    analyst must choose between day-first and month-first readings."""

    column: str
    formats: tuple[str, ...]
    counts: tuple[int, ...]
    ambiguous: bool = False
    alternatives: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    explicit: bool = False
    sampled: int = 0

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(BY_KEY[k].label if k in BY_KEY else k for k in self.formats)


def detect_dates(cur: duckdb.DuckDBPyConnection, table: str, expr: str, column: str,
                 sample_where: str = "TRUE") -> DateChoice:
    """Choose the formats of one date column (``expr`` over ``table`` gives its cleaned text).

    The formats are chosen on up to :data:`SAMPLE` distinct values among the rows ``sample_where``
    keeps (the caller keeps the first rows and every k-th row, so a large file costs one light scan);
    a day/month question the sample cannot settle is put to the whole column.
    """
    sample = f"(SELECT DISTINCT {expr} AS t FROM {table} WHERE {sample_where} AND {expr} IS NOT NULL LIMIT {SAMPLE})"
    flags = ", ".join(f"{_parse_sql('t', f)} IS NOT NULL" for f in FORMATS)
    rows = cur.execute(f"SELECT t, {flags} FROM {sample}").fetchall()
    if not rows:
        return DateChoice(column, ("iso",), (0,), sampled=0)
    values = [r[0] for r in rows]
    parsed = [set(i for i, r in enumerate(rows) if r[k + 1]) for k in range(len(FORMATS))]
    fam_sets: dict[str, set[int]] = {}
    for f, s in zip(FORMATS, parsed, strict=True):
        fam_sets.setdefault(f.family, set()).update(s)
    dmy, mdy = fam_sets.get("dmy", set()), fam_sets.get("mdy", set())
    ambiguous = False
    examples: tuple[str, ...] = ()
    banned: str | None = None
    if dmy or mdy:
        only_d, only_m = dmy - mdy, mdy - dmy
        if only_d and not only_m:
            banned = "mdy"
        elif only_m and not only_d:
            banned = "dmy"
        else:
            if not only_d and not only_m:
                # The sample cannot tell: look for a deciding value in the whole column.
                d_keys = [f for f in FORMATS if f.family == "dmy"]
                m_keys = [f for f in FORMATS if f.family == "mdy"]
                d_any = " OR ".join(f"{_parse_sql(expr, f)} IS NOT NULL" for f in d_keys)
                m_any = " OR ".join(f"{_parse_sql(expr, f)} IS NOT NULL" for f in m_keys)
                only_d_n, only_m_n = cur.execute(
                    f"""SELECT count(*) FILTER (WHERE ({d_any}) AND NOT ({m_any})),
                               count(*) FILTER (WHERE ({m_any}) AND NOT ({d_any}))
                        FROM {table} WHERE {expr} IS NOT NULL""").fetchone()
                if only_d_n and not only_m_n:
                    banned = "mdy"
                elif only_m_n and not only_d_n:
                    banned = "dmy"
                else:
                    ambiguous = True
            else:
                ambiguous = True
            if ambiguous:
                banned = "mdy" if len(dmy) >= len(mdy) else "dmy"
                examples = tuple(sorted(values[i] for i in (dmy & mdy)))[:3]
    # Greedy cover: the format reading most values first, then those that read what is left.
    order = sorted(range(len(FORMATS)), key=lambda k: (-len(parsed[k]), k))
    covered: set[int] = set()
    chosen: list[int] = []
    for k in order:
        if FORMATS[k].family == banned or not parsed[k]:
            continue
        new = parsed[k] - covered
        if new:
            chosen.append(k)
            covered |= new
    chosen.sort()
    formats = tuple(FORMATS[k].key for k in chosen) or ("iso",)
    counts = tuple(len(parsed[k]) for k in chosen) or (0,)
    alternatives: tuple[str, ...] = ()
    if ambiguous:
        alt_family = "dmy" if banned == "dmy" else "mdy"
        alternatives = tuple(f.key for k, f in enumerate(FORMATS) if f.family == alt_family and parsed[k])
    return DateChoice(column, formats, counts, ambiguous, alternatives, examples, sampled=len(values))


# ----------------------------------------------------------------------------- ids made from a row
def row_id_sql(cells: list[str], ord_expr: str, source: str, prefix: str) -> str:
    """An id for a row the file gives none: ``prefix`` and 20 hex digits (80 bits) of the MD5 of
    ``source`` (SQL: the file's name) and the row's cells as read; the second and later copies of an
    identical row add their occurrence number, so that the ids of a file are unique and the same file
    always gives the same ids. Empty cells count as a value of their own (``a,,b`` ≠ ``a,b,``).
    """
    content = "concat_ws(chr(31), " + ", ".join([source, *(f"coalesce({c}, chr(30))" for c in cells)]) + ")"
    nth = f"row_number() OVER (PARTITION BY {content} ORDER BY {ord_expr})"
    return f"({lit(prefix)} || left(md5({content} || CASE WHEN {nth} > 1 THEN chr(29) || CAST({nth} AS VARCHAR) ELSE '' END), 20))"
