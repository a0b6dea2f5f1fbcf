"""A PostgreSQL query as an ingest source (part of :mod:`analytics.ingest`).

The query's result is streamed with a server-side cursor, in batches, into a private Parquet file
of text columns, which then goes through the same sniff, mapping, validation, one-transaction load,
load log and undo as an uploaded file: a database load is a file load whose "file" came from a
query. Memory stays bounded by one batch. Every value is converted to text by PostgreSQL itself
(``::text``: exact numerics, ISO dates), so nothing is lost or re-interpreted on the way; the
engine's row numbers are the query's row numbers, counted from 1.

DuckDB's ``postgres`` extension would read the server directly, but this project keeps DuckDB's
extension downloads off and the extension is not shipped with the ``duckdb`` wheel; ``psycopg``
(a pinned pip package) needs nothing at run time.

Passwords
    A password is never written to the store, the load log, the audit log or any message. What is
    stored and shown is the URL with its password masked (:func:`mask`). A saved connection
    (:func:`save_connection`) keeps the URL *without* a password and where to read it when
    connecting (:class:`PasswordSource`): libpq's own ``PGPASSWORD`` / ``~/.pgpass`` (the default),
    an environment variable named in the connection, or a file readable by its owner only.

Incremental loads
    With an incremental column, the largest value loaded is remembered in the load's log entry
    (``ingest_log.mapping`` → ``source.high_water``) per source (URL without password + query); a
    later ``since_last`` load pulls only rows whose column is greater. Undoing a load forgets its
    value, so the next run pulls those rows again. The largest value and the rows are read in one
    read-only, repeatable-read transaction, so rows committed while the pull runs are neither lost
    nor pulled twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

import duckdb
import pandas as pd

from analytics.ingest.read.common import unique_names
from analytics.ingest.read.types import LIMITS, IngestError, Limits
from analytics.store import db, saved, schema

SCHEMES = ("postgresql", "postgres")
CONNECTION_KIND = "connection"  # saved_views kind of saved connections
PASSWORD_SOURCES = ("pgpass", "env", "file")
MASK = "***"
BATCH_ROWS = 20_000
CONNECT_TIMEOUT_S = 10
PREVIEW_ROWS = 20
_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")


# ----------------------------------------------------------------------------- URLs and passwords
def is_url(text: str) -> bool:
    """Whether ``text`` is a ``postgresql://`` (or ``postgres://``) URL."""
    return bool(re.match(r"(?i)(postgresql|postgres)://", text.strip()))


def split_password(url: str) -> tuple[str, str | None]:
    """``url`` without its password (from the user part or a ``password=`` parameter), and that password.

    Raises :class:`IngestError` ``db_url`` for anything that is not a PostgreSQL URL.
    """
    text = url.strip()
    if not is_url(text):
        raise IngestError("db_url", f"{mask(text)} is not a PostgreSQL URL (postgresql://user@host:port/database)",
                          source=mask(text))
    parts = urlsplit(text)
    password = None
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, hostport = netloc.rsplit("@", 1)
        if ":" in userinfo:
            user, pw = userinfo.split(":", 1)
            password = unquote(pw)
            netloc = f"{user}@{hostport}"
    params = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in params if k.lower() != "password"]
    if len(kept) != len(params):
        password = next(v for k, v in params if k.lower() == "password")
    clean = urlunsplit((parts.scheme, netloc, parts.path, urlencode(kept, quote_via=quote), parts.fragment))
    return clean, password


def mask(url: str) -> str:
    """``url`` with any password replaced by ``***`` (user part and ``password=`` parameter); safe to show or store."""
    text = url.strip()
    # The user part: scheme://user:PASSWORD@host (the password may hold '@'; the host part never does).
    text = re.sub(r"(?i)^([a-z][a-z0-9+.\-]*://[^/?#:@]*):(.*)@([^@/?#]*)", rf"\1:{MASK}@\3", text)
    return re.sub(r"(?i)([?&]password=)[^&#]*", rf"\1{MASK}", text)


def _scrub(text: str, password: str | None) -> str:
    """``text`` (a driver's message) with the password and any URL in it masked."""
    out = re.sub(r"(?i)(postgres(?:ql)?://\S+)", lambda m: mask(m.group(1)), text)
    if password:
        for form in {password, quote(password, safe=""), quote(password)}:
            out = out.replace(form, MASK)
    return out


@dataclass(frozen=True)
class PasswordSource:
    """Where the password is read when connecting; the password itself is never stored.

    ``pgpass``: libpq's own lookup (``PGPASSWORD``, else ``~/.pgpass`` / ``PGPASSFILE``, which libpq
    reads only when it is private); ``env``: the environment variable ``ref``; ``file``: the first
    line of file ``ref``, which must belong to the current user and be readable by nobody else
    (mode 0600 or 0400), as ssh and libpq require of their key and password files.
    """

    kind: str = "pgpass"
    ref: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in PASSWORD_SOURCES:
            raise IngestError("db_password_source", f"unknown password source {self.kind!r}; use "
                              f"{', '.join(PASSWORD_SOURCES)}", kind=self.kind)
        if self.kind == "env" and not (self.ref and _ENV_NAME.fullmatch(self.ref)):
            raise IngestError("db_password_env", f"{self.ref!r} is not an environment variable name", name=self.ref or "")
        if self.kind == "file" and not (self.ref and Path(self.ref).is_absolute()):
            raise IngestError("db_password_file", f"the password file must be an absolute path, not {self.ref!r}",
                              path=self.ref or "", reason="relative")

    @classmethod
    def parse(cls, text: str | None) -> PasswordSource:
        """``pgpass``, ``env:NAME`` or ``file:/path`` (None: ``pgpass``)."""
        if not text or text == "pgpass":
            return cls()
        kind, _, ref = text.partition(":")
        return cls(kind, ref)

    def __str__(self) -> str:
        return self.kind if self.ref is None else f"{self.kind}:{self.ref}"

    def read(self) -> str | None:
        """The password (None: leave it to libpq). Raises :class:`IngestError` when it cannot be read safely."""
        if self.kind == "env":
            value = os.environ.get(self.ref or "")
            if not value:
                raise IngestError("db_password_env", f"the environment variable {self.ref} holding the password is "
                                  "not set", name=self.ref)
            return value
        if self.kind == "file":
            p = Path(self.ref or "")
            try:
                st_ = p.stat()
            except OSError:
                raise IngestError("db_password_file", f"the password file {p} does not exist", path=str(p),
                                  reason="missing") from None
            if not stat.S_ISREG(st_.st_mode):
                raise IngestError("db_password_file", f"the password file {p} is not a file", path=str(p),
                                  reason="not_file")
            if st_.st_mode & 0o077 or st_.st_uid != os.getuid():
                raise IngestError("db_password_file", f"the password file {p} must belong to you and be readable by "
                                  f"you only (chmod 600; it is {stat.S_IMODE(st_.st_mode):o})", path=str(p),
                                  reason="permissions")
            lines = p.read_text(encoding="utf-8").splitlines()
            return lines[0] if lines and lines[0] else None
        return None


@dataclass(frozen=True)
class Source:
    """A query against a database: the URL without password, the password's source, and the query.

    ``password`` is a one-off password (typed on the page, or given in a URL); it is kept out of
    ``repr`` and is never stored.
    """

    url: str
    query: str
    password_source: PasswordSource = field(default_factory=PasswordSource)
    password: str | None = field(default=None, repr=False, compare=False)
    connection: str | None = None  # the saved connection's name, when it came from one

    @classmethod
    def of(cls, url: str, query: str, password_source: PasswordSource | None = None,
           password: str | None = None, connection: str | None = None) -> Source:
        """A source from a URL that may carry a password (taken out of the URL, used once, never stored)."""
        clean, in_url = split_password(url)
        q = _clean_query(query)
        return cls(clean, q, password_source or PasswordSource(), password or in_url, connection)

    @property
    def masked_url(self) -> str:
        return mask(self.url)

    @property
    def label(self) -> str:
        """What the load log's ``file_name`` and every message show: the URL (no password) and the query."""
        q = " ".join(self.query.split())
        return f"{self.masked_url} | {q[:160]}{'…' if len(q) > 160 else ''}"

    @property
    def key(self) -> str:
        """Identifies the source for incremental loads: URL without password and query, whitespace-normalised."""
        text = f"{self.url}\n{' '.join(self.query.split())}"
        return hashlib.sha256(text.encode()).hexdigest()[:24]

    def _password(self) -> str | None:
        return self.password if self.password else self.password_source.read()


def _clean_query(query: str) -> str:
    q = (query or "").strip()
    while q.endswith(";"):
        q = q[:-1].rstrip()
    if not q:
        raise IngestError("db_no_query", "the query is empty")
    return q


# ----------------------------------------------------------------------------- saved connections
@dataclass(frozen=True)
class Connection:
    """A saved connection: a name, the URL without password, and where the password comes from."""

    name: str
    url: str
    password_source: PasswordSource

    @property
    def masked_url(self) -> str:
        return mask(self.url)

    def source(self, query: str, password: str | None = None) -> Source:
        return Source.of(self.url, query, self.password_source, password, connection=self.name)


def save_connection(con: duckdb.DuckDBPyConnection, name: str, url: str,
                    password_source: PasswordSource | None = None, user: str | None = None) -> Connection:
    """Save (or replace) connection ``name``. A URL with a password is refused: it would be stored in clear."""
    import datetime as dt

    name = (name or "").strip()
    if not _NAME.fullmatch(name):
        raise IngestError("db_connection_name", f"a connection name is 1-64 letters, digits, '.', '_' or '-', not {name!r}",
                          name=name)
    clean, password = split_password(url)
    if password is not None:
        raise IngestError("db_password_in_url", f"{mask(url)} carries a password; a saved connection must not store "
                          "it: remove it from the URL and say where to read it (PGPASSWORD or ~/.pgpass, "
                          "an environment variable, or a private file)", source=mask(url))
    ps = password_source or PasswordSource()
    payload = json.dumps({"url": clean, "password": {"kind": ps.kind, "ref": ps.ref}})
    with db.write(con, data=False) as cur:
        saved.put(cur, name, CONNECTION_KIND, payload, dt.datetime.now().replace(microsecond=0), user=user)
    return Connection(name, clean, ps)


def connections(cur: duckdb.DuckDBPyConnection) -> list[Connection]:
    """Every saved connection, most recently saved first."""
    return [_connection(v.name, v.payload) for v in saved.listed(cur, CONNECTION_KIND)]


def connection(cur: duckdb.DuckDBPyConnection, name: str) -> Connection:
    """Saved connection ``name``; :class:`IngestError` ``db_no_connection`` when there is none."""
    v = saved.get(cur, name, CONNECTION_KIND)
    if v is None:
        raise IngestError("db_no_connection", f"there is no saved connection {name!r}", name=name)
    return _connection(name, v.payload)


def remove_connection(con: duckdb.DuckDBPyConnection, name: str, user: str | None = None) -> bool:
    """Delete saved connection ``name``; False when there is none."""
    with db.write(con, data=False) as cur:
        return saved.remove(cur, name, CONNECTION_KIND, user=user)


def _connection(name: str, payload: str) -> Connection:
    d = json.loads(payload)
    pw = d.get("password") or {}
    return Connection(name, d["url"], PasswordSource(pw.get("kind", "pgpass"), pw.get("ref")))


# ----------------------------------------------------------------------------- incremental state
@dataclass(frozen=True)
class Since:
    """Pull only rows whose ``column`` is greater than ``value`` (None: every row, the first run)."""

    column: str
    value: str | None = None


def last_high_water(cur: duckdb.DuckDBPyConnection, source: Source) -> tuple[str, str | None] | None:
    """``(incremental column, largest value loaded)`` of the latest load from ``source`` not undone, or None."""
    rows = cur.execute(f"""SELECT mapping FROM {schema.INGEST_LOG} WHERE undone_at IS NULL
                           AND mapping LIKE '%' || ? || '%' ORDER BY load_id DESC""", [source.key]).fetchall()
    for (text,) in rows:
        meta = json.loads(text) if text else {}
        src = meta.get("source") or {}
        if src.get("key") == source.key and src.get("incremental_column"):
            return src["incremental_column"], src.get("high_water")
    return None


def since_for(cur: duckdb.DuckDBPyConnection, source: Source, column: str | None) -> Since:
    """The rows a ``since_last`` load pulls: after the largest value of ``column`` (or the remembered
    column) already loaded from ``source``; every row on the first run."""
    last = last_high_water(cur, source)
    if column is None:
        if last is None:
            raise IngestError("db_no_incremental_column", f"{source.masked_url}: the first incremental load needs "
                              "the incremental column (--incremental-column)", source=source.masked_url)
        column = last[0]
    value = last[1] if last is not None and last[0] == column else None
    return Since(column, value)


# ----------------------------------------------------------------------------- fetching
@dataclass(frozen=True)
class Fetched:
    """What a pull wrote: rows, columns, the incremental column's largest value (text) and the log's note."""

    path: Path
    rows: int
    columns: tuple[str, ...]
    since: Since | None = None
    high_water: str | None = None
    source_meta: dict[str, Any] = field(default_factory=dict)


@contextmanager
def _connect(source: Source) -> Iterator[Any]:
    import psycopg

    password = None
    try:
        password = source._password()
        conn = psycopg.connect(source.url, password=password, connect_timeout=CONNECT_TIMEOUT_S,
                               application_name="cvm-ingest")
    except IngestError:
        raise
    except psycopg.Error as exc:
        msg = _scrub(_first_line(exc), password or source.password)
        auth = "password authentication failed" in msg or getattr(exc, "sqlstate", None) in ("28P01", "28000")
        code = "db_auth" if auth else "db_connect"
        raise IngestError(code, f"cannot connect to {source.masked_url}: {msg}", source=source.masked_url,
                          reason=msg) from None
    try:
        # Read only and one snapshot: the largest value and the rows are read from the same data.
        conn.read_only = True
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        yield conn
    finally:
        conn.close()


def _first_line(exc: BaseException) -> str:
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    text = primary or str(exc) or type(exc).__name__
    return " ".join(text.strip().splitlines()[:2]) if text else type(exc).__name__


def _query_error(source: Source, exc: BaseException, rows: int | None = None) -> IngestError:
    msg = _scrub(_first_line(exc), source.password)
    diag = getattr(exc, "diag", None)
    pos = getattr(diag, "statement_position", None) if diag is not None else None
    where = f" after row {rows:,}" if rows else ""
    at = ""
    if pos and str(pos).isdigit():
        # The position counts in the wrapped statement: report it in the analyst's query.
        p = int(pos) - _WRAP_OFFSET
        at = f" (at character {p} of the query)" if 0 < p <= len(source.query) else ""
    return IngestError("db_query", f"{source.masked_url}: the query failed{where}: {msg}{at}",
                       source=source.masked_url, reason=msg + at, rows=rows or 0)


_WRAP_HEAD = "SELECT * FROM (\n"
_WRAP_OFFSET = len(_WRAP_HEAD)


def _describe(cur: Any, source: Source) -> list[tuple[str, int]]:
    """The query's columns as (name, type oid), without reading rows."""
    cur.execute(f"{_WRAP_HEAD}{source.query}\n) AS _q LIMIT 0")
    return [(d.name, d.type_code) for d in cur.description or []]


_TIMESTAMPTZ = 1184


def _text_sql(i: int, oid: int) -> str:
    # A date-time with time zone as the session's local date-time (what the analyst sees in psql).
    return f"(_q.c{i}::timestamp)::text" if oid == _TIMESTAMPTZ else f"_q.c{i}::text"


def fetch(source: Source, dest: str | os.PathLike[str], *, since: Since | None = None, limit: int | None = None,
          batch_rows: int = BATCH_ROWS, limits: Limits = LIMITS,
          progress: Any = None) -> Fetched:
    """Run ``source``'s query (read only) and write its rows as text columns to Parquet file ``dest``.

    With ``since``, only rows whose ``since.column`` is greater than ``since.value`` (all rows when
    the value is None), and the column's largest value is returned as ``high_water``. Raises
    :class:`IngestError` naming the source (password masked): ``db_connect``, ``db_auth``,
    ``db_query``, ``db_no_column`` (the incremental column is not in the result), ``db_too_many_rows``.
    """
    import psycopg
    import pyarrow as pa
    import pyarrow.parquet as pq

    with _connect(source) as conn:
        rows = 0
        try:
            with conn.cursor() as cur:
                cur.execute("SET DateStyle TO ISO, YMD")
                cols = _describe(cur, source)
                if not cols:
                    raise IngestError("db_query", f"{source.masked_url}: the query returns no columns",
                                      source=source.masked_url, reason="no columns", rows=0)
                if len(cols) > limits.max_columns:
                    raise IngestError("too_many_file_columns", f"{source.masked_url}: the query returns {len(cols):,} "
                                      f"columns (limit {limits.max_columns:,})", columns=len(cols),
                                      limit=limits.max_columns)
                names, _ = unique_names([c[0] for c in cols])
                alias = ", ".join(f"c{i}" for i in range(len(cols)))
                frm = f"(\n{source.query}\n) AS _q({alias})"
                where = ""
                high_water = None
                if since is not None:
                    if since.column not in names:
                        raise IngestError("db_no_column", f"{source.masked_url}: the query has no column "
                                          f"{since.column!r} to pull new rows by (its columns: {', '.join(names)})",
                                          source=source.masked_url, column=since.column)
                    k = names.index(since.column)
                    if since.value is not None:
                        # A quoted literal, not a bound parameter: a '%' in the analyst's query stays literal.
                        where = f" WHERE _q.c{k} > {psycopg.sql.Literal(since.value).as_string(conn)}"
                    cur.execute(f"SELECT max(_q.c{k})::text FROM {frm}{where}")
                    high_water = cur.fetchone()[0]
            select = ", ".join(_text_sql(i, oid) for i, (_, oid) in enumerate(cols))
            sql = f"SELECT {select} FROM {frm}{where}"
            if limit is not None:
                sql += f" LIMIT {int(limit)}"
            schema_ = pa.schema([pa.field(n, pa.string()) for n in names])
            with conn.cursor(name="cvm_ingest_fetch") as scur, pq.ParquetWriter(str(dest), schema_) as writer:
                scur.execute(sql)
                while True:
                    batch = scur.fetchmany(batch_rows)
                    if not batch:
                        break
                    rows += len(batch)
                    if rows > limits.parquet_max_rows:
                        raise IngestError("db_too_many_rows", f"{source.masked_url}: the query returns more than "
                                          f"{limits.parquet_max_rows:,} rows; pull it in parts (--since-last or a "
                                          "WHERE clause)", source=source.masked_url, limit=limits.parquet_max_rows)
                    arrays = [pa.array(list(c), pa.string()) for c in zip(*batch, strict=True)]
                    writer.write_table(pa.Table.from_arrays(arrays, schema=schema_))
                    if progress:
                        progress(rows)
            conn.rollback()  # read only: nothing to keep
        except IngestError:
            raise
        except psycopg.Error as exc:
            raise _query_error(source, exc, rows) from None
    meta = {"key": source.key, "url": source.masked_url, "query": source.query, "connection": source.connection,
            "rows": rows}
    if since is not None:
        meta.update({"incremental_column": since.column, "after": since.value,
                     "high_water": high_water if rows else since.value})
    return Fetched(Path(dest), rows, names, since, high_water, meta)


def preview(source: Source, rows: int = PREVIEW_ROWS) -> pd.DataFrame:
    """The query's first ``rows`` rows as text (what the page shows before anything is loaded)."""
    import tempfile

    import pyarrow.parquet as pq

    with tempfile.TemporaryDirectory(prefix="cvm_db_") as folder:
        got = fetch(source, Path(folder) / "preview.parquet", limit=rows)
        return pq.read_table(got.path).to_pandas().astype(object).where(lambda d: d.notna(), None)
