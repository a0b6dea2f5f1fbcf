"""Analysts' files into the store: column mapping, validation before any write, one-transaction
loads, the load log, undo, saved mappings, templates and ``python -m analytics ingest``.

The same engine serves the Data page and the command line:

1. :func:`sniff` (from :mod:`analytics.ingest.read`) detects the file's kind, encoding, delimiter
   and header and returns a preview; the analyst confirms or overrides them.
2. :func:`auto_map` matches the file's columns to the table's by name, Chinese or English
   synonym (brackets such as ``金额(元)`` ignored) and, for a single unmatched date column, by
   type. The mapping is editable, can be saved under a name (``column_maps``) and reused.
   Besides file columns a target may take a constant (``customer_type = enterprise``) or, for an
   id, ``@line``: an id made of the file's SHA-256 prefix and the line number, for exports with no
   line id (the same file then yields the same ids). A transactions file with a unit price and no
   amount gets revenue = quantity × unit price (rounded to cents).
3. :func:`check` stages the whole file into a temporary table and validates every row in SQL
   (:mod:`analytics.ingest.normalize` for the value rules): required values, types, ranges
   (negative quantities and amounts are allowed in transactions and activities — returns and
   credits — because the contract sets no minimum there), fixed lists, text length, unknown
   customers (or activities without a rate), duplicate keys within the file and against the
   table, dates outside a period being replaced. Every rejected row is listed with its line,
   column and reason. Nothing is written.
4. :func:`load` repeats the reading and validation inside one transaction (the store may have
   changed since the check) and writes only if the analyst's rule allows: ``refuse`` (the
   default: any rejected row stops the load) or ``skip`` (load the valid rows; the rejected ones
   are listed and counted in the log). Append adds rows (a key already in the table is rejected);
   ``update`` replaces the rows whose key is in the file (columns the file does not carry keep
   their values) and adds the others (the weekly customer master, corrected transactions); ``replace_period`` removes the table's rows dated inside the
   period first (the file's rows must all fall inside it); ``replace_table`` removes all rows. Replaced rows are kept (``ingest_replaced_<table>``) so
   that :func:`undo_last` can restore them. The same file (SHA-256) already loaded into the same
   table, and not undone, is refused. The monthly aggregates are rebuilt for the months touched,
   the data version bumps (every cached view refreshes), and the load is recorded in
   ``ingest_log`` (file name, SHA-256, rows, user, time, mapping as JSON) and in the audit log.

Reading, validation and writing report progress through ``progress(phase, fraction)``.

This package is the public API: every name in ``__all__`` can be imported from
:mod:`analytics.ingest`, wherever it is defined. Its modules, by concern:

* :mod:`~analytics.ingest.engine`: checking, loading, undo, the load log and saved mappings;
* :mod:`~analytics.ingest.read`: sniffing and staging files (text, Excel, Parquet, with their
  bomb checks), one module per kind;
* :mod:`~analytics.ingest.normalize`: the value rules as SQL;
* :mod:`~analytics.ingest.mapping`: :class:`Mapping`, :func:`auto_map`, :class:`Options`;
* :mod:`~analytics.ingest.validate`: the validation SQL, :class:`Report` and :func:`reason`;
* :mod:`~analytics.ingest.templates`: empty templates and :func:`columns_table`;
* :mod:`~analytics.ingest.records`: single records added and corrected by hand (the Data page's forms).

The ``ingest``, ``undo-load``, ``loads`` and ``template`` commands are in :mod:`cli.commands`.
"""

from analytics.ingest.engine import (
    UndoCheck,
    UndoResult,
    check,
    last_load,
    load,
    loads,
    save_mapping,
    saved_mapping,
    saved_mappings,
    undo_check,
    undo_last,
    writing,
)
from analytics.ingest.mapping import (
    GENERATED_ID,
    MODES,
    ON_REJECT,
    UNIT_PRICE,
    UNIT_PRICE_SYNONYMS,
    UPLOAD_TABLES,
    Mapping,
    Options,
    auto_map,
    targets,
)
from analytics.ingest.read import DELIMITERS, ENCODINGS, LIMITS, IngestError, Limits, Progress, Sniff, sniff
from analytics.ingest.templates import columns_table, template_bytes, template_headers
from analytics.ingest.validate import MAX_LISTED, REASONS, Report, reason

__all__ = ["DELIMITERS", "ENCODINGS", "GENERATED_ID", "LIMITS", "MAX_LISTED", "MODES", "ON_REJECT", "REASONS",
           "UNIT_PRICE", "UNIT_PRICE_SYNONYMS", "UPLOAD_TABLES", "IngestError", "Limits", "Mapping", "Options",
           "Progress", "Report", "Sniff", "UndoCheck", "UndoResult", "auto_map", "check", "columns_table",
           "last_load", "load", "loads", "reason", "save_mapping", "saved_mapping", "saved_mappings", "sniff",
           "targets", "template_bytes", "template_headers", "undo_check", "undo_last", "writing"]
