"""Validation of a staged file in SQL, and its report (part of :mod:`analytics.ingest`).

:func:`validate_staged` types every staged row into the temporary table ``ingest_typed`` and lists every
problem in ``ingest_issues`` (line, column, code): required values, types, ranges, fixed lists,
text length, NaN and infinities, dates of events later than today + ``schema.FUTURE_DAYS``, unknown
references, duplicate keys within the file and against the table, dates outside a period being
replaced, and the lines the reader rejected. :func:`_summarise` turns them
into a :class:`Report`, each issue with its English :func:`reason`, plus the notes the analyst
should see (:func:`_warnings`). Nothing here writes to the store; :func:`analytics.ingest.check`
and :func:`analytics.ingest.load` (and :mod:`analytics.ingest.records` for one row) call it.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb
import pandas as pd

from analytics.ingest import normalize as norm
from analytics.ingest.mapping import GENERATED_ID, INVOICE, UNIT_PRICE, Mapping, Options, column_for, targets
from analytics.ingest.read.types import LIMITS, IngestError, Progress, Sniff, Staged
from analytics.store import schema

MAX_LISTED = 100_000

REASONS: dict[str, str] = {
    "required": "a value is required",
    "not_number": "'{value}' is not a number",
    "not_finite": "'{value}' is not a finite number (NaN and infinity are not allowed)",
    "not_integer": "'{value}' is not a whole number",
    "not_date": "'{value}' is not a date in the format {a}",
    "date_out_of_range": "{value} is outside 1900–2100 (wrong date format?)",
    "future_date": "{value} is later than {a} (today + {b} days): a date in the future is probably a typing error",
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


# ----------------------------------------------------------------------------- report
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
    # What the file did not say (column, value given): defaults, a copied column, generated ids.
    assumed: tuple[tuple[str, str], ...] = ()
    # Customers named by the rows but absent from the store; created by a load with create_customers.
    new_customers: int = 0
    customers_created: int = 0
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
            "assumed": [{"column": c, "value": v} for c, v in self.assumed],
            "new_customers": self.new_customers, "customers_created": self.customers_created,
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


# The temporary tables validation fills (the engine and the forms read them afterwards).
TYPED = "ingest_typed"
ISSUES = "ingest_issues"
# ``_Target.source`` of values the file does not give: a column's default, and an id made from the row.
DEFAULT_SOURCE = "@default"
ROW_ID_SOURCE = "@row"
# Prefix of the ids made from a row's content (see normalize.row_id_sql).
ROW_ID_PREFIX = "tx-"


def _resolve(staged: Staged, opts: Options, source_name: str = "") -> tuple[list[_Target], dict[str, Any], bool]:
    """The targets to fill and the SQL giving each one's text; parameters for constants.

    Required columns the file does not fill take their default (:func:`_assumed_targets`);
    ``source_name`` (the file's name) is part of the ids made from a row's content.
    """
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
    invoice = opts.mapping.source(INVOICE) if opts.table == schema.TRANSACTIONS else None
    for name in targets(opts.table):
        col = column_for(opts.table, name)
        src, const = opts.mapping.source(name), opts.mapping.constant(name)
        if name == UNIT_PRICE and not derived_revenue:
            continue
        if name == table.key[0] and invoice in index and src is None and const is None:
            # Lines of an invoice: ids from its number (see mapping.INVOICE and normalize.invoice_line_sql).
            raw, src = norm.invoice_line_sql(norm.clean_sql(f"s.c{index[invoice]}"), staged.ord_sql("s")), invoice
        elif src == GENERATED_ID:
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
    out += _assumed_targets(staged, table, out, params, source_name)
    missing = [c.name for c in table.columns if c.required and c.name not in {t.name for t in out}]
    if missing:
        raise IngestError("required_unmapped", f"no file column or value for the required column(s) "
                          f"{', '.join(missing)} of {opts.table}", columns=", ".join(missing))
    return out, params, derived_revenue


def _assumed_targets(staged: Staged, table: schema.Table, filled: list[_Target], params: dict[str, Any],
                     source_name: str) -> list[_Target]:
    """Targets for the required columns that no file column or constant fills but the contract can:
    a default (product ``unspecified``, quantity 1, customer type ``unknown``), another column of the
    row (a customer's name = its id), or an id made from the row (transactions without an id).

    A made id is stable: ``tx-`` and 20 hex digits of the MD5 of the source's name and the row's
    cells, plus the occurrence number for the second and later copies of an identical row (see
    :func:`analytics.ingest.normalize.row_id_sql`). The same file thus gives the same ids, and a
    row already loaded from a file of the same name is recognised as a duplicate (or replaced, in
    ``update`` mode) even when the file around it changed.
    """
    by = {t.name: t for t in filled}
    out: list[_Target] = []
    for c in table.columns:
        if c.name in by or not c.required:
            continue
        if c.generated and c.name in table.key:
            params["row_source"] = source_name
            cells = [f"s.c{i}" for i in range(len(staged.columns))]
            out.append(_Target(c.name, c, norm.row_id_sql(cells, staged.ord_sql("s"), "$row_source", ROW_ID_PREFIX),
                               ROW_ID_SOURCE))
        elif c.default is not None:
            out.append(_Target(c.name, c, norm.lit(c.default), DEFAULT_SOURCE))
        elif c.default_from is not None and c.default_from in by:
            out.append(_Target(c.name, c, by[c.default_from].raw, DEFAULT_SOURCE))
    return out


def _assumed(tgts: list[_Target]) -> tuple[tuple[str, str], ...]:
    """(column, what it was given) for the targets the file did not fill: a default value, the
    column it was copied from (``=customer_id``), or ``generated``."""
    out = []
    for t in tgts:
        if t.source == ROW_ID_SOURCE:
            out.append((t.name, "generated"))
        elif t.source == DEFAULT_SOURCE:
            out.append((t.name, t.col.default if t.col.default is not None else f"={t.col.default_from}"))
    return tuple(out)


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


def validate_staged(cur: duckdb.DuckDBPyConnection, staged: Staged, sniffed: Sniff, opts: Options,
                    progress: Progress | None = None, *, key_check: bool = True,
                    create_customers: bool = False) -> Report:
    """Type and check every staged row; fill temp tables ``ingest_typed`` and ``ingest_issues``.

    ``create_customers``: a customer id that is not in the store is no issue (the load creates the
    customer); either way the report counts such customers (``new_customers``).
    """
    t0 = time.perf_counter()
    table = schema.TABLES[opts.table]
    tgts, params, derived = _resolve(staged, opts, sniffed.file_name)
    steps = 6 + len(tgts)
    _step(progress, "validate", 0, steps)
    dates = _detect_dates(cur, staged, tgts, opts, params)
    by_name = {t.name: t for t in tgts}
    nonempty = " OR ".join(f"coalesce(s.c{i}, '') <> ''" for i in range(len(staged.columns))) or "false"
    select = ", ".join(f"{t.raw} AS r_{t.name}, {_value_sql(t, dates)} AS v_{t.name}" for t in tgts)
    cur.execute(f"DROP TABLE IF EXISTS {TYPED}")
    cur.execute(f"CREATE TEMP TABLE {TYPED} AS SELECT {staged.ord_sql('s')} AS _ord, {select} FROM {staged.table} s WHERE {nonempty}",
                params or None)
    _step(progress, "validate", 1, steps)
    # Values the direct cast refused are cleaned and go through the normalisation chain (few rows, usually).
    for t in tgts:
        refused = f"v_{t.name} IS NULL AND r_{t.name} IS NOT NULL"
        if t.col.kind in ("money", "number", "integer") and t.source != "derived":
            slow = norm.number_slow_select(TYPED, "_ord", f"r_{t.name}", t.col, refused)
        elif t.col.kind == "date":
            slow = norm.date_slow_select(TYPED, "_ord", f"r_{t.name}", dates[t.name].formats, refused)
        else:
            continue
        cur.execute(f"UPDATE {TYPED} SET r_{t.name} = x.r, v_{t.name} = x.v FROM ({slow}) x WHERE {TYPED}._ord = x.o")
    if derived:
        cur.execute(f"""UPDATE {TYPED} SET v_revenue = round(CAST(v_quantity AS DECIMAL(38,6)) * v_{UNIT_PRICE}, 2)
                        WHERE v_quantity IS NOT NULL AND v_{UNIT_PRICE} IS NOT NULL""")
    if INVOICE in by_name and _cancellations(cur):
        signed = [c for c in ("quantity", "revenue", "cogs") if c in by_name]
        if signed:
            cur.execute(f"UPDATE {TYPED} SET {', '.join(f'v_{c} = -abs(v_{c})' for c in signed)} "
                        f"WHERE {norm.cancelled_sql(f'r_{INVOICE}')}")
    _step(progress, "validate", 2, steps)
    cur.execute(f"DROP TABLE IF EXISTS {ISSUES}")
    cur.execute(f"""CREATE TEMP TABLE {ISSUES} (_ord BIGINT, line BIGINT, col VARCHAR, code VARCHAR, value VARCHAR,
                    a VARCHAR, b VARCHAR)""")
    latest = schema.latest_date()
    for i, t in enumerate(tgts):
        _column_checks(cur, t, dates, latest=None if (opts.table, t.name) in schema.FUTURE_ALLOWED else latest)
        _step(progress, "validate", 3 + i, steps)
    if key_check:
        _key_checks(cur, table, by_name, opts, staged)
    new_customers = _reference_checks(cur, table, by_name, opts, create_customers)
    if opts.mode == "replace_period" and table.date_column in by_name and opts.period:
        d = table.date_column
        cur.execute(f"""INSERT INTO {ISSUES} SELECT _ord, NULL, '{d}', 'outside_period', CAST(v_{d} AS VARCHAR), $a, $b
                        FROM {TYPED} WHERE v_{d} IS NOT NULL AND (v_{d} < $a OR v_{d} > $b)""",
                    {"a": opts.period[0], "b": opts.period[1]})
    _step(progress, "validate", steps - 2, steps)
    if staged.issues:
        cur.executemany(f"INSERT INTO {ISSUES} VALUES (NULL, ?, NULL, ?, ?, ?, ?)",
                        [(i.line, i.code, i.text, *_split_detail(i.code, i.detail)) for i in staged.issues])
    cur.execute(f"UPDATE {ISSUES} SET line = {staged.line_sql(f'{ISSUES}._ord')} WHERE _ord IS NOT NULL")
    rep = _summarise(cur, staged, sniffed, opts, tgts, dates)
    _step(progress, "validate", steps, steps)
    return replace(rep, assumed=_assumed(tgts), new_customers=new_customers, seconds=time.perf_counter() - t0)


def _split_detail(code: str, detail: str) -> tuple[str | None, str | None]:
    if code in ("too_few_columns", "too_many_columns") and ":" in detail:
        a, b = detail.split(":", 1)
        return a, b
    if code == "line_too_long":
        return str(LIMITS.max_line_bytes), None
    if code == "unterminated_quote":
        return None, detail
    return (detail if code == "unreadable_line" else None), None


def _column_checks(cur: duckdb.DuckDBPyConnection, t: _Target, dates: dict[str, norm.DateChoice], *,
                   latest: dt.date | None = None) -> None:
    """List the problems of one column's values; ``latest``: the latest date allowed (None: any)."""
    col, r, v, n = t.col, f"r_{t.name}", f"v_{t.name}", t.name
    cases: list[tuple[str, str, str, str]] = []  # (condition, code, a, b) in order of precedence
    if col.required and t.source not in ("derived", DEFAULT_SOURCE, ROW_ID_SOURCE):
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
        # The cleaned text reads as NaN or ±infinity ('nan', 'inf', 'Infinity', '1e400'): say so.
        cases.append((f"{r} IS NOT NULL AND {v} IS NULL AND NOT isfinite(try_cast({r} AS DOUBLE))",
                      "not_finite", "NULL", "NULL"))
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
        if latest is not None:
            cases.append((f"{v} > DATE '{latest}'", "future_date", f"'{latest}'", f"'{schema.FUTURE_DAYS}'"))
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
    cur.execute(f"""INSERT INTO {ISSUES} SELECT _ord, NULL, '{n}', {code}, left({value}, 200), {a}, {b}
                    FROM {TYPED} WHERE {where}""")


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
    cur.execute(f"""INSERT INTO {ISSUES}
        SELECT t._ord, NULL, '{label}', 'duplicate_in_file', {shown}, CAST(d.first_ord AS VARCHAR), NULL
        FROM {TYPED} t JOIN (SELECT {kv}, min(_ord) AS first_ord FROM {TYPED} WHERE {notnull}
                              GROUP BY ALL HAVING count(*) > 1) d USING ({kv})""")
    # first_ord holds a position: turn it into a line number for the message.
    cur.execute(f"UPDATE {ISSUES} SET a = CAST({staged.line_sql(f'CAST({ISSUES}.a AS BIGINT)')} AS VARCHAR) "
                "WHERE code = 'duplicate_in_file'")
    if opts.mode in ("replace_table", "update"):
        return  # the table's rows go (all, or those with the file's keys): a key already there is fine
    existing = table.name
    where = ""
    params: dict[str, Any] = {}
    if opts.mode == "replace_period" and table.date_column:
        where = f"WHERE NOT ({table.date_column} BETWEEN $a AND $b)"
        params = {"a": opts.period[0], "b": opts.period[1]}
    cols = ", ".join(keys)
    cur.execute(f"""INSERT INTO {ISSUES}
        SELECT t._ord, NULL, '{label}', 'duplicate_in_table', {shown}, NULL, NULL
        FROM {TYPED} t SEMI JOIN (SELECT {cols} FROM {existing} {where}) x
          ON {' AND '.join(f't.v_{k} = x.{k}' for k in keys)}""", params or None)


def _cancellations(cur: duckdb.DuckDBPyConnection) -> int:
    """Cancelled lines (``C536379``) when the file's invoice numbers are otherwise plain numbers, else 0:
    a ``C`` prefix is read as a cancellation only in files that also hold plain-numbered invoices
    (Online Retail), so that ids such as ``C001`` elsewhere stay ordinary ids."""
    n, plain = cur.execute(f"SELECT count(*) FILTER (WHERE {norm.cancelled_sql(f'r_{INVOICE}')}), "
                           f"count(*) FILTER (WHERE regexp_full_match(r_{INVOICE}, '[0-9]+')) FROM {TYPED}").fetchone()
    return int(n) if plain else 0


def update_condition(table: schema.Table) -> str:
    """SQL condition on ``table``'s rows whose key is among the file's valid rows (mode ``update``)."""
    match = " AND ".join(f"t.v_{k} = {table.name}.{k}" for k in table.key)
    return (f"EXISTS (SELECT 1 FROM {TYPED} t WHERE {match} AND t._ord NOT IN "
            f"(SELECT _ord FROM {ISSUES} WHERE _ord IS NOT NULL))")


def _reference_checks(cur: duckdb.DuckDBPyConnection, table: schema.Table, by_name: dict[str, _Target],
                      opts: Options, create_customers: bool = False) -> int:
    """List unknown references; returns how many distinct customers the rows name that the store
    lacks (with ``create_customers`` these are no issue: the load creates them)."""
    new_customers = 0
    for name, t in by_name.items():
        ref = getattr(t.col, "references", None)
        if not ref:
            continue
        rtable, rcol = ref.split(".")
        pool = [f"SELECT {rcol} AS k FROM {rtable}"]
        if rtable == table.name:
            key = table.key[0]
            pool = [f"SELECT v_{key} AS k FROM {TYPED}"] + ([] if opts.mode == "replace_table" else pool)
        elif rtable == schema.CUSTOMERS:
            new_customers = cur.execute(f"""SELECT count(DISTINCT v_{name}) FROM {TYPED} WHERE v_{name} IS NOT NULL
                AND v_{name} NOT IN (SELECT customer_id FROM {schema.CUSTOMERS})""").fetchone()[0]
            if create_customers:
                continue
        cur.execute(f"""INSERT INTO {ISSUES}
            SELECT t._ord, NULL, '{name}', 'unknown_reference', CAST(t.v_{name} AS VARCHAR), '{rtable}', NULL
            FROM {TYPED} t WHERE t.v_{name} IS NOT NULL
              AND t.v_{name} NOT IN (SELECT k FROM ({' UNION '.join(pool)}) WHERE k IS NOT NULL)""")
    return new_customers


def _summarise(cur: duckdb.DuckDBPyConnection, staged: Staged, sniffed: Sniff, opts: Options,
               tgts: list[_Target], dates: dict[str, norm.DateChoice]) -> Report:
    table = schema.TABLES[opts.table]
    typed_rows = cur.execute(f"SELECT count(*) FROM {TYPED}").fetchone()[0]
    bad_ords, bad_lines, total = cur.execute(
        f"SELECT count(DISTINCT _ord), count(DISTINCT line) FILTER (WHERE _ord IS NULL), count(*) FROM {ISSUES}"
    ).fetchone()
    issues = cur.execute(
        f"""SELECT line, col AS "column", code, value, a, b FROM {ISSUES}
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
        f"""SELECT col AS "column", code, count(*) AS rows FROM {ISSUES} GROUP BY ALL ORDER BY rows DESC""").df()
    valid = typed_rows - bad_ords
    d = table.date_column
    period: tuple[dt.date | None, dt.date | None] = (None, None)
    names = {t.name for t in tgts}
    if d in names:
        period = tuple(cur.execute(
            f"SELECT min(v_{d}), max(v_{d}) FROM {TYPED} WHERE _ord NOT IN (SELECT _ord FROM {ISSUES} "
            "WHERE _ord IS NOT NULL)").fetchone())
    replaces = 0
    if opts.mode == "update":
        replaces = cur.execute(f"SELECT count(*) FROM {table.name} WHERE {update_condition(table)}").fetchone()[0]
    elif opts.mode == "replace_table":
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
        f"SELECT {', '.join(f'v_{c} AS {c}' for c in cols)} FROM {TYPED} WHERE _ord NOT IN "
        f"(SELECT _ord FROM {ISSUES} WHERE _ord IS NOT NULL) ORDER BY _ord LIMIT 10").df() if cols else pd.DataFrame()
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
        n = sum(cur.execute(f"SELECT {parts} FROM {TYPED}").fetchone())
        if n:
            out.append(("formula_text", (("n", n),)))
    cats = [t for t in tgts if t.col.kind == "category" and not t.col.choices and norm.label_map(t.name)]
    if cats:
        parts = ", ".join(f"count(*) FILTER (WHERE v_{t.name} <> r_{t.name})" for t in cats)
        n = sum(cur.execute(f"SELECT {parts} FROM {TYPED}").fetchone())
        if n:
            example = cur.execute(" UNION ALL ".join(
                f"(SELECT r_{t.name}, v_{t.name} FROM {TYPED} WHERE v_{t.name} <> r_{t.name} LIMIT 1)" for t in cats)
            ).fetchone()
            out.append(("labels_translated", (("n", n), ("raw", example[0]), ("code", example[1]))))
    if any(t.source == GENERATED_ID for t in tgts):
        out.append(("generated_ids", (("prefix", staged.sha256[:8] + "-"),)))
    if any(t.source == "derived" for t in tgts):
        out.append(("derived_revenue", ()))
    if any(t.source == ROW_ID_SOURCE for t in tgts):
        out.append(("row_ids", (("prefix", ROW_ID_PREFIX),)))
    defaults = [f"{c} = {v}" for c, v in _assumed(tgts) if v != "generated"]
    if defaults:
        out.append(("assumed", (("columns", ", ".join(defaults)),)))
    names = {t.name for t in tgts}
    if opts.table == schema.TRANSACTIONS and "revenue" in names:
        # Cost of goods not provided: stored as unknown (NULL), and every profit figure says for how much revenue.
        unknown = "v_cogs IS NULL" if "cogs" in names else "TRUE"
        n, part, whole = cur.execute(f"SELECT count(*) FILTER (WHERE {unknown}), sum(v_revenue) FILTER (WHERE {unknown}), "
                                     f"sum(v_revenue) FROM {TYPED}").fetchone()
        if n:
            share = float(part / whole) if part is not None and whole else None
            out.append(("cogs_unknown", (("n", int(n)), ("share", round(share, 4) if share is not None else None))))
    if INVOICE in {t.name for t in tgts}:
        lines = cur.execute(f"SELECT count(*) FILTER (WHERE n > 1), coalesce(sum(n) FILTER (WHERE n > 1), 0) FROM "
                            f"(SELECT count(*) AS n FROM {TYPED} WHERE r_{INVOICE} IS NOT NULL GROUP BY r_{INVOICE})"
                            ).fetchone()
        if lines[0] and not opts.mapping.source(schema.TABLES[opts.table].key[0]):
            out.append(("invoice_lines", (("invoices", int(lines[0])), ("lines", int(lines[1])))))
        n = _cancellations(cur)
        if n:
            out.append(("cancellations", (("n", n),)))
    used = {t.source for t in tgts}
    unused = [c for c in staged.columns if c not in used]
    if unused:
        out.append(("unused_columns", (("columns", ", ".join(unused)),)))
    if opts.table == schema.ACTIVITIES and "activity" in {t.name for t in tgts}:
        n = cur.execute(
            f"""SELECT count(*) FROM {TYPED} t WHERE v_activity IN (SELECT activity FROM {schema.ACTIVITY_RATES})
                AND NOT EXISTS (SELECT 1 FROM {schema.ACTIVITY_RATES} r WHERE r.activity = t.v_activity
                                AND r.valid_from <= t.v_activity_date)""").fetchone()[0]
        if n:
            out.append(("unpriced", (("n", n),)))
    return tuple(out)
