"""``ingest``: validate and load a CSV, Excel or Parquet file into a table, with the Data page's
engine (:mod:`analytics.ingest`). A rejected file exits 1 and lists every reason; a user mistake
raises :class:`~analytics.ingest.IngestError` (a ``ValueError``: one line, exit 2).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Iterable
from pathlib import Path

from analytics import tabular
from analytics.ingest import (
    UPLOAD_TABLES,
    IngestError,
    Mapping,
    Options,
    Progress,
    Report,
    check,
    load,
    save_mapping,
    saved_mapping,
    saved_mappings,
    sniff,
    targets,
)
from analytics.ingest.mapping import (
    UNIT_PRICE,
    Recognition,
    check_table,
    recognise_file,
    source_column,
    source_key,
)
from analytics.store import db, schema
from cli import common, dbsource

NAME = "ingest"
HELP = "validate and load a CSV, Excel or Parquet file into a table"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="SOURCE", help="the file (CSV/TSV/TXT, .xlsx or .parquet); with --query, a "
                   "postgresql:// URL or a saved connection's name")
    p.add_argument("--table", required=True, choices=UPLOAD_TABLES, help="the table to load into")
    common.add_db_arg(p)
    p.add_argument("--mode", choices=("append", "update", "replace"), default="append",
                   help="append rows; update: replace the rows whose key is in the file and add the others; "
                        "replace the table (or, with --from/--to, that period)")
    p.add_argument("--from", dest="date_from", metavar="DATE", help="first day of the period to replace")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="last day of the period to replace")
    p.add_argument("--map", action="append", metavar="SRC=DST",
                   help="file column SRC (a name, or its position counted from 1) fills table column DST "
                        "(repeat; @line=ID makes ids from line numbers)")
    p.add_argument("--map-only", action="store_true", help="use only the --map pairs (no automatic matching)")
    p.add_argument("--set", action="append", metavar="DST=VALUE", help="fill table column DST with VALUE in every row")
    p.add_argument("--use-map", metavar="NAME", help="start from a saved mapping")
    p.add_argument("--save-map", metavar="NAME", help="save the mapping under NAME")
    p.add_argument("--encoding", help="the file's encoding (default: detected)")
    p.add_argument("--delimiter", help="the delimiter: a character, or tab, comma, semicolon, pipe, whitespace")
    p.add_argument("--sheet", help="the Excel sheet (default: the first)")
    p.add_argument("--header-line", type=int, metavar="N", help="the header's line or row number (default: detected)")
    p.add_argument("--no-header", action="store_true",
                   help="the file has no header row: its columns are mapped by position (--map 1=customer_id); "
                        "detected when the first row holds numbers or dates like the rows below it")
    p.add_argument("--date-format", metavar="FMT", help="strptime format of the dates, e.g. %%d/%%m/%%Y")
    p.add_argument("--skip-rejected", action="store_true", help="load the valid rows and skip rejected ones")
    p.add_argument("--create-customers", action=argparse.BooleanOptionalAction, default=None,
                   help="create the customers the rows name that the store lacks (name = id, type, segment and "
                        "region unknown until a customer file says otherwise); default: yes while the store has no "
                        "customers, no afterwards (an unknown id is then reported: it may be a typing error)")
    p.add_argument("--dry-run", action="store_true", help="validate only; write nothing")
    p.add_argument("--issues", metavar="FILE", help="write every rejected row's line, column and reason to a CSV")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    dbsource.add_arguments(p)


def _parse_pairs(items: Iterable[str] | None, what: str) -> list[tuple[str, str]]:
    out = []
    for item in items or []:
        if "=" not in item:
            raise IngestError("bad_pair", f"{what} {item!r} must look like NAME=VALUE")
        left, right = item.rsplit("=", 1) if what == "--map" else item.split("=", 1)
        out.append((left.strip(), right.strip()))
    return out


def _progress(quiet: bool) -> Progress | None:
    if quiet:
        return None
    last: dict[str, float] = {}

    def say(phase: str, frac: float) -> None:
        step = round(frac, 1)
        if last.get(phase) != step:
            last[phase] = step
            print(f"[{phase:8s} {frac:4.0%}]", file=sys.stderr, flush=True)

    return say


def _print_assumptions(rep: Report, create: bool) -> None:
    """What the load assumed, in plain words: created customers, defaults, unknown cost of goods."""
    if rep.customers_created:
        print(f"created {rep.customers_created:,} customers named in the file (name = id, type unknown); a customer "
              "file loaded with --mode update fills them in")
    elif rep.new_customers and create and rep.load_id is None:
        print(f"would create {rep.new_customers:,} customers named in the file (name = id, type unknown)")
    notes = dict(rep.warnings)
    if "cogs_unknown" in notes:
        share = dict(notes["cogs_unknown"]).get("share")
        what = f"{share:.1%} of revenue" if share is not None else "part of the revenue"
        print(f"cost of goods not provided for {what}: stored as unknown, and profit figures say so")


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


def run(args: argparse.Namespace) -> int:
    if args.query is not None:  # a database query instead of a file (cli/dbsource.py)
        return dbsource.run(args, _ingest)
    if args.since_last or args.incremental_column or args.password_env or args.password_file:
        raise IngestError("db_needs_query", "--since-last, --incremental-column, --password-env and --password-file "
                          "go with --query")
    return _ingest(args)


def _ingest(args: argparse.Namespace, pulled: dbsource.Pulled | None = None) -> int:
    path = pulled.path if pulled else Path(args.file)
    if not path.exists():
        raise IngestError("no_file", f"file {path} does not exist")
    table = args.table
    check_table(table)
    if args.no_header and args.header_line:
        raise IngestError("bad_header_options", "--no-header and --header-line exclude each other")
    sn = pulled.sniff if pulled else sniff(path, encoding=args.encoding, delimiter=_delimiter(args.delimiter), header_row=(
        args.header_line - 1 if args.header_line else None), sheet=args.sheet, header=False if args.no_header else None)
    # ingest may create the store; one created here is removed again if nothing gets loaded
    with common.open_store(args, write=True, create=True) as con:
        remember_as = source_key(table, sn.columns, sn.header)
        with db.cursor(con) as cur:
            if args.use_map:
                rec = Recognition(saved_mapping(cur, table, args.use_map))
            else:
                rec = recognise_file(table, sn.columns, sn.preview, header=sn.header,
                                     remembered=saved_mappings(cur, table).get(remember_as))
        base = rec.mapping
        cols = dict(base.columns)
        consts = dict(base.constants)
        how = dict(rec.how)
        for src, dst in _parse_pairs(args.map, "--map"):
            src = source_column(sn.columns, src)
            how[dst] = "given"
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
            how[dst] = "given"
        mapping = Mapping.of(cols, consts)
        recognised = _recognised(table, mapping, how, rec.date_times)
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
        progress = _progress(args.quiet or args.json)
        create = args.create_customers
        if create is None:  # a new store's first transactions bring their customers; later, unknown ids are errors
            with db.cursor(con) as cur:
                create = not cur.execute(f"SELECT count(*) FROM {schema.CUSTOMERS}").fetchone()[0]
        code = 0
        try:
            if args.dry_run:
                rep = check(con, path, sn, opts, progress=progress, create_customers=create)
                if rep.rejected or rep.ambiguous or rep.already_loaded:
                    code = 1
            else:
                rep = load(con, path, sn, opts, progress=progress, origin=pulled.origin if pulled else None,
                           create_customers=create)
        except IngestError as exc:
            if exc.report is None:
                raise
            rep = exc.report
            code = 1
            if args.json:
                common.print_json({**rep.to_dict(), "header": sn.header, "recognised": recognised,
                                   **_source_json(pulled), "error": str(exc), "error_code": exc.code})
            else:
                _print_recognised(sn.header, recognised)
                _print_report(rep)
                if rep.new_customers and not create:
                    print(f"{rep.new_customers:,} customer ids are not in the store; "
                          "--create-customers creates them (name = id, type unknown)", file=sys.stderr)
                print(f"error: {exc}", file=sys.stderr)
            _write_issues(args.issues, rep)
            return code
        if rep.load_id is not None and not args.use_map:
            save_mapping(con, remember_as, table, mapping)  # the next file with these columns gets it
    _write_issues(args.issues, rep)
    if args.json:
        common.print_json({**rep.to_dict(), "header": sn.header, "recognised": recognised, **_source_json(pulled)})
    else:
        _print_recognised(sn.header, recognised)
        _print_report(rep)
        if rep.load_id is not None:
            print(f"loaded {common.rows(rep.written)} into {table} as load #{rep.load_id}"
                  + (f" ({common.rows(rep.rejected, 'rejected ')} skipped)" if rep.rejected else ""))
        elif args.dry_run:
            print("dry run: nothing was written")
        _print_assumptions(rep, create)
    return code


_HOW = {"name": "its name", "synonym": "a synonym", "type": "its values look like dates",
        "position": "its position and the type of its values (no header)", "remembered": "remembered from an "
        "earlier load of a file with these columns", "given": "given on the command line"}


def _recognised(table: str, mapping: Mapping, how: dict[str, str], date_times: tuple[str, ...]) -> list[dict[str, object]]:
    """Each filled target with its source and how it was recognised (``--json``'s ``recognised``)."""
    out: list[dict[str, object]] = []
    for t in targets(table):
        src, const = mapping.source(t), mapping.constant(t)
        if src is None and const is None:
            continue
        out.append({"target": t, "source": src, "value": const, "how": how.get(t, "given"),
                    "date_time": t in date_times and how.get(t) != "given"})
    if mapping.source(UNIT_PRICE) and not mapping.source("revenue") and not mapping.constant("revenue"):
        out.append({"target": "revenue", "source": None, "value": None, "how": "computed", "date_time": False})
    return out


def _print_recognised(header: bool, recognised: list[dict[str, object]]) -> None:
    if not header:
        print("no header row: columns are numbered from 1", file=sys.stdout)
    for r in recognised:
        if r["how"] == "computed":
            print("revenue = unit_price × quantity, rounded to cents", file=sys.stdout)
            continue
        what = f"{r['source']} → {r['target']}" if r["source"] else f"{r['target']} = {r['value']}"
        dt_note = " (recognised as a date-time; the date is kept)" if r["date_time"] else ""
        # without a header the file's columns are already named "column N"
        prefix = "" if str(r["source"] or "").startswith("column ") else "column "
        print(f"{prefix}{what}: {_HOW.get(str(r['how']), r['how'])}{dt_note}", file=sys.stdout)


def _source_json(pulled: dbsource.Pulled | None) -> dict[str, object]:
    """``--json``'s ``source`` for a database query: URL without password, query, rows pulled, the
    incremental column and its range (``after``, ``high_water``)."""
    return {"source": pulled.origin} if pulled else {}


def _write_issues(path: str | None, rep: Report) -> None:
    """Every rejected row's line, column and reason as CSV, formulas neutralised as in the Data page's download."""
    if path:
        Path(path).write_bytes(tabular.csv_bytes(rep.issues[["line", "column", "code", "value", "message"]]))


def _delimiter(value: str | None) -> str | None:
    if value is None:
        return None
    return {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " ",
            "whitespace": " "}.get(value, value)

